/*
 * Zone transfers out (AXFR, RFC 5936), over TCP only, TSIG required (RFC
 * 8945): the zone's SOA, every other record, and the SOA again, in as
 * many messages as it takes, each signed, made one at a time as the
 * connection takes them. The zone is held for the transfer's length, so a
 * push that replaces it meanwhile does not cut the transfer short: the
 * secondary gets the version it asked for whole (RFC 5936 6).
 *
 * Memory: struct dns_xfr (the query, the TSIG state, where it is: about
 * 1.5 KiB) per transfer running, while the TCP server holds the message
 * being sent.
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

struct dns_xfr {
	struct dns_query q;
	struct dns_tsig_state tsig;
	struct dns_zone *zone;
	uint32_t node, set; /* the next RRset to send */
	struct dns_rec_iter rec;
	bool in_set;
	int phase; /* 0: the first SOA, 1: the records, 2: the last SOA, 3: done */
};

/*
 * The answer to an AXFR query `q` (rc from dns_msg_query; msg and len the
 * query as received, for its TSIG) when it is not a transfer: REFUSED for
 * a zone not ours or a query without TSIG or an unknown key, NOTAUTH with
 * the TSIG error signed as RFC 8945 5.3.2 says, FORMERR; its length in
 * out, or 0 if the transfer may start (then *x is set up: call
 * dns_xfr_next until it returns 0). `keys` may be empty: nothing is then
 * transferred.
 */
size_t dns_xfr_start(struct dns_xfr *x, const struct dns_zones *zones, const struct dns_query *q,
                     const uint8_t *msg, size_t len, const struct dns_tsig_key *keys, size_t nkeys,
                     uint64_t now, uint8_t *out, size_t cap);

/* The transfer's next message into out (cap bytes): its length, 0 when all is sent, or -errno. */
long dns_xfr_next(struct dns_xfr *x, uint8_t *out, size_t cap, uint64_t now);

/* Let go of the zone (a transfer ended or cut off). */
void dns_xfr_end(struct dns_xfr *x);

#endif
