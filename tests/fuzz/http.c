/*
 * libFuzzer: the HTTP request parser and the header values the server acts
 * on (net/http_parse.c). The input is a request head; every prefix of it
 * must parse to the same verdict or ask for more, as bytes arrive in
 * pieces. Range, If-None-Match and Accept-Encoding values found in it, and
 * the raw input as such a value, go to their parsers too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

static void values(const struct http_request *req, const char *raw, size_t len)
{
	static const char etag[] = "\"ce013625030ba8dba906f756967f9e9ca394464a\"";
	uint64_t a, b;
	const char *v;
	size_t n;

	if ((v = http_field_get(req, "range", &n)) &&
	    http_parse_range(v, n, 1000, &a, &b) == HTTP_RANGE_OK && (a > b || b >= 1000))
		abort();
	if ((v = http_field_get(req, "if-none-match", &n)))
		http_if_none_match(v, n, etag, sizeof(etag) - 1);
	if ((v = http_field_get(req, "accept-encoding", &n)) &&
	    (unsigned)http_accepts_coding(v, n, "gzip") > 1)
		abort();
	if (http_parse_range(raw, len, len, &a, &b) == HTTP_RANGE_OK && (a > b || b >= len))
		abort();
	http_if_none_match(raw, len, etag, sizeof(etag) - 1);
	if ((unsigned)http_accepts_coding(raw, len, "gzip") > 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req, part;
	char *buf = malloc(size ? size : 1);
	int status, r, rp, sp;

	/* A copy of its own size, so any read past the end is caught. */
	memcpy(buf, data, size);
	r = http_parse_request(buf, size, &req, &status);
	if (r > 0) {
		if ((size_t)r > size || r > HTTP_MAX_HEAD)
			abort();
		http_request_check(&req, &status);
		values(&req, buf, size);
		/* A prefix short of the head must not complete, nor disagree by failing late. */
		rp = http_parse_request(buf, (size_t)r - 1, &part, &sp);
		if (rp > 0)
			abort();
	} else if (r == HTTP_BAD && (status < 400 || status > 505)) {
		abort();
	}
	free(buf);
	return 0;
}
