/*
 * blkfront, the data path (public/io/blkif.h): every ring slot owns
 * BLKFRONT_SEGS bounce pages that stay granted to the backend for the
 * device's life, so no request grants or revokes anything. A transfer is
 * cut into slot-sized requests, as many in flight as the ring holds; the
 * caller's buffer is copied to or from the bounce pages, so it needs no
 * alignment. A response that names no request in flight is logged and
 * dropped; a backend that stops answering fails the transfer with -EIO
 * after BLKFRONT_TIMEOUT_NS, and every wait here has that deadline.
 * Responses are copied out of the shared ring before they are checked.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "arch/arm32/arch.h"
#include "dev.h"
#include "xen/blkfront_priv.h"
#include "xen/events.h"
#include "xen/gnttab.h"

#define BLKFRONT_TIMEOUT_NS (30ull * 1000000000ull)

struct blkfront blkfront_dev;

struct blkfront_xfer {
	uint8_t op;
	uint64_t sector512; /* next request's first 512-byte sector */
	uint8_t *buf;
	size_t len, queued; /* bytes in all, bytes handed to slots */
	unsigned int in_flight;
	int err;
};

/*
 * Revoke the first `n` slot grants and free the pages, unless the backend
 * still maps one: then the pages stay allocated (reusing a page the
 * backend can write would be worse than leaking it).
 */
static void blkfront_slots_release(struct blkfront *dev, unsigned int n)
{
	bool busy = false;
	unsigned int k;

	for (k = 0; k < n; k++)
		if (gnttab_end(dev->slot[k / BLKFRONT_SEGS].gref[k % BLKFRONT_SEGS]) < 0)
			busy = true;
	if (!busy)
		free(dev->slot[0].pages);
	dev->slot[0].pages = NULL;
}

int blkfront_slots_init(struct blkfront *dev)
{
	/* One block for all slots: memalign per slot would waste pages. */
	uint8_t *block = memalign(4096, BLKFRONT_RING_SIZE * BLKFRONT_REQ_BYTES);
	unsigned int i, s, granted = 0;
	int ref;

	if (block == NULL)
		return -ENOMEM;
	for (i = 0; i < BLKFRONT_RING_SIZE; i++) {
		dev->slot[i].pages = block + i * BLKFRONT_REQ_BYTES;
		for (s = 0; s < BLKFRONT_SEGS; s++) {
			ref = gnttab_grant(dev->bus.backend_id, dev->slot[i].pages + s * 4096u,
			                   false);
			if (ref < 0)
				goto revoke_grants;
			dev->slot[i].gref[s] = (grant_ref_t)ref;
			granted++;
		}
	}
	return 0;
revoke_grants:
	blkfront_slots_release(dev, granted);
	return ref;
}

void blkfront_slots_fini(struct blkfront *dev)
{
	if (dev->slot[0].pages != NULL)
		blkfront_slots_release(dev, BLKFRONT_RING_SIZE * BLKFRONT_SEGS);
}

static void blkfront_complete(struct blkfront *dev, const blkif_response_t *rsp)
{
	struct blkfront_slot *slot;

	if (rsp->id >= BLKFRONT_RING_SIZE || !dev->slot[rsp->id].busy || dev->slot[rsp->id].done) {
		printf("blkfront: response with bad id %llu ignored\n",
		       (unsigned long long)rsp->id);
		return;
	}
	slot = &dev->slot[rsp->id];
	if (rsp->operation != slot->op)
		printf("blkfront: response op %u for request op %u\n", rsp->operation, slot->op);
	slot->status = rsp->status;
	slot->done = true;
}

void blkfront_lose(struct blkfront *dev)
{
	dev->connected = false;
	dev->gone = true;
}

