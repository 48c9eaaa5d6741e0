/* The store: opening, the object index, reading and adding objects. */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "delta.h"
#include "pack.h"
#include "sha1.h"

/* ---- the in-memory index ---- */

static int idx_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_OID_LEN);
}

/* In the first n entries, which are sorted. */
static const struct store_idx *idx_find_in(const struct store *st, uint32_t n,
                                           const struct store_oid *oid)
{
	return n ? bsearch(oid->b, st->idx, n, sizeof(*st->idx), idx_cmp) : NULL;
}

const struct store_idx *store_idx_find(const struct store *st, const struct store_oid *oid)
{
	return idx_find_in(st, st->n, oid);
}

/*
 * Room for `more` entries: -EDQUOT past STORE_MAX_OBJECTS. Grown by
 * doubling, never past the limit (a power of two times the first 1024).
 */
static int idx_reserve(struct store *st, uint32_t more)
{
	uint32_t cap = st->cap ? st->cap : 1024;
	struct store_idx *p;

	if (more > STORE_MAX_OBJECTS - st->n)
		return -EDQUOT;
	if (st->n + more <= st->cap)
		return 0;
	while (cap < st->n + more)
		cap = cap > STORE_MAX_OBJECTS / 2 ? STORE_MAX_OBJECTS : cap * 2;
	if (!(p = realloc(st->idx, sizeof(*p) * cap)))
		return -ENOMEM;
	st->idx = p;
	st->cap = cap;
	return 0;
}

/* Appends unsorted; store_idx_sort restores the order (and drops duplicates). */
int store_idx_add(struct store *st, const struct store_oid *oid, uint64_t off)
{
	int r;

	if (off > UINT32_MAX)
		return -EINVAL;
	if ((r = idx_reserve(st, 1)))
		return r;
	memcpy(st->idx[st->n].oid, oid->b, STORE_OID_LEN);
	st->idx[st->n++].off = (uint32_t)off;
	return 0;
}

/* By id, and of two copies of an object the one earlier in the log first. */
static int idx_cmp_copies(const void *a, const void *b)
{
	const struct store_idx *x = a, *y = b;
	int c = idx_cmp(x, y);

	return c ? c : (x->off > y->off) - (x->off < y->off);
}

/* Whether the entry at `off` is an object whole, not a delta (false if unreadable). */
static bool copy_whole(const struct store *st, uint32_t off)
{
	struct store_src src = {st->src.read, st->src.ctx, st->log.dev_size};
	struct store_pack_entry_hdr h;

	return !store_pack_entry_parse(&src, off, st->log.sb.region_start, &h) &&
	       h.type < STORE_OBJ_OFS_DELTA;
}

/*
 * Of two copies of an object, whether `copy` is the one to keep over
 * `kept`, which lies earlier in the log: only if it is whole and `kept`
 * is a delta. Read only for objects held twice.
 */
static bool copy_better(const struct store *st, uint32_t kept, uint32_t copy)
{
	return copy_whole(st, copy) && !copy_whole(st, kept);
}

/*
 * An object's oldest copy is the one kept, unless a newer one is whole
 * and it is not (a thin push's deep base, copied whole: import_rebase),
 * whatever order qsort leaves equal ids in (newlib's, the guest's, keeps
 * none). The oldest copy's delta chain reaches only its own pack, whose
 * deltas all resolved when it came, and older records (or whole copies),
 * so it ends; a newer delta copy may be a delta on an object that is
 * itself a delta on this one (a thin push sending again an object the
 * store held as a delta's base), and reading through it would loop. A
 * whole copy ends every chain that reaches it.
 */
void store_idx_sort(struct store *st)
{
	uint32_t out = 0, j;

	if (!st->n)
		return;
	qsort(st->idx, st->n, sizeof(*st->idx), idx_cmp_copies);
	for (uint32_t i = 0; i < st->n; i = j) {
		uint32_t keep = i;
		for (j = i + 1; j < st->n && !idx_cmp(&st->idx[i], &st->idx[j]); j++)
			if (keep == i && copy_better(st, st->idx[i].off, st->idx[j].off))
				keep = j;
		st->idx[out++] = st->idx[keep];
	}
	st->n = out;
}

