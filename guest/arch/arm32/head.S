/*
 * zImage header and entry.
 *
 * Xen (dom0 builder, xen/arch/arm/kernel.c) and libxl (for a domU,
 * tools/libs/guest/xg_dom_armzimageloader.c) recognise a 32-bit zImage by the
 * magic 0x016f2818 at offset 0x24, followed by the start and end addresses.
 * start = 0 says "position independent": the loader picks the address and
 * loads `end - start` bytes. The entry is the first byte, in ARM state, with
 * the MMU and D-cache off, r0 = 0, r1 = machine type (unused), r2 = DTB.
 *
 * We are linked at a fixed address (guest.ld). If the loader put us
 * elsewhere, the image first copies itself there; then it clears BSS, sets
 * the stacks, enables VFP/NEON and calls arch_start(dtb, CNTVCT at entry)
 * in C.
 */
	.syntax unified
	.arm
	.fpu neon

#define PSR_MODE_FIQ 0x11
#define PSR_MODE_IRQ 0x12
#define PSR_MODE_SVC 0x13
#define PSR_MODE_ABT 0x17
#define PSR_MODE_UND 0x1b

	.section .text.head, "ax", %progbits
	.global _start
_start:
	.rept 8
	mov	r0, r0
	.endr
	b	reset				@ 0x20
	.word	0x016f2818			@ 0x24: zImage magic
	.word	0				@ 0x28: start (any address)
	.word	__image_size			@ 0x2c: end = length
	.word	0x04030201			@ 0x30: little-endian marker

/* Data-cache line size in bytes into \reg (CTR.DminLine, B4.1.42). */
.macro dcache_line reg, tmp
	mrc	p15, 0, \tmp, c0, c0, 1
	ubfx	\tmp, \tmp, #16, #4
	mov	\reg, #4
	lsl	\reg, \reg, \tmp
.endm

/*
 * Clean and invalidate [\start, \end) by address (DCCIMVAC). With the MMU
 * off our accesses bypass the cache, so any line that Xen or the loader
 * left for this memory must go before we write it, or it would shadow our
 * writes once the cache is on.
 */
.macro dcache_flush start, end, line, tmp
	dcache_line \line, \tmp
	sub	\tmp, \line, #1
	bic	\start, \start, \tmp
1:	mcr	p15, 0, \start, c7, c14, 1
	add	\start, \start, \line
	cmp	\start, \end
	blo	1b
	dsb	sy
.endm

reset:
	cpsid	aif
	isb
	mrrc	p15, 1, r10, r11, c14		@ CNTVCT at the first instruction
	mov	r8, r2				@ r8 = DTB for the whole of head.S
	adr	r4, _start			@ r4 = where we run
	ldr	r5, =__image_start		@ r5 = where we are linked
	ldr	r6, =__image_size		@ r6 = bytes to copy
	ldr	r7, =__mem_size			@ r7 = bytes with BSS and stacks
	bl	check_dtb
	cmp	r4, r5
	beq	relocated

	/*
	 * Copy the image to its link address, as memmove would. The copy
	 * must not overwrite the code doing it, which lies in the first
	 * head_size bytes of the source: refuse a shift smaller than that.
	 */
	subs	r0, r4, r5
	rsblo	r0, r0, #0			@ r0 = |load - link|
	ldr	r1, =head_size
	cmp	r0, r1
	adrlo	r1, msg_too_close
	movlo	r0, #(msg_too_close_end - msg_too_close)
	blo	boot_fail_msg
	mov	r0, r5
	add	r1, r5, r6
	dcache_flush r0, r1, r2, r3
	cmp	r5, r4
	blo	copy_down
	add	r0, r4, r6			@ destination above: copy from the end
	add	r1, r5, r6
