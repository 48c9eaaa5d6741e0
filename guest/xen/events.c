/*
 * Event channels, polled (see events.h).
 */
#include "xen/events.h"

#include "xen/hypercall.h"
#include "xen/xen.h"

int evtchn_send(evtchn_port_t port)
{
	struct evtchn_send send = { .port = port };

	return (int)xen_event_channel_op(EVTCHNOP_send, &send);
}

/*
 * evtchn_pending[] is an array of xen_ulong_t, 64 bits on Arm
 * (public/arch-arm.h). On a little-endian guest bit n of that bitmap is
 * bit n % 32 of 32-bit word n / 32, which lets us use word-sized atomics.
 */
int evtchn_clear(evtchn_port_t port)
{
	uint32_t *words = (uint32_t *)xen_shared_info->evtchn_pending;
	uint32_t bit = 1u << (port % 32);
	uint32_t old;

	old = __atomic_fetch_and(&words[port / 32], ~bit, __ATOMIC_SEQ_CST);
	return (old & bit) != 0;
}

void evtchn_wait(const evtchn_port_t *ports, unsigned int nr_ports)
{
	struct sched_poll poll = {
		.nr_ports = nr_ports,
		.timeout = 0,	/* no timeout: wait for an event */
	};

	set_xen_guest_handle(poll.ports, (evtchn_port_t *)ports);
	xen_sched_op(SCHEDOP_poll, &poll);
}
