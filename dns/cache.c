/*
 * The forwarder's answer cache (cache.h): an upstream answer read and
 * written again, a ring of records with a CLOCK hand, buckets of chains.
 */
#include "cache.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "name.h"

#define NS_PER_SEC 1000000000ULL
#define BUCKET_BYTES 512   /* of the budget for each bucket */
#define OPT_LEN 11         /* our OPT: root, type, class, TTL, rdlength (RFC 6891 6.1.2) */
#define OPCODE_MASK 0x7800 /* the header's opcode bits */
#define EDNS_DO 0x8000     /* DNSSEC OK (RFC 3225) */
#define LABEL_PTR 0xC0
/* The longest rdata with names this reads flat: SOA's two names and 20 octets, SRV's 6 and one. */
#define RDATA_FLAT (2 * DNS_NAME_MAX + 20)

/* The key's bits beside the question (cache.h). */
enum { KEY_DO = 1, KEY_CD = 2, KEY_RD = 4 };

enum { REC_PAD, REC_DEAD, REC_LIVE };

/* A record in the ring. Padding and freed records are read for their first 8 bytes only. */
struct rec {
	uint32_t size; /* bytes in the ring, this header included; a multiple of 8 */
	uint8_t state; /* REC_* */
	uint8_t ref;   /* looked up since the hand last passed it */
	uint8_t bits;  /* KEY_* */
	uint8_t unused;
	uint32_t next;   /* the next record of its chain, as offset + 1; 0: the last */
	uint32_t hash;   /* the key's */
	uint16_t len;    /* the message's bytes, after this header ... */
	uint16_t nttl;   /* ... then 2 for each TTL's offset in it */
	uint32_t life;   /* seconds */
	uint64_t stored; /* plat_now_ns when the answer came */
};
_Static_assert(sizeof(struct rec) == DNS_CACHE_REC_HDR, "cache.h says what a record costs");

/* ---- reading an upstream answer ---- */

/* The upstream's answer being read, and written again into the scratch buffer. */
struct reading {
	const uint8_t *msg;
	size_t len, off;
	struct dns_out o;
	uint8_t *ttls;
	unsigned nttl;
	uint32_t min_ttl; /* of the records kept; UINT32_MAX: none */
	bool soa;         /* an SOA in the authority section */
	bool opt;
	uint8_t ext; /* OPT's upper 8 bits of the rcode */
};

/*
 * Types whose rdata holds names an upstream may have compressed: RFC
 * 1035's (RFC 3597 4) and those RFC 3597 4 tells a receiver to
 * decompress too. Fixed octets before the names, names, fixed after.
 */
struct shape {
	uint16_t type;
	uint8_t before, names, after;
};

static const struct shape shapes[] = {
    {DNS_T_NS, 0, 1, 0},       {3, 0, 1, 0} /* MD */,  {4, 0, 1, 0} /* MF */,
    {DNS_T_CNAME, 0, 1, 0},    {DNS_T_SOA, 0, 2, 20},  {7, 0, 1, 0} /* MB */,
    {8, 0, 1, 0} /* MG */,     {9, 0, 1, 0} /* MR */,  {DNS_T_PTR, 0, 1, 0},
    {14, 0, 2, 0} /* MINFO */, {DNS_T_MX, 2, 1, 0},    {17, 0, 2, 0} /* RP */,
    {18, 2, 1, 0} /* AFSDB */, {21, 2, 1, 0} /* RT */, {26, 2, 2, 0} /* PX */,
    {DNS_T_SRV, 6, 1, 0},      {DNS_T_DNAME, 0, 1, 0},
};

static const struct shape *shape_of(uint16_t type)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		if (shapes[i].type == type)
			return &shapes[i];
	return NULL;
}

/* Rdata of a shape with its names decompressed into buf: 0, or -EINVAL if it is not that shape. */
static int rdata_flat(const uint8_t *msg, const struct dns_msg_rr *rr, const struct shape *s,
                      uint8_t buf[RDATA_FLAT], uint16_t *n)
{
	size_t p = rr->rdata_off, end = p + rr->rdlen, w = s->before;
	uint8_t name[DNS_NAME_MAX];

	if (rr->rdlen < s->before)
		return -EINVAL;
	memcpy(buf, msg + p, s->before);
	p += s->before;
	for (unsigned i = 0; i < s->names; i++) {
		int l = dns_msg_name(msg, end, &p, name);
		if (l < 0)
			return -EINVAL;
		memcpy(buf + w, name, (size_t)l);
		w += (size_t)l;
	}
	if (end - p != s->after)
		return -EINVAL;
	memcpy(buf + w, msg + p, s->after);
	*n = (uint16_t)(w + s->after);
	return 0;
}

