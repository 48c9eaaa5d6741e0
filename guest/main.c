/*
 * The guest program: bring the platform up, report, start the services
 * (app_start(), the same for every platform) and run the event loop until
 * the toolstack asks us to stop.
 */
#include <stdio.h>
#include <time.h>

#include "app/app.h"
#include "arch/arm32/arch.h"
#include "board.h"
#include "libc/libc.h"
#include "plat/plat.h"
#include "plat_xen.h"
#include "selftest.h"
#include "version.h"
#include "xen/xenstore.h"

extern char __image_start[], __image_end[], _end[];

static void banner(const struct board *b)
{
	printf("guest: appliance unikernel %s (Xen arm32 PV guest)\n", GUEST_VERSION);
	printf("guest: memory %llu MiB at 0x%llx; image %u KiB, with BSS %u KiB; heap %u KiB\n",
	       (unsigned long long)(b->ram_size >> 20), (unsigned long long)b->ram_base,
	       (unsigned int)((__image_end - __image_start) >> 10),
	       (unsigned int)((_end - __image_start) >> 10),
	       (unsigned int)(libc_heap_size() >> 10));
	printf("guest: model \"%s\"\n", b->model);
	printf("guest: xen grant table 0x%llx (%llu KiB), event upcall IRQ %u; GIC dist 0x%llx cpu "
	       "0x%llx\n",
	       (unsigned long long)b->gnttab_base, (unsigned long long)(b->gnttab_size >> 10),
	       (unsigned int)b->evtchn_irq, (unsigned long long)b->gicd_base,
	       (unsigned long long)b->gicc_base);
}

static void report_ready(void)
{
	struct plat_mem_stats st;
	uint32_t freq = timer_frequency();
	uint64_t now = timer_count(), boot = arch_boot_count();
	char domid[8] = "?";

	xs_read(XS_TX_NONE, "domid", domid, sizeof(domid));
	plat_mem_stats(&st);
	printf("guest: ready (domid %s): %llu ms after the first instruction (%llu ms after domain "
	       "creation); "
	       "heap %u KiB in use, high-water %u KiB\n",
	       domid, (unsigned long long)((now - boot) * 1000 / freq),
	       (unsigned long long)(now * 1000 / freq), (unsigned int)(st.heap_used >> 10),
	       (unsigned int)(st.heap_peak >> 10));
	fflush(stdout);
}

/* The wall clock Xen gave us, for a person and for the QEMU test that compares it. */
static void report_wallclock(void)
{
	struct plat_wallclock w;
	char when[32] = "?";
	time_t t;
	struct tm tm;

	plat_wallclock(&w);
	t = (time_t)w.sec;
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("guest: wall clock %lld.%03u (%s)\n", (long long)w.sec,
	       (unsigned int)(w.nsec / 1000000u), when);
}

int main(void)
{

	banner(board_info());
	if (plat_xen_init() < 0) {
		printf("guest: ready\n");
		printf("guest: no xenstore ring (not a domU?): clean exit (poweroff)\n");
		return 0;
	}
	report_ready();
	report_wallclock();
	selftest_run();
	app_start();
	plat_run();
	plat_exit(PLAT_SHUTDOWN_POWEROFF);
}
