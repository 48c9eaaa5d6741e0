/* Reachability: a set of object ids and a walk over commits, trees and tags. */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t slot_of(const struct store_oid *oid, size_t cap)
{
	uint64_t h;

	memcpy(&h, oid->b, sizeof(h)); /* ids are uniformly distributed */
	return (size_t)(h & (cap - 1));
}

static int grow(struct store_oidset *s)
{
	struct store_oidset n = {.cap = s->cap ? s->cap * 2 : 1024};

	n.slot = malloc(sizeof(*n.slot) * n.cap);
	n.used = calloc(n.cap, 1);
	if (!n.slot || !n.used) {
		free(n.slot);
		free(n.used);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++)
		if (s->used[i])
			store_oidset_add(&n, &s->slot[i]);
	store_oidset_free(s);
	*s = n;
	return 0;
}

int store_oidset_add(struct store_oidset *s, const struct store_oid *oid)
{
	size_t i;
	int r;

	if (s->n * 2 >= s->cap && (r = grow(s)))
		return r;
	for (i = slot_of(oid, s->cap); s->used[i]; i = (i + 1) & (s->cap - 1))
		if (!store_oid_cmp(&s->slot[i], oid))
			return 0;
	s->used[i] = 1;
	s->slot[i] = *oid;
	s->n++;
	return 1;
}

bool store_oidset_has(const struct store_oidset *s, const struct store_oid *oid)
{
	if (!s || !s->cap)
		return false;
	for (size_t i = slot_of(oid, s->cap); s->used[i]; i = (i + 1) & (s->cap - 1))
		if (!store_oid_cmp(&s->slot[i], oid))
			return true;
	return false;
}

void store_oidset_free(struct store_oidset *s)
{
	free(s->slot);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

/* ---- the walk ---- */

/* What the walk knows of an object before reading it. */
enum kind {
	KIND_LINKED, /* a commit's parent or tree, a tree's subtree: read it */
	KIND_BLOB,   /* a tree's file: only its presence matters */
	KIND_ANY,    /* a root or a tag's target: its entry header tells */
};

struct item {
	struct store_oid oid;
	int depth; /* tree nesting below its commit */
	enum kind kind;
};

struct stack {
	struct item *v;
	size_t n;
	size_t cap;
};

static int push(struct stack *s, const struct store_oid *oid, int depth, enum kind kind)
{
	if (depth > STORE_MAX_TREE_DEPTH)
		return -ELOOP;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct item *v = realloc(s->v, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].oid = *oid;
	s->v[s->n].kind = kind;
	s->v[s->n++].depth = depth;
	return 0;
}

/* A commit in `cut` (a shallow boundary) is walked without its parents. */
static int push_children(struct stack *s, int type, const uint8_t *data, size_t len, int depth,
                         bool cut)
{
	struct store_commit c;
	struct store_tag t;
	struct store_tree_iter it;
	struct store_tree_entry e;
	int r = 0;

	switch (type) {
	case STORE_OBJ_COMMIT:
		if (store_commit_parse(data, len, &c))
			return -EINVAL;
		for (unsigned i = 0; i < c.nparents && !cut && !r; i++)
			r = push(s, &c.parent[i], 0, KIND_LINKED);
		return r ? r : push(s, &c.tree, 0, KIND_LINKED);
	case STORE_OBJ_TAG:
		return store_tag_parse(data, len, &t) ? -EINVAL : push(s, &t.object, 0, KIND_ANY);
	case STORE_OBJ_TREE:
		store_tree_iter_init(&it, data, len);
		while (!r && (r = store_tree_next(&it, &e)) == 1)
			r = e.mode == STORE_MODE_GITLINK
			        ? 0
			        : push(s, &e.oid, depth + 1,
			               e.mode == STORE_MODE_TREE ? KIND_LINKED : KIND_BLOB);
		return r;
	default:
		return 0;
	}
}

/*
 * The walk itself: with `find`, it ends (1) once every object of `find`
 * is seen, else 0 at its end, or an error.
 */
static int walk(struct store *st, const struct store_oid *roots, size_t n,
                const struct store_oidset *stop, const struct store_oidset *cut,
                const struct store_oidset *find, struct store_oidset *seen)
{
	struct stack s = {0};
	size_t found = 0;
	bool done = false;
	int r = 0;

	for (size_t i = 0; i < n && !r; i++)
		r = push(&s, &roots[i], 0, KIND_ANY);
	while (s.n && r >= 0) {
		struct item it = s.v[--s.n];
		uint64_t size, off;
		uint8_t *data;
		size_t len;
		int type;
		if (store_oidset_has(stop, &it.oid) || (r = store_oidset_add(seen, &it.oid)) <= 0)
			continue;
		if (find && store_oidset_has(find, &it.oid) && ++found == find->n) {
			done = true;
			break;
		}
		/* Blobs have no links: the walk never inflates one, it only checks it is there. */
		if (it.kind == KIND_BLOB) {
			r = store_has(st, &it.oid) ? 0 : -ENOENT;
			continue;
		}
		if (it.kind == KIND_ANY) {
			if ((r = store_entry_info(st, &it.oid, &type, &size, &off)) < 0)
				break;
			if (type == STORE_OBJ_BLOB)
				continue;
		}
		if ((r = store_get(st, &it.oid, &type, &data, &len)))
			break;
		r = push_children(&s, type, data, len, it.depth,
		                  type == STORE_OBJ_COMMIT && store_oidset_has(cut, &it.oid));
		free(data);
	}
	free(s.v);
	return r < 0 ? r : done;
}

int store_walk_cut(struct store *st, const struct store_oid *roots, size_t n,
                   const struct store_oidset *stop, const struct store_oidset *cut,
                   struct store_oidset *seen)
{
	int r = walk(st, roots, n, stop, cut, NULL, seen);

	return r < 0 ? r : 0;
}

int store_walk(struct store *st, const struct store_oid *roots, size_t n,
               const struct store_oidset *stop, struct store_oidset *seen)
{
	return store_walk_cut(st, roots, n, stop, NULL, seen);
}

int store_walk_find(struct store *st, const struct store_oid *roots, size_t n,
                    const struct store_oidset *find)
{
	struct store_oidset seen = {0};
	int r = find->n ? walk(st, roots, n, NULL, NULL, find, &seen) : 1;

	store_oidset_free(&seen);
	return r;
}
