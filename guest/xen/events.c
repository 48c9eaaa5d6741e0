/*
 * Event channels: the upcall IRQ, per-port handlers, synchronous waits
 * (see events.h; the bit bookkeeping is in evtchn_bits.h).
 */
#include "xen/events.h"

#include <errno.h>

#include "arch/arm32/arch.h"
#include "arch/arm32/barrier.h"
#include "xen/evtchn_bits.h"
#include "xen/hypercall.h"
#include "xen/xen.h"

/* Ports we can bind a handler to; toolstack-made ports are small. */
#define EVTCHN_MAX_BOUND 256

struct evtchn_handler {
	evtchn_fn fn;
	void *arg;
};

static struct evtchn_handler evtchn_handlers[EVTCHN_MAX_BOUND];
static uint32_t evtchn_fired[EVTCHN_NR_PORTS / 32];
static bool evtchn_irq_mode;

static uint32_t *evtchn_pending_words(void)
{
	return (uint32_t *)xen_shared_info->evtchn_pending;
}

static uint32_t *evtchn_mask_words(void)
{
	return (uint32_t *)xen_shared_info->evtchn_mask;
}

/* The upcall: runs with IRQs masked, only records. */
static void evtchn_upcall(unsigned int irq)
{
	struct vcpu_info *vcpu = &xen_shared_info->vcpu_info[0];
	uint64_t sel;

	__atomic_store_n(&vcpu->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	mb();
	sel = __atomic_exchange_n(&vcpu->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	evtchn_scan(sel, evtchn_pending_words(), evtchn_mask_words(), evtchn_fired);
}

int evtchn_init(unsigned int irq)
{
	int err = gic_enable(irq, evtchn_upcall);

	if (err < 0)
		return err;
	evtchn_irq_mode = true;
	return 0;
}

int evtchn_bind(evtchn_port_t port, evtchn_fn fn, void *arg)
{
	struct evtchn_unmask unmask = {.port = port};

	if (port >= EVTCHN_MAX_BOUND)
		return -ENOSPC;
	evtchn_handlers[port].arg = arg;
	evtchn_handlers[port].fn = fn;
	return (int)xen_event_channel_op(EVTCHNOP_unmask, &unmask);
}

void evtchn_unbind(evtchn_port_t port)
{
	if (port >= EVTCHN_MAX_BOUND)
		return;
	__atomic_fetch_or(&evtchn_mask_words()[port / 32], 1u << (port % 32), __ATOMIC_SEQ_CST);
	evtchn_handlers[port].fn = NULL;
	evtchn_bit_take(evtchn_fired, port);
}

int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = remote};
	long rc = xen_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	if (rc < 0)
		return (int)rc;
	*port = op.port;
	return 0;
}

void evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = {.port = port};

	evtchn_unbind(port);
	xen_event_channel_op(EVTCHNOP_close, &op);
}

int evtchn_send(evtchn_port_t port)
{
	struct evtchn_send send = {.port = port};

	return (int)xen_event_channel_op(EVTCHNOP_send, &send);
}

unsigned int evtchn_dispatch(void)
{
	unsigned int ran = 0;
	evtchn_port_t port;

	for (port = 0; port < EVTCHN_MAX_BOUND; port++) {
		if (port % 32 == 0 &&
		    __atomic_load_n(&evtchn_fired[port / 32], __ATOMIC_ACQUIRE) == 0) {
			port += 31;
			continue;
		}
		/* Ports without a handler (the console) are only waited on
		 * synchronously: drop their events here. */
		if (evtchn_bit_take(evtchn_fired, port) && evtchn_handlers[port].fn != NULL) {
			evtchn_handlers[port].fn(port, evtchn_handlers[port].arg);
			ran++;
		}
	}
	return ran;
}

bool evtchn_any_fired(void)
{
	unsigned int w;

	for (w = 0; w < EVTCHN_MAX_BOUND / 32; w++)
		if (__atomic_load_n(&evtchn_fired[w], __ATOMIC_ACQUIRE) != 0)
			return true;
	return false;
}

void evtchn_prepare(evtchn_port_t port)
{
	evtchn_bit_take(evtchn_pending_words(), port);
	evtchn_bit_take(evtchn_fired, port);
}

/* IRQs masked: SCHEDOP_poll watches the pending bit itself. */
static void evtchn_poll(evtchn_port_t port)
{
	struct sched_poll poll = {.nr_ports = 1, .timeout = 0};

	set_xen_guest_handle(poll.ports, &port);
	xen_sched_op(SCHEDOP_poll, &poll);
}

/*
 * IRQs masked, with a deadline. SCHEDOP_poll's timeout is in Xen's system
 * time (public/sched.h), which an ARM guest cannot read: its virtual
 * counter starts at domain creation. So look at the pending bit and the
 * counter ourselves, yielding the CPU in between so that dom0 (the
 * backend, xenconsoled) can run. This spins, but only on the panic path
 * and in early boot, and never past the deadline.
 */
static void evtchn_poll_until(evtchn_port_t port, uint64_t deadline_ns)
{
	while (!evtchn_bit_test(evtchn_pending_words(), port) && timer_ns() < deadline_ns)
		xen_sched_op(SCHEDOP_yield, NULL);
}

void evtchn_block(evtchn_port_t port, uint64_t deadline_ns)
{
	if (!evtchn_irq_mode || irq_masked()) {
		if (deadline_ns != 0)
			evtchn_poll_until(port, deadline_ns);
		else
			evtchn_poll(port);
		return;
	}
	irq_disable();
	if (!evtchn_bit_test(evtchn_fired, port) &&
	    !evtchn_bit_test(evtchn_pending_words(), port) &&
	    (deadline_ns == 0 || timer_ns() < deadline_ns)) {
		if (deadline_ns != 0)
			timer_set_deadline(deadline_ns);
		arch_wfi();
	}
	irq_enable();
}
