/* zlib streams as Git stores them (RFC 1950), over buffers or a reader. */
#ifndef STORE_ZIP_H
#define STORE_ZIP_H

#include <stddef.h>
#include <stdint.h>

/* Random-access bytes: a buffer, or the block device through a cache. */
struct store_src {
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	void *ctx;
	uint64_t size; /* reads stop here */
};

/*
 * Inflate the stream at `off` into exactly `out_len` bytes. The stream
 * must end there: more or less output is -EINVAL. On success *consumed is
 * the stream's compressed length.
 */
int store_zip_inflate(const struct store_src *src, uint64_t off, uint8_t *out, size_t out_len,
                      size_t *consumed);

/*
 * The same, read in pieces (about 44 KiB of zlib state and input buffer,
 * whatever the size): store_zip_reader_read gives up to `len` bytes, and
 * *got = 0 once all `out_len` bytes are out and the stream is checked to
 * end there. A stream that is corrupt, ends early or runs long is -EINVAL.
 */
struct store_zip_reader;
int store_zip_reader_open(struct store_zip_reader **zr, const struct store_src *src, uint64_t off,
                          uint64_t out_len);
int store_zip_reader_read(struct store_zip_reader *zr, void *buf, size_t len, size_t *got);
/* Compressed bytes the stream took (once read to its end). */
uint64_t store_zip_reader_consumed(const struct store_zip_reader *zr);
void store_zip_reader_close(struct store_zip_reader *zr); /* NULL is fine */

/*
 * The same, fed: input arrives in pieces (a push from the network) and
 * output goes to `fn` (may be NULL) as it is made. store_zip_push_feed
 * takes what it can of `len` bytes (*used) and returns 1 once the stream
 * ended with exactly `out_len` bytes out (the rest of the piece is not
 * its), 0 when it wants more input, or an error (-EINVAL for a corrupt,
 * short or long stream; fn's own error). About 44 KiB of state.
 */
typedef int (*store_zip_out_fn)(void *ctx, const uint8_t *data, size_t len);
struct store_zip_push;
int store_zip_push_open(struct store_zip_push **zp, uint64_t out_len);
int store_zip_push_reset(struct store_zip_push *zp, uint64_t out_len);
int store_zip_push_feed(struct store_zip_push *zp, const uint8_t *in, size_t len, size_t *used,
                        store_zip_out_fn fn, void *ctx);
void store_zip_push_close(struct store_zip_push *zp); /* NULL is fine */

/* The same over a buffer. */
int store_zip_inflate_buf(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                          size_t *consumed);
/* Deflate `len` bytes into a malloc'd buffer. */
int store_zip_deflate(const void *data, size_t len, uint8_t **out, size_t *out_len);

uint32_t store_crc32(uint32_t crc, const void *data, size_t len);

#endif
