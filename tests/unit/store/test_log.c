/*
 * The store on a block device: refs, the content API, compaction, and
 * power cuts at every write of a workload (memblk.h's model: volatile
 * writes since the last flush survive whole, not at all, or torn).
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
#include "pack.h"
#include "store.h"
#include "store_int.h"

#define DEV_SIZE (640 * 1024)
#define AUTHOR FIXTURE_AUTHOR
#define OPS 560
/* The write-error runs replay the workload once per failure point: a shorter one. */
#define FAULT_OPS 110

static void fresh_device(void)
{
	fixture_device(DEV_SIZE);
}

static int commit_file(struct store *st, const char *path, const char *text, struct store_oid *out)
{
	return fixture_commit(st, "refs/heads/main", path, text, out);
}

#define read_is fixture_read_is

static void test_content_api(void **state)
{
	struct store *st;
	struct store_oid c1, c2, prev, got;
	struct store_change ch[3] = {
	    {"site/index.html", "<h1>hi</h1>", 11, STORE_MODE_FILE},
	    {"site/a/b/c.txt", "deep", 4, STORE_MODE_FILE},
	    {"zones/x.zone", "@ SOA", 5, STORE_MODE_FILE},
	};
	(void)state;
	fresh_device();
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(store_read_path(st, "HEAD", "site/index.html", NULL, NULL, NULL, NULL),
	                 -ENOENT);
	assert_int_equal(store_commit_changes(st, "refs/heads/main", ch, 3, AUTHOR, "one\n", &c1),
	                 0);
	read_is(st, "HEAD", "site/index.html", "<h1>hi</h1>");
	read_is(st, "refs/heads/main", "site/a/b/c.txt", "deep");
	assert_int_equal(store_read_path(st, "HEAD", "site/a", NULL, NULL, NULL, NULL), -EISDIR);
	/* Delete one file, change another: the empty directories go away. */
	ch[0].data = "v2";
	ch[0].len = 2;
	ch[1].mode = 0;
	ch[1].data = NULL;
	ch[1].len = 0;
	assert_int_equal(store_commit_changes(st, "refs/heads/main", ch, 2, AUTHOR, "two\n", &c2),
	                 0);
	read_is(st, "HEAD", "site/index.html", "v2");
	assert_int_equal(store_read_path(st, "HEAD", "site/a/b/c.txt", NULL, NULL, NULL, NULL),
	                 -ENOENT);
	assert_int_equal(store_read_path(st, "HEAD", "site/a", NULL, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(store_ref_prev(st, "refs/heads/main", &prev), 0);
	assert_memory_equal(&prev, &c1, sizeof(prev));
	/* Compare-and-swap: a stale old value changes nothing. */
	struct store_ref_update u = {"refs/heads/main", c1, c1};
	assert_int_equal(store_refs_update(st, &u, 1), -ESTALE);
	assert_int_equal(store_ref_get(st, "refs/heads/main", &got), 0);
	assert_memory_equal(&got, &c2, sizeof(got));
	/* A ref to a missing object is refused. */
	struct store_ref_update m = {"refs/heads/x", {{0}}, {{1, 2, 3}}};
	assert_int_equal(store_refs_update(st, &m, 1), -ENOENT);
	assert_int_equal(store_close(st), 0);
	/* Everything is there after reopening, and fsck is clean. */
	assert_int_equal(store_open(&st, true), 0);
	read_is(st, "HEAD", "site/index.html", "v2");
	read_is(st, "HEAD", "zones/x.zone", "@ SOA");
	assert_int_equal(store_ref_prev(st, "refs/heads/main", &prev), 0);
	assert_memory_equal(&prev, &c1, sizeof(prev));
	assert_int_equal(store_fsck(st, NULL, NULL), 0);
	store_close(st);
}

/*
 * Files of the same content make one blob, added once (the pack of a
 * commit holding it twice was refused): two alike, and 1,000 in two
 * directories alike, which are one tree.
 */
static void test_identical_files(void **state)
{
	static struct store_change ch[1000];
	static char paths[1000][32];
	struct store *st;

	(void)state;
	fresh_device();
	assert_int_equal(store_open(&st, false), 0);
	ch[0] = (struct store_change){"site/a.txt", "same\n", 5, STORE_MODE_FILE};
	ch[1] = (struct store_change){"site/b.txt", "same\n", 5, STORE_MODE_FILE};
	assert_int_equal(store_commit_changes(st, "refs/heads/main", ch, 2, AUTHOR, "two\n", NULL),
	                 0);
	read_is(st, "HEAD", "site/a.txt", "same\n");
	read_is(st, "HEAD", "site/b.txt", "same\n");
	for (int i = 0; i < 1000; i++) {
		snprintf(paths[i], sizeof(paths[i]), "site/%c/%03d.txt", i < 500 ? 'x' : 'y',
		         i % 500);
		ch[i] = (struct store_change){paths[i], "alike\n", 6, STORE_MODE_FILE};
	}
	assert_int_equal(
	    store_commit_changes(st, "refs/heads/main", ch, 1000, AUTHOR, "many\n", NULL), 0);
	read_is(st, "HEAD", "site/x/000.txt", "alike\n");
	read_is(st, "HEAD", "site/y/499.txt", "alike\n");
	read_is(st, "HEAD", "site/b.txt", "same\n");
	assert_int_equal(store_fsck(st, NULL, NULL), 0);
	store_close(st);
}

static int notified;
static void on_change(void *ctx, const char *ref)
{
	(void)ctx;
	if (!strcmp(ref, "refs/heads/main"))
		notified++;
}

/* Each listener's mark, in the order they were called. */
static char heard[STORE_ON_CHANGE_MAX + 2];
static void on_change_mark(void *ctx, const char *ref)
{
	size_t n = strlen(heard);

	(void)ref;
	if (n + 1 < sizeof(heard))
		heard[n] = *(const char *)ctx;
}

/* Up to STORE_ON_CHANGE_MAX listeners, each called in order once a ref changed; one more is
 * refused. */
static void test_on_change_listeners(void **state)
{
	static const char marks[] = "abcdefghijklmnop";
	_Static_assert(sizeof(marks) > STORE_ON_CHANGE_MAX + 1,
	               "a mark for each listener and one more");
	struct store *st;
	struct store_oid c;
	(void)state;
	fresh_device();
	assert_int_equal(store_open(&st, false), 0);
	for (int i = 0; i < STORE_ON_CHANGE_MAX; i++)
		assert_int_equal(store_on_change(st, on_change_mark, (void *)&marks[i]), 0);
	assert_int_equal(store_on_change(st, on_change_mark, (void *)&marks[STORE_ON_CHANGE_MAX]),
	                 -ENOSPC);
	memset(heard, 0, sizeof(heard));
	assert_int_equal(commit_file(st, "site/index.html", "heard", &c), 0);
	assert_int_equal(strlen(heard), STORE_ON_CHANGE_MAX);
	assert_memory_equal(heard, marks, STORE_ON_CHANGE_MAX);
	store_close(st);
}

static void test_compaction_when_full(void **state)
{
	struct store *st;
	struct store_oid c;
	struct store_stats s1, s2;
	char text[64];
	(void)state;
	fresh_device();
	assert_int_equal(store_open(&st, false), 0);
	store_on_change(st, on_change, NULL);
	notified = 0;
	/* Far more data than one region holds: compaction must keep up. */
	for (int i = 0; i < 300; i++) {
		snprintf(text, sizeof(text), "version %d of the page", i);
		assert_int_equal(commit_file(st, "site/index.html", text, &c), 0);
	}
	assert_int_equal(notified, 300);
	store_stats(st, &s1);
	assert_true(s1.log_used < s1.log_size);
	assert_int_equal(store_compact(st), 0);
	store_stats(st, &s2);
	assert_true(s2.log_used <= s1.log_used);
	store_close(st);
	assert_int_equal(store_open(&st, true), 0);
	read_is(st, "HEAD", "site/index.html", "version 299 of the page");
	assert_int_equal(store_fsck(st, NULL, NULL), 0);
	store_close(st);
}

/* 150 versions of a 16 KiB page, one line changed each time: compaction keeps them as deltas. */
static void test_compaction_keeps_deltas(void **state)
{
	struct store *st;
	struct store_stats s;
	char *page = malloc(20000);
	size_t whole = 0;
	(void)state;
	fixture_device(8u << 20);
	assert_int_equal(store_open(&st, false), 0);
	for (int v = 0; v < 150; v++) {
		size_t len = 0;
		/* Words that zlib cannot squeeze much: each version whole is ~7 KiB. */
		for (int line = 0; line < 400; line++)
			len += (size_t)sprintf(
			    page + len, "%08x %s\n", (unsigned)(line * 2654435761u),
			    line == v % 400 ? "changed in this version" : "as it was");
		assert_int_equal(commit_file(st, "site/page.html", page, NULL), 0);
		whole += len;
	}
	/* Keep every version reachable: a tag on each would do; the history does it. */
	assert_int_equal(store_compact(st), 0);
	store_stats(st, &s);
	printf("150 versions of a %zu-byte page: %zu bytes whole, %llu bytes of log after "
	       "compaction\n",
	       whole / 150, whole, (unsigned long long)s.log_used);
	/* Whole, the 150 versions would take over 500 KiB: as deltas, a fraction. */
	assert_true(s.log_used < 150 * 1024);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, true), 0);
	fixture_read_is(st, "HEAD", "site/page.html", page);
	assert_int_equal(store_fsck(st, NULL, NULL), 0);
	store_close(st);
	free(page);
}

