/*
 * Host unit tests (cmocka) of the guest's generator (guest/rng/drbg.c):
 * the ChaCha20 block function against RFC 8439 section 2.3.2, and the
 * DRBG's properties: mixed input changes the output, the same input gives
 * the same output, and output never repeats across calls (key erasure).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rng/drbg.h"

static void test_chacha20_rfc8439(void **state)
{
	/* Key 00 01 .. 1f, nonce 00 00 00 09 00 00 00 4a 00 00 00 00,
	 * counter 1: the first words of the serialized block in 2.3.2. */
	uint32_t key[8], out[16];
	const uint32_t nonce[3] = {0x09000000, 0x4a000000, 0x00000000};
	int i;

	(void)state;
	for (i = 0; i < 8; i++)
		key[i] = (uint32_t)(4 * i) | (uint32_t)(4 * i + 1) << 8 |
		         (uint32_t)(4 * i + 2) << 16 | (uint32_t)(4 * i + 3) << 24;
	chacha20_block(key, 1, nonce, out);
	assert_int_equal(out[0], 0xe4e7f110);
	assert_int_equal(out[1], 0x15593bd1);
	assert_int_equal(out[2], 0x1fdd0f50);
	assert_int_equal(out[15], 0x4e3c50a2);
}

static void test_same_input_same_output(void **state)
{
	struct drbg a = {0}, b = {0};
	uint8_t x[100], y[100];

	(void)state;
	drbg_mix(&a, "seed", 4);
	drbg_mix(&b, "seed", 4);
	drbg_generate(&a, x, sizeof(x));
	drbg_generate(&b, y, sizeof(y));
	assert_memory_equal(x, y, sizeof(x));
}

static void test_input_matters(void **state)
{
	struct drbg a = {0}, b = {0}, c = {0}, d = {0};
	uint8_t x[32], y[32];

	(void)state;
	drbg_mix(&a, "seed", 4);
	drbg_mix(&b, "seeD", 4);
	drbg_generate(&a, x, sizeof(x));
	drbg_generate(&b, y, sizeof(y));
	assert_memory_not_equal(x, y, sizeof(x));
	/* Chunking is not ambiguous: "ab" then "" differs from "a" then "b". */
	drbg_mix(&c, "ab", 2);
	drbg_mix(&c, "", 0);
	drbg_mix(&d, "a", 1);
	drbg_mix(&d, "b", 1);
	drbg_generate(&c, x, sizeof(x));
	drbg_generate(&d, y, sizeof(y));
	assert_memory_not_equal(x, y, sizeof(x));
}

static void test_no_repeat_and_key_erasure(void **state)
{
	struct drbg a = {0};
	uint32_t before[8];
	uint8_t x[64], y[64];

	(void)state;
	drbg_mix(&a, "seed", 4);
	memcpy(before, a.key, sizeof(before));
	drbg_generate(&a, x, sizeof(x));
	assert_memory_not_equal(before, a.key, sizeof(before));
	drbg_generate(&a, y, sizeof(y));
	assert_memory_not_equal(x, y, sizeof(x));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chacha20_rfc8439),
	    cmocka_unit_test(test_same_input_same_output),
	    cmocka_unit_test(test_input_matters),
	    cmocka_unit_test(test_no_repeat_and_key_erasure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
