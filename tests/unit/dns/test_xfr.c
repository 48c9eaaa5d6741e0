/*
 * dns/xfr.c: an AXFR of a zone, signed, in messages small enough that it
 * takes several: the SOA first and last, every other record once between,
 * each message carrying a TSIG; the zone replaced (freed) in the middle of
 * the transfer, which goes on with the version it began (AddressSanitizer
 * would see a use after free); and the refusals: no TSIG, a key not ours,
 * a name that is no zone's apex (signed, the request verified).
 *   IXFR (RFC 1995): the condensed difference from the client's version
 * (records gone, come, a TTL changed), its SOA serial the one served; our
 * SOA alone for a client up to date or ahead; the whole zone when the
 * client's version is not known; FORMERR, signed, without the client's SOA
 * in the authority section; a big difference in several signed messages;
 * the client's version held while the transfer reads it and let go after;
 * the difference of a big RRset read in time linear in its size.
 *   The largest record a zone loads goes whole, alone in a message of 64
 * KiB with the largest TSIG; a failed transfer's SERVFAIL (dns_xfr_fail)
 * is signed in the answer's sequence.
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

#include "big_txt.h"
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

/* The TSIG state of the last query signed: to check the first message of its answer. */
static struct dns_tsig_state asked;

/*
 * A query of `qtype` for `name`, `auth` in its authority section if not
 * NULL, signed with `key` (NULL: unsigned), parsed into q.
 */
static size_t query_of(uint16_t qtype, const char *name, const struct dns_rr *auth,
                       const struct dns_tsig_key *key, uint8_t *m, struct dns_query *q)
{
	struct dns_query ask = {
	    .hdr = {.id = 7}, .has_question = true, .qtype = qtype, .qclass = DNS_C_IN};
	struct dns_out o;
	long n;

	assert_true(dns_name_from_text(name, strlen(name), NULL, ask.qname) > 0);
	assert_int_equal(dns_out_begin(&o, m, 512, &ask, 0), 0);
	m[2] &= 0x7f; /* a query, not an answer */
	if (auth)
		assert_int_equal(dns_out_rr(&o, DNS_SEC_AUTHORITY, auth), 0);
	n = key ? dns_tsig_sign_request(&o, key, NOW, &asked) : (long)dns_out_end(&o);
	assert_true(n > 0);
	assert_int_equal(dns_msg_query(m, (size_t)n, q), 0);
	return (size_t)n;
}

/* An AXFR query for `name`, signed with `key` (NULL: unsigned), parsed into q. */
static size_t query(const char *name, const struct dns_tsig_key *key, uint8_t *m,
                    struct dns_query *q)
{
	return query_of(DNS_T_AXFR, name, NULL, key, m, q);
}

