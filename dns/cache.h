/*
 * The LAN forwarder's answer cache (forward.h): upstream answers kept for
 * their TTL (RFC 1035 3.2.1, RFC 2181 8) and negative answers for their
 * SOA's (RFC 2308 5), in a number of bytes fixed at dns_cache_init, the
 * only allocation. Pure: no lwIP, no clock of its own (the caller passes
 * plat_now_ns), so the unit test and the fuzz target drive it directly.
 *
 * An upstream answer is read once (dns_cache_read) into the form it is
 * kept and sent in: its header and question, then its answer, authority
 * and additional records written again with dns_out (msg.h: every name
 * decompressed, then compressed again where RFC 3597 4 allows), without
 * OPT or TSIG, and where each TTL lies. Sending it (dns_cache_write)
 * copies that form into the client's buffer with the client's id, RD and
 * CD, the question's case as the client asked it, RA set, AA and AD clear
 * (the answer is not ours, and we validate nothing), each TTL less the
 * whole seconds since the answer came, and an OPT of our own if the
 * client sent one. An answer longer than the client's limit goes as the
 * header and question with TC set (RFC 2181 9): the client asks again
 * over TCP.
 *
 * What is kept, and for how long:
 *   - an answer with records (NOERROR, answer section not empty): until
 *     its smallest TTL;
 *   - NXDOMAIN, and NOERROR without answer records (NODATA), with an SOA
 *     in the authority section: the SOA's TTL is lowered to its MINIMUM
 *     field (RFC 2308 3) and the answer kept until its smallest TTL, at
 *     most DNS_CACHE_NEG_MAX (3 hours: RFC 2308 5's "one to three hours");
 *     without an SOA not at all (RFC 2308 5: SHOULD NOT);
 *   - nothing else: answers with TC (partial), SERVFAIL (RFC 2308 7.1
 *     allows 5 minutes; the forwarder asks again instead, its table of
 *     pending queries bounds the load), REFUSED and the other rcodes,
 *     any TTL of 0 (RFC 1035 3.2.1), and an answer bigger than a quarter
 *     of the ring (one name cannot flush the cache).
 * Every TTL is capped at DNS_CACHE_TTL_MAX (1 day), kept and sent; a TTL
 * with its top bit set reads as 0 (RFC 2181 8).
 *
 * The key: the name without ASCII case, the type, the class, and the DO,
 * CD and RD bits of the query (a DNSSEC answer, one that was not checked,
 * and a non-recursive one each stand apart). Buckets are picked with
 * SipHash under a key from dns_cache_seed, so a client cannot choose
 * names that share one long chain.
 *
 * Memory: the budget given to dns_cache_init, all of it allocated there:
 * a table of buckets (4 bytes for every 512 of the budget) and a ring of
 * records. A record costs DNS_CACHE_REC_HDR (32) bytes, its message, and
 * 2 bytes for each resource record in it, rounded up to 8: an A answer of
 * 60 bytes with one record takes 96, so the default 256 KiB hold about
 * 2,700 of them. A new record goes at the ring's tail; when there is no
 * room, the hand at its head frees the oldest record, unless that one was
 * looked up since the hand last passed it (CLOCK's second chance): then it
 * moves to the tail, its bit cleared. An expired record is freed when it
 * is looked up or the hand reaches it. Nothing is allocated after init.
 */
#ifndef DNS_CACHE_H
#define DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define DNS_CACHE_DEFAULT_BYTES (256 * 1024)
#define DNS_CACHE_MIN_BYTES 4096
#define DNS_CACHE_MAX_BYTES (64u << 20)
#define DNS_CACHE_TTL_MAX 86400 /* seconds: 1 day */
#define DNS_CACHE_NEG_MAX 10800 /* seconds: 3 hours (RFC 2308 5) */
#define DNS_CACHE_REC_HDR 32    /* bytes a record costs besides its message */
/* The most resource records a message holds: 65,535 bytes of 11-byte ones. */
#define DNS_CACHE_RRS_MAX ((DNS_MSG_MAX - DNS_HDR_LEN) / 11)
/* dns_cache_read's scratch buffer: a whole message and 2 bytes for each record. */
#define DNS_CACHE_SCRATCH (DNS_MSG_MAX + 2 * DNS_CACHE_RRS_MAX)

