/*
 * netfront, the control path: the xenbus handshake of public/io/netif.h.
 * Wait for the backend's InitWait, publish both rings, the event channel
 * and our features in one transaction together with Connected, then wait
 * for the backend to connect. Features: rx-copy (the backend copies into
 * our posted pages, so they stay granted), rx notifications, and no
 * checksum offload (frames arrive with valid checksums, lwIP computes
 * its own). The MAC address comes from our node's "mac" key.
 *
 * After boot dom0 may detach the vif and attach one again (xl
 * network-detach, network-attach: a new device id, or the same): the
 * backend goes Closing, we answer Closed and, once it is Closed (it has
 * unmapped our pages), revoke the grants; a new device under device/vif
 * then gets the same handshake, driven by xenstore watches from the event
 * loop, and the link comes back up (netfront_link). The pages and rings
 * are allocated once and granted anew for each connection.
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

/* The shared ring pages: allocated once, each connection starts them afresh. */
static int netfront_ring_pages(struct netfront *dev)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (dev->ring_page[i] == NULL)
			dev->ring_page[i] = memalign(4096, 4096);
		if (dev->ring_page[i] == NULL)
			return -ENOMEM;
		memset(dev->ring_page[i], 0, 4096);
	}
	return 0;
}

static int netfront_rings_init(struct netfront *dev)
{
	netif_tx_sring_t *txs;
	netif_rx_sring_t *rxs;
	int ref, err;

	if ((err = netfront_ring_pages(dev)) < 0)
		return err;
	txs = dev->ring_page[0];
	rxs = dev->ring_page[1];
	SHARED_RING_INIT(txs);
	SHARED_RING_INIT(rxs);
	FRONT_RING_INIT(&dev->tx, txs, 4096);
	FRONT_RING_INIT(&dev->rx, rxs, 4096);
	if ((err = ref = gnttab_grant(dev->bus.backend_id, txs, false)) < 0)
		return err;
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
	return err;
}

/*
 * Undo netfront_rings_init. A ring page the backend still maps is left to
 * it (never reused); the next connection allocates another. Returns how
 * many were.
 */
static unsigned int netfront_rings_fini(struct netfront *dev)
{
	unsigned int busy = 0;

	evtchn_close(dev->port);
	if (gnttab_end(dev->tx_ring_ref) < 0) {
		dev->ring_page[0] = NULL;
		busy++;
	}
	if (gnttab_end(dev->rx_ring_ref) < 0) {
		dev->ring_page[1] = NULL;
		busy++;
	}
	return busy;
}

static void netfront_event(evtchn_port_t port, void *arg)
{
	netfront_poll(arg);
}

/* Rings, buffers and event channel, published with Connected. */
static int netfront_setup(struct netfront *dev)
{
	int err;

	if ((err = netfront_rings_init(dev)) < 0)
		return err;
	if ((err = netfront_buffers_init(dev)) < 0)
		goto release_rings;
	if ((err = evtchn_bind(dev->port, netfront_event, dev)) < 0)
		goto release_buffers;
	if ((err = xs_transact(netfront_publish, dev)) < 0)
		goto release_buffers;
	return 0;
release_buffers:
	netfront_buffers_fini(dev);
release_rings:
	netfront_rings_fini(dev);
	return err;
}

/* Undo netfront_setup once the backend has let go (it unmaps as it closes). */
static void netfront_release(struct netfront *dev)
{
	unsigned int busy = netfront_buffers_fini(dev) + netfront_rings_fini(dev);

	if (busy > 0)
		printf("netfront: %s: %u pages still mapped by the backend: left to it (%u KiB)\n",
		       dev->bus.node, busy, busy * 4);
}

