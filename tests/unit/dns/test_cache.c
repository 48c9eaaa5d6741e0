/*
 * dns/cache.c: an answer kept until its smallest TTL and sent with TTLs
 * less its age (a fake clock); a negative answer kept for its SOA's
 * MINIMUM (RFC 2308), and not at all without an SOA; TC, SERVFAIL,
 * REFUSED and TTL 0 not kept; an answer that does not parse not kept; the
 * client's id, RD and case in the answer, RA set, AA clear; the key's DO
 * bit; an answer over the client's payload size sent as TC; names an
 * upstream compressed in SRV rdata read flat; the ring at its byte budget:
 * the oldest record goes, one looked up gets a second chance, the bytes
 * used never pass the budget; nothing allocated after dns_cache_init
 * (malloc and calloc wrapped, -Wl,--wrap in dns/module.mk).
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

#include "dns/cache.h"

#include "tests/unit/alloc_count.h"

/* ---- helpers ---- */

#define SEC 1000000000ULL
#define T0 (100 * SEC)

static uint8_t scratch[DNS_CACHE_SCRATCH];
static uint8_t up[DNS_MSG_MAX], out[DNS_MSG_MAX];

/* The wire form of a dotted name ("www.example.net"), in one of a few rotating buffers. */
static const uint8_t *wire(const char *text)
{
	static uint8_t bufs[8][DNS_NAME_MAX];
	static int next;
	uint8_t *o = bufs[next++ % 8];
	size_t w = 0;

	while (*text) {
		size_t n = strcspn(text, ".");
		o[w] = (uint8_t)n;
		memcpy(o + w + 1, text, n);
		w += 1 + n;
		text += n + (text[n] == '.');
	}
	o[w] = 0;
	return o;
}

/* A client's query for name/type: id, RD, EDNS with `size` (0: none) and DO. */
static struct dns_query query(const char *name, uint16_t type, uint16_t id, uint16_t size,
                              bool dnssec)
{
	struct dns_query q = {.hdr = {.id = id, .flags = DNS_F_RD, .qdcount = 1},
	                      .has_question = true,
	                      .qtype = type,
	                      .qclass = DNS_C_IN,
	                      .edns = size != 0,
	                      .udp_size = size,
	                      .edns_flags = dnssec ? 0x8000 : 0};
	const uint8_t *w = wire(name);

	memcpy(q.qname, w, (size_t)dns_name_len(w, DNS_NAME_MAX));
	return q;
}

/* An upstream's answer being made: dns_out with the question as the upstream echoes it. */
static struct dns_out begin(const struct dns_query *q, uint16_t flags)
{
	struct dns_out o;

	assert_int_equal(dns_out_begin(&o, up, sizeof(up), q, flags), 0);
	return o;
}

static void rr(struct dns_out *o, int section, const char *owner, uint16_t type, uint32_t ttl,
               const void *rdata, uint16_t rdlen)
{
	struct dns_rr r = {.owner = wire(owner),
	                   .type = type,
	                   .class = DNS_C_IN,
	                   .ttl = ttl,
	                   .rdlen = rdlen,
	                   .rdata = rdata};

	assert_int_equal(dns_out_rr(o, section, &r), 0);
}

static void a_rr(struct dns_out *o, const char *owner, uint32_t ttl, uint8_t last)
{
	uint8_t a[4] = {192, 0, 2, last};

	rr(o, DNS_SEC_ANSWER, owner, DNS_T_A, ttl, a, 4);
}

/* An SOA of example.net in the authority section with this TTL and MINIMUM. */
static void soa_rr(struct dns_out *o, uint32_t ttl, uint32_t minimum)
{
	uint8_t rd[64];
	const uint8_t *mname = wire("ns.example.net"), *rname = wire("host.example.net");
	size_t w = 0;

	memcpy(rd, mname, 16);
	w = 16;
	memcpy(rd + w, rname, 18);
	w += 18;
	for (int i = 0; i < 4; i++, w += 4)
		dns_put32(rd + w, 1000u + (unsigned)i);
	dns_put32(rd + w, minimum);
	w += 4;
	rr(o, DNS_SEC_AUTHORITY, "example.net", DNS_T_SOA, ttl, rd, (uint16_t)w);
}