/* An IXFR query for example.org. from `serial`, signed, its SOA as dig sends it. */
static size_t ixfr(uint32_t serial, uint8_t *m, struct dns_query *q)
{
	/* MNAME and RNAME, 16 bytes each; SERIAL and four fields of 0. */
	uint8_t rdata[52] = "\2ns\7example\3org\0\2hm\7example\3org\0";
	struct dns_rr soa = {.owner = (const uint8_t *)"\7example\3org",
	                     .type = DNS_T_SOA,
	                     .class = DNS_C_IN,
	                     .rdata = rdata,
	                     .rdlen = sizeof(rdata)};

	dns_put32(rdata + 32, serial);
	return query_of(DNS_T_IXFR, "example.org.", &soa, keys, m, q);
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
	assert_int_equal(
	    dns_xfr_start(&x, &zones, NULL, NULL, &q, m, len, keys, 1, NOW, out, sizeof(out)), 0);
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
	n = dns_xfr_start(&x, &zones, NULL, NULL, &q, m, len, keys, 1, NOW, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(rcode_of(out), DNS_R_REFUSED);
	assert_null(x.zone);
	len = query("example.org.", wrong, m, &q);
	n = dns_xfr_start(&x, &zones, NULL, NULL, &q, m, len, keys, 1, NOW, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(rcode_of(out), DNS_R_NOTAUTH);
	len = query("www.example.org.", keys, m, &q);
	n = dns_xfr_start(&x, &zones, NULL, NULL, &q, m, len, keys, 1, NOW, out, sizeof(out));
	assert_int_equal(rcode_of(out), DNS_R_REFUSED);
	/* Signed, the request having verified (RFC 8945 5.3): dig and BIND expect a TSIG. */
	assert_int_equal(dns_tsig_verify_response(out, n, &asked, NOW), 0);
	len = query("example.org.", keys, m, &q);
	n = dns_xfr_start(&x, &zones, NULL, NULL, &q, m, len, keys, 0, NOW, out, sizeof(out));
	assert_int_equal(rcode_of(out), DNS_R_REFUSED); /* no keys: no transfers */
	dns_zone_free(zone);
}

/* ---- IXFR ---- */

/* The client's version of example.org., its file's serial 3 (served as 5), and ours, 6. */
static const char zone_old[] = "$TTL 60\n@ SOA ns hm 3 1 1 1 1\n@ NS ns\nns A 192.0.2.1\n"
                               "gone TXT \"gone\"\nmail A 192.0.2.25\nmail A 192.0.2.99\n"
                               "same TXT \"same\"\nttl A 192.0.2.7\n";
static const char zone_new[] = "$TTL 60\n@ SOA ns hm 6 1 1 1 1\n@ NS ns\nns A 192.0.2.1\n"
                               "mail A 192.0.2.26\nmail A 192.0.2.99\nnew TXT \"new\"\n"
                               "same TXT \"same\"\nttl 300 A 192.0.2.7\n";

static struct dns_zone *load_text(const char *text)
{
	struct dns_zone *z;
	char err[256];

	assert_int_equal(dns_zone_load("x.zone", text, strlen(text),
	                               (const uint8_t *)"\7example\3org", &z, err, sizeof(err)),
	                 0);
	return z;
}

/* What the caller knows of the versions before: one, or none (z NULL). */
struct past {
	struct dns_zone *z;
	uint32_t serial;
	unsigned calls;
	uint32_t asked;
};

static struct dns_zone *past(void *ctx, const struct dns_zone *now, uint32_t serial)
{
	struct past *p = ctx;

	assert_ptr_equal(now, list[0]);
	p->calls++;
	p->asked = serial;
	return p->z && serial == p->serial ? dns_zone_hold(p->z) : NULL;
}

/* What a transfer sent: a line a record, "SOA serial" or "owner type ttl data". */
struct sent {
	char rec[1024][80];
	unsigned n, messages;
};

static void describe(const uint8_t *m, const struct dns_msg_rr *rr, char *out, size_t cap)
{
	const uint8_t *rd = m + rr->rdata_off;
	size_t off = rr->rdata_off;
	uint8_t name[DNS_NAME_MAX];
	char owner[1024];

	assert_true(dns_name_to_text(rr->owner, owner, sizeof(owner)) > 0);
	if (rr->type == DNS_T_SOA) {
		assert_true(dns_msg_name(m, rr->rdata_off + rr->rdlen, &off, name) > 0);
		assert_true(dns_msg_name(m, rr->rdata_off + rr->rdlen, &off, name) > 0);
		snprintf(out, cap, "SOA %lu", (unsigned long)dns_get32(m + off));
	} else if (rr->type == DNS_T_A) {
		snprintf(out, cap, "%.40s A %lu %u.%u.%u.%u", owner, (unsigned long)rr->ttl, rd[0],
		         rd[1], rd[2], rd[3]);
	} else if (rr->type == DNS_T_TXT) {
		snprintf(out, cap, "%.40s TXT %lu %.*s", owner, (unsigned long)rr->ttl, rd[0],
		         rd + 1);
	} else {
		snprintf(out, cap, "%.40s %u %lu", owner, rr->type, (unsigned long)rr->ttl);
	}
}

/* One message of a transfer, `cap` bytes at most, its TSIG last: its records into s. */
static void read_message(const uint8_t *m, long n, size_t cap, struct sent *s)
{
	unsigned an = (unsigned)(m[6] << 8 | m[7]), ar = (unsigned)(m[10] << 8 | m[11]);
	uint8_t name[DNS_NAME_MAX];
	size_t off = 12;

	assert_true(n > 0 && (size_t)n <= cap);
	assert_int_equal(rcode_of(m), 0);
	assert_true(m[2] & 4); /* AA */
	assert_int_equal(ar, 1);
	assert_true(dns_msg_name(m, (size_t)n, &off, name) > 0);
	off += 4;
	for (unsigned i = 0; i < an + ar; i++) {
		struct dns_msg_rr rr;
		assert_int_equal(dns_msg_rr(m, (size_t)n, &off, &rr), 0);
		if (i == an) {
			assert_int_equal(rr.type, DNS_T_TSIG);
			continue;
		}
		assert_true(s->n < 1024);
		describe(m, &rr, s->rec[s->n++], sizeof(s->rec[0]));
	}
	assert_int_equal(off, (size_t)n);
}

/*
 * An RRset of 65,535 records (the most db.h loads, about 1 MiB) fits no
 * message: a query for it gets TC (test_answer.c), but a transfer carries
 * it whole, spread over messages of the usual size.
 */
static void test_transfer_largest_rrset(void **state)
{
	size_t w, len;
	char *text = big_rrset(65535, &w), err[256];
	static uint8_t out[DNS_XFR_MSG];
	uint8_t m[512];
	struct dns_query q;
	struct dns_xfr x;
	unsigned messages = 0;
	uint32_t total = 0;
	long n;
	(void)state;
	assert_int_equal(dns_zone_load("x.zone", text, w, (const uint8_t *)"\7example\3org", &zone,
	                               err, sizeof(err)),
	                 0);
	free(text);
	list[0] = zone;
	len = query("example.org.", keys, m, &q);
	assert_int_equal(
	    dns_xfr_start(&x, &zones, NULL, NULL, &q, m, len, keys, 1, NOW, out, sizeof(out)), 0);
	while ((n = dns_xfr_next(&x, out, DNS_XFR_MSG, NOW)) > 0) {
		assert_int_equal(rcode_of(out), 0);
		total += (uint32_t)(out[6] << 8 | out[7]);
		messages++;
	}
	assert_int_equal(n, 0);
	assert_int_equal(total, 65535 + 2); /* and the SOA first and last */
	assert_true(messages > 16);
	dns_xfr_end(&x);
	dns_zone_free(zone);
}

/*
 * Every message of the transfer x, `cap` bytes at most, into s; each
 * signed, the first one's TSIG checked as a client checks it.
 */
static void collect(struct dns_xfr *x, size_t cap, struct sent *s)
{
	static uint8_t out[DNS_XFR_MSG];
	long n;

	memset(s, 0, sizeof(*s));
	while ((n = dns_xfr_next(x, out, cap, NOW)) > 0) {
		if (!s->messages)
			assert_int_equal(dns_tsig_verify_response(out, (size_t)n, &asked, NOW), 0);
		read_message(out, n, cap, s);
		s->messages++;
	}
	assert_int_equal(n, 0);
}

static void assert_sent(const struct sent *s, const char *const *expect, unsigned n)
{
	for (unsigned i = 0; i < n && i < s->n; i++)
		assert_string_equal(s->rec[i], expect[i]);
	assert_int_equal(s->n, n);
}

/* An IXFR of list[0] from p->serial, p the caller's history, started. */
static void ixfr_start(struct dns_xfr *x, struct past *p)
{
	uint8_t m[512], out[512];
	struct dns_query q;
	size_t len = ixfr(p->serial, m, &q);

	assert_int_equal(
	    dns_xfr_start(x, &zones, past, p, &q, m, len, keys, 1, NOW, out, sizeof(out)), 0);
}

static void test_ixfr_difference(void **state)
{
	static struct sent s;
	static const char *const expect[] = {
	    "SOA 6",
	    "SOA 5",
	    "gone.example.org. TXT 60 gone",
	    "mail.example.org. A 60 192.0.2.25",
	    "ttl.example.org. A 60 192.0.2.7",
	    "SOA 6",
	    "mail.example.org. A 60 192.0.2.26",
	    "new.example.org. TXT 60 new",
	    "ttl.example.org. A 300 192.0.2.7",
	    "SOA 6",
	};
	struct dns_xfr x;
	struct past p = {.z = load_text(zone_old), .serial = 5};
	(void)state;

	list[0] = zone = load_text(zone_new);
	dns_zone_set_serial(p.z, 5); /* the serial it was served with, not its file's */
	ixfr_start(&x, &p);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.asked, 5);
	assert_int_equal(p.z->holds, 1);
	/* The caller lets go of its copy: the transfer's hold keeps it until dns_xfr_end. */
	dns_zone_free(p.z);
	collect(&x, DNS_XFR_MSG, &s);
	assert_int_equal(s.messages, 1);
	assert_sent(&s, expect, sizeof(expect) / sizeof(expect[0]));
	dns_xfr_end(&x); /* frees the client's version (LeakSanitizer would see it kept) */
	assert_int_equal(zone->holds, 0);
	dns_zone_free(zone);
}

/* Our SOA alone, and no version before asked for, for a client at our serial or past it. */
static void test_ixfr_up_to_date(void **state)
{
	static struct sent s;
	static const char *const expect[] = {"SOA 6"};
	static const uint32_t serials[] = {6, 7, 6 + 0x7fffffffu};
	uint8_t m[512], out[512];
	struct dns_query q;
	struct dns_xfr x;
	struct past p = {0};
	(void)state;

	list[0] = zone = load_text(zone_new);
	for (unsigned i = 0; i < 3; i++) {
		size_t len = ixfr(serials[i], m, &q);
		assert_int_equal(
		    dns_xfr_start(&x, &zones, past, &p, &q, m, len, keys, 1, NOW, out, sizeof(out)),
		    0);
		collect(&x, DNS_XFR_MSG, &s);
		assert_int_equal(s.messages, 1);
		assert_sent(&s, expect, 1);
		dns_xfr_end(&x);
	}
	assert_int_equal(p.calls, 0);
	dns_zone_free(zone);
}

/* A version the caller does not know, or no caller's history at all: the whole zone. */
static void test_ixfr_unknown(void **state)
{
	static struct sent s;
	uint8_t m[512], out[512];
	struct dns_query q;
	struct dns_xfr x;
	struct past p = {0};
	size_t len = ixfr(4, m, &q);
	(void)state;

	list[0] = zone = load_text(zone_new);
	for (int with_past = 1; with_past >= 0; with_past--) {
		assert_int_equal(dns_xfr_start(&x, &zones, with_past ? past : NULL, &p, &q, m, len,
		                               keys, 1, NOW, out, sizeof(out)),
		                 0);
		collect(&x, DNS_XFR_MSG, &s);
		assert_int_equal(s.n, zone->records + 1);
		assert_string_equal(s.rec[0], "SOA 6");
		assert_string_equal(s.rec[s.n - 1], "SOA 6");
		assert_string_equal(s.rec[1], "example.org. 2 60"); /* NS: the AXFR form */
		dns_xfr_end(&x);
	}
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.asked, 4);
	dns_zone_free(zone);
}

