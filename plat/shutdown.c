/*
 * Shutdown hooks, the same on every platform: the platform calls
 * plat_shutdown() when the machine is asked to stop (xl shutdown / xl
 * reboot in the guest, SIGTERM or SIGINT on the host), and the hooks run
 * from the loop in reverse registration order, each service closing after
 * the ones started after it. A hook that needs the loop to finish (HTTP
 * lets its in-flight responses end) returns PLAT_SHUTDOWN_PENDING and
 * calls plat_shutdown_done() when it has; the next hook runs then, or
 * after PLAT_SHUTDOWN_GRACE_NS at the latest. After the last, plat_exit().
 */
#include <errno.h>

#include "plat/plat.h"

static struct {
	plat_shutdown_fn fn;
	void *arg;
	const char *name;
} shutdown_hooks[PLAT_MAX_SHUTDOWN];
static int shutdown_n;
static bool shutdown_started;
static enum plat_shutdown shutdown_why;
static struct plat_timer shutdown_grace;

int plat_on_shutdown(const char *name, plat_shutdown_fn fn, void *arg)
{
	if (shutdown_n == PLAT_MAX_SHUTDOWN)
		return -ENOSPC;
	shutdown_hooks[shutdown_n].fn = fn;
	shutdown_hooks[shutdown_n].arg = arg;
	shutdown_hooks[shutdown_n].name = name;
	shutdown_n++;
	return 0;
}

static void shutdown_next(void);

static void shutdown_late(void *arg)
{
	(void)arg;
	plat_log("shutdown", "%s did not finish in %u s; going on", shutdown_hooks[shutdown_n].name,
	         (unsigned)(PLAT_SHUTDOWN_GRACE_NS / 1000000000u));
	shutdown_next();
}

/* Run hooks, newest first, until one is pending or none is left. */
static void shutdown_next(void)
{
	while (shutdown_n > 0) {
		int i = --shutdown_n;

		if (shutdown_hooks[i].fn(shutdown_hooks[i].arg, shutdown_why) ==
		    PLAT_SHUTDOWN_PENDING) {
			/* shutdown_late names hook i: it is at shutdown_n now. */
			plat_timer_arm(&shutdown_grace, plat_now_ns() + PLAT_SHUTDOWN_GRACE_NS,
			               shutdown_late, NULL);
			return;
		}
	}
	plat_exit(shutdown_why);
}

void plat_shutdown(enum plat_shutdown why)
{
	/* A second request while the hooks run changes nothing: they are bounded. */
	if (shutdown_started)
		return;
	shutdown_started = true;
	shutdown_why = why;
	plat_log("shutdown", "%s requested: stopping %d service(s)",
	         why == PLAT_SHUTDOWN_REBOOT ? "reboot" : "poweroff", shutdown_n);
	shutdown_next();
}

bool plat_shutdown_started(void)
{
	return shutdown_started;
}

void plat_shutdown_done(void)
{
	if (!shutdown_started || !shutdown_grace.armed)
		return;
	plat_timer_cancel(&shutdown_grace);
	shutdown_next();
}
