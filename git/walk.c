/* Commit walks (walk.h). */
#include "walk.h"

#include <errno.h>
#include <stdlib.h>

struct queued {
	struct store_oid oid;
	unsigned depth;
};

struct queue {
	struct queued *v;
	size_t head, n, cap;
};

static int enqueue(struct queue *q, const struct store_oid *oid, unsigned depth)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		struct queued *v = realloc(q->v, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		q->v = v;
		q->cap = cap;
	}
	q->v[q->n++] = (struct queued){*oid, depth};
	return 0;
}

int git_commit_get(struct store *st, const struct store_oid *oid, struct store_commit *c,
                   uint8_t **data)
{
	struct store_oid at = *oid;
	size_t len;
	int type, r;

	/* Tags peel to what they name; a chain longer than this is refused. */
	for (int hops = 0; hops < 16; hops++) {
		struct store_tag t;
		if ((r = store_get(st, &at, &type, data, &len)))
			return r;
		if (type == STORE_OBJ_COMMIT)
			return store_commit_parse(*data, len, c) ? (free(*data), -EINVAL) : 0;
		r = type == STORE_OBJ_TAG && !store_tag_parse(*data, len, &t);
		if (r)
			at = t.object;
		free(*data);
		*data = NULL;
		if (!r)
			return -EINVAL;
	}
	return -ELOOP;
}

/* Visit the commit at the queue's head: its parents queue behind unless fn prunes. */
static int visit(struct store *st, struct queue *q, struct store_oidset *seen,
                 int (*fn)(void *, const struct store_oid *, const struct store_commit *, unsigned),
                 void *ctx)
{
	struct queued at = q->v[q->head++];
	struct store_commit *c = malloc(sizeof(*c));
	uint8_t *data = NULL;
	int r = c ? git_commit_get(st, &at.oid, c, &data) : -ENOMEM;

	if (r == -EINVAL) /* not a commit: nothing below it */
		r = 0;
	else if (!r && (r = fn(ctx, &at.oid, c, at.depth)) == GIT_WALK_ON)
		for (unsigned i = 0; i < c->nparents && r >= 0; i++)
			if ((r = store_oidset_add(seen, &c->parent[i])) == 1)
				r = seen->n > GIT_WALK_LIMIT
				        ? -E2BIG
				        : enqueue(q, &c->parent[i], at.depth + 1);
	free(data);
	free(c);
	return r < 0 ? r : 0;
}

int git_walk(struct store *st, const struct store_oid *from, size_t n,
             int (*fn)(void *ctx, const struct store_oid *oid, const struct store_commit *c,
                       unsigned depth),
             void *ctx)
{
	struct store_oidset seen = {0};
	struct queue q = {0};
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++)
		if ((r = store_oidset_add(&seen, &from[i])) == 1)
			r = enqueue(&q, &from[i], 1);
	while (r >= 0 && q.head < q.n) {
		r = visit(st, &q, &seen, fn, ctx);
		/* The visited part of the queue is dropped now and then: it holds the frontier
		 * only. */
		if (q.head > 1024 && q.head * 2 > q.n) {
			for (size_t i = q.head; i < q.n; i++)
				q.v[i - q.head] = q.v[i];
			q.n -= q.head;
			q.head = 0;
		}
	}
	free(q.v);
	store_oidset_free(&seen);
	return r < 0 ? r : 0;
}

/* The walk stops with -EEXIST when it meets the commit sought. */
static int find_anc(void *ctx, const struct store_oid *oid, const struct store_commit *c,
                    unsigned depth)
{
	(void)c, (void)depth;
	return store_oid_cmp(oid, ctx) ? GIT_WALK_ON : -EEXIST;
}

int git_is_ancestor(struct store *st, const struct store_oid *anc, const struct store_oid *desc)
{
	struct store_oid a = *anc;
	int r = git_walk(st, desc, 1, find_anc, &a);

	return r == -EEXIST ? 1 : r;
}
