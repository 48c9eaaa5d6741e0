/*
 * Event channels (2-level ABI, public/xen.h and public/event_channel.h).
 *
 * Xen signals the guest through the upcall PPI named in the DTB; the IRQ
 * handler only moves pending ports into a "fired" bitmap. The event loop
 * (evtchn_dispatch) then calls each bound port's handler. Code that must
 * wait for one port synchronously (a xenstore reply, a block request)
 * uses evtchn_prepare() / evtchn_block(), which sleep without spinning.
 * Before evtchn_init() and with IRQs masked (early boot, the panic path)
 * the same calls fall back to polling: SCHEDOP_poll without a deadline,
 * the pending bit and the clock with one.
 */
#ifndef GUEST_XEN_EVENTS_H
#define GUEST_XEN_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include <public/event_channel.h>

typedef void (*evtchn_fn)(evtchn_port_t port, void *arg);

/* Take the upcall PPI `irq` and switch from polling to interrupts. */
int evtchn_init(unsigned int irq);

/* Call fn(port, arg) from the loop whenever `port` fires; unmasks it. */
int evtchn_bind(evtchn_port_t port, evtchn_fn fn, void *arg);
void evtchn_unbind(evtchn_port_t port);

/* A fresh port for domain `remote` to bind to (EVTCHNOP_alloc_unbound). */
int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
/* Close a port we allocated. */
void evtchn_close(evtchn_port_t port);

/* Notify the other end of `port`. Returns 0 or a negative Xen errno. */
int evtchn_send(evtchn_port_t port);

/* Call the handlers of every port that fired. Returns how many ran. */
unsigned int evtchn_dispatch(void);
/* True if a bound port fired and was not dispatched yet. */
bool evtchn_any_fired(void);

/*
 * Forget earlier events of `port`: call before looking at the ring the
 * port guards, so an event that arrives afterwards is not lost.
 */
void evtchn_prepare(evtchn_port_t port);

/*
 * Sleep until `port` fires (after evtchn_prepare) or the virtual time
 * reaches `deadline_ns` (0: no deadline, for waits that must not give
 * up). May return early; callers loop. Never sleeps past a deadline, with
 * IRQs masked too.
 */
void evtchn_block(evtchn_port_t port, uint64_t deadline_ns);

#endif