/*
 * A record's TTL as kept and sent: one with the top bit set is 0 (RFC
 * 2181 8), none above a day, an authority SOA's no more than its MINIMUM
 * (RFC 2308 3). The smallest is the answer's life.
 */
static uint32_t ttl_of(struct reading *rd, const struct dns_msg_rr *rr, int section)
{
	uint32_t ttl = rr->ttl & 0x80000000u ? 0 : rr->ttl;

	if (ttl > DNS_CACHE_TTL_MAX)
		ttl = DNS_CACHE_TTL_MAX;
	if (section == DNS_SEC_AUTHORITY && rr->type == DNS_T_SOA && rr->rdlen >= 20) {
		uint32_t min = dns_get32(rd->msg + rr->rdata_off + rr->rdlen - 4);
		rd->soa = true;
		if (ttl > min)
			ttl = min;
	}
	if (ttl < rd->min_ttl)
		rd->min_ttl = ttl;
	return ttl;
}

/* Where the name this writer put at p ends (its labels, then the root or a pointer). */
static size_t name_end(const uint8_t *buf, size_t p)
{
	while (buf[p] && (buf[p] & LABEL_PTR) != LABEL_PTR)
		p += 1u + buf[p];
	return p + (buf[p] ? 2 : 1);
}

/* OPT (RFC 6891 6.1.1): one at most, in the additional section; not kept, its rcode bits read. */
static int opt_rr(struct reading *rd, const struct dns_msg_rr *rr, int section)
{
	if (section != DNS_SEC_ADDITIONAL || rd->opt)
		return -EINVAL;
	rd->opt = true;
	rd->ext = (uint8_t)(rr->ttl >> 24);
	return 0;
}

/* One record read and written again, where its TTL lies noted. */
static int one_rr(struct reading *rd, int section)
{
	struct dns_msg_rr rr;
	uint8_t flat[RDATA_FLAT];
	const struct shape *s;
	struct dns_rr w;
	size_t start = rd->o.len;

	if (dns_msg_rr(rd->msg, rd->len, &rd->off, &rr) < 0)
		return -EINVAL;
	if (rr.type == DNS_T_OPT)
		return opt_rr(rd, &rr, section);
	if (rr.type == DNS_T_TSIG)
		return 0; /* we sign nothing to the upstream: not ours to pass on */
	w = (struct dns_rr){.owner = rr.owner,
	                    .type = rr.type,
	                    .class = rr.class,
	                    .ttl = ttl_of(rd, &rr, section),
	                    .rdlen = rr.rdlen,
	                    .rdata = rd->msg + rr.rdata_off};
	if ((s = shape_of(rr.type)) != NULL) {
		if (rdata_flat(rd->msg, &rr, s, flat, &w.rdlen) < 0)
			return -EINVAL;
		w.rdata = flat;
	}
	if (dns_out_rr(&rd->o, section, &w) < 0)
		return -EINVAL;
	dns_put16(rd->ttls + 2 * rd->nttl++, (uint16_t)(name_end(rd->o.buf, start) + 4));
	return 0;
}

/* The question (RFC 1035 4.1.2), into q as dns_out_begin wants it. */
static int question(struct reading *rd, struct dns_query *q)
{
	memset(q, 0, sizeof(*q));
	if (dns_msg_name(rd->msg, rd->len, &rd->off, q->qname) < 0 || rd->len - rd->off < 4)
		return -EINVAL;
	q->qtype = dns_get16(rd->msg + rd->off);
	q->qclass = dns_get16(rd->msg + rd->off + 2);
	q->has_question = true;
	rd->off += 4;
	return 0;
}

/* How long an answer may be kept (cache.h): 0 for not at all. */
static uint32_t life_of(const struct reading *rd, uint16_t flags, unsigned answers)
{
	unsigned rcode = DNS_F_RCODE(flags);

	if ((flags & DNS_F_TC) || rd->min_ttl == UINT32_MAX)
		return 0;
	if (rcode == DNS_R_NOERROR && answers)
		return rd->min_ttl;
	if ((rcode == DNS_R_NXDOMAIN || rcode == DNS_R_NOERROR) && rd->soa)
		return rd->min_ttl < DNS_CACHE_NEG_MAX ? rd->min_ttl : DNS_CACHE_NEG_MAX;
	return 0;
}

