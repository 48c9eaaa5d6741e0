/*
 * Entropy for the guest's DRBG (rng/drbg.h): dom0 writes 32 random bytes
 * as 64 hex digits to our xenstore key data/seed before we run (from the
 * board's RNG). We mix them with timer jitter and remove the key, so the
 * seed is used once. Without a seed the generator stays unseeded and
 * plat_random() refuses (-EAGAIN): TLS must not start.
 */
#ifndef GUEST_ENTROPY_H
#define GUEST_ENTROPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Wait (up to a few seconds) for data/seed, mix it in and consume it. */
int entropy_init(void);

bool entropy_seeded(void);
int entropy_random(void *buf, size_t len);

/* Parse 64 hex digits into 32 bytes. 0 or -EINVAL. Pure. */
int entropy_parse_seed(const char *hex, uint8_t seed[32]);

#endif
