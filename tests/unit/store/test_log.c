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

#include "memblk.h"
#include "store.h"

#define DEV_SIZE (640 * 1024)
#define AUTHOR "Test <t@example.home> 1700000000 +0000"
#define OPS 560

static uint8_t *template_img;

static void fresh_device(void)
{
	memblk_create(DEV_SIZE);
	if (!template_img) {
		assert_int_equal(store_init(0), 0);
		template_img = malloc(DEV_SIZE);
		memcpy(template_img, memblk_data(), DEV_SIZE);
	}
	memcpy(memblk_data(), template_img, DEV_SIZE);
}

static int commit_file(struct store *st, const char *path, const char *text, struct store_oid *out)
{
	struct store_change c = { path, text, strlen(text), STORE_MODE_FILE };
	return store_commit_changes(st, "refs/heads/main", &c, 1, AUTHOR, "change\n", out);
}

static void read_is(struct store *st, const char *ref, const char *path, const char *want)
{
	uint8_t *data;
	size_t len;

	assert_int_equal(store_read_path(st, ref, path, &data, &len, NULL, NULL), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(data, want, len);
	free(data);
}

static void test_content_api(void **state)
{
	struct store *st;
	struct store_oid c1, c2, prev, got;
	struct store_change ch[3] = {
		{ "site/index.html", "<h1>hi</h1>", 11, STORE_MODE_FILE },
		{ "site/a/b/c.txt", "deep", 4, STORE_MODE_FILE },
		{ "zones/x.zone", "@ SOA", 5, STORE_MODE_FILE },
	};
	(void)state;
	fresh_device();
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(store_read_path(st, "HEAD", "site/index.html", NULL, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(store_commit_changes(st, "refs/heads/main", ch, 3, AUTHOR, "one\n", &c1), 0);
	read_is(st, "HEAD", "site/index.html", "<h1>hi</h1>");
	read_is(st, "refs/heads/main", "site/a/b/c.txt", "deep");
	assert_int_equal(store_read_path(st, "HEAD", "site/a", NULL, NULL, NULL, NULL), -EISDIR);
	/* Delete one file, change another: the empty directories go away. */
	ch[0].data = "v2";
	ch[0].len = 2;
	ch[1].mode = 0;
	ch[1].data = NULL;
	ch[1].len = 0;
	assert_int_equal(store_commit_changes(st, "refs/heads/main", ch, 2, AUTHOR, "two\n", &c2), 0);
	read_is(st, "HEAD", "site/index.html", "v2");
	assert_int_equal(store_read_path(st, "HEAD", "site/a/b/c.txt", NULL, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(store_read_path(st, "HEAD", "site/a", NULL, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(store_ref_prev(st, "refs/heads/main", &prev), 0);
	assert_memory_equal(&prev, &c1, sizeof(prev));
	/* Compare-and-swap: a stale old value changes nothing. */
	struct store_ref_update u = { "refs/heads/main", c1, c1 };
	assert_int_equal(store_refs_update(st, &u, 1), -ESTALE);
	assert_int_equal(store_ref_get(st, "refs/heads/main", &got), 0);
	assert_memory_equal(&got, &c2, sizeof(got));
	/* A ref to a missing object is refused. */
	struct store_ref_update m = { "refs/heads/x", { { 0 } }, { { 1, 2, 3 } } };
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

static int notified;
static void on_change(void *ctx, const char *ref)
{
	(void)ctx;
	if (!strcmp(ref, "refs/heads/main"))
		notified++;
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
		struct store_ref_update u = { "refs/tags/t", m->tag, m->main };
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
	struct store_oid main = { 0 }, tag = { 0 };

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
		assert_int_equal(store_ref_prev(st, "refs/heads/main", &parent), 0);
		assert_memory_equal(&parent, &m->main, sizeof(parent));
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
	{ int rr = commit_file(st, "after", "cut", NULL); if (rr) printf("write %ld op %d: %d\n", write, cur_op, rr); assert_int_equal(rr, 0); }
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
	printf("power cuts tested: %ld (over %d commits, ref updates and compactions)\n", cuts, OPS);
	assert_true(cuts >= 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_api),
		cmocka_unit_test(test_compaction_when_full),
		cmocka_unit_test(test_power_cut_every_write),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	memblk_free();
	free(template_img);
	return r;
}
