/*
 * git/receive.c over a store in memory, driven with hand-made requests
 * (commands, a flush, a pack made here): a service's veto (store_set_veto)
 * reaches the client as its `ng` reason and side-band 2 lines and changes
 * nothing; atomic pushes are all or nothing, others each on its own
 * merits; the branch HEAD names only moves forward and is never deleted,
 * other branches may be rewound; a push of more commands than
 * GIT_RECEIVE_MAX_COMMANDS is refused whole, and as many with long names
 * hold what receive.h says; what refs/appliance/ reaches is walked again
 * when a service commits there between one update of a push and the
 * next; a device that fails is said to, push after push until a reopen,
 * and an update it failed is said to be not made or perhaps made as a
 * reopen then finds it;
 * and a store filled by pushes refuses the N+1st with the numbers,
 * loses nothing, serves on, and takes the push again once branches are
 * deleted (compaction).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../alloc_count.h"
#include "fixture.h"
#include "git/pkt.h"
#include "git/receive.h"
#include "memblk.h"
#include "pack.h"
#include "store.h"

#define DEV_SIZE (4u << 20)
#define CAPS "report-status side-band-64k quiet agent=git/2.39.5"
#define VETO_MSG                                                                                   \
	"zone example.home: line 3: bad record\nNS needs a host name\nfix it and push again"

static struct store *st;
/* refs/heads/main: c1 <- c2 <- c3; refs/heads/dev: c2 <- d1. */
static struct store_oid c1, c2, c3, d1;
static const struct store_oid zero;

/* A store of `size` bytes holding main and dev. */
static int setup_size(size_t size)
{
	struct store_ref_update dev = {"refs/heads/dev", {{0}}, {{0}}};

	fixture_device(size);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "index.html", "one\n", &c1), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "index.html", "two\n", &c2), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "index.html", "three\n", &c3), 0);
	dev.new = c2;
	assert_int_equal(store_refs_update(st, &dev, 1), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/dev", "dev.html", "dev\n", &d1), 0);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_size(DEV_SIZE);
}

static int teardown(void **state)
{
	(void)state;
	store_set_veto(st, NULL, NULL);
	assert_int_equal(store_close(st), 0);
	memblk_free();
	return 0;
}

/* ---- requests ---- */

static void add(struct buf *b, const void *data, size_t len)
{
	assert_int_equal(buf_sink(b, data, len), 0);
}

/* A pkt-line of `len` bytes. */
static void add_pkt(struct buf *b, const void *data, size_t len)
{
	char hdr[5];

	snprintf(hdr, sizeof(hdr), "%04zx", len + 4);
	add(b, hdr, 4);
	add(b, data, len);
}

/* "<old> <new> <ref>\n", with "\0<caps>" on the first command. */
static void add_cmd(struct buf *b, const struct store_oid *old, const struct store_oid *new,
                    const char *ref, const char *caps)
{
	char line[512], o[STORE_OID_HEX], n[STORE_OID_HEX];
	int len;

	store_oid_hex(old, o);
	store_oid_hex(new, n);
	len = caps ? snprintf(line, sizeof(line), "%s %s %s%c%s", o, n, ref, '\0', caps)
	           : snprintf(line, sizeof(line), "%s %s %s\n", o, n, ref);
	add_pkt(b, line, (size_t)len);
}

static void add_flush(struct buf *b)
{
	add(b, "0000", 4);
}

/*
 * A commit of `parent` whose tree holds the entry `e`, as a pack of the
 * commit, the tree and the blob if `text` (its `len` bytes) is given;
 * its id in *oid.
 */
static void add_entry_commit_pack(struct buf *b, const struct store_oid *parent,
                                  struct store_tree_entry *e, const void *text, size_t len,
                                  struct store_oid *oid)
{
	struct store_oid tree;
	struct store_packw w;
	uint8_t *t, *c;
	size_t tlen, clen;

	assert_int_equal(store_tree_encode(e, 1, &t, &tlen), 0);
	store_object_id(STORE_OBJ_TREE, t, tlen, &tree);
	assert_int_equal(store_commit_encode(&tree, parent, 1, FIXTURE_AUTHOR, FIXTURE_AUTHOR,
	                                     "pushed\n", &c, &clen),
	                 0);
	store_object_id(STORE_OBJ_COMMIT, c, clen, oid);
	assert_int_equal(store_packw_begin(&w, buf_sink, b, text ? 3 : 2), 0);
	assert_int_equal(store_packw_object(&w, STORE_OBJ_COMMIT, c, clen, NULL), 0);
	assert_int_equal(store_packw_object(&w, STORE_OBJ_TREE, t, tlen, NULL), 0);
	if (text)
		assert_int_equal(store_packw_object(&w, STORE_OBJ_BLOB, text, len, NULL), 0);
	assert_int_equal(store_packw_end(&w, NULL), 0);
	free(t);
	free(c);
}

/*
 * A commit of `parent` whose tree holds index.html = `len` bytes of
 * `text`, as a pack of its three objects appended to `b`; its id in *oid.
 */
static void add_file_commit_pack(struct buf *b, const struct store_oid *parent, const void *text,
                                 size_t len, struct store_oid *oid)
{
	struct store_tree_entry e = {STORE_MODE_FILE, "index.html", 10, {{0}}};

	store_object_id(STORE_OBJ_BLOB, text, len, &e.oid);
	add_entry_commit_pack(b, parent, &e, text, len, oid);
}

static void add_commit_pack(struct buf *b, const struct store_oid *parent, const char *text,
                            struct store_oid *oid)
{
	add_file_commit_pack(b, parent, text, strlen(text), oid);
}

/* A pack of no objects: what git sends when the store has every object already. */
static void add_empty_pack(struct buf *b)
{
	struct store_packw w;

	assert_int_equal(store_packw_begin(&w, buf_sink, b, 0), 0);
	assert_int_equal(store_packw_end(&w, NULL), 0);
}

/* ---- answers ---- */

struct answer {
	char report[1 << 20]; /* the report's lines, or the ERR line */
	char progress[4096];  /* side-band 2 */
};
static struct answer ans;

static void cat(char *dst, size_t size, const void *data, size_t len)
{
	size_t have = strlen(dst);

	assert_true(have + len < size);
	memcpy(dst + have, data, len);
	dst[have + len] = '\0';
}

/* Data lines of `p` as text into `dst`; side-band 1 data into `band1` and 2 into progress. */
static void lines(const uint8_t *p, size_t len, char *dst, size_t size, struct buf *band1)
{
	struct git_pkt pkt;
	int used;

	while (len) {
		assert_true((used = git_pkt_parse(p, len, &pkt)) > 0);
		if (pkt.kind == GIT_PKT_DATA && band1 && pkt.len && pkt.data[0] == 1)
			add(band1, pkt.data + 1, pkt.len - 1);
		else if (pkt.kind == GIT_PKT_DATA && band1 && pkt.len && pkt.data[0] == 2)
			cat(ans.progress, sizeof(ans.progress), pkt.data + 1, pkt.len - 1);
		else if (pkt.kind == GIT_PKT_DATA)
			cat(dst, size, pkt.data, pkt.len);
		p += used;
		len -= (size_t)used;
	}
}

/* Whether push() hides the request's length, as git does for a pack over 1 MiB (chunked). */
static bool chunked;

