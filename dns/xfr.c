/* Zone transfers out (xfr.h). */
#include "xfr.h"

#include <errno.h>
#include <string.h>

#include "name.h"

/*
 * What a transfer sends, step by step: a zone's SOA, or a walk over one
 * version's records (the SOA left out) that leaves out those of another.
 */
enum {
	STEP_SOA,     /* the SOA of the version sent */
	STEP_OLD_SOA, /* the SOA of the client's version */
	STEP_ALL,     /* every record */
	STEP_DELETED, /* the client's records that the version sent lacks */
	STEP_ADDED,   /* the records sent that the client's version lacks */
	STEP_END,
};
/* AXFR, and IXFR without the client's version (RFC 5936 2.2, RFC 1995 4). */
static const uint8_t steps_axfr[] = {STEP_SOA, STEP_ALL, STEP_SOA, STEP_END};
/* IXFR, condensed into one difference sequence (RFC 1995 4). */
static const uint8_t steps_ixfr[] = {STEP_SOA,   STEP_OLD_SOA, STEP_DELETED, STEP_SOA,
                                     STEP_ADDED, STEP_SOA,     STEP_END};
/* IXFR from the version we serve, or a newer one (RFC 1995 2, 4). */
static const uint8_t steps_current[] = {STEP_SOA, STEP_END};

/* The zone whose apex is exactly `name`: only a zone's apex is transferred (RFC 5936 2.2). */
static const struct dns_zone *zone_at(const struct dns_zones *zones, const uint8_t *name)
{
	for (size_t i = 0; i < zones->n; i++)
		if (dns_name_eq(zones->v[i]->apex, name))
			return zones->v[i];
	return NULL;
}

/* A refusal or an error, unsigned: its length. */
static size_t plain(const struct dns_query *q, int rcode, uint8_t *out, size_t cap)
{
	struct dns_out o;

	if (dns_out_begin(&o, out, cap, q, (uint16_t)rcode))
		return 0;
	return dns_out_end(&o);
}

/* An answer without records, `rcode`, signed with st (and its TSIG error): its length. */
static size_t signed_error(struct dns_tsig_state *st, const struct dns_query *q, int rcode,
                           uint64_t now, uint8_t *out, size_t cap)
{
	struct dns_out o;
	long n;

	if (dns_out_begin(&o, out, cap, q, (uint16_t)rcode))
		return 0;
	o.reserve = dns_tsig_space(st);
	n = dns_tsig_sign(&o, st, now);
	return n > 0 ? (size_t)n : 0;
}

/*
 * The SERIAL of an SOA's rdata as the message has it (RFC 1035 3.3.13):
 * two names, maybe compressed, then exactly five 32-bit fields.
 */
static int soa_rdata_serial(const uint8_t *msg, const struct dns_msg_rr *rr, uint32_t *serial)
{
	size_t end = rr->rdata_off + rr->rdlen, off = rr->rdata_off;
	uint8_t name[DNS_NAME_MAX];

	if (dns_msg_name(msg, end, &off, name) < 0 || dns_msg_name(msg, end, &off, name) < 0 ||
	    off + 20 != end)
		return -EINVAL;
	*serial = dns_get32(msg + off);
	return 0;
}

/*
 * The client's serial, from the SOA an IXFR query carries first in its
 * authority section (RFC 1995 3): 0, or -EINVAL for none, or a record
 * there that is not the SOA of the zone asked for.
 */
static int client_serial(const uint8_t *msg, size_t len, const struct dns_query *q,
                         uint32_t *serial)
{
	size_t off = q->question_end;
	struct dns_msg_rr rr;

	if (!q->hdr.nscount)
		return -EINVAL;
	for (unsigned i = 0; i < q->hdr.ancount; i++)
		if (dns_msg_rr(msg, len, &off, &rr))
			return -EINVAL;
	if (dns_msg_rr(msg, len, &off, &rr) || rr.type != DNS_T_SOA ||
	    !dns_name_eq(rr.owner, q->qname))
		return -EINVAL;
	return soa_rdata_serial(msg, &rr, serial);
}

