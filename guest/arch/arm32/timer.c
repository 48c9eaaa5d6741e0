/*
 * The generic timer's virtual counter and timer (ARM ARM B8). Xen offsets
 * the counter so that it counts from the creation of the domain (CNTVOFF)
 * and delivers the virtual timer as PPI 27. Xen masks the timer when it
 * fires (CNTV_CTL.IMASK); our handler disables it and notes the event for
 * the loop, which re-arms it for the next deadline.
 */
#include "arch/arm32/arch.h"

#define CNTV_CTL_ENABLE (1u << 0)

static volatile bool timer_pending;

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

static uint64_t timer_count_to_ns(uint64_t count, uint32_t freq)
{
	/* Split to avoid overflowing 64 bits for counts beyond ~5 hours. */
	return count / freq * 1000000000ull + count % freq * 1000000000ull / freq;
}

uint64_t timer_ns(void)
{
	uint32_t freq = timer_frequency();

	return freq == 0 ? 0 : timer_count_to_ns(timer_count(), freq);
}

static void timer_write_ctl(uint32_t ctl)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 1\n\tisb" ::"r"(ctl) : "memory");
}

static void timer_irq(unsigned int irq)
{
	timer_write_ctl(0);
	timer_pending = true;
}

void timer_init(void)
{
	timer_write_ctl(0);
	gic_enable(TIMER_VIRT_IRQ, timer_irq);
}

void timer_set_deadline(uint64_t deadline_ns)
{
	uint32_t freq = timer_frequency();
	uint64_t cval =
	    deadline_ns / 1000000000ull * freq + deadline_ns % 1000000000ull * freq / 1000000000ull;

	/* CNTV_CVAL (B4.1.29): fires when CNTVCT >= CVAL. */
	__asm__ volatile("mcrr p15, 3, %0, %1, c14" ::"r"((uint32_t)cval),
	                 "r"((uint32_t)(cval >> 32)));
	timer_write_ctl(CNTV_CTL_ENABLE);
}

bool timer_fired(void)
{
	bool fired;

	irq_disable();
	fired = timer_pending;
	timer_pending = false;
	irq_enable();
	return fired;
}