/* The upstream answer www.example.net A, TTL ttl, two addresses, and an OPT. */
static size_t positive(const struct dns_query *q, uint32_t ttl)
{
	struct dns_out o = begin(q, DNS_F_RA);

	a_rr(&o, "www.example.net", ttl, 1);
	a_rr(&o, "www.example.net", ttl + 100, 2);
	assert_int_equal(dns_out_opt(&o, 0, 0, NULL, 0), 0);
	return dns_out_end(&o);
}

/* What a client is sent, read back. */
struct sent {
	struct dns_query h; /* its header and question (QR cleared to read it) */
	uint32_t ttl[16];
	uint16_t type[16];
	unsigned n;
};

static void read_sent(const uint8_t *msg, size_t len, struct sent *s)
{
	static uint8_t copy[DNS_MSG_MAX];
	size_t off;
	struct dns_msg_rr r;

	memset(s, 0, sizeof(*s));
	memcpy(copy, msg, len);
	copy[2] &= (uint8_t) ~(DNS_F_QR >> 8);
	assert_int_equal(dns_msg_query(copy, len, &s->h), 0);
	off = s->h.question_end;
	while (off < len && s->n < 16) {
		assert_int_equal(dns_msg_rr(copy, len, &off, &r), 0);
		s->ttl[s->n] = r.ttl;
		s->type[s->n++] = r.type;
	}
	assert_int_equal(off, len);
}

static struct dns_cache cache;

static int setup(void **state)
{
	uint8_t key[16] = {1, 2, 3};

	(void)state;
	assert_int_equal(dns_cache_init(&cache, DNS_CACHE_DEFAULT_BYTES), 0);
	dns_cache_seed(&cache, key);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dns_cache_fini(&cache);
	return 0;
}

/* Read the upstream answer of n bytes and keep it at `now` as the answer to q. */
static struct dns_cache_msg keep(const struct dns_query *q, size_t n, uint64_t now)
{
	struct dns_cache_msg m;

	assert_int_equal(dns_cache_read(up, n, scratch, sizeof(scratch), &m), 0);
	dns_cache_put(&cache, q, &m, now);
	return m;
}

/* ---- tests ---- */

static void kept_until_the_smallest_ttl(void **state)
{
	struct dns_query q = query("www.example.net", DNS_T_A, 7, 1232, false);
	struct dns_cache_msg m = keep(&q, positive(&q, 300), T0);
	struct sent s;
	size_t n;

	(void)state;
	assert_int_equal(m.life, 300);
	assert_int_equal(cache.entries, 1);
	n = dns_cache_get(&cache, &q, T0 + 10 * SEC + SEC / 2, 1232, out, sizeof(out));
	assert_true(n > 0);
	read_sent(out, n, &s);
	assert_int_equal(s.n, 3); /* two A and our OPT */
	assert_int_equal(s.ttl[0], 290);
	assert_int_equal(s.ttl[1], 390);
	assert_int_equal(s.type[2], DNS_T_OPT);
	assert_true(s.h.edns);
	assert_true(s.h.hdr.flags & DNS_F_RA);
	assert_false(s.h.hdr.flags & DNS_F_AA);
	/* A second before the end, still there; at the end, gone and freed. */
	assert_true(dns_cache_get(&cache, &q, T0 + 299 * SEC, 1232, out, sizeof(out)) > 0);
	read_sent(out, dns_cache_get(&cache, &q, T0 + 299 * SEC, 1232, out, sizeof(out)), &s);
	assert_int_equal(s.ttl[0], 1);
	assert_int_equal(dns_cache_get(&cache, &q, T0 + 300 * SEC, 1232, out, sizeof(out)), 0);
	assert_int_equal(cache.entries, 0);
}

