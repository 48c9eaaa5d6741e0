/*
 * dns/zone.c and dns/rdata.c: master files read into records, every type's
 * rdata checked byte for byte against hand-written wire (RFC examples
 * where the RFC has one), each limit at N and N+1, every error message
 * whole (file:line: reason), and each type's text written back and read
 * again into the same bytes.
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

#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/zone.h"

#define ORIGIN                                                                                     \
	"\x07"                                                                                     \
	"example\x03org"
static const uint8_t origin[] = ORIGIN;

/* ---- what the parser gave ---- */

struct rec {
	uint8_t owner[DNS_NAME_MAX];
	uint16_t type, class;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t rdata[1024]; /* the first 1024 octets */
	unsigned line;
};

static struct rec got[32];
static int ngot;
static char err[256];

static int collect(void *ctx, const struct dns_rr *rr, unsigned line)
{
	struct rec *r = &got[ngot < 32 ? ngot : 31];

	(void)ctx;
	memcpy(r->owner, rr->owner, (size_t)dns_name_len(rr->owner, DNS_NAME_MAX));
	r->type = rr->type;
	r->class = rr->class;
	r->ttl = rr->ttl;
	r->rdlen = rr->rdlen;
	memcpy(r->rdata, rr->rdata, rr->rdlen < 1024 ? rr->rdlen : 1024);
	r->line = line;
	ngot++;
	return 0;
}

static int parse_len(const char *text, size_t len)
{
	ngot = 0;
	err[0] = '\0';
	return dns_zone_parse("t.zone", text, len, origin, collect, NULL, err, sizeof(err));
}

static int parse(const char *text)
{
	return parse_len(text, strlen(text));
}

/*
 * Expected wire written by hand: hex octets, blanks ignored, and 'text'
 * between single quotes for its ASCII bytes: "04'mail' 00" is 4 m a i l 0.
 */
static size_t wire(const char *spec, uint8_t *out)
{
	size_t n = 0;

	while (*spec) {
		if (*spec == ' ') {
			spec++;
		} else if (*spec == '\'') {
			for (spec++; *spec != '\''; spec++)
				out[n++] = (uint8_t)*spec;
			spec++;
		} else {
			unsigned v;
			assert_int_equal(sscanf(spec, "%2x", &v), 1);
			out[n++] = (uint8_t)v;
			spec += 2;
		}
	}
	return n;
}

static void expect_rdata(const struct rec *r, const char *spec)
{
	uint8_t w[1024];
	size_t n = wire(spec, w);

	assert_int_equal(r->rdlen, n);
	assert_memory_equal(r->rdata, w, n);
}

/* One record "x 300 IN <type-and-rdata>" gives this wire. */
static void rr_is(const char *rr, uint16_t type, const char *spec)
{
	char text[2048];

	snprintf(text, sizeof(text), "x 300 IN %s\n", rr);
	if (parse(text) != 0)
		fail_msg("'%s': %s", rr, err);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].type, type);
	expect_rdata(&got[0], spec);
}

/* The zone text is refused with exactly this message. */
static void error_is(const char *text, const char *message)
{
	int e = parse(text);

	if (e != -EINVAL || strcmp(err, message) != 0)
		fail_msg("got %d '%s', expected '%s'", e, err, message);
}

/* One record's rdata is refused with this reason, on line 1. */
static void rr_error_is(const char *rr, const char *reason)
{
	char text[2048], message[512];

	snprintf(text, sizeof(text), "x 300 IN %s\n", rr);
	snprintf(message, sizeof(message), "t.zone:1: %s", reason);
	error_is(text, message);
}

/* ---- the types ---- */

static void test_a_and_aaaa(void **state)
{
	(void)state;
	rr_is("A 192.0.2.1", DNS_T_A, "c0 00 02 01");
	rr_is("A 0.0.0.0", DNS_T_A, "00000000");
	rr_is("A 255.255.255.255", DNS_T_A, "ffffffff");
	rr_is("AAAA ::", DNS_T_AAAA, "00000000 00000000 00000000 00000000");
	rr_is("AAAA ::1", DNS_T_AAAA, "00000000 00000000 00000000 00000001");
	rr_is("AAAA 1::", DNS_T_AAAA, "00010000 00000000 00000000 00000000");
	rr_is("AAAA 2001:db8::1", DNS_T_AAAA, "20010db8 00000000 00000000 00000001");
	/* RFC 4291 2.2's own examples, in all three forms. */
	rr_is("AAAA 2001:DB8:0:0:8:800:200C:417A", DNS_T_AAAA,
	      "20010db8 00000000 00080800 200c417a");
	rr_is("AAAA 2001:DB8::8:800:200C:417A", DNS_T_AAAA, "20010db8 00000000 00080800 200c417a");
	rr_is("AAAA FF01::101", DNS_T_AAAA, "ff010000 00000000 00000000 00000101");
	rr_is("AAAA 0:0:0:0:0:0:13.1.68.3", DNS_T_AAAA, "00000000 00000000 00000000 0d014403");
	rr_is("AAAA ::13.1.68.3", DNS_T_AAAA, "00000000 00000000 00000000 0d014403");
	rr_is("AAAA ::FFFF:129.144.52.38", DNS_T_AAAA, "00000000 00000000 0000ffff 81903426");
	rr_is("AAAA 1:2:3:4:5:6:7::", DNS_T_AAAA, "00010002 00030004 00050006 00070000");
	rr_is("AAAA ::2:3:4:5:6:7:8", DNS_T_AAAA, "00000002 00030004 00050006 00070008");
	rr_is("AAAA 1:2:3:4:5:6:1.2.3.4", DNS_T_AAAA, "00010002 00030004 00050006 01020304");

	rr_error_is("A 10.0.0.256", "bad IPv4 address '10.0.0.256'");
	rr_error_is("A 1.2.3", "bad IPv4 address '1.2.3'");
	rr_error_is("A 1.2.3.4.5", "bad IPv4 address '1.2.3.4.5'");
	rr_error_is("A 01.2.3.4", "bad IPv4 address '01.2.3.4'");
	rr_error_is("A 1..2.3", "bad IPv4 address '1..2.3'");
	rr_error_is("A 1234.1.1.1", "bad IPv4 address '1234.1.1.1'");
	rr_error_is("A", "missing IPv4 address");
	rr_error_is("A \"1.2.3.4\"", "bad IPv4 address '1.2.3.4'");
	rr_error_is("A 1.2.3.4 5", "unexpected '5' after the rdata");
	static const char *const bad6[] = {
	    ":::",
	    "1:2:3:4:5:6:7:8:9",
	    "1::2::3",
	    "12345::",
	    "1:",
	    ":1",
	    "1.2.3.4",
	    "::1.2.3",
	    "g::",
	    "1:2:3:4:5:6:7:8::",
	    "::1:2:3:4:5:6:7:8",
	    "1:2:3:4:5:6:7:1.2.3.4",
	    "::1.2.3.4:5",
	    "1:2:3:4:5:6:7",
	    "",
	};
	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		char rr[64], reason[96];
		snprintf(rr, sizeof(rr), "AAAA \"%s\"", bad6[i]);
		snprintf(reason, sizeof(reason), "bad IPv6 address '%s'", bad6[i]);
		rr_error_is(rr, reason);
		snprintf(rr, sizeof(rr), "AAAA %s", bad6[i]);
		if (*bad6[i])
			rr_error_is(rr, reason);
	}
}

