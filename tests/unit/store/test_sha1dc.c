/*
 * Object ids with collision detection (store/sha1.h, SHA-1DC).
 *
 * Git's own test of SHA-1DC (t/t0013) hashes the first SHAttered PDF as a
 * file, and the detector must fire; here too, in any pieces. As the
 * content of a blob the same bytes are no attack: the "blob <len>\0" the
 * id hashes first leaves the collision blocks on a chaining value they
 * were not computed for, so git names that blob (git hash-object does) and
 * so does the store. No public SHA-1 collision is a Git object, so the
 * refusal of an incoming object is tested by forcing the detector's
 * verdict for one chosen id: the link wraps sha1dc's SHA1DCFinal
 * (store/module.mk). Each path that names an object (a blob streamed in,
 * a whole tree or tag, a blob made from a delta, store_put_objects) then
 * fails with -EILSEQ and leaves the store as it was.
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

#include "fixture.h"
#include "memblk.h"
#include "delta.h"
#include "pack.h"
#include "sha1.h"
#include "store.h"

#define DEV_SIZE (16u << 20)

/* The PDF's plain SHA-1, the one its twin shattered-2.pdf shares. */
#define SHATTERED_SHA1 "38762cf7f55934b34d179ae6a4c80cadccbb7f0a"
/* The PDF's two collision blocks end here (the detector fires on the second). */
#define SHATTERED_BLOCKS_END 320

/* ---- the detector's verdict, forced for one id ---- */

int __real_SHA1DCFinal(unsigned char out[20], void *ctx);
int __wrap_SHA1DCFinal(unsigned char out[20], void *ctx);

static bool forcing;
static struct store_oid forced;

int __wrap_SHA1DCFinal(unsigned char out[20], void *ctx)
{
	int r = __real_SHA1DCFinal(out, ctx);

	return r || (forcing && !memcmp(out, forced.b, STORE_OID_LEN));
}

static void force_collision(const struct store_oid *oid)
{
	forcing = oid != NULL;
	if (oid)
		forced = *oid;
}

/* ---- test data ---- */

static uint8_t *pdf;
static size_t pdf_len;

static int read_pdf(void **state)
{
	FILE *f = fopen(SHATTERED_PDF, "rb");
	(void)state;
	if (!f) {
		fprintf(stderr, "cannot open %s (make unpacks git's source)\n", SHATTERED_PDF);
		return -1;
	}
	pdf = malloc(1u << 20);
	pdf_len = fread(pdf, 1, 1u << 20, f);
	fclose(f);
	return pdf_len == 422435 ? 0 : -1;
}

static int free_pdf(void **state)
{
	(void)state;
	free(pdf);
	return 0;
}

static void hex_is(const uint8_t *b, const char *want)
{
	struct store_oid oid;
	char hex[STORE_OID_HEX];

	memcpy(oid.b, b, STORE_OID_LEN);
	store_oid_hex(&oid, hex);
	assert_string_equal(hex, want);
}

/* Text that compresses somewhat; its ids below were computed from the same recurrence. */
static size_t big_text(uint8_t *out)
{
	uint32_t x = 1;
	size_t n = 0;

	for (int i = 0; i < 200000; i++) {
		x = (x * 1103515245u + 12345u) & 0x7fffffffu;
		out[n++] = (uint8_t)('a' + (x >> 16) % 26);
		if (i % 61 == 60)
			out[n++] = '\n';
	}
	return n;
}

/*
 * The objects of one ordinary pack, with the ids git gives them (git
 * hash-object, git mktree; the commit and tag are the texts below).
 */
enum { HELLO, EMPTY, TREE, COMMIT, TAG, BIG, BIG2, PDF, NOBJ };

struct obj {
	int type;
	uint8_t *data;
	size_t len;
	const char *id;
	struct store_oid oid;
};

static struct obj objs[NOBJ];

static void set_obj(int i, int type, const void *data, size_t len, const char *id)
{
	objs[i].type = type;
	objs[i].data = malloc(len + 1);
	memcpy(objs[i].data, data, len);
	objs[i].len = len;
	objs[i].id = id;
	assert_int_equal(store_oid_from_hex(id, &objs[i].oid), 0);
}

