/*
 * libFuzzer: dns/msg.c. The input is read as a query and every record in
 * it walked (names in the rdata of NS, CNAME, SOA, PTR and MX
 * decompressed too), and its rcode read as an answer's. If a question was read, an answer to it is
 * written: records owned by the question's name and its parents, with names in their rdata, of
 * types that are compressed and types that are not, in a buffer of a small capacity, until it is
 * full, some rolled back with dns_out_rewind. The answer is then read back, and every name in it
 * must decompress to what was written (ASCII case aside) and every other byte be the same: abort()
 * otherwise. The bytes that steer the writer are the input's own, from its end backwards.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/msg.h"

#define RRS_MAX 48
#define POOL 12
#define RDATA_MAX (2 * DNS_NAME_MAX + 22)

/* What steers the writer: the input read from its end, then a small generator. */
struct steer {
	const uint8_t *p;
	size_t n;
	uint32_t x;
};

static unsigned pick(struct steer *s, unsigned range)
{
	if (s->n) {
		s->x = s->x * 31 + s->p[--s->n];
		return s->p[s->n] % range;
	}
	s->x = s->x * 1103515245u + 12345u;
	return (s->x >> 16) % range;
}

/* ---- the input, read ---- */

static bool has_names(uint16_t type)
{
	return type == DNS_T_NS || type == DNS_T_CNAME || type == DNS_T_SOA || type == DNS_T_PTR ||
	       type == DNS_T_MX;
}

/* A name read must be a well-formed name of the length returned, read from where it lies. */
static int checked_name(const uint8_t *msg, size_t len, size_t *off, uint8_t out[DNS_NAME_MAX])
{
	size_t at = *off;
	int n = dns_msg_name(msg, len, off, out);

	if (n >= 0 && (dns_name_len(out, DNS_NAME_MAX) != n || *off <= at || *off > len))
		abort();
	if (n < 0 && *off != at)
		abort();
	return n;
}

static void walk(const uint8_t *msg, size_t len, const struct dns_query *q)
{
	size_t off = q->has_question ? q->question_end : DNS_HDR_LEN;
	uint8_t name[DNS_NAME_MAX];
	struct dns_msg_rr rr;

	while (off < len && dns_msg_rr(msg, len, &off, &rr) == 0) {
		size_t p = rr.rdata_off + (rr.type == DNS_T_MX ? 2 : 0),
		       end = rr.rdata_off + rr.rdlen;
		if (end != off || off > len || dns_name_len(rr.owner, DNS_NAME_MAX) < 0)
			abort();
		if (has_names(rr.type) && p < end && checked_name(msg, end, &p, name) > 0 &&
		    rr.type == DNS_T_SOA && p < end)
			checked_name(msg, end, &p, name);
	}
}

static void check_query(int r, size_t len, const struct dns_query *q)
{
	if (r != 0 && r != DNS_R_FORMERR && r != DNS_MSG_DROP)
		abort();
	if (r == 0 && !q->has_question &&
	    (!q->cookie || DNS_F_OPCODE(q->hdr.flags) != DNS_OP_QUERY))
		abort(); /* only a cookie asked for alone has no question (RFC 7873 5.4) */
	if (q->has_question && (q->question_end > len || dns_name_len(q->qname, DNS_NAME_MAX) < 0))
		abort();
	if (q->edns && q->udp_size < DNS_UDP_MIN)
		abort();
	if (q->cookie_server_len != 0 && (q->cookie_server_len < DNS_COOKIE_SERVER_MIN ||
	                                  q->cookie_server_len > DNS_COOKIE_SERVER_MAX))
		abort();
	if (q->tsig_off >= len && q->tsig_off != 0)
		abort();
}

/* The rcode of any message (dns_msg_rcode): 12 bits, the header's 4 the lowest. */
static void check_rcode(const uint8_t *msg, size_t len)
{
	int rc = dns_msg_rcode(msg, len);

	if (len < DNS_HDR_LEN ? rc != -EINVAL
	                      : rc < 0 || rc > 0xfff || (rc & 15) != DNS_F_RCODE(msg[3]))
		abort();
}

/* ---- an answer, written ---- */

/* Names to use: the question's name and its parents, some with a label in front, case changed. */
struct pool {
	uint8_t name[POOL][DNS_NAME_MAX];
};

static void vary_case(uint8_t *name, struct steer *s)
{
	for (size_t i = 0; name[i]; i += 1u + name[i])
		for (unsigned j = 1; j <= name[i]; j++)
			if (pick(s, 4) == 0 &&
			    ((name[i + j] | 0x20) >= 'a' && (name[i + j] | 0x20) <= 'z'))
				name[i + j] ^= 0x20;
}

