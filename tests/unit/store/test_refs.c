/*
 * Refs at scale: a batch as large as a push of every tag, capacity at its
 * limit and one past it, and every batch still opening after a reopen.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../../plat/plat.h"
#include "fixture.h"
#include "memblk.h"
#include "store.h"

#define DEV_SIZE (8u << 20)

struct batch {
	struct store_ref_update *u;
	char (*names)[48];
	size_t n;
};

/* `n` creations refs/tags/<prefix><i> -> oid (old value zero). */
static void batch_make(struct batch *b, const char *prefix, size_t n, const struct store_oid *oid)
{
	b->u = calloc(n, sizeof(*b->u));
	b->names = calloc(n, sizeof(*b->names));
	b->n = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(b->names[i], sizeof(b->names[i]), "refs/tags/%s%zu", prefix, i);
		b->u[i].name = b->names[i];
		b->u[i].new = *oid;
	}
}

static void batch_free(struct batch *b)
{
	free(b->u);
	free(b->names);
}

static int count_ref(void *ctx, const char *name, const struct store_oid *oid)
{
	(void)name, (void)oid;
	(*(size_t *)ctx)++;
	return 0;
}

static size_t ref_count(struct store *st)
{
	size_t n = 0;

	assert_int_equal(store_refs_each(st, count_ref, &n), 0);
	return n;
}

static struct store *open_with_commit(struct store_oid *c)
{
	struct store *st;

	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "site/index.html", "hi", c), 0);
	return st;
}

/* The reproduced defect: 256 new refs returned 0 and the store no longer opened. */
static void test_batch_of_256_reopens(void **state)
{
	struct store *st;
	struct store_oid c, got;
	struct batch b;
	(void)state;
	st = open_with_commit(&c);
	batch_make(&b, "v", 256, &c);
	assert_int_equal(store_refs_update(st, b.u, b.n), 0);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, true), 0);
	/* HEAD, main and the 256 tags. */
	assert_int_equal(ref_count(st), 258);
	assert_int_equal(store_ref_get(st, "refs/tags/v255", &got), 0);
	assert_memory_equal(&got, &c, sizeof(c));
	assert_int_equal(store_fsck(st, NULL, NULL), 0);
	store_close(st);
	batch_free(&b);
}

/* A push of 2,000 tags at once, surviving a compaction and a reopen. */
static void test_push_of_2000_tags(void **state)
{
	struct store *st;
	struct store_oid c, got;
	struct batch b;
	(void)state;
	st = open_with_commit(&c);
	batch_make(&b, "release-", 2000, &c);
	assert_int_equal(store_refs_update(st, b.u, b.n), 0);
	assert_int_equal(ref_count(st), 2002);
	assert_int_equal(store_compact(st), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "site/index.html", "v2", NULL), 0);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, true), 0);
	assert_int_equal(ref_count(st), 2002);
	assert_int_equal(store_ref_get(st, "refs/tags/release-1999", &got), 0);
	assert_memory_equal(&got, &c, sizeof(c));
	fixture_read_is(st, "HEAD", "site/index.html", "v2");
	store_close(st);
	batch_free(&b);
}

/* At the limit: the last ref fits; one more, alone or in a batch, changes nothing. */
static void test_capacity_n_plus_one(void **state)
{
	struct store *st;
	struct store_oid c, got;
	struct batch fill, over;
	/* HEAD and main already take two slots. */
	size_t room = STORE_MAX_REFS - 2;
	(void)state;
	st = open_with_commit(&c);
	batch_make(&fill, "f", room - 1, &c);
	assert_int_equal(store_refs_update(st, fill.u, fill.n), 0);
	batch_make(&over, "o", 2, &c);
	/* Two new refs with room for one: refused whole. */
	assert_int_equal(store_refs_update(st, over.u, 2), -ENOSPC);
	assert_int_equal(store_ref_get(st, "refs/tags/o0", &got), -ENOENT);
	/* Exactly full. */
	assert_int_equal(store_refs_update(st, over.u, 1), 0);
	assert_int_equal(ref_count(st), STORE_MAX_REFS);
	/* N+1. */
	assert_int_equal(store_refs_update(st, &over.u[1], 1), -ENOSPC);
	/* An update of an existing ref still works at the limit, and so does a swap of one for
	 * another. */
	struct store_ref_update swap[2] = {{"refs/tags/o0", c, {{0}}}, {"refs/tags/o1", {{0}}, c}};
	assert_int_equal(store_refs_update(st, swap, 2), 0);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(ref_count(st), STORE_MAX_REFS);
	assert_int_equal(store_ref_get(st, "refs/tags/o1", &got), 0);
	assert_int_equal(store_ref_get(st, "refs/tags/o0", &got), -ENOENT);
	store_close(st);
	batch_free(&fill);
	batch_free(&over);
}

