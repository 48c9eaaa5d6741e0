/*
 * Exception vectors. This stage takes no interrupts (CPSR.I stays set and
 * events are polled), so every exception is fatal: save the registers on
 * the mode's stack and report them through arch_exception(), which never
 * returns.
 */
	.syntax unified
	.arm

/* \kind: enum arch_exception_kind; \adjust: lr minus the faulting pc. */
.macro vector_entry name, kind, adjust
\name:
	sub	lr, lr, #\adjust
	push	{r0-r12, lr}
	mov	r0, #\kind
	mov	r1, sp
	bl	arch_exception
	b	.
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
	vector_entry vec_irq, 6, 4
	vector_entry vec_fiq, 7, 4
