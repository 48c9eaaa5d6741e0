/* git-upload-pack (upload.h). */
#include "upload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "refs.h"
#include "version.h"
#include "walk.h"

#define MAX_PREFIXES 16 /* ls-refs ref-prefix arguments */
#define INFINITE_DEPTH 0x7fffffff

struct oids {
	struct store_oid *v;
	size_t n, cap;
};

enum phase {
	PH_WANTS,  /* v0: wants, shallow, deepen, up to a flush */
	PH_HAVES,  /* v0: haves, up to a flush or done */
	PH_END,    /* v0: nothing more may come */
	PH_CMD,    /* v2: command= */
	PH_CAPS,   /* v2: capabilities, up to a delimiter or flush */
	PH_ARGS,   /* v2: the command's arguments, up to a flush */
	PH_FAILED, /* refused: the rest of the body is ignored */
};

enum command { CMD_NONE, CMD_LS_REFS, CMD_FETCH };

struct git_upload {
	struct store *st;
	int version;
	enum phase phase;
	enum command cmd;
	struct git_pkt_reader rd;
	/* What the client asked. */
	struct oids wants, common, client_shallow;
	struct store_oidset common_set;
	unsigned depth;
	bool deepen_relative, done, multi_ack_detailed, no_done, side_band, include_tag;
	bool no_progress, any_have;
	/* Negotiation (v0, as git's upload-pack answers it). */
	bool got_common, got_other, sent_ready, ready_known, ready;
	size_t ready_for;    /* common.n when `ready` was worked out */
	size_t ready_budget; /* commits the readiness walks may still visit */
	unsigned satisfied;  /* wants known to reach a common commit */
	struct store_oid last;
	/* ls-refs */
	bool peel, symrefs, unborn;
	char prefix[MAX_PREFIXES][STORE_REF_MAX];
	unsigned nprefix;
	/* The answer: lines made here, then the pack, then a flush. */
	struct git_pkt_buf out;
	struct store_packer *packer;
	bool send_pack, flushed, ended, planned;
	struct oids shallow, unshallow, tips, tags;
	struct store_oidset client_shallow_set, unshallow_set; /* the same, to look up */
	struct oids parents; /* of unshallowed commits: sent as wants */
};

static int oids_add(struct oids *o, const struct store_oid *oid)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		struct store_oid *v = realloc(o->v, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = *oid;
	return 0;
}

/*
 * Add to a list kept with a set of it (membership tests in walks sized by
 * the client): duplicates are dropped. 0 or -ENOMEM.
 */
static int add_unique(struct oids *o, struct store_oidset *set, const struct store_oid *oid)
{
	int r = store_oidset_add(set, oid);

	return r <= 0 ? r : oids_add(o, oid);
}

