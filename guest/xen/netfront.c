/*
 * netfront, the data path (public/io/netif.h). Every rx and tx slot owns
 * one page, allocated once, that stays granted to the backend for a whole
 * connection: a received frame is handed to the stack straight from its
 * rx page (no copy) and the same page and grant are posted again; a
 * sent frame is copied once from the caller's pieces into a tx page,
 * since the caller frees them on return. No scatter-gather, no offloads
 * (netfront_xs.c negotiates none): one frame, one slot.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "xen/events.h"
#include "xen/gnttab.h"
#include "xen/netfront_priv.h"

struct netfront netfront_dev;

/*
 * Revoke the first `n` grants of a page block. If the backend still maps
 * a page, the block is abandoned (left allocated, pages[0] cleared so the
 * next connection allocates another): a page the backend can still write
 * must never be reused. Returns how many pages were still mapped.
 */
static unsigned int netfront_revoke_pages(uint8_t **pages, grant_ref_t *grefs, unsigned int n)
{
	unsigned int i, busy = 0;

	for (i = 0; i < n; i++)
		if (gnttab_end(grefs[i]) < 0)
			busy++;
	if (busy > 0)
		pages[0] = NULL;
	return busy;
}

/* Allocate `n` pages once, the first time, as one block. */
static int netfront_alloc_pages(uint8_t **pages, unsigned int n)
{
	/* One block: memalign per page would waste up to a page each. */
	uint8_t *block;
	unsigned int i;

	if (pages[0] != NULL)
		return 0;
	block = memalign(4096, (size_t)n * 4096);
	if (block == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		pages[i] = block + (size_t)i * 4096;
	return 0;
}

static int netfront_grant_pages(struct netfront *dev, uint8_t **pages, grant_ref_t *grefs,
                                unsigned int n, bool readonly)
{
	unsigned int i;
	int ref = netfront_alloc_pages(pages, n);

	if (ref < 0)
		return ref;
	for (i = 0; i < n; i++) {
		ref = gnttab_grant(dev->bus.backend_id, pages[i], readonly);
		if (ref < 0)
			goto revoke_grants;
		grefs[i] = (grant_ref_t)ref;
	}
	return 0;
revoke_grants:
	netfront_revoke_pages(pages, grefs, i);
	return ref;
}

static void netfront_post_rx(struct netfront *dev, uint16_t id)
{
	netif_rx_request_t *req = RING_GET_REQUEST(&dev->rx, dev->rx.req_prod_pvt);

	req->id = id;
	req->gref = dev->rx_gref[id];
	dev->rx.req_prod_pvt++;
}

static void netfront_push_rx(struct netfront *dev)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&dev->rx, notify);
	if (notify)
		evtchn_send(dev->port);
}

int netfront_buffers_init(struct netfront *dev)
{
	unsigned int i;
	int err;

	err = netfront_grant_pages(dev, dev->tx_page, dev->tx_gref, NETFRONT_TX_SIZE, true);
	if (err < 0)
		return err;
	err = netfront_grant_pages(dev, dev->rx_page, dev->rx_gref, NETFRONT_RX_SIZE, false);
	if (err < 0) {
		netfront_revoke_pages(dev->tx_page, dev->tx_gref, NETFRONT_TX_SIZE);
		return err;
	}
	for (i = 0; i < NETFRONT_TX_SIZE; i++)
		dev->tx_free[i] = (uint16_t)(NETFRONT_TX_SIZE - 1 - i);
	dev->tx_nfree = NETFRONT_TX_SIZE;
	for (i = 0; i < NETFRONT_RX_SIZE; i++)
		netfront_post_rx(dev, (uint16_t)i);
	netfront_push_rx(dev);
	return 0;
}

unsigned int netfront_buffers_fini(struct netfront *dev)
{
	return netfront_revoke_pages(dev->tx_page, dev->tx_gref, NETFRONT_TX_SIZE) +
	       netfront_revoke_pages(dev->rx_page, dev->rx_gref, NETFRONT_RX_SIZE);
}

static void netfront_rx_one(struct netfront *dev, const netif_rx_response_t *rsp)
{
	if (rsp->id >= NETFRONT_RX_SIZE) {
		printf("netfront: rx response with bad id %u ignored\n", rsp->id);
		dev->rx_errors++;
		return;
	}
	if (rsp->status <= 0 || rsp->offset + rsp->status > 4096 ||
	    (rsp->flags & (NETRXF_more_data | NETRXF_extra_info))) {
		dev->rx_errors++;
	} else {
		dev->rx_frames++;
		if (dev->rx_fn != NULL)
			dev->rx_fn(dev->rx_arg, dev->rx_page[rsp->id] + rsp->offset,
			           (size_t)rsp->status);
	}
	/* The page goes straight back to the backend, still granted. */
	netfront_post_rx(dev, rsp->id);
}

static void netfront_rx(struct netfront *dev)
{
	RING_IDX i, rp;
	int more;

	do {
		rp = dev->rx.sring->rsp_prod;
		rmb();
		if (rp - dev->rx.rsp_cons > NETFRONT_RX_SIZE) {
			printf("netfront: backend produced impossible rx index %u\n", rp);
			dev->connected = false;
			return;
		}
		for (i = dev->rx.rsp_cons; i != rp; i++) {
			netif_rx_response_t rsp;

			/* The backend can rewrite the slot while we read it:
			 * check and use one copy (public/io/ring.h). */
			RING_COPY_RESPONSE(&dev->rx, i, &rsp);
			netfront_rx_one(dev, &rsp);
		}
		dev->rx.rsp_cons = rp;
		RING_FINAL_CHECK_FOR_RESPONSES(&dev->rx, more);
	} while (more);
	netfront_push_rx(dev);
}

