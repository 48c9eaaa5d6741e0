/*
 * Internal to dns/tsig.c (signing and verification) and dns/tsig_keys.c
 * (the key file's parser): what both do to names and secrets.
 */
#ifndef DNS_TSIG_INT_H
#define DNS_TSIG_INT_H

#include <stddef.h>
#include <stdint.h>

/* A well-formed name in canonical form (RFC 4034 6.2: ASCII letters lower case); its length. */
size_t tsig_canon(const uint8_t *name, uint8_t *out);

/* Zero what held a secret where the compiler cannot drop the stores. */
void tsig_wipe(void *p, size_t len);

#endif
