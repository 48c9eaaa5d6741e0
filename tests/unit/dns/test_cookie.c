/*
 * dns/cookie.c: SipHash-2-4 against the reference implementation's 64
 * vectors (github.com/veorq/SipHash, vectors.h: key 00..0f, messages
 * 00..(n-1) for n = 0..63; n = 15 is the paper's Appendix A example,
 * a129ca6149be45e5), the four examples of RFC 9018 Appendix A byte for
 * byte (new cookie, renewed cookie, non-zero Reserved, IPv6 with a rolled
 * secret), and every outcome of dns_cookie_check on both sides of each of
 * its time edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns/cookie.h"

/* ---- helpers ---- */

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s) / 2;

	assert_true(strlen(s) % 2 == 0 && n <= max);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void assert_hex(const uint8_t *got, const char *want)
{
	uint8_t w[64];
	size_t n = unhex(want, w, sizeof(w));

	assert_memory_equal(got, w, n);
}

/* A query as dns_msg_query leaves it, with the COOKIE option's octets in hex ("" for none). */
static struct dns_query query(const char *option)
{
	struct dns_query q;
	uint8_t b[DNS_COOKIE_CLIENT + DNS_COOKIE_SERVER_MAX];
	size_t n = unhex(option, b, sizeof(b));

	memset(&q, 0, sizeof(q));
	if (n == 0)
		return q;
	assert_true(n >= DNS_COOKIE_CLIENT);
	q.cookie = true;
	memcpy(q.cookie_client, b, DNS_COOKIE_CLIENT);
	memcpy(q.cookie_server, b + DNS_COOKIE_CLIENT, n - DNS_COOKIE_CLIENT);
	q.cookie_server_len = (uint8_t)(n - DNS_COOKIE_CLIENT);
	return q;
}

static struct dns_cookies with_secret(const char *hex)
{
	struct dns_cookies c;
	uint8_t s[DNS_COOKIE_SECRET];

	memset(&c, 0, sizeof(c));
	unhex(hex, s, sizeof(s));
	dns_cookie_secret(&c, s);
	return c;
}

/* ---- SipHash-2-4 ---- */

static const char *const sip_vectors[64] = {
    "310e0edd47db6f72", "fd67dc93c539f874", "5a4fa9d909806c0d", "2d7efbd796666785",
    "b7877127e09427cf", "8da699cd64557618", "cee3fe586e46c9cb", "37d1018bf50002ab",
    "6224939a79f5f593", "b0e4a90bdf82009e", "f3b9dd94c5bb5d7a", "a7ad6b22462fb3f4",
    "fbe50e86bc8f1e75", "903d84c02756ea14", "eef27a8e90ca23f7", "e545be4961ca29a1",
    "db9bc2577fcc2a3f", "9447be2cf5e99a69", "9cd38d96f0b3c14b", "bd6179a71dc96dbb",
    "98eea21af25cd6be", "c7673b2eb0cbf2d0", "883ea3e395675393", "c8ce5ccd8c030ca8",
    "94af49f6c650adb8", "eab8858ade92e1bc", "f315bb5bb835d817", "adcf6b0763612e2f",
    "a5c91da7acaa4dde", "716595876650a2a6", "28ef495c53a387ad", "42c341d8fa92d832",
    "ce7cf2722f512771", "e37859f94623f3a7", "381205bb1ab0e012", "ae97a10fd434e015",
    "b4a31508beff4d31", "81396229f0907902", "4d0cf49ee5d4dcca", "5c73336a76d8bf9a",
    "d0a704536ba93e0e", "925958fcd6420cad", "a915c29bc8067318", "952b79f3bc0aa6d4",
    "f21df2e41d4535f9", "87577519048f53a9", "10a56cf5dfcd9adb", "eb75095ccd986cd0",
    "51a9cb9ecba312e6", "96afadfc2ce666c7", "72fe52975a4364ee", "5a1645b276d592a1",
    "b274cb8ebf87870a", "6f9bb4203de7b381", "eaecb2a30b22a87f", "9924a43cc1315724",
    "bd838d3aafbf8db7", "0b1a2a3265d51aea", "135079a3231ce660", "932b2846e4d70666",
    "e1915f5cb1eca46c", "f325965ca16d629f", "575ff28e60381be5", "724506eb4c328a95",
};

