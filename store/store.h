/*
 * The Git-format store: objects, packs and refs kept crash-safely on the
 * block device of plat/plat.h (plat_blk_*). One store per device, one
 * thread. Functions return 0 or a negative errno. The on-disk format is
 * store/FORMAT.md.
 *
 * Durability: a ref update (store_refs_update, store_commit_changes)
 * returns 0 only once it and every object it needs are on stable storage;
 * after a power cut the store opens showing either the old or the new
 * value, never a mix.
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object.h"

#define STORE_REF_MAX 128 /* longest ref name, NUL included */
/*
 * Most refs a store holds: a push of thousands of tags fits. Each costs
 * about 90 bytes of memory (store_int.h), so the table stays under 1 MiB
 * for ordinary names and 2.6 MiB if every name had the longest length.
 */
#define STORE_MAX_REFS 8192
/*
 * The largest object, 32 MiB: a big file pushed whole is streamed (into
 * the store, and out again), never held. Deltas are rebuilt in memory, so
 * their bases and results together stay under STORE_DELTA_HELD_MAX: in a
 * 64 MiB guest a file over 12 MiB can only arrive whole, not as a delta.
 */
#define STORE_DEFAULT_MAX_OBJECT (32u << 20)
/* STORE_DELTA_HELD_MAX (24 MiB) is in pack.h. */
/*
 * Most objects a store holds: its index is in memory, 24 bytes an object
 * (store_int.h), so 12 MiB at most of a 64 MiB guest, grown by doubling to
 * exactly this. A pack whose new objects would pass it is refused
 * (-EDQUOT) with nothing of it visible; a store over it (written by
 * another build) does not open (-EDQUOT).
 */
#define STORE_MAX_OBJECTS (1u << 19)
/*
 * Most objects one pack may hold (a push; the same pack may hold objects
 * the store has). Indexing it keeps an entry for each until the end
 * (store/pack.h): at its peak, while its index is exported, 136 bytes an
 * object on the guest (the 88-byte entry, 8 for the deltas sorted by
 * base, 40 for the exported index), 17 MiB at this limit; while its
 * deltas resolve, 96 bytes an object (12 MiB) beside the delta bases
 * (STORE_DELTA_HELD_MAX). STORE_MAX_OBJECTS (96 bytes an object: 48 MiB)
 * would not fit beside the store's own index, the bases and the rest of a
 * 64 MiB guest. A header announcing more is refused as it arrives
 * (-E2BIG): such a push goes in parts.
 */
#define STORE_IMPORT_MAX_OBJECTS (1u << 17)
/* Deepest path a tree walk follows; deeper trees are refused. */
#define STORE_MAX_TREE_DEPTH 64

struct store;

/* Format the device (`size` bytes of it, 0 = all) as an empty store whose HEAD is refs/heads/main.
 */
int store_init(uint64_t size);
/*
 * Open the store: read the superblock, scan the log, rebuild the index.
 * `full_check` verifies every record's checksum (fsck), not only those
 * written since the last checkpoint.
 */
int store_open(struct store **st, bool full_check);
/* Checkpoint and free. */
int store_close(struct store *st);

/* Objects larger than this are refused (default STORE_DEFAULT_MAX_OBJECT). */
void store_set_max_object(struct store *st, size_t max);

/* ---- objects ---- */

bool store_has(struct store *st, const struct store_oid *oid);
/* An object's type (STORE_OBJ_*), from entry headers only: its content is not read. */
int store_type(struct store *st, const struct store_oid *oid, int *type);
/*
 * An object's size without rebuilding it: its entry's header, or for a
 * delta the size its first bytes announce (a few inflated).
 */
int store_object_size(struct store *st, const struct store_oid *oid, uint64_t *size);
/* How many deltas reading the object applies, from entry headers only. */
int store_delta_depth(struct store *st, const struct store_oid *oid, int *depth);
/* A malloc'd copy of an object's content (NUL-terminated for convenience). */
int store_get(struct store *st, const struct store_oid *oid, int *type, uint8_t **data,
              size_t *len);