static void test_names_in_rdata(void **state)
{
	(void)state;
	rr_is("NS ns1", DNS_T_NS, "03'ns1' 07'example' 03'org' 00");
	rr_is("NS ns1.example.net.", DNS_T_NS, "03'ns1' 07'example' 03'net' 00");
	rr_is("CNAME @", DNS_T_CNAME, "07'example' 03'org' 00");
	rr_is("DNAME .", DNS_T_DNAME, "00");
	rr_is("PTR host\\.one.", DNS_T_PTR, "08'host.one' 00");
	rr_is("PTR a\\065\\\\b.", DNS_T_PTR, "04'aA\\b' 00");
	rr_is("MX 10 mail", DNS_T_MX, "000a 04'mail' 07'example' 03'org' 00");
	rr_is("MX 65535 .", DNS_T_MX, "ffff 00");
	rr_is("SRV 0 5 5060 sip.example.org.", DNS_T_SRV,
	      "0000 0005 13c4 03'sip' 07'example' 03'org' 00");
	rr_error_is("MX 65536 mail", "bad MX preference '65536': expected 0-65535");
	rr_error_is("MX -1 mail", "bad MX preference '-1': expected 0-65535");
	rr_error_is("MX 10", "missing MX exchange");
	rr_error_is("NS a..b", "bad domain name 'a..b'");
	rr_error_is("NS \"ns1\"", "bad domain name 'ns1'");
	rr_error_is("SRV 0 5 x sip", "bad SRV port 'x': expected 0-65535");
}

static void test_soa(void **state)
{
	(void)state;
	/* Parentheses across lines, comments inside, timers with units (as BIND). */
	assert_int_equal(parse("$TTL 1h\n"
	                       "@ IN SOA ns1 hostmaster.example.org. ( ; the primary\n"
	                       "\t2024010101 ; serial\n"
	                       "\t1h         ; refresh\n"
	                       "\t15m 1w\n"
	                       "\t1d )       ; minimum\n"
	                       "www A 192.0.2.1\n"),
	                 0);
	assert_int_equal(ngot, 2);
	assert_int_equal(got[0].type, DNS_T_SOA);
	assert_int_equal(got[0].line, 2);
	assert_int_equal(got[0].ttl, 3600);
	expect_rdata(&got[0], "03'ns1' 07'example' 03'org' 00 0a'hostmaster' 07'example' 03'org' 00"
	                      "78a3f175 00000e10 00000384 00093a80 00015180");
	assert_int_equal(got[1].line, 7);
	rr_is("SOA . . 4294967295 0 0 0 4294967295", DNS_T_SOA,
	      "00 00 ffffffff 00000000 00000000 00000000 ffffffff");
	rr_error_is("SOA . . 4294967296 0 0 0 0",
	            "bad SOA serial '4294967296': expected 0-4294967295");
	rr_error_is("SOA . . 1 1x 0 0 0",
	            "bad SOA refresh '1x': expected seconds or units as in 1h30m");
	rr_error_is("SOA . . 1 0 0 0", "missing SOA minimum");
}

static void test_txt_and_hinfo(void **state)
{
	(void)state;
	rr_is("TXT hello", DNS_T_TXT, "05'hello'");
	rr_is("TXT \"hello world\" two \"\"", DNS_T_TXT, "0b'hello world' 03'two' 00");
	rr_is("TXT \"say \\\"hi\\\"; (not a comment)\"", DNS_T_TXT,
	      "19'say \"hi\"; (not a comment)'");
	rr_is("TXT a\\ b \\059 \\\\", DNS_T_TXT, "03'a b' 01';' 01'\\'");
	rr_is("TXT \"\\000\\255\"", DNS_T_TXT, "02 00 ff");
	rr_is("TXT \"a\"\"b\"", DNS_T_TXT, "01'a' 01'b'");
	rr_is("HINFO \"Intel x86\" Linux", DNS_T_HINFO, "09'Intel x86' 05'Linux'");
	rr_error_is("TXT", "missing TXT string");
	rr_error_is("TXT \"\\256\"", "bad escape in TXT string '\\256'");
	rr_error_is("TXT \"\\25\"", "bad escape in TXT string '\\25'");
	rr_error_is("HINFO PC", "missing HINFO OS");
	rr_error_is("HINFO PC Linux x", "unexpected 'x' after the rdata");
	error_is("x 300 TXT \"open\n",
	         "t.zone:1: missing closing '\"': a quoted string ends on its line");
	error_is("x 300 TXT \"open\\\"\n",
	         "t.zone:1: missing closing '\"': a quoted string ends on its line");
	error_is("x 300 TXT a\\\n",
	         "t.zone:1: '\\' at the end of a line: escape a character or use \\DDD");
}

