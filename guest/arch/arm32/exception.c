/*
 * Fatal exceptions and panics. They print with console_puts() only: the
 * fault may have happened inside newlib, whose state is then suspect.
 */
#include "arch/arm32/arch.h"

#include "xen/console.h"
#include "xen/xen.h"

static const char *const exception_names[] = {
	"reset", "undefined instruction", "svc", "prefetch abort",
	"data abort", "hyp trap", "irq", "fiq",
};

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

static uint32_t read_ifar(void)
{
	uint32_t v;

	__asm__ volatile("mrc p15, 0, %0, c6, c0, 2" : "=r"(v));
	return v;
}

static void print_reg(const char *name, uint32_t value)
{
	console_puts(name);
	console_puthex(value);
}

void arch_exception(enum arch_exception_kind kind,
		    const struct arch_exception_frame *frame)
{
	unsigned int i;
	static const char *const regs[] = {
		" r0=", " r1=", " r2=", " r3=", " r4=", " r5=", " r6=",
		" r7=", " r8=", " r9=", " r10=", " r11=", " r12=",
	};

	console_puts("\nguest: fatal exception: ");
	console_puts(kind <= ARCH_EXC_FIQ ? exception_names[kind] : "?");
	print_reg("\n pc=", frame->pc);
	print_reg(" dfsr=", read_dfsr());
	print_reg(" dfar=", read_dfar());
	print_reg(" ifsr=", read_ifsr());
	print_reg(" ifar=", read_ifar());
	console_puts("\n");
	for (i = 0; i < 13; i++)
		print_reg(regs[i], frame->r[i]);
	console_puts("\n");
	xen_crash();
}

void arch_panic(const char *msg)
{
	console_puts("guest: panic: ");
	console_puts(msg);
	console_puts("\n");
	xen_crash();
}
