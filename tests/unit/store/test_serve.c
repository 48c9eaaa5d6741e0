/*
 * The pack of everything the store serves: tags of every kind peeled and
 * packed, trees as deep as the store accepts walked on a guest-sized
 * stack, paths longer than a file system's packed, and what one object
 * read allocates.
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

#include "fixture.h"
#include "memblk.h"
#include "delta.h"
#include "pack.h"
#include "store.h"
#include "store_int.h"

#define DEV_SIZE (4u << 20)
/* The guest's stack is tens of KiB; sanitizer frames are larger than Thumb-2 ones. */
#define SMALL_STACK (48u * 1024)

static bool pack_holds(const struct store_pack_index *ix, const struct store_oid *oid)
{
	for (uint32_t i = 0; i < ix->n; i++)
		if (!store_oid_cmp(&ix->obj[i].oid, oid))
			return true;
	return false;
}

/* store_pack_all into memory, checked by indexing it; the caller frees ix. */
static int pack_all(struct store *st, struct store_pack_index *ix)
{
	struct buf b = {0};
	uint32_t count;
	int r = store_pack_all(st, buf_sink, &b, NULL, &count);

	if (!r) {
		assert_int_equal(store_pack_index(b.p, b.len, 1u << 24, NULL, NULL, ix), 0);
		assert_int_equal(ix->n, count);
	}
	free(b.p);
	return r;
}

/* Tags whose commits no branch reaches: annotated, lightweight, tag of a tag, of a tree, of a blob.
 */
static void test_pack_all_peels_tags(void **state)
{
	struct store *st;
	struct store_oid main_c, side_c, side_tree, blob, t1, t2, t_tree, t_blob;
	struct store_pack_index ix;
	uint8_t *data;
	size_t len;
	(void)state;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "site/index.html", "main", &main_c),
	                 0);
	assert_int_equal(
	    fixture_commit(st, "refs/heads/side", "site/side.html", "side only", &side_c), 0);
	assert_int_equal(
	    store_read_path(st, "refs/heads/side", "site/side.html", &data, &len, &blob, NULL), 0);
	free(data);
	fixture_tag(st, &side_c, STORE_OBJ_COMMIT, "v1", &t1);
	fixture_tag(st, &t1, STORE_OBJ_TAG, "v1-signed", &t2);
	fixture_put(st, STORE_OBJ_TREE, "", 0, &side_tree);
	fixture_tag(st, &side_tree, STORE_OBJ_TREE, "empty-tree", &t_tree);
	fixture_tag(st, &blob, STORE_OBJ_BLOB, "a-blob", &t_blob);
	struct store_ref_update u[5] = {
	    {"refs/tags/v1", {{0}}, t1},        {"refs/tags/v1-signed", {{0}}, t2},
	    {"refs/tags/tree", {{0}}, t_tree},  {"refs/tags/blob", {{0}}, t_blob},
	    {"refs/tags/light", {{0}}, side_c},
	};
	assert_int_equal(store_refs_update(st, u, 5), 0);
	struct store_ref_update del = {"refs/heads/side", side_c, {{0}}};
	assert_int_equal(store_refs_update(st, &del, 1), 0);
	assert_int_equal(pack_all(st, &ix), 0);
	assert_true(pack_holds(&ix, &main_c));
	assert_true(pack_holds(&ix, &side_c));
	assert_true(pack_holds(&ix, &blob));
	assert_true(pack_holds(&ix, &t1));
	assert_true(pack_holds(&ix, &t2));
	assert_true(pack_holds(&ix, &t_tree));
	assert_true(pack_holds(&ix, &side_tree));
	assert_true(pack_holds(&ix, &t_blob));
	store_pack_index_free(&ix);
	store_close(st);
}

/* A path as deep as the store accepts: 63 directories and a file. */
static void deep_path(char *path, int dirs)
{
	path[0] = '\0';
	for (int i = 0; i < dirs; i++)
		strcat(path, "d/");
	strcat(path, "leaf");
}

static int commit_deep(void *arg)
{
	char path[256];

	deep_path(path, STORE_MAX_TREE_DEPTH - 1);
	return fixture_commit(arg, "refs/heads/main", path, "deep", NULL);
}

static int pack_all_thread(void *arg)
{
	struct store_pack_index ix;
	int r = pack_all(arg, &ix);

	if (!r)
		store_pack_index_free(&ix);
	return r;
}