/* One line per connection; the first is a step of the start-up benchmark. */
static void netfront_report(struct netfront *dev)
{
	struct mallinfo mi = mallinfo();

	dev->connections++;
	printf("netfront: %s: mac %02x:%02x:%02x:%02x:%02x:%02x, %u rx and %u tx buffers; "
	       "connected at %llu ms\n",
	       dev->bus.node, dev->mac[0], dev->mac[1], dev->mac[2], dev->mac[3], dev->mac[4],
	       dev->mac[5], (unsigned int)NETFRONT_RX_SIZE, (unsigned int)NETFRONT_TX_SIZE,
	       (unsigned long long)(timer_ns() / 1000000));
	printf("netfront: connection %u: %u grants in use, heap %u bytes in use\n",
	       dev->connections, gnttab_used(), (unsigned int)mi.uordblks);
}

/* ---- after boot: the backend goes and comes back (xl network-detach, -attach) ---- */

static void netfront_changed(void *arg);

/* IDLE: take a device dom0 attached, and follow its backend's state. */
static int netfront_attach(struct netfront *dev)
{
	int err = xenbus_find_new("vif", &dev->bus);

	if (err < 0)
		return err;
	if ((err = netfront_read_mac(dev)) < 0 ||
	    (err = xenbus_watch_backend(&dev->bus, netfront_changed, dev)) < 0) {
		printf("netfront: %s: cannot follow its backend (%d)\n", dev->bus.node, err);
		return err;
	}
	printf("netfront: %s attached by dom0 (backend %s) at %llu ms\n", dev->bus.node,
	       dev->bus.backend, (unsigned long long)(timer_ns() / 1000000));
	dev->phase = NETFRONT_INITWAIT;
	return 0;
}

/* CLOSING, and the backend let go: free the device for the next one. */
static void netfront_detach(struct netfront *dev)
{
	netfront_release(dev);
	xenbus_unwatch_backend(&dev->bus);
	dev->phase = NETFRONT_IDLE;
	printf("netfront: %s released at %llu ms: %u grants in use\n", dev->bus.node,
	       (unsigned long long)(timer_ns() / 1000000), gnttab_used());
}

/*
 * The backend leaves (public/io/xenbus.h: Closing, then Closed once it
 * unmapped everything; or its node is gone): stop the data path, answer
 * Closing with Closed as Linux's netfront does, and release once it has
 * let go. A new backend at the same node (state back to Initialising or
 * InitWait) means the old one is gone too.
 */
static void netfront_close(struct netfront *dev, enum xenbus_state be)
{
	if (dev->phase == NETFRONT_CONNECTED)
		netfront_link(dev, false);
	evtchn_unbind(dev->port);
	printf("netfront: %s: backend state %d: link down at %llu ms\n", dev->bus.node, (int)be,
	       (unsigned long long)(timer_ns() / 1000000));
	if (be == XenbusStateClosing || be == XenbusStateClosed)
		xenbus_switch_state(&dev->bus, XenbusStateClosed);
	dev->phase = NETFRONT_CLOSING;
	if (be != XenbusStateClosing)
		netfront_detach(dev);
}

static bool netfront_backend_gone(enum xenbus_state be)
{
	return be == XenbusStateClosing || be == XenbusStateClosed || be == XenbusStateUnknown;
}

/* A step of the handshake for backend state `be`. */
static void netfront_step(struct netfront *dev, enum xenbus_state be)
{
	int err;

	switch (dev->phase) {
	case NETFRONT_INITWAIT:
		if (netfront_backend_gone(be)) {
			xenbus_unwatch_backend(&dev->bus);
			dev->phase = NETFRONT_IDLE;
		} else if (be == XenbusStateInitWait) {
			/* On failure, tell the backend: it closes, and we let it go. */
			err = netfront_setup(dev);
			if (err == 0) {
				dev->phase = NETFRONT_CONNECTING;
			} else {
				printf("netfront: %s: cannot connect (%d)\n", dev->bus.node, err);
				xenbus_switch_state(&dev->bus, XenbusStateClosed);
			}
		}
		break;
	case NETFRONT_CONNECTING:
	case NETFRONT_CONNECTED:
		if (be == XenbusStateConnected && dev->phase == NETFRONT_CONNECTING) {
			dev->phase = NETFRONT_CONNECTED;
			netfront_link(dev, true);
			netfront_report(dev);
		} else if (be != XenbusStateConnected && be != XenbusStateInitialised &&
		           (dev->phase == NETFRONT_CONNECTED || be != XenbusStateInitWait)) {
			netfront_close(dev, be);
		}
		break;
	case NETFRONT_CLOSING:
		if (be != XenbusStateClosing && be != XenbusStateConnected)
			netfront_detach(dev);
		break;
	case NETFRONT_IDLE:
		break;
	}
}

