/*
 * libFuzzer: the answer to any message (dns/answer.c over dns/msg.c's
 * reader) from a zone with every kind of name the lookup tells apart
 * (tests/host/dns/example.org.zone's shapes: wildcards, CNAME chains and
 * a loop, a delegation with glue, DNAMEs, empty non-terminals). The input
 * is the message; its last byte also picks UDP or TCP, CHAOS on or off, and
 * the room kept for a TSIG (0 to 252 bytes). Every answer must fit the size
 * the query allows, its records other than OPT that size less the room
 * kept, keep the query's id and question, and read back whole as records;
 * its slip (dns_answer_slip) too, with TC and no record but the OPT; the
 * same query answered twice is the same bytes (no state leaks between
 * queries); and an answer of an rcode alone to it (an UPDATE's) reads
 * back with that rcode.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/answer.h"
#include "dns/db.h"
#include "dns/msg.h"

static const char zone_text[] = "$ORIGIN example.org.\n$TTL 3600\n"
                                "@ SOA ns1 hm 1 7200 3600 1209600 300\n@ NS ns1\n@ NS ns.x.\n"
                                "@ A 192.0.2.1\n@ MX 10 mail\nns1 A 192.0.2.53\n"
                                "mail A 192.0.2.25\nmail AAAA 2001:db8::25\nwww CNAME @\n"
                                "alias CNAME www\nloop1 CNAME loop2\nloop2 CNAME loop1\n"
                                "*.wild TXT \"wild\"\n*.cw CNAME www\na.b.c A 192.0.2.9\n"
                                "sub NS ns.sub\nns.sub A 192.0.2.99\nd DNAME example.net.\n"
                                "dn DNAME t.example.org.\nh.t A 192.0.2.7\n"
                                "_s._tcp SRV 0 5 5060 mail\n"
                                "big TXT \"0123456789012345678901234567890123456789012345678\"\n"
                                "big TXT \"1123456789012345678901234567890123456789012345678\"\n"
                                "big TXT \"2123456789012345678901234567890123456789012345678\"\n"
                                "big TXT \"3123456789012345678901234567890123456789012345678\"\n"
                                "big TXT \"4123456789012345678901234567890123456789012345678\"\n"
                                "big TXT \"5123456789012345678901234567890123456789012345678\"\n"
                                "big TXT \"6123456789012345678901234567890123456789012345678\"\n"
                                "big TXT \"7123456789012345678901234567890123456789012345678\"\n"
                                "big TXT \"8123456789012345678901234567890123456789012345678\"\n"
                                "big TXT \"9123456789012345678901234567890123456789012345678\"\n";

static struct dns_zone *zone;
static const struct dns_zone *list[1];
static const struct dns_zones zones = {list, 1};
static uint8_t out[DNS_MSG_MAX], again[DNS_MSG_MAX], slip[DNS_MSG_MAX];

static void setup(void)
{
	char err[256];

	if (dns_zone_load("fuzz.zone", zone_text, sizeof(zone_text) - 1,
	                  (const uint8_t *)"\7example\3org", &zone, err, sizeof(err)))
		abort();
	list[0] = zone;
}

/* The answer reads back: header, question as asked, then whole records to its end. */
static void check(const struct dns_query *q, const uint8_t *a, size_t n, size_t limit)
{
	size_t off = DNS_HDR_LEN;
	unsigned counts = 0;

	if (n > limit || n < DNS_HDR_LEN || a[0] != q->hdr.id >> 8 || a[1] != (q->hdr.id & 255) ||
	    !(a[2] & 0x80))
		abort();
	if (q->has_question) {
		uint8_t name[DNS_NAME_MAX];
		if (dns_msg_name(a, n, &off, name) <= 0 || !dns_name_eq(name, q->qname))
			abort();
		off += 4;
	}
	for (int i = 0; i < 3; i++)
		counts += (unsigned)(a[6 + 2 * i] << 8 | a[7 + 2 * i]);
	for (unsigned i = 0; i < counts; i++) {
		struct dns_msg_rr rr;
		if (dns_msg_rr(a, n, &off, &rr))
			abort();
	}
	if (off != n)
		abort();
}

/* Records in the answer, its OPT not counted. */
static unsigned records(const uint8_t *a, const struct dns_answer_info *info)
{
	unsigned n = 0;

	for (int i = 0; i < 3; i++)
		n += (unsigned)(a[6 + 2 * i] << 8 | a[7 + 2 * i]);
	return n - (info->opt_off ? 1 : 0);
}

/* The slip of the answer: TC, the header and question kept, the OPT alone after. */
static void check_slip(const struct dns_query *q, size_t n, const struct dns_answer_info *info,
                       size_t limit)
{
	size_t s;

	memcpy(slip, out, n);
	s = dns_answer_slip(slip, n, info);
	check(q, slip, s, limit);
	if (s > n || !(slip[2] & 0x02) || memcmp(slip, out, 2) || slip[3] != out[3] ||
	    records(slip, info) != 0 || memcmp(slip + 12, out + 12, info->question_end - 12))
		abort();
}

/*
 * The answer of an rcode alone to the query (an UPDATE's, dns_answer_rcode;
 * the rcode from the input's first byte, BADVERS if q has EDNS and that is
 * odd): it reads back as any answer, with no record but its OPT, and its
 * rcode whole (dns_msg_rcode).
 */
static void check_rcode_answer(const struct dns_query *q, uint8_t pick, const struct dns_ask *ask,
                               size_t limit)
{
	struct dns_answer_info info;
	int rcode = q->edns && (pick & 1) ? DNS_R_BADVERS : pick >> 4;
	size_t n = dns_answer_rcode(q, rcode, ask, again, sizeof(again), &info);

	check(q, again, n, limit);
	if (records(again, &info) != 0 || dns_msg_rcode(again, n) != rcode)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_query q;
	struct dns_answer_info info, info2;
	static const struct dns_chaos chaos = {"fuzz", "appliance fuzz"};
	struct dns_ask ask = {.tcp = size && (data[size - 1] & 1),
	                      .chaos = size && (data[size - 1] & 2) ? &chaos : NULL,
	                      .reserve = size ? (size_t)(data[size - 1] >> 2) * 4 : 0};
	int rc;
	size_t n, m, limit;

	if (!zone)
		setup();
	rc = dns_msg_query(data, size, &q);
	n = dns_answer(&zones, &q, rc, &ask, out, sizeof(out), &info);
	if (rc == DNS_MSG_DROP) {
		if (n)
			abort();
		return 0;
	}
	limit = ask.tcp ? DNS_MSG_MAX : !q.edns ? DNS_UDP_MIN : q.udp_size;
	limit = limit < DNS_UDP_MIN                 ? DNS_UDP_MIN
	        : limit > DNS_EDNS_SIZE && !ask.tcp ? DNS_EDNS_SIZE
	                                            : limit;
	check(&q, out, n, limit);
	if (records(out, &info) && n > limit - ask.reserve)
		abort();
	check_slip(&q, n, &info, limit);
	m = dns_answer(&zones, &q, rc, &ask, again, sizeof(again), &info2);
	if (m != n || memcmp(out, again, n))
		abort();
	if (rc == 0 && q.has_question)
		check_rcode_answer(&q, data[0], &ask, limit);
	return 0;
}
