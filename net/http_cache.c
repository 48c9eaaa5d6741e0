/*
 * The HTTP server's cache of small files (http_cache.h): their bytes, by
 * blob id, so a page asked for again is copied from memory instead of
 * inflated from the store. Keyed by content, an entry is never stale: a
 * changed file is another blob. Least recently used entries go first, but
 * never one a response is still sending.
 *
 * Beside it, the answers of the lookups that lead there: which tree a
 * branch's commit has, and what a path names in a tree (a missing one
 * too: every gzip client asks for "name.gz"). Keyed by ids, these are
 * never stale either.
 *
 * A larger file the store keeps as a delta is rebuilt whole to be read
 * (store_blob_open): that copy is held here too while answers send it, one
 * copy for all of them, HTTP_REBUILT_BYTES in all, and freed with its last
 * answer. One alone may be larger (any file can be served), but a second
 * waits (-EAGAIN: 503) while the first is held.
 */
#include "http_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct http_cache_entry {
	struct store_oid oid;
	struct http_cache_entry *next_in_bucket;
	struct http_cache_entry *newer, *older; /* the LRU list */
	unsigned refs;                          /* responses sending it */
	bool cached;                            /* in the table (else freed on its last put) */
	bool rebuilt; /* a large delta's copy: in the table while sent, not in the LRU list */
	size_t len;
	uint8_t data[];
};

/* Blob ids are SHA-1: their first byte spreads them evenly. */
static struct http_cache_entry *cache_bucket[256];
static struct http_cache_entry *cache_newest, *cache_oldest;
struct http_cache_stats http_cache_stats;

static struct http_cache_entry **bucket_of(const struct store_oid *oid)
{
	return &cache_bucket[oid->b[0]];
}

static void lru_unlink(struct http_cache_entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		cache_newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		cache_oldest = e->newer;
	e->newer = e->older = NULL;
}

static void lru_push(struct http_cache_entry *e)
{
	e->older = cache_newest;
	e->newer = NULL;
	if (cache_newest)
		cache_newest->newer = e;
	cache_newest = e;
	if (!cache_oldest)
		cache_oldest = e;
}

static void unlink_bucket(struct http_cache_entry *e)
{
	for (struct http_cache_entry **p = bucket_of(&e->oid); *p; p = &(*p)->next_in_bucket)
		if (*p == e) {
			*p = e->next_in_bucket;
			break;
		}
}

static void table_remove(struct http_cache_entry *e)
{
	unlink_bucket(e);
	lru_unlink(e);
	e->cached = false;
	http_cache_stats.bytes -= e->len;
	http_cache_stats.entries--;
}

/* Room for `len` more bytes, by dropping unused entries oldest first: false if there is none. */
static bool make_room(size_t len)
{
	struct http_cache_entry *e = cache_oldest, *newer;

	for (; e && http_cache_stats.bytes + len > HTTP_CACHE_BYTES; e = newer) {
		newer = e->newer;
		if (e->refs)
			continue;
		table_remove(e);
		free(e);
		http_cache_stats.evicted++;
	}
	return http_cache_stats.bytes + len <= HTTP_CACHE_BYTES;
}

static struct http_cache_entry *lookup(const struct store_oid *oid)
{
	struct http_cache_entry *e = *bucket_of(oid);

	while (e && memcmp(e->oid.b, oid->b, sizeof(oid->b)))
		e = e->next_in_bucket;
	return e;
}

/* The blob, read whole now (`size` bytes); NULL if it cannot be. */
static struct http_cache_entry *load(struct store *st, const struct store_oid *oid, uint64_t size)
{
	struct store_blob *b;
	struct http_cache_entry *e = NULL;
	size_t got, off = 0;

	if (size > SIZE_MAX - sizeof(*e) || store_blob_open(st, oid, &b, &size))
		return NULL;
	if ((e = malloc(sizeof(*e) + (size_t)size))) {
		memset(e, 0, sizeof(*e));
		e->oid = *oid;
		e->len = (size_t)size;
		while (off < e->len && !store_blob_read(b, e->data + off, e->len - off, &got) &&
		       got)
			off += got;
		if (off != e->len) {
			free(e);
			e = NULL;
		}
	}
	store_blob_close(b);
	return e;
}

static void table_add(struct http_cache_entry *e)
{
	e->cached = true;
	e->next_in_bucket = *bucket_of(&e->oid);
	*bucket_of(&e->oid) = e;
}

/*
 * A large blob: NULL to stream it from the store (it is kept whole), else
 * the copy of it rebuilt once for every answer that sends it.
 */
static int get_large(struct store *st, const struct store_oid *oid, uint64_t size,
                     struct http_cache_entry **out)
{
	struct http_cache_entry *e;
	int depth, r;