/* A character-string holds 255 octets (RFC 1035 3.3): 255 parse, 256 do not. */
static void test_txt_limits(void **state)
{
	char text[1200];

	(void)state;
	memset(text, 0, sizeof(text));
	strcpy(text, "x 300 TXT ");
	memset(text + 10, 'a', 255);
	assert_int_equal(parse(text), 0);
	assert_int_equal(got[0].rdlen, 256);
	assert_int_equal(got[0].rdata[0], 255);
	strcpy(text, "x 300 TXT \"");
	for (int i = 0; i < 255; i++)
		strcat(text, "\\255");
	strcat(text, "\"");
	assert_int_equal(parse(text), 0);
	assert_int_equal(got[0].rdlen, 256);
	assert_int_equal(got[0].rdata[255], 255);
	strcat(text, "\n");
	memcpy(strrchr(text, '"'), "b\"\n", 4);
	error_is(text, "t.zone:1: TXT string over 255 octets "
	               "'\\255\\255\\255\\255\\255\\255\\255\\255\\255\\255...'");
}

static void test_caa_sshfp_tlsa(void **state)
{
	(void)state;
	/* RFC 8659 4 and 4.1's examples. */
	rr_is("CAA 0 issue \"ca.example.net\"", DNS_T_CAA, "00 05'issue' 'ca.example.net'");
	rr_is("CAA 128 tbs \"Unknown\"", DNS_T_CAA, "80 03'tbs' 'Unknown'");
	rr_is("CAA 0 iodef \"mailto:security@example.com\"", DNS_T_CAA,
	      "00 05'iodef' 'mailto:security@example.com'");
	rr_is("CAA 0 issue \"ca.example.net; account=230123\"", DNS_T_CAA,
	      "00 05'issue' 'ca.example.net; account=230123'");
	rr_error_is("CAA 0 issue", "missing CAA value");
	rr_is("CAA 0 issue \"\"", DNS_T_CAA, "00 05'issue'");
	rr_is("CAA 0 Issue2 x", DNS_T_CAA, "00 06'Issue2' 'x'");
	rr_error_is("CAA 0 iss-ue \"x\"",
	            "bad CAA tag 'iss-ue': expected letters and digits (RFC 8659 4.1)");
	rr_error_is("CAA 256 issue \"x\"", "bad CAA flags '256': expected 0-255");
	/* RFC 4255 3.3, with the fingerprint cut by blanks. */
	rr_is("SSHFP 2 1 123456789abcdef67890123456789abcdef67890", DNS_T_SSHFP,
	      "02 01 123456789abcdef67890123456789abcdef67890");
	rr_is("SSHFP 2 1 ( 123456789ABCDEF67890\n 123456789abcdef6789 0 )", DNS_T_SSHFP,
	      "02 01 123456789abcdef67890123456789abcdef67890");
	rr_error_is("SSHFP 2 1", "missing SSHFP fingerprint (hex)");
	rr_error_is("SSHFP 2 1 123", "SSHFP fingerprint (hex): an odd number of hex digits");
	rr_error_is("SSHFP 2 1 12zz", "bad SSHFP fingerprint (hex) '12zz'");
	/* RFC 6698 2.3. */
	rr_is("TLSA ( 0 0 1 d2abde240d7cd3ee6b4b28c54df034b9\n"
	      "              7983a1d16e8a410e4561cb106618e971 )",
	      DNS_T_TLSA,
	      "00 00 01 d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971");
	rr_error_is("TLSA 3 1 1", "missing TLSA certificate association data (hex)");
}

