/*
 * dns/name.c: names from and to presentation form (RFC 1035 5.1), with
 * each limit tested at N and N+1 (a label of 63 and 64 octets, a name of
 * 255 and 256), canonical order on RFC 4034 6.1's own example, and the
 * comparisons that must ignore ASCII case (RFC 4343).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns/name.h"

static const uint8_t example_org[] = "\007example\003org";

/* `text` into wire form against `origin`; the result (length or error). */
static int from(const char *text, const uint8_t *origin, uint8_t out[DNS_NAME_MAX])
{
	return dns_name_from_text(text, strlen(text), origin, out);
}

/* The wire form of an absolute name, which must parse. */
static const uint8_t *wire(const char *text, uint8_t out[DNS_NAME_MAX])
{
	assert_true(from(text, NULL, out) > 0);
	return out;
}

/* `n` copies of `c`, then `tail`, into buf. */
static const char *repeat(char *buf, char c, size_t n, const char *tail)
{
	memset(buf, c, n);
	strcpy(buf + n, tail);
	return buf;
}

static void test_from_text_absolute(void **state)
{
	uint8_t out[DNS_NAME_MAX];

	(void)state;
	assert_int_equal(from("www.example.org.", NULL, out), 17);
	assert_memory_equal(out, "\003www\007example\003org", 17);
	assert_int_equal(from(".", NULL, out), 1);
	assert_int_equal(out[0], 0);
	/* Case is kept as written. */
	assert_int_equal(from("WwW.Example.ORG.", example_org, out), 17);
	assert_memory_equal(out, "\003WwW\007Example\003ORG", 17);
}

static void test_from_text_relative(void **state)
{
	uint8_t out[DNS_NAME_MAX];

	(void)state;
	assert_int_equal(from("www", example_org, out), 17);
	assert_memory_equal(out, "\003www\007example\003org", 17);
	assert_int_equal(from("a.b", example_org, out), 17);
	assert_memory_equal(out, "\001a\001b\007example\003org", 17);
	/* Relative to the root. */
	assert_int_equal(from("www", (const uint8_t *)"", out), 5);
	assert_memory_equal(out, "\003www", 5);
	assert_int_equal(from("www", NULL, out), -EINVAL);
	/* An origin that is not a name in wire form (a label over 63). */
	assert_int_equal(from("www", (const uint8_t *)"\100", out), -EINVAL);
	assert_int_equal(from("@", (const uint8_t *)"\100", out), -EINVAL);
}

static void test_from_text_at(void **state)
{
	uint8_t out[DNS_NAME_MAX];

	(void)state;
	assert_int_equal(from("@", example_org, out), 13);
	assert_memory_equal(out, example_org, 13);
	assert_int_equal(from("@", NULL, out), -EINVAL);
	/* "@" is special only alone: as a label it is an ordinary character. */
	assert_int_equal(from("@.", NULL, out), 3);
	assert_memory_equal(out, "\001@", 3);
}

static void test_from_text_escapes(void **state)
{
	uint8_t out[DNS_NAME_MAX];

	(void)state;
	assert_int_equal(from("a\\.b.org.", NULL, out), 9);
	assert_memory_equal(out, "\003a.b\003org", 9);
	assert_int_equal(from("a\\\\b.", NULL, out), 5);
	assert_memory_equal(out, "\003a\\b", 5);
	assert_int_equal(from("\\065bc.", NULL, out), 5);
	assert_memory_equal(out, "\003Abc", 5);
	assert_int_equal(from("\\000\\255.", NULL, out), 4);
	assert_memory_equal(out, "\002\000\377", 4);
	/* An escaped dot at the end does not make the name absolute. */
	assert_int_equal(from("a\\.", example_org, out), 16);
	assert_memory_equal(out, "\002a.\007example\003org", 16);
}

static void test_from_text_bad_escapes(void **state)
{
	uint8_t out[DNS_NAME_MAX];

	(void)state;
	assert_int_equal(from("\\256.", NULL, out), -EINVAL);
	assert_int_equal(from("\\999.", NULL, out), -EINVAL);
	assert_int_equal(from("\\25.", NULL, out), -EINVAL);
	assert_int_equal(from("\\2a5.", NULL, out), -EINVAL);
	assert_int_equal(from("a\\25", example_org, out), -EINVAL);
	assert_int_equal(from("a\\", example_org, out), -EINVAL);
}

static void test_from_text_empty_labels(void **state)
{
	uint8_t out[DNS_NAME_MAX];

	(void)state;
	assert_int_equal(from("", example_org, out), -EINVAL);
	assert_int_equal(from("a..b.", NULL, out), -EINVAL);
	assert_int_equal(from(".a.", NULL, out), -EINVAL);
	assert_int_equal(from("..", NULL, out), -EINVAL);
	assert_int_equal(from("a..", NULL, out), -EINVAL);
}