/*
 * A record may list objects an earlier one holds (a push sends again what
 * the store had), so the log may list more entries than the store has
 * objects. The index is sorted (its copies dropped) only when it is full;
 * from then an entry whose object the sorted part holds is skipped, or
 * taken in its place by the rule of store_idx_sort: records replay oldest
 * first. Only objects counted once can pass STORE_MAX_OBJECTS.
 */
int store_idx_replay(struct store *st, const struct store_oid *oid, uint64_t off)
{
	struct store_idx *e;

	if (st->n == STORE_MAX_OBJECTS && st->idx_sorted < st->n) {
		store_idx_sort(st);
		st->idx_sorted = st->n;
	}
	if ((e = (struct store_idx *)idx_find_in(st, st->idx_sorted, oid))) {
		if (off <= UINT32_MAX && copy_better(st, e->off, (uint32_t)off))
			e->off = (uint32_t)off;
		return 0;
	}
	return store_idx_add(st, oid, off);
}

bool store_has(struct store *st, const struct store_oid *oid)
{
	return store_idx_find(st, oid) != NULL;
}

/* ---- reading objects: a delta chain, resolved from its whole base up ---- */

static int read_dev(void *ctx, uint64_t off, void *buf, size_t len)
{
	return store_log_read(ctx, off, buf, len);
}

/*
 * The links of the chain being read, reused from read to read and grown
 * to the longest chain met (16 + 48 bytes a link; a typical chain is
 * under 50 links, the longest accepted STORE_MAX_DELTA_DEPTH + 1).
 */
struct store_link {
	uint64_t off;
	struct store_pack_entry_hdr h;
};

static struct store_link *link_at(struct store *st, int d)
{
	if ((unsigned)d >= st->chain_cap) {
		unsigned cap = st->chain_cap ? st->chain_cap * 2 : 16;
		struct store_link *v = realloc(st->chain, sizeof(*v) * cap);
		if (!v)
			return NULL;
		st->chain = v;
		st->chain_cap = cap;
	}
	return &st->chain[d];
}

/* The links from the object at `off` down to its whole base; *depth = deltas. */
static int chain_collect(struct store *st, uint64_t off, int *depth)
{
	for (int d = 0; d <= STORE_MAX_DELTA_DEPTH; d++) {
		struct store_link *k = link_at(st, d);
		const struct store_idx *base;
		if (!k)
			return -ENOMEM;
		k->off = off;
		if (store_pack_entry_parse(&st->src, off, st->log.sb.region_start, &k->h))
			return -EIO;
		if (k->h.size > st->max_obj)
			return -EFBIG;
		if (k->h.type < STORE_OBJ_OFS_DELTA) {
			*depth = d;
			return 0;
		}
		if (k->h.type == STORE_OBJ_OFS_DELTA) {
			off = k->h.base_off;
			continue;
		}
		if (!(base = store_idx_find(st, &k->h.base_id)))
			return -EIO;
		off = base->off;
	}
	return -ELOOP;
}

/* The entry's content inflated; *consumed (may be NULL) gets its zlib stream's length. */
static int inflate_at(struct store *st, const struct store_link *k, uint8_t **out,
                      size_t *consumed_out)
{
	size_t consumed, n = (size_t)k->h.size;
	uint8_t *buf = malloc(n + 1);
	int r;

	if (!buf)
		return -ENOMEM;
	r = store_zip_inflate(&st->src, k->off + k->h.hdr_len, buf, n, &consumed);
	if (r) {
		free(buf);
		return -EIO;
	}
	buf[n] = '\0';
	*out = buf;
	if (consumed_out)
		*consumed_out = consumed;
	return 0;
}

static int apply_link(struct store *st, const struct store_link *k, uint8_t **data, size_t *len)
{
	uint8_t *delta, *out;
	size_t out_len, base_len = *len;
	int r;

	if ((r = inflate_at(st, k, &delta, NULL)))
		return r;
	r = store_delta_sizes(delta, (size_t)k->h.size, &base_len, &out_len) ? -EIO : 0;
	if (!r && out_len > st->max_obj)
		r = -EFBIG;
	out = r ? NULL : malloc(out_len + 1);
	if (!r && !out)
		r = -ENOMEM;
	if (!r && store_delta_apply(*data, *len, delta, (size_t)k->h.size, out, out_len))
		r = -EIO;
	free(delta);
	if (r) {
		free(out);
		return r;
	}
	out[out_len] = '\0';
	free(*data);
	*data = out;
	*len = out_len;
	return 0;
}

