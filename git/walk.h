/*
 * Walks over commit history for the protocol: which commits a fetch may
 * want, when negotiation has found enough in common, where a shallow
 * clone's history stops, whether a push fast-forwards. Through the store's
 * public interface only.
 */
#ifndef GIT_WALK_H
#define GIT_WALK_H

#include <stddef.h>

#include "store/store.h"

/*
 * Most commits one walk visits: -E2BIG past it. About 60 bytes each (the
 * queue and the seen set), so 3 MiB at most, for a history far longer
 * than a site's.
 */
#define GIT_WALK_LIMIT 50000

enum { GIT_WALK_ON = 0, GIT_WALK_PRUNE = 1 };

/*
 * Breadth-first over the commits reachable from `from` (each at depth 1;
 * objects that are not commits are skipped), each visited once: fn
 * returns GIT_WALK_ON to go on to its parents, GIT_WALK_PRUNE not to, or
 * a negative value that stops the walk and is returned.
 */
int git_walk(struct store *st, const struct store_oid *from, size_t n,
             int (*fn)(void *ctx, const struct store_oid *oid, const struct store_commit *c,
                       unsigned depth),
             void *ctx);

/* 1 if commit `anc` is `desc` or one of its ancestors, 0 if not, or an error. */
int git_is_ancestor(struct store *st, const struct store_oid *anc, const struct store_oid *desc);

/* The commit `oid` names, peeling tags: 0, -ENOENT, or -EINVAL if it is no commit. */
int git_commit_get(struct store *st, const struct store_oid *oid, struct store_commit *c,
                   uint8_t **data);

#endif
