/*
 * Helpers the store's unit tests share: a fresh formatted device, a
 * one-file commit, a path's content, and running a function on a small
 * stack (the guest's, so recursion sized by input shows up on the host).
 */
#ifndef STORE_TEST_FIXTURE_H
#define STORE_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define FIXTURE_AUTHOR "Test <t@example.home> 1700000000 +0000"

/* A device of `size` bytes holding an empty store (formatted once per size). */
void fixture_device(size_t size);
int fixture_commit(struct store *st, const char *ref, const char *path, const char *text,
                   struct store_oid *out);
/* Asserts that `path` at `ref` holds exactly `want`. */
void fixture_read_is(struct store *st, const char *ref, const char *path, const char *want);
/* Add one object; asserts success. */
void fixture_put(struct store *st, int type, const void *data, size_t len, struct store_oid *oid);
/* An annotated tag object naming `target` of `type`. */
void fixture_tag(struct store *st, const struct store_oid *target, int type, const char *name,
                 struct store_oid *oid);
/* A growable buffer, and a pack-writer sink that appends to one. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};
int buf_sink(void *ctx, const void *data, size_t len);

/*
 * A pack of one blob and `deltas` ofs-deltas, each on the one before (the
 * longest chain shape); *tip gets the last version's id.
 */
void fixture_chain_pack(struct buf *b, int deltas, struct store_oid *tip);

/* Between watch_allocs(1) and watch_allocs(0): the largest single allocation. */
void watch_allocs(int on);
size_t largest_alloc(void);

/*
 * A PACK record listing fake objects first .. first + n - 1 ("\xfe\xed"
 * and the number), none of them in its pack: what a store of that many
 * objects costs at open, made without making them. A reopen knows them.
 */
void fixture_fake_objects(struct store *st, uint32_t first, uint32_t n);

/* fn(arg) on a thread whose stack is `stack` bytes; its return value. */
int fixture_small_stack(size_t stack, int (*fn)(void *arg), void *arg);

#endif
