/*
 * The LAN forwarder (issue 11): off unless appliance.conf names an
 * upstream resolver in dns_forward (one IPv4 or IPv6 address) and the
 * LAN in dns_lan (IPv4 and IPv6 prefixes, comma-separated). A client in
 * the LAN asking, with opcode QUERY and class IN and no TSIG, for a name
 * outside our zones gets the answer from the cache (cache.h) or from the
 * upstream; everyone else keeps getting REFUSED, and a name in our zones
 * is always answered from the zone (the server asks the forwarder only
 * for what dns_answer refused as not ours: server.c).
 *
 * To the upstream: UDP from a pcb of our own, bound to a random port at
 * start, a fresh random 16-bit id for each query (plat_random), the
 * client's name, type, RD and CD, and EDNS (our 1232-byte payload, DO as
 * the client's). An answer is taken only from the upstream's address and
 * port 53, with that id, QR set and the same question, ASCII case aside
 * (RFC 5452 9.1); any other datagram is ignored and the query waits on.
 * No answer within DNS_FWD_TIMEOUT_S: asked once more, the same way; no
 * answer to that either: SERVFAIL to the client.
 *
 * An answer with TC: a client on TCP has the query asked again of the
 * upstream over TCP (at most DNS_FWD_TCP such connections at once, else
 * the TC answer is passed on); a client on UDP gets the TC answer, and
 * asks again over TCP itself. An answer that does not parse, and rcodes
 * other than NOERROR and NXDOMAIN: SERVFAIL (nothing cached). Answers go
 * out with RA set, AA and AD clear, cut to the client's payload size over
 * UDP (cache.h); no DNS cookie, and no rate limiting: they are for the
 * LAN only. A query when all DNS_FWD_PENDING entries wait: SERVFAIL.
 *
 * Memory, allocated by dns_fwd_start and only when the forwarder is on:
 * the cache's DNS_FWD_CACHE_BYTES (256 KiB), a 64 KiB buffer for an
 * upstream answer as it came and then the client's, cache.h's scratch
 * buffer (DNS_CACHE_SCRATCH, 76 KiB), and the table of DNS_FWD_PENDING
 * queries (about 420 bytes each on the host, 27 KiB in all: the client's
 * query as parsed and its address): 422 KiB in all. While the upstream is
 * asked over TCP, that answer's bytes too, up to 64 KiB for each of the
 * DNS_FWD_TCP connections.
 */
#ifndef DNS_FORWARD_H
#define DNS_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/ip_addr.h"
#include "msg.h"

#define DNS_FWD_PENDING 64
#define DNS_FWD_TIMEOUT_S 2
#define DNS_FWD_TRIES 2 /* over UDP; over TCP one try of 2 * DNS_FWD_TIMEOUT_S */
#define DNS_FWD_TCP 4
#define DNS_FWD_LAN_MAX 16 /* prefixes in dns_lan (plat/conf.c checks the same) */
#define DNS_FWD_CACHE_BYTES (256 * 1024)

/* Where a forwarded answer goes. */
struct dns_fwd_client {
	ip_addr_t addr; /* UDP: the client's address and port */
	uint16_t port;
	void *conn; /* TCP: the server's connection; NULL for UDP */
};

/*
 * Called with the answer to a query dns_fwd_answer left waiting: `n`
 * bytes at `ans` (never 0: at least a SERVFAIL), valid during the call.
 * Exactly once for each such query, unless dns_fwd_cancel or
 * dns_fwd_stop came first.
 */
typedef void (*dns_fwd_done_fn)(const struct dns_fwd_client *to, const uint8_t *ans, size_t n);

/*
 * Read dns_forward and dns_lan and, if the forwarder is on, allocate its
 * memory and open its socket; answers waited for go to `done`. 0 when on
 * or off as configured (off also without randomness for the ids, logged),
 * -ENOMEM (then off).
 */
int dns_fwd_start(dns_fwd_done_fn done);

/* Close the socket and free everything; queries waiting get no answer. */
void dns_fwd_stop(void);

bool dns_fwd_enabled(void);

/* The address `ip` (iplen 4 or 16 bytes, network order) is in one of dns_lan's prefixes. */
bool dns_fwd_lan(const uint8_t *ip, size_t iplen);

/*
 * The forwarder is on and takes q from the client at `ip`: a client in
 * the LAN, a question of class IN, opcode QUERY, no TSIG, EDNS version 0
 * if any, a type that is not a transfer or meta-type (AXFR, IXFR, OPT,
 * TKEY, TSIG). The caller has found the name outside its zones.
 */
bool dns_fwd_wanted(const struct dns_query *q, const uint8_t *ip, size_t iplen);

/*
 * The answer to q (which dns_fwd_wanted took) from `from`: written into
 * out (`cap` bytes) now if the cache has it, or a SERVFAIL if the query
 * cannot be sent (no free entry): its length. 0: it went to the upstream,
 * and the answer goes to done() later.
 */
size_t dns_fwd_answer(const struct dns_query *q, const struct dns_fwd_client *from, uint8_t *out,
                      size_t cap);

/* Forget the queries of the TCP connection `conn` (it closed): done() is not called for them. */
void dns_fwd_cancel(const void *conn);

#endif