/* An IXFR whose authority section is not the client's SOA of the zone: FORMERR, signed. */
static void test_ixfr_formerr(void **state)
{
	uint8_t bad[52] = "\2ns\7example\3org\0\2hm\7example\3org\0";
	/* None, an SOA's rdata under type NULL (10), another owner's SOA, an SOA cut short. */
	const struct dns_rr auth[] = {
	    {(const uint8_t *)"\7example\3org", 10, DNS_C_IN, 60, 52, bad},
	    {(const uint8_t *)"\3www\7example\3org", DNS_T_SOA, DNS_C_IN, 60, 52, bad},
	    {(const uint8_t *)"\7example\3org", DNS_T_SOA, DNS_C_IN, 60, 51, bad},
	};
	uint8_t m[512], out[512];
	struct dns_query q;
	struct dns_xfr x;
	struct past p = {0};
	size_t len, n;
	(void)state;

	list[0] = zone = load_text(zone_new);
	for (unsigned i = 0; i <= 3; i++) {
		len = query_of(DNS_T_IXFR, "example.org.", i ? &auth[i - 1] : NULL, keys, m, &q);
		n = dns_xfr_start(&x, &zones, past, &p, &q, m, len, keys, 1, NOW, out, sizeof(out));
		assert_true(n > 0);
		assert_int_equal(rcode_of(out), DNS_R_FORMERR);
		assert_null(x.zone);
		assert_int_equal(dns_tsig_verify_response(out, n, &asked, NOW), 0);
	}
	assert_int_equal(p.calls, 0);
	dns_zone_free(zone);
}

