/*
 * dns/msg.c: queries read as dig and other clients send them, every
 * malformation the reader must answer FORMERR or drop (cut short at every
 * length, pointer loops, names of 255 and 256 octets built from pointers,
 * bad COOKIE lengths, misplaced OPT and TSIG), and answers written:
 * compression of owners and of the rdata names RFC 3597 4 allows, space
 * limits that leave the message untouched, and what is written read back.
 * Hand-built queries were checked against dnspython's encoder.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns/msg.h"

/* ---- building messages ---- */

struct msg {
	uint8_t b[2048];
	size_t len;
};

static void bytes(struct msg *m, const void *p, size_t n)
{
	assert_true(m->len + n <= sizeof(m->b));
	if (n)
		memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void u16(struct msg *m, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	bytes(m, b, 2);
}

static void u32(struct msg *m, uint32_t v)
{
	u16(m, (uint16_t)(v >> 16));
	u16(m, (uint16_t)v);
}

/* The wire form of an absolute name, in one of a few rotating buffers. */
static const uint8_t *wire(const char *text)
{
	static uint8_t names[8][DNS_NAME_MAX];
	static unsigned next;
	uint8_t *out = names[next++ % 8];

	assert_true(dns_name_from_text(text, strlen(text), NULL, out) > 0);
	return out;
}

static void name(struct msg *m, const char *text)
{
	const uint8_t *n = wire(text);
	bytes(m, n, (size_t)dns_name_len(n, DNS_NAME_MAX));
}

static void header(struct msg *m, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
                   uint16_t ar)
{
	m->len = 0;
	u16(m, 0x1234);
	u16(m, flags);
	u16(m, qd);
	u16(m, an);
	u16(m, ns);
	u16(m, ar);
}

static void question(struct msg *m, const char *qname, uint16_t qtype)
{
	name(m, qname);
	u16(m, qtype);
	u16(m, DNS_C_IN);
}

static void rr(struct msg *m, const char *owner, uint16_t type, uint16_t class, const void *rdata,
               uint16_t rdlen)
{
	name(m, owner);
	u16(m, type);
	u16(m, class);
	u32(m, 3600);
	u16(m, rdlen);
	bytes(m, rdata, rdlen);
}

static void opt(struct msg *m, uint16_t udp, uint32_t ttl, const void *options, uint16_t olen)
{
	bytes(m, "", 1);
	u16(m, DNS_T_OPT);
	u16(m, udp);
	u32(m, ttl);
	u16(m, olen);
	bytes(m, options, olen);
}

/* A COOKIE option of `len` octets (RFC 7873 4), its bytes 1, 2, 3... */
static void cookie_option(struct msg *m, uint16_t len)
{
	m->len = 0;
	u16(m, DNS_OPT_COOKIE);
	u16(m, len);
	for (uint16_t i = 0; i < len; i++)
		bytes(m, &(uint8_t){(uint8_t)(i + 1)}, 1);
}

/* A minimal TSIG rdata (RFC 8945 4.2): hmac-sha256, times, an empty MAC. */
static void tsig_rdata(struct msg *m)
{
	m->len = 0;
	name(m, "hmac-sha256.");
	bytes(m, "\0\0\x60\0\0\0\x01\x2c\0\0\x12\x34\0\0\0\0", 16);
}

static int query(const struct msg *m, struct dns_query *q)
{
	return dns_msg_query(m->b, m->len, q);
}

/* ---- reading queries ---- */

/* "dig www.example.org A" as dig 9.18 sends it: RD, AD, EDNS 1232, a client cookie. */
static const uint8_t dig_edns[] = {
    0x12, 0x34, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* header */
    3,    'w',  'w',  'w',  7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',
    3,    'o',  'r',  'g',  0,    0x00, 0x01, 0x00, 0x01,             /* www.example.org A IN */
    0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, /* OPT, 1232, rdlen 12 */
    0x00, 0x0a, 0x00, 0x08, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18, /* COOKIE */
};

/* "dig +noedns www.example.org A". */
static const uint8_t dig_noedns[] = {
    0x12, 0x34, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 3,    'w',  'w',  'w',  7,    'e',  'x',  'a',  'm',  'p',
    'l',  'e',  3,    'o',  'r',  'g',  0,    0x00, 0x01, 0x00, 0x01,
};

/* "dig +dnssec +cd Example.ORG SOA" to a server whose cookie it knows (16 octets). */
static const uint8_t dig_dnssec_cookie[] = {
    0xbe, 0xef, 0x01, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 7,    'E',
    'x',  'a',  'm',  'p',  'l',  'e',  3,    'O',  'R',  'G',  0,    0x00, 0x06, 0x00,
    0x01, 0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x1c, 0x00, 0x0a,
    0x00, 0x18, 1,    2,    3,    4,    5,    6,    7,    8,    9,    10,   11,   12,
    13,   14,   15,   16,   17,   18,   19,   20,   21,   22,   23,   24,
};

static void test_query_noedns(void **state)
{
	struct dns_query q;

	(void)state;
	assert_int_equal(dns_msg_query(dig_noedns, sizeof(dig_noedns), &q), 0);
	assert_int_equal(q.hdr.id, 0x1234);
	assert_int_equal(q.hdr.flags, DNS_F_RD | DNS_F_AD);
	assert_true(q.has_question);
	assert_memory_equal(q.qname, "\003www\007example\003org", 17);
	assert_int_equal(q.qtype, DNS_T_A);
	assert_int_equal(q.qclass, DNS_C_IN);
	assert_int_equal(q.question_end, sizeof(dig_noedns));
	assert_false(q.edns);
	assert_false(q.cookie);
	assert_int_equal(q.tsig_off, 0);
}

static void test_query_edns_cookie(void **state)
{
	struct dns_query q;

	(void)state;
	assert_int_equal(dns_msg_query(dig_edns, sizeof(dig_edns), &q), 0);
	assert_int_equal(q.question_end, 12 + 17 + 4);
	assert_true(q.edns);
	assert_int_equal(q.udp_size, 1232);
	assert_int_equal(q.edns_version, 0);
	assert_int_equal(q.edns_flags, 0);
	assert_true(q.cookie);
	assert_memory_equal(q.cookie_client, dig_edns + sizeof(dig_edns) - 8, 8);
	assert_int_equal(q.cookie_server_len, 0);
}

static void test_query_dnssec_server_cookie(void **state)
{
	struct dns_query q;

	(void)state;
	assert_int_equal(dns_msg_query(dig_dnssec_cookie, sizeof(dig_dnssec_cookie), &q), 0);
	assert_int_equal(q.hdr.id, 0xbeef);
	assert_memory_equal(q.qname, "\007Example\003ORG", 13);
	assert_int_equal(q.qtype, DNS_T_SOA);
	assert_int_equal(q.udp_size, 4096);
	assert_int_equal(q.edns_flags, 0x8000);
	assert_true(q.cookie);
	assert_memory_equal(q.cookie_client, "\1\2\3\4\5\6\7\10", 8);
	assert_int_equal(q.cookie_server_len, 16);
	assert_memory_equal(q.cookie_server, dig_dnssec_cookie + sizeof(dig_dnssec_cookie) - 16,
	                    16);
}

/* A query with one OPT whose rdata is `options`. */
static int query_with_options(const struct msg *options, struct dns_query *q)
{
	static struct msg m;

	header(&m, DNS_F_RD, 1, 0, 0, 1);
	question(&m, "example.org.", DNS_T_A);
	opt(&m, 1232, 0, options->b, (uint16_t)options->len);
	return query(&m, q);
}

/* RFC 7873 4, 5.2.2: 8 octets, or 16 to 40; any other length is FORMERR. */
static void test_cookie_lengths(void **state)
{
	struct dns_query q;
	struct msg o;

	(void)state;
	for (uint16_t len = 0; len <= 48; len++) {
		bool good = len == 8 || (len >= 16 && len <= 40);
		cookie_option(&o, len);
		assert_int_equal(query_with_options(&o, &q), good ? 0 : DNS_R_FORMERR);
		assert_true(q.edns);
		if (good) {
			assert_true(q.cookie);
			assert_int_equal(q.cookie_server_len, len - 8);
			assert_memory_equal(q.cookie_server, o.b + 12, len - 8u);
		}
	}
}

static void test_options(void **state)
{
	struct dns_query q;
	struct msg o = {.len = 0};

	(void)state;
	/* NSID (3) empty, padding (12), then a cookie: the others are skipped. */
	bytes(&o, "\0\3\0\0\0\x0c\0\3\0\0\0", 11);
	assert_int_equal(query_with_options(&o, &q), 0);
	assert_false(q.cookie);
	cookie_option(&o, 8);
	bytes(&o, "\0\3\0\0", 4);
	assert_int_equal(query_with_options(&o, &q), 0);
	assert_true(q.cookie);
	/* Two cookies: the first is answered. */
	cookie_option(&o, 16);
	bytes(&o, "\0\x0a\0\x08zzzzzzzz", 12);
	assert_int_equal(query_with_options(&o, &q), 0);
	assert_int_equal(q.cookie_server_len, 8);
	assert_memory_equal(q.cookie_client, o.b + 4, 8);
	/* An option running past the rdata, and an option header cut short. */
	o.len = 0;
	bytes(&o, "\0\3\0\5\0\0", 6);
	assert_int_equal(query_with_options(&o, &q), DNS_R_FORMERR);
	o.len = 0;
	bytes(&o, "\0\3\0", 3);
	assert_int_equal(query_with_options(&o, &q), DNS_R_FORMERR);
}

static void test_opt_fields(void **state)
{
	static struct msg m;
	struct dns_query q;

	(void)state;
	/* Below 512 is read as 512 (RFC 6891 6.2.5); the version is reported, not judged. */
	header(&m, 0, 1, 0, 0, 1);
	question(&m, "example.org.", DNS_T_A);
	opt(&m, 100, 0x00018000, NULL, 0);
	assert_int_equal(query(&m, &q), 0);
	assert_int_equal(q.udp_size, 512);
	assert_int_equal(q.edns_version, 1);
	assert_int_equal(q.edns_flags, 0x8000);
	header(&m, 0, 1, 0, 0, 1);
	question(&m, "example.org.", DNS_T_A);
	opt(&m, 65535, 0, NULL, 0);
	assert_int_equal(query(&m, &q), 0);
	assert_int_equal(q.udp_size, 65535);
}

static void test_two_opts(void **state)
{
	static struct msg m;
	struct dns_query q;

	(void)state;
	header(&m, 0, 1, 0, 0, 2);
	question(&m, "example.org.", DNS_T_A);
	opt(&m, 1232, 0, NULL, 0);
	opt(&m, 1232, 0, NULL, 0);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
	assert_true(q.has_question);
	assert_true(q.edns);
}

static void test_opt_misplaced(void **state)
{
	static struct msg m;
	struct dns_query q;

	(void)state;
	/* In the answer section. */
	header(&m, 0, 1, 1, 0, 0);
	question(&m, "example.org.", DNS_T_A);
	opt(&m, 1232, 0, NULL, 0);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
	/* In the authority section. */
	header(&m, 0, 1, 0, 1, 0);
	question(&m, "example.org.", DNS_T_A);
	opt(&m, 1232, 0, NULL, 0);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
	/* Owned by a name other than the root. */
	header(&m, 0, 1, 0, 0, 1);
	question(&m, "example.org.", DNS_T_A);
	rr(&m, "example.org.", DNS_T_OPT, 1232, NULL, 0);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
}

static void test_tsig(void **state)
{
	static struct msg m;
	struct msg t;
	struct dns_query q;
	size_t at;

	(void)state;
	tsig_rdata(&t);
	/* Last, after OPT: where RFC 8945 5.1 wants it. */
	header(&m, 0, 1, 0, 0, 2);
	question(&m, "example.org.", DNS_T_SOA);
	opt(&m, 1232, 0, NULL, 0);
	at = m.len;
	rr(&m, "key.example.", DNS_T_TSIG, DNS_C_ANY, t.b, (uint16_t)t.len);
	assert_int_equal(query(&m, &q), 0);
	assert_int_equal(q.tsig_off, at);
	assert_true(q.edns);
	/* Before OPT. */
	header(&m, 0, 1, 0, 0, 2);
	question(&m, "example.org.", DNS_T_SOA);
	rr(&m, "key.example.", DNS_T_TSIG, DNS_C_ANY, t.b, (uint16_t)t.len);
	opt(&m, 1232, 0, NULL, 0);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
	/* Last of the message, but in the authority section. */
	header(&m, 0, 1, 0, 1, 0);
	question(&m, "example.org.", DNS_T_SOA);
	rr(&m, "key.example.", DNS_T_TSIG, DNS_C_ANY, t.b, (uint16_t)t.len);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
	/* Two. */
	header(&m, 0, 1, 0, 0, 2);
	question(&m, "example.org.", DNS_T_SOA);
	rr(&m, "key.example.", DNS_T_TSIG, DNS_C_ANY, t.b, (uint16_t)t.len);
	rr(&m, "key.example.", DNS_T_TSIG, DNS_C_ANY, t.b, (uint16_t)t.len);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
}

/* Each cut of a message: shorter than a header is dropped, any other cut is FORMERR. */
static void cut_everywhere(const uint8_t *msg, size_t len)
{
	struct dns_query q;

	for (size_t n = 0; n < len; n++) {
		/* A copy of exactly n bytes, so ASan sees any read past them. */
		uint8_t *copy = test_malloc(n ? n : 1);
		memcpy(copy, msg, n);
		assert_int_equal(dns_msg_query(copy, n, &q),
		                 n < DNS_HDR_LEN ? DNS_MSG_DROP : DNS_R_FORMERR);
		assert_int_equal(q.has_question, n >= 12 + 17 + 4);
		test_free(copy);
	}
}

static void test_truncated(void **state)
{
	static struct msg m;
	struct msg t;
	struct dns_query q;

	(void)state;
	cut_everywhere(dig_edns, sizeof(dig_edns));
	cut_everywhere(dig_noedns, sizeof(dig_noedns));
	/* A NOTIFY with a compressed SOA in the answer section, OPT and TSIG. */
	tsig_rdata(&t);
	header(&m, DNS_OP_NOTIFY << 11 | DNS_F_AA, 1, 1, 0, 2);
	question(&m, "www.example.org.", DNS_T_SOA);
	/* rdlength 29: "ns" and "h" before pointers to example.org (5 + 4), and 20. */
	bytes(&m, "\xc0\x0c\0\x06\0\x01\0\0\x0e\x10\0\x1d\x02ns\xc0\x10\x01h\xc0\x10", 21);
	bytes(&m, "\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5", 20);
	opt(&m, 1232, 0, NULL, 0);
	rr(&m, "key.example.", DNS_T_TSIG, DNS_C_ANY, t.b, (uint16_t)t.len);
	assert_int_equal(query(&m, &q), 0);
	cut_everywhere(m.b, m.len);
}

static void test_counts(void **state)
{
	static struct msg m;
	struct dns_query q;

	(void)state;
	/* No question: nothing to echo. */
	header(&m, 0, 0, 0, 0, 0);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
	assert_false(q.has_question);
	assert_int_equal(q.hdr.id, 0x1234);
	/* Two questions (RFC 9619). */
	header(&m, 0, 2, 0, 0, 0);
	question(&m, "example.org.", DNS_T_A);
	question(&m, "example.org.", DNS_T_AAAA);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
	/* Two promised, one there: a count, not the bytes, is what is wrong. */
	header(&m, 0, 2, 0, 0, 0);
	question(&m, "example.org.", DNS_T_A);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
	assert_true(q.has_question);
	/* A record promised and missing; bytes after the last record. */
	header(&m, 0, 1, 0, 0, 1);
	question(&m, "example.org.", DNS_T_A);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
	assert_true(q.has_question);
	header(&m, 0, 1, 0, 0, 0);
	question(&m, "example.org.", DNS_T_A);
	bytes(&m, "", 1);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
	/* 65535 records promised by a short message. */
	header(&m, 0, 1, 0xffff, 0xffff, 0xffff);
	question(&m, "example.org.", DNS_T_A);
	rr(&m, "example.org.", DNS_T_A, DNS_C_IN, "\1\2\3\4", 4);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
}

static void test_dropped(void **state)
{
	struct dns_query q;
	uint8_t response[sizeof(dig_edns)];

	(void)state;
	for (size_t n = 0; n < DNS_HDR_LEN; n++)
		assert_int_equal(dns_msg_query(dig_edns, n, &q), DNS_MSG_DROP);
	memcpy(response, dig_edns, sizeof(response));
	response[2] |= DNS_F_QR >> 8;
	assert_int_equal(dns_msg_query(response, sizeof(response), &q), DNS_MSG_DROP);
}

/* NOTIFY (RFC 1996) and UPDATE (RFC 2136) are read like queries: one question, then records. */
static void test_opcodes(void **state)
{
	static struct msg m;
	struct dns_query q;

	(void)state;
	header(&m, DNS_OP_UPDATE << 11, 1, 1, 2, 0);
	question(&m, "example.org.", DNS_T_SOA);
	rr(&m, "www.example.org.", DNS_T_ANY, DNS_C_NONE, NULL, 0); /* prerequisite */
	rr(&m, "www.example.org.", DNS_T_A, DNS_C_ANY, NULL, 0);    /* delete an RRset */
	rr(&m, "www.example.org.", DNS_T_A, DNS_C_IN, "\xc0\0\2\1", 4);
	assert_int_equal(query(&m, &q), 0);
	assert_int_equal(DNS_F_OPCODE(q.hdr.flags), DNS_OP_UPDATE);
	assert_int_equal(q.qtype, DNS_T_SOA);
}

/* ---- names ---- */

static int read_name(const uint8_t *msg, size_t len, size_t off, uint8_t out[DNS_NAME_MAX],
                     size_t *end)
{
	*end = off;
	return dns_msg_name(msg, len, end, out);
}

static void test_pointer_loops(void **state)
{
	uint8_t m[64] = {0}, out[DNS_NAME_MAX];
	size_t end;

	(void)state;
	/* To itself. */
	memcpy(m + 12, "\xc0\x0c", 2);
	assert_int_equal(read_name(m, 14, 12, out, &end), -EINVAL);
	assert_int_equal(end, 12);
	/* Forward, to a well-formed name. */
	memcpy(m + 12, "\xc0\x0e\0", 3);
	assert_int_equal(read_name(m, 15, 12, out, &end), -EINVAL);
	/* Two pointers to each other, entered from either. */
	memcpy(m + 12, "\xc0\x0e\xc0\x0c", 4);
	assert_int_equal(read_name(m, 16, 12, out, &end), -EINVAL);
	assert_int_equal(read_name(m, 16, 14, out, &end), -EINVAL);
	/* Labels, then a pointer back to their own start. */
	memcpy(m + 12, "\1a\xc0\x0c", 4);
	assert_int_equal(read_name(m, 16, 12, out, &end), -EINVAL);
	/* A pointer into the labels behind it that jumps past the pointer: still a loop. */
	memcpy(m + 12, "\1a\1b\xc0\x0e", 6);
	assert_int_equal(read_name(m, 18, 12, out, &end), -EINVAL);
	/* A chain of pointers, each further back than the last: d -> c -> b. */
	memcpy(m + 12, "\1a\1b\0\1c\xc0\x0e\1d\xc0\x11", 13);
	assert_int_equal(read_name(m, 26, 21, out, &end), 7);
	assert_memory_equal(out, "\1d\1c\1b", 7);
	assert_int_equal(end, 25);
	/* Back, then forward past where the first jump went. */
	memcpy(m + 12, "\1a\1b\xc0\x16\1c\xc0\x0c", 10);
	assert_int_equal(read_name(m, 22, 18, out, &end), -EINVAL);
	/*
	 * Into the middle of the run that holds the pointer: it would end (a
	 * label of 3 holding "\1a\0", then "\1a\0" again), but is not before
	 * where the name began, so it is refused like any jump that may loop.
	 */
	memcpy(m + 12, "\3\1a\0\xc0\x0d", 6);
	assert_int_equal(read_name(m, 18, 12, out, &end), -EINVAL);
}

static void test_name_malformed(void **state)
{
	uint8_t m[32] = {0}, out[DNS_NAME_MAX];
	size_t end;

	(void)state;
	memcpy(m + 12, "\1a\0", 3);
	assert_int_equal(read_name(m, 15, 12, out, &end), 3);
	assert_int_equal(end, 15);
	assert_int_equal(read_name(m, 14, 12, out, &end), -EINVAL);
	assert_int_equal(read_name(m, 13, 12, out, &end), -EINVAL);
	assert_int_equal(read_name(m, 12, 12, out, &end), -EINVAL);
	/* Label types 01 and 10 (RFC 6891 5 retired the extended ones). */
	memcpy(m + 12, "\x41\0", 2);
	assert_int_equal(read_name(m, 14, 12, out, &end), -EINVAL);
	memcpy(m + 12, "\x80\0", 2);
	assert_int_equal(read_name(m, 14, 12, out, &end), -EINVAL);
	/* A pointer's second byte past the end. */
	memcpy(m + 12, "\1a\0\xc0", 4);
	assert_int_equal(read_name(m, 16, 15, out, &end), -EINVAL);
	/* A valid pointer: *off moves past the pointer, not the name it points to. */
	memcpy(m + 12, "\1a\0\1b\xc0\x0c", 7);
	assert_int_equal(read_name(m, 19, 15, out, &end), 5);
	assert_memory_equal(out, "\1b\1a", 5);
	assert_int_equal(end, 19);
}

/*
 * A query whose question is two 63-octet labels (129 octets at 12), and
 * whose one additional record's owner is labels of 63 and `last` octets
 * and a pointer to the question: 64 + 1 + last + 129 octets in all.
 */
static void long_owner(struct msg *m, uint8_t last)
{
	char l[64];

	memset(l, 'a', sizeof(l));
	header(m, 0, 1, 0, 0, 1);
	for (int i = 0; i < 2; i++) {
		bytes(m, "\77", 1);
		bytes(m, l, 63);
	}
	bytes(m, "", 1);
	u16(m, DNS_T_A);
	u16(m, DNS_C_IN);
	bytes(m, "\77", 1);
	bytes(m, l, 63);
	bytes(m, &last, 1);
	bytes(m, l, last);
	bytes(m, "\xc0\x0c", 2);
	bytes(m, "\0\1\0\1\0\0\0\0\0\4\xc0\0\2\1", 14);
}

static void test_name_limit_via_pointers(void **state)
{
	static struct msg m;
	uint8_t out[DNS_NAME_MAX];
	struct dns_query q;
	size_t end;

	(void)state;
	long_owner(&m, 61);
	assert_int_equal(query(&m, &q), 0);
	assert_int_equal(read_name(m.b, m.len, 12 + 129 + 4, out, &end), 255);
	assert_int_equal(end, 12 + 129 + 4 + 128);
	long_owner(&m, 62);
	assert_int_equal(query(&m, &q), DNS_R_FORMERR);
	assert_int_equal(read_name(m.b, m.len, 12 + 129 + 4, out, &end), -EINVAL);
}

static void test_msg_rr(void **state)
{
	static struct msg m;
	struct dns_msg_rr r;
	size_t off;

	(void)state;
	header(&m, 0, 1, 1, 0, 0);
	question(&m, "example.org.", DNS_T_MX);
	bytes(&m, "\xc0\x0c\0\x0f\0\x01\0\0\x0e\x10\0\x07\0\x0a\2mx\xc0\x0c", 19);
	off = 12 + 13 + 4;
	assert_int_equal(dns_msg_rr(m.b, m.len, &off, &r), 0);
	assert_int_equal(off, m.len);
	assert_memory_equal(r.owner, "\7example\3org", 13);
	assert_int_equal(r.type, DNS_T_MX);
	assert_int_equal(r.class, DNS_C_IN);
	assert_int_equal(r.ttl, 3600);
	assert_int_equal(r.rdlen, 7);
	assert_int_equal(r.rdata_off, 12 + 13 + 4 + 12);
	/* Cut in the fixed part and in the rdata. */
	for (size_t n = 12 + 13 + 4; n < m.len; n++) {
		off = 12 + 13 + 4;
		assert_int_equal(dns_msg_rr(m.b, n, &off, &r), -EINVAL);
		assert_int_equal(off, 12 + 13 + 4);
	}
}

/* ---- writing answers ---- */

static uint8_t out[DNS_MSG_MAX];

/* The query for qname and qtype, as read. */
static void ask(struct dns_query *q, const char *qname, uint16_t qtype)
{
	static struct msg m;

	header(&m, DNS_F_RD | DNS_F_CD | DNS_F_AD, 1, 0, 0, 0);
	question(&m, qname, qtype);
	assert_int_equal(query(&m, q), 0);
}

static struct dns_rr record(const char *owner, uint16_t type, const struct msg *rdata)
{
	return (struct dns_rr){.owner = wire(owner),
	                       .type = type,
	                       .class = DNS_C_IN,
	                       .ttl = 3600,
	                       .rdlen = (uint16_t)rdata->len,
	                       .rdata = rdata->b};
}

static int add(struct dns_out *o, int section, const char *owner, uint16_t type,
               const struct msg *rdata)
{
	struct dns_rr r = record(owner, type, rdata);
	return dns_out_rr(o, section, &r);
}

static const struct msg a_rdata = {{192, 0, 2, 1}, 4};

/* Rdata of names (absolute, presentation form) between fixed octets. */
static struct msg rdata_names(const void *before, size_t nb, const char *n1, const char *n2,
                              const void *after, size_t na)
{
	struct msg r = {.len = 0};

	bytes(&r, before, nb);
	name(&r, n1);
	if (n2)
		name(&r, n2);
	bytes(&r, after, na);
	return r;
}

static void test_out_begin(void **state)
{
	struct dns_query q;
	struct dns_out o;

	(void)state;
	ask(&q, "WwW.Example.org.", DNS_T_AAAA);
	assert_int_equal(dns_out_begin(&o, out, 512, &q, DNS_F_AA), 0);
	assert_int_equal(dns_out_end(&o), 12 + 17 + 4);
	/* QR, RD and CD copied, AD not, AA set; the question in its case. */
	assert_memory_equal(out, "\x12\x34\x85\x10\0\1\0\0\0\0\0\0", 12);
	assert_memory_equal(out + 12, "\3WwW\7Example\3org\0\0\x1c\0\1", 21);
	/* A header only when there was no question; no room at all. */
	q.has_question = false;
	assert_int_equal(dns_out_begin(&o, out, 512, &q, 0), 0);
	assert_int_equal(dns_out_end(&o), 12);
	assert_int_equal(out[5], 0);
	q.has_question = true;
	assert_int_equal(dns_out_begin(&o, out, 32, &q, 0), -ENOSPC);
	assert_int_equal(dns_out_begin(&o, out, 33, &q, 0), 0);
}

static void test_out_owner_compression(void **state)
{
	struct dns_query q;
	struct dns_out o;
	size_t n;

	(void)state;
	ask(&q, "Example.ORG.", DNS_T_A);
	dns_out_begin(&o, out, 512, &q, DNS_F_AA);
	assert_int_equal(add(&o, DNS_SEC_ANSWER, "example.org.", DNS_T_A, &a_rdata), 0);
	assert_int_equal(add(&o, DNS_SEC_ANSWER, "www.EXAMPLE.org.", DNS_T_A, &a_rdata), 0);
	assert_int_equal(add(&o, DNS_SEC_ANSWER, "a.www.example.org.", DNS_T_A, &a_rdata), 0);
	assert_int_equal(add(&o, DNS_SEC_ANSWER, "Mail.Other.NET.", DNS_T_A, &a_rdata), 0);
	assert_int_equal(add(&o, DNS_SEC_ANSWER, "x.other.net.", DNS_T_A, &a_rdata), 0);
	n = dns_out_end(&o);
	/* Question at 12 (13 + 4), then records of 10 + 4 after their owners. */
	static const uint8_t want[] =
	    "\xc0\x0c\0\1\0\1\0\0\x0e\x10\0\4\xc0\0\2\1"             /* at 29 */
	    "\3www\xc0\x0c\0\1\0\1\0\0\x0e\x10\0\4\xc0\0\2\1"        /* 45 */
	    "\1a\xc0\x2d\0\1\0\1\0\0\x0e\x10\0\4\xc0\0\2\1"          /* 65 */
	    "\4Mail\5Other\3NET\0\0\1\0\1\0\0\x0e\x10\0\4\xc0\0\2\1" /* 83 */
	    "\1x\xc0\x58\0\1\0\1\0\0\x0e\x10\0\4\xc0\0\2\1";         /* 113 */
	assert_int_equal(n, 29 + sizeof(want) - 1);
	assert_memory_equal(out + 29, want, sizeof(want) - 1);
	assert_int_equal(out[7], 5);
}

/* The rdata written for `type` after an owner compressed to a pointer at the question. */
static void expect_rdata(uint16_t type, const struct msg *rdata, const void *want, size_t wlen)
{
	struct dns_query q;
	struct dns_out o;

	ask(&q, "example.org.", type);
	dns_out_begin(&o, out, 512, &q, 0);
	assert_int_equal(add(&o, DNS_SEC_ANSWER, "example.org.", type, rdata), 0);
	assert_int_equal(dns_out_end(&o), 29 + 12 + wlen);
	assert_int_equal(out[29 + 10] << 8 | out[29 + 11], wlen);
	assert_memory_equal(out + 29 + 12, want, wlen);
}

static void test_out_rdata_compressed(void **state)
{
	struct msg r;

	(void)state;
	r = rdata_names(NULL, 0, "ns1.example.org.", NULL, NULL, 0);
	expect_rdata(DNS_T_NS, &r, "\3ns1\xc0\x0c", 6);
	expect_rdata(DNS_T_CNAME, &r, "\3ns1\xc0\x0c", 6);
	expect_rdata(DNS_T_PTR, &r, "\3ns1\xc0\x0c", 6);
	r = rdata_names("\0\x0a", 2, "MX.example.org.", NULL, NULL, 0);
	expect_rdata(DNS_T_MX, &r, "\0\x0a\2MX\xc0\x0c", 7);
	/* SOA: the second name compressed against the first (at 41) too. */
	r = rdata_names(NULL, 0, "ns.example.org.", "hostmaster.ns.example.org.",
	                "\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5", 20);
	expect_rdata(DNS_T_SOA, &r,
	             "\2ns\xc0\x0c\12hostmaster\xc0\x29"
	             "\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5",
	             5 + 13 + 20);
}

static void test_out_rdata_copied(void **state)
{
	struct msg r;

	(void)state;
	/* SRV (RFC 2782: "name compression is not to be used"), DNAME, and others. */
	r = rdata_names("\0\1\0\2\0\x35", 6, "ns1.example.org.", NULL, NULL, 0);
	expect_rdata(DNS_T_SRV, &r, r.b, r.len);
	r = rdata_names(NULL, 0, "example.org.", NULL, NULL, 0);
	expect_rdata(DNS_T_DNAME, &r, r.b, r.len);
	expect_rdata(DNS_T_TXT, &r, r.b, r.len);
	expect_rdata(DNS_T_HTTPS, &r, r.b, r.len);
	expect_rdata(1234, &r, r.b, r.len);
	/* Rdata of a compressible type that is not the shape it should be is copied as is. */
	r = rdata_names(NULL, 0, "example.org.", NULL, "x", 1);
	expect_rdata(DNS_T_NS, &r, r.b, r.len);
	r = rdata_names("\0", 1, "example.org.", NULL, NULL, 0);
	expect_rdata(DNS_T_MX, &r, r.b, r.len);
	r = rdata_names(NULL, 0, "example.org.", "example.org.", "\0\0\0\1", 4);
	expect_rdata(DNS_T_SOA, &r, r.b, r.len);
	r.len = 0;
	expect_rdata(DNS_T_CNAME, &r, r.b, r.len);
}

/* The longest suffix, found in a name that is itself partly a pointer. */
static void test_out_longest_suffix(void **state)
{
	struct dns_query q;
	struct dns_out o;

	(void)state;
	ask(&q, "example.org.", DNS_T_A);
	dns_out_begin(&o, out, 512, &q, 0);
	add(&o, DNS_SEC_ANSWER, "b.example.org.", DNS_T_A, &a_rdata);     /* 29: \1b\xc0\x0c */
	add(&o, DNS_SEC_ANSWER, "x.B.example.org.", DNS_T_A, &a_rdata);   /* 47: \1x\xc0\x1d */
	add(&o, DNS_SEC_ANSWER, "y.x.b.example.org.", DNS_T_A, &a_rdata); /* 65: \1y\xc0\x2f */
	add(&o, DNS_SEC_ANSWER, "z.x.b.example.com.", DNS_T_A, &a_rdata); /* 83: no suffix */
	add(&o, DNS_SEC_ANSWER, "x.b.example.com.", DNS_T_A, &a_rdata);   /* 116: \xc0\x55 */
	dns_out_end(&o);
	assert_memory_equal(out + 29, "\1b\xc0\x0c", 4);
	assert_memory_equal(out + 47, "\1x\xc0\x1d", 4);
	assert_memory_equal(out + 65, "\1y\xc0\x2f", 4);
	assert_memory_equal(out + 83, "\1z\1x\1b\7example\3com\0", 19);
	assert_memory_equal(out + 83 + 19 + 14, "\xc0\x55\0\1", 4);
}

/* For every cap, a record is written whole or not at all. */
static void test_out_enospc(void **state)
{
	static uint8_t before[512];
	struct dns_query q;
	struct dns_out o;
	struct msg r = rdata_names(NULL, 0, "ns.example.org.", "host.other.",
	                           "\0\0\0\1\0\0\0\2"
	                           "\0\0\0\3\0\0\0\4\0\0\0\5",
	                           20);
	size_t base, full;

	(void)state;
	ask(&q, "example.org.", DNS_T_SOA);
	dns_out_begin(&o, out, 512, &q, 0);
	add(&o, DNS_SEC_ANSWER, "www.example.org.", DNS_T_A, &a_rdata);
	base = o.len;
	assert_int_equal(add(&o, DNS_SEC_AUTHORITY, "example.org.", DNS_T_SOA, &r), 0);
	full = o.len;
	for (size_t cap = 12 + 17; cap <= full + 1; cap++) {
		memset(out, 0xee, sizeof(before));
		dns_out_begin(&o, out, 512, &q, 0);
		add(&o, DNS_SEC_ANSWER, "www.example.org.", DNS_T_A, &a_rdata);
		memcpy(before, out, base);
		o.cap = cap;
		if (cap < full) {
			assert_int_equal(add(&o, DNS_SEC_AUTHORITY, "example.org.", DNS_T_SOA, &r),
			                 -ENOSPC);
			assert_int_equal(o.len, base);
			assert_int_equal(o.count[DNS_SEC_AUTHORITY], 0);
			assert_int_equal(o.nnames, 2);
			assert_memory_equal(out, before, base);
		} else {
			assert_int_equal(add(&o, DNS_SEC_AUTHORITY, "example.org.", DNS_T_SOA, &r),
			                 0);
			assert_int_equal(o.len, full);
		}
	}
}

static void test_out_reserve(void **state)
{
	struct dns_query q;
	struct dns_out o;
	size_t one;

	(void)state;
	ask(&q, "example.org.", DNS_T_A);
	dns_out_begin(&o, out, 512, &q, 0);
	add(&o, DNS_SEC_ANSWER, "example.org.", DNS_T_A, &a_rdata);
	one = o.len - (12 + 17);
	/* Room for three records and an OPT with a 16-octet cookie (11 + 4 + 16). */
	dns_out_begin(&o, out, 12 + 17 + 3 * one + 31, &q, 0);
	o.reserve = 31;
	for (int i = 0; i < 3; i++)
		assert_int_equal(add(&o, DNS_SEC_ANSWER, "example.org.", DNS_T_A, &a_rdata), 0);
	assert_int_equal(add(&o, DNS_SEC_ANSWER, "example.org.", DNS_T_A, &a_rdata), -ENOSPC);
	assert_int_equal(dns_out_opt(&o, 0, 0, (const uint8_t *)"0123456789abcdef", 16), 0);
	assert_int_equal(dns_out_end(&o), o.cap);
	assert_int_equal(dns_out_opt(&o, 0, 0, NULL, 0), -ENOSPC);
}

static void test_out_mark_rewind(void **state)
{
	struct dns_query q;
	struct dns_out o;
	struct dns_out_mark mk;
	struct msg r = rdata_names(NULL, 0, "ns.other.net.", NULL, NULL, 0);
	size_t at;

	(void)state;
	ask(&q, "example.org.", DNS_T_NS);
	dns_out_begin(&o, out, 512, &q, 0);
	dns_out_mark(&o, &mk);
	add(&o, DNS_SEC_ANSWER, "example.org.", DNS_T_NS, &r);
	add(&o, DNS_SEC_ADDITIONAL, "ns.other.net.", DNS_T_A, &a_rdata);
	assert_int_equal(o.count[DNS_SEC_ADDITIONAL], 1);
	dns_out_rewind(&o, &mk);
	assert_int_equal(o.len, 12 + 17);
	assert_int_equal(o.count[DNS_SEC_ANSWER], 0);
	assert_int_equal(o.count[DNS_SEC_ADDITIONAL], 0);
	assert_int_equal(o.nnames, 1);
	/* What was rolled back is no compression target: the name is written out again. */
	at = o.len;
	add(&o, DNS_SEC_AUTHORITY, "ns.other.net.", DNS_T_A, &a_rdata);
	assert_memory_equal(out + at, "\2ns\5other\3net\0", 14);
	assert_int_equal(dns_out_end(&o), at + 14 + 14);
	assert_memory_equal(out + 6, "\0\0\0\1\0\0", 6);
}

static void test_out_opt(void **state)
{
	struct dns_query q;
	struct dns_out o;
	size_t n;

	(void)state;
	ask(&q, "example.org.", DNS_T_A);
	dns_out_begin(&o, out, 512, &q, DNS_F_AA | DNS_R_NXDOMAIN);
	/* BADVERS (16): 0 in the header, 1 in OPT's extended rcode (RFC 6891 6.1.3). */
	assert_int_equal(dns_out_opt(&o, DNS_R_BADVERS, 0x8000, NULL, 0), 0);
	n = dns_out_end(&o);
	assert_int_equal(n, 29 + 11);
	assert_int_equal(out[3] & 15, 0);
	assert_int_equal(out[2] & (DNS_F_AA >> 8), DNS_F_AA >> 8);
	assert_memory_equal(out + 29, "\0\0\x29\x04\xd0\1\0\x80\0\0\0", 11);
	assert_int_equal(out[11], 1);
	/* BADCOOKIE (23) with the client's cookie and ours. */
	dns_out_begin(&o, out, 512, &q, 0);
	assert_int_equal(
	    dns_out_opt(&o, DNS_R_BADCOOKIE, 0, (const uint8_t *)"ccccccccssssssss", 16), 0);
	n = dns_out_end(&o);
	assert_int_equal(n, 29 + 11 + 4 + 16);
	assert_int_equal(out[3] & 15, DNS_R_BADCOOKIE & 15);
	assert_memory_equal(out + 29,
	                    "\0\0\x29\x04\xd0\1\0\0\0\0\x14\0\x0a\0\x10"
	                    "ccccccccssssssss",
	                    31);
}

/* Read `msg` back (its QR cleared) and compare each record with what was written. */
static void read_back(const uint8_t *msg, size_t len, const struct dns_rr *rrs, size_t n)
{
	static uint8_t copy[DNS_MSG_MAX];
	uint8_t nm[DNS_NAME_MAX];
	struct dns_query q;
	struct dns_msg_rr r;
	size_t off;

	memcpy(copy, msg, len);
	copy[2] &= (uint8_t) ~(DNS_F_QR >> 8);
	assert_int_equal(dns_msg_query(copy, len, &q), 0);
	off = q.question_end;
	for (size_t i = 0; i < n; i++) {
		size_t p, end;
		assert_int_equal(dns_msg_rr(copy, len, &off, &r), 0);
		assert_true(dns_name_eq(r.owner, rrs[i].owner));
		assert_int_equal(r.type, rrs[i].type);
		assert_int_equal(r.ttl, rrs[i].ttl);
		end = r.rdata_off + r.rdlen;
		if (r.type != DNS_T_NS && r.type != DNS_T_MX && r.type != DNS_T_SOA) {
			assert_int_equal(r.rdlen, rrs[i].rdlen);
			assert_memory_equal(copy + r.rdata_off, rrs[i].rdata, r.rdlen);
			continue;
		}
		p = r.rdata_off + (r.type == DNS_T_MX ? 2 : 0);
		assert_true(dns_msg_name(copy, end, &p, nm) > 0);
		assert_true(dns_name_eq(nm, rrs[i].rdata + (r.type == DNS_T_MX ? 2 : 0)));
		if (r.type == DNS_T_SOA) {
			const uint8_t *second = rrs[i].rdata + dns_name_len(rrs[i].rdata, 255);
			assert_true(dns_msg_name(copy, end, &p, nm) > 0);
			assert_true(dns_name_eq(nm, second));
			assert_memory_equal(copy + p, second + dns_name_len(second, 255), 20);
			p += 20;
		}
		assert_int_equal(p, end);
	}
	if (q.edns) {
		assert_int_equal(dns_msg_rr(copy, len, &off, &r), 0);
		assert_int_equal(r.type, DNS_T_OPT);
	}
	assert_int_equal(off, len);
}

static void test_out_round_trip(void **state)
{
	struct dns_query q;
	struct dns_out o;
	struct msg ns = rdata_names(NULL, 0, "NS1.example.ORG.", NULL, NULL, 0);
	struct msg mx = rdata_names("\0\5", 2, "mail.Example.org.", NULL, NULL, 0);
	struct msg soa =
	    rdata_names(NULL, 0, "ns1.example.org.", "hostmaster.example.org.",
	                "\x78\x56\x34\x12\0\0\x1c\x20\0\0\x0e\x10\0\x12\x75\0\0\0\1\0", 20);
	struct msg srv = rdata_names("\0\0\0\0\1\xbb", 6, "www.example.org.", NULL, NULL, 0);
	struct dns_rr rrs[] = {
	    record("example.org.", DNS_T_NS, &ns),
	    record("example.org.", DNS_T_MX, &mx),
	    record("example.org.", DNS_T_SOA, &soa),
	    record("_https._tcp.example.org.", 33, &srv),
	    record("ns1.example.org.", DNS_T_A, &a_rdata),
	    record("mail.EXAMPLE.org.", DNS_T_A, &a_rdata),
	};
	size_t n = sizeof(rrs) / sizeof(rrs[0]);

	(void)state;
	ask(&q, "example.org.", DNS_T_ANY);
	dns_out_begin(&o, out, 512, &q, DNS_F_AA);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(
		    dns_out_rr(&o, i < 4 ? DNS_SEC_ANSWER : DNS_SEC_ADDITIONAL, &rrs[i]), 0);
	dns_out_opt(&o, 0, 0x8000, NULL, 0);
	read_back(out, dns_out_end(&o), rrs, n);
}

/*
 * The rcode behind records whose names point back into the message: the
 * OPT's upper bits are found past them (BADCOOKIE, 23: 7 in the header).
 * Records that end early, or a name with a label type none uses, leave
 * the header's alone.
 */
static void test_rcode_behind_records(void **state)
{
	struct dns_query q;
	struct dns_out o;
	struct msg mx = rdata_names("\0\5", 2, "mail.example.org.", NULL, NULL, 0);
	size_t n, opt;

	(void)state;
	ask(&q, "www.example.org.", DNS_T_MX);
	dns_out_begin(&o, out, 512, &q, DNS_F_AA);
	assert_int_equal(add(&o, DNS_SEC_ANSWER, "www.example.org.", DNS_T_MX, &mx), 0);
	assert_int_equal(add(&o, DNS_SEC_ADDITIONAL, "mail.example.org.", DNS_T_A, &a_rdata), 0);
	opt = o.len;
	assert_int_equal(dns_out_opt(&o, DNS_R_BADCOOKIE, 0, NULL, 0), 0);
	n = dns_out_end(&o);
	assert_int_equal(out[opt - 16] & 0xC0, 0xC0); /* the A's owner: a pointer */
	assert_int_equal(dns_msg_rcode(out, n), DNS_R_BADCOOKIE);
	assert_int_equal(dns_msg_rcode(out, opt - 1), DNS_R_BADCOOKIE & 15);
	assert_int_equal(dns_msg_rcode(out, opt + 8), DNS_R_BADCOOKIE & 15); /* the OPT cut */
	out[opt - 16] = 0x40; /* an extended label type */
	assert_int_equal(dns_msg_rcode(out, n), DNS_R_BADCOOKIE & 15);
	assert_int_equal(dns_msg_rcode(out, DNS_HDR_LEN - 1), -EINVAL);
}

/* Past DNS_OUT_NAMES names and past 16 KiB (where pointers cannot reach), still correct. */
static void test_out_many_names(void **state)
{
	static struct dns_rr rrs[400];
	static uint8_t owners[400][DNS_NAME_MAX];
	static struct msg txt, cname[400];
	struct dns_query q;
	struct dns_out o;
	size_t n = 0;
	char text[64];

	(void)state;
	txt.len = 0;
	bytes(&txt, "\xff", 1);
	for (int i = 0; i < 255; i++)
		bytes(&txt, "t", 1);
	ask(&q, "example.org.", DNS_T_ANY);
	dns_out_begin(&o, out, DNS_MSG_MAX, &q, DNS_F_AA);
	for (int i = 0; i < 400; i++, n++) {
		snprintf(text, sizeof(text), "h%d.Z%d.example.org.", i, i % 7);
		memcpy(owners[i], wire(text), DNS_NAME_MAX);
		snprintf(text, sizeof(text), "t%d.h%d.z%d.example.org.", i, i / 2, i % 5);
		cname[i] = rdata_names(NULL, 0, text, NULL, NULL, 0);
		rrs[i] =
		    record("example.org.", i % 3 ? DNS_T_NS : DNS_T_TXT, i % 3 ? &cname[i] : &txt);
		rrs[i].owner = owners[i];
		assert_int_equal(dns_out_rr(&o, DNS_SEC_ANSWER, &rrs[i]), 0);
	}
	assert_true(o.len > 0x4000);
	assert_int_equal(o.nnames, DNS_OUT_NAMES);
	read_back(out, dns_out_end(&o), rrs, n);
}

/* A suffix lying at 0x4000 or past it cannot be pointed to (14 bits, RFC 1035 4.1.4). */
static void test_out_pointer_reach(void **state)
{
	static struct msg fill;
	static uint8_t big[0x4000];
	struct dns_query q;
	struct dns_out o;
	struct dns_rr r = record("example.org.", 1234, &fill);

	(void)state;
	ask(&q, "example.org.", DNS_T_A);
	dns_out_begin(&o, out, DNS_MSG_MAX, &q, 0);
	/* 29 + 12 + 16340: the next owner starts at 0x3ffd, its second label at 0x4000. */
	r.rdata = big;
	r.rdlen = 16340;
	assert_int_equal(dns_out_rr(&o, DNS_SEC_ANSWER, &r), 0);
	assert_int_equal(o.len, 0x3ffd);
	add(&o, DNS_SEC_ANSWER, "ab.x.example.org.", DNS_T_A, &a_rdata);
	add(&o, DNS_SEC_ANSWER, "x.example.org.", DNS_T_A, &a_rdata);
	add(&o, DNS_SEC_ANSWER, "ab.x.example.org.", DNS_T_A, &a_rdata);
	dns_out_end(&o);
	assert_memory_equal(out + 0x3ffd, "\2ab\1x\xc0\x0c", 7);
	assert_memory_equal(out + 0x3ffd + 7 + 14, "\1x\xc0\x0c", 4);
	assert_memory_equal(out + 0x3ffd + 7 + 14 + 4 + 14, "\xff\xfd", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query_noedns),
	    cmocka_unit_test(test_query_edns_cookie),
	    cmocka_unit_test(test_query_dnssec_server_cookie),
	    cmocka_unit_test(test_cookie_lengths),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_opt_fields),
	    cmocka_unit_test(test_two_opts),
	    cmocka_unit_test(test_opt_misplaced),
	    cmocka_unit_test(test_tsig),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_dropped),
	    cmocka_unit_test(test_opcodes),
	    cmocka_unit_test(test_pointer_loops),
	    cmocka_unit_test(test_name_malformed),
	    cmocka_unit_test(test_name_limit_via_pointers),
	    cmocka_unit_test(test_msg_rr),
	    cmocka_unit_test(test_out_begin),
	    cmocka_unit_test(test_out_owner_compression),
	    cmocka_unit_test(test_out_rdata_compressed),
	    cmocka_unit_test(test_out_rdata_copied),
	    cmocka_unit_test(test_out_longest_suffix),
	    cmocka_unit_test(test_out_enospc),
	    cmocka_unit_test(test_out_reserve),
	    cmocka_unit_test(test_out_mark_rewind),
	    cmocka_unit_test(test_out_opt),
	    cmocka_unit_test(test_out_round_trip),
	    cmocka_unit_test(test_rcode_behind_records),
	    cmocka_unit_test(test_out_many_names),
	    cmocka_unit_test(test_out_pointer_reach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
