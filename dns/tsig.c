/*
 * TSIG (tsig.h, RFC 8945) with HMAC-SHA256. A TSIG record is read into,
 * and written from, one struct tsig_rr; the MAC is built from the pieces
 * RFC 8945 4.3 lists, each fed to wolfCrypt's HMAC as it lies (the
 * message in place, the variables through a small buffer). The key file's
 * parser is in tsig_keys.c.
 */
#include "tsig.h"

#include "tsig_int.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/hmac.h>

/* The shortest MAC a receiver may take: the larger of 10 and half the hash (RFC 8945 5.2.2.1). */
#define MAC_MIN (DNS_TSIG_MAC_LEN / 2)
/* Type, class, TTL and rdlength after a record's owner (RFC 1035 4.1.3). */
#define RR_FIXED 10
/* Time Signed, Fudge and MAC Size; Original ID, Error and Other Len (RFC 8945 4.2). */
#define RDATA_BEFORE_MAC 10
#define RDATA_AFTER_MAC 6
#define TIME_LEN 6 /* 48 bits: Time Signed, and a BADTIME answer's Other Data */
#define ARCOUNT_AT 10

/* "hmac-sha256." in wire form (RFC 8945 6). */
static const uint8_t hmac_sha256[] = "\x0bhmac-sha256";
_Static_assert(DNS_TSIG_SPACE_MAX == DNS_NAME_MAX + RR_FIXED + sizeof(hmac_sha256) +
                                         RDATA_BEFORE_MAC + DNS_TSIG_MAC_LEN + RDATA_AFTER_MAC +
                                         TIME_LEN,
               "DNS_TSIG_SPACE_MAX is dns_tsig_space with the longest key name");

static uint64_t get48(const uint8_t *p)
{
	return (uint64_t)dns_get16(p) << 32 | (uint64_t)dns_get16(p + 2) << 16 | dns_get16(p + 4);
}

static void put48(uint8_t *p, uint64_t v)
{
	dns_put16(p, (uint16_t)(v >> 32));
	dns_put32(p + 2, (uint32_t)v);
}

size_t tsig_canon(const uint8_t *name, uint8_t *out)
{
	size_t p = 0;

	for (; name[p]; p += 1u + name[p]) {
		out[p] = name[p];
		for (size_t i = 1; i <= name[p]; i++) {
			uint8_t c = name[p + i];
			out[p + i] = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
		}
	}
	out[p] = 0;
	return p + 1;
}

static size_t name_len(const uint8_t *name)
{
	return (size_t)dns_name_len(name, DNS_NAME_MAX);
}

