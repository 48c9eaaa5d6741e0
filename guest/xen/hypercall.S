/*
 * The one hypercall trampoline.
 *
 * public/arch-arm.h: the hypercall number goes in r12, up to five arguments
 * in r0-r4, the result comes back in r0, and Xen may clobber r12 and the
 * argument registers; the immediate of the HVC is XEN_HYPERCALL_TAG (0xEA1).
 *
 * C prototype (xen/hypercall.h):
 *   long xen_hypercall(unsigned int op, unsigned long a0, unsigned long a1,
 *                      unsigned long a2, unsigned long a3, unsigned long a4);
 * AAPCS gives us op in r0, a0-a2 in r1-r3 and a3, a4 on the stack; r4 is
 * callee-saved, so it is saved around the call.
 */
	.syntax unified
	.arm
	.section .text.xen_hypercall, "ax", %progbits
	.global xen_hypercall
	.type xen_hypercall, %function
	.align 2
xen_hypercall:
	push	{r4, lr}
	mov	r12, r0
	mov	r0, r1
	mov	r1, r2
	mov	r2, r3
	ldr	r3, [sp, #8]
	ldr	r4, [sp, #12]
	hvc	#0xEA1
	pop	{r4, pc}
	.size xen_hypercall, . - xen_hypercall
