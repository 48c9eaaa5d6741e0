/*
 * The PV shutdown protocol (docs/misc/xenstore-paths.pandoc, control/):
 * the toolstack writes "poweroff" or "reboot" to control/shutdown; the
 * guest acknowledges by clearing the key and stops with SCHEDOP_shutdown.
 */
#ifndef GUEST_XEN_SHUTDOWN_H
#define GUEST_XEN_SHUTDOWN_H

/*
 * Advertise control/feature-poweroff and -reboot (so `xl shutdown` uses
 * this protocol) and watch control/shutdown: `fn` runs from the event
 * loop, once, with SHUTDOWN_poweroff or SHUTDOWN_reboot (public/sched.h).
 * Other requests are acknowledged and ignored. Needs xs_init().
 */
int shutdown_init(void (*fn)(unsigned int reason));

/* Clear control/shutdown: the toolstack sees the request was taken. */
int shutdown_ack(void);

/* "poweroff", "reboot" or "crash". */
const char *shutdown_name(unsigned int reason);

#endif