static void test_deep_tree_small_stack(void **state)
{
	struct store *st;
	char path[256];
	(void)state;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(fixture_small_stack(SMALL_STACK, commit_deep, st), 0);
	deep_path(path, STORE_MAX_TREE_DEPTH - 1);
	fixture_read_is(st, "HEAD", path, "deep");
	assert_int_equal(fixture_small_stack(SMALL_STACK, pack_all_thread, st), 0);
	/* One level more is refused, and nothing changes. */
	deep_path(path, STORE_MAX_TREE_DEPTH);
	assert_int_equal(fixture_commit(st, "refs/heads/main", path, "deeper", NULL), -ELOOP);
	store_close(st);
}

/*
 * The store takes any tree entry's name, so a path may be longer than any
 * file system's: 20 directories of 250-byte names, 5,030 bytes. A branch
 * at it is taken (a push walks no paths), so its pack must be made too:
 * the old packer built each path to hash it, refused one over 4,096 bytes,
 * and left every clone of the branch failing (main only moves forward).
 */
static void test_long_path_packed(void **state)
{
	struct store_tree_entry e = {STORE_MODE_FILE, "leaf", 4, {{0}}};
	struct store_ref_update u = {"refs/heads/long", {{0}}, {{0}}};
	struct store_pack_index ix;
	struct store_oid blob, oid;
	char name[251];
	struct store *st;
	uint8_t *data;
	size_t len;

	(void)state;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	fixture_put(st, STORE_OBJ_BLOB, "deep\n", 5, &blob);
	e.oid = blob;
	memset(name, 'd', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (int i = 0; i < 20; i++) {
		assert_int_equal(store_tree_encode(&e, 1, &data, &len), 0);
		fixture_put(st, STORE_OBJ_TREE, data, len, &oid);
		free(data);
		e = (struct store_tree_entry){STORE_MODE_TREE, name, sizeof(name) - 1, oid};
	}
	assert_int_equal(store_commit_encode(&oid, NULL, 0, FIXTURE_AUTHOR, FIXTURE_AUTHOR,
	                                     "long\n", &data, &len),
	                 0);
	fixture_put(st, STORE_OBJ_COMMIT, data, len, &u.new);
	free(data);
	assert_int_equal(store_refs_update(st, &u, 1), 0);
	assert_int_equal(pack_all(st, &ix), 0);
	assert_true(pack_holds(&ix, &blob));
	assert_true(pack_holds(&ix, &u.new));
	store_pack_index_free(&ix);
	store_close(st);
}

/* Reading a small object costs allocations of its size, not a 1000-link chain array. */
static void test_read_allocates_little(void **state)
{
	struct store *st;
	struct store_oid c;
	uint8_t *data;
	size_t len;
	int type;
	(void)state;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "site/index.html", "x", &c), 0);
	watch_allocs(1);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(store_get(st, &c, &type, &data, &len), 0);
		free(data);
	}
	watch_allocs(0);
	printf("largest allocation of a small read: %zu bytes\n", largest_alloc());
	/* zlib's 32 KiB window is the largest honest one. */
	assert_true(largest_alloc() <= 40 * 1024);
	store_close(st);
}

/* ---- delta chains as long as the store accepts ---- */

struct chain_pack {
	struct buf b;
	struct store_oid tip;
	struct store *st;
};

static void make_chain(struct chain_pack *cp, int deltas)
{
	memset(cp, 0, sizeof(*cp));
	fixture_chain_pack(&cp->b, deltas, &cp->tip);
}

static int import_chain(void *arg)
{
	struct chain_pack *cp = arg;

	return store_import_pack(cp->st, cp->b.p, cp->b.len, NULL);
}

static int read_tip(void *arg)
{
	struct chain_pack *cp = arg;
	uint8_t *data;
	size_t len;
	int type, r = store_get(cp->st, &cp->tip, &type, &data, &len);

	if (!r)
		free(data);
	return r;
}

static void test_delta_chain_limit(void **state)
{
	struct chain_pack cp;
	struct store *st;
	(void)state;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	/* The longest chain accepted: indexed and read back on a guest-sized stack. */
	make_chain(&cp, STORE_MAX_DELTA_DEPTH);
	cp.st = st;
	assert_int_equal(fixture_small_stack(SMALL_STACK, import_chain, &cp), 0);
	assert_int_equal(fixture_small_stack(SMALL_STACK, read_tip, &cp), 0);
	free(cp.b.p);
	/* One link longer: refused, nothing added. */
	make_chain(&cp, STORE_MAX_DELTA_DEPTH + 1);
	cp.st = st;
	assert_int_equal(fixture_small_stack(SMALL_STACK, import_chain, &cp), -ELOOP);
	assert_false(store_has(st, &cp.tip));
	free(cp.b.p);
	store_close(st);
}

