/* Zone transfers out (xfr.h). */
#include "xfr.h"

#include <errno.h>
#include <string.h>

#include "name.h"

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

size_t dns_xfr_start(struct dns_xfr *x, const struct dns_zones *zones, const struct dns_query *q,
                     const uint8_t *msg, size_t len, const struct dns_tsig_key *keys, size_t nkeys,
                     uint64_t now, uint8_t *out, size_t cap)
{
	const struct dns_zone *z = q->qclass == DNS_C_IN ? zone_at(zones, q->qname) : NULL;
	struct dns_out o;
	long n;
	int err;

	memset(x, 0, sizeof(*x));
	if (!z || !q->tsig_off || !nkeys)
		return plain(q, DNS_R_REFUSED, out, cap);
	err = dns_tsig_verify(msg, len, q->tsig_off, keys, nkeys, now, &x->tsig);
	if (err == DNS_R_FORMERR || err == DNS_R_SERVFAIL)
		return plain(q, err, out, cap);
	if (err) {
		/* The TSIG error, signed or not as RFC 8945 5.3.2 says; the RCODE NOTAUTH. */
		if (dns_out_begin(&o, out, cap, q, 0))
			return 0;
		o.reserve = dns_tsig_space(&x->tsig);
		n = dns_tsig_sign(&o, &x->tsig, now);
		return n > 0 ? (size_t)n : 0;
	}
	x->q = *q;
	x->zone = dns_zone_hold((struct dns_zone *)z);
	return 0;
}

/* The apex's SOA record: the first and the last of a transfer. */
static int put_soa(struct dns_xfr *x, struct dns_out *o)
{
	const struct dns_zone *z = x->zone;
	const struct dns_node *apex = dns_zone_find(z, z->apex, NULL);
	const struct dns_set *soa = dns_node_set(z, apex, DNS_T_SOA);
	struct dns_rec_iter it;
	struct dns_rr rr = {.owner = z->apex, .type = DNS_T_SOA, .class = DNS_C_IN};

	dns_set_records(soa, &it);
	dns_rec_next(z, &it, &rr.ttl, &rr.rdata, &rr.rdlen);
	return dns_out_rr(o, DNS_SEC_ANSWER, &rr);
}

/* Past the RRsets that are not sent between the two SOAs: the apex's SOA itself. */
static bool skipped(const struct dns_xfr *x, const struct dns_node *n, const struct dns_set *s)
{
	return s->type == DNS_T_SOA && dns_name_eq(dns_node_name(x->zone, n), x->zone->apex);
}

/* The next record of the body: 1 written, 0 none left, -ENOSPC (nothing written). */
static int put_body(struct dns_xfr *x, struct dns_out *o)
{
	const struct dns_zone *z = x->zone;

	for (; x->node < z->nnodes; x->node++, x->set = 0, x->in_set = false) {
		const struct dns_node *n = &z->nodes[x->node];
		for (; x->set < n->nsets; x->set++, x->in_set = false) {
			const struct dns_set *s = &z->sets[n->sets + x->set];
			struct dns_rr rr = {
			    .owner = dns_node_name(z, n), .type = s->type, .class = DNS_C_IN};
			struct dns_rec_iter it;
			if (skipped(x, n, s))
				continue;
			if (!x->in_set) {
				dns_set_records(s, &x->rec);
				x->in_set = true;
			}
			it = x->rec;
			if (!dns_rec_next(z, &it, &rr.ttl, &rr.rdata, &rr.rdlen))
				continue;
			if (dns_out_rr(o, DNS_SEC_ANSWER, &rr))
				return -ENOSPC;
			x->rec = it;
			return 1;
		}
	}
	return 0;
}

/* One more record of the transfer: 0 written, -ENOSPC, or 1 once the transfer is all out. */
static int put_next(struct dns_xfr *x, struct dns_out *o)
{
	int r;

	switch (x->phase) {
	case 0:
	case 2:
		if ((r = put_soa(x, o)))
			return r;
		x->phase++;
		return 0;
	case 1:
		if ((r = put_body(x, o)) < 0)
			return r;
		if (r == 0)
			x->phase = 2;
		return 0;
	default:
		return 1;
	}
}

long dns_xfr_next(struct dns_xfr *x, uint8_t *out, size_t cap, uint64_t now)
{
	struct dns_out o;
	int r = 0;

	if (!x->zone || x->phase == 3)
		return 0;
	if (dns_out_begin(&o, out, cap, &x->q, DNS_F_AA))
		return -ENOSPC;
	o.reserve = dns_tsig_space(&x->tsig);
	while (x->phase < 3 && (r = put_next(x, &o)) == 0)
		;
	if (r == -ENOSPC && !o.count[DNS_SEC_ANSWER])
		return -EMSGSIZE; /* one record larger than a message: cannot be sent */
	return dns_tsig_sign(&o, &x->tsig, now);
}

void dns_xfr_end(struct dns_xfr *x)
{
	if (x->zone)
		dns_zone_release(x->zone);
	x->zone = NULL;
}