static void make_objs(void)
{
	static const char commit[] = "tree aaa96ced2d9a1c8e72c56b253a0e2fe78393feb7\n"
	                             "author " FIXTURE_AUTHOR "\n"
	                             "committer " FIXTURE_AUTHOR "\n\nfirst\n";
	static const char tag[] = "object c4f60b5fc42bec5f4f267ab1fac859ec1d9ca0d2\n"
	                          "type commit\ntag v1\ntagger " FIXTURE_AUTHOR "\n\nrelease v1\n";
	uint8_t tree[37], *big = malloc(210000);
	size_t n = big_text(big + 7);

	memcpy(tree, "100644 hello.txt", 17);
	assert_int_equal(store_oid_from_hex("ce013625030ba8dba906f756967f9e9ca394464a",
	                                    (struct store_oid *)(tree + 17)),
	                 0);
	set_obj(HELLO, STORE_OBJ_BLOB, "hello\n", 6, "ce013625030ba8dba906f756967f9e9ca394464a");
	set_obj(EMPTY, STORE_OBJ_BLOB, "", 0, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
	set_obj(TREE, STORE_OBJ_TREE, tree, sizeof(tree),
	        "aaa96ced2d9a1c8e72c56b253a0e2fe78393feb7");
	set_obj(COMMIT, STORE_OBJ_COMMIT, commit, strlen(commit),
	        "c4f60b5fc42bec5f4f267ab1fac859ec1d9ca0d2");
	set_obj(TAG, STORE_OBJ_TAG, tag, strlen(tag), "c33d4fd71ee3d00b67e7d2165f900696d58d97bb");
	set_obj(BIG, STORE_OBJ_BLOB, big + 7, n, "6e22f17cdf01b3f02ce095f8c491ba4bd92ffd98");
	memcpy(big, "edited\n", 7);
	set_obj(BIG2, STORE_OBJ_BLOB, big, n + 7, "14dd01e1c7c9efb91b2fff409a45ac838155b788");
	set_obj(PDF, STORE_OBJ_BLOB, pdf, pdf_len, "ba9aaa145ccd24ef760cf31c74d8f7ca1a2e47b0");
	free(big);
}

static void free_objs(void)
{
	for (int i = 0; i < NOBJ; i++)
		free(objs[i].data);
}

/* All of objs in one pack, BIG2 as an ofs-delta on BIG (resolved by pack.c, not pass 1). */
static void objs_pack(struct buf *b)
{
	struct store_packw w;
	uint64_t off, big_off = 0;
	uint8_t *d;
	size_t dlen;

	memset(b, 0, sizeof(*b));
	assert_int_equal(store_packw_begin(&w, buf_sink, b, NOBJ), 0);
	for (int i = 0; i < NOBJ; i++) {
		const struct obj *o = &objs[i];
		if (i == BIG2) {
			assert_int_equal(store_delta_create(objs[BIG].data, objs[BIG].len, o->data,
			                                    o->len, o->len, &d, &dlen),
			                 0);
			assert_int_equal(store_packw_ofs_delta(&w, big_off, d, dlen, NULL), 0);
			free(d);
			continue;
		}
		assert_int_equal(store_packw_object(&w, o->type, o->data, o->len, &off), 0);
		if (i == BIG)
			big_off = off;
	}
	assert_int_equal(store_packw_end(&w, NULL), 0);
}

/* Stream a pack in pieces of `piece`; the result of store_import_end. */
static int stream(struct store *st, const struct buf *b, size_t piece, uint32_t *n_new)
{
	struct store_import *imp;
	int r = store_import_begin(st, b->len, &imp);

	for (size_t off = 0; !r && off < b->len; off += piece)
		r = store_import_write(imp, b->p + off,
		                       b->len - off < piece ? b->len - off : piece);
	if (r) {
		store_import_abort(imp);
		return r;
	}
	return store_import_end(imp, n_new);
}

/* ---- hashing ---- */

/* FIPS 180-4's examples and odd pieces: the two SHA-1s agree where there is no attack. */
static void test_digests_agree(void **state)
{
	static const char *const msgs[] = {
	    "", "abc", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"};
	uint8_t plain[20], dc[20], m[1000];
	struct store_sha1dc c;
	(void)state;
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		store_sha1(msgs[i], strlen(msgs[i]), plain);
		assert_int_equal(store_sha1dc(msgs[i], strlen(msgs[i]), dc), 0);
		assert_memory_equal(plain, dc, 20);
	}
	store_sha1("abc", 3, plain);
	hex_is(plain, "a9993e364706816aba3e25717850c26c9cd0d89d");
	for (size_t i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(i * 7 + i / 13);
	for (size_t len = 0; len <= sizeof(m); len += 37) {
		store_sha1(m, len, plain);
		store_sha1dc_init(&c);
		for (size_t off = 0, piece = 1; off < len; off += piece, piece = piece * 3 % 71 + 1)
			store_sha1dc_update(&c, m + off, len - off < piece ? len - off : piece);
		assert_int_equal(store_sha1dc_final(&c, dc), 0);
		assert_memory_equal(plain, dc, 20);
	}
}

/* t/t0013: the attack's file trips the detector, in any pieces, and only from its blocks on. */
static void test_shattered_file_detected(void **state)
{
	static const size_t pieces[] = {1, 63, 64, 65, 4096};
	uint8_t plain[20], dc[20];
	struct store_sha1dc c;
	(void)state;
	store_sha1(pdf, pdf_len, plain);
	hex_is(plain, SHATTERED_SHA1);
	assert_int_equal(store_sha1dc(pdf, pdf_len, dc), -EILSEQ);
	/* The safe hash, never the colliding id. */
	assert_memory_not_equal(plain, dc, 20);
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		store_sha1dc_init(&c);
		for (size_t off = 0; off < pdf_len; off += pieces[i])
			store_sha1dc_update(&c, pdf + off,
			                    pdf_len - off < pieces[i] ? pdf_len - off : pieces[i]);
		assert_int_equal(store_sha1dc_final(&c, dc), -EILSEQ);
	}
	assert_int_equal(store_sha1dc(pdf, SHATTERED_BLOCKS_END - 64, dc), 0);
	store_sha1(pdf, SHATTERED_BLOCKS_END - 64, plain);
	assert_memory_equal(plain, dc, 20);
	assert_int_equal(store_sha1dc(pdf, SHATTERED_BLOCKS_END, dc), -EILSEQ);
}

/* The same bytes as a blob are no attack: git's id, no alarm. */
static void test_shattered_blob_is_no_collision(void **state)
{
	struct store_oid oid;
	char hex[STORE_OID_HEX];
	(void)state;
	assert_int_equal(store_object_id(STORE_OBJ_BLOB, pdf, pdf_len, &oid), 0);
	store_oid_hex(&oid, hex);
	assert_string_equal(hex, "ba9aaa145ccd24ef760cf31c74d8f7ca1a2e47b0");
}

/* ---- importing ---- */

/* An ordinary pack, in pieces or whole: every object there under git's id, content intact. */
static void test_ordinary_pack_ids(void **state)
{
	static const size_t pieces[] = {13, 4096, 1u << 30};
	struct store_oid oid;
	struct store *st;
	struct buf b;
	uint32_t n_new;
	(void)state;
	make_objs();
	for (int i = 0; i < NOBJ; i++) {
		assert_int_equal(store_object_id(objs[i].type, objs[i].data, objs[i].len, &oid), 0);
		assert_memory_equal(oid.b, objs[i].oid.b, STORE_OID_LEN);
	}
	objs_pack(&b);
	for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
		fixture_device(DEV_SIZE);
		assert_int_equal(store_open(&st, false), 0);
		assert_int_equal(stream(st, &b, pieces[k], &n_new), 0);
		assert_int_equal(n_new, NOBJ);
		for (int i = 0; i < NOBJ; i++) {
			uint8_t *data;
			size_t len;
			int type;
			assert_int_equal(store_get(st, &objs[i].oid, &type, &data, &len), 0);
			assert_int_equal(type, objs[i].type);
			assert_int_equal(len, objs[i].len);
			assert_memory_equal(data, objs[i].data, len);
			free(data);
		}
		assert_int_equal(store_fsck(st, NULL, NULL), 0);
		store_close(st);
	}
	free(b.p);
	free_objs();
}

