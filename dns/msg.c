/*
 * DNS messages on the wire (msg.h): a query read in place, an answer
 * written into the caller's buffer with names compressed. Nothing here
 * allocates: the reader works on the caller's bytes and a struct it
 * fills, the writer on the caller's buffer and a fixed table of names.
 */
#include "msg.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

/* A label's top two bits (RFC 1035 4.1.4): 00 a length, 11 a pointer; 01 and 10 are refused. */
#define LABEL_KIND 0xC0
#define LABEL_PTR 0xC0
/* A pointer holds 14 bits of offset: names past this cannot be pointed to. */
#define PTR_MAX 0x4000
/* Type, class, TTL and rdlength after a record's owner (RFC 1035 4.1.3). */
#define RR_FIXED 10
/* Most labels a name can hold: 127 of one octet each, and the root. */
#define LABELS_MAX 128
/* The OPT record without options: root owner, type, class, TTL, rdlength (RFC 6891 6.1.2). */
#define OPT_FIXED 11
#define OPT_OPTION_HDR 4
#define COOKIE_MAX (DNS_COOKIE_CLIENT + DNS_COOKIE_SERVER_MAX)
#define OPCODE_MASK 0x7800

/* ---- reading ---- */

/*
 * A compression pointer at p: its target must lie before `limit`, the start
 * of the run of labels the pointer ends. Each pointer thus jumps below every
 * byte read so far, so the walk cannot loop and reads each byte once.
 */
static int follow(const uint8_t *msg, size_t len, size_t p, size_t *limit)
{
	size_t target;

	if (len - p < 2)
		return -EINVAL;
	target = (size_t)(msg[p] & ~LABEL_KIND) << 8 | msg[p + 1];
	if (target >= *limit)
		return -EINVAL;
	*limit = target;
	return 0;
}

/* One label at p onto the name in out, *w octets so far; its length octet. */
static int label(const uint8_t *msg, size_t len, size_t p, uint8_t *out, size_t *w)
{
	uint8_t l = msg[p];

	/* 255 octets in all, the root's included (RFC 1035 3.1). */
	if (*w + 1u + l > DNS_NAME_MAX || len - p - 1 < l)
		return -EINVAL;
	memcpy(out + *w, msg + p, 1u + l);
	*w += 1u + l;
	return l;
}

/* Returns the decompressed length, or -EINVAL; *off is moved only on success. */
int dns_msg_name(const uint8_t *msg, size_t len, size_t *off, uint8_t out[DNS_NAME_MAX])
{
	size_t p = *off, limit = *off, w = 0, end = 0;
	int l;

	for (;;) {
		if (p >= len)
			return -EINVAL;
		if ((msg[p] & LABEL_KIND) == LABEL_PTR) {
			if (follow(msg, len, p, &limit) < 0)
				return -EINVAL;
			end = end ? end : p + 2;
			p = limit;
			continue;
		}
		if (msg[p] & LABEL_KIND)
			return -EINVAL; /* 01 and 10: extended label types, none in use */
		if ((l = label(msg, len, p, out, &w)) < 0)
			return -EINVAL;
		p += 1u + (size_t)l;
		if (l == 0)
			break;
	}
	*off = end ? end : p;
	return (int)w;
}

/* A record's type, class, TTL and rdlength, and its rdata in bounds. */
static int rr_fixed(const uint8_t *msg, size_t len, size_t *off, struct dns_msg_rr *rr)
{
	const uint8_t *p = msg + *off;

	if (len - *off < RR_FIXED)
		return -EINVAL;
	rr->type = dns_get16(p);
	rr->class = dns_get16(p + 2);
	rr->ttl = dns_get32(p + 4);
	rr->rdlen = dns_get16(p + 8);
	if (len - *off - RR_FIXED < rr->rdlen)
		return -EINVAL;
	rr->rdata_off = *off + RR_FIXED;
	*off = rr->rdata_off + rr->rdlen;
	return 0;
}

