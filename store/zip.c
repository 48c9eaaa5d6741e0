/* zlib from the pinned Debian source, the same code on host and guest. */
#include "zip.h"

#include "object.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHUNK STORE_PAGE

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, (const uint8_t *)ctx + off, len);
	return 0;
}

int store_zip_inflate_buf(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                          size_t *consumed)
{
	struct store_src src = {mem_read, (void *)in, in_len};
	return store_zip_inflate(&src, 0, out, out_len, consumed);
}

struct store_zip_reader {
	z_stream z;
	struct store_src src;
	uint64_t start; /* the stream's offset in src */
	uint64_t pos;   /* the next input byte to read */
	uint64_t left;  /* output still expected */
	bool ended;     /* Z_STREAM_END seen */
	uint8_t in[CHUNK];
};

/* Point a reader at the stream at `off` (a reset stream: no input, no output yet). */
static void reader_aim(struct store_zip_reader *zr, const struct store_src *src, uint64_t off,
                       uint64_t out_len)
{
	zr->src = *src;
	zr->start = zr->pos = off;
	zr->left = out_len;
	zr->ended = false;
	zr->z.avail_in = 0;
}

int store_zip_reader_open(struct store_zip_reader **out, const struct store_src *src, uint64_t off,
                          uint64_t out_len)
{
	struct store_zip_reader *zr = malloc(sizeof(*zr));

	if (!zr)
		return -ENOMEM;
	memset(&zr->z, 0, sizeof(zr->z));
	if (inflateInit(&zr->z) != Z_OK) {
		free(zr);
		return -ENOMEM;
	}
	reader_aim(zr, src, off, out_len);
	*out = zr;
	return 0;
}

void store_zip_reader_close(struct store_zip_reader *zr)
{
	if (zr) {
		inflateEnd(&zr->z);
		free(zr);
	}
}

/*
 * Feed the next chunk of compressed input; -EINVAL past the source's end.
 * The first is sized by the output expected: a small object's stream is
 * read whole, not a chunk of what follows it.
 */
static int refill(struct store_zip_reader *zr)
{
	size_t n = CHUNK;
	int r;

	if (zr->pos == zr->start && zr->left < CHUNK - 64)
		n = (size_t)zr->left + 64;
	if (zr->pos >= zr->src.size)
		return -EINVAL;
	if (zr->src.size - zr->pos < n)
		n = (size_t)(zr->src.size - zr->pos);
	if ((r = zr->src.read(zr->src.ctx, zr->pos, zr->in, n)))
		return r;
	zr->z.next_in = zr->in;
	zr->z.avail_in = (uInt)n;
	zr->pos += n;
	return 0;
}

/* Inflate into `buf` (len > 0) until it is full or the stream ends. */
static int inflate_some(struct store_zip_reader *zr, uint8_t *buf, size_t len, size_t *got)
{
	int r, zs;

	zr->z.next_out = buf;
	zr->z.avail_out = (uInt)len;
	while (zr->z.avail_out && !zr->ended) {
		if (zr->z.avail_in == 0 && (r = refill(zr)))
			return r;
		zs = inflate(&zr->z, Z_NO_FLUSH);
		if (zs == Z_STREAM_END)
			zr->ended = true;
		else if (zs != Z_OK && !(zs == Z_BUF_ERROR && zr->z.avail_in == 0))
			return -EINVAL;
	}
	*got = len - zr->z.avail_out;
	return 0;
}

int store_zip_reader_read(struct store_zip_reader *zr, void *buf, size_t len, size_t *got)
{
	uint8_t scratch;
	size_t n;
	int r;

	if (len > zr->left)
		len = (size_t)zr->left;
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	if (len == 0) {
		/* All that was announced is out: the stream must end here, with nothing more. */
		if ((r = inflate_some(zr, &scratch, 1, &n)))
			return r;
		if (n || !zr->ended)
			return -EINVAL;
		*got = 0;
		return 0;
	}
	if ((r = inflate_some(zr, buf, len, &n)))
		return r;
	if (n == 0)
		return -EINVAL; /* the stream ended short of its announced size */
	zr->left -= n;
	*got = n;
	return 0;
}

uint64_t store_zip_reader_consumed(const struct store_zip_reader *zr)
{
	return zr->pos - zr->start - zr->z.avail_in;
}

/* ---- inflating what is pushed in, piece by piece ---- */

struct store_zip_push {
	z_stream z;
	uint64_t left; /* output still expected */
	uint8_t out[CHUNK];
};

int store_zip_push_open(struct store_zip_push **out, uint64_t out_len)
{
	struct store_zip_push *zp = calloc(1, sizeof(*zp));

	if (!zp)
		return -ENOMEM;
	if (inflateInit(&zp->z) != Z_OK) {
		free(zp);
		return -ENOMEM;
	}
	zp->left = out_len;
	*out = zp;
	return 0;
}