static void none_visible(struct store *st)
{
	for (int i = 0; i < NOBJ; i++)
		assert_false(store_has(st, &objs[i].oid));
}

/* Refused with -EILSEQ, streamed or whole: the store as it was, now and after a reopen. */
static void refused(const struct buf *b, int victim)
{
	struct store_stats before, after;
	struct store *st;

	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(fixture_commit(st, "refs/heads/main", "index.html", "before", NULL), 0);
	store_stats(st, &before);
	force_collision(&objs[victim].oid);
	assert_int_equal(stream(st, b, 4096, NULL), -EILSEQ);
	assert_int_equal(store_import_pack(st, b->p, b->len, NULL), -EILSEQ);
	force_collision(NULL);
	store_stats(st, &after);
	assert_int_equal(after.objects, before.objects);
	assert_int_equal(after.log_used, before.log_used);
	none_visible(st);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(store_open(&st, true), 0);
	none_visible(st);
	fixture_read_is(st, "HEAD", "index.html", "before");
	assert_int_equal(store_fsck(st, NULL, NULL), 0);
	/* The store goes on: the same pack, no longer suspect, is taken. */
	assert_int_equal(stream(st, b, 4096, NULL), 0);
	assert_true(store_has(st, &objs[victim].oid));
	store_close(st);
}

