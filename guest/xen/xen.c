/*
 * shared_info, HVM parameters and shutdown.
 */
#include "xen/xen.h"

#include <stddef.h>

#include "arch/arm32/arch.h"
#include "xen/hypercall.h"

/*
 * The page that XENMEM_add_to_physmap replaces with shared_info. It must be
 * page aligned and in Normal write-back memory (public/arch-arm.h: all
 * memory shared with Xen); our BSS is.
 */
static uint8_t xen_shared_info_page[4096] __attribute__((aligned(4096)));

struct shared_info *xen_shared_info;

int xen_map_shared_info(void)
{
	struct xen_add_to_physmap xatp = {
	    .domid = DOMID_SELF,
	    .space = XENMAPSPACE_shared_info,
	    .idx = 0,
	    /* Page tables are 1:1, so the address is the guest frame. */
	    .gpfn = (uintptr_t)xen_shared_info_page >> 12,
	};
	long rc = xen_memory_op(XENMEM_add_to_physmap, &xatp);

	if (rc < 0)
		return (int)rc;
	xen_shared_info = (struct shared_info *)xen_shared_info_page;
	return 0;
}

int xen_wallclock(uint64_t *sec, uint32_t *nsec)
{
	volatile struct shared_info *s = xen_shared_info;
	uint32_t version;

	if (s == NULL)
		return -1;
	/* public/xen.h: an odd version, or one that changed, means an update was under way. */
	do {
		version = s->wc_version;
		__asm__ volatile("dmb ish" ::: "memory");
		*sec = (uint64_t)s->wc_sec_hi << 32 | s->wc_sec;
		*nsec = s->wc_nsec;
		__asm__ volatile("dmb ish" ::: "memory");
	} while ((version & 1) || version != s->wc_version);
	return 0;
}

int xen_get_param(uint32_t index, uint64_t *value)
{
	struct xen_hvm_param param = {
	    .domid = DOMID_SELF,
	    .index = index,
	};
	long rc = xen_hvm_op(HVMOP_get_param, &param);

	if (rc < 0)
		return (int)rc;
	*value = param.value;
	return 0;
}

void xen_halt(void)
{
	struct sched_poll nothing = {.nr_ports = 0, .timeout = 0};

	/*
	 * With IRQs masked Xen delivers no event to wake the poll (on Arm it
	 * reads the guest's CPSR.I), and a poll on no ports never ends
	 * (SCHEDOP_block would unmask IRQs).
	 */
	irq_disable();
	for (;;)
		xen_sched_op(SCHEDOP_poll, &nothing);
}

void xen_shutdown(unsigned int reason)
{
	struct sched_shutdown shutdown = {.reason = reason};

	xen_sched_op(SCHEDOP_shutdown, &shutdown);
	/* Not reached: Xen does not run a domain that shut down. Should it refuse, sleep. */
	xen_halt();
}

void xen_crash(void)
{
	xen_shutdown(SHUTDOWN_crash);
}