/* The same ref twice in one transaction is ambiguous: refused. */
static void test_duplicate_in_batch(void **state)
{
	struct store *st;
	struct store_oid c, got;
	(void)state;
	st = open_with_commit(&c);
	struct store_ref_update u[2] = {{"refs/tags/a", {{0}}, c}, {"refs/tags/a", {{0}}, c}};
	assert_int_equal(store_refs_update(st, u, 2), -EINVAL);
	assert_int_equal(store_ref_get(st, "refs/tags/a", &got), -ENOENT);
	store_close(st);
}

/*
 * A branch renamed in one push: the new name sorts before a ref that
 * stays, the old one goes. The table is sorted again, so each ref is found,
 * before and after a reopen (the record replays the same way).
 */
static void test_rename_in_one_batch(void **state)
{
	struct store *st;
	struct store_oid c, got;
	(void)state;
	st = open_with_commit(&c);
	struct store_ref_update make = {"refs/heads/old", {{0}}, c};
	assert_int_equal(store_refs_update(st, &make, 1), 0);
	struct store_ref_update rename[2] = {{"refs/heads/old", c, {{0}}},
	                                     {"refs/heads/feature", {{0}}, c}};
	assert_int_equal(store_refs_update(st, rename, 2), 0);
	assert_int_equal(store_ref_get(st, "refs/heads/feature", &got), 0);
	assert_int_equal(store_ref_get(st, "refs/heads/main", &got), 0);
	assert_int_equal(store_ref_get(st, "refs/heads/old", &got), -ENOENT);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(store_ref_get(st, "refs/heads/feature", &got), 0);
	assert_memory_equal(&got, &c, sizeof(c));
	assert_int_equal(ref_count(st), 3);
	store_close(st);
}

/*
 * A ref's name may not be a directory of another's: git keeps refs as
 * files, so a clone of refs/heads/a beside refs/heads/a/b fails for every
 * client, and git's receive-pack refuses the second. Either order, in one
 * batch or two; a batch that deletes the one may create the other; a
 * name that only begins the same ("a-b") is no directory.
 */
static void test_directory_of_another(void **state)
{
	struct store *st;
	struct store_oid c, got;
	(void)state;
	st = open_with_commit(&c);
	struct store_ref_update a = {"refs/heads/a", {{0}}, c}, ab = {"refs/heads/a/b", {{0}}, c},
	                        dash = {"refs/heads/a-b", {{0}}, c};
	assert_int_equal(store_refs_update(st, &a, 1), 0);
	assert_int_equal(store_refs_update(st, &ab, 1), -ENOTDIR);
	assert_int_equal(store_ref_get(st, "refs/heads/a/b", &got), -ENOENT);
	assert_int_equal(store_refs_update(st, &dash, 1), 0);
	struct store_ref_update over[2] = {{"refs/heads/a", c, {{0}}},
	                                   {"refs/heads/a/b", {{0}}, c}};
	assert_int_equal(store_refs_update(st, over, 2), 0);
	assert_int_equal(store_ref_get(st, "refs/heads/a", &got), -ENOENT);
	/* Now the other way round: a/b is there, a is its directory. */
	assert_int_equal(store_refs_update(st, &a, 1), -ENOTDIR);
	struct store_ref_update deeper = {"refs/heads/a/b/c", {{0}}, c};
	assert_int_equal(store_refs_update(st, &deeper, 1), -ENOTDIR);
	struct store_ref_update both[2] = {{"refs/tags/x/y", {{0}}, c}, {"refs/tags/x", {{0}}, c}};
	assert_int_equal(store_refs_update(st, both, 2), -ENOTDIR);
	assert_int_equal(store_ref_get(st, "refs/tags/x", &got), -ENOENT);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(store_ref_get(st, "refs/heads/a/b", &got), 0);
	assert_int_equal(store_ref_get(st, "refs/heads/a-b", &got), 0);
	assert_int_equal(store_refs_update(st, &a, 1), -ENOTDIR);
	store_close(st);
}