static void test_from_text_label_limit(void **state)
{
	uint8_t out[DNS_NAME_MAX];
	char text[300];

	(void)state;
	assert_int_equal(from(repeat(text, 'a', 63, ".org."), NULL, out), 69);
	assert_int_equal(out[0], 63);
	assert_int_equal(from(repeat(text, 'a', 64, ".org."), NULL, out), -ENAMETOOLONG);
	/* An escape is one octet of the label. */
	assert_int_equal(from(repeat(text, 'a', 62, "\\065."), NULL, out), 65);
	assert_int_equal(from(repeat(text, 'a', 63, "\\065."), NULL, out), -ENAMETOOLONG);
}

/* Three labels of 63 octets and one of `last`: 192 + 1 + last + 1 octets in wire form. */
static char *long_name(char *text, size_t last)
{
	char *p = text;

	for (int i = 0; i < 3; i++) {
		memset(p, 'a' + i, 63);
		p[63] = '.';
		p += 64;
	}
	memset(p, 'd', last);
	strcpy(p + last, ".");
	return text;
}

static void test_from_text_name_limit(void **state)
{
	uint8_t out[DNS_NAME_MAX];
	char text[300];

	(void)state;
	assert_int_equal(from(long_name(text, 61), NULL, out), 255);
	assert_int_equal(dns_name_len(out, DNS_NAME_MAX), 255);
	assert_int_equal(from(long_name(text, 62), NULL, out), -ENAMETOOLONG);
	/* Relative: 242 octets of labels and the 13 of example.org. */
	long_name(text, 49)[strlen(text) - 1] = '\0';
	assert_int_equal(from(text, example_org, out), 255);
	assert_memory_equal(out + 242, example_org, 13);
	long_name(text, 50)[strlen(text) - 1] = '\0';
	assert_int_equal(from(text, example_org, out), -ENAMETOOLONG);
}

static void test_to_text(void **state)
{
	char buf[DNS_NAME_MAX * 4 + 1];

	(void)state;
	assert_int_equal(dns_name_to_text((const uint8_t *)"", buf, sizeof(buf)), 1);
	assert_string_equal(buf, ".");
	assert_int_equal(dns_name_to_text(example_org, buf, sizeof(buf)), 12);
	assert_string_equal(buf, "example.org.");
	dns_name_to_text((const uint8_t *)"\003a.b\002\\ \001\000\001\377\003org", buf,
	                 sizeof(buf));
	assert_string_equal(buf, "a\\.b.\\\\\\032.\\000.\\255.org.");
	dns_name_to_text((const uint8_t *)"\004Ab(;", buf, sizeof(buf));
	assert_string_equal(buf, "Ab\\(\\;.");
}

static void test_to_text_space(void **state)
{
	char buf[16];

	(void)state;
	/* "example.org." is 12 characters and the NUL. */
	assert_int_equal(dns_name_to_text(example_org, buf, 13), 12);
	assert_int_equal(dns_name_to_text(example_org, buf, 12), -ENOSPC);
	assert_int_equal(dns_name_to_text(example_org, buf, 8), -ENOSPC);
	assert_int_equal(dns_name_to_text((const uint8_t *)"", buf, 2), 1);
	assert_int_equal(dns_name_to_text((const uint8_t *)"", buf, 1), -ENOSPC);
	/* "\255." and the NUL. */
	assert_int_equal(dns_name_to_text((const uint8_t *)"\001\377", buf, 5), -ENOSPC);
	assert_int_equal(dns_name_to_text((const uint8_t *)"\001\377", buf, 6), 5);
}

/* Every octet value survives wire -> text -> wire: two names of three 63-octet labels. */
static void test_round_trip(void **state)
{
	uint8_t name[DNS_NAME_MAX], back[DNS_NAME_MAX];
	char text[DNS_NAME_MAX * 4 + 1];

	(void)state;
	for (int first = 0; first < 256; first += 3 * 63) {
		size_t w = 0;
		for (int l = 0; l < 3; l++) {
			name[w++] = 63;
			for (int i = 0; i < 63; i++)
				name[w++] = (uint8_t)(first + l * 63 + i);
		}
		name[w++] = 0;
		assert_true(dns_name_to_text(name, text, sizeof(text)) > 0);
		assert_int_equal(from(text, NULL, back), (int)w);
		assert_memory_equal(back, name, w);
	}
}

