/* Dynamic updates applied to a master file (update.h). */
#include "update.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "rdata.h"
#include "zone.h"

/* A record of the file, or one the update added (line 0). */
struct rec {
	uint32_t owner, rdata; /* offsets in the arena */
	uint32_t ttl;
	uint16_t type, rdlen;
	uint32_t line, end; /* the lines it takes in the file, 1-based */
	bool gone;
};

struct recs {
	struct rec *v;
	size_t n, cap;
	uint8_t *arena;
	size_t alen, acap;
};

/* A record of the update message: prerequisite or update. */
struct urr {
	uint32_t owner, rdata; /* in the records' arena */
	uint32_t ttl;
	uint16_t type, class, rdlen;
};

/* The file's lines: off[k] is where line k (1-based) starts, off[n + 1] the end. */
struct lines {
	uint32_t *off;
	uint32_t n;
};

struct ctx {
	struct recs r;
	size_t norig; /* records read from the file; those after were added */
	const uint8_t *apex;
	uint32_t served;
	bool soa_set; /* the update gave a new SOA */
	char *tb;     /* one record's text */
};

#define TB_SIZE (DNS_RDATA_TEXT_MAX + DNS_NAME_MAX * 4 + 64)
#define OWNER(r, x) ((r)->arena + (x)->owner)
#define RDATA(r, x) ((r)->arena + (x)->rdata)

/* ---- records ---- */

static long arena_put(struct recs *r, const void *p, size_t n)
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
	if (n)
		memcpy(r->arena + r->alen, p, n);
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
	long o = arena_put(r, rr->owner, (size_t)dns_name_len(rr->owner, DNS_NAME_MAX));
	long d = o < 0 ? o : arena_put(r, rr->rdata, rr->rdlen);
	struct rec *x = d < 0 ? NULL : rec_push(r);

	if (!x)
		return -ENOMEM;
	*x =
	    (struct rec){(uint32_t)o, (uint32_t)d, rr->ttl, rr->type, rr->rdlen, line, line, false};
	return 0;
}

static int on_rr(void *ctx, const struct dns_rr *rr, unsigned line)
{
	return rec_add(ctx, rr, line);
}

static void recs_free(struct recs *r)
{
	free(r->v);
	free(r->arena);
	memset(r, 0, sizeof(*r));
}

/* ---- the file's lines ---- */

static int lines_index(const char *text, size_t len, struct lines *l)
{
	uint32_t n = 0, k = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	n += len && text[len - 1] != '\n';
	if (!(l->off = malloc((n + 2) * sizeof(*l->off))))
		return -ENOMEM;
	l->n = n;
	l->off[1] = 0;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n' && ++k <= n)
			l->off[k] = (uint32_t)i + 1;
	l->off[n + 1] = (uint32_t)len;
	return 0;
}

