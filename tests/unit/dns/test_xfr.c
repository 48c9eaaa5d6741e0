/*
 * dns/xfr.c: an AXFR of a zone, signed, in messages small enough that it
 * takes several: the SOA first and last, every other record once between,
 * each message carrying a TSIG; the zone replaced (freed) in the middle of
 * the transfer, which goes on with the version it began (AddressSanitizer
 * would see a use after free); and the refusals: no TSIG, a key not ours,
 * a name that is no zone's apex.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/db.h"
#include "dns/msg.h"
#include "dns/tsig.h"
#include "dns/xfr.h"

#define NOW 1796120000u

static const char keyfile[] = "key \"xfr\" { algorithm hmac-sha256; "
                              "secret \"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=\"; };\n";
static const char otherkey[] = "key \"xfr\" { algorithm hmac-sha256; "
                               "secret \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"; };\n";

static struct dns_tsig_key keys[1], wrong[1];
static struct dns_zone *zone;
static const struct dns_zone *list[1];
static const struct dns_zones zones = {list, 1};

static void load_zone(int records)
{
	static char text[65536];
	char err[256];
	size_t w = (size_t)snprintf(text, sizeof(text),
	                            "$TTL 60\n@ SOA ns hm 5 1 1 1 1\n@ NS ns\nns A 192.0.2.1\n");

	for (int i = 0; i < records; i++)
		w += (size_t)snprintf(text + w, sizeof(text) - w, "h%d TXT \"record %d\"\n", i, i);
	assert_int_equal(dns_zone_load("x.zone", text, w, (const uint8_t *)"\7example\3org", &zone,
	                               err, sizeof(err)),
	                 0);
	list[0] = zone;
}

/* An AXFR query for `name`, signed with `key` (NULL: unsigned), parsed into q. */
static size_t query(const char *name, const struct dns_tsig_key *key, uint8_t *m,
                    struct dns_query *q)
{
	struct dns_query ask = {
	    .hdr = {.id = 7}, .has_question = true, .qtype = DNS_T_AXFR, .qclass = DNS_C_IN};
	struct dns_tsig_state st;
	struct dns_out o;
	long n;

	assert_true(dns_name_from_text(name, strlen(name), NULL, ask.qname) > 0);
	assert_int_equal(dns_out_begin(&o, m, 512, &ask, 0), 0);
	m[2] &= 0x7f; /* a query, not an answer */
	n = key ? dns_tsig_sign_request(&o, key, NOW, &st) : (long)dns_out_end(&o);
	assert_true(n > 0);
	assert_int_equal(dns_msg_query(m, (size_t)n, q), 0);
	return (size_t)n;
}

static int rcode_of(const uint8_t *m)
{
	return m[3] & 15;
}

static void test_transfer_in_messages(void **state)
{
	uint8_t m[512], out[2048];
	struct dns_query q;
	struct dns_xfr x;
	size_t len = query("example.org.", keys, m, &q), total = 0;
	unsigned messages = 0, soas = 0;
	long n;
	(void)state;
	load_zone(200);
	uint32_t expect = zone->records + 1; /* the SOA twice */
	assert_int_equal(dns_xfr_start(&x, &zones, &q, m, len, keys, 1, NOW, out, sizeof(out)), 0);
	/* Replaced, as by a push, while the transfer runs: it keeps its version. */
	dns_zone_free(zone);
	load_zone(3);
	while ((n = dns_xfr_next(&x, out, 1024, NOW)) > 0) {
		size_t off = 12;
		unsigned an = (unsigned)(out[6] << 8 | out[7]),
		         ar = (unsigned)(out[10] << 8 | out[11]);
		uint8_t name[DNS_NAME_MAX];
		assert_true((size_t)n <= 1024);
		assert_int_equal(rcode_of(out), 0);
		assert_int_equal(ar, 1); /* the TSIG */
		assert_true(dns_msg_name(out, (size_t)n, &off, name) > 0);
		off += 4;
		for (unsigned i = 0; i < an + ar; i++) {
			struct dns_msg_rr rr;
			assert_int_equal(dns_msg_rr(out, (size_t)n, &off, &rr), 0);
			if (i == an)
				assert_int_equal(rr.type, DNS_T_TSIG);
			else if (rr.type == DNS_T_SOA)
				soas++;
		}
		assert_int_equal(off, (size_t)n);
		total += an;
		messages++;
	}
	assert_int_equal(n, 0);
	assert_true(messages > 3);
	assert_int_equal(total, expect);
	assert_int_equal(soas, 2);
	dns_xfr_end(&x);
	dns_zone_free(zone);
}

static void test_refusals(void **state)
{
	uint8_t m[512], out[2048];
	struct dns_query q;
	struct dns_xfr x;
	size_t len, n;
	(void)state;
	load_zone(1);
	len = query("example.org.", NULL, m, &q);
	n = dns_xfr_start(&x, &zones, &q, m, len, keys, 1, NOW, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(rcode_of(out), DNS_R_REFUSED);
	assert_null(x.zone);
	len = query("example.org.", wrong, m, &q);
	n = dns_xfr_start(&x, &zones, &q, m, len, keys, 1, NOW, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(rcode_of(out), DNS_R_NOTAUTH);
	len = query("www.example.org.", keys, m, &q);
	n = dns_xfr_start(&x, &zones, &q, m, len, keys, 1, NOW, out, sizeof(out));
	assert_int_equal(rcode_of(out), DNS_R_REFUSED);
	len = query("example.org.", keys, m, &q);
	n = dns_xfr_start(&x, &zones, &q, m, len, keys, 0, NOW, out, sizeof(out));
	assert_int_equal(rcode_of(out), DNS_R_REFUSED); /* no keys: no transfers */
	dns_zone_free(zone);
}

static int setup(void **state)
{
	char err[256];
	(void)state;
	if (dns_tsig_keys_parse("k", keyfile, sizeof(keyfile) - 1, keys, 1, err, sizeof(err)) !=
	        1 ||
	    dns_tsig_keys_parse("k", otherkey, sizeof(otherkey) - 1, wrong, 1, err, sizeof(err)) !=
	        1)
		return -1;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transfer_in_messages),
	    cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
