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

struct netfront {
	struct xenbus_dev bus;
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	grant_ref_t tx_ring_ref, rx_ring_ref;
	evtchn_port_t port;
	uint8_t mac[6];
	bool connected;
	/* One granted page per ring slot, granted once (grant reuse). */
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
	uint32_t rx_frames, rx_errors, tx_frames, tx_errors;
};

extern struct netfront netfront_dev;

/* netfront_xs.c: find the vif, run the handshake to Connected. */
int netfront_connect(struct netfront *dev);

/* netfront.c: allocate and grant the buffers, post every rx buffer. */
int netfront_buffers_init(struct netfront *dev);
/* Revoke and free what netfront_buffers_init set up. */
void netfront_buffers_fini(struct netfront *dev);
/* netfront.c: the event channel handler. */
void netfront_poll(struct netfront *dev);

#endif
