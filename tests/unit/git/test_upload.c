/*
 * git/upload.c over a store in memory, at its limits: GIT_UPLOAD_MAX_WANTS
 * wants are answered and one more is refused whole; a shallow line the
 * client repeats a hundred times is one boundary; a shallow line naming a
 * commit of refs/appliance/ deepens nothing; haves repeated or past
 * readiness add nothing to the answer held until the request ends;
 * without multi_ack the one ACK is the first have in common; a
 * symbolic ref into refs/appliance/ found in the log leaks nothing; what
 * only refs/appliance/ reaches is refused however it is asked for.
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
#include "git/refs.h"
#include "git/upload.h"
#include "memblk.h"
#include "store.h"
#include "store_int.h"

#define DEV_SIZE (4u << 20)

static struct store *st;
/* refs/heads/main: c1 <- c2 <- c3. */
static struct store_oid c1, c2, c3;

static int setup(void **state)
{
	(void)state;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "index.html", "one\n", &c1), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "index.html", "two\n", &c2), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "index.html", "three\n", &c3), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(store_close(st), 0);
	memblk_free();
	return 0;
}

/* A text pkt-line naming `oid` after `keyword`. */
static void add_line(struct buf *b, const char *keyword, const struct store_oid *oid)
{
	char hex[STORE_OID_HEX], line[128];
	int n;

	store_oid_hex(oid, hex);
	n = snprintf(line, sizeof(line), "%04x%s %s\n", (unsigned)(strlen(keyword) + 46), keyword,
	             hex);
	assert_int_equal(buf_sink(b, line, (size_t)n), 0);
}

static void add_text(struct buf *b, const char *text)
{
	assert_int_equal(buf_sink(b, text, strlen(text)), 0);
}

/* The answer to `req` in protocol `version`, NUL-terminated (the pack may hold NULs too); its
 * length in *len. */
static char *answer_version(int version, const struct buf *req, size_t *len)
{
	struct git_upload *u;
	struct buf out = {0};
	uint8_t piece[4096];
	long n;

	assert_int_equal(git_upload_new(st, version, &u), 0);
	git_upload_feed(u, req->p, req->len);
	git_upload_finish(u);
	while ((n = git_upload_read(u, piece, sizeof(piece))) > 0 || n == -EAGAIN)
		if (n > 0)
			assert_int_equal(buf_sink(&out, piece, (size_t)n), 0);
	assert_int_equal(n, 0);
	git_upload_free(u);
	*len = out.len;
	assert_int_equal(buf_sink(&out, "", 1), 0);
	return (char *)out.p;
}

/* The v0 answer to `req`. */
static char *answer_len(const struct buf *req, size_t *len)
{
	return answer_version(0, req, len);
}

static char *answer(const struct buf *req)
{
	size_t len;

	return answer_len(req, &len);
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	return n;
}

/* GIT_UPLOAD_MAX_WANTS wants (of one commit) are answered; one more refuses the request. */
static void test_want_limit(void **state)
{
	struct buf req = {0};
	char *a;

	(void)state;
	for (int i = 0; i < GIT_UPLOAD_MAX_WANTS; i++)
		add_line(&req, "want", &c3);
	add_text(&req, "00000009done\n");
	a = answer(&req);
	assert_null(strstr(a, "ERR"));
	assert_non_null(strstr(a, "0008NAK\n"));
	free(a);
	free(req.p);

	memset(&req, 0, sizeof(req));
	for (int i = 0; i <= GIT_UPLOAD_MAX_WANTS; i++)
		add_line(&req, "want", &c3);
	add_text(&req, "00000009done\n");
	a = answer(&req);
	assert_non_null(strstr(a, "ERR upload-pack: more than 8192 wants\n"));
	assert_null(strstr(a, "PACK"));
	free(a);
	free(req.p);
}

