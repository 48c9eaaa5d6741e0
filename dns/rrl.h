/*
 * Response rate limiting (RRL) for answers over UDP, as NSD and Knot do
 * it: answers are counted per bucket of (client network, kind of answer,
 * name), each bucket may send `rate` answers a second, and an answer over
 * the rate is dropped, except every `slip`-th, which goes out truncated
 * (TC, no records) so a real client behind a spoofed-looking flood asks
 * again over TCP. A spoofed source gets a reflection of at most `rate`
 * answers a second per bucket, and half the drops' worth of small TC
 * answers with slip 2.
 *
 * The network is the client's IPv4 /24 or IPv6 /56: a /56 is the smaller
 * of the two prefixes RIPE-690 recommends an ISP gives one home, so one
 * subscriber cannot dodge the limit by walking its addresses; Knot's RRL
 * groups by /24 and /56 too (NSD's defaults are /24 and /64). The name
 * of a bucket depends on the kind, as in NSD: the query's name for an
 * ANSWER or NODATA, the zone's apex for an NXDOMAIN (so random names under
 * a zone share one bucket), the delegation or zone for a REFERRAL, the
 * wildcard or zone for a WILDCARD, and none at all for REFUSED and ERROR
 * (every error to a network shares one bucket). An answer a wildcard or
 * a DNAME made counts as a WILDCARD of the zone whatever else it is (a
 * NODATA at the wildcard, its CNAME chased, a DNAME's target: server.c).
 *
 * Over TCP nothing is limited: the handshake proves the address is the
 * client's, so there is no one to reflect at. The server calls
 * dns_rrl_check for UDP answers only, an UPDATE's as a query's (BIND
 * limits an error answer whatever its opcode: ns_client_error), and not
 * for a request with a valid Server Cookie (cookie.h: VALID,
 * VALID_REFRESH), which proves the same; nor for an update made, its MAC
 * verified and never seen before (server.c: a lost answer would turn the
 * sender's retry into a replay, refused though the update was made).
 * A valid TSIG proves no address (a signed query sent again from a forged
 * one verifies within its fudge), so signed answers are limited too; a
 * slip keeps the OPT record and is signed (dns_answer_slip).
 *
 * The table has a fixed number of entries chosen at dns_rrl_init, the only
 * allocation; each query costs one SipHash of at most 264 bytes and a look
 * at two adjacent entries, whatever the traffic. An entry is 24 bytes: the
 * default 4096 entries are 98,304 bytes, and struct dns_rrl 72 more on
 * the guest (sizeof, arm-none-eabi). When both entries a bucket may
 * use are taken by other buckets, the one with more allowance left (the
 * older, in the token bucket's time) is replaced, and its bucket starts
 * again full if it comes back: a forgotten bucket errs towards answering,
 * and a bucket being limited right now is the last to be forgotten.
 *
 * The rate: NSD's default, 200 answers a second per bucket. An honest
 * resolver asks for one name a few times per TTL and never comes near it,
 * nor does a person with dig; one bucket's 200 answers of ~500 bytes are
 * ~0.8 Mbit/s of a home uplink, the most a reflection through one bucket
 * can take of it. A test that fires hundreds of NXDOMAIN or error queries
 * a second from one address will meet it: such a test wants a higher rate.
 */
#ifndef DNS_RRL_H
#define DNS_RRL_H

#include <stddef.h>
#include <stdint.h>

#define DNS_RRL_DEFAULT_RATE 200     /* answers a second per bucket (NSD's rrl-ratelimit) */
#define DNS_RRL_DEFAULT_SLIP 2       /* every 2nd limited answer truncated (NSD's rrl-slip) */
#define DNS_RRL_DEFAULT_ENTRIES 4096 /* 98,304 bytes */
#define DNS_RRL_RATE_MAX 100000
#define DNS_RRL_ENTRIES_MAX (1u << 20)
#define DNS_RRL_V4_PREFIX 24 /* bits */
#define DNS_RRL_V6_PREFIX 56

enum dns_rrl_action {
	DNS_RRL_SEND, /* within the rate: send the answer */
	DNS_RRL_DROP, /* over it: send nothing */
	DNS_RRL_SLIP, /* over it, but this one goes out: TC set, the question, OPT, TSIG */
};

/* One bucket: 24 bytes. */
struct dns_rrl_entry {
	uint64_t key;     /* SipHash of (network, kind, name): which bucket this is */
	uint64_t tat;     /* the token bucket as a time, ns: see rrl.c */
	uint32_t limited; /* answers over the rate, to pick every slip-th */
};

struct dns_rrl {
	struct dns_rrl_entry *v;
	unsigned n;        /* entries, even: a bucket may sit in one of a pair */
	uint64_t interval; /* ns between answers at the rate */
	uint64_t burst;    /* how far ahead of now the bucket's time may run */
	unsigned slip;     /* 0: never slip, 1: slip every limited answer */
	uint8_t key[16];   /* the hash's key (dns_rrl_seed) */
	uint64_t limited;  /* for /metrics: answers over the rate, dropped or slipped */
	uint64_t slipped;  /* of those, sent truncated */
	uint64_t replaced; /* entries taken over by another bucket: table pressure */
};

/*
 * Make the table: `entries` (rounded up to even, 2 to DNS_RRL_ENTRIES_MAX)
 * of 24 bytes, allocated here and nowhere else; `rate` answers a second
 * per bucket (1 to DNS_RRL_RATE_MAX); every `slip`-th limited answer of a
 * bucket slips (0: none; NSD's meaning). 0, -EINVAL for a value out of
 * range, or -ENOMEM. The hash's key is zero until dns_rrl_seed.
 */
int dns_rrl_init(struct dns_rrl *r, unsigned entries, unsigned rate, unsigned slip);

/* Free the table. */
void dns_rrl_fini(struct dns_rrl *r);

/*
 * Key the hash that picks a bucket's entries (16 bytes from plat_random),
 * so a client cannot choose names whose buckets evict someone else's.
 * Buckets already counted are forgotten.
 */
void dns_rrl_seed(struct dns_rrl *r, const uint8_t key[16]);

/*
 * Count one UDP answer to the client at `ip` (iplen 4 or 16, as on the
 * wire) at `now_ns` (plat_now_ns, monotonic), and say what to do with it.
 * `kind` is the answer's enum dns_kind (answer.h); `name` the bucket's
 * name in wire form as the header above says, or NULL (ignored for
 * REFUSED and ERROR), compared without ASCII case. Up to `rate` answers in
 * the same instant are sent and the next is limited; the allowance comes
 * back at `rate` a second, up to `rate`.
 */
enum dns_rrl_action dns_rrl_check(struct dns_rrl *r, const uint8_t *ip, size_t iplen, int kind,
                                  const uint8_t *name, uint64_t now_ns);

#endif
