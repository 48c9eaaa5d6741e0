/* The content API for the services: paths at a ref, history, commits. */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int store_ref_tree(struct store *st, const char *ref, struct store_oid *tree)
{
	struct store_oid oid;
	struct store_commit c;
	struct store_tag t;
	uint8_t *data;
	size_t len;
	int type, r;

	if ((r = store_ref_get(st, ref, &oid)))
		return r;
	for (int peel = 0; peel < 8; peel++) {
		if ((r = store_get(st, &oid, &type, &data, &len)))
			return r;
		r = -EINVAL;
		if (type == STORE_OBJ_COMMIT && !store_commit_parse(data, len, &c)) {
			*tree = c.tree;
			r = 0;
		} else if (type == STORE_OBJ_TAG && !store_tag_parse(data, len, &t)) {
			oid = t.object;
			r = 1;
		}
		free(data);
		if (r <= 0)
			return r;
	}
	return -ELOOP;
}

/* Follow `path` from `tree`; the entry it names. */
static int lookup_in(struct store *st, const struct store_oid *tree, const char *path,
                     struct store_tree_entry *out)
{
	struct store_tree_entry e = {.mode = STORE_MODE_TREE, .oid = *tree};
	int r, depth = 0;

	while (*path) {
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);
		uint8_t *data;
		size_t len;
		int type;
		if (e.mode != STORE_MODE_TREE)
			return -ENOTDIR;
		if (++depth > STORE_MAX_TREE_DEPTH)
			return -ELOOP;
		if ((r = store_get(st, &e.oid, &type, &data, &len)))
			return r;
		r = type == STORE_OBJ_TREE ? store_tree_find(data, len, path, n, &e) : -EIO;
		free(data);
		if (r)
			return r;
		path += n;
		while (*path == '/')
			path++;
	}
	*out = e;
	out->name = NULL;
	out->name_len = 0;
	return 0;
}

static int lookup(struct store *st, const char *ref, const char *path, struct store_tree_entry *out)
{
	struct store_oid tree;
	int r = store_ref_tree(st, ref, &tree);

	return r ? r : lookup_in(st, &tree, path, out);
}

int store_tree_lookup(struct store *st, const struct store_oid *tree, const char *path,
                      struct store_oid *oid, uint32_t *mode)
{
	struct store_tree_entry e;
	int r = lookup_in(st, tree, path, &e);

	if (!r) {
		*oid = e.oid;
		*mode = e.mode;
	}
	return r;
}

int store_read_path(struct store *st, const char *ref, const char *path, uint8_t **data,
                    size_t *len, struct store_oid *oid, uint32_t *mode)
{
	struct store_tree_entry e;
	int type, r;

	if ((r = lookup(st, ref, path, &e)))
		return r;
	if (e.mode == STORE_MODE_TREE)
		return -EISDIR;
	if (e.mode == STORE_MODE_GITLINK)
		return -ENOENT;
	if ((r = store_get(st, &e.oid, &type, data, len)))
		return r;
	if (type != STORE_OBJ_BLOB) {
		free(*data);
		return -EIO;
	}
	if (oid)
		*oid = e.oid;
	if (mode)
		*mode = e.mode;
	return 0;
}

int store_list_dir(struct store *st, const char *ref, const char *path,
                   int (*fn)(void *ctx, const struct store_tree_entry *e), void *ctx)
{
	struct store_tree_entry e;
	struct store_tree_iter it;
	uint8_t *data;
	size_t len;
	int type, r;

	if ((r = lookup(st, ref, path, &e)))
		return r;
	if (e.mode != STORE_MODE_TREE)
		return -ENOTDIR;
	if ((r = store_get(st, &e.oid, &type, &data, &len)))
		return r;
	store_tree_iter_init(&it, data, len);
	while ((r = store_tree_next(&it, &e)) == 1)
		if ((r = fn(ctx, &e)))
			break;
	free(data);
	return r;
}

int store_history_walk(struct store *st, const char *ref, unsigned max,
                       int (*fn)(void *ctx, const struct store_oid *oid,
                                 const struct store_commit *c),
                       void *ctx)
{
	struct store_oid oid;
	struct store_commit *c = malloc(sizeof(*c));
	int r = c ? store_ref_get(st, ref, &oid) : -ENOMEM;

	for (unsigned i = 0; i < max && !r; i++) {
		uint8_t *data;
		size_t len;
		int type;
		if ((r = store_get(st, &oid, &type, &data, &len)))
			break;
		r = type == STORE_OBJ_COMMIT ? store_commit_parse(data, len, c) : -EIO;
		if (!r)
			r = fn(ctx, &oid, c);
		free(data);
		if (r || c->nparents == 0)
			break;
		oid = c->parent[0];
	}
	free(c);
	return r;
}

/* ---- committing changes: rebuild the trees along the changed paths ---- */