int dns_msg_rr(const uint8_t *msg, size_t len, size_t *off, struct dns_msg_rr *rr)
{
	size_t p = *off;

	if (p > len || dns_msg_name(msg, len, &p, rr->owner) < 0 || rr_fixed(msg, len, &p, rr) < 0)
		return -EINVAL;
	*off = p;
	return 0;
}

static void read_header(const uint8_t *msg, struct dns_hdr *h)
{
	h->id = dns_get16(msg);
	h->flags = dns_get16(msg + 2);
	h->qdcount = dns_get16(msg + 4);
	h->ancount = dns_get16(msg + 6);
	h->nscount = dns_get16(msg + 8);
	h->arcount = dns_get16(msg + 10);
}

/* The question (RFC 1035 4.1.2): a name, a type, a class. */
static int read_question(const uint8_t *msg, size_t len, size_t *off, struct dns_query *q)
{
	if (dns_msg_name(msg, len, off, q->qname) < 0 || len - *off < 4)
		return -EINVAL;
	q->qtype = dns_get16(msg + *off);
	q->qclass = dns_get16(msg + *off + 2);
	*off += 4;
	return 0;
}

/*
 * A COOKIE option (RFC 7873 4): the client's 8 octets alone, or followed
 * by the server's 8 to 32; any other length is malformed (5.2.2: FORMERR).
 * Should a client send two, the first is the one answered.
 */
static int read_cookie(const uint8_t *p, size_t len, struct dns_query *q)
{
	size_t server;

	if (len != DNS_COOKIE_CLIENT && (len < DNS_COOKIE_CLIENT + DNS_COOKIE_SERVER_MIN ||
	                                 len > DNS_COOKIE_CLIENT + DNS_COOKIE_SERVER_MAX))
		return -EINVAL;
	if (q->cookie)
		return 0;
	server = len - DNS_COOKIE_CLIENT;
	q->cookie = true;
	memcpy(q->cookie_client, p, DNS_COOKIE_CLIENT);
	memcpy(q->cookie_server, p + DNS_COOKIE_CLIENT, server);
	q->cookie_server_len = (uint8_t)server;
	return 0;
}

/* OPT's rdata: {code, length, data} options filling it exactly (RFC 6891 6.1.2). */
static int read_options(const uint8_t *p, size_t len, struct dns_query *q)
{
	while (len > 0) {
		uint16_t code, olen;
		if (len < OPT_OPTION_HDR)
			return -EINVAL;
		code = dns_get16(p);
		olen = dns_get16(p + 2);
		if (len - OPT_OPTION_HDR < olen)
			return -EINVAL;
		if (code == DNS_OPT_COOKIE && read_cookie(p + OPT_OPTION_HDR, olen, q) < 0)
			return -EINVAL;
		p += OPT_OPTION_HDR + olen;
		len -= OPT_OPTION_HDR + olen;
	}
	return 0;
}

/*
 * The OPT pseudo-record (RFC 6891 6.1.1-6.1.3): one at most, in the
 * additional section, owned by the root. Its class is the client's payload
 * size (below 512 read as 512, 6.2.5), its TTL the extended rcode (unused
 * in a query), the version and the flags.
 */
static int read_opt(const uint8_t *msg, const struct dns_msg_rr *rr, int section,
                    struct dns_query *q)
{
	if (section != DNS_SEC_ADDITIONAL || q->edns || rr->owner[0] != 0)
		return -EINVAL;
	q->edns = true;
	q->udp_size = rr->class < DNS_UDP_MIN ? DNS_UDP_MIN : rr->class;
	q->edns_version = (uint8_t)(rr->ttl >> 16);
	q->edns_flags = (uint16_t)rr->ttl;
	return read_options(msg + rr->rdata_off, rr->rdlen, q);
}

/*
 * One record after the question: well formed, and OPT and TSIG where they
 * may be. TSIG must be the last record of all, `last` (RFC 8945 5.1:
 * elsewhere the message is answered FORMERR).
 */
static int query_record(const uint8_t *msg, size_t len, size_t *off, int section, bool last,
                        struct dns_query *q)
{
	struct dns_msg_rr rr;
	size_t start = *off;

