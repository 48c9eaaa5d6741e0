/* SHA-1 as specified in FIPS 180-4 section 6.1. */
#include "sha1.h"

#include <string.h>

static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* f_t and K_t of FIPS 180-4 4.1.1 and 4.2.1, by round group. */
static uint32_t round_f(int t, uint32_t b, uint32_t c, uint32_t d)
{
	if (t < 20)
		return (b & c) | (~b & d);
	if (t < 40 || t >= 60)
		return b ^ c ^ d;
	return (b & c) | (b & d) | (c & d);
}

static const uint32_t round_k[4] = {0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6};

static void compress(uint32_t h[5], const uint8_t block[64])
{
	uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

	for (int t = 0; t < 16; t++)
		w[t] = load_be32(block + 4 * t);
	for (int t = 16; t < 80; t++)
		w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
	for (int t = 0; t < 80; t++) {
		uint32_t tmp = rol(a, 5) + round_f(t, b, c, d) + e + w[t] + round_k[t / 20];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = tmp;
	}
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