/* Push the request in `b` (freed) fed in pieces of 7 bytes; the answer in `ans`. */
static void push(struct buf *b)
{
	struct buf out = {0}, band1 = {0};
	struct git_receive *r;
	uint8_t chunk[100];
	long n;

	memset(&ans, 0, sizeof(ans));
	assert_int_equal(git_receive_new(st, chunked ? 0 : b->len, &r), 0);
	for (size_t off = 0; off < b->len; off += 7)
		git_receive_feed(r, b->p + off, b->len - off < 7 ? b->len - off : 7);
	git_receive_finish(r);
	while ((n = git_receive_read(r, chunk, sizeof(chunk))) > 0)
		add(&out, chunk, (size_t)n);
	assert_int_equal(n, 0);
	git_receive_free(r);
	lines(out.p, out.len, ans.report, sizeof(ans.report), &band1);
	lines(band1.p, band1.len, ans.report, sizeof(ans.report), NULL);
	free(out.p);
	free(band1.p);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void ref_is(const char *name, const struct store_oid *want)
{
	struct store_oid oid;

	assert_int_equal(store_ref_get(st, name, &oid), 0);
	assert_int_equal(store_oid_cmp(&oid, want), 0);
}

/* ---- the veto ---- */

static int vetoes;

/* The DNS service's shape: refuse what a push brings to main, with a reason of several lines. */
static int veto_main(void *ctx, struct store *s, const struct store_ref_update *u, char *why,
                     size_t size)
{
	(void)ctx, (void)s;
	vetoes++;
	if (strcmp(u->name, "refs/heads/main"))
		return 0;
	snprintf(why, size, "%s", VETO_MSG);
	return 1;
}

/* A push to main with a new commit on c3, without atomic. */
static void push_to_main(struct store_oid *new)
{
	struct buf b = {0}, pack = {0};

	add_commit_pack(&pack, &c3, "four\n", new);
	add_cmd(&b, &c3, new, "refs/heads/main", CAPS);
	add_flush(&b);
	add(&b, pack.p, pack.len);
	free(pack.p);
	push(&b);
}

static void test_veto_refuses_with_its_message(void **state)
{
	struct store_oid c4;

	(void)state;
	store_set_veto(st, veto_main, NULL);
	push_to_main(&c4);
	assert_true(vetoes > 0);
	assert_string_equal(ans.report,
	                    "unpack ok\n"
	                    "ng refs/heads/main zone example.home: line 3: bad record\n");
	/* The rest of the reason, line by line, on side-band 2 ("remote: ..."). */
	assert_non_null(strstr(ans.progress, "NS needs a host name\n"));
	assert_non_null(strstr(ans.progress, "fix it and push again\n"));
	ref_is("refs/heads/main", &c3);
	ref_is("HEAD", &c3);

	/* Without the veto, the same push goes through. */
	store_set_veto(st, NULL, NULL);
	push_to_main(&c4);
	assert_string_equal(ans.report, "unpack ok\nok refs/heads/main\n");
	ref_is("refs/heads/main", &c4);
}

/* A veto of another ref lets main through, and is asked about every update. */
static void test_veto_of_other_refs_only(void **state)
{
	struct buf b = {0};

	(void)state;
	store_set_veto(st, veto_main, NULL);
	vetoes = 0;
	add_cmd(&b, &d1, &c1, "refs/heads/dev", CAPS);
	add_cmd(&b, &zero, &c2, "refs/tags/two", NULL);
	add_flush(&b);
	add_empty_pack(&b);
	push(&b);
	assert_string_equal(ans.report, "unpack ok\nok refs/heads/dev\nok refs/tags/two\n");
	assert_int_equal(vetoes, 2);
	ref_is("refs/heads/dev", &c1);
	ref_is("refs/tags/two", &c2);
}

static void test_veto_direct_update(void **state)
{
	struct store_ref_update u = {"refs/heads/main", c3, c1};
	struct store_ref_update two[2] = {{"refs/heads/dev", d1, c1}, u};

	(void)state;
	store_set_veto(st, veto_main, NULL);
	assert_int_equal(store_refs_update(st, &u, 1), -EPERM);
	assert_string_equal(store_veto_reason(st), VETO_MSG);
	ref_is("refs/heads/main", &c3);
	/* All or none: a vetoed update takes the others of its set down with it. */
	assert_int_equal(store_refs_update(st, two, 2), -EPERM);
	ref_is("refs/heads/dev", &d1);
	store_set_veto(st, NULL, NULL);
	assert_int_equal(store_refs_update(st, &u, 1), 0);
	ref_is("refs/heads/main", &c1);
}

/* What veto_failing gives for an update of main. */
static int veto_error;

/*
 * A veto that could not check (the DNS service's): -EIO, a read of the
 * store failing under it; -ENOMEM, short of memory.
 */
static int veto_failing(void *ctx, struct store *s, const struct store_ref_update *u, char *why,
                        size_t size)
{
	(void)ctx, (void)s, (void)why, (void)size;
	vetoes++;
	return strcmp(u->name, "refs/heads/main") ? 0 : veto_error;
}

/*
 * An update of main, and a push to it, with a veto failing with `err`: the
 * update fails with err, not -EPERM, the push is told `report`, and
 * nothing moves; without the veto, the same push goes in.
 */
static void veto_fails(int err, const char *report)
{
	struct store_ref_update u = {"refs/heads/main", c3, c1};
	struct store_oid c4;

	veto_error = err;
	store_set_veto(st, veto_failing, NULL);
	assert_int_equal(store_refs_update(st, &u, 1), err);
	ref_is("refs/heads/main", &c3);
	push_to_main(&c4);
	assert_true(vetoes > 0);
	assert_string_equal(ans.report, report);
	ref_is("refs/heads/main", &c3);
	store_set_veto(st, NULL, NULL);
	push_to_main(&c4);
	assert_string_equal(ans.report, "unpack ok\nok refs/heads/main\n");
}

/*
 * A veto that could not read what it checks is the storage failing, not a
 * refusal: the push is told so in STORAGE_FAILED's words (the editor
 * tells the two apart by them).
 */
static void test_veto_read_failure_is_storage(void **state)
{
	(void)state;
	veto_fails(-EIO, "unpack ok\nng refs/heads/main the store's device failed, or the data "
	                 "there is damaged: the store could not read an object the update "
	                 "reaches: it was not made\n");
}

/*
 * A veto short of memory is no refusal either: the update fails with
 * -ENOMEM (a DNS UPDATE has SERVFAIL, not REFUSED), and the push is told
 * so in OUT_OF_MEMORY's words. The old store took it for a refusal:
 * -EPERM, and "refs/heads/main: refused" with no reason given.
 */
static void test_veto_out_of_memory_is_no_refusal(void **state)
{
	(void)state;
	veto_fails(-ENOMEM, "unpack ok\nng refs/heads/main out of memory\n");
}

/*
 * The store running short of memory as it updates the ref (its -ENOMEM;
 * receive.c is linked with store_refs_push wrapped, as no test can make
 * that one allocation fail): the push is told so in OUT_OF_MEMORY's words,
 * which the editor shows as the board's shortage, not a refusal to fix,
 * and nothing moves. Once memory is back, the same push goes in.
 */
static int refs_push_fails; /* what store_refs_push gives instead of updating; 0: it updates */
int __real_store_refs_push(struct store *s, const struct store_ref_update *u, size_t n,
                           struct store_private *priv);
int __wrap_store_refs_push(struct store *s, const struct store_ref_update *u, size_t n,
                           struct store_private *priv);
int __wrap_store_refs_push(struct store *s, const struct store_ref_update *u, size_t n,
                           struct store_private *priv)
{
	return refs_push_fails ? refs_push_fails : __real_store_refs_push(s, u, n, priv);
}

static void test_ref_update_out_of_memory(void **state)
{
	struct store_oid c4;

	(void)state;
	refs_push_fails = -ENOMEM;
	push_to_main(&c4);
	refs_push_fails = 0;
	assert_string_equal(ans.report, "unpack ok\nng refs/heads/main out of memory\n");
	ref_is("refs/heads/main", &c3);
	push_to_main(&c4);
	assert_string_equal(ans.report, "unpack ok\nok refs/heads/main\n");
}

/*
 * A push of deletes only (no pack) while another push's pack comes in:
 * the store's writer is that one's (-EBUSY), and the push is told so, as
 * one with a pack is, not that the store failed. After it, it goes in.
 */
static void test_busy_store_said(void **state)
{
	struct buf first = {0}, pack = {0}, b = {0};
	struct git_receive *r;
	struct store_oid c4, none;

	(void)state;
	add_commit_pack(&pack, &c3, "four\n", &c4);
	add_cmd(&first, &c3, &c4, "refs/heads/main", CAPS);
	add_flush(&first);
	add(&first, pack.p, pack.len / 2);
	assert_int_equal(git_receive_new(st, first.len + pack.len - pack.len / 2, &r), 0);
	git_receive_feed(r, first.p, first.len);
	add_cmd(&b, &d1, &zero, "refs/heads/dev", CAPS);
	add_flush(&b);
	push(&b);
	assert_string_equal(ans.report,
	                    "unpack ok\nng refs/heads/dev another push is in progress\n");
	ref_is("refs/heads/dev", &d1);
	git_receive_free(r);
	add_cmd(&b, &d1, &zero, "refs/heads/dev", CAPS);
	add_flush(&b);
	push(&b);
	assert_string_equal(ans.report, "unpack ok\nok refs/heads/dev\n");
	assert_int_equal(store_ref_get(st, "refs/heads/dev", &none), -ENOENT);
	free(first.p);
	free(pack.p);
}

/*
 * No memory for a ref's name (its 56 octets): the push is told so in
 * OUT_OF_MEMORY's words, not that the name is malformed.
 */
static void test_name_out_of_memory(void **state)
{
	struct buf b = {0};
	struct store_oid c4;
	const char *name = "refs/heads/a-branch-whose-name-has-56-octets-in-all-xxxx";

	(void)state;
	assert_int_equal(strlen(name), 56);
	add_cmd(&b, &c3, &c2, name, CAPS);
	add_flush(&b);
	alloc_fail_min = alloc_fail_max = 57;
	push(&b);
	alloc_fail_min = alloc_fail_max = 0;
	assert_string_equal(ans.report, "ERR receive-pack: out of memory\n");
	(void)c4;
}

/* ---- atomic or not ---- */

/* main fast-forwards (good), dev names a stale old value (bad), a new tag (good). */
static void mixed_push(const char *caps, struct store_oid *c4)
{
	struct buf b = {0}, pack = {0};

	/* The commit's id is known once its pack is made: the pack first, then the commands. */
	add_commit_pack(&pack, &c3, "four\n", c4);
	add_cmd(&b, &c3, c4, "refs/heads/main", caps);
	add_cmd(&b, &c2, &c1, "refs/heads/dev", NULL);
	add_cmd(&b, &zero, c4, "refs/tags/four", NULL);
	add_flush(&b);
	add(&b, pack.p, pack.len);
	free(pack.p);
	push(&b);
}

static void test_atomic_all_or_nothing(void **state)
{
	struct store_oid c4, oid;

	(void)state;
	mixed_push(CAPS " atomic", &c4);
	assert_string_equal(
	    ans.report, "unpack ok\n"
	                "ng refs/heads/main atomic push failed\n"
	                "ng refs/heads/dev the ref has moved since it was fetched (fetch first)\n"
	                "ng refs/tags/four atomic push failed\n");
	ref_is("refs/heads/main", &c3);
	ref_is("refs/heads/dev", &d1);
	assert_int_equal(store_ref_get(st, "refs/tags/four", &oid), -ENOENT);
}

/* Atomic, and the store itself refuses one update (a veto): none is made. */
static void test_atomic_vetoed(void **state)
{
	struct store_oid oid;
	struct buf b = {0};

	(void)state;
	store_set_veto(st, veto_main, NULL);
	add_cmd(&b, &d1, &c1, "refs/heads/dev", CAPS " atomic");
	add_cmd(&b, &c3, &c3, "refs/heads/main", NULL);
	add_cmd(&b, &zero, &c2, "refs/tags/two", NULL);
	add_flush(&b);
	add_empty_pack(&b);
	push(&b);
	/* Each refused, saying why the whole push was: the veto's reason. */
	assert_non_null(strstr(ans.report, "unpack ok\nng refs/heads/dev atomic push failed: zone "
	                                   "example.home: line 3: bad record\n"));
	assert_non_null(strstr(ans.report, "\nng refs/heads/main atomic push failed: zone "
	                                   "example.home: line 3: bad record\n"));
	assert_non_null(strstr(ans.report, "\nng refs/tags/two "));
	assert_null(strstr(ans.report, "\nok "));
	ref_is("refs/heads/dev", &d1);
	assert_int_equal(store_ref_get(st, "refs/tags/two", &oid), -ENOENT);
}

static void test_not_atomic_applies_the_good(void **state)
{
	struct store_oid c4;

	(void)state;
	mixed_push(CAPS, &c4);
	assert_string_equal(
	    ans.report, "unpack ok\n"
	                "ok refs/heads/main\n"
	                "ng refs/heads/dev the ref has moved since it was fetched (fetch first)\n"
	                "ok refs/tags/four\n");
	ref_is("refs/heads/main", &c4);
	ref_is("refs/heads/dev", &d1);
	ref_is("refs/tags/four", &c4);
}

/* ---- the site's branch ---- */

static void test_site_branch_only_forward(void **state)
{
	struct store_oid side;
	struct buf b = {0}, pack = {0};

	(void)state;
	/* main rewound to c1, or moved to a commit beside c3: refused. */
	add_cmd(&b, &c3, &c1, "refs/heads/main", CAPS);
	add_flush(&b);
	add_empty_pack(&b);
	push(&b);
	assert_string_equal(ans.report, "unpack ok\n"
	                                "ng refs/heads/main non-fast-forward: the site's branch "
	                                "only moves forward (fetch and merge first)\n");
	add_commit_pack(&pack, &c2, "beside\n", &side);
	add_cmd(&b, &c3, &side, "refs/heads/main", CAPS);
	add_flush(&b);
	add(&b, pack.p, pack.len);
	free(pack.p);
	push(&b);
	assert_non_null(strstr(ans.report, "ng refs/heads/main non-fast-forward"));
	ref_is("refs/heads/main", &c3);

	/* Another branch may be rewound (force-pushed). */
	add_cmd(&b, &d1, &c1, "refs/heads/dev", CAPS);
	add_flush(&b);
	add_empty_pack(&b);
	push(&b);
	assert_string_equal(ans.report, "unpack ok\nok refs/heads/dev\n");
	ref_is("refs/heads/dev", &c1);
}

static void test_site_branch_follows_head(void **state)
{
	struct buf b = {0};

	(void)state;
	/* HEAD names dev: now dev only moves forward, and main may be rewound. */
	assert_int_equal(store_ref_set_symbolic(st, "HEAD", "refs/heads/dev"), 0);
	add_cmd(&b, &d1, &c1, "refs/heads/dev", CAPS);
	add_cmd(&b, &c3, &c1, "refs/heads/main", NULL);
	add_flush(&b);
	add_empty_pack(&b);
	push(&b);
	assert_string_equal(ans.report, "unpack ok\n"
	                                "ng refs/heads/dev non-fast-forward: the site's branch "
	                                "only moves forward (fetch and merge first)\n"
	                                "ok refs/heads/main\n");
	ref_is("refs/heads/dev", &d1);
	ref_is("refs/heads/main", &c1);
}

static void test_site_branch_not_deleted(void **state)
{
	struct store_oid oid;
	struct buf b = {0};

	(void)state;
	add_cmd(&b, &c3, &zero, "refs/heads/main", CAPS " delete-refs");
	add_cmd(&b, &d1, &zero, "refs/heads/dev", NULL);
	add_flush(&b); /* deletes only: no pack follows */
	push(&b);
	assert_string_equal(ans.report, "unpack ok\n"
	                                "ng refs/heads/main the site's branch cannot be deleted\n"
	                                "ok refs/heads/dev\n");
	ref_is("refs/heads/main", &c3);
	assert_int_equal(store_ref_get(st, "refs/heads/dev", &oid), -ENOENT);
}

#define NG_SYMBOLIC                                                                                \
	" the ref is symbolic, and a push never changes one: push to its target, refs/heads/dev\n"

/*
 * A push never makes or moves a symbolic ref, so none can come to point
 * into refs/appliance/: an update of HEAD is refused, and so is one of a
 * branch that is symbolic (refs/heads/alias -> refs/heads/dev, made here
 * by hand); HEAD still names main, and alias still names dev.
 */
static void test_push_never_moves_symrefs(void **state)
{
	char target[STORE_REF_MAX];
	struct store_oid s;
	struct buf b = {0};

	(void)state;
	assert_int_equal(fixture_commit(st, "refs/appliance/secrets", "password", "x\n", &s), 0);
	assert_int_equal(store_ref_set_symbolic(st, "refs/heads/alias", "refs/heads/dev"), 0);
	add_cmd(&b, &c3, &s, "HEAD", CAPS);
	add_cmd(&b, &d1, &c1, "refs/heads/alias", NULL);
	add_flush(&b);
	add_empty_pack(&b);
	push(&b);
	assert_string_equal(ans.report, "unpack ok\n"
	                                "ng HEAD only refs/heads/ and refs/tags/ may be pushed\n"
	                                "ng refs/heads/alias" NG_SYMBOLIC);
	assert_int_equal(store_ref_symbolic(st, "HEAD", target, sizeof(target)), 0);
	assert_string_equal(target, "refs/heads/main");
	ref_is("HEAD", &c3);
	assert_int_equal(store_ref_symbolic(st, "refs/heads/alias", target, sizeof(target)), 0);
	assert_string_equal(target, "refs/heads/dev");
	ref_is("refs/heads/dev", &d1);
}

/* One command, `old` to `new` for `ref`, then `pack` (freed) or an empty one. */
static void push_one(const struct store_oid *old, const struct store_oid *new, const char *ref,
                     struct buf *pack)
{
	struct buf b = {0};

	add_cmd(&b, old, new, ref, CAPS);
	add_flush(&b);
	if (pack) {
		add(&b, pack->p, pack->len);
		free(pack->p);
		memset(pack, 0, sizeof(*pack));
	} else {
		add_empty_pack(&b);
	}
	push(&b);
}

/* Two commands (a new value for each: a pack follows, empty), without atomic. */
static void push_pair(const struct store_oid *old1, const struct store_oid *new1, const char *ref1,
                      const struct store_oid *old2, const struct store_oid *new2, const char *ref2)
{
	struct buf b = {0};

	add_cmd(&b, old1, new1, ref1, CAPS);
	add_cmd(&b, old2, new2, ref2, NULL);
	add_flush(&b);
	add_empty_pack(&b);
	push(&b);
}

/*
 * A push to a symbolic branch says so, and which ref to push to, whatever
 * else is wrong with it (an old value that is the target's, one that is
 * not, a delete), atomic or not; the alias stays as it was.
 */
static void test_push_to_symref_says_so(void **state)
{
	char target[STORE_REF_MAX];
	struct store_oid c4;
	struct buf b = {0}, pack = {0};

	(void)state;
	assert_int_equal(store_ref_set_symbolic(st, "refs/heads/alias", "refs/heads/dev"), 0);
	add_commit_pack(&pack, &d1, "four\n", &c4);
	push_one(&d1, &c4, "refs/heads/alias", &pack);
	assert_string_equal(ans.report, "unpack ok\nng refs/heads/alias" NG_SYMBOLIC);
	push_pair(&c2, &c1, "refs/heads/alias", &zero, &c1, "refs/tags/one");
	assert_string_equal(ans.report,
	                    "unpack ok\nng refs/heads/alias" NG_SYMBOLIC "ok refs/tags/one\n");
	add_cmd(&b, &d1, &zero, "refs/heads/alias", CAPS " atomic");
	add_cmd(&b, &c1, &zero, "refs/tags/one", NULL);
	add_flush(&b);
	push(&b);
	assert_string_equal(ans.report, "unpack ok\nng refs/heads/alias" NG_SYMBOLIC
	                                "ng refs/tags/one atomic push failed\n");
	assert_int_equal(store_ref_symbolic(st, "refs/heads/alias", target, sizeof(target)), 0);
	assert_string_equal(target, "refs/heads/dev");
	ref_is("refs/heads/dev", &d1);
	ref_is("refs/tags/one", &c1);
}

/* ---- the private part ---- */

#define SECRET "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"

/*
 * A commit of `parent` whose tree names `blob` as key.pem, as a pack of
 * the commit and the tree, and of the blob too if `carry` is its content.
 */
static void add_naming_pack(struct buf *b, const struct store_oid *parent,
                            const struct store_oid *blob, const char *carry, struct store_oid *oid)
{
	struct store_tree_entry e = {STORE_MODE_FILE, "key.pem", 7, *blob};

	add_entry_commit_pack(b, parent, &e, carry, carry ? strlen(carry) : 0, oid);
}

/* An annotated tag naming `target` (a commit), as a pack of the tag alone. */
static void add_tag_pack(struct buf *b, const struct store_oid *target, struct store_oid *oid)
{
	char hex[STORE_OID_HEX], text[256];
	struct store_packw w;
	int n;

	store_oid_hex(target, hex);
	n = snprintf(text, sizeof(text),
	             "object %s\ntype commit\ntag v1\ntagger " FIXTURE_AUTHOR "\n\nv1\n", hex);
	store_object_id(STORE_OBJ_TAG, text, (size_t)n, oid);
	assert_int_equal(store_packw_begin(&w, buf_sink, b, 1), 0);
	assert_int_equal(store_packw_object(&w, STORE_OBJ_TAG, text, (size_t)n, NULL), 0);
	assert_int_equal(store_packw_end(&w, NULL), 0);
}

#define NG_PRIVATE                                                                                 \
	" missing objects: the new value reaches an object that neither the pack nor any branch "  \
	"or tag holds\n"

/*
 * A pusher who knows the id of an object only refs/appliance/ reaches
 * cannot name it from a public ref, which would let anyone fetch it:
 * neither as a branch, nor as a tag, nor as an annotated tag's target, nor
 * as a tree entry of a pushed commit. Each gets its own ng and no ref
 * changes. The old value of the secret branch is as secret as its value.
 */
static void test_secret_objects_not_pushable(void **state)
{
	struct store_oid s1, s2, blob, tree, tag, c;
	struct buf pack = {0};
	struct store_oid got;

	(void)state;
	assert_int_equal(fixture_commit(st, "refs/appliance/secrets", "key.pem", SECRET, &s1), 0);
	assert_int_equal(fixture_commit(st, "refs/appliance/secrets", "key.pem", "new\n", &s2), 0);
	store_object_id(STORE_OBJ_BLOB, SECRET, strlen(SECRET), &blob);
	assert_int_equal(store_ref_tree(st, "refs/appliance/secrets", &tree), 0);

	push_one(&zero, &s2, "refs/heads/x", NULL);
	assert_string_equal(ans.report, "unpack ok\nng refs/heads/x" NG_PRIVATE);
	push_one(&zero, &s1, "refs/heads/x", NULL);
	assert_string_equal(ans.report, "unpack ok\nng refs/heads/x" NG_PRIVATE);
	push_one(&zero, &blob, "refs/tags/b", NULL);
	assert_string_equal(ans.report, "unpack ok\nng refs/tags/b" NG_PRIVATE);
	push_one(&zero, &tree, "refs/tags/t", NULL);
	assert_string_equal(ans.report, "unpack ok\nng refs/tags/t" NG_PRIVATE);
	add_tag_pack(&pack, &s1, &tag);
	push_one(&zero, &tag, "refs/tags/v1", &pack);
	assert_string_equal(ans.report, "unpack ok\nng refs/tags/v1" NG_PRIVATE);
	add_naming_pack(&pack, &c3, &blob, NULL, &c);
	push_one(&zero, &c, "refs/heads/y", &pack);
	assert_string_equal(ans.report, "unpack ok\nng refs/heads/y" NG_PRIVATE);
	assert_int_equal(store_ref_get(st, "refs/heads/x", &got), -ENOENT);
	assert_int_equal(store_ref_get(st, "refs/heads/y", &got), -ENOENT);
	assert_int_equal(store_ref_get(st, "refs/tags/b", &got), -ENOENT);
	assert_int_equal(store_ref_get(st, "refs/tags/t", &got), -ENOENT);
	assert_int_equal(store_ref_get(st, "refs/tags/v1", &got), -ENOENT);
	ref_is("refs/appliance/secrets", &s2);

	/* Among good updates, only the one that names a secret fails. */
	push_pair(&zero, &c2, "refs/tags/two", &zero, &s1, "refs/tags/s");
	assert_string_equal(ans.report, "unpack ok\nok refs/tags/two\nng refs/tags/s" NG_PRIVATE);
}

/*
 * The same content is no secret from a pusher who sends it: a commit whose
 * pack carries a blob equal to a secret one goes in; and once a branch
 * holds it, a commit naming it without carrying it goes in too (git sends
 * no object a branch or tag of the store reaches).
 */
static void test_secret_content_sent_is_fine(void **state)
{
	struct store_oid s, blob, c4, c5;
	struct buf pack = {0};

	(void)state;
	assert_int_equal(fixture_commit(st, "refs/appliance/secrets", "key.pem", SECRET, &s), 0);
	store_object_id(STORE_OBJ_BLOB, SECRET, strlen(SECRET), &blob);
	add_naming_pack(&pack, &c3, &blob, SECRET, &c4);
	push_one(&zero, &c4, "refs/heads/y", &pack);
	assert_string_equal(ans.report, "unpack ok\nok refs/heads/y\n");
	ref_is("refs/heads/y", &c4);
	add_naming_pack(&pack, &c4, &blob, NULL, &c5);
	push_one(&zero, &c5, "refs/heads/z", &pack);
	assert_string_equal(ans.report, "unpack ok\nok refs/heads/z\n");
	ref_is("refs/heads/z", &c5);
}

#define STATE "example.home. 2024010101 " /* what the DNS service keeps of a zone it serves */

/* A service's answer to an update: the DNS service's, which commits to refs/appliance/dns. */
static void commit_state(void *ctx, const char *ref)
{
	(void)ctx;
	if (!strcmp(ref, "refs/tags/two"))
		assert_int_equal(fixture_commit(st, "refs/appliance/dns", "serials", STATE, NULL),
		                 0);
}

/*
 * The private part may grow between one update of a push and the next: a
 * service's on_change commits there. A push that names what the service
 * is about to write, without sending it, fails as a whole (the object is
 * missing); its updates are then made one by one, and the one after the
 * service's commit is refused as reaching it, though the private part the
 * push's pack was checked against did not hold it.
 */
static void test_private_part_moves_mid_push(void **state)
{
	struct store_oid blob, c4, got;
	struct buf b = {0}, pack = {0};

	(void)state;
	assert_int_equal(store_on_change(st, commit_state, NULL), 0);
	store_object_id(STORE_OBJ_BLOB, STATE, strlen(STATE), &blob);
	add_naming_pack(&pack, &c3, &blob, NULL, &c4);
	add_cmd(&b, &zero, &c2, "refs/tags/two", CAPS);
	add_cmd(&b, &zero, &c4, "refs/heads/y", NULL);
	add_flush(&b);
	add(&b, pack.p, pack.len);
	free(pack.p);
	push(&b);
	assert_string_equal(ans.report, "unpack ok\nok refs/tags/two\nng refs/heads/y" NG_PRIVATE);
	assert_int_equal(store_ref_get(st, "refs/heads/y", &got), -ENOENT);
	ref_is("refs/tags/two", &c2);
}

/*
 * A commit whose file lies `dirs` directories down (d/d/.../f), as a pack
 * of the commit, its trees and the blob; its id in *oid.
 */
static void add_deep_commit_pack(struct buf *b, const struct store_oid *parent, int dirs,
                                 struct store_oid *oid)
{
	static const char text[] = "deep\n";
	struct store_tree_entry e = {STORE_MODE_FILE, "f", 1, {{0}}};
	struct store_packw w;
	uint8_t *t[STORE_MAX_TREE_DEPTH + 1], *c;
	size_t tlen[STORE_MAX_TREE_DEPTH + 1], clen;
	struct store_oid tree;

	assert_true(dirs <= STORE_MAX_TREE_DEPTH);
	store_object_id(STORE_OBJ_BLOB, text, sizeof(text) - 1, &e.oid);
	for (int i = 0; i <= dirs; i++) {
		assert_int_equal(store_tree_encode(&e, 1, &t[i], &tlen[i]), 0);
		store_object_id(STORE_OBJ_TREE, t[i], tlen[i], &tree);
		e = (struct store_tree_entry){STORE_MODE_TREE, "d", 1, tree};
	}
	assert_int_equal(store_commit_encode(&tree, parent, 1, FIXTURE_AUTHOR, FIXTURE_AUTHOR,
	                                     "deep\n", &c, &clen),
	                 0);
	store_object_id(STORE_OBJ_COMMIT, c, clen, oid);
	assert_int_equal(store_packw_begin(&w, buf_sink, b, (uint32_t)dirs + 3), 0);
	assert_int_equal(store_packw_object(&w, STORE_OBJ_COMMIT, c, clen, NULL), 0);
	for (int i = dirs; i >= 0; i--) {
		assert_int_equal(store_packw_object(&w, STORE_OBJ_TREE, t[i], tlen[i], NULL), 0);
		free(t[i]);
	}
	assert_int_equal(store_packw_object(&w, STORE_OBJ_BLOB, text, sizeof(text) - 1, NULL), 0);
	assert_int_equal(store_packw_end(&w, NULL), 0);
	free(c);
}

/*
 * The store's tree depth limit: a path of STORE_MAX_TREE_DEPTH levels (a
 * file 63 directories down) is taken, one level more refused with the
 * limit named, not as the store's failure.
 */
static void test_tree_depth_said(void **state)
{
	struct store_oid deep;

	(void)state;
	for (int dirs = STORE_MAX_TREE_DEPTH - 1; dirs <= STORE_MAX_TREE_DEPTH; dirs++) {
		char ref[32], want[160];

		struct buf req = {0}, pack = {0};

		snprintf(ref, sizeof(ref), "refs/heads/deep%d", dirs);
		add_deep_commit_pack(&pack, &c3, dirs, &deep);
		add_cmd(&req, &zero, &deep, ref, "report-status");
		add_flush(&req);
		add(&req, pack.p, pack.len);
		free(pack.p);
		push(&req);
		if (dirs < STORE_MAX_TREE_DEPTH)
			snprintf(want, sizeof(want), "unpack ok\nok %s\n", ref);
		else
			snprintf(
			    want, sizeof(want),
			    "unpack ok\nng %s a path in its tree is more than %d levels deep, the "
			    "store's limit\n",
			    ref, STORE_MAX_TREE_DEPTH);
		assert_string_equal(ans.report, want);
	}
}

/*
 * The device fails under a push: the answer says so, and nothing changes.
 * Until the store is opened again it takes no writes (log.h), and each
 * push meanwhile is told that, not that its pack is malformed (the old
 * answer to -EROFS); once reopened, the same push goes in.
 */
static void test_device_failure_said(void **state)
{
	struct store_oid c4;

	(void)state;
	memblk_fail_write(1, -EIO);
	push_to_main(&c4);
	assert_string_equal(ans.report, "unpack the store's device failed\n"
	                                "ng refs/heads/main unpacker error\n");
	push_to_main(&c4);
	assert_string_equal(ans.report,
	                    "unpack the store's device failed before this push: it takes no "
	                    "writes until the appliance restarts\n"
	                    "ng refs/heads/main unpacker error\n");
	ref_is("refs/heads/main", &c3);
	assert_int_equal(store_close(st), -EROFS);
	assert_int_equal(store_open(&st, true), 0);
	ref_is("refs/heads/main", &c3);
	push_to_main(&c4);
	assert_string_equal(ans.report, "unpack ok\nok refs/heads/main\n");
	ref_is("refs/heads/main", &c4);
}

#define NOT_MADE                                                                                   \
	"the store's device failed: the update was not made, and the store takes no writes until " \
	"the appliance restarts"
#define UNKNOWN                                                                                    \
	"the store's device failed while writing this update: whether it was kept is known after " \
	"the appliance restarts"
#define TAGS 40

/*
 * main to a new commit and TAGS tags of 100-byte names to it: a ref
 * record of two blocks, so that a write before its header block exists.
 */
static void push_main_and_tags(const char *caps, struct store_oid *new)
{
	struct buf b = {0}, pack = {0};
	char name[STORE_REF_MAX];

	add_commit_pack(&pack, &c3, "four\n", new);
	add_cmd(&b, &c3, new, "refs/heads/main", caps);
	for (int i = 0; i < TAGS; i++) {
		snprintf(name, sizeof(name), "refs/tags/%090d", i);
		add_cmd(&b, &zero, new, name, NULL);
	}
	add_flush(&b);
	add(&b, pack.p, pack.len);
	free(pack.p);
	push(&b);
}

/* What one push under a failing device said, against what a reopen finds. */
struct said {
	int ok, not_made, unknown, unpack;
};

static void count_said(struct said *s, const char *prefix)
{
	size_t plen = strlen(prefix);

	for (const char *l = strchr(ans.report, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
		const char *why;
		if (!strncmp(l, "ok ", 3)) {
			s->ok++;
			continue;
		}
		why = strchr(l + 3, ' ') + 1;
		if (!strncmp(why, "unpacker error\n", 15))
			s->unpack++;
		else if (!strncmp(why, prefix, plen) &&
		         !strncmp(why + plen, NOT_MADE "\n", strlen(NOT_MADE) + 1))
			s->not_made++;
		else if (!strncmp(why, prefix, plen) &&
		         !strncmp(why + plen, UNKNOWN "\n", strlen(UNKNOWN) + 1))
			s->unknown++;
		else
			fail_msg("a line no rule allows: %.*s", (int)strcspn(l, "\n"), l);
	}
}

/*
 * The push with its n-th write (or flush) failing, then the store reopened
 * (the appliance's restart): 1 if the failure was met.
 */
static int push_failing(bool flush, long n, const char *caps, const char *prefix,
                        struct said *total)
{
	char name[STORE_REF_MAX];
	struct said s = {0};
	struct store_oid c4, now;
	long writes, flushes;
	bool kept;

	setup_size(DEV_SIZE);
	writes = memblk_writes();
	flushes = memblk_flushes();
	if (flush)
		memblk_fail_flush(n, -EIO);
	else
		memblk_fail_write(n, -EIO);
	push_main_and_tags(caps, &c4);
	if ((flush ? memblk_flushes() - flushes : memblk_writes() - writes) < n) {
		memblk_fail_write(0, 0);
		memblk_fail_flush(0, 0);
		assert_non_null(strstr(ans.report, "ok refs/heads/main\n"));
		assert_int_equal(store_close(st), 0);
		return 0;
	}
	count_said(&s, prefix);
	store_close(st);
	assert_int_equal(store_open(&st, true), 0);
	assert_int_equal(store_ref_get(st, "refs/heads/main", &now), 0);
	kept = !store_oid_cmp(&now, &c4);
	/* The batch is one record: all of it kept or none. */
	snprintf(name, sizeof(name), "refs/tags/%090d", TAGS - 1);
	assert_int_equal(store_ref_get(st, name, &now) == 0, kept);
	print_message("%s %ld: %s, said: %d ok, %d not made, %d unknown, %d unpack\n",
	              flush ? "flush" : "write", n, kept ? "kept" : "not kept", s.ok, s.not_made,
	              s.unknown, s.unpack);
	/* Kept: said made or perhaps made. Not kept: never said made. */
	assert_int_equal(s.ok + s.not_made + s.unknown + s.unpack, TAGS + 1);
	if (kept)
		assert_int_equal(s.ok + s.unknown, TAGS + 1);
	else
		assert_int_equal(s.ok, 0);
	total->not_made += s.not_made;
	total->unknown += s.unknown;
	store_close(st);
	return 1;
}

/*
 * The device fails at each write and each flush of a push in turn (its
 * pack, its ref record, the flush after it), the store reopened each
 * time: what the client was told is what the reopened store holds. An
 * update kept was said to be perhaps kept, never not made; one not kept
 * was never said made. A failure at the record's first block (before its
 * header) is "not made"; at its header block or the flush after it, the
 * update may have reached the disk: "unknown" (kept here when the flush
 * failed, as the memory device still holds what was written). The old
 * code told each update "the store failed to update the ref", kept or not.
 */
static void device_fails_at_each_step(const char *caps, const char *prefix)
{
	struct said total = {0};
	int kinds = 0;

	for (int flush = 0; flush <= 1; flush++)
		for (long n = 1; push_failing(flush, n, caps, prefix, &total); n++)
			kinds++;
	assert_true(kinds > 3);
	assert_true(total.not_made > 0);
	assert_true(total.unknown > 0);
	setup_size(DEV_SIZE);
}

/*
 * A read of the device fails under a push (a bad sector: -EIO), here the
 * first after the store's open, which is the check of the first update's
 * new object. It is there: the update is told the store could not read
 * it, not that it is missing (what the old code said, sending the user to
 * push it again), nor that a write failed; the other update is made, and
 * what each was told is what the store holds, then and after a reopen.
 */
static void test_read_error_said(void **state)
{
	struct buf b = {0};
	struct store_oid now;
	const char *names[] = {"refs/heads/b", "refs/heads/c"};
	char want[256];

	(void)state;
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, true), 0);
	memblk_fail_read(1, -EIO);
	add_cmd(&b, &zero, &c3, names[0], CAPS);
	add_cmd(&b, &zero, &c3, names[1], NULL);
	add_flush(&b);
	add_empty_pack(&b);
	push(&b);
	memblk_fail_read(0, 0);
	snprintf(want, sizeof(want),
	         "unpack ok\nng %s the store's device failed, or the data there is damaged: the "
	         "store could not read the new object\nok %s\n",
	         names[0], names[1]);
	assert_string_equal(ans.report, want);
	for (int reopen = 0; reopen < 2; reopen++) {
		assert_int_equal(store_ref_get(st, names[0], &now), -ENOENT);
		assert_int_equal(store_ref_get(st, names[1], &now), 0);
		assert_int_equal(store_close(st), 0);
		assert_int_equal(store_open(&st, true), 0);
	}
}

