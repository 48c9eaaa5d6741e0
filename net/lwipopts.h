/*
 * lwIP options of the appliance. Everything not set here keeps lwIP's
 * default from src/include/lwip/opt.h. The same options serve the guest
 * (netfront underneath) and the host twin (TAP underneath).
 */
#ifndef NET_LWIPOPTS_H
#define NET_LWIPOPTS_H

#include <stdint.h>

/* One thread, one event loop (plat/plat.h): the raw API, no OS layer. */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_TIMERS 1
#define LWIP_ERRNO_STDINCLUDE 1

/*
 * Memory. The packet heap (PBUF_RAM, used by tcp_write copies) comes from
 * the C library's malloc, so plat_mem_stats shows it; control blocks and
 * receive buffers come from fixed pools, which bound what a flood of
 * connections or frames can take.
 */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 4
#define MEMP_NUM_PBUF 64
#define MEMP_NUM_RAW_PCB 4
#define MEMP_NUM_UDP_PCB 16
/*
 * TCP control blocks. When the pool is empty, lwIP makes room for a new
 * connection only by ending one in TIME-WAIT, LAST-ACK or CLOSING, or the
 * oldest of a lower priority (tcp_kill_prio): our services lower a
 * connection's to TCP_PRIO_MIN as they close it, so closing ones
 * (FIN-WAIT) go too. It cannot end a half-open connection (SYN-RCVD, 20 s)
 * or one a service holds. So the pool has room for all of those at once:
 * every listener's backlog of half-open connections (NET_TCP_HANDSHAKES:
 * HTTP's two of 32, DNS's 32 and the diagnostic services' NET_DIAG_CONNS
 * each), every connection the services hold (NET_TCP_QUEUED_CONNS), those
 * we open (NET_TCP_CLIENT_CONNS: DNS's forwards), and NET_TCP_CLOSING_ROOM
 * more; app/app.c checks the sum. A SYN flood on one port then fills that
 * port's backlog and no more, and each new SYN there is answered with a
 * SYN cookie that keeps no pcb (tcp_hooks.c, listen_input). With 128,
 * and DNS listening with lwIP's default backlog (255), one on 53/tcp took
 * every pcb, and the next HTTP SYN crashed lwIP 2.1.3's altcp
 * (net_altcp_listen_guard; tests/host/pcb-limits.sh). 196 bytes each on
 * the guest, 49 KiB (memp_memory_TCP_PCB_base in guest.map), and 44 bytes
 * per altcp pcb, twice as many (a TLS connection is two: the TLS layer
 * over TCP's), 22 KiB: 36 KiB more than with 128.
 */
#define NET_TCP_HANDSHAKES (3 * 32 + 3 * NET_DIAG_CONNS)
#define NET_TCP_CLIENT_CONNS 4
#define NET_TCP_CLOSING_ROOM 64
#define MEMP_NUM_TCP_PCB 256
#define MEMP_NUM_ALTCP_PCB (2 * MEMP_NUM_TCP_PCB)
#define MEMP_NUM_TCP_PCB_LISTEN 16
/*
 * TCP's segments, a pool all connections share: a full send queue
 * (TCP_SND_QUEUELEN) for each connection that may hold one at once, HTTP's
 * 32 and DNS's 32 over TCP (checked in app/app.c) and the diagnostic
 * services' NET_DIAG_CONNS (net/net_int.h). Clients that stop
 * reading then cannot take the segments the others need: with 512, 12 of
 * them held them all for HTTP_IDLE_NS. About 20 bytes each on the guest:
 * 117 KiB.
 */
#define NET_DIAG_CONNS 4
#define NET_TCP_QUEUED_CONNS (64 + NET_DIAG_CONNS)
#define MEMP_NUM_TCP_SEG (NET_TCP_QUEUED_CONNS * TCP_SND_QUEUELEN)
#define MEMP_NUM_REASSDATA 8
#define MEMP_NUM_FRAG_PBUF 32
#define MEMP_NUM_ARP_QUEUE 32
#define MEMP_NUM_ND6_QUEUE 32
#define PBUF_POOL_SIZE 128
/* One Ethernet frame of the default MTU per receive pbuf. */
#define PBUF_POOL_BUFSIZE 1536

