/* The answer to one query from the zones (answer.h). */
#include "answer.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "name.h"

/* One answer being made. */
struct ans {
	const struct dns_zones *zones;
	const struct dns_query *q;
	struct dns_out o;
	struct dns_answer_info *info;
	const struct dns_zone *z;
	bool full; /* a section did not fit: what follows is left out */
	uint8_t cookie[DNS_COOKIE_CLIENT + DNS_COOKIE_SERVER_MAX]; /* to send back, if cookie_len */
	size_t cookie_len;
};

/* The zone whose apex is the deepest ancestor of (or equal to) `name`. */
static const struct dns_zone *zone_of(const struct dns_zones *zs, const uint8_t *name)
{
	const struct dns_zone *best = NULL;

	for (size_t i = 0; i < zs->n; i++)
		if (dns_name_is_sub(name, zs->v[i]->apex) &&
		    (!best || dns_name_labels(zs->v[i]->apex) > dns_name_labels(best->apex)))
			best = zs->v[i];
	return best;
}

/*
 * Put a whole RRset in a section under `owner`, or none of it: -ENOSPC
 * then. `ttl_cap` (0: none) lowers the TTLs (the SOA of a negative answer,
 * RFC 2308 3).
 */
static int put_set(struct ans *a, int section, const uint8_t *owner, const struct dns_set *s,
                   uint32_t ttl_cap)
{
	struct dns_out_mark m;
	struct dns_rec_iter it;
	struct dns_rr rr = {.owner = owner, .type = s->type, .class = DNS_C_IN};

	dns_out_mark(&a->o, &m);
	dns_set_records(s, &it);
	while (dns_rec_next(a->z, &it, &rr.ttl, &rr.rdata, &rr.rdlen)) {
		if (ttl_cap && rr.ttl > ttl_cap)
			rr.ttl = ttl_cap;
		if (dns_out_rr(&a->o, section, &rr)) {
			dns_out_rewind(&a->o, &m);
			return -ENOSPC;
		}
	}
	return 0;
}

/* An RRset of the answer: one that does not fit truncates the message (RFC 2181 9). */
static void put_answer(struct ans *a, const uint8_t *owner, const struct dns_set *s)
{
	if (!a->full && put_set(a, DNS_SEC_ANSWER, owner, s, 0)) {
		a->full = true;
		a->info->truncated = true;
		dns_out_flags(&a->o, DNS_F_TC, 0);
	}
}

/* Authority and additional records are left out quietly when they do not fit. */
static void put_extra(struct ans *a, int section, const uint8_t *owner, const struct dns_set *s,
                      uint32_t ttl_cap)
{
	if (!a->full && put_set(a, section, owner, s, ttl_cap) && section == DNS_SEC_AUTHORITY)
		a->full = true;
}

/* The SOA's MINIMUM field: the negative TTL's cap with the SOA's own TTL (RFC 2308 5). */
static uint32_t soa_minimum(const struct dns_zone *z, const struct dns_set *soa)
{
	struct dns_rec_iter it;
	const uint8_t *rd;
	uint16_t len;
	uint32_t ttl;

	dns_set_records(soa, &it);
	if (!dns_rec_next(z, &it, &ttl, &rd, &len) || len < 4)
		return 0;
	rd += len - 4;
	return dns_get32(rd);
}

/* NXDOMAIN or NODATA: the zone's SOA in the authority section (RFC 2308 3). */
static void negative(struct ans *a, enum dns_kind kind)
{
	const struct dns_node *apex = dns_zone_apex(a->z);
	const struct dns_set *soa = dns_node_set(a->z, apex, DNS_T_SOA);
	uint32_t min = soa_minimum(a->z, soa);

	a->info->kind = kind;
	if (kind == DNS_KIND_NXDOMAIN)
		dns_out_flags(&a->o, DNS_R_NXDOMAIN, 15);
	/* QCLASS *: other classes may hold the name, so no SOA speaks for them (as NSD). */
	if (a->q->qclass == DNS_C_ANY)
		return;
	put_extra(a, DNS_SEC_AUTHORITY, dns_node_name(a->z, apex), soa, min ? min : 1);
}

/* The target name of an MX, NS or SRV record: where its additional addresses are looked for. */
static const uint8_t *target_of(uint16_t type, const uint8_t *rd, uint16_t len)
{
	size_t skip = type == DNS_T_MX ? 2 : type == DNS_T_SRV ? 6 : type == DNS_T_NS ? 0 : len;

	if (skip >= len || dns_name_len(rd + skip, len - skip) < 0)
		return NULL;
	return rd + skip;
}

