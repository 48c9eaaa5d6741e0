/*
 * The guest's device drivers as plat_xen.c sees them: one ops table per
 * kind. netfront and blkfront (xen/) provide them; the platform layer
 * calls nothing else of a driver, so another transport could replace one.
 */
#ifndef GUEST_DEV_H
#define GUEST_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plat/plat.h"

struct blkdev_ops {
	const char *name;
	/*
	 * Find the device and offer it to its backend, without waiting for
	 * the backend to connect, so that several devices connect at once.
	 * -ENODEV if none.
	 */
	int (*start)(void);
	/* Connect to the backend (starting first if start() was not called). */
	int (*init)(void);
	int (*info)(struct plat_blk_info *info);
	/* Synchronous transfers in device sectors; any buffer alignment. */
	int (*read)(uint64_t sector, void *buf, uint32_t count);
	int (*write)(uint64_t sector, const void *buf, uint32_t count);
	int (*flush)(void);
	/* The device was lost after it connected: it does not come back. */
	bool (*gone)(void);
};

typedef void (*netdev_rx_fn)(void *arg, const void *frame, size_t len);

struct netdev_ops {
	const char *name;
	int (*start)(void); /* as blkdev_ops' */
	int (*init)(void);
	int (*info)(struct plat_net_info *info);
	/* Received frames are handed to fn from the event loop. */
	void (*set_rx)(netdev_rx_fn fn, void *arg);
	int (*send)(const struct plat_iov *iov, int n);
	/* fn runs from the loop once a send that was refused (-EAGAIN) could go. */
	void (*set_tx_space)(void (*fn)(void *arg), void *arg);
	/*
	 * fn(arg, up) runs from the loop when the link goes down (the backend
	 * went away) and when it is back (connected again, perhaps to a new
	 * backend with another device id): info() then has the MAC.
	 */
	void (*set_link)(void (*fn)(void *arg, bool up), void *arg);
};

extern const struct blkdev_ops blkfront_ops;
extern const struct netdev_ops netfront_ops;

#endif