/* The records the transfer reads (xfr.c's calls into db.c): the work its difference costs. */
static unsigned long reads;
bool __real_dns_rec_next(const struct dns_zone *z, struct dns_rec_iter *it, uint32_t *ttl,
                         const uint8_t **rdata, uint16_t *rdlen);
bool __wrap_dns_rec_next(const struct dns_zone *z, struct dns_rec_iter *it, uint32_t *ttl,
                         const uint8_t **rdata, uint16_t *rdlen)
{
	reads++;
	return __real_dns_rec_next(z, it, ttl, rdata, rdlen);
}

/*
 * big_rrset(n) served with serial 6, one record (10.0.0.`drop`) left out:
 * its text (malloc'd), as the owner's one-line change leaves it.
 */
static char *big_rrset_changed(unsigned n, unsigned drop)
{
	size_t w;
	char *text = big_rrset(n, &w), line[32], *at;

	snprintf(line, sizeof(line), "big A 10.0.0.%u\n", drop);
	assert_non_null(at = strstr(text, "hm 5 "));
	at[3] = '6';
	assert_non_null(at = strstr(text, line));
	memmove(at, at + strlen(line), strlen(at + strlen(line)) + 1);
	return text;
}

/*
 * An IXFR's difference of one RRset of 20,000 records, a record gone and
 * one come: those two alone, and the two versions read side by side, a
 * few reads a record (each record of one version against the other's
 * whole RRset was 20,000 times as many, 2 s in one turn of the loop).
 */
