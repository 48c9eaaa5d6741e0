/* Refs: compare-and-swap transactions recorded in the log, symbolic HEAD. */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the table: sorted by name, growable, bounded by STORE_MAX_REFS ---- */

static int ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_ref *)a)->name, ((const struct store_ref *)b)->name);
}

static bool ref_dead(const struct store_ref *r)
{
	return !r->sym && store_oid_is_zero(&r->oid);
}

/* The slot of `name`, live or deleted-but-unsettled; NULL if none. */
static struct store_ref *ref_lookup(struct store *st, const char *name)
{
	struct store_ref key = {.name = (char *)name}, *r = NULL;

	if (st->nsorted)
		r = bsearch(&key, st->refs, st->nsorted, sizeof(*st->refs), ref_cmp);
	for (unsigned i = st->nsorted; !r && i < st->nrefs; i++)
		if (!strcmp(st->refs[i].name, name))
			r = &st->refs[i];
	return r;
}

struct store_ref *store_ref_find(struct store *st, const char *name)
{
	struct store_ref *r = ref_lookup(st, name);

	return r && !ref_dead(r) ? r : NULL;
}

/* Room for `more` slots, so that applying a durable record needs no allocation. */
static int refs_reserve(struct store *st, size_t more)
{
	size_t cap = st->refs_cap ? st->refs_cap : 16;
	struct store_ref *v;

	if (st->nrefs + more <= st->refs_cap)
		return 0;
	while (cap < st->nrefs + more)
		cap *= 2;
	v = realloc(st->refs, sizeof(*v) * cap);
	if (!v)
		return -ENOMEM;
	st->refs = v;
	st->refs_cap = (unsigned)cap;
	return 0;
}

/* Append a slot taking ownership of `name`; the caller reserved room. */
static struct store_ref *ref_append(struct store *st, char *name)
{
	struct store_ref *r = &st->refs[st->nrefs++];

	memset(r, 0, sizeof(*r));
	r->name = name;
	return r;
}

static void ref_clear(struct store_ref *r)
{
	free(r->name);
	free(r->sym);
	memset(r, 0, sizeof(*r));
}

/*
 * Drop deleted slots and sort: after every record and every update. Slots
 * appended past `nsorted` are sorted in even when deletions leave no more
 * slots than were sorted before (a rename: one ref goes, one comes).
 */
static void refs_settle(struct store *st)
{
	bool appended = st->nsorted < st->nrefs;
	unsigned out = 0;

	for (unsigned i = 0; i < st->nrefs; i++) {
		if (ref_dead(&st->refs[i]))
			ref_clear(&st->refs[i]);
		else
			st->refs[out++] = st->refs[i];
	}
	st->nrefs = out;
	if (appended)
		qsort(st->refs, st->nrefs, sizeof(*st->refs), ref_cmp);
	st->nsorted = st->nrefs;
}

