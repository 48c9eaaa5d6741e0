/*
 * The non-public part (FORMAT.md) against a push: what refs under
 * STORE_PRIVATE_PREFIX reach stays out of the public refs' reach unless
 * the public refs reach it already or the push's pack carried it.
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * The values of the private refs and their previous ones (compaction keeps
 * both, and an old secret is a secret still), or the values of the public
 * refs: a malloc'd array in *out.
 */
static int tips(struct store *st, bool private, struct store_oid **out, size_t *n)
{
	struct store_oid *v = malloc(sizeof(*v) * (2 * (size_t)st->nrefs + 1));

	if (!v)
		return -ENOMEM;
	*n = 0;
	for (unsigned i = 0; i < st->nrefs; i++) {
		const struct store_ref *r = &st->refs[i];
		if (store_ref_private(r->name) != private || r->sym)
			continue;
		if (!store_oid_is_zero(&r->oid))
			v[(*n)++] = r->oid;
		if (private && !store_oid_is_zero(&r->prev))
			v[(*n)++] = r->prev;
	}
	*out = v;
	return 0;
}

/*
 * Every object the private refs reach (a few secrets and the editor's
 * files, a small set) into priv->objects: walked once a push, and again
 * only if those refs have moved since the last walk.
 */
static int private_objects(struct store *st, struct store_private *priv)
{
	struct store_oid *roots;
	size_t n;
	int r = tips(st, true, &roots, &n);

	if (r)
		return r;
	if (priv->walked && n == priv->nroots && !memcmp(roots, priv->roots, n * sizeof(*roots))) {
		free(roots);
		return 0;
	}
	store_oidset_free(&priv->objects);
	free(priv->roots);
	priv->roots = roots;
	priv->nroots = n;
	r = store_walk(st, roots, n, NULL, &priv->objects);
	priv->walked = r >= 0;
	return r < 0 ? r : 0;
}

void store_private_free(struct store_private *priv)
{
	store_oidset_free(&priv->objects);
	store_oidset_free(&priv->carried);
	free(priv->roots);
	memset(priv, 0, sizeof(*priv));
}

int store_private_carried(struct store *st, const struct store_pack_index *pix,
                          struct store_private *priv)
{
	int r = private_objects(st, priv);

	for (uint32_t i = 0; i < pix->n && r >= 0 && priv->objects.n; i++)
		if (store_oidset_has(&priv->objects, &pix->obj[i].oid))
			r = store_oidset_add(&priv->carried, &pix->obj[i].oid);
	return r < 0 ? r : 0;
}

/* The private objects a push reaches (`seen`) that its pack did not carry, into `out`. */
static int uncarried(struct store *st, const struct store_oidset *seen, struct store_private *priv,
                     struct store_oidset *out)
{
	const struct store_oidset *objects = &priv->objects;
	int r = private_objects(st, priv);

	for (size_t i = 0; i < objects->cap && r >= 0; i++)
		if (objects->used[i] && store_oidset_has(seen, &objects->slot[i]) &&
		    !store_oidset_has(&priv->carried, &objects->slot[i]))
			r = store_oidset_add(out, &objects->slot[i]);
	return r < 0 ? r : 0;
}

/*
 * Whether the public refs reach them all is a walk of their history; it
 * runs only when a push reaches a private object its pack did not carry,
 * and stops once it has seen them all. The walk goes depth first, a tip's
 * whole tree before its parents, so an object of a tip's tree (a site
 * that publishes its certificate) is found after one tree's walk.
 */
int store_private_check(struct store *st, const struct store_oidset *seen,
                        struct store_private *priv)
{
	struct store_oidset left = {0};
	struct store_oid *roots = NULL;
	size_t n;
	int r = uncarried(st, seen, priv, &left);

	if (!r && left.n && !(r = tips(st, false, &roots, &n)))
		r = store_walk_find(st, roots, n, &left);
	else if (!r)
		r = 1;
	free(roots);
	store_oidset_free(&left);
	return r < 0 ? r : r ? 0 : -EACCES;
}
