/*
 * libFuzzer: git-receive-pack's command parser, the pack streamed into the
 * store, the ref checks and the report (git/receive.c), over a small store
 * in memory. An input is three bytes, then a request body (commands, a
 * flush, a pack):
 *
 *   byte 0  flags: bit 0, the harness appends the pack's trailer (the
 *           SHA-1 of the bytes after the commands' flush), so mutated
 *           packs get past the checksum to their entries; bit 1, the
 *           body's length is given as the size hint (else 0, chunked)
 *   byte 1  a seed for where the body is cut into pieces (0: every byte alone)
 *   byte 2  a seed for the sizes of the buffers the report is read with
 *
 * Each input is pushed twice, each time into the store as it was made (a
 * fresh copy, unless the first push left it untouched): whole, and in
 * pieces read back with small buffers. Both must give the same report and
 * the same refs. The report is pkt-lines (an ERR line alone, or "unpack",
 * then "ok" or "ng" lines and a flush, inside side-band 1 if asked); only
 * refs reported "ok" changed, only under refs/heads/ and refs/tags/; the
 * branch HEAD names moved only forward and still exists; no ref the
 * target's veto refuses (a name holding "veto") changed; and after any
 * change the store passes store_fsck; no changed ref names the secret
 * commit (pushed by its id, as a seed does).
 *
 * The store is the one tests/fuzz/git_upload.c makes (the same ids, so a
 * push captured from a clone of one applies to the other): refs/heads/main
 * at three commits, refs/heads/dev off the second, refs/tags/v1 (annotated)
 * and refs/tags/light, and refs/appliance/secrets. The seeds in
 * tests/fuzz/corpus/git_receive/ are pushes by git 2.39 to a clone of it
 * (report-status-v2 asked as report-status, which is what we advertise),
 * and hand-made ones: bad names, stale values, deletes, unconnected
 * commits, a delta on a missing base, vetoed refs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "git/pkt.h"
#include "git/receive.h"
#include "git/walk.h"
#include "git_fixture.h"
#include "memblk.h"
#include "plat/plat.h"
#include "sha1.h"
#include "store/store.h"

#define DEV_SIZE (512u << 10)
#define MAX_REFS 64 /* a push may add more; those past this are not compared */

const char fz_name[] = "fuzz_git_receive";
static struct store *st;
static struct store_oid private[3]; /* what only refs/appliance/ reaches (git_fixture.h) */
static uint8_t *image;              /* the device holding the fresh store */

struct ref {
	char name[STORE_REF_MAX];
	struct store_oid oid;
};

struct refs {
	struct ref v[MAX_REFS];
	size_t n;
	bool more; /* some past MAX_REFS */
};

/* ---- the store (git_fixture.c), fresh for each push ---- */

static int veto(void *ctx, struct store *s, const struct store_ref_update *u, char *why,
                size_t size)
{
	(void)ctx, (void)s;
	if (!strstr(u->name, "veto"))
		return 0;
	snprintf(why, size, "%s: vetoed\nby the fuzz target's service", u->name);
	return 1;
}

/*
 * A fresh copy of the store, open, with the veto: what the last push left in the
 * device's cache is flushed, then the fresh image copied over it (the
 * same pages every time, where a new device would fault in new ones).
 */
static void fresh_store(void)
{
	plat_blk_flush();
	memcpy(memblk_data(), image, DEV_SIZE);
	fz_must(store_open(&st, false), "open");
	store_set_veto(st, veto, NULL);
}

static void close_store(void)
{
	fz_must(store_close(st), "close");
	st = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_make_store(DEV_SIZE, &st, private);
	fz_must(store_close(st), "close");
	st = NULL;
	if (!(image = malloc(DEV_SIZE)))
		fz_die("out of memory");
	memcpy(image, memblk_data(), DEV_SIZE);
	return 0;
}

static int ref_fn(void *ctx, const char *name, const struct store_oid *oid)
{
	struct refs *r = ctx;

	if (!strcmp(name, "HEAD")) /* its branch's value: compared as that */
		return 0;
	if (r->n == MAX_REFS) {
		r->more = true;
		return 0;
	}
	snprintf(r->v[r->n].name, sizeof(r->v[r->n].name), "%s", name);
	r->v[r->n++].oid = *oid;
	return 0;
}

