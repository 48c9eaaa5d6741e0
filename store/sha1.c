/*
 * Plain SHA-1 as specified in FIPS 180-4 section 6.1, and the collision-
 * detecting SHA-1 of Git's sha1dc/ behind the same kind of interface.
 */
#include "sha1.h"

#include <errno.h>
#include <string.h>

#include <sha1dc/sha1.h>

static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* f_t of FIPS 180-4 4.1.1, by round group (Ch, Parity, Maj, Parity). */
static uint32_t f_ch(uint32_t b, uint32_t c, uint32_t d)
{
	return d ^ (b & (c ^ d));
}

static uint32_t f_parity(uint32_t b, uint32_t c, uint32_t d)
{
	return b ^ c ^ d;
}

static uint32_t f_maj(uint32_t b, uint32_t c, uint32_t d)
{
	return (b & c) | (d & (b | c));
}

/*
 * W_t of the message schedule (6.1.2 step 1), kept as the last 16 words
 * and made as the step needs it. Computing all 80 first reads back words
 * just written, which gcc's vectorizer turns into store-forwarding
 * stalls on x86 (less than half the speed).
 */
static uint32_t sched(uint32_t w[16], int t)
{
	if (t >= 16)
		w[t % 16] =
		    rol(w[(t - 3) % 16] ^ w[(t - 8) % 16] ^ w[(t - 14) % 16] ^ w[t % 16], 1);
	return w[t % 16];
}

/*
 * Step t of 6.1.2 step 3. Instead of moving the five words along, the
 * steps name them in turn, five steps bringing them back to their places;
 * all 80 are written out so that t is a constant in each.
 */
#define STEP(f, k, a, b, c, d, e, t)                                                               \
	do {                                                                                       \
		e += rol(a, 5) + f(b, c, d) + (k) + sched(w, t);                                   \
		b = rol(b, 30);                                                                    \
	} while (0)
#define FIVE_STEPS(f, k, t)                                                                        \
	do {                                                                                       \
		STEP(f, k, a, b, c, d, e, (t));                                                    \
		STEP(f, k, e, a, b, c, d, (t) + 1);                                                \
		STEP(f, k, d, e, a, b, c, (t) + 2);                                                \
		STEP(f, k, c, d, e, a, b, (t) + 3);                                                \
		STEP(f, k, b, c, d, e, a, (t) + 4);                                                \
	} while (0)
/* A round group: 20 steps with one f_t and one K_t (4.2.1). */
#define ROUND(f, k, t)                                                                             \
	do {                                                                                       \
		FIVE_STEPS(f, k, (t));                                                             \
		FIVE_STEPS(f, k, (t) + 5);                                                         \
		FIVE_STEPS(f, k, (t) + 10);                                                        \
		FIVE_STEPS(f, k, (t) + 15);                                                        \
	} while (0)

static void compress(uint32_t h[5], const uint8_t block[64])
{
	uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

	for (int t = 0; t < 16; t++)
		w[t] = load_be32(block + 4 * t);
	ROUND(f_ch, 0x5a827999, 0);
	ROUND(f_parity, 0x6ed9eba1, 20);
	ROUND(f_maj, 0x8f1bbcdc, 40);
	ROUND(f_parity, 0xca62c1d6, 60);
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void store_sha1_init(struct store_sha1 *c)
{
	static const uint32_t iv[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
	memcpy(c->h, iv, sizeof(iv));
	c->len = 0;
}

void store_sha1_update(struct store_sha1 *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t fill = c->len % 64;

	c->len += len;
	if (fill) {
		size_t n = 64 - fill < len ? 64 - fill : len;
		memcpy(c->buf + fill, p, n);
		p += n;
		len -= n;
		if (fill + n < 64)
			return;
		compress(c->h, c->buf);
	}
	for (; len >= 64; p += 64, len -= 64)
		compress(c->h, p);
	memcpy(c->buf, p, len);
}

void store_sha1_final(struct store_sha1 *c, uint8_t out[STORE_SHA1_LEN])
{
	uint64_t bits = c->len * 8;
	uint8_t pad[72] = {0x80};
	size_t fill = c->len % 64;
	size_t padlen = (fill < 56 ? 56 : 120) - fill;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	store_sha1_update(c, pad, padlen + 8);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
}

void store_sha1(const void *data, size_t len, uint8_t out[STORE_SHA1_LEN])
{
	struct store_sha1 c;

	store_sha1_init(&c);
	store_sha1_update(&c, data, len);
	store_sha1_final(&c, out);
}

/* ---- with collision detection: sha1dc's defaults (detection, UBC, safe hash) ---- */

_Static_assert(sizeof(SHA1_CTX) <= STORE_SHA1DC_SIZE, "STORE_SHA1DC_SIZE too small for SHA1_CTX");
_Static_assert(_Alignof(SHA1_CTX) <= 8, "struct store_sha1dc is aligned for 8 bytes only");

static SHA1_CTX *dc_ctx(struct store_sha1dc *c)
{
	return (SHA1_CTX *)(void *)c->opaque;
}

void store_sha1dc_init(struct store_sha1dc *c)
{
	SHA1DCInit(dc_ctx(c));
}

void store_sha1dc_update(struct store_sha1dc *c, const void *data, size_t len)
{
	SHA1DCUpdate(dc_ctx(c), data, len);
}

int store_sha1dc_final(struct store_sha1dc *c, uint8_t out[STORE_SHA1_LEN])
{
	return SHA1DCFinal(out, dc_ctx(c)) ? -EILSEQ : 0;
}

int store_sha1dc(const void *data, size_t len, uint8_t out[STORE_SHA1_LEN])
{
	struct store_sha1dc c;

	store_sha1dc_init(&c);
	store_sha1dc_update(&c, data, len);
	return store_sha1dc_final(&c, out);
}