/* RFC 4034 6.1's example, in canonical order. */
static const char *const canonical[] = {
    "example.",   "a.example.",       "yljkjljk.a.example.", "Z.a.example.",     "zABC.a.EXAMPLE.",
    "z.example.", "\\001.z.example.", "*.z.example.",        "\\200.z.example.",
};

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void test_canonical_order(void **state)
{
	size_t n = sizeof(canonical) / sizeof(canonical[0]);
	uint8_t a[DNS_NAME_MAX], b[DNS_NAME_MAX];

	(void)state;
	for (size_t i = 0; i < n; i++) {
		wire(canonical[i], a);
		for (size_t j = 0; j < n; j++) {
			wire(canonical[j], b);
			assert_int_equal(sign(dns_name_cmp(a, b)), sign((int)i - (int)j));
		}
	}
	assert_int_equal(dns_name_cmp(wire("A.Example.", a), wire("a.EXAMPLE.", b)), 0);
	assert_true(dns_name_cmp(wire(".", a), wire("example.", b)) < 0);
}

static void test_eq(void **state)
{
	uint8_t a[DNS_NAME_MAX], b[DNS_NAME_MAX];

	(void)state;
	assert_true(dns_name_eq(wire("WWW.Example.ORG.", a), wire("www.example.org.", b)));
	assert_false(dns_name_eq(wire("www.example.org.", a), wire("ww.example.org.", b)));
	assert_false(dns_name_eq(wire("www.example.org.", a), wire("example.org.", b)));
	assert_false(dns_name_eq(wire("example.org.", a), wire("www.example.org.", b)));
	/* Only ASCII letters fold: 0xC0 and 0xE0 differ. */
	assert_false(dns_name_eq(wire("\\192.", a), wire("\\224.", b)));
	assert_false(dns_name_eq(wire("[.", a), wire("{.", b)));
	assert_true(dns_name_eq(wire(".", a), wire(".", b)));
}

static void test_is_sub(void **state)
{
	uint8_t a[DNS_NAME_MAX], b[DNS_NAME_MAX];

	(void)state;
	assert_true(dns_name_is_sub(wire("a.b.Example.ORG.", a), wire("example.org.", b)));
	assert_true(dns_name_is_sub(wire("example.org.", a), wire("EXAMPLE.org.", b)));
	assert_true(dns_name_is_sub(wire("example.org.", a), wire(".", b)));
	assert_false(dns_name_is_sub(wire("badexample.org.", a), wire("example.org.", b)));
	assert_false(dns_name_is_sub(wire("org.", a), wire("example.org.", b)));
	assert_false(dns_name_is_sub(wire("example.com.", a), wire("example.org.", b)));
}

static void test_parent_and_labels(void **state)
{
	uint8_t a[DNS_NAME_MAX];

	(void)state;
	wire("www.example.org.", a);
	assert_ptr_equal(dns_name_parent(a, 0), a);
	assert_ptr_equal(dns_name_parent(a, 1), a + 4);
	assert_ptr_equal(dns_name_parent(a, 3), a + 16);
	assert_ptr_equal(dns_name_parent(a, 9), a + 16);
	assert_int_equal(dns_name_labels(a), 3);
	assert_int_equal(dns_name_labels(a + 4), 2);
	assert_int_equal(dns_name_labels((const uint8_t *)""), 0);
}

static void test_len(void **state)
{
	uint8_t a[DNS_NAME_MAX + 1];
	char text[300];

	(void)state;
	assert_int_equal(dns_name_len(example_org, sizeof(example_org)), 13);
	assert_int_equal(dns_name_len(example_org, 12), -EINVAL);
	assert_int_equal(dns_name_len((const uint8_t *)"\100", 2), -EINVAL);
	assert_int_equal(dns_name_len((const uint8_t *)"\300\014", 2), -EINVAL);
	assert_int_equal(from(long_name(text, 61), NULL, a), 255);
	assert_int_equal(dns_name_len(a, sizeof(a)), 255);
	/* 256 octets: the last label one longer, the root pushed to the 256th. */
	a[192] = 62;
	a[254] = 'd';
	a[255] = 0;
	assert_int_equal(dns_name_len(a, sizeof(a)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_from_text_absolute),
	    cmocka_unit_test(test_from_text_relative),
	    cmocka_unit_test(test_from_text_at),
	    cmocka_unit_test(test_from_text_escapes),
	    cmocka_unit_test(test_from_text_bad_escapes),
	    cmocka_unit_test(test_from_text_empty_labels),
	    cmocka_unit_test(test_from_text_label_limit),
	    cmocka_unit_test(test_from_text_name_limit),
	    cmocka_unit_test(test_to_text),
	    cmocka_unit_test(test_to_text_space),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_canonical_order),
	    cmocka_unit_test(test_eq),
	    cmocka_unit_test(test_is_sub),
	    cmocka_unit_test(test_parent_and_labels),
	    cmocka_unit_test(test_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
