/*
 * SHA-1 (FIPS 180-4), the object id of Git's object format. Git uses it as
 * a name, not as a security boundary here: ids are verified, never trusted.
 */
#ifndef STORE_SHA1_H
#define STORE_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define STORE_SHA1_LEN 20

struct store_sha1 {
	uint32_t h[5];
	uint64_t len;    /* bytes hashed so far */
	uint8_t buf[64]; /* a partial block */
};

void store_sha1_init(struct store_sha1 *c);
void store_sha1_update(struct store_sha1 *c, const void *data, size_t len);
void store_sha1_final(struct store_sha1 *c, uint8_t out[STORE_SHA1_LEN]);
/* One-shot convenience. */
void store_sha1(const void *data, size_t len, uint8_t out[STORE_SHA1_LEN]);

#endif
