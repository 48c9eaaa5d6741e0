/*
 * The generic timer's virtual counter. Xen offsets it so that it counts
 * from the creation of the domain (CNTVOFF), at CNTFRQ Hz.
 */
#include "arch/arm32/arch.h"

uint64_t timer_count(void)
{
	uint32_t lo, hi;

	/* The ISB keeps the read from being hoisted above earlier code. */
	__asm__ volatile("isb\n\tmrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi));
	return ((uint64_t)hi << 32) | lo;
}

uint32_t timer_frequency(void)
{
	uint32_t freq;

	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(freq));
	return freq;
}

uint64_t timer_ns(void)
{
	uint64_t count = timer_count();
	uint32_t freq = timer_frequency();

	if (freq == 0)
		return 0;
	/* Split to avoid overflowing 64 bits for counts beyond ~5 hours. */
	return count / freq * 1000000000ull +
	       count % freq * 1000000000ull / freq;
}
