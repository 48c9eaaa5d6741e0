/*
 * The pack of everything reachable from the refs, as served to clients
 * and exported: newest commits first, each blob deltified against the
 * previously written version of the same path when the sizes are close.
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta.h"

#define MAX_CHAIN 50 /* git pack-objects' default --depth */

/* ---- a pack of everything, with deltas between versions of a path ---- */

struct pathmap {
	struct pent {
		uint32_t hash;
		char *path;
		struct store_oid oid;
		uint64_t off;
		size_t size;
		int depth;
	} *v;
	size_t cap;
	size_t n;
};

static uint32_t path_hash(const char *p)
{
	uint32_t h = 2166136261u;
	for (; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

static struct pent *path_slot(struct pathmap *m, const char *path)
{
	uint32_t h = path_hash(path);
	size_t i;

	if (m->n * 2 >= m->cap) {
		struct pathmap n = { .cap = m->cap ? m->cap * 2 : 256 };
		n.v = calloc(n.cap, sizeof(*n.v));
		if (!n.v)
			return NULL;
		for (size_t k = 0; k < m->cap; k++)
			if (m->v[k].path) {
				struct pent *s = &n.v[m->v[k].hash & (n.cap - 1)];
				while (s->path)
					s = s + 1 == n.v + n.cap ? n.v : s + 1;
				*s = m->v[k];
			}
		free(m->v);
		n.n = m->n;
		*m = n;
	}
	for (i = h & (m->cap - 1); m->v[i].path; i = (i + 1) & (m->cap - 1))
		if (m->v[i].hash == h && !strcmp(m->v[i].path, path))
			return &m->v[i];
	m->v[i].hash = h;
	m->v[i].path = malloc(strlen(path) + 1);
	if (m->v[i].path)
		strcpy(m->v[i].path, path);
	m->n++;
	return m->v[i].path ? &m->v[i] : NULL;
}

static void pathmap_free(struct pathmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].path);
	free(m->v);
}

struct serve {
	struct store *st;
	struct store_packw w;
	struct oidset done;
	struct pathmap paths;
	uint32_t deltas;
};

/* Try a delta against the last version of this path; 1 if written. */
static int try_delta(struct serve *s, struct pent *p, const uint8_t *data, size_t len,
		     uint64_t *off)
{
	uint8_t *base, *delta;
	size_t blen, dlen;
	int type, r;

	if (!p->path || store_oid_is_zero(&p->oid) || p->depth >= MAX_CHAIN || len < 64 ||
	    p->size > 2 * len || len > 2 * p->size)
		return 0;
	if (store_get(s->st, &p->oid, &type, &base, &blen))
		return 0;
	r = store_delta_create(base, blen, data, len, len / 2, &delta, &dlen);
	free(base);
	if (r)
		return r == -ENOSPC ? 0 : r;
	r = store_packw_ofs_delta(&s->w, p->off, delta, dlen, off);
	free(delta);
	return r ? r : 1;
}

static int emit(struct serve *s, const struct store_oid *oid, const char *path, const uint8_t *data,
		size_t len, int type)
{
	struct pent *p = path && type == STORE_OBJ_BLOB ? path_slot(&s->paths, path) : NULL;
	uint64_t off;
	int r = 0, depth = 0;

	if (path && type == STORE_OBJ_BLOB && !p)
		return -ENOMEM;
	if (p && (r = try_delta(s, p, data, len, &off)) == 1) {
		depth = p->depth + 1;
		s->deltas++;
	} else if (!r) {
		r = store_packw_object(&s->w, type, data, len, &off);
	}
	if (r < 0)
		return r;
	if (p) {
		p->oid = *oid;
		p->off = off;
		p->size = len;
		p->depth = depth;
	}
	return 0;
}

/*
 * Trees and blobs below `root`, depth first, each once. The walk keeps its
 * own stack on the heap (an item per entry waiting, with its path), so a
 * tree as deep as the store accepts costs no machine stack.
 */
struct tree_item {
	struct store_oid oid;
	char *path;  /* "/dir/name" from the root tree, "" for the root */
	int depth;
};

struct tree_stack {
	struct tree_item *v;
	size_t n, cap;
};

