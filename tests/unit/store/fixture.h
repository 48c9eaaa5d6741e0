/*
 * Helpers the store's unit tests share: a fresh formatted device, a
 * one-file commit, a path's content, and running a function on a small
 * stack (the guest's, so recursion sized by input shows up on the host).
 */
#ifndef STORE_TEST_FIXTURE_H
#define STORE_TEST_FIXTURE_H

#include <stddef.h>

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
/* fn(arg) on a thread whose stack is `stack` bytes; its return value. */
int fixture_small_stack(size_t stack, int (*fn)(void *arg), void *arg);

#endif
