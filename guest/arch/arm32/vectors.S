/*
 * Exception vectors.
 *
 * IRQ is the only exception the guest expects: the entry saves what the
 * AAPCS lets C clobber (r0-r3, r12, lr and the caller-saved VFP state),
 * runs arch_irq() on the interrupted SVC stack and returns. Every other
 * exception is fatal: the entry builds a struct arch_exception_frame
 * (arch.h) with the interrupted mode's sp and lr, so arch_exception() can
 * print the registers and unwind the stack, and never returns.
 */
	.syntax unified
	.arm
	.fpu neon

#define PSR_MODE_MASK 0x1f
#define PSR_MODE_USR 0x10
#define PSR_MODE_SVC 0x13
#define PSR_MODE_SYS 0x1f
#define PSR_IF 0xc0

/*
 * \kind: enum arch_exception_kind; \adjust: lr minus the faulting pc in
 * ARM state (arch_exception() corrects the Thumb cases).
 * Frame: r0-r12 at [sp], sp at +52, lr at +56, pc at +60, cpsr at +64.
 */
.macro vector_entry name, kind, adjust
\name:
	sub	lr, lr, #\adjust
	str	lr, [sp, #-8]
	mrs	lr, spsr
	str	lr, [sp, #-4]
	sub	sp, sp, #16
	push	{r0-r12}
	mov	r0, #\kind
	b	fatal_common
.endm

	.section .text.vectors, "ax", %progbits
	.align 5
	.global arch_vectors
arch_vectors:
	b	vec_reset
	b	vec_undef
	b	vec_svc
	b	vec_pabort
	b	vec_dabort
	b	vec_hyp
	b	vec_irq
	b	vec_fiq

	vector_entry vec_reset, 0, 0
	vector_entry vec_undef, 1, 4
	vector_entry vec_svc, 2, 4
	vector_entry vec_pabort, 3, 4
	vector_entry vec_dabort, 4, 8
	vector_entry vec_hyp, 5, 0
	vector_entry vec_fiq, 7, 4

/*
 * Read sp and lr of the interrupted mode (the SPSR's; User shares System's
 * registers) by switching to it with interrupts masked, then report.
 */
fatal_common:
	ldr	r4, [sp, #64]			@ interrupted CPSR
	and	r5, r4, #PSR_MODE_MASK
	cmp	r5, #PSR_MODE_USR
	moveq	r5, #PSR_MODE_SYS
	mrs	r6, cpsr
	bic	r7, r6, #PSR_MODE_MASK
	orr	r7, r7, r5
	orr	r7, r7, #PSR_IF
	msr	cpsr_c, r7
	mov	r8, sp
	mov	r9, lr
	msr	cpsr_c, r6
	str	r8, [sp, #52]
	str	r9, [sp, #56]
	mov	r1, sp
	bic	sp, sp, #7			@ AAPCS: 8-byte aligned for C
	blx	arch_exception
	b	.

/*
 * IRQ: push the return state onto the SVC stack (SRS), continue in SVC
 * mode so nested calls and faults see one stack, and align it to 8 bytes
 * as the AAPCS requires before calling C. IRQs stay masked throughout: the
 * handlers only record what happened for the event loop.
 */
vec_irq:
	sub	lr, lr, #4
	srsdb	sp!, #PSR_MODE_SVC
	cps	#PSR_MODE_SVC
	push	{r0-r3, r12, lr}
	vmrs	r0, fpscr
	vpush	{d0-d7}
	vpush	{d16-d31}
	mov	r2, sp
	bic	r3, r2, #7
	mov	sp, r3
	push	{r0, r2}			@ FPSCR, the unaligned sp
	blx	arch_irq
	pop	{r0, r2}
	mov	sp, r2
	vpop	{d16-d31}
	vpop	{d0-d7}
	vmsr	fpscr, r0
	pop	{r0-r3, r12, lr}
	rfeia	sp!
