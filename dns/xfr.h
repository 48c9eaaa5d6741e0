/*
 * Zone transfers out, over TCP only, TSIG required (RFC 8945): AXFR (RFC
 * 5936), the zone's SOA, every other record, and the SOA again; and IXFR
 * (RFC 1995), the difference from the version the client has, when the
 * caller still knows that version, or else the whole zone as AXFR sends
 * it (RFC 1995 4 allows that). Either goes in as many messages as it
 * takes, each signed, made one at a time as the connection takes them.
 * The zones read are held for the transfer's length, so a push that
 * replaces them meanwhile does not cut the transfer short: the secondary
 * gets the version it asked for whole (RFC 5936 6).
 *
 * Memory: struct dns_xfr (the query, the TSIG state, where it is: about
 * 1.5 KiB) per transfer running, while the TCP server holds the message
 * being sent; an IXFR also holds the client's version of the zone, which
 * the caller loaded (dns_xfr_past_fn). The difference is found by walking
 * both versions side by side in canonical order, one record at a time, so
 * each record is read a few times at most whatever an RRset's size:
 * nothing more is allocated.
 */
#ifndef DNS_XFR_H
#define DNS_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "answer.h"
#include "db.h"
#include "msg.h"
#include "tsig.h"

/* Each message of a transfer at most: room for many records, less than TCP's 64 KiB. */
#define DNS_XFR_MSG 16384

/*
 * The zone `now` as it was served with `serial`, for an IXFR from that
 * version: the zone HELD (dns_zone_hold; the transfer releases it), its
 * SOA's serial `serial` (dns_zone_set_serial), or NULL if that version is
 * not known (the whole zone is sent then).
 */
typedef struct dns_zone *(*dns_xfr_past_fn)(void *ctx, const struct dns_zone *now, uint32_t serial);

struct dns_xfr {
	struct dns_query q;
	struct dns_tsig_state tsig;
	struct dns_zone *zone; /* the version sent, held */
	struct dns_zone *old;  /* an IXFR's: the client's version, held; else NULL */
	const uint8_t *steps;  /* what is sent, in order (xfr.c) */
	unsigned step;
	uint32_t node, set; /* the next RRset of the step's walk over a zone */
	struct dns_rec_iter rec;
	struct dns_rec_iter other; /* an IXFR's: the same RRset in the version left out */
	bool in_set;
};

/*
 * The answer to an AXFR or IXFR query `q` (rc from dns_msg_query; msg and
 * len the query as received, for its TSIG and an IXFR's SOA) when it is
 * not a transfer: REFUSED for a query without TSIG, NOTAUTH with the TSIG
 * error (an unknown key too) signed as RFC 8945 5.3.2 says, REFUSED signed
 * for a zone not ours (the request verified: RFC 8945 5.3), FORMERR
 * (signed if the TSIG verified) for an IXFR without the client's SOA of
 * the zone in its authority section (RFC 1995 3); its length in out, or 0
 * if the transfer may start (then *x is set up: call dns_xfr_next until
 * it returns 0). `keys` may be empty: nothing is then
 * transferred.
 *   An IXFR whose serial is not older than ours (RFC 1982) gets one
 * message, our SOA (RFC 1995 2, 4); one from a version past() still has,
 * the condensed difference (RFC 1995 4): our SOA, the client's, the
 * records that went, our SOA, the records that came, our SOA (the SOAs
 * are not in the lists; a record whose TTL changed went and came); any
 * other, the whole zone as AXFR sends it. `past` may be NULL: no version
 * but the current is known.
 */
size_t dns_xfr_start(struct dns_xfr *x, const struct dns_zones *zones, dns_xfr_past_fn past,
                     void *past_ctx, const struct dns_query *q, const uint8_t *msg, size_t len,
                     const struct dns_tsig_key *keys, size_t nkeys, uint64_t now, uint8_t *out,
                     size_t cap);

/* The transfer's next message into out (cap bytes): its length, 0 when all is sent, or -errno. */
long dns_xfr_next(struct dns_xfr *x, uint8_t *out, size_t cap, uint64_t now);

/*
 * The transfer cannot go on (dns_xfr_next failed): SERVFAIL for its
 * query, no records, signed as its next message would be, into out (cap
 * bytes); its length, or 0 if it does not fit. For a transfer none of
 * whose messages went yet: the secondary then has its answer, an error
 * (RFC 5936 2.2); once one went, the caller closes the connection
 * instead, which a secondary missing the closing SOA takes as a failed
 * transfer as surely.
 */
size_t dns_xfr_fail(struct dns_xfr *x, uint8_t *out, size_t cap, uint64_t now);

/* Let go of the zones (a transfer ended or cut off). */
void dns_xfr_end(struct dns_xfr *x);

#endif
