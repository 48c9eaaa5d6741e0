/*
 * dns/rrl.c: `rate` answers in an instant pass and the next is limited;
 * every slip-th limited answer slips; networks are IPv4 /24 and IPv6 /56
 * (checked on both sides of each boundary); kinds and names make separate
 * buckets, names without case, errors without names; time gives the
 * allowance back at the rate and no faster; a table much smaller than the
 * networks seen stays its size, answers newcomers and keeps the bucket
 * being limited; nothing is allocated after dns_rrl_init (malloc, calloc
 * and realloc are wrapped and counted, -Wl,--wrap in dns/module.mk).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/answer.h"
#include "dns/rrl.h"

#include "tests/unit/alloc_count.h"

/* ---- helpers ---- */

#define SEC 1000000000ULL
#define T0 (5 * SEC)

/* The wire form of a name ("www.example." or "www.example"), in one of a few rotating buffers. */
static const uint8_t *wire(const char *text)
{
	static uint8_t bufs[4][DNS_NAME_MAX];
	static int next;
	uint8_t *out = bufs[next++ % 4], *len = out;
	size_t o = 1;

	for (const char *p = text; *p; p++) {
		if (*p == '.') {
			*len = (uint8_t)(out + o - len - 1);
			len = out + o++;
			continue;
		}
		out[o++] = (uint8_t)*p;
	}
	*len = (uint8_t)(out + o - len - 1);
	if (*len)
		out[o] = 0;
	return out;
}

static struct dns_rrl table(unsigned entries, unsigned rate, unsigned slip)
{
	struct dns_rrl r;

	assert_int_equal(dns_rrl_init(&r, entries, rate, slip), 0);
	return r;
}

static enum dns_rrl_action v4(struct dns_rrl *r, uint8_t a, uint8_t b, uint8_t c, uint8_t d,
                              uint64_t now)
{
	const uint8_t ip[4] = {a, b, c, d};

	return dns_rrl_check(r, ip, 4, DNS_KIND_ANSWER, wire("www.example."), now);
}

/* `n` answers to one client in one instant: how many were sent. */
static unsigned burst(struct dns_rrl *r, const uint8_t *ip, size_t iplen, int kind,
                      const char *name, unsigned n, uint64_t now)
{
	unsigned sent = 0;

	for (unsigned i = 0; i < n; i++)
		sent += dns_rrl_check(r, ip, iplen, kind, name ? wire(name) : NULL, now) ==
		        DNS_RRL_SEND;
	return sent;
}

static const uint8_t client[4] = {192, 0, 2, 10};

/* ---- tests ---- */

static void test_rate(void **state)
{
	struct dns_rrl r = table(64, 10, 2);

	(void)state;
	for (int i = 0; i < 10; i++)
		assert_int_equal(v4(&r, 192, 0, 2, 10, T0), DNS_RRL_SEND);
	assert_int_not_equal(v4(&r, 192, 0, 2, 10, T0), DNS_RRL_SEND);
	assert_int_equal(r.limited, 1);
	dns_rrl_fini(&r);

	r = table(64, DNS_RRL_DEFAULT_RATE, DNS_RRL_DEFAULT_SLIP);
	assert_int_equal(
	    burst(&r, client, 4, DNS_KIND_ANSWER, "a.example.", DNS_RRL_DEFAULT_RATE + 1, T0),
	    DNS_RRL_DEFAULT_RATE);
	dns_rrl_fini(&r);
}

/* slip 2: limited answers go drop, slip, drop, slip; 0 never slips, 1 always, 3 every third. */
static void test_slip(void **state)
{
	static const unsigned slips[] = {0, 1, 2, 3};

	(void)state;
	for (size_t s = 0; s < sizeof(slips) / sizeof(*slips); s++) {
		struct dns_rrl r = table(64, 5, slips[s]);
		unsigned k = slips[s];

		assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "www.example.", 5, T0), 5);
		for (unsigned i = 1; i <= 12; i++) {
			enum dns_rrl_action want = k && i % k == 0 ? DNS_RRL_SLIP : DNS_RRL_DROP;
			assert_int_equal(v4(&r, 192, 0, 2, 10, T0), want);
		}
		assert_int_equal(r.limited, 12);
		assert_int_equal(r.slipped, k ? 12 / k : 0);
		dns_rrl_fini(&r);
	}
}

