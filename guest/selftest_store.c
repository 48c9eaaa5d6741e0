/*
 * selftest=storewrite (test build only, see selftest.h): a 10 MiB push
 * into the store while the event loop goes on, to measure how long the
 * loop stalls.
 *
 * The pack -- one incompressible 10 MiB blob -- is made on the fly (zlib
 * stored blocks, so making it costs nothing) and fed to store_import_write
 * 64 KiB per turn of the loop, as a push arriving over TCP would be. Then
 * the import ends (the pack is checked again from the device) and a ref
 * names the blob. Each call is timed: the longest is the longest the loop
 * (and every connection) waited. For comparison the same size goes in
 * again as one store_import_pack call, the whole-buffer way.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat/plat.h"
#include "selftest.h"
#include "store/pack.h"
#include "store/service.h"
#include "store/sha1.h"
#include "xen/xen.h"

#define SW_BYTES (10u << 20)
#define SW_BLOCK 32768u /* uncompressed bytes per zlib stored block */
#define SW_PIECE (2 * (SW_BLOCK + 5))

struct sw {
	struct store *st;
	struct store_import *imp;
	struct store_sha1 sha;      /* the pack's trailer */
	struct store_sha1 blob_sha; /* the blob's id, as its bytes are made */
	struct plat_timer timer;
	uint32_t x;    /* xorshift state: the blob's bytes */
	uint32_t a, b; /* adler-32 */
	uint64_t done; /* blob bytes made */
	bool ended;    /* the trailer is made */
	uint64_t t_start, longest_write;
	unsigned calls;
	struct store_oid oid;
	uint8_t buf[SW_PIECE + 64];
};

static uint64_t sw_since(uint64_t t0)
{
	return plat_now_ns() - t0;
}

static size_t sw_header(uint8_t *p)
{
	static const uint8_t pack[12] = {'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 1};
	uint64_t size = SW_BYTES;
	size_t n = sizeof(pack);

	memcpy(p, pack, n);
	/* Entry header: type 3 (blob), size in 4 + 7k bits (gitformat-pack). */
	p[n] = (uint8_t)(3 << 4 | (size & 15));
	size >>= 4;
	while (size) {
		p[n++] |= 0x80;
		p[n] = size & 0x7f;
		size >>= 7;
	}
	n++;
	p[n++] = 0x78; /* zlib: deflate, 32 KiB window */
	p[n++] = 0x01;
	return n;
}

/* One stored block of the blob's next bytes; the last one carries BFINAL. */
static size_t sw_block(struct sw *s, uint8_t *p)
{
	size_t len = SW_BYTES - s->done < SW_BLOCK ? SW_BYTES - s->done : SW_BLOCK;

	p[0] = s->done + len == SW_BYTES;
	p[1] = (uint8_t)len;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)~len;
	p[4] = (uint8_t)(~len >> 8);
	for (size_t i = 0; i < len; i++) {
		s->x ^= s->x << 13;
		s->x ^= s->x >> 17;
		s->x ^= s->x << 5;
		p[5 + i] = (uint8_t)s->x;
		s->a = (s->a + p[5 + i]) % 65521;
		s->b = (s->b + s->a) % 65521;
	}
	store_sha1_update(&s->blob_sha, p + 5, len);
	s->done += len;
	return 5 + len;
}

/* The next piece of the pack: header, blocks, then adler-32 and trailer. */
static size_t sw_piece(struct sw *s)
{
	size_t n = s->done == 0 && s->calls == 0 ? sw_header(s->buf) : 0;
	uint32_t adler;

	while (s->done < SW_BYTES && n + SW_BLOCK + 5 <= sizeof(s->buf))
		n += sw_block(s, s->buf + n);
	if (s->done == SW_BYTES && n + 24 <= sizeof(s->buf)) {
		adler = s->b << 16 | s->a;
		for (int i = 0; i < 4; i++)
			s->buf[n++] = (uint8_t)(adler >> (24 - 8 * i));
		store_sha1_update(&s->sha, s->buf, n);
		store_sha1_final(&s->sha, s->buf + n);
		s->ended = true;
		return n + 20;
	}
	store_sha1_update(&s->sha, s->buf, n);
	return n;
}

/* The same pack made whole in memory and added in one call: the old way. */
static void sw_whole(void *arg)
{
	struct sw *s = arg;
	uint8_t *pack = malloc(SW_BYTES + SW_BYTES / SW_BLOCK * 5 + 64);
	size_t len = 0, n;
	uint64_t t0;
	int r;

	if (!pack) {
		printf("guest: selftest storewrite: whole: no memory for the pack\n");
		return;
	}
	s->x = 0x2545f491u;
	s->a = 1;
	s->b = 0;
	s->done = 0;
	s->calls = 0;
	s->ended = false;
	store_sha1_init(&s->sha);
	store_sha1_init(&s->blob_sha);
	do {
		n = sw_piece(s);
		memcpy(pack + len, s->buf, n);
		len += n;
		s->calls++;
	} while (!s->ended);
	t0 = plat_now_ns();
	r = store_import_pack(s->st, pack, len, NULL);
	printf("guest: selftest storewrite: the same 10 MiB as one store_import_pack call: %llu ms "
	       "(%d)\n",
	       (unsigned long long)(sw_since(t0) / 1000000u), r);
	printf("guest: selftest storewrite: done\n");
	free(pack);
}

