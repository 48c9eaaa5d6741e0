/* Dynamic updates applied to a master file (update.h): the records, the prerequisites, the updates.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "update_int.h"
#include "zone.h"

/* A record of the update message: prerequisite or update. */
struct urr {
	uint32_t owner, rdata; /* in the records' arena */
	uint32_t ttl;
	uint16_t type, class, rdlen;
};

/* ---- records ---- */

/* Room for n more bytes in the arena: 0 or -ENOMEM. The arena may move. */
static int arena_room(struct recs *r, size_t n)
{
	if (r->alen + n > r->acap) {
		size_t cap = r->acap ? r->acap : 4096;
		uint8_t *a;
		while (cap < r->alen + n)
			cap *= 2;
		if (!(a = realloc(r->arena, cap)))
			return -ENOMEM;
		r->arena = a;
		r->acap = cap;
	}
	return 0;
}

long update_arena_put(struct recs *r, const void *p, size_t n)
{
	if (arena_room(r, n))
		return -ENOMEM;
	if (n)
		memcpy(r->arena + r->alen, p, n);
	r->alen += n;
	return (long)(r->alen - n);
}

long update_arena_dup(struct recs *r, uint32_t off, size_t n)
{
	if (arena_room(r, n))
		return -ENOMEM;
	if (n) /* read where the bytes are now: their old place may be freed */
		memcpy(r->arena + r->alen, r->arena + off, n);
	r->alen += n;
	return (long)(r->alen - n);
}

static struct rec *rec_push(struct recs *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct rec *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		r->v = v;
		r->cap = cap;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[0]));
	return &r->v[r->n++];
}

static int rec_add(struct recs *r, const struct dns_rr *rr, uint32_t line)
{
	long o = update_arena_put(r, rr->owner, (size_t)dns_name_len(rr->owner, DNS_NAME_MAX));
	long d = o < 0 ? o : update_arena_put(r, rr->rdata, rr->rdlen);
	struct rec *x = d < 0 ? NULL : rec_push(r);

	if (!x)
		return -ENOMEM;
	*x =
	    (struct rec){(uint32_t)o, (uint32_t)d, rr->ttl, rr->type, rr->rdlen, line, line, false};
	return 0;
}

int update_on_rr(void *ctx, const struct dns_rr *rr, unsigned line)
{
	return rec_add(ctx, rr, line);
}

void update_recs_free(struct recs *r)
{
	free(r->v);
	free(r->arena);
	memset(r, 0, sizeof(*r));
}

/* A record the update adds: its own owner and rdata, or a copy of x's with a new TTL. */
int update_push(struct ctx *c, uint32_t owner, uint32_t rdata, uint16_t type, uint16_t rdlen,
                uint32_t ttl)
{
	struct rec *x = rec_push(&c->r);

	if (!x)
		return -ENOMEM;
	*x = (struct rec){owner, rdata, ttl, type, rdlen, 0, 0, false};
	return 0;
}

uint32_t update_soa_serial(const uint8_t *rdata, uint16_t rdlen)
{
	return rdlen >= 20 ? dns_get32(rdata + rdlen - 20) : 0;
}

/* ---- comparing ---- */

/* Where a type's rdata holds a domain name (RFC 3597 4's types and SRV, DNAME): its offset or -1.
 */
static int name_at(uint16_t type)
{
	switch (type) {
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
	case DNS_T_DNAME:
	case DNS_T_SOA:
		return 0;
	case DNS_T_MX:
		return 2;
	case DNS_T_SRV:
		return 6;
	default:
		return -1;
	}
}

