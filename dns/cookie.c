/*
 * SipHash-2-4 and the RFC 9018 Server Cookie (cookie.h).
 */
#include <assert.h>
#include <string.h>

#include "cookie.h"

#define COOKIE_VERSION 1 /* RFC 9018 4.1 */

/* The cookie's fields (RFC 9018 4): Version, Reserved (3), Timestamp (4), Hash (8). */
#define OFF_VERSION 0
#define OFF_RESERVED 1
#define OFF_TIME 4
#define OFF_HASH 8
#define HASH_LEN 8

/* Client Cookie, the cookie's first 8 octets, and an IPv6 address: the most hashed. */
#define HASH_IN_MAX (DNS_COOKIE_CLIENT + OFF_HASH + 16)

/* ---- SipHash-2-4 ---- */

struct sip {
	uint64_t v0, v1, v2, v3;
};

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* The paper's SipRound (section 2, figure 2.1). */
static void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl(s->v2, 32);
}

/* One message word: c = 2 rounds (the "2" of SipHash-2-4). */
static void sip_word(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

/* The last word: the remaining 0 to 7 bytes, and the length's low byte on top. */
static uint64_t sip_last(const uint8_t *p, size_t rest, size_t len)
{
	uint64_t m = (uint64_t)(len & 0xff) << 56;

	for (size_t i = 0; i < rest; i++)
		m |= (uint64_t)p[i] << (8 * i);
	return m;
}

uint64_t dns_siphash24(const uint8_t key[DNS_SIPHASH_KEY], const void *msg, size_t len)
{
	const uint8_t *p = msg;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	/* The initialisation constants spell "somepseudorandomlygeneratedbytes". */
	struct sip s = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
	                k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
	size_t whole = len - len % 8;

	for (size_t i = 0; i < whole; i += 8)
		sip_word(&s, load_le64(p + i));
	sip_word(&s, sip_last(p + whole, len % 8, len));
	/* Finalisation: d = 4 rounds. */
	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* ---- the secrets ---- */

void dns_cookie_secret(struct dns_cookies *c, const uint8_t secret[DNS_COOKIE_SECRET])
{
	if (c->has_secret) {
		memcpy(c->previous, c->secret, DNS_COOKIE_SECRET);
		c->has_previous = true;
	}
	memcpy(c->secret, secret, DNS_COOKIE_SECRET);
	c->has_secret = true;
}

void dns_cookie_forget_previous(struct dns_cookies *c)
{
	memset(c->previous, 0, DNS_COOKIE_SECRET);
	c->has_previous = false;
}

/* ---- making and checking ---- */

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * The Hash of RFC 9018 4.4 over the client's cookie, the first 8 octets of
 * the server cookie `head` (Version, Reserved, Timestamp) and the address,
 * as 8 octets in the order the reference implementation outputs them.
 */
static void cookie_hash(const uint8_t secret[DNS_COOKIE_SECRET],
                        const uint8_t client[DNS_COOKIE_CLIENT], const uint8_t head[OFF_HASH],
                        const uint8_t *ip, size_t iplen, uint8_t out[HASH_LEN])
{
	uint8_t in[HASH_IN_MAX];
	uint64_t h;

	assert((iplen == 4 || iplen == 16) && "dns cookie: an address is 4 or 16 octets");
	memcpy(in, client, DNS_COOKIE_CLIENT);
	memcpy(in + DNS_COOKIE_CLIENT, head, OFF_HASH);
	memcpy(in + DNS_COOKIE_CLIENT + OFF_HASH, ip, iplen);
	h = dns_siphash24(secret, in, DNS_COOKIE_CLIENT + OFF_HASH + iplen);
	for (int i = 0; i < HASH_LEN; i++)
		out[i] = (uint8_t)(h >> (8 * i));
}

void dns_cookie_make(const struct dns_cookies *c, const uint8_t client[DNS_COOKIE_CLIENT],
                     const uint8_t *ip, size_t iplen, uint32_t now, uint8_t out[DNS_COOKIE_LEN])
{
	assert(c->has_secret && "dns_cookie_make: no secret set (dns_cookie_secret)");
	out[OFF_VERSION] = COOKIE_VERSION;
	memset(out + OFF_RESERVED, 0, 3); /* RFC 9018 4.2 */
	put_be32(out + OFF_TIME, now);
	cookie_hash(c->secret, client, out, ip, iplen, out + OFF_HASH);
}

/* Equal, in time independent of where the first difference is. */
static bool equal_ct(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

static bool hash_ok(const uint8_t secret[DNS_COOKIE_SECRET], const struct dns_query *q,
                    const uint8_t *ip, size_t iplen)
{
	uint8_t h[HASH_LEN];

	cookie_hash(secret, q->cookie_client, q->cookie_server, ip, iplen, h);
	return equal_ct(h, q->cookie_server + OFF_HASH, HASH_LEN);
}

/*
 * The cookie's age in seconds, by serial number arithmetic (RFC 1982 3.2,
 * as RFC 9018 4.3 asks): negative for a Timestamp in the future.
 */
static int64_t cookie_age(const uint8_t *server, uint32_t now)
{
	return (int64_t)(int32_t)(now - get_be32(server + OFF_TIME));
}

enum dns_cookie_check dns_cookie_check(const struct dns_cookies *c, const struct dns_query *q,
                                       const uint8_t *ip, size_t iplen, uint32_t now)
{
	bool current, previous;
	int64_t age;

	if (!q->cookie)
		return DNS_COOKIE_NONE;
	if (q->cookie_server_len == 0)
		return DNS_COOKIE_CLIENT_ONLY;
	if (q->cookie_server_len != DNS_COOKIE_LEN ||
	    q->cookie_server[OFF_VERSION] != COOKIE_VERSION || !c->has_secret)
		return DNS_COOKIE_BAD;
	/* Both secrets are tried, so the time taken does not tell which one matched. */
	current = hash_ok(c->secret, q, ip, iplen);
	previous = c->has_previous && hash_ok(c->previous, q, ip, iplen);
	age = cookie_age(q->cookie_server, now);
	if (!(current || previous) || age > DNS_COOKIE_MAX_AGE || age < -DNS_COOKIE_MAX_SKEW)
		return DNS_COOKIE_BAD;
	if (!current || age > DNS_COOKIE_REFRESH)
		return DNS_COOKIE_VALID_REFRESH; /* RFC 9018 4.3; 5: re-issue under the new secret
		                                  */
	return DNS_COOKIE_VALID;
}