/* ---- power cuts ---- */

struct model {
	struct store_oid main;
	struct store_oid tag;
};

/* Op i of the workload; 0 if acknowledged. *pending describes an unacknowledged change. */
static int run_op(struct store *st, int i, struct model *m, struct store_oid *tag_new)
{
	char path[32], text[32];
	struct store_oid c;
	int r;

	if (i % 25 == 24)
		return store_compact(st);
	if (i % 4 == 3) {
		struct store_ref_update u = {"refs/tags/t", m->tag, m->main};
		*tag_new = m->main;
		r = store_refs_update(st, &u, 1);
		if (!r)
			m->tag = m->main;
		return r;
	}
	snprintf(path, sizeof(path), "site/f%d.txt", i % 5);
	snprintf(text, sizeof(text), "op %d", i);
	r = commit_file(st, path, text, &c);
	if (!r)
		m->main = c;
	return r;
}

/* After a cut during op `i`: main is the acknowledged commit or a whole new one. */
static void check_after_cut(struct store *st, const struct model *m, int i,
                            const struct store_oid *tag_new)
{
	struct store_oid main = {0}, tag = {0};

	store_ref_get(st, "refs/heads/main", &main);
	store_ref_get(st, "refs/tags/t", &tag);
	assert_int_equal(store_fsck(st, NULL, NULL), 0);
	if (memcmp(&main, &m->main, sizeof(main))) {
		char path[32], text[32];
		struct store_oid parent;
		assert_true(i % 4 != 3 && i % 50 != 49);
		snprintf(path, sizeof(path), "site/f%d.txt", i % 5);
		snprintf(text, sizeof(text), "op %d", i);
		read_is(st, "refs/heads/main", path, text);
		/* The first commit has no previous value. */
		if (store_oid_is_zero(&m->main)) {
			assert_int_equal(store_ref_prev(st, "refs/heads/main", &parent), -ENOENT);
		} else {
			assert_int_equal(store_ref_prev(st, "refs/heads/main", &parent), 0);
			assert_memory_equal(&parent, &m->main, sizeof(parent));
		}
	}
	if (memcmp(&tag, &m->tag, sizeof(tag)))
		assert_memory_equal(&tag, tag_new, sizeof(tag));
}

