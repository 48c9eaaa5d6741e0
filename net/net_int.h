/*
 * What the files of net/ share: the interface (netif.c), the set-up from
 * configuration (net.c), lwIP's TCP hooks (tcp_hooks.c) and the services
 * (echo.c, bulk.c).
 */
#ifndef NET_NET_INT_H
#define NET_NET_INT_H

#include <stdbool.h>
#include "lwip/netif.h"
#include "lwip/tcp.h"

struct net_stats;

/* The SYN cookies' counts (tcp_hooks.c) into `out`. */
void net_tcp_hook_stats(struct net_stats *out);

/*
 * Close a connection (lwIP's tcp_close, whose result this is) from
 * anywhere, a callback of its own included; net_altcp_close for a pcb of
 * TCP's own altcp layer (altcp_tcp.c), any other altcp being closed as
 * altcp_close does. Every service closes through these: lwIP 2.1.3 loses
 * a receive buffer for good when a connection is closed from its sent
 * callback while the segment that acknowledged our data also carries
 * some (tcp_hooks.c says how), and that is when a service closes once
 * its last answer is acknowledged. The caller has first returned with
 * tcp_recved what it held unread, as a close that must not lose its last
 * answer to a reset does anyway.
 *
 * On a connection a service holds (SYN_RCVD, ESTABLISHED, CLOSE_WAIT)
 * the close does not fail: with no segment free for the FIN, lwIP 2.1.3
 * marks the pcb TF_CLOSEPEND, returns ERR_OK and sends the FIN from
 * tcp_tmr (tcp.c, tcp_close_shutdown_fin). So the reset each service
 * falls back to if a close fails (net_tcp_abort) is not made at all.
 */
err_t net_tcp_close(struct tcp_pcb *pcb);
struct altcp_pcb;
err_t net_altcp_close(struct altcp_pcb *conn);

/*
 * Reset a connection (lwIP's tcp_abort) from anywhere, a callback of its
 * own included; net_altcp_abort for an altcp pcb. Every service resets
 * through these: lwIP 2.1.3 loses a receive buffer for good when a
 * connection is reset from its sent callback while the segment that
 * acknowledged our data also carries some (tcp_hooks.c says how). Either
 * way the pcb is the service's no more, and its err callback has run,
 * as for tcp_abort. Returns what a callback of the pcb's must then
 * return to lwIP: ERR_ABRT once the pcb is gone; ERR_OK when the reset
 * waits for tcp_input to be done with the segment (net_tcp_input_done).
 * An accept callback, which lwIP calls before it takes the segment's
 * data, resets with tcp_abort (altcp_abort) and returns ERR_ABRT.
 */
err_t net_tcp_abort(struct tcp_pcb *pcb);
err_t net_altcp_abort(struct altcp_pcb *conn);

/* After each frame lwIP took: the reset that waited for tcp_input, if any. */
void net_tcp_input_done(void);

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
 * At most `backlog` connections half open (SYN-RCVD) or not yet accepted:
 * a SYN past that gets a SYN cookie and no pcb (tcp_hooks.c, listen_input),
 * and each listener's backlog is counted in MEMP_NUM_TCP_PCB
 * (net/lwipopts.h), so that a SYN flood on one port cannot take the pcbs
 * of the others. lwIP's default would be 255.
 */
int net_tcp_listen(uint16_t port, uint8_t backlog, tcp_accept_fn accept, struct tcp_pcb **listener);

/*
 * The diagnostic TCP services (echo, discard, chargen; `echo=on`, for a
 * trusted network) share NET_DIAG_CONNS connections: a client past the
 * limit is reset at once. Each may hold a full send queue (about 63 KiB
 * of lwIP's buffers and TCP_SND_QUEUELEN segments, counted in
 * NET_TCP_QUEUED_CONNS), so the limit is what keeps them from taking what
 * HTTP and DNS need. net_diag_accept counts a new connection and returns
 * its state, `size` bytes zeroed; NULL if over the limit or out of memory,
 * with the pcb aborted (the accept callback returns ERR_ABRT).
 * net_diag_release uncounts one whose pcb is gone or holds nothing more
 * of ours.
 */
void *net_diag_accept(struct tcp_pcb *pcb, size_t size);
void net_diag_release(void);
unsigned net_diag_open(void);

/* TCP and UDP echo (RFC 862) on `port`, on IPv4 and IPv6. */
int net_echo_start(uint16_t port);

/* TCP discard (RFC 863) and chargen (RFC 864), for one-way throughput. */
int net_bulk_start(uint16_t discard_port, uint16_t chargen_port);

#endif