void store_refs_free(struct store *st)
{
	for (unsigned i = 0; i < st->nrefs; i++)
		ref_clear(&st->refs[i]);
	free(st->refs);
	st->refs = NULL;
	st->nrefs = st->nsorted = st->refs_cap = 0;
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

static char *copy_str(const char *s, size_t n)
{
	char *c = malloc(n + 1);

	if (c) {
		memcpy(c, s, n);
		c[n] = '\0';
	}
	return c;
}

/*
 * Make a slot symbolic, taking ownership of `target`. A symbolic ref has
 * no value of its own and no previous one (its record carries neither,
 * FORMAT.md): whatever the slot held goes, so that the slot reads the same
 * made here, replayed from its record, or from a compaction's snapshot, and
 * a compaction keeps nothing for it but what its target keeps.
 */
static void sym_set(struct store_ref *r, char *target)
{
	free(r->sym);
	r->sym = target;
	memset(&r->oid, 0, sizeof(r->oid));
	memset(&r->prev, 0, sizeof(r->prev));
}

/* ---- the record payload: kind, name, then values ---- */

enum { REC_VALUE = 1, REC_SYMREF = 2 };

static size_t entry_size(const struct store_ref *r)
{
	return 2 + strlen(r->name) + (r->sym ? 1 + strlen(r->sym) : 2 * STORE_OID_LEN);
}

static void put_entry(uint8_t *buf, size_t *off, const struct store_ref *r)
{
	size_t nl = strlen(r->name);

	buf[(*off)++] = r->sym ? REC_SYMREF : REC_VALUE;
	buf[(*off)++] = (uint8_t)nl;
	memcpy(buf + *off, r->name, nl);
	*off += nl;
	if (r->sym) {
		size_t tl = strlen(r->sym);
		buf[(*off)++] = (uint8_t)tl;
		memcpy(buf + *off, r->sym, tl);
		*off += tl;
		return;
	}
	memcpy(buf + *off, r->prev.b, STORE_OID_LEN);
	memcpy(buf + *off + STORE_OID_LEN, r->oid.b, STORE_OID_LEN);
	*off += 2 * STORE_OID_LEN;
}

static uint64_t payload_size(const struct store_ref *refs, unsigned n)
{
	uint64_t size = 0;

	for (unsigned i = 0; i < n; i++)
		size += entry_size(&refs[i]);
	return size;
}

/*
 * STORE_LOG_REFS: refs[i].prev is the old value, refs[i].oid the new one.
 * STORE_LOG_SNAPSHOT: the same shape for every ref, so the reflog's last entry
 * survives a compaction.
 */
int store_refs_write(struct store *st, int type, const struct store_ref *refs, unsigned n,
                     bool other)
{
	size_t size = (size_t)payload_size(refs, n), off = 0;
	uint8_t *buf = malloc(size + 1);
	uint64_t rec;
	int r;

	if (!buf)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		put_entry(buf, &off, &refs[i]);
	r = store_log_rec_begin(&st->log, type, other);
	if (!r)
		r = store_log_rec_write(&st->log, buf, off);
	if (!r)
		r = store_log_rec_end(&st->log, &rec);
	free(buf);
	return r;
}

/* The slot an entry of a record on disk names, created if new. */
static int replay_slot(struct store *st, const uint8_t *name, uint8_t nl, struct store_ref **out)
{
	char key[STORE_REF_MAX];
	char *copy;

	memcpy(key, name, nl);
	key[nl] = '\0';
	if ((*out = ref_lookup(st, key)))
		return 0;
	if (refs_reserve(st, 1) || !(copy = copy_str(key, nl)))
		return -ENOMEM;
	*out = ref_append(st, copy);
	return 0;
}

static int apply_entry(struct store *st, const uint8_t **pp, const uint8_t *end)
{
	const uint8_t *p = *pp;
	struct store_ref *r;
	uint8_t kind, nl;
	int rc;

	if (end - p < 2)
		return -EIO;
	kind = p[0];
	nl = p[1];
	p += 2;
	if (nl >= STORE_REF_MAX || end - p < nl + 1)
		return -EIO;
	if ((rc = replay_slot(st, p, nl, &r)))
		return rc;
	p += nl;
	if (kind == REC_SYMREF) {
		uint8_t tl = *p++;
		char *sym;
		if (tl >= STORE_REF_MAX || end - p < tl)
			return -EIO;
		if (!(sym = copy_str((const char *)p, tl)))
			return -ENOMEM;
		sym_set(r, sym);
		p += tl;
	} else if (kind == REC_VALUE && end - p >= 2 * STORE_OID_LEN) {
		/* A deleted ref (new value zero) goes when the table settles. */
		memcpy(r->prev.b, p, STORE_OID_LEN);
		memcpy(r->oid.b, p + STORE_OID_LEN, STORE_OID_LEN);
		free(r->sym);
		r->sym = NULL;
		p += 2 * STORE_OID_LEN;
	} else {
		return -EIO;
	}
	*pp = p;
	return 0;
}

int store_apply_record(void *ctx, uint64_t off, const struct store_log_rec *rec,
                       const uint8_t *payload)
{
	struct store *st = ctx;
	const uint8_t *p = payload, *end;
	int r = 0;

	if (rec->type == STORE_LOG_PACK) {
		const struct store_log_idx *e = (const struct store_log_idx *)payload;
		for (uint32_t i = 0; i < rec->nobj && !r; i++) {
			struct store_oid oid;
			memcpy(oid.b, e[i].oid, STORE_OID_LEN);
			r = store_idx_replay(st, &oid, off + STORE_LOG_HDR + e[i].off);
		}
		return r;
	}
	if (rec->type == STORE_LOG_SNAPSHOT) {
		for (unsigned i = 0; i < st->nrefs; i++)
			ref_clear(&st->refs[i]);
		st->nrefs = st->nsorted = 0;
	}
	end = payload + rec->len;
	while (p < end && !r)
		r = apply_entry(st, &p, end);
	refs_settle(st);
	return r;
}

/* ---- the API ---- */

/*
 * Whether symbolic ref `name` -> `target` would lead out of the store's
 * public part into its non-public one (FORMAT.md): what reads HEAD or a
 * branch would then read a secret.
 */
static bool into_private(const char *name, const char *target)
{
	return store_ref_private(target) && !store_ref_private(name);
}

static struct store_ref *resolve(struct store *st, const char *name)
{
	struct store_ref *r = store_ref_find(st, name);

	/* One level of indirection, as HEAD needs; no chains, and never into refs/appliance/. */
	if (r && r->sym)
		r = into_private(r->name, r->sym) ? NULL : store_ref_find(st, r->sym);
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

	if (!r || !r->sym)
		return -ENOENT;
	if (strlen(r->sym) >= size)
		return -ENOSPC;
	strcpy(target, r->sym);
	return 0;
}

/*
 * Append a record of `refs` and flush it: 0 once it is durable, and only
 * then, as a reopen would find it (the caller then applies it in memory).
 * Once the device fails (log.h, err) the update is said to be either not
 * made, -EROFS (the device failed before it, or at a block of the record
 * before its header, so nothing of it is found), or perhaps made,
 * -EINPROGRESS (the header block's write, or the flush after it, failed:
 * a reopen may find the record, or not). Not -EIO: a read of a corrupt
 * object says that, before anything is written.
 */
static int write_durably(struct store *st, int type, const struct store_ref *refs, unsigned n)
{
	uint64_t need = store_log_rec_size(payload_size(refs, n));
	int r;

	if (st->log.err)
		return -EROFS;
	if (need > store_log_free(&st->log)) {
		/* Keep the objects the new values need: nothing refers to them yet. */
		struct store_oid *keep = malloc(sizeof(*keep) * (n + 1));
		if (!keep)
			return -ENOMEM;
		for (unsigned i = 0; i < n; i++)
			keep[i] = refs[i].oid;
		r = store_compact_keep(st, keep, n);
		free(keep);
		if (r)
			return st->log.err ? -EROFS : r;
	}
	if ((r = store_refs_write(st, type, refs, n, false)))
		return !st->log.err ? r : st->log.err_at_header ? -EINPROGRESS : -EROFS;
	if (store_log_flush(&st->log))
		return -EINPROGRESS;
	/*
	 * Every so often move the checkpoint, so opening stays quick. The
	 * record is durable already: a reopen finds it, so the update is made
	 * whatever happens here. A checkpoint that fails leaves the log
	 * refusing writes until it is opened again (log.h, err), and that
	 * reopen scans from the checkpoint before, which the superblock slot
	 * not written still holds.
	 */
	if (st->log.since_ckpt > (8u << 20))
		(void)store_log_checkpoint(&st->log);
	return 0;
}

int store_ref_set_symbolic(struct store *st, const char *name, const char *target)
{
	struct store_ref rec = {.name = (char *)name, .sym = (char *)target}, *s;
	char *copy = NULL, *sym;
	int rc;

	if (!name_ok(name) || !name_ok(target))
		return -EINVAL;
	if (into_private(name, target))
		return -EPERM;
	s = store_ref_find(st, name);
	if (!s && st->nrefs >= STORE_MAX_REFS)
		return -ENOSPC;
	/* Everything the table needs is allocated before the record is durable. */
	sym = copy_str(target, strlen(target));
	if (!s && (refs_reserve(st, 1) || !(copy = copy_str(name, strlen(name)))))
		rc = -ENOMEM;
	else
		rc = sym ? write_durably(st, STORE_LOG_REFS, &rec, 1) : -ENOMEM;
	if (rc) {
		free(copy);
		free(sym);
		return rc;
	}
	if (!s)
		s = ref_append(st, copy);
	sym_set(s, sym);
	refs_settle(st);
	return 0;
}

/* What a push adds to an update's checks (store_refs_push). */
struct push {
	struct store_private *priv;
};

static int check_update(struct store *st, const struct store_ref_update *u)
{
	struct store_ref *r;
	struct store_oid cur = {0};

	if (!name_ok(u->name) || !strcmp(u->name, "HEAD"))
		return -EINVAL;
	if ((r = store_ref_find(st, u->name)) && r->sym)
		return -EINVAL;
	if (r)
		cur = r->oid;
	if (store_oid_cmp(&cur, &u->old))
		return -ESTALE;
	if (!store_oid_is_zero(&u->new) && !store_has(st, &u->new))
		return -ENOENT;
	return 0;
}

static int name_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A transaction names each ref once; anything else has no single meaning. */
static int check_unique(const struct store_ref_update *u, size_t n)
{
	const char **names = malloc(sizeof(*names) * (n + 1));
	int r = 0;

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		names[i] = u[i].name;
	qsort(names, n, sizeof(*names), name_ptr_cmp);
	for (size_t i = 1; i < n && !r; i++)
		if (!strcmp(names[i - 1], names[i]))
			r = -EINVAL;
	free(names);
	return r;
}

/* `name` in `v`, sorted by name_ptr_cmp. */
static bool names_have(const char *const *v, size_t n, const char *name)
{
	return n && bsearch(&name, v, n, sizeof(*v), name_ptr_cmp);
}

/* An update's new names and the names it deletes, each sorted. */
struct dir_check {
	struct store *st;
	const char **made, **gone;
	size_t nmade, ngone;
};

/*
 * Whether a directory of `name` (its part before a '/') is a name made,
 * or, with `kept`, a ref that stays.
 */
static bool dir_taken(const struct dir_check *d, const char *name, bool kept)
{
	char dir[STORE_REF_MAX];

	for (const char *s = strchr(name, '/'); s && (size_t)(s - name) < sizeof(dir);
	     s = strchr(s + 1, '/')) {
		memcpy(dir, name, (size_t)(s - name));
		dir[s - name] = '\0';
		if (names_have(d->made, d->nmade, dir) ||
		    (kept && store_ref_find(d->st, dir) && !names_have(d->gone, d->ngone, dir)))
			return true;
	}
	return false;
}

/*
 * No ref's name is a directory of another's once the update is made, where
 * the update makes one of the two (-ENOTDIR): git keeps refs as files, and
 * no client could fetch refs/heads/a beside refs/heads/a/b.
 */
static int check_dirs(struct store *st, const struct store_ref_update *u, size_t n)
{
	struct dir_check d = {st, malloc(sizeof(char *) * 2 * n), NULL, 0, 0};
	int r = 0;

	if (!d.made)
		return -ENOMEM;
	d.gone = d.made + n;
	for (size_t i = 0; i < n; i++) {
		if (store_oid_is_zero(&u[i].new))
			d.gone[d.ngone++] = u[i].name;
		else if (!store_ref_find(st, u[i].name))
			d.made[d.nmade++] = u[i].name;
	}
	qsort(d.made, d.nmade, sizeof(*d.made), name_ptr_cmp);
	qsort(d.gone, d.ngone, sizeof(*d.gone), name_ptr_cmp);
	for (size_t i = 0; i < d.nmade && !r; i++)
		if (dir_taken(&d, d.made[i], true))
			r = -ENOTDIR;
	/* A ref that stays, below a name made. */
	for (unsigned i = 0; i < st->nrefs && d.nmade && !r; i++)
		if (!ref_dead(&st->refs[i]) && !names_have(d.gone, d.ngone, st->refs[i].name) &&
		    dir_taken(&d, st->refs[i].name, false))
			r = -ENOTDIR;
	free(d.made);
	return r;
}

/* The table after the update stays within STORE_MAX_REFS; *creates gets the new names. */
static int check_room(struct store *st, const struct store_ref_update *u, size_t n, size_t *creates)
{
	size_t deletes = 0;

	*creates = 0;
	for (size_t i = 0; i < n; i++) {
		bool exists = store_ref_find(st, u[i].name) != NULL;
		bool zero = store_oid_is_zero(&u[i].new);
		*creates += !exists && !zero;
		deletes += exists && zero;
	}
	return st->nrefs + *creates - deletes > STORE_MAX_REFS ? -ENOSPC : 0;
}

/*
 * Every object reachable from the new values, except through the current
 * tips. For a push (`push`) only the public refs' tips stop the walk, so
 * that what it reaches of the private part is seen, and checked.
 */
static int check_connected(struct store *st, const struct store_ref_update *u, size_t n,
                           const struct push *push)
{
	struct store_oidset stop = {0}, seen = {0};
	int r = 0;

	for (unsigned i = 0; i < st->nrefs && r >= 0; i++)
		if (!store_oid_is_zero(&st->refs[i].oid) &&
		    !(push && store_ref_private(st->refs[i].name)))
			r = store_oidset_add(&stop, &st->refs[i].oid);
	for (size_t i = 0; i < n && r >= 0; i++)
		if (!store_oid_is_zero(&u[i].new))
			r = store_walk(st, &u[i].new, 1, &stop, &seen);
	if (r >= 0 && push)
		r = store_private_check(st, &seen, push->priv);
	store_oidset_free(&stop);
	store_oidset_free(&seen);
	return r < 0 ? r : 0;
}

/*
 * The service's veto, if one is set: -EPERM with its reason kept; -EIO if
 * it could not read what it checks, -ENOMEM if it ran short of memory
 * checking (store.h).
 */
static int check_veto(struct store *st, const struct store_ref_update *u, size_t n)
{
	st->veto_why[0] = '\0';
	for (size_t i = 0; i < n && st->veto; i++) {
		int r = st->veto(st->veto_ctx, st, &u[i], st->veto_why, sizeof(st->veto_why));
		if (r == -EIO || r == -ENOMEM)
			return r;
		if (r) {
			if (!st->veto_why[0])
				snprintf(st->veto_why, sizeof(st->veto_why), "%s: refused",
				         u[i].name);
			return -EPERM;
		}
	}
	return 0;
}

/* Copies of the names the update creates, so that applying it cannot fail. */
static int prepare_names(struct store *st, const struct store_ref_update *u, size_t n,
                         size_t creates, char ***out)
{
	char **names = calloc(creates + 1, sizeof(*names));
	size_t k = 0;

	if (!names || refs_reserve(st, creates)) {
		free(names);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (store_ref_find(st, u[i].name) || store_oid_is_zero(&u[i].new))
			continue;
		if (!(names[k++] = copy_str(u[i].name, strlen(u[i].name)))) {
			while (k--)
				free(names[k]);
			free(names);
			return -ENOMEM;
		}
	}
	*out = names;
	return 0;
}

static void apply_update(struct store *st, const struct store_ref_update *u, size_t n, char **names)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		struct store_ref *s = store_ref_find(st, u[i].name);
		if (!s && store_oid_is_zero(&u[i].new))
			continue;
		if (!s)
			s = ref_append(st, names[k++]);
		s->prev = u[i].old;
		s->oid = u[i].new;
	}
	refs_settle(st);
}

