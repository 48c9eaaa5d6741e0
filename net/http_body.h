/*
 * Request bodies (RFC 9112 sections 6 and 7.1): a Content-Length count or
 * chunked transfer coding, decoded as the bytes arrive, from untrusted
 * input. Chunk-size lines (with their extensions, which are ignored) and
 * trailer fields have limits; a chunk size past HTTP_BODY_CHUNK_MAX, a bare
 * LF where CRLF belongs or a non-hex size is a 400.
 */
#ifndef NET_HTTP_BODY_H
#define NET_HTTP_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_parse.h"

#define HTTP_BODY_LINE_MAX 1024    /* a chunk-size line, extensions included */
#define HTTP_BODY_TRAILER_MAX 4096 /* all trailer fields */
#define HTTP_BODY_CHUNK_MAX (1ull << 40)

enum http_body_state {
	BODY_SIZE,    /* hex digits of a chunk size */
	BODY_EXT,     /* the rest of the size line */
	BODY_SIZE_LF, /* the size line's LF */
	BODY_DATA,    /* chunk data, or the counted body */
	BODY_DATA_CR, /* the CRLF after a chunk's data */
	BODY_DATA_LF,
	BODY_TRAILER, /* a trailer line, or the final empty line */
	BODY_TRAILER_LF,
	BODY_DONE,
};

struct http_body {
	bool chunked;
	enum http_body_state state;
	uint64_t left;   /* bytes of the counted body or of this chunk */
	unsigned digits; /* of the chunk size read so far */
	bool space;      /* whitespace after them: only ';' may follow */
	size_t line;     /* bytes of the current size or trailer line */
	size_t trailers; /* bytes of trailer fields so far */
	uint64_t total;  /* body bytes decoded */
};

/* Ready for the body `req` announces (none: done at once). */
void http_body_init(struct http_body *b, const struct http_request *req);
static inline bool http_body_done(const struct http_body *b)
{
	return b->state == BODY_DONE;
}

/*
 * Decode what arrived in `in`: body bytes are moved to `out` (which may be
 * `in` itself: decoding never writes ahead of reading), *used gets the
 * input bytes consumed. Returns the body bytes written, or -1 if the
 * framing is malformed (answer 400 and close). Stops at the body's end:
 * bytes after it (the next pipelined request) are not consumed.
 */
long http_body_decode(struct http_body *b, const uint8_t *in, size_t len, uint8_t *out,
                      size_t *used);

#endif