static void sw_finish(struct sw *s)
{
	struct store_ref_update u = {.name = "refs/heads/selftest-storewrite"};
	uint64_t t_end, t_ref, total = sw_since(s->t_start), t0 = plat_now_ns();
	uint32_t added = 0;
	int r = store_import_end(s->imp, &added);

	t_end = sw_since(t0);
	if (r == 0) {
		store_ref_get(s->st, u.name, &u.old);
		store_sha1_final(&s->blob_sha, s->oid.b);
		u.new = s->oid;
		t0 = plat_now_ns();
		r = store_refs_update(s->st, &u, 1);
		t_ref = sw_since(t0);
	}
	if (r) {
		printf("guest: selftest storewrite: FAILED (%d)\n", r);
		return;
	}
	printf("guest: selftest storewrite: 10 MiB streamed in %llu ms over %u calls; longest "
	       "write %llu ms, end (deltas resolved, index written) %llu ms, ref update %llu ms\n",
	       (unsigned long long)(total / 1000000u), s->calls,
	       (unsigned long long)(s->longest_write / 1000000u),
	       (unsigned long long)(t_end / 1000000u), (unsigned long long)(t_ref / 1000000u));
	/* Later, so a client timing the streamed push has stopped by then. */
	plat_timer_arm(&s->timer, plat_now_ns() + 15000000000ull, sw_whole, s);
}

static void sw_step(void *arg)
{
	struct sw *s = arg;
	size_t n = sw_piece(s);
	uint64_t t0 = plat_now_ns(), t;
	int r = store_import_write(s->imp, s->buf, n);

	t = sw_since(t0);
	s->calls++;
	if (t > s->longest_write)
		s->longest_write = t;
	if (r) {
		printf("guest: selftest storewrite: FAILED: write (%d)\n", r);
		store_import_abort(s->imp);
		return;
	}
	if (!s->ended) {
		/* Yield to the loop: connections get their turn between pieces. */
		plat_timer_arm(&s->timer, plat_now_ns(), sw_step, s);
		return;
	}
	sw_finish(s);
}

static void sw_start(void *arg)
{
	struct sw *s = arg;
	int r;

	if (!(s->st = store_service())) {
		printf("guest: selftest storewrite: FAILED: the store did not start\n");
		return;
	}
	s->x = 0x2545f491u;
	s->a = 1;
	store_sha1_init(&s->sha);
	store_sha1_init(&s->blob_sha);
	store_object_header(&s->blob_sha, STORE_OBJ_BLOB, SW_BYTES);
	if ((r = store_import_begin(s->st, SW_BYTES + 4096, &s->imp))) {
		printf("guest: selftest storewrite: FAILED: begin (%d)\n", r);
		return;
	}
	printf("guest: selftest storewrite: streaming a 10 MiB push into the store\n");
	s->t_start = plat_now_ns();
	sw_step(s);
}

void selftest_storewrite(void)
{
	static struct sw *s;

	if (!(s = calloc(1, sizeof(*s)))) {
		printf("guest: selftest storewrite: FAILED: no memory\n");
		return;
	}
	/* After the services have started and the network is up: in 20 s. */
	plat_timer_arm(&s->timer, plat_now_ns() + 20000000000ull, sw_start, s);
}

/*
 * selftest=ackstall: a listener of the store's ref changes (called with
 * the update already durable, in the same turn of the loop as the push
 * that made it, before its answer is written) that halts the guest at the
 * first change under refs/heads/, the push unanswered. Registered from
 * the loop's first turn, once app_start has opened the store.
 */
static void ackstall_on_change(void *ctx, const char *ref)
{
	(void)ctx;
	if (strncmp(ref, "refs/heads/", 11))
		return;
	printf("guest: selftest ackstall: %s updated; the push is not answered\n", ref);
	fflush(stdout);
	xen_halt();
}

static void ackstall_arm(void *arg)
{
	struct store *st = store_service();
	int r;

	(void)arg;
	if (!st) {
		printf("guest: selftest ackstall: FAILED: the store did not start\n");
		return;
	}
	if ((r = store_on_change(st, ackstall_on_change, NULL))) {
		printf("guest: selftest ackstall: FAILED: no listener (%d)\n", r);
		return;
	}
	printf("guest: selftest ackstall: armed: the first push halts the guest unanswered\n");
}

void selftest_ackstall(void)
{
	static struct plat_timer timer;

	plat_timer_arm(&timer, plat_now_ns(), ackstall_arm, NULL);
}