static void test_siphash_vectors(void **state)
{
	uint8_t key[16], msg[64], out[8];

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (size_t n = 0; n < 64; n++) {
		uint64_t h = dns_siphash24(key, msg, n);
		for (int i = 0; i < 8; i++)
			out[i] = (uint8_t)(h >> (8 * i));
		assert_hex(out, sip_vectors[n]);
	}
}

/* The paper's worked example (Appendix A): the 15-byte message 00..0e. */
static void test_siphash_paper(void **state)
{
	uint8_t key[16], msg[15];

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(dns_siphash24(key, msg, sizeof(msg)) == 0xa129ca6149be45e5ULL);
}

/* ---- RFC 9018 Appendix A ---- */

#define A_SECRET "e5e973e5a6b2a43f48e7dc849e37bfcf"
static const uint8_t ip_a1[4] = {198, 51, 100, 100};
static const uint8_t ip_a3[4] = {203, 0, 113, 203};
static const uint8_t ip_a4[16] = {0x20, 0x01, 0x0d, 0xb8, 0x02, 0x20, 0x00, 0x01,
                                  0x59, 0xde, 0xd0, 0xf4, 0x87, 0x69, 0x82, 0xb8};

/* A.1: a Client Cookie alone; the answer's Server Cookie. */
static void test_a1_new_cookie(void **state)
{
	struct dns_cookies c = with_secret(A_SECRET);
	struct dns_query q = query("2464c4abcf10c957");
	uint8_t out[DNS_COOKIE_LEN];

	(void)state;
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, 1559731985), DNS_COOKIE_CLIENT_ONLY);
	dns_cookie_make(&c, q.cookie_client, ip_a1, 4, 1559731985, out);
	assert_hex(out, "010000005cf79f111f8130c3eee29480");
}

/* A.2: the same client 40 minutes later: valid, but due for a new one. */
static void test_a2_renewed(void **state)
{
	struct dns_cookies c = with_secret(A_SECRET);
	struct dns_query q = query("2464c4abcf10c957010000005cf79f111f8130c3eee29480");
	uint8_t out[DNS_COOKIE_LEN];

	(void)state;
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, 1559731985), DNS_COOKIE_VALID);
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, 1559734385), DNS_COOKIE_VALID_REFRESH);
	dns_cookie_make(&c, q.cookie_client, ip_a1, 4, 1559734385, out);
	assert_hex(out, "010000005cf7a871d4a564a1442aca77");
}

/*
 * A.3: a cookie whose Reserved octets are not zero still verifies (they
 * are hashed as received). The example's answer comes 1 h 51 min 55 s
 * after the cookie was made, past the hour of RFC 9018 4.3: BAD to us,
 * and answered, as we answer BAD, with the new cookie the RFC shows.
 */
static void test_a3_reserved(void **state)
{
	struct dns_cookies c = with_secret(A_SECRET);
	struct dns_query q = query("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5");
	uint8_t out[DNS_COOKIE_LEN];

	(void)state;
	assert_int_equal(dns_cookie_check(&c, &q, ip_a3, 4, 1559727985), DNS_COOKIE_VALID);
	assert_int_equal(dns_cookie_check(&c, &q, ip_a3, 4, 1559734700), DNS_COOKIE_BAD);
	dns_cookie_make(&c, q.cookie_client, ip_a3, 4, 1559734700, out);
	assert_hex(out, "010000005cf7a9acf73a7810aca2381e");
}

/* A.4: IPv6, the cookie made under the old secret, answered under the new one. */
#define A4_OLD "dd3bdf9344b678b185a6f5cb60fca715"
#define A4_NEW "445536bcd2513298075a5d379663c962"
#define A4_QUERY "22681ab97d52c298010000005cf7c57926556bd0934c72f8"

