/*
 * Packfiles v2 and their index v2 (gitformat-pack(5)): parsing entry
 * headers, indexing a whole pack (resolving ofs- and ref-deltas, thin packs
 * completed from a base callback), writing a pack and writing an .idx.
 */
#ifndef STORE_PACK_H
#define STORE_PACK_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of delta bases and results held at once while resolving (store.h). */
#define STORE_DELTA_HELD_MAX (24u << 20)

#include "object.h"
#include "sha1.h"
#include "zip.h"

#define STORE_PACK_HDR 12
/* Longest delta chain accepted; git pack-objects' own ceiling is 4095. */
#define STORE_MAX_DELTA_DEPTH 1000
/*
 * Longest chain the store makes (git pack-objects' default --depth): the
 * packs it writes stop there, and a thin push's base that deep is copied
 * whole into the push's record (store.c), so chains do not grow push
 * after push.
 */
#define STORE_CHAIN_DEPTH 50

struct store_pack_entry_hdr {
	int type;                 /* raw pack type, deltas included */
	uint64_t size;            /* inflated size (of the delta for deltas) */
	uint64_t base_off;        /* absolute base offset, ofs-delta */
	struct store_oid base_id; /* ref-delta */
	size_t hdr_len;           /* bytes before the zlib stream */
};

/*
 * Parse the entry header at `off` of a pack in `src` (absolute offsets:
 * `off` may be anywhere in a larger device). -EINVAL if malformed or if an
 * ofs-delta base would lie before `min_off`.
 */
int store_pack_entry_parse(const struct store_src *src, uint64_t off, uint64_t min_off,
                           struct store_pack_entry_hdr *h);

/* One object of an indexed pack. */
struct store_pack_obj {
	struct store_oid oid;
	uint64_t off; /* offset in the pack */
	uint32_t crc; /* CRC-32 of the raw entry bytes, for the .idx */
	uint8_t type; /* resolved type: commit, tree, blob or tag */
};

/*
 * Where thin-pack bases come from: 0 and a malloc'd copy, or -ENOENT.
 * *depth gets the deltas between the base and the whole object its
 * copy is rebuilt from, which its deltas in the pack add to.
 */
typedef int (*store_base_fn)(void *ctx, const struct store_oid *oid, int *type, uint8_t **data,
                             size_t *len, int *depth);

struct store_pack_index {
	struct store_pack_obj *obj; /* in pack order */
	uint32_t n;
	uint8_t checksum[20]; /* the pack's trailer */
	uint32_t thin_bases;  /* ref-delta bases taken from get_base */
};

/*
 * Index the pack in `pack` (len bytes): check the header, the SHA-1
 * trailer, every entry, resolve every delta (bases outside the pack via
 * `get_base`, may be NULL), and check every object's encoding. Objects
 * larger than `max_obj`, and a pack holding an object twice, are refused.
 * On success `idx` owns a malloc'd array (store_pack_index_free).
 */
int store_pack_index(const uint8_t *pack, size_t len, size_t max_obj, store_base_fn get_base,
                     void *ctx, struct store_pack_index *idx);
/*
 * The same over a pack in `src` (its bytes without the 20-byte trailer,
 * which the caller has checked, e.g. while the pack streamed in); the
 * caller fills idx->checksum. Blobs are hashed as they are inflated,
 * never whole in memory; other objects and delta bases are.
 */
int store_pack_index_src(const struct store_src *src, size_t max_obj, store_base_fn get_base,
                         void *ctx, struct store_pack_index *idx);