	if (dns_msg_rr(msg, len, off, &rr) < 0)
		return -EINVAL;
	if (rr.type == DNS_T_OPT)
		return read_opt(msg, &rr, section, q);
	if (rr.type == DNS_T_TSIG) {
		if (!last)
			return -EINVAL;
		q->tsig_off = start;
	}
	return 0;
}

/* The answer, authority and additional sections: the records the counts say, and no more bytes. */
static int query_records(const uint8_t *msg, size_t len, size_t off, struct dns_query *q)
{
	const uint16_t counts[] = {q->hdr.ancount, q->hdr.nscount, q->hdr.arcount};

	for (int s = 0; s < 3; s++) {
		for (unsigned i = 0; i < counts[s]; i++) {
			bool last = s == 2 && i + 1u == counts[s]; /* of the additional section */
			if (query_record(msg, len, &off, DNS_SEC_ANSWER + s, last, q) < 0)
				return -EINVAL;
		}
	}
	return off == len ? 0 : -EINVAL;
}

/*
 * A QUERY without a question asks for a server cookie alone (RFC 7873
 * 5.4), and is one only with a COOKIE option; else it is malformed.
 */
static int cookie_query(const uint8_t *msg, size_t len, struct dns_query *q)
{
	if (DNS_F_OPCODE(q->hdr.flags) != DNS_OP_QUERY ||
	    query_records(msg, len, DNS_HDR_LEN, q) < 0 || !q->cookie)
		return DNS_R_FORMERR;
	return 0;
}

int dns_msg_query(const uint8_t *msg, size_t len, struct dns_query *q)
{
	size_t off = DNS_HDR_LEN;

	memset(q, 0, sizeof(*q));
	if (len < DNS_HDR_LEN)
		return DNS_MSG_DROP;
	read_header(msg, &q->hdr);
	if (q->hdr.flags & DNS_F_QR)
		return DNS_MSG_DROP;
	if (q->hdr.qdcount == 0)
		return cookie_query(msg, len, q);
	if (read_question(msg, len, &off, q) < 0)
		return DNS_R_FORMERR;
	q->has_question = true;
	q->question_end = off;
	/* One question: RFC 9619 for QUERY, and NOTIFY and UPDATE's zone section is one too. */
	if (q->hdr.qdcount != 1)
		return DNS_R_FORMERR;
	return query_records(msg, len, off, q) < 0 ? DNS_R_FORMERR : 0;
}

/*
 * The rcode an answer carries: the header's 4 bits, and the upper 8 in
 * its OPT record if it has one (RFC 6891 6.1.3), found by walking the
 * records as far as they read.
 */
/*
 * Past a name at *off, its labels counted but not read, and a pointer not
 * followed: what only the record after it is wanted for. 0 or -EINVAL.
 */
static int skip_name(const uint8_t *msg, size_t len, size_t *off)
{
	for (size_t p = *off; p < len; p += 1u + msg[p]) {
		if ((msg[p] & LABEL_KIND) == LABEL_PTR) {
			if (len - p < 2)
				return -EINVAL;
			*off = p + 2;
			return 0;
		}
		if (msg[p] & LABEL_KIND)
			return -EINVAL;
		if (!msg[p]) {
			*off = p + 1;
			return 0;
		}
	}
	return -EINVAL;
}

int dns_msg_rcode(const uint8_t *msg, size_t len)
{
	struct dns_msg_rr rr;
	size_t off = DNS_HDR_LEN;
	unsigned qd, records;
	int rcode;

	if (len < DNS_HDR_LEN)
		return -EINVAL;
	rcode = DNS_F_RCODE(msg[3]);
	qd = dns_get16(msg + 4);
	records = (unsigned)dns_get16(msg + 6) + dns_get16(msg + 8) + dns_get16(msg + 10);
	for (unsigned i = 0; i < qd; i++) {
		if (skip_name(msg, len, &off) < 0 || len - off < 4)
			return rcode;
		off += 4;
	}
	for (unsigned i = 0; i < records; i++) {
		if (skip_name(msg, len, &off) < 0 || rr_fixed(msg, len, &off, &rr) < 0)
			return rcode;
		if (rr.type == DNS_T_OPT)
			return rcode | (int)(rr.ttl >> 24) << 4;
	}
	return rcode;
}

