/*
 * The HTTP request parser (net/http_parse.c): complete heads, every
 * incomplete prefix, pipelining, each limit at N and N+1, malformed lines
 * with the status they get, the rules between fields, Range and
 * If-None-Match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http_parse.h"

static int parse(const char *s, struct http_request *req, int *status)
{
	return http_parse_request(s, strlen(s), req, status);
}

static void test_complete_head(void **state)
{
	const char *s =
	    "GET /a/b.html?x=1 HTTP/1.1\r\nHost: example.home\r\nAccept:  text/html \t\r\n"
	    "X-Empty:\r\n\r\nBODY";
	struct http_request req;
	const char *v;
	size_t n;
	int status = 0;
	(void)state;
	assert_int_equal(parse(s, &req, &status), (int)(strstr(s, "BODY") - s));
	assert_int_equal(req.method_len, 3);
	assert_memory_equal(req.method, "GET", 3);
	assert_int_equal(req.target_len, strlen("/a/b.html?x=1"));
	assert_int_equal(req.minor, 1);
	assert_int_equal(req.nfields, 3);
	v = http_field_get(&req, "ACCEPT", &n);
	assert_non_null(v);
	assert_int_equal(n, strlen("text/html"));
	assert_memory_equal(v, "text/html", n);
	v = http_field_get(&req, "x-empty", &n);
	assert_non_null(v);
	assert_int_equal(n, 0);
	assert_null(http_field_get(&req, "Range", &n));
	assert_int_equal(http_request_check(&req, &status), 0);
}

/* Every prefix of a valid head asks for more, never fails, never overreads. */
static void test_every_prefix_incomplete(void **state)
{
	const char *s = "\r\nPOST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n";
	struct http_request req;
	int status;
	(void)state;
	for (size_t n = 0; n < strlen(s); n++) {
		char *copy = malloc(n ? n : 1);
		memcpy(copy, s, n);
		assert_int_equal(http_parse_request(copy, n, &req, &status), HTTP_INCOMPLETE);
		free(copy);
	}
	assert_int_equal(parse(s, &req, &status), (int)strlen(s));
	assert_int_equal(http_request_check(&req, &status), 0);
	assert_int_equal(req.content_length, 5);
}

static void test_pipelined(void **state)
{
	const char *s =
	    "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3";
	struct http_request req;
	int status, n1, n2;
	(void)state;
	n1 = parse(s, &req, &status);
	assert_true(n1 > 0);
	assert_memory_equal(req.target, "/1", 2);
	n2 = parse(s + n1, &req, &status);
	assert_true(n2 > 0);
	assert_memory_equal(req.target, "/2", 2);
	assert_int_equal(parse(s + n1 + n2, &req, &status), HTTP_INCOMPLETE);
}

static void bad(const char *s, int want)
{
	struct http_request req;
	int status = 0;

	assert_int_equal(parse(s, &req, &status), HTTP_BAD);
	assert_int_equal(status, want);
}