/*
 * No symbolic ref outside refs/appliance/ may point into it (store.h):
 * HEAD -> refs/appliance/secrets would put the secrets' commit in every
 * advertisement and clone. Refused whether the name is HEAD or a branch;
 * HEAD still names main, before and after a reopen. Inside the private
 * part one may point at another.
 */
static void test_symref_into_private(void **state)
{
	struct store *st;
	struct store_oid c, s, got;
	char target[STORE_REF_MAX];
	(void)state;
	st = open_with_commit(&c);
	assert_int_equal(fixture_commit(st, "refs/appliance/secrets", "password", "x\n", &s), 0);
	assert_int_equal(store_ref_set_symbolic(st, "HEAD", "refs/appliance/secrets"), -EPERM);
	assert_int_equal(store_ref_set_symbolic(st, "refs/heads/peek", "refs/appliance/secrets"),
	                 -EPERM);
	assert_int_equal(
	    store_ref_set_symbolic(st, "refs/appliance/alias", "refs/appliance/secrets"), 0);
	assert_int_equal(store_ref_get(st, "refs/appliance/alias", &got), 0);
	assert_memory_equal(&got, &s, sizeof(s));
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(store_ref_symbolic(st, "HEAD", target, sizeof(target)), 0);
	assert_string_equal(target, "refs/heads/main");
	assert_int_equal(store_ref_get(st, "HEAD", &got), 0);
	assert_memory_equal(&got, &c, sizeof(c));
	assert_int_equal(store_ref_get(st, "refs/heads/peek", &got), -ENOENT);
	store_close(st);
}

/* ---- a checkpoint that fails after the update's record is durable ---- */

static int changes;
static void count_change(void *ctx, const char *ref)
{
	(void)ctx, (void)ref;
	changes++;
}

/* Where the checkpoint after a ref update's flushed record fails (memblk's numbering from the
 * update on). */
struct ckpt_fault {
	bool flush;
	long n;
	const char *what;
};

static const struct ckpt_fault ckpt_faults[] = {
    /* Write 1 is the record's header block, flush 1 makes it durable. */
    {true, 2, "the checkpoint's first flush"},
    {false, 2, "the superblock's write"},
    {true, 3, "the flush after the superblock"},
};

/*
 * A store with more than 8 MiB of log since its checkpoint: the next ref
 * update moves the checkpoint after its own record. `c` gets main's
 * commit. The image is made once (a 9 MiB blob takes a while to deflate).
 */
#define CKPT_DEV (24u << 20)
static struct store *open_checkpoint_due(struct store_oid *c)
{
	static uint8_t *image;
	static struct store_oid main;
	struct store *st;

	if (!image) {
		size_t len = 9u << 20;
		uint8_t *big = malloc(len);
		uint32_t x = 12345;
		struct store_oid blob;
		assert_non_null(big);
		/* Bytes zlib cannot shrink: the pack record takes the 9 MiB of log. */
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			big[i] = (uint8_t)(x >> 23);
		}
		fixture_device(CKPT_DEV);
		assert_int_equal(store_open(&st, false), 0);
		assert_int_equal(
		    fixture_commit(st, "refs/heads/main", "site/index.html", "hi", &main), 0);
		fixture_put(st, STORE_OBJ_BLOB, big, len, &blob);
		free(big);
		/* The device as it stands, flushed, without the checkpoint a close would write. */
		assert_int_equal(plat_blk_flush(), 0);
		image = malloc(CKPT_DEV);
		assert_non_null(image);
		memcpy(image, memblk_data(), CKPT_DEV);
		store_close(st);
	}
	memblk_create(CKPT_DEV);
	memcpy(memblk_data(), image, CKPT_DEV);
	assert_int_equal(store_open(&st, false), 0);
	*c = main;
	return st;
}

/* The value of `name` in the running store and in a store opened on what a power cut leaves. */
static void values_now_and_after_cut(struct store *st, const char *name, int *rc_now,
                                     struct store_oid *now, int *rc_cut, struct store_oid *cut)
{
	struct store *again;

