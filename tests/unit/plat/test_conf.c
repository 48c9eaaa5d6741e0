/*
 * appliance.conf parser (plat/conf.c): the syntax, every key's values, the
 * rules between keys, and the line numbers of the errors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plat/conf.h"

static struct conf conf;
static struct conf_error err;

static int parse(const char *text)
{
	memset(&err, 0, sizeof(err));
	return conf_parse(&conf, text, strlen(text), &err);
}

/* `text` is rejected at `line` with a reason containing `why`. */
static void rejects(const char *text, unsigned line, const char *why)
{
	assert_int_equal(parse(text), -EINVAL);
	assert_int_equal(err.line, line);
	assert_non_null(err.reason);
	if (strstr(err.reason, why) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\" for input \"%s\"", err.reason, why, text);
}

static void test_shipped_style_file(void **state)
{
	(void)state;
	assert_int_equal(parse("# comment\n\nhostname=appliance\ndomain=home.arpa\nip=dhcp\n"
	                       "gateway=\nip6=slaac\nhttp=on\nhttps=off\ndns=on\n#selftest=x\n"),
	                 0);
	assert_string_equal(conf_get(&conf, "hostname"), "appliance");
	assert_string_equal(conf_get(&conf, "https"), "off");
	assert_string_equal(conf_get(&conf, "gateway"), "");
	assert_null(conf_get(&conf, "selftest"));
	assert_null(conf_get(&conf, "nameserver"));
}

static void test_static_addresses(void **state)
{
	(void)state;
	assert_int_equal(parse("ip=192.0.2.10/24\ngateway=192.0.2.1\nip6=2001:db8::10/64\n"
	                       "ip6_gateway=fe80::1\nnameserver=2001:db8::53\n"),
	                 0);
	assert_string_equal(conf_get(&conf, "ip"), "192.0.2.10/24");
	assert_int_equal(parse("ip=10.0.0.1/8\nnameserver=10.0.0.53"), 0); /* no final newline */
}

static void test_crlf_and_empty(void **state)
{
	(void)state;
	assert_int_equal(parse("hostname=box\r\n\r\nip=dhcp\r\n"), 0);
	assert_string_equal(conf_get(&conf, "hostname"), "box");
	assert_int_equal(parse(""), 0);
	assert_int_equal(conf.count, 0);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	rejects("hostname=a\nnonsense\n", 2, "KEY=VALUE");
	rejects("hostname = a\n", 1, "spaces");
	rejects(" hostname=a\n", 1, "spaces");
	rejects("hostname=a \n", 1, "spaces");
	rejects("=a\n", 1, "missing key");
	rejects("Hostname=a\n", 1, "lowercase");
	rejects("colour=blue\n", 1, "unknown key");
	rejects("hostname=a\nhostname=b\n", 2, "twice");
	rejects("hostname=caf\xc3\xa9\n", 1, "non-ASCII");
	rejects("hostname=a\tb\n", 1, "spaces");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "hostname=a\n#x\0y\n";

	(void)state;
	assert_int_equal(conf_parse(&conf, text, sizeof(text) - 1, &err), -EINVAL);
	assert_int_equal(err.line, 2);
}

static void test_long_value(void **state)
{
	char text[400] = "selftest=";

	(void)state;
	memset(text + 9, 'x', 300);
	text[309] = '\0';
	rejects(text, 1, "longer than 255");
}

static void test_hostname(void **state)
{
	(void)state;
	assert_int_equal(parse("hostname=my-box.example\n"), 0);
	assert_int_equal(parse("hostname=1box\n"), 0); /* RFC 1123 2.1 allows a leading digit */
	rejects("hostname=-box\n", 1, "'-'");
	rejects("hostname=box-\n", 1, "'-'");
	rejects("hostname=my_box\n", 1, "letters, digits");
	rejects("hostname=a..b\n", 1, "empty label");
	rejects("hostname=\n", 1, "empty");
	rejects("hostname=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 1,
	        "63");
}

static void test_ip(void **state)
{
	(void)state;
	rejects("ip=192.0.2.10\n", 1, "prefix");
	rejects("ip=192.0.2.10/33\n", 1, "prefix");
	rejects("ip=192.0.2.10/0\n", 1, "prefix");
	rejects("ip=192.0.2.256/24\n", 1, "prefix");
	rejects("ip=192.0.02.1/24\n", 1, "prefix");
	rejects("ip=192.0.2.0/24\n", 1, "network or broadcast");
	rejects("ip=192.0.2.255/24\n", 1, "network or broadcast");
	rejects("ip=DHCP\n", 1, "dhcp");
	assert_int_equal(parse("ip=192.0.2.1/32\n"), 0);
}