/* ---- the cache of rebuilt objects (store_int.h) ---- */

void store_base_cache_clear(struct store *st)
{
	struct store_base_cache *c = &st->bases;

	for (unsigned i = 0; i < STORE_BASE_SLOTS; i++)
		free(c->e[i].data);
	memset(c, 0, sizeof(*c));
}

static struct store_base_ent *base_find(struct store *st, uint64_t off)
{
	for (unsigned i = 0; i < STORE_BASE_SLOTS; i++)
		if (st->bases.e[i].off == off) {
			st->bases.e[i].used = ++st->bases.clock;
			return &st->bases.e[i];
		}
	return NULL;
}

static void base_drop(struct store_base_cache *c, struct store_base_ent *e)
{
	c->bytes -= e->len;
	free(e->data);
	memset(e, 0, sizeof(*e));
}

/* Keep a copy of what the entry at `off` holds; nothing if it is large or memory is short. */
static void base_put(struct store *st, uint64_t off, const uint8_t *data, size_t len)
{
	struct store_base_cache *c = &st->bases;
	struct store_base_ent *e = NULL;

	if (len > STORE_BASE_OBJ_MAX || base_find(st, off))
		return;
	for (;;) {
		struct store_base_ent *old = NULL;
		for (unsigned i = 0; i < STORE_BASE_SLOTS; i++) {
			if (!c->e[i].off && !e)
				e = &c->e[i];
			if (c->e[i].off && (!old || c->e[i].used < old->used))
				old = &c->e[i];
		}
		if (e && c->bytes + len <= STORE_BASE_BYTES)
			break;
		base_drop(c, old);
		e = NULL;
	}
	if (!(e->data = malloc(len + 1)))
		return;
	memcpy(e->data, data, len);
	e->data[len] = '\0';
	e->off = off;
	e->len = len;
	e->used = ++c->clock;
	c->bytes += len;
}

/*
 * The object at `off`; *raw_len (may be NULL) gets its entry's bytes if it
 * is whole, else 0. A delta's chain is rebuilt from the nearest object of
 * it the cache holds, else from its base. On failure *data is NULL.
 */
static int read_at(struct store *st, uint64_t off, int *type, uint8_t **data, size_t *len,
                   uint64_t *raw_len, int *depth_out)
{
	struct store_base_ent *hit = NULL;
	size_t consumed = 0;
	int depth, from, r;

	*data = NULL;
	if ((r = chain_collect(st, off, &depth)))
		return r;
	if (depth_out)
		*depth_out = depth;
	for (from = 0; depth && from <= depth && !hit; from++)
		hit = base_find(st, st->chain[from].off);
	from = hit ? from - 1 : depth;
	if (hit) {
		if (!(*data = malloc(hit->len + 1)))
			return -ENOMEM;
		memcpy(*data, hit->data, hit->len + 1);
		*len = hit->len;
	} else if ((r = inflate_at(st, &st->chain[depth], data, &consumed))) {
		return r;
	} else {
		*len = (size_t)st->chain[depth].h.size;
		if (depth)
			base_put(st, st->chain[depth].off, *data, *len);
	}
	if (raw_len)
		*raw_len = depth ? 0 : st->chain[0].h.hdr_len + consumed;
	*type = st->chain[depth].h.type;
	for (int d = from - 1; d >= 0 && !r; d--)
		if (!(r = apply_link(st, &st->chain[d], data, len)))
			base_put(st, st->chain[d].off, *data, *len);
	if (r) {
		free(*data);
		*data = NULL;
	}
	return r;
}

int store_get(struct store *st, const struct store_oid *oid, int *type, uint8_t **data, size_t *len)
{
	const struct store_idx *e = store_idx_find(st, oid);

	return e ? read_at(st, e->off, type, data, len, NULL, NULL) : -ENOENT;
}

int store_get_raw(struct store *st, const struct store_oid *oid, int *type, uint8_t **data,
                  size_t *len, uint64_t *raw_len)
{
	const struct store_idx *e = store_idx_find(st, oid);

	return e ? read_at(st, e->off, type, data, len, raw_len, NULL) : -ENOENT;
}