static struct model acked;
static struct store_oid tag_new;
static int cur_op;
static long cuts;

/* At every write of the workload: the image a power cut would leave. */
static void crash_check(long write)
{
	struct store *st;

	memblk_crash_begin((uint32_t)write * 2654435761u);
	assert_int_equal(store_open(&st, false), 0);
	check_after_cut(st, &acked, cur_op, &tag_new);
	/* The store keeps working after recovery, and that survives too. */
	assert_int_equal(commit_file(st, "after", "cut", NULL), 0);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, true), 0);
	read_is(st, "HEAD", "after", "cut");
	store_close(st);
	memblk_crash_end();
	cuts++;
}

static void test_power_cut_every_write(void **state)
{
	struct store *st;
	(void)state;
	fresh_device();
	assert_int_equal(store_open(&st, false), 0);
	memset(&acked, 0, sizeof(acked));
	cuts = 0;
	memblk_set_hook(crash_check);
	for (cur_op = 0; cur_op < OPS; cur_op++)
		assert_int_equal(run_op(st, cur_op, &acked, &tag_new), 0);
	memblk_set_hook(NULL);
	store_close(st);
	printf("power cuts tested: %ld (over %d commits, ref updates and compactions)\n", cuts,
	       OPS);
	assert_true(cuts >= 1000);
}

