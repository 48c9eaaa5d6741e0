/*
 * tls/tls_rand.h: wolfSSL's random source, on the guest and the host
 * (CUSTOM_RAND_GENERATE_BLOCK in tls/user_settings.h).
 */
#ifndef TLS_RAND_H
#define TLS_RAND_H

/*
 * Fill out[0..sz) from the platform's seeded generator (plat_random).
 * Returns 0, or nonzero when the platform has no seed yet (or fails), so
 * that wolfSSL refuses to generate keys or run a handshake unseeded.
 */
int tls_rand_block(unsigned char *out, unsigned int sz);

#endif /* TLS_RAND_H */