/* One suspect object refuses its whole pack, whichever path names it. */
static void test_import_refused(void **state)
{
	struct buf b;
	(void)state;
	make_objs();
	objs_pack(&b);
	refused(&b, PDF);  /* a blob, hashed as it streams in (pass 1) */
	refused(&b, TREE); /* a tree, checked and named whole */
	refused(&b, TAG);  /* the pack's last object */
	refused(&b, BIG2); /* a blob made from a delta, when deltas are resolved */
	free(b.p);
	free_objs();
}

/* Objects the store is given (store_put_objects) are named the same way. */
static void test_put_objects_refused(void **state)
{
	struct store_stats before, after;
	struct store_oid oid;
	struct store *st;
	int types[2] = {STORE_OBJ_BLOB, STORE_OBJ_BLOB};
	const uint8_t *data[2];
	size_t lens[2];
	(void)state;
	make_objs();
	data[0] = objs[HELLO].data;
	lens[0] = objs[HELLO].len;
	data[1] = objs[BIG].data;
	lens[1] = objs[BIG].len;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	store_stats(st, &before);
	force_collision(&objs[BIG].oid);
	assert_int_equal(store_object_id(STORE_OBJ_BLOB, data[1], lens[1], &oid), -EILSEQ);
	assert_int_equal(store_put_objects(st, types, data, lens, 2), -EILSEQ);
	force_collision(NULL);
	store_stats(st, &after);
	assert_int_equal(after.objects, before.objects);
	assert_int_equal(after.log_used, before.log_used);
	none_visible(st);
	assert_int_equal(store_put_objects(st, types, data, lens, 2), 0);
	assert_true(store_has(st, &objs[HELLO].oid));
	assert_true(store_has(st, &objs[BIG].oid));
	store_close(st);
	free_objs();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_digests_agree),
	    cmocka_unit_test(test_shattered_file_detected),
	    cmocka_unit_test(test_shattered_blob_is_no_collision),
	    cmocka_unit_test(test_ordinary_pack_ids),
	    cmocka_unit_test(test_import_refused),
	    cmocka_unit_test(test_put_objects_refused),
	};
	int r = cmocka_run_group_tests(tests, read_pdf, free_pdf);

	memblk_free();
	return r;
}
