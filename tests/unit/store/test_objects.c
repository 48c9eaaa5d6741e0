/*
 * Objects, deltas and packs without a device: SHA-1 vectors, Git's object
 * ids and tree order, delta bounds, and packs that must be refused.
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

#include "delta.h"
#include "object.h"
#include "pack.h"
#include "sha1.h"

static void hex_is(const uint8_t *b, const char *want)
{
	char hex[STORE_OID_HEX];
	store_oid_hex((const struct store_oid *)b, hex);
	assert_string_equal(hex, want);
}

/* FIPS 180-2 appendix A vectors, and one spanning many blocks. */
static void test_sha1_vectors(void **state)
{
	uint8_t out[20], *m = malloc(1000000);
	struct store_sha1 c;
	(void)state;
	store_sha1("abc", 3, out);
	hex_is(out, "a9993e364706816aba3e25717850c26c9cd0d89d");
	store_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out);
	hex_is(out, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	memset(m, 'a', 1000000);
	store_sha1_init(&c);
	for (int i = 0; i < 1000000; i += 999)
		store_sha1_update(&c, m + i, i + 999 > 1000000 ? 1000000 - i : 999);
	store_sha1_final(&c, out);
	hex_is(out, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(m);
}

/* Ids git itself gives: `git hash-object` of "" and of "hello\n", the empty tree. */
static void test_object_ids(void **state)
{
	struct store_oid oid;
	(void)state;
	store_object_id(STORE_OBJ_BLOB, "", 0, &oid);
	hex_is(oid.b, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
	store_object_id(STORE_OBJ_BLOB, "hello\n", 6, &oid);
	hex_is(oid.b, "ce013625030ba8dba906f756967f9e9ca394464a");
	store_object_id(STORE_OBJ_TREE, "", 0, &oid);
	hex_is(oid.b, "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
}

/* "a.b" < "a" (tree, compared as "a/") < "a0": Git's order, not strcmp's. */
static void test_tree_order(void **state)
{
	struct store_tree_entry e[3] = {
	    {STORE_MODE_FILE, "a0", 2, {{1}}},
	    {STORE_MODE_TREE, "a", 1, {{2}}},
	    {STORE_MODE_FILE, "a.b", 3, {{3}}},
	};
	struct store_tree_iter it;
	struct store_tree_entry got;
	uint8_t *tree;
	size_t len;
	(void)state;
	assert_int_equal(store_tree_encode(e, 3, &tree, &len), 0);
	store_tree_iter_init(&it, tree, len);
	assert_int_equal(store_tree_next(&it, &got), 1);
	assert_int_equal(got.name_len, 3);
	assert_int_equal(store_tree_next(&it, &got), 1);
	assert_int_equal(got.mode, STORE_MODE_TREE);
	assert_int_equal(store_tree_next(&it, &got), 1);
	assert_int_equal(got.name_len, 2);
	assert_int_equal(store_tree_next(&it, &got), 0);
	assert_int_equal(store_tree_check(tree, len), 0);
	/* Out of order, a duplicate, a bad mode, a slash: all refused. */
	memcpy(tree + 9 + 4 + 20 + 1, "1", 1);
	free(tree);
	assert_int_equal(
	    store_tree_check("100644 b\0aaaaaaaaaaaaaaaaaaaa100644 a\0aaaaaaaaaaaaaaaaaaaa", 58),
	    -EINVAL);
	assert_int_equal(
	    store_tree_check("100644 a\0aaaaaaaaaaaaaaaaaaaa100644 a\0aaaaaaaaaaaaaaaaaaaa", 58),
	    -EINVAL);
	assert_int_equal(store_tree_check("100600 a\0aaaaaaaaaaaaaaaaaaaa", 29), -EINVAL);
	assert_int_equal(store_tree_check("100644 a/b\0aaaaaaaaaaaaaaaaaaaa", 31), -EINVAL);
	assert_int_equal(store_tree_check("100644 a\0aaaa", 13), -EINVAL);
	struct store_tree_entry dup[2] = {{STORE_MODE_FILE, "x", 1, {{0}}},
	                                  {STORE_MODE_FILE, "x", 1, {{0}}}};
	assert_int_equal(store_tree_encode(dup, 2, &tree, &len), -EINVAL);
}

#define TREE_FILE(name) "100644 " name "\0aaaaaaaaaaaaaaaaaaaa"
#define TREE_DIR(name) "40000 " name "\0aaaaaaaaaaaaaaaaaaaa"

/*
 * A file and a directory of one name need not be neighbours in tree order
 * ("a", "a-b", then the directory "a", which sorts as "a/"): refused as
 * git fsck refuses them (duplicateEntries), nested ones too.
 */
static void test_tree_duplicate_apart(void **state)
{
	static const char apart[] = TREE_FILE("a") TREE_FILE("a-b") TREE_DIR("a");
	static const char nested[] = TREE_FILE("a") TREE_FILE("a-b") TREE_FILE("a-b.c")
	    TREE_FILE("a-b.c-d") TREE_DIR("a-b.c");
	static const char outer[] = TREE_FILE("a") TREE_FILE("a-b") TREE_DIR("a-b.c") TREE_DIR("a");
	static const char fine[] = TREE_FILE("a") TREE_FILE("a-b") TREE_DIR("a-c") TREE_DIR("b");
	(void)state;
	assert_int_equal(store_tree_check(apart, sizeof(apart) - 1), -EINVAL);
	assert_int_equal(store_tree_check(nested, sizeof(nested) - 1), -EINVAL);
	assert_int_equal(store_tree_check(outer, sizeof(outer) - 1), -EINVAL);
	assert_int_equal(store_tree_check(fine, sizeof(fine) - 1), 0);
}

static void test_commit_parse(void **state)
{
	static const char c[] =
	    "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
	    "parent ce013625030ba8dba906f756967f9e9ca394464a\n"
	    "author A <a@b> 1700000000 +0100\ncommitter C <c@d> 1700000001 +0000\n"
	    "gpgsig -----BEGIN\n continued\n\nmessage\n";
	struct store_commit p;
	(void)state;
	assert_int_equal(store_commit_parse(c, sizeof(c) - 1, &p), 0);
	assert_int_equal(p.nparents, 1);
	assert_int_equal(p.time, 1700000001);
	assert_int_equal(p.msg_len, 8);
	assert_int_equal(store_commit_parse(c, 30, &p), -EINVAL);
	assert_int_equal(store_commit_parse("tree xyz\n", 9, &p), -EINVAL);
}

/* Delta header: base 4, result 4; then one instruction. */
static void test_delta_bounds(void **state)
{
	const uint8_t base[4] = "abcd";
	uint8_t out[8];
	const uint8_t ok[] = {4, 4, 0x90, 4};      /* copy 4 from 0 */
	const uint8_t past[] = {4, 4, 0x91, 1, 4}; /* copy 4 from 1: out of range */
	const uint8_t big[] = {4, 5, 0x90, 4};     /* announces 5, makes 4 */
	const uint8_t wrongbase[] = {5, 4, 0x90, 4};
	const uint8_t zero[] = {4, 4, 0};             /* reserved opcode */
	const uint8_t insert_past[] = {4, 4, 4, 'x'}; /* insert runs off the end */
	size_t b = 4, n;
	(void)state;
	assert_int_equal(store_delta_apply(base, 4, ok, sizeof(ok), out, 4), 0);
	assert_memory_equal(out, "abcd", 4);
	assert_int_equal(store_delta_apply(base, 4, past, sizeof(past), out, 4), -EINVAL);
	assert_int_equal(store_delta_apply(base, 4, big, sizeof(big), out, 5), -EINVAL);
	assert_int_equal(store_delta_sizes(wrongbase, sizeof(wrongbase), &b, &n), -EINVAL);
	assert_int_equal(store_delta_apply(base, 4, zero, sizeof(zero), out, 4), -EINVAL);
	assert_int_equal(store_delta_apply(base, 4, insert_past, sizeof(insert_past), out, 4),
	                 -EINVAL);
}

static void test_delta_roundtrip(void **state)
{
	uint8_t *a = malloc(100000), *b = malloc(100000), *d, *back = malloc(100000);
	size_t dlen;
	(void)state;
	for (int i = 0; i < 100000; i++)
		a[i] = b[i] = (uint8_t)(i * 7 + i / 100);
	memcpy(b + 5000, "changed in the middle", 21);
	assert_int_equal(store_delta_create(a, 100000, b, 100000, 50000, &d, &dlen), 0);
	printf("delta of 100000 bytes with one change: %zu bytes\n", dlen);
	assert_true(dlen < 1000);
	assert_int_equal(store_delta_apply(a, 100000, d, dlen, back, 100000), 0);
	assert_memory_equal(back, b, 100000);
	free(d);
	free(a);
	free(b);
	free(back);
}

static int sink(void *ctx, const void *data, size_t len)
{
	uint8_t **p = ctx;
	memcpy(*p, data, len);
	*p += len;
	return 0;
}

/* A small pack: a blob and an ofs-delta of it. */
static size_t make_pack(uint8_t *buf)
{
	static const char v1[] =
	    "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz";
	static const char v2[] =
	    "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyZ!";
	struct store_packw w;
	uint8_t *p = buf, *d;
	uint64_t off;
	size_t dlen;

	assert_int_equal(store_packw_begin(&w, sink, &p, 2), 0);
	assert_int_equal(store_packw_object(&w, STORE_OBJ_BLOB, v1, sizeof(v1), &off), 0);
	assert_int_equal(store_delta_create((const uint8_t *)v1, sizeof(v1), (const uint8_t *)v2,
	                                    sizeof(v2), 64, &d, &dlen),
	                 0);
	assert_int_equal(store_packw_ofs_delta(&w, off, d, dlen, NULL), 0);
	free(d);
	assert_int_equal(store_packw_end(&w, NULL), 0);
	return (size_t)(p - buf);
}

static void test_pack_roundtrip_and_refusals(void **state)
{
	uint8_t pack[1024], bad[1024];
	struct store_pack_index idx;
	size_t len = make_pack(pack);
	(void)state;
	assert_int_equal(store_pack_index(pack, len, 1 << 20, NULL, NULL, &idx), 0);
	assert_int_equal(idx.n, 2);
	assert_int_equal(idx.obj[1].type, STORE_OBJ_BLOB);
	store_pack_index_free(&idx);
	/* Truncated anywhere. */
	for (size_t cut = 0; cut < len; cut++)
		assert_int_not_equal(store_pack_index(pack, cut, 1 << 20, NULL, NULL, &idx), 0);
	/* Any flipped byte: the trailer no longer matches. */
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, pack, len);
		bad[i] ^= 0x40;
		assert_int_not_equal(store_pack_index(bad, len, 1 << 20, NULL, NULL, &idx), 0);
	}
	/* Objects above the size limit are refused before they are inflated. */
	assert_int_equal(store_pack_index(pack, len, 16, NULL, NULL, &idx), -EFBIG);
}

/* A corrupt entry with a valid trailer: the entry check must catch it. */
static void test_pack_bad_entries(void **state)
{
	uint8_t pack[1024];
	struct store_pack_index idx;
	size_t len = make_pack(pack);
	(void)state;
	for (size_t i = 12; i < len - 20; i++) {
		uint8_t save = pack[i];
		pack[i] ^= 0x21;
		store_sha1(pack, len - 20, pack + len - 20);
		if (!store_pack_index(pack, len, 1 << 20, NULL, NULL, &idx)) {
			/* zlib stored blocks may absorb a flip: the result must still be
			 * consistent. */
			assert_int_equal(idx.n, 2);
			store_pack_index_free(&idx);
		}
		pack[i] = save;
	}
	/* An absurd count (more objects than bytes). */
	pack[8] = 0x7f;
	store_sha1(pack, len - 20, pack + len - 20);
	assert_int_equal(store_pack_index(pack, len, 1 << 20, NULL, NULL, &idx), -EINVAL);
}

/* A one-entry tree named `name` (len bytes) with `mode`. */
static int tree_of(const char *name, size_t len, uint32_t mode)
{
	struct store_tree_entry e = {mode, name, len, {{0}}};
	uint8_t *tree;
	size_t tlen;
	int r = store_tree_encode(&e, 1, &tree, &tlen);

	if (r)
		return r;
	r = store_tree_check(tree, tlen);
	free(tree);
	return r;
}

#define NAME(s) s, sizeof(s) - 1

/*
 * Names Git's fsck refuses (hasDotgit, gitmodulesSymlink): ".git" in any
 * case, with the characters HFS+ ignores (U+200C..U+200F, U+202A..U+202E,
 * U+206A..U+206F, U+FEFF), with the trailing dots and spaces NTFS drops,
 * its NTFS short name GIT~1, and after a backslash (a separator on
 * Windows). CVE-2014-9390, CVE-2019-1353 and their kin.
 */
static void test_tree_refuses_dotgit(void **state)
{
	static const struct {
		const char *name;
		size_t len;
	} bad[] = {
	    {NAME(".git")},
	    {NAME(".GIT")},
	    {NAME(".Git")},
	    {NAME("git~1")},
	    {NAME("GIT~1")},
	    {NAME(".git.")},
	    {NAME(".git ")},
	    {NAME(".git. . ")},
	    {NAME("git~1.")},
	    {NAME(".g\xe2\x80\x8cit")},
	    {NAME(".\xe2\x80\x8dGIT")},
	    {NAME(".git\xef\xbb\xbf")},
	    {NAME("\xe2\x80\xaa.gIt")},
	    {NAME(".gi\xe2\x81\xaft")},
	    {NAME("a\\.git")},
	    {NAME(".git\\x")},
	    {NAME("git~1\\y")},
	};
	static const struct {
		const char *name;
		size_t len;
	} good[] = {
	    {NAME(".gitignore")},
	    {NAME(".github")},
	    {NAME("git")},
	    {NAME(".gi")},
	    {NAME("git~2")},
	    {NAME(".git~1")},
	    {NAME("x.git")},
	    {NAME(".gitx")},
	    {NAME(".g\xe2\x80\x8bit")}, /* U+200B is not one HFS+ ignores */
	    {NAME("caf\xc3\xa9")},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* As a directory and as a file: neither may be checked out. */
		assert_int_equal(tree_of(bad[i].name, bad[i].len, STORE_MODE_TREE), -EINVAL);
		assert_int_equal(tree_of(bad[i].name, bad[i].len, STORE_MODE_FILE), -EINVAL);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(tree_of(good[i].name, good[i].len, STORE_MODE_FILE), 0);
	/* .gitmodules may not be a symbolic link (it would be read outside the work tree). */
	assert_int_equal(tree_of(NAME(".gitmodules"), STORE_MODE_FILE), 0);
	assert_int_equal(tree_of(NAME(".gitmodules"), STORE_MODE_LINK), -EINVAL);
	assert_int_equal(tree_of(NAME(".GITMODULES "), STORE_MODE_LINK), -EINVAL);
	assert_int_equal(tree_of(NAME("gitmod~1"), STORE_MODE_LINK), -EINVAL);
	assert_int_equal(tree_of(NAME(".gitmod\xe2\x80\x8eules"), STORE_MODE_LINK), -EINVAL);
}

/* The same rule holds for a tree that arrives whole in a pack, bypassing the encoder. */
static void test_pack_refuses_dotgit_tree(void **state)
{
	uint8_t pack[512], *p = pack, tree[64];
	struct store_pack_index idx;
	struct store_packw w;
	size_t tlen;
	(void)state;
	tlen = (size_t)sprintf((char *)tree, "40000 .GiT");
	tree[tlen++] = 0;
	memset(tree + tlen, 0x11, 20);
	tlen += 20;
	assert_int_equal(store_packw_begin(&w, sink, &p, 1), 0);
	assert_int_equal(store_packw_object(&w, STORE_OBJ_TREE, tree, tlen, NULL), 0);
	assert_int_equal(store_packw_end(&w, NULL), 0);
	assert_int_equal(store_pack_index(pack, (size_t)(p - pack), 1 << 20, NULL, NULL, &idx),
	                 -EINVAL);
}

/* ---- the memory a branching tree of deltas may hold ---- */

#define BR_SIZE 40000
#define BR_MAX_OBJ (64u * 1024) /* bases held for later deltas: at most 128 KiB */

struct branchy {
	uint8_t *p;
	struct store_packw w;
	uint8_t obj[7][BR_SIZE];
	uint64_t off[7];
};

/* Object i: the base with byte i changed, so each is a small delta of any other. */
static void br_object(struct branchy *b, int i)
{
	for (size_t k = 0; k < BR_SIZE; k++)
		b->obj[i][k] = (uint8_t)(k * 2654435761u >> 13);
	b->obj[i][1000 * (size_t)i] ^= 0xff;
}

static void br_delta(struct branchy *b, int base, int i)
{
	uint8_t *d;
	size_t dlen;

	br_object(b, i);
	assert_int_equal(
	    store_delta_create(b->obj[base], BR_SIZE, b->obj[i], BR_SIZE, BR_SIZE / 2, &d, &dlen),
	    0);
	assert_int_equal(store_packw_ofs_delta(&b->w, b->off[base], d, dlen, &b->off[i]), 0);
	free(d);
}

/*
 * B <- D1, D2; D1 <- D11, D12; D11 <- D111 (and D112 when `wide`). Depth
 * first, D111 is built while B, D1 and D11 are kept for their other kids
 * only if D11 has another kid: 120,000 bytes kept (fits) or 160,000 (not).
 */
static size_t br_pack(struct branchy *b, uint8_t *buf, bool wide)
{
	b->p = buf;
	assert_int_equal(store_packw_begin(&b->w, sink, &b->p, wide ? 7 : 6), 0);
	br_object(b, 0);
	assert_int_equal(store_packw_object(&b->w, STORE_OBJ_BLOB, b->obj[0], BR_SIZE, &b->off[0]),
	                 0);
	br_delta(b, 0, 1);
	br_delta(b, 0, 2);
	br_delta(b, 1, 3);
	br_delta(b, 1, 4);
	br_delta(b, 3, 5);
	if (wide)
		br_delta(b, 3, 6);
	assert_int_equal(store_packw_end(&b->w, NULL), 0);
	return (size_t)(b->p - buf);
}

static void test_delta_tree_memory_bound(void **state)
{
	struct branchy *b = malloc(sizeof(*b));
	uint8_t *buf = malloc(1 << 20);
	struct store_pack_index idx;
	size_t len;
	(void)state;
	len = br_pack(b, buf, false);
	assert_int_equal(store_pack_index(buf, len, BR_MAX_OBJ, NULL, NULL, &idx), 0);
	assert_int_equal(idx.n, 6);
	store_pack_index_free(&idx);
	len = br_pack(b, buf, true);
	assert_int_equal(store_pack_index(buf, len, BR_MAX_OBJ, NULL, NULL, &idx), -EFBIG);
	/* With room for the objects, the same pack is fine. */
	assert_int_equal(store_pack_index(buf, len, 1u << 20, NULL, NULL, &idx), 0);
	assert_int_equal(idx.n, 7);
	store_pack_index_free(&idx);
	free(buf);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha1_vectors),
	    cmocka_unit_test(test_object_ids),
	    cmocka_unit_test(test_tree_order),
	    cmocka_unit_test(test_tree_duplicate_apart),
	    cmocka_unit_test(test_commit_parse),
	    cmocka_unit_test(test_delta_bounds),
	    cmocka_unit_test(test_delta_roundtrip),
	    cmocka_unit_test(test_pack_roundtrip_and_refusals),
	    cmocka_unit_test(test_pack_bad_entries),
	    cmocka_unit_test(test_tree_refuses_dotgit),
	    cmocka_unit_test(test_pack_refuses_dotgit_tree),
	    cmocka_unit_test(test_delta_tree_memory_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