/* The single Ethernet interface. */
#define LWIP_SINGLE_NETIF 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1
#define LWIP_ARP 1
#define ETHARP_TRUST_IP_MAC 0
/*
 * The link addresses of the LAN's hosts (ARP, and IPv6's neighbor cache).
 * A house may have more devices than lwIP's default of 10 using the
 * appliance for DNS, and a full table takes the place of its oldest
 * entry, in use or not: every answer then waited for a lookup. 64 of
 * each: 1.5 KiB and 2.5 KiB on the guest (guest.map). While a lookup is
 * under way, up to ARP_QUEUE_LEN packets for that host wait for it, a TCP
 * connection's initial window (3 segments, RFC 3390) and one more; lwIP's
 * default kept only the last, and a connection then waited for its
 * retransmission timer (3 s). The queues share MEMP_NUM_ARP_QUEUE and
 * MEMP_NUM_ND6_QUEUE entries (tests/host/lan.sh).
 */
#define ARP_TABLE_SIZE 64
#define ARP_QUEUEING 1
#define ARP_QUEUE_LEN 4
#define LWIP_ND6_NUM_NEIGHBORS 64

/* IPv4: static or DHCP (RFC 2131), with reassembly and fragmentation. */
#define LWIP_IPV4 1
#define LWIP_DHCP 1
/*
 * No ARP check of a DHCP lease before using it. lwIP's check (two ARP
 * probes at its 500 ms DHCP tick) held every boot's address back 0.5 to
 * 1 s, most of DHCP's time once the server had answered (issue 13). RFC
 * 2131 makes the check a SHOULD (sections 2.2 and 3.1, step 5) and asks
 * the server to probe an address before offering it (section 2.2), which
 * home routers' servers do (dnsmasq and ISC dhcpd ping it). What remains
 * is RFC 5227's part for an address in use, as for a static one: lwIP
 * announces the address when it is set (a gratuitous ARP), and
 * net/netif.c detects a host that claims it too, defends the address and
 * logs the conflict. What is lost: a host that answers ARP but not the
 * server's ping and already holds the offered address is no longer
 * declined to the server; the owner sees the conflict in the log instead.
 */
#define DHCP_DOES_ARP_CHECK 0
/* Each DHCP message sent, for the start-up trace (net.c). */
#define LWIP_HOOK_DHCP_APPEND_OPTIONS(netif, dhcp, state, msg, msg_type, options_len_ptr)          \
	net_dhcp_sent(dhcp, msg_type)
struct dhcp;
void net_dhcp_sent(const struct dhcp *dhcp, uint8_t msg_type);
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define LWIP_ICMP 1
#define LWIP_RAW 1

/* IPv6: SLAAC (RFC 4862) from router advertisements, or static. */
#define LWIP_IPV6 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 1
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 1
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_ND6_ALLOW_RA_UPDATES 1
#define LWIP_IPV6_NUM_ADDRESSES 4
/* The reassembly bookkeeping holds a pointer: it fits in the 8-byte
 * fragment header only on 32-bit targets (lwIP's ip6_frag.c asserts it). */
#ifdef __LP64__
#define IPV6_FRAG_COPYHEADER 1
#endif
/* A static IPv6 default router from the config (lwIP learns one only from RAs). */
#define LWIP_HOOK_ND6_GET_GW(netif, dest) net_ip6_gateway(netif, dest)
struct netif;
struct ip6_addr;
const struct ip6_addr *net_ip6_gateway(struct netif *netif, const struct ip6_addr *dest);