/* RFC 9460 appendix D's test vectors, and D.3's failures. */
static void test_svcb(void **state)
{
	(void)state;
	rr_is("HTTPS 0 foo.example.com.", DNS_T_HTTPS, "0000 03'foo' 07'example' 03'com' 00");
	rr_is("SVCB 1 .", DNS_T_SVCB, "0001 00");
	rr_is("SVCB 16 foo.example.com. port=53", DNS_T_SVCB,
	      "0010 03'foo' 07'example' 03'com' 00 0003 0002 0035");
	rr_is("SVCB 1 foo.example.com. key667=hello", DNS_T_SVCB,
	      "0001 03'foo' 07'example' 03'com' 00 029b 0005 'hello'");
	rr_is("SVCB 1 foo.example.com. key667=\"hello\\210qoo\"", DNS_T_SVCB,
	      "0001 03'foo' 07'example' 03'com' 00 029b 0009 'hello' d2 'qoo'");
	rr_is("SVCB 1 foo.example.com. ( ipv6hint=\"2001:db8::1,2001:db8::53:1\" )", DNS_T_SVCB,
	      "0001 03'foo' 07'example' 03'com' 00 0006 0020"
	      "20010db8000000000000000000000001 20010db8000000000000000000530001");
	rr_is("SVCB 1 example.com. ( ipv6hint=\"2001:db8:122:344::192.0.2.33\" )", DNS_T_SVCB,
	      "0001 07'example' 03'com' 00 0006 0010 20010db8012203440000 0000c0000221");
	rr_is("SVCB 16 foo.example.org. ( alpn=h2,h3-19 mandatory=ipv4hint,alpn\n"
	      "                     ipv4hint=192.0.2.1 )",
	      DNS_T_SVCB,
	      "0010 03'foo' 07'example' 03'org' 00 0000 0004 0001 0004"
	      "0001 0009 02'h2' 05'h3-19' 0004 0004 c0000201");
	rr_is("SVCB 16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"", DNS_T_SVCB,
	      "0010 03'foo' 07'example' 03'org' 00 0001 000c 08'f\\oo,bar' 02'h2'");
	rr_is("SVCB 16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2", DNS_T_SVCB,
	      "0010 03'foo' 07'example' 03'org' 00 0001 000c 08'f\\oo,bar' 02'h2'");
	/* Keys by number, the ones with names too; no-default-alpn; ech in base64. */
	rr_is("HTTPS 1 . key3=443 no-default-alpn key1=h2 ech=AQID", DNS_T_HTTPS,
	      "0001 00 0001 0003 02'h2' 0002 0000 0003 0002 01bb 0005 0003 010203");
	rr_is("HTTPS 1 . key7 key65534=\"\"", DNS_T_HTTPS, "0001 00 0007 0000 fffe 0000");

	rr_error_is("SVCB 1 foo.example.com. ( key123=abc key123=def )",
	            "bad SvcParam 'key123=def': expected each key once (RFC 9460 2.1)");
	static const char *const need_value[] = {"mandatory", "alpn",     "port",
	                                         "ipv4hint",  "ipv6hint", "ech"};
	for (size_t i = 0; i < sizeof(need_value) / sizeof(need_value[0]); i++) {
		char rr[96], reason[128];
		snprintf(rr, sizeof(rr), "SVCB 1 foo.example.com. %s", need_value[i]);
		snprintf(reason, sizeof(reason), "bad SvcParam '%s': expected a value",
		         need_value[i]);
		rr_error_is(rr, reason);
	}
	rr_error_is("SVCB 1 foo.example.com. no-default-alpn=abc",
	            "bad SvcParam 'no-default-alpn=abc': expected no value");
	rr_error_is("SVCB 1 foo.example.com. mandatory=key123",
	            "mandatory lists key123 but it has no such SvcParam (RFC 9460 8)");
	rr_error_is("SVCB 1 foo.example.com. mandatory=mandatory",
	            "bad SvcParam 'mandatory=mandatory': expected keys other than mandatory, "
	            "separated by ','");
	rr_error_is("SVCB 1 foo.example.com. ( mandatory=key123,key123 key123=abc )",
	            "bad SvcParam 'mandatory=key123,key123': expected each key once");
	rr_error_is("SVCB 0 foo.example.com. port=53",
	            "SvcParams in AliasMode (SvcPriority 0): it has none (RFC 9460 2.4.2)");
	rr_error_is("SVCB 1 . key65535=x",
	            "bad SvcParam 'key65535=x': expected a key: mandatory, alpn, no-default-alpn, "
	            "port, ipv4hint, ech, ipv6hint or keyNNNNN");
	rr_error_is("SVCB 1 . key01=x",
	            "bad SvcParam 'key01=x': expected a key: mandatory, alpn, no-default-alpn, "
	            "port, ipv4hint, ech, ipv6hint or keyNNNNN");
	rr_error_is("SVCB 1 . alpn=h2,", "bad SvcParam 'alpn=h2,': expected protocol ids "
	                                 "separated by ','");
	rr_error_is("SVCB 1 . alpn=h2,,h3", "bad SvcParam 'alpn=h2,,h3': expected protocol ids "
	                                    "separated by ','");
	rr_error_is("SVCB 1 . port=65536", "bad SvcParam 'port=65536': expected a port 0-65535");
	rr_error_is(
	    "SVCB 1 . ipv4hint=1.2.3.4,1.2.3",
	    "bad SvcParam 'ipv4hint=1.2.3.4,1.2.3': expected IPv4 addresses separated by ','");
	rr_error_is("SVCB 1 . ech=AQI", "bad SvcParam 'ech=AQI': expected base64");
	rr_error_is("SVCB 1", "missing TargetName");
	/* key="value" is one param only with nothing between the two fields. */
	rr_is("SVCB 1 . key667=\"a b\"", DNS_T_SVCB, "0001 00 029b 0003 'a b'");
	rr_error_is("SVCB 1 . alpn= \"h2\"", "bad SvcParam 'alpn=': expected a value");
	rr_error_is("SVCB 1 . key667= \"h2\"",
	            "bad SvcParam 'h2': expected a key: mandatory, alpn, no-default-alpn, port, "
	            "ipv4hint, ech, ipv6hint or keyNNNNN");
}

/* RFC 3597 5: any type in generic form, a known type's as is. */
static void test_generic(void **state)
{
	(void)state;
	rr_is("TYPE731 \\# 6 abcd ( ef 01 23 45 )", 731, "abcdef012345");
	rr_is("A \\# 4 0A000001", DNS_T_A, "0a000001");
	rr_is("TYPE1 10.0.0.2", DNS_T_A, "0a000002");
	rr_is("A \\# 3 010203", DNS_T_A, "010203"); /* as is: not checked against A */
	rr_is("TYPE65535 \\# 0", 65535, "");
	rr_is("type62347 \\# 1 ff", 62347, "ff");
	rr_error_is("TYPE731 abcd", "no presentation form for type TYPE731 here: write '\\# length "
	                            "hex' (RFC 3597 5)");
	rr_error_is("TYPE731 \\# 3 abcd", "RFC 3597 rdata of length 3 but 2 octets of hex");
	rr_error_is("TYPE731 \\# 2 abcdef", "RFC 3597 rdata of length 2 but 3 octets of hex");
	rr_error_is("TYPE731 \\# 2 abc", "RFC 3597 rdata (hex): an odd number of hex digits");
	rr_error_is("TYPE731 \\#", "missing RFC 3597 rdata length");
	rr_error_is("TYPE731 \\# 65536 00", "bad RFC 3597 rdata length '65536': expected 0-65535");
	rr_error_is("TYPE0 \\# 0", "unknown type 'TYPE0'");
	rr_error_is("TYPE65536 \\# 0", "unknown type 'TYPE65536'");
}

/* RFC 1035 3.2.1: rdata of 65535 octets is the most. */
static void test_rdata_limit(void **state)
{
	size_t n = 65535;
	char *text = malloc(2 * n + 64), *p;

	(void)state;
	assert_non_null(text);
	p = text + sprintf(text, "x 300 TYPE65280 \\# %zu ", n);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%02x", (unsigned)(i & 0xff));
	assert_int_equal(parse(text), 0);
	assert_int_equal(got[0].rdlen, 65535);
	assert_int_equal(got[0].rdata[255], 255);
	/* 255 strings of 255 octets and one of 254: 65535 octets; one more is too many. */
	for (int extra = 0; extra < 2; extra++) {
		p = text + sprintf(text, "x 300 TXT");
		for (int i = 0; i < 256; i++) {
			int len = i < 255 ? 255 : 254 + extra;
			*p++ = ' ';
			memset(p, 'a', (size_t)len);
			p += len;
		}
		strcpy(p, "\n");
		if (extra) {
			error_is(text, "t.zone:1: rdata over 65535 octets (RFC 1035 3.2.1)");
		} else {
			assert_int_equal(parse(text), 0);
			assert_int_equal(got[0].rdlen, 65535);
		}
	}
	free(text);
}

