/*
 * SHA-1 (FIPS 180-4) two ways.
 *
 * store_sha1_*: plain SHA-1, small and fast, for checksums of bytes whose
 * integrity is at stake but whose name is not: a pack's trailer, written
 * or verified here.
 *
 * store_sha1dc_*: SHA-1 with collision detection (SHA-1DC, Stevens and
 * Shumow, "Speeding up detection of SHA-1 collision attacks using
 * unavoidable attack conditions", USENIX Security 2017), as Git itself
 * hashes since 2.13. Object ids are names: two objects with one id would
 * let a pushed object stand for another, so every id of bytes from outside
 * is computed with this one (store_object_id, the pack indexer). The code
 * is Git's sha1dc/, built from the pinned `git` source package.
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

/*
 * sha1dc's context, kept opaque so its header stays out of ours: 2,400
 * bytes, most of them the 80 intermediate states of the last block, which
 * the detector recomputes backwards from (sha1.c asserts that it fits).
 */
#define STORE_SHA1DC_SIZE 2400

struct store_sha1dc {
	_Alignas(8) unsigned char opaque[STORE_SHA1DC_SIZE];
};

void store_sha1dc_init(struct store_sha1dc *c);
void store_sha1dc_update(struct store_sha1dc *c, const void *data, size_t len);
/*
 * The digest and 0; or -EILSEQ when a block of the input is a near-
 * collision block of one of the known cryptanalytic attacks (SHAttered's
 * among them). The input must then be refused: `out` holds sha1dc's "safe
 * hash" (the suspect blocks hashed three times), not the SHA-1, so even a
 * caller that ignores the result never names the object by the id its
 * colliding twin has.
 */
int store_sha1dc_final(struct store_sha1dc *c, uint8_t out[STORE_SHA1_LEN]);
int store_sha1dc(const void *data, size_t len, uint8_t out[STORE_SHA1_LEN]);

#endif