/* A commit on `ref` of 64 KiB that zlib cannot shrink: what comes after it is read apart. */
static void filler(const char *ref)
{
	static char text[64 * 1024 + 1];
	struct store_oid oid;
	uint32_t x = 1;

	for (size_t i = 0; i < sizeof(text) - 1; i++) {
		x = x * 1103515245 + 12345;
		text[i] = (char)(1 + (x >> 16) % 255);
	}
	assert_int_equal(fixture_commit(st, ref, "fill", text, &oid), 0);
}

#define READ_FAILED_NG                                                                             \
	"unpack ok\nng refs/heads/main the store's device failed, or the data there is damaged: "

/*
 * The device's reads failing from the n-th on (a bad sector: -EIO), for
 * each n in turn, under a push that moves the site's branch from c3 to c4,
 * a commit the store holds already (no ref names it), so that the push
 * carries no pack and what it checks comes from the device: the new
 * object, then the site's history (the fast-forward), then the objects
 * the update reaches. c4's tree is that of "five", and fillers keep it
 * apart from c4 and c3, past the store's read windows (16 KiB), so that
 * each check reads on its own. Each time the update is told that the
 * store's storage failed, in receive.c's words for it (STORAGE_FAILED,
 * which the browser editor reads), and main stays. The old code began the
 * first "the store could not read", said of the second that the history
 * was too long to check for a fast-forward, and of the third that the
 * store failed to update the ref: refusals, of a push with nothing wrong
 * in it (the editor even retried the second as the board having moved).
 * Once no read fails, the push goes in.
 */
