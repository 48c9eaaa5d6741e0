/*
 * Packs as Git wants them, produced on demand: the objects reachable from
 * a set of wants and not from a set of haves, newest commits first, each
 * followed by its new trees and blobs; a blob is deltified against the
 * version of the same path written before it when the sizes are close; a
 * large blob the store keeps whole is copied as it lies on the device,
 * never whole in memory. The caller pulls bytes when it has room for
 * them (a socket), so nothing holds the pack.
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta.h"

#define MAX_PEEL 16 /* tags of tags followed (git/refs.c peels as far) */
/* Blobs from this size are not deltified, and are copied raw when kept whole. */
#define RAW_MIN (64u * 1024)
#define RAW_PIECE (16u * 1024)

/* ---- the last version of each path, for deltas ---- */

/*
 * Keyed by a hash of the path alone: two paths that share one only make a
 * worse delta base for each other, never a wrong pack.
 */
struct pathmap {
	struct pent {
		uint32_t hash;
		bool used;
		struct store_oid oid;
		uint64_t off;
		size_t size;
		int depth;
	} * v;
	size_t cap;
	size_t n;
};

/*
 * A path's hash (FNV-1a), made a name at a time as the walk goes down:
 * no path is ever built, so none is too long to pack (the store takes any
 * tree entry's name, and a push walks no paths).
 */