1:	ldr	r2, [r0, #-4]!
	str	r2, [r1, #-4]!
	cmp	r0, r4
	bhi	1b
	b	copied

	/*
	 * Destination below: copying forward would overwrite this code once
	 * the shift is smaller than the image. Copy the head first, then run
	 * the rest of the copy from the head's new copy.
	 */
copy_down:
	mov	r0, r4
	mov	r1, r5
	ldr	r3, =head_size
	add	r3, r4, r3
1:	ldr	r2, [r0], #4
	str	r2, [r1], #4
	cmp	r0, r3
	blo	1b
	mov	r2, #0
	dsb	sy
	mcr	p15, 0, r2, c7, c5, 0		@ ICIALLU
	mcr	p15, 0, r2, c7, c5, 6		@ BPIALL
	dsb	sy
	isb
	adr	r2, copy_rest
	sub	r2, r2, r4
	add	r2, r2, r5
	bx	r2
copy_rest:					@ runs in the destination
	add	r3, r4, r6
1:	cmp	r0, r3
	bhs	copied
	ldr	r2, [r0], #4
	str	r2, [r1], #4
	b	1b
copied:
	mov	r0, #0
	dsb	sy
	mcr	p15, 0, r0, c7, c5, 0		@ ICIALLU: new code at this address
	mcr	p15, 0, r0, c7, c5, 6		@ BPIALL
	dsb	sy
	isb
	ldr	pc, =relocated

relocated:
	ldr	r0, =__bss_start
	ldr	r1, =__bss_end
	dcache_flush r0, r1, r2, r3
	ldr	r0, =__bss_start
	mov	r2, #0
1:	str	r2, [r0], #4
	cmp	r0, r1
	blo	1b

	/* Fatal-exception modes share one small stack; SVC gets the big one. */
	ldr	r0, =__exc_stack_top
	cps	#PSR_MODE_ABT
	mov	sp, r0
	cps	#PSR_MODE_UND
	mov	sp, r0
	cps	#PSR_MODE_IRQ
	mov	sp, r0
	cps	#PSR_MODE_FIQ
	mov	sp, r0
	cps	#PSR_MODE_SVC
	ldr	sp, =__stack_top

	/* VFP/NEON: CPACR cp10/cp11 full access, then FPEXC.EN (B4.1.40). */
	mrc	p15, 0, r0, c1, c0, 2
	orr	r0, r0, #(0xf << 20)
	mcr	p15, 0, r0, c1, c0, 2
	isb
	mov	r0, #(1 << 30)
	vmsr	fpexc, r0

	ldr	r0, =arch_vectors
	mcr	p15, 0, r0, c12, c0, 0		@ VBAR
	isb

	mov	r0, r8
	mov	r1, r10
	mov	r2, r11
	bl	arch_start
	b	boot_fail

/*
 * The DTB must survive the copy and BSS: stop if [r8, r8 + totalsize)
 * meets [min(r4, r5), max(r4, r5) + r7). A DTB without the magic is left
 * for the C parser to report.
 */
check_dtb:
	ldr	r0, [r8]
	ldr	r1, =0xedfe0dd0			@ FDT magic 0xd00dfeed, big-endian
	cmp	r0, r1
	bxne	lr
	ldr	r1, [r8, #4]
	rev	r1, r1
	add	r1, r1, r8			@ r1 = DTB end
	cmp	r4, r5
	movlo	r2, r4
	movhs	r2, r5				@ r2 = lowest byte we touch
	movhi	r3, r4
	movls	r3, r5
	add	r3, r3, r7			@ r3 = end of what we touch
	cmp	r8, r3
	bxhs	lr
	cmp	r1, r2
	bxls	lr
	adr	r1, msg_dtb_overlap
	mov	r0, #(msg_dtb_overlap_end - msg_dtb_overlap)
	b	boot_fail_msg

/* Say why on the hypervisor console (dom0 or debug Xen only), then crash. */
boot_fail:
	adr	r1, msg_returned
	mov	r0, #(msg_returned_end - msg_returned)
boot_fail_msg:
	mov	r2, r1
	mov	r1, r0
	mov	r0, #0				@ CONSOLEIO_write
	mov	r12, #18			@ __HYPERVISOR_console_io
	hvc	#0xEA1
	adr	r1, shutdown_crash
	mov	r0, #2				@ SCHEDOP_shutdown
	mov	r12, #29			@ __HYPERVISOR_sched_op
	hvc	#0xEA1
	b	.

	.align 2
shutdown_crash:
	.word	3				@ SHUTDOWN_crash
	.align 2					@ adr needs a short, aligned offset
msg_dtb_overlap:
	.ascii	"guest: the DTB lies where the image moves to or clears (link address, BSS)\n"
msg_dtb_overlap_end:
	.align 2
msg_too_close:
	.ascii	"guest: loaded less than a head's size from the link address\n"
msg_too_close_end:
	.align 2
msg_returned:
	.ascii	"guest: arch_start returned\n"
msg_returned_end:
	.align 2
	.ltorg
head_end:
	.set head_size, head_end - _start