/* What an IXFR from `serial` sends: the steps, and the client's version held if need be. */
static const uint8_t *ixfr_plan(struct dns_xfr *x, dns_xfr_past_fn past, void *past_ctx,
                                uint32_t serial)
{
	if (!dns_serial_lt(serial, x->zone->serial))
		return steps_current;
	if (past && (x->old = past(past_ctx, x->zone, serial)))
		return steps_ixfr;
	return steps_axfr;
}

size_t dns_xfr_start(struct dns_xfr *x, const struct dns_zones *zones, dns_xfr_past_fn past,
                     void *past_ctx, const struct dns_query *q, const uint8_t *msg, size_t len,
                     const struct dns_tsig_key *keys, size_t nkeys, uint64_t now, uint8_t *out,
                     size_t cap)
{
	const struct dns_zone *z = q->qclass == DNS_C_IN ? zone_at(zones, q->qname) : NULL;
	uint32_t serial = 0;
	int err;

	memset(x, 0, sizeof(*x));
	if (!q->tsig_off || !nkeys)
		return plain(q, DNS_R_REFUSED, out, cap);
	err = dns_tsig_verify(msg, len, q->tsig_off, keys, nkeys, now, &x->tsig);
	if (err == DNS_R_FORMERR || err == DNS_R_SERVFAIL)
		return plain(q, err, out, cap);
	/* The TSIG error, signed or not as RFC 8945 5.3.2 says; the RCODE NOTAUTH. */
	if (err)
		return signed_error(&x->tsig, q, 0, now, out, cap);
	/* A request that verified has its answer signed, a refusal too (RFC 8945 5.3). */
	if (!z)
		return signed_error(&x->tsig, q, DNS_R_REFUSED, now, out, cap);
	if (q->qtype == DNS_T_IXFR && client_serial(msg, len, q, &serial))
		return signed_error(&x->tsig, q, DNS_R_FORMERR, now, out, cap);
	x->q = *q;
	x->zone = dns_zone_hold((struct dns_zone *)z);
	x->steps = q->qtype == DNS_T_IXFR ? ixfr_plan(x, past, past_ctx, serial) : steps_axfr;
	return 0;
}

/* The apex's SOA record of z: 0 written, or -ENOSPC. */
static int put_soa(const struct dns_zone *z, struct dns_out *o)
{
	const struct dns_node *apex = dns_zone_apex(z);
	const struct dns_set *soa = dns_node_set(z, apex, DNS_T_SOA);
	struct dns_rec_iter it;
	struct dns_rr rr = {.owner = z->apex, .type = DNS_T_SOA, .class = DNS_C_IN};

	dns_set_records(soa, &it);
	dns_rec_next(z, &it, &rr.ttl, &rr.rdata, &rr.rdlen);
	return dns_out_rr(o, DNS_SEC_ANSWER, &rr) ? -ENOSPC : 0;
}

/* Canonical order of two records' rdata of one type (RFC 4034 6.3), as db.c sorts an RRset. */
static int rdata_cmp(const uint8_t *a, uint16_t alen, const uint8_t *b, uint16_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : alen - blen;
}

/* x->other: the RRset of `minus` of rr's owner (ASCII case ignored) and type, or none. */
static void other_set(struct dns_xfr *x, const struct dns_zone *minus, const struct dns_rr *rr)
{
	const struct dns_node *n = dns_zone_find(minus, rr->owner, NULL);
	const struct dns_set *s = n ? dns_node_set(minus, n, rr->type) : NULL;

	x->other.left = 0;
	if (s)
		dns_set_records(s, &x->other);
}

/*
 * The RRset x->other of `minus` holds `rr` exactly, its TTL too. Both
 * RRsets are in canonical order (db.h) and a walk asks for its records in
 * that order: x->other moves past those before rr and stays on one equal
 * to it, so the two sets are read side by side, each once (comparing each
 * record with the whole other set cost the square of its size).
 */
static bool other_has(struct dns_xfr *x, const struct dns_zone *minus, const struct dns_rr *rr)
{
	struct dns_rec_iter it = x->other;
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t ttl;

	while (dns_rec_next(minus, &it, &ttl, &rdata, &rdlen)) {
		int c = rdata_cmp(rdata, rdlen, rr->rdata, rr->rdlen);
		if (c > 0)
			return false;
		if (c == 0)
			return ttl == rr->ttl;
		x->other = it;
	}
	return false;
}

