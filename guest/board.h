/*
 * What the guest learns about its virtual machine from the DTB Xen/libxl
 * hands it: RAM, the model string, the Xen hypervisor node and the GIC.
 */
#ifndef GUEST_BOARD_H
#define GUEST_BOARD_H

#include <stdint.h>

#include "dtb/dtb.h"

struct board {
	const char *model; /* /model, else the root's first compatible */
	uint64_t ram_base; /* first /memory bank */
	uint64_t ram_size;
	/* The "xen,xen" hypervisor node (docs/misc/arm/device-tree/guest.txt):
	 * reg = the grant-table region, interrupts = the event upcall PPI. */
	uint64_t gnttab_base;
	uint64_t gnttab_size;
	uint32_t evtchn_irq; /* GIC interrupt ID (PPI n is ID 16 + n) */
	uint64_t gicd_base;  /* GICv2 distributor */
	uint64_t gicd_size;
	uint64_t gicc_base; /* GICv2 CPU interface */
	uint64_t gicc_size;
};

/*
 * Fill `b` from the validated tree `dt`. On error returns a negative
 * dtb_error and sets *what to the item that was missing or malformed.
 */
int board_parse(struct board *b, const struct dtb *dt, const char **what);

/* The board the guest booted on, filled before main() runs. */
const struct board *board_info(void);

#endif
