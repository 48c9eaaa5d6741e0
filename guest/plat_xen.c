/*
 * plat/plat.h for a Xen arm32 PV guest: the event loop over event
 * channels and the virtual timer, console logs, configuration from
 * xenstore appliance/<key>, the seeded DRBG, blkfront and netfront, and
 * the PV shutdown protocol.
 *
 * The loop: dispatch event-channel handlers and xenstore watches, run due
 * timers, call the poll hooks, then sleep in WFI with IRQs masked until an
 * interrupt is pending (Xen blocks the vCPU: public/arch-arm.h, trapped
 * WFI), so an idle guest costs no CPU.
 */
#include "plat/plat.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <public/sched.h>

#include "arch/arm32/arch.h"
#include "dev.h"
#include "entropy.h"
#include "libc/libc.h"
#include "plat/conf.h"
#include "plat_xen.h"
#include "stack.h"
#include "xen/events.h"
#include "xen/shutdown.h"
#include "xen/xen.h"
#include "xen/xenstore.h"

#define PLAT_CONFIG_PREFIX "appliance/"

struct plat_poll_hook {
	plat_fn fn;
	void *arg;
};

static struct plat_timer *plat_timers;
static struct plat_poll_hook plat_polls[PLAT_MAX_POLL];
static unsigned int plat_npolls;
static bool plat_stopping;
static bool plat_blk_up, plat_net_up;

/* ---- time and timers ---- */

uint64_t plat_now_ns(void)
{
	return timer_ns();
}

/*
 * Xen's wall clock at our creation plus the virtual counter since then.
 * Xen on ARM keeps the domain's offset in whole seconds, so this lags the
 * true time by less than a second, as Linux guests do; dom0 sets Xen's
 * clock from the board's RTC at boot and every 11 minutes.
 */
/*
 * How far Xen's wall clock runs ahead, measured by dom0 (hypervisor/dom0/
 * clockskew.c: Linux's monotonic clock starts after the domain's counter)
 * and handed over in data/clock_skew_ns. Bounded: a value that is not a
 * plausible boot time is ignored.
 */
static uint64_t plat_clock_skew_ns;

static void plat_clock_skew_init(void)
{
	uint64_t skew;

	if (xs_read_u64(XS_TX_NONE, "data/clock_skew_ns", &skew) < 0)
		return;
	if (skew > 600ull * 1000000000u) {
		printf("guest: ignoring a clock skew of %llu ns from dom0\n",
		       (unsigned long long)skew);
		return;
	}
	plat_clock_skew_ns = skew;
}

void plat_wallclock(struct plat_wallclock *t)
{
	uint64_t sec = 0, ns = timer_ns();
	uint32_t nsec = 0;

	xen_wallclock(&sec, &nsec);
	ns += nsec;
	/* Subtract the skew from the whole time, borrowing from the seconds. */
	sec += ns / 1000000000u;
	ns %= 1000000000u;
	if (plat_clock_skew_ns <= sec * 1000000000u + ns) {
		uint64_t total = sec * 1000000000u + ns - plat_clock_skew_ns;
		sec = total / 1000000000u;
		ns = total % 1000000000u;
	}
	t->sec = (int64_t)(sec + ns / 1000000000u);
	t->nsec = (uint32_t)(ns % 1000000000u);
}

