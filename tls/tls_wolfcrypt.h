/*
 * tls/tls_wolfcrypt.h: wolfSSL's own wolfCrypt test and benchmark
 * (wolfcrypt/test/test.c, wolfcrypt/benchmark/benchmark.c), built with the
 * guest library's configuration (tls/wolfcrypt.mk) and linked into the test
 * build of the guest only, for its selftest=wolfcrypt (guest/selftest.h).
 * Both print to stdout as they go, and both make keys: call them once the
 * platform's random source is seeded (plat_random_seeded(), tls_rand.h).
 */
#ifndef TLS_WOLFCRYPT_H
#define TLS_WOLFCRYPT_H

/*
 * Run wolfCrypt's known-answer and round-trip tests of every algorithm
 * user_settings.h enables, one "<ALGORITHM> test passed!" line each, then
 * "Test complete". The test stops at the first failure, printed as
 * "<ALGORITHM> test failed!" and " error = <code>". Returns 0 when every
 * test passed, else wolfSSL's (negative) code.
 */
int tls_wolfcrypt_test(void);

/*
 * Run wolfCrypt's benchmark of every enabled algorithm, one line each:
 * throughput for ciphers and hashes, operations per second for the
 * public-key algorithms, then "Benchmark complete". Returns 0, or
 * wolfSSL's (negative) code when it could not start or finish.
 */
int tls_wolfcrypt_bench(void);

#endif /* TLS_WOLFCRYPT_H */
