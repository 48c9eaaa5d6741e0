/*
 * libFuzzer: git-upload-pack's request parser and negotiation (git/upload.c)
 * over a small store in memory. An input is three bytes, then a request
 * body:
 *
 *   byte 0  the protocol: v2 if its bit 1 is set ('2'), else v0 ('0')
 *   byte 1  a seed for where the body is cut into pieces (0: every byte alone)
 *   byte 2  a seed for the sizes of the buffers the answer is read with
 *
 * The body is fed whole once, and once in pieces (feed must take any
 * split), and each answer read to its end. Both answers must be the same
 * but for where the pack's side-band lines are cut. An answer is pkt-lines
 * up to any raw pack, an ERR line comes alone, text lines end with LF, and
 * a pack (raw, or side-band 1) is whole: it indexes with its trailer
 * right, holds only the store's objects, and nothing that only
 * refs/appliance/ reaches.
 *
 * The store is made at start-up and never changes (an upload only reads):
 * refs/heads/main at three commits, refs/heads/dev off the second,
 * refs/tags/v1 an annotated tag of the first, refs/tags/light the second,
 * and a commit on refs/appliance/secrets. Its object ids are fixed, so the
 * seeds in tests/fuzz/corpus/git_upload/ name them; GIT_UPLOAD_FUZZ_IDS=1
 * in the environment prints them. The seeds are requests git 2.39 made
 * cloning and fetching from a copy of it over HTTP (v0 and v2, shallow,
 * deepen-relative, include-tag), and variants of them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "git/pkt.h"
#include "git/upload.h"
#include "git_fixture.h"
#include "memblk.h"
#include "pack.h"
#include "store/store.h"

#define DEV_SIZE (1u << 20)
#define MAX_ANSWER (8u << 20)

const char fz_name[] = "fuzz_git_upload";
static struct store *st;
/* What only refs/appliance/ reaches: never in a pack. */
static struct store_oid private_ids[3];

/* ---- the store ---- */

static int print_ref(void *ctx, const char *name, const struct store_oid *oid)
{
	char hex[STORE_OID_HEX];

	(void)ctx;
	store_oid_hex(oid, hex);
	printf("%s %s\n", hex, name);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_make_store(DEV_SIZE, &st, private_ids);
	if (getenv("GIT_UPLOAD_FUZZ_IDS"))
		store_refs_each(st, print_ref, NULL);
	return 0;
}

/* ---- one request ---- */

/* Feed `body` whole (cut < 0) or in pieces: false once a piece was refused. */
static bool feed(struct git_upload *u, const uint8_t *body, size_t len, int cut)
{
	uint32_t seed = (uint32_t)cut;
	bool failed = false;

	for (size_t off = 0, piece; off < len; off += piece) {
		piece = cut < 0    ? len
		        : cut == 0 ? 1
		                   : 1 + fz_next(&seed) % (1 + (uint32_t)cut % 64);
		if (piece > len - off)
			piece = len - off;
		if (git_upload_feed(u, body + off, piece) < 0)
			failed = true;
		else if (failed)
			fz_die("feed took bytes again after refusing the request");
	}
	return !failed;
}

/* The answer to its end, read with one large buffer (reads < 0) or small ones. */
static void read_answer(struct git_upload *u, int reads, struct bytes *out)
{
	static uint8_t buf[GIT_PKT_MAX + 16];
	uint32_t seed = (uint32_t)reads;
	long n;

	for (unsigned i = 0;; i++) {
		size_t cap = reads < 0 ? sizeof(buf) : 64 + fz_next(&seed) % 256;
		if (i > MAX_ANSWER / 64)
			fz_die("the answer does not end");
		if ((n = git_upload_read(u, buf, cap)) == -EAGAIN)
			continue; /* a slice of the plan */
		if (n < 0)
			fz_die("a read failed on a sound store");
		if ((size_t)n > cap)
			fz_die("a read gave more than its buffer");
		if (n == 0)
			break;
		fz_append(out, buf, (size_t)n);
		if (out->len > MAX_ANSWER)
			fz_die("the answer does not end");
	}
	if (git_upload_read(u, buf, sizeof(buf)) != 0)
		fz_die("a read after the end gave more");
}

