/* Refs: compare-and-swap transactions recorded in the log, symbolic HEAD. */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct store_ref *store_ref_find(struct store *st, const char *name)
{
	for (unsigned i = 0; i < st->nrefs; i++)
		if (!strcmp(st->refs[i].name, name))
			return &st->refs[i];
	return NULL;
}

/* git-check-ref-format(1), the parts that matter to a store. */
static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= STORE_REF_MAX || name[0] == '/' || name[n - 1] == '/' ||
	    strstr(name, "..") || strstr(name, "//") || strstr(name, "@{"))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || strchr(" ~^:?*[\\\177", name[i]))
			return false;
	return !strcmp(name, "HEAD") || !strncmp(name, "refs/", 5);
}

static struct store_ref *ref_slot(struct store *st, const char *name)
{
	struct store_ref *r = store_ref_find(st, name);

	if (r || st->nrefs == STORE_MAX_REFS)
		return r;
	r = &st->refs[st->nrefs++];
	memset(r, 0, sizeof(*r));
	strcpy(r->name, name);
	return r;
}

static void ref_drop(struct store *st, struct store_ref *r)
{
	*r = st->refs[--st->nrefs];
}

/* ---- the record payload: kind, name, then values ---- */

enum { REC_VALUE = 1, REC_SYMREF = 2 };

static int put_entry(uint8_t *buf, size_t *off, const struct store_ref *r, bool sym,
		     const struct store_oid *old, const struct store_oid *new)
{
	size_t nl = strlen(r->name), tl = strlen(r->sym);

	buf[(*off)++] = sym ? REC_SYMREF : REC_VALUE;
	buf[(*off)++] = (uint8_t)nl;
	memcpy(buf + *off, r->name, nl);
	*off += nl;
	if (sym) {
		buf[(*off)++] = (uint8_t)tl;
		memcpy(buf + *off, r->sym, tl);
		*off += tl;
		return 0;
	}
	memcpy(buf + *off, old->b, STORE_OID_LEN);
	memcpy(buf + *off + STORE_OID_LEN, new->b, STORE_OID_LEN);
	*off += 2 * STORE_OID_LEN;
	return 0;
}

/*
 * LOG_REFS: refs[i].prev is the old value, refs[i].oid the new one.
 * LOG_SNAPSHOT: the same shape for every ref, so the reflog's last entry
 * survives a compaction.
 */
int store_refs_write(struct store *st, int type, const struct store_ref *refs, unsigned n,
		     bool other)
{
	uint8_t *buf = malloc((size_t)n * (3 + 2 * STORE_REF_MAX + 2 * STORE_OID_LEN) + 1);
	size_t off = 0;
	uint64_t rec;
	int r;

	if (!buf)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		put_entry(buf, &off, &refs[i], refs[i].sym[0] != '\0', &refs[i].prev, &refs[i].oid);
	r = log_rec_begin(&st->log, type, other);
	if (!r)
		r = log_rec_write(&st->log, buf, off);
	if (!r)
		r = log_rec_end(&st->log, &rec);
	free(buf);
	return r;
}

static int apply_entry(struct store *st, const uint8_t **pp, const uint8_t *end)
{
	const uint8_t *p = *pp;
	char name[STORE_REF_MAX];
	struct store_ref *r;
	uint8_t kind, nl;

	if (end - p < 2)
		return -EIO;
	kind = p[0];
	nl = p[1];
	p += 2;
	if (nl >= STORE_REF_MAX || end - p < nl + 1)
		return -EIO;
	memcpy(name, p, nl);
	name[nl] = '\0';
	p += nl;
	if (!(r = ref_slot(st, name)))
		return -EIO;
	if (kind == REC_SYMREF) {
		uint8_t tl = *p++;
		if (tl >= STORE_REF_MAX || end - p < tl)
			return -EIO;
		memcpy(r->sym, p, tl);
		r->sym[tl] = '\0';
		p += tl;
	} else if (kind == REC_VALUE && end - p >= 2 * STORE_OID_LEN) {
		memcpy(r->prev.b, p, STORE_OID_LEN);
		memcpy(r->oid.b, p + STORE_OID_LEN, STORE_OID_LEN);
		r->sym[0] = '\0';
		p += 2 * STORE_OID_LEN;
		/* A deleted ref keeps no slot; its previous value goes with it. */
		if (store_oid_is_zero(&r->oid))
			ref_drop(st, r);
	} else {
		return -EIO;
	}
	*pp = p;
	return 0;
}

int store_apply_record(void *ctx, uint64_t off, const struct log_rec *rec,
		       const uint8_t *payload)
{
	struct store *st = ctx;
	const uint8_t *p = payload, *end;
	int r = 0;

	if (rec->type == LOG_PACK) {
		const struct log_idx *e = (const struct log_idx *)payload;
		for (uint32_t i = 0; i < rec->nobj && !r; i++) {
			struct store_oid oid;
			memcpy(oid.b, e[i].oid, STORE_OID_LEN);
			r = store_idx_add(st, &oid, off + LOG_HDR + e[i].off);
		}
		return r;
	}
	if (rec->type == LOG_SNAPSHOT)
		st->nrefs = 0;
	end = payload + rec->len;
	while (p < end && !r)
		r = apply_entry(st, &p, end);
	return r;
}

/* ---- the API ---- */

static struct store_ref *resolve(struct store *st, const char *name)
{
	struct store_ref *r = store_ref_find(st, name);

	/* One level of indirection, as HEAD needs; no chains. */
	if (r && r->sym[0])
		r = store_ref_find(st, r->sym);
	return r;
}