/* ---- where an object lies ---- */

int store_entry_where(struct store *st, const struct store_oid *oid, struct store_entry_where *w)
{
	const struct store_idx *e = store_idx_find(st, oid);
	int depth, r;

	if (!e)
		return -ENOENT;
	if ((r = chain_collect(st, e->off, &depth)))
		return r;
	w->off = e->off;
	w->type = st->chain[depth].h.type;
	w->size = st->chain[0].h.size;
	w->base_off = depth ? st->chain[1].off : 0;
	return 0;
}

int store_type(struct store *st, const struct store_oid *oid, int *type)
{
	struct store_entry_where w;
	int r = store_entry_where(st, oid, &w);

	if (!r)
		*type = w.type;
	return r;
}

int store_delta_depth(struct store *st, const struct store_oid *oid, int *depth)
{
	const struct store_idx *e = store_idx_find(st, oid);

	return e ? chain_collect(st, e->off, depth) : -ENOENT;
}

int store_object_size(struct store *st, const struct store_oid *oid, uint64_t *size)
{
	const struct store_idx *e = store_idx_find(st, oid);
	const struct store_link *k;
	struct store_zip_reader *zr;
	uint8_t head[20]; /* a delta's two sizes: two varints of at most 10 bytes */
	size_t got = 1, len = 0, out;
	int depth, r;

	if (!e)
		return -ENOENT;
	if ((r = chain_collect(st, e->off, &depth)))
		return r;
	k = st->chain;
	if (!depth) {
		*size = k->h.size;
		return 0;
	}
	/* A delta: its first bytes say its base's size, then what it makes; only those inflated. */
	if (store_zip_reader_open(&zr, &st->src, k->off + k->h.hdr_len, k->h.size))
		return -EIO;
	while (len < sizeof(head) && got &&
	       !(r = store_zip_reader_read(zr, head + len, sizeof(head) - len, &got)))
		len += got;
	store_zip_reader_close(zr);
	if (r || store_delta_sizes(head, len, NULL, &out))
		return -EIO;
	*size = out;
	return 0;
}

int store_entry_info(struct store *st, const struct store_oid *oid, int *type, uint64_t *size,
                     uint64_t *whole_off)
{
	struct store_entry_where w;
	int r = store_entry_where(st, oid, &w);

	if (r)
		return r;
	*type = w.type;
	*size = w.base_off ? 0 : w.size;
	*whole_off = w.base_off ? 0 : w.off;
	return 0;
}

int store_entry_raw_len(struct store *st, uint64_t off, uint64_t *raw_len, size_t *hdr_len)
{
	struct store_pack_entry_hdr h;
	struct store_zip_reader *zr;
	uint8_t *buf = malloc(STORE_PAGE);
	size_t got = 1;
	int r = buf ? 0 : -ENOMEM;

	if (!r && store_pack_entry_parse(&st->src, off, st->log.sb.region_start, &h))
		r = -EIO;
	if (!r)
		r = store_zip_reader_open(&zr, &st->src, off + h.hdr_len, h.size);
	if (r) {
		free(buf);
		return r;
	}
	/* The stream's length is known once it is inflated: the copy is checked on the way. */
	while (!r && got)
		r = store_zip_reader_read(zr, buf, STORE_PAGE, &got) ? -EIO : 0;
	if (!r)
		*raw_len = h.hdr_len + store_zip_reader_consumed(zr);
	if (!r && hdr_len)
		*hdr_len = h.hdr_len;
	store_zip_reader_close(zr);
	free(buf);
	return r;
}

/* ---- readers over many steps ---- */

unsigned store_region(const struct store *st)
{
	return st->log.sb.region_start != STORE_LOG_START;
}

void store_mark_set(const struct store *st, struct store_mark *m)
{
	m->region = store_region(st);
	m->overwrites = st->overwrites[m->region];
}

bool store_mark_stale(const struct store *st, const struct store_mark *m)
{
	return st->overwrites[m->region] != m->overwrites;
}

/* ---- reading a blob in pieces ---- */

