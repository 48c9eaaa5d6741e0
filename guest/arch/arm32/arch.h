/*
 * The arm32 architecture layer: boot entry, exceptions and interrupts, the
 * GIC and the virtual timer. Everything the rest of the guest needs from
 * the CPU.
 */
#ifndef GUEST_ARCH_ARCH_H
#define GUEST_ARCH_ARCH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * C entry from head.S: MMU off, BSS clear, stacks set, VFP on. `start` is
 * the virtual counter at the first instruction. Enables the MMU, brings
 * up Xen basics and the console, parses the DTB, and runs main(). Never
 * returns.
 */
void arch_start(uintptr_t dtb, uint32_t start_lo, uint32_t start_hi) __attribute__((noreturn));

/* The virtual counter value at the guest's first instruction. */
uint64_t arch_boot_count(void);

/* Which vector was taken, in vector-table order. */
enum arch_exception_kind {
	ARCH_EXC_RESET,
	ARCH_EXC_UNDEF,
	ARCH_EXC_SVC,
	ARCH_EXC_PABORT,
	ARCH_EXC_DABORT,
	ARCH_EXC_HYP,
	ARCH_EXC_IRQ,
	ARCH_EXC_FIQ,
};

/* The frame vectors.S builds: the interrupted context's registers. */
struct arch_exception_frame {
	uint32_t r[13];
	uint32_t sp;
	uint32_t lr;
	uint32_t pc;
	uint32_t cpsr;
};

#define ARCH_PSR_T (1u << 5)

/* Report an unexpected exception on the console and crash the domain. */
void arch_exception(enum arch_exception_kind kind, const struct arch_exception_frame *frame)
    __attribute__((noreturn));

/* Stop loudly: message and a backtrace of the caller, then SHUTDOWN_crash. */
void arch_panic(const char *msg) __attribute__((noreturn));

/*
 * Print the call chain that starts at the registers in `vrs` (r0-r15) to
 * the console, one "guest: backtrace #N 0x..." line per frame, using the
 * ARM EHABI unwind tables (.ARM.exidx, "Exception Handling ABI for the ARM
 * Architecture" section 9-10).
 */
void arch_backtrace(uint32_t vrs[16]);

/* ---- interrupts ---- */

/* Called by vectors.S for every IRQ, with IRQs masked. */
void arch_irq(void);

typedef void (*arch_irq_fn)(unsigned int irq);

/* Set up the GICv2 distributor and CPU interface (addresses from the DTB). */
void gic_init(uint64_t gicd, uint64_t gicc);
/* Enable interrupt `irq` (a PPI here) and call `fn` when it fires. */
int gic_enable(unsigned int irq, arch_irq_fn fn);

static inline void irq_disable(void)
{
	__asm__ volatile("cpsid i" ::: "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("cpsie i" ::: "memory");
}

static inline bool irq_masked(void)
{
	uint32_t cpsr;

	__asm__ volatile("mrs %0, cpsr" : "=r"(cpsr));
	return (cpsr & (1u << 7)) != 0;
}

/* Wait for an interrupt (Xen blocks the vCPU until one is pending). */
static inline void arch_wfi(void)
{
	__asm__ volatile("dsb sy\n\twfi" ::: "memory");
}

/* ---- the virtual timer (CNTV_*, PPI 27) ---- */

#define TIMER_VIRT_IRQ 27

/* The virtual counter (CNTVCT) and its frequency in Hz (CNTFRQ). */
uint64_t timer_count(void);
uint32_t timer_frequency(void);
/* Nanoseconds since the counter started (domain creation). */
uint64_t timer_ns(void);
/* Start the timer interrupt and its IRQ. */
void timer_init(void);
/* Raise the timer IRQ at `deadline_ns` (timer_ns), replacing any earlier. */
void timer_set_deadline(uint64_t deadline_ns);
/* True once since the last call if the timer fired. */
bool timer_fired(void);

#endif