int store_ref_get(struct store *st, const char *name, struct store_oid *oid)
{
	struct store_ref *r = resolve(st, name);

	if (!r || store_oid_is_zero(&r->oid))
		return -ENOENT;
	*oid = r->oid;
	return 0;
}

int store_ref_prev(struct store *st, const char *name, struct store_oid *oid)
{
	struct store_ref *r = resolve(st, name);

	if (!r || store_oid_is_zero(&r->prev))
		return -ENOENT;
	*oid = r->prev;
	return 0;
}

int store_ref_symbolic(struct store *st, const char *name, char *target, size_t size)
{
	struct store_ref *r = store_ref_find(st, name);

	if (!r || !r->sym[0])
		return -ENOENT;
	if (strlen(r->sym) >= size)
		return -ENOSPC;
	strcpy(target, r->sym);
	return 0;
}

static int write_durably(struct store *st, int type, const struct store_ref *refs, unsigned n)
{
	uint64_t need = log_rec_size((uint64_t)n * (3 + 2 * STORE_REF_MAX + 2 * STORE_OID_LEN));
	int r;

	if (need > log_free(&st->log)) {
		/* Keep the objects the new values need: nothing refers to them yet. */
		struct store_oid *keep = malloc(sizeof(*keep) * (n + 1));
		if (!keep)
			return -ENOMEM;
		for (unsigned i = 0; i < n; i++)
			keep[i] = refs[i].oid;
		r = store_compact_keep(st, keep, n);
		free(keep);
		if (r)
			return r;
	}
	if ((r = store_refs_write(st, type, refs, n, false)) || (r = log_flush()))
		return r;
	/* Every so often move the checkpoint, so opening stays quick. */
	if (st->log.since_ckpt > (8u << 20))
		return log_checkpoint(&st->log);
	return 0;
}

int store_ref_set_symbolic(struct store *st, const char *name, const char *target)
{
	struct store_ref r = { 0 }, *s;
	int rc;

	if (!name_ok(name) || !name_ok(target))
		return -EINVAL;
	strcpy(r.name, name);
	strcpy(r.sym, target);
	if ((rc = write_durably(st, LOG_REFS, &r, 1)))
		return rc;
	if (!(s = ref_slot(st, name)))
		return -ENOSPC;
	strcpy(s->sym, target);
	return 0;
}

static int check_update(struct store *st, const struct store_ref_update *u)
{
	struct store_ref *r;
	struct store_oid cur = { 0 };

	if (!name_ok(u->name) || !strcmp(u->name, "HEAD"))
		return -EINVAL;
	if ((r = store_ref_find(st, u->name)) && r->sym[0])
		return -EINVAL;
	if (r)
		cur = r->oid;
	else if (st->nrefs == STORE_MAX_REFS)
		return -ENOSPC;
	if (store_oid_cmp(&cur, &u->old))
		return -ESTALE;
	if (!store_oid_is_zero(&u->new) && !store_has(st, &u->new))
		return -ENOENT;
	return 0;
}

/* Every object reachable from the new values, except through the current tips. */
static int check_connected(struct store *st, const struct store_ref_update *u, size_t n)
{
	struct oidset stop = { 0 }, seen = { 0 };
	int r = 0;

	for (unsigned i = 0; i < st->nrefs && r >= 0; i++)
		if (!store_oid_is_zero(&st->refs[i].oid))
			r = store_oidset_add(&stop, &st->refs[i].oid);
	for (size_t i = 0; i < n && r >= 0; i++)
		if (!store_oid_is_zero(&u[i].new))
			r = store_walk(st, &u[i].new, 1, &stop, &seen, NULL, NULL);
	store_oidset_free(&stop);
	store_oidset_free(&seen);
	return r < 0 ? r : 0;
}

int store_refs_update(struct store *st, const struct store_ref_update *u, size_t n)
{
	struct store_ref *recs;
	int r = 0;

	if (n == 0 || n > STORE_MAX_REFS)
		return -EINVAL;
	for (size_t i = 0; i < n && !r; i++)
		r = check_update(st, &u[i]);
	if (r || (r = check_connected(st, u, n)))
		return r;
	recs = calloc(n, sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		strcpy(recs[i].name, u[i].name);
		recs[i].prev = u[i].old;
		recs[i].oid = u[i].new;
	}
	if (!(r = write_durably(st, LOG_REFS, recs, (unsigned)n)))
		for (size_t i = 0; i < n; i++) {
			struct store_ref *s = ref_slot(st, u[i].name);
			if (!s)
				continue;
			s->prev = u[i].old;
			s->oid = u[i].new;
			if (store_oid_is_zero(&s->oid))
				ref_drop(st, s);
		}
	free(recs);
	for (size_t i = 0; i < n && !r && st->on_change; i++)
		st->on_change(st->on_change_ctx, u[i].name);
	return r;
}

int store_refs_each(struct store *st,
		    int (*fn)(void *ctx, const char *name, const struct store_oid *oid), void *ctx)
{
	for (unsigned i = 0; i < st->nrefs; i++) {
		struct store_oid oid;
		int r;
		if (store_ref_get(st, st->refs[i].name, &oid))
			continue;
		if ((r = fn(ctx, st->refs[i].name, &oid)))
			return r;
	}
	return 0;
}

void store_on_change(struct store *st, void (*fn)(void *ctx, const char *ref), void *ctx)
{
	st->on_change = fn;
	st->on_change_ctx = ctx;
}
