/*
 * SYN cookies (net/syncookie.c): a cookie comes back as the MSS it was
 * made with, within its life only, and for its own connection, client
 * ISN and key only; the MSS option is read as lwIP reads it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "syncookie.h"

#define SLOT NET_COOKIE_SLOT_NS

static const uint8_t key_a[NET_ISN_KEY_BYTES] = {1, 2,  3,  4,  5,  6,  7,  8,
                                                 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t key_b[NET_ISN_KEY_BYTES] = {1, 2,  3,  4,  5,  6,  7,  8,
                                                 9, 10, 11, 12, 13, 14, 15, 17};

static struct net_isn_end v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct net_isn_end e = {.addr = {a, b, c, d}, .addr_len = 4, .port = port};

	return e;
}

static const struct net_isn_end *server(void)
{
	static struct net_isn_end s;

	s = v4(192, 0, 2, 2, 80);
	return &s;
}

/* Made and checked at once, at every MSS: the largest table value at or under it. */
static void test_round_trip_mss(void **state)
{
	struct net_isn_end c = v4(192, 0, 2, 1, 40000);
	uint64_t now = 1000 * SLOT + 5;

	(void)state;
	for (unsigned mss = 0; mss <= 9000; mss++) {
		uint32_t k = net_cookie_make(key_a, now, server(), &c, 0x12345678u, (uint16_t)mss);
		uint16_t got = net_cookie_check(key_a, now, server(), &c, 0x12345678u, k);
		uint16_t want = net_cookie_mss[0];

		for (unsigned i = 0; i < 8; i++)
			if (net_cookie_mss[i] <= mss)
				want = net_cookie_mss[i];
		assert_int_equal(got, want);
	}
}

/* Good in its slot and the next; not after, and not before it was made. */
static void test_life(void **state)
{
	struct net_isn_end c = v4(192, 0, 2, 1, 40000);
	uint64_t made = 77 * SLOT + SLOT / 2;
	uint32_t k = net_cookie_make(key_a, made, server(), &c, 7, 1460);

	(void)state;
	assert_int_equal(net_cookie_check(key_a, 77 * SLOT, server(), &c, 7, k), 1460);
	assert_int_equal(net_cookie_check(key_a, 78 * SLOT + SLOT - 1, server(), &c, 7, k), 1460);
	assert_int_equal(net_cookie_check(key_a, 79 * SLOT, server(), &c, 7, k), 0);
	assert_int_equal(net_cookie_check(key_a, 76 * SLOT + SLOT - 1, server(), &c, 7, k), 0);
	/* 32 slots on, the slot bits are the same again: the hash still refuses. */
	assert_int_equal(net_cookie_check(key_a, 109 * SLOT, server(), &c, 7, k), 0);
	/* At the clock's start (slot 0) too. */
	k = net_cookie_make(key_a, 0, server(), &c, 7, 1460);
	assert_int_equal(net_cookie_check(key_a, 1, server(), &c, 7, k), 1460);
}

/* Another port, address, client ISN or key: refused. */
static void test_bound_to_connection(void **state)
{
	struct net_isn_end c = v4(192, 0, 2, 1, 40000), other;
	uint64_t now = 5 * SLOT;
	uint32_t k = net_cookie_make(key_a, now, server(), &c, 99, 1460);

	(void)state;
	assert_int_equal(net_cookie_check(key_a, now, server(), &c, 99, k), 1460);
	assert_int_equal(net_cookie_check(key_a, now, server(), &c, 100, k), 0);
	assert_int_equal(net_cookie_check(key_b, now, server(), &c, 99, k), 0);
	other = c;
	other.port++;
	assert_int_equal(net_cookie_check(key_a, now, server(), &other, 99, k), 0);
	other = c;
	other.addr[3]++;
	assert_int_equal(net_cookie_check(key_a, now, server(), &other, 99, k), 0);
	/* The ends swapped. */
	assert_int_equal(net_cookie_check(key_a, now, &c, server(), 99, k), 0);
	/* IPv6 with the same first four bytes. */
	other = c;
	other.addr_len = 16;
	assert_int_equal(net_cookie_check(key_a, now, server(), &other, 99, k), 0);
}

