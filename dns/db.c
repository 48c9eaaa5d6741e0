/* A zone compiled for answering (db.h). */
#include "db.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "name.h"
#include "tsig.h"
#include "zone.h"

/* A record as parsed, before the zone is sorted: offsets into the build's arena. */
struct rec {
	uint32_t owner, rdata, ttl;
	uint16_t type, rdlen;
	unsigned line;
};

struct build {
	const char *file;
	const uint8_t *origin;
	struct rec *v;
	size_t n, cap;
	uint8_t *arena;
	size_t len, cap_arena;
	char *err;
	size_t errsize;
};

static int refuse(struct build *b, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(struct build *b, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(b->err, b->errsize, "%s:%u: ", b->file, line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < b->errsize)
		vsnprintf(b->err + n, b->errsize - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Append bytes to the arena: their offset, or -ENOMEM. */
static long arena_put(uint8_t **arena, size_t *len, size_t *cap, const void *p, size_t n)
{
	if (*len + n > *cap) {
		size_t c = *cap ? *cap : 4096;
		uint8_t *a;
		while (c < *len + n)
			c *= 2;
		if (!(a = realloc(*arena, c)))
			return -ENOMEM;
		*arena = a;
		*cap = c;
	}
	memcpy(*arena + *len, p, n);
	*len += n;
	return (long)(*len - n);
}

/* A name as text for a message. */
static const char *text(const uint8_t *name, char buf[1024])
{
	if (dns_name_to_text(name, buf, 1024) < 0)
		snprintf(buf, 1024, "(a long name)");
	return buf;
}

static bool meta_type(uint16_t t)
{
	return t == DNS_T_OPT || (t >= DNS_T_TSIG && t <= DNS_T_ANY) || t == 0;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	if (!(p = realloc(*v, size * (*cap ? *cap * 2 : 64))))
		return -ENOMEM;
	*v = p;
	*cap = *cap ? *cap * 2 : 64;
	return 0;
}

/*
 * The most rdata a record whose owner has `olen` octets may have: every
 * message that carries it must fit in 65535 octets (RFC 1035 4.2.2). The
 * answer over TCP to a query of its name holds besides it the header, the
 * question (the owner, type and class), the owner again as a compression
 * pointer, its type, class, TTL and rdata length, an OPT with our cookie
 * (RFC 7873 4) and the largest TSIG we sign with; a transfer's message
 * holds as much but the OPT (its question names the zone, and the owner is
 * its labels under the zone and a pointer: the same sum). A larger record
 * could be neither answered nor transferred.
 */
static size_t rdata_max(size_t olen)
{
	size_t opt = 11 + 4 + DNS_COOKIE_CLIENT + DNS_COOKIE_LEN;

	return DNS_MSG_MAX - DNS_HDR_LEN - (olen + 4) - 2 - 10 - opt - DNS_TSIG_SPACE_MAX;
}

/* The parser's callback: check what one record can be checked alone, keep it. */
static int take(void *ctx, const struct dns_rr *rr, unsigned line)
{
	struct build *b = ctx;
	const struct rec *prev;
	int olen = dns_name_len(rr->owner, DNS_NAME_MAX);
	size_t max = rdata_max((size_t)olen);
	char t1[1024], t2[1024], tn[12];
	long owner, rdata;

	if (!dns_name_is_sub(rr->owner, b->origin))
		return refuse(b, line, "'%s' is outside the zone '%s'", text(rr->owner, t1),
		              text(b->origin, t2));
	if (meta_type(rr->type))
		return refuse(b, line, "type %s cannot be in a zone",
		              dns_type_to_text(rr->type, tn));
	if (rr->rdlen > max)
		return refuse(
		    b, line,
		    "'%s' %s has %u octets of rdata, over the %lu that a message of 65535 "
		    "can carry beside its header, question, owner, OPT and TSIG",
		    text(rr->owner, t1), dns_type_to_text(rr->type, tn), rr->rdlen,
		    (unsigned long)max);
	if (b->n >= DNS_ZONE_RECORDS_MAX)
		return refuse(b, line, "more than %u records", DNS_ZONE_RECORDS_MAX);
	if (grow((void **)&b->v, &b->cap, b->n, sizeof(*b->v)))
		return -ENOMEM;
	prev = b->n ? &b->v[b->n - 1] : NULL;
	/* Records of one owner usually follow each other: its name is kept once. */
	if (prev && !memcmp(b->arena + prev->owner, rr->owner, (size_t)olen))
		owner = prev->owner;
	else
		owner = arena_put(&b->arena, &b->len, &b->cap_arena, rr->owner, (size_t)olen);
	rdata =
	    owner < 0 ? owner : arena_put(&b->arena, &b->len, &b->cap_arena, rr->rdata, rr->rdlen);
	if (rdata < 0)
		return -ENOMEM;
	b->v[b->n++] =
	    (struct rec){(uint32_t)owner, (uint32_t)rdata, rr->ttl, rr->type, rr->rdlen, line};
	return 0;
}

/*
 * Canonical order of records (RFC 4034 6.3): owner, type, rdata. qsort has
 * no context argument in C11, and the build runs on the one thread, so the
 * arena the offsets refer to is a file-scope pointer set for the sort.
 */
static const uint8_t *sort_arena;

static int rec_cmp(const void *pa, const void *pb)
{
	const struct rec *a = pa, *b = pb;
	int c = dns_name_cmp(sort_arena + a->owner, sort_arena + b->owner);
	size_t n = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;

	if (c)
		return c;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if ((c = memcmp(sort_arena + a->rdata, sort_arena + b->rdata, n)))
		return c;
	return a->rdlen - b->rdlen;
}

static bool same_rdata(const struct build *b, const struct rec *x, const struct rec *y)
{
	return x->type == y->type && x->rdlen == y->rdlen &&
	       !memcmp(b->arena + x->rdata, b->arena + y->rdata, x->rdlen);
}

/*
 * One TTL an RRset (RFC 2181 5.2): the records of the sorted run [from,
 * to), one owner and type, all get the lowest TTL any of them has. So a
 * record repeated with another TTL, kept once, keeps the lower too,
 * whichever of the two the sort put first.
 */
static void even_run(struct build *b, struct dns_zone *z, size_t from, size_t to)
{
	uint32_t low = b->v[from].ttl;
	unsigned line = b->v[from].line;
	bool mixed = false;

	for (size_t i = from + 1; i < to; i++) {
		mixed |= b->v[i].ttl != low;
		low = b->v[i].ttl < low ? b->v[i].ttl : low;
		line = b->v[i].line < line ? b->v[i].line : line;
	}
	if (!mixed)
		return;
	for (size_t i = from; i < to; i++)
		b->v[i].ttl = low;
	z->ttls_mixed++;
	if (!z->ttls_line || line < z->ttls_line)
		z->ttls_line = line;
}

static void even_ttls(struct build *b, struct dns_zone *z)
{
	size_t from = 0;

	for (size_t i = 1; i <= b->n; i++) {
		if (i < b->n && b->v[i].type == b->v[from].type &&
		    dns_name_eq(b->arena + b->v[i].owner, b->arena + b->v[from].owner))
			continue;
		even_run(b, z, from, i);
		from = i;
	}
}

/* ---- the zone, from the sorted records ---- */

struct out {
	struct dns_zone *z;
	size_t nodes_cap, sets_cap, arena_cap;
};

static int add_node(struct out *o, const uint8_t *name)
{
	struct dns_zone *z = o->z;
	long at;

	if (grow((void **)&z->nodes, &o->nodes_cap, z->nnodes, sizeof(*z->nodes)))
		return -ENOMEM;
	if ((at = arena_put(&z->arena, &z->arena_len, &o->arena_cap, name,
	                    (size_t)dns_name_len(name, DNS_NAME_MAX))) < 0)
		return -ENOMEM;
	z->nodes[z->nnodes++] = (struct dns_node){
	    .name = (uint32_t)at,
	    .sets = z->nsets,
	    .labels = (uint8_t)dns_name_labels(name),
	    .flags = name[0] == 1 && name[1] == '*' ? DNS_NODE_WILD : 0,
	};
	return 0;
}

static int add_set(struct out *o, uint16_t type)
{
	struct dns_zone *z = o->z;

	if (grow((void **)&z->sets, &o->sets_cap, z->nsets, sizeof(*z->sets)))
		return -ENOMEM;
	z->sets[z->nsets++] = (struct dns_set){type, 0, (uint32_t)z->arena_len};
	z->nodes[z->nnodes - 1].nsets++;
	return 0;
}

static int add_record(struct out *o, const struct build *b, const struct rec *r)
{
	struct dns_zone *z = o->z;
	uint8_t head[6] = {(uint8_t)(r->ttl >> 24),  (uint8_t)(r->ttl >> 16),
	                   (uint8_t)(r->ttl >> 8),   (uint8_t)r->ttl,
	                   (uint8_t)(r->rdlen >> 8), (uint8_t)r->rdlen};

	if (arena_put(&z->arena, &z->arena_len, &o->arena_cap, head, sizeof(head)) < 0 ||
	    arena_put(&z->arena, &z->arena_len, &o->arena_cap, b->arena + r->rdata, r->rdlen) < 0)
		return -ENOMEM;
	z->sets[z->nsets - 1].n++;
	z->records++;
	return 0;
}

/* Lay the sorted records out as nodes and sets, repeated records once; a set counts to 65535. */
static int compile(struct build *b, struct out *o)
{
	const uint8_t *apex = b->origin;
	int r;

	if (arena_put(&o->z->arena, &o->z->arena_len, &o->arena_cap, apex,
	              (size_t)dns_name_len(apex, DNS_NAME_MAX)) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < b->n; i++) {
		const struct rec *p = i ? &b->v[i - 1] : NULL, *c = &b->v[i];
		bool new_node = !p || !dns_name_eq(b->arena + p->owner, b->arena + c->owner);
		if (new_node && (r = add_node(o, b->arena + c->owner)))
			return r;
		if ((new_node || p->type != c->type) && (r = add_set(o, c->type)))
			return r;
		if (!new_node && p->type == c->type && !same_rdata(b, p, c) &&
		    o->z->sets[o->z->nsets - 1].n == UINT16_MAX)
			return refuse(b, c->line, "more than 65535 records of one name and type");
		if ((new_node || !same_rdata(b, p, c)) && (r = add_record(o, b, c)))
			return r;
	}
	return 0;
}

/* ---- the rules of a zone ---- */

/* The line of the first record of `type` at the node's owner (records are still sorted). */
static unsigned line_of(const struct build *b, const uint8_t *name, uint16_t type)
{
	unsigned line = 0;

	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].type == type && dns_name_eq(b->arena + b->v[i].owner, name) &&
		    (!line || b->v[i].line < line))
			line = b->v[i].line;
	return line ? line : 1;
}

static int check_node(struct build *b, const struct dns_zone *z, const struct dns_node *n)
{
	const uint8_t *name = dns_node_name(z, n);
	const struct dns_set *soa = dns_node_set(z, n, DNS_T_SOA);
	const struct dns_set *cname = dns_node_set(z, n, DNS_T_CNAME);
	const struct dns_set *dname = dns_node_set(z, n, DNS_T_DNAME);
	bool apex = dns_name_eq(name, z->apex);
	char t[1024];

	if (soa && !apex)
		return refuse(b, line_of(b, name, DNS_T_SOA), "SOA record at '%s', not at the apex",
		              text(name, t));
	if (soa && soa->n > 1)
		return refuse(b, line_of(b, name, DNS_T_SOA), "more than one SOA record");
	if (cname && n->nsets > 1)
		return refuse(b, line_of(b, name, DNS_T_CNAME),
		              "'%s' has a CNAME and other records (RFC 1034 3.6.2)", text(name, t));
	if (cname && cname->n > 1)
		return refuse(b, line_of(b, name, DNS_T_CNAME),
		              "'%s' has more than one CNAME (RFC 2181 10.1)", text(name, t));
	if (dname && dname->n > 1)
		return refuse(b, line_of(b, name, DNS_T_DNAME),
		              "'%s' has more than one DNAME (RFC 6672 2.4)", text(name, t));
	return 0;
}

static int check(struct build *b, struct dns_zone *z)
{
	const struct dns_node *apex = dns_zone_apex(z);
	const struct dns_set *soa = apex ? dns_node_set(z, apex, DNS_T_SOA) : NULL;
	char t[1024];
	int r;

	for (uint32_t i = 0; i < z->nnodes; i++) {
		struct dns_node *n = &z->nodes[i];
		if ((r = check_node(b, z, n)))
			return r;
		if (dns_node_set(z, n, DNS_T_NS) && !dns_name_eq(dns_node_name(z, n), z->apex))
			n->flags |= DNS_NODE_CUT;
		if ((n->flags & DNS_NODE_CUT) || dns_node_set(z, n, DNS_T_DNAME))
			z->redirects++;
	}
	if (!soa)
		return refuse(b, 1, "no SOA record at the zone's apex '%s'", text(z->apex, t));
	{
		struct dns_rec_iter it;
		const uint8_t *rd;
		uint16_t len;
		uint32_t ttl;
		int a, m;
		dns_set_records(soa, &it);
		dns_rec_next(z, &it, &ttl, &rd, &len);
		a = dns_name_len(rd, len);
		m = a < 0 ? -1 : dns_name_len(rd + a, len - (size_t)a);
		if (m < 0 || (size_t)(a + m + 20) != len)
			return refuse(b, line_of(b, z->apex, DNS_T_SOA), "malformed SOA rdata");
		rd += a + m;
		z->serial = dns_get32(rd);
	}
	return 0;
}

/* How many labels, counted from the root, two names share (ASCII case ignored). */
static int shared_labels(const uint8_t *a, const uint8_t *b)
{
	int na = dns_name_labels(a), nb = dns_name_labels(b), n = na < nb ? na : nb, shared = n;

	a = dns_name_parent(a, na - n);
	b = dns_name_parent(b, nb - n);
	for (int k = 0; k < n; k++, a += 1u + *a, b += 1u + *b)
		if (!dns_label_eq(a, b))
			shared = n - k - 1; /* the labels left of a difference are not shared */
	return shared;
}

/*
 * The empty non-terminals first met at node i, in canonical order: its
 * ancestors below the apex that node i - 1 is not at or below. Those are
 * no nodes, as a node comes right before its descendants.
 */
static int ents_at(const struct dns_zone *z, uint32_t i)
{
	const struct dns_node *n = &z->nodes[i];
	int floor = z->nodes[0].labels, shared;

	if (i > 0 && (shared = shared_labels(dns_node_name(z, n), dns_node_name(z, n - 1))) > floor)
		floor = shared;
	return n->labels - 1 > floor ? n->labels - 1 - floor : 0;
}

static void index_put(struct dns_zone *z, const uint8_t *name, uint32_t v)
{
	uint32_t i = dns_name_hash(name) & z->index_mask;

	while (z->index[i])
		i = (i + 1) & z->index_mask;
	z->index[i] = v;
}

_Static_assert(DNS_ZONE_RECORDS_MAX < DNS_INDEX_NODE, "a node's position + 1 fits its bits");

/* Every node's name and every empty non-terminal into z->index: 0 or -ENOMEM. */
static int build_index(struct dns_zone *z)
{
	size_t names = z->nnodes, slots = 2;

	for (uint32_t i = 0; i < z->nnodes; i++)
		names += (size_t)ents_at(z, i);
	while (slots < 2 * names)
		slots *= 2;
	if (!(z->index = calloc(slots, sizeof(*z->index))))
		return -ENOMEM;
	z->index_mask = (uint32_t)(slots - 1);
	for (uint32_t i = 0; i < z->nnodes; i++) {
		const uint8_t *name = dns_node_name(z, &z->nodes[i]);
		int ents = ents_at(z, i);
		for (uint32_t up = 0; up <= (uint32_t)ents; up++)
			index_put(z, dns_name_parent(name, (int)up), up << DNS_INDEX_UP | (i + 1));
	}
	return 0;
}

/* Give back what the arrays were grown past (a failed shrink keeps the larger block). */
static void shrink(struct dns_zone *z)
{
	void *p;

	if (z->nnodes && (p = realloc(z->nodes, z->nnodes * sizeof(*z->nodes))))
		z->nodes = p;
	if (z->nsets && (p = realloc(z->sets, z->nsets * sizeof(*z->sets))))
		z->sets = p;
	if ((p = realloc(z->arena, z->arena_len)))
		z->arena = p;
}

int dns_zone_load(const char *file, const char *text, size_t len, const uint8_t *origin,
                  struct dns_zone **out, char *err, size_t errsize)
{
	struct build b = {.file = file, .origin = origin, .err = err, .errsize = errsize};
	struct out o = {.z = calloc(1, sizeof(struct dns_zone))};
	int r = o.z ? 0 : -ENOMEM;

	if (!r)
		r = dns_zone_parse(file, text, len, origin, take, &b, err, errsize);
	if (!r && b.n) {
		sort_arena = b.arena;
		qsort(b.v, b.n, sizeof(*b.v), rec_cmp);
		even_ttls(&b, o.z);
	}
	if (!r && !(r = compile(&b, &o))) {
		shrink(o.z);
		o.z->apex = o.z->arena;
		if (!(r = check(&b, o.z)))
			r = build_index(o.z);
	}
	if (r == -ENOMEM)
		snprintf(err, errsize, "%s: out of memory loading the zone", file);
	free(b.v);
	free(b.arena);
	if (r) {
		dns_zone_free(o.z);
		return r;
	}
	*out = o.z;
	return 0;
}

struct dns_zone *dns_zone_hold(struct dns_zone *z)
{
	z->holds++;
	return z;
}

void dns_zone_release(struct dns_zone *z)
{
	if (--z->holds == 0 && z->doomed)
		dns_zone_free(z);
}

void dns_zone_free(struct dns_zone *z)
{
	if (!z)
		return;
	if (z->holds) {
		z->doomed = true;
		return;
	}
	free(z->nodes);
	free(z->sets);
	free(z->arena);
	free(z->index);
	free(z);
}

/* Where the apex SOA's SERIAL field lies in the arena (check() proved the rdata sound). */
static uint8_t *soa_serial(struct dns_zone *z)
{
	const struct dns_node *apex = dns_zone_apex(z);
	const struct dns_set *soa = dns_node_set(z, apex, DNS_T_SOA);
	uint8_t *rd = z->arena + soa->off + 6;
	int a = dns_name_len(rd, DNS_NAME_MAX);

	return rd + a + dns_name_len(rd + a, DNS_NAME_MAX);
}

void dns_zone_set_serial(struct dns_zone *z, uint32_t serial)
{
	dns_put32(soa_serial(z), serial);
	z->serial = serial;
}

bool dns_serial_lt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(b - a) < 0x80000000u;
}