void blkfront_poll(struct blkfront *dev)
{
	RING_IDX i, rp;
	int more;

	do {
		rp = dev->ring.sring->rsp_prod;
		/* Read the index before the responses it covers. */
		rmb();
		if (rp - dev->ring.rsp_cons > BLKFRONT_RING_SIZE) {
			printf("blkfront: backend produced impossible index %u\n", rp);
			blkfront_lose(dev);
			return;
		}
		for (i = dev->ring.rsp_cons; i != rp; i++) {
			blkif_response_t rsp;

			/* The backend can rewrite the slot while we read it:
			 * check and use one copy (public/io/ring.h). */
			RING_COPY_RESPONSE(&dev->ring, i, &rsp);
			blkfront_complete(dev, &rsp);
		}
		dev->ring.rsp_cons = rp;
		RING_FINAL_CHECK_FOR_RESPONSES(&dev->ring, more);
	} while (more);
}

static int blkfront_free_slot(struct blkfront *dev)
{
	unsigned int i;

	for (i = 0; i < BLKFRONT_RING_SIZE; i++)
		if (!dev->slot[i].busy)
			return (int)i;
	return -1;
}

/* Queue the next piece of `x` in slot `id`. */
static void blkfront_queue(struct blkfront *dev, struct blkfront_xfer *x, int id)
{
	struct blkfront_slot *slot = &dev->slot[id];
	blkif_request_t *req = RING_GET_REQUEST(&dev->ring, dev->ring.req_prod_pvt);
	uint32_t bytes = x->len - x->queued > BLKFRONT_REQ_BYTES ? BLKFRONT_REQ_BYTES
	                                                         : (uint32_t)(x->len - x->queued);
	unsigned int s, nseg = (bytes + 4095) / 4096;

	slot->busy = true;
	slot->done = false;
	slot->op = x->op;
	slot->bytes = bytes;
	slot->buf_off = x->queued;
	if (x->op == BLKIF_OP_WRITE)
		memcpy(slot->pages, x->buf + x->queued, bytes);
	req->operation = x->op;
	req->nr_segments = (uint8_t)nseg;
	req->handle = dev->handle;
	req->id = (uint64_t)id;
	req->sector_number = x->sector512;
	for (s = 0; s < nseg; s++) {
		uint32_t in_page = bytes - s * 4096 > 4096 ? 4096 : bytes - s * 4096;

		req->seg[s].gref = slot->gref[s];
		req->seg[s].first_sect = 0;
		req->seg[s].last_sect = (uint8_t)(in_page / 512 - 1);
	}
	dev->ring.req_prod_pvt++;
	x->queued += bytes;
	x->sector512 += bytes / 512;
	x->in_flight++;
}

static void blkfront_push(struct blkfront *dev)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&dev->ring, notify);
	if (notify)
		evtchn_send(dev->port);
}

/* Collect finished slots of `x`: copy reads out, note errors. */
static void blkfront_reap(struct blkfront *dev, struct blkfront_xfer *x)
{
	unsigned int i;

	for (i = 0; i < BLKFRONT_RING_SIZE; i++) {
		struct blkfront_slot *slot = &dev->slot[i];

		if (!slot->busy || !slot->done)
			continue;
		if (slot->status != BLKIF_RSP_OKAY && x->err == 0)
			x->err = slot->status == BLKIF_RSP_EOPNOTSUPP ? -EOPNOTSUPP : -EIO;
		else if (x->op == BLKIF_OP_READ)
			memcpy(x->buf + slot->buf_off, slot->pages, slot->bytes);
		slot->busy = false;
		x->in_flight--;
	}
}

static int blkfront_run(struct blkfront *dev, struct blkfront_xfer *x)
{
	uint64_t deadline = timer_ns() + BLKFRONT_TIMEOUT_NS;
	int id;

	while ((x->queued < x->len || x->in_flight > 0) && x->err == 0) {
		if (!dev->connected)
			return -EIO;
		while (x->queued < x->len && (id = blkfront_free_slot(dev)) >= 0)
			blkfront_queue(dev, x, id);
		blkfront_push(dev);
		evtchn_prepare(dev->port);
		blkfront_poll(dev);
		blkfront_reap(dev, x);
		if (x->queued < x->len || x->in_flight > 0) {
			if (timer_ns() >= deadline) {
				printf("blkfront: backend did not answer in %llu s\n",
				       BLKFRONT_TIMEOUT_NS / 1000000000ull);
				blkfront_lose(dev);
				return -EIO;
			}
			evtchn_block(dev->port, deadline);
		}
	}
	/* After an error, wait for what is still in flight: its slots' pages
	 * may still be written by the backend. */
	while (x->in_flight > 0 && dev->connected) {
		evtchn_prepare(dev->port);
		blkfront_poll(dev);
		blkfront_reap(dev, x);
		if (x->in_flight > 0)
			evtchn_block(dev->port, deadline);
		if (timer_ns() >= deadline)
			blkfront_lose(dev);
	}
	return x->err;
}