static void id_rd_and_case_are_the_clients(void **state)
{
	struct dns_query q = query("www.example.net", DNS_T_A, 7, 0, false);
	struct dns_query other = query("WwW.eXaMpLe.NeT", DNS_T_A, 0xbeef, 0, false);
	struct sent s;
	size_t n;

	(void)state;
	keep(&q, positive(&q, 300), T0);
	n = dns_cache_get(&cache, &other, T0, 512, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(dns_get16(out), 0xbeef);
	assert_memory_equal(out + DNS_HDR_LEN, other.qname, 17);
	/* The records' owners point at the question: the client's case there too. */
	assert_int_equal(out[DNS_HDR_LEN + 17 + 4], 0xc0);
	read_sent(out, n, &s);
	assert_int_equal(s.n, 2); /* no OPT: the client sent none */
	assert_false(s.h.edns);
	assert_true(s.h.hdr.flags & DNS_F_RD);
	/* A non-recursive query is another key. */
	other.hdr.flags = 0;
	assert_int_equal(dns_cache_get(&cache, &other, T0, 512, out, sizeof(out)), 0);
}

static void the_do_bit_is_part_of_the_key(void **state)
{
	struct dns_query q = query("www.example.net", DNS_T_A, 7, 1232, true);
	struct dns_query plain = query("www.example.net", DNS_T_A, 8, 1232, false);
	struct dns_query aaaa = query("www.example.net", DNS_T_AAAA, 8, 1232, true);
	struct sent s;

	(void)state;
	keep(&q, positive(&q, 300), T0);
	assert_int_equal(dns_cache_get(&cache, &plain, T0, 1232, out, sizeof(out)), 0);
	assert_int_equal(dns_cache_get(&cache, &aaaa, T0, 1232, out, sizeof(out)), 0);
	read_sent(out, dns_cache_get(&cache, &q, T0, 1232, out, sizeof(out)), &s);
	assert_true(s.h.edns_flags & 0x8000); /* DO echoed */
}

static void negative_answers_for_the_soa_minimum(void **state)
{
	struct dns_query q = query("nope.example.net", DNS_T_A, 1, 1232, false);
	struct dns_query nodata = query("www.example.net", DNS_T_TXT, 2, 1232, false);
	struct dns_query bare = query("bare.example.net", DNS_T_A, 3, 1232, false);
	struct dns_out o = begin(&q, DNS_R_NXDOMAIN);
	struct sent s;

	(void)state;
	soa_rr(&o, 3600, 60);
	assert_int_equal(keep(&q, dns_out_end(&o), T0).life, 60);
	read_sent(out, dns_cache_get(&cache, &q, T0 + 10 * SEC, 1232, out, sizeof(out)), &s);
	assert_int_equal(DNS_F_RCODE(s.h.hdr.flags), DNS_R_NXDOMAIN);
	assert_int_equal(s.type[0], DNS_T_SOA);
	assert_int_equal(s.ttl[0], 50); /* min(3600, 60) less 10 s (RFC 2308 3) */
	assert_int_equal(dns_cache_get(&cache, &q, T0 + 60 * SEC, 1232, out, sizeof(out)), 0);

	/* NODATA, the SOA's TTL the smaller: kept for that; capped at 3 hours. */
	o = begin(&nodata, 0);
	soa_rr(&o, 30, 600);
	assert_int_equal(keep(&nodata, dns_out_end(&o), T0).life, 30);
	o = begin(&nodata, 0);
	soa_rr(&o, 86400, 86400);
	assert_int_equal(keep(&nodata, dns_out_end(&o), T0).life, DNS_CACHE_NEG_MAX);

	/* Without an SOA: not kept (RFC 2308 5). */
	o = begin(&bare, DNS_R_NXDOMAIN);
	assert_int_equal(keep(&bare, dns_out_end(&o), T0).life, 0);
	assert_int_equal(dns_cache_get(&cache, &bare, T0, 1232, out, sizeof(out)), 0);
}

static void tc_servfail_refused_and_ttl_0_are_not_kept(void **state)
{
	struct dns_query q = query("www.example.net", DNS_T_A, 1, 1232, false);
	static const uint16_t flags[] = {DNS_F_TC, DNS_R_SERVFAIL, DNS_R_REFUSED, DNS_R_FORMERR};
	struct dns_out o;

	(void)state;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		o = begin(&q, flags[i]);
		a_rr(&o, "www.example.net", 300, 1);
		assert_int_equal(keep(&q, dns_out_end(&o), T0).life, 0);
	}
	o = begin(&q, 0);
	a_rr(&o, "www.example.net", 0, 1);
	assert_int_equal(keep(&q, dns_out_end(&o), T0).life, 0);
	/* The top bit set reads as 0 (RFC 2181 8); a day is the most. */
	o = begin(&q, 0);
	a_rr(&o, "www.example.net", 0x80000001u, 1);
	assert_int_equal(keep(&q, dns_out_end(&o), T0).life, 0);
	assert_int_equal(dns_cache_get(&cache, &q, T0, 1232, out, sizeof(out)), 0);
	assert_int_equal(cache.entries, 0);
	o = begin(&q, 0);
	a_rr(&o, "www.example.net", 7 * 86400, 1);
	assert_int_equal(keep(&q, dns_out_end(&o), T0).life, DNS_CACHE_TTL_MAX);
}

