/* Private to store/: the store's state, shared by its source files. */
#ifndef STORE_STORE_INT_H
#define STORE_STORE_INT_H

#include <string.h>

#include "log.h"
#include "store.h"
#include "pack.h"
#include "zip.h"

/* One object of the in-memory index: 24 bytes (see FORMAT.md). */
struct store_idx {
	uint8_t oid[STORE_OID_LEN];
	uint32_t off; /* the pack entry's byte offset on the device */
} __attribute__((packed));

_Static_assert(sizeof(struct store_idx) == 24, "FORMAT.md counts 24 bytes an object");

/*
 * One ref: 48 bytes on the 32-bit guest plus its malloc'd name (and
 * target), about 90 bytes for a name like refs/tags/v1.2.3 and at most
 * 48 + 2 x 136 with names of the longest kind (store.h, STORE_MAX_REFS).
 */
struct store_ref {
	char *name;
	char *sym;             /* target of a symbolic ref, else NULL */
	struct store_oid oid;  /* zero (and no sym): a slot deleted until the table settles */
	struct store_oid prev; /* value before the last update */
};

struct store_link;

/*
 * Objects rebuilt from deltas, kept for the next delta on the same chain
 * (a pack or a walk reads a file's versions one after the other; each
 * would rebuild the chain from its base again): STORE_BASE_SLOTS objects
 * of at most STORE_BASE_OBJ_MAX bytes, STORE_BASE_BYTES in all, the
 * least recently used dropped. Keyed by the entry's place on the device,
 * so emptied whenever places change (a compaction, an aborted import).
 */
#define STORE_BASE_SLOTS 64
#define STORE_BASE_BYTES (256u * 1024)
#define STORE_BASE_OBJ_MAX (32u * 1024)
struct store_base_cache {
	struct store_base_ent {
		uint64_t off; /* 0: empty */
		uint8_t *data;
		size_t len;
		uint32_t used;
	} e[STORE_BASE_SLOTS];
	size_t bytes;
	uint32_t clock;
};
void store_base_cache_clear(struct store *st);

struct store {
	struct store_log log;
	struct store_src src;  /* the device, through the log's cache */
	struct store_idx *idx; /* sorted by oid */
	uint32_t n;
	uint32_t cap;        /* at most STORE_MAX_OBJECTS */
	uint32_t idx_sorted; /* while opening: the entries sorted at the front */
	/* Sorted by name up to `nsorted`; appended after it until refs_settle. */
	struct store_ref *refs;
	unsigned nrefs, nsorted, refs_cap;
	size_t max_obj;
	struct store_link *chain; /* store.c: the delta chain of the object being read */
	struct store_base_cache bases;
	unsigned epoch; /* compactions so far: every object has a new place */
	/*
	 * For each region of the log (store_region), how many compactions
	 * began writing over it, failed ones too: what a reader of the device
	 * checks (struct store_mark).
	 */
	unsigned overwrites[2];
	unsigned chain_cap;
	int (*veto)(void *ctx, struct store *st, const struct store_ref_update *u, char *why,
	            size_t size);
	void *veto_ctx;
	char veto_why[STORE_VETO_MAX];
	struct {
		void (*fn)(void *ctx, const char *ref);
		void *ctx;
	} on_change[STORE_ON_CHANGE_MAX];
	unsigned n_on_change;
};

/*
 * Mark in `seen` every object reachable from `roots` (commits, tags,
 * trees, blobs), skipping those in `stop` (may be NULL). Blobs a tree
 * names are only checked to be there, never inflated. -ENOENT if one is
 * missing.
 */
int store_walk(struct store *st, const struct store_oid *roots, size_t n,
               const struct store_oidset *stop, struct store_oidset *seen);
/* The same, but a commit in `cut` (may be NULL) is taken without its parents (shallow). */
int store_walk_cut(struct store *st, const struct store_oid *roots, size_t n,
                   const struct store_oidset *stop, const struct store_oidset *cut,
                   struct store_oidset *seen);

/*
 * Walk from `roots` until every object of `find` is seen: 1 if all were
 * (the walk stops there), 0 if not, or an error.
 */
int store_walk_find(struct store *st, const struct store_oid *roots, size_t n,
                    const struct store_oidset *find);

