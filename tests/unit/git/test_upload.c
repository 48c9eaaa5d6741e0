/*
 * git/upload.c over a store in memory, at its limits: GIT_UPLOAD_MAX_WANTS
 * wants are answered and one more is refused whole; a shallow line the
 * client repeats a hundred times is one boundary.
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
#include "git/upload.h"
#include "memblk.h"
#include "store.h"

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

/* The v0 answer to `req`, NUL-terminated (the pack's bytes may hold NULs too). */
static char *answer(const struct buf *req)
{
	struct git_upload *u;
	struct buf out = {0};
	uint8_t piece[4096];
	long n;

	assert_int_equal(git_upload_new(st, 0, &u), 0);
	git_upload_feed(u, req->p, req->len);
	git_upload_finish(u);
	while ((n = git_upload_read(u, piece, sizeof(piece))) > 0 || n == -EAGAIN)
		if (n > 0)
			assert_int_equal(buf_sink(&out, piece, (size_t)n), 0);
	assert_int_equal(n, 0);
	git_upload_free(u);
	assert_int_equal(buf_sink(&out, "", 1), 0);
	return (char *)out.p;
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
	add_text(&req, "000cdeepen 30000");
	a = answer(&req);
	store_oid_hex(&c2, hex);
	snprintf(line, sizeof(line), "unshallow %s\n", hex);
	assert_int_equal(count(a, line), 1);
	/* c1 has no parent: no new boundary, so no "shallow" line but within "unshallow". */
	assert_int_equal(count(a, "shallow "), count(a, "unshallow "));
	free(a);
	free(req.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_want_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_repeated_shallow_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
