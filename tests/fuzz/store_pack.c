/* libFuzzer: the pack parser and indexer (store/pack.c), with a thin-base stub. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pack.h"

/*
 * Every ref-delta base "exists" and is a small blob, to reach the thin
 * path, some of them as deep as a chain may go (and past it).
 */
static int base(void *ctx, const struct store_oid *oid, int *type, uint8_t **data, size_t *len,
                int *depth)
{
	(void)ctx;
	if (oid->b[0] & 1)
		return -ENOENT;
	*depth = oid->b[2] * 4;
	*type = STORE_OBJ_BLOB;
	*len = 64;
	*data = malloc(64);
	memset(*data, oid->b[1], 64);
	return 0;
}

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, (const uint8_t *)ctx + off, len);
	return 0;
}

/*
 * The same bytes fed to the streaming scan in pieces of 1 to 13 bytes (as
 * a push arrives): it must come to the same verdict and the same objects.
 */
static int streamed(const uint8_t *pack, size_t size, const struct store_pack_index *whole, int r)
{
	struct store_src src = {mem_read, (void *)pack, size};
	struct store_pack_index idx;
	struct store_pack_scan *s;
	int rs = store_pack_scan_begin(&s, 1 << 20, UINT32_MAX);

	for (size_t off = 0, n; !rs && off < size; off += n) {
		n = (size_t)(pack[off] % 13) + 1;
		rs = store_pack_scan_feed(s, pack + off, n < size - off ? n : size - off);
	}
	if (!rs && !(rs = store_pack_scan_done(s, 0)))
		rs = store_pack_scan_finish(s, &src, base, NULL, &idx);
	store_pack_scan_free(s);
	if ((rs == 0) != (r == 0))
		abort();
	if (!rs) {
		if (idx.n != whole->n)
			abort();
		for (uint32_t i = 0; i < idx.n; i++)
			if (store_oid_cmp(&idx.obj[i].oid, &whole->obj[i].oid) ||
			    idx.obj[i].off != whole->obj[i].off ||
			    idx.obj[i].crc != whole->obj[i].crc ||
			    idx.obj[i].type != whole->obj[i].type)
				abort();
		store_pack_index_free(&idx);
	}
	return rs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_pack_index idx;
	uint8_t *pack = malloc(size + 20), *out;
	size_t len;
	uint32_t count;
	int r;

	/* Fix the trailer so inputs get past the checksum into the entries. */
	memcpy(pack, data, size);
	store_sha1(pack, size, pack + size);
	r = store_pack_index(pack, size + 20, 1 << 20, base, NULL, &idx);
	/* Past the frame checks, the scan fed in pieces must agree. */
	if (size >= STORE_PACK_HDR && (r == 0 || !store_pack_header(pack, size + 20, &count)))
		streamed(pack, size, &idx, r);
	if (!r) {
		if (!store_pack_idx_write(&idx, &out, &len))
			free(out);
		store_pack_index_free(&idx);
	}
	free(pack);
	return 0;
}
