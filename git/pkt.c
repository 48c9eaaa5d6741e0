/* pkt-lines (pkt.h). */
#include "pkt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat/hex.h"

/* The four-digit length at `p`, or -1. */
static long pkt_len(const uint8_t *p)
{
	long n = 0;

	for (int i = 0; i < 4; i++) {
		int d = plat_hex_digit((char)p[i]);
		if (d < 0)
			return -1;
		n = n * 16 + d;
	}
	return n;
}

int git_pkt_parse(const uint8_t *buf, size_t len, struct git_pkt *pkt)
{
	long n;

	if (len < 4)
		return 0;
	if ((n = pkt_len(buf)) < 0 || n == 3 || n > GIT_PKT_MAX)
		return -EBADMSG;
	pkt->data = NULL;
	pkt->len = 0;
	if (n < 3) {
		pkt->kind = n == 0 ? GIT_PKT_FLUSH : n == 1 ? GIT_PKT_DELIM : GIT_PKT_END;
		return 4;
	}
	if (len < (size_t)n)
		return 0;
	pkt->kind = GIT_PKT_DATA;
	pkt->data = buf + 4;
	pkt->len = (size_t)n - 4;
	return (int)n;
}

int git_pkt_read(struct git_pkt_reader *r, const uint8_t **data, size_t *len, struct git_pkt *pkt)
{
	while (*len) {
		size_t want = r->len < 4 ? 4 : r->need;
		size_t n = want - r->len < *len ? want - r->len : *len;
		long declared;

		memcpy(r->buf + r->len, *data, n);
		r->len += n;
		*data += n;
		*len -= n;
		if (r->len == 4 && !r->need) {
			if ((declared = pkt_len(r->buf)) < 0 || declared == 3 ||
			    declared > GIT_PKT_MAX)
				return -EBADMSG;
			if ((size_t)declared > sizeof(r->buf))
				return -EMSGSIZE;
			r->need = declared < 4 ? 4 : (size_t)declared;
		}
		if (r->need && r->len == r->need) {
			int k = git_pkt_parse(r->buf, r->len, pkt);
			r->len = r->need = 0;
			return k < 0 ? k : 1;
		}
	}
	return 0;
}

bool git_caps_has(const char *list, size_t len, const char *word)
{
	size_t w = strlen(word);

	for (size_t i = 0; i + w <= len; i++)
		if ((i == 0 || list[i - 1] == ' ') && !memcmp(list + i, word, w) &&
		    (i + w == len || list[i + w] == ' ' || list[i + w] == '='))
			return true;
	return false;
}

size_t git_pkt_chomp(const struct git_pkt *pkt)
{
	return pkt->len && pkt->data[pkt->len - 1] == '\n' ? pkt->len - 1 : pkt->len;
}

/* The header of a line of `n` bytes in all. */
static void put_len(uint8_t *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 3; i >= 0; i--, n >>= 4)
		out[i] = (uint8_t)digits[n & 15];
}

int git_pkt_data(uint8_t *out, size_t cap, const void *data, size_t len)
{
	if (len > GIT_PKT_DATA_MAX)
		return -EMSGSIZE;
	if (cap < len + 4)
		return -ENOSPC;
	put_len(out, len + 4);
	memmove(out + 4, data, len);
	return (int)(len + 4);
}

int git_pkt_band(uint8_t *out, size_t cap, uint8_t band, const void *data, size_t len)
{
	if (len > GIT_PKT_BAND_MAX)
		return -EMSGSIZE;
	if (cap < len + 5)
		return -ENOSPC;
	put_len(out, len + 5);
	out[4] = band;
	memmove(out + 5, data, len);
	return (int)(len + 5);
}

int git_pkt_text(uint8_t *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (cap < 5)
		return -ENOSPC;
	va_start(ap, fmt);
	/* vsnprintf writes a NUL after the text: room for it is asked, never sent. */
	n = vsnprintf((char *)out + 4, cap - 4, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n > GIT_PKT_DATA_MAX)
		return -EMSGSIZE;
	if ((size_t)n + 4 >= cap)
		return -ENOSPC;
	put_len(out, (size_t)n + 4);
	return n + 4;
}

int git_pkt_special(uint8_t *out, size_t cap, enum git_pkt_kind kind)
{
	if (kind == GIT_PKT_DATA)
		return -EINVAL;
	if (cap < 4)
		return -ENOSPC;
	put_len(out, kind == GIT_PKT_FLUSH ? 0 : kind == GIT_PKT_DELIM ? 1 : 2);
	return 4;
}

/* Room for `n` more bytes, or NULL (the error kept). */
static uint8_t *buf_room(struct git_pkt_buf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *p;
		while (cap < b->len + n)
			cap *= 2;
		if (!(p = realloc(b->p, cap))) {
			b->err = -ENOMEM;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	return b->p + b->len;
}

/* Append a line of `len` bytes of data, on `band` if not 0. */
static void buf_line(struct git_pkt_buf *b, uint8_t band, const char *data, size_t len)
{
	uint8_t *p = buf_room(b, len + 5);
	int n;

	if (!p)
		return;
	n = band ? git_pkt_band(p, len + 5, band, data, len) : git_pkt_data(p, len + 5, data, len);
	if (n < 0)
		b->err = n;
	else
		b->len += (size_t)n;
}

/* Append a formatted line, on `band` if not 0. */
static void buf_vtext(struct git_pkt_buf *b, uint8_t band, const char *fmt, va_list ap)
{
	char line[GIT_PKT_LINE_MAX];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n < 0 || (size_t)n >= sizeof(line))
		b->err = b->err ? b->err : -EMSGSIZE;
	else
		buf_line(b, band, line, (size_t)n);
}

void git_pkt_buf_text(struct git_pkt_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vtext(b, 0, fmt, ap);
	va_end(ap);
}

void git_pkt_buf_band_text(struct git_pkt_buf *b, uint8_t band, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vtext(b, band, fmt, ap);
	va_end(ap);
}

void git_pkt_buf_special(struct git_pkt_buf *b, enum git_pkt_kind kind)
{
	uint8_t *p = buf_room(b, 4);

	if (p)
		b->len += (size_t)git_pkt_special(p, 4, kind);
}

size_t git_pkt_buf_read(struct git_pkt_buf *b, uint8_t *out, size_t len)
{
	size_t n = b->len - b->pos < len ? b->len - b->pos : len;

	if (n)
		memcpy(out, b->p + b->pos, n);
	b->pos += n;
	return n;
}

void git_pkt_buf_free(struct git_pkt_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
