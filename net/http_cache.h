/*
 * The HTTP server's cache of small files: the bytes of blobs up to
 * HTTP_CACHE_MAX_FILE, by blob id, HTTP_CACHE_BYTES in all (plus 64 bytes
 * an entry). A hit is a copy from memory instead of an inflate from the
 * store (about 30,000 instructions a 1 KiB file on the host twin). One
 * event loop: no locking.
 */
#ifndef NET_HTTP_CACHE_H
#define NET_HTTP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define HTTP_CACHE_MAX_FILE (64u * 1024)
#define HTTP_CACHE_BYTES (1024u * 1024)
/*
 * Larger files kept as deltas, rebuilt whole to be sent: one copy each,
 * held while answers send it, this much in all (one alone may be larger).
 */
#define HTTP_REBUILT_BYTES (8u * 1024 * 1024)

struct http_cache_stats {
	uint64_t hits, misses, evicted;
	uint64_t lookup_hits; /* path lookups answered from memory */
	size_t bytes;
	unsigned entries;
	size_t rebuilt_bytes;     /* large deltas' copies held while sent */
	uint64_t rebuilt_refused; /* answers refused (503) to keep to HTTP_REBUILT_BYTES */
};
extern struct http_cache_stats http_cache_stats;

struct http_cache_entry;

/*
 * Whether `add` more bytes would take `held` past `budget` while something
 * is held already (one alone may be larger): held may be past the budget
 * itself then, so no subtraction of it may wrap.
 */
static inline bool http_over_budget(size_t held, size_t add, size_t budget)
{
	return held && (held >= budget || add > budget - held);
}

/*
 * The blob's bytes, held for the caller until http_cache_put: from the
 * cache, or read whole now and kept if there is room; a large one the
 * store keeps as a delta, rebuilt once and shared while it is sent. *out
 * NULL for a large blob kept whole: stream it (store_blob_open). -EAGAIN
 * when a large delta would take the copies past HTTP_REBUILT_BYTES;
 * -EIO, or the store's error, if it cannot be read.
 */
int http_cache_get(struct store *st, const struct store_oid *oid, struct http_cache_entry **out);
const uint8_t *http_cache_data(const struct http_cache_entry *e, size_t *len);
/* A large delta's shared copy (its answers must be taken at HTTP_REBUILT_PROGRESS_MIN). */
bool http_cache_rebuilt(const struct http_cache_entry *e);
void http_cache_put(struct http_cache_entry *e); /* NULL is fine */
/*
 * store_tree_lookup, remembered: the last HTTP_PATH_CACHE_SLOTS answers
 * (a slot per hash of tree and path, paths under HTTP_PATH_CACHE_LEN
 * bytes; 37 KiB in all), found or not. And store_ref_tree for one branch
 * (the site's), remembered while the branch stays on the same commit.
 */
#define HTTP_PATH_CACHE_SLOTS 256
#define HTTP_PATH_CACHE_LEN 96
int http_cache_lookup(struct store *st, const struct store_oid *tree, const char *path,
                      struct store_oid *oid, uint32_t *mode);
int http_cache_ref_tree(struct store *st, const char *ref, struct store_oid *tree);

#endif
