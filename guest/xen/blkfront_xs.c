/*
 * blkfront, the control path: the xenbus handshake of public/io/blkif.h
 * ("Front/back handshake"). Wait for the backend's InitWait, publish the
 * ring (ring-ref, event-channel, protocol) and Initialised in one
 * transaction, wait for Connected, read the disk's geometry and features,
 * and go Connected. A backend that later closes only disconnects us.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <public/io/protocols.h>

#include "arch/arm32/arch.h"
#include "xen/blkfront_priv.h"
#include "xen/events.h"
#include "xen/gnttab.h"
#include "xen/xenstore.h"

#define BLKFRONT_HANDSHAKE_NS (10ull * 1000000000ull)

static int blkfront_publish(xs_tx tx, void *arg)
{
	struct blkfront *dev = arg;
	char path[96];
	int err;

	if ((err = xenbus_write_u(tx, &dev->bus, "ring-ref", dev->ring_ref)) < 0 ||
	    (err = xenbus_write_u(tx, &dev->bus, "event-channel", dev->port)) < 0)
		return err;
	xenbus_path(path, sizeof(path), dev->bus.node, "protocol");
	if ((err = xs_write(tx, path, XEN_IO_PROTO_ABI_ARM)) < 0)
		return err;
	return xenbus_write_u(tx, &dev->bus, "state", XenbusStateInitialised);
}

static int blkfront_ring_init(struct blkfront *dev)
{
	blkif_sring_t *sring = memalign(4096, 4096);
	int ref, err;

	if (sring == NULL)
		return -ENOMEM;
	memset(sring, 0, 4096);
	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&dev->ring, sring, 4096);
	ref = gnttab_grant(dev->bus.backend_id, sring, false);
	if (ref < 0) {
		err = ref;
		goto free_ring;
	}
	dev->ring_ref = (grant_ref_t)ref;
	err = evtchn_alloc_unbound(dev->bus.backend_id, &dev->port);
	if (err < 0)
		goto end_grant;
	return 0;
end_grant:
	gnttab_end(dev->ring_ref);
free_ring:
	free(sring);
	return err;
}

/* Undo blkfront_ring_init; a ring the backend still maps is not freed. */
static void blkfront_ring_fini(struct blkfront *dev)
{
	evtchn_close(dev->port);
	if (gnttab_end(dev->ring_ref) == 0)
		free(dev->ring.sring);
}

static void blkfront_read_geometry(struct blkfront *dev)
{
	uint64_t sectors512 = xenbus_backend_u64(&dev->bus, "sectors", 0);

	dev->sector_size = (uint32_t)xenbus_backend_u64(&dev->bus, "sector-size", 512);
	if (dev->sector_size < 512 || dev->sector_size > 4096 ||
	    (dev->sector_size & (dev->sector_size - 1)) != 0) {
		printf("blkfront: odd sector-size %u, using 512\n", (unsigned int)dev->sector_size);
		dev->sector_size = 512;
	}
	/*
	 * blkif.h says "sectors" counts sector-size units, but Linux's
	 * blkback writes 512-byte units unless feature-large-sector-size
	 * was negotiated (we do not): follow what the backend does.
	 */
	dev->sectors = sectors512 * 512 / dev->sector_size;
	dev->read_only = (xenbus_backend_u64(&dev->bus, "info", 0) & VDISK_READONLY) != 0;
	if (xenbus_backend_u64(&dev->bus, "feature-flush-cache", 0) == 1)
		dev->flush_op = BLKIF_OP_FLUSH_DISKCACHE;
	else if (xenbus_backend_u64(&dev->bus, "feature-barrier", 0) == 1)
		dev->flush_op = BLKIF_OP_WRITE_BARRIER;
}

static void blkfront_backend_changed(void *arg)
{
	struct blkfront *dev = arg;
	enum xenbus_state st;

	if (xenbus_backend_state(&dev->bus, &st) < 0)
		return; /* not known now: the backend's next change tells */
	if (dev->connected && st != XenbusStateConnected) {
		printf("blkfront: backend left Connected (state %d): device gone\n", (int)st);
		blkfront_lose(dev);
	}
}

static void blkfront_event(evtchn_port_t port, void *arg)
{
	blkfront_poll(arg);
}

/*
 * The first half of the handshake, which does not wait for the backend to
 * connect: find the vbd, wait for its backend's InitWait (there at once
 * when xl starts us: it waited for it), publish our ring. netfront's first
 * half runs before either waits for Connected, so that dom0 connects both
 * backends at once (issue 13).
 */
int blkfront_offer(struct blkfront *dev)
{
	const char *slash;
	int err;

	if ((err = xenbus_find("vbd", &dev->bus)) < 0)
		return dev->offer_err = err;
	slash = strrchr(dev->bus.node, '/');
	dev->handle = (blkif_vdev_t)strtoul(slash + 1, NULL, 10);
	err = xenbus_wait_backend(&dev->bus, XenbusStateInitWait, BLKFRONT_HANDSHAKE_NS);
	if (err < 0)
		goto fail;
	if ((err = blkfront_ring_init(dev)) < 0)
		goto fail;
	if ((err = xs_transact(blkfront_publish, dev)) < 0)
		goto release_ring;
	dev->offered = true;
	return 0;
release_ring:
	blkfront_ring_fini(dev);
fail:
	printf("blkfront: %s: handshake with %s failed (%d)\n", dev->bus.node, dev->bus.backend,
	       err);
	return dev->offer_err = err;
}

int blkfront_connect(struct blkfront *dev)
{
	int err;

	if (!dev->offered && dev->offer_err == 0 && (err = blkfront_offer(dev)) < 0)
		return err;
	if (!dev->offered)
		return dev->offer_err;
	err = xenbus_wait_backend(&dev->bus, XenbusStateConnected, BLKFRONT_HANDSHAKE_NS);
	if (err < 0)
		goto release_ring;
	blkfront_read_geometry(dev);
	if ((err = blkfront_slots_init(dev)) < 0)
		goto release_ring;
	if ((err = evtchn_bind(dev->port, blkfront_event, dev)) < 0)
		goto release_slots;
	if ((err = xenbus_switch_state(&dev->bus, XenbusStateConnected)) < 0)
		goto unbind_port;
	dev->connected = true;
	xenbus_watch_backend(&dev->bus, blkfront_backend_changed, dev);
	/* The time is a step of the start-up benchmark (tests/bench/guest-net.sh). */
	printf("blkfront: %s: %llu sectors of %u bytes%s%s; connected at %llu ms\n", dev->bus.node,
	       (unsigned long long)dev->sectors, (unsigned int)dev->sector_size,
	       dev->read_only ? ", read-only" : "",
	       dev->flush_op == BLKIF_OP_FLUSH_DISKCACHE ? ", flush"
	       : dev->flush_op == BLKIF_OP_WRITE_BARRIER ? ", barrier"
	                                                 : ", no flush",
	       (unsigned long long)(timer_ns() / 1000000));
	return 0;
unbind_port:
	evtchn_unbind(dev->port);
release_slots:
	blkfront_slots_fini(dev);
release_ring:
	blkfront_ring_fini(dev);
	printf("blkfront: %s: handshake with %s failed (%d)\n", dev->bus.node, dev->bus.backend,
	       err);
	return err;
}
