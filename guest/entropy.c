/*
 * Seeding the DRBG (see entropy.h).
 */
#include "entropy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/arm32/arch.h"
#include "rng/drbg.h"
#include "xen/hypercall.h"
#include "xen/xenstore.h"
#include "plat/hex.h"

#define ENTROPY_SEED_KEY "data/seed"
/*
 * How long the guest waits for dom0's seed. dom0's vif hotplug writes it
 * before xl unpauses us (hypervisor/dom0/hotplug.c, guest_configure), at
 * boot and when xl restarts a crashed guest, so it is there at once; the
 * wait covers a dom0 that writes it late, as it once did (about 8 s under
 * QEMU's TCG for a restart). Without a seed HTTPS stays down until the
 * next restart, so waiting longer costs less than giving up.
 */
#define ENTROPY_WAIT_NS (30ull * 1000000000ull)
#define ENTROPY_JITTER_SAMPLES 256

static struct drbg entropy_drbg;
static bool entropy_ok;

int entropy_parse_seed(const char *hex, uint8_t seed[32])
{
	int i, hi, lo;

	if (strlen(hex) != 64)
		return -EINVAL;
	for (i = 0; i < 32; i++) {
		hi = plat_hex_digit(hex[2 * i]);
		lo = plat_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		seed[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/*
 * Timer jitter: the counter's value around a hypercall varies with the
 * host's caches, interrupts and scheduling. It is no substitute for the
 * seed; it makes two boots with the same seed diverge.
 */
static void entropy_mix_jitter(void)
{
	uint32_t samples[ENTROPY_JITTER_SAMPLES];
	uint64_t t0, t1;
	int i;

	for (i = 0; i < ENTROPY_JITTER_SAMPLES; i++) {
		t0 = timer_count();
		xen_hypercall(__HYPERVISOR_xen_version, 0, 0, 0, 0, 0);
		t1 = timer_count();
		samples[i] = (uint32_t)(t1 - t0) ^ (uint32_t)t1 << 16;
	}
	drbg_mix(&entropy_drbg, samples, sizeof(samples));
}

/* Wait for the key: dom0 writes it last, after appliance/ (see init). */
static int entropy_read_seed(char *hex, size_t size)
{
	uint64_t deadline = timer_ns() + ENTROPY_WAIT_NS;
	int id = xs_watch(ENTROPY_SEED_KEY, NULL, NULL), len;

	for (;;) {
		len = xs_read(XS_TX_NONE, ENTROPY_SEED_KEY, hex, size);
		if (len != -ENOENT || timer_ns() >= deadline || id < 0)
			break;
		while (!xs_watch_take(id) && timer_ns() < deadline)
			xs_wait(deadline);
	}
	if (id >= 0)
		xs_unwatch(id);
	return len;
}

int entropy_init(void)
{
	uint8_t seed[32];
	char hex[80];
	uint64_t now = timer_count();
	int len = entropy_read_seed(hex, sizeof(hex)), err;

	drbg_mix(&entropy_drbg, &now, sizeof(now));
	entropy_mix_jitter();
	if (len < 0 || entropy_parse_seed(hex, seed) < 0) {
		printf("guest: WARNING no entropy seed from dom0: TLS will not start\n");
		return len < 0 ? len : -EINVAL;
	}
	drbg_mix(&entropy_drbg, seed, sizeof(seed));
	memset(seed, 0, sizeof(seed));
	memset(hex, 0, sizeof(hex));
	err = xs_rm(XS_TX_NONE, ENTROPY_SEED_KEY);
	if (err < 0)
		printf("guest: cannot remove %s (%d)\n", ENTROPY_SEED_KEY, err);
	entropy_ok = true;
	printf(
	    "guest: entropy: 256-bit seed from dom0 + %d timer samples; %s consumed at %llu ms\n",
	    ENTROPY_JITTER_SAMPLES, ENTROPY_SEED_KEY, (unsigned long long)(timer_ns() / 1000000));
	return 0;
}

bool entropy_seeded(void)
{
	return entropy_ok;
}

int entropy_random(void *buf, size_t len)
{
	if (!entropy_ok)
		return -EAGAIN;
	drbg_generate(&entropy_drbg, buf, len);
	return 0;
}