struct store_blob {
	struct store *st;
	struct store_mark mark;      /* where it reads */
	struct store_zip_reader *zr; /* a blob stored whole: inflated as it is read */
	uint8_t *data;               /* a deltified one: rebuilt in memory */
	size_t len, pos;
};

int store_blob_open(struct store *st, const struct store_oid *oid, struct store_blob **out,
                    uint64_t *size)
{
	const struct store_idx *e = store_idx_find(st, oid);
	struct store_blob *b;
	int depth, type, r;

	if (!e)
		return -ENOENT;
	if (!(b = calloc(1, sizeof(*b))))
		return -ENOMEM;
	b->st = st;
	store_mark_set(st, &b->mark);
	if ((r = chain_collect(st, e->off, &depth)))
		goto fail;
	if (depth == 0) {
		const struct store_link *k = &st->chain[0];
		r = k->h.type == STORE_OBJ_BLOB ? 0 : -EINVAL;
		if (!r)
			r = store_zip_reader_open(&b->zr, &st->src, k->off + k->h.hdr_len,
			                          k->h.size);
		*size = k->h.size;
	} else if (!(r = read_at(st, e->off, &type, &b->data, &b->len, NULL, NULL))) {
		r = type == STORE_OBJ_BLOB ? 0 : -EINVAL;
		*size = b->len;
	}
	if (r)
		goto fail;
	*out = b;
	return 0;
fail:
	store_blob_close(b);
	return r;
}

int store_blob_read(struct store_blob *b, void *buf, size_t len, size_t *got)
{
	if (store_mark_stale(b->st, &b->mark))
		return -ESTALE;
	if (b->zr)
		return store_zip_reader_read(b->zr, buf, len, got) ? -EIO : 0;
	*got = len < b->len - b->pos ? len : b->len - b->pos;
	memcpy(buf, b->data + b->pos, *got);
	b->pos += *got;
	return 0;
}

void store_blob_close(struct store_blob *b)
{
	if (b) {
		store_zip_reader_close(b->zr);
		free(b->data);
		free(b);
	}
}

/* ---- opening and closing ---- */

void store_set_max_object(struct store *st, size_t max)
{
	st->max_obj = max;
}

static struct store *store_alloc(void)
{
	struct store *st = calloc(1, sizeof(*st));

	if (st) {
		st->max_obj = STORE_DEFAULT_MAX_OBJECT;
		st->src.read = read_dev;
		st->src.ctx = &st->log;
	}
	return st;
}

int store_open(struct store **out, bool full_check)
{
	struct store *st = store_alloc();
	int r;

	if (!st)
		return -ENOMEM;
	if ((r = store_log_open(&st->log, full_check, store_apply_record, st))) {
		store_refs_free(st);
		free(st->chain);
		free(st->idx);
		free(st);
		return r;
	}
	st->src.size = st->log.dev_size;
	store_idx_sort(st);
	*out = st;
	return 0;
}

int store_close(struct store *st)
{
	int r = st->log.since_ckpt ? store_log_checkpoint(&st->log) : 0;

	store_log_close(&st->log);
	store_refs_free(st);
	store_base_cache_clear(st);
	free(st->chain);
	free(st->idx);
	free(st);
	return r;
}

int store_init(uint64_t size)
{
	struct store *st = store_alloc();
	struct store_ref head = {.name = "HEAD", .sym = "refs/heads/main"};
	int r;

	if (!st)
		return -ENOMEM;
	if (!(r = store_log_format(&st->log, size))) {
		if (!(r = store_refs_write(st, STORE_LOG_SNAPSHOT, &head, 1, false)))
			r = store_log_checkpoint(&st->log);
		store_log_close(&st->log);
	}
	store_refs_free(st);
	free(st);
	return r;
}

void store_stats(struct store *st, struct store_stats *s)
{
	s->objects = st->n;
	s->index_bytes = (uint64_t)st->n * sizeof(*st->idx);
	s->log_used = st->log.head - st->log.sb.region_start;
	s->log_size = st->log.sb.region_end - st->log.sb.region_start;
	s->dev_size = st->log.sb.dev_size;
}

/* ---- adding a pack as its bytes arrive ---- */

