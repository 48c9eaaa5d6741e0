/* Indexing packfiles v2 (gitformat-pack(5)): entries, deltas, thin bases. */
#include "pack.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "delta.h"
#include "pack_int.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * An entry header (gitformat-pack): type in bits 4-6 of the first byte,
 * size as little-endian base-128, then for an ofs-delta the distance back
 * to its base (big-endian base-128, each continuation adding one), for a
 * ref-delta the base's id. 1 while `n` bytes are not yet all of it.
 */
int store_pack_hdr_try(const uint8_t *p, size_t n, uint64_t off, uint64_t min_off,
                       struct store_pack_entry_hdr *h)
{
	size_t i = 0;
	int shift = 4;
	uint64_t dist;
	uint8_t c;

	if (n == 0)
		return 1;
	c = p[i++];
	h->type = (c >> 4) & 7;
	h->size = c & 15;
	while (c & 0x80) {
		if (i >= n)
			return 1;
		if (shift > 57)
			return -EINVAL;
		c = p[i++];
		h->size |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	}
	h->hdr_len = i;
	switch (h->type) {
	case STORE_OBJ_COMMIT:
	case STORE_OBJ_TREE:
	case STORE_OBJ_BLOB:
	case STORE_OBJ_TAG:
		return 0;
	case STORE_OBJ_OFS_DELTA:
		if (i >= n)
			return 1;
		c = p[i++];
		dist = c & 0x7f;
		while (c & 0x80) {
			if (i >= n)
				return 1;
			if (dist > (UINT64_MAX >> 8))
				return -EINVAL;
			c = p[i++];
			dist = ((dist + 1) << 7) | (c & 0x7f);
		}
		if (dist == 0 || off < min_off || dist > off - min_off)
			return -EINVAL;
		h->base_off = off - dist;
		h->hdr_len = i;
		return 0;
	case STORE_OBJ_REF_DELTA:
		if (n - i < STORE_OID_LEN)
			return 1;
		memcpy(h->base_id.b, p + i, STORE_OID_LEN);
		h->hdr_len = i + STORE_OID_LEN;
		return 0;
	default:
		return -EINVAL;
	}
}

int store_pack_entry_parse(const struct store_src *src, uint64_t off, uint64_t min_off,
                           struct store_pack_entry_hdr *h)
{
	uint8_t buf[40];
	size_t n = sizeof(buf);
	int r;

	if (off >= src->size)
		return -EINVAL;
	if (src->size - off < n)
		n = (size_t)(src->size - off);
	if ((r = src->read(src->ctx, off, buf, n)))
		return r;
	/* Incomplete where the source ends: truncated, so malformed. */
	return store_pack_hdr_try(buf, n, off, min_off, h) ? -EINVAL : 0;
}

/* ---- indexing ---- */

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, (const uint8_t *)ctx + off, len);
	return 0;
}

static int inflate_entry(struct ix *x, struct ent *e, uint8_t **out, size_t *zlen)
{
	size_t consumed;
	uint8_t *buf;
	int r;

	if (e->h.size > x->max_obj)
		return -EFBIG;
	buf = malloc(e->h.size ? (size_t)e->h.size : 1);
	if (!buf)
		return -ENOMEM;
	r = store_zip_inflate(&x->src, e->off + e->h.hdr_len, buf, (size_t)e->h.size, &consumed);
	if (r) {
		free(buf);
		return r;
	}
	*out = buf;
	if (zlen)
		*zlen = consumed;
	return 0;
}

int store_pack_found(struct ix *x, struct ent *e, int type, const uint8_t *data, size_t len)
{
	int r = store_object_check(type, data, len);

	if (r)
		return r;
	if ((r = store_object_id(type, data, len, &e->oid)))
		return r; /* -EILSEQ: a collision attack, refused */
	e->type = (uint8_t)type;
	e->done = true;
	x->resolved++;
	return 0;
}

static struct ix *sort_ctx;

/* Kids of one base stay in pack order: resolution (and its memory) is deterministic. */
static int cmp_index(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	return i < j ? -1 : i > j;
}

static int cmp_ofs(const void *a, const void *b)
{
	uint64_t x = sort_ctx->e[*(const uint32_t *)a].h.base_off;
	uint64_t y = sort_ctx->e[*(const uint32_t *)b].h.base_off;
	return x != y ? (x < y ? -1 : 1) : cmp_index(a, b);
}

static int cmp_ref(const void *a, const void *b)
{
	int c = store_oid_cmp(&sort_ctx->e[*(const uint32_t *)a].h.base_id,
	                      &sort_ctx->e[*(const uint32_t *)b].h.base_id);
	return c ? c : cmp_index(a, b);
}