/* ---- the file around the rdata ---- */

static void test_owners(void **state)
{
	(void)state;
	assert_int_equal(parse("$TTL 60\n"
	                       "@ A 192.0.2.1\n"
	                       "www A 192.0.2.2\n"
	                       "\tA 192.0.2.3 ; the owner above\n"
	                       "  \n"
	                       "; a comment line\n"
	                       " AAAA ::1\n"
	                       "mail.example.net. A 192.0.2.4\n"
	                       "a\\.b\\065 A 192.0.2.5\n"
	                       "$ORIGIN sub\n"
	                       "host A 192.0.2.6\n"
	                       "@ A 192.0.2.7\n"
	                       "$ORIGIN example.com.\n"
	                       "\\@ A 192.0.2.8\n"),
	                 0);
	assert_int_equal(ngot, 9);
	assert_memory_equal(got[0].owner, ORIGIN, sizeof(ORIGIN));
	assert_memory_equal(got[1].owner, "\x03www" ORIGIN, 17);
	assert_memory_equal(got[2].owner, "\x03www" ORIGIN, 17);
	assert_memory_equal(got[3].owner, "\x03www" ORIGIN, 17);
	assert_int_equal(got[3].type, DNS_T_AAAA);
	assert_int_equal(got[3].line, 7);
	assert_memory_equal(got[4].owner,
	                    "\x04mail\x07"
	                    "example\x03net",
	                    18);
	assert_memory_equal(got[5].owner,
	                    "\x04"
	                    "a.bA" ORIGIN,
	                    18);
	assert_memory_equal(got[6].owner, "\x04host\x03sub" ORIGIN, 22);
	assert_memory_equal(got[7].owner, "\x03sub" ORIGIN, 17);
	assert_memory_equal(got[8].owner,
	                    "\x01@\x07"
	                    "example\x03"
	                    "com",
	                    15);
	for (int i = 0; i < 9; i++) {
		assert_int_equal(got[i].class, DNS_C_IN);
		assert_int_equal(got[i].ttl, 60);
	}
	error_is("\tA 192.0.2.1\n",
	         "t.zone:1: no owner: the first record needs a name in the first column");
	error_is("$TTL 1\n\"www\" A 192.0.2.1\n", "t.zone:2: bad owner name 'www'");
	error_is("$TTL 1\nwww..x A 192.0.2.1\n", "t.zone:2: bad owner name 'www..x'");
}

/* Labels of 63 octets and names of 255 (RFC 1035 2.3.4), and one more. */
static void test_name_limits(void **state)
{
	char text[600], l63[64], l64[65], l61[62];

	(void)state;
	memset(l63, 'a', 63), l63[63] = '\0';
	memset(l64, 'b', 64), l64[64] = '\0';
	memset(l61, 'c', 61), l61[61] = '\0';
	snprintf(text, sizeof(text), "%s 1 A 192.0.2.1\n", l63);
	assert_int_equal(parse(text), 0);
	assert_int_equal(dns_name_len(got[0].owner, DNS_NAME_MAX), 64 + 13);
	snprintf(text, sizeof(text), "%s 1 A 192.0.2.1\n", l64);
	error_is(text,
	         "t.zone:1: owner name too long 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...': "
	         "labels have 63 octets at most, names 255");
	/* 3 * 64 + 62 + 1 = 255 octets. */
	snprintf(text, sizeof(text), "%s.%s.%s.%s. 1 A 192.0.2.1\n", l63, l63, l63, l61);
	assert_int_equal(parse(text), 0);
	assert_int_equal(dns_name_len(got[0].owner, DNS_NAME_MAX), 255);
	snprintf(text, sizeof(text), "%s.%s.%s.%sc. 1 A 192.0.2.1\n", l63, l63, l63, l61);
	error_is(text,
	         "t.zone:1: owner name too long 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': "
	         "labels have 63 octets at most, names 255");
	/* Relative: 255 with the origin's 13, then 256. */
	snprintf(text, sizeof(text), "x 1 NS %s.%s.%s.%s\n", l63, l63, l63, l61 + 12);
	assert_int_equal(parse(text), 0);
	assert_int_equal(got[0].rdlen, 255);
	snprintf(text, sizeof(text), "x 1 NS %s.%s.%s.%s\n", l63, l63, l63, l61 + 11);
	error_is(text,
	         "t.zone:1: domain name too long 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': "
	         "labels have 63 octets at most, names 255");
}

static void test_ttls(void **state)
{
	(void)state;
	assert_int_equal(parse("a 3600 IN A 192.0.2.1\n"
	                       "b IN 1h30m A 192.0.2.1\n"
	                       "c 2d A 192.0.2.1\n"
	                       "d 1W2D IN A 192.0.2.1\n"
	                       "e IN A 192.0.2.1\n" /* the previous record's */
	                       "f 2147483647 A 192.0.2.1\n"
	                       "g 0 A 192.0.2.1\n"
	                       "$TTL 5m\n"
	                       "h A 192.0.2.1\n"
	                       "i 10s A 192.0.2.1\n"
	                       "j A 192.0.2.1\n" /* $TTL's */
	                       "k CLASS1 A 192.0.2.1\n"),
	                 0);
	static const uint32_t want[] = {3600, 5400, 172800, 777600, 777600, 2147483647,
	                                0,    300,  10,     300,    300};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(got[i].ttl, want[i]);
	error_is("a 2147483648 A 192.0.2.1\n",
	         "t.zone:1: TTL '2147483648' over 2147483647 (RFC 2181 8)");
	error_is("a 3551w A 192.0.2.1\n", "t.zone:1: TTL '3551w' over 2147483647 (RFC 2181 8)");
	error_is("$TTL 99999999999\n", "t.zone:1: TTL '99999999999' over 2147483647 (RFC 2181 8)");
	static const char *const bad[] = {"1h30", "1h1h", "1x", "1hh"};
	for (size_t i = 0; i < 4; i++) {
		char text[64], message[128];
		snprintf(text, sizeof(text), "a %s A 192.0.2.1\n", bad[i]);
		snprintf(message, sizeof(message),
		         "t.zone:1: bad TTL '%s': expected seconds or units as in 1h30m", bad[i]);
		error_is(text, message);
	}
	error_is("a A 192.0.2.1\n", "t.zone:1: no TTL: add $TTL at the top");
	error_is("a IN 60 IN A 192.0.2.1\n", "t.zone:1: unknown type 'IN'");
	error_is("a 60 60 A 192.0.2.1\n", "t.zone:1: unknown type '60'");
	error_is("a 60 IN\n", "t.zone:1: missing type");
	error_is("$TTL\n", "t.zone:1: missing TTL after $TTL");
}

