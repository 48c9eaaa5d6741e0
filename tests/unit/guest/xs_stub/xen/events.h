/* test_xenstore.c's event channels: the test implements them. */
#ifndef XS_STUB_EVENTS_H
#define XS_STUB_EVENTS_H
#include <stdbool.h>
#include <stdint.h>
typedef uint32_t evtchn_port_t;
typedef void (*evtchn_fn)(evtchn_port_t port, void *arg);
int evtchn_bind(evtchn_port_t port, evtchn_fn fn, void *arg);
int evtchn_send(evtchn_port_t port);
void evtchn_prepare(evtchn_port_t port);
void evtchn_block(evtchn_port_t port, uint64_t deadline_ns);
#endif