static void test_gateway_rules(void **state)
{
	(void)state;
	rejects("ip=dhcp\ngateway=192.0.2.1\n", 2, "static ip");
	rejects("gateway=192.0.2.1\n", 1, "static ip");
	rejects("ip=192.0.2.10/24\ngateway=198.51.100.1\n", 2, "outside the subnet");
	rejects("ip=192.0.2.10/24\ngateway=192.0.2.10\n", 2, "own address");
	rejects("ip=192.0.2.10/24\ngateway=192.0.2\n", 2, "IPv4 address");
	/* The rule applies whichever line comes first. */
	assert_int_equal(parse("gateway=192.0.2.1\nip=192.0.2.10/24\n"), 0);
}

static void test_ip6(void **state)
{
	(void)state;
	assert_int_equal(parse("ip6=off\n"), 0);
	assert_int_equal(parse("ip6=::1/128\n"), 0);
	assert_int_equal(parse("ip6=2001:db8:0:0:0:0:0:1/64\n"), 0);
	rejects("ip6=2001:db8::1\n", 1, "prefix");
	rejects("ip6=2001:db8::1/129\n", 1, "prefix");
	rejects("ip6=2001:db8:::1/64\n", 1, "prefix");
	rejects("ip6=1:2:3:4:5:6:7:8:9/64\n", 1, "prefix");
	rejects("ip6=1::2::3/64\n", 1, "prefix");
	rejects("ip6=12345::1/64\n", 1, "prefix");
	rejects("ip6=ff02::1/64\n", 1, "multicast");
	rejects("ip6=off\nip6_gateway=fe80::1\n", 2, "ip6=off");
	rejects("ip6_gateway=fe80::1%eth0\n", 1, "IPv6 address");
}

static void test_ip6_text_forms(void **state)
{
	static const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0x00, [15] = 0x01};
	uint8_t a[16];

	(void)state;
	assert_int_equal(conf_parse_ip6("2001:db8::1", a), 0);
	assert_memory_equal(a, want, 16);
	assert_int_equal(conf_parse_ip6("2001:DB8:0::0:1", a), 0);
	assert_memory_equal(a, want, 16);
	assert_int_equal(conf_parse_ip6("::", a), 0);
	assert_int_equal(conf_parse_ip6("1:2:3:4:5:6:7::", a), 0);
	assert_int_equal(a[12], 0);
	assert_int_equal(a[13], 7);
	assert_int_equal(conf_parse_ip6(":1::", a), -EINVAL);
	assert_int_equal(conf_parse_ip6("1:2:3:4:5:6:7:8::", a), -EINVAL);
	assert_int_equal(conf_parse_ip6("", a), -EINVAL);
}

/*
 * Regression (issue 7, defect 4): after eight groups, "::" made the parser
 * store the groups after it past its 8-group array on the stack. The unit
 * tests run under AddressSanitizer, which stops on that write.
 */
static void test_ip6_groups_after_full_address(void **state)
{
	char text[300] = "1:2:3:4:5:6:7:8::";
	uint8_t a[16];

	(void)state;
	assert_int_equal(conf_parse_ip6("1:2:3:4:5:6:7:8::1:2:3:4:5:6:7:8:9", a), -EINVAL);
	assert_int_equal(conf_parse_ip6("1:2:3:4:5:6:7:8::1", a), -EINVAL);
	/* As long as a value may be: 255 characters, ~120 groups after "::". */
	for (size_t n = strlen(text); n + 2 < 256; n += 2)
		memcpy(text + n, "f:", 3);
	text[254] = '\0';
	assert_int_equal(conf_parse_ip6(text, a), -EINVAL);
	assert_int_equal(conf_parse_ip6(text + 15, a), -EINVAL); /* "::f:f:..." */
	assert_int_equal(conf_parse_ip6("1:2:3:4:5:6:7:8::1/64", a), -EINVAL);
	assert_int_equal(conf_parse_ip6("1:2:3:4:5:6:7::8", a), -EINVAL);
	assert_int_equal(conf_parse_ip6("1:2:3:4:5:6:7:8:9::", a), -EINVAL);
	rejects("nameserver=1:2:3:4:5:6:7:8::1:2:3:4:5:6:7:8:9:a:b:c\n", 1, "IPv6");
	rejects("ip6_gateway=1:2:3:4:5:6:7:8::1:2:3:4:5:6:7:8:9:a:b:c\n", 1, "IPv6");
	rejects("ip6=1:2:3:4:5:6:7:8::1:2:3:4:5:6:7:8:9:a/64\n", 1, "prefix");
}