static void test_read_errors_said_as_storage(void **state)
{
	struct buf pack = {0};
	struct store_oid five, c4;
	char last[sizeof(ans.report)] = "";
	uint32_t n_new;
	int kinds = 0;

	(void)state;
	filler("refs/heads/fill1");
	assert_int_equal(fixture_commit(st, "refs/heads/five", "index.html", "five\n", &five), 0);
	filler("refs/heads/fill2");
	add_commit_pack(&pack, &c3, "five\n", &c4);
	assert_int_equal(store_import_pack(st, pack.p, pack.len, &n_new), 0);
	assert_int_equal(n_new, 1);
	free(pack.p);
	for (long n = 1;; n++) {
		assert_true(n < 1000);
		assert_int_equal(store_close(st), 0);
		assert_int_equal(store_open(&st, true), 0);
		memblk_fail_reads(n, -EIO);
		push_one(&c3, &c4, "refs/heads/main", NULL);
		memblk_fail_read(0, 0);
		if (!strcmp(ans.report, "unpack ok\nok refs/heads/main\n"))
			break;
		assert_memory_equal(ans.report, READ_FAILED_NG, strlen(READ_FAILED_NG));
		ref_is("refs/heads/main", &c3);
		kinds += strcmp(ans.report, last) != 0;
		snprintf(last, sizeof(last), "%s", ans.report);
	}
	assert_int_equal(kinds, 3);
	ref_is("refs/heads/main", &c4);
}