static void test_directives(void **state)
{
	(void)state;
	assert_int_equal(parse("$ORIGIN example.net.\n$ttl 7 ; lower case too\nwww A 192.0.2.1\n"),
	                 0);
	assert_memory_equal(got[0].owner,
	                    "\x03www\x07"
	                    "example\x03net",
	                    17);
	assert_int_equal(got[0].ttl, 7);
	error_is("$INCLUDE other.zone\n",
	         "t.zone:1: $INCLUDE is not supported: put the records in this file");
	error_is("$TTL 1\n\n$GENERATE 1-10 host$ A 10.0.0.$\n",
	         "t.zone:3: $GENERATE is not supported: write the records out");
	error_is("$FOO bar\n", "t.zone:1: unknown directive '$FOO': expected $ORIGIN or $TTL");
	error_is("$TTL 60 60\n", "t.zone:1: unexpected '60' after $TTL");
	error_is("$ORIGIN a b\n", "t.zone:1: unexpected 'b' after $ORIGIN");
	error_is("$ORIGIN\n", "t.zone:1: missing name after $ORIGIN");
	error_is("$ORIGIN a..b\n", "t.zone:1: bad $ORIGIN name 'a..b'");
	/* With no origin, only absolute names. */
	ngot = 0;
	assert_int_equal(dns_zone_parse("t.zone", "a. 1 A 192.0.2.1\n", 17, NULL, collect, NULL,
	                                err, sizeof(err)),
	                 0);
	assert_int_equal(dns_zone_parse("t.zone", "a 1 A 192.0.2.1\n", 16, NULL, collect, NULL, err,
	                                sizeof(err)),
	                 -EINVAL);
	assert_string_equal(err, "t.zone:1: bad owner name 'a' (no origin for a relative name)");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	error_is("$TTL 1\nx AAA ::1\n", "t.zone:2: unknown type 'AAA'");
	error_is("$TTL 1\nx CH A 192.0.2.1\n", "t.zone:2: class CH: only IN is served");
	error_is("$TTL 1\nx 1 hs A 192.0.2.1\n", "t.zone:2: class hs: only IN is served");
	error_is("$TTL 1\nx CLASS3 A 192.0.2.1\n", "t.zone:2: class CLASS3: only IN is served");
	error_is("$TTL 1\nx AXFR \\# 0\n",
	         "t.zone:2: type AXFR is not record data: it cannot be in a "
	         "zone");
	error_is("$TTL 1\nx TYPE41 \\# 0\n",
	         "t.zone:2: type TYPE41 is not record data: it cannot be "
	         "in a zone");
	error_is("$TTL 1\n@ SOA ns1 hm (\n 1 2 3 4 5\n\n", "t.zone:2: missing ')' for this '('");
	error_is("$TTL 1\n@ A ( 192.0.2.1 ( )\n", "t.zone:2: '(' inside '(': expected ')' first");
	error_is("$TTL 1\n@ A 192.0.2.1 )\n", "t.zone:2: ')' without '('");
	error_is("$TTL 1\n@ A 192.0.2.1 ; ok\n@ A 192.0.2.1 garbage\n",
	         "t.zone:3: unexpected 'garbage' after the rdata");
	error_is("$TTL 1\n@ MX ( 10\n mail\n extra )\n",
	         "t.zone:4: unexpected 'extra' after the rdata");
	error_is("$TTL 1\n@ A 192.0.2.1\n\n@ TXT \"x\"\"\n",
	         "t.zone:4: missing closing '\"': a quoted string ends on its line");
	static const char nul[] = "$TTL 1\n@ A 192.0.2.1\n@ TXT \"a\0b\"\n";
	assert_int_equal(parse_len(nul, sizeof(nul) - 1), -EINVAL);
	assert_string_equal(err, "t.zone:3: NUL byte: a zone file is text");
	assert_int_equal(ngot, 0); /* refused before a record is read */
	assert_int_equal(parse_len("x", DNS_ZONE_FILE_MAX + 1), -EINVAL);
	assert_string_equal(err, "t.zone:1: 8388609 bytes: a zone file has 8388608 at most");
	/* A long bad token is cut in the message. */
	error_is("$TTL 1\n@ A 1234567890123456789012345678901234567890123456789\n",
	         "t.zone:2: bad IPv4 address '1234567890123456789012345678901234567890...'");
	/* The message is cut to the caller's buffer. */
	char small[12];
	assert_int_equal(
	    dns_zone_parse("t.zone", "$FOO\n", 5, origin, collect, NULL, small, sizeof(small)),
	    -EINVAL);
	assert_string_equal(small, "t.zone:1: u");
}

