/*
 * The arm32 architecture layer: boot entry, fatal exceptions and the
 * virtual counter. Everything the rest of the guest needs from the CPU.
 */
#ifndef GUEST_ARCH_ARCH_H
#define GUEST_ARCH_ARCH_H

#include <stdint.h>

/*
 * C entry from head.S: MMU off, BSS clear, stacks set, VFP on. Enables the
 * MMU, brings up Xen basics and the console, parses the DTB, and runs
 * main(). Never returns.
 */
void arch_start(uintptr_t dtb) __attribute__((noreturn));

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

/* The frame vectors.S pushes: r0-r12, then the faulting pc. */
struct arch_exception_frame {
	uint32_t r[13];
	uint32_t pc;
};

/* Report an unexpected exception on the console and crash the domain. */
void arch_exception(enum arch_exception_kind kind,
		    const struct arch_exception_frame *frame)
	__attribute__((noreturn));

/* Stop loudly: message on the console, then SHUTDOWN_crash. */
void arch_panic(const char *msg) __attribute__((noreturn));

/* The virtual counter (CNTVCT) and its frequency in Hz (CNTFRQ). */
uint64_t timer_count(void);
uint32_t timer_frequency(void);
/* Nanoseconds since the counter started (domain creation). */
uint64_t timer_ns(void);

#endif