size_t dns_zone_bytes(const struct dns_zone *z)
{
	return sizeof(*z) + z->nnodes * sizeof(*z->nodes) + z->nsets * sizeof(*z->sets) +
	       z->arena_len + (z->index ? (z->index_mask + (size_t)1) * sizeof(*z->index) : 0);
}

/* ---- lookups ---- */

const struct dns_node *dns_zone_apex(const struct dns_zone *z)
{
	return z->nnodes && dns_name_eq(dns_node_name(z, &z->nodes[0]), z->apex) ? &z->nodes[0]
	                                                                         : NULL;
}

const struct dns_node *dns_zone_find(const struct dns_zone *z, const uint8_t *name, bool *exists)
{
	int labels = dns_name_labels(name);
	uint32_t i = dns_name_hash(name) & z->index_mask, v;

	for (; (v = z->index[i]); i = (i + 1) & z->index_mask) {
		const struct dns_node *n = &z->nodes[(v & DNS_INDEX_NODE) - 1];
		int up = (int)(v >> DNS_INDEX_UP);
		if (n->labels - up == labels &&
		    dns_name_eq(dns_name_parent(dns_node_name(z, n), up), name)) {
			if (exists)
				*exists = true;
			return up ? NULL : n;
		}
	}
	if (exists)
		*exists = false;
	return NULL;
}

const struct dns_set *dns_node_set(const struct dns_zone *z, const struct dns_node *n,
                                   uint16_t type)
{
	for (uint32_t i = 0; i < n->nsets; i++)
		if (z->sets[n->sets + i].type == type)
			return &z->sets[n->sets + i];
	return NULL;
}

bool dns_rec_next(const struct dns_zone *z, struct dns_rec_iter *it, uint32_t *ttl,
                  const uint8_t **rdata, uint16_t *rdlen)
{
	const uint8_t *p = z->arena + it->off;

	if (!it->left)
		return false;
	*ttl = dns_get32(p);
	*rdlen = dns_get16(p + 4);
	*rdata = p + 6;
	it->off += 6u + *rdlen;
	it->left--;
	return true;
}
