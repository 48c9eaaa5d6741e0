/*
 * The frontend side of the xenbus handshake (public/io/xenbus.h,
 * docs/misc/xenstore-paths.pandoc "device/"), shared by netfront and
 * blkfront: find the device node, follow the backend's state.
 */
#ifndef GUEST_XEN_XENBUS_H
#define GUEST_XEN_XENBUS_H

#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>
#include <public/io/xenbus.h>

#include "xen/xenstore.h"

struct xenbus_dev {
	char node[48];    /* ours, relative: "device/vbd/51712" */
	char backend[96]; /* the backend's, absolute */
	domid_t backend_id;
	int state_watch; /* xs watch id on <backend>/state, or -1 */
};

/* The first device of `type` ("vif", "vbd"). -ENODEV if there is none. */
int xenbus_find(const char *type, struct xenbus_dev *dev);

/*
 * The first device of `type` that dom0 added and no frontend took yet
 * (its backend Initialising or InitWait): one attached while we run.
 * -ENODEV if there is none.
 */
int xenbus_find_new(const char *type, struct xenbus_dev *dev);

/* `<node>/key` or `<backend>/key` into buf (for xs_* calls). */
int xenbus_path(char *buf, size_t size, const char *dir, const char *key);

/* Write a decimal `value` to our `<node>/key`, inside transaction `tx`. */
int xenbus_write_u(xs_tx tx, struct xenbus_dev *dev, const char *key, unsigned long value);

/* Write our state. */
int xenbus_switch_state(struct xenbus_dev *dev, enum xenbus_state state);

/*
 * The backend's state now, into *st: 0, with XenbusStateUnknown if its
 * node is gone (-ENOENT) or holds no state: the backend is gone. Another
 * failure of the read (xenstored silent or short of memory) says nothing
 * of the backend: -errno, *st untouched.
 */
int xenbus_backend_state(struct xenbus_dev *dev, enum xenbus_state *st);

/*
 * Wait (sleeping) until the backend reaches `want`. -ENOTCONN if it went
 * to Closing/Closed instead, -ETIMEDOUT after `timeout_ns`.
 */
int xenbus_wait_backend(struct xenbus_dev *dev, enum xenbus_state want, uint64_t timeout_ns);

/* Read a decimal key of the backend; `def` if absent. */
uint64_t xenbus_backend_u64(struct xenbus_dev *dev, const char *key, uint64_t def);

/* Call fn(arg) from the loop whenever the backend's state changes. */
int xenbus_watch_backend(struct xenbus_dev *dev, void (*fn)(void *), void *arg);
/* Stop that, if it runs. */
void xenbus_unwatch_backend(struct xenbus_dev *dev);

#endif