/*
 * An object's size without rebuilding it, whole or a delta 40 deep, as
 * reading it says; an object the store lacks is -ENOENT. The site's cache
 * asks it before it opens a blob (net/http_cache.c).
 */
static void test_object_size(void **state)
{
	struct chain_pack cp;
	struct store_pack_index ix;
	struct store *st;
	struct store_oid none = {{0}};
	uint64_t size;
	(void)state;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	make_chain(&cp, 40);
	assert_int_equal(store_import_pack(st, cp.b.p, cp.b.len, NULL), 0);
	assert_int_equal(store_pack_index(cp.b.p, cp.b.len, 1u << 24, NULL, NULL, &ix), 0);
	for (uint32_t i = 0; i < ix.n; i++) {
		uint8_t *data;
		size_t len;
		int type;
		assert_int_equal(store_get(st, &ix.obj[i].oid, &type, &data, &len), 0);
		assert_int_equal(store_object_size(st, &ix.obj[i].oid, &size), 0);
		assert_int_equal(size, len);
		free(data);
	}
	assert_int_equal(store_object_size(st, &none, &size), -ENOENT);
	store_pack_index_free(&ix);
	free(cp.b.p);
	store_close(st);
}

/* Every object of `ix` reads back as what its id says. */
static void all_read_true(struct store *st, const struct store_pack_index *ix)
{
	for (uint32_t i = 0; i < ix->n; i++) {
		struct store_oid id;
		uint8_t *data;
		size_t len;
		int type;
		assert_int_equal(store_get(st, &ix->obj[i].oid, &type, &data, &len), 0);
		assert_int_equal(store_object_id(type, data, len, &id), 0);
		assert_memory_equal(id.b, ix->obj[i].oid.b, STORE_OID_LEN);
		free(data);
	}
}

/*
 * A pack reuses the stored deltas whose bases it holds, and the cache of
 * rebuilt objects never outlives the places it is keyed by: after each of
 * two compactions (the second writes over the first region again) every
 * object still reads true, and the pack still indexes.
 */
static void test_reuse_and_cache_across_compactions(void **state)
{
	struct chain_pack cp;
	struct store_pack_index ix;
	struct store *st;
	(void)state;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	make_chain(&cp, 40);
	assert_int_equal(store_import_pack(st, cp.b.p, cp.b.len, NULL), 0);
	struct store_ref_update keep = {"refs/tags/chain", {{0}}, cp.tip};
	assert_int_equal(store_refs_update(st, &keep, 1), 0);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(pack_all(st, &ix), 0);
		all_read_true(st, &ix);
		all_read_true(st, &ix); /* again, now from the cache */
		/* The chain as imported is read through the cache (compaction keeps only its tip).
		 */
		assert_true(round > 0 || st->bases.bytes > 0);
		store_pack_index_free(&ix);
		/* A file of another size each round: every chain object moves. */
		static const char *const more[] = {"a", "a longer text",
		                                   "a text longer again, and more"};
		assert_int_equal(fixture_commit(st, "refs/heads/main", "f", more[round], NULL), 0);
		assert_int_equal(store_compact(st), 0);
		/* Keyed by places on the device, which the compaction changed: emptied. */
		assert_int_equal(st->bases.bytes, 0);
	}
	free(cp.b.p);
	store_close(st);
}

/* ---- blobs read in pieces ---- */

/* Read `oid` in pieces of `piece` bytes; a malloc'd copy in *out. */
static int read_pieces(struct store *st, const struct store_oid *oid, size_t piece, uint8_t **out,
                       uint64_t *size)
{
	struct store_blob *b;
	uint8_t *buf = malloc(piece);
	size_t got = 1, done = 0;
	int r = store_blob_open(st, oid, &b, size);

	if (r) {
		free(buf);
		return r;
	}
	*out = malloc(*size + 1);
	while (!r && got) {
		r = store_blob_read(b, buf, piece, &got);
		assert_true(done + got <= *size);
		memcpy(*out + done, buf, got);
		done += got;
	}
	assert_int_equal(done, r ? done : *size);
	store_blob_close(b);
	free(buf);
	return r;
}