/* ---- write and flush errors ---- */

/*
 * Run the workload with the n-th write (or flush) failing. The op that
 * meets the error fails; every later write is refused until the store is
 * reopened, while reads go on; a power cut then leaves what was
 * acknowledged, and the reopened store works.
 */
static void run_with_error(long n, bool flush)
{
	struct store *st, *cut;
	struct model m = {0};
	struct store_oid tnew, unused, main;
	int failed_op = -1;

	fresh_device();
	assert_int_equal(store_open(&st, false), 0);
	if (flush)
		memblk_fail_flush(n, -EIO);
	else
		memblk_fail_write(n, -EIO);
	for (int i = 0; i < FAULT_OPS; i++) {
		int r = run_op(st, i, &m, failed_op < 0 ? &tnew : &unused);
		if (failed_op >= 0) {
			/* Refused: nothing after an unknown outcome may be acknowledged. */
			assert_int_not_equal(r, 0);
		} else if (r) {
			failed_op = i;
		}
	}
	if (failed_op < 0) {
		/* The error fell past the workload's end (only the last numbers). */
		store_close(st);
		return;
	}
	/* Reads still work from memory and the device. */
	if (!store_oid_is_zero(&m.main)) {
		assert_int_equal(store_ref_get(st, "refs/heads/main", &main), 0);
		assert_memory_equal(&main, &m.main, sizeof(main));
		assert_true(store_has(st, &main));
	}
	memblk_crash_begin((uint32_t)n * 2246822519u + flush);
	assert_int_equal(store_open(&cut, false), 0);
	check_after_cut(cut, &m, failed_op, &tnew);
	assert_int_equal(commit_file(cut, "after", "error", NULL), 0);
	assert_int_equal(store_close(cut), 0);
	assert_int_equal(store_open(&cut, true), 0);
	read_is(cut, "HEAD", "after", "error");
	store_close(cut);
	memblk_crash_end();
	store_close(st);
}

/* How many writes and flushes the fault workload makes without errors. */
static void count_io(long *writes, long *flushes)
{
	struct store *st;
	struct model m = {0};
	struct store_oid tnew;

	fresh_device();
	assert_int_equal(store_open(&st, false), 0);
	*writes = -memblk_writes();
	*flushes = -memblk_flushes();
	for (int i = 0; i < FAULT_OPS; i++)
		assert_int_equal(run_op(st, i, &m, &tnew), 0);
	*writes += memblk_writes();
	*flushes += memblk_flushes();
	store_close(st);
}

static void test_error_at_every_write(void **state)
{
	long writes, flushes;
	(void)state;
	count_io(&writes, &flushes);
	for (long n = 1; n <= writes; n++)
		run_with_error(n, false);
	for (long n = 1; n <= flushes; n++)
		run_with_error(n, true);
	printf("write errors tested: %ld, flush errors: %ld (over %d ops with compactions)\n",
	       writes, flushes, FAULT_OPS);
	assert_true(writes >= 200);
}

/* The crash model itself: a torn write can keep a later sector and lose an earlier one. */
static void test_tear_any_subset(void **state)
{
	uint8_t pattern[8 * MEMBLK_SECTOR];
	bool non_prefix = false;
	(void)state;
	memset(pattern, 0xab, sizeof(pattern));
	for (uint32_t seed = 1; seed < 200 && !non_prefix; seed++) {
		uint8_t got[8 * MEMBLK_SECTOR];
		int first_lost = -1;
		memblk_create(64 * MEMBLK_SECTOR);
		assert_int_equal(plat_blk_write(8, pattern, 8), 0);
		memblk_crash_begin(seed);
		assert_int_equal(plat_blk_read(8, got, 8), 0);
		for (int s = 0; s < 8; s++) {
			bool kept = got[s * MEMBLK_SECTOR] == 0xab;
			if (!kept && first_lost < 0)
				first_lost = s;
			if (kept && first_lost >= 0)
				non_prefix = true;
		}
		memblk_crash_end();
	}
	assert_true(non_prefix);
}

/* ---- the number of objects ---- */