/*
 * The objects a commit adds, each once: two changes of the same content
 * (or two directories alike) make one blob (tree), and a pack that held
 * it twice would be refused (pack.c's check_unique).
 */
struct newobjs {
	int types[1024];
	uint8_t *data[1024];
	size_t lens[1024];
	struct store_oid oids[1024];
	uint32_t n;
};

static int add_obj(struct newobjs *o, int type, uint8_t *data, size_t len, struct store_oid *oid)
{
	store_object_id(type, data, len, oid);
	for (uint32_t i = 0; i < o->n; i++)
		if (!store_oid_cmp(&o->oids[i], oid)) {
			free(data);
			return 0;
		}
	if (o->n == 1024) {
		free(data);
		return -E2BIG;
	}
	o->types[o->n] = type;
	o->data[o->n] = data;
	o->lens[o->n] = len;
	o->oids[o->n++] = *oid;
	return 0;
}

struct pending {
	const struct store_change *c;
	const char *rest; /* the path below the current tree */
};

/* Entries of the base tree (names point into *data). */
static int load_entries(struct store *st, const struct store_oid *base, uint8_t **data,
                        struct store_tree_entry **ents, size_t *n, size_t extra)
{
	struct store_tree_iter it;
	struct store_tree_entry e;
	size_t len, cap = extra + 1;
	int type, r;

	*data = NULL;
	*ents = NULL;
	*n = 0;
	if (base && (r = store_get(st, base, &type, data, &len)))
		return r;
	if (base && type != STORE_OBJ_TREE)
		return -EIO;
	if (base)
		cap += len / 22 + 1;
	*ents = malloc(sizeof(**ents) * cap);
	if (!*ents)
		return -ENOMEM;
	if (!base)
		return 0;
	store_tree_iter_init(&it, *data, len);
	while ((r = store_tree_next(&it, &e)) == 1)
		(*ents)[(*n)++] = e;
	return r;
}

static size_t find_entry(struct store_tree_entry *e, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].name_len == len && !memcmp(e[i].name, name, len))
			return i;
	return n;
}

static void drop_entry(struct store_tree_entry *e, size_t *n, size_t i)
{
	if (i < *n)
		e[i] = e[--*n];
}

/*
 * Rebuilding the trees along the changed paths, one level per directory
 * that changes. The levels live in a heap array, not on the machine
 * stack: a path as deep as the store accepts costs no recursion.
 */
struct level {
	uint8_t *data;              /* the base tree's content (entry names point into it) */
	struct store_tree_entry *e; /* its entries, then the changed ones */
	size_t ne;
	struct pending *p; /* changes below this level */
	size_t np;
	size_t k;         /* the next change to look at */
	const char *name; /* this level's name in its parent */
	size_t name_len;
};

static void level_free(struct level *l)
{
	free(l->data);
	free(l->e);
	free(l->p);
}

/* A level for the tree `base` (NULL: a new directory); takes ownership of `p`. */
static int level_open(struct store *st, struct level *l, const struct store_oid *base,
                      struct pending *p, size_t np, const char *name, size_t name_len)
{
	*l = (struct level){.p = p, .np = np, .name = name, .name_len = name_len};
	return load_entries(st, base, &l->data, &l->e, &l->ne, np);
}

/* A file change at this level: drop the old entry, add the new blob. */
static int apply_file(struct level *l, const struct pending *pc, size_t len, struct newobjs *o)
{
	const struct store_change *c = pc->c;
	struct store_oid oid;
	uint8_t *copy;
	int r;

	drop_entry(l->e, &l->ne, find_entry(l->e, l->ne, pc->rest, len));
	if (!c->mode)
		return 0;
	if (!(copy = malloc(c->len + 1)))
		return -ENOMEM;
	memcpy(copy, c->data, c->len);
	if ((r = add_obj(o, STORE_OBJ_BLOB, copy, c->len, &oid)))
		return r;
	l->e[l->ne++] = (struct store_tree_entry){c->mode, pc->rest, len, oid};
	return 0;
}

/* Every change under `name`/ at this level, one level down (they leave this level's list). */
static struct pending *take_below(struct level *l, const char *name, size_t len, size_t *ns)
{
	struct pending *sub = malloc(sizeof(*sub) * l->np);

	*ns = 0;
	for (size_t k = l->k; sub && k < l->np; k++)
		if (l->p[k].rest && !strncmp(l->p[k].rest, name, len) && l->p[k].rest[len] == '/') {
			sub[*ns].c = l->p[k].c;
			sub[(*ns)++].rest = l->p[k].rest + len + 1;
			l->p[k].rest = NULL;
		}
	return sub;
}

/* The finished tree of a level (zero for an empty directory below the root). */
static int level_close(struct level *l, bool root, struct newobjs *o, struct store_oid *out)
{
	uint8_t *tree;
	size_t tlen;
	int r;

	memset(out, 0, sizeof(*out));
	if (!l->ne && !root)
		return 0;
	if ((r = store_tree_encode(l->e, l->ne, &tree, &tlen)))
		return r;
	return add_obj(o, STORE_OBJ_TREE, tree, tlen, out);
}

