/* Writing packfiles v2 and index v2 files (gitformat-pack(5)). */
#include "pack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int emit(struct store_packw *w, const void *data, size_t len)
{
	int r = w->sink(w->ctx, data, len);

	if (r)
		return r;
	store_sha1_update(&w->sha, data, len);
	w->off += len;
	return 0;
}

int store_packw_begin(struct store_packw *w, store_sink_fn sink, void *ctx, uint32_t count)
{
	uint8_t hdr[STORE_PACK_HDR] = {'P', 'A', 'C', 'K'};

	w->sink = sink;
	w->ctx = ctx;
	w->off = 0;
	w->left = count;
	store_sha1_init(&w->sha);
	put_be32(hdr + 4, 2);
	put_be32(hdr + 8, count);
	return emit(w, hdr, sizeof(hdr));
}

void store_packw_continue(struct store_packw *w, store_sink_fn sink, void *ctx, uint64_t off,
                          uint32_t count)
{
	w->sink = sink;
	w->ctx = ctx;
	w->off = off;
	w->left = count;
	store_sha1_init(&w->sha);
}

static size_t type_size_hdr(uint8_t *p, int type, uint64_t size)
{
	size_t n = 0;

	p[n] = (uint8_t)(type << 4 | (size & 15));
	size >>= 4;
	while (size) {
		p[n++] |= 0x80;
		p[n] = size & 0x7f;
		size >>= 7;
	}
	return n + 1;
}

static int entry(struct store_packw *w, const uint8_t *hdr, size_t hlen, const void *data,
                 size_t len, uint64_t *off)
{
	uint8_t *z;
	size_t zlen;
	uint64_t start = w->off;
	int r;

	if (w->left == 0)
		return -EINVAL;
	if ((r = store_zip_deflate(data, len, &z, &zlen)))
		return r;
	if (!(r = emit(w, hdr, hlen)))
		r = emit(w, z, zlen);
	free(z);
	if (!r && off)
		*off = start;
	if (!r)
		w->left--;
	return r;
}

int store_packw_object(struct store_packw *w, int type, const void *data, size_t len, uint64_t *off)
{
	uint8_t hdr[16];
	return entry(w, hdr, type_size_hdr(hdr, type, len), data, len, off);
}

/* An ofs-delta's header (at most 32 bytes): its length, or 0 if the base is not behind us. */
static size_t ofs_delta_hdr(const struct store_packw *w, uint8_t *hdr, uint64_t base_off,
                            uint64_t len)
{
	uint8_t ofs[12];
	uint64_t dist = w->off - base_off;
	size_t n = type_size_hdr(hdr, STORE_OBJ_OFS_DELTA, len), k = sizeof(ofs);

	if (base_off >= w->off)
		return 0;
	/* Big-endian base-128 where each continuation adds one (see pack.c). */
	ofs[--k] = dist & 0x7f;
	while (dist >>= 7)
		ofs[--k] = 0x80 | (--dist & 0x7f);
	memcpy(hdr + n, ofs + k, sizeof(ofs) - k);
	return n + sizeof(ofs) - k;
}

int store_packw_ofs_delta(struct store_packw *w, uint64_t base_off, const void *delta, size_t len,
                          uint64_t *off)
{
	uint8_t hdr[32];
	size_t n = ofs_delta_hdr(w, hdr, base_off, len);

	return n ? entry(w, hdr, n, delta, len, off) : -EINVAL;
}

int store_packw_raw_header(struct store_packw *w, int type, uint64_t size, uint64_t base_off,
                           uint64_t *off)
{
	uint8_t hdr[32];
	size_t n = type == STORE_OBJ_OFS_DELTA ? ofs_delta_hdr(w, hdr, base_off, size)
	                                       : type_size_hdr(hdr, type, size);
	int r;

	if (!n || w->left == 0)
		return -EINVAL;
	if (off)
		*off = w->off;
	if (!(r = emit(w, hdr, n)))
		w->left--;
	return r;
}

int store_packw_raw_begin(struct store_packw *w, uint64_t *off)
{
	if (w->left == 0)
		return -EINVAL;
	w->left--;
	if (off)
		*off = w->off;
	return 0;
}

int store_packw_raw(struct store_packw *w, const void *data, size_t len)
{
	return emit(w, data, len);
}

int store_packw_end(struct store_packw *w, uint8_t checksum[20])
{
	uint8_t sum[20];
	int r;

	if (w->left)
		return -EINVAL;
	store_sha1_final(&w->sha, sum);
	r = w->sink(w->ctx, sum, sizeof(sum));
	if (!r && checksum)
		memcpy(checksum, sum, sizeof(sum));
	w->off += sizeof(sum);
	return r;
}

void store_packw_abort(struct store_packw *w)
{
	w->left = 0;
}

/* ---- index v2 ---- */

static int cmp_obj(const void *a, const void *b)
{
	return store_oid_cmp(&((const struct store_pack_obj *)a)->oid,
	                     &((const struct store_pack_obj *)b)->oid);
}

int store_pack_idx_write(const struct store_pack_index *idx, uint8_t **out, size_t *len)
{
	uint32_t n = idx->n, nbig = 0;
	struct store_pack_obj *s = malloc(sizeof(*s) * (n + 1));
	size_t size = 8 + 256 * 4 + (size_t)n * 28 + (size_t)n * 8 + 40, off;
	uint8_t *b = calloc(1, size);

	if (!s || !b) {
		free(s);
		free(b);
		return -ENOMEM;
	}
	memcpy(s, idx->obj, sizeof(*s) * n);
	qsort(s, n, sizeof(*s), cmp_obj);
	memcpy(b, "\377tOc", 4);
	put_be32(b + 4, 2);
	{
		uint32_t cnt[256] = {0}, acc = 0;
		for (uint32_t i = 0; i < n; i++)
			cnt[s[i].oid.b[0]]++;
		for (int f = 0; f < 256; f++)
			put_be32(b + 8 + 4 * f, acc += cnt[f]);
	}
	off = 8 + 1024;
	for (uint32_t i = 0; i < n; i++, off += 20)
		memcpy(b + off, s[i].oid.b, 20);
	for (uint32_t i = 0; i < n; i++, off += 4)
		put_be32(b + off, s[i].crc);
	for (uint32_t i = 0; i < n; i++, off += 4)
		put_be32(b + off,
		         s[i].off < 0x80000000u ? (uint32_t)s[i].off : 0x80000000u | nbig++);
	for (uint32_t i = 0; i < n; i++)
		if (s[i].off >= 0x80000000u) {
			put_be32(b + off, (uint32_t)(s[i].off >> 32));
			put_be32(b + off + 4, (uint32_t)s[i].off);
			off += 8;
		}
	memcpy(b + off, idx->checksum, 20);
	off += 20;
	store_sha1(b, off, b + off);
	free(s);
	*out = b;
	*len = off + 20;
	return 0;
}