/*
 * The next record of the RRset s at n of `from` that `minus` lacks (any, if
 * minus is NULL), from where x->rec stands: 1 written, 0 none left in the
 * set, -ENOSPC (nothing written: x->rec stays on it).
 */
static int put_from_set(struct dns_xfr *x, struct dns_out *o, const struct dns_zone *from,
                        const struct dns_node *n, const struct dns_set *s,
                        const struct dns_zone *minus)
{
	struct dns_rr rr = {.owner = dns_node_name(from, n), .type = s->type, .class = DNS_C_IN};
	struct dns_rec_iter it = x->rec;

	if (!x->in_set) {
		dns_set_records(s, &it);
		if (minus)
			other_set(x, minus, &rr);
		x->in_set = true;
	}
	for (x->rec = it; dns_rec_next(from, &it, &rr.ttl, &rr.rdata, &rr.rdlen); x->rec = it) {
		if (minus && other_has(x, minus, &rr))
			continue;
		if (dns_out_rr(o, DNS_SEC_ANSWER, &rr))
			return -ENOSPC;
		x->rec = it;
		return 1;
	}
	return 0;
}

/*
 * The next record of a walk over `from`, in canonical order, the SOA left
 * out (RFC 5936 2.2, RFC 1995 4): 1 written, 0 none left, -ENOSPC.
 */
static int put_walk(struct dns_xfr *x, struct dns_out *o, const struct dns_zone *from,
                    const struct dns_zone *minus)
{
	int r;

	for (; x->node < from->nnodes; x->node++, x->set = 0, x->in_set = false) {
		const struct dns_node *n = &from->nodes[x->node];
		for (; x->set < n->nsets; x->set++, x->in_set = false) {
			const struct dns_set *s = &from->sets[n->sets + x->set];
			if (s->type == DNS_T_SOA)
				continue; /* the apex's: a zone has no other (db.h) */
			if ((r = put_from_set(x, o, from, n, s, minus)))
				return r;
		}
	}
	return 0;
}

/* The step's next record: 1 written and more to come, 0 the step is over, -ENOSPC. */
static int put_step(struct dns_xfr *x, struct dns_out *o)
{
	switch (x->steps[x->step]) {
	case STEP_SOA:
		return put_soa(x->zone, o);
	case STEP_OLD_SOA:
		return put_soa(x->old, o);
	case STEP_ALL:
		return put_walk(x, o, x->zone, NULL);
	case STEP_DELETED:
		return put_walk(x, o, x->old, x->zone);
	case STEP_ADDED:
		return put_walk(x, o, x->zone, x->old);
	default:
		return 0;
	}
}

/* One more record of the transfer, or the next step begun: 0, or -ENOSPC. */
static int put_next(struct dns_xfr *x, struct dns_out *o)
{
	int r = put_step(x, o);

	if (r < 0)
		return r;
	if (r == 0) {
		x->step++;
		x->node = x->set = 0;
		x->in_set = false;
	}
	return 0;
}

long dns_xfr_next(struct dns_xfr *x, uint8_t *out, size_t cap, uint64_t now)
{
	struct dns_out o;
	int r = 0;

	if (!x->zone || x->steps[x->step] == STEP_END)
		return 0;
	if (dns_out_begin(&o, out, cap, &x->q, DNS_F_AA))
		return -ENOSPC;
	o.reserve = dns_tsig_space(&x->tsig);
	while (x->steps[x->step] != STEP_END && (r = put_next(x, &o)) == 0)
		;
	if (r == -ENOSPC && !o.count[DNS_SEC_ANSWER])
		return -EMSGSIZE; /* one record larger than a message: cannot be sent */
	return dns_tsig_sign(&o, &x->tsig, now);
}

size_t dns_xfr_fail(struct dns_xfr *x, uint8_t *out, size_t cap, uint64_t now)
{
	return signed_error(&x->tsig, &x->q, DNS_R_SERVFAIL, now, out, cap);
}

void dns_xfr_end(struct dns_xfr *x)
{
	if (x->zone)
		dns_zone_release(x->zone);
	if (x->old)
		dns_zone_release(x->old);
	x->zone = x->old = NULL;
}