static int refs_update(struct store *st, const struct store_ref_update *u, size_t n,
                       const struct push *push)
{
	struct store_ref *recs;
	char **names;
	size_t creates;
	int r = 0;

	if (n == 0 || n > STORE_MAX_REFS)
		return -EINVAL;
	for (size_t i = 0; i < n && !r; i++)
		r = check_update(st, &u[i]);
	if (r || (r = check_unique(u, n)) || (r = check_dirs(st, u, n)) ||
	    (r = check_veto(st, u, n)) || (r = check_room(st, u, n, &creates)) ||
	    (r = check_connected(st, u, n, push)) || (r = prepare_names(st, u, n, creates, &names)))
		return r;
	recs = calloc(n, sizeof(*recs));
	r = recs ? 0 : -ENOMEM;
	for (size_t i = 0; i < n && !r; i++) {
		recs[i].name = (char *)u[i].name;
		recs[i].prev = u[i].old;
		recs[i].oid = u[i].new;
	}
	if (!r)
		r = write_durably(st, STORE_LOG_REFS, recs, (unsigned)n);
	free(recs);
	if (r) {
		for (size_t k = 0; k < creates; k++)
			free(names[k]);
		free(names);
		return r;
	}
	apply_update(st, u, n, names);
	free(names);
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < st->n_on_change; k++)
			st->on_change[k].fn(st->on_change[k].ctx, u[i].name);
	return 0;
}