struct store_import {
	struct store *st;
	struct store_sha1 sha; /* every byte but the last 20 */
	uint8_t tail[20];      /* the last bytes seen: the trailer, once the pack ends */
	size_t ntail;
	uint64_t len;                 /* bytes so far */
	struct store_pack_scan *scan; /* pass 1 of indexing, as the bytes arrive */
	struct store_private *priv;   /* store_import_keep_private's, or NULL */
	int err;                      /* the first error; later calls return it */
	int base_err;                 /* a thin base's read that failed, but for -ENOENT */
	/* Thin bases as deep as STORE_CHAIN_DEPTH, to copy whole (import_rebase). */
	struct store_oid *rebase;
	uint32_t nrebase, rebase_cap;
};

/*
 * What an import leaves free in the region: room for ref records after
 * it (its own update, then deletions), so that a store that pushes filled
 * can still record the deletions that let a compaction give space back.
 */
#define IMPORT_RESERVE (2 * STORE_LOG_BLOCK)

int store_import_begin(struct store *st, uint64_t size_hint, struct store_import **out)
{
	uint64_t region = st->log.sb.region_end - st->log.sb.region_start;
	struct store_import *imp;
	int r;

	if (store_log_rec_size(size_hint) > region)
		return -ENOSPC;
	/* Room for the pack and its index (24 bytes an object), made before it starts. */
	if (size_hint &&
	    store_log_rec_size(size_hint + size_hint / 4) + IMPORT_RESERVE >
	        store_log_free(&st->log) &&
	    (r = store_reclaim(st)))
		return r;
	if (!(imp = calloc(1, sizeof(*imp))))
		return -ENOMEM;
	if ((r = store_pack_scan_begin(&imp->scan, st->max_obj, STORE_IMPORT_MAX_OBJECTS))) {
		free(imp);
		return r;
	}
	if ((r = store_log_rec_begin(&st->log, STORE_LOG_PACK, false))) {
		store_pack_scan_free(imp->scan);
		free(imp);
		return r;
	}
	imp->st = st;
	store_sha1_init(&imp->sha);
	*out = imp;
	return 0;
}

/* Hash all but the last 20 bytes seen, which may be the trailer. */
static void import_hash(struct store_import *imp, const uint8_t *p, size_t len)
{
	size_t out;

	if (len >= 20) {
		store_sha1_update(&imp->sha, imp->tail, imp->ntail);
		store_sha1_update(&imp->sha, p, len - 20);
		memcpy(imp->tail, p + len - 20, 20);
		imp->ntail = 20;
		return;
	}
	/* Fewer than 20 new bytes: the oldest of the tail leave it. */
	out = imp->ntail + len > 20 ? imp->ntail + len - 20 : 0;
	store_sha1_update(&imp->sha, imp->tail, out);
	memmove(imp->tail, imp->tail + out, imp->ntail - out);
	memcpy(imp->tail + imp->ntail - out, p, len);
	imp->ntail += len - out;
}

int store_import_write(struct store_import *imp, const void *data, size_t len)
{
	if (imp->err)
		return imp->err;
	/* Each piece is written, and scanned: the work of a piece is bounded by its size. */
	if ((imp->err = store_log_rec_write(&imp->st->log, data, len)) ||
	    (imp->err = store_pack_scan_feed(imp->scan, data, len)))
		return imp->err;
	import_hash(imp, data, len);
	imp->len += len;
	return 0;
}

static int import_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	return store_log_rec_read(ctx, STORE_LOG_HDR + off, buf, len);
}

