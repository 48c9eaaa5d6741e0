/*
 * git/pkt.c: pkt-lines parsed strictly (every length at and past its
 * limits, bad digits, lines cut anywhere) and written to what Git reads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "git/pkt.h"

static int parse(const char *s, struct git_pkt *p)
{
	return git_pkt_parse((const uint8_t *)s, strlen(s), p);
}

static void test_data_and_specials(void **state)
{
	struct git_pkt p;

	(void)state;
	assert_int_equal(parse("000ahello\nrest", &p), 10);
	assert_int_equal(p.kind, GIT_PKT_DATA);
	assert_int_equal(p.len, 6);
	assert_memory_equal(p.data, "hello\n", 6);
	assert_int_equal(git_pkt_chomp(&p), 5);
	assert_int_equal(parse("0000", &p), 4);
	assert_int_equal(p.kind, GIT_PKT_FLUSH);
	assert_int_equal(parse("0001", &p), 4);
	assert_int_equal(p.kind, GIT_PKT_DELIM);
	assert_int_equal(parse("0002", &p), 4);
	assert_int_equal(p.kind, GIT_PKT_END);
	/* An empty data line is legal (if discouraged). */
	assert_int_equal(parse("0004", &p), 4);
	assert_int_equal(p.kind, GIT_PKT_DATA);
	assert_int_equal(p.len, 0);
	/* Either case of hex. */
	assert_int_equal(parse("000Ahello\n", &p), 10);
}

static void test_malformed(void **state)
{
	struct git_pkt p;

	(void)state;
	assert_int_equal(parse("0003", &p), -EBADMSG);
	assert_int_equal(parse("00g5x", &p), -EBADMSG);
	assert_int_equal(parse(" 005x", &p), -EBADMSG);
	assert_int_equal(parse("-005x", &p), -EBADMSG);
	/* 65521 (fff1) is one past the largest line; ffff too. */
	assert_int_equal(parse("fff1", &p), -EBADMSG);
	assert_int_equal(parse("ffff", &p), -EBADMSG);
}

static void test_incomplete(void **state)
{
	struct git_pkt p;
	const char *line = "000bhello!\n";

	(void)state;
	for (size_t n = 0; n < strlen(line); n++)
		assert_int_equal(git_pkt_parse((const uint8_t *)line, n, &p), n < 4 ? 0 : 0);
	assert_int_equal(git_pkt_parse((const uint8_t *)line, strlen(line), &p), 11);
}

/* The largest line parses and writes; one byte more does neither. */
static void test_limits(void **state)
{
	static uint8_t buf[GIT_PKT_MAX + 16], data[GIT_PKT_MAX];
	struct git_pkt p;

	(void)state;
	memset(data, 'x', sizeof(data));
	assert_int_equal(git_pkt_data(buf, sizeof(buf), data, GIT_PKT_DATA_MAX), GIT_PKT_MAX);
	assert_memory_equal(buf, "fff0", 4);
	assert_int_equal(git_pkt_parse(buf, GIT_PKT_MAX, &p), GIT_PKT_MAX);
	assert_int_equal(p.len, GIT_PKT_DATA_MAX);
	assert_int_equal(git_pkt_data(buf, sizeof(buf), data, GIT_PKT_DATA_MAX + 1), -EMSGSIZE);
	assert_int_equal(git_pkt_band(buf, sizeof(buf), 1, data, GIT_PKT_BAND_MAX), GIT_PKT_MAX);
	assert_int_equal(buf[4], 1);
	assert_int_equal(git_pkt_band(buf, sizeof(buf), 1, data, GIT_PKT_BAND_MAX + 1), -EMSGSIZE);
}

static void test_writers(void **state)
{
	uint8_t buf[64];
	struct git_pkt p;

	(void)state;
	assert_int_equal(git_pkt_text(buf, sizeof(buf), "# service=%s\n", "git-upload-pack"), 30);
	assert_memory_equal(buf, "001e# service=git-upload-pack\n", 30);
	assert_int_equal(git_pkt_parse(buf, 30, &p), 30);
	assert_int_equal(git_pkt_special(buf, sizeof(buf), GIT_PKT_FLUSH), 4);
	assert_memory_equal(buf, "0000", 4);
	assert_int_equal(git_pkt_special(buf, sizeof(buf), GIT_PKT_DELIM), 4);
	assert_memory_equal(buf, "0001", 4);
	assert_int_equal(git_pkt_special(buf, sizeof(buf), GIT_PKT_DATA), -EINVAL);
	/* Too small a buffer: refused, by one byte each way. */
	assert_int_equal(git_pkt_data(buf, 8, "abcd", 4), 8);
	assert_int_equal(git_pkt_data(buf, 7, "abcd", 4), -ENOSPC);
	assert_int_equal(git_pkt_text(buf, 10, "%s", "abcde"), 9);
	assert_int_equal(git_pkt_text(buf, 9, "%s", "abcde"), -ENOSPC);
	assert_int_equal(git_pkt_band(buf, 9, 2, "abcd", 4), 9);
	assert_int_equal(git_pkt_band(buf, 8, 2, "abcd", 4), -ENOSPC);
	assert_int_equal(git_pkt_special(buf, 3, GIT_PKT_FLUSH), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_data_and_specials), cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_incomplete),        cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