static void list_refs(struct refs *r)
{
	memset(r, 0, sizeof(*r));
	fz_must(store_refs_each(st, ref_fn, r), "refs");
}

static const struct store_oid *find_ref(const struct refs *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].name, name))
			return &r->v[i].oid;
	return NULL;
}

/* ---- one push ---- */

/*
 * The body, with the pack's trailer appended if asked: the bytes after
 * the commands' flush (found as the server reads pkt-lines).
 */
static void body_of(const uint8_t *data, size_t size, bool trailer, struct bytes *body)
{
	struct git_pkt pkt;
	size_t off = 0;
	uint8_t sum[20];
	int used;

	fz_append(body, data, size);
	if (!trailer)
		return;
	while ((used = git_pkt_parse(data + off, size - off, &pkt)) > 0) {
		off += (size_t)used;
		if (pkt.kind == GIT_PKT_FLUSH)
			break;
	}
	if (used <= 0 || off == size)
		return;
	store_sha1(data + off, size - off, sum);
	fz_append(body, sum, sizeof(sum));
}

/* Feed `body` whole (cut < 0) or in pieces: false once a piece was refused. */
static bool feed(struct git_receive *r, const struct bytes *body, int cut)
{
	uint32_t seed = (uint32_t)cut;
	bool failed = false;

	for (size_t off = 0, piece; off < body->len; off += piece) {
		piece = cut < 0    ? body->len
		        : cut == 0 ? 1
		                   : 1 + fz_next(&seed) % (1 + (uint32_t)cut % 64);
		if (piece > body->len - off)
			piece = body->len - off;
		if (git_receive_feed(r, body->p + off, piece) < 0)
			failed = true;
		else if (failed)
			fz_die("feed took bytes again after refusing the request");
	}
	return !failed;
}

/* The report to its end, read with one large buffer (reads < 0) or small ones. */
static void read_report(struct git_receive *r, int reads, struct bytes *out)
{
	static uint8_t buf[4096];
	uint32_t seed = (uint32_t)reads;
	long n;

	for (unsigned i = 0;; i++) {
		size_t cap = reads < 0 ? sizeof(buf) : 1 + fz_next(&seed) % 128;
		if ((n = git_receive_read(r, buf, cap)) < 0 || (size_t)n > cap)
			fz_die("a read gave less than nothing or more than its buffer");
		if (n == 0)
			break;
		fz_append(out, buf, (size_t)n);
		if (i > (1u << 24))
			fz_die("the report does not end");
	}
	if (git_receive_read(r, buf, sizeof(buf)) != 0)
		fz_die("a read after the end gave more");
}

static void push(const struct bytes *body, bool hint, int cut, int reads, struct bytes *out)
{
	struct git_receive *r;
	bool fed;

	if (git_receive_new(st, hint ? body->len : 0, &r))
		fz_die("git_receive_new failed");
	fed = feed(r, body, cut);
	git_receive_finish(r);
	read_report(r, reads, out);
	if (!fed && (out->len < 8 || memcmp(out->p + 4, "ERR ", 4)))
		fz_die("a refused request's answer is no ERR line");
	git_receive_free(r);
}

/* ---- what a report must be ---- */

struct report {
	bool err, unpack_ok;
	bool
	    unasked; /* the request asked no report-status: none came, refs are not checked by it */
	struct refs ok; /* the refs reported "ok" (their oids unused) */
};

/* One line of the report proper: "unpack ..." first, then "ok <ref>" or "ng <ref> <why>". */
static void report_line(struct report *rep, const struct git_pkt *p, size_t lineno)
{
	const char *s = (const char *)p->data;
	size_t len = p->len;

	if (p->kind != GIT_PKT_DATA || !len || s[len - 1] != '\n' || memchr(s, '\0', len))
		fz_die("a report line is not a line of text");
	if (lineno == 0) {
		if (len < 7 || memcmp(s, "unpack ", 7))
			fz_die("the report does not start with unpack");
		rep->unpack_ok = len == 10 && !memcmp(s + 7, "ok\n", 3);
		return;
	}
	if (len > 3 && !memcmp(s, "ok ", 3)) {
		if (!rep->unpack_ok)
			fz_die("a ref ok after the unpack failed");
		if (len - 4 >= STORE_REF_MAX)
			fz_die("an ok ref name too long");
		if (rep->ok.n < MAX_REFS) {
			memcpy(rep->ok.v[rep->ok.n].name, s + 3, len - 4);
			rep->ok.v[rep->ok.n++].name[len - 4] = '\0';
		}
		return;
	}
	if (len < 4 || memcmp(s, "ng ", 3) || !memchr(s + 3, ' ', len - 3))
		fz_die("a report line is neither ok nor ng");
}