/* Whether ref `name` is in the store's non-public part (FORMAT.md). */
static inline bool store_ref_private(const char *name)
{
	return !strncmp(name, STORE_PRIVATE_PREFIX, sizeof(STORE_PRIVATE_PREFIX) - 1);
}

/*
 * The non-public part against a push (private.c), with what the push
 * knows of it in `priv` (store.h). The objects of an imported pack that
 * refs under STORE_PRIVATE_PREFIX reach go into priv->carried. Then, with
 * `seen` what a push's new values reach: 0 if each private object among
 * them is in priv->carried or reached by a public ref, else -EACCES.
 */
int store_private_carried(struct store *st, const struct store_pack_index *pix,
                          struct store_private *priv);
int store_private_check(struct store *st, const struct store_oidset *seen,
                        struct store_private *priv);

/*
 * A reader that reads the device over many steps (a blob, a pack's raw
 * copy) marks where it stands; its region stays intact through the
 * compaction that leaves it, until one begins writing over it.
 */
struct store_mark {
	unsigned region, overwrites;
};
unsigned store_region(const struct store *st); /* 0: the log's first half; 1: its second */
void store_mark_set(const struct store *st, struct store_mark *m);
bool store_mark_stale(const struct store *st, const struct store_mark *m);

const struct store_idx *store_idx_find(const struct store *st, const struct store_oid *oid);
/* -EDQUOT if the index holds STORE_MAX_OBJECTS already. */
int store_idx_add(struct store *st, const struct store_oid *oid, uint64_t off);
/*
 * At open, an entry of a PACK record's index: skipped if an earlier record
 * holds the object, and -EDQUOT only if the objects, each counted once,
 * pass STORE_MAX_OBJECTS.
 */
int store_idx_replay(struct store *st, const struct store_oid *oid, uint64_t off);
void store_idx_sort(struct store *st);
struct store_ref *store_ref_find(struct store *st, const char *name);
void store_refs_free(struct store *st);
/* Append a STORE_LOG_REFS/STORE_LOG_SNAPSHOT record of refs (not flushed). */
int store_refs_write(struct store *st, int type, const struct store_ref *refs, unsigned n,
                     bool other);
/* Compaction that also keeps what `keep` reaches (values about to be written). */
int store_compact_keep(struct store *st, const struct store_oid *keep, size_t nkeep);
/* The scan callback that rebuilds the index and refs. */
int store_apply_record(void *ctx, uint64_t off, const struct store_log_rec *rec,
                       const uint8_t *payload);

/*
 * An object's type, and for one the store keeps whole (not a delta) its
 * size and the device offset of its pack entry (*whole_off 0 for a
 * delta). Reads entry headers only.
 */
int store_entry_info(struct store *st, const struct store_oid *oid, int *type, uint64_t *size,
                     uint64_t *whole_off);
/* store_get, and *raw_len the bytes of its entry if the store keeps it whole (else 0). */
int store_get_raw(struct store *st, const struct store_oid *oid, int *type, uint8_t **data,
                  size_t *len, uint64_t *raw_len);

/* Where and how an object lies: its entry, read from the headers of its chain only. */
struct store_entry_where {
	uint64_t off;      /* its entry on the device */
	int type;          /* the object's type */
	uint64_t size;     /* the entry header's size: the object's, or its delta's */
	uint64_t base_off; /* a delta's base entry (0 if whole) */
};
int store_entry_where(struct store *st, const struct store_oid *oid, struct store_entry_where *w);

/*
 * The bytes of the entry at `off` (header and zlib stream), found by
 * inflating it; *hdr_len (may be NULL) gets the header's.
 */
int store_entry_raw_len(struct store *st, uint64_t off, uint64_t *raw_len, size_t *hdr_len);

/* The packer tells `fn` where each object went in its pack (compaction's index). */
struct store_packer;
void store_packer_on_object(struct store_packer *p,
                            void (*fn)(void *ctx, const struct store_oid *oid, uint64_t off),
                            void *ctx);
/* The pack's trailer once the last byte is read, else NULL. */
const uint8_t *store_packer_checksum(const struct store_packer *p);

/* A growable byte buffer, and a pack-writer sink that appends to one. */
struct store_membuf {
	uint8_t *p;
	size_t len;
	size_t cap;
};
int store_membuf_sink(void *ctx, const void *data, size_t len);

#endif