static void test_malformed(void **state)
{
	(void)state;
	bad("GET / HTTP/1.1\nHost: h\n\n", 400);             /* bare LF */
	bad("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400); /* bare CR */
	bad("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400);      /* space before the colon */
	bad("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400);    /* obs-fold */
	bad("GET / HTTP/1.1\r\n: empty name\r\n\r\n", 400);
	bad("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400); /* a control character */
	bad("GET  / HTTP/1.1\r\n\r\n", 400);            /* two spaces */
	bad(" GET / HTTP/1.1\r\n\r\n", 400);
	bad("GET /\r\n\r\n", 400); /* HTTP/0.9 */
	bad("GET / HTTP/1.10\r\n\r\n", 400);
	bad("GET / HTTP/2.0\r\n\r\n", 505);
	bad("GET / http/1.1\r\n\r\n", 400);
	bad("G(T / HTTP/1.1\r\n\r\n", 400); /* not a token */
	bad("GET /a\x7f HTTP/1.1\r\n\r\n", 400);
}

/* The request line: HTTP_MAX_LINE bytes before its CRLF is the most; one more is 414. */
static void line_of(char *s, size_t line)
{
	size_t target = line - strlen("GET  HTTP/1.1");

	memcpy(s, "GET /", 5);
	memset(s + 5, 'a', target - 1);
	strcpy(s + 4 + target, " HTTP/1.1\r\nHost: h\r\n\r\n");
}

static void test_line_limit(void **state)
{
	struct http_request req;
	char *s = malloc(HTTP_MAX_LINE + 64);
	int status;
	(void)state;
	line_of(s, HTTP_MAX_LINE);
	assert_int_equal(strchr(s, '\r') - s, HTTP_MAX_LINE);
	assert_true(parse(s, &req, &status) > 0);
	assert_int_equal(req.target_len, HTTP_MAX_LINE - strlen("GET  HTTP/1.1"));
	line_of(s, HTTP_MAX_LINE + 1);
	bad(s, 414);
	/* Still arriving, already too long: no waiting for the rest. */
	assert_int_equal(http_parse_request(s, HTTP_MAX_LINE + 1, &req, &status), HTTP_BAD);
	assert_int_equal(status, 414);
	assert_int_equal(http_parse_request(s, HTTP_MAX_LINE, &req, &status), HTTP_INCOMPLETE);
	free(s);
}

static void test_field_count_limit(void **state)
{
	char *s = malloc(8192);
	size_t n = (size_t)sprintf(s, "GET / HTTP/1.1\r\n");
	struct http_request req;
	int status;
	(void)state;
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		n += (size_t)sprintf(s + n, "X-%d: v\r\n", i);
	strcpy(s + n, "\r\n");
	assert_true(parse(s, &req, &status) > 0);
	assert_int_equal(req.nfields, HTTP_MAX_HEADERS);
	strcpy(s + n, "X-one-more: v\r\n\r\n");
	bad(s, 431);
	free(s);
}

/* The head, request line included: 16,384 bytes at most. */
static void test_head_size_limit(void **state)
{
	char *s = malloc(HTTP_MAX_HEAD + 256);
	struct http_request req;
	int status;
	size_t n;
	(void)state;
	n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nX: ");
	/* A field that ends the head exactly at the limit: line, field, CRLF. */
	memset(s + n, 'v', HTTP_MAX_HEAD - n - 4);
	strcpy(s + HTTP_MAX_HEAD - 4, "\r\n\r\n");
	assert_int_equal(parse(s, &req, &status), HTTP_MAX_HEAD);
	/* One byte more. */
	memset(s + n, 'v', HTTP_MAX_HEAD - n - 3);
	strcpy(s + HTTP_MAX_HEAD - 3, "\r\n\r\n");
	bad(s, 431);
	/* Still arriving, already over: no waiting for the rest. */
	assert_int_equal(http_parse_request(s, HTTP_MAX_HEAD, &req, &status), HTTP_BAD);
	assert_int_equal(status, 431);
	assert_int_equal(http_parse_request(s, HTTP_MAX_HEAD - 3, &req, &status), HTTP_INCOMPLETE);
	free(s);
}

static int check(const char *s, int *status)
{
	struct http_request req;

	assert_true(parse(s, &req, status) > 0);
	return http_request_check(&req, status);
}

static void test_field_rules(void **state)
{
	int status;
	(void)state;
	assert_int_equal(check("GET / HTTP/1.1\r\n\r\n", &status), -1); /* no Host */
	assert_int_equal(status, 400);
	assert_int_equal(check("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &status), -1);
	assert_int_equal(check("GET / HTTP/1.0\r\n\r\n", &status), 0);
	assert_int_equal(check("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	                       "Transfer-Encoding: chunked\r\n\r\n",
	                       &status),
	                 -1);
	assert_int_equal(status, 400);
	assert_int_equal(
	    check("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", &status), -1);
	assert_int_equal(status, 501);
	assert_int_equal(check("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\n", &status),
	                 -1);
	assert_int_equal(
	    check("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
	          &status),
	    -1);
	assert_int_equal(
	    check("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
	          &status),
	    0);
	assert_int_equal(
	    check("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12345678901234567890\r\n\r\n",
	          &status),
	    -1);
	assert_int_equal(
	    check("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n", &status), 0);
}

static void range(const char *v, uint64_t size, enum http_range want, uint64_t first, uint64_t last)
{
	uint64_t a = 99, b = 99;

	assert_int_equal(http_parse_range(v, strlen(v), size, &a, &b), want);
	if (want == HTTP_RANGE_OK) {
		assert_int_equal(a, first);
		assert_int_equal(b, last);
	}
}

static void test_range(void **state)
{
	(void)state;
	range("bytes=0-99", 1000, HTTP_RANGE_OK, 0, 99);
	range("bytes=500-", 1000, HTTP_RANGE_OK, 500, 999);
	range("bytes=-100", 1000, HTTP_RANGE_OK, 900, 999);
	range("bytes=-5000", 1000, HTTP_RANGE_OK, 0, 999);
	range("bytes=990-2000", 1000, HTTP_RANGE_OK, 990, 999);
	range("bytes=999-999", 1000, HTTP_RANGE_OK, 999, 999);
	range("bytes=1000-", 1000, HTTP_RANGE_UNSATISFIABLE, 0, 0); /* N: first past the end */
	range("bytes=-0", 1000, HTTP_RANGE_UNSATISFIABLE, 0, 0);
	range("bytes=0-", 0, HTTP_RANGE_UNSATISFIABLE, 0, 0);
	range("bytes=5-4", 1000, HTTP_RANGE_NONE, 0, 0); /* invalid: ignored */
	range("bytes=0-1,5-6", 1000, HTTP_RANGE_NONE, 0, 0);
	range("items=0-1", 1000, HTTP_RANGE_NONE, 0, 0);
	range("bytes=", 1000, HTTP_RANGE_NONE, 0, 0);
	range("bytes=-", 1000, HTTP_RANGE_NONE, 0, 0);
	range("bytes=a-b", 1000, HTTP_RANGE_NONE, 0, 0);
	range("bytes=99999999999999999999-", 1000, HTTP_RANGE_NONE, 0, 0);
	range("BYTES=1-2", 1000, HTTP_RANGE_OK, 1, 2);
}

static int inm(const char *v, const char *etag)
{
	return http_if_none_match(v, strlen(v), etag, strlen(etag));
}

static void test_if_none_match(void **state)
{
	const char *e = "\"ce013625030ba8dba906f756967f9e9ca394464a\"";
	(void)state;
	assert_int_equal(inm("*", e), 1);
	assert_int_equal(inm(e, e), 1);
	assert_int_equal(inm("W/\"ce013625030ba8dba906f756967f9e9ca394464a\"", e), 1);
	assert_int_equal(inm("\"x\", \"ce013625030ba8dba906f756967f9e9ca394464a\"", e), 1);
	assert_int_equal(inm("\"x\",\"y\"", e), 0);
	assert_int_equal(inm("\"x\" \"y\"", e), -1);
	assert_int_equal(inm("ce013625", e), -1);
	assert_int_equal(inm("\"unterminated", e), -1);
	assert_int_equal(inm("\"x\",", e), -1);
	assert_int_equal(inm("", e), -1);
}

static int takes(const char *v, const char *coding)
{
	return http_accepts_coding(v, strlen(v), coding);
}

/* Accept-Encoding (RFC 9110 12.5.3): a coding listed above weight 0, or "*" when it is not. */
static void test_accepts_coding(void **state)
{
	(void)state;
	assert_int_equal(takes("gzip", "gzip"), 1);
	assert_int_equal(takes("br, GZIP;q=0.5", "gzip"), 1);
	assert_int_equal(takes("x-gzip", "gzip"), 1);
	assert_int_equal(takes(" gzip ; Q=1.000 ", "gzip"), 1);
	assert_int_equal(takes("gzip;q=0.001", "gzip"), 1);
	assert_int_equal(takes("*", "gzip"), 1);
	assert_int_equal(takes("", "gzip"), 0);
	assert_int_equal(takes("identity", "gzip"), 0);
	assert_int_equal(takes("gzip;q=0", "gzip"), 0);
	assert_int_equal(takes("identity, gzip ; q=0.000", "gzip"), 0);
	assert_int_equal(takes("gzip;q=0.", "gzip"), 0);
	assert_int_equal(takes("gzip;q=0, *", "gzip"), 0);
	assert_int_equal(takes("*;q=0", "gzip"), 0);
	assert_int_equal(takes("nogzip, gzipx, x-gzipx, gzip-x", "gzip"), 0);
	/* Malformed elements are passed over: a weight out of grammar, a parameter not q. */
	assert_int_equal(takes("gzip;q=2", "gzip"), 0);
	assert_int_equal(takes("gzip;q=1.5", "gzip"), 0);
	assert_int_equal(takes("gzip;q=0.0001", "gzip"), 0);
	assert_int_equal(takes("gzip;level=1", "gzip"), 0);
	assert_int_equal(takes("gzip;q=", "gzip"), 0);
	assert_int_equal(takes("gzip;q=0 1", "gzip"), 0);
	assert_int_equal(takes(",,gzip;q=x, br", "gzip"), 0);
	assert_int_equal(takes(",,gzip;q=x, gzip", "gzip"), 1);
	assert_int_equal(takes("br", "br"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_complete_head),   cmocka_unit_test(test_every_prefix_incomplete),
	    cmocka_unit_test(test_pipelined),       cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_line_limit),      cmocka_unit_test(test_field_count_limit),
	    cmocka_unit_test(test_head_size_limit), cmocka_unit_test(test_field_rules),
	    cmocka_unit_test(test_range),           cmocka_unit_test(test_if_none_match),
	    cmocka_unit_test(test_accepts_coding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
