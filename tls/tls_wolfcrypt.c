/*
 * tls/tls_wolfcrypt.c: runs wolfSSL's own wolfCrypt test and benchmark
 * (tls_wolfcrypt.h), so that the guest's self-test sees two functions of
 * ours and no wolfSSL name. The benchmark ends with one line of ours: the
 * time of a push password's check (git/auth.h).
 */
#include "tls_wolfcrypt.h"

#include <stddef.h>
#include <stdio.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/pwdbased.h>
#include <wolfssl/wolfcrypt/wc_port.h>

#include "git/auth.h"
#include "plat/plat.h"
#include "wolfcrypt/benchmark/benchmark.h"
#include "wolfcrypt/test/test.h"

/*
 * The KDF of git_auth_check: PBKDF2-HMAC-SHA256 at GIT_AUTH_ITERATIONS over
 * a 16-byte salt, repeated for at least a second (and three times), timed
 * with the platform's clock and printed in the format of benchmark.c's
 * public-key lines, which tests/bench/wolfcrypt.sh reads.
 */
static int bench_password_check(void)
{
	static const char password[] = "correct horse battery staple";
	static const byte salt[GIT_AUTH_SALT_LEN] = "0123456789abcdef";
	byte out[GIT_AUTH_HASH_LEN];
	uint64_t start = plat_now_ns(), took;
	char name[64];
	int n = 0, err;

	do {
		err =
		    wc_PBKDF2(out, (const byte *)password, (int)sizeof(password) - 1, salt,
		              (int)sizeof(salt), GIT_AUTH_ITERATIONS, (int)sizeof(out), WC_SHA256);
		n++;
		took = plat_now_ns() - start;
	} while (!err && (n < 3 || took < 1000000000u));
	if (err)
		return err;
	snprintf(name, sizeof(name), "PBKDF2-SHA256 %d iterations (git push password)",
	         GIT_AUTH_ITERATIONS);
	printf("%-50s %d ops took %.3f sec, avg %.3f ms, %.3f ops/sec\n", name, n,
	       (double)took / 1e9, (double)took / 1e6 / n, n * 1e9 / (double)took);
	return 0;
}

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
	int err = benchmark_test(NULL);

	return err ? err : bench_password_check();
}