static int fold(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Where the names of an rdata of `type` end (they begin at name_at): 0 if it has none. */
static size_t names_end(uint16_t type, const uint8_t *p, size_t len)
{
	int at = name_at(type), names = type == DNS_T_SOA ? 2 : 1, n;
	size_t end = (size_t)at;

	if (at < 0 || len <= end)
		return 0;
	while (names-- && (n = dns_name_len(p + end, len - end)) > 0)
		end += (size_t)n;
	return end;
}

/*
 * Two rdatas ordered, the names in them compared without case (RFC 4343):
 * 0 exactly when they are the same record's. The order is the length, then
 * the bytes with each one's names' letters folded: the same key for every
 * comparison, so a total order however malformed the rdata (qsort needs
 * one). A label's length is never a letter, so folding keeps names' shapes.
 */
static int rdata_cmp(uint16_t type, const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t from = name_at(type) < 0 ? 0 : (size_t)name_at(type);
	size_t ea = names_end(type, a, al), eb = names_end(type, b, bl);

	if (al != bl)
		return al < bl ? -1 : 1;
	for (size_t i = 0; i < al; i++) {
		int x = i >= from && i < ea ? fold(a[i]) : a[i];
		int y = i >= from && i < eb ? fold(b[i]) : b[i];
		if (x != y)
			return x - y;
	}
	return 0;
}

static bool rdata_eq(uint16_t type, const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	return !rdata_cmp(type, a, al, b, bl);
}

static bool at_name(const struct recs *r, const struct rec *x, const uint8_t *name)
{
	return !x->gone && dns_name_eq(OWNER(r, x), name);
}

/* A live record at `name` of `type` (DNS_T_ANY: any type), or NULL. */
static struct rec *find_set(struct recs *r, const uint8_t *name, uint16_t type)
{
	for (size_t i = 0; i < r->n; i++)
		if (at_name(r, &r->v[i], name) && (type == DNS_T_ANY || r->v[i].type == type))
			return &r->v[i];
	return NULL;
}

/* The live records of `name` and `type` gone, every line of a record written twice too. */
static void set_gone(struct recs *r, const uint8_t *name, uint16_t type)
{
	struct rec *x;

	while ((x = find_set(r, name, type)))
		x->gone = true;
}

static struct rec *find_rr(struct recs *r, const uint8_t *name, uint16_t type, const uint8_t *rd,
                           uint16_t rdlen)
{
	for (size_t i = 0; i < r->n; i++) {
		struct rec *x = &r->v[i];
		if (at_name(r, x, name) && x->type == type &&
		    rdata_eq(type, RDATA(r, x), x->rdlen, rd, rdlen))
			return x;
	}
	return NULL;
}

/* An rdata of one RRset, to be sorted. */
struct rd {
	const uint8_t *p;
	uint16_t len, type;
};

static int rd_cmp(const void *a, const void *b)
{
	const struct rd *x = a, *y = b;

	return rdata_cmp(x->type, x->p, x->len, y->p, y->len);
}

/* How many distinct values v[0..n) holds: sorted, then the runs counted. */
static size_t distinct(struct rd *v, size_t n)
{
	size_t k = n > 0;

	qsort(v, n, sizeof(*v), rd_cmp);
	for (size_t i = 1; i < n; i++)
		k += rd_cmp(&v[i - 1], &v[i]) != 0;
	return k;
}

/*
 * The live records of an RRset, one written twice in the file counted once
 * (RFC 2181 5), in *count: 0, or -ENOMEM. One pass over the zone, then a
 * sort of the set's own records.
 */
static int count_set(const struct recs *r, const uint8_t *name, uint16_t type, size_t *count)
{
	struct rd *v;
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += at_name(r, &r->v[i], name) && r->v[i].type == type;
	if (!(v = malloc((n ? n : 1) * sizeof(*v))))
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < r->n; i++)
		if (at_name(r, &r->v[i], name) && r->v[i].type == type)
			v[n++] = (struct rd){RDATA(r, &r->v[i]), r->v[i].rdlen, type};
	*count = distinct(v, n);
	free(v);
	return 0;
}