static void test_device_failure_honest(void **state)
{
	(void)state;
	assert_int_equal(store_close(st), 0);
	device_fails_at_each_step(CAPS, "");
}

static void test_device_failure_honest_atomic(void **state)
{
	(void)state;
	assert_int_equal(store_close(st), 0);
	device_fails_at_each_step(CAPS " atomic", "atomic push failed: ");
}

/* ---- limits ---- */

/* `n` deletes of refs that do not exist: no pack follows. */
static void many_commands(size_t n)
{
	struct buf b = {0};
	char name[64];

	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "refs/heads/b%zu", i);
		add_cmd(&b, &c1, &zero, name, i ? NULL : CAPS);
	}
	add_flush(&b);
	push(&b);
}

static void test_command_limit(void **state)
{
	(void)state;
	/* At the limit: each one is answered (none exists). */
	many_commands(GIT_RECEIVE_MAX_COMMANDS);
	assert_non_null(strstr(ans.report, "unpack ok\nng refs/heads/b0 the ref does not exist"));
	assert_non_null(strstr(ans.report, "ng refs/heads/b8191 the ref does not exist"));
	/* One more: the whole push is refused, with a clear ERR line as the whole answer. */
	many_commands(GIT_RECEIVE_MAX_COMMANDS + 1);
	assert_string_equal(ans.report,
	                    "ERR receive-pack: more than 8192 ref updates in one push\n");
	assert_string_equal(ans.progress, "");
	ref_is("refs/heads/main", &c3);
}

