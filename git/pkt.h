/*
 * pkt-lines, the framing of Git's wire protocol (gitprotocol-common,
 * "pkt-line Format"): four hexadecimal digits giving the line's length,
 * those four included, then the data. Lengths 0000 (flush), 0001
 * (delimiter, protocol v2) and 0002 (response end, v2) carry no data;
 * 0003 is invalid, and nothing is longer than 65520. The parser is strict
 * about all of it: the bytes come from the network.
 *
 * Like the HTTP parser, it works on what has arrived so far and copies
 * nothing: a parsed line points into the caller's buffer.
 */
#ifndef GIT_PKT_H
#define GIT_PKT_H

#include <stddef.h>
#include <stdint.h>

#define GIT_PKT_MAX 65520                  /* the largest pkt-len */
#define GIT_PKT_DATA_MAX (GIT_PKT_MAX - 4) /* the most data one line carries */
/* side-band-64k: a band byte, then at most this much in one line. */
#define GIT_PKT_BAND_MAX (GIT_PKT_DATA_MAX - 1)

enum git_pkt_kind {
	GIT_PKT_DATA,
	GIT_PKT_FLUSH, /* 0000 */
	GIT_PKT_DELIM, /* 0001 */
	GIT_PKT_END,   /* 0002 */
};

struct git_pkt {
	enum git_pkt_kind kind;
	const uint8_t *data; /* into the caller's buffer; NULL but for data */
	size_t len;
};

/*
 * One pkt-line from the start of `buf`: the bytes it took (> 0), 0 if the
 * line is not all there yet, or -EBADMSG for a malformed length.
 */
int git_pkt_parse(const uint8_t *buf, size_t len, struct git_pkt *pkt);

/* A data line's length without its one trailing LF, if it has one. */
size_t git_pkt_chomp(const struct git_pkt *pkt);

/*
 * Writers: the bytes written to `out`, or -ENOSPC if `cap` is too small,
 * -EMSGSIZE if the data is over what one line carries. On failure `out`
 * holds no line (git_pkt_text may have formatted into it all the same).
 */
int git_pkt_data(uint8_t *out, size_t cap, const void *data, size_t len);
int git_pkt_text(uint8_t *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int git_pkt_band(uint8_t *out, size_t cap, uint8_t band, const void *data, size_t len);
int git_pkt_special(uint8_t *out, size_t cap, enum git_pkt_kind kind); /* flush, delim, end */

#endif