static void test_a4_rolled_secret(void **state)
{
	struct dns_cookies c = with_secret(A4_OLD), only_new = with_secret(A4_NEW);
	struct dns_query q = query(A4_QUERY);
	uint8_t s[DNS_COOKIE_SECRET], out[DNS_COOKIE_LEN];

	(void)state;
	assert_int_equal(dns_cookie_check(&c, &q, ip_a4, 16, 1559741961), DNS_COOKIE_VALID);
	assert_int_equal(dns_cookie_check(&only_new, &q, ip_a4, 16, 1559741961), DNS_COOKIE_BAD);
	unhex(A4_NEW, s, sizeof(s));
	dns_cookie_secret(&c, s);
	assert_int_equal(dns_cookie_check(&c, &q, ip_a4, 16, 1559741961), DNS_COOKIE_VALID_REFRESH);
	dns_cookie_make(&c, q.cookie_client, ip_a4, 16, 1559741961, out);
	assert_hex(out, "010000005cf7c609a6bb79d16625507a");
	dns_cookie_forget_previous(&c);
	assert_int_equal(dns_cookie_check(&c, &q, ip_a4, 16, 1559741961), DNS_COOKIE_BAD);
}

/* ---- outcomes and their edges ---- */

#define T0 1700000000u

/* The query a client sends back after we gave it a cookie made at `t`. */
static struct dns_query returned(const struct dns_cookies *c, const uint8_t *ip, size_t iplen,
                                 uint32_t t)
{
	struct dns_query q = query("0102030405060708");

	dns_cookie_make(c, q.cookie_client, ip, iplen, t, q.cookie_server);
	q.cookie_server_len = DNS_COOKIE_LEN;
	return q;
}

static void test_none(void **state)
{
	struct dns_cookies c = with_secret(A_SECRET);
	struct dns_query q = query("");

	(void)state;
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, T0), DNS_COOKIE_NONE);
}

/* Half an hour old is VALID; a second more and it is due for renewal (RFC 9018 4.3). */
static void test_refresh_edge(void **state)
{
	struct dns_cookies c = with_secret(A_SECRET);
	struct dns_query q = returned(&c, ip_a1, 4, T0);

	(void)state;
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, T0), DNS_COOKIE_VALID);
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, T0 + 1800), DNS_COOKIE_VALID);
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, T0 + 1801), DNS_COOKIE_VALID_REFRESH);
}

/* An hour old is still valid; an hour and a second is not (RFC 9018 4.3). */
static void test_expiry_edge(void **state)
{
	struct dns_cookies c = with_secret(A_SECRET);
	struct dns_query q = returned(&c, ip_a1, 4, T0);

	(void)state;
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, T0 + 3600), DNS_COOKIE_VALID_REFRESH);
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, T0 + 3601), DNS_COOKIE_BAD);
}

/* Five minutes in the future is accepted; five minutes and a second is not (RFC 9018 4.3). */
static void test_future_edge(void **state)
{
	struct dns_cookies c = with_secret(A_SECRET);
	struct dns_query q = returned(&c, ip_a1, 4, T0);

	(void)state;
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, T0 - 300), DNS_COOKIE_VALID);
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, T0 - 301), DNS_COOKIE_BAD);
}

/* The Timestamp is a serial number (RFC 1982): ages are right across 2^32. */
static void test_serial_wrap(void **state)
{
	struct dns_cookies c = with_secret(A_SECRET);
	struct dns_query q = returned(&c, ip_a1, 4, 0xffffff00u);

	(void)state;
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, 0x10), DNS_COOKIE_VALID);
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, 0xffffff00u + 3601u), DNS_COOKIE_BAD);
	assert_int_equal(dns_cookie_check(&c, &q, ip_a1, 4, 0xffffff00u - 301u), DNS_COOKIE_BAD);
}

/* Any changed octet of the Hash, another address or Client Cookie: BAD. */
static void test_bad_hash(void **state)
{
	struct dns_cookies c = with_secret(A_SECRET);
	struct dns_query q = returned(&c, ip_a1, 4, T0), r;
	const uint8_t other[4] = {198, 51, 100, 101};

	(void)state;
	for (int i = 8; i < DNS_COOKIE_LEN; i++) {
		r = q;
		r.cookie_server[i] ^= 0x01;
		assert_int_equal(dns_cookie_check(&c, &r, ip_a1, 4, T0), DNS_COOKIE_BAD);
	}
	assert_int_equal(dns_cookie_check(&c, &q, other, 4, T0), DNS_COOKIE_BAD);
	r = q;
	r.cookie_client[7] ^= 0x80;
	assert_int_equal(dns_cookie_check(&c, &r, ip_a1, 4, T0), DNS_COOKIE_BAD);
	/* A Timestamp moved forward without the hash: the hash covers it. */
	r = q;
	r.cookie_server[7] ^= 0x01;
	assert_int_equal(dns_cookie_check(&c, &r, ip_a1, 4, T0), DNS_COOKIE_BAD);
}