/*
 * Pass 1 of indexing fed as the bytes arrive (a push): every entry's
 * header, its stream inflated on the way (whole objects hashed, so blobs
 * are never whole in memory; commits, trees and tags checked), its CRC.
 * Feed the pack in order, in pieces of any size; store_pack_scan_done
 * checks that every entry came and exactly `trailer` bytes after them (20
 * when the trailer was fed, 0 if not); store_pack_scan_finish resolves the
 * deltas from the pack's bytes in `src` (the pack without its trailer)
 * and fills `idx`, freeing the entries once it is filled. A header
 * announcing more than `max_count` objects is -E2BIG as soon as it is
 * whole. Memory: ~44 KiB of zlib state, an entry per object (struct ent:
 * 88 bytes on the guest, 96 on a 64-bit host), grown by doubling to the
 * header's count (while it grows, the old array and the new one), and
 * one commit, tree or tag at a time; store_pack_scan_finish adds 8 bytes
 * an object (the deltas sorted by base) and `idx`'s 40.
 */
struct store_pack_scan;
int store_pack_scan_begin(struct store_pack_scan **s, size_t max_obj, uint32_t max_count);
int store_pack_scan_feed(struct store_pack_scan *s, const void *data, size_t len);
int store_pack_scan_done(struct store_pack_scan *s, size_t trailer);
int store_pack_scan_finish(struct store_pack_scan *s, const struct store_src *src,
                           store_base_fn get_base, void *ctx, struct store_pack_index *idx);
void store_pack_scan_free(struct store_pack_scan *s); /* NULL is fine */
/* The objects the pack's header announces: 0 until the header is whole. */
uint32_t store_pack_scan_count(const struct store_pack_scan *s);
/* Where the entry being read began (after a failure: the one that failed); 0 between entries. */
uint64_t store_pack_scan_entry_off(struct store_pack_scan *s);

/* Check a pack's 12-byte header against its length (trailer included); *n = objects. */
int store_pack_header(const uint8_t hdr[STORE_PACK_HDR], uint64_t len, uint32_t *n);
void store_pack_index_free(struct store_pack_index *idx);

/* The .idx v2 for an indexed pack, into a malloc'd buffer. */
int store_pack_idx_write(const struct store_pack_index *idx, uint8_t **out, size_t *len);

/* ---- writing ---- */

typedef int (*store_sink_fn)(void *ctx, const void *data, size_t len);

struct store_packw {
	store_sink_fn sink;
	void *ctx;
	uint64_t off;  /* bytes written so far */
	uint32_t left; /* entries still expected */
	struct store_sha1 sha;
};

int store_packw_begin(struct store_packw *w, store_sink_fn sink, void *ctx, uint32_t count);
/*
 * Entries only, after `off` bytes already out (objects added behind a
 * pack, store.c): no header, and no store_packw_end.
 */
void store_packw_continue(struct store_packw *w, store_sink_fn sink, void *ctx, uint64_t off,
                          uint32_t count);
/* Write a whole object; *off gets its offset in the pack (may be NULL). */
int store_packw_object(struct store_packw *w, int type, const void *data, size_t len,
                       uint64_t *off);
/* Write an ofs-delta against the entry at `base_off` of this pack. */
int store_packw_ofs_delta(struct store_packw *w, uint64_t base_off, const void *delta, size_t len,
                          uint64_t *off);
/*
 * Copy an entry already in pack form (header and zlib stream, as the
 * store keeps a whole object) in pieces: store_packw_raw_begin, then its
 * bytes through store_packw_raw.
 */
int store_packw_raw_begin(struct store_packw *w, uint64_t *off);
/*
 * Or a new header (type and size; an ofs-delta against the entry at
 * `base_off` of this pack) before a zlib stream copied as it lies
 * through store_packw_raw: a stored delta or object reused unchanged.
 */
int store_packw_raw_header(struct store_packw *w, int type, uint64_t size, uint64_t base_off,
                           uint64_t *off);
int store_packw_raw(struct store_packw *w, const void *data, size_t len);
/* Write the trailer; `checksum` (may be NULL) gets it. Frees the writer. */
int store_packw_end(struct store_packw *w, uint8_t checksum[20]);
void store_packw_abort(struct store_packw *w);

#endif
