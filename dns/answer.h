/*
 * The answer to one query from the zones loaded (RFC 1034 4.3.2 with RFC
 * 2181, 2308, 4592, 6672 and 8482): a pure function of the query and the
 * zones, written into the caller's buffer, so the UDP and TCP servers, the
 * unit tests and the fuzz target all call the same code and nothing is
 * allocated per query.
 */
#ifndef DNS_ANSWER_H
#define DNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "msg.h"

/* CNAMEs followed inside our zones for one answer (NSD and BIND stop near here too). */
#define DNS_CHASE_MAX 8

/* The zones served, longest apex first is not required: the deepest match is found. */
struct dns_zones {
	const struct dns_zone *const *v;
	size_t n;
};

/* How an answer went, for rate limiting and /metrics. */
enum dns_kind {
	DNS_KIND_ANSWER,   /* records of the name asked */
	DNS_KIND_NODATA,   /* the name, not the type */
	DNS_KIND_NXDOMAIN, /* no such name */
	DNS_KIND_REFERRAL, /* below a delegation */
	DNS_KIND_WILDCARD, /* synthesised from a wildcard */
	DNS_KIND_REFUSED,  /* not ours, or not allowed */
	DNS_KIND_ERROR,    /* FORMERR, NOTIMP, BADVERS */
};

struct dns_answer_info {
	enum dns_kind kind;
	/*
	 * A wildcard or a DNAME made part of it, whatever its kind says after
	 * (a NODATA at the wildcard, a CNAME from it chased, a DNAME's
	 * target): rate limited as the zone's, not as the name asked, which a
	 * flood makes up at will.
	 */
	bool synthesised;
	int rcode;                   /* the whole 12-bit rcode */
	bool truncated;              /* TC set: the answer did not fit */
	const struct dns_zone *zone; /* the zone that answered, or NULL */
	size_t question_end;         /* where the answer's question ends */
	size_t opt_off;              /* where its OPT record starts, the last record; 0: none */
};

/* What the transport tells the answer. */
/* What a CHAOS-class TXT query for the server's identity is told (RFC 4892), if anything. */
struct dns_chaos {
	const char *id;      /* id.server. and hostname.bind.; NULL: REFUSED */
	const char *version; /* version.server. and version.bind.; NULL: REFUSED */
};

struct dns_ask {
	bool tcp;                      /* no size limit but 65535 */
	const struct dns_chaos *chaos; /* NULL: CHAOS is refused */
	const uint8_t *cookie;         /* our server cookie for this client (16 bytes), or NULL */
	size_t cookie_len;
	size_t reserve; /* bytes kept free after the OPT for a TSIG added later (dns_tsig_space) */
};

/* The most an answer to q may hold (RFC 1035 4.2.1, RFC 6891 6.2.3-6.2.5). */
size_t dns_answer_limit(const struct dns_query *q, bool tcp);

/*
 * The answer to `q`, as dns_msg_query returned `rc` for it, into `out`
 * (`cap` bytes, at least 512): its length, or 0 for no answer at all
 * (DNS_MSG_DROP). Over UDP the answer is cut to the client's payload size
 * (512 without EDNS, at most DNS_EDNS_SIZE), whole RRsets at a time, with
 * TC set when the answer section did not fit (RFC 2181 9); ask->reserve
 * bytes of that are left free, so a TSIG added after always fits.
 */
size_t dns_answer(const struct dns_zones *zones, const struct dns_query *q, int rc,
                  const struct dns_ask *ask, uint8_t *out, size_t cap,
                  struct dns_answer_info *info);

/*
 * The answer to a request that is answered with an rcode alone (an
 * UPDATE, RFC 2136 3.8): the header with q's ID and opcode and `rcode`,
 * the question (the zone section) as asked, and, if q had an OPT record,
 * one (RFC 6891 6.1.1) with ask's cookie (RFC 7873 5.2: a response to any
 * request with a COOKIE option carries one). Into `out` (`cap` bytes, at
 * least 512) as dns_answer writes, `info` filled alike; its length, 0 if
 * the question does not fit.
 */
size_t dns_answer_rcode(const struct dns_query *q, int rcode, const struct dns_ask *ask,
                        uint8_t *out, size_t cap, struct dns_answer_info *info);

/*
 * BADVERS if q's EDNS version is one we do not implement (RFC 6891
 * 6.1.3: answered so, and not acted on: an UPDATE is not applied), else 0.
 * That answer's OPT (version 0) still carries the cookies: RFC 7873
 * 5.2.3 to 5.2.5 answer a request that had a COOKIE with one and make no
 * exception for an error, nor does RFC 6891 6.1.3 for a BADVERS; and the
 * client's cookie coming back lets it tell our BADVERS from a forged one
 * (RFC 7873 5.3). BIND's has none: it reads the version before the options.
 */
int dns_answer_version(const struct dns_query *q);

/*
 * The answer of `n` bytes that dns_answer wrote in `out` (its `info`), cut
 * to what a rate limit's slip sends (rrl.h): the header, TC set and the
 * rcode kept, the question and the OPT record (RFC 6891 6.1.1: an answer
 * to a query with OPT has one), no other record; as BIND's slip, which
 * stops after the question and ends the message as any other. A TSIG,
 * if the query was signed, is added after (RFC 8945 5.3). Its new length.
 */
size_t dns_answer_slip(uint8_t *out, size_t n, const struct dns_answer_info *info);

#endif
