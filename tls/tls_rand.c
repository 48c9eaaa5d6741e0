/*
 * tls/tls_rand.c: wolfSSL's random source (tls_rand.h), from plat_random.
 */
#include "tls_rand.h"

#include "plat/plat.h"

int tls_rand_block(unsigned char *out, unsigned int sz)
{
	/* plat_random returns -EAGAIN until dom0's seed has arrived. */
	return plat_random(out, sz) != 0;
}