/* Equal bytes, in a time that depends only on `len`. */
static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t len)
{
	volatile uint8_t diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

void tsig_wipe(void *p, size_t len)
{
	volatile uint8_t *v = p;

	while (len--)
		*v++ = 0;
}

/* ---- the MAC (RFC 8945 4.3) ---- */

/* An HMAC being computed; a wolfCrypt error sticks until mac_end reports it. */
struct mac {
	Hmac h;
	int err;
};

static void mac_begin(struct mac *m, const struct dns_tsig_key *k)
{
	memset(m, 0, sizeof(*m));
	m->err = wc_HmacInit(&m->h, NULL, INVALID_DEVID);
	if (!m->err)
		m->err = wc_HmacSetKey(&m->h, WC_SHA256, k->secret, (word32)k->secret_len);
}

static void mac_add(struct mac *m, const void *p, size_t n)
{
	if (!m->err && n)
		m->err = wc_HmacUpdate(&m->h, p, (word32)n);
}

static int mac_end(struct mac *m, uint8_t out[DNS_TSIG_MAC_LEN])
{
	if (!m->err)
		m->err = wc_HmacFinal(&m->h, out);
	wc_HmacFree(&m->h);
	tsig_wipe(&m->h, sizeof(m->h));
	return m->err ? -EIO : 0;
}

/* A TSIG record as read or about to be written (RFC 8945 4.2). */
struct tsig_rr {
	uint8_t owner[DNS_NAME_MAX]; /* the key's name */
	uint16_t class;
	uint32_t ttl;
	uint8_t alg[DNS_NAME_MAX];
	uint64_t time;
	uint16_t fudge, mac_len, orig_id, error, other_len;
	const uint8_t *mac, *other;
};

/* A MAC as the next one covers it: its size, then itself (RFC 8945 4.3.2, 5.3.1). */
static void mac_prior(struct mac *m, const uint8_t *mac, size_t len)
{
	uint8_t size[2];

	dns_put16(size, (uint16_t)len);
	mac_add(m, size, sizeof(size));
	mac_add(m, mac, len);
}

/*
 * A received message as it was signed (RFC 8945 4.3.3): without its TSIG
 * record at `tsig_off`, ARCOUNT one less, the ID the original one.
 */
static void mac_received(struct mac *m, const uint8_t *msg, size_t tsig_off, uint16_t orig_id)
{
	uint8_t h[DNS_HDR_LEN];

	memcpy(h, msg, DNS_HDR_LEN);
	dns_put16(h, orig_id);
	dns_put16(h + ARCOUNT_AT, (uint16_t)(dns_get16(msg + ARCOUNT_AT) - 1));
	mac_add(m, h, DNS_HDR_LEN);
	mac_add(m, msg + DNS_HDR_LEN, tsig_off - DNS_HDR_LEN);
}

/* The TSIG variables (RFC 8945 4.3.3), the names in canonical form. */
static void mac_variables(struct mac *m, const struct tsig_rr *t)
{
	uint8_t b[2 * DNS_NAME_MAX + 18];
	size_t w = tsig_canon(t->owner, b);

	dns_put16(b + w, t->class);
	dns_put32(b + w + 2, t->ttl);
	w += 6;
	w += tsig_canon(t->alg, b + w);
	put48(b + w, t->time);
	dns_put16(b + w + 6, t->fudge);
	dns_put16(b + w + 8, t->error);
	dns_put16(b + w + 10, t->other_len);
	mac_add(m, b, w + 12);
	mac_add(m, t->other, t->other_len);
}

/* The TSIG timers (RFC 8945 5.3.1): what a transfer's later messages cover of their TSIG. */
static void mac_timers(struct mac *m, const struct tsig_rr *t)
{
	uint8_t b[TIME_LEN + 2];

	put48(b, t->time);
	dns_put16(b + TIME_LEN, t->fudge);
	mac_add(m, b, sizeof(b));
}

/* ---- reading a TSIG record ---- */

/* The rdata (RFC 8945 4.2): the algorithm's name uncompressed (RFC 3597 4), fields filling it
 * exactly. */
static int read_rdata(const uint8_t *p, size_t n, struct tsig_rr *t)
{
	int alen = dns_name_len(p, n);
	size_t o;

	if (alen < 0 || n - (size_t)alen < RDATA_BEFORE_MAC)
		return -EINVAL;
	memcpy(t->alg, p, (size_t)alen);
	o = (size_t)alen;
	t->time = get48(p + o);
	t->fudge = dns_get16(p + o + TIME_LEN);
	t->mac_len = dns_get16(p + o + TIME_LEN + 2);
	o += RDATA_BEFORE_MAC;
	if (n - o < (size_t)t->mac_len + RDATA_AFTER_MAC)
		return -EINVAL;
	t->mac = p + o;
	o += t->mac_len;
	t->orig_id = dns_get16(p + o);
	t->error = dns_get16(p + o + 2);
	t->other_len = dns_get16(p + o + 4);
	o += RDATA_AFTER_MAC;
	t->other = p + o;
	return n - o == t->other_len ? 0 : -EINVAL;
}

/* The TSIG record at `off`, the message's last (RFC 8945 5.2: class ANY). */
static int read_tsig(const uint8_t *msg, size_t len, size_t off, struct tsig_rr *t)
{
	struct dns_msg_rr rr;
	size_t p = off;

	if (off < DNS_HDR_LEN || len < DNS_HDR_LEN || dns_get16(msg + ARCOUNT_AT) == 0)
		return -EINVAL;
	if (dns_msg_rr(msg, len, &p, &rr) < 0 || p != len || rr.type != DNS_T_TSIG ||
	    rr.class != DNS_C_ANY)
		return -EINVAL;
	memcpy(t->owner, rr.owner, name_len(rr.owner));
	t->class = rr.class;
	t->ttl = rr.ttl;
	return read_rdata(msg + rr.rdata_off, rr.rdlen, t);
}

/* Time Signed +- Fudge holds `now`, both edges included (RFC 8945 5.2.3). */
static bool in_window(const struct tsig_rr *t, uint64_t now)
{
	return now >= t->time ? now - t->time <= t->fudge : t->time - now <= t->fudge;
}

/*
 * The MAC of a received message, `prior` (the request's MAC, for a
 * response) first; compared on the length it has, which is 16 to 32.
 */
static int check_mac(const uint8_t *msg, size_t off, const struct tsig_rr *t,
                     const struct dns_tsig_key *k, const uint8_t *prior, size_t prior_len)
{
	uint8_t out[DNS_TSIG_MAC_LEN];
	struct mac m;

	mac_begin(&m, k);
	if (prior_len)
		mac_prior(&m, prior, prior_len);
	mac_received(&m, msg, off, t->orig_id);
	mac_variables(&m, t);
	if (mac_end(&m, out) < 0)
		return DNS_TSIG_SERVFAIL;
	return same_bytes(out, t->mac, t->mac_len) ? DNS_TSIG_OK : DNS_TSIG_BADSIG;
}

/*
 * The checks after the key's (RFC 8945 5.2.2-5.2.4): the MAC's size, the
 * MAC, the time, the truncation this server refuses. An empty MAC is no
 * signature (BADSIG); one out of the sizes RFC 8945 5.2.2.1 allows is FORMERR.
 */
static int check(const uint8_t *msg, size_t off, const struct tsig_rr *t,
                 const struct dns_tsig_key *k, const struct dns_tsig_state *req, uint64_t now)
{
	int r;

	if (t->mac_len == 0)
		return DNS_TSIG_BADSIG;
	if (t->mac_len > DNS_TSIG_MAC_LEN || t->mac_len < MAC_MIN)
		return DNS_TSIG_FORMERR;
	if ((r = check_mac(msg, off, t, k, req ? req->mac : NULL, req ? req->mac_len : 0)))
		return r;
	if (!in_window(t, now))
		return DNS_TSIG_BADTIME;
	return t->mac_len < DNS_TSIG_MAC_LEN ? DNS_TSIG_BADTRUNC : DNS_TSIG_OK;
}

/* ---- the server's side (RFC 8945 5.2, 5.3) ---- */

const struct dns_tsig_key *dns_tsig_key_find(const struct dns_tsig_key *keys, size_t nkeys,
                                             const uint8_t *name)
{
	for (size_t i = 0; i < nkeys; i++)
		if (dns_name_eq(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* What answering needs of the request, before any check. */
static void state_from(struct dns_tsig_state *st, const struct tsig_rr *t, uint64_t now)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->name, t->owner, name_len(t->owner));
	memcpy(st->alg, t->alg, name_len(t->alg));
	st->fudge = t->fudge;
	st->time = t->time;
	st->now = now;
}

int dns_tsig_verify(const uint8_t *msg, size_t len, size_t tsig_off,
                    const struct dns_tsig_key *keys, size_t nkeys, uint64_t now,
                    struct dns_tsig_state *st)
{
	struct tsig_rr t;
	int r;

	if (read_tsig(msg, len, tsig_off, &t) < 0)
		return DNS_TSIG_FORMERR;
	state_from(st, &t, now);
	st->key = dns_tsig_key_find(keys, nkeys, t.owner);
	if (!st->key || !dns_name_eq(t.alg, hmac_sha256)) {
		st->key = NULL;
		return st->error = DNS_TSIG_BADKEY;
	}
	r = check(msg, tsig_off, &t, st->key, NULL, now);
	if (r == DNS_TSIG_FORMERR || r == DNS_TSIG_SERVFAIL)
		return r;
	if (r != DNS_TSIG_BADSIG) {
		/* Verified: answers cover the MAC as it came, truncated or not (5.2.2.1). */
		memcpy(st->mac, t.mac, t.mac_len);
		st->mac_len = (uint8_t)t.mac_len;
	}
	return st->error = (uint16_t)r;
}

/* An answer to BADKEY or BADSIG is not signed (RFC 8945 5.3.2). */
static bool signs(const struct dns_tsig_state *st)
{
	return st->key && st->error != DNS_TSIG_BADKEY && st->error != DNS_TSIG_BADSIG;
}

size_t dns_tsig_space(const struct dns_tsig_state *st)
{
	return name_len(st->name) + RR_FIXED + name_len(st->alg) + RDATA_BEFORE_MAC +
	       DNS_TSIG_MAC_LEN + RDATA_AFTER_MAC + TIME_LEN;
}

/*
 * The TSIG record of an answer (RFC 8945 5.3): Time Signed now, but the
 * request's in a BADTIME answer, whose Other Data is our time (5.2.3).
 */
static void answer_rr(const struct dns_tsig_state *st, uint64_t now, const struct dns_out *o,
                      uint8_t other[TIME_LEN], struct tsig_rr *t)
{
	bool badtime = st->error == DNS_TSIG_BADTIME;

	memcpy(t->owner, st->name, name_len(st->name));
	memcpy(t->alg, st->alg, name_len(st->alg));
	t->class = DNS_C_ANY;
	t->ttl = 0;
	t->time = (badtime ? st->time : now) & DNS_TSIG_TIME_MAX;
	t->fudge = st->fudge;
	t->orig_id = dns_get16(o->buf);
	t->error = st->error;
	put48(other, st->now);
	t->other = other;
	t->other_len = badtime ? TIME_LEN : 0;
	t->mac = NULL;
	t->mac_len = 0;
}

static size_t rr_size(const struct tsig_rr *t)
{
	return name_len(t->owner) + RR_FIXED + name_len(t->alg) + RDATA_BEFORE_MAC + t->mac_len +
	       RDATA_AFTER_MAC + t->other_len;
}

/* The record at the end of o, uncompressed; the caller made room. */
static void write_rr(struct dns_out *o, const struct tsig_rr *t)
{
	size_t on = name_len(t->owner), an = name_len(t->alg);
	uint8_t *p = o->buf + o->len;

	memcpy(p, t->owner, on);
	p += on;
	dns_put16(p, DNS_T_TSIG);
	dns_put16(p + 2, t->class);
	dns_put32(p + 4, t->ttl);
	dns_put16(p + 8, (uint16_t)(rr_size(t) - on - RR_FIXED));
	p += RR_FIXED;
	memcpy(p, t->alg, an);
	p += an;
	put48(p, t->time);
	dns_put16(p + TIME_LEN, t->fudge);
	dns_put16(p + TIME_LEN + 2, t->mac_len);
	if (t->mac_len)
		memcpy(p + RDATA_BEFORE_MAC, t->mac, t->mac_len);
	p += RDATA_BEFORE_MAC + t->mac_len;
	dns_put16(p, t->orig_id);
	dns_put16(p + 2, t->error);
	dns_put16(p + 4, t->other_len);
	memcpy(p + RDATA_AFTER_MAC, t->other, t->other_len);
	o->len += rr_size(t);
	o->count[DNS_SEC_ADDITIONAL]++;
}

/*
 * The MAC of the message in o (its counts final, the TSIG not yet in):
 * the MAC before it if any (the request's, or the previous message's),
 * then the variables for a first message, the timers for later ones.
 */
static int sign_mac(const struct dns_out *o, const struct dns_tsig_state *st,
                    const struct tsig_rr *t, uint8_t out[DNS_TSIG_MAC_LEN])
{
	struct mac m;

	mac_begin(&m, st->key);
	if (st->mac_len)
		mac_prior(&m, st->mac, st->mac_len);
	mac_add(&m, o->buf, o->len);
	if (st->messages == 0)
		mac_variables(&m, t);
	else
		mac_timers(&m, t);
	return mac_end(&m, out);
}

int dns_tsig_sign(struct dns_out *o, struct dns_tsig_state *st, uint64_t now)
{
	uint8_t other[TIME_LEN], mac[DNS_TSIG_MAC_LEN];
	struct tsig_rr t;

	assert((st->key || st->error) && "dns_tsig_sign: st is dns_tsig_verify's");
	answer_rr(st, now, o, other, &t);
	t.mac_len = signs(st) ? DNS_TSIG_MAC_LEN : 0;
	if (o->len > o->cap || o->cap - o->len < rr_size(&t))
		return -ENOSPC;
	if (st->error)
		dns_out_flags(o, DNS_R_NOTAUTH, 15);
	dns_out_end(o);
	if (t.mac_len && sign_mac(o, st, &t, mac) < 0)
		return -EIO;
	t.mac = mac;
	write_rr(o, &t);
	if (t.mac_len) {
		memcpy(st->mac, mac, DNS_TSIG_MAC_LEN);
		st->mac_len = DNS_TSIG_MAC_LEN;
	}
	st->messages++;
	return (int)dns_out_end(o);
}

/* ---- the client's side (RFC 8945 5.1, 5.4) ---- */

int dns_tsig_sign_request(struct dns_out *o, const struct dns_tsig_key *key, uint64_t now,
                          struct dns_tsig_state *st)
{
	memset(st, 0, sizeof(*st));
	st->key = key;
	memcpy(st->name, key->name, name_len(key->name));
	memcpy(st->alg, hmac_sha256, sizeof(hmac_sha256));
	st->fudge = DNS_TSIG_FUDGE;
	st->time = now;
	st->now = now;
	/* No MAC before it: the request's covers the message and the variables (4.3.1). */
	return dns_tsig_sign(o, st, now);
}

/* A question (RFC 1035 4.1.2) at *off. */
static int skip_question(const uint8_t *msg, size_t len, size_t *off)
{
	uint8_t name[DNS_NAME_MAX];

	if (dns_msg_name(msg, len, off, name) < 0 || len - *off < 4)
		return -EINVAL;
	*off += 4;
	return 0;
}

/*
 * A response walked to its end: *last is where its TSIG starts if its
 * last record is one, else 0. A TSIG anywhere else is -EINVAL (5.2).
 */
static int find_tsig(const uint8_t *msg, size_t len, size_t *last)
{
	size_t off = DNS_HDR_LEN, n;
	struct dns_msg_rr rr;

	*last = 0;
	if (len < DNS_HDR_LEN)
		return -EINVAL;
	n = (size_t)dns_get16(msg + 6) + dns_get16(msg + 8) + dns_get16(msg + ARCOUNT_AT);
	for (unsigned i = dns_get16(msg + 4); i > 0; i--)
		if (skip_question(msg, len, &off) < 0)
			return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		size_t start = off;
		if (dns_msg_rr(msg, len, &off, &rr) < 0)
			return -EINVAL;
		if (rr.type != DNS_T_TSIG)
			continue;
		if (i + 1 != n || dns_get16(msg + ARCOUNT_AT) == 0)
			return -EINVAL;
		*last = start;
	}
	return off == len ? 0 : -EINVAL;
}

int dns_tsig_verify_response(const uint8_t *msg, size_t len, struct dns_tsig_state *st,
                             uint64_t now)
{
	struct tsig_rr t;
	size_t off;
	int r;

	if (find_tsig(msg, len, &off) < 0)
		return DNS_TSIG_FORMERR;
	if (off == 0)
		return DNS_TSIG_UNSIGNED;
	if (read_tsig(msg, len, off, &t) < 0)
		return DNS_TSIG_FORMERR;
	if (!st->key || !dns_name_eq(t.owner, st->name) || !dns_name_eq(t.alg, st->alg))
		return DNS_TSIG_BADKEY;
	if (t.mac_len == 0 && t.error)
		return DNS_TSIG_PEER | t.error; /* unsigned: BADKEY or BADSIG (5.3.2) */
	if ((r = check(msg, off, &t, st->key, st, now)))
		return r;
	return t.error ? DNS_TSIG_PEER | t.error : DNS_TSIG_OK;
}

int dns_tsig_error(const uint8_t *msg, size_t len, size_t tsig_off)
{
	struct tsig_rr t;

	if (!tsig_off)
		return DNS_TSIG_OK;
	return read_tsig(msg, len, tsig_off, &t) < 0 ? -EINVAL : t.error;
}

/* ---- the answer to a checked request (RFC 8945 5.3) ---- */

/* An OPT record with a COOKIE option of 40 octets at most (RFC 6891 6.1.2, RFC 7873 4). */
#define OPT_MAX (11 + 4 + 40)
#define OPT_XRCODE 5 /* its TTL's first octet: the extended RCODE's upper 8 bits */

/* The OPT record of an answer about to be replaced, to go in its place. */
struct opt_copy {
	uint8_t b[OPT_MAX];
	size_t len; /* 0: none */
};

/*
 * The answer's OPT, its extended RCODE cleared: the answer replacing it
 * has an RCODE of 4 bits (NOTAUTH, FORMERR, SERVFAIL, NOERROR), all in
 * the header (RFC 6891 6.1.3).
 */
static void opt_keep(const uint8_t *buf, size_t n, size_t opt_off, struct opt_copy *c)
{
	c->len = opt_off ? n - opt_off : 0;
	assert(n >= DNS_HDR_LEN && c->len <= OPT_MAX && (!opt_off || opt_off >= DNS_HDR_LEN) &&
	       "dns_tsig_answer: an answer, opt_off its OPT, its last record");
	memcpy(c->b, buf + opt_off, c->len);
	if (c->len)
		c->b[OPT_XRCODE] = 0;
}

/* The answer begun again with the question alone, `flags` its header's, then `opt` if any. */
static int begin_again(struct dns_out *o, uint8_t *buf, size_t cap, const struct dns_query *q,
                       uint16_t flags, const struct opt_copy *opt)
{
	if (dns_out_begin(o, buf, cap, q, flags))
		return -ENOSPC;
	if (!opt || !opt->len)
		return 0;
	if (o->cap - o->len < opt->len)
		return -ENOSPC;
	memcpy(o->buf + o->len, opt->b, opt->len);
	o->len += opt->len;
	o->count[DNS_SEC_ADDITIONAL]++;
	return 0;
}

/* The answer to a TSIG that cannot be read, or to a wolfCrypt failure: `rcode`, unsigned (5.2). */
static size_t unsigned_error(struct dns_out *o, uint8_t *buf, size_t cap, const struct dns_query *q,
                             uint16_t rcode, const struct opt_copy *opt)
{
	if (begin_again(o, buf, cap, q, rcode, opt) && begin_again(o, buf, cap, q, rcode, NULL))
		return 0;
	return dns_out_end(o);
}

size_t dns_tsig_answer(const struct dns_query *q, int err, struct dns_tsig_state *st, uint8_t *buf,
                       size_t n, size_t opt_off, size_t cap)
{
	/* AA as the answer had it: a referral has none (RFC 1034 4.3.1, RFC 1035 4.1.1). */
	uint16_t aa = dns_get16(buf + 2) & DNS_F_AA;
	struct opt_copy opt;
	struct dns_out o;
	int m = 0;

	opt_keep(buf, n, opt_off, &opt);
	if (err == DNS_TSIG_FORMERR || err == DNS_TSIG_SERVFAIL)
		return unsigned_error(&o, buf, cap, q, (uint16_t)err, &opt);
	if (err)
		m = begin_again(&o, buf, cap, q, 0, &opt);
	else
		dns_out_resume(&o, buf, n, cap);
	if (!m)
		m = dns_tsig_sign(&o, st, st->now);
	if (m == -ENOSPC) {
		/*
		 * Not even the question, the OPT and the TSIG fit: the question
		 * and the TSIG alone, TC and NOERROR (5.3), AA as the answer
		 * had it; or the TSIG's error.
		 */
		if (begin_again(&o, buf, cap, q, err ? 0 : DNS_F_TC | aa, NULL))
			return 0;
		m = dns_tsig_sign(&o, st, st->now);
	}
	return m > 0 ? (size_t)m : 0;
}