static void an_answer_that_does_not_parse_is_not_kept(void **state)
{
	struct dns_query q = query("www.example.net", DNS_T_A, 1, 1232, false);
	struct dns_cache_msg m;
	size_t n = positive(&q, 300);
	struct dns_out o;

	(void)state;
	assert_int_equal(dns_cache_read(up, n - 1, scratch, sizeof(scratch), &m), -EINVAL);
	up[n] = 0;
	assert_int_equal(dns_cache_read(up, n + 1, scratch, sizeof(scratch), &m), -EINVAL);
	assert_int_equal(m.life, 0);
	dns_cache_put(&cache, &q, &m, T0); /* what a failed read left: nothing kept */
	assert_int_equal(cache.entries, 0);
	up[7]++; /* one more answer record promised */
	assert_int_equal(dns_cache_read(up, n, scratch, sizeof(scratch), &m), -EINVAL);
	up[7]--;
	up[2] &= (uint8_t) ~(DNS_F_QR >> 8); /* a query, not an answer */
	assert_int_equal(dns_cache_read(up, n, scratch, sizeof(scratch), &m), -EINVAL);
	up[2] |= DNS_F_QR >> 8;
	/* A record's owner pointing at itself. */
	up[DNS_HDR_LEN + 21] = 0xc0;
	up[DNS_HDR_LEN + 22] = DNS_HDR_LEN + 21;
	assert_int_equal(dns_cache_read(up, n, scratch, sizeof(scratch), &m), -EINVAL);
	/* An SOA whose rdata is not two names and 20 octets. */
	o = begin(&q, 0);
	rr(&o, DNS_SEC_AUTHORITY, "example.net", DNS_T_SOA, 60, "\0\0abc", 5);
	assert_int_equal(dns_cache_read(up, dns_out_end(&o), scratch, sizeof(scratch), &m),
	                 -EINVAL);
	/* An extended rcode in the OPT. */
	o = begin(&q, 0);
	assert_int_equal(dns_out_opt(&o, DNS_R_BADVERS, 0, NULL, 0), 0);
	assert_int_equal(dns_cache_read(up, dns_out_end(&o), scratch, sizeof(scratch), &m),
	                 -EINVAL);
	assert_int_equal(dns_cache_get(&cache, &q, T0, 1232, out, sizeof(out)), 0);
}

static void too_big_for_the_client_goes_as_tc(void **state)
{
	struct dns_query q = query("big.example.net", DNS_T_TXT, 9, 1232, false);
	struct dns_query small = query("big.example.net", DNS_T_TXT, 10, 0, false);
	struct dns_out o = begin(&q, 0);
	uint8_t txt[200];
	struct sent s;
	size_t n;

	(void)state;
	memset(txt, 'x', sizeof(txt));
	txt[0] = 199;
	for (int i = 0; i < 4; i++)
		rr(&o, DNS_SEC_ANSWER, "big.example.net", DNS_T_TXT, 300, txt, sizeof(txt));
	keep(&q, dns_out_end(&o), T0);
	n = dns_cache_get(&cache, &small, T0, 512, out, sizeof(out));
	read_sent(out, n, &s);
	assert_true(s.h.hdr.flags & DNS_F_TC);
	assert_int_equal(s.h.hdr.ancount, 0);
	assert_int_equal(n, s.h.question_end);
	read_sent(out, dns_cache_get(&cache, &q, T0, 1232, out, sizeof(out)), &s);
	assert_false(s.h.hdr.flags & DNS_F_TC);
	assert_int_equal(s.h.hdr.ancount, 4);
}

/* SRV's target compressed by a careless upstream (RFC 2782 says not to): read flat. */
static void compressed_srv_target_read_flat(void **state)
{
	struct dns_query q = query("_sip._udp.example.net", DNS_T_SRV, 1, 1232, false);
	struct dns_out o = begin(&q, 0);
	uint8_t rd[8] = {0, 1, 0, 2, 0x13, 0xc4, 0xc0, DNS_HDR_LEN + 10}; /* -> example.net */
	struct dns_cache_msg m;
	struct dns_msg_rr r;
	size_t off;

	(void)state;
	rr(&o, DNS_SEC_ANSWER, "_sip._udp.example.net", DNS_T_SRV, 60, rd, sizeof(rd));
	assert_int_equal(dns_cache_read(up, dns_out_end(&o), scratch, sizeof(scratch), &m), 0);
	off = DNS_HDR_LEN + 23 + 4;
	assert_int_equal(dns_msg_rr(m.msg, m.len, &off, &r), 0);
	assert_int_equal(r.rdlen, 6 + 13);
	assert_memory_equal(m.msg + r.rdata_off + 6, wire("example.net"), 13);
}