	memset(now, 0, sizeof(*now));
	memset(cut, 0, sizeof(*cut));
	*rc_now = store_ref_get(st, name, now);
	memblk_crash_begin(7);
	assert_int_equal(store_open(&again, false), 0);
	*rc_cut = store_ref_get(again, name, cut);
	store_close(again);
	memblk_crash_end();
}

/*
 * A ref update is acknowledged once its record is flushed: a reopen finds
 * it. The checkpoint that may follow it (every 8 MiB of log) failing must
 * not turn it into a reported failure, nor leave the running store showing
 * the old value while the disk holds the new one. The store then refuses
 * writes (-EROFS) until it is opened again, as after any write error.
 */
static void test_checkpoint_error_after_durable_update(void **state)
{
	(void)state;
	for (size_t f = 0; f < sizeof(ckpt_faults) / sizeof(ckpt_faults[0]); f++) {
		const struct ckpt_fault *k = &ckpt_faults[f];
		struct store_oid c, now, cut;
		struct store *st = open_checkpoint_due(&c);
		struct store_ref_update u = {"refs/heads/topic", {{0}}, c};
		long writes = memblk_writes(), flushes = memblk_flushes();
		int r, rc_now, rc_cut;
		print_message("checkpoint failing at %s\n", k->what);
		changes = 0;
		assert_int_equal(store_on_change(st, count_change, NULL), 0);
		if (k->flush)
			memblk_fail_flush(k->n, -EIO);
		else
			memblk_fail_write(k->n, -EIO);
		r = store_refs_update(st, &u, 1);
		/* The injected error was met: the update reached its checkpoint. */
		assert_true(memblk_writes() - writes >= (k->flush ? 1 : k->n));
		assert_true(memblk_flushes() - flushes >= (k->flush ? k->n : 1));
		values_now_and_after_cut(st, u.name, &rc_now, &now, &rc_cut, &cut);
		/* The record is durable: a reopen shows the new value. */
		assert_int_equal(rc_cut, 0);
		assert_memory_equal(&cut, &c, sizeof(c));
		/* The running store agrees with the disk, and the caller was told so. */
		assert_int_equal(rc_now, rc_cut);
		assert_memory_equal(&now, &cut, sizeof(now));
		assert_int_equal(r, 0);
		assert_int_equal(changes, 1);
		/* Then, as after every write error, writes wait for a reopen. */
		assert_int_equal(
		    fixture_commit(st, "refs/heads/main", "site/index.html", "v2", NULL), -EROFS);
		store_close(st);
	}
}

/* The same for HEAD made symbolic: durable, so made, in memory as on disk. */
static void test_checkpoint_error_after_durable_symref(void **state)
{
	(void)state;
	for (size_t f = 0; f < sizeof(ckpt_faults) / sizeof(ckpt_faults[0]); f++) {
		const struct ckpt_fault *k = &ckpt_faults[f];
		char now[STORE_REF_MAX] = "", cut[STORE_REF_MAX] = "";
		struct store_oid c;
		struct store *st = open_checkpoint_due(&c), *again;
		int r;
		print_message("checkpoint failing at %s\n", k->what);
		if (k->flush)
			memblk_fail_flush(k->n, -EIO);
		else
			memblk_fail_write(k->n, -EIO);
		r = store_ref_set_symbolic(st, "HEAD", "refs/heads/topic");
		assert_int_equal(store_ref_symbolic(st, "HEAD", now, sizeof(now)), 0);
		memblk_crash_begin(7);
		assert_int_equal(store_open(&again, false), 0);
		assert_int_equal(store_ref_symbolic(again, "HEAD", cut, sizeof(cut)), 0);
		store_close(again);
		memblk_crash_end();
		assert_string_equal(cut, "refs/heads/topic");
		assert_string_equal(now, cut);
		assert_int_equal(r, 0);
		store_close(st);
	}
}

/* ---- a slot that changes kind, replayed ---- */

static int list_ref(void *ctx, const char *name, const struct store_oid *oid)
{
	char hex[STORE_OID_HEX];
	size_t n = strlen(ctx);

	store_oid_hex(oid, hex);
	snprintf((char *)ctx + n, 2048 - n, "each %s %s\n", name, hex);
	return 0;
}

