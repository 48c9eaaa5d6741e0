/*
 * Private to the pack indexer: pass 1 (packscan.c, the entries as the
 * bytes arrive) and passes 2-3 (pack.c, the deltas resolved from the
 * pack's bytes at rest) share these.
 */
#ifndef STORE_PACK_INT_H
#define STORE_PACK_INT_H

#include <stdbool.h>

#include "pack.h"

/* One entry of the pack being indexed: about 96 bytes. */
struct ent {
	struct store_pack_entry_hdr h;
	uint64_t off;
	struct store_oid oid;
	uint32_t crc;
	uint8_t type;
	bool done;
};

struct ix {
	struct store_src src; /* the pack without its trailer (passes 2-3) */
	struct ent *e;
	uint32_t n;
	uint32_t *ofs_kids; /* ofs-deltas by base offset */
	uint32_t nofs;
	uint32_t *ref_kids; /* ref-deltas by base id */
	uint32_t nref;
	size_t max_obj;
	uint32_t resolved;
};

/* A whole object is known: name it and check its encoding (pack.c). */
int store_pack_found(struct ix *x, struct ent *e, int type, const uint8_t *data, size_t len);
/*
 * Parse an entry header from `n` bytes at pack offset `off` (an ofs-delta's
 * base no lower than `min_off`): 0, 1 if more bytes are needed, -EINVAL.
 */
int store_pack_hdr_try(const uint8_t *p, size_t n, uint64_t off, uint64_t min_off,
                       struct store_pack_entry_hdr *h);
/* The scan's entries, for passes 2-3. */
struct ix *store_pack_scan_ix(struct store_pack_scan *s);

#endif