static void test_ixfr_big_rrset(void **state)
{
	static struct sent s;
	static const char *const expect[] = {
	    "SOA 6",
	    "SOA 5",
	    "big.example.org. A 60 10.0.0.7",
	    "SOA 6",
	    "big.example.org. A 60 10.0.78.32",
	    "SOA 6",
	};
	size_t w;
	char *old = big_rrset(20000, &w), *now = big_rrset_changed(20001, 7);
	struct dns_xfr x;
	struct past p = {.z = load_text(old), .serial = 5};
	(void)state;

	list[0] = zone = load_text(now);
	free(old);
	free(now);
	ixfr_start(&x, &p);
	reads = 0;
	collect(&x, DNS_XFR_MSG, &s);
	print_message("# %lu records read for a difference of 2 RRsets of 20,000\n", reads);
	assert_true(reads < 8 * 40001);
	assert_sent(&s, expect, sizeof(expect) / sizeof(expect[0]));
	dns_xfr_end(&x);
	dns_zone_free(p.z);
	dns_zone_free(zone);
}

/* A difference bigger than a message: in several, each signed, the SOAs where they belong. */
static void test_ixfr_in_messages(void **state)
{
	static char old[16384], new[16384];
	static struct sent s;
	uint8_t m[512], out[512];
	struct dns_query q;
	struct dns_xfr x;
	struct past p = {.serial = 5};
	size_t len = ixfr(5, m, &q), wo, wn;
	(void)state;

	wo = (size_t)snprintf(old, sizeof(old), "$TTL 60\n@ SOA ns hm 5 1 1 1 1\n@ NS ns\n");
	wn = (size_t)snprintf(new, sizeof(new), "$TTL 60\n@ SOA ns hm 6 1 1 1 1\n@ NS ns\n");
	for (int i = 0; i < 200; i++) {
		wo += (size_t)snprintf(old + wo, sizeof(old) - wo, "h%d TXT \"old %d\"\n", i, i);
		wn += (size_t)snprintf(new + wn, sizeof(new) - wn, "h%d TXT \"new %d\"\n", i, i);
	}
	p.z = load_text(old);
	list[0] = zone = load_text(new);
	assert_int_equal(
	    dns_xfr_start(&x, &zones, past, &p, &q, m, len, keys, 1, NOW, out, sizeof(out)), 0);
	collect(&x, 1024, &s);
	assert_true(s.messages > 3);
	assert_int_equal(s.n, 200 + 200 + 4);
	for (unsigned i = 0; i < s.n; i++) {
		const char *want = i == 1 ? "SOA 5" : "SOA 6";
		if (i == 0 || i == 1 || i == 202 || i == 403)
			assert_string_equal(s.rec[i], want);
		else
			assert_non_null(strstr(s.rec[i], i < 202 ? "TXT 60 old " : "TXT 60 new "));
	}
	dns_xfr_end(&x);
	assert_int_equal(p.z->holds, 0);
	dns_zone_free(p.z);
	dns_zone_free(zone);
}

