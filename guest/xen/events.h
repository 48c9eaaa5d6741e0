/*
 * Event channels, polled: in this first stage the guest keeps IRQs masked
 * and blocks in SCHEDOP_poll until one of its ports is pending, so waiting
 * costs no CPU and needs no GIC set-up.
 */
#ifndef GUEST_XEN_EVENTS_H
#define GUEST_XEN_EVENTS_H

#include <stdint.h>

#include <public/event_channel.h>

/* Notify the other end of `port`. Returns 0 or a negative Xen errno. */
int evtchn_send(evtchn_port_t port);

/*
 * Clear and return the pending bit of `port` in shared_info (2-level ABI,
 * public/xen.h). Call it before looking at the ring the port guards, so an
 * event that arrives afterwards is not lost.
 */
int evtchn_clear(evtchn_port_t port);

/*
 * Block until one of `ports` is pending (SCHEDOP_poll, public/sched.h).
 * Returns at once if one already is. Requires shared_info to be mapped.
 */
void evtchn_wait(const evtchn_port_t *ports, unsigned int nr_ports);

#endif