static void test_blob_in_pieces(void **state)
{
	const size_t big = 3u << 20;
	uint8_t *text = malloc(big), *got;
	struct store_oid blob, c;
	struct store *st;
	struct chain_pack cp;
	uint64_t size;
	(void)state;
	for (size_t i = 0; i < big; i++)
		text[i] = (uint8_t)(i * 2654435761u >> 11);
	fixture_device(16u << 20);
	assert_int_equal(store_open(&st, false), 0);
	fixture_put(st, STORE_OBJ_BLOB, text, big, &blob);
	/* Stored whole: streamed from the device with a bounded allocation. */
	watch_allocs(1);
	struct store_blob *b;
	uint8_t piece[1000];
	size_t n, done = 0;
	assert_int_equal(store_blob_open(st, &blob, &b, &size), 0);
	assert_int_equal(size, big);
	do {
		assert_int_equal(store_blob_read(b, piece, sizeof(piece), &n), 0);
		assert_memory_equal(piece, text + done, n);
		done += n;
	} while (n);
	store_blob_close(b);
	watch_allocs(0);
	assert_int_equal(done, big);
	printf("largest allocation reading a 3 MiB blob in pieces: %zu bytes\n", largest_alloc());
	assert_true(largest_alloc() <= 64 * 1024);
	/* A deltified blob reads back the same in pieces. */
	make_chain(&cp, 3);
	assert_int_equal(store_import_pack(st, cp.b.p, cp.b.len, NULL), 0);
	free(cp.b.p);
	assert_int_equal(read_pieces(st, &cp.tip, 7, &got, &size), 0);
	assert_int_equal(size,
	                 strlen("version 000003 of a page whose text is long enough to delta"));
	assert_memory_equal(got, "version 000003 of a page whose text is long enough to delta",
	                    size);
	free(got);
	/* Not a blob; absent. */
	assert_int_equal(fixture_commit(st, "refs/heads/main", "big.bin", "small now", &c), 0);
	assert_int_equal(store_blob_open(st, &c, &b, &size), -EINVAL);
	memset(&c, 0x5a, sizeof(c));
	assert_int_equal(store_blob_open(st, &c, &b, &size), -ENOENT);
	/* A reader outlives one compaction, not two. */
	struct store_ref_update keep = {"refs/tags/big", {{0}}, blob};
	assert_int_equal(store_refs_update(st, &keep, 1), 0);
	assert_int_equal(store_blob_open(st, &blob, &b, &size), 0);
	assert_int_equal(store_compact(st), 0);
	assert_int_equal(store_blob_read(b, piece, sizeof(piece), &n), 0);
	assert_memory_equal(piece, text, n);
	assert_int_equal(store_compact(st), 0);
	assert_int_equal(store_blob_read(b, piece, sizeof(piece), &n), -ESTALE);
	store_blob_close(b);
	store_close(st);
	free(text);
}

/*
 * A compaction that fails has still written over the other region: a
 * reader left there by the compaction before it reads bytes that are gone,
 * and says so (-ESTALE), as after a second compaction that succeeds.
 */
static void test_blob_reader_after_failed_compaction(void **state)
{
	const size_t big = 1u << 20;
	uint8_t *text = malloc(big), piece[1000];
	struct store_oid blob;
	struct store_blob *b;
	struct store *st;
	uint64_t size;
	size_t n;
	(void)state;
	for (size_t i = 0; i < big; i++)
		text[i] = (uint8_t)(i * 2654435761u >> 13);
	fixture_device(16u << 20);
	assert_int_equal(store_open(&st, false), 0);
	fixture_put(st, STORE_OBJ_BLOB, text, big, &blob);
	struct store_ref_update keep = {"refs/tags/big", {{0}}, blob};
	assert_int_equal(store_refs_update(st, &keep, 1), 0);
	assert_int_equal(store_blob_open(st, &blob, &b, &size), 0);
	assert_int_equal(store_blob_read(b, piece, sizeof(piece), &n), 0);
	assert_memory_equal(piece, text, n);
	assert_int_equal(store_compact(st), 0);
	assert_int_equal(store_blob_read(b, piece, sizeof(piece), &n), 0);
	assert_memory_equal(piece, text + sizeof(piece), n);
	/* The next compaction writes its first two pieces over the reader's region, then fails. */
	memblk_fail_write(3, -EIO);
	assert_int_equal(store_compact(st), -EIO);
	memblk_fail_write(0, 0);
	assert_int_equal(store_blob_read(b, piece, sizeof(piece), &n), -ESTALE);
	store_blob_close(b);
	/* The store reads on from the region it kept. */
	assert_int_equal(store_blob_open(st, &blob, &b, &size), 0);
	assert_int_equal(store_blob_read(b, piece, sizeof(piece), &n), 0);
	assert_memory_equal(piece, text, n);
	store_blob_close(b);
	store_close(st);
	free(text);
}