/* The report proper (pkt-lines ending with a flush); the bytes it took. */
static size_t report_lines(struct report *rep, const uint8_t *p, size_t len)
{
	struct git_pkt pkt;
	size_t off = 0;
	int used;

	for (size_t lineno = 0;; lineno++) {
		if ((used = git_pkt_parse(p + off, len - off, &pkt)) <= 0)
			fz_die("the report is not pkt-lines ending with a flush");
		off += (size_t)used;
		if (pkt.kind == GIT_PKT_FLUSH) {
			if (!lineno)
				fz_die("an empty report");
			return off;
		}
		report_line(rep, &pkt, lineno);
	}
}

/* With side-band: band 1 carries the report, band 2 messages; a flush ends it. */
static void side_band_report(const uint8_t *p, size_t len, struct report *rep)
{
	struct bytes band1 = {0};
	struct git_pkt pkt;
	size_t off = 0;
	int used;

	while ((used = git_pkt_parse(p + off, len - off, &pkt)) > 0) {
		off += (size_t)used;
		if (pkt.kind == GIT_PKT_FLUSH)
			break;
		if (pkt.kind != GIT_PKT_DATA || !pkt.len || pkt.data[0] < 1 || pkt.data[0] > 2)
			fz_die("a line that is no side-band 1 or 2 line");
		if (pkt.data[0] == 1)
			fz_append(&band1, pkt.data + 1, pkt.len - 1);
	}
	if (used <= 0 || off != len)
		fz_die("the side-band answer does not end with its flush");
	if (!band1.len)
		fz_die("no report in band 1");
	if (report_lines(rep, band1.p, band1.len) != band1.len)
		fz_die("more in band 1 after the report");
	free(band1.p);
}

/* Whether the request's first command (after any shallow lines) asks for report-status. */
static bool asks_report(const struct bytes *body)
{
	struct git_pkt pkt;
	const uint8_t *nul;
	size_t off = 0;
	int used;

	while (body->len && (used = git_pkt_parse(body->p + off, body->len - off, &pkt)) > 0) {
		off += (size_t)used;
		if (pkt.kind != GIT_PKT_DATA)
			return false;
		if (pkt.len >= 8 && !memcmp(pkt.data, "shallow ", 8))
			continue;
		if (!(nul = memchr(pkt.data, '\0', pkt.len)))
			return false;
		return git_caps_has((const char *)nul + 1, pkt.len - (size_t)(nul + 1 - pkt.data),
		                    "report-status");
	}
	return false;
}

/* Without report-status: nothing, an ERR line alone, or side-band 2 messages and a flush. */
static void check_unasked(const uint8_t *p, size_t len)
{
	struct git_pkt pkt;
	size_t off = 0;
	int used;

	while (off < len && (used = git_pkt_parse(p + off, len - off, &pkt)) > 0) {
		off += (size_t)used;
		if (pkt.kind == GIT_PKT_FLUSH)
			break;
		if (pkt.kind != GIT_PKT_DATA || !pkt.len ||
		    (pkt.data[0] != 2 && !(pkt.len >= 4 && !memcmp(pkt.data, "ERR ", 4))))
			fz_die("a report nobody asked for");
	}
	if (off != len)
		fz_die("an answer without report-status that is not pkt-lines ending with a flush");
}

/* An answer: nothing (no commands), an ERR line alone, or the report. */
static void check_answer(const uint8_t *p, size_t len, bool asked, struct report *rep)
{
	struct git_pkt pkt;
	int used;

	memset(rep, 0, sizeof(*rep));
	if (!asked) {
		rep->unasked = true;
		check_unasked(p, len);
		return;
	}
	if (!len)
		return;
	if ((used = git_pkt_parse(p, len, &pkt)) <= 0)
		fz_die("the answer is not pkt-lines");
	if (pkt.kind == GIT_PKT_DATA && pkt.len >= 4 && !memcmp(pkt.data, "ERR ", 4)) {
		if ((size_t)used != len)
			fz_die("more after an ERR line");
		rep->err = true;
	} else if (pkt.kind == GIT_PKT_DATA && pkt.len && pkt.data[0] >= 1 && pkt.data[0] <= 3) {
		side_band_report(p, len, rep);
	} else if (report_lines(rep, p, len) != len) {
		fz_die("more after the report");
	}
}

