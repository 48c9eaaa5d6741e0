/*
 * PV shutdown (see shutdown.h).
 */
#include "xen/shutdown.h"

#include <stdio.h>
#include <string.h>

#include <public/sched.h>

#include "xen/xenstore.h"

#define SHUTDOWN_KEY "control/shutdown"
#define SHUTDOWN_TOKEN "shutdown"

int shutdown_init(void)
{
	int err = xs_write("control/feature-poweroff", "1");

	if (err == 0)
		err = xs_write("control/feature-reboot", "1");
	if (err < 0)
		printf("guest: cannot advertise shutdown features (%d)\n", err);
	return xs_watch(SHUTDOWN_KEY, SHUTDOWN_TOKEN);
}

/* The request now in control/shutdown: a SHUTDOWN_* reason, or -1. */
static int shutdown_request(void)
{
	char value[32];
	int len = xs_read(SHUTDOWN_KEY, value, sizeof(value));

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

unsigned int shutdown_wait(void)
{
	char token[32];
	int reason;

	for (;;) {
		if (xs_wait_watch(token, sizeof(token)) < 0)
			continue;
		if (strcmp(token, SHUTDOWN_TOKEN) != 0)
			continue;
		reason = shutdown_request();
		if (reason >= 0)
			return (unsigned int)reason;
	}
}

int shutdown_ack(void)
{
	return xs_write(SHUTDOWN_KEY, "");
}

const char *shutdown_name(unsigned int reason)
{
	return reason == SHUTDOWN_reboot ? "reboot" : "poweroff";
}