/* A packer's bytes to its end. */
static void read_packer(struct store_packer *p, struct buf *b)
{
	uint8_t piece[1000];
	size_t got;

	do {
		assert_int_equal(store_packer_read(p, piece, sizeof(piece), &got), 0);
		assert_int_equal(buf_sink(b, piece, got), 0);
	} while (got);
}

/*
 * A pack planned a step at a time (the event loop's way) is the pack
 * planned at once, include-tag's tag of a tag and all; a read plans what
 * is left; a want the store lacks is refused before any planning.
 */
static void test_plan_in_slices(void **state)
{
	struct store *st;
	struct store_oid c[3], t1, t2, missing;
	struct store_packer *whole, *sliced, *rest;
	struct buf a = {0}, b = {0}, r = {0};
	struct store_pack_index ix;
	unsigned slices = 0;
	int k;
	(void)state;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	for (int i = 0; i < 3; i++) {
		char path[32];
		snprintf(path, sizeof(path), "site/page%d.html", i);
		assert_int_equal(fixture_commit(st, "refs/heads/main", path, "a page", &c[i]), 0);
	}
	fixture_tag(st, &c[0], STORE_OBJ_COMMIT, "v1", &t1);
	fixture_tag(st, &t1, STORE_OBJ_TAG, "v1-signed", &t2);
	/* The tag of the tag first: it is wanted only once the tag it names is planned. */
	struct store_oid tags[2] = {t2, t1};
	struct store_pack_req req = {.wants = &c[2], .nwants = 1, .tags = tags, .ntags = 2};
	assert_int_equal(store_packer_start(st, &req, &whole), 0);
	assert_int_equal(store_packer_begin(st, &req, &sliced), 0);
	while ((k = store_packer_plan(sliced, 1)) == 1)
		slices++;
	assert_int_equal(k, 0);
	assert_int_equal(store_packer_plan(sliced, 1), 0);
	/* Three commits, their trees (root, site/), the one blob, two tags. */
	assert_int_equal(store_packer_count(sliced), 3 + 6 + 1 + 2);
	assert_true(slices > store_packer_count(sliced));
	assert_int_equal(store_packer_count(whole), store_packer_count(sliced));
	read_packer(whole, &a);
	read_packer(sliced, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	assert_int_equal(store_pack_index(b.p, b.len, 1u << 24, NULL, NULL, &ix), 0);
	assert_true(pack_holds(&ix, &t1));
	assert_true(pack_holds(&ix, &t2));
	store_pack_index_free(&ix);
	assert_int_equal(store_packer_begin(st, &req, &rest), 0);
	assert_int_equal(store_packer_plan(rest, 3), 1);
	read_packer(rest, &r);
	assert_int_equal(r.len, a.len);
	assert_memory_equal(r.p, a.p, a.len);
	store_packer_close(rest);
	memset(&missing, 0x5a, sizeof(missing));
	req.wants = &missing;
	assert_int_equal(store_packer_begin(st, &req, &rest), -ENOENT);
	store_packer_close(whole);
	store_packer_close(sliced);
	free(a.p);
	free(b.p);
	free(r.p);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pack_all_peels_tags),
	    cmocka_unit_test(test_deep_tree_small_stack),
	    cmocka_unit_test(test_long_path_packed),
	    cmocka_unit_test(test_read_allocates_little),
	    cmocka_unit_test(test_delta_chain_limit),
	    cmocka_unit_test(test_object_size),
	    cmocka_unit_test(test_reuse_and_cache_across_compactions),
	    cmocka_unit_test(test_blob_in_pieces),
	    cmocka_unit_test(test_blob_reader_after_failed_compaction),
	    cmocka_unit_test(test_plan_in_slices),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	memblk_free();
	return r;
}
