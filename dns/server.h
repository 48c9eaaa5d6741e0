/*
 * DNS over UDP and TCP (RFC 1035 4.2, RFC 7766) on lwIP, answering from
 * the zones the DNS service loaded (service.h) with dns_answer.
 *
 * UDP: one datagram in, one answer out, nothing kept. TCP: several
 * queries on one connection, answered in order; at most DNS_TCP_CONNS
 * connections (the next is refused with a reset), each closed after
 * DNS_TCP_IDLE_S seconds without a query or DNS_TCP_PROGRESS_MIN bytes of
 * its answers taken; reset instead if answers are still queued then (the
 * client stopped reading). A connection ends only once its client has
 * everything queued, so a closed one leaves nothing in lwIP but a FIN.
 * Memory: a connection holds its struct (a few words), the bytes received
 * and not read yet, copied out of lwIP's pbufs (net/rxq.h: a query or
 * less, at most TCP_WND while its client sends faster than it takes the
 * answers) and, while the socket cannot take an answer whole, the rest
 * of that answer. A query is read into one static buffer (32 KiB, the
 * longest UPDATE) and its answer made in another of 64 KiB, shared by all
 * (one thread).
 *
 * UDP answers carry DNS cookies (RFC 7873, RFC 9018's server cookie,
 * cookie.h) and pass response rate limiting (rrl.h: 200 a second per
 * network and kind of answer, every 2nd limited one sent truncated; 96
 * KiB of table) unless the client proved its address with a valid cookie.
 *
 * A name outside the zones, asked by a client in the LAN, goes to the
 * forwarder if appliance.conf turns it on (forward.h); its answer comes
 * later, and a TCP connection reads no further query until it is sent.
 */
#ifndef DNS_SERVER_H
#define DNS_SERVER_H

#include <stdint.h>

#include "answer.h"
#include "tsig.h"

#define DNS_TCP_CONNS 32
#define DNS_TCP_IDLE_S 30         /* RFC 7766 6.2.3 suggests seconds, not minutes */
#define DNS_TCP_IN_MAX 4096       /* a longer query closes its connection, unread */
#define DNS_TCP_PROGRESS_MIN 1024 /* bytes of answers taken that count as activity */
/*
 * An UPDATE (RFC 2136) may be longer, over either transport: a dozen
 * DKIM-sized TXT records are more than 4 KiB. Longer than this it is
 * answered REFUSED, logged and counted, and over TCP its connection
 * closed (what follows is not read). Under TCP_WND (62 KiB): a message
 * must fit in what a connection may hold unread, or it would never be
 * whole.
 */
#define DNS_UPDATE_IN_MAX 32768

/*
 * The rcodes counted one by one, 0 to BADCOOKIE (23): a higher one would
 * be only in udp or tcp, but no answer sent carries one. Ours are within
 * (a TSIG error goes as NOTAUTH, RFC 8945 5.3.2); a forwarded one is made anew
 * from the upstream's (forward.c): NOERROR or NXDOMAIN as it came, any
 * other rcode, and an OPT with extended rcode bits, SERVFAIL (dns_cache_read
 * refuses it). So the per-rcode lines add up to the transports'.
 */
#define DNS_STATS_RCODES 24

/*
 * Counters for /metrics. Every answer sent is counted once, in udp or tcp
 * and by its rcode: a zone transfer once, however many messages it takes;
 * a slipped one in slipped alone, a forwarded one when it goes out; one
 * whose transport had no memory to send it (a pbuf, a TCP copy) in dropped.
 */
struct dns_stats {
	uint64_t udp, tcp;  /* queries answered */
	uint64_t dropped;   /* not answered (malformed beyond an answer, a response, no memory) */
	uint64_t limited;   /* UDP answers the rate limit dropped */
	uint64_t slipped;   /* and those it sent truncated instead */
	uint64_t transfers; /* zone transfers begun (AXFR, IXFR) */
	uint64_t updates;   /* UPDATE requests (RFC 2136), whatever their answer, limited too */
	/* Zone transfers begun that we cut short: answered SERVFAIL, or closed (and logged). */
	uint64_t transfers_failed;
	uint64_t by_rcode[DNS_STATS_RCODES]; /* answers per rcode on the wire (dns_msg_rcode) */
	unsigned tcp_conns;
	uint64_t tcp_refused;
	uint64_t tcp_idle_closed; /* closed, idle, for a new connection at DNS_TCP_CONNS */
	uint64_t tcp_stalled;     /* reset: the client took too little of its answers (server.h) */
	/* The LAN forwarder (forward.h). */
	uint64_t forwarded;       /* queries sent to the upstream */
	uint64_t fwd_cache_hits;  /* answered from its cache */
	uint64_t fwd_failed;      /* SERVFAIL from it: no answer, a bad one, a full table */
	unsigned fwd_cache_bytes; /* of its cache's ring in use */
};
extern struct dns_stats dns_stats;

/* Send a datagram from port 53 to port 53 of `ip` (4 or 16 bytes): a NOTIFY. */
void dns_server_send(const uint8_t *ip, size_t iplen, const uint8_t *msg, size_t len);

/* The TSIG keys a zone transfer may be signed with (the service's, kept until replaced). */
void dns_server_keys(const struct dns_tsig_key *keys, size_t n);

/*
 * Listen on `port` for UDP and TCP, answering from *zones (read on each
 * query); CHAOS identity queries get *chaos (NULL: refused). 0 or -errno.
 */
int dns_server_start(uint16_t port, const struct dns_zones *zones, const struct dns_chaos *chaos);
void dns_server_stop(void);

#endif