static void fill_pool(struct pool *pl, const uint8_t *qname, struct steer *s)
{
	static const char *const front[] = {"\2ns", "\4MAIL", "\1*", "\3www"};
	int labels = dns_name_labels(qname);

	for (unsigned i = 0; i < POOL; i++) {
		const uint8_t *base = dns_name_parent(qname, (int)pick(s, (unsigned)labels + 1));
		size_t blen = (size_t)dns_name_len(base, DNS_NAME_MAX), flen = 0;
		const char *f = front[pick(s, 4)];
		if (i % 2 && blen + 1 + (size_t)f[0] <= DNS_NAME_MAX)
			flen = 1u + (size_t)f[0];
		memcpy(pl->name[i], f, flen);
		memcpy(pl->name[i] + flen, base, blen);
		vary_case(pl->name[i], s);
	}
}

static const uint8_t *any_name(const struct pool *pl, struct steer *s)
{
	return pl->name[pick(s, POOL)];
}

static size_t add_name(uint8_t *rd, size_t w, const uint8_t *name)
{
	size_t n = (size_t)dns_name_len(name, DNS_NAME_MAX);

	memcpy(rd + w, name, n);
	return w + n;
}

/* Rdata of `type` in rd, its names from the pool. */
static size_t make_rdata(uint16_t type, uint8_t *rd, const struct pool *pl, struct steer *s)
{
	size_t w = 0;

	switch (type) {
	case DNS_T_MX:
		memcpy(rd, "\0\12", 2);
		return add_name(rd, 2, any_name(pl, s));
	case DNS_T_SRV:
		memcpy(rd, "\0\1\0\2\1\273", 6);
		return add_name(rd, 6, any_name(pl, s));
	case DNS_T_SOA:
		w = add_name(rd, add_name(rd, 0, any_name(pl, s)), any_name(pl, s));
		for (int i = 0; i < 20; i++)
			rd[w++] = (uint8_t)pick(s, 256);
		return w;
	case DNS_T_A:
	case DNS_T_TXT:
		w = 1 + pick(s, 40);
		for (size_t i = 0; i < w; i++)
			rd[i] = (uint8_t)pick(s, 256);
		return w;
	default: /* NS, CNAME, PTR, DNAME */
		return add_name(rd, 0, any_name(pl, s));
	}
}

struct written {
	struct dns_rr rr[RRS_MAX];
	uint8_t rdata[RRS_MAX][RDATA_MAX];
	int section[RRS_MAX];
	unsigned n;
};

static const uint16_t types[] = {DNS_T_A,   DNS_T_NS,  DNS_T_CNAME, DNS_T_SOA, DNS_T_MX,
                                 DNS_T_PTR, DNS_T_SRV, DNS_T_DNAME, DNS_T_TXT, 1234};

/* One more record, or -ENOSPC; it goes into the list only if it was written. */
static int one_record(struct dns_out *o, struct written *wr, int section, const struct pool *pl,
                      struct steer *s)
{
	unsigned i = wr->n;
	struct dns_rr *rr = &wr->rr[i];
	int r;

	rr->type = types[pick(s, sizeof(types) / sizeof(types[0]))];
	rr->owner = any_name(pl, s);
	rr->class = DNS_C_IN;
	rr->ttl = pick(s, 256) << 8;
	rr->rdata = wr->rdata[i];
	rr->rdlen = (uint16_t)make_rdata(rr->type, wr->rdata[i], pl, s);
	r = dns_out_rr(o, section, rr);
	if (r != 0 && r != -ENOSPC)
		abort();
	if (r == 0)
		wr->section[wr->n++] = section;
	return r;
}

/* Records until the buffer is full, some rolled back, the sections in order. */
static void records(struct dns_out *o, struct written *wr, const struct pool *pl, struct steer *s)
{
	int section = DNS_SEC_ANSWER;
	struct dns_out_mark mark;
	unsigned marked = 0;

	dns_out_mark(o, &mark);
	while (wr->n < RRS_MAX) {
		if (pick(s, 6) == 0) {
			dns_out_mark(o, &mark);
			marked = wr->n;
		}
		if (section < DNS_SEC_ADDITIONAL && pick(s, 5) == 0)
			section++;
		if (one_record(o, wr, section, pl, s) < 0)
			break;
		if (pick(s, 9) == 0) {
			dns_out_rewind(o, &mark);
			wr->n = marked;
		}
	}
}

/* ---- the answer, read back ---- */

static void same_name(const uint8_t *msg, size_t end, size_t *p, const uint8_t *want)
{
	uint8_t got[DNS_NAME_MAX];

	if (dns_msg_name(msg, end, p, got) < 0 || !dns_name_eq(got, want))
		abort();
}