/* Distinct names of one length, each answer the same size: its bytes in the ring. */
static size_t fill(unsigned i, uint64_t now)
{
	char name[32];
	struct dns_query q;
	struct dns_cache_msg m;
	size_t n;

	snprintf(name, sizeof(name), "n%05u.example.net", i);
	q = query(name, DNS_T_A, 1, 1232, false);
	n = positive(&q, 3600);
	assert_int_equal(dns_cache_read(up, n, scratch, sizeof(scratch), &m), 0);
	dns_cache_put(&cache, &q, &m, now);
	return (DNS_CACHE_REC_HDR + m.len + 2 * m.nttl + 7) & ~(size_t)7;
}

static bool has(unsigned i, uint64_t now)
{
	char name[32];
	struct dns_query q;

	snprintf(name, sizeof(name), "n%05u.example.net", i);
	q = query(name, DNS_T_A, 1, 1232, false);
	return dns_cache_get(&cache, &q, now, 1232, out, sizeof(out)) > 0;
}

static void the_budget_is_kept_the_oldest_goes(void **state)
{
	size_t each, fit;
	unsigned before;

	(void)state;
	dns_cache_fini(&cache);
	assert_int_equal(dns_cache_init(&cache, 8192), 0);
	assert_true(cache.cap + ((size_t)cache.mask + 1) * 4 <= 8192);
	each = fill(0, T0);
	fit = cache.cap / each;
	for (unsigned i = 1; i < fit; i++)
		assert_int_equal(fill(i, T0), each);
	assert_int_equal(cache.entries, fit);
	assert_true(has(0, T0) && has(fit - 1, T0));
	/* Looked up just now: n0 gets a second chance; n1, the oldest not looked up, goes. */
	before = allocations;
	fill((unsigned)fit, T0);
	assert_true(cache.used <= cache.cap);
	assert_true(has(fit, T0));
	assert_false(has(1, T0));
	assert_true(has(0, T0));
	assert_int_equal(cache.entries, fit);
	/* A thousand more: still within the budget, the newest there, nothing allocated. */
	for (unsigned i = 0; i < 1000; i++) {
		fill((unsigned)fit + 1 + i, T0 + i);
		assert_true(cache.used <= cache.cap);
		assert_true(cache.entries <= fit);
	}
	assert_true(has((unsigned)fit + 1000, T0 + 1000));
	assert_false(has(2, T0 + 1000));
	assert_int_equal(allocations, before);
	assert_true(cache.evicted >= 1000);
}

static void too_big_is_not_kept(void **state)
{
	struct dns_query q = query("big.example.net", DNS_T_TXT, 9, 1232, false);
	struct dns_out o;
	uint8_t txt[256];

	(void)state;
	dns_cache_fini(&cache);
	assert_int_equal(dns_cache_init(&cache, DNS_CACHE_MIN_BYTES), 0);
	o = begin(&q, 0);
	memset(txt, 'x', sizeof(txt));
	txt[0] = 255;
	for (int i = 0; i < 5; i++)
		rr(&o, DNS_SEC_ANSWER, "big.example.net", DNS_T_TXT, 300, txt, sizeof(txt));
	keep(&q, dns_out_end(&o), T0);
	assert_int_equal(cache.entries, 0);
	dns_cache_fini(&cache);
	assert_int_equal(dns_cache_init(&cache, DNS_CACHE_MIN_BYTES - 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(kept_until_the_smallest_ttl, setup, teardown),
	    cmocka_unit_test_setup_teardown(id_rd_and_case_are_the_clients, setup, teardown),
	    cmocka_unit_test_setup_teardown(the_do_bit_is_part_of_the_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(negative_answers_for_the_soa_minimum, setup, teardown),
	    cmocka_unit_test_setup_teardown(tc_servfail_refused_and_ttl_0_are_not_kept, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(an_answer_that_does_not_parse_is_not_kept, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(too_big_for_the_client_goes_as_tc, setup, teardown),
	    cmocka_unit_test_setup_teardown(compressed_srv_target_read_flat, setup, teardown),
	    cmocka_unit_test_setup_teardown(the_budget_is_kept_the_oldest_goes, setup, teardown),
	    cmocka_unit_test_setup_teardown(too_big_is_not_kept, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