int dns_cache_read(const uint8_t *msg, size_t len, uint8_t *scratch, size_t cap,
                   struct dns_cache_msg *m)
{
	struct reading rd = {.msg = msg, .len = len, .off = DNS_HDR_LEN, .min_ttl = UINT32_MAX};
	struct dns_query q;
	uint16_t flags;

	memset(m, 0, sizeof(*m));
	if (cap < DNS_CACHE_SCRATCH || len < DNS_HDR_LEN || len > DNS_MSG_MAX)
		return -EINVAL;
	flags = dns_get16(msg + 2);
	if (!(flags & DNS_F_QR) || DNS_F_OPCODE(flags) != DNS_OP_QUERY || dns_get16(msg + 4) != 1 ||
	    question(&rd, &q) < 0)
		return -EINVAL;
	rd.ttls = scratch + DNS_MSG_MAX;
	if (dns_out_begin(&rd.o, scratch, DNS_MSG_MAX, &q, flags & (DNS_F_TC | 15)) < 0)
		return -EINVAL;
	for (int s = 0; s < 3; s++)
		for (unsigned i = dns_get16(msg + 6 + 2 * s); i > 0; i--)
			if (one_rr(&rd, DNS_SEC_ANSWER + s) < 0)
				return -EINVAL;
	if (rd.off != len || rd.ext)
		return -EINVAL;
	m->flags = flags & (DNS_F_TC | 15);
	m->life = life_of(&rd, m->flags, rd.o.count[DNS_SEC_ANSWER]);
	m->len = dns_out_end(&rd.o);
	m->msg = scratch;
	m->ttls = rd.ttls;
	m->nttl = rd.nttl;
	m->qname = scratch + DNS_HDR_LEN;
	m->qtype = q.qtype;
	m->qclass = q.qclass;
	return 0;
}

/* ---- writing the client's answer ---- */

static bool same_question(const struct dns_cache_msg *m, const struct dns_query *q)
{
	return q->has_question && m->qtype == q->qtype && m->qclass == q->qclass &&
	       dns_name_eq(m->qname, q->qname);
}

/* Header and question with TC set, and OPT if the client sent one (RFC 2181 9). */
static size_t truncated(const struct dns_cache_msg *m, const struct dns_query *q, size_t limit,
                        uint8_t *out)
{
	uint16_t rcode = DNS_F_RCODE(m->flags);
	struct dns_out o;

	if (dns_out_begin(&o, out, limit, q, (uint16_t)(DNS_F_TC | DNS_F_RA | rcode)) < 0)
		return 0;
	if (q->edns && dns_out_opt(&o, rcode, q->edns_flags & EDNS_DO, NULL, 0) < 0)
		return 0;
	return dns_out_end(&o);
}

size_t dns_cache_write(const struct dns_cache_msg *m, uint32_t age, const struct dns_query *q,
                       size_t limit, uint8_t *out, size_t cap)
{
	uint16_t flags =
	    (uint16_t)(DNS_F_QR | DNS_F_RA | (q->hdr.flags & (OPCODE_MASK | DNS_F_RD | DNS_F_CD)) |
	               (m->flags & (DNS_F_TC | 15)));
	struct dns_out o;

	if (limit > cap)
		limit = cap;
	if (!same_question(m, q))
		return 0;
	if (m->len + (q->edns ? OPT_LEN : 0) > limit)
		return truncated(m, q, limit, out);
	memcpy(out, m->msg, m->len);
	dns_put16(out, q->hdr.id);
	dns_put16(out + 2, flags);
	/* The same name but for case, so the same length: the client's case (RFC 5452 9.1). */
	memcpy(out + DNS_HDR_LEN, q->qname, (size_t)dns_name_len(q->qname, DNS_NAME_MAX));
	for (unsigned i = 0; i < m->nttl; i++) {
		uint8_t *t = out + dns_get16(m->ttls + 2 * i);
		uint32_t ttl = dns_get32(t);
		dns_put32(t, ttl > age ? ttl - age : 0);
	}
	if (!q->edns)
		return m->len;
	dns_out_resume(&o, out, m->len, limit);
	if (dns_out_opt(&o, DNS_F_RCODE(m->flags), q->edns_flags & EDNS_DO, NULL, 0) < 0)
		return 0;
	return dns_out_end(&o);
}

/* ---- the ring ---- */