/* Addresses of a name this zone holds, in the additional section (RFC 1034 4.3.2 step 6). */
static void put_addresses(struct ans *a, const uint8_t *name)
{
	const struct dns_node *n;

	if (!dns_name_is_sub(name, a->z->apex) || !(n = dns_zone_find(a->z, name, NULL)))
		return;
	for (uint16_t t = DNS_T_A;; t = DNS_T_AAAA) {
		const struct dns_set *s = dns_node_set(a->z, n, t);
		if (s)
			put_extra(a, DNS_SEC_ADDITIONAL, dns_node_name(a->z, n), s, 0);
		if (t == DNS_T_AAAA)
			break;
	}
}

static void additional_for(struct ans *a, const struct dns_set *s)
{
	struct dns_rec_iter it;
	const uint8_t *rd, *target;
	uint16_t len;
	uint32_t ttl;

	if (s->type != DNS_T_MX && s->type != DNS_T_NS && s->type != DNS_T_SRV)
		return;
	dns_set_records(s, &it);
	while (dns_rec_next(a->z, &it, &ttl, &rd, &len))
		if ((target = target_of(s->type, rd, len)))
			put_addresses(a, target);
}

/*
 * Below a zone cut: the delegation's NS in authority, their addresses as
 * glue (RFC 1034 4.3.2). AA goes unless a CNAME or DNAME of ours led here:
 * it is the name asked's (RFC 1035 4.1.1).
 */
static void referral(struct ans *a, const struct dns_node *cut)
{
	const struct dns_set *ns = dns_node_set(a->z, cut, DNS_T_NS);

	a->info->kind = DNS_KIND_REFERRAL;
	if (!a->o.count[DNS_SEC_ANSWER])
		dns_out_flags(&a->o, 0, DNS_F_AA);
	put_extra(a, DNS_SEC_AUTHORITY, dns_node_name(a->z, cut), ns, 0);
	additional_for(a, ns);
}

static void lookup(struct ans *a, const uint8_t *qname, int chased);

/* Follow a CNAME inside our zones; a target elsewhere is left for the resolver. */
static void chase(struct ans *a, const uint8_t *target, int chased)
{
	const struct dns_zone *z = zone_of(a->zones, target);

	if (!z || chased >= DNS_CHASE_MAX)
		return;
	a->z = z;
	lookup(a, target, chased + 1);
}

/* The records of a node found for `owner` (the name asked, or a wildcard's match). */
static void answer_node(struct ans *a, const uint8_t *owner, const struct dns_node *n, int chased)
{
	uint16_t qtype = a->q->qtype;
	const struct dns_set *cname = dns_node_set(a->z, n, DNS_T_CNAME), *s;

	/* A CNAME answers for every other type, and ANY is not chased (RFC 1034 4.3.2 3a). */
	if (cname && qtype != DNS_T_CNAME && qtype != DNS_T_ANY) {
		struct dns_rec_iter it;
		const uint8_t *rd;
		uint16_t len;
		uint32_t ttl;
		put_answer(a, owner, cname);
		dns_set_records(cname, &it);
		if (!a->full && dns_rec_next(a->z, &it, &ttl, &rd, &len))
			chase(a, rd, chased);
		return;
	}
	if (qtype == DNS_T_ANY && n->nsets) {
		/* RFC 8482 4.1: one RRset of the name stands for all of them, the SOA at the apex.
		 */
		s = dns_node_set(a->z, n, DNS_T_SOA);
		s = s ? s : &a->z->sets[n->sets];
		put_answer(a, owner, s);
		additional_for(a, s);
		return;
	}
	if (!(s = dns_node_set(a->z, n, qtype))) {
		negative(a, DNS_KIND_NODATA);
		return;
	}
	put_answer(a, owner, s);
	additional_for(a, s);
}

/*
 * The cut or DNAME strictly above `qname` nearest the apex, if any: the
 * apex's DNAME too (RFC 6672 2.3), the apex's NS being no cut. A zone
 * with neither (a home's often has neither) has none to look for, and
 * each level would cost a lookup.
 */
static const struct dns_node *above(const struct ans *a, const uint8_t *qname)
{
	int below = a->z->redirects ? dns_name_labels(qname) - dns_name_labels(a->z->apex) : 0;

	for (int k = below; k >= 1; k--) {
		const struct dns_node *n = dns_zone_find(a->z, dns_name_parent(qname, k), NULL);
		if (n && ((n->flags & DNS_NODE_CUT) || dns_node_set(a->z, n, DNS_T_DNAME)))
			return n;
	}
	return NULL;
}

