/*
 * Memory barriers for memory shared with Xen and other domains. They run
 * on other physical CPUs of the same inner-shareable domain, so the ISH
 * variants are enough (public/arch-arm.h: shared memory is Inner
 * Shareable).
 */
#ifndef GUEST_ARCH_BARRIER_H
#define GUEST_ARCH_BARRIER_H

#define mb() __asm__ volatile("dmb ish" ::: "memory")
#define rmb() __asm__ volatile("dmb ish" ::: "memory")
#define wmb() __asm__ volatile("dmb ishst" ::: "memory")

/* The names public/io/ring.h's macros use. */
#define xen_mb() mb()
#define xen_rmb() rmb()
#define xen_wmb() wmb()

#endif