static struct rec *at(const struct dns_cache *c, size_t off)
{
	return (struct rec *)(void *)(c->ring + off);
}

static size_t wrap(const struct dns_cache *c, size_t off)
{
	return off == c->cap ? 0 : off;
}

static uint8_t key_bits(const struct dns_query *q)
{
	return (uint8_t)((q->edns && (q->edns_flags & EDNS_DO) ? KEY_DO : 0) |
	                 (q->hdr.flags & DNS_F_CD ? KEY_CD : 0) |
	                 (q->hdr.flags & DNS_F_RD ? KEY_RD : 0));
}

/* SipHash of the bits, type, class and name in lower case (a length octet is below 'A'). */
static uint32_t key_hash(const struct dns_cache *c, const struct dns_query *q, uint8_t bits)
{
	uint8_t k[5 + DNS_NAME_MAX];
	int n = dns_name_len(q->qname, DNS_NAME_MAX);

	k[0] = bits;
	dns_put16(k + 1, q->qtype);
	dns_put16(k + 3, q->qclass);
	for (int i = 0; i < n; i++)
		k[5 + i] = q->qname[i] >= 'A' && q->qname[i] <= 'Z' ? (uint8_t)(q->qname[i] | 0x20)
		                                                    : q->qname[i];
	return (uint32_t)dns_siphash24(c->key, k, 5 + (size_t)(n > 0 ? n : 0));
}

/* A record's message as dns_cache_write takes it. */
static void rec_msg(const struct rec *r, struct dns_cache_msg *m)
{
	const uint8_t *msg = (const uint8_t *)(r + 1);
	size_t qend = DNS_HDR_LEN + (size_t)dns_name_len(msg + DNS_HDR_LEN, r->len - DNS_HDR_LEN);

	*m = (struct dns_cache_msg){.msg = msg,
	                            .len = r->len,
	                            .ttls = msg + r->len,
	                            .nttl = r->nttl,
	                            .qname = msg + DNS_HDR_LEN,
	                            .qtype = dns_get16(msg + qend),
	                            .qclass = dns_get16(msg + qend + 2),
	                            .flags = dns_get16(msg + 2) & (DNS_F_TC | 15),
	                            .life = r->life};
}

/* The record kept for this key, as its offset + 1; 0: none. */
static uint32_t find(const struct dns_cache *c, const struct dns_query *q, uint8_t bits,
                     uint32_t hash)
{
	for (uint32_t p = c->buckets[hash & c->mask]; p; p = at(c, p - 1)->next) {
		const struct rec *r = at(c, p - 1);
		struct dns_cache_msg m;
		if (r->hash != hash || r->bits != bits)
			continue;
		rec_msg(r, &m);
		if (same_question(&m, q))
			return p;
	}
	return 0;
}

/* The link to the record at `off`: its bucket's head or the `next` of the one before. */
static uint32_t *link_to(struct dns_cache *c, uint32_t hash, size_t off)
{
	uint32_t *l = &c->buckets[hash & c->mask];

	while (*l && *l != off + 1)
		l = &at(c, *l - 1)->next;
	assert(*l && "dns cache: a live record is on its bucket's chain");
	return l;
}

/* Take the record at `off` off its chain; its bytes wait for the hand. */
static void drop(struct dns_cache *c, size_t off)
{
	struct rec *r = at(c, off);

	*link_to(c, r->hash, off) = r->next;
	r->state = REC_DEAD;
	c->entries--;
}

static bool expired(const struct rec *r, uint64_t now)
{
	return now - r->stored >= (uint64_t)r->life * NS_PER_SEC;
}

/*
 * The hand passes the oldest record (the tail is at or before it): frees
 * it, or if it was looked up since the last pass and is still good, moves
 * it to the tail with its bit cleared. One lap clears every bit, so a
 * caller looping until there is room stops.
 */
static void hand(struct dns_cache *c, uint64_t now)
{
	size_t from = c->head;
	struct rec *r = at(c, from);
	size_t size = r->size;

	if (r->state == REC_LIVE && r->ref && !expired(r, now)) {
		r->ref = 0;
		if (c->tail != from) {
			uint32_t *l = link_to(c, r->hash, from);
			memmove(c->ring + c->tail, r, size);
			*l = (uint32_t)c->tail + 1;
		}
		c->tail = wrap(c, c->tail + size);
	} else {
		if (r->state == REC_LIVE) {
			drop(c, from);
			c->evicted++;
		}
		c->used -= size;
	}
	c->head = wrap(c, from + size);
}