/*
 * The wildcard that covers `qname`: "*." and its closest encloser (RFC
 * 4592 3.3.1). *empty says the wildcard is there as an empty non-terminal
 * only (x.*.ent): it matches all the same, with no records (RFC 4592
 * 2.2.2), so NODATA, not NXDOMAIN.
 */
static const struct dns_node *wildcard(const struct ans *a, const uint8_t *qname, bool *empty)
{
	int below = dns_name_labels(qname) - dns_name_labels(a->z->apex);
	uint8_t wild[DNS_NAME_MAX + 2];

	*empty = false;
	for (int k = 1; k <= below; k++) {
		const uint8_t *ce = dns_name_parent(qname, k);
		bool exists;
		int len = dns_name_len(ce, DNS_NAME_MAX);
		if (!dns_zone_find(a->z, ce, &exists) && !exists)
			continue;
		if (len + 2 > DNS_NAME_MAX)
			return NULL;
		wild[0] = 1;
		wild[1] = '*';
		memcpy(wild + 2, ce, (size_t)len);
		return dns_zone_find(a->z, wild, empty);
	}
	return NULL;
}

static void dname(struct ans *a, const uint8_t *qname, const struct dns_node *n, int chased);

/* Answer `qname` from zone a->z. */
static void lookup(struct ans *a, const uint8_t *qname, int chased)
{
	const struct dns_node *n = above(a, qname);
	bool exists;

	if (n && (n->flags & DNS_NODE_CUT)) {
		referral(a, n);
		return;
	}
	if (n) {
		dname(a, qname, n, chased);
		return;
	}
	a->info->kind = DNS_KIND_ANSWER;
	if ((n = dns_zone_find(a->z, qname, &exists))) {
		if ((n->flags & DNS_NODE_CUT) && a->q->qtype != DNS_T_DS)
			referral(a, n);
		else
			answer_node(a, qname, n, chased);
		return;
	}
	if (exists) {
		negative(a, DNS_KIND_NODATA); /* an empty non-terminal (RFC 4592 2.2.2) */
		return;
	}
	if ((n = wildcard(a, qname, &exists)) || exists) {
		a->info->kind = DNS_KIND_WILDCARD;
		a->info->synthesised = true;
		if (n)
			answer_node(a, qname, n, chased);
		else
			negative(a, DNS_KIND_NODATA);
		return;
	}
	negative(a, DNS_KIND_NXDOMAIN);
}

/*
 * A DNAME above the name asked (RFC 6672 3.3): the DNAME itself, then a
 * CNAME made for the name asked, then the target of that chased. A name
 * too long once rewritten is YXDOMAIN.
 */
static void dname(struct ans *a, const uint8_t *qname, const struct dns_node *n, int chased)
{
	const struct dns_set *s = dns_node_set(a->z, n, DNS_T_DNAME);
	const uint8_t *owner = dns_node_name(a->z, n), *target;
	uint8_t synth[DNS_NAME_MAX];
	struct dns_rec_iter it;
	struct dns_rr rr = {.owner = qname, .type = DNS_T_CNAME, .class = DNS_C_IN};
	size_t keep =
	    (size_t)(dns_name_parent(qname, dns_name_labels(qname) - dns_name_labels(owner)) -
	             qname);
	int tlen;

	a->info->kind = DNS_KIND_ANSWER;
	a->info->synthesised = true;
	put_answer(a, owner, s);
	dns_set_records(s, &it);
	if (a->full || !dns_rec_next(a->z, &it, &rr.ttl, &target, &rr.rdlen))
		return;
	tlen = dns_name_len(target, rr.rdlen);
	if (tlen < 0 || keep + (size_t)tlen > DNS_NAME_MAX) {
		dns_out_flags(&a->o, DNS_R_YXDOMAIN, 15);
		return;
	}
	memcpy(synth, qname, keep);
	memcpy(synth + keep, target, (size_t)tlen);
	rr.rdata = synth;
	rr.rdlen = (uint16_t)(keep + (size_t)tlen);
	if (dns_out_rr(&a->o, DNS_SEC_ANSWER, &rr)) {
		a->full = a->info->truncated = true;
		dns_out_flags(&a->o, DNS_F_TC, 0);
		return;
	}
	if (a->q->qtype != DNS_T_CNAME)
		chase(a, synth, chased);
}