/* Another host of the same /24 shares the bucket; the next /24 does not. */
static void test_v4_network(void **state)
{
	struct dns_rrl r = table(64, 4, 2);

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(v4(&r, 192, 0, 2, 10, T0), DNS_RRL_SEND);
	assert_int_not_equal(v4(&r, 192, 0, 2, 255, T0), DNS_RRL_SEND);
	assert_int_not_equal(v4(&r, 192, 0, 2, 0, T0), DNS_RRL_SEND);
	assert_int_equal(v4(&r, 192, 0, 3, 10, T0), DNS_RRL_SEND);
	assert_int_equal(v4(&r, 192, 0, 1, 10, T0), DNS_RRL_SEND);
	assert_int_equal(v4(&r, 193, 0, 2, 10, T0), DNS_RRL_SEND);
	dns_rrl_fini(&r);
}

/*
 * 2001:db8:1:2300::1 and addresses one bit away: bit 55 (counting from 0
 * at the top, the last of the /56) makes another network, bit 57 (inside
 * the interface's part) the same one. An IPv4 address with the same first
 * octets is another network too.
 */
static void test_v6_network(void **state)
{
	struct dns_rrl r = table(64, 4, 2);
	uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x23, 0x00, 0, 0, 0, 0, 0, 0, 0, 1};
	uint8_t bit55[16], bit57[16], bit63[16];
	const uint8_t four[4] = {0x20, 0x01, 0x0d, 0xb8};

	(void)state;
	memcpy(bit55, a, 16);
	bit55[6] ^= 0x01; /* bits 48..55 are octet 6; 55 is its lowest */
	memcpy(bit57, a, 16);
	bit57[7] ^= 0x40; /* bits 56..63 are octet 7; 57 is its second highest */
	memcpy(bit63, a, 16);
	bit63[15] ^= 0xff;
	assert_int_equal(burst(&r, a, 16, DNS_KIND_ANSWER, "www.example.", 4, T0), 4);
	assert_int_equal(burst(&r, bit57, 16, DNS_KIND_ANSWER, "www.example.", 1, T0), 0);
	assert_int_equal(burst(&r, bit63, 16, DNS_KIND_ANSWER, "www.example.", 1, T0), 0);
	assert_int_equal(burst(&r, bit55, 16, DNS_KIND_ANSWER, "www.example.", 4, T0), 4);
	assert_int_equal(burst(&r, four, 4, DNS_KIND_ANSWER, "www.example.", 4, T0), 4);
	dns_rrl_fini(&r);
}

/* Kinds and names make their own buckets; names without case; errors share one, names ignored. */
static void test_buckets(void **state)
{
	struct dns_rrl r = table(64, 3, 2);

	(void)state;
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "www.example.", 3, T0), 3);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "WwW.ExAmPlE.", 1, T0), 0);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "mail.example.", 3, T0), 3);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_NODATA, "www.example.", 3, T0), 3);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_NXDOMAIN, "example.", 3, T0), 3);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_NXDOMAIN, "example.", 1, T0), 0);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_REFERRAL, "example.", 3, T0), 3);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_WILDCARD, "example.", 3, T0), 3);
	/* Errors: one bucket per network whatever the name, refusals in it too. */
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ERROR, "a.example.", 2, T0), 2);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_REFUSED, "b.invalid.", 1, T0), 1);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ERROR, NULL, 1, T0), 0);
	/* No name and the root are buckets of their own for an answer. */
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, NULL, 3, T0), 3);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "", 3, T0), 3);
	dns_rrl_fini(&r);
}

/* A name that does not end within 255 octets counts as no name, and is not read past. */
static void test_malformed_name(void **state)
{
	struct dns_rrl r = table(64, 2, 2);
	uint8_t bad[DNS_NAME_MAX];

	(void)state;
	memset(bad, 1, sizeof(bad));
	assert_int_equal(dns_rrl_check(&r, client, 4, DNS_KIND_ANSWER, bad, T0), DNS_RRL_SEND);
	assert_int_equal(dns_rrl_check(&r, client, 4, DNS_KIND_ANSWER, NULL, T0), DNS_RRL_SEND);
	assert_int_not_equal(dns_rrl_check(&r, client, 4, DNS_KIND_ANSWER, bad, T0), DNS_RRL_SEND);
	dns_rrl_fini(&r);
}

