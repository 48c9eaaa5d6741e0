/*
 * GICv2 (ARM IHI 0048B), as Xen's vGIC presents it to a domU: the
 * distributor and CPU interface at the addresses the DTB names. The guest
 * uses two PPIs only (the event-channel upcall and the virtual timer), all
 * at one priority, EOImode 0 (a write to EOIR drops priority and
 * deactivates).
 */
#include "arch/arm32/arch.h"

#include <errno.h>

#include "xen/console.h"

#define GICD_CTLR 0x000
#define GICD_ISENABLER(n) (0x100 + 4 * (n))
#define GICD_IPRIORITYR(n) (0x400 + (n))

#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

#define GIC_SPURIOUS 1023
#define GIC_PRIORITY 0xa0
#define GIC_MAX_IRQ 64

static volatile uint8_t *gicd, *gicc;
static arch_irq_fn gic_handlers[GIC_MAX_IRQ];

static void gic_write(volatile uint8_t *base, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

static uint32_t gic_read(volatile uint8_t *base, uint32_t off)
{
	return *(volatile uint32_t *)(base + off);
}

void gic_init(uint64_t dist, uint64_t cpu)
{
	gicd = (volatile uint8_t *)(uintptr_t)dist;
	gicc = (volatile uint8_t *)(uintptr_t)cpu;
	gic_write(gicd, GICD_CTLR, 1);
	gic_write(gicc, GICC_PMR, 0xff);
	gic_write(gicc, GICC_CTLR, 1);
}

int gic_enable(unsigned int irq, arch_irq_fn fn)
{
	if (irq >= GIC_MAX_IRQ || gicd == NULL)
		return -EINVAL;
	gic_handlers[irq] = fn;
	/* Byte access to IPRIORITYR is architected (4.3.11). */
	*(volatile uint8_t *)(gicd + GICD_IPRIORITYR(irq)) = GIC_PRIORITY;
	gic_write(gicd, GICD_ISENABLER(irq / 32), 1u << (irq % 32));
	return 0;
}

void arch_irq(void)
{
	uint32_t iar, irq;

	for (;;) {
		iar = gic_read(gicc, GICC_IAR);
		irq = iar & 0x3ff;
		if (irq == GIC_SPURIOUS)
			return;
		if (irq < GIC_MAX_IRQ && gic_handlers[irq] != NULL)
			gic_handlers[irq](irq);
		else
			console_puts("guest: unexpected IRQ\n");
		gic_write(gicc, GICC_EOIR, iar);
	}
}