static void test_layout(void **state)
{
	(void)state;
	/* CRLF lines, a last line without a newline, an empty file, comments only. */
	assert_int_equal(
	    parse("$TTL 1\r\nwww A 192.0.2.1\r\n\r\nwww TXT \"a\" ; c\r\nx A 192.0.2.9"), 0);
	assert_int_equal(ngot, 3);
	expect_rdata(&got[1], "01'a'");
	expect_rdata(&got[2], "c0000209");
	assert_int_equal(got[2].line, 5);
	assert_int_equal(parse(""), 0);
	assert_int_equal(parse("; nothing\n   \n\t; more\n"), 0);
	assert_int_equal(ngot, 0);
	/* A record that starts with "(" on a line of its own. */
	assert_int_equal(parse("$TTL 1\nx (\n A\n 192.0.2.1 )\ny A 192.0.2.2\n"), 0);
	assert_int_equal(ngot, 2);
	assert_int_equal(got[0].line, 2);
	assert_int_equal(got[1].line, 5);
}

static int stop_at_second(void *ctx, const struct dns_rr *rr, unsigned line)
{
	(void)rr;
	(void)line;
	return ++*(int *)ctx == 2 ? 42 : 0;
}

static void test_callback_stops(void **state)
{
	const char *text = "$TTL 1\na A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\n";
	int n = 0;

	(void)state;
	assert_int_equal(dns_zone_parse("t.zone", text, strlen(text), origin, stop_at_second, &n,
	                                err, sizeof(err)),
	                 42);
	assert_int_equal(n, 2);
}

static void test_type_names(void **state)
{
	char b[12];

	(void)state;
	assert_int_equal(dns_type_from_text("AAAA", 4), DNS_T_AAAA);
	assert_int_equal(dns_type_from_text("https", 5), DNS_T_HTTPS);
	assert_int_equal(dns_type_from_text("TYPE65280", 9), 65280);
	assert_int_equal(dns_type_from_text("type1", 5), DNS_T_A);
	assert_int_equal(dns_type_from_text("AAA", 3), -EINVAL);
	assert_int_equal(dns_type_from_text("TYPE", 4), -EINVAL);
	assert_int_equal(dns_type_from_text("TYPE0", 5), -EINVAL);
	assert_int_equal(dns_type_from_text("TYPE-1", 6), -EINVAL);
	assert_string_equal(dns_type_to_text(DNS_T_CAA, b), "CAA");
	assert_string_equal(dns_type_to_text(65280, b), "TYPE65280");
	assert_string_equal(dns_type_to_text(65535, b), "TYPE65535");
}

/* ---- the rdata interface alone, as a caller other than zone.c uses it ---- */

struct fields {
	const char *const *list;
	int at;
};

static int next_of_list(void *ctx, struct dns_field *f)
{
	struct fields *l = ctx;
	const char *t = l->list[l->at];

	if (!t)
		return 0;
	l->at++;
	*f = (struct dns_field){t, strlen(t), false, false};
	return 1;
}

static void test_rdata_interface(void **state)
{
	static const char *const mx[] = {"10", "mail", NULL};
	static const char *const extra[] = {"192.0.2.1", "x", NULL};
	struct fields l = {mx, 0};
	char why[128];
	struct dns_rdata_in in = {
	    .next = next_of_list, .ctx = &l, .origin = origin, .why = why, .whysize = sizeof(why)};
	uint8_t out[64], w[64];

	(void)state;
	assert_int_equal(dns_rdata_from_text(DNS_T_MX, &in, out, sizeof(out)), 20);
	assert_memory_equal(out, w, wire("000a 04'mail' 07'example' 03'org' 00", w));
	/* No origin: relative names are refused. */
	l = (struct fields){mx, 0};
	in = (struct dns_rdata_in){
	    .next = next_of_list, .ctx = &l, .why = why, .whysize = sizeof(why)};
	assert_int_equal(dns_rdata_from_text(DNS_T_MX, &in, out, sizeof(out)), -EINVAL);
	assert_string_equal(why, "bad MX exchange 'mail'");
	l = (struct fields){extra, 0};
	in = (struct dns_rdata_in){
	    .next = next_of_list, .ctx = &l, .why = why, .whysize = sizeof(why)};
	assert_int_equal(dns_rdata_from_text(DNS_T_A, &in, out, sizeof(out)), -EINVAL);
	assert_string_equal(why, "unexpected 'x' after the rdata");
	/* A smaller buffer than the rdata. */
	l = (struct fields){mx, 0};
	in = (struct dns_rdata_in){
	    .next = next_of_list, .ctx = &l, .origin = origin, .why = why, .whysize = sizeof(why)};
	assert_int_equal(dns_rdata_from_text(DNS_T_MX, &in, out, 10), -EINVAL);
	assert_string_equal(why, "rdata over 10 octets (RFC 1035 3.2.1)");
}