int store_refs_update(struct store *st, const struct store_ref_update *u, size_t n)
{
	return refs_update(st, u, n, NULL);
}

int store_refs_push(struct store *st, const struct store_ref_update *u, size_t n,
                    struct store_private *priv)
{
	struct store_private none = {0};
	struct push push = {priv ? priv : &none};
	int r = refs_update(st, u, n, &push);

	store_private_free(&none);
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

int store_on_change(struct store *st, void (*fn)(void *ctx, const char *ref), void *ctx)
{
	if (st->n_on_change == STORE_ON_CHANGE_MAX)
		return -ENOSPC;
	st->on_change[st->n_on_change].fn = fn;
	st->on_change[st->n_on_change++].ctx = ctx;
	return 0;
}

void store_set_veto(struct store *st,
                    int (*fn)(void *ctx, struct store *st, const struct store_ref_update *u,
                              char *why, size_t size),
                    void *ctx)
{
	st->veto = fn;
	st->veto_ctx = ctx;
}

const char *store_veto_reason(const struct store *st)
{
	return st->veto_why;
}

const char *store_strerror(int r)
{
	if (r == -EROFS)
		return "the store's device failed before: it takes no writes until it is opened "
		       "again (the appliance's restart)";
	if (r == -EINPROGRESS)
		return "the store's device failed while writing it: whether it was kept is known "
		       "once the store is opened again (the appliance's restart)";
	return strerror(-r);
}