static int rebase_add(struct store_import *imp, const struct store_oid *oid)
{
	if (imp->nrebase == imp->rebase_cap) {
		uint32_t cap = imp->rebase_cap ? imp->rebase_cap * 2 : 8;
		struct store_oid *v = realloc(imp->rebase, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		imp->rebase = v;
		imp->rebase_cap = cap;
	}
	imp->rebase[imp->nrebase++] = *oid;
	return 0;
}

/*
 * A thin base, from the store. One as deep as STORE_CHAIN_DEPTH will be
 * copied whole behind the pack (import_rebase), so the pack's deltas on
 * it count their depth from 0: else a page edited push after push would
 * make one chain a link longer each time, until nothing could read it.
 */
static int thin_base(void *ctx, const struct store_oid *oid, int *type, uint8_t **data, size_t *len,
                     int *depth)
{
	struct store_import *imp = ctx;
	const struct store_idx *e = store_idx_find(imp->st, oid);
	int r;

	if (!e)
		return -ENOENT;
	if (!(r = read_at(imp->st, e->off, type, data, len, NULL, depth)) &&
	    *depth >= STORE_CHAIN_DEPTH) {
		*depth = 0;
		if ((r = rebase_add(imp, oid)))
			free(*data);
	}
	if (r && !imp->base_err)
		imp->base_err = r;
	return r;
}

static int oid_cmp(const void *a, const void *b)
{
	return store_oid_cmp(a, b);
}

static int log_sink(void *ctx, const void *data, size_t len)
{
	return store_log_rec_write(ctx, data, len);
}

/*
 * The deep thin bases, each once, copied whole into the record behind
 * the pack (as git's index-pack --fix-thin adds them to a thin pack):
 * *idx gets their index entries. The store's index takes these copies
 * over the deltas it had (store_idx_sort).
 */
static int import_rebase(struct store_import *imp, struct store_log_idx **idx, uint32_t *n,
                         uint64_t *pack_len)
{
	struct store *st = imp->st;
	struct store_packw w;
	uint32_t k = 0;
	int r = 0;

	*idx = NULL;
	*n = 0;
	*pack_len = imp->len;
	if (!imp->nrebase)
		return 0;
	qsort(imp->rebase, imp->nrebase, sizeof(*imp->rebase), oid_cmp);
	for (uint32_t i = 0; i < imp->nrebase; i++)
		if (!k || store_oid_cmp(&imp->rebase[k - 1], &imp->rebase[i]))
			imp->rebase[k++] = imp->rebase[i];
	if (!(*idx = malloc(sizeof(**idx) * k)))
		return -ENOMEM;
	store_packw_continue(&w, log_sink, &st->log, imp->len, k);
	for (uint32_t i = 0; i < k && !r; i++) {
		uint8_t *data;
		size_t len;
		uint64_t off;
		int type;
		if ((r = store_get(st, &imp->rebase[i], &type, &data, &len)))
			break;
		r = store_packw_object(&w, type, data, len, &off);
		free(data);
		memcpy((*idx)[i].oid, imp->rebase[i].b, STORE_OID_LEN);
		(*idx)[i].off = (uint32_t)off;
	}
	*n = k;
	*pack_len = w.off;
	return r;
}

/* The index part of the record: the objects' ids and offsets in the pack, then the whole copies'.
 */
static int import_index(struct store *st, uint64_t pack_len, const struct store_pack_index *pix,
                        const struct store_log_idx *whole, uint32_t nwhole, uint64_t *rec)
{
	int r = 0;

	store_log_rec_index_start(&st->log, pack_len, pix->n + nwhole);
	for (uint32_t i = 0; i < pix->n && !r; i++) {
		struct store_log_idx e;
		memcpy(e.oid, pix->obj[i].oid.b, STORE_OID_LEN);
		e.off = (uint32_t)pix->obj[i].off;
		r = store_log_rec_write(&st->log, &e, sizeof(e));
	}
	if (!r && nwhole)
		r = store_log_rec_write(&st->log, whole, sizeof(*whole) * nwhole);
	return r ? r : store_log_rec_end(&st->log, rec);
}

/* The objects of the pack the store does not hold. */
static uint32_t new_objects(const struct store *st, const struct store_pack_index *pix)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < pix->n; i++)
		n += !store_idx_find(st, &pix->obj[i].oid);
	return n;
}