#define PATH_HASH_ROOT 2166136261u /* the root tree's path, "" */
static uint32_t path_hash_more(uint32_t h, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

static struct pent *path_slot(struct pathmap *m, uint32_t h)
{
	size_t i;

	if (m->n * 2 >= m->cap) {
		struct pathmap n = {.cap = m->cap ? m->cap * 2 : 256};
		n.v = calloc(n.cap, sizeof(*n.v));
		if (!n.v)
			return NULL;
		for (size_t k = 0; k < m->cap; k++)
			if (m->v[k].used) {
				struct pent *s = &n.v[m->v[k].hash & (n.cap - 1)];
				while (s->used)
					s = s + 1 == n.v + n.cap ? n.v : s + 1;
				*s = m->v[k];
			}
		free(m->v);
		n.n = m->n;
		*m = n;
	}
	for (i = h & (m->cap - 1); m->v[i].used; i = (i + 1) & (m->cap - 1))
		if (m->v[i].hash == h)
			return &m->v[i];
	m->v[i].hash = h;
	m->v[i].used = true;
	m->n++;
	return &m->v[i];
}

/* ---- the stacks of the walk ---- */

struct tree_item {
	struct store_oid oid;
	uint32_t path; /* the hash of "/dir/name" from the root tree, "" for the root */
	int depth;
	bool tree; /* a tree (else a blob), as its mode says */
};

struct tree_stack {
	struct tree_item *v;
	size_t n, cap;
};

struct oid_stack {
	struct store_oid *v;
	size_t n, cap;
};

static int oid_push(struct oid_stack *k, const struct store_oid *oid)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		struct store_oid *v = realloc(k->v, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = *oid;
	return 0;
}

static int tree_push(struct tree_stack *t, const struct store_oid *oid, uint32_t dir,
                     const char *name, size_t name_len, int depth, bool tree)
{
	uint32_t path = dir;

	if (depth > STORE_MAX_TREE_DEPTH)
		return -ELOOP;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct tree_item *v = realloc(t->v, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	/* The root tree's path is "", each entry's "/name" after its directory's. */
	if (name_len)
		path = path_hash_more(path_hash_more(dir, "/", 1), name, name_len);
	t->v[t->n++] = (struct tree_item){*oid, path, depth, tree};
	return 0;
}

/* Push a tree's entries so that they come off the stack in tree order. */
static int tree_push_entries(struct tree_stack *t, const struct tree_item *it, const uint8_t *data,
                             size_t len)
{
	struct store_tree_iter iter;
	struct store_tree_entry e;
	size_t first = t->n;
	int r;

	store_tree_iter_init(&iter, data, len);
	while ((r = store_tree_next(&iter, &e)) == 1)
		if (e.mode != STORE_MODE_GITLINK &&
		    (r = tree_push(t, &e.oid, it->path, e.name, e.name_len, it->depth + 1,
		                   e.mode == STORE_MODE_TREE)))
			break;
	for (size_t a = first, b = t->n; a + 1 < b; a++, b--) {
		struct tree_item x = t->v[a];
		t->v[a] = t->v[b - 1];
		t->v[b - 1] = x;
	}
	return r;
}

/* ---- where this pack put the objects it holds, by their place on the device ---- */

/*
 * A stored delta whose base this pack already holds is copied as it lies,
 * as an ofs-delta against the base's place here: neither rebuilt nor
 * compressed again (git's pack reuse). 24 bytes an object written.
 */
struct devmap {
	struct dent {
		uint64_t dev;  /* the entry on the device; 0: a free slot */
		uint64_t pack; /* its offset in this pack */
		int depth;     /* of its delta chain in this pack */
	} * v;
	size_t cap, n;
	unsigned epoch; /* the store's, when the map was filled: a compaction moves entries */
};

static struct dent *devmap_slot(struct devmap *m, uint64_t dev)
{
	size_t i = (size_t)((dev * 0x9e3779b97f4a7c15ull) >> 32) & (m->cap - 1);

	while (m->v[i].dev && m->v[i].dev != dev)
		i = (i + 1) & (m->cap - 1);
	return &m->v[i];
}

static const struct dent *devmap_get(const struct devmap *m, uint64_t dev, unsigned epoch)
{
	const struct dent *d;

	if (!m->cap || m->epoch != epoch)
		return NULL;
	d = devmap_slot((struct devmap *)m, dev);
	return d->dev ? d : NULL;
}

/* Remember an entry; a map that cannot grow just forgets (no reuse, same pack). */
static void devmap_put(struct devmap *m, uint64_t dev, uint64_t pack, int depth, unsigned epoch)
{
	struct dent *d;

	if (m->epoch != epoch) {
		free(m->v);
		*m = (struct devmap){.epoch = epoch};
	}
	if (m->n * 2 >= m->cap) {
		struct devmap n = {.cap = m->cap ? m->cap * 2 : 1024, .n = m->n, .epoch = epoch};
		if (!(n.v = calloc(n.cap, sizeof(*n.v))))
			return;
		for (size_t k = 0; k < m->cap; k++)
			if (m->v[k].dev)
				*devmap_slot(&n, m->v[k].dev) = m->v[k];
		free(m->v);
		*m = n;
	}
	d = devmap_slot(m, dev);
	m->n += !d->dev;
	*d = (struct dent){dev, pack, depth};
}

/* ---- the packer ---- */

/* One object of the pack, in the order it is written. 24 bytes. */
struct item {
	struct store_oid oid;
	uint32_t path; /* the hash of a blob's path (deltas against its last version) */
};

struct store_packer {
	struct store *st;
	struct store_packw w;
	struct store_oidset done; /* in the pack, or reachable from a have */
	struct store_oidset cut;  /* the shallow boundary: commits sent without their parents */
	struct pathmap paths;
	struct devmap placed;
	struct oid_stack k;  /* the plan's walk: commits and tags still to visit */
	struct tree_stack t; /* and the trees and blobs of the commit being visited */
	struct item *items;  /* the plan: every object, in order */
	size_t nitems, items_cap, next;
	struct store_oidset send; /* the plan's objects, while it is made */
	struct store_oid *tags;   /* include-tag's tags, checked once the wants are planned */
	size_t ntags, tags_next;
	bool planned;
	struct store_membuf out; /* bytes made, not yet read */
	size_t out_pos;
	uint64_t raw_off, raw_left; /* bytes being copied from the device as they lie */
	struct store_mark raw_mark; /* where a raw copy reads */
	uint8_t checksum[20];
	bool ended;
	void (*on_obj)(void *ctx, const struct store_oid *oid, uint64_t off);
	void *on_ctx;
};

/* One object as it lies in the store, and as it goes into the pack. */
struct obj {
	const struct store_oid *oid;
	bool has_path;
	uint32_t path;
	struct store_entry_where at;
	uint8_t *data; /* its content, when read */
	size_t len;
	uint64_t raw_len; /* its whole entry's bytes, if the store keeps it whole */
	uint64_t off;     /* where it went in the pack */
	int depth;        /* of its delta chain in the pack */
};

static void written(struct store_packer *p, const struct obj *o)
{
	devmap_put(&p->placed, o->at.off, o->off, o->depth, p->st->epoch);
	if (p->on_obj)
		p->on_obj(p->on_ctx, o->oid, o->off);
}

/* Try a delta against the last version of this path; 1 if written. */
static int try_delta(struct store_packer *p, struct pent *pe, struct obj *o)
{
	uint8_t *base, *delta;
	size_t blen, dlen, len = o->len;
	int type, r;

	if (store_oid_is_zero(&pe->oid) || pe->depth >= STORE_CHAIN_DEPTH || len < 64 ||
	    len >= RAW_MIN || pe->size > 2 * len || len > 2 * pe->size)
		return 0;
	if (store_get(p->st, &pe->oid, &type, &base, &blen))
		return 0;
	r = store_delta_create(base, blen, o->data, len, len / 2, &delta, &dlen);
	free(base);
	if (r)
		return r == -ENOSPC ? 0 : r;
	r = store_packw_ofs_delta(&p->w, pe->off, delta, dlen, &o->off);
	free(delta);
	o->depth = pe->depth + 1;
	return r ? r : 1;
}

/* Remember where this version of a path went, as the base for its next one. */
static void path_note(struct pent *pe, const struct obj *o)
{
	if (pe) {
		pe->oid = *o->oid;
		pe->off = o->off;
		pe->size = o->len;
		pe->depth = o->depth;
	}
}

/* Copy `len` bytes from the device at `dev` as they lie, over the next steps. */
static void copy_from(struct store_packer *p, uint64_t dev, uint64_t len)
{
	p->raw_off = dev;
	p->raw_left = len;
	store_mark_set(p->st, &p->raw_mark);
}

/* The stored delta, as an ofs-delta against its base's place in this pack. */
static int reuse_delta(struct store_packer *p, struct obj *o, const struct dent *base)
{
	uint64_t raw_len;
	size_t hdr_len;
	int r;

	/* Its zlib stream's length: the header's, then the stream inflated to its end. */
	if ((r = store_entry_raw_len(p->st, o->at.off, &raw_len, &hdr_len)) ||
	    (r = store_packw_raw_header(&p->w, STORE_OBJ_OFS_DELTA, o->at.size, base->pack,
	                                &o->off)))
		return r;
	o->depth = base->depth + 1;
	copy_from(p, o->at.off + hdr_len, raw_len - hdr_len);
	return 0;
}

/* Write an object read whole: a delta of ours, its stored entry as it lies, or deflated. */
static int write_read(struct store_packer *p, struct obj *o, int type)
{
	struct pent *pe =
	    o->has_path && type == STORE_OBJ_BLOB ? path_slot(&p->paths, o->path) : NULL;
	int r = 0;

	if (o->has_path && type == STORE_OBJ_BLOB && !pe)
		return -ENOMEM;
	if (pe && (r = try_delta(p, pe, o)) < 0) {
		return r;
	} else if (r == 1) {
		/* written as a delta of ours */
	} else if (o->raw_len) {
		if ((r = store_packw_raw_begin(&p->w, &o->off)))
			return r;
		copy_from(p, o->at.off, o->raw_len);
	} else if ((r = store_packw_object(&p->w, type, o->data, o->len, &o->off))) {
		return r;
	}
	path_note(pe, o);
	return 0;
}

/*
 * Write one object: a stored delta against a base already here is reused
 * unread; a large blob kept whole is copied unread; anything else is read
 * and written whole, as a delta of ours, or as it lies.
 */
static int put_object(struct store_packer *p, struct obj *o)
{
	const struct dent *base =
	    o->at.base_off ? devmap_get(&p->placed, o->at.base_off, p->st->epoch) : NULL;
	int type, r;

	if (base && base->depth < STORE_CHAIN_DEPTH) {
		r = reuse_delta(p, o, base);
	} else if (!o->at.base_off && o->at.type == STORE_OBJ_BLOB && o->at.size >= RAW_MIN) {
		uint64_t raw_len;
		if (!(r = store_entry_raw_len(p->st, o->at.off, &raw_len, NULL)) &&
		    !(r = store_packw_raw_begin(&p->w, &o->off)))
			copy_from(p, o->at.off, raw_len);
		o->len = (size_t)o->at.size;
		if (o->has_path)
			path_note(path_slot(&p->paths, o->path), o);
	} else if (!(r = store_get_raw(p->st, o->oid, &type, &o->data, &o->len, &o->raw_len))) {
		r = write_read(p, o, type);
	}
	if (!r)
		written(p, o);
	return r;
}

static int copy_raw(struct store_packer *p)
{
	/*
	 * Off the stack: on it, 4 times the guest's guard page, a frame that
	 * could skip the guard and run on over the BSS (one loop, so one copy
	 * at a time).
	 */
	static uint8_t buf[RAW_PIECE];
	size_t n = p->raw_left < sizeof(buf) ? (size_t)p->raw_left : sizeof(buf);
	int r;

	if (store_mark_stale(p->st, &p->raw_mark))
		return -ESTALE;
	r = store_log_read(&p->st->log, p->raw_off, buf, n);

	if (!r)
		r = store_packw_raw(&p->w, buf, n);
	p->raw_off += n;
	p->raw_left -= n;
	return r;
}

/* The next object of the plan. */
static int write_next(struct store_packer *p)
{
	const struct item *it = &p->items[p->next++];
	struct obj o = {.oid = &it->oid, .has_path = it->path != 0, .path = it->path};
	int r;

	if (!(r = store_entry_where(p->st, &it->oid, &o.at)))
		r = put_object(p, &o);
	free(o.data);
	return r;
}

/* Make the next bytes: a piece of a raw copy, an object, or the trailer. */
static int step(struct store_packer *p)
{
	if (p->raw_left)
		return copy_raw(p);
	if (p->next < p->nitems)
		return write_next(p);
	p->ended = true;
	return store_packw_end(&p->w, p->checksum);
}

/* ---- the plan: what goes into the pack, in the order it is written ---- */

static int plan_add(struct store_packer *p, const struct store_oid *oid, uint32_t path)
{
	int r;

	if (p->nitems == p->items_cap) {
		size_t cap = p->items_cap ? p->items_cap * 2 : 256;
		struct item *v = realloc(p->items, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		p->items = v;
		p->items_cap = cap;
	}
	p->items[p->nitems++] = (struct item){*oid, path};
	return (r = store_oidset_add(&p->send, oid)) < 0 ? r : 0;
}

/* One tree or blob of the commit being visited: a tree's entries are visited next. */
static int plan_tree(struct store_packer *p)
{
	struct tree_item it = p->t.v[--p->t.n];
	uint8_t *data = NULL;
	size_t len;
	int type, r;

	if ((r = store_oidset_add(&p->done, &it.oid)) <= 0)
		goto out;
	if (!it.tree) {
		/* A blob is only checked to be there: the writing reads it. Its path's hash, never
		 * 0. */
		r = store_has(p->st, &it.oid) ? plan_add(p, &it.oid, it.path | 1) : -ENOENT;
		goto out;
	}
	if (!(r = store_get(p->st, &it.oid, &type, &data, &len)) && !(r = plan_add(p, &it.oid, 0)))
		r = type == STORE_OBJ_TREE ? tree_push_entries(&p->t, &it, data, len) : -EINVAL;
out:
	free(data);
	return r < 0 ? r : 0;
}

/* A commit's root tree is visited next, its parents after (none past the shallow boundary). */
static int plan_commit(struct store_packer *p, const struct store_oid *oid, const uint8_t *data,
                       size_t len)
{
	struct store_commit *c = malloc(sizeof(*c));
	int r = c ? 0 : -ENOMEM;

	if (!r && store_commit_parse(data, len, c))
		r = -EINVAL;
	if (!r)
		r = tree_push(&p->t, &c->tree, PATH_HASH_ROOT, "", 0, 0, true);
	for (unsigned i = c && !store_oidset_has(&p->cut, oid) ? c->nparents : 0; i-- > 0 && !r;)
		r = oid_push(&p->k, &c->parent[i]);
	free(c);
	return r;
}

static int plan_history(struct store_packer *p)
{
	struct store_oid oid = p->k.v[--p->k.n];
	struct store_tag t;
	uint8_t *data;
	size_t len;
	int type, r;

	if (store_oidset_has(&p->done, &oid))
		return 0;
	if ((r = store_get(p->st, &oid, &type, &data, &len)))
		return r;
	if (type != STORE_OBJ_COMMIT && type != STORE_OBJ_TAG)
		r = tree_push(&p->t, &oid, PATH_HASH_ROOT, "", 0, 0, type == STORE_OBJ_TREE);
	else if ((r = store_oidset_add(&p->done, &oid)) >= 0 && !(r = plan_add(p, &oid, 0)))
		r = type == STORE_OBJ_COMMIT         ? plan_commit(p, &oid, data, len)
		    : store_tag_parse(data, len, &t) ? -EINVAL
		                                     : oid_push(&p->k, &t.object);
	free(data);
	return r < 0 ? r : 0;
}

/* A set of the given ids. */
static int oidset_of(struct store_oidset *s, const struct store_oid *v, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++)
		r = store_oidset_add(s, &v[i]);
	return r < 0 ? r : 0;
}

/* Every commit (and tag) `from` reaches, down to the client's shallow boundary, into done. */
static int mark_commits(struct store_packer *p, const struct store_oid *from, size_t n,
                        const struct store_oidset *cut)
{
	struct store_commit *c = malloc(sizeof(*c));
	struct oid_stack k = {0};
	int r = c ? 0 : -ENOMEM;

	for (size_t i = 0; i < n && !r; i++)
		r = oid_push(&k, &from[i]);
	while (!r && k.n) {
		struct store_oid oid = k.v[--k.n];
		struct store_tag t;
		uint8_t *data;
		size_t len;
		int type;
		if ((r = store_oidset_add(&p->done, &oid)) <= 0 ||
		    (r = store_get(p->st, &oid, &type, &data, &len)))
			continue;
		if (type == STORE_OBJ_COMMIT && !store_commit_parse(data, len, c))
			for (unsigned i = store_oidset_has(cut, &oid) ? 0 : c->nparents;
			     i-- > 0 && !r;)
				r = oid_push(&k, &c->parent[i]);
		else if (type == STORE_OBJ_TAG && !store_tag_parse(data, len, &t))
			r = oid_push(&k, &t.object);
		free(data);
	}
	free(k.v);
	free(c);
	return r < 0 ? r : 0;
}

/*
 * What the client has, as far as the pack needs to know: every commit its
 * haves reach (the plan stops there), and everything in the haves' own
 * trees (new commits share most of theirs). Not the trees of older
 * history: walking all of it cost more than the few objects it saves (a
 * file brought back from an old version is sent again, as git's packs
 * without bitmaps do).
 */
static int mark_haves(struct store_packer *p, const struct store_pack_req *req)
{
	struct store_oid *known = malloc(sizeof(*known) * (req->nhaves + 1));
	struct store_oidset cut = {0};
	size_t n = 0;
	int r;

	if (!known)
		return -ENOMEM;
	for (size_t i = 0; i < req->nhaves; i++)
		if (store_has(p->st, &req->haves[i]))
			known[n++] = req->haves[i];
	r = oidset_of(&cut, req->client_shallow, req->nclient_shallow);
	if (!r)
		r = mark_commits(p, known, n, &cut);
	for (size_t i = 0; i < n && !r; i++) {
		struct store_commit *c = malloc(sizeof(*c));
		uint8_t *data = NULL;
		size_t len;
		int type;
		if (!c)
			r = -ENOMEM;
		else if (!(r = store_get(p->st, &known[i], &type, &data, &len)) &&
		         type == STORE_OBJ_COMMIT && !store_commit_parse(data, len, c))
			r = store_walk(p->st, &c->tree, 1, NULL, &p->done);
		free(data);
		free(c);
	}
	store_oidset_free(&cut);
	free(known);
	return r;
}

/*
 * A tag to add (include-tag) if what it names, peeled through tags of tags
 * (at most MAX_PEEL), is in the pack, as git's pack-objects adds a tag
 * chain: 1 if it is.
 */
static int tag_wanted(struct store_packer *p, const struct store_oid *oid)
{
	struct store_oid cur = *oid;
	int type = STORE_OBJ_TAG, r = 0;

	if (store_oidset_has(&p->send, oid) || store_oidset_has(&p->done, oid))
		return 0;
	for (int depth = 0; type == STORE_OBJ_TAG && depth < MAX_PEEL && !r; depth++) {
		struct store_tag t;
		uint8_t *data;
		size_t len;
		if ((r = store_get(p->st, &cur, &type, &data, &len)))
			return r;
		if (type == STORE_OBJ_TAG && !(r = store_tag_parse(data, len, &t) ? -EINVAL : 0))
			cur = t.object;
		free(data);
	}
	return !r && type != STORE_OBJ_TAG && store_oidset_has(&p->send, &cur);
}

/* The plan is made: the walk's memory goes, the pack's header is written. */
static int plan_end(struct store_packer *p)
{
	int r;

	store_oidset_free(&p->send);
	free(p->k.v);
	free(p->t.v);
	memset(&p->k, 0, sizeof(p->k));
	memset(&p->t, 0, sizeof(p->t));
	r = store_packw_begin(&p->w, store_membuf_sink, &p->out, (uint32_t)p->nitems);
	p->planned = !r;
	return r;
}

/*
 * One object of the walk at a time: a tree or blob of the commit being
 * visited, else the next commit or tag; once the wants are planned, the
 * tags one by one, each tag to add planned before the next is checked
 * (a tag may name a tag).
 */
int store_packer_plan(struct store_packer *p, size_t steps)
{
	int r = 0;

	if (p->planned)
		return 0;
	for (; steps && !r; steps--) {
		if (p->t.n)
			r = plan_tree(p);
		else if (p->k.n)
			r = plan_history(p);
		else if (p->tags_next < p->ntags) {
			const struct store_oid *tag = &p->tags[p->tags_next++];
			if ((r = tag_wanted(p, tag)) > 0)
				r = oid_push(&p->k, tag);
		} else
			return plan_end(p);
	}
	return r < 0 ? r : 1;
}

int store_packer_begin(struct store *st, const struct store_pack_req *req,
                       struct store_packer **out)
{
	struct store_packer *p = calloc(1, sizeof(*p));
	int r = p ? 0 : -ENOMEM;

	for (size_t i = 0; i < req->nwants && !r; i++)
		if (!store_has(st, &req->wants[i]))
			r = -ENOENT;
	if (r)
		goto fail;
	p->st = st;
	if (req->ntags && !(p->tags = malloc(sizeof(*p->tags) * req->ntags))) {
		r = -ENOMEM;
		goto fail;
	}
	if (req->ntags)
		memcpy(p->tags, req->tags, sizeof(*p->tags) * req->ntags);
	p->ntags = req->ntags;
	/* The first want on top: each is planned with all it reaches before the next. */
	if ((r = oidset_of(&p->cut, req->shallow, req->nshallow)) || (r = mark_haves(p, req)))
		goto fail;
	for (size_t i = req->nwants; i-- > 0 && !r;)
		r = oid_push(&p->k, &req->wants[i]);
	if (r)
		goto fail;
	*out = p;
	return 0;
fail:
	store_packer_close(p);
	return r;
}

int store_packer_start(struct store *st, const struct store_pack_req *req,
                       struct store_packer **out)
{
	int r = store_packer_begin(st, req, out);

	if (!r && (r = store_packer_plan(*out, SIZE_MAX)) < 0) {
		store_packer_close(*out);
		*out = NULL;
	}
	return r;
}

int store_packer_open(struct store *st, const struct store_oid *wants, size_t nwants,
                      const struct store_oid *haves, size_t nhaves, struct store_packer **out)
{
	struct store_pack_req req = {
	    .wants = wants, .nwants = nwants, .haves = haves, .nhaves = nhaves};

	return store_packer_start(st, &req, out);
}

uint32_t store_packer_count(const struct store_packer *p)
{
	return (uint32_t)p->nitems;
}

int store_packer_read(struct store_packer *p, void *buf, size_t len, size_t *got)
{
	int r = store_packer_plan(p, SIZE_MAX);

	while (p->out.len == p->out_pos && !p->ended && !r) {
		p->out.len = p->out_pos = 0;
		r = step(p);
	}
	if (r)
		return r;
	*got = p->out.len - p->out_pos < len ? p->out.len - p->out_pos : len;
	memcpy(buf, p->out.p + p->out_pos, *got);
	p->out_pos += *got;
	return 0;
}

void store_packer_close(struct store_packer *p)
{
	if (!p)
		return;
	store_oidset_free(&p->done);
	store_oidset_free(&p->cut);
	store_oidset_free(&p->send);
	free(p->tags);
	free(p->placed.v);
	free(p->paths.v);
	free(p->k.v);
	free(p->t.v);
	free(p->items);
	free(p->out.p);
	free(p);
}

void store_packer_on_object(struct store_packer *p,
                            void (*fn)(void *ctx, const struct store_oid *oid, uint64_t off),
                            void *ctx)
{
	p->on_obj = fn;
	p->on_ctx = ctx;
}

const uint8_t *store_packer_checksum(const struct store_packer *p)
{
	return p->ended ? p->checksum : NULL;
}

/* ---- the whole store, as exported ---- */

int store_pack_all(struct store *st, int (*sink)(void *ctx, const void *data, size_t len),
                   void *ctx, uint8_t checksum[20], uint32_t *count)
{
	struct store_oid *tips = calloc(st->nrefs + 1, sizeof(*tips));
	struct store_packer *p = NULL;
	uint8_t *buf = malloc(65536);
	size_t n = 0, got = 1;
	int r = tips && buf ? 0 : -ENOMEM;

	for (unsigned i = 0; i < st->nrefs && !r; i++)
		if (!store_ref_get(st, st->refs[i].name, &tips[n]))
			n++;
	if (!r)
		r = store_packer_open(st, tips, n, NULL, 0, &p);
	while (!r && got)
		if (!(r = store_packer_read(p, buf, 65536, &got)) && got)
			r = sink(ctx, buf, got);
	if (!r && checksum)
		memcpy(checksum, store_packer_checksum(p), 20);
	if (!r && count)
		*count = store_packer_count(p);
	store_packer_close(p);
	free(tips);
	free(buf);
	return r;
}