/* One token back every 1/rate s (100 ms at 10 a second), and no more than rate after an idle hour.
 */
static void test_refill(void **state)
{
	struct dns_rrl r = table(64, 10, 2);
	uint64_t tick = SEC / 10;

	(void)state;
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "www.example.", 11, T0), 10);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "www.example.", 1, T0 + tick - 1),
	                 0);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "www.example.", 2, T0 + tick), 1);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "www.example.", 3, T0 + 3 * tick),
	                 2);
	/* Full again a second after the bucket's last answer. */
	assert_int_equal(
	    burst(&r, client, 4, DNS_KIND_ANSWER, "www.example.", 11, T0 + 3 * tick + SEC), 10);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "www.example.", 11, T0 + 3600 * SEC),
	                 10);
	dns_rrl_fini(&r);
}

/*
 * 8 entries and 1,000 networks: the table stays 8 entries, every newcomer
 * is answered (a bucket it never had is full), entries are handed over,
 * and the one network being limited stays limited through it all.
 */
static void test_table_full(void **state)
{
	struct dns_rrl r = table(8, 5, 2);

	(void)state;
	assert_int_equal(r.n, 8);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "www.example.", 6, T0), 5);
	for (unsigned i = 0; i < 1000; i++) {
		assert_int_equal(v4(&r, 10, (uint8_t)(i >> 8), (uint8_t)i, 1, T0), DNS_RRL_SEND);
		assert_int_not_equal(v4(&r, 192, 0, 2, 10, T0), DNS_RRL_SEND);
	}
	assert_int_equal(r.n, 8);
	assert_true(r.replaced >= 1000 - 8);
	assert_int_equal(r.limited, 1001);
	dns_rrl_fini(&r);
}

/* dns_rrl_init allocates once; 200,000 checks allocate nothing. */
static void test_no_allocation(void **state)
{
	struct dns_rrl r;
	unsigned before;

	(void)state;
	before = allocations;
	assert_int_equal(
	    dns_rrl_init(&r, DNS_RRL_DEFAULT_ENTRIES, DNS_RRL_DEFAULT_RATE, DNS_RRL_DEFAULT_SLIP),
	    0);
	assert_int_equal(allocations - before, 1);
	before = allocations;
	for (unsigned i = 0; i < 200000; i++) {
		const uint8_t ip[4] = {(uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i, 1};
		dns_rrl_check(&r, ip, 4, (int)(i % 7), wire("www.example."), T0 + i * 1000);
	}
	assert_int_equal(allocations, before);
	assert_int_equal(r.n * sizeof(*r.v), 98304);
	dns_rrl_fini(&r);
}

static void test_init(void **state)
{
	struct dns_rrl r;

	(void)state;
	assert_int_equal(dns_rrl_init(&r, 0, 10, 2), -EINVAL);
	assert_int_equal(dns_rrl_init(&r, 1, 10, 2), -EINVAL);
	assert_int_equal(dns_rrl_init(&r, DNS_RRL_ENTRIES_MAX + 1, 10, 2), -EINVAL);
	assert_int_equal(dns_rrl_init(&r, 64, 0, 2), -EINVAL);
	assert_int_equal(dns_rrl_init(&r, 64, DNS_RRL_RATE_MAX + 1, 2), -EINVAL);
	assert_int_equal(dns_rrl_init(&r, 5, 10, 2), 0);
	assert_int_equal(r.n, 6);
	assert_int_equal(sizeof(struct dns_rrl_entry), 24);
	dns_rrl_fini(&r);
}

/* A new key forgets what was counted; counting works the same under it. */
static void test_seed(void **state)
{
	struct dns_rrl r = table(64, 3, 2);
	uint8_t key[16];

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "www.example.", 4, T0), 3);
	dns_rrl_seed(&r, key);
	assert_int_equal(burst(&r, client, 4, DNS_KIND_ANSWER, "www.example.", 4, T0), 3);
	dns_rrl_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rate),          cmocka_unit_test(test_slip),
	    cmocka_unit_test(test_v4_network),    cmocka_unit_test(test_v6_network),
	    cmocka_unit_test(test_buckets),       cmocka_unit_test(test_malformed_name),
	    cmocka_unit_test(test_refill),        cmocka_unit_test(test_table_full),
	    cmocka_unit_test(test_no_allocation), cmocka_unit_test(test_init),
	    cmocka_unit_test(test_seed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