/* Whether the live RRset of `name` and `type` holds one value, perhaps written more than once. */
static bool one_value(struct recs *r, const uint8_t *name, uint16_t type)
{
	const struct rec *first = find_set(r, name, type), *x;

	for (size_t i = 0; first && i < r->n; i++) {
		x = &r->v[i];
		if (at_name(r, x, name) && x->type == type &&
		    !rdata_eq(type, RDATA(r, x), x->rdlen, RDATA(r, first), first->rdlen))
			return false;
	}
	return first != NULL;
}

/* ---- the message ---- */

/* QTYPEs and meta types (RFC 6895 3.1): never records of a zone. */
static bool meta_type(uint16_t type)
{
	return type == 0 || type == DNS_T_OPT || (type >= 128 && type <= 255);
}

/* The types whose rdata this server reads and writes as text: malformed rdata of them is refused.
 */
static bool known_type(uint16_t type)
{
	static const uint16_t known[] = {DNS_T_A,    DNS_T_NS,    DNS_T_CNAME, DNS_T_SOA,
	                                 DNS_T_PTR,  DNS_T_MX,    DNS_T_TXT,   DNS_T_AAAA,
	                                 DNS_T_SRV,  DNS_T_DNAME, DNS_T_SSHFP, DNS_T_TLSA,
	                                 DNS_T_SVCB, DNS_T_HTTPS, DNS_T_CAA,   DNS_T_HINFO};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i] == type)
			return true;
	return false;
}

/*
 * The record at *off of the message into the arena, the names in its rdata
 * decompressed (RFC 3597 4): 0, -EINVAL, -ENOMEM.
 */
static int read_rr(struct recs *r, const uint8_t *msg, size_t len, size_t *off, struct urr *u)
{
	static uint8_t rd[DNS_RDATA_MAX + 2 * DNS_NAME_MAX];
	struct dns_msg_rr rr;
	size_t w = 0, at, end;
	long o, d;
	int names;

	if (dns_msg_rr(msg, len, off, &rr))
		return -EINVAL;
	at = (size_t)name_at(rr.type), end = rr.rdata_off + rr.rdlen;
	names = rr.type == DNS_T_SOA ? 2 : 1;
	if (name_at(rr.type) < 0 || !rr.rdlen) {
		memcpy(rd, msg + rr.rdata_off, rr.rdlen);
		w = rr.rdlen;
	} else {
		size_t p = rr.rdata_off + at;
		if (rr.rdlen < at)
			return -EINVAL;
		memcpy(rd, msg + rr.rdata_off, at);
		w = at;
		while (names--) {
			uint8_t name[DNS_NAME_MAX];
			if (dns_msg_name(msg, end, &p, name) < 0)
				return -EINVAL;
			memcpy(rd + w, name, (size_t)dns_name_len(name, DNS_NAME_MAX));
			w += (size_t)dns_name_len(name, DNS_NAME_MAX);
		}
		memcpy(rd + w, msg + p, end - p);
		w += end - p;
		if (w > DNS_RDATA_MAX)
			return -EINVAL;
	}
	o = update_arena_put(r, rr.owner, (size_t)dns_name_len(rr.owner, DNS_NAME_MAX));
	d = o < 0 ? o : update_arena_put(r, rd, w);
	if (d < 0)
		return -ENOMEM;
	*u = (struct urr){(uint32_t)o, (uint32_t)d, rr.ttl, rr.type, rr.class, (uint16_t)w};
	return 0;
}

/* ---- prerequisites (RFC 2136 3.2) ---- */

static int prereq(struct ctx *c, const struct urr *p, const struct urr *all, size_t n,
                  struct dns_update *u)
{
	struct recs *r = &c->r;
	const uint8_t *name = r->arena + p->owner, *rd = r->arena + p->rdata;
	size_t k = 0, in_zone;
	struct rd *v;
	int e;