/* Verify the whole pack from the device, then make its objects visible. */
static int import_finish(struct store_import *imp, uint32_t *n_new)
{
	struct store *st = imp->st;
	struct store_src src = {import_read, &st->log, imp->len - 20};
	struct store_pack_index pix;
	struct store_log_idx *whole = NULL;
	uint8_t sum[20];
	uint64_t rec, pack_len;
	uint32_t before = st->n, nwhole = 0;
	int r;

	/* A pack cut short or with bytes past its objects is malformed before its trailer is wrong.
	 */
	if (imp->len < STORE_PACK_HDR + 20)
		return -EINVAL;
	if ((r = store_pack_scan_done(imp->scan, 20)))
		return r;
	store_sha1_final(&imp->sha, sum);
	if (memcmp(sum, imp->tail, 20))
		return -EBADMSG;
	/* What is left: the deltas, resolved from the device. */
	if ((r = store_pack_scan_finish(imp->scan, &src, thin_base, imp, &pix)))
		return r == -ENOENT && imp->base_err ? imp->base_err : r;
	if ((imp->priv && (r = store_private_carried(st, &pix, imp->priv))) ||
	    (r = import_rebase(imp, &whole, &nwhole, &pack_len)))
		goto out;
	/* The index has room for the new objects before the record is whole: then nothing fails. */
	if (store_log_rec_size(pack_len +
	                       (uint64_t)(pix.n + nwhole) * sizeof(struct store_log_idx)) +
	        IMPORT_RESERVE >
	    store_log_free(&st->log))
		r = -ENOSPC;
	else if (!(r = idx_reserve(st, new_objects(st, &pix))) &&
	         !(r = import_index(st, pack_len, &pix, whole, nwhole, &rec))) {
		/*
		 * Only the entries before this pack's are sorted; the pack holds
		 * each object once (store_pack_scan_finish). The whole copies are
		 * of objects held before it.
		 */
		for (uint32_t i = 0; i < pix.n && !r; i++)
			if (!idx_find_in(st, before, &pix.obj[i].oid))
				r = store_idx_add(st, &pix.obj[i].oid,
				                  rec + STORE_LOG_HDR + pix.obj[i].off);
		for (uint32_t i = 0; i < nwhole; i++) {
			struct store_idx *e = (struct store_idx *)idx_find_in(
			    st, before, (const struct store_oid *)whole[i].oid);
			if (e)
				e->off = (uint32_t)(rec + STORE_LOG_HDR + whole[i].off);
		}
	}
	store_idx_sort(st);
out:
	free(whole);
	store_pack_index_free(&pix);
	if (n_new)
		*n_new = st->n - before;
	return r;
}

int store_import_end(struct store_import *imp, uint32_t *n_new)
{
	int r = imp->err ? imp->err : import_finish(imp, n_new);

	if (r)
		store_log_rec_abort(&imp->st->log);
	store_pack_scan_free(imp->scan);
	free(imp->rebase);
	free(imp);
	return r;
}

uint64_t store_import_failed_at(const struct store_import *imp)
{
	return store_pack_scan_entry_off(imp->scan);
}

uint32_t store_import_count(const struct store_import *imp)
{
	return store_pack_scan_count(imp->scan);
}

void store_import_keep_private(struct store_import *imp, struct store_private *priv)
{
	imp->priv = priv;
}

void store_import_abort(struct store_import *imp)
{
	if (imp) {
		store_log_rec_abort(&imp->st->log);
		store_pack_scan_free(imp->scan);
		free(imp->rebase);
		free(imp);
	}
}

int store_import_pack(struct store *st, const uint8_t *pack, size_t len, uint32_t *n_new)
{
	struct store_import *imp;
	int r = store_import_begin(st, len, &imp);

	if (r)
		return r;
	if ((r = store_import_write(imp, pack, len))) {
		store_import_abort(imp);
		return r;
	}
	return store_import_end(imp, n_new);
}

int store_membuf_sink(void *ctx, const void *data, size_t len)
{
	struct store_membuf *m = ctx;

	if (m->len + len > m->cap) {
		size_t cap = (m->cap + len) * 2;
		uint8_t *p = realloc(m->p, cap);
		if (!p)
			return -ENOMEM;
		m->p = p;
		m->cap = cap;
	}
	memcpy(m->p + m->len, data, len);
	m->len += len;
	return 0;
}

int store_put_objects(struct store *st, const int *types, const uint8_t *const *data,
                      const size_t *lens, uint32_t n)
{
	struct store_membuf m = {0};
	struct store_packw w;
	int r = store_packw_begin(&w, store_membuf_sink, &m, n);

	for (uint32_t i = 0; i < n && !r; i++)
		r = store_packw_object(&w, types[i], data[i], lens[i], NULL);
	if (!r)
		r = store_packw_end(&w, NULL);
	if (!r)
		r = store_import_pack(st, m.p, m.len, NULL);
	free(m.p);
	return r;
}
