/*
 * HTTP/1.1 request heads (RFC 9112) and the header values the server acts
 * on (RFC 9110: Range, If-None-Match), parsed from untrusted bytes.
 *
 * Like picohttpparser: the caller owns the buffer and hands over what has
 * arrived so far; nothing is copied or allocated; the parsed fields point
 * into the buffer. A parse either completes, asks for more bytes, or fails
 * with the status code to answer, so the event loop never waits on it and
 * a fuzz target can call it directly.
 */
#ifndef NET_HTTP_PARSE_H
#define NET_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Limits, each with the status a request over it gets. */
#define HTTP_MAX_LINE 8192 /* the request line before its CRLF: 414 URI Too Long */
#define HTTP_MAX_HEAD                                                                              \
	16384 /* the whole head, CRLFs included: 431 Request Header Fields Too Large */
#define HTTP_MAX_HEADERS 64 /* header fields: 431 */

#define HTTP_INCOMPLETE (-2) /* more bytes needed */
#define HTTP_BAD (-1)        /* malformed or over a limit: answer *status, close */

struct http_field {
	const char *name;
	size_t name_len;
	const char *value; /* without the optional whitespace around it */
	size_t value_len;
};

struct http_request {
	const char *method;
	size_t method_len;
	const char *target;
	size_t target_len;
	int minor; /* HTTP/1.minor */
	struct http_field field[HTTP_MAX_HEADERS];
	size_t nfields;
	/* Set by http_request_check. */
	uint64_t content_length;
	int chunked; /* Transfer-Encoding: chunked */
};

/*
 * Parse the head of a request from the `len` bytes received. Returns the
 * bytes of the head (the body, if any, follows), HTTP_INCOMPLETE, or
 * HTTP_BAD with *status set (400, 414, 431, 505). Empty lines before the
 * request line are skipped (RFC 9112 section 2.2).
 */
int http_parse_request(const char *buf, size_t len, struct http_request *req, int *status);

/*
 * The rules between fields (RFC 9112 sections 3.2 and 6): HTTP/1.1 needs
 * exactly one Host; Content-Length is digits and, if repeated, the same;
 * Transfer-Encoding is only "chunked", never beside a Content-Length (a
 * request smuggled past a proxy). 0, or -1 with *status (400, 501).
 */
int http_request_check(struct http_request *req, int *status);

/* The value of field `name` (any case), or NULL; its length in *len. */
const char *http_field_get(const struct http_request *req, const char *name, size_t *len);

/* A Range header against a representation of `size` bytes (RFC 9110 14.2). */
enum http_range {
	HTTP_RANGE_NONE,          /* absent, not bytes, or several ranges: answer 200 whole */
	HTTP_RANGE_OK,            /* 206 with bytes first..last */
	HTTP_RANGE_UNSATISFIABLE, /* 416 */
};
enum http_range http_parse_range(const char *value, size_t len, uint64_t size, uint64_t *first,
                                 uint64_t *last);

/*
 * If-None-Match (RFC 9110 13.1.2) against our entity-tag `etag` (with its
 * quotes), compared weakly: 1 if it matches (answer 304), 0 if not, -1 if
 * the value is malformed (ignore it).
 */
int http_if_none_match(const char *value, size_t len, const char *etag, size_t etag_len);

/*
 * Whether an Accept-Encoding value (RFC 9110 12.5.3) takes `coding` (or
 * its "x-" alias, as x-gzip for gzip): listed with a weight above 0, or
 * not listed and "*" is, above 0. 1 or 0; a malformed element is passed
 * over. "gzip;q=0" is a refusal, even beside "*".
 */
int http_accepts_coding(const char *value, size_t len, const char *coding);

#endif