/* ---- writing ---- */

/* The labels of a name in wire form: their offsets in it, the root's not counted. */
static int flat_labels(const uint8_t *name, uint8_t at[LABELS_MAX])
{
	int n = 0;

	for (size_t p = 0; name[p]; p += 1u + name[p])
		at[n++] = (uint8_t)p;
	return n;
}

/* The labels of a name this writer put in the message: their offsets, its pointers followed. */
static int msg_labels(const uint8_t *buf, size_t p, uint16_t at[LABELS_MAX])
{
	int n = 0;

	while (buf[p]) {
		if ((buf[p] & LABEL_KIND) == LABEL_PTR) {
			p = (size_t)(buf[p] & ~LABEL_KIND) << 8 | buf[p + 1];
			continue;
		}
		at[n++] = (uint16_t)p;
		p += 1u + buf[p];
	}
	return n;
}

/*
 * How many labels, counted from the root, `name` (labels at nat[0..nn))
 * shares with the name written at `off`, ASCII case ignored; *target: where
 * that suffix lies, below the 14 bits a pointer can hold.
 */
static int shared_suffix(const struct dns_out *o, size_t off, const uint8_t *name,
                         const uint8_t *nat, int nn, uint16_t *target)
{
	uint16_t sat[LABELS_MAX];
	int ns = msg_labels(o->buf, off, sat), m = 0;

	while (m < nn && m < ns && dns_label_eq(name + nat[nn - 1 - m], o->buf + sat[ns - 1 - m]))
		m++;
	while (m > 0 && sat[ns - m] >= PTR_MAX)
		m--;
	if (m > 0)
		*target = sat[ns - m];
	return m;
}

/* The longest suffix of `name` already in the message (RFC 1035 4.1.4): its labels, and where. */
static int best_suffix(const struct dns_out *o, const uint8_t *name, const uint8_t *nat, int nn,
                       uint16_t *target)
{
	int best = 0;

	for (unsigned i = 0; i < o->nnames && best < nn; i++) {
		uint16_t t;
		int m = shared_suffix(o, o->names[i], name, nat, nn, &t);
		if (m > best) {
			best = m;
			*target = t;
		}
	}
	return best;
}

/* A name written at `off` with labels of its own is a target for those after it. */
static void remember(struct dns_out *o, size_t off)
{
	if (o->nnames < DNS_OUT_NAMES && off < PTR_MAX)
		o->names[o->nnames++] = (uint16_t)off;
}

/* Append n bytes at *w if they fit below limit. */
static int put(struct dns_out *o, size_t *w, size_t limit, const void *p, size_t n)
{
	if (*w > limit || limit - *w < n)
		return -ENOSPC;
	if (n) /* rdata may be NULL when empty */
		memcpy(o->buf + *w, p, n);
	*w += n;
	return 0;
}

/* A name, its longest suffix already written replaced by a pointer to it (RFC 1035 4.1.4). */
static int put_name(struct dns_out *o, size_t *w, size_t limit, const uint8_t *name)
{
	uint8_t nat[LABELS_MAX], tail[2] = {0, 0};
	uint16_t target = 0;
	int nn = flat_labels(name, nat);
	int m = best_suffix(o, name, nat, nn, &target);
	size_t root = nn ? nat[nn - 1] + 1u + name[nat[nn - 1]] : 0;
	size_t literal = m ? nat[nn - m] : root, start = *w;

	if (m)
		dns_put16(tail, (uint16_t)(LABEL_PTR << 8 | target));
	if (put(o, w, limit, name, literal) < 0 || put(o, w, limit, tail, m ? 2 : 1) < 0)
		return -ENOSPC;
	if (literal > 0)
		remember(o, start);
	return 0;
}