static int blkfront_rw(uint8_t op, uint64_t sector, void *buf, uint32_t count)
{
	struct blkfront *dev = &blkfront_dev;
	struct blkfront_xfer x = {
	    .op = op,
	    .buf = buf,
	    .len = (size_t)count * dev->sector_size,
	    .sector512 = sector * (dev->sector_size / 512),
	};

	if (!dev->connected)
		return -ENODEV;
	if (sector > dev->sectors || count > dev->sectors - sector)
		return -EINVAL;
	if (op == BLKIF_OP_WRITE && dev->read_only)
		return -EROFS;
	return blkfront_run(dev, &x);
}

static int blkfront_read(uint64_t sector, void *buf, uint32_t count)
{
	return blkfront_rw(BLKIF_OP_READ, sector, buf, count);
}

static int blkfront_write(uint64_t sector, const void *buf, uint32_t count)
{
	return blkfront_rw(BLKIF_OP_WRITE, sector, (void *)buf, count);
}

/* A free slot, waiting for the backend to finish one if need be. */
static int blkfront_wait_slot(struct blkfront *dev)
{
	uint64_t deadline = timer_ns() + BLKFRONT_TIMEOUT_NS;
	int id;

	while ((id = blkfront_free_slot(dev)) < 0) {
		if (!dev->connected)
			return -EIO;
		if (timer_ns() >= deadline) {
			printf("blkfront: no free request slot in %llu s\n",
			       BLKFRONT_TIMEOUT_NS / 1000000000ull);
			blkfront_lose(dev);
			return -EIO;
		}
		evtchn_prepare(dev->port);
		blkfront_poll(dev);
		if (blkfront_free_slot(dev) < 0)
			evtchn_block(dev->port, deadline);
	}
	return id;
}

/* A flush or barrier carries no data (blkif.h allows nr_segments 0). */
static int blkfront_flush(void)
{
	struct blkfront *dev = &blkfront_dev;
	struct blkfront_xfer x = {.op = dev->flush_op};
	blkif_request_t *req;
	int id;

	if (!dev->connected)
		return -ENODEV;
	if (dev->flush_op == 0)
		return 0;
	if ((id = blkfront_wait_slot(dev)) < 0)
		return id;
	req = RING_GET_REQUEST(&dev->ring, dev->ring.req_prod_pvt++);
	memset(req, 0, sizeof(*req));
	req->operation = dev->flush_op;
	req->handle = dev->handle;
	req->id = (uint64_t)id;
	dev->slot[id].busy = true;
	dev->slot[id].done = false;
	dev->slot[id].op = dev->flush_op;
	dev->slot[id].bytes = 0;
	dev->slot[id].buf_off = 0;
	x.in_flight = 1;
	x.queued = x.len = 0;
	return blkfront_run(dev, &x);
}

static int blkfront_info(struct plat_blk_info *info)
{
	struct blkfront *dev = &blkfront_dev;

	if (!dev->connected)
		return -ENODEV;
	info->sectors = dev->sectors;
	info->sector_size = dev->sector_size;
	info->read_only = dev->read_only;
	info->flush = dev->flush_op != 0;
	return 0;
}

static int blkfront_start(void)
{
	return blkfront_offer(&blkfront_dev);
}

static int blkfront_init(void)
{
	return blkfront_connect(&blkfront_dev);
}

static bool blkfront_gone(void)
{
	return blkfront_dev.gone;
}

const struct blkdev_ops blkfront_ops = {
    .name = "blkfront",
    .start = blkfront_start,
    .init = blkfront_init,
    .info = blkfront_info,
    .read = blkfront_read,
    .write = blkfront_write,
    .flush = blkfront_flush,
    .gone = blkfront_gone,
};