/*
 * Add a pack as its bytes arrive (a push): store_import_begin, then
 * store_import_write for each piece, then store_import_end. Each piece
 * goes straight into the log and through pass 1 of indexing (entry
 * headers, streams inflated and hashed, commits, trees and tags checked),
 * so the work of a call is bounded by its piece; the end resolves deltas
 * (bases read back from the device; thin packs: ref-delta bases may be
 * objects the store holds) and only then are the objects visible. On any
 * error, or store_import_abort, nothing of it is ever visible: -EINVAL
 * for a malformed pack (an entry, a stream, an object count that is not
 * the header's), -EBADMSG for a wrong trailer checksum, -ENOENT for a
 * delta whose base is neither in the pack nor in the store, -EFBIG for
 * an object over the limit, -EDQUOT for a pack that would take the store
 * past STORE_MAX_OBJECTS, -E2BIG for one whose header announces more than
 * STORE_IMPORT_MAX_OBJECTS (as soon as the header is whole), -EILSEQ for an object whose id
 * computation detects a SHA-1 collision attack (SHA-1DC, as Git itself). While one is open every
 * other write of the store is -EBUSY. `size_hint` (0 if unknown) lets begin make room first: a pack
 * that outgrows the log's free space half-way is -ENOSPC. A header that is no pack's is refused at
 * once. Durable with the next ref update. `n_new` (may be NULL) gets the
 * number of objects the pack added. Memory: the log's 68 KiB writer, 44
 * KiB of zlib state, 2.4 KiB of SHA-1DC state, up to 136 bytes an object
 * of the pack (STORE_IMPORT_MAX_OBJECTS), one commit, tree or tag at a
 * time, and the delta bases kept while resolving (at most twice the
 * object limit).
 */
struct store_import;
struct store_oidset;
int store_import_begin(struct store *st, uint64_t size_hint, struct store_import **imp);
int store_import_write(struct store_import *imp, const void *data, size_t len);
int store_import_end(struct store_import *imp, uint32_t *n_new); /* frees imp */
void store_import_abort(struct store_import *imp);               /* NULL is fine */
/*
 * The pack offset of the entry the import is reading (after a failure: the
 * one that failed), 0 between entries. Past the last byte, an entry that
 * starts in the last 20 bytes is the trailer read as an object: the pack
 * holds fewer objects than its header says.
 */
uint64_t store_import_failed_at(const struct store_import *imp);
/* The objects the pack's header announces: 0 until it is whole (for -E2BIG's message). */
uint32_t store_import_count(const struct store_import *imp);
/*
 * Have store_import_end add to `priv->carried` the objects of the pack
 * that refs under STORE_PRIVATE_PREFIX reach (for store_refs_push): a
 * walk of those refs' objects, kept in `priv` for the push's checks, and
 * one set slot for each such object the pack holds.
 */
struct store_private;
void store_import_keep_private(struct store_import *imp, struct store_private *priv);
/* The same for a pack in memory. */
int store_import_pack(struct store *st, const uint8_t *pack, size_t len, uint32_t *n_new);
/* Write a pack of the given objects whole (no deltas) and add it. */
int store_put_objects(struct store *st, const int *types, const uint8_t *const *data,
                      const size_t *lens, uint32_t n);

/*
 * A blob read in pieces. One stored whole is inflated from the device as
 * it is read (about 44 KiB of state, whatever its size); a deltified one
 * is rebuilt in memory when opened (its size, at most the object limit).
 * store_blob_read gives up to `len` bytes, *got = 0 at the end; -ESTALE
 * once a compaction began writing over the region it reads (the second
 * since the open, or one that failed after the first: the bytes it was
 * reading are gone), -EIO if the data on the device is corrupt.
 */
struct store_blob;
int store_blob_open(struct store *st, const struct store_oid *oid, struct store_blob **b,
                    uint64_t *size);
int store_blob_read(struct store_blob *b, void *buf, size_t len, size_t *got);
void store_blob_close(struct store_blob *b); /* NULL is fine */

