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

#include <stdbool.h>
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

/* Whether a space-separated capability list holds `word` (alone, or as "word=value"). */
bool git_caps_has(const char *list, size_t len, const char *word);

/* A data line's length without its one trailing LF, if it has one. */
size_t git_pkt_chomp(const struct git_pkt *pkt);

/*
 * Lines from a body that arrives in pieces (a request's commands, wants
 * and haves): each is gathered here, so a line may be split anywhere.
 * Lines longer than GIT_PKT_LINE_MAX are refused: none of those the
 * server reads needs more, and it bounds a connection's memory.
 */
#define GIT_PKT_LINE_MAX 1024
struct git_pkt_reader {
	uint8_t buf[GIT_PKT_LINE_MAX];
	size_t len;  /* bytes gathered */
	size_t need; /* the line's length, once its four digits are in */
};
/*
 * Take bytes from *data (advanced, *len reduced) until a line is whole: 1
 * with *pkt set (valid until the next call), 0 when the input is used up
 * first, -EBADMSG for a malformed length, -EMSGSIZE for a line too long.
 */
int git_pkt_read(struct git_pkt_reader *r, const uint8_t **data, size_t *len, struct git_pkt *pkt);

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

/*
 * An answer made of lines in memory, read out as the socket takes it
 * (acknowledgments, shallow lists, reports): the first error (-ENOMEM,
 * -EMSGSIZE) sticks and later appends do nothing.
 */
struct git_pkt_buf {
	uint8_t *p;
	size_t len, cap, pos; /* pos: bytes read out */
	int err;
};
void git_pkt_buf_text(struct git_pkt_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void git_pkt_buf_special(struct git_pkt_buf *b, enum git_pkt_kind kind);
/* A line on side-band `band` (1 data, 2 progress, 3 error) holding a text line. */
void git_pkt_buf_band_text(struct git_pkt_buf *b, uint8_t band, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Copy out up to `len` unread bytes: how many. */
size_t git_pkt_buf_read(struct git_pkt_buf *b, uint8_t *out, size_t len);
void git_pkt_buf_free(struct git_pkt_buf *b);

#endif
