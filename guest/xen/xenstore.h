/*
 * A minimal xenstore client over the shared ring (public/io/xs_wire.h,
 * docs/misc/xenstore.txt): read, write and watch, one request at a time,
 * no transactions. Paths may be relative to the domain's home
 * (/local/domain/<id>/). Calls block, without spinning, until xenstored
 * answers. Errors are negative errnos (xenstored's "ENOENT" -> -ENOENT).
 */
#ifndef GUEST_XEN_XENSTORE_H
#define GUEST_XEN_XENSTORE_H

#include <stddef.h>

/* Find and map the ring (HVM_PARAM_STORE_PFN/_EVTCHN). -ENODEV if none. */
int xs_init(void);

/*
 * Read `path` into `buf` (NUL-terminated; -ENOSPC if `size` is too small).
 * Returns the value's length.
 */
int xs_read(const char *path, char *buf, size_t size);

/* Write `value` (a string) to `path`, creating it if needed. */
int xs_write(const char *path, const char *value);

/* Watch `path`: xenstored fires it once now and on every change. */
int xs_watch(const char *path, const char *token);

/*
 * Block until a watch fires and copy its token into `token`. Events that
 * arrive during other requests are remembered, so none is lost (several
 * firings of one watch may be reported once).
 */
int xs_wait_watch(char *token, size_t size);

#endif
