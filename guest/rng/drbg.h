/*
 * The guest's random generator: ChaCha20 (RFC 8439) as a DRBG with fast
 * key erasure. Pure code (no I/O), so it builds for the host tests.
 *
 *   drbg_mix()       absorbs input into the 256-bit key: each 32-byte
 *                    chunk is XORed into the key, which is then replaced
 *                    by the first half of a ChaCha20 block under that key
 *                    (a one-way step: earlier keys cannot be recovered).
 *   drbg_generate()  outputs ChaCha20 keystream under the key, then
 *                    replaces the key with fresh keystream, so a later
 *                    compromise does not reveal earlier output.
 */
#ifndef GUEST_RNG_DRBG_H
#define GUEST_RNG_DRBG_H

#include <stddef.h>
#include <stdint.h>

struct drbg {
	uint32_t key[8];
	uint64_t blocks; /* output blocks since the last rekey, for nonces */
};

/* The ChaCha20 block function (RFC 8439 section 2.3). */
void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
                    uint32_t out[16]);

void drbg_mix(struct drbg *d, const void *data, size_t len);
void drbg_generate(struct drbg *d, void *out, size_t len);

#endif