/* A finished subtree replaces its entry in the parent (or removes it, if empty). */
static void level_attach(struct level *parent, const struct level *child,
                         const struct store_oid *oid)
{
	drop_entry(parent->e, &parent->ne,
	           find_entry(parent->e, parent->ne, child->name, child->name_len));
	if (!store_oid_is_zero(oid))
		parent->e[parent->ne++] =
		    (struct store_tree_entry){STORE_MODE_TREE, child->name, child->name_len, *oid};
}

/* One step at the top level: a file change, a descent into a directory, or 1 when done. */
static int level_step(struct store *st, struct level *lv, size_t *depth, struct newobjs *o)
{
	struct level *l = &lv[*depth];
	const char *name, *slash;
	struct pending *sub;
	size_t len, ns, i;

	while (l->k < l->np && !l->p[l->k].rest)
		l->k++;
	if (l->k == l->np)
		return 1;
	name = l->p[l->k].rest;
	slash = strchr(name, '/');
	len = slash ? (size_t)(slash - name) : strlen(name);
	if (!slash)
		return apply_file(l, &l->p[l->k++], len, o);
	if (*depth + 1 > STORE_MAX_TREE_DEPTH)
		return -ELOOP;
	if (!(sub = take_below(l, name, len, &ns)))
		return -ENOMEM;
	i = find_entry(l->e, l->ne, name, len);
	++*depth;
	return level_open(st, &lv[*depth],
	                  i < l->ne && l->e[i].mode == STORE_MODE_TREE ? &l->e[i].oid : NULL, sub,
	                  ns, name, len);
}

static int update_tree(struct store *st, const struct store_oid *base, struct pending *p, size_t n,
                       struct newobjs *o, struct store_oid *out)
{
	struct level *lv = calloc(STORE_MAX_TREE_DEPTH + 1, sizeof(*lv));
	struct pending *top = malloc(sizeof(*top) * (n + 1));
	size_t depth = 0;
	int r = lv && top ? 0 : -ENOMEM;

	if (!r) {
		memcpy(top, p, sizeof(*top) * n);
		r = level_open(st, &lv[0], base, top, n, "", 0);
	} else {
		free(top);
	}
	while (!r) {
		struct store_oid oid;
		if ((r = level_step(st, lv, &depth, o)) != 1)
			continue;
		if ((r = level_close(&lv[depth], depth == 0, o, &oid)) || depth == 0) {
			*out = oid;
			break;
		}
		level_attach(&lv[depth - 1], &lv[depth], &oid);
		level_free(&lv[depth--]);
	}
	for (size_t d = 0; lv && d <= depth; d++)
		level_free(&lv[d]);
	free(lv);
	return r;
}

static int make_commit(struct store *st, const char *ref, const struct store_change *c, size_t n,
                       const char *author, const char *msg, struct newobjs *o,
                       struct store_oid *parent, struct store_oid *out)
{
	struct store_oid tree, base;
	struct pending *p = malloc(sizeof(*p) * (n + 1));
	bool has_parent = !store_ref_get(st, ref, parent);
	uint8_t *data;
	size_t len;
	int r = p ? 0 : -ENOMEM;

	for (size_t i = 0; i < n && !r; i++) {
		p[i].c = &c[i];
		p[i].rest = c[i].path;
		if (!c[i].path[0] || c[i].path[0] == '/' || (c[i].mode && !c[i].data && c[i].len))
			r = -EINVAL;
	}
	if (!r && has_parent)
		r = store_ref_tree(st, ref, &base);
	if (!r)
		r = update_tree(st, has_parent ? &base : NULL, p, n, o, &tree);
	if (!r)
		r = store_commit_encode(&tree, parent, has_parent, author, author, msg, &data,
		                        &len);
	if (!r)
		r = add_obj(o, STORE_OBJ_COMMIT, data, len, out);
	if (!has_parent)
		memset(parent, 0, sizeof(*parent));
	free(p);
	return r;
}

int store_commit_changes(struct store *st, const char *ref, const struct store_change *c, size_t n,
                         const char *author, const char *msg, struct store_oid *out)
{
	struct newobjs *o = calloc(1, sizeof(*o));
	struct store_ref_update u = {.name = ref};
	int r;

	if (!o)
		return -ENOMEM;
	r = make_commit(st, ref, c, n, author, msg, o, &u.old, &u.new);
	if (!r)
		r = store_put_objects(st, o->types, (const uint8_t *const *)o->data, o->lens, o->n);
	if (!r)
		r = store_refs_update(st, &u, 1);
	if (!r && out)
		*out = u.new;
	for (uint32_t i = 0; i < o->n; i++)
		free(o->data[i]);
	free(o);
	return r;
}