static void run(int version, const uint8_t *body, size_t len, int cut, int reads, struct bytes *out)
{
	struct git_upload *u;
	bool fed;

	if (git_upload_new(st, version, &u))
		fz_die("git_upload_new failed");
	fed = feed(u, body, len, cut);
	git_upload_finish(u);
	read_answer(u, reads, out);
	if (!fed && (out->len < 8 || memcmp(out->p + 4, "ERR ", 4)))
		fz_die("a refused request's answer is no ERR line");
	git_upload_free(u);
}

/* ---- what an answer must be ---- */

static void pack_is_whole(const uint8_t *pack, size_t len)
{
	struct store_pack_index idx;

	if (store_pack_index(pack, len, STORE_DEFAULT_MAX_OBJECT, NULL, NULL, &idx))
		fz_die("the pack does not index");
	for (uint32_t i = 0; i < idx.n; i++) {
		if (!store_has(st, &idx.obj[i].oid))
			fz_die("the pack holds an object the store does not");
		for (size_t k = 0; k < sizeof(private_ids) / sizeof(private_ids[0]); k++)
			if (!store_oid_cmp(&idx.obj[i].oid, &private_ids[k]))
				fz_die("the pack holds an object only refs/appliance/ reaches");
	}
	store_pack_index_free(&idx);
}

/*
 * A data line: an ERR line (first, and then alone), a side-band line, or
 * text ending with LF. True for an ERR line.
 */
static bool data_line(const struct git_pkt *p, size_t lines, struct bytes *pack)
{
	if (p->len == 0)
		fz_die("an empty data line");
	if (p->len >= 4 && !memcmp(p->data, "ERR ", 4)) {
		if (lines)
			fz_die("an ERR line after other lines");
		return true;
	}
	if (p->data[0] == 1) {
		fz_append(pack, p->data + 1, p->len - 1);
	} else if (p->data[0] == 3) {
		fz_die("side-band 3 (an error) from a sound store");
	} else if (p->data[0] != 2 && p->data[p->len - 1] != '\n') {
		fz_die("a text line without its LF");
	}
	return false;
}

static void check_answer(const uint8_t *p, size_t len)
{
	struct bytes pack = {0};
	struct git_pkt pkt;
	size_t lines = 0;
	bool err = false;
	int used;

	while (len) {
		if (len >= 4 &&
		    !memcmp(p, "PACK", 4)) { /* no side-band: the pack runs to the end */
			if (pack.len)
				fz_die("a raw pack after side-band data");
			pack_is_whole(p, len);
			break;
		}
		if ((used = git_pkt_parse(p, len, &pkt)) <= 0)
			fz_die("the answer is not pkt-lines");
		if (err)
			fz_die("lines after an ERR line");
		err = pkt.kind == GIT_PKT_DATA && data_line(&pkt, lines, &pack);
		lines++;
		p += used;
		len -= (size_t)used;
	}
	if (pack.len)
		pack_is_whole(pack.p, pack.len);
	free(pack.p);
}

/*
 * An answer with its side-band 1 data joined, as a client sees it: the
 * lines that carry a pack depend on the sizes it was read with.
 */
static void joined(const uint8_t *p, size_t len, struct bytes *out)
{
	struct bytes band1 = {0};
	struct git_pkt pkt;
	int used;

	while (len && (used = git_pkt_parse(p, len, &pkt)) > 0) {
		if (pkt.kind == GIT_PKT_DATA && pkt.len && pkt.data[0] == 1) {
			fz_append(&band1, pkt.data + 1, pkt.len - 1);
		} else {
			fz_append(out, band1.p, band1.len);
			band1.len = 0;
			fz_append(out, p, (size_t)used);
		}
		p += used;
		len -= (size_t)used;
	}
	fz_append(out, band1.p, band1.len);
	fz_append(out, p, len);
	free(band1.p);
}

static bool same(const struct bytes *a, const struct bytes *b)
{
	struct bytes ja = {0}, jb = {0};
	bool eq;

	joined(a->p, a->len, &ja);
	joined(b->p, b->len, &jb);
	eq = ja.len == jb.len && (!ja.len || !memcmp(ja.p, jb.p, ja.len));
	free(ja.p);
	free(jb.p);
	return eq;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bytes whole = {0}, split = {0};
	int version;

	if (size < 3)
		return 0;
	version = data[0] & 2 ? 2 : 0;
	run(version, data + 3, size - 3, -1, -1, &whole);
	run(version, data + 3, size - 3, data[1], data[2], &split);
	if (!same(&whole, &split))
		fz_die("the answer depends on how the request was cut or read");
	check_answer(whole.p, whole.len);
	free(whole.p);
	free(split.p);
	return 0;
}
