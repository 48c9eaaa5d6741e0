/*
 * net/http_body.c: counted and chunked request bodies, decoded whole and
 * byte by byte (as TCP may deliver them), in place, with every malformed
 * framing refused and each limit tested at N and N+1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_body.h"

static struct http_request chunked = {.chunked = 1};

/* Decode `in` fed `step` bytes at a time; the body in `out`, -1 on a refusal. */
static long decode(const struct http_request *req, const char *in, size_t len, size_t step,
                   char *out, size_t *rest)
{
	struct http_body b;
	size_t off = 0, used, o = 0;
	char *copy = malloc(len + 1);

	memcpy(copy, in, len);
	http_body_init(&b, req);
	while (off < len && !http_body_done(&b)) {
		size_t n = len - off < step ? len - off : step;
		/* In place, as the server decodes its receive buffer. */
		long got =
		    http_body_decode(&b, (uint8_t *)copy + off, n, (uint8_t *)copy + off, &used);
		if (got < 0) {
			free(copy);
			return -1;
		}
		memcpy(out + o, copy + off, (size_t)got);
		o += (size_t)got;
		off += used;
		if (used < n)
			break;
	}
	*rest = len - off;
	free(copy);
	return http_body_done(&b) ? (long)o : -2;
}

static void expect(const struct http_request *req, const char *in, const char *body, size_t rest)
{
	char out[8192];
	size_t r;

	for (size_t step = 1; step <= strlen(in); step = step < 8 ? step + 1 : step * 2) {
		long n = decode(req, in, strlen(in), step, out, &r);
		assert_int_equal(n, strlen(body));
		assert_memory_equal(out, body, strlen(body));
		assert_int_equal(r, rest);
	}
}

static void refuse(const char *in)
{
	char out[8192];
	size_t r;

	for (size_t step = 1; step <= strlen(in); step *= 2) {
		long n = decode(&chunked, in, strlen(in), step, out, &r);
		if (n != -1)
			fail_msg("accepted (%ld) with steps of %zu: %s", n, step, in);
	}
}

static void test_counted(void **state)
{
	struct http_request req = {.content_length = 5};
	struct http_request none = {0};

	(void)state;
	expect(&req, "helloGET / HTTP/1.1", "hello", 14);
	struct http_body b;
	http_body_init(&b, &none);
	assert_true(http_body_done(&b));
}

static void test_chunked(void **state)
{
	(void)state;
	expect(&chunked, "5\r\nhello\r\n0\r\n\r\n", "hello", 0);
	expect(&chunked, "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nNEXT", "hello world", 4);
	expect(&chunked, "A\r\n0123456789\r\n0\r\n\r\n", "0123456789", 0);
	expect(&chunked, "5;name=value;x\r\nhello\r\n0;last\r\n\r\n", "hello", 0);
	expect(&chunked, "5 ;ext\r\nhello\r\n0\r\n\r\n", "hello", 0);
	expect(&chunked, "5\r\nhello\r\n0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n", "hello", 0);
	expect(&chunked, "0\r\n\r\n", "", 0);
	expect(&chunked, "000005\r\nhello\r\n0\r\n\r\n", "hello", 0);
}

static void test_malformed(void **state)
{
	(void)state;
	refuse("\r\nhello\r\n0\r\n\r\n");  /* no size */
	refuse("g\r\nhello\r\n0\r\n\r\n"); /* not hex */
	refuse("-5\r\nhello\r\n0\r\n\r\n");
	refuse("5\nhello\r\n0\r\n\r\n"); /* bare LF */
	refuse("5\r\nhelloXX0\r\n\r\n"); /* no CRLF after the data */
	refuse("5\r\nhello\r\n0\r\n\n");
	refuse("5\r\nhello\r\n0\r\nX: 1\n\r\n");
	refuse("5 5\r\nhello\r\n0\r\n\r\n"); /* a second number */
	refuse("5\rhello\r\n0\r\n\r\n");
	refuse(";x\r\nhello\r\n0\r\n\r\n");
}

/* Sizes: 16 digits and 2^40 are the limits; past them is refused. */
static void test_size_limits(void **state)
{
	struct http_body b;
	size_t used;
	uint8_t out[64];
	const char *ok = "10000000000\r\n", *big = "10000000001\r\n",
	           *digits = "00000000000000001\r\n";

	(void)state;
	http_body_init(&b, &chunked);
	assert_true(http_body_decode(&b, (const uint8_t *)ok, strlen(ok), out, &used) == 0);
	assert_int_equal(b.left, 1ull << 40);
	http_body_init(&b, &chunked);
	assert_int_equal(http_body_decode(&b, (const uint8_t *)big, strlen(big), out, &used), -1);
	http_body_init(&b, &chunked);
	assert_int_equal(http_body_decode(&b, (const uint8_t *)digits, strlen(digits), out, &used),
	                 -1);
}

/* A size line of HTTP_BODY_LINE_MAX bytes is fine; one more is refused. So for trailers. */
static void test_line_limits(void **state)
{
	char in[8192], out[8192];
	size_t r, n;

	(void)state;
	n = (size_t)snprintf(in, sizeof(in), "5;");
	memset(in + n, 'x', HTTP_BODY_LINE_MAX - n - 1);
	n = HTTP_BODY_LINE_MAX - 1;
	n += (size_t)snprintf(in + n, sizeof(in) - n, "\r\nhello\r\n0\r\n\r\n");
	assert_int_equal(decode(&chunked, in, n, 4096, out, &r), 5);
	memmove(in + 3, in + 2, n - 2);
	in[2] = 'x';
	assert_int_equal(decode(&chunked, in, n + 1, 4096, out, &r), -1);

	n = (size_t)snprintf(in, sizeof(in), "0\r\nX: ");
	memset(in + n, 'y', HTTP_BODY_TRAILER_MAX - 3);
	n += HTTP_BODY_TRAILER_MAX - 3;
	n += (size_t)snprintf(in + n, sizeof(in) - n, "\r\n\r\n");
	assert_int_equal(decode(&chunked, in, n, 4096, out, &r), 0);
	memmove(in + 7, in + 6, n - 6);
	in[6] = 'y';
	assert_int_equal(decode(&chunked, in, n + 1, 4096, out, &r), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counted),     cmocka_unit_test(test_chunked),
	    cmocka_unit_test(test_malformed),   cmocka_unit_test(test_size_limits),
	    cmocka_unit_test(test_line_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
