/*
 * Private to blkfront.c (the ring, the data path) and blkfront_xs.c (the
 * xenstore handshake): the device state both halves share.
 */
#ifndef GUEST_XEN_BLKFRONT_PRIV_H
#define GUEST_XEN_BLKFRONT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arm32/barrier.h"
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/io/blkif.h>

#include "xen/xenbus.h"

#define BLKFRONT_RING_SIZE __CONST_RING_SIZE(blkif, 4096)
/* Pages of bounce buffer per request (at most 11 per blkif.h). */
#define BLKFRONT_SEGS 8
#define BLKFRONT_REQ_BYTES (BLKFRONT_SEGS * 4096u)

struct blkfront_slot {
	uint8_t *pages; /* BLKFRONT_SEGS pages */
	grant_ref_t gref[BLKFRONT_SEGS];
	bool busy;
	bool done;
	int16_t status; /* BLKIF_RSP_* */
	uint8_t op;
	uint32_t bytes;
	size_t buf_off; /* where in the caller's buffer */
};

struct blkfront {
	struct xenbus_dev bus;
	blkif_front_ring_t ring;
	grant_ref_t ring_ref;
	evtchn_port_t port;
	blkif_vdev_t handle;
	uint64_t sectors; /* in sector_size units */
	uint32_t sector_size;
	bool read_only;
	uint8_t flush_op; /* 0 if the backend has none */
	bool connected;
	bool gone;     /* was connected and lost it (blkfront_lose): it does not come back */
	bool offered;  /* blkfront_offer published our ring */
	int offer_err; /* or failed with this */
	struct blkfront_slot slot[BLKFRONT_RING_SIZE];
};

extern struct blkfront blkfront_dev;

/*
 * blkfront.c: the device is lost (its backend stopped answering, or left
 * Connected): every transfer fails with -ENODEV from now on, and
 * blkdev_ops.gone says so (plat_xen.c then restarts the guest).
 */
void blkfront_lose(struct blkfront *dev);

/*
 * blkfront_xs.c: find the vbd and publish our ring (blkfront_offer), then
 * wait for the backend and go Connected (blkfront_connect, which offers
 * first if that was not done).
 */
int blkfront_offer(struct blkfront *dev);
int blkfront_connect(struct blkfront *dev);

/* blkfront.c: allocate and grant the slots' bounce pages. */
int blkfront_slots_init(struct blkfront *dev);
/* blkfront.c: revoke and free what blkfront_slots_init set up. */
void blkfront_slots_fini(struct blkfront *dev);
/* blkfront.c: consume responses (the event channel handler). */
void blkfront_poll(struct blkfront *dev);

#endif