static int tree_push(struct tree_stack *t, const struct store_oid *oid, const char *dir,
		     const char *name, size_t name_len, int depth)
{
	size_t dl = strlen(dir);
	char *path;

	if (depth > STORE_MAX_TREE_DEPTH)
		return -ELOOP;
	if (dl + name_len + 2 > 4096)
		return -ENAMETOOLONG;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct tree_item *v = realloc(t->v, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	if (!(path = malloc(dl + name_len + 2)))
		return -ENOMEM;
	memcpy(path, dir, dl);
	path[dl] = '/';
	memcpy(path + dl + 1, name, name_len);
	path[dl + 1 + name_len] = '\0';
	t->v[t->n++] = (struct tree_item){ *oid, path, depth };
	return 0;
}

/* Push a tree's entries so that they come off the stack in tree order. */
static int tree_push_entries(struct tree_stack *t, const struct tree_item *it,
			     const uint8_t *data, size_t len)
{
	struct store_tree_iter iter;
	struct store_tree_entry e;
	size_t first = t->n;
	int r;

	store_tree_iter_init(&iter, data, len);
	while ((r = store_tree_next(&iter, &e)) == 1)
		if (e.mode != STORE_MODE_GITLINK &&
		    (r = tree_push(t, &e.oid, it->path, e.name, e.name_len, it->depth + 1)))
			break;
	for (size_t a = first, b = t->n; a + 1 < b; a++, b--) {
		struct tree_item x = t->v[a];
		t->v[a] = t->v[b - 1];
		t->v[b - 1] = x;
	}
	return r;
}

static int emit_trees(struct serve *s, const struct store_oid *root)
{
	struct tree_stack t = { 0 };
	int r = tree_push(&t, root, "", "", 0, 0);

	if (!r)
		t.v[0].path[0] = '\0';
	while (!r && t.n) {
		struct tree_item it = t.v[--t.n];
		uint8_t *data;
		size_t len;
		int type;
		if ((r = store_oidset_add(&s->done, &it.oid)) > 0 &&
		    !(r = store_get(s->st, &it.oid, &type, &data, &len))) {
			r = emit(s, &it.oid, it.path, data, len, type);
			if (!r && type == STORE_OBJ_TREE)
				r = tree_push_entries(&t, &it, data, len);
			free(data);
		}
		free(it.path);
	}
	while (t.n)
		free(t.v[--t.n].path);
	free(t.v);
	return r < 0 ? r : 0;
}

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

/* A commit, then its new trees and blobs; its parents go on the stack. */
static int emit_commit(struct serve *s, struct oid_stack *k, const struct store_oid *oid,
		       const uint8_t *data, size_t len)
{
	struct store_commit *c = malloc(sizeof(*c));
	int r = c ? 0 : -ENOMEM;

	if (!r)
		r = store_commit_parse(data, len, c) ? -EINVAL : emit(s, oid, NULL, data, len, STORE_OBJ_COMMIT);
	if (!r)
		r = emit_trees(s, &c->tree);
	for (unsigned i = c ? c->nparents : 0; i-- > 0 && !r;)
		r = oid_push(k, &c->parent[i]);
	free(c);
	return r;
}

/* An annotated tag, peeled: its target (a commit, tree, blob or tag) follows. */
static int emit_tag(struct serve *s, struct oid_stack *k, const struct store_oid *oid,
		    const uint8_t *data, size_t len)
{
	struct store_tag t;
	int r = store_tag_parse(data, len, &t) ? -EINVAL : 0;

	if (!r)
		r = emit(s, oid, NULL, data, len, STORE_OBJ_TAG);
	return r ? r : oid_push(k, &t.object);
}

/* Commits newest first along each ref, each followed by its new trees and blobs. */
static int emit_history(struct serve *s, const struct store_oid *tip)
{
	struct oid_stack k = { 0 };
	int r = oid_push(&k, tip);

	while (k.n && !r) {
		struct store_oid oid = k.v[--k.n];
		uint8_t *data;
		size_t len;
		int type;
		if (store_oidset_has(&s->done, &oid))
			continue;
		if ((r = store_get(s->st, &oid, &type, &data, &len)))
			break;
		if (type == STORE_OBJ_COMMIT || type == STORE_OBJ_TAG) {
			r = store_oidset_add(&s->done, &oid);
			if (r >= 0)
				r = type == STORE_OBJ_COMMIT ? emit_commit(s, &k, &oid, data, len)
							     : emit_tag(s, &k, &oid, data, len);
		} else {
			r = emit_trees(s, &oid);
		}
		free(data);
	}
	free(k.v);
	return r;
}

int store_pack_all(struct store *st, int (*sink)(void *ctx, const void *data, size_t len),
		   void *ctx, uint8_t checksum[20], uint32_t *count)
{
	struct serve s = { .st = st };
	struct oidset seen = { 0 };
	struct store_oid *tips = calloc(st->nrefs + 1, sizeof(*tips));
	size_t n = 0;
	int r = tips ? 0 : -ENOMEM;

	for (unsigned i = 0; i < st->nrefs && !r; i++)
		if (!store_ref_get(st, st->refs[i].name, &tips[n]))
			n++;
	if (!r)
		r = store_walk(st, tips, n, NULL, &seen, NULL, NULL);
	if (!r)
		r = store_packw_begin(&s.w, sink, ctx, (uint32_t)seen.n);
	for (size_t i = 0; i < n && !r; i++)
		r = emit_history(&s, &tips[i]);
	if (!r)
		r = store_packw_end(&s.w, checksum);
	if (!r && count)
		*count = (uint32_t)seen.n;
	store_oidset_free(&seen);
	store_oidset_free(&s.done);
	pathmap_free(&s.paths);
	free(tips);
	return r;
}
