/* libFuzzer: the pack parser and indexer (store/pack.c), with a thin-base stub. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pack.h"

/* Every ref-delta base "exists" and is a small blob, to reach the thin path. */
static int base(void *ctx, const struct store_oid *oid, int *type, uint8_t **data, size_t *len)
{
	(void)ctx;
	if (oid->b[0] & 1)
		return -ENOENT;
	*type = STORE_OBJ_BLOB;
	*len = 64;
	*data = malloc(64);
	memset(*data, oid->b[1], 64);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_pack_index idx;
	uint8_t *pack = malloc(size + 20), *out;
	size_t len;

	/* Fix the trailer so inputs get past the checksum into the entries. */
	memcpy(pack, data, size);
	store_sha1(pack, size, pack + size);
	if (!store_pack_index(pack, size + 20, 1 << 20, base, NULL, &idx)) {
		if (!store_pack_idx_write(&idx, &out, &len))
			free(out);
		store_pack_index_free(&idx);
	}
	free(pack);
	return 0;
}