void plat_timer_cancel(struct plat_timer *t)
{
	struct plat_timer **p;

	if (!t->armed)
		return;
	for (p = &plat_timers; *p != NULL; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

void plat_timer_arm(struct plat_timer *t, uint64_t deadline_ns, plat_fn fn, void *arg)
{
	struct plat_timer **p;

	plat_timer_cancel(t);
	t->deadline_ns = deadline_ns;
	t->fn = fn;
	t->arg = arg;
	/* Sorted by deadline; equal deadlines run in arming order. */
	for (p = &plat_timers; *p != NULL && (*p)->deadline_ns <= deadline_ns; p = &(*p)->next)
		;
	t->next = *p;
	*p = t;
	t->armed = true;
}

static void plat_timers_run(void)
{
	uint64_t now = timer_ns();
	struct plat_timer *t;

	while ((t = plat_timers) != NULL && t->deadline_ns <= now) {
		plat_timers = t->next;
		t->next = NULL;
		t->armed = false;
		t->fn(t->arg);
	}
}

/* ---- the event loop ---- */

int plat_poll_register(plat_fn fn, void *arg)
{
	if (plat_npolls == PLAT_MAX_POLL)
		return -ENOSPC;
	plat_polls[plat_npolls].fn = fn;
	plat_polls[plat_npolls].arg = arg;
	plat_npolls++;
	return 0;
}

static void plat_idle(void)
{
	uint64_t deadline = UINT64_MAX;

	if (plat_timers != NULL)
		deadline = plat_timers->deadline_ns;
	irq_disable();
	if (!evtchn_any_fired() && !xs_watch_pending() && !plat_stopping && deadline > timer_ns()) {
		if (deadline != UINT64_MAX)
			timer_set_deadline(deadline);
		arch_wfi();
	}
	irq_enable();
}

/*
 * Allocations refused for a full heap (libc_heap_refused), said once a
 * second at most: what failed says why too, but rarely that it was this.
 */
static void report_heap_refused(void)
{
	static uint64_t said, said_at;
	size_t largest;
	uint64_t n = libc_heap_refused(&largest), now;

	if (n == said)
		return;
	now = plat_now_ns();
	if (said_at && now - said_at < 1000000000u)
		return;
	plat_log("guest",
	         "out of memory: %llu allocation(s) refused since boot, the largest %u "
	         "bytes; heap %u KiB in use of %u",
	         (unsigned long long)n, (unsigned)largest, (unsigned)mallinfo().uordblks >> 10,
	         (unsigned)(libc_heap_size() >> 10));
	said = n;
	said_at = now;
}

/*
 * The disk lost (blkdev_ops.gone: its backend stopped answering for
 * BLKFRONT_TIMEOUT_NS, or left Connected): nothing can read or write the
 * store until the device connects again, which only a new domain does.
 * The guest restarts (a clean reboot, which dom0's supervisor restarts,
 * sooner or later as for any quick stop) rather than serve 503 until
 * someone power-cycles the board.
 */
static void restart_if_disk_gone(void)
{
	static bool said;

	if (!plat_blk_up || said || !blkfront_ops.gone())
		return;
	said = true;
	plat_log("guest", "the disk is gone (see blkfront above): restarting, to connect it again");
	plat_shutdown(PLAT_SHUTDOWN_REBOOT);
}

void plat_run_once(void)
{
	report_heap_refused();
	restart_if_disk_gone();
	evtchn_dispatch();
	xs_dispatch();
	plat_timers_run();
	for (unsigned int i = 0; i < plat_npolls; i++)
		plat_polls[i].fn(plat_polls[i].arg);
}

void plat_run(void)
{
	plat_stopping = false;
	while (!plat_stopping) {
		plat_run_once();
		if (!plat_stopping)
			plat_idle();
	}
}

void plat_stop(void)
{
	plat_stopping = true;
}

/* ---- console ---- */

void plat_log(const char *module, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", module);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void plat_panic(const char *fmt, ...)
{
	static char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	arch_panic(msg);
}

/* ---- configuration ---- */

/*
 * dom0 copies appliance.conf into xenstore as it finds it on the card. The
 * image build checked the file, but a card edited by hand since was not,
 * and xenstore values may hold any bytes: so every value is checked again
 * here, with the same rules (plat/conf.h), before a service sees it.
 */
int plat_config_get(const char *key, char *buf, size_t size)
{
	char path[sizeof(PLAT_CONFIG_PREFIX) + CONF_KEY_MAX];
	const char *why;
	int len;

	if (!conf_key_known(key)) {
		plat_log("config", "refused key \"%s\": unknown key", key);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), PLAT_CONFIG_PREFIX "%s", key);
	len = xs_read(XS_TX_NONE, path, buf, size);
	if (len == -ENOSPC)
		plat_log("config", "refused %s: does not fit in %u bytes", path, (unsigned)size);
	if (len < 0)
		return len;
	if ((size_t)len != strlen(buf))
		why = "NUL byte in the value";
	else if (conf_check_value(key, buf, &why) == 0)
		return 0;
	plat_log("config", "refused %s: %s", path, why);
	buf[0] = '\0';
	return -EINVAL;
}

/* ---- randomness ---- */

int plat_random(void *buf, size_t len)
{
	return entropy_random(buf, len);
}

bool plat_random_seeded(void)
{
	return entropy_seeded();
}

/* ---- shutdown ---- */

static enum plat_shutdown plat_why(unsigned int reason)
{
	return reason == SHUTDOWN_reboot ? PLAT_SHUTDOWN_REBOOT : PLAT_SHUTDOWN_POWEROFF;
}

static void plat_shutdown_requested(unsigned int reason)
{
	plat_shutdown(plat_why(reason));
}

void plat_exit(enum plat_shutdown why)
{
	unsigned int reason = why == PLAT_SHUTDOWN_REBOOT ? SHUTDOWN_reboot : SHUTDOWN_poweroff;
	struct plat_mem_stats st;

	if (plat_blk_up)
		blkfront_ops.flush();
	plat_mem_stats(&st);
	printf("guest: clean exit (%s), heap high-water %u KiB of %u KiB\n", shutdown_name(reason),
	       (unsigned int)(st.heap_peak >> 10), (unsigned int)(st.heap_size >> 10));
	fflush(stdout);
	shutdown_ack();
	xen_shutdown(reason);
}

/* ---- block device ---- */

int plat_blk_info(struct plat_blk_info *info)
{
	return plat_blk_up ? blkfront_ops.info(info) : -ENODEV;
}

int plat_blk_read(uint64_t sector, void *buf, uint32_t count)
{
	return plat_blk_up ? blkfront_ops.read(sector, buf, count) : -ENODEV;
}

int plat_blk_write(uint64_t sector, const void *buf, uint32_t count)
{
	return plat_blk_up ? blkfront_ops.write(sector, buf, count) : -ENODEV;
}

int plat_blk_flush(void)
{
	return plat_blk_up ? blkfront_ops.flush() : -ENODEV;
}

/* ---- network ---- */

int plat_net_info(struct plat_net_info *info)
{
	return plat_net_up ? netfront_ops.info(info) : -ENODEV;
}

void plat_net_on_rx(void (*fn)(void *arg, const void *frame, size_t len), void *arg)
{
	netfront_ops.set_rx(fn, arg);
}

int plat_net_send(const struct plat_iov *iov, int n)
{
	return plat_net_up ? netfront_ops.send(iov, n) : -ENODEV;
}

void plat_net_on_tx_space(plat_fn fn, void *arg)
{
	netfront_ops.set_tx_space(fn, arg);
}

void plat_net_on_link(void (*fn)(void *arg, bool up), void *arg)
{
	netfront_ops.set_link(fn, arg);
}

/* ---- memory ---- */

void plat_mem_stats(struct plat_mem_stats *st)
{
	struct mallinfo mi = mallinfo();

	st->heap_size = libc_heap_size();
	st->heap_used = (size_t)mi.uordblks;
	st->heap_peak = libc_heap_peak();
	st->heap_refused = libc_heap_refused(&(size_t){0});
	st->stack_size = stack_size();
	st->stack_peak = stack_peak();
}

/* ---- bring-up ---- */

/*
 * A device the guest has that did not connect (its backend slow past the
 * wait, or gone meanwhile): without it the guest would run on without its
 * store or its network for good, and nothing would try again. A new
 * domain does: restart (dom0 restarts a guest that keeps stopping soon
 * after it starts less and less often).
 */
static void boot_device_failed(const char *what, int err)
{
	printf("guest: the %s device did not connect (%d): restarting, to try again\n", what, err);
	plat_exit(PLAT_SHUTDOWN_REBOOT);
}

int plat_xen_init(void)
{
	int err = xs_init();

	if (err < 0)
		return err;
	err = shutdown_init(plat_shutdown_requested);
	if (err < 0)
		printf("guest: cannot watch control/shutdown (%d)\n", err);
	/*
	 * The devices first; nothing here needs the configuration, which
	 * dom0's vif hotplug wrote before we started (hypervisor/dom0/
	 * hotplug.c, guest_configure). Both are offered to their backends
	 * before we wait for either, so that dom0 connects them at once
	 * (issue 13).
	 */
	blkfront_ops.start();
	netfront_ops.start();
	err = blkfront_ops.init();
	plat_blk_up = err == 0;
	if (err < 0 && err != -ENODEV)
		boot_device_failed("block", err);
	err = netfront_ops.init();
	plat_net_up = err == 0;
	if (err < 0 && err != -ENODEV)
		boot_device_failed("network", err);
	entropy_init();
	plat_clock_skew_init();
	return 0;
}
