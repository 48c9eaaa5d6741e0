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
 * Freestanding (dom0 has no armhf C library to build against): Linux EABI
 * system calls, the virtual counter readable from user mode as arm32
 * Linux allows for its vDSO.
 */
#include <stdint.h>

#define SYS_exit 1
#define SYS_write 4
#define SYS_clock_gettime 263
#define CLOCK_MONOTONIC 1

struct kernel_timespec32 {
	int32_t tv_sec;
	int32_t tv_nsec;
};

static long sys3(long nr, long a, long b, long c)
{
	register long r7 __asm__("r7") = nr;
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;

	__asm__ volatile("svc #0" : "+r"(r0) : "r"(r7), "r"(r1), "r"(r2) : "memory");
	return r0;
}

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
	sys3(SYS_write, 1, (long)p, (long)(buf + sizeof(buf) - p));
}

/* libgcc's division by zero calls raise(); there is no C library to. */
int raise(int sig);
int raise(int sig)
{
	sys3(SYS_exit, 128 + sig, 0, 0);
	return 0;
}

void _start(void) __attribute__((noreturn));
void _start(void)
{
	struct kernel_timespec32 ts;
	uint64_t cnt = counter_ns();
	long rc = sys3(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0);

	if (rc == 0 && cnt)
		print_i64((int64_t)cnt - ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec));
	sys3(SYS_exit, rc == 0 && cnt ? 0 : 1, 0, 0);
	for (;;)
		;
}