/* A shallow line sent many times is one boundary: deepening past it unshallows it once. */
static void test_repeated_shallow_once(void **state)
{
	struct buf req = {0};
	char hex[STORE_OID_HEX], line[64];
	char *a;

	(void)state;
	add_line(&req, "want", &c3);
	for (int i = 0; i < 100; i++)
		add_line(&req, "shallow", &c2);
	add_text(&req, "0010deepen 30000"
	               "0000"); /* and a flush */
	a = answer(&req);
	store_oid_hex(&c2, hex);
	snprintf(line, sizeof(line), "unshallow %s\n", hex);
	assert_int_equal(count(a, line), 1);
	/* c1 has no parent: no new boundary, so no "shallow" line but within "unshallow". */
	assert_int_equal(count(a, "shallow "), count(a, "unshallow "));
	free(a);
	free(req.p);

	/*
	 * A depth of 2^32 + 1 is as deep as there is: in the guest's 32-bit
	 * unsigned long it wrapped to 1, which unshallows nothing.
	 */
	memset(&req, 0, sizeof(req));
	add_line(&req, "want", &c3);
	add_line(&req, "shallow", &c2);
	add_text(&req, "0015deepen 4294967297"
	               "0000");
	a = answer(&req);
	assert_int_equal(count(a, line), 1);
	free(a);
	free(req.p);
}

/* The objects the PACK in an answer of `len` bytes announces (-1: none). */
static long pack_count(const uint8_t *a, size_t len)
{
	for (size_t i = 0; i + 12 <= len; i++)
		if (!memcmp(a + i, "PACK", 4))
			return (long)a[i + 8] << 24 | a[i + 9] << 16 | a[i + 10] << 8 | a[i + 11];
	return -1;
}

/* A v0 request for c3 with deepen-relative, the client's boundary at `shallow`, deepened by 1. */
static char *deepen_relative(const struct store_oid *shallow, size_t *len)
{
	struct buf req = {0};
	char hex[STORE_OID_HEX], line[128];
	char *a;
	int n;

	store_oid_hex(&c3, hex);
	n = snprintf(line, sizeof(line), "%04xwant %s deepen-relative\n", 4 + 46 + 16, hex);
	assert_int_equal(buf_sink(&req, line, (size_t)n), 0);
	add_line(&req, "shallow", shallow);
	add_text(&req, "000ddeepen 1\n00000009done\n");
	a = answer_len(&req, len);
	free(req.p);
	return a;
}

/*
 * A boundary at the commit only an annotated tag names (refs/tags/v1, on
 * x2 of refs/appliance/x: x1 <- x2) is the tag's, so public: it deepens.
 */
static void test_deepen_relative_tag(void **state)
{
	struct store_oid x1, x2, tag;
	struct store_ref_update v1 = {"refs/tags/v1", {{0}}, {{0}}};
	char hex[STORE_OID_HEX], line[64];
	char *a;
	size_t len;

	(void)state;
	assert_int_equal(fixture_commit(st, "refs/appliance/x", "site/a.txt", "a\n", &x1), 0);
	assert_int_equal(fixture_commit(st, "refs/appliance/x", "site/a.txt", "b\n", &x2), 0);
	fixture_tag(st, &x2, STORE_OBJ_COMMIT, "v1", &tag);
	v1.new = tag;
	assert_int_equal(store_refs_update(st, &v1, 1), 0);
	a = deepen_relative(&x2, &len);
	store_oid_hex(&x2, hex);
	snprintf(line, sizeof(line), "unshallow %s\n", hex);
	assert_int_equal(count(a, line), 1);
	free(a);
}

/*
 * deepen-relative deepens from the client's boundary: only where that
 * boundary is reachable from a branch or tag, as git's get_reachable_list.
 * A shallow line naming a commit only refs/appliance/secrets reaches
 * must not unshallow it and send its parent, with the tree and blob of
 * an earlier secret. A boundary on main still deepens.
 */
static void test_deepen_relative_secret(void **state)
{
	struct store_oid s1, s2;
	char hex[STORE_OID_HEX], line[64];
	char *a;
	size_t len;

	(void)state;
	a = deepen_relative(&c2, &len);
	store_oid_hex(&c2, hex);
	snprintf(line, sizeof(line), "unshallow %s\n", hex);
	assert_int_equal(count(a, line), 1);
	free(a);

	assert_int_equal(fixture_commit(st, "refs/appliance/secrets", "password", "hunter2\n", &s1),
	                 0);
	assert_int_equal(fixture_commit(st, "refs/appliance/secrets", "password", "hunter3\n", &s2),
	                 0);
	a = deepen_relative(&s2, &len);
	store_oid_hex(&s1, hex);
	/* c3's history: three commits, three trees, three blobs; nothing of s1. */
	assert_int_equal(pack_count((const uint8_t *)a, len), 9);
	assert_null(strstr(a, hex));
	assert_int_equal(count(a, "unshallow "), 0);
	free(a);
}

