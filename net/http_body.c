/* Request bodies: counted or chunked (http_body.h). */
#include "http_body.h"

#include <string.h>

#include "plat/hex.h"

void http_body_init(struct http_body *b, const struct http_request *req)
{
	memset(b, 0, sizeof(*b));
	b->chunked = req->chunked;
	if (b->chunked) {
		b->state = BODY_SIZE;
	} else {
		b->left = req->content_length;
		b->state = b->left ? BODY_DATA : BODY_DONE;
	}
}

/*
 * One byte of a chunk-size line: hex digits, optional whitespace, then
 * extensions after ';' (skipped), then CR. 0, or -1 if it is malformed.
 */
static int size_byte(struct http_body *b, uint8_t c)
{
	int d = plat_hex_digit((char)c);

	if (++b->line > HTTP_BODY_LINE_MAX || c == '\n')
		return -1; /* too long, or a bare LF */
	if (c == '\r') {
		b->state = BODY_SIZE_LF;
		return b->digits ? 0 : -1;
	}
	if (b->state == BODY_EXT)
		return 0;
	if (d >= 0 && !b->space) {
		b->left = b->left * 16 + (uint64_t)d;
		return ++b->digits > 16 || b->left > HTTP_BODY_CHUNK_MAX ? -1 : 0;
	}
	if (!b->digits)
		return -1; /* a size has at least one digit */
	if (c == ' ' || c == '\t') {
		b->space = true;
		return 0;
	}
	if (c != ';')
		return -1;
	b->state = BODY_EXT;
	return 0;
}

/* The LF ending a size line: to the data, or to the trailers after the last chunk. */
static int size_end(struct http_body *b, uint8_t c)
{
	if (c != '\n')
		return -1;
	b->line = 0;
	b->digits = 0;
	b->space = false;
	b->state = b->left ? BODY_DATA : BODY_TRAILER;
	return 0;
}

/* One byte of the trailer section: fields are counted and dropped. */
static int trailer_byte(struct http_body *b, uint8_t c)
{
	if (b->state == BODY_TRAILER_LF) {
		if (c != '\n')
			return -1;
		b->state = b->line ? BODY_TRAILER : BODY_DONE;
		b->line = 0;
		return 0;
	}
	if (c == '\r') {
		b->state = BODY_TRAILER_LF;
		return 0;
	}
	if (c == '\n' || ++b->trailers > HTTP_BODY_TRAILER_MAX)
		return -1;
	b->line++;
	return 0;
}

/* The CRLF after a chunk's data. */
static int data_end(struct http_body *b, uint8_t c)
{
	if (b->state == BODY_DATA_CR) {
		if (c != '\r')
			return -1;
		b->state = BODY_DATA_LF;
		return 0;
	}
	if (c != '\n')
		return -1;
	b->state = BODY_SIZE;
	return 0;
}

long http_body_decode(struct http_body *b, const uint8_t *in, size_t len, uint8_t *out,
                      size_t *used)
{
	size_t i = 0, o = 0;
	int rc = 0;

	while (i < len && b->state != BODY_DONE && rc == 0) {
		if (b->state == BODY_DATA) {
			size_t n = len - i < b->left ? len - i : (size_t)b->left;
			memmove(out + o, in + i, n);
			i += n, o += n;
			b->left -= n;
			b->total += n;
			if (b->left == 0)
				b->state = b->chunked ? BODY_DATA_CR : BODY_DONE;
			continue;
		}
		uint8_t c = in[i++];
		if (b->state == BODY_SIZE || b->state == BODY_EXT)
			rc = size_byte(b, c);
		else if (b->state == BODY_SIZE_LF)
			rc = size_end(b, c);
		else if (b->state == BODY_DATA_CR || b->state == BODY_DATA_LF)
			rc = data_end(b, c);
		else
			rc = trailer_byte(b, c);
	}
	*used = i;
	return rc ? -1 : (long)o;
}
