/*
 * net/: the appliance's network stack (lwIP over the platform's Ethernet
 * device) and the services on it. Platform-neutral: everything below comes
 * from plat/plat.h.
 */
#ifndef NET_NET_H
#define NET_NET_H

/*
 * Bring the interface up from the configuration (plat_config_get: hostname,
 * ip, gateway, ip6, ip6_gateway, echo), hook lwIP's timers into the event
 * loop and start the services. Call once, before plat_run(). Returns 0 or a
 * negative errno (-EINVAL for a configuration value that does not parse,
 * -ENODEV without a network device).
 */
int net_start(void);

/*
 * Whether `addr` (an lwIP ip_addr_t) is on the LAN: one of the interface's
 * own IPv4 subnets or IPv6 prefixes (/64), or link-local. The status and
 * metrics pages answer only these.
 */
#include <stdbool.h>
struct ip_addr;
bool net_is_lan(const struct ip_addr *addr);

struct altcp_pcb;
/*
 * Close a listening plain-TCP altcp pcb. lwIP 2.1.3's altcp_tcp_close()
 * reads the poll callback of its tcp_pcb, a field a listening pcb (the
 * smaller tcp_pcb_listen) does not have: a read past its end. This closes
 * the TCP pcb itself first, so altcp only frees its own.
 */
void net_tcp_listener_close(struct altcp_pcb *l);

/*
 * Guard a listening altcp pcb (plain or TLS over TCP) against lwIP 2.1.3's
 * altcp_tcp_accept(), which dereferences the new TCP pcb that lwIP hands
 * it as NULL (with ERR_MEM) when a SYN finds no free pcb: a crash any SYN
 * flood that empties the pool could cause. The TCP listener's accept goes
 * through a check first; a SYN without a pcb is dropped, and the client
 * sends it again. (The pool is sized so that this should not happen:
 * net/lwipopts.h, MEMP_NUM_TCP_PCB.)
 */
void net_altcp_listen_guard(struct altcp_pcb *l);

/*
 * lwIP's buffers and connections at this moment, for /metrics. The
 * receive pool (PBUF_POOL: frames in flight, or held by TCP out of order
 * or unread): buffers in use, the most ever in use, the pool's size. The
 * bytes of PBUF_RAM buffers from malloc (what TCP copied to send, until
 * acknowledged; UDP answers on their way out) and their peak. TCP segments
 * queued to send or unacknowledged. TCP control blocks: active (every
 * state but TIME-WAIT and LISTEN), in TIME-WAIT, listening. Failed
 * allocations since the start from the receive pool (a frame dropped),
 * the TCP pcb pool (lwIP then takes the oldest TIME-WAIT pcb, or another
 * of lower priority, if there is one: a full pool is normal under a flood
 * of short connections), the TCP segment pool (the sender waits and tries
 * again: back-pressure) and every other pool. Reading them walks the TCP
 * lists (at most MEMP_NUM_TCP_PCB entries); lwIP's counting costs an
 * increment per allocation (net/lwipopts.h).
 */
struct net_stats {
	unsigned pbuf_pool_used, pbuf_pool_peak, pbuf_pool_size;
	unsigned long pbuf_ram_bytes, pbuf_ram_peak;
	unsigned tcp_segs;
	unsigned tcp_active, tcp_time_wait, tcp_listen;
	unsigned diag_conns; /* echo, discard and chargen over TCP (echo=on) */
	/* SYN cookies (syncookie.h): sent, and the ACKs that returned one or not. */
	unsigned long syn_cookies_sent, syn_cookies_accepted, syn_cookies_refused;
	unsigned long fail_pbuf_pool, fail_tcp_pcb, fail_tcp_seg, fail_other;
};
void net_stats(struct net_stats *out);

#endif