/* The same cookie from an IPv6 address: the address is hashed, its length too. */
static void test_family(void **state)
{
	struct dns_cookies c = with_secret(A_SECRET);
	struct dns_query q4 = returned(&c, ip_a1, 4, T0), q6 = returned(&c, ip_a4, 16, T0);
	uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 100};

	(void)state;
	assert_int_equal(dns_cookie_check(&c, &q6, ip_a4, 16, T0), DNS_COOKIE_VALID);
	assert_int_equal(dns_cookie_check(&c, &q4, mapped, 16, T0), DNS_COOKIE_BAD);
	assert_int_equal(dns_cookie_check(&c, &q6, ip_a1, 4, T0), DNS_COOKIE_BAD);
}

/* Not our format: another Version, another length; or no secret at all. */
static void test_not_ours(void **state)
{
	struct dns_cookies c = with_secret(A_SECRET), none;
	struct dns_query q = returned(&c, ip_a1, 4, T0), r;

	(void)state;
	r = q;
	r.cookie_server[0] = 2;
	assert_int_equal(dns_cookie_check(&c, &r, ip_a1, 4, T0), DNS_COOKIE_BAD);
	r = q;
	r.cookie_server_len = 8;
	assert_int_equal(dns_cookie_check(&c, &r, ip_a1, 4, T0), DNS_COOKIE_BAD);
	r = q;
	r.cookie_server_len = 32;
	assert_int_equal(dns_cookie_check(&c, &r, ip_a1, 4, T0), DNS_COOKIE_BAD);
	memset(&none, 0, sizeof(none));
	assert_int_equal(dns_cookie_check(&none, &q, ip_a1, 4, T0), DNS_COOKIE_BAD);
}

/* A rolled secret: the old cookie is VALID_REFRESH, a new one VALID, a second roll ends the old. */
static void test_rollover(void **state)
{
	struct dns_cookies c = with_secret(A_SECRET);
	struct dns_query old = returned(&c, ip_a1, 4, T0), fresh;
	uint8_t s[DNS_COOKIE_SECRET];

	(void)state;
	unhex(A4_NEW, s, sizeof(s));
	dns_cookie_secret(&c, s);
	fresh = returned(&c, ip_a1, 4, T0);
	assert_int_equal(dns_cookie_check(&c, &old, ip_a1, 4, T0), DNS_COOKIE_VALID_REFRESH);
	assert_int_equal(dns_cookie_check(&c, &fresh, ip_a1, 4, T0), DNS_COOKIE_VALID);
	/* Even under the previous secret, the hour still counts. */
	assert_int_equal(dns_cookie_check(&c, &old, ip_a1, 4, T0 + 3601), DNS_COOKIE_BAD);
	unhex(A4_OLD, s, sizeof(s));
	dns_cookie_secret(&c, s);
	assert_int_equal(dns_cookie_check(&c, &old, ip_a1, 4, T0), DNS_COOKIE_BAD);
	assert_int_equal(dns_cookie_check(&c, &fresh, ip_a1, 4, T0), DNS_COOKIE_VALID_REFRESH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_siphash_vectors),
	    cmocka_unit_test(test_siphash_paper),
	    cmocka_unit_test(test_a1_new_cookie),
	    cmocka_unit_test(test_a2_renewed),
	    cmocka_unit_test(test_a3_reserved),
	    cmocka_unit_test(test_a4_rolled_secret),
	    cmocka_unit_test(test_none),
	    cmocka_unit_test(test_refresh_edge),
	    cmocka_unit_test(test_expiry_edge),
	    cmocka_unit_test(test_future_edge),
	    cmocka_unit_test(test_serial_wrap),
	    cmocka_unit_test(test_bad_hash),
	    cmocka_unit_test(test_family),
	    cmocka_unit_test(test_not_ours),
	    cmocka_unit_test(test_rollover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