static void test_ttl_text(void **state)
{
	uint32_t v = 7;

	(void)state;
	assert_int_equal(dns_ttl_from_text("0", 1, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(dns_ttl_from_text("1m1s", 4, 61, &v), 0);
	assert_int_equal(v, 61);
	assert_int_equal(dns_ttl_from_text("1s1m", 4, 61, &v), 0); /* any order, as BIND */
	assert_int_equal(dns_ttl_from_text("1m2s", 4, 61, &v), -ERANGE);
	assert_int_equal(dns_ttl_from_text("4294967295", 10, UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(dns_ttl_from_text("4294967296", 10, UINT32_MAX, &v), -ERANGE);
	assert_int_equal(dns_ttl_from_text("99999999999999999999", 20, UINT32_MAX, &v), -ERANGE);
	assert_int_equal(dns_ttl_from_text("", 0, 10, &v), -EINVAL);
	assert_int_equal(dns_ttl_from_text("m", 1, 10, &v), -EINVAL);
	assert_int_equal(dns_ttl_from_text("+1", 2, 10, &v), -EINVAL);
}

/* ---- back to text ---- */

/* The record prints as `text`, and that text reads back into the same wire. */
static void round_trip(const char *rr, const char *text)
{
	static char out[DNS_RDATA_TEXT_MAX];
	struct rec first;
	char zone[4096], b[12];
	int n;

	snprintf(zone, sizeof(zone), "x 300 %s\n", rr);
	if (parse(zone) != 0)
		fail_msg("'%s': %s", rr, err);
	first = got[0];
	n = dns_rdata_to_text(first.type, first.rdata, first.rdlen, out, sizeof(out));
	assert_int_equal(n, (int)strlen(out));
	if (strcmp(out, text) != 0)
		fail_msg("'%s' printed as '%s', expected '%s'", rr, out, text);
	assert_true(strlen(out) < sizeof(zone) - 32);
	snprintf(zone, sizeof(zone), "y 1 %s %.4000s\n", dns_type_to_text(first.type, b), out);
	if (parse(zone) != 0)
		fail_msg("'%s' does not parse back: %s", zone, err);
	assert_int_equal(got[0].rdlen, first.rdlen);
	assert_memory_equal(got[0].rdata, first.rdata, first.rdlen);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip("A 192.0.2.1", "192.0.2.1");
	round_trip("AAAA 2001:DB8:0:0:8:800:200C:417A", "2001:db8::8:800:200c:417a");
	round_trip("AAAA ::", "::");
	round_trip("AAAA 1:0:0:2:0:0:0:3", "1:0:0:2::3");
	round_trip("AAAA 1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7");
	round_trip("AAAA ::ffff:192.0.2.1", "::ffff:c000:201");
	round_trip("NS ns1", "ns1.example.org.");
	round_trip("CNAME a\\.b\\(c\\)\\;\\\"\\032\\255",
	           "a\\.b\\(c\\)\\;\\\"\\032\\255.example.org.");
	round_trip("DNAME .", ".");
	round_trip("PTR host.example.net.", "host.example.net.");
	round_trip("MX 10 mail", "10 mail.example.org.");
	round_trip("SOA ns1 hm 1 1h 15m 1w 1d",
	           "ns1.example.org. hm.example.org. 1 3600 900 604800 86400");
	round_trip("TXT \"a b\" c \"\\\"\\\\\" \"\\000\\127\" \"\"",
	           "\"a b\" \"c\" \"\\\"\\\\\" \"\\000\\127\" \"\"");
	round_trip("HINFO PC \"Linux 6\"", "\"PC\" \"Linux 6\"");
	round_trip("SRV 1 2 3 .", "1 2 3 .");
	round_trip("CAA 0 issue \"ca.example.net; a=\\\"b\\\"\"",
	           "0 issue \"ca.example.net; a=\\\"b\\\"\"");
	round_trip("CAA 128 tbs \"\"", "128 tbs \"\"");
	round_trip("SSHFP 2 1 123456789ABCDEF67890123456789abcdef67890",
	           "2 1 123456789abcdef67890123456789abcdef67890");
	round_trip("TLSA 3 1 1 00ff", "3 1 1 00ff");
	round_trip("HTTPS 0 foo.example.com.", "0 foo.example.com.");
	round_trip("SVCB 16 foo.example.org. ( alpn=h2,h3-19 mandatory=ipv4hint,alpn "
	           "ipv4hint=192.0.2.1,192.0.2.2 )",
	           "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" "
	           "ipv4hint=192.0.2.1,192.0.2.2");
	round_trip("SVCB 16 . alpn=\"f\\\\\\\\oo\\\\,bar,\\\"q\\\"\"",
	           "16 . alpn=\"f\\\\\\\\oo\\\\,bar,\\\"q\\\"\"");
	round_trip(
	    "HTTPS 1 . ipv6hint=::1,2001:db8::53:1 port=443 no-default-alpn alpn=h3 ech=AQIDBA==",
	    "1 . alpn=\"h3\" no-default-alpn port=443 ech=AQIDBA== ipv6hint=::1,2001:db8::53:1");
	round_trip("HTTPS 1 . key667=\"hello\\210qoo\" key9",
	           "1 . key9=\"\" key667=\"hello\\210qoo\"");
	round_trip("TYPE731 \\# 6 abcdef012345", "\\# 6 abcdef012345");
	round_trip("TYPE731 \\# 0", "\\# 0");
	/* Rdata a type's parser would refuse comes back generic. */
	round_trip("A \\# 3 010203", "\\# 3 010203");
	round_trip("TXT \\# 0", "\\# 0");
	round_trip("MX \\# 3 000a01", "\\# 3 000a01");
	round_trip("SSHFP \\# 2 0201", "\\# 2 0201");
	round_trip("CAA \\# 4 0002612d", "\\# 4 0002612d"); /* tag "a-" */
	round_trip("SVCB \\# 7 0000 00 0003 0000",
	           "\\# 7 00000000030000"); /* params in AliasMode */
	round_trip("SVCB \\# 11 0001 00 00030000 00010000", "\\# 11 0001000003000000010000");
}

static void test_text_space(void **state)
{
	static const uint8_t a[4] = {192, 0, 2, 1}, b[4] = {192, 168, 100, 200};
	char buf[16];

	(void)state;
	assert_int_equal(dns_rdata_to_text(DNS_T_A, a, 4, buf, 10), 9);
	assert_string_equal(buf, "192.0.2.1");
	assert_int_equal(dns_rdata_to_text(DNS_T_A, a, 4, buf, 9), -ENOSPC);
	assert_int_equal(dns_rdata_to_text(DNS_T_A, a, 4, buf, 0), -ENOSPC);
	/* Where the type's form does not fit, the shorter generic one may. */
	assert_int_equal(dns_rdata_to_text(DNS_T_A, b, 4, buf, 14), 13);
	assert_string_equal(buf, "\\# 4 c0a864c8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a_and_aaaa),  cmocka_unit_test(test_names_in_rdata),
	    cmocka_unit_test(test_soa),         cmocka_unit_test(test_txt_and_hinfo),
	    cmocka_unit_test(test_txt_limits),  cmocka_unit_test(test_caa_sshfp_tlsa),
	    cmocka_unit_test(test_svcb),        cmocka_unit_test(test_generic),
	    cmocka_unit_test(test_rdata_limit), cmocka_unit_test(test_owners),
	    cmocka_unit_test(test_name_limits), cmocka_unit_test(test_ttls),
	    cmocka_unit_test(test_directives),  cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_layout),      cmocka_unit_test(test_callback_stops),
	    cmocka_unit_test(test_type_names),  cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_text_space),  cmocka_unit_test(test_rdata_interface),
	    cmocka_unit_test(test_ttl_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