int store_zip_push_reset(struct store_zip_push *zp, uint64_t out_len)
{
	zp->left = out_len;
	return inflateReset(&zp->z) == Z_OK ? 0 : -EINVAL;
}

void store_zip_push_close(struct store_zip_push *zp)
{
	if (zp) {
		inflateEnd(&zp->z);
		free(zp);
	}
}

int store_zip_push_feed(struct store_zip_push *zp, const uint8_t *in, size_t len, size_t *used,
                        store_zip_out_fn fn, void *ctx)
{
	int zs, r;

	zp->z.next_in = (Bytef *)in;
	zp->z.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
	for (;;) {
		size_t room = zp->left < sizeof(zp->out) ? (size_t)zp->left : sizeof(zp->out);
		size_t give = room ? room : 1, n;

		/* With all output out, one byte of room catches a stream that runs long. */
		zp->z.next_out = zp->out;
		zp->z.avail_out = (uInt)give;
		zs = inflate(&zp->z, Z_NO_FLUSH);
		n = give - zp->z.avail_out;
		*used = len - zp->z.avail_in;
		if (n > zp->left)
			return -EINVAL;
		zp->left -= n;
		if (n && fn && (r = fn(ctx, zp->out, n)))
			return r;
		if (zs == Z_STREAM_END)
			return zp->left ? -EINVAL : 1;
		if (zs == Z_BUF_ERROR || (zs == Z_OK && zp->z.avail_in == 0 && zp->z.avail_out))
			return 0; /* it wants more input */
		if (zs != Z_OK)
			return -EINVAL;
	}
}

/*
 * One reader for every whole inflate, kept and reset (as the deflater
 * below): a pack's plan and writing inflate several objects for each they
 * hold, and an inflate state and window of its own per call were a third
 * of the CPU of `storectl pack` (callgrind). Memory: about 44 KiB (the
 * input chunk, the state, the 32 KiB window), from the first use on.
 */
static struct store_zip_reader *inflater;

int store_zip_inflate(const struct store_src *src, uint64_t off, uint8_t *out, size_t out_len,
                      size_t *consumed)
{
	size_t done = 0, got = 1;
	int r = 0;

	if (inflater && inflateReset(&inflater->z) == Z_OK)
		reader_aim(inflater, src, off, out_len);
	else if (inflater)
		r = -EINVAL;
	else
		r = store_zip_reader_open(&inflater, src, off, out_len);
	while (!r && got) {
		r = store_zip_reader_read(inflater, out + done, out_len - done, &got);
		done += got;
	}
	if (!r)
		*consumed = (size_t)store_zip_reader_consumed(inflater);
	return r;
}

/*
 * One deflate state for every call, kept: the store runs on one thread and
 * each call compresses a whole object, so no two calls share it at once,
 * and a state of its own per call (what compress2 does) was a
 * quarter megabyte allocated and cleared for every object of a pack.
 * Level 1: the Cortex-A7 has the time of a socket, not of level 6's
 * search; the bench repository's pack grew from 16.0 to 16.5 MiB with it
 * (`storectl pack`, before packs reused stored entries as they lie).
 * Memory: 256 KiB and the stream's state by zlib's formula for window
 * bits 15 and memory level 8, from the first use on.
 */
static z_stream *deflater;

int store_zip_deflate(const void *data, size_t len, uint8_t **out, size_t *out_len)
{
	uLong n;
	uint8_t *buf;
	int zs;

	if (!deflater) {
		if (!(deflater = calloc(1, sizeof(*deflater))))
			return -ENOMEM;
		if (deflateInit2(deflater, Z_BEST_SPEED, Z_DEFLATED, MAX_WBITS, 8,
		                 Z_DEFAULT_STRATEGY) != Z_OK) {
			free(deflater);
			deflater = NULL;
			return -ENOMEM;
		}
	} else if (deflateReset(deflater) != Z_OK) {
		return -EINVAL;
	}
	n = deflateBound(deflater, (uLong)len);
	if (!(buf = malloc(n)))
		return -ENOMEM;
	deflater->next_in = (Bytef *)(uintptr_t)data;
	deflater->avail_in = (uInt)len;
	deflater->next_out = buf;
	deflater->avail_out = (uInt)n;
	zs = deflate(deflater, Z_FINISH);
	if (zs != Z_STREAM_END) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*out_len = n - deflater->avail_out;
	return 0;
}

uint32_t store_crc32(uint32_t crc, const void *data, size_t len)
{
	while (len) {
		uInt n = len > 1u << 30 ? 1u << 30 : (uInt)len;
		crc = (uint32_t)crc32(crc, data, n);
		data = (const uint8_t *)data + n;
		len -= n;
	}
	return crc;
}