/* The end of the ring, too short for the next record, as padding: the tail starts again at 0. */
static void pad(struct dns_cache *c)
{
	struct rec *r = at(c, c->tail);

	r->size = (uint32_t)(c->cap - c->tail);
	r->state = REC_PAD;
	c->used += r->size;
	c->tail = 0;
}

/*
 * Room for n bytes at the tail, the hand freeing what it must: the
 * record's offset. Free space is [tail, cap) and [0, head) when the tail
 * is after the head, [tail, head) when it is before; n <= cap / 4.
 */
static size_t alloc(struct dns_cache *c, size_t n, uint64_t now)
{
	size_t off;

	for (;;) {
		if (c->used == 0)
			c->head = c->tail = 0;
		if (c->used == 0 || c->tail > c->head) {
			if (c->cap - c->tail >= n)
				break;
			pad(c);
		} else if (c->head - c->tail >= n) {
			break;
		} else {
			hand(c, now);
		}
	}
	off = c->tail;
	c->tail = wrap(c, off + n);
	c->used += n;
	return off;
}

/* ---- the interface ---- */

int dns_cache_init(struct dns_cache *c, size_t budget)
{
	size_t n = 8;

	memset(c, 0, sizeof(*c));
	if (budget < DNS_CACHE_MIN_BYTES || budget > DNS_CACHE_MAX_BYTES)
		return -EINVAL;
	while (n * 2 <= budget / BUCKET_BYTES)
		n *= 2;
	c->cap = (budget - n * sizeof(*c->buckets)) & ~(size_t)7;
	c->ring = malloc(c->cap);
	c->buckets = calloc(n, sizeof(*c->buckets));
	if (!c->ring || !c->buckets) {
		dns_cache_fini(c);
		return -ENOMEM;
	}
	c->mask = (uint32_t)n - 1;
	return 0;
}

void dns_cache_fini(struct dns_cache *c)
{
	free(c->ring);
	free(c->buckets);
	memset(c, 0, sizeof(*c));
}

void dns_cache_seed(struct dns_cache *c, const uint8_t key[16])
{
	memcpy(c->key, key, sizeof(c->key));
	if (c->buckets)
		memset(c->buckets, 0, ((size_t)c->mask + 1) * sizeof(*c->buckets));
	c->head = c->tail = c->used = 0;
	c->entries = 0;
}

void dns_cache_put(struct dns_cache *c, const struct dns_query *q, const struct dns_cache_msg *m,
                   uint64_t now_ns)
{
	size_t size = (sizeof(struct rec) + m->len + 2u * m->nttl + 7) & ~(size_t)7, off;
	uint8_t bits = key_bits(q);
	uint32_t hash, old;
	struct rec *r;

	if (!c->ring || !m->life || size > c->cap / 4 || !same_question(m, q))
		return;
	hash = key_hash(c, q, bits);
	if ((old = find(c, q, bits, hash)) != 0)
		drop(c, old - 1);
	off = alloc(c, size, now_ns);
	r = at(c, off);
	*r = (struct rec){.size = (uint32_t)size,
	                  .state = REC_LIVE,
	                  .bits = bits,
	                  .next = c->buckets[hash & c->mask],
	                  .hash = hash,
	                  .len = (uint16_t)m->len,
	                  .nttl = (uint16_t)m->nttl,
	                  .life = m->life,
	                  .stored = now_ns};
	memcpy(r + 1, m->msg, m->len);
	memcpy((uint8_t *)(r + 1) + m->len, m->ttls, 2u * m->nttl);
	c->buckets[hash & c->mask] = (uint32_t)off + 1;
	c->entries++;
}

size_t dns_cache_get(struct dns_cache *c, const struct dns_query *q, uint64_t now_ns, size_t limit,
                     uint8_t *out, size_t cap)
{
	uint8_t bits;
	uint32_t p;
	struct rec *r;
	struct dns_cache_msg m;

	if (!c->ring || !q->has_question)
		return 0;
	bits = key_bits(q);
	if (!(p = find(c, q, bits, key_hash(c, q, bits)))) {
		c->misses++;
		return 0;
	}
	r = at(c, p - 1);
	if (expired(r, now_ns)) {
		drop(c, p - 1);
		c->misses++;
		return 0;
	}
	r->ref = 1;
	c->hits++;
	rec_msg(r, &m);
	return dns_cache_write(&m, (uint32_t)((now_ns - r->stored) / NS_PER_SEC), q, limit, out,
	                       cap);
}