/*
 * Rdata whose names may be compressed: the types of RFC 1035 that RFC
 * 3597 4 names (NS, CNAME, SOA, PTR, MX; MD, MF, MB, MG, MR and MINFO are
 * obsolete and copied). Fixed octets before the names, names, fixed after.
 */
struct rdata_shape {
	uint8_t before, names, after;
};

static bool rdata_shape(uint16_t type, struct rdata_shape *s)
{
	switch (type) {
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		*s = (struct rdata_shape){0, 1, 0};
		return true;
	case DNS_T_MX:
		*s = (struct rdata_shape){2, 1, 0}; /* preference, exchange */
		return true;
	case DNS_T_SOA:
		*s = (struct rdata_shape){0, 2, 20}; /* mname, rname, five 32-bit numbers */
		return true;
	default:
		return false;
	}
}

/* Whether rdata has exactly the shape, so its names can be rewritten; else it is copied. */
static bool shape_fits(const struct dns_rr *rr, const struct rdata_shape *s)
{
	size_t off = s->before;

	for (unsigned i = 0; i < s->names; i++) {
		int n = off < rr->rdlen ? dns_name_len(rr->rdata + off, rr->rdlen - off) : -EINVAL;
		if (n < 0)
			return false;
		off += (size_t)n;
	}
	return off <= rr->rdlen && rr->rdlen - off == s->after;
}

static int put_rdata(struct dns_out *o, size_t *w, size_t limit, const struct dns_rr *rr)
{
	struct rdata_shape s;
	const uint8_t *p = rr->rdata;

	if (!rdata_shape(rr->type, &s) || !shape_fits(rr, &s))
		return put(o, w, limit, rr->rdata, rr->rdlen);
	if (put(o, w, limit, p, s.before) < 0)
		return -ENOSPC;
	p += s.before;
	for (unsigned i = 0; i < s.names; i++) {
		if (put_name(o, w, limit, p) < 0)
			return -ENOSPC;
		p += dns_name_len(p, DNS_NAME_MAX);
	}
	return put(o, w, limit, p, s.after);
}

/* A whole record (RFC 1035 4.1.3), its rdlength filled in once the rdata is written. */
static int put_rr(struct dns_out *o, size_t *w, size_t limit, const struct dns_rr *rr)
{
	uint8_t fixed[RR_FIXED];
	size_t rdata;

	dns_put16(fixed, rr->type);
	dns_put16(fixed + 2, rr->class);
	dns_put32(fixed + 4, rr->ttl);
	dns_put16(fixed + 8, 0);
	if (put_name(o, w, limit, rr->owner) < 0 || put(o, w, limit, fixed, RR_FIXED) < 0)
		return -ENOSPC;
	rdata = *w;
	if (put_rdata(o, w, limit, rr) < 0)
		return -ENOSPC;
	dns_put16(o->buf + rdata - 2, (uint16_t)(*w - rdata));
	return 0;
}

int dns_out_begin(struct dns_out *o, uint8_t *buf, size_t cap, const struct dns_query *q,
                  uint16_t flags)
{
	uint16_t copied = q->hdr.flags & (OPCODE_MASK | DNS_F_RD | DNS_F_CD);
	size_t w = DNS_HDR_LEN;
	uint8_t qtc[4];

	memset(o, 0, sizeof(*o));
	o->buf = buf;
	o->cap = cap < DNS_MSG_MAX ? cap : DNS_MSG_MAX;
	if (o->cap < DNS_HDR_LEN)
		return -ENOSPC;
	memset(buf, 0, DNS_HDR_LEN);
	dns_put16(buf, q->hdr.id);
	dns_put16(buf + 2, (uint16_t)(DNS_F_QR | copied | flags));
	o->len = DNS_HDR_LEN;
	if (!q->has_question)
		return 0;
	/* The question as asked, its case too (resolvers match it: RFC 5452 9.1, "0x20"). */
	dns_put16(qtc, q->qtype);
	dns_put16(qtc + 2, q->qclass);
	if (put(o, &w, o->cap, q->qname, (size_t)dns_name_len(q->qname, DNS_NAME_MAX)) < 0 ||
	    put(o, &w, o->cap, qtc, sizeof(qtc)) < 0)
		return -ENOSPC;
	remember(o, DNS_HDR_LEN);
	o->len = w;
	o->count[DNS_SEC_QUESTION] = 1;
	return 0;
}

