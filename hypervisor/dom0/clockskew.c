/*
 * clockskew: how far Xen's wall clock is ahead, in nanoseconds, printed as
 * a decimal number.
 *
 * Linux on ARM, as dom0, gives Xen the wall clock paired with its
 * *monotonic* time (arch/arm/xen/enlighten.c, xen_pvclock_gtod_notify),
 * and Xen takes that as time since the domain's start. But the monotonic
 * clock only starts when the kernel's timekeeping does, after the
 * decompressor and early boot, while the domain's virtual counter has run
 * since the domain was created: Xen's wall clock ends up ahead by the
 * difference, for every guest. This program measures it -- virtual
 * counter time less monotonic time -- so dom0 can hand it to the guest
 * (data/clock_skew_ns), which subtracts it (guest/plat_xen.c).
 *
 * Built on sys-arm.c, freestanding; the virtual counter is readable from
 * user mode, as arm32 Linux allows for its vDSO.
 */
#include <stdint.h>

#include "sys.h"

static uint64_t counter_ns(void)
{
	uint32_t lo, hi, freq;
	uint64_t ticks;

	__asm__ volatile("isb\n\tmrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi)); /* CNTVCT */
	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(freq));              /* CNTFRQ */
	ticks = (uint64_t)hi << 32 | lo;
	return freq ? ticks / freq * 1000000000u + ticks % freq * 1000000000u / freq : 0;
}

static void print_i64(int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? (uint64_t)-v : (uint64_t)v;

	*--p = '\n';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	sys_write(1, p, (size_t)(buf + sizeof(buf) - p));
}

int dom0_main(int argc, char **argv)
{
	uint64_t cnt = counter_ns();
	int64_t mono;
	int rc = sys_monotonic_ns(&mono);

	(void)argc, (void)argv;
	if (rc < 0 || !cnt)
		return 1;
	print_i64((int64_t)cnt - mono);
	return 0;
}