static int build_kids(struct ix *x)
{
	x->ofs_kids = malloc(sizeof(uint32_t) * (x->n + 1));
	x->ref_kids = malloc(sizeof(uint32_t) * (x->n + 1));
	if (!x->ofs_kids || !x->ref_kids)
		return -ENOMEM;
	for (uint32_t i = 0; i < x->n; i++) {
		if (x->e[i].h.type == STORE_OBJ_OFS_DELTA)
			x->ofs_kids[x->nofs++] = i;
		else if (x->e[i].h.type == STORE_OBJ_REF_DELTA)
			x->ref_kids[x->nref++] = i;
	}
	sort_ctx = x;
	qsort(x->ofs_kids, x->nofs, sizeof(uint32_t), cmp_ofs);
	qsort(x->ref_kids, x->nref, sizeof(uint32_t), cmp_ref);
	return 0;
}

/* First index in a sorted kid list whose key is not below the wanted one. */
static uint32_t lower_ofs(const struct ix *x, uint64_t off)
{
	uint32_t lo = 0, hi = x->nofs;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (x->e[x->ofs_kids[mid]].h.base_off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t lower_ref(const struct ix *x, const struct store_oid *oid)
{
	uint32_t lo = 0, hi = x->nref;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (store_oid_cmp(&x->e[x->ref_kids[mid]].h.base_id, oid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Resolving deltas: a depth-first walk over the tree of deltas hanging off
 * one base, with its own stack on the heap (a frame per base whose kids
 * are still being resolved), so a chain as long as STORE_MAX_DELTA_DEPTH
 * costs no machine stack. A base is freed as soon as its last kid is
 * taken, so a plain chain holds two objects at a time; a branching tree
 * holds one per branching ancestor, and all of them together may take at
 * most DELTA_HELD_MAX(max_obj) bytes, else the pack is refused (-EFBIG).
 */
#define DELTA_HELD_MAX(max_obj)                                                                    \
	(2 * (uint64_t)(max_obj) < STORE_DELTA_HELD_MAX ? 2 * (uint64_t)(max_obj)                  \
	                                                : STORE_DELTA_HELD_MAX)

struct frame {
	uint8_t *data; /* the base's content, owned */
	size_t len;
	int type;
	uint64_t off; /* its offset in the pack, 0 if outside it */
	struct store_oid oid;
	uint32_t ko, kr; /* cursors into ofs_kids and ref_kids */
	int depth;       /* deltas between it and its whole base */
};

struct rstack {
	struct frame *v;
	size_t n, cap;
	uint64_t held; /* bytes of every frame's data */
};

static int frame_push(struct ix *x, struct rstack *k, uint8_t *data, size_t len, int type,
                      uint64_t off, const struct store_oid *oid, int depth)
{
	struct frame *f;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		struct frame *v = realloc(k->v, sizeof(*v) * cap);
		if (!v) {
			free(data);
			return -ENOMEM;
		}
		k->v = v;
		k->cap = cap;
	}
	f = &k->v[k->n++];
	*f = (struct frame){
	    data, len, type, off, *oid, off ? lower_ofs(x, off) : x->nofs, lower_ref(x, oid),
	    depth};
	k->held += len;
	return 0;
}

static void frame_pop(struct rstack *k)
{
	struct frame *f = &k->v[--k->n];

	k->held -= f->len;
	free(f->data);
}

/* The next unresolved kid of `f` (advancing its cursors), or NULL. */
static struct ent *next_kid(struct ix *x, struct frame *f)
{
	while (f->ko < x->nofs && x->e[x->ofs_kids[f->ko]].h.base_off == f->off) {
		struct ent *c = &x->e[x->ofs_kids[f->ko++]];
		if (!c->done)
			return c;
	}
	while (f->kr < x->nref && !store_oid_cmp(&x->e[x->ref_kids[f->kr]].h.base_id, &f->oid)) {
		struct ent *c = &x->e[x->ref_kids[f->kr++]];
		if (!c->done)
			return c;
	}
	return NULL;
}

static bool more_kids(struct ix *x, const struct frame *f)
{
	struct frame peek = *f;

	return next_kid(x, &peek) != NULL;
}

/*
 * Apply the delta `c` to the top frame's content: its object in *out.
 * `held` is what the other frames will still hold beside it.
 */
static int apply_kid(struct ix *x, const struct frame *f, struct ent *c, uint64_t held,
                     uint8_t **out, size_t *out_len)
{
	size_t base_len = f->len;
	uint8_t *delta;
	int r;

	*out = NULL;
	if ((r = inflate_entry(x, c, &delta, NULL)))
		return r;
	r = store_delta_sizes(delta, (size_t)c->h.size, &base_len, out_len);
	if (!r && (*out_len > x->max_obj || held + *out_len > DELTA_HELD_MAX(x->max_obj)))
		r = -EFBIG;
	if (!r && !(*out = malloc(*out_len ? *out_len : 1)))
		r = -ENOMEM;
	if (!r)
		r = store_delta_apply(f->data, f->len, delta, (size_t)c->h.size, *out, *out_len);
	free(delta);
	if (!r)
		r = store_pack_found(x, c, f->type, *out, *out_len);
	if (r) {
		free(*out);
		*out = NULL;
	}
	return r;
}

/*
 * Resolve every delta that hangs, directly or not, off the base (off, oid)
 * whose content `data` this takes ownership of.
 */
static int resolve_from(struct ix *x, uint64_t off, const struct store_oid *oid, int type,
                        uint8_t *data, size_t len, int depth)
{
	struct rstack k = {0};
	int r = frame_push(x, &k, data, len, type, off, oid, depth);

	while (!r && k.n) {
		struct frame *f = &k.v[k.n - 1];
		struct ent *c = next_kid(x, f);
		uint8_t *out;
		size_t out_len;
		int t = f->type, depth = f->depth + 1;
		bool last;
		if (!c) {
			frame_pop(&k);
			continue;
		}
		if (depth > STORE_MAX_DELTA_DEPTH) {
			r = -ELOOP;
			break;
		}
		last = !more_kids(x, f);
		if ((r = apply_kid(x, f, c, k.held - (last ? f->len : 0), &out, &out_len)))
			break;
		if (last)
			frame_pop(&k);
		r = frame_push(x, &k, out, out_len, t, c->off, &c->oid, depth);
	}
	while (k.n)
		frame_pop(&k);
	free(k.v);
	return r;
}

static bool has_kids(const struct ix *x, const struct ent *e)
{
	uint32_t k = lower_ofs(x, e->off), j = lower_ref(x, &e->oid);
	return (k < x->nofs && x->e[x->ofs_kids[k]].h.base_off == e->off) ||
	       (j < x->nref && !store_oid_cmp(&x->e[x->ref_kids[j]].h.base_id, &e->oid));
}

/* Pass 2: every delta tree hanging off a whole object of the pack. */
static int resolve_in_pack(struct ix *x)
{
	for (uint32_t i = 0; i < x->n; i++) {
		struct ent *e = &x->e[i];
		uint8_t *data;
		int r;

		if (e->h.type >= STORE_OBJ_OFS_DELTA || !has_kids(x, e))
			continue;
		if ((r = inflate_entry(x, e, &data, NULL)) ||
		    (r = resolve_from(x, e->off, &e->oid, e->type, data, (size_t)e->h.size, 0)))
			return r;
	}
	return 0;
}

/*
 * Pass 3: ref-deltas left over take their base from the store (thin
 * packs), their chains counted from the base's own depth there. A base
 * the store lacks may be a delta of the pack on another thin base,
 * rebuilt (with its kids) when that one's turn comes: only what is left
 * at the end has no base.
 */
static int resolve_thin(struct ix *x, store_base_fn get_base, void *ctx, uint32_t *thin)
{
	bool missing = false;

	for (uint32_t k = 0; k < x->nref && x->resolved < x->n; k++) {
		struct ent *c = &x->e[x->ref_kids[k]];
		uint8_t *data;
		size_t len;
		int type, depth, r;

		if (c->done)
			continue;
		if (!get_base || get_base(ctx, &c->h.base_id, &type, &data, &len, &depth)) {
			missing = true;
			continue;
		}
		(*thin)++;
		if ((r = resolve_from(x, 0, &c->h.base_id, type, data, len, depth)))
			return r;
	}
	if (x->resolved == x->n)
		return 0;
	/* -ENOENT: a base neither in the pack nor in the store. */
	return missing ? -ENOENT : -EINVAL;
}

/* The 12-byte header: "PACK", version 2 or 3, and a plausible object count. */
int store_pack_header(const uint8_t hdr[STORE_PACK_HDR], uint64_t len, uint32_t *n)
{
	if (memcmp(hdr, "PACK", 4) || (be32(hdr + 4) != 2 && be32(hdr + 4) != 3))
		return -EINVAL;
	*n = be32(hdr + 8);
	/* Every entry takes at least 3 bytes: a header byte and a zlib stream. */
	if (len < STORE_PACK_HDR + 20 || *n > (len - STORE_PACK_HDR - 20) / 3)
		return -EINVAL;
	return 0;
}

static int cmp_oid(const void *a, const void *b)
{
	return store_oid_cmp(&sort_ctx->e[*(const uint32_t *)a].oid,
	                     &sort_ctx->e[*(const uint32_t *)b].oid);
}

/*
 * Each object once, as git's index-pack demands ("appears twice in the
 * pack"): of two copies, one may be a delta on an object that is itself a
 * delta on the other copy, and an index that took it would send the reader
 * round that loop.
 */
static int check_unique(struct ix *x)
{
	uint32_t *v = malloc(sizeof(*v) * (x->n + 1));
	int r = 0;

	if (!v)
		return -ENOMEM;
	for (uint32_t i = 0; i < x->n; i++)
		v[i] = i;
	sort_ctx = x;
	qsort(v, x->n, sizeof(*v), cmp_oid);
	for (uint32_t i = 1; i < x->n && !r; i++)
		if (!store_oid_cmp(&x->e[v[i - 1]].oid, &x->e[v[i]].oid))
			r = -EINVAL;
	free(v);
	return r;
}

static int export_index(struct ix *x, struct store_pack_index *idx)
{
	idx->obj = malloc(sizeof(*idx->obj) * (x->n + 1));
	if (!idx->obj)
		return -ENOMEM;
	for (uint32_t i = 0; i < x->n; i++) {
		idx->obj[i].oid = x->e[i].oid;
		idx->obj[i].off = x->e[i].off;
		idx->obj[i].crc = x->e[i].crc;
		idx->obj[i].type = x->e[i].type;
	}
	idx->n = x->n;
	return 0;
}

int store_pack_scan_finish(struct store_pack_scan *s, const struct store_src *src,
                           store_base_fn get_base, void *ctx, struct store_pack_index *idx)
{
	struct ix *x = store_pack_scan_ix(s);
	int r;

	memset(idx, 0, sizeof(*idx));
	x->src = *src;
	x->ofs_kids = x->ref_kids = NULL;
	x->nofs = x->nref = 0;
	if (!(r = build_kids(x)) && !(r = resolve_in_pack(x)) &&
	    !(r = resolve_thin(x, get_base, ctx, &idx->thin_bases)) && !(r = check_unique(x)))
		r = export_index(x, idx);
	free(x->ofs_kids);
	free(x->ref_kids);
	x->ofs_kids = x->ref_kids = NULL;
	/* `idx` has all they held: the store's index grows next, without them. */
	if (!r) {
		free(x->e);
		x->e = NULL;
	}
	return r;
}

int store_pack_index_src(const struct store_src *src, size_t max_obj, store_base_fn get_base,
                         void *ctx, struct store_pack_index *idx)
{
	struct store_pack_scan *s;
	uint8_t *buf = malloc(65536);
	int r = buf ? store_pack_scan_begin(&s, max_obj, UINT32_MAX) : -ENOMEM;

	memset(idx, 0, sizeof(*idx));
	if (r) {
		free(buf);
		return r;
	}
	for (uint64_t off = 0; off < src->size && !r; off += 65536) {
		size_t n = src->size - off < 65536 ? (size_t)(src->size - off) : 65536;
		if (!(r = src->read(src->ctx, off, buf, n)))
			r = store_pack_scan_feed(s, buf, n);
	}
	if (!r && !(r = store_pack_scan_done(s, 0)))
		r = store_pack_scan_finish(s, src, get_base, ctx, idx);
	store_pack_scan_free(s);
	free(buf);
	return r;
}

int store_pack_index(const uint8_t *pack, size_t len, size_t max_obj, store_base_fn get_base,
                     void *ctx, struct store_pack_index *idx)
{
	struct store_src src = {mem_read, (void *)pack, len - 20};
	uint8_t sum[20];
	uint32_t n;
	int r;

	memset(idx, 0, sizeof(*idx));
	if (len < STORE_PACK_HDR + 20 || (r = store_pack_header(pack, len, &n)))
		return -EINVAL;
	store_sha1(pack, len - 20, sum);
	if (memcmp(sum, pack + len - 20, 20))
		return -EINVAL;
	if ((r = store_pack_index_src(&src, max_obj, get_base, ctx, idx)))
		return r;
	memcpy(idx->checksum, pack + len - 20, 20);
	return 0;
}

void store_pack_index_free(struct store_pack_index *idx)
{
	free(idx->obj);
	idx->obj = NULL;
	idx->n = 0;
}