/*
 * The answer is held until the request ends, so its acknowledgments are
 * bounded by the haves in common (upload.h), not by the haves sent: a
 * have repeated is acknowledged once, and "ready" is said once. 50,000
 * copies of a common have and 50,000 unknown haves after it (5 MB of
 * request) get three ACK lines: common, ready, and done's.
 */
static void test_haves_bounded(void **state)
{
	struct buf req = {0};
	char hex[STORE_OID_HEX], line[128];
	struct store_oid unknown = {{0}};
	char *a;
	size_t len;
	int n;

	(void)state;
	store_oid_hex(&c3, hex);
	n = snprintf(line, sizeof(line), "%04xwant %s multi_ack_detailed\n", 4 + 46 + 19, hex);
	assert_int_equal(buf_sink(&req, line, (size_t)n), 0);
	add_text(&req, "0000");
	for (int i = 0; i < 50000; i++)
		add_line(&req, "have", &c3);
	for (uint32_t i = 0; i < 50000; i++) {
		memcpy(unknown.b, &i, sizeof(i));
		add_line(&req, "have", &unknown);
	}
	add_text(&req, "0009done\n");
	a = answer_len(&req, &len);
	assert_int_equal(count(a, "ACK "), 3);
	assert_int_equal(count(a, " common\n"), 1);
	assert_int_equal(count(a, " ready\n"), 1);
	/* The client has c3: the pack is empty. */
	assert_int_equal(pack_count((const uint8_t *)a, len), 0);
	free(a);
	free(req.p);
}

/*
 * A symbolic ref that points into refs/appliance/, on the device though
 * no write makes one (written by hand here, as a damaged or forged log
 * would hold it): HEAD -> refs/appliance/secrets and refs/heads/peek ->
 * refs/appliance/secrets. Neither resolves: the v0 advertisement and v2's
 * ls-refs (symrefs, peel, unborn) name neither the secret commit nor
 * refs/appliance/, and a want of the commit is refused in v0 and v2.
 */
static void forge_symref(const char *name, const char *target)
{
	struct store_ref r = {.name = (char *)name, .sym = (char *)target};

	assert_int_equal(store_refs_write(st, STORE_LOG_REFS, &r, 1, false), 0);
	assert_int_equal(store_log_flush(&st->log), 0);
}

static void test_symref_into_secrets(void **state)
{
	struct store_oid s1, got;
	struct buf req = {0};
	char hex[STORE_OID_HEX], line[128];
	uint8_t *adv;
	size_t len;
	char *a;
	int n;

	(void)state;
	assert_int_equal(fixture_commit(st, "refs/appliance/secrets", "password", "hunter2\n", &s1),
	                 0);
	store_oid_hex(&s1, hex);
	forge_symref("HEAD", "refs/appliance/secrets");
	forge_symref("refs/heads/peek", "refs/appliance/secrets");
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, false), 0);

	assert_int_equal(store_ref_get(st, "HEAD", &got), -ENOENT);
	assert_int_equal(store_ref_get(st, "refs/heads/peek", &got), -ENOENT);

	assert_int_equal(git_advertise(st, "git-upload-pack", "side-band-64k", &adv, &len), 0);
	assert_int_equal(buf_sink(&req, adv, len), 0);
	assert_int_equal(buf_sink(&req, "", 1), 0);
	assert_null(strstr((char *)req.p, hex));
	assert_null(strstr((char *)req.p, "peek"));
	free(adv);
	free(req.p);

	memset(&req, 0, sizeof(req));
	add_text(&req, "0014command=ls-refs\n00010009peel\n000csymrefs\n000bunborn\n0000");
	a = answer_version(2, &req, &len);
	assert_null(strstr(a, hex));
	assert_null(strstr(a, "refs/appliance"));
	assert_null(strstr(a, "peek"));
	assert_non_null(strstr(a, " refs/heads/main\n"));
	free(a);
	free(req.p);

	memset(&req, 0, sizeof(req));
	add_line(&req, "want", &s1);
	add_text(&req, "00000009done\n");
	a = answer_len(&req, &len);
	assert_non_null(strstr(a, "ERR upload-pack: not our ref"));
	assert_null(strstr(a, "PACK"));
	free(a);
	free(req.p);

	memset(&req, 0, sizeof(req));
	add_text(&req, "0012command=fetch\n0001");
	n = snprintf(line, sizeof(line), "0032want %s\n0009done\n0000", hex);
	assert_int_equal(buf_sink(&req, line, (size_t)n), 0);
	a = answer_version(2, &req, &len);
	assert_non_null(strstr(a, "ERR upload-pack: not our ref"));
	assert_null(strstr(a, "PACK"));
	free(a);
	free(req.p);
}

