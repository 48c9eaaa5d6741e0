/*
 * Xen basics for the guest: the shared_info page, HVM parameters and
 * domain shutdown. Everything else under xen/ builds on these.
 */
#ifndef GUEST_XEN_XEN_H
#define GUEST_XEN_XEN_H

#include <stdint.h>

#include <public/xen.h>

/* The shared_info page, valid after xen_map_shared_info() succeeded. */
extern struct shared_info *xen_shared_info;

/*
 * Map Xen's shared_info page over a page of our own BSS. Returns 0 or a
 * negative Xen errno.
 */
int xen_map_shared_info(void);

/*
 * The wall clock at this domain's creation, from shared_info (public/xen.h
 * wc_*; Xen on ARM shifts Xen's by the domain's start, in whole seconds,
 * and the virtual counter runs from that start). -1 before the page is
 * mapped.
 */
int xen_wallclock(uint64_t *sec, uint32_t *nsec);

/*
 * Read HVM parameter `index` (public/hvm/params.h) of this domain into
 * *value. Returns 0 or a negative Xen errno.
 */
int xen_get_param(uint32_t index, uint64_t *value);

/* Ask Xen to stop this domain with a SHUTDOWN_* reason (public/sched.h). */
void xen_shutdown(unsigned int reason) __attribute__((noreturn));

/*
 * Sleep for ever, taking no event: the domain stays, doing nothing, until
 * the toolstack destroys it (a test's power cut at a chosen moment).
 */
void xen_halt(void) __attribute__((noreturn));

/* Stop the domain as crashed: the toolstack's on_crash policy applies. */
void xen_crash(void) __attribute__((noreturn));

#endif