	*out = NULL;
	if ((r = store_delta_depth(st, oid, &depth)) || depth == 0)
		return r;
	if (http_over_budget(http_cache_stats.rebuilt_bytes, size, HTTP_REBUILT_BYTES)) {
		http_cache_stats.rebuilt_refused++;
		return -EAGAIN;
	}
	if (!(e = load(st, oid, size)))
		return -EIO;
	e->rebuilt = true;
	e->refs = 1;
	table_add(e);
	http_cache_stats.rebuilt_bytes += e->len;
	*out = e;
	return 0;
}

int http_cache_get(struct store *st, const struct store_oid *oid, struct http_cache_entry **out)
{
	struct http_cache_entry *e = lookup(oid);
	uint64_t size;
	int r;

	*out = NULL;
	if (e) {
		http_cache_stats.hits++;
		if (!e->rebuilt) {
			lru_unlink(e);
			lru_push(e);
		}
		e->refs++;
		*out = e;
		return 0;
	}
	http_cache_stats.misses++;
	/* Told by its size alone: a large blob is not read here to be found large. */
	if ((r = store_object_size(st, oid, &size)))
		return r;
	if (size > HTTP_CACHE_MAX_FILE)
		return get_large(st, oid, size, out);
	if (!(e = load(st, oid, size)))
		return -EIO;
	e->refs = 1;
	if (make_room(e->len)) {
		table_add(e);
		lru_push(e);
		http_cache_stats.bytes += e->len;
		http_cache_stats.entries++;
	}
	*out = e;
	return 0;
}

bool http_cache_rebuilt(const struct http_cache_entry *e)
{
	return e->rebuilt;
}

const uint8_t *http_cache_data(const struct http_cache_entry *e, size_t *len)
{
	*len = e->len;
	return e->data;
}

void http_cache_put(struct http_cache_entry *e)
{
	if (!e || --e->refs)
		return;
	if (e->rebuilt) {
		unlink_bucket(e);
		http_cache_stats.rebuilt_bytes -= e->len;
		free(e);
	} else if (!e->cached) {
		free(e);
	}
}

/* ---- lookups: a branch's tree, a path in a tree ---- */

struct path_slot {
	bool used;
	int rc; /* 0, -ENOENT or -ENOTDIR */
	struct store_oid tree, oid;
	uint32_t mode;
	char path[HTTP_PATH_CACHE_LEN];
};

static struct path_slot path_slots[HTTP_PATH_CACHE_SLOTS];
static struct {
	bool known;
	struct store_oid commit, tree;
} site_tree;

/* FNV-1a over the tree's id and the path: the slot a lookup may sit in. */
static struct path_slot *slot_of(const struct store_oid *tree, const char *path)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(tree->b); i++)
		h = (h ^ tree->b[i]) * 16777619u;
	for (; *path; path++)
		h = (h ^ (uint8_t)*path) * 16777619u;
	return &path_slots[h % HTTP_PATH_CACHE_SLOTS];
}

int http_cache_lookup(struct store *st, const struct store_oid *tree, const char *path,
                      struct store_oid *oid, uint32_t *mode)
{
	struct path_slot *s;
	int rc;

	if (strlen(path) >= HTTP_PATH_CACHE_LEN)
		return store_tree_lookup(st, tree, path, oid, mode);
	s = slot_of(tree, path);
	if (s->used && !memcmp(s->tree.b, tree->b, sizeof(tree->b)) && !strcmp(s->path, path)) {
		http_cache_stats.lookup_hits++;
		*oid = s->oid;
		*mode = s->mode;
		return s->rc;
	}
	rc = store_tree_lookup(st, tree, path, oid, mode);
	/* Answers that depend on the tree alone; not a failure to read it. */
	if (rc == 0 || rc == -ENOENT || rc == -ENOTDIR) {
		s->used = true;
		s->rc = rc;
		s->tree = *tree;
		strcpy(s->path, path);
		if (rc == 0) {
			s->oid = *oid;
			s->mode = *mode;
		}
	}
	return rc;
}

int http_cache_ref_tree(struct store *st, const char *ref, struct store_oid *tree)
{
	struct store_oid commit;
	int rc;

	if ((rc = store_ref_get(st, ref, &commit)))
		return rc;
	if (site_tree.known && !memcmp(commit.b, site_tree.commit.b, sizeof(commit.b))) {
		*tree = site_tree.tree;
		return 0;
	}
	if ((rc = store_ref_tree(st, ref, tree)))
		return rc;
	site_tree.known = true;
	site_tree.commit = commit;
	site_tree.tree = *tree;
	return 0;
}
