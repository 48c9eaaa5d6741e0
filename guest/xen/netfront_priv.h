/*
 * Private to netfront.c (the rings, the data path) and netfront_xs.c (the
 * xenstore handshake): the device state both halves share.
 */
#ifndef GUEST_XEN_NETFRONT_PRIV_H
#define GUEST_XEN_NETFRONT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arm32/barrier.h"
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/io/netif.h>

#include "dev.h"
#include "xen/xenbus.h"

#define NETFRONT_TX_SIZE __CONST_RING_SIZE(netif_tx, 4096)
#define NETFRONT_RX_SIZE __CONST_RING_SIZE(netif_rx, 4096)
#define NETFRONT_MTU 1500
#define NETFRONT_FRAME_MAX (NETFRONT_MTU + 14)

/*
 * Where the handshake with the backend stands (netfront_xs.c). At boot
 * the guest waits in netfront_connect until CONNECTED; after that, dom0
 * may detach the vif and attach one again (xl network-detach, -attach),
 * and xenstore watches on our device/vif and the backend's state move the
 * device through these from the event loop, without waiting.
 */
enum netfront_phase {
	NETFRONT_IDLE,       /* no device: waiting for one under device/vif */
	NETFRONT_INITWAIT,   /* found one: waiting for its backend's InitWait */
	NETFRONT_CONNECTING, /* rings published: waiting for Connected */
	NETFRONT_CONNECTED,  /* the data path runs */
	NETFRONT_CLOSING,    /* we said Closed: waiting for the backend to let go */
};

struct netfront {
	struct xenbus_dev bus;
	enum netfront_phase phase;
	int offer_err; /* netfront_offer failed with this */
	int dir_watch; /* xs watch id on device/vif, or -1 */
	unsigned int connections;
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	grant_ref_t tx_ring_ref, rx_ring_ref;
	evtchn_port_t port;
	uint8_t mac[6];
	bool connected;
	/* The shared ring pages, kept for the device's life like the buffers. */
	void *ring_page[2];
	/*
	 * One page per ring slot, allocated once and granted for a whole
	 * connection (grant reuse); the grants end when the backend lets go.
	 */
	uint8_t *tx_page[NETFRONT_TX_SIZE];
	grant_ref_t tx_gref[NETFRONT_TX_SIZE];
	uint16_t tx_free[NETFRONT_TX_SIZE]; /* stack of free tx ids */
	unsigned int tx_nfree;
	uint8_t *rx_page[NETFRONT_RX_SIZE];
	grant_ref_t rx_gref[NETFRONT_RX_SIZE];
	netdev_rx_fn rx_fn;
	void *rx_arg;
	void (*tx_space_fn)(void *arg);
	void *tx_space_arg;
	bool tx_blocked; /* a send was refused for want of a slot */
	void (*link_fn)(void *arg, bool up);
	void *link_arg;
	uint32_t rx_frames, rx_errors, tx_frames, tx_errors;
};

extern struct netfront netfront_dev;

/*
 * netfront_xs.c: find the vif and publish our rings (netfront_offer), then
 * run the handshake to Connected (netfront_connect, waiting; it offers
 * first if that was not done) and watch xenstore so that the device
 * follows dom0's detaches and attaches from the event loop.
 */
int netfront_offer(struct netfront *dev);
int netfront_connect(struct netfront *dev);

/*
 * netfront.c: grant the buffers (allocating them the first time), post
 * every rx buffer, make every tx slot free.
 */
int netfront_buffers_init(struct netfront *dev);
/*
 * Revoke the grants netfront_buffers_init made. The pages stay for the
 * next connection, unless the backend still maps one: then that block is
 * left to it for good (never reused, a loud leak) and the next
 * connection allocates a new one. Returns the number of such pages.
 */
unsigned int netfront_buffers_fini(struct netfront *dev);
/* The link goes down or comes up: the data path, then the stack. */
void netfront_link(struct netfront *dev, bool up);
/* netfront.c: the event channel handler. */
void netfront_poll(struct netfront *dev);

#endif
