/*
 * ChaCha20 and the DRBG built on it (see drbg.h).
 */
#include "rng/drbg.h"

#include <string.h>

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define QR(a, b, c, d)                                                                             \
	(a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12), a += b, d ^= a,         \
	 d = ROTL(d, 8), c += d, b ^= c, b = ROTL(b, 7))

/* Nonces that keep the two uses of the block function apart. */
static const uint32_t drbg_nonce_mix[3] = {0x2078696d, 0, 0}; /* "mix " */
static const uint32_t drbg_nonce_out[3] = {0x2074756f, 0, 0}; /* "out " */

void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
                    uint32_t out[16])
{
	uint32_t in[16] = {
	    0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, key[0],  key[1],   key[2],   key[3],
	    key[4],     key[5],     key[6],     key[7],     counter, nonce[0], nonce[1], nonce[2],
	};
	uint32_t x[16];
	int i;

	memcpy(x, in, sizeof(x));
	for (i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (i = 0; i < 16; i++)
		out[i] = x[i] + in[i];
}

static void drbg_rekey(struct drbg *d, const uint32_t nonce[3], uint32_t counter)
{
	uint32_t block[16];

	chacha20_block(d->key, counter, nonce, block);
	memcpy(d->key, block, sizeof(d->key));
	memset(block, 0, sizeof(block));
}

void drbg_mix(struct drbg *d, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t chunk[8];
	size_t n;
	int i;

	do {
		n = len < sizeof(chunk) ? len : sizeof(chunk);
		memset(chunk, 0, sizeof(chunk));
		memcpy(chunk, p, n);
		for (i = 0; i < 8; i++)
			d->key[i] ^= chunk[i];
		/* The length goes into the counter: "ab" + "" != "a" + "b". */
		drbg_rekey(d, drbg_nonce_mix, (uint32_t)n);
		p += n;
		len -= n;
	} while (len > 0);
	d->blocks = 0;
}

void drbg_generate(struct drbg *d, void *out, size_t len)
{
	uint8_t *p = out;
	uint32_t block[16];
	uint32_t counter = 1;
	size_t n;

	while (len > 0) {
		chacha20_block(d->key, counter++, drbg_nonce_out, block);
		n = len < sizeof(block) ? len : sizeof(block);
		memcpy(p, block, n);
		p += n;
		len -= n;
	}
	/* Counter 0 is never output: it becomes the next key. */
	drbg_rekey(d, drbg_nonce_out, 0);
	memset(block, 0, sizeof(block));
	d->blocks++;
}