/* The last line of the record starting on `line`: its parentheses closed (RFC 1035 5.1). */
static uint32_t record_end(const char *text, const struct lines *l, uint32_t line)
{
	int depth = 0;
	bool quoted = false;

	for (size_t i = l->off[line]; i < l->off[l->n + 1]; i++) {
		char ch = text[i];
		if (ch == '\\')
			i++;
		else if (ch == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (ch == ';')
			while (i + 1 < l->off[l->n + 1] && text[i + 1] != '\n')
				i++;
		else if (ch == '(')
			depth++;
		else if (ch == ')')
			depth--;
		else if (ch == '\n' && depth <= 0)
			return line;
		if (i < l->off[l->n + 1] && text[i] == '\n')
			line++;
	}
	return line > l->n ? l->n : line;
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

/* Two rdatas equal, the names in them compared without case (RFC 4343). */
static bool rdata_eq(uint16_t type, const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int at = name_at(type), names = type == DNS_T_SOA ? 2 : 1;

	if (at < 0 || al <= (size_t)at || bl <= (size_t)at)
		return al == bl && !memcmp(a, b, al);
	if (memcmp(a, b, (size_t)at))
		return false;
	a += at, b += at, al -= (size_t)at, bl -= (size_t)at;
	while (names--) {
		int n = dns_name_len(a, al), m = dns_name_len(b, bl);
		if (n < 0 || m < 0)
			return al == bl && !memcmp(a, b, al);
		if (!dns_name_eq(a, b))
			return false;
		a += n, b += m, al -= (size_t)n, bl -= (size_t)m;
	}
	return al == bl && !memcmp(a, b, al);
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

static size_t count_set(const struct recs *r, const uint8_t *name, uint16_t type)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += at_name(r, &r->v[i], name) && r->v[i].type == type;
	return n;
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
	o = arena_put(r, rr.owner, (size_t)dns_name_len(rr.owner, DNS_NAME_MAX));
	d = o < 0 ? o : arena_put(r, rd, w);
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
	size_t distinct = 0;

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
	for (size_t i = 0; i < n; i++) {
		const struct urr *q = &all[i];
		bool seen = false;
		if (q->class != DNS_C_IN || q->type != p->type ||
		    !dns_name_eq(r->arena + q->owner, name))
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = all[j].class == DNS_C_IN && all[j].type == q->type &&
			       dns_name_eq(r->arena + all[j].owner, name) &&
			       rdata_eq(q->type, r->arena + all[j].rdata, all[j].rdlen,
			                r->arena + q->rdata, q->rdlen);
		distinct += !seen;
	}
	if (count_set(r, name, p->type) != distinct) {
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

/* A record the update adds: its own owner and rdata, or a copy of x's with a new TTL. */
static int push(struct ctx *c, uint32_t owner, uint32_t rdata, uint16_t type, uint16_t rdlen,
                uint32_t ttl)
{
	struct rec *x = rec_push(&c->r);

	if (!x)
		return -ENOMEM;
	*x = (struct rec){owner, rdata, ttl, type, rdlen, 0, 0, false};
	return 0;
}

static bool apex_kept(const struct ctx *c, const struct rec *x)
{
	return (x->type == DNS_T_SOA || x->type == DNS_T_NS) &&
	       dns_name_eq(OWNER(&c->r, x), c->apex);
}

static uint32_t soa_serial(const uint8_t *rdata, uint16_t rdlen)
{
	return rdlen >= 20 ? dns_get32(rdata + rdlen - 20) : 0;
}

/* 3.4.2.2: add a record, with the exceptions for SOA and CNAME. */
static int add(struct ctx *c, const struct urr *a)
{
	struct recs *r = &c->r;
	const uint8_t *name = r->arena + a->owner, *rd = r->arena + a->rdata;
	struct rec *x;

	if (a->type == DNS_T_SOA) {
		if (!dns_name_eq(name, c->apex) || a->rdlen < 22 ||
		    !dns_serial_lt(c->served, soa_serial(rd, a->rdlen)))
			return 0; /* ignored: an SOA below the apex, or not newer */
		if ((x = find_set(r, name, DNS_T_SOA)))
			x->gone = true;
		c->soa_set = true;
		return push(c, a->owner, a->rdata, a->type, a->rdlen, a->ttl);
	}
	if (a->type != DNS_T_CNAME && find_set(r, name, DNS_T_CNAME))
		return 0; /* ignored: other data beside a CNAME */
	if (a->type == DNS_T_CNAME) {
		for (size_t i = 0; i < r->n; i++)
			if (at_name(r, &r->v[i], name) && r->v[i].type != DNS_T_CNAME)
				return 0; /* ignored: a CNAME beside other data */
		if ((x = find_set(r, name, DNS_T_CNAME)))
			x->gone = true; /* replaced */
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
			if ((e = push(c, x->owner, x->rdata, x->type, x->rdlen, a->ttl)))
				return e;
		}
	}
	return push(c, a->owner, a->rdata, a->type, a->rdlen, a->ttl);
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
	if (d->type == DNS_T_SOA || !(x = find_rr(r, name, d->type, rd, d->rdlen)))
		return;
	if (d->type == DNS_T_NS && dns_name_eq(name, c->apex) && count_set(r, name, DNS_T_NS) == 1)
		return; /* the zone's last NS stays */
	x->gone = true;
}

/* A record deleted and added back the same (a delete then an add) is left where it was. */
static void cancel_pairs(struct ctx *c)
{
	struct recs *r = &c->r;

	for (size_t i = c->norig; i < r->n; i++) {
		struct rec *a = &r->v[i];
		for (size_t j = 0; j < c->norig && !a->gone; j++) {
			struct rec *o = &r->v[j];
			if (o->gone && o->type == a->type && o->ttl == a->ttl &&
			    o->rdlen == a->rdlen && !memcmp(RDATA(r, o), RDATA(r, a), a->rdlen) &&
			    dns_name_eq(OWNER(r, o), OWNER(r, a)) &&
			    !memcmp(OWNER(r, o), OWNER(r, a), 1)) {
				o->gone = false;
				a->gone = true;
			}
		}
	}
}

/* ---- the file written back ---- */

struct sb {
	char *p;
	size_t n, cap;
	bool failed;
};

static void sb_put(struct sb *s, const char *p, size_t n)
{
	if (s->failed)
		return;
	if (s->n + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *q;
		while (cap < s->n + n + 1)
			cap *= 2;
		if (!(q = realloc(s->p, cap))) {
			s->failed = true;
			return;
		}
		s->p = q;
		s->cap = cap;
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = '\0';
}

/* A record as one line of a master file: absolute owner, TTL, class, type, rdata. */
static int rec_text(const struct ctx *c, const struct rec *x)
{
	char type[12];
	int w = dns_name_to_text(OWNER(&c->r, x), c->tb, DNS_NAME_MAX * 4 + 2), t;

	if (w < 0)
		return w;
	if (c->tb[0] == '$') { /* a label starting with '$' is not a directive */
		memmove(c->tb + 1, c->tb, (size_t)w + 1);
		c->tb[0] = '\\';
		w++;
	}
	w += snprintf(c->tb + w, 64, " %lu IN %s ", (unsigned long)x->ttl,
	              dns_type_to_text(x->type, type));
	if ((t = dns_rdata_to_text(x->type, RDATA(&c->r, x), x->rdlen, c->tb + w,
	                           TB_SIZE - (size_t)w - 2)) < 0)
		return t;
	w += t;
	c->tb[w++] = '\n';
	c->tb[w] = '\0';
	return w;
}

/* Where a record the update added goes: after its RRset's last line, its name's, or at the end. */
static uint32_t anchor(const struct ctx *c, const struct rec *a, uint32_t nlines)
{
	uint32_t same_set = 0, same_name = 0;

	for (size_t i = 0; i < c->norig; i++) {
		const struct rec *o = &c->r.v[i];
		if (!dns_name_eq(OWNER(&c->r, o), OWNER(&c->r, a)))
			continue;
		same_name = o->end > same_name ? o->end : same_name;
		if (o->type == a->type && o->end > same_set)
			same_set = o->end;
	}
	return same_set ? same_set : same_name ? same_name : nlines;
}

struct edit {
	const struct lines *l;
	const char *text;
	size_t soa;         /* the SOA record whose serial is rewritten in place, or SIZE_MAX */
	uint32_t serial_at; /* where its serial's digits are in the text */
	uint32_t serial_len;
	uint32_t new_serial;
};

/* The added records anchored after line k (their `line`, set by edit_in_place). */
static int put_added(struct ctx *c, const struct edit *e, uint32_t k, struct sb *s)
{
	for (size_t i = c->norig; i < c->r.n; i++) {
		const struct rec *a = &c->r.v[i];
		int n;
		if (a->gone || (e->soa != SIZE_MAX && a->type == DNS_T_SOA) || a->line != k)
			continue;
		if ((n = rec_text(c, a)) < 0)
			return n;
		sb_put(s, c->tb, (size_t)n);
	}
	return 0;
}

/* The file with the records gone left out and those added put in. */
static int edit_in_place(struct ctx *c, const struct edit *e, struct sb *s)
{
	const struct lines *l = e->l;
	uint8_t *skip = calloc(l->n + 2, 2), *start = skip ? skip + l->n + 2 : NULL;
	const char *owner = NULL; /* a deleted line's owner, which a blank owner after it took */
	size_t owner_len = 0;
	int r = 0;

	if (!skip)
		return -ENOMEM;
	for (size_t i = c->norig; i < c->r.n; i++)
		c->r.v[i].line = c->r.v[i].end = anchor(c, &c->r.v[i], l->n);
	for (size_t i = 0; i < c->norig; i++) {
		const struct rec *o = &c->r.v[i];
		start[o->line] = 1;
		if (o->gone && i != e->soa)
			memset(skip + o->line, 1, o->end - o->line + 1);
	}
	for (uint32_t k = 1; k <= l->n && !r; k++) {
		const char *p = e->text + l->off[k];
		size_t n = l->off[k + 1] - l->off[k], lead = 0;
		bool blank_owner = n && (p[0] == ' ' || p[0] == '\t');
		if (skip[k]) {
			if (start[k] && !blank_owner) {
				owner = p;
				owner_len = 0;
				while (owner_len < n && !strchr(" \t\r\n;", p[owner_len]))
					owner_len++;
			}
			r = put_added(c, e, k, s);
			continue;
		}
		if (owner && start[k] && blank_owner)
			sb_put(s, owner, owner_len);
		while (lead < n && (p[lead] == ' ' || p[lead] == '\t'))
			lead++;
		if (lead < n && p[lead] != '\n' && p[lead] != '\r' && p[lead] != ';')
			owner = NULL; /* a record or directive: the deleted owner is no one's now */
		if (e->soa != SIZE_MAX && e->serial_at >= l->off[k] &&
		    e->serial_at < l->off[k + 1]) {
			char digits[12];
			size_t before = e->serial_at - l->off[k];
			sb_put(s, p, before);
			sb_put(s, digits,
			       (size_t)snprintf(digits, sizeof(digits), "%lu",
			                        (unsigned long)e->new_serial));
			sb_put(s, p + before + e->serial_len, n - before - e->serial_len);
		} else {
			sb_put(s, p, n);
		}
		if (!n || p[n - 1] != '\n')
			sb_put(s, "\n", 1);
		r = put_added(c, e, k, s);
	}
	free(skip);
	return r ? r : s->failed ? -ENOMEM : 0;
}

/* The whole file, one record a line, when an edit in place would change other records. */
static int write_whole(struct ctx *c, struct sb *s)
{
	static const char head[] =
	    "; Written whole by a DNS update (RFC 2136): an edit in place would have\n"
	    "; changed the owner or TTL of records it did not touch.\n";

	sb_put(s, head, sizeof(head) - 1);
	for (size_t i = 0; i < c->r.n; i++) {
		int n;
		if (c->r.v[i].gone)
			continue;
		if ((n = rec_text(c, &c->r.v[i])) < 0)
			return n;
		sb_put(s, c->tb, (size_t)n);
	}
	return s->failed ? -ENOMEM : 0;
}

/* Where the SOA's serial is written in its lines: 0, or -ENOENT (then the SOA is written anew). */
static int find_serial(const struct edit *e, const struct rec *soa, uint32_t serial, uint32_t *at,
                       uint32_t *len)
{
	const char *t = e->text;
	size_t i = e->l->off[soa->line], end = e->l->off[soa->end + 1];
	int tok = -1; /* tokens after "SOA" */

	while (i < end) {
		size_t j;
		if (strchr(" \t\r\n()", t[i])) {
			i++;
			continue;
		}
		if (t[i] == ';') {
			while (i < end && t[i] != '\n')
				i++;
			continue;
		}
		for (j = i; j < end && !strchr(" \t\r\n();", t[j]); j++)
			;
		if (tok < 0 && j - i == 3 && !strncasecmp(t + i, "SOA", 3)) {
			tok = 0;
		} else if (tok >= 0 && ++tok == 3) {
			char digits[12];
			int n = snprintf(digits, sizeof(digits), "%lu", (unsigned long)serial);
			if ((size_t)n != j - i || memcmp(digits, t + i, j - i))
				return -ENOENT; /* written with a unit or leading zeros: not touched
				                 */
			*at = (uint32_t)i;
			*len = (uint32_t)(j - i);
			return 0;
		}
		i = j;
	}
	return -ENOENT;
}

/* ---- checking the result ---- */

struct key {
	const uint8_t *owner, *rdata;
	uint32_t ttl;
	uint16_t type, rdlen;
};

static int key_cmp(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	int d = dns_name_cmp(a->owner, b->owner);

	if (d)
		return d;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->rdlen != b->rdlen)
		return a->rdlen < b->rdlen ? -1 : 1;
	if ((d = memcmp(a->rdata, b->rdata, a->rdlen)))
		return d;
	return a->ttl < b->ttl ? -1 : a->ttl > b->ttl;
}

static struct key *keys_of(const struct recs *r, size_t *n)
{
	struct key *k = malloc((r->n ? r->n : 1) * sizeof(*k));

	*n = 0;
	if (!k)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].gone)
			k[(*n)++] = (struct key){OWNER(r, &r->v[i]), RDATA(r, &r->v[i]),
			                         r->v[i].ttl, r->v[i].type, r->v[i].rdlen};
	qsort(k, *n, sizeof(*k), key_cmp);
	return k;
}

/* The new file holds exactly the records expected: 1, 0, or -ENOMEM. */
static int holds_expected(struct ctx *c, const char *file, const struct sb *s)
{
	struct recs again = {0};
	char err[256];
	struct key *a = NULL, *b = NULL;
	size_t na, nb;
	int r = dns_zone_parse(file, s->p, s->n, c->apex, on_rr, &again, err, sizeof(err));

	if (r == -ENOMEM)
		goto out;
	if (!r && (!(a = keys_of(&c->r, &na)) || !(b = keys_of(&again, &nb)))) {
		r = -ENOMEM;
		goto out;
	}
	r = !r && na == nb;
	for (size_t i = 0; r == 1 && i < na; i++)
		r = !key_cmp(&a[i], &b[i]);
out:
	free(a);
	free(b);
	recs_free(&again);
	return r;
}

/* The changes, for the commit message. */
static void log_changes(struct ctx *c, struct dns_update *u)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = pass ? c->norig : 0; i < (pass ? c->r.n : c->norig); i++) {
			const struct rec *x = &c->r.v[i];
			size_t room = sizeof(u->log) - u->log_len;
			int n;
			/* Pass 0: the file's records deleted; pass 1: those added. */
			if ((pass == 0) != x->gone || (n = rec_text(c, x)) < 0)
				continue;
			pass ? u->added++ : u->deleted++;
			if (room < 6)
				continue;
			if ((size_t)n + 3 > room - 5 || (size_t)n > 200) {
				n = n > 200 ? 200 : n;
				if ((size_t)n + 8 > room)
					n = (int)room - 8 > 0 ? (int)room - 8 : 0;
				u->log_len +=
				    (size_t)snprintf(u->log + u->log_len, room, "%c %.*s...\n",
				                     pass ? '+' : '-', n, c->tb);
			} else {
				u->log_len += (size_t)snprintf(u->log + u->log_len, room, "%c %s",
				                               pass ? '+' : '-', c->tb);
			}
		}
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