/* Rdata as written: names equal but for case where RFC 3597 4 lets them be compressed. */
static void same_rdata(const uint8_t *msg, const struct dns_msg_rr *got, const struct dns_rr *rr)
{
	size_t p = got->rdata_off, end = p + got->rdlen, before = rr->type == DNS_T_MX ? 2 : 0;
	const uint8_t *want = rr->rdata;

	if (rr->type != DNS_T_NS && rr->type != DNS_T_CNAME && rr->type != DNS_T_PTR &&
	    rr->type != DNS_T_MX && rr->type != DNS_T_SOA) {
		if (got->rdlen != rr->rdlen || memcmp(msg + p, want, rr->rdlen))
			abort();
		return;
	}
	if (memcmp(msg + p, want, before))
		abort();
	p += before;
	same_name(msg, end, &p, want + before);
	if (rr->type == DNS_T_SOA) {
		want += dns_name_len(want, DNS_NAME_MAX);
		same_name(msg, end, &p, want);
		want += dns_name_len(want, DNS_NAME_MAX);
		if (end - p != 20 || memcmp(msg + p, want, 20))
			abort();
		p += 20;
	}
	if (p != end)
		abort();
}

static void same_header(const struct dns_query *q, const struct dns_query *r,
                        const struct written *wr, bool opt)
{
	uint16_t count[4] = {1, 0, 0, opt};

	for (unsigned i = 0; i < wr->n; i++)
		count[wr->section[i]]++;
	if (r->hdr.id != q->hdr.id || r->hdr.ancount != count[1] || r->hdr.nscount != count[2] ||
	    r->hdr.arcount != count[3] || r->edns != opt)
		abort();
	if (memcmp(r->qname, q->qname, (size_t)dns_name_len(q->qname, DNS_NAME_MAX)) ||
	    r->qtype != q->qtype || r->qclass != q->qclass)
		abort();
}

static uint8_t again[DNS_MSG_MAX];

static void read_back(const uint8_t *msg, size_t len, const struct dns_query *q,
                      const struct written *wr, bool opt)
{
	struct dns_query r;
	struct dns_msg_rr got;
	size_t off;

	memcpy(again, msg, len);
	again[2] &= (uint8_t) ~(DNS_F_QR >> 8);
	if (dns_msg_query(again, len, &r) != 0)
		abort();
	same_header(q, &r, wr, opt);
	off = r.question_end;
	for (unsigned i = 0; i < wr->n; i++) {
		if (dns_msg_rr(again, len, &off, &got) < 0 ||
		    !dns_name_eq(got.owner, wr->rr[i].owner) || got.type != wr->rr[i].type ||
		    got.ttl != wr->rr[i].ttl)
			abort();
		same_rdata(again, &got, &wr->rr[i]);
	}
	if (opt && (r.cookie != q->cookie || (q->cookie && r.cookie_server_len != 16)))
		abort();
}

static uint8_t out[DNS_MSG_MAX];
static struct written wr;

static void answer(const struct dns_query *q, struct steer *s)
{
	size_t cap = DNS_HDR_LEN + pick(s, 256) * 4 + pick(s, 4), len;
	struct pool pl;
	struct dns_out o;
	bool opt = false, fits;
	uint8_t cookie[24];

	if (dns_out_begin(&o, out, cap, q, DNS_F_AA) < 0)
		return;
	/* Room kept for OPT (11 octets) and a cookie option (4 + 24), if it fits at all. */
	o.reserve = q->edns ? 11 + (q->cookie ? 28 : 0) : 0;
	fits = o.len + o.reserve <= cap;
	fill_pool(&pl, q->qname, s);
	wr.n = 0;
	records(&o, &wr, &pl, s);
	memcpy(cookie, q->cookie_client, 8);
	memset(cookie + 8, 0x5a, 16);
	if (q->edns)
		opt = dns_out_opt(&o, pick(s, 2) ? DNS_R_BADVERS : 0, q->edns_flags & 0x8000,
		                  cookie, q->cookie ? 24 : 0) == 0;
	len = dns_out_end(&o);
	if (len > cap || (q->edns && fits && !opt))
		abort(); /* the reserve was for OPT */
	read_back(out, len, q, &wr, opt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_query q;
	struct steer s = {data, size, 1};
	int r = dns_msg_query(data, size, &q);

	check_query(r, size, &q);
	check_rcode(data, size);
	if (r != DNS_MSG_DROP)
		walk(data, size, &q);
	if (r != DNS_MSG_DROP && q.has_question)
		answer(&q, &s);
	return 0;
}