	if (p->ttl)
		return DNS_R_FORMERR;
	if (!dns_name_is_sub(name, c->apex))
		return DNS_R_NOTZONE;
	if (p->class == DNS_C_ANY || p->class == DNS_C_NONE) {
		bool there = find_set(r, name, p->type) != NULL;
		if (p->rdlen)
			return DNS_R_FORMERR;
		if (p->class == DNS_C_ANY && !there)
			return p->type == DNS_T_ANY ? DNS_R_NXDOMAIN : DNS_R_NXRRSET;
		if (p->class == DNS_C_NONE && there)
			return p->type == DNS_T_ANY ? DNS_R_YXDOMAIN : DNS_R_YXRRSET;
		return DNS_R_NOERROR;
	}
	if (p->class != DNS_C_IN || meta_type(p->type))
		return DNS_R_FORMERR;
	/* Value dependent (3.2.3): the RRset is exactly the prerequisites' records of its name and
	 * type. */
	if (!find_rr(r, name, p->type, rd, p->rdlen)) {
		snprintf(u->why, sizeof(u->why), "a prerequisite's record is not in the zone");
		return DNS_R_NXRRSET;
	}
	/* The set is checked once, at its first prerequisite. */
	for (size_t i = 0; &all[i] < p; i++)
		if (all[i].class == DNS_C_IN && all[i].type == p->type &&
		    dns_name_eq(r->arena + all[i].owner, name))
			return DNS_R_NOERROR;
	if (!(v = malloc(n * sizeof(*v))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (all[i].class == DNS_C_IN && all[i].type == p->type &&
		    dns_name_eq(r->arena + all[i].owner, name))
			v[k++] = (struct rd){r->arena + all[i].rdata, all[i].rdlen, p->type};
	k = distinct(v, k);
	free(v);
	if ((e = count_set(r, name, p->type, &in_zone)))
		return e;
	if (in_zone != k) {
		snprintf(u->why, sizeof(u->why),
		         "an RRset has records the prerequisites do not list");
		return DNS_R_NXRRSET;
	}
	return DNS_R_NOERROR;
}

/* ---- updates (RFC 2136 3.4) ---- */

/* 3.4.1.3: each update record checked before any is applied. */
static int prescan(const struct ctx *c, const struct urr *x)
{
	if (!dns_name_is_sub(c->r.arena + x->owner, c->apex))
		return DNS_R_NOTZONE;
	if (x->class == DNS_C_IN) /* a TTL over 2^31 - 1 is no TTL (RFC 2181 8) */
		return meta_type(x->type) || x->ttl > 0x7fffffff ? DNS_R_FORMERR : DNS_R_NOERROR;
	if (x->class == DNS_C_ANY)
		return x->ttl || x->rdlen || (meta_type(x->type) && x->type != DNS_T_ANY)
		           ? DNS_R_FORMERR
		           : DNS_R_NOERROR;
	if (x->class == DNS_C_NONE)
		return x->ttl || meta_type(x->type) ? DNS_R_FORMERR : DNS_R_NOERROR;
	return DNS_R_FORMERR;
}

static bool apex_kept(const struct ctx *c, const struct rec *x)
{
	return (x->type == DNS_T_SOA || x->type == DNS_T_NS) &&
	       dns_name_eq(OWNER(&c->r, x), c->apex);
}

/* 3.4.2.2: add a record, with the exceptions for SOA and CNAME. */
static int add(struct ctx *c, const struct urr *a)
{
	struct recs *r = &c->r;
	const uint8_t *name = r->arena + a->owner, *rd = r->arena + a->rdata;
	struct rec *x;

	if (a->type == DNS_T_SOA) {
		if (!dns_name_eq(name, c->apex) || a->rdlen < 22 ||
		    !dns_serial_lt(c->served, update_soa_serial(rd, a->rdlen)))
			return 0; /* ignored: an SOA below the apex, or not newer */
		set_gone(r, name, DNS_T_SOA);
		c->soa_set = true;
		return update_push(c, a->owner, a->rdata, a->type, a->rdlen, a->ttl);
	}
	if (a->type != DNS_T_CNAME && find_set(r, name, DNS_T_CNAME))
		return 0; /* ignored: other data beside a CNAME */
	if (a->type == DNS_T_CNAME) {
		for (size_t i = 0; i < r->n; i++)
			if (at_name(r, &r->v[i], name) && r->v[i].type != DNS_T_CNAME)
				return 0; /* ignored: a CNAME beside other data */
		/* Replaced. */
		set_gone(r, name, DNS_T_CNAME);
	}
	if ((x = find_rr(r, name, a->type, rd, a->rdlen)) && x->ttl == a->ttl)
		return 0; /* there already */
	if (x)
		x->gone = true;
	/* One TTL an RRset: the others of the set take the new one. */
	for (size_t i = 0, n = r->n; i < n; i++) {
		x = &r->v[i];
		if (at_name(r, x, name) && x->type == a->type && x->ttl != a->ttl) {
			int e;
			x->gone = true;
			if ((e = update_push(c, x->owner, x->rdata, x->type, x->rdlen, a->ttl)))
				return e;
		}
	}
	return update_push(c, a->owner, a->rdata, a->type, a->rdlen, a->ttl);
}

/* 3.4.2.3 and 3.4.2.4: delete RRsets, a name's records, or one record. */
static void del(struct ctx *c, const struct urr *d)
{
	struct recs *r = &c->r;
	const uint8_t *name = r->arena + d->owner, *rd = r->arena + d->rdata;
	struct rec *x;

	if (d->class == DNS_C_ANY) {
		for (size_t i = 0; i < r->n; i++) {
			x = &r->v[i];
			if (at_name(r, x, name) && (d->type == DNS_T_ANY || x->type == d->type) &&
			    !apex_kept(c, x))
				x->gone = true;
		}
		return;
	}
	if (d->type == DNS_T_SOA || !find_rr(r, name, d->type, rd, d->rdlen))
		return;
	if (d->type == DNS_T_NS && dns_name_eq(name, c->apex) && one_value(r, name, DNS_T_NS))
		return; /* the zone's last NS stays */
	/* Every line of it: a record written twice in the file is one. */
	while ((x = find_rr(r, name, d->type, rd, d->rdlen)))
		x->gone = true;
}

/* Two records by owner (canonical order), type, TTL and rdata: 0 if the same. */
static int rec_order(const struct recs *r, const struct rec *a, const struct rec *b)
{
	int d = dns_name_cmp(OWNER(r, a), OWNER(r, b));

	if (!d)
		d = a->type - b->type;
	if (!d)
		d = (a->ttl > b->ttl) - (a->ttl < b->ttl);
	if (!d)
		d = a->rdlen - b->rdlen;
	return d ? d : memcmp(RDATA(r, a), RDATA(r, b), a->rdlen);
}

static const struct recs *pairs_of; /* qsort's context */

static int pair_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	int d = rec_order(pairs_of, &pairs_of->v[a], &pairs_of->v[b]);

	return d ? d : (a > b) - (a < b); /* then in the file's order */
}

/*
 * A record deleted and added back the same (a delete then an add) is left
 * where it was: each added record takes the first such deleted line, in
 * the file's order. The deleted are sorted once and each added one found
 * by a binary search, so a set of N records whose TTL changed (each
 * deleted and added again) costs N log N, not N times N. 0 or -ENOMEM.
 */
static int cancel_pairs(struct ctx *c)
{
	struct recs *r = &c->r;
	uint32_t *gone = malloc((c->norig ? c->norig : 1) * sizeof(*gone));
	size_t n = 0;

	if (!gone)
		return -ENOMEM;
	for (size_t j = 0; j < c->norig; j++)
		if (r->v[j].gone)
			gone[n++] = (uint32_t)j;
	pairs_of = r;
	qsort(gone, n, sizeof(*gone), pair_cmp);
	for (size_t i = c->norig; i < r->n; i++) {
		struct rec *a = &r->v[i];
		size_t lo = 0, hi = n;
		if (a->gone)
			continue;
		while (lo < hi) { /* the first deleted record not before a */
			size_t mid = lo + (hi - lo) / 2;
			if (rec_order(r, &r->v[gone[mid]], a) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n && !rec_order(r, &r->v[gone[lo]], a); lo++) {
			struct rec *o = &r->v[gone[lo]];
			if (o->gone) {
				o->gone = false;
				a->gone = true;
				break;
			}
		}
	}
	free(gone);
	return 0;
}

/* ---- the update ---- */

/* Read the update's records, check the prerequisites, apply the updates: the rcode. */
static int run(struct ctx *c, const uint8_t *msg, size_t msglen, const struct dns_query *q,
               struct dns_update *u, struct urr *v)
{
	size_t np = q->hdr.ancount, nu = q->hdr.nscount, off = q->question_end;
	int rc, e;

	if (q->qtype != DNS_T_SOA)
		return DNS_R_FORMERR; /* the zone section names the zone by its SOA (3.1.1) */
	for (size_t i = 0; i < np + nu; i++)
		if ((e = read_rr(&c->r, msg, msglen, &off, &v[i])))
			return e == -ENOMEM ? e : DNS_R_FORMERR;
	for (size_t i = 0; i < np; i++)
		if ((rc = prereq(c, &v[i], v, np, u)))
			return rc;
	for (size_t i = np; i < np + nu; i++) {
		const struct urr *x = &v[i];
		if ((rc = prescan(c, x)))
			return rc;
		if (x->class == DNS_C_IN && known_type(x->type)) {
			int t = dns_rdata_to_text(x->type, c->r.arena + x->rdata, x->rdlen, c->tb,
			                          TB_SIZE);
			if (t < 0 || !strncmp(c->tb, "\\#", 2)) {
				snprintf(u->why, sizeof(u->why),
				         "malformed rdata of an update record");
				return DNS_R_FORMERR;
			}
		}
	}
	for (size_t i = np; i < np + nu; i++)
		if (v[i].class == DNS_C_IN ? (e = add(c, &v[i])) < 0 : (del(c, &v[i]), 0))
			return e;
	return DNS_R_NOERROR;
}

int dns_update_apply(const char *file, const char *text, size_t len, const uint8_t *apex,
                     uint32_t served_serial, const uint8_t *msg, size_t msglen,
                     const struct dns_query *q, struct dns_update *u)
{
	struct ctx c = {.apex = apex, .served = served_serial};
	size_t n = (size_t)q->hdr.ancount + q->hdr.nscount;
	struct urr *v = NULL;
	bool changed = false;
	int r;

	memset(u, 0, sizeof(*u));
	if (n > DNS_UPDATE_RRS_MAX) {
		snprintf(u->why, sizeof(u->why), "more than %d records in one update",
		         DNS_UPDATE_RRS_MAX);
		u->rcode = DNS_R_REFUSED;
		return 0;
	}
	if (!(c.tb = malloc(TB_SIZE)) || !(v = malloc((n ? n : 1) * sizeof(*v)))) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = dns_zone_parse(file, text, len, apex, update_on_rr, &c.r, u->why, sizeof(u->why))))
		goto out;
	c.norig = c.r.n;
	if ((r = run(&c, msg, msglen, q, u, v)) < 0)
		goto out;
	u->rcode = r;
	r = 0;
	if (u->rcode)
		goto out;
	if ((r = cancel_pairs(&c)))
		goto out;
	for (size_t i = 0; i < c.r.n && !changed; i++)
		changed = i < c.norig ? c.r.v[i].gone : !c.r.v[i].gone;
	if (!changed)
		goto out;
	update_log(&c, u);
	r = update_write(&c, file, text, len, u);
out:
	if (r == -ENOMEM)
		snprintf(u->why, sizeof(u->why), "out of memory");
	free(v);
	free(c.tb);
	update_recs_free(&c.r);
	return r;
}

void dns_update_free(struct dns_update *u)
{
	free(u->text);
	u->text = NULL;
}