/* AddressSanitizer's count of the bytes allocated and not yet freed (the unit tests run under it).
 */
size_t __sanitizer_get_current_allocated_bytes(void);

/*
 * receive.h: 8,192 commands hold under 3 MiB, names included, since no
 * name of STORE_REF_MAX bytes or more is ever pushed. A client sends
 * names as long as a pkt-line carries (938 bytes): as many commands with
 * 870-byte names must not be kept (the old code held 8.4 MiB of them until
 * the request ended, and only then refused each). The push is refused
 * whole, at its first such name, and nothing changes.
 */
static void test_long_names_bounded(void **state)
{
	struct buf b = {0}, out = {0};
	struct git_receive *r;
	char line[1024], hex[STORE_OID_HEX], name[901];
	size_t before, held;
	uint8_t chunk[256];
	long n;

	(void)state;
	store_oid_hex(&c3, hex);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memcpy(name, "refs/heads/", 11);
	for (int i = 0; i < GIT_RECEIVE_MAX_COMMANDS; i++) {
		int len = snprintf(line, sizeof(line), "%040d %s %.858s%012d%c%s", 0, hex, name, i,
		                   '\0', i ? "" : CAPS);
		add_pkt(&b, line, (size_t)len - (i ? 1 : 0));
	}
	add_flush(&b);
	before = __sanitizer_get_current_allocated_bytes();
	assert_int_equal(git_receive_new(st, 0, &r), 0);
	git_receive_feed(r, b.p, b.len);
	held = __sanitizer_get_current_allocated_bytes() - before;
	printf("held after %d commands with 870-byte names: %zu bytes\n", GIT_RECEIVE_MAX_COMMANDS,
	       held);
	assert_true(held < 3u << 20);
	git_receive_finish(r);
	while ((n = git_receive_read(r, chunk, sizeof(chunk))) > 0)
		add(&out, chunk, (size_t)n);
	git_receive_free(r);
	add(&out, "", 1);
	assert_non_null(strstr((char *)out.p, "ERR receive-pack: a ref name is too long"));
	ref_is("refs/heads/main", &c3);
	free(out.p);
	free(b.p);
}

