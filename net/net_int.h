/*
 * What the files of net/ share: the interface (netif.c), the set-up from
 * configuration (net.c) and the services (echo.c, bulk.c).
 */
#ifndef NET_NET_INT_H
#define NET_NET_INT_H

#include "lwip/netif.h"
#include "lwip/tcp.h"

/*
 * Add the platform's Ethernet device as lwIP's only netif, with the given
 * IPv4 settings (all zero for DHCP), and route received frames into it.
 */
int net_if_add(struct netif *netif, const ip4_addr_t *ip, const ip4_addr_t *mask,
               const ip4_addr_t *gw);

/*
 * One step of the network's start-up, logged with the time on the platform
 * clock (in the guest: since the domain was created), for the start-up
 * benchmark (tests/bench/guest-net.sh).
 */
void net_trace(const char *what);

/*
 * Listen on TCP `port` (IPv4 and IPv6) and hand connections to `accept`;
 * *listener (may be NULL) gets the listening pcb, for tcp_close at stop.
 */
int net_tcp_listen(uint16_t port, tcp_accept_fn accept, struct tcp_pcb **listener);

/* TCP and UDP echo (RFC 862) on `port`, on IPv4 and IPv6. */
int net_echo_start(uint16_t port);

/* TCP discard (RFC 863) and chargen (RFC 864), for one-way throughput. */
int net_bulk_start(uint16_t discard_port, uint16_t chargen_port);

#endif