static uint32_t objects(struct store *st)
{
	struct store_stats s;

	store_stats(st, &s);
	return s.objects;
}

static struct store *reopen(struct store *st)
{
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, false), 0);
	return st;
}

/* A pack of the blobs "one" and, if `both`, "two"; the result of adding it. */
static int put_blobs(struct store *st, bool both)
{
	static const int types[2] = {STORE_OBJ_BLOB, STORE_OBJ_BLOB};
	static const uint8_t *const data[2] = {(const uint8_t *)"one", (const uint8_t *)"two"};
	static const size_t lens[2] = {3, 3};

	return store_put_objects(st, types, data, lens, both ? 2 : 1);
}

/*
 * A device formatted again (storectl init on an image in use): the new
 * store's first record is the old one's to the byte (the same snapshot,
 * sequence and chain), so the old second record went on from it and the
 * old store came back whole, its private part too. The checkpoint's seal
 * after the new head ends that. Then a device flashed again with only
 * the image's own blocks (bmaptool skips the holes): the pushes made
 * since the first flash come back the same way, but for the seal the
 * image carries after its last record.
 */
static void test_old_store_stays_gone(void **state)
{
	struct store *st;
	struct store_oid oid, seed_main;
	uint8_t *seed;
	(void)state;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "index.html", "old\n", NULL), 0);
	assert_int_equal(fixture_commit(st, "refs/appliance/secrets", "key", "old key\n", NULL), 0);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_init(0), 0);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(store_ref_get(st, "refs/heads/main", &oid), -ENOENT);
	assert_int_equal(store_ref_get(st, "refs/appliance/secrets", &oid), -ENOENT);
	assert_int_equal(store_close(st), 0);

	/* The image: a store with its first commit, closed as storectl does. */
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "index.html", "seed\n", &seed_main),
	                 0);
	assert_int_equal(store_close(st), 0);
	assert_non_null(seed = malloc(DEV_SIZE));
	memcpy(seed, memblk_data(), DEV_SIZE);
	/* The board's pushes, then the image flashed again: its zero blocks skipped. */
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "index.html", "pushed\n", NULL), 0);
	assert_int_equal(fixture_commit(st, "refs/appliance/secrets", "key", "new key\n", NULL), 0);
	assert_int_equal(store_close(st), 0);
	for (size_t off = 0; off < DEV_SIZE; off += MEMBLK_SECTOR) {
		size_t k = 0;
		while (k < MEMBLK_SECTOR && !seed[off + k])
			k++;
		if (k < MEMBLK_SECTOR)
			memcpy(memblk_data() + off, seed + off, MEMBLK_SECTOR);
	}
	free(seed);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(store_ref_get(st, "refs/heads/main", &oid), 0);
	assert_int_equal(store_oid_cmp(&oid, &seed_main), 0);
	read_is(st, "refs/heads/main", "index.html", "seed\n");
	assert_int_equal(store_ref_get(st, "refs/appliance/secrets", &oid), -ENOENT);
	assert_int_equal(store_close(st), 0);
}

/*
 * The index is in memory: STORE_MAX_OBJECTS objects fit, one more is
 * refused with nothing of its pack visible; a pack of objects the store
 * holds is taken at the limit; the store at the limit opens, with copies
 * of its objects in later records too; a store past it does not (-EDQUOT,
 * not a failed allocation or worse).
 */
