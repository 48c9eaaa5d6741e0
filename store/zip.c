/* zlib from the pinned Debian source, the same code on host and guest. */
#include "zip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHUNK 4096

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, (const uint8_t *)ctx + off, len);
	return 0;
}

int store_zip_inflate_buf(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
			  size_t *consumed)
{
	struct store_src src = { mem_read, (void *)in, in_len };
	return store_zip_inflate(&src, 0, out, out_len, consumed);
}

/* Feed the next chunk of compressed input; -EINVAL past the source's end. */
static int refill(z_stream *z, const struct store_src *src, uint64_t *pos, uint8_t *buf)
{
	size_t n = CHUNK;
	int r;

	if (*pos >= src->size)
		return -EINVAL;
	if (src->size - *pos < n)
		n = (size_t)(src->size - *pos);
	r = src->read(src->ctx, *pos, buf, n);
	if (r)
		return r;
	z->next_in = buf;
	z->avail_in = (uInt)n;
	*pos += n;
	return 0;
}

/*
 * Inflate until the stream ends. Once `out` is full a one-byte scratch
 * buffer takes its place, so a stream with more output than announced is
 * caught instead of silently cut.
 */
static int run_inflate(z_stream *z, const struct store_src *src, uint64_t *pos, uint8_t *buf)
{
	uint8_t scratch;
	int r, zr;

	for (;;) {
		if (z->next_out == &scratch + 1)
			return -EINVAL;
		if (z->avail_out == 0) {
			z->next_out = &scratch;
			z->avail_out = 1;
		}
		if (z->avail_in == 0 && (r = refill(z, src, pos, buf)))
			return r;
		zr = inflate(z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			return z->next_out == &scratch + 1 ? -EINVAL : 0;
		if (zr == Z_BUF_ERROR && z->avail_in == 0)
			continue;
		if (zr != Z_OK)
			return -EINVAL;
	}
}

int store_zip_inflate(const struct store_src *src, uint64_t off, uint8_t *out, size_t out_len,
		      size_t *consumed)
{
	z_stream z;
	uint8_t *buf = malloc(CHUNK);
	uint64_t pos = off;
	int r;

	if (!buf)
		return -ENOMEM;
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK) {
		r = -ENOMEM;
		goto free_buf;
	}
	z.next_out = out;
	z.avail_out = (uInt)out_len;
	if (out_len > UINT32_MAX) {
		r = -EINVAL;
		goto end_z;
	}
	r = run_inflate(&z, src, &pos, buf);
	if (!r && z.total_out != out_len)
		r = -EINVAL;
	if (!r)
		*consumed = (size_t)(pos - off - z.avail_in);
end_z:
	inflateEnd(&z);
free_buf:
	free(buf);
	return r;
}

int store_zip_deflate(const void *data, size_t len, uint8_t **out, size_t *out_len)
{
	uLongf n = compressBound((uLong)len);
	uint8_t *buf = malloc(n);

	if (!buf)
		return -ENOMEM;
	if (compress2(buf, &n, data, (uLong)len, Z_DEFAULT_COMPRESSION) != Z_OK) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*out_len = n;
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
