/*
 * The guest program of this first stage: say who we are, report ready,
 * and wait (blocked, not spinning) for the toolstack to shut us down.
 */
#include <stdio.h>
#include <unistd.h>

#include <public/sched.h>

#include "board.h"
#include "libc/libc.h"
#include "version.h"
#include "xen/shutdown.h"
#include "xen/xen.h"
#include "xen/xenstore.h"

extern char __image_start[], __image_end[], _end[];

static void banner(const struct board *b)
{
	printf("guest: appliance unikernel %s (Xen arm32 PV guest)\n",
	       GUEST_VERSION);
	printf("guest: memory %llu MiB at 0x%llx; image %u KiB, with BSS %u KiB; heap %u KiB\n",
	       (unsigned long long)(b->ram_size >> 20),
	       (unsigned long long)b->ram_base,
	       (unsigned int)((__image_end - __image_start) >> 10),
	       (unsigned int)((_end - __image_start) >> 10),
	       (unsigned int)(libc_heap_size() >> 10));
	printf("guest: model \"%s\"\n", b->model);
	printf("guest: xen grant table 0x%llx (%llu KiB), event upcall IRQ %u; GIC dist 0x%llx cpu 0x%llx\n",
	       (unsigned long long)b->gnttab_base,
	       (unsigned long long)(b->gnttab_size >> 10),
	       (unsigned int)b->evtchn_irq,
	       (unsigned long long)b->gicd_base,
	       (unsigned long long)b->gicc_base);
}

/* Without xenstore (booted as dom0 for debugging) there is no one to ask
 * us to stop: power off right away. */
static int run_without_xenstore(void)
{
	printf("guest: ready\n");
	printf("guest: no xenstore ring (not a domU?): clean exit (poweroff)\n");
	return 0;
}

int main(void)
{
	unsigned int reason;
	int err;

	banner(board_info());
	if (xs_init() < 0)
		return run_without_xenstore();
	err = shutdown_init();
	if (err < 0)
		printf("guest: cannot watch control/shutdown (%d)\n", err);
	printf("guest: ready\n");
	reason = shutdown_wait();
	printf("guest: clean exit (%s), peak heap %u KiB\n",
	       shutdown_name(reason), (unsigned int)(libc_heap_peak() >> 10));
	fflush(stdout);
	shutdown_ack();
	xen_shutdown(reason);
}