/* The CHAOS TXT text for `qname`, if the owner lets it be told (RFC 4892 2). */
static const char *chaos_text(const struct dns_ask *ask, const uint8_t *qname)
{
	static const struct {
		const char *name;
		bool id;
	} names[] = {{"\2id\6server", true},
	             {"\10hostname\4bind", true},
	             {"\7version\6server", false},
	             {"\7version\4bind", false}};

	if (!ask->chaos)
		return NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (dns_name_eq(qname, (const uint8_t *)names[i].name))
			return names[i].id ? ask->chaos->id : ask->chaos->version;
	return NULL;
}

/* A CHAOS TXT answer of one string (at most 255 bytes of it), TTL 0. */
static void chaos(struct ans *a, const char *text)
{
	uint8_t rd[256];
	size_t n = strlen(text) > 255 ? 255 : strlen(text);
	struct dns_rr rr = {.owner = a->q->qname,
	                    .type = DNS_T_TXT,
	                    .class = DNS_C_CH,
	                    .rdlen = (uint16_t)(n + 1),
	                    .rdata = rd};

	rd[0] = (uint8_t)n;
	memcpy(rd + 1, text, n);
	a->info->kind = DNS_KIND_ANSWER;
	dns_out_flags(&a->o, DNS_F_AA, 0);
	if (dns_out_rr(&a->o, DNS_SEC_ANSWER, &rr))
		dns_out_flags(&a->o, DNS_F_TC, 0);
}

/*
 * IXFR over UDP (RFC 1995 2, 4): the zone's SOA alone, which tells the
 * client to come over TCP for the records (the transfer code answers there).
 */
static void ixfr_soa(struct ans *a)
{
	const struct dns_node *apex = dns_zone_apex(a->z);

	if (!dns_name_eq(a->q->qname, a->z->apex)) {
		dns_out_flags(&a->o, DNS_R_NOTAUTH, 15 | DNS_F_AA);
		a->info->kind = DNS_KIND_ERROR;
		return;
	}
	a->info->kind = DNS_KIND_ANSWER;
	put_answer(a, a->q->qname, dns_node_set(a->z, apex, DNS_T_SOA));
}

/* An rcode for what is not answered from a zone, or 0 to look the name up. */
static int refusal(const struct dns_zones *zones, const struct dns_query *q, int rc,
                   const struct dns_ask *ask, const struct dns_zone **z)
{
	if (rc || (rc = dns_answer_version(q)))
		return rc;
	if (DNS_F_OPCODE(q->hdr.flags) != DNS_OP_QUERY)
		return DNS_R_NOTIMP;
	/* QCLASS * asks for any class: ours is IN (RFC 1035 3.2.5). */
	if (q->qclass != DNS_C_IN && q->qclass != DNS_C_ANY)
		return DNS_R_REFUSED;
	/* Transfers are TCP's (RFC 5936 4.2), and need TSIG. */
	if (q->qtype == DNS_T_AXFR)
		return ask->tcp ? DNS_R_REFUSED : DNS_R_NOTIMP;
	/* IXFR over TCP is the transfer code's (server.c); over UDP, signed, it gets the SOA. */
	if (q->qtype == DNS_T_IXFR && !q->tsig_off)
		return DNS_R_REFUSED;
	return (*z = zone_of(zones, q->qname)) ? 0 : DNS_R_REFUSED;
}

size_t dns_answer_limit(const struct dns_query *q, bool tcp)
{
	size_t n = tcp ? DNS_MSG_MAX : q->edns ? q->udp_size : DNS_UDP_MIN;

	if (!tcp && n > DNS_EDNS_SIZE)
		n = DNS_EDNS_SIZE;
	return n < DNS_UDP_MIN ? DNS_UDP_MIN : n;
}

static size_t size_limit(const struct dns_query *q, const struct dns_ask *ask, size_t cap)
{
	size_t n = dns_answer_limit(q, ask->tcp);

	return n < cap ? n : cap;
}

int dns_answer_version(const struct dns_query *q)
{
	/* RFC 6891 6.1.3: a version we do not implement is answered BADVERS, and not acted on. */
	return q->edns && q->edns_version > 0 ? DNS_R_BADVERS : 0;
}

/*
 * Begin the answer to a->q in out: its header and question; the cookie to
 * send back, the client's and ours (RFC 7873 5.2); and room kept for the
 * OPT record (11 bytes, and a cookie option's 4 and its bytes) and a TSIG.
 * 0 or -ENOSPC.
 */