static void test_object_limit_n_plus_one(void **state)
{
	uint8_t bad[STORE_PACK_HDR + 4] = {0}; /* an entry of type 0: malformed */
	static const uint8_t too_many[STORE_PACK_HDR] = {'P',
	                                                 'A',
	                                                 'C',
	                                                 'K',
	                                                 0,
	                                                 0,
	                                                 0,
	                                                 2,
	                                                 (uint8_t)((STORE_MAX_OBJECTS + 1) >> 24),
	                                                 (uint8_t)((STORE_MAX_OBJECTS + 1) >> 16),
	                                                 (uint8_t)((STORE_MAX_OBJECTS + 1) >> 8),
	                                                 (uint8_t)(STORE_MAX_OBJECTS + 1)};
	struct store_import *imp;
	struct store_oid one, two;
	struct store *st;
	(void)state;
	store_object_id(STORE_OBJ_BLOB, "one", 3, &one);
	store_object_id(STORE_OBJ_BLOB, "two", 3, &two);
	fixture_device(32u << 20);
	assert_int_equal(store_open(&st, false), 0);
	fixture_fake_objects(st, 0, STORE_MAX_OBJECTS - 1);
	st = reopen(st);
	assert_int_equal(objects(st), STORE_MAX_OBJECTS - 1);
	/* N. */
	assert_int_equal(put_blobs(st, false), 0);
	assert_int_equal(objects(st), STORE_MAX_OBJECTS);
	/* N + 1: "two" is new ("one" is not). */
	assert_int_equal(put_blobs(st, true), -EDQUOT);
	assert_int_equal(objects(st), STORE_MAX_OBJECTS);
	assert_false(store_has(st, &two));
	/* Nothing new: taken. */
	assert_int_equal(put_blobs(st, false), 0);
	/*
	 * A pack that announces more than the limit (and so more than one
	 * push takes: STORE_IMPORT_MAX_OBJECTS, -E2BIG) is refused at its
	 * header, alone or written with a malformed entry after it: the same
	 * answer however the bytes were cut (fuzz_git_receive found it told
	 * apart).
	 */
	assert_int_equal(store_import_begin(st, 0, &imp), 0);
	assert_int_equal(store_import_write(imp, too_many, sizeof(too_many)), -E2BIG);
	store_import_abort(imp);
	memcpy(bad, too_many, sizeof(too_many));
	assert_int_equal(store_import_begin(st, 0, &imp), 0);
	assert_int_equal(store_import_write(imp, bad, sizeof(bad)), -E2BIG);
	store_import_abort(imp);
	/* At the limit it opens, a record listing again objects it holds too. */
	fixture_fake_objects(st, 0, 4096);
	st = reopen(st);
	assert_int_equal(objects(st), STORE_MAX_OBJECTS);
	assert_true(store_has(st, &one));
	assert_false(store_has(st, &two));
	assert_int_equal(put_blobs(st, true), -EDQUOT);
	/* Past it (written by no store that keeps the limit): refused at open, plainly. */
	fixture_fake_objects(st, STORE_MAX_OBJECTS, 1);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, false), -EDQUOT);
}

/* An import of a pack whose header announces `count` objects, written a byte at a time. */
static int import_header(struct store *st, uint32_t count, uint32_t *announced)
{
	uint8_t hdr[STORE_PACK_HDR] = {'P', 'A', 'C', 'K', 0, 0, 0, 2};
	struct store_import *imp;
	int r = 0;

	for (int i = 0; i < 4; i++)
		hdr[8 + i] = (uint8_t)(count >> (24 - 8 * i));
	assert_int_equal(store_import_begin(st, 0, &imp), 0);
	assert_int_equal(store_import_count(imp), 0);
	for (size_t i = 0; i < sizeof(hdr) && !r; i++)
		r = store_import_write(imp, &hdr[i], 1);
	*announced = store_import_count(imp);
	store_import_abort(imp);
	return r;
}

/*
 * One import indexes at most STORE_IMPORT_MAX_OBJECTS objects (its
 * entries are in memory until its end): a header announcing that many is
 * taken, one more is refused as it is whole (-E2BIG), the count known.
 */
static void test_import_count_limit(void **state)
{
	struct store *st;
	uint32_t n;

	(void)state;
	fixture_device(1u << 20);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(import_header(st, STORE_IMPORT_MAX_OBJECTS, &n), 0);
	assert_int_equal(n, STORE_IMPORT_MAX_OBJECTS);
	assert_int_equal(import_header(st, STORE_IMPORT_MAX_OBJECTS + 1, &n), -E2BIG);
	assert_int_equal(n, STORE_IMPORT_MAX_OBJECTS + 1);
	assert_int_equal(store_close(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_content_api),
	    cmocka_unit_test(test_identical_files),
	    cmocka_unit_test(test_import_count_limit),
	    cmocka_unit_test(test_on_change_listeners),
	    cmocka_unit_test(test_compaction_when_full),
	    cmocka_unit_test(test_compaction_keeps_deltas),
	    cmocka_unit_test(test_power_cut_every_write),
	    cmocka_unit_test(test_error_at_every_write),
	    cmocka_unit_test(test_tear_any_subset),
	    cmocka_unit_test(test_old_store_stays_gone),
	    cmocka_unit_test(test_object_limit_n_plus_one),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	memblk_free();
	return r;
}