/* A pkt-line of the text `fmt` makes. */
static void add_pkt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_pkt(struct buf *b, const char *fmt, ...)
{
	char text[256], len[5];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && n < (int)sizeof(text));
	snprintf(len, sizeof(len), "%04x", (unsigned)n + 4);
	assert_int_equal(buf_sink(b, len, 4), 0);
	assert_int_equal(buf_sink(b, text, (size_t)n), 0);
}

/*
 * v0 without multi_ack (gitprotocol-pack, git's upload-pack): the first have
 * in common is acknowledged once, and after done nothing more is said
 * before the pack (no second ACK, no NAK). Here without side-band: the
 * ACK line, then the pack's bytes.
 */
static void test_single_ack(void **state)
{
	struct buf req = {0};
	char hex[STORE_OID_HEX];
	char *a;
	size_t len;

	(void)state;
	store_oid_hex(&c3, hex);
	add_pkt(&req, "want %s ofs-delta\n", hex);
	add_text(&req, "0000");
	add_line(&req, "have", &c2);
	add_line(&req, "have", &c1);
	add_text(&req, "0009done\n");
	a = answer_len(&req, &len);
	store_oid_hex(&c2, hex);
	assert_true(len > 49 + 4);
	assert_memory_equal(a, "0031ACK ", 8);
	assert_memory_equal(a + 8, hex, 40);
	assert_memory_equal(a + 48, "\nPACK", 5);
	/* c3, its tree and its blob. */
	assert_int_equal(pack_count((const uint8_t *)a, len), 3);
	free(a);
	free(req.p);
}

/* The answer to `req` (freed here) in `version` is an ERR line and no pack. */
static void refused(int version, struct buf *req)
{
	size_t len;
	char *a = answer_version(version, req, &len);

	assert_non_null(strstr(a, "ERR upload-pack: "));
	assert_int_equal(pack_count((const uint8_t *)a, len), -1);
	free(a);
	free(req->p);
	memset(req, 0, sizeof(*req));
}

/*
 * The store failing under a fetch, as the wants are checked against its
 * refs (store_refs_each wrapped): an ERR that says what failed, a read as
 * a read and memory as memory, in v2 in place of what was written of the
 * answer (v2 ended with its acknowledgments and no pack, v0 said "out of
 * memory" for either). With the store back, the same request gets its pack.
 */
static int refs_each_fails; /* what store_refs_each gives instead of listing; 0: it lists */
int __real_store_refs_each(struct store *st,
                           int (*fn)(void *ctx, const char *name, const struct store_oid *oid),
                           void *ctx);
int __wrap_store_refs_each(struct store *st,
                           int (*fn)(void *ctx, const char *name, const struct store_oid *oid),
                           void *ctx);
int __wrap_store_refs_each(struct store *st,
                           int (*fn)(void *ctx, const char *name, const struct store_oid *oid),
                           void *ctx)
{
	return refs_each_fails ? refs_each_fails : __real_store_refs_each(st, fn, ctx);
}

static void fetch_request(int version, struct buf *req)
{
	char hex[STORE_OID_HEX];

	store_oid_hex(&c3, hex);
	if (version == 2) {
		add_text(req, "0012command=fetch\n0001");
		add_pkt(req, "want %s\n", hex);
		add_text(req, "0009done\n0000");
	} else {
		add_pkt(req, "want %s side-band-64k\n", hex);
		add_text(req, "00000009done\n");
	}
}