/* A set of object ids (open addressing), zeroed to start: 21 bytes a slot, half used at most. */
struct store_oidset {
	struct store_oid *slot;
	uint8_t *used;
	size_t cap;
	size_t n;
};
int store_oidset_add(struct store_oidset *s,
                     const struct store_oid *oid); /* 1 if new, or -ENOMEM */
bool store_oidset_has(const struct store_oidset *s,
                      const struct store_oid *oid); /* s may be NULL */
void store_oidset_free(struct store_oidset *s);

/* ---- refs ---- */

struct store_ref_update {
	const char *name;     /* "refs/heads/main" */
	struct store_oid old; /* expected value; zero = must not exist */
	struct store_oid new; /* zero = delete */
};

/*
 * The non-public part (FORMAT.md): refs under it hold the appliance's
 * secrets. No symbolic ref outside it may point into it: setting one is
 * refused (-EPERM), and one on the device anyway resolves to nothing.
 */
#define STORE_PRIVATE_PREFIX "refs/appliance/"

/* Follows a symbolic ref (HEAD) to its target. -ENOENT if unset (or into refs/appliance/). */
int store_ref_get(struct store *st, const char *name, struct store_oid *oid);
/* The value before the last update of `name` (the reflog's last entry). */
int store_ref_prev(struct store *st, const char *name, struct store_oid *oid);
/* The target of a symbolic ref (HEAD); -ENOENT if not symbolic. */
int store_ref_symbolic(struct store *st, const char *name, char *target, size_t size);
/*
 * Make `name` point at `target`: 0, -EINVAL for a malformed name, -EPERM
 * for a target under refs/appliance/ when `name` is not, -ENOSPC, or
 * -EROFS or -EINPROGRESS as store_refs_update.
 */
int store_ref_set_symbolic(struct store *st, const char *name, const char *target);
/*
 * Compare-and-swap a set of refs atomically: all or none. -ESTALE if any
 * old value differs, -ENOENT if a new value's object is missing (or not
 * fully connected), then nothing changes. Durable when it returns 0.
 * When the device fails (FORMAT.md, write errors): -EROFS if the update
 * is not made (the device failed before it, or before any of its record
 * could be found), -EINPROGRESS if its record was handed to the device
 * and the write or flush then failed: the running store shows it not
 * made, and the next open (the appliance's restart) may find it made.
 * (-EIO is a corrupt object read while checking, nothing written.)
 */
int store_refs_update(struct store *st, const struct store_ref_update *u, size_t n);
/*
 * What one push knows of the store's non-public part, zeroed to start and
 * freed with store_private_free: the objects that refs under
 * STORE_PRIVATE_PREFIX reach (their values and previous ones), walked by
 * the first of the push's import and updates that needs them and again
 * only if those refs have moved since (a service's on_change may commit
 * there between one update of a push and the next), and the push's own
 * pack's objects among them (store_import_keep_private). Memory: a set
 * slot for each object the private refs reach (a few secrets, the
 * editor's files and their history), 1,024 slots of 21 bytes at least.
 */
struct store_private {
	struct store_oidset objects; /* what `roots` reach */
	struct store_oidset carried; /* the objects of the push's pack among them */
	struct store_oid *roots;     /* the private refs' values and previous ones, as walked */
	size_t nroots;
	bool walked; /* objects is whole */
};
void store_private_free(struct store_private *priv);
/*
 * store_refs_update for a push (git/receive.c), which updates refs outside
 * STORE_PRIVATE_PREFIX only: no new value may reach an object that refs
 * under it reach (their values and previous ones) unless a public ref
 * reaches it too or `priv->carried` holds it, the objects of the push's
 * own pack (store_import_keep_private): the pusher sent its content.
 * -EACCES then, and nothing changes. Git's receive-pack checks a push
 * against the refs it shows in the same way (hidden refs' objects count
 * as missing). `priv` (NULL: a push with no pack) is the push's, shared by
 * its import and every update of it. Cost: a walk of what the private
 * refs reach (a few secrets, the editor's files) once a push, on top of
 * store_refs_update's; only a push that reaches a private object its pack
 * did not carry walks the public history too, until it finds them.
 */