/* TCP: a full 16-bit window; the send buffer matches it. */
#define LWIP_TCP 1
#define TCP_MSS 1460
#define TCP_WND (44 * TCP_MSS)
#define TCP_SND_BUF (44 * TCP_MSS)
/* lwIP's least: a segment and a part-filled one per MSS of the buffer. */
#define TCP_SND_QUEUELEN (2 * TCP_SND_BUF / TCP_MSS)
#define TCP_SNDLOWAT (TCP_SND_BUF / 4)
#define TCP_WND_UPDATE_THRESHOLD (TCP_WND / 4)
#define TCP_QUEUE_OOSEQ 1
/*
 * TCP's timers every 50 ms, not lwIP's 250: its retransmission timeout
 * counts coarse ticks (2 * TCP_TMR_INTERVAL) and does not go below 3 of
 * them on a LAN, 300 ms here against 1.5 s (Linux's floor is 200 ms), and
 * an ACK is delayed at most 50 ms (Linux: 40). Without SACK, lwIP leaves
 * most losses to that timeout. 1 MiB over HTTPS from the twin with 2, 5
 * and 10% of its segments lost at random (tests/bench/loss.sh, medians):
 * 1.5, 14.8 and 46.3 s with 250 ms; 0.6, 4.2 and 11.7 s with 50. The
 * timer runs only while there are TCP connections.
 */
#define TCP_TMR_INTERVAL 50
/* tcp_poll's interval counts those coarse ticks: this many make a second. */
#define NET_TCP_POLLS_PER_S (1000 / (2 * TCP_TMR_INTERVAL))
#define LWIP_TCP_KEEPALIVE 1
#define LWIP_TCP_SACK_OUT 0
#define TCP_LISTEN_BACKLOG 1
#define SO_REUSE 1
#define LWIP_CHECKSUM_ON_COPY 1
#define LWIP_ALTCP 1
#define LWIP_ALTCP_TLS 1
/* Initial sequence numbers per RFC 6528 (net/isn.h, tcp_hooks.c), not lwIP's counter. */
#define LWIP_HOOK_TCP_ISN net_tcp_isn
struct ip_addr;
uint32_t net_tcp_isn(const struct ip_addr *local_ip, uint16_t local_port,
                     const struct ip_addr *remote_ip, uint16_t remote_port);
/*
 * A SYN that reopens a connection still in TIME-WAIT, or that finds its
 * listener's backlog full, and the ACK of a SYN cookie (tcp_hooks.c,
 * net_tcp_inpacket).
 */
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p)                             \
	net_tcp_inpacket(pcb, hdr, optlen, opt1len, opt2, p)
struct tcp_pcb;
struct tcp_hdr;
struct pbuf;
int net_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, uint16_t optlen,
                     uint16_t opt1len, const uint8_t *opt2, struct pbuf *p);

#define LWIP_UDP 1
#define LWIP_DNS 0

/*
 * Diagnostics: lwIP's own assertions stay on. Of its statistics, only the
 * memory ones, for /metrics (net_stats in net.h): the pools' use, peak
 * and failed allocations (MEMP_STATS: an increment and a compare in each
 * memp_malloc, a decrement in each memp_free, 20 bytes of counters
 * per pool), and the bytes lwIP holds in PBUF_RAM buffers from malloc
 * (MEM_STATS: the same per mem_malloc and mem_free, and a size word kept
 * in front of each such buffer, 4 bytes on the guest). The per-protocol
 * packet counters (LINK, IP, TCP, ...) would add work to every frame and
 * stay off. The counters are 32-bit: a 16-bit one wraps in a soak.
 */
#define LWIP_STATS 1
#define LWIP_STATS_LARGE 1
#define LWIP_STATS_DISPLAY 0
#define MEMP_STATS 1
#define MEM_STATS 1
#define LINK_STATS 0
#define ETHARP_STATS 0
#define IP_STATS 0
#define IPFRAG_STATS 0
#define ICMP_STATS 0
#define IGMP_STATS 0
#define UDP_STATS 0
#define TCP_STATS 0
#define SYS_STATS 0
#define IP6_STATS 0
#define ICMP6_STATS 0
#define IP6_FRAG_STATS 0
#define MLD6_STATS 0
#define ND6_STATS 0
#define MIB2_STATS 0

#endif
