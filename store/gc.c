/* Compaction into the other log region, and fsck. */
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

/* Where each object of the compacted pack went: its index. */
struct objoffs {
	struct store_log_idx *v;
	size_t n, cap;
	int err;
};

static void note_obj(void *ctx, const struct store_oid *oid, uint64_t off)
{
	struct objoffs *o = ctx;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 1024;
		struct store_log_idx *v = realloc(o->v, sizeof(*v) * cap);
		if (!v) {
			o->err = -ENOMEM;
			return;
		}
		o->v = v;
		o->cap = cap;
	}
	memcpy(o->v[o->n].oid, oid->b, STORE_OID_LEN);
	o->v[o->n++].off = (uint32_t)off;
}

/* The packer's bytes into the record being written; *len gets the pack's length. */
static int pack_into_log(struct store *st, struct store_packer *p, uint64_t *len)
{
	uint8_t *buf = malloc(65536);
	size_t got = 1;
	int r = buf ? 0 : -ENOMEM;

	*len = 0;
	while (!r && got)
		if (!(r = store_packer_read(p, buf, 65536, &got)) && got) {
			r = store_log_rec_write(&st->log, buf, got);
			*len += got;
		}
	free(buf);
	return r;
}

/*
 * The live objects as one pack record in the other region, made by the
 * packer: versions of a path deltified against each other, large blobs
 * copied as they lie, as a clone would receive them.
 */
static int write_live_pack(struct store *st, const struct store_oid *roots, size_t nroots,
                           struct objoffs *o, uint64_t *rec)
{
	struct store_packer *p;
	uint64_t len;
	int r = store_packer_open(st, roots, nroots, NULL, 0, &p);

	if (r)
		return r;
	store_packer_on_object(p, note_obj, o);
	if ((r = store_log_rec_begin(&st->log, STORE_LOG_PACK, true))) {
		store_packer_close(p);
		return r;
	}
	if (!(r = pack_into_log(st, p, &len)) && !(r = o->err)) {
		store_log_rec_index_start(&st->log, len, (uint32_t)o->n);
		r = store_log_rec_write(&st->log, o->v, o->n * sizeof(*o->v));
	}
	store_packer_close(p);
	if (r) {
		store_log_rec_abort(&st->log);
		return r;
	}
	return store_log_rec_end(&st->log, rec);
}

int store_compact(struct store *st)
{
	return store_compact_keep(st, NULL, 0);
}

int store_reclaim(struct store *st)
{
	if (st->log.err)
		return -EROFS;
	/*
	 * Nothing was appended since the last compaction (the region holds
	 * its pack and snapshot alone): every object is live and packed, so
	 * another would rewrite the same. A store full of live data refuses
	 * a push without rewriting all of it each time.
	 */
	if (st->log.seq <= st->log.sb.first_seq + 2)
		return 0;
	return store_compact(st);
}

int store_compact_keep(struct store *st, const struct store_oid *keep, size_t nkeep)
{
	struct objoffs o = {0};
	struct store_oid *roots;
	size_t nroots;
	uint64_t rec;
	int r;

	if ((r = live_roots(st, keep, nkeep, &roots, &nroots)))
		return r;
	store_log_other_begin(&st->log);
	/* From here on the other region's old bytes are gone, whether this ends well or not. */
	st->overwrites[!store_region(st)]++;
	/* Nothing in the active region changes until store_log_switch's superblock. */
	if ((r = write_live_pack(st, roots, nroots, &o, &rec)) ||
	    (r = store_refs_write(st, STORE_LOG_SNAPSHOT, st->refs, st->nrefs, true)) ||
	    (r = store_log_switch(&st->log)))
		goto out;
	st->n = 0;
	st->epoch++;
	store_base_cache_clear(st); /* every object has a new place */
	for (size_t i = 0; i < o.n && !r; i++) {
		struct store_oid oid;
		memcpy(oid.b, o.v[i].oid, STORE_OID_LEN);
		r = store_idx_add(st, &oid, rec + STORE_LOG_HDR + o.v[i].off);
	}
	store_idx_sort(st);
out:
	free(o.v);
	free(roots);
	return r;
}

/* Every object reachable from the refs and their previous values is there. */
static int live_connected(struct store *st)
{
	struct store_oidset seen = {0};
	struct store_oid *roots;
	size_t n;
	int r = live_roots(st, NULL, 0, &roots, &n);

	if (!r)
		r = store_walk(st, roots, n, NULL, &seen);
	store_oidset_free(&seen);
	free(roots);
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
	if (live_connected(st))
		problem(report, ctx, "refs not fully connected", NULL, &count);
	return count;
}
