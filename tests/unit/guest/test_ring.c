/*
 * Host unit tests (cmocka) of the index arithmetic of Xen's byte rings
 * (guest/xen/ring.h), used by the console and xenstore clients. The
 * indexes are free-running 32-bit counters, so the cases that matter are
 * the wrap of the counters and indexes a misbehaving backend corrupted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "xen/ring.h"

#define SIZE 1024u

static void test_fill_level(void **state)
{
	(void)state;
	assert_int_equal(ring_used(5, 3, SIZE), 2);
	assert_int_equal(ring_free(5, 3, SIZE), SIZE - 2);
	assert_int_equal(ring_used(7, 7, SIZE), 0);
	assert_int_equal(ring_free(SIZE, 0, SIZE), 0);
}

static void test_counter_wrap(void **state)
{
	(void)state;
	/* prod wrapped past 2^32, cons not yet. */
	assert_int_equal(ring_used(2, 0xfffffffeu, SIZE), 4);
	assert_int_equal(ring_free(3, 0xfffffc03u, SIZE), 0);
	assert_int_equal(ring_slot(0xffffffffu, SIZE), SIZE - 1);
	assert_int_equal(ring_slot(0xffffffffu + 1u, SIZE), 0);
}

static void test_corrupt_indexes(void **state)
{
	(void)state;
	/* More "used" than the ring holds: flagged, and nothing is free, so
	 * a writer never overruns the consumer. */
	assert_int_equal(ring_used(2000, 0, SIZE), SIZE + 1);
	assert_int_equal(ring_free(2000, 0, SIZE), 0);
	/* cons ahead of prod reads as a huge fill level: corrupt too. */
	assert_int_equal(ring_used(0, 1, SIZE), SIZE + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fill_level),
	    cmocka_unit_test(test_counter_wrap),
	    cmocka_unit_test(test_corrupt_indexes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