void dns_out_flags(struct dns_out *o, uint16_t set, uint16_t clear)
{
	dns_put16(o->buf + 2, (uint16_t)((dns_get16(o->buf + 2) & ~clear) | set));
}

int dns_out_rr(struct dns_out *o, int section, const struct dns_rr *rr)
{
	size_t w = o->len, limit = o->cap > o->reserve ? o->cap - o->reserve : 0;
	unsigned nnames = o->nnames;

	assert(section >= DNS_SEC_ANSWER && section <= DNS_SEC_ADDITIONAL &&
	       "dns_out_rr: no such section");
	for (int s = section + 1; s <= DNS_SEC_ADDITIONAL; s++)
		assert(o->count[s] == 0 && "dns_out_rr: sections are written in order");
	if (dns_name_len(rr->owner, DNS_NAME_MAX) < 0)
		return -EINVAL;
	if (put_rr(o, &w, limit, rr) < 0) {
		o->nnames = nnames; /* names written past o->len are not there */
		return -ENOSPC;
	}
	o->len = w;
	o->count[section]++;
	return 0;
}

void dns_out_mark(const struct dns_out *o, struct dns_out_mark *m)
{
	m->len = o->len;
	memcpy(m->count, o->count, sizeof(m->count));
	m->nnames = o->nnames;
}

void dns_out_rewind(struct dns_out *o, const struct dns_out_mark *m)
{
	o->len = m->len;
	memcpy(o->count, m->count, sizeof(o->count));
	o->nnames = m->nnames;
}

int dns_out_opt(struct dns_out *o, uint16_t rcode, uint16_t flags, const uint8_t *cookie,
                size_t cookie_len)
{
	uint8_t opt[OPT_FIXED + OPT_OPTION_HDR + COOKIE_MAX] = {0};
	size_t rdlen = cookie_len ? OPT_OPTION_HDR + cookie_len : 0;

	assert(cookie_len <= COOKIE_MAX && "dns_out_opt: a cookie is at most 40 octets");
	/* opt[0] is the root owner. */
	dns_put16(opt + 1, DNS_T_OPT);
	dns_put16(opt + 3, DNS_EDNS_SIZE);
	/* TTL: extended rcode (the upper 8 of 12 bits), version 0, flags (RFC 6891 6.1.3). */
	dns_put32(opt + 5, (uint32_t)(rcode >> 4 & 0xff) << 24 | flags);
	dns_put16(opt + 9, (uint16_t)rdlen);
	if (cookie_len) {
		dns_put16(opt + OPT_FIXED, DNS_OPT_COOKIE);
		dns_put16(opt + OPT_FIXED + 2, (uint16_t)cookie_len);
		memcpy(opt + OPT_FIXED + OPT_OPTION_HDR, cookie, cookie_len);
	}
	if (o->len > o->cap || o->cap - o->len < OPT_FIXED + rdlen)
		return -ENOSPC;
	memcpy(o->buf + o->len, opt, OPT_FIXED + rdlen);
	o->len += OPT_FIXED + rdlen;
	o->count[DNS_SEC_ADDITIONAL]++;
	dns_out_flags(o, rcode & 15, 15);
	return 0;
}

void dns_out_resume(struct dns_out *o, uint8_t *buf, size_t len, size_t cap)
{
	memset(o, 0, sizeof(*o));
	o->buf = buf;
	o->len = len;
	o->cap = cap < DNS_MSG_MAX ? cap : DNS_MSG_MAX;
	for (int s = 0; s < 4; s++)
		o->count[s] = dns_get16(buf + 4 + 2 * s);
}

size_t dns_out_end(struct dns_out *o)
{
	for (int s = 0; s < 4; s++)
		dns_put16(o->buf + 4 + 2 * s, o->count[s]);
	return o->len;
}