int store_refs_push(struct store *st, const struct store_ref_update *u, size_t n,
                    struct store_private *priv);
/* Every ref: fn(ctx, name, oid); symbolic refs are reported resolved. */
int store_refs_each(struct store *st,
                    int (*fn)(void *ctx, const char *name, const struct store_oid *oid), void *ctx);

/*
 * A service's veto over ref updates (the DNS service checks the zones a
 * push to main brings): store_refs_update calls `fn` for each update
 * before it writes anything; a non-zero return refuses the whole update
 * with -EPERM, and `why` (NUL-terminated, from fn) is kept for
 * store_veto_reason. But two returns are no refusal of the update, which
 * fails with them, nothing written: -EIO, a read of the store failing
 * under fn (its device, or data read back damaged), as when the store's
 * own checks cannot read an object; and -ENOMEM, fn short of memory, as
 * when the store is. One veto per store; fn NULL removes it.
 */
#define STORE_VETO_MAX 512
void store_set_veto(struct store *st,
                    int (*fn)(void *ctx, struct store *st, const struct store_ref_update *u,
                              char *why, size_t size),
                    void *ctx);
/* Why the last update refused with -EPERM was vetoed. */
const char *store_veto_reason(const struct store *st);
/*
 * An error of the store's in words for a log or a person: the two of a
 * failed device (-EROFS, -EINPROGRESS: store_refs_update) as the store
 * means them, any other as strerror.
 */
const char *store_strerror(int r);

/*
 * Have fn(ctx, name) called after every successful ref update, once for
 * each ref it changed, the update already durable. Up to
 * STORE_ON_CHANGE_MAX functions (the DNS service's, a test's), called in
 * the order they were given: 0, or -ENOSPC when that many are there.
 */
#define STORE_ON_CHANGE_MAX 4
int store_on_change(struct store *st, void (*fn)(void *ctx, const char *ref), void *ctx);

/* ---- content API (HTTP, DNS) ---- */

/*
 * Read `path` ("site/index.html", no leading '/') in the tree of `ref`'s
 * commit. -ENOENT if absent, -EISDIR for a tree. `oid` (may be NULL) gets
 * the blob id (an HTTP ETag), `mode` (may be NULL) its mode.
 */
int store_read_path(struct store *st, const char *ref, const char *path, uint8_t **data,
                    size_t *len, struct store_oid *oid, uint32_t *mode);
/*
 * The root tree of `ref`'s commit (tags peeled): one version of the site,
 * which a response keeps to the end whatever moves meanwhile.
 */
int store_ref_tree(struct store *st, const char *ref, struct store_oid *tree);
/* The entry `path` names below `tree` ("" = the tree itself): -ENOENT, -ENOTDIR. */
int store_tree_lookup(struct store *st, const struct store_oid *tree, const char *path,
                      struct store_oid *oid, uint32_t *mode);
/* Call fn for each entry of the directory `path` ("" = root) at `ref`. */
int store_list_dir(struct store *st, const char *ref, const char *path,
                   int (*fn)(void *ctx, const struct store_tree_entry *e), void *ctx);
/* First-parent history from `ref`, newest first, at most `max` commits. */
int store_history_walk(struct store *st, const char *ref, unsigned max,
                       int (*fn)(void *ctx, const struct store_oid *oid,
                                 const struct store_commit *c),
                       void *ctx);

struct store_change {
	const char *path; /* "site/a/b.html" */
	const void *data; /* new content; NULL with mode 0 = delete */
	size_t len;
	uint32_t mode; /* STORE_MODE_FILE/EXEC/LINK, or 0 to delete */
};

/*
 * Commit a set of changes on `ref` (a branch, may be unborn) atomically:
 * new blobs and trees, a commit with `author` ("Name <email> time +zone")
 * as author and committer, then a compare-and-swap of the ref. -ESTALE if
 * the ref moved meanwhile. `out` (may be NULL) gets the commit id.
 */
