/*
 * PV shutdown (see shutdown.h).
 */
#include "xen/shutdown.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <public/sched.h>

#include "xen/xenstore.h"

#define SHUTDOWN_KEY "control/shutdown"

static void (*shutdown_fn)(unsigned int reason);
static bool shutdown_requested;

/* The request now in control/shutdown: a SHUTDOWN_* reason, or -1. */
static int shutdown_request(void)
{
	char value[32];
	int len = xs_read(XS_TX_NONE, SHUTDOWN_KEY, value, sizeof(value));

	if (len <= 0)
		return -1;
	if (strcmp(value, "poweroff") == 0 || strcmp(value, "halt") == 0)
		return SHUTDOWN_poweroff;
	if (strcmp(value, "reboot") == 0)
		return SHUTDOWN_reboot;
	printf("guest: ignoring unsupported shutdown request '%s'\n", value);
	shutdown_ack();
	return -1;
}

static void shutdown_changed(void *arg)
{
	int reason;

	if (shutdown_requested)
		return;
	reason = shutdown_request();
	if (reason < 0)
		return;
	shutdown_requested = true;
	printf("guest: %s requested by the toolstack\n", shutdown_name((unsigned int)reason));
	shutdown_fn((unsigned int)reason);
}

int shutdown_init(void (*fn)(unsigned int reason))
{
	int err = xs_write(XS_TX_NONE, "control/feature-poweroff", "1");

	if (err == 0)
		err = xs_write(XS_TX_NONE, "control/feature-reboot", "1");
	if (err < 0)
		printf("guest: cannot advertise shutdown features (%d)\n", err);
	shutdown_fn = fn;
	err = xs_watch(SHUTDOWN_KEY, shutdown_changed, NULL);
	return err < 0 ? err : 0;
}

int shutdown_ack(void)
{
	return xs_write(XS_TX_NONE, SHUTDOWN_KEY, "");
}

const char *shutdown_name(unsigned int reason)
{
	switch (reason) {
	case SHUTDOWN_reboot:
		return "reboot";
	case SHUTDOWN_crash:
		return "crash";
	default:
		return "poweroff";
	}
}