/* Give a sent frame's slot back (`rsp` is our copy of the response). */
static void netfront_tx_done(struct netfront *dev, const netif_tx_response_t *rsp)
{
	if (rsp->status == NETIF_RSP_NULL)
		return;
	if (rsp->id >= NETFRONT_TX_SIZE || dev->tx_nfree >= NETFRONT_TX_SIZE) {
		printf("netfront: tx response with bad id %u ignored\n", rsp->id);
		return;
	}
	if (rsp->status != NETIF_RSP_OKAY)
		dev->tx_errors++;
	dev->tx_free[dev->tx_nfree++] = rsp->id;
}

static void netfront_tx_reclaim(struct netfront *dev)
{
	RING_IDX i, rp;
	int more;

	do {
		rp = dev->tx.sring->rsp_prod;
		rmb();
		if (rp - dev->tx.rsp_cons > NETFRONT_TX_SIZE) {
			printf("netfront: backend produced impossible tx index %u\n", rp);
			dev->connected = false;
			return;
		}
		for (i = dev->tx.rsp_cons; i != rp; i++) {
			netif_tx_response_t rsp;

			RING_COPY_RESPONSE(&dev->tx, i, &rsp);
			netfront_tx_done(dev, &rsp);
		}
		dev->tx.rsp_cons = rp;
		RING_FINAL_CHECK_FOR_RESPONSES(&dev->tx, more);
	} while (more);
}

void netfront_poll(struct netfront *dev)
{
	if (!dev->connected)
		return;
	netfront_tx_reclaim(dev);
	/* From the loop, never from inside a send: the callback sends. */
	if (dev->tx_blocked && dev->tx_nfree > 0) {
		dev->tx_blocked = false;
		if (dev->tx_space_fn != NULL)
			dev->tx_space_fn(dev->tx_space_arg);
	}
	netfront_rx(dev);
}

void netfront_link(struct netfront *dev, bool up)
{
	bool blocked = up && dev->tx_blocked;

	dev->connected = up;
	if (up)
		dev->tx_blocked = false;
	if (dev->link_fn != NULL)
		dev->link_fn(dev->link_arg, up);
	/* A send refused before the link went: its sender may go now. */
	if (blocked && dev->tx_space_fn != NULL)
		dev->tx_space_fn(dev->tx_space_arg);
	/*
	 * Frames the new backend put in the ring before we saw it connected:
	 * their event came while we were not, and it sends no other until we
	 * have taken them.
	 */
	if (up)
		netfront_poll(dev);
}

static int netfront_send(const struct plat_iov *iov, int n)
{
	struct netfront *dev = &netfront_dev;
	netif_tx_request_t *req;
	size_t len = 0;
	uint16_t id;
	uint8_t *p;
	int i, notify;

	if (!dev->connected)
		return -ENODEV;
	for (i = 0; i < n; i++)
		len += iov[i].len;
	if (len > NETFRONT_FRAME_MAX || len == 0)
		return -EMSGSIZE;
	if (dev->tx_nfree == 0)
		netfront_tx_reclaim(dev);
	if (dev->tx_nfree == 0) {
		dev->tx_blocked = true;
		return -EAGAIN;
	}
	id = dev->tx_free[--dev->tx_nfree];
	for (i = 0, p = dev->tx_page[id]; i < n; p += iov[i].len, i++)
		memcpy(p, iov[i].base, iov[i].len);
	req = RING_GET_REQUEST(&dev->tx, dev->tx.req_prod_pvt);
	req->gref = dev->tx_gref[id];
	req->offset = 0;
	req->flags = 0;
	req->id = id;
	req->size = (uint16_t)len;
	dev->tx.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&dev->tx, notify);
	if (notify)
		evtchn_send(dev->port);
	dev->tx_frames++;
	return 0;
}

static int netfront_info(struct plat_net_info *info)
{
	if (!netfront_dev.connected)
		return -ENODEV;
	memcpy(info->mac, netfront_dev.mac, 6);
	info->mtu = NETFRONT_MTU;
	return 0;
}

static void netfront_set_rx(netdev_rx_fn fn, void *arg)
{
	netfront_dev.rx_arg = arg;
	netfront_dev.rx_fn = fn;
}

static void netfront_set_tx_space(void (*fn)(void *arg), void *arg)
{
	netfront_dev.tx_space_arg = arg;
	netfront_dev.tx_space_fn = fn;
}

static void netfront_set_link(void (*fn)(void *arg, bool up), void *arg)
{
	netfront_dev.link_arg = arg;
	netfront_dev.link_fn = fn;
}

static int netfront_start(void)
{
	return netfront_offer(&netfront_dev);
}

static int netfront_init(void)
{
	return netfront_connect(&netfront_dev);
}

const struct netdev_ops netfront_ops = {
    .name = "netfront",
    .start = netfront_start,
    .init = netfront_init,
    .info = netfront_info,
    .set_rx = netfront_set_rx,
    .send = netfront_send,
    .set_tx_space = netfront_set_tx_space,
    .set_link = netfront_set_link,
};