int store_commit_changes(struct store *st, const char *ref, const struct store_change *c, size_t n,
                         const char *author, const char *msg, struct store_oid *out);

/* ---- maintenance ---- */

/* Rewrite the live objects into the other log region (also done when full). */
int store_compact(struct store *st);
/*
 * The same, unless nothing was written since the last compaction (there
 * is nothing to gain): what a full store runs before a write it may make
 * room for. -EROFS after a write error (as every write).
 */
int store_reclaim(struct store *st);
/*
 * Check everything: every record, every object (hash, encoding), every
 * ref's history fully connected. Returns the number of problems (0 =
 * clean) or an error; `report` (may be NULL) is told about each.
 */
int store_fsck(struct store *st, void (*report)(void *ctx, const char *msg), void *ctx);

struct store_stats {
	uint32_t objects;
	uint64_t index_bytes; /* memory of the object index */
	uint64_t log_used;    /* bytes of the active region in use */
	uint64_t log_size;    /* bytes of the active region */
	uint64_t dev_size;
};
void store_stats(struct store *st, struct store_stats *s);

/*
 * A pack of what `wants` reach and `haves` do not (haves the store does not
 * know are ignored; every want must exist, else -ENOENT), made as it is
 * read: store_packer_read gives up to `len` bytes, *got = 0 after the
 * trailer. Open walks once and plans the pack (its count, its order):
 * newest commits first, then their new trees and blobs. Writing reuses
 * what the store holds as it lies: a stored delta whose base is already
 * in the pack is copied as an ofs-delta, an object kept whole is copied
 * with its zlib stream; other blobs are deltified against the previous
 * version of their path, the rest deflated. Memory: the set of objects
 * the haves reach and of those in the pack (about 50 bytes each), the
 * plan (24 bytes an object), where each went (24 bytes), one path entry
 * per blob path (48 bytes), and one object at a time, whole (copies: 16
 * KiB at a time). The store may take writes meanwhile (the pack is what
 * was reachable at open); a read is -ESTALE if, during the copy of one
 * large blob, a compaction begins writing over the region it lies in (the
 * second since the copy began, or one that failed after the first).
 */
struct store_packer;
int store_packer_open(struct store *st, const struct store_oid *wants, size_t nwants,
                      const struct store_oid *haves, size_t nhaves, struct store_packer **p);

/* What a fetch asks for, for a packer with shallow boundaries and tags. */
struct store_pack_req {
	const struct store_oid *wants, *haves;
	size_t nwants, nhaves;
	/* Commits whose parents the client lacks (its shallow list): its haves reach no further. */
	const struct store_oid *client_shallow;
	size_t nclient_shallow;
	/* Commits sent without their parents (the new shallow boundary). */
	const struct store_oid *shallow;
	size_t nshallow;
	/* Annotated tags to add if the object they name is in the pack (include-tag). */
	const struct store_oid *tags;
	size_t ntags;
};
int store_packer_start(struct store *st, const struct store_pack_req *req, struct store_packer **p);
/*
 * The same in slices, for an event loop: begin marks what the haves reach
 * (one walk of their commits and of their own trees), then each
 * store_packer_plan visits at most `steps` objects of the walk that plans
 * the pack: 1 while more are left, 0 once the plan is made (then the count
 * is known), or an error. A read plans whatever is left first.
 */
int store_packer_begin(struct store *st, const struct store_pack_req *req, struct store_packer **p);
int store_packer_plan(struct store_packer *p, size_t steps);
/* Objects in the pack (its header's count). */
uint32_t store_packer_count(const struct store_packer *p);
int store_packer_read(struct store_packer *p, void *buf, size_t len, size_t *got);
void store_packer_close(struct store_packer *p); /* NULL is fine */

/* The pack of everything reachable from refs, whole or deltified, for export/serving. */
int store_pack_all(struct store *st, int (*sink)(void *ctx, const void *data, size_t len),
                   void *ctx, uint8_t checksum[20], uint32_t *count);

#endif
