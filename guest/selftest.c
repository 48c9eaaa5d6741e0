/*
 * The QEMU tests' guest-side hooks (see selftest.h).
 */
#include "selftest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arm32/arch.h"
#include "plat/plat.h"
#include "tls/tls_wolfcrypt.h"
#include "xen/xenstore.h"

#define SELFTEST_MAGIC "appliance blk selftest"
/* selftest=stuck: several times the console ring's 2 KiB. */
#define SELFTEST_STUCK_LINES 128u
/* A recursion frame of selftest=stack: large, so the overflow is quick. */
#define SELFTEST_FRAME_BYTES 256u

/* guest.ld */
extern char __stack_bottom[], __stack_top[];

struct selftest_hdr {
	char magic[24];
	uint32_t generation;
};

/* The pattern of a generation: xorshift32 bytes after the header. */
static void selftest_fill(uint8_t *buf, size_t len, uint32_t generation)
{
	struct selftest_hdr hdr = {.generation = generation};
	uint32_t x = 0x9e3779b9u ^ generation;
	size_t i;

	memcpy(hdr.magic, SELFTEST_MAGIC, sizeof(SELFTEST_MAGIC));
	for (i = sizeof(hdr); i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
	memcpy(buf, &hdr, sizeof(hdr));
}

/* The generation found on disk and whether its pattern is intact. */
static uint32_t selftest_check(const uint8_t *disk, uint8_t *expect, size_t len)
{
	struct selftest_hdr hdr;

	memcpy(&hdr, disk, sizeof(hdr));
	if (memcmp(hdr.magic, SELFTEST_MAGIC, sizeof(SELFTEST_MAGIC)) != 0) {
		printf("guest: selftest blk: no earlier pattern\n");
		return 0;
	}
	selftest_fill(expect, len, hdr.generation);
	if (memcmp(disk, expect, len) == 0)
		printf("guest: selftest blk: pattern generation %u read back intact\n",
		       (unsigned int)hdr.generation);
	else
		printf("guest: selftest blk: pattern generation %u CORRUPT\n",
		       (unsigned int)hdr.generation);
	return hdr.generation;
}

static int selftest_blk_io(uint8_t *disk, uint8_t *pattern, uint64_t first, uint32_t count,
                           uint32_t generation)
{
	uint64_t t0, t1, t2;
	int err;

	selftest_fill(pattern, SELFTEST_BLK_BYTES, generation);
	t0 = plat_now_ns();
	if ((err = plat_blk_write(first, pattern, count)) < 0 || (err = plat_blk_flush()) < 0)
		return err;
	t1 = plat_now_ns();
	if ((err = plat_blk_read(first, disk, count)) < 0)
		return err;
	t2 = plat_now_ns();
	if (memcmp(disk, pattern, SELFTEST_BLK_BYTES) != 0) {
		printf("guest: selftest blk: read-back after write differs\n");
		return -1;
	}
	printf("guest: selftest blk: pattern generation %u written and flushed "
	       "(%u KiB: write+flush %llu us, read %llu us)\n",
	       (unsigned int)generation, SELFTEST_BLK_BYTES / 1024,
	       (unsigned long long)(t1 - t0) / 1000, (unsigned long long)(t2 - t1) / 1000);
	return 0;
}

static void selftest_blk(void)
{
	struct plat_blk_info info;
	uint8_t *disk = malloc(SELFTEST_BLK_BYTES), *pattern = malloc(SELFTEST_BLK_BYTES);
	uint32_t count, generation;
	uint64_t first;
	int err = plat_blk_info(&info);

	if (err < 0 || disk == NULL || pattern == NULL) {
		printf("guest: selftest blk: FAILED: no device or memory (%d)\n", err);
		goto out;
	}
	count = SELFTEST_BLK_BYTES / info.sector_size;
	first = info.sectors - count;
	if ((err = plat_blk_read(first, disk, count)) < 0) {
		printf("guest: selftest blk: FAILED: read (%d)\n", err);
		goto out;
	}
	generation = selftest_check(disk, pattern, SELFTEST_BLK_BYTES);
	err = selftest_blk_io(disk, pattern, first, count, generation + 1);
	if (err < 0)
		printf("guest: selftest blk: FAILED: write (%d)\n", err);
out:
	free(disk);
	free(pattern);
}

/* Deep enough that the backtrace has frames to show. */
static void __attribute__((noinline)) selftest_crash_now(volatile uint32_t *bad)
{
	printf("guest: selftest crash: writing to %p\n", (void *)bad);
	fflush(stdout);
	*bad = 0xdead;
}

/* Unmapped: the first MiB of the address space is no RAM of ours. */
static volatile uintptr_t selftest_bad_address = 0x10;

static void __attribute__((noinline)) selftest_crash(void)
{
	selftest_crash_now((volatile uint32_t *)selftest_bad_address);
	printf("guest: selftest crash: FAILED: the write did not fault\n");
}

/*
 * One frame of a recursion that cannot become a loop: the frame's buffer
 * is used after the call returns, which rules out tail calls and
 * accumulator rewriting.
 */
static unsigned int __attribute__((noinline)) selftest_recurse(unsigned int depth)
{
	volatile uint8_t frame[SELFTEST_FRAME_BYTES];
	unsigned int below;

	frame[0] = (uint8_t)depth;
	frame[sizeof(frame) - 1] = (uint8_t)depth;
	if (depth == 0)
		return frame[0];
	below = selftest_recurse(depth - 1);
	__asm__ volatile("" : : "r"(frame) : "memory");
	return below + frame[sizeof(frame) - 1];
}

/* Recurse through far more than the whole stack: the guard page must stop it. */
static void selftest_stack(void)
{
	unsigned int depth = 4 * (uint32_t)(__stack_top - __stack_bottom) / SELFTEST_FRAME_BYTES;

	printf("guest: selftest stack: recursing %u frames of %u bytes into a %u KiB stack\n",
	       depth, SELFTEST_FRAME_BYTES, (unsigned int)((__stack_top - __stack_bottom) >> 10));
	fflush(stdout);
	selftest_recurse(depth);
	printf("guest: selftest stack: FAILED: the recursion did not fault\n");
}

/*
 * Make `len` bytes just written at `p` visible to instruction fetches
 * (ARM ARM B2.2.9): clean the D-cache lines, invalidate the I-cache and
 * the branch predictor. Without it a fetch from the buffer could miss the
 * new instruction even where execution is allowed, and the test could not
 * fail.
 */
static void selftest_sync_icache(const void *p, size_t len)
{
	uintptr_t a;

	for (a = (uintptr_t)p & ~31u; a < (uintptr_t)p + len; a += 32)
		__asm__ volatile("mcr p15, 0, %0, c7, c11, 1" : : "r"(a) : "memory");
	__asm__ volatile("dsb ish\n\t"
	                 "mcr p15, 0, %0, c7, c5, 0\n\t" /* ICIALLU */
	                 "mcr p15, 0, %0, c7, c5, 6\n\t" /* BPIALL */
	                 "dsb ish\n\tisb"
	                 :
	                 : "r"(0)
	                 : "memory");
}

/* A Thumb `bx lr`, in writable memory: W^X must refuse to run it. */
static uint16_t selftest_code[2] __attribute__((aligned(4)));

static void selftest_exec(void)
{
	void (*fn)(void);

	selftest_code[0] = 0x4770; /* bx lr */
	selftest_code[1] = 0xbf00; /* nop */
	selftest_sync_icache(selftest_code, sizeof(selftest_code));
	fn = (void (*)(void))((uintptr_t)selftest_code | 1);
	printf("guest: selftest exec: calling writable memory at %p\n", (void *)selftest_code);
	fflush(stdout);
	fn();
	printf("guest: selftest exec: FAILED: writable memory ran as code\n");
}

/* A write into the guest's own code: text must be read-only. */
static void selftest_write(void)
{
	volatile uint32_t *text = (volatile uint32_t *)((uintptr_t)selftest_write & ~3u);

	printf("guest: selftest write: writing to text at %p\n", (void *)text);
	fflush(stdout);
	*text = *text;
	printf("guest: selftest write: FAILED: the text is writable\n");
}

/*
 * Fill the console ring with IRQs masked, as the panic path runs, then
 * crash. dom0 stops xenconsoled first: the console must give up waiting
 * (console.h) or the guest would hang here forever instead of crashing.
 */
/* Wait until dom0 writes `path` (relative to our home): 0 or -ETIMEDOUT. */
static int selftest_wait_dom0(const char *path, uint64_t timeout_ns)
{
	uint64_t deadline = timer_ns() + timeout_ns;
	char value[8];
	int id = xs_watch(path, NULL, NULL), err = 0;

	if (id < 0)
		return id;
	while (xs_read(XS_TX_NONE, path, value, sizeof(value)) < 0) {
		if (timer_ns() >= deadline) {
			err = -ETIMEDOUT;
			break;
		}
		while (!xs_watch_take(id) && timer_ns() < deadline)
			xs_wait(deadline);
	}
	xs_unwatch(id);
	return err;
}

static void selftest_stuck(void)
{
	unsigned int i;

	printf("guest: selftest stuck: waiting for dom0 to stop xenconsoled\n");
	fflush(stdout);
	if (selftest_wait_dom0("data/selftest-stuck", 120ull * 1000000000ull) < 0) {
		printf("guest: selftest stuck: FAILED: no word from dom0\n");
		return;
	}
	printf("guest: selftest stuck: %u lines into a console nobody reads, IRQs masked\n",
	       SELFTEST_STUCK_LINES);
	irq_disable();
	for (i = 0; i < SELFTEST_STUCK_LINES; i++)
		printf("guest: selftest stuck: line %u of %u, padded to 64 bytes.......\n", i,
		       SELFTEST_STUCK_LINES);
	fflush(stdout);
	irq_enable();
	selftest_crash();
}

/*
 * wolfSSL's own test of the algorithms it was built with, then its
 * benchmark (tls/tls_wolfcrypt.h), both printing to the console as they
 * go. main.c runs the self-tests once plat_xen_init has the seed, which
 * the test's DRBG checks and every key generation need. The benchmark of
 * a library that failed its test would measure broken code: it is skipped.
 */
static void selftest_wolfcrypt(void)
{
	uint64_t t0 = plat_now_ns(), t1;
	int err;

	if (!plat_random_seeded()) {
		printf("guest: selftest wolfcrypt: FAILED: no entropy seed from dom0\n");
		return;
	}
	printf("guest: selftest wolfcrypt: wolfCrypt test\n");
	fflush(stdout);
	err = tls_wolfcrypt_test();
	t1 = plat_now_ns();
	if (err != 0) {
		printf("guest: selftest wolfcrypt: FAILED: wolfCrypt test returned %d\n", err);
		return;
	}
	printf("guest: selftest wolfcrypt: wolfCrypt test passed in %llu ms; benchmark\n",
	       (unsigned long long)(t1 - t0) / 1000000);
	fflush(stdout);
	err = tls_wolfcrypt_bench();
	if (err != 0) {
		printf("guest: selftest wolfcrypt: FAILED: wolfCrypt benchmark returned %d\n", err);
		return;
	}
	printf("guest: selftest wolfcrypt: passed (test %llu ms, benchmark %llu ms)\n",
	       (unsigned long long)(t1 - t0) / 1000000,
	       (unsigned long long)(plat_now_ns() - t1) / 1000000);
}

/*
 * The test-only self-tests: those that write to the disk or fail on
 * purpose, and wolfCrypt's, whose code only the test build links. A
 * product build (GUEST_TEST_BUILD 0) has no code for them: the entries are
 * NULL and the functions are dropped at link time.
 */
static const struct {
	const char *mode;
	void (*run)(void);
} selftest_destructive[] = {
    {"blk", GUEST_TEST_BUILD ? selftest_blk : NULL},
    {"crash", GUEST_TEST_BUILD ? selftest_crash : NULL},
    {"stack", GUEST_TEST_BUILD ? selftest_stack : NULL},
    {"exec", GUEST_TEST_BUILD ? selftest_exec : NULL},
    {"write", GUEST_TEST_BUILD ? selftest_write : NULL},
    {"stuck", GUEST_TEST_BUILD ? selftest_stuck : NULL},
    {"storewrite", GUEST_TEST_BUILD ? selftest_storewrite : NULL},
    {"ackstall", GUEST_TEST_BUILD ? selftest_ackstall : NULL},
    {"wolfcrypt", GUEST_TEST_BUILD ? selftest_wolfcrypt : NULL},
};

void selftest_run(void)
{
	char mode[32];
	size_t i;

	if (GUEST_TEST_BUILD)
		printf(
		    "guest: test build: the self-tests that write the disk or crash are enabled\n");
	if (plat_config_get("selftest", mode, sizeof(mode)) < 0)
		return;
	for (i = 0; i < sizeof(selftest_destructive) / sizeof(selftest_destructive[0]); i++) {
		if (strcmp(mode, selftest_destructive[i].mode) != 0)
			continue;
		if (selftest_destructive[i].run == NULL)
			printf("guest: selftest=%s refused: this image is not a test build\n",
			       mode);
		else
			selftest_destructive[i].run();
		return;
	}
}
