/*
 * tls/tls_wolfcrypt.c: runs wolfSSL's own wolfCrypt test and benchmark
 * (tls_wolfcrypt.h), so that the guest's self-test sees two functions of
 * ours and no wolfSSL name.
 */
#include "tls_wolfcrypt.h"

#include <stddef.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/wc_port.h>

#include "wolfcrypt/benchmark/benchmark.h"
#include "wolfcrypt/test/test.h"

int tls_wolfcrypt_test(void)
{
	int ret, err;

	/* The test's own main() does this around it (NO_MAIN_DRIVER: we are
	 * its main). */
	err = wolfCrypt_Init();
	if (err != 0)
		return err;
	ret = wolfcrypt_test(NULL);
	err = wolfCrypt_Cleanup();
	return ret != 0 ? ret : err;
}

int tls_wolfcrypt_bench(void)
{
	/* benchmark_test initialises and cleans up wolfCrypt itself. */
	return benchmark_test(NULL);
}