/* What the refs API shows of a few names, and the listing, as text (2048 bytes). */
static void refs_view(struct store *st, char *out)
{
	static const char *const names[] = {"HEAD", "refs/heads/main", "refs/heads/a"};
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct store_oid v = {{0}}, p = {{0}};
		char vh[STORE_OID_HEX], ph[STORE_OID_HEX], sym[STORE_REF_MAX] = "";
		int rv = store_ref_get(st, names[i], &v), rp = store_ref_prev(st, names[i], &p);
		int rs = store_ref_symbolic(st, names[i], sym, sizeof(sym));
		store_oid_hex(&v, vh);
		store_oid_hex(&p, ph);
		n += (size_t)snprintf(out + n, 2048 - n, "%s get %d %s prev %d %s sym %d %s\n",
		                      names[i], rv, vh, rp, ph, rs, sym);
	}
	assert_int_equal(store_refs_each(st, list_ref, out), 0);
}

/* Compact, then what is left of a's two direct values (objects a reader may fetch). */
static void compacted_view(struct store *st, const struct store_oid *a1, const struct store_oid *a2,
                           char *out)
{
	struct store_stats s;

	assert_int_equal(store_compact(st), 0);
	store_stats(st, &s);
	snprintf(out, 2048, "objects %u a1 %d a2 %d\n", (unsigned)s.objects, store_has(st, a1),
	         store_has(st, a2));
	refs_view(st, out + strlen(out));
}

/* refs/heads/a holds two values (commits only it reaches), then is made symbolic to main. */
static struct store *direct_then_symbolic(struct store_oid *a1, struct store_oid *a2)
{
	struct store_oid c;
	struct store *st = open_with_commit(&c);

	assert_int_equal(fixture_commit(st, "refs/heads/a", "site/a.html", "a one", a1), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/a", "site/a.html", "a two", a2), 0);
	assert_int_equal(store_ref_set_symbolic(st, "refs/heads/a", "refs/heads/main"), 0);
	/* The reverse is no update: a symbolic ref is not given a value. */
	struct store_ref_update u = {"refs/heads/a", c, *a2};
	assert_int_equal(store_refs_update(st, &u, 1), -EINVAL);
	return st;
}

/*
 * A ref that held values and is made symbolic reads the same before a
 * reopen, after it (its records replayed), and after a compaction (its
 * snapshot replayed): the values it held are gone from its slot in each,
 * so a compaction keeps the same objects whichever state it starts from.
 */
static void test_symbolic_after_direct_replays(void **state)
{
	char live[2048], reopened[2048], live_c[2048], reopened_c[2048], again_c[2048];
	struct store_oid a1, a2;
	struct store *st;
	(void)state;
	/* The running store, compacted without a reopen, then reopened and compacted again. */
	st = direct_then_symbolic(&a1, &a2);
	refs_view(st, live);
	compacted_view(st, &a1, &a2, live_c);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, false), 0);
	compacted_view(st, &a1, &a2, again_c);
	assert_string_equal(again_c, live_c);
	store_close(st);
	/* The same records replayed at open. */
	st = direct_then_symbolic(&a1, &a2);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, false), 0);
	refs_view(st, reopened);
	assert_string_equal(reopened, live);
	compacted_view(st, &a1, &a2, reopened_c);
	assert_string_equal(reopened_c, live_c);
	/* What a symbolic ref reaches is its target's: neither of a's old values. */
	assert_false(store_has(st, &a1));
	assert_false(store_has(st, &a2));
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch_of_256_reopens),
	    cmocka_unit_test(test_push_of_2000_tags),
	    cmocka_unit_test(test_capacity_n_plus_one),
	    cmocka_unit_test(test_duplicate_in_batch),
	    cmocka_unit_test(test_rename_in_one_batch),
	    cmocka_unit_test(test_directory_of_another),
	    cmocka_unit_test(test_symref_into_private),
	    cmocka_unit_test(test_checkpoint_error_after_durable_update),
	    cmocka_unit_test(test_checkpoint_error_after_durable_symref),
	    cmocka_unit_test(test_symbolic_after_direct_replays),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	memblk_free();
	return r;
}
