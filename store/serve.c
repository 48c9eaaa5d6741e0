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

static int emit(struct serve *s, const struct store_oid *oid, const char *path, uint8_t *data,
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

static int emit_tree(struct serve *s, const struct store_oid *oid, char *path, size_t plen,
		     int depth);

/* One object (and, for trees, what it holds) unless already written. */
static int emit_obj(struct serve *s, const struct store_oid *oid, char *path, size_t plen,
		    int depth)
{
	uint8_t *data;
	size_t len;
	int type, r;

	if (depth > STORE_MAX_TREE_DEPTH)
		return -ELOOP;
	if ((r = store_oidset_add(&s->done, oid)) <= 0)
		return r;
	if ((r = store_get(s->st, oid, &type, &data, &len)))
		return r;
	r = emit(s, oid, path, data, len, type);
	free(data);
	return r || type != STORE_OBJ_TREE ? r : emit_tree(s, oid, path, plen, depth);
}

static int emit_tree(struct serve *s, const struct store_oid *oid, char *path, size_t plen,
		     int depth)
{
	struct store_tree_iter it;
	struct store_tree_entry e;
	uint8_t *data;
	size_t len;
	int type, r;

	if ((r = store_get(s->st, oid, &type, &data, &len)))
		return r;
	store_tree_iter_init(&it, data, len);
	while ((r = store_tree_next(&it, &e)) == 1) {
		if (e.mode == STORE_MODE_GITLINK)
			continue;
		if (plen + e.name_len + 2 > 4096) {
			r = -ENAMETOOLONG;
			break;
		}
		path[plen] = '/';
		memcpy(path + plen + 1, e.name, e.name_len);
		path[plen + 1 + e.name_len] = '\0';
		if ((r = emit_obj(s, &e.oid, path, plen + 1 + e.name_len, depth + 1)))
			break;
	}
	path[plen] = '\0';
	free(data);
	return r;
}

/* Commits newest first along each ref, each followed by its new trees and blobs. */
static int emit_history(struct serve *s, const struct store_oid *tip, char *path)
{
	struct store_oid *stack = malloc(sizeof(*stack) * 1024);
	size_t n = 0, cap = 1024;
	int r = 0;

	if (!stack)
		return -ENOMEM;
	stack[n++] = *tip;
	while (n && !r) {
		struct store_oid oid = stack[--n];
		struct store_commit c;
		uint8_t *data;
		size_t len;
		int type;
		if (store_oidset_has(&s->done, &oid))
			continue;
		if ((r = store_get(s->st, &oid, &type, &data, &len)))
			break;
		if (type != STORE_OBJ_COMMIT) {
			free(data);
			r = emit_obj(s, &oid, path, 0, 0);
			continue;
		}
		store_oidset_add(&s->done, &oid);
		r = store_commit_parse(data, len, &c) ? -EINVAL : emit(s, &oid, NULL, data, len, type);
		free(data);
		if (!r) {
			path[0] = '\0';
			r = emit_obj(s, &c.tree, path, 0, 0);
		}
		for (unsigned i = c.nparents; i-- > 0 && !r;) {
			if (n == cap) {
				struct store_oid *p = realloc(stack, sizeof(*p) * cap * 2);
				if (!p) {
					r = -ENOMEM;
					break;
				}
				stack = p;
				cap *= 2;
			}
			stack[n++] = c.parent[i];
		}
	}
	free(stack);
	return r;
}

int store_pack_all(struct store *st, int (*sink)(void *ctx, const void *data, size_t len),
		   void *ctx, uint8_t checksum[20], uint32_t *count)
{
	struct serve s = { .st = st };
	struct oidset seen = { 0 };
	struct store_oid *tips = calloc(st->nrefs + 1, sizeof(*tips));
	char *path = malloc(4096);
	size_t n = 0;
	int r = tips && path ? 0 : -ENOMEM;

	for (unsigned i = 0; i < st->nrefs && !r; i++)
		if (!store_ref_get(st, st->refs[i].name, &tips[n]))
			n++;
	if (!r)
		r = store_walk(st, tips, n, NULL, &seen, NULL, NULL);
	if (!r)
		r = store_packw_begin(&s.w, sink, ctx, (uint32_t)seen.n);
	for (size_t i = 0; i < n && !r; i++)
		r = emit_history(&s, &tips[i], path);
	if (!r)
		r = store_packw_end(&s.w, checksum);
	if (!r && count)
		*count = (uint32_t)seen.n;
	store_oidset_free(&seen);
	store_oidset_free(&s.done);
	pathmap_free(&s.paths);
	free(tips);
	free(path);
	return r;
}
