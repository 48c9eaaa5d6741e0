/*
 * Shared by the fuzz targets of Git's protocol (tests/fuzz/git_*.c): the
 * store they run over, in memory, and their small helpers. The store's
 * object ids are fixed: the seed corpora name them.
 */
#ifndef TESTS_FUZZ_GIT_FIXTURE_H
#define TESTS_FUZZ_GIT_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The target's name for its messages ("fuzz_git_upload"); each target defines it. */
extern const char fz_name[];

struct bytes {
	uint8_t *p;
	size_t len, cap;
};

/* An invariant broken: say which, and stop (libFuzzer keeps the input). */
void fz_die(const char *why) __attribute__((noreturn));
/* Set-up that must work. */
void fz_must(int r, const char *what);
void fz_append(struct bytes *b, const void *data, size_t len);
/* A small deterministic generator (cuts and buffer sizes). */
uint32_t fz_next(uint32_t *seed);

/*
 * The store, on a device of `dev_size` bytes in memory, left open in *st:
 * refs/heads/main at three commits, refs/heads/dev off the second with one
 * of its own, refs/tags/v1 an annotated tag of the first, refs/tags/light
 * the second, and a commit on refs/appliance/secrets. `private` (may be
 * NULL) gets what only refs/appliance/ reaches: its commit, tree and blob.
 */
void fz_make_store(size_t dev_size, struct store **st, struct store_oid private[3]);

#endif