/* ---- a full store ---- */

#define DEV_SMALL (1u << 20)    /* two log regions of 508 KiB */
#define FILL_BYTES (40u * 1024) /* a file of a push: random, zlib cannot shrink it */

static size_t last_pack;

/*
 * Push refs/heads/f-<i>, new, at a commit on c3 whose file is FILL_BYTES
 * of random bytes (from seed i): 1 if acknowledged, 0 if refused with
 * "push again" (compaction made room), -1 if refused as full.
 */
static int push_branch(int i, struct store_oid *oid)
{
	struct buf b = {0}, pack = {0};
	uint8_t *data = malloc(FILL_BYTES);
	uint32_t x = 2463534242u ^ (uint32_t)i;
	char ref[32], ok[48];

	for (size_t k = 0; k < FILL_BYTES; k++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
		data[k] = (uint8_t)x;
	}
	snprintf(ref, sizeof(ref), "refs/heads/f-%d", i);
	add_file_commit_pack(&pack, &c3, data, FILL_BYTES, oid);
	add_cmd(&b, &zero, oid, ref, CAPS);
	add_flush(&b);
	add(&b, pack.p, pack.len);
	last_pack = pack.len;
	free(pack.p);
	free(data);
	push(&b);
	snprintf(ok, sizeof(ok), "ok %s\n", ref);
	if (strstr(ans.report, ok))
		return 1;
	assert_null(strstr(ans.report, "\nok "));
	assert_int_equal(store_ref_get(st, ref, &(struct store_oid){{0}}), -ENOENT);
	if (strstr(ans.report, "compaction made room"))
		return 0;
	return -1;
}

