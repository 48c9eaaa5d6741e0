/* pkt-lines (pkt.h). */
#include "pkt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
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