/*
 * From the loop, on any change under our device/vif or at the backend's
 * state: a few xenstore reads, and a step when something moved. Our own
 * writes fire the device/vif watch too; they change nothing here.
 */
static void netfront_changed(void *arg)
{
	struct netfront *dev = arg;
	enum netfront_phase was;
	enum xenbus_state be;

	do {
		was = dev->phase;
		if (dev->phase == NETFRONT_IDLE && netfront_attach(dev) < 0)
			return;
		/* A read that failed says nothing of the backend: the next change tells. */
		if (xenbus_backend_state(&dev->bus, &be) < 0)
			return;
		netfront_step(dev, be);
	} while (dev->phase != was);
}

/* ---- boot ---- */

/*
 * At boot, the first half, which does not wait for the backend to connect:
 * find the vif, wait for its backend's InitWait (there at once when xl
 * starts us), publish rings and buffers. blkfront's first half runs before
 * either waits for Connected, so that dom0 connects both backends at once
 * (issue 13).
 */
int netfront_offer(struct netfront *dev)
{
	int err;

	dev->dir_watch = -1;
	dev->bus.state_watch = -1;
	if ((err = xenbus_find("vif", &dev->bus)) < 0)
		return dev->offer_err = err;
	if ((err = netfront_read_mac(dev)) < 0)
		goto fail;
	err = xenbus_wait_backend(&dev->bus, XenbusStateInitWait, NETFRONT_HANDSHAKE_NS);
	if (err < 0)
		goto fail;
	if ((err = netfront_setup(dev)) < 0)
		goto fail;
	dev->phase = NETFRONT_CONNECTING;
	return 0;
fail:
	printf("netfront: %s: handshake with %s failed (%d)\n", dev->bus.node, dev->bus.backend,
	       err);
	return dev->offer_err = err;
}

/* At boot, waiting: the second half, to Connected. */
static int netfront_connect_boot(struct netfront *dev)
{
	int err;

	if (dev->phase != NETFRONT_CONNECTING && dev->offer_err == 0 &&
	    (err = netfront_offer(dev)) < 0)
		return err;
	if (dev->phase != NETFRONT_CONNECTING)
		return dev->offer_err;
	err = xenbus_wait_backend(&dev->bus, XenbusStateConnected, NETFRONT_HANDSHAKE_NS);
	if (err < 0)
		goto release;
	/*
	 * netback turned the vif's carrier on as it connected, and dom0's
	 * bridge (no STP, no forwarding delay) forwards from then on: a step
	 * of the start-up benchmark (tests/bench/guest-net.sh).
	 */
	dev->connected = true;
	dev->phase = NETFRONT_CONNECTED;
	netfront_report(dev);
	return 0;
release:
	evtchn_unbind(dev->port);
	netfront_release(dev);
	dev->phase = NETFRONT_IDLE;
	printf("netfront: %s: handshake with %s failed (%d)\n", dev->bus.node, dev->bus.backend,
	       err);
	return err;
}

int netfront_connect(struct netfront *dev)
{
	int err = netfront_connect_boot(dev);

	if (err < 0)
		return err;
	/* From now on the watches drive it (netfront_changed). */
	if ((err = xenbus_watch_backend(&dev->bus, netfront_changed, dev)) < 0 ||
	    (dev->dir_watch = err = xs_watch("device/vif", netfront_changed, dev)) < 0)
		printf("netfront: cannot watch for the backend's changes (%d): "
		       "a detached vif will not come back\n",
		       err);
	return 0;
}
