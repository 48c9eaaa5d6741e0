/*
 * The guest console: the PV console ring (public/io/console.h) whose page
 * and event channel come from HVM_PARAM_CONSOLE_PFN / _EVTCHN. Until
 * console_init() found the ring, and when there is none (the image booted
 * as dom0 for debugging), output goes to HYPERVISOR_console_io, which only
 * dom0 or a debug build of Xen accepts.
 */
#ifndef GUEST_XEN_CONSOLE_H
#define GUEST_XEN_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Find and map the console ring. Needs shared_info mapped (to wait when
 * the ring is full). Returns 0 when the ring is in use, or a negative errno
 * when output stays on the hypervisor console.
 */
int console_init(void);

/*
 * Write `len` bytes; blocks while the ring is full, but for 2 seconds at
 * most: then the rest goes to the hypervisor console, and later writes
 * do not wait for a full ring until xenconsoled reads again.
 */
void console_write(const char *buf, size_t len);

/* Convenience for code that cannot use printf (early boot, exceptions). */
void console_puts(const char *s);
void console_puthex(uint32_t value);

#endif