/* Every single-bit change of a cookie is refused, the MSS bits included. */
static void test_bit_flips(void **state)
{
	struct net_isn_end c = v4(198, 51, 100, 9, 5353);
	uint64_t now = 12345 * SLOT;
	uint32_t k = net_cookie_make(key_a, now, server(), &c, 0xdeadbeefu, 1400);

	(void)state;
	assert_int_equal(net_cookie_check(key_a, now, server(), &c, 0xdeadbeefu, k), 1400);
	for (int b = 0; b < 32; b++)
		assert_int_equal(
		    net_cookie_check(key_a, now, server(), &c, 0xdeadbeefu, k ^ (1u << b)), 0);
}

/* Cookies of one client's connections spread over the hash bits. */
static void test_cookies_spread(void **state)
{
	struct net_isn_end c = v4(203, 0, 113, 5, 0);
	uint64_t now = 3 * SLOT;
	uint32_t first = 0, same_low = 0;

	(void)state;
	for (unsigned p = 0; p < 256; p++) {
		uint32_t k;

		c.port = (uint16_t)(20000 + p);
		k = net_cookie_make(key_a, now, server(), &c, 1, 1460) & 0xffffff;
		if (p == 0)
			first = k;
		else if (k == first)
			same_low++;
	}
	assert_int_equal(same_low, 0);
}

static uint16_t mss_of(const uint8_t *o, size_t n, size_t split)
{
	return net_tcp_opt_mss(o, split, o + split, n - split);
}

/* The option wherever it sits, split anywhere between lwIP's two parts. */
static void test_opt_mss(void **state)
{
	const uint8_t plain[] = {2, 4, 0x05, 0xb4};
	const uint8_t linux_syn[] = {2, 4, 0x05, 0x84, 4, 2, 8, 10, 1, 2,
	                             3, 4, 0,    0,    0, 0, 1, 3,  3, 7};
	const uint8_t after_nops[] = {1, 1, 4, 2, 2, 4, 0x02, 0x18};
	const uint8_t zero[] = {2, 4, 0, 0};
	const uint8_t after_eol[] = {0, 2, 4, 0x05, 0xb4};
	const uint8_t short_len[] = {3, 1, 2, 4, 0x05, 0xb4};
	const uint8_t past_end[] = {8, 10, 1, 2, 3, 4, 2, 4, 0x05};
	const uint8_t wrong_len[] = {2, 3, 0x05, 2, 4, 0x04, 0x00};
	const uint8_t cut[] = {2, 4, 0x05};

	(void)state;
	for (size_t s = 0; s <= sizeof(plain); s++)
		assert_int_equal(mss_of(plain, sizeof(plain), s), 1460);
	for (size_t s = 0; s <= sizeof(linux_syn); s++)
		assert_int_equal(mss_of(linux_syn, sizeof(linux_syn), s), 1412);
	for (size_t s = 0; s <= sizeof(after_nops); s++)
		assert_int_equal(mss_of(after_nops, sizeof(after_nops), s), 536);
	assert_int_equal(net_tcp_opt_mss(NULL, 0, NULL, 0), NET_TCP_DEFAULT_MSS);
	assert_int_equal(mss_of(zero, sizeof(zero), 2), NET_TCP_DEFAULT_MSS);
	assert_int_equal(mss_of(after_eol, sizeof(after_eol), 1), NET_TCP_DEFAULT_MSS);
	assert_int_equal(mss_of(short_len, sizeof(short_len), 3), NET_TCP_DEFAULT_MSS);
	assert_int_equal(mss_of(past_end, sizeof(past_end), 4), NET_TCP_DEFAULT_MSS);
	/* An MSS option of the wrong length is skipped by its length. */
	assert_int_equal(mss_of(wrong_len, sizeof(wrong_len), 5), 0x0400);
	for (size_t s = 0; s <= sizeof(cut); s++)
		assert_int_equal(mss_of(cut, sizeof(cut), s), NET_TCP_DEFAULT_MSS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_mss),      cmocka_unit_test(test_life),
	    cmocka_unit_test(test_bound_to_connection), cmocka_unit_test(test_bit_flips),
	    cmocka_unit_test(test_cookies_spread),      cmocka_unit_test(test_opt_mss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