/* Every other edge of RFC 4291 2.2 text: group counts, "::", colons, digits. */
static void test_ip6_bounds(void **state)
{
	static const char *const good[] = {
	    "1:2:3:4:5:6:7:8",
	    "::",
	    "::1",
	    "1::",
	    "::1:2:3:4:5:6:7",
	    "1:2:3:4:5:6:7::",
	    "1::2:3:4:5:6:7",
	    "ffff:FFFF:0:00:000:0000:1:1",
	    "0001::",
	};
	static const char *const bad[] = {
	    "",
	    ":",
	    ":::",
	    "1:",
	    ":1",
	    "1::2:",
	    ":1::2",
	    "1:::2",
	    "1::2::3",
	    "::1::",
	    "1:2:3:4:5:6:7",
	    "1:2:3:4:5:6:7:8:9",
	    "1:2:3:4:5:6:7:8:",
	    "::1:2:3:4:5:6:7:8",
	    "1::2:3:4:5:6:7:8",
	    "1:2:3:4::5:6:7:8",
	    "12345::",
	    "00001::",
	    "g::",
	    "::1 ",
	    " ::1",
	    "fe80::1%eth0",
	    "::ffff:192.0.2.1",
	    "1.2.3.4",
	    "1:2:3:4:5:6:7:8/64",
	};
	uint8_t a[16];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (conf_parse_ip6(good[i], a) != 0)
			fail_msg("\"%s\" rejected", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (conf_parse_ip6(bad[i], a) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
}

/* The prefix length and the copy of the address part in front of it. */
static void test_ip6_prefix_bounds(void **state)
{
	char text[300];
	uint8_t a[16];
	unsigned prefix;

	(void)state;
	assert_int_equal(
	    conf_parse_ip6_prefix("1111:2222:3333:4444:5555:6666:7777:8888/128", a, &prefix), 0);
	assert_int_equal(prefix, 128);
	assert_int_equal(conf_parse_ip6_prefix("::1/1", a, &prefix), 0);
	assert_int_equal(prefix, 1);
	static const char *const bad[] = {
	    "::1",       "::1/",           "/64",
	    "::1/0",     "::1/129",        "::1/064",
	    "::1/64/64", "::1/+64",        "::1/-1",
	    "::1/64 ",   "::1/4294967360", "01111:2222:3333:4444:5555:6666:7777:8888/64",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (conf_parse_ip6_prefix(bad[i], a, &prefix) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
	/* An address part far longer than any address: refused, not copied. */
	memset(text, '1', sizeof(text));
	strcpy(text + 250, "::/64");
	assert_int_equal(conf_parse_ip6_prefix(text, a, &prefix), -EINVAL);
}

static void test_onoff_and_free(void **state)
{
	(void)state;
	assert_int_equal(parse("http=off\necho=on\nselftest=shutdown,crash\n"), 0);
	rejects("https=yes\n", 1, "\"on\" or \"off\"");
	rejects("dns=\n", 1, "\"on\" or \"off\"");
}

static void test_check_value(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(conf_check_value("ip", "dhcp", &why), 0);
	assert_int_equal(conf_check_value("ip", "x", &why), -EINVAL);
	assert_non_null(why);
	assert_int_equal(conf_check_value("colour", "x", &why), -ENOENT);
	/* What the line syntax refuses in a file, refused in a lone value too. */
	assert_int_equal(conf_check_value("selftest", "a b", &why), -EINVAL);
	assert_int_equal(conf_check_value("selftest", "a\x01", &why), -EINVAL);
	assert_int_equal(conf_check_value("hostname", "caf\xc3\xa9", &why), -EINVAL);
	assert_non_null(strstr(why, "character"));
	char long_value[400];
	memset(long_value, 'x', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	assert_int_equal(conf_check_value("selftest", long_value, &why), -EINVAL);
	assert_non_null(strstr(why, "longer than 255"));
	long_value[255] = '\0';
	assert_int_equal(conf_check_value("selftest", long_value, &why), 0);
	assert_true(conf_key_known("ip6_gateway"));
	assert_false(conf_key_known("ip6_gatewayx"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped_style_file),
	    cmocka_unit_test(test_static_addresses),
	    cmocka_unit_test(test_crlf_and_empty),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_nul_byte),
	    cmocka_unit_test(test_long_value),
	    cmocka_unit_test(test_hostname),
	    cmocka_unit_test(test_ip),
	    cmocka_unit_test(test_gateway_rules),
	    cmocka_unit_test(test_ip6),
	    cmocka_unit_test(test_ip6_text_forms),
	    cmocka_unit_test(test_onoff_and_free),
	    cmocka_unit_test(test_check_value),
	    cmocka_unit_test(test_ip6_groups_after_full_address),
	    cmocka_unit_test(test_ip6_bounds),
	    cmocka_unit_test(test_ip6_prefix_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
