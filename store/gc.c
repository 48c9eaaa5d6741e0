/* Compaction into the other log region, fsck, and whole-store packs. */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta.h"

/* Live objects: everything reachable from each ref and its previous value. */
static int live_roots(struct store *st, const struct store_oid *keep, size_t nkeep,
		      struct store_oid **roots, size_t *n)
{
	struct store_oid *v = malloc(sizeof(*v) * (2 * st->nrefs + nkeep + 1));

	if (!v)
		return -ENOMEM;
	*n = 0;
	for (size_t i = 0; i < nkeep; i++)
		if (!store_oid_is_zero(&keep[i]))
			v[(*n)++] = keep[i];
	for (unsigned i = 0; i < st->nrefs; i++) {
		if (!store_oid_is_zero(&st->refs[i].oid))
			v[(*n)++] = st->refs[i].oid;
		if (!store_oid_is_zero(&st->refs[i].prev) && store_has(st, &st->refs[i].prev))
			v[(*n)++] = st->refs[i].prev;
	}
	*roots = v;
	return 0;
}

struct oidvec {
	struct store_oid *v;
	size_t n;
	size_t cap;
};

static int collect(void *ctx, const struct store_oid *oid, int type, const uint8_t *data,
		   size_t len)
{
	struct oidvec *o = ctx;

	(void)type, (void)data, (void)len;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 1024;
		struct store_oid *v = realloc(o->v, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = *oid;
	return 0;
}

static int live_set(struct store *st, const struct store_oid *keep, size_t nkeep,
		    struct oidvec *live)
{
	struct oidset seen = { 0 };
	struct store_oid *roots;
	size_t n;
	int r = live_roots(st, keep, nkeep, &roots, &n);

	if (r)
		return r;
	r = store_walk(st, roots, n, NULL, &seen, collect, live);
	store_oidset_free(&seen);
	free(roots);
	return r;
}

static int log_sink(void *ctx, const void *data, size_t len)
{
	return log_rec_write(ctx, data, len);
}

/* The live objects, whole, as one pack record in the other region. */
static int write_live_pack(struct store *st, const struct oidvec *live, uint64_t *offs,
			   uint64_t *rec)
{
	struct store_packw w;
	int r;

	if ((r = log_rec_begin(&st->log, LOG_PACK, true)))
		return r;
	r = store_packw_begin(&w, log_sink, &st->log, (uint32_t)live->n);
	for (size_t i = 0; i < live->n && !r; i++) {
		uint8_t *data;
		size_t len;
		int type;
		if ((r = store_get(st, &live->v[i], &type, &data, &len)))
			break;
		r = store_packw_object(&w, type, data, len, &offs[i]);
		free(data);
	}
	if (r || (r = store_packw_end(&w, NULL))) {
		log_rec_abort(&st->log);
		return r;
	}
	log_rec_index_start(&st->log, w.off, (uint32_t)live->n);
	for (size_t i = 0; i < live->n && !r; i++) {
		struct log_idx e;
		memcpy(e.oid, live->v[i].b, STORE_OID_LEN);
		e.off = (uint32_t)offs[i];
		r = log_rec_write(&st->log, &e, sizeof(e));
	}
	return r ? r : log_rec_end(&st->log, rec);
}

int store_compact(struct store *st)
{
	return store_compact_keep(st, NULL, 0);
}

int store_compact_keep(struct store *st, const struct store_oid *keep, size_t nkeep)
{
	struct oidvec live = { 0 };
	uint64_t *offs = NULL, rec;
	int r;

	if ((r = live_set(st, keep, nkeep, &live)))
		goto free_live;
	offs = malloc(sizeof(*offs) * (live.n + 1));
	if (!offs) {
		r = -ENOMEM;
		goto free_live;
	}
	log_other_begin(&st->log);
	/* Nothing in the active region changes until log_switch's superblock. */
	if ((r = write_live_pack(st, &live, offs, &rec)) ||
	    (r = store_refs_write(st, LOG_SNAPSHOT, st->refs, st->nrefs, true)) ||
	    (r = log_switch(&st->log)))
		goto free_offs;
	st->n = 0;
	st->epoch++;
	for (size_t i = 0; i < live.n && !r; i++)
		r = store_idx_add(st, &live.v[i], rec + LOG_HDR + offs[i]);
	store_idx_sort(st);
free_offs:
	free(offs);
free_live:
	free(live.v);
	return r;
}

/* ---- fsck ---- */

static void problem(void (*report)(void *, const char *), void *ctx, const char *what,
		    const uint8_t *oid, int *count)
{
	char hex[STORE_OID_HEX] = "-", msg[128];

	if (oid)
		store_oid_hex((const struct store_oid *)oid, hex);
	snprintf(msg, sizeof(msg), "%s %s", what, hex);
	if (report)
		report(ctx, msg);
	(*count)++;
}

int store_fsck(struct store *st, void (*report)(void *ctx, const char *msg), void *ctx)
{
	struct oidvec live = { 0 };
	int count = 0;

	for (uint32_t i = 0; i < st->n; i++) {
		struct store_oid oid, got;
		uint8_t *data;
		size_t len;
		int type;
		memcpy(oid.b, st->idx[i].oid, STORE_OID_LEN);
		if (store_get(st, &oid, &type, &data, &len)) {
			problem(report, ctx, "unreadable object", oid.b, &count);
			continue;
		}
		store_object_id(type, data, len, &got);
		if (store_oid_cmp(&oid, &got))
			problem(report, ctx, "hash mismatch", oid.b, &count);
		else if (store_object_check(type, data, len))
			problem(report, ctx, "malformed object", oid.b, &count);
		free(data);
	}
	if (live_set(st, NULL, 0, &live))
		problem(report, ctx, "refs not fully connected", NULL, &count);
	free(live.v);
	return count;
}
