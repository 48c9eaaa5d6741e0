/*
 * What the files of net/ share: the interface (netif.c), the set-up from
 * configuration (net.c) and the services (echo.c).
 */
#ifndef NET_NET_INT_H
#define NET_NET_INT_H

#include "lwip/netif.h"

/*
 * Add the platform's Ethernet device as lwIP's only netif, with the given
 * IPv4 settings (all zero for DHCP), and route received frames into it.
 */
int net_if_add(struct netif *netif, const ip4_addr_t *ip, const ip4_addr_t *mask,
	       const ip4_addr_t *gw);

/* TCP and UDP echo (RFC 862) on `port`, on IPv4 and IPv6. */
int net_echo_start(uint16_t port);

#endif