/* The new file, the SOA's serial raised if the update did not give one: 0 or -errno. */
static int write_file(struct ctx *c, const char *file, const char *text, size_t len,
                      struct dns_update *u)
{
	struct lines l = {0};
	struct edit e = {&l, text, SIZE_MAX, 0, 0, 0};
	struct sb s = {0};
	int r;

	if ((r = lines_index(text, len, &l)))
		return r;
	for (size_t i = 0; i < c->norig; i++)
		c->r.v[i].end = record_end(text, &l, c->r.v[i].line);
	if (!c->soa_set) {
		/* RFC 2136 3.6: past what is served (service.c may serve more than the file says).
		 */
		for (size_t i = 0; i < c->norig && e.soa == SIZE_MAX; i++) {
			struct rec *soa = &c->r.v[i];
			uint32_t file_serial = soa_serial(RDATA(&c->r, soa), soa->rdlen);
			long d;
			if (soa->gone || soa->type != DNS_T_SOA)
				continue;
			e.new_serial =
			    (dns_serial_lt(c->served, file_serial) ? file_serial : c->served) + 1;
			/* The expected records: the SOA with its new serial. */
			if ((d = arena_put(&c->r, RDATA(&c->r, soa), soa->rdlen)) < 0 ||
			    (r = push(c, soa->owner, (uint32_t)d, DNS_T_SOA, soa->rdlen,
			              soa->ttl))) {
				r = -ENOMEM;
				goto out;
			}
			soa = &c->r.v[i]; /* push may have moved the array */
			dns_put32(c->r.arena + d + soa->rdlen - 20, e.new_serial);
			soa->gone = true;
			if (!find_serial(&e, soa, file_serial, &e.serial_at, &e.serial_len))
				e.soa = i;
		}
	}
	if ((r = edit_in_place(c, &e, &s)) || (r = holds_expected(c, file, &s)) < 0)
		goto out;
	if (!r) {
		free(s.p);
		memset(&s, 0, sizeof(s));
		u->rewritten = true;
		if ((r = write_whole(c, &s)) || (r = holds_expected(c, file, &s)) < 0)
			goto out;
		if (!r) {
			snprintf(u->why, sizeof(u->why),
			         "the zone written back does not read back");
			r = -EINVAL;
			goto out;
		}
	}
	u->text = s.p;
	u->len = s.n;
	s.p = NULL;
	r = 0;
out:
	free(s.p);
	free(l.off);
	return r;
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
	if ((r = dns_zone_parse(file, text, len, apex, on_rr, &c.r, u->why, sizeof(u->why))))
		goto out;
	c.norig = c.r.n;
	if ((r = run(&c, msg, msglen, q, u, v)) < 0)
		goto out;
	u->rcode = r;
	r = 0;
	if (u->rcode)
		goto out;
	cancel_pairs(&c);
	for (size_t i = 0; i < c.r.n && !changed; i++)
		changed = i < c.norig ? c.r.v[i].gone : !c.r.v[i].gone;
	if (!changed)
		goto out;
	log_changes(&c, u);
	r = write_file(&c, file, text, len, u);
out:
	if (r == -ENOMEM)
		snprintf(u->why, sizeof(u->why), "out of memory");
	free(v);
	free(c.tb);
	recs_free(&c.r);
	return r;
}

void dns_update_free(struct dns_update *u)
{
	free(u->text);
	u->text = NULL;
}