/* Refuse the request: an ERR line is the whole answer (git prints "remote error: ..."). */
static int refuse(struct git_upload *u, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(struct git_upload *u, int err, const char *fmt, ...)
{
	char msg[GIT_PKT_LINE_MAX - 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	git_pkt_buf_free(&u->out);
	git_pkt_buf_text(&u->out, "ERR upload-pack: %s\n", msg);
	u->phase = PH_FAILED;
	u->send_pack = false;
	return err;
}

/*
 * A failure met answering, none of the request's doing, said as what it
 * was, unless a refusal already said more: out of memory, the store's
 * read (its device, or damaged data), or the store.
 */
static int failed(struct git_upload *u, int err)
{
	if (u->phase == PH_FAILED)
		return err;
	return refuse(u, err, "%s",
	              err == -ENOMEM ? "out of memory"
	              : err == -EIO  ? "the store could not read an object: its device failed, or "
	                               "the data there is damaged"
	                             : "the store failed to answer");
}

/* Refuse a line not understood, quoting its start. */
static int unknown(struct git_upload *u, const char *what, const char *line, size_t len)
{
	char quoted[80];

	snprintf(quoted, sizeof(quoted), "%s '%.*s'", what, (int)(len < 60 ? len : 60),
	         line ? line : "");
	for (char *q = quoted; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	return refuse(u, -EBADMSG, "%s", quoted);
}

/* "<keyword> <40 hex>" at the start of a line: the oid, or -1. */
static int line_oid(const char *line, size_t len, const char *keyword, struct store_oid *oid)
{
	size_t k = strlen(keyword);
	char hex[STORE_OID_HEX];

	if (len < k + 1 + 40 || memcmp(line, keyword, k) || line[k] != ' ' ||
	    (len > k + 41 && line[k + 41] != ' '))
		return -1;
	memcpy(hex, line + k + 1, 40);
	hex[40] = '\0';
	return store_oid_from_hex(hex, oid) ? -1 : 0;
}

/* The capabilities after the first want's id (v0). */
static void want_caps(struct git_upload *u, const char *caps, size_t len)
{
	u->multi_ack_detailed = git_caps_has(caps, len, "multi_ack_detailed");
	u->no_done = git_caps_has(caps, len, "no-done");
	u->side_band =
	    git_caps_has(caps, len, "side-band-64k") || git_caps_has(caps, len, "side-band");
	u->include_tag = git_caps_has(caps, len, "include-tag");
	u->no_progress = git_caps_has(caps, len, "no-progress");
	u->deepen_relative = git_caps_has(caps, len, "deepen-relative");
}

static int parse_depth(struct git_upload *u, const char *arg, size_t len)
{
	uint64_t d = 0; /* 10 digits: over 32 bits, the guest's unsigned long */

	if (!len || len > 10)
		return unknown(u, "bad deepen", arg, len);
	for (size_t i = 0; i < len; i++) {
		if (arg[i] < '0' || arg[i] > '9')
			return unknown(u, "bad deepen", arg, len);
		d = d * 10 + (uint64_t)(arg[i] - '0');
	}
	if (d == 0)
		return refuse(u, -EINVAL, "deepen needs a positive depth");
	u->depth = d > INFINITE_DEPTH ? INFINITE_DEPTH : (unsigned)d;
	return 0;
}

/* A line shared by v0's want phase and v2's fetch arguments. */
static int want_line(struct git_upload *u, const char *line, size_t len)
{
	struct store_oid oid;

	if (!line_oid(line, len, "want", &oid)) {
		if (u->wants.n >= GIT_UPLOAD_MAX_WANTS)
			return refuse(u, -E2BIG, "more than %d wants", GIT_UPLOAD_MAX_WANTS);
		if (u->version != 2 && u->wants.n == 0 && len > 45)
			want_caps(u, line + 46, len - 46);
		return oids_add(&u->wants, &oid);
	}
	if (!line_oid(line, len, "shallow", &oid)) {
		if (u->client_shallow.n >= GIT_UPLOAD_MAX_WANTS)
			return refuse(u, -E2BIG, "more than %d shallow lines",
			              GIT_UPLOAD_MAX_WANTS);
		return store_has(u->st, &oid)
		           ? add_unique(&u->client_shallow, &u->client_shallow_set, &oid)
		           : 0;
	}
	if (len > 7 && !memcmp(line, "deepen ", 7))
		return parse_depth(u, line + 7, len - 7);
	if (len >= 12 && (!memcmp(line, "deepen-since", 12) || !memcmp(line, "deepen-not", 10)))
		return refuse(u, -ENOTSUP,
		              "deepen-since/-not is not supported: use --depth or --deepen");
	if (len >= 6 && !memcmp(line, "filter", 6))
		return refuse(u, -ENOTSUP, "partial clone (filter) is not supported");
	return 1; /* not one of these */
}

/* ---- negotiation ---- */

/* Each commit a readiness walk visits comes out of the request's budget. */
struct give_up {
	struct store_oidset *common;
	size_t *budget;
};

static int find_common_fn(void *ctx, const struct store_oid *oid, const struct store_commit *c,
                          unsigned depth)
{
	struct give_up *g = ctx;

	(void)c, (void)depth;
	if (!*g->budget)
		return -E2BIG;
	--*g->budget;
	return store_oidset_has(g->common, oid) ? -EEXIST : GIT_WALK_ON;
}

/*
 * Whether every want reaches a commit in common (git's ok_to_give_up):
 * then the client need say no more. Worked out again only when more is
 * known in common, and with GIT_WALK_LIMIT commits in all per request
 * (wants and haves are the client's: without a budget, thousands of wants
 * times a long history). Past it the answer stays no: the client goes on
 * to "done", which is only slower.
 */
static bool ok_to_give_up(struct git_upload *u)
{
	struct give_up g = {&u->common_set, &u->ready_budget};

	if (!u->common.n)
		return false;
	if (u->ready_known && u->ready_for == u->common.n)
		return u->ready;
	u->ready_known = true;
	u->ready_for = u->common.n;
	while (u->satisfied < u->wants.n) {
		int r = git_walk(u->st, &u->wants.v[u->satisfied], 1, find_common_fn, &g);
		if (r != -EEXIST)
			return u->ready = false;
		u->satisfied++;
	}
	return u->ready = true;
}

/* A have: 1 if we have it (it is then in common), 2 if it was in common already, 0 if not. */
static int got_have(struct git_upload *u, const struct store_oid *oid)
{
	int r;

	u->any_have = true;
	if (!store_has(u->st, oid))
		return 0;
	if (store_oidset_has(&u->common_set, oid))
		return 2;
	if (u->common.n >= GIT_UPLOAD_MAX_COMMON)
		return 0;
	if ((r = store_oidset_add(&u->common_set, oid)) < 0 || (r = oids_add(&u->common, oid)))
		return r;
	return 1;
}

static void ack(struct git_upload *u, const struct store_oid *oid, const char *what)
{
	char hex[STORE_OID_HEX];

	store_oid_hex(oid, hex);
	git_pkt_buf_text(&u->out, "ACK %s%s%s\n", hex, *what ? " " : "", what);
}

/*
 * v0: a have line, answered as git's upload-pack does (multi_ack_detailed),
 * but for what the client would read twice: the answer is held until the
 * request ends, so a have in common already and "ready" said already add
 * nothing to it (else each have line of an endless body would).
 */
static int v0_have(struct git_upload *u, const struct store_oid *oid)
{
	int r = got_have(u, oid);

	if (r < 0)
		return r;
	if (r) {
		u->got_common = true;
		u->last = *oid;
		if (r == 1 && u->multi_ack_detailed)
			ack(u, oid, "common");
		else if (r == 1 && u->common.n == 1)
			ack(u, oid, "");
	} else {
		u->got_other = true;
		if (u->multi_ack_detailed && !u->sent_ready && ok_to_give_up(u)) {
			u->sent_ready = true;
			ack(u, oid, "ready");
		}
	}
	return 0;
}

/* v0: the flush after haves ends a round; the pack follows only if no-done allows. */
static void v0_round_end(struct git_upload *u)
{
	if (u->multi_ack_detailed && u->got_common && !u->got_other && ok_to_give_up(u)) {
		u->sent_ready = true;
		ack(u, &u->last, "ready");
	}
	if (!u->common.n || u->multi_ack_detailed)
		git_pkt_buf_text(&u->out, "NAK\n");
	if (u->no_done && u->sent_ready) {
		ack(u, &u->last, "");
		u->send_pack = true;
	}
	u->phase = PH_END;
}

/*
 * v0: done, then the pack. With multi_ack the last have in common is
 * acknowledged again; without, its one ACK went with the first have in
 * common (git's upload-pack, get_common_commits). NAK if none was.
 */
static void v0_done(struct git_upload *u)
{
	if (!u->common.n)
		git_pkt_buf_text(&u->out, "NAK\n");
	else if (u->multi_ack_detailed)
		ack(u, &u->last, "");
	u->send_pack = true;
	u->phase = PH_END;
}

/* ---- what may be wanted, and shallow boundaries ---- */

struct tips {
	struct git_upload *u;
	struct store_oidset set;
};

static int tip_fn(void *ctx, const char *name, const struct store_oid *oid)
{
	struct tips *t = ctx;
	struct store_oid peeled;
	int r;

	if (!git_ref_public(name))
		return 0;
	if ((r = store_oidset_add(&t->set, oid)) < 0 || (r = oids_add(&t->u->tips, oid)))
		return r;
	if (!strncmp(name, "refs/tags/", 10) && t->u->include_tag &&
	    (r = oids_add(&t->u->tags, oid)))
		return r;
	if (git_ref_peel(t->u->st, oid, &peeled) == 0 &&
	    (r = store_oidset_add(&t->set, &peeled)) < 0)
		return r;
	return 0;
}

struct reach {
	struct store_oidset *wanted; /* wants that are no tip */
	size_t left;
};

static int reach_fn(void *ctx, const struct store_oid *oid, const struct store_commit *c,
                    unsigned depth)
{
	struct reach *r = ctx;

	(void)c, (void)depth;
	if (store_oidset_has(r->wanted, oid) && --r->left == 0)
		return -EEXIST;
	return GIT_WALK_ON;
}

/*
 * Every want must be a public ref's value (or its peeled tag) or a commit
 * reachable from one: nothing only refs/appliance/ reaches is ever sent.
 */
static int check_wants(struct git_upload *u)
{
	struct tips t = {.u = u};
	struct store_oidset wanted = {0};
	struct reach reach = {.wanted = &wanted};
	char hex[STORE_OID_HEX];
	int r = store_refs_each(u->st, tip_fn, &t);

	for (size_t i = 0; i < u->wants.n && r >= 0; i++) {
		if (!store_has(u->st, &u->wants.v[i])) {
			store_oid_hex(&u->wants.v[i], hex);
			r = refuse(u, -ENOENT, "not our ref %s (no such object)", hex);
		} else if (!store_oidset_has(&t.set, &u->wants.v[i]) &&
		           (r = store_oidset_add(&wanted, &u->wants.v[i])) == 1) {
			reach.left++;
		}
	}
	if (r >= 0 && reach.left) {
		r = git_walk(u->st, u->tips.v, u->tips.n, reach_fn, &reach);
		if (r == -EEXIST)
			r = 0;
		else if (r >= 0 || r == -E2BIG)
			r = refuse(u, -EPERM,
			           "not our ref: a want is not reachable from any branch or tag");
	}
	store_oidset_free(&wanted);
	store_oidset_free(&t.set);
	return r < 0 ? r : 0;
}

struct deepen {
	struct git_upload *u;
	unsigned limit;
};

/* Commits at the depth asked are the new boundary; client-shallow ones above it unshallow. */
static int deepen_fn(void *ctx, const struct store_oid *oid, const struct store_commit *c,
                     unsigned depth)
{
	struct deepen *d = ctx;
	int r;

	if (depth >= d->limit) {
		if (c->nparents && (r = oids_add(&d->u->shallow, oid)))
			return r;
		return GIT_WALK_PRUNE;
	}
	if (store_oidset_has(&d->u->client_shallow_set, oid) &&
	    (r = add_unique(&d->u->unshallow, &d->u->unshallow_set, oid)) < 0)
		return r;
	return GIT_WALK_ON;
}

/* The parents of the unshallowed commits are sent: they become wants of the pack. */
static int unshallow_parents(struct git_upload *u)
{
	for (size_t i = 0; i < u->unshallow.n; i++) {
		struct store_commit c;
		uint8_t *data;
		int r = git_commit_get(u->st, &u->unshallow.v[i], &c, &data);
		for (unsigned k = 0; !r && k < c.nparents; k++)
			r = oids_add(&u->parents, &c.parent[k]);
		free(data);
		if (r)
			return r;
	}
	return 0;
}

struct boundary {
	struct git_upload *u;
	struct oids *found;
	size_t left;
};

static int boundary_fn(void *ctx, const struct store_oid *oid, const struct store_commit *c,
                       unsigned depth)
{
	struct boundary *b = ctx;
	int r;

	(void)c, (void)depth;
	if (!store_oidset_has(&b->u->client_shallow_set, oid))
		return GIT_WALK_ON;
	if ((r = oids_add(b->found, oid)))
		return r;
	return --b->left ? GIT_WALK_ON : -EEXIST;
}

/*
 * The client's boundary commits that a branch or tag reaches (git's
 * get_reachable_list): deepen-relative deepens from these only. A shallow
 * line is the client's word; one naming a commit only refs/appliance/
 * reaches would otherwise unshallow it and send its parents.
 */
static int reachable_boundary(struct git_upload *u, struct oids *found)
{
	struct boundary b = {u, found, u->client_shallow.n};
	struct oids from = {0};
	struct store_oid peeled;
	int r = 0;

	/* From the tips peeled: the walk names a tag's commit by the tag's id. */
	for (size_t i = 0; i < u->tips.n && b.left && !r; i++)
		r = oids_add(&from,
		             git_ref_peel(u->st, &u->tips.v[i], &peeled) ? &u->tips.v[i] : &peeled);
	if (!r && b.left)
		r = git_walk(u->st, from.v, from.n, boundary_fn, &b);
	free(from.v);
	return r == -EEXIST ? 0 : r;
}

/*
 * The new shallow boundary for `deepen N` (from the wants) or with
 * deepen-relative (from the client's boundary that is ours), written as
 * shallow and unshallow lines. The pack stops at the new boundary and at
 * the client's boundary commits that stay.
 */
static int shallow_info(struct git_upload *u)
{
	struct deepen d = {.u = u};
	char hex[STORE_OID_HEX];
	int r = 0;

	if (u->depth && u->deepen_relative) {
		struct oids from = {0};
		d.limit = u->depth >= INFINITE_DEPTH ? INFINITE_DEPTH : u->depth + 1;
		if (!(r = reachable_boundary(u, &from)))
			r = git_walk(u->st, from.v, from.n, deepen_fn, &d);
		free(from.v);
	} else if (u->depth) {
		d.limit = u->depth;
		r = git_walk(u->st, u->wants.v, u->wants.n, deepen_fn, &d);
	}
	if (r == -E2BIG)
		return refuse(u, r, "the history is too long to deepen (%d commits at most)",
		              GIT_WALK_LIMIT);
	if (r < 0 || (r = unshallow_parents(u)))
		return r;
	for (size_t i = 0; i < u->shallow.n; i++)
		if (!store_oidset_has(&u->client_shallow_set, &u->shallow.v[i])) {
			store_oid_hex(&u->shallow.v[i], hex);
			git_pkt_buf_text(&u->out, "shallow %s\n", hex);
		}
	for (size_t i = 0; i < u->unshallow.n; i++) {
		store_oid_hex(&u->unshallow.v[i], hex);
		git_pkt_buf_text(&u->out, "unshallow %s\n", hex);
	}
	/* The client's boundary commits that stay are boundaries of this pack too. */
	for (size_t i = 0; i < u->client_shallow.n && !r; i++)
		if (!store_oidset_has(&u->unshallow_set, &u->client_shallow.v[i]))
			r = oids_add(&u->shallow, &u->client_shallow.v[i]);
	return r;
}

/* ---- protocol v0 ---- */

static int v0_wants_end(struct git_upload *u)
{
	int r;

	if (!u->wants.n) { /* nothing wanted: an empty answer */
		u->phase = PH_END;
		return 0;
	}
	if ((r = check_wants(u)))
		return r;
	if (u->depth) {
		if ((r = shallow_info(u)))
			return r;
		git_pkt_buf_special(&u->out, GIT_PKT_FLUSH);
	} else {
		for (size_t i = 0; i < u->client_shallow.n && !r; i++)
			r = oids_add(&u->shallow, &u->client_shallow.v[i]);
	}
	u->phase = PH_HAVES;
	return r;
}

static int v0_line(struct git_upload *u, const struct git_pkt *pkt)
{
	const char *line = (const char *)pkt->data;
	size_t len = pkt->kind == GIT_PKT_DATA ? git_pkt_chomp(pkt) : 0;
	struct store_oid oid;
	int r;

	if (u->phase == PH_WANTS) {
		if (pkt->kind == GIT_PKT_FLUSH)
			return v0_wants_end(u);
		if (pkt->kind == GIT_PKT_DATA && (r = want_line(u, line, len)) <= 0)
			return r;
		return unknown(u, "expected a want, shallow or deepen line, got", line, len);
	}
	if (u->phase == PH_HAVES) {
		if (pkt->kind == GIT_PKT_FLUSH) {
			v0_round_end(u);
			return 0;
		}
		if (pkt->kind == GIT_PKT_DATA && len == 4 && !memcmp(line, "done", 4)) {
			v0_done(u);
			return 0;
		}
		if (pkt->kind == GIT_PKT_DATA && !line_oid(line, len, "have", &oid) && len == 45)
			return v0_have(u, &oid);
		return unknown(u, "expected a have line or done, got", line, len);
	}
	return refuse(u, -EBADMSG, "lines after the end of the request");
}

/* ---- protocol v2 ---- */

static int v2_arg_ls_refs(struct git_upload *u, const char *line, size_t len)
{
	if (len == 4 && !memcmp(line, "peel", 4))
		u->peel = true;
	else if (len == 7 && !memcmp(line, "symrefs", 7))
		u->symrefs = true;
	else if (len == 6 && !memcmp(line, "unborn", 6))
		u->unborn = true;
	else if (len > 11 && !memcmp(line, "ref-prefix ", 11)) {
		if (len - 11 >= STORE_REF_MAX)
			return 0; /* no ref is that long: it matches none */
		/* Past the limit, prefixes are dropped: more refs are listed, as gitprotocol-v2
		 * allows. */
		if (u->nprefix < MAX_PREFIXES) {
			memcpy(u->prefix[u->nprefix], line + 11, len - 11);
			u->prefix[u->nprefix++][len - 11] = '\0';
		} else {
			u->nprefix = MAX_PREFIXES + 1;
		}
	} else {
		return unknown(u, "ls-refs: unknown argument", line, len);
	}
	return 0;
}

static int v2_arg_fetch(struct git_upload *u, const char *line, size_t len)
{
	struct store_oid oid;
	int r;

	if (!line_oid(line, len, "have", &oid) && len == 45) {
		r = got_have(u, &oid);
		return r < 0 ? r : 0;
	}
	if ((r = want_line(u, line, len)) <= 0)
		return r;
	if (len == 4 && !memcmp(line, "done", 4))
		u->done = true;
	else if (len == 15 && !memcmp(line, "deepen-relative", 15))
		u->deepen_relative = true;
	else if (len == 11 && !memcmp(line, "include-tag", 11))
		u->include_tag = true;
	else if (len == 11 && !memcmp(line, "no-progress", 11))
		u->no_progress = true;
	else if ((len == 9 && !memcmp(line, "thin-pack", 9)) ||
	         (len == 9 && !memcmp(line, "ofs-delta", 9)))
		; /* our packs hold ofs-deltas and are never thin: both fine */
	else if (len > 8 && !memcmp(line, "want-ref", 8))
		return refuse(u, -ENOTSUP, "want-ref is not supported");
	else
		return unknown(u, "fetch: unknown argument", line, len);
	return 0;
}

static int v2_line(struct git_upload *u, const struct git_pkt *pkt)
{
	const char *line = (const char *)pkt->data;
	size_t len = pkt->kind == GIT_PKT_DATA ? git_pkt_chomp(pkt) : 0;

	switch (u->phase) {
	case PH_CMD:
		if (pkt->kind == GIT_PKT_FLUSH) { /* no command: the client is done */
			u->phase = PH_END;
			return 0;
		}
		if (pkt->kind == GIT_PKT_DATA && len == 15 && !memcmp(line, "command=ls-refs", 15))
			u->cmd = CMD_LS_REFS;
		else if (pkt->kind == GIT_PKT_DATA && len == 13 &&
		         !memcmp(line, "command=fetch", 13))
			u->cmd = CMD_FETCH;
		else
			return unknown(u, "unknown command", line, len);
		u->phase = PH_CAPS;
		return 0;
	case PH_CAPS:
		if (pkt->kind == GIT_PKT_DATA) {
			if (len > 14 && !memcmp(line, "object-format=", 14) &&
			    (len != 18 || memcmp(line + 14, "sha1", 4)))
				return refuse(u, -ENOTSUP, "only object-format=sha1");
			return 0; /* agent=, server-option=: noted, not needed */
		}
		u->phase = pkt->kind == GIT_PKT_DELIM ? PH_ARGS : PH_END;
		return 0;
	case PH_ARGS:
		if (pkt->kind != GIT_PKT_DATA) {
			u->phase = PH_END;
			return 0;
		}
		return u->cmd == CMD_LS_REFS ? v2_arg_ls_refs(u, line, len)
		                             : v2_arg_fetch(u, line, len);
	default:
		return refuse(u, -EBADMSG, "lines after the end of the request");
	}
}

struct ls {
	struct git_upload *u;
	int err;
};

static bool prefixed(const struct git_upload *u, const char *name)
{
	if (!u->nprefix || u->nprefix > MAX_PREFIXES)
		return true;
	for (unsigned i = 0; i < u->nprefix; i++)
		if (!strncmp(name, u->prefix[i], strlen(u->prefix[i])))
			return true;
	return false;
}

static int ls_fn(void *ctx, const char *name, const struct store_oid *oid)
{
	struct git_upload *u = ctx;
	char hex[STORE_OID_HEX], target[STORE_REF_MAX] = "", peeled_hex[STORE_OID_HEX] = "";
	struct store_oid peeled;

	if (!git_ref_public(name) || !prefixed(u, name))
		return 0;
	store_oid_hex(oid, hex);
	if (u->symrefs)
		store_ref_symbolic(u->st, name, target, sizeof(target));
	if (u->peel && git_ref_peel(u->st, oid, &peeled) == 0)
		store_oid_hex(&peeled, peeled_hex);
	git_pkt_buf_text(&u->out, "%s %s%s%s%s%s\n", hex, name, *target ? " symref-target:" : "",
	                 target, *peeled_hex ? " peeled:" : "", peeled_hex);
	return u->out.err;
}

static int ls_skip_head(void *ctx, const char *name, const struct store_oid *oid)
{
	return strcmp(name, "HEAD") ? ls_fn(ctx, name, oid) : 0;
}

static void ls_refs(struct git_upload *u)
{
	struct store_oid head;
	char target[STORE_REF_MAX];

	/* HEAD first, as git lists it; unborn (an empty store) only if asked. */
	if (prefixed(u, "HEAD") && store_ref_get(u->st, "HEAD", &head) == 0)
		ls_fn(u, "HEAD", &head);
	else if (u->unborn && prefixed(u, "HEAD") &&
	         store_ref_symbolic(u->st, "HEAD", target, sizeof(target)) == 0 &&
	         git_ref_public(target))
		git_pkt_buf_text(&u->out, "unborn HEAD symref-target:%s\n", target);
	store_refs_each(u->st, ls_skip_head, u);
	git_pkt_buf_special(&u->out, GIT_PKT_FLUSH);
}

/* v2 fetch: acknowledgments unless done, then (when ready) shallow-info and the pack. */
static int v2_fetch(struct git_upload *u)
{
	bool ready;
	int r;

	if (!u->wants.n)
		return refuse(u, -EBADMSG, "fetch without a want");
	if ((r = check_wants(u)))
		return r;
	if (!u->done) {
		git_pkt_buf_text(&u->out, "acknowledgments\n");
		if (!u->common.n)
			git_pkt_buf_text(&u->out, "NAK\n");
		for (size_t i = 0; i < u->common.n; i++)
			ack(u, &u->common.v[i], "");
		ready = ok_to_give_up(u);
		if (ready)
			git_pkt_buf_text(&u->out, "ready\n");
		git_pkt_buf_special(&u->out, ready ? GIT_PKT_DELIM : GIT_PKT_FLUSH);
		if (!ready)
			return 0;
	}
	if (u->depth || u->client_shallow.n) {
		git_pkt_buf_text(&u->out, "shallow-info\n");
		if ((r = shallow_info(u)))
			return r;
		git_pkt_buf_special(&u->out, GIT_PKT_DELIM);
	}
	git_pkt_buf_text(&u->out, "packfile\n");
	u->side_band = true;
	u->send_pack = true;
	return 0;
}

int git_upload_new(struct store *st, int version, struct git_upload **out)
{
	struct git_upload *u = calloc(1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	u->st = st;
	u->version = version;
	u->ready_budget = GIT_WALK_LIMIT;
	u->phase = version == 2 ? PH_CMD : PH_WANTS;
	*out = u;
	return 0;
}

int git_upload_feed(struct git_upload *u, const uint8_t *data, size_t len)
{
	struct git_pkt pkt;
	int r;

	while (u->phase != PH_FAILED && len) {
		if ((r = git_pkt_read(&u->rd, &data, &len, &pkt)) == 0)
			break;
		if (r < 0)
			return refuse(u, r, "%s",
			              r == -EMSGSIZE ? "a pkt-line too long"
			                             : "a malformed pkt-line");
		r = u->version == 2 ? v2_line(u, &pkt) : v0_line(u, &pkt);
		if (r < 0)
			return failed(u, r);
	}
	return u->phase == PH_FAILED ? -EBADMSG : 0;
}

/* The pack's packer, its plan made a slice at a time as the answer is read. */
static int start_pack(struct git_upload *u)
{
	struct store_pack_req req = {
	    .wants = u->wants.v,
	    .nwants = u->wants.n,
	    .haves = u->common.v,
	    .nhaves = u->common.n,
	    .client_shallow = u->client_shallow.v,
	    .nclient_shallow = u->client_shallow.n,
	    .shallow = u->shallow.v,
	    .nshallow = u->shallow.n,
	    .tags = u->tags.v,
	    .ntags = u->tags.n,
	};
	int r;

	/* The parents of unshallowed commits are wanted too. */
	for (size_t i = 0; i < u->parents.n; i++)
		if ((r = oids_add(&u->wants, &u->parents.v[i])))
			return r;
	req.wants = u->wants.v;
	req.nwants = u->wants.n;
	return store_packer_begin(u->st, &req, &u->packer);
}

/* A slice of the pack's plan: 1 while more is left; once made, a progress line gives its size. */
static int plan_slice(struct git_upload *u)
{
	int r = store_packer_plan(u->packer, GIT_UPLOAD_PLAN_STEPS);

	if (r == 0) {
		u->planned = true;
		if (u->side_band && !u->no_progress)
			git_pkt_buf_band_text(&u->out, 2, "appliance: %u objects\n",
			                      (unsigned)store_packer_count(u->packer));
	}
	return r;
}

void git_upload_finish(struct git_upload *u)
{
	int r = 0;

	if (u->phase == PH_FAILED)
		return;
	if (u->rd.len)
		r = refuse(u, -EBADMSG, "the request ends inside a pkt-line");
	else if (u->version == 2 && u->cmd == CMD_LS_REFS)
		ls_refs(u);
	else if (u->version == 2 && u->cmd == CMD_FETCH)
		r = v2_fetch(u);
	else if (u->version != 2 && (u->phase == PH_WANTS || (u->phase == PH_HAVES && !u->wants.n)))
		r = u->wants.n ? refuse(u, -EBADMSG, "the request ends before its flush") : 0;
	else if (u->version != 2 && u->phase == PH_HAVES && u->any_have)
		r = refuse(u, -EBADMSG, "the haves end without a flush or done");
	if (r < 0)
		failed(u, r); /* in place of what was written of the answer */
	/*
	 * Wants alone (a shallow fetch's first request): the answer is the
	 * shallow list only, and negotiation comes in the next request.
	 */
	if (!r && u->send_pack && (r = start_pack(u)))
		refuse(u, r, "%s",
		       r == -ENOENT ? "an object is missing from the store"
		                    : "the store could not make the pack");
	if (u->out.err)
		refuse(u, u->out.err, "%s", "out of memory");
}

/*
 * The next piece of the pack: a side-band line, or raw bytes without
 * side-band; -EAGAIN after each slice of its plan (another turn of the loop).
 */
static long pack_piece(struct git_upload *u, uint8_t *buf, size_t len)
{
	size_t got, room = u->side_band ? len - 5 : len;
	int r;

	if (len < 64)
		return -ENOSPC;
	if (room > GIT_PKT_BAND_MAX)
		room = GIT_PKT_BAND_MAX;
	if (!u->planned)
		r = (r = plan_slice(u)) >= 0 ? -EAGAIN : r;
	else
		r = store_packer_read(u->packer, buf + (u->side_band ? 5 : 0), room, &got);
	if (r < 0 && r != -EAGAIN && u->side_band) {
		/* Band 3 ends the fetch with our reason (git prints "remote error"). */
		const char *msg = r == -ENOENT ? "an object is missing from the store"
		                               : "the store failed while making the pack";
		u->ended = true;
		return git_pkt_band(buf, len, 3, msg, strlen(msg));
	}
	if (r < 0)
		return r;
	if (got == 0) {
		u->ended = true;
		return u->side_band ? git_pkt_special(buf, len, GIT_PKT_FLUSH) : 0;
	}
	return u->side_band ? git_pkt_band(buf, len, 1, buf + 5, got) : (long)got;
}

long git_upload_read(struct git_upload *u, uint8_t *buf, size_t len)
{
	size_t n = git_pkt_buf_read(&u->out, buf, len);

	if (n)
		return (long)n;
	if (u->packer && !u->ended && u->phase != PH_FAILED)
		return pack_piece(u, buf, len);
	return 0;
}

static void oids_free(struct oids *o)
{
	free(o->v);
}

void git_upload_free(struct git_upload *u)
{
	if (!u)
		return;
	store_packer_close(u->packer);
	git_pkt_buf_free(&u->out);
	store_oidset_free(&u->common_set);
	oids_free(&u->wants);
	oids_free(&u->common);
	oids_free(&u->client_shallow);
	oids_free(&u->shallow);
	oids_free(&u->unshallow);
	store_oidset_free(&u->client_shallow_set);
	store_oidset_free(&u->unshallow_set);
	oids_free(&u->tips);
	oids_free(&u->tags);
	oids_free(&u->parents);
	free(u);
}

int git_upload_caps_v2(uint8_t **out, size_t *len)
{
	struct git_pkt_buf b = {0};

	git_pkt_buf_text(&b, "version 2\n");
	git_pkt_buf_text(&b, "agent=appliance/%s\n", APP_VERSION);
	git_pkt_buf_text(&b, "ls-refs=unborn\n");
	git_pkt_buf_text(&b, "fetch=shallow\n");
	git_pkt_buf_text(&b, "object-format=sha1\n");
	git_pkt_buf_special(&b, GIT_PKT_FLUSH);
	if (b.err) {
		git_pkt_buf_free(&b);
		return -ENOMEM;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}
