/*
 * Fatal exceptions and panics: the fault, the registers and a backtrace on
 * the console, then SHUTDOWN_crash so the toolstack's on_crash policy
 * (restart, guest.cfg) applies. They print with console_puts() only: the
 * fault may have happened inside newlib, whose state is then suspect.
 */
#include "arch/arm32/arch.h"

#include "arch/arm32/mmu.h"
#include "xen/console.h"
#include "xen/xen.h"

/* DFSR.WnR: the abort was on a write (B4.1.52). */
#define DFSR_WNR (1u << 11)

extern char __stack_bottom[];

static const char *const exception_names[] = {
    "reset", "undefined instruction", "svc", "prefetch abort", "data abort", "hyp trap", "irq",
    "fiq",
};

/* Set once the panic path started: a fault inside it stops at once. */
static int exception_nesting;

static uint32_t read_dfsr(void)
{
	uint32_t v;

	__asm__ volatile("mrc p15, 0, %0, c5, c0, 0" : "=r"(v));
	return v;
}

static uint32_t read_dfar(void)
{
	uint32_t v;

	__asm__ volatile("mrc p15, 0, %0, c6, c0, 0" : "=r"(v));
	return v;
}

static uint32_t read_ifsr(void)
{
	uint32_t v;

	__asm__ volatile("mrc p15, 0, %0, c5, c0, 1" : "=r"(v));
	return v;
}

/*
 * The fault status of a DFSR or IFSR, short-descriptor format: FS[4] is
 * bit 10, FS[3:0] bits 3:0 (ARM ARM B4.1.52, table B3-23).
 */
static const char *fault_status(uint32_t fsr)
{
	switch ((fsr >> 6 & 0x10) | (fsr & 0xf)) {
	case 0x01:
		return "alignment fault";
	case 0x05:
	case 0x07:
		return "translation fault (unmapped)";
	case 0x0d:
	case 0x0f:
		return "permission fault";
	case 0x09:
	case 0x0b:
		return "domain fault";
	case 0x08:
		return "synchronous external abort";
	default:
		return "other fault";
	}
}

static void print_reg(const char *name, uint32_t value)
{
	console_puts(name);
	console_puthex(value);
}

static void print_frame(const struct arch_exception_frame *frame)
{
	static const char *const regs[] = {
	    " r0=", " r1=", " r2=", " r3=",  " r4=",  " r5=",  " r6=",
	    " r7=", " r8=", " r9=", " r10=", " r11=", " r12=",
	};
	unsigned int i;

	print_reg("guest: pc=", frame->pc);
	print_reg(" lr=", frame->lr);
	print_reg(" sp=", frame->sp);
	print_reg(" cpsr=", frame->cpsr);
	console_puts("\nguest:");
	for (i = 0; i < 13; i++) {
		print_reg(regs[i], frame->r[i]);
		if (i == 6)
			console_puts("\nguest:");
	}
	console_puts("\n");
}

/* Say in words what an abort was: a stack overflow above all. */
static void print_cause(enum arch_exception_kind kind)
{
	uint32_t dfsr = read_dfsr(), ifsr = read_ifsr();

	if (kind == ARCH_EXC_DABORT && mmu_in_guard(read_dfar())) {
		console_puts("guest: stack overflow: the stack grew into its guard page ");
		console_puthex(read_dfar() & ~0xfffu);
		console_puts(" (stack bottom ");
		console_puthex((uint32_t)(uintptr_t)__stack_bottom);
		console_puts(")\n");
	} else if (kind == ARCH_EXC_DABORT) {
		console_puts("guest: data abort: ");
		console_puts(fault_status(dfsr));
		console_puts(dfsr & DFSR_WNR ? " on a write\n" : " on a read\n");
	} else if (kind == ARCH_EXC_PABORT) {
		console_puts("guest: prefetch abort: ");
		console_puts(fault_status(ifsr));
		console_puts(" on an instruction fetch\n");
	}
}

static void __attribute__((noreturn)) exception_stop(void)
{
	console_puts("guest: stopping with SHUTDOWN_crash\n");
	xen_crash();
}

void arch_exception(enum arch_exception_kind kind, const struct arch_exception_frame *frame)
{
	struct arch_exception_frame f = *frame;
	uint32_t vrs[16];
	unsigned int i;

	if (exception_nesting++ > 0) {
		console_puts("\nguest: fault in the panic path: ");
		console_puts(kind <= ARCH_EXC_FIQ ? exception_names[kind] : "?");
		print_reg(" pc=", frame->pc);
		print_reg(" cpsr=", frame->cpsr);
		console_puts("\n");
		xen_crash();
	}
	/* An undefined Thumb instruction leaves lr 2 bytes past it, not 4. */
	if (kind == ARCH_EXC_UNDEF && (f.cpsr & ARCH_PSR_T))
		f.pc += 2;
	console_puts("\nguest: fatal exception: ");
	console_puts(kind <= ARCH_EXC_FIQ ? exception_names[kind] : "?");
	print_reg(" dfsr=", read_dfsr());
	print_reg(" dfar=", read_dfar());
	print_reg(" ifsr=", read_ifsr());
	console_puts("\n");
	print_cause(kind);
	print_frame(&f);
	for (i = 0; i < 13; i++)
		vrs[i] = f.r[i];
	vrs[13] = f.sp;
	vrs[14] = f.lr;
	vrs[15] = f.pc | (f.cpsr & ARCH_PSR_T ? 1 : 0);
	arch_backtrace(vrs);
	exception_stop();
}

/* Start the backtrace at this function's own frame, which unwinds to the
 * caller like any other. */
static void __attribute__((noinline)) backtrace_here(void)
{
	uint32_t vrs[16] = {0};
	uint32_t sp, pc;

	__asm__ volatile("mov %0, sp\n\tadr %1, ." : "=r"(sp), "=r"(pc));
	vrs[13] = sp;
	vrs[14] = (uint32_t)(uintptr_t)__builtin_return_address(0);
	vrs[15] = pc;
	arch_backtrace(vrs);
}

void arch_panic(const char *msg)
{
	irq_disable();
	if (exception_nesting++ > 0) {
		console_puts("\nguest: panic in the panic path\n");
		xen_crash();
	}
	console_puts("guest: panic: ");
	console_puts(msg);
	console_puts("\n");
	backtrace_here();
	exception_stop();
}