/*
 * Fill the store with pushes until one is refused as full (N acknowledged,
 * the N+1st refused): a clear reason, with the numbers, in the report and
 * on side-band 2; nothing acknowledged lost, reads go on, a reopen finds
 * the same. Then a push deleting three branches is taken (the store kept
 * room for it), and compaction gets their space back: the refused push
 * goes through, at once or after one "push again".
 */
static void full_store(bool without_length)
{
	struct store_oid oids[64], oid;
	struct store_stats s;
	struct buf b = {0};
	char ng[64];
	int n = 0, r;

	chunked = without_length;
	while (n < 64 && (r = push_branch(n, &oids[n])) >= 0) {
		/* "Push again": then it goes through or the store is full. */
		if (r == 0 && (r = push_branch(n, &oids[n])) == 0)
			fail_msg("push %d: \"push again\" twice: %s", n, ans.report);
		if (r < 0)
			break;
		n++;
	}
	assert_true(n >= 8 && n < 64);
	assert_non_null(strstr(ans.report, "unpack the store is full: "));
	snprintf(ng, sizeof(ng), "\nng refs/heads/f-%d unpacker error\n", n);
	assert_non_null(strstr(ans.report, ng));
	assert_non_null(strstr(ans.progress, "the store is full: "));
	assert_non_null(strstr(ans.progress, "delete what is no longer needed and push again"));
	/* It did not fit: less room than it needs, its own ref record included. */
	store_stats(st, &s);
	assert_true(s.log_size - s.log_used < last_pack + last_pack / 4 + 4096);
	for (int i = 0; i < n; i++) {
		char ref[32];
		snprintf(ref, sizeof(ref), "refs/heads/f-%d", i);
		ref_is(ref, &oids[i]);
	}
	fixture_read_is(st, "refs/heads/main", "index.html", "three\n");
	assert_int_equal(store_fsck(st, NULL, NULL), 0);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, true), 0);
	ref_is("refs/heads/f-0", &oids[0]);
	ref_is("refs/heads/main", &c3);

	add_cmd(&b, &oids[0], &zero, "refs/heads/f-0", CAPS " delete-refs");
	add_cmd(&b, &oids[1], &zero, "refs/heads/f-1", NULL);
	add_cmd(&b, &oids[2], &zero, "refs/heads/f-2", NULL);
	add_flush(&b);
	push(&b);
	assert_string_equal(ans.report, "unpack ok\nok refs/heads/f-0\nok refs/heads/f-1\n"
	                                "ok refs/heads/f-2\n");
	if ((r = push_branch(n, &oid)) == 0)
		r = push_branch(n, &oid);
	assert_int_equal(r, 1);
	assert_int_equal(store_fsck(st, NULL, NULL), 0);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, true), 0);
	snprintf(ng, sizeof(ng), "refs/heads/f-%d", n);
	ref_is(ng, &oid);
	ref_is("refs/heads/f-3", &oids[3]);
	chunked = false;
}

static int setup_small(void **state)
{
	(void)state;
	return setup_size(DEV_SMALL);
}

static void test_full_store_length_known(void **state)
{
	(void)state;
	full_store(false);
}

static void test_full_store_chunked(void **state)
{
	(void)state;
	full_store(true);
}

/*
 * A push whose new objects would take the store's index past
 * STORE_MAX_OBJECTS is refused with the counts, and compaction runs as for
 * a full store: objects no ref reaches (here fake ones, listed in the log
 * and in nothing's history) are dropped, and the same push again is taken.
 */
static void test_too_many_objects(void **state)
{
	struct store_stats s;
	struct store_oid oid;
	char why[160];
	(void)state;
	/* One short of the limit, with main's and dev's objects. */
	store_stats(st, &s);
	fixture_fake_objects(st, 0, STORE_MAX_OBJECTS - 1 - s.objects);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, false), 0);
	store_stats(st, &s);
	assert_int_equal(s.objects, STORE_MAX_OBJECTS - 1);
	/* A commit, its tree and its blob: more than the index has room for. */
	assert_int_equal(push_branch(0, &oid), -1);
	assert_non_null(strstr(ans.report, "unpack the store's index was full; compaction left "));
	snprintf(why, sizeof(why), " objects of the %u it keeps in memory: push again\n",
	         STORE_MAX_OBJECTS);
	assert_non_null(strstr(ans.report, why));
	assert_non_null(strstr(ans.report, "\nng refs/heads/f-0 unpacker error\n"));
	store_stats(st, &s);
	assert_true(s.objects < 64);
	assert_int_equal(push_branch(0, &oid), 1);
	ref_is("refs/heads/f-0", &oid);
	ref_is("refs/heads/main", &c3);
	ref_is("refs/heads/dev", &d1);
	assert_int_equal(store_fsck(st, NULL, NULL), 0);
}

/* A push of c3 as refs/heads/big whose pack is a header announcing `count` objects, and 20 bytes.
 */
static void push_announcing(uint32_t count)
{
	uint8_t pack[STORE_PACK_HDR + 20] = {'P', 'A', 'C', 'K', 0, 0, 0, 2};
	struct buf b = {0};

	for (int i = 0; i < 4; i++)
		pack[8 + i] = (uint8_t)(count >> (24 - 8 * i));
	add_cmd(&b, &zero, &c3, "refs/heads/big", CAPS);
	add_flush(&b);
	add(&b, pack, sizeof(pack));
	push(&b);
}

/*
 * One push indexes at most STORE_IMPORT_MAX_OBJECTS objects in memory: a
 * pack announcing one more is refused at its header, with the numbers and
 * what to do, before any entry costs memory; one announcing exactly that
 * many passes the count (this one then lacks its objects).
 */
static void test_pack_object_limit(void **state)
{
	char why[256];
	struct store_oid oid;

	(void)state;
	push_announcing(STORE_IMPORT_MAX_OBJECTS + 1);
	snprintf(why, sizeof(why),
	         "unpack the pack has %u objects; the store takes at most %u in one push: push in "
	         "parts (an older commit first, then the rest)\n"
	         "ng refs/heads/big unpacker error\n",
	         STORE_IMPORT_MAX_OBJECTS + 1, STORE_IMPORT_MAX_OBJECTS);
	assert_string_equal(ans.report, why);
	assert_non_null(strstr(ans.progress, "push in parts"));
	push_announcing(STORE_IMPORT_MAX_OBJECTS);
	assert_string_equal(ans.report, "unpack the pack holds fewer objects than its header says\n"
	                                "ng refs/heads/big unpacker error\n");
	assert_int_equal(store_ref_get(st, "refs/heads/big", &oid), -ENOENT);
	/* More than the store's whole index: the same answer, not compaction's. */
	push_announcing(STORE_MAX_OBJECTS + 1);
	assert_non_null(strstr(ans.report, "unpack the pack has 524289 objects; "));
}

static int setup_large(void **state)
{
	(void)state;
	return setup_size(40u << 20); /* two regions of the fakes' 12 MiB index */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_veto_refuses_with_its_message, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_veto_of_other_refs_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_veto_direct_update, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ref_update_out_of_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_busy_store_said, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_name_out_of_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_veto_read_failure_is_storage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_veto_out_of_memory_is_no_refusal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_atomic_all_or_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_atomic_vetoed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_atomic_applies_the_good, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_site_branch_only_forward, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_site_branch_follows_head, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_site_branch_not_deleted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_push_never_moves_symrefs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_push_to_symref_says_so, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_secret_objects_not_pushable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_secret_content_sent_is_fine, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_private_part_moves_mid_push, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_failure_said, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_failure_honest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_error_said, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_errors_said_as_storage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_failure_honest_atomic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tree_depth_said, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_command_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_names_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_store_length_known, setup_small, teardown),
	    cmocka_unit_test_setup_teardown(test_full_store_chunked, setup_small, teardown),
	    cmocka_unit_test_setup_teardown(test_too_many_objects, setup_large, teardown),
	    cmocka_unit_test_setup_teardown(test_pack_object_limit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
