/*
 * The lwIP netif over the platform's one Ethernet device: frames go out
 * through plat_net_send (netfront in the guest, TAP on the host) and come
 * in from plat_net_on_rx, whatever lies underneath.
 */
#include "net_int.h"

#include <errno.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/pbuf.h"
#include "lwip/prot/etharp.h"
#include "netif/ethernet.h"
#include "plat/plat.h"

/* More pieces than this in one chain are flattened into one buffer first. */
#define NETIF_MAX_IOV 16

/* Send one pbuf chain (an Ethernet frame with its header) to the device. */
static err_t netif_linkoutput(struct netif *netif, struct pbuf *p)
{
	static uint8_t flat[1514 + 4];
	struct plat_iov iov[NETIF_MAX_IOV];
	int n = 0, rc;

	(void)netif;
	if (pbuf_clen(p) > NETIF_MAX_IOV) {
		if (p->tot_len > sizeof(flat))
			return ERR_BUF;
		iov[n].base = flat;
		iov[n++].len = pbuf_copy_partial(p, flat, p->tot_len, 0);
	} else {
		for (struct pbuf *q = p; q != NULL; q = q->next) {
			iov[n].base = q->payload;
			iov[n++].len = q->len;
		}
	}
	rc = plat_net_send(iov, n);
	/* A full queue drops the frame: TCP retransmits, UDP may lose it. */
	return rc == 0 ? ERR_OK : rc == -EAGAIN ? ERR_WOULDBLOCK : ERR_IF;
}

/* RFC 5227's DEFEND_INTERVAL (section 1.1): at most one defence in this time. */
#define NETIF_DEFEND_INTERVAL_NS (10ull * 1000000000ull)

/*
 * Address conflict detection (RFC 5227 section 2.4): an ARP packet from
 * another hardware address whose sender IP is our IPv4 address means a
 * second host uses it. The appliance is the kind of host section 2.4 (c)
 * names, a server whose address the LAN knows (a DNS server): it keeps the
 * address and defends it with one announcement per DEFEND_INTERVAL, and
 * says so, since the owner has two machines on one address. This is also
 * what stands in for DHCP's ARP check, which lwipopts.h turns off.
 */
static void netif_check_conflict(struct netif *netif, const uint8_t *frame, size_t len)
{
	/* Ethernet type ARP, then hardware Ethernet, protocol IPv4, lengths 6 and 4. */
	static const uint8_t arp_ip4[] = {0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4};
	static uint64_t defended_ns;
	static bool defended;
	const uint8_t *sha = frame + SIZEOF_ETH_HDR + 8, *spa = sha + ETH_HWADDR_LEN;
	const ip4_addr_t *own = netif_ip4_addr(netif);
	uint64_t now;

	if (len < SIZEOF_ETH_HDR + SIZEOF_ETHARP_HDR ||
	    memcmp(frame + 12, arp_ip4, sizeof(arp_ip4)) != 0 || ip4_addr_isany(own) ||
	    memcmp(spa, &own->addr, 4) != 0 || memcmp(sha, netif->hwaddr, ETH_HWADDR_LEN) == 0)
		return;
	now = plat_now_ns();
	if (defended && now - defended_ns < NETIF_DEFEND_INTERVAL_NS)
		return;
	defended = true;
	defended_ns = now;
	plat_log("net",
	         "address conflict: %s is also used by %02x:%02x:%02x:%02x:%02x:%02x; "
	         "defending it (RFC 5227 2.4)",
	         ip4addr_ntoa(own), sha[0], sha[1], sha[2], sha[3], sha[4], sha[5]);
	etharp_gratuitous(netif);
}

/* A frame from the device: copy it into pool pbufs and hand it to lwIP. */
static void netif_rx(void *arg, const void *frame, size_t len)
{
	struct netif *netif = arg;
	struct pbuf *p;
	static bool seen;

	if (len < SIZEOF_ETH_HDR || len > 0xffff)
		return;
	if (!seen) {
		seen = true;
		net_trace("first frame in");
	}
	netif_check_conflict(netif, frame, len);
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (p == NULL)
		return; /* out of receive buffers: drop, as a NIC would */
	pbuf_take(p, frame, (u16_t)len);
	if (netif->input(p, netif) != ERR_OK)
		pbuf_free(p);
	net_tcp_input_done();
}

static err_t netif_init_eth(struct netif *netif)
{
	struct plat_net_info info;
	int rc = plat_net_info(&info);

	if (rc < 0)
		return ERR_IF;
	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, info.mac, ETH_HWADDR_LEN);
	/* Frames beyond Ethernet's 1500 would not fit the flattening buffer. */
	netif->mtu = info.mtu < 1500 ? info.mtu : 1500;
	netif->mtu6 = netif->mtu;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
	               NETIF_FLAG_MLD6 | NETIF_FLAG_LINK_UP;
	netif->output = etharp_output;
	netif->output_ip6 = ethip6_output;
	netif->linkoutput = netif_linkoutput;
	return ERR_OK;
}

/*
 * The device lost its link (netfront: dom0 detached the backend) or has
 * it again (a backend connected, perhaps a new one). Down, lwIP routes
 * nothing through the interface and TCP retransmits until it is back.
 * Up, lwIP announces the address with a gratuitous ARP (RFC 5227 section
 * 3) and an MLD report, restarts DHCP from its lease (INIT-REBOOT, RFC
 * 2131 section 3.2) and IPv6 duplicate address detection, so the LAN
 * finds the same address again, at the MAC the device has now.
 */
static void netif_link(void *arg, bool up)
{
	struct netif *netif = arg;
	struct plat_net_info info;

	if (!up) {
		netif_set_link_down(netif);
		net_trace("link down");
		return;
	}
	if (plat_net_info(&info) == 0)
		memcpy(netif->hwaddr, info.mac, ETH_HWADDR_LEN);
	netif_set_link_up(netif);
	plat_log("net", "link up at %llu ms, mac %02x:%02x:%02x:%02x:%02x:%02x; ipv4 %s%s",
	         (unsigned long long)(plat_now_ns() / 1000000), netif->hwaddr[0], netif->hwaddr[1],
	         netif->hwaddr[2], netif->hwaddr[3], netif->hwaddr[4], netif->hwaddr[5],
	         ip4addr_ntoa(netif_ip4_addr(netif)),
	         ip4_addr_isany(netif_ip4_addr(netif)) ? "" : " announced (gratuitous ARP)");
}

int net_if_add(struct netif *netif, const ip4_addr_t *ip, const ip4_addr_t *mask,
               const ip4_addr_t *gw)
{
	if (netif_add(netif, ip, mask, gw, NULL, netif_init_eth, ethernet_input) == NULL)
		return -ENODEV;
	netif_set_default(netif);
	plat_net_on_rx(netif_rx, netif);
	plat_net_on_link(netif_link, netif);
	return 0;
}