/* An upstream answer in the form it is kept and sent (dns_cache_read). */
struct dns_cache_msg {
	const uint8_t *msg; /* header (id 0), question, records; no OPT, no TSIG */
	size_t len;
	const uint8_t *ttls; /* where each TTL lies in msg: 2 octets each, network order */
	unsigned nttl;
	const uint8_t *qname; /* the question as the upstream wrote it (in msg) */
	uint16_t qtype, qclass;
	uint16_t flags; /* the upstream's TC and rcode */
	uint32_t life;  /* seconds it may be kept: 0, not at all */
};

struct dns_cache {
	uint8_t *ring;     /* the records, each at an offset that is a multiple of 8 */
	uint32_t *buckets; /* each chain's first record, as its offset + 1; 0: none */
	size_t cap;        /* bytes of ring */
	size_t head, tail; /* the oldest record, where the hand is; where the next goes */
	size_t used;       /* bytes of ring taken: records, freed ones and padding */
	uint32_t mask;     /* buckets - 1, a power of 2 less one */
	uint8_t key[16];   /* SipHash's key for the buckets */
	/* For /metrics and the tests. */
	unsigned entries; /* records that may be found */
	uint64_t hits, misses, evicted;
};

/*
 * Allocate a cache of `budget` bytes (DNS_CACHE_MIN_BYTES to
 * DNS_CACHE_MAX_BYTES), ring and buckets together; the hash's key is zero
 * until dns_cache_seed. 0, -EINVAL or -ENOMEM.
 */
int dns_cache_init(struct dns_cache *c, size_t budget);
void dns_cache_fini(struct dns_cache *c);

/* Key the buckets' hash (16 bytes from plat_random); what was kept is forgotten. */
void dns_cache_seed(struct dns_cache *c, const uint8_t key[16]);

/*
 * Read the answer `msg` (`len` bytes, untrusted) into `scratch` (`cap`
 * bytes, at least DNS_CACHE_SCRATCH) as *m: 0, or -EINVAL if it does not
 * parse (not a response, not one question, a record cut short or past
 * the counts, bytes after the last record, an rdata of a type with names
 * that do not decompress to its shape, an extended rcode) or does not fit
 * 65,535 bytes once written again. Every read is bounded by len.
 */
int dns_cache_read(const uint8_t *msg, size_t len, uint8_t *scratch, size_t cap,
                   struct dns_cache_msg *m);

/*
 * Keep *m, the answer to q, from `now_ns` for m->life seconds, replacing
 * what the same key held; older records make room. Nothing happens if
 * m->life is 0, m's question is not q's, or m is too big.
 */
void dns_cache_put(struct dns_cache *c, const struct dns_query *q, const struct dns_cache_msg *m,
                   uint64_t now_ns);

/*
 * Write *m, `age` seconds old, as the answer to the client's query q into
 * `out` (`cap` bytes), at most `limit` bytes long (dns_answer_limit):
 * its length, or 0 if m's question is not q's or not even the header and
 * question fit.
 */
size_t dns_cache_write(const struct dns_cache_msg *m, uint32_t age, const struct dns_query *q,
                       size_t limit, uint8_t *out, size_t cap);

/*
 * The kept answer to q, written as dns_cache_write does: its length, or 0
 * if none is kept (or it expired: then it is freed).
 */
size_t dns_cache_get(struct dns_cache *c, const struct dns_query *q, uint64_t now_ns, size_t limit,
                     uint8_t *out, size_t cap);

#endif