/* Only refs reported ok changed, and only as a push may change them. */
static void check_refs(const struct refs *before, const struct refs *after,
                       const struct report *rep)
{
	const struct store_oid *was, *now;
	char head[STORE_REF_MAX];

	if (store_ref_symbolic(st, "HEAD", head, sizeof(head)) || strcmp(head, "refs/heads/main"))
		fz_die("HEAD no longer names refs/heads/main");
	for (size_t i = 0; i < before->n; i++) {
		now = find_ref(after, before->v[i].name);
		if ((now && !store_oid_cmp(now, &before->v[i].oid)) || rep->unasked ||
		    find_ref(&rep->ok, before->v[i].name))
			continue;
		if (!after->more)
			fz_die("a ref changed that was not reported ok");
	}
	for (size_t i = 0; i < after->n; i++) {
		was = find_ref(before, after->v[i].name);
		if (was && !store_oid_cmp(was, &after->v[i].oid))
			continue;
		if (!rep->unasked && !find_ref(&rep->ok, after->v[i].name) && !rep->ok.more)
			fz_die("a ref changed that was not reported ok");
		if (strstr(after->v[i].name, "veto"))
			fz_die("a vetoed ref changed");
		/* Only a pack that carried the secret commit's exact bytes could make it public. */
		if (!store_oid_cmp(&after->v[i].oid, &private[0]))
			fz_die("a public ref names the commit only refs/appliance/ reaches");
		if (strncmp(after->v[i].name, "refs/heads/", 11) &&
		    strncmp(after->v[i].name, "refs/tags/", 10))
			fz_die("a ref changed outside refs/heads/ and refs/tags/");
	}
	was = find_ref(before, "refs/heads/main");
	if (!(now = find_ref(after, "refs/heads/main")))
		fz_die("the site's branch was deleted");
	if (git_is_ancestor(st, was, now) != 1)
		fz_die("the site's branch moved but not forward");
}

static void report_fsck(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "fuzz_git_receive: fsck: %s\n", msg);
}

static bool same_refs(const struct refs *a, const struct refs *b)
{
	return a->n == b->n && a->more == b->more && !memcmp(a->v, b->v, sizeof(a->v[0]) * a->n);
}

/* Whether a push left the store as it found it (then it need not be made afresh). */
static bool untouched(const struct store_stats *was, const struct refs *before,
                      const struct refs *after)
{
	struct store_stats now;

	store_stats(st, &now);
	return now.objects == was->objects && now.log_used == was->log_used &&
	       same_refs(before, after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bytes body = {0}, whole = {0}, split = {0};
	static struct refs before, after_whole, after;
	struct store_stats fresh, now;
	struct report rep;

	if (size < 3)
		return 0;
	body_of(data + 3, size - 3, data[0] & 1, &body);

	fresh_store();
	store_stats(st, &fresh);
	list_refs(&before);
	push(&body, data[0] & 2, -1, -1, &whole);
	list_refs(&after_whole);
	if (!untouched(&fresh, &before, &after_whole)) {
		close_store();
		fresh_store();
	}
	push(&body, data[0] & 2, data[1], data[2], &split);
	list_refs(&after);
	if (whole.len != split.len || (whole.len && memcmp(whole.p, split.p, whole.len)) ||
	    !same_refs(&after, &after_whole))
		fz_die("the push depends on how the request was cut or read");
	check_answer(split.p, split.len, asks_report(&body), &rep);
	check_refs(&before, &after, &rep);
	/* Whatever a push added or changed must leave the store sound. */
	store_stats(st, &now);
	if ((rep.ok.n || rep.unasked || now.objects != fresh.objects) &&
	    store_fsck(st, report_fsck, NULL) != 0)
		fz_die("the store fails fsck after a push");
	close_store();
	free(body.p);
	free(whole.p);
	free(split.p);
	return 0;
}