static void test_store_failure_said(void **state)
{
	static const struct {
		int version, err;
		const char *said;
	} cases[] = {
	    {2, -EIO,
	     "ERR upload-pack: the store could not read an object: its device failed, "
	     "or the data there is damaged\n"},
	    {2, -ENOMEM, "ERR upload-pack: out of memory\n"},
	    {0, -EIO,
	     "ERR upload-pack: the store could not read an object: its device failed, "
	     "or the data there is damaged\n"},
	};
	struct buf req = {0};
	size_t len;
	char *a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fetch_request(cases[i].version, &req);
		refs_each_fails = cases[i].err;
		a = answer_version(cases[i].version, &req, &len);
		refs_each_fails = 0;
		assert_true(len > 4); /* v2 had nothing past its acknowledgments */
		assert_string_equal(a + 4, cases[i].said);
		free(a);
		a = answer_version(cases[i].version, &req, &len);
		assert_int_equal(pack_count((const uint8_t *)a, len), 3 * 3);
		free(a);
		free(req.p);
		memset(&req, 0, sizeof(req));
	}
}

/*
 * What only refs/appliance/secrets reaches, asked for every way a reader
 * may ask without credentials: its commit, tree or blob by id in v0 and
 * v2 (alone, or beside a want of main: refused whole), want-ref, a filter
 * and deepen-not naming it; ls-refs with its prefix lists nothing.
 */
static void test_secret_objects_refused(void **state)
{
	struct store_oid s, tree, blob;
	char hs[STORE_OID_HEX], ht[STORE_OID_HEX], hb[STORE_OID_HEX], hc[STORE_OID_HEX];
	const char *secret[] = {hs, ht, hb};
	uint32_t mode;
	struct buf req = {0};
	size_t len;
	char *a;

	(void)state;
	assert_int_equal(fixture_commit(st, "refs/appliance/secrets", "password", "hunter2\n", &s),
	                 0);
	assert_int_equal(store_ref_tree(st, "refs/appliance/secrets", &tree), 0);
	assert_int_equal(store_tree_lookup(st, &tree, "password", &blob, &mode), 0);
	store_oid_hex(&s, hs);
	store_oid_hex(&tree, ht);
	store_oid_hex(&blob, hb);
	store_oid_hex(&c3, hc);

	for (int i = 0; i < 3; i++) {
		add_pkt(&req, "want %s side-band-64k\n", secret[i]);
		add_text(&req, "00000009done\n");
		refused(0, &req);
		add_pkt(&req, "want %s side-band-64k\n", hc);
		add_pkt(&req, "want %s\n", secret[i]);
		add_text(&req, "00000009done\n");
		refused(0, &req);
		add_text(&req, "0012command=fetch\n0001");
		add_pkt(&req, "want %s\n", secret[i]);
		add_text(&req, "0009done\n0000");
		refused(2, &req);
	}
	add_text(&req, "0012command=fetch\n0001");
	add_pkt(&req, "want-ref refs/appliance/secrets\n");
	add_text(&req, "0009done\n0000");
	refused(2, &req);
	add_text(&req, "0012command=fetch\n0001");
	add_pkt(&req, "want %s\n", hc);
	add_pkt(&req, "filter blob:none\n");
	add_text(&req, "0009done\n0000");
	refused(2, &req);
	add_text(&req, "0012command=fetch\n0001");
	add_pkt(&req, "want %s\n", hc);
	add_pkt(&req, "deepen-not refs/appliance/secrets\n");
	add_text(&req, "0009done\n0000");
	refused(2, &req);

	add_text(&req, "0014command=ls-refs\n0001");
	add_pkt(&req, "symrefs\n");
	add_pkt(&req, "ref-prefix refs/appliance/\n");
	add_text(&req, "0000");
	a = answer_version(2, &req, &len);
	assert_string_equal(a, "0000");
	free(a);
	free(req.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_want_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_repeated_shallow_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deepen_relative_secret, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deepen_relative_tag, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_haves_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_single_ack, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symref_into_secrets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_secret_objects_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_failure_said, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