static int begin(struct ans *a, const struct dns_ask *ask, uint8_t *out, size_t cap)
{
	const struct dns_query *q = a->q;

	memset(a->info, 0, sizeof(*a->info));
	if (dns_out_begin(&a->o, out, size_limit(q, ask, cap), q, 0))
		return -ENOSPC;
	a->info->question_end = a->o.len;
	if (q->cookie && ask->cookie && ask->cookie_len <= DNS_COOKIE_SERVER_MAX) {
		memcpy(a->cookie, q->cookie_client, DNS_COOKIE_CLIENT);
		memcpy(a->cookie + DNS_COOKIE_CLIENT, ask->cookie, ask->cookie_len);
		a->cookie_len = DNS_COOKIE_CLIENT + ask->cookie_len;
	}
	a->o.reserve = (q->edns ? 11 + (a->cookie_len ? 4 + a->cookie_len : 0) : 0) + ask->reserve;
	return 0;
}

/* End the answer with `rcode`: in the OPT record if `opt` (RFC 6891 6.1.3), else the header. */
static size_t end(struct ans *a, int rcode, bool opt)
{
	size_t at = a->o.len;

	a->info->rcode = rcode;
	if (!opt)
		dns_out_flags(&a->o, (uint16_t)(rcode & 15), 15);
	else if (!dns_out_opt(&a->o, (uint16_t)rcode, a->q->edns_flags & 0x8000, a->cookie,
	                      a->cookie_len))
		a->info->opt_off = at;
	return dns_out_end(&a->o);
}

size_t dns_answer(const struct dns_zones *zones, const struct dns_query *q, int rc,
                  const struct dns_ask *ask, uint8_t *out, size_t cap, struct dns_answer_info *info)
{
	struct ans a = {.zones = zones, .q = q, .info = info};
	int rcode;

	if (rc == DNS_MSG_DROP || begin(&a, ask, out, cap))
		return 0;
	if (!rc && !q->has_question) {
		/* A server cookie asked for alone (RFC 7873 5.4): the OPT below is the answer. */
		info->kind = DNS_KIND_NODATA;
		rcode = 0;
	} else if (!rc && q->qclass == DNS_C_CH &&
	           (q->qtype == DNS_T_TXT || q->qtype == DNS_T_ANY) && chaos_text(ask, q->qname)) {
		chaos(&a, chaos_text(ask, q->qname));
		rcode = 0;
	} else if ((rcode = refusal(zones, q, rc, ask, &a.z))) {
		info->kind = rcode == DNS_R_REFUSED ? DNS_KIND_REFUSED : DNS_KIND_ERROR;
	} else {
		info->zone = a.z;
		/* An answer to QCLASS * is never authoritative (RFC 1035 6.2). */
		dns_out_flags(&a.o, q->qclass == DNS_C_ANY ? 0 : DNS_F_AA, 0);
		if (q->qtype == DNS_T_IXFR)
			ixfr_soa(&a);
		else
			lookup(&a, q->qname, 0);
		rcode = DNS_F_RCODE(a.o.buf[3]);
	}
	/* A FORMERR has no OPT: the query's may be what was malformed (RFC 6891 7). */
	return end(&a, rcode, q->edns && rc != DNS_R_FORMERR);
}

size_t dns_answer_rcode(const struct dns_query *q, int rcode, const struct dns_ask *ask,
                        uint8_t *out, size_t cap, struct dns_answer_info *info)
{
	struct ans a = {.q = q, .info = info};

	if (begin(&a, ask, out, cap))
		return 0;
	info->kind = rcode == DNS_R_REFUSED ? DNS_KIND_REFUSED
	             : rcode                ? DNS_KIND_ERROR
	                                    : DNS_KIND_ANSWER;
	return end(&a, rcode, q->edns);
}

size_t dns_answer_slip(uint8_t *out, size_t n, const struct dns_answer_info *info)
{
	size_t opt = info->opt_off ? n - info->opt_off : 0;

	assert(info->question_end >= DNS_HDR_LEN && info->question_end <= n &&
	       (!info->opt_off || (info->opt_off >= info->question_end && info->opt_off < n)) &&
	       "dns_answer_slip: an answer as dns_answer made it");
	memmove(out + info->question_end, out + info->opt_off, opt);
	out[2] |= DNS_F_TC >> 8;
	dns_put16(out + 6, 0);
	dns_put16(out + 8, 0);
	dns_put16(out + 10, opt ? 1 : 0);
	return info->question_end + opt;
}