/*
 * The largest record a zone loads (65119 octets of TXT at big.example.org.,
 * db.c's rdata_max) transferred with a key whose name has 255 octets, the
 * largest TSIG: too big for a message of the usual size (-EMSGSIZE), it
 * goes alone in one of 64 KiB, whole and signed. A transfer failed before
 * its first message gets SERVFAIL, signed as that message would have
 * been: the client's check accepts it.
 */
static void test_largest_record(void **state)
{
	static char text[140000];
	static const char longkey[] =
	    "key \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
	    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc."
	    "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd.\" { "
	    "algorithm hmac-sha256; secret \"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=\"; };\n";
	struct dns_tsig_key big_key[1];
	uint8_t m[512], out[DNS_MSG_MAX];
	struct dns_query q;
	struct dns_xfr x;
	struct dns_msg_rr rr;
	char err[256];
	size_t len, n, off = 12;
	uint8_t name[DNS_NAME_MAX];
	long first, big;
	(void)state;
	assert_int_equal(
	    dns_tsig_keys_parse("k", longkey, sizeof(longkey) - 1, big_key, 1, err, sizeof(err)),
	    1);
	assert_int_equal(dns_name_len(big_key[0].name, DNS_NAME_MAX), 255);
	big_txt(text, sizeof(text), "$TTL 60\n@ SOA ns hm 5 1 1 1 1\n@ NS ns\nbig TXT", 65119);
	list[0] = zone = load_text(text);
	len = query("example.org.", big_key, m, &q);
	assert_int_equal(
	    dns_xfr_start(&x, &zones, NULL, NULL, &q, m, len, big_key, 1, NOW, out, sizeof(out)),
	    0);
	n = dns_xfr_fail(&x, out, sizeof(out), NOW);
	assert_true(n > 0);
	assert_int_equal(rcode_of(out), DNS_R_SERVFAIL);
	assert_int_equal(out[6] << 8 | out[7], 0);
	assert_int_equal(dns_tsig_verify_response(out, n, &asked, NOW), 0);
	dns_xfr_end(&x);

	len = query("example.org.", big_key, m, &q);
	assert_int_equal(
	    dns_xfr_start(&x, &zones, NULL, NULL, &q, m, len, big_key, 1, NOW, out, sizeof(out)),
	    0);
	first = dns_xfr_next(&x, out, DNS_XFR_MSG, NOW);
	assert_true(first > 0);
	assert_int_equal(dns_tsig_verify_response(out, (size_t)first, &asked, NOW), 0);
	assert_int_equal(dns_xfr_next(&x, out, DNS_XFR_MSG, NOW), -EMSGSIZE);
	big = dns_xfr_next(&x, out, sizeof(out), NOW);
	assert_true(big > 0 && big <= DNS_MSG_MAX);
	assert_int_equal(out[6] << 8 | out[7], 1);
	assert_true(dns_msg_name(out, (size_t)big, &off, name) > 0);
	off += 4;
	assert_int_equal(dns_msg_rr(out, (size_t)big, &off, &rr), 0);
	assert_true(rr.type == DNS_T_TXT && rr.rdlen == 65119);
	assert_int_equal(dns_msg_rr(out, (size_t)big, &off, &rr), 0);
	assert_int_equal(rr.type, DNS_T_TSIG);
	assert_true(dns_name_eq(rr.owner, big_key[0].name));
	assert_int_equal(off, (size_t)big);
	assert_true(dns_xfr_next(&x, out, DNS_XFR_MSG, NOW) > 0); /* the SOA that ends it */
	assert_int_equal(dns_xfr_next(&x, out, DNS_XFR_MSG, NOW), 0);
	dns_xfr_end(&x);
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
	    cmocka_unit_test(test_transfer_largest_rrset),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_ixfr_difference),
	    cmocka_unit_test(test_ixfr_up_to_date),
	    cmocka_unit_test(test_ixfr_unknown),
	    cmocka_unit_test(test_ixfr_formerr),
	    cmocka_unit_test(test_ixfr_big_rrset),
	    cmocka_unit_test(test_ixfr_in_messages),
	    cmocka_unit_test(test_largest_record),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
