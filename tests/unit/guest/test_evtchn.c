/*
 * Host unit tests (cmocka) of the 2-level event-channel bookkeeping
 * (guest/xen/evtchn_bits.h): which ports the upcall takes given the
 * selector, the pending and the mask bitmaps, and what it leaves behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xen/evtchn_bits.h"

#define WORDS (EVTCHN_NR_PORTS / 32)

static uint32_t pending[WORDS], mask[WORDS], fired[WORDS];

static int setup(void **state)
{
	(void)state;
	memset(pending, 0, sizeof(pending));
	memset(mask, 0, sizeof(mask));
	memset(fired, 0, sizeof(fired));
	return 0;
}

static void set_bit(uint32_t *bits, unsigned int port)
{
	bits[port / 32] |= 1u << (port % 32);
}

static int bit(const uint32_t *bits, unsigned int port)
{
	return (bits[port / 32] >> (port % 32)) & 1;
}

static void test_selected_unmasked_ports_move(void **state)
{
	(void)state;
	set_bit(pending, 3);
	set_bit(pending, 40); /* word 0, upper half */
	set_bit(pending, 64); /* word 1 */
	assert_int_equal(evtchn_scan(0x3, pending, mask, fired), 3);
	assert_true(bit(fired, 3) && bit(fired, 40) && bit(fired, 64));
	assert_false(bit(pending, 3) || bit(pending, 40) || bit(pending, 64));
}

static void test_masked_ports_stay_pending(void **state)
{
	(void)state;
	set_bit(pending, 5);
	set_bit(pending, 6);
	set_bit(mask, 6);
	assert_int_equal(evtchn_scan(0x1, pending, mask, fired), 1);
	assert_true(bit(fired, 5));
	assert_false(bit(fired, 6));
	assert_true(bit(pending, 6));
}

static void test_unselected_words_ignored(void **state)
{
	(void)state;
	/* Port 130 is in 64-bit word 2, but the selector names word 0 only:
	 * Xen sets the selector bit after the port bit, so it will come. */
	set_bit(pending, 130);
	assert_int_equal(evtchn_scan(0x1, pending, mask, fired), 0);
	assert_true(bit(pending, 130));
	assert_int_equal(evtchn_scan(0x4, pending, mask, fired), 1);
	assert_true(bit(fired, 130));
}

static void test_last_port_and_high_selector(void **state)
{
	(void)state;
	set_bit(pending, EVTCHN_NR_PORTS - 1);
	assert_int_equal(evtchn_scan(1ull << 63, pending, mask, fired), 1);
	assert_true(bit(fired, EVTCHN_NR_PORTS - 1));
}

static void test_take_clears_once(void **state)
{
	(void)state;
	set_bit(fired, 77);
	assert_true(evtchn_bit_test(fired, 77));
	assert_true(evtchn_bit_take(fired, 77));
	assert_false(evtchn_bit_take(fired, 77));
	assert_false(evtchn_bit_test(fired, 77));
}

static void test_fired_accumulates(void **state)
{
	(void)state;
	set_bit(fired, 9);
	set_bit(pending, 10);
	evtchn_scan(0x1, pending, mask, fired);
	assert_true(bit(fired, 9) && bit(fired, 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_selected_unmasked_ports_move, setup),
	    cmocka_unit_test_setup(test_masked_ports_stay_pending, setup),
	    cmocka_unit_test_setup(test_unselected_words_ignored, setup),
	    cmocka_unit_test_setup(test_last_port_and_high_selector, setup),
	    cmocka_unit_test_setup(test_take_clears_once, setup),
	    cmocka_unit_test_setup(test_fired_accumulates, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
