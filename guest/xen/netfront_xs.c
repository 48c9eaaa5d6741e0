/*
 * netfront, the control path: the xenbus handshake of public/io/netif.h.
 * Wait for the backend's InitWait, publish both rings, the event channel
 * and our features in one transaction together with Connected, then wait
 * for the backend to connect. Features: rx-copy (the backend copies into
 * our posted pages, so they stay granted), rx notifications, and no
 * checksum offload (frames arrive with valid checksums, lwIP computes
 * its own). The MAC address comes from our node's "mac" key.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include <public/io/protocols.h>

#include "arch/arm32/arch.h"
#include "xen/events.h"
#include "xen/gnttab.h"
#include "xen/netfront_priv.h"
#include "xen/xenstore.h"

#define NETFRONT_HANDSHAKE_NS (10ull * 1000000000ull)

static int netfront_publish(xs_tx tx, void *arg)
{
	struct netfront *dev = arg;
	int err;

	if ((err = xenbus_write_u(tx, &dev->bus, "tx-ring-ref", dev->tx_ring_ref)) < 0 ||
	    (err = xenbus_write_u(tx, &dev->bus, "rx-ring-ref", dev->rx_ring_ref)) < 0 ||
	    (err = xenbus_write_u(tx, &dev->bus, "event-channel", dev->port)) < 0 ||
	    (err = xenbus_write_u(tx, &dev->bus, "request-rx-copy", 1)) < 0 ||
	    (err = xenbus_write_u(tx, &dev->bus, "feature-rx-notify", 1)) < 0 ||
	    (err = xenbus_write_u(tx, &dev->bus, "feature-no-csum-offload", 1)) < 0 ||
	    (err = xenbus_write_u(tx, &dev->bus, "feature-sg", 0)) < 0 ||
	    (err = xenbus_write_u(tx, &dev->bus, "feature-gso-tcpv4", 0)) < 0)
		return err;
	return xenbus_write_u(tx, &dev->bus, "state", XenbusStateConnected);
}

/* "00:16:3e:xx:xx:xx" */
static int netfront_read_mac(struct netfront *dev)
{
	char path[96], text[24];
	unsigned int b[6], i;
	int len;

	xenbus_path(path, sizeof(path), dev->bus.node, "mac");
	len = xs_read(XS_TX_NONE, path, text, sizeof(text));
	if (len < 0)
		return len;
	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		dev->mac[i] = (uint8_t)b[i];
	return 0;
}

static int netfront_rings_init(struct netfront *dev)
{
	netif_tx_sring_t *txs = memalign(4096, 4096);
	netif_rx_sring_t *rxs = memalign(4096, 4096);
	int ref, err = -ENOMEM;

	if (txs == NULL || rxs == NULL)
		goto free_rings;
	memset(txs, 0, 4096);
	memset(rxs, 0, 4096);
	SHARED_RING_INIT(txs);
	SHARED_RING_INIT(rxs);
	FRONT_RING_INIT(&dev->tx, txs, 4096);
	FRONT_RING_INIT(&dev->rx, rxs, 4096);
	if ((err = ref = gnttab_grant(dev->bus.backend_id, txs, false)) < 0)
		goto free_rings;
	dev->tx_ring_ref = (grant_ref_t)ref;
	if ((err = ref = gnttab_grant(dev->bus.backend_id, rxs, false)) < 0)
		goto end_tx_grant;
	dev->rx_ring_ref = (grant_ref_t)ref;
	if ((err = evtchn_alloc_unbound(dev->bus.backend_id, &dev->port)) < 0)
		goto end_rx_grant;
	return 0;
end_rx_grant:
	gnttab_end(dev->rx_ring_ref);
end_tx_grant:
	gnttab_end(dev->tx_ring_ref);
free_rings:
	free(txs);
	free(rxs);
	return err;
}

/* Undo netfront_rings_init; a ring the backend still maps is not freed. */
static void netfront_rings_fini(struct netfront *dev)
{
	evtchn_close(dev->port);
	if (gnttab_end(dev->tx_ring_ref) == 0)
		free(dev->tx.sring);
	if (gnttab_end(dev->rx_ring_ref) == 0)
		free(dev->rx.sring);
}

static void netfront_backend_changed(void *arg)
{
	struct netfront *dev = arg;
	enum xenbus_state st = xenbus_backend_state(&dev->bus);

	if (dev->connected && st != XenbusStateConnected) {
		printf("netfront: backend left Connected (state %d): link down\n", (int)st);
		dev->connected = false;
	}
}

static void netfront_event(evtchn_port_t port, void *arg)
{
	netfront_poll(arg);
}

int netfront_connect(struct netfront *dev)
{
	int err;

	if ((err = xenbus_find("vif", &dev->bus)) < 0)
		return err;
	if ((err = netfront_read_mac(dev)) < 0)
		goto fail;
	err = xenbus_wait_backend(&dev->bus, XenbusStateInitWait, NETFRONT_HANDSHAKE_NS);
	if (err < 0)
		goto fail;
	if ((err = netfront_rings_init(dev)) < 0)
		goto fail;
	if ((err = netfront_buffers_init(dev)) < 0)
		goto release_rings;
	if ((err = evtchn_bind(dev->port, netfront_event, dev)) < 0)
		goto release_buffers;
	if ((err = xs_transact(netfront_publish, dev)) < 0)
		goto unbind_port;
	err = xenbus_wait_backend(&dev->bus, XenbusStateConnected, NETFRONT_HANDSHAKE_NS);
	if (err < 0)
		goto unbind_port;
	dev->connected = true;
	xenbus_watch_backend(&dev->bus, netfront_backend_changed, dev);
	/*
	 * netback turned the vif's carrier on as it connected, and dom0's
	 * bridge (no STP, no forwarding delay) forwards from then on: a step
	 * of the start-up benchmark (tests/bench/guest-net.sh).
	 */
	printf("netfront: %s: mac %02x:%02x:%02x:%02x:%02x:%02x, %u rx and %u tx buffers; "
	       "connected at %llu ms\n",
	       dev->bus.node, dev->mac[0], dev->mac[1], dev->mac[2], dev->mac[3], dev->mac[4],
	       dev->mac[5], (unsigned int)NETFRONT_RX_SIZE, (unsigned int)NETFRONT_TX_SIZE,
	       (unsigned long long)(timer_ns() / 1000000));
	return 0;
unbind_port:
	evtchn_unbind(dev->port);
release_buffers:
	netfront_buffers_fini(dev);
release_rings:
	netfront_rings_fini(dev);
fail:
	printf("netfront: %s: handshake with %s failed (%d)\n", dev->bus.node, dev->bus.backend,
	       err);
	return err;
}
