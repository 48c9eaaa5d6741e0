/* git-receive-pack (receive.h). */
#include "receive.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "refs.h"
#include "walk.h"

/*
 * Every reason for the appliance running short of memory under a push
 * (here, in the store, or in the DNS service's veto, store.h) begins with
 * these words: nothing in the push is wrong, and it may go in when tried
 * again. The browser editor (edit/src/repo.js, OUT_OF_MEMORY) tells these
 * from a refusal by them alone.
 */
#define OUT_OF_MEMORY "out of memory"

#define REASON_MAX 160

struct command {
	struct store_oid old, new;
	char *name;
	char why[REASON_MAX]; /* empty: fine so far */
};

enum phase { RC_COMMANDS, RC_PACK, RC_END, RC_FAILED };

struct git_receive {
	struct store *st;
	enum phase phase;
	struct git_pkt_reader rd;
	struct command *cmd;
	size_t n, cap;
	bool side_band, atomic, quiet, report;
	uint64_t size_hint;
	struct store_import *imp;
	bool pack_started;  /* pack bytes came (none: every object is already here) */
	uint64_t pack_len;  /* pack bytes received */
	uint64_t failed_at; /* where the entry the import failed on began */
	int unpack_err;     /* the import's error, if it failed */
	char full[256];     /* why, when the pack was too large for the store or the push */
	/* What the store's private part reaches, and the pack's objects among it (sent). */
	struct store_private priv;
	uint32_t n_new;
	struct git_pkt_buf out;
};

const char *git_receive_ref_refused(const char *name)
{
	size_t len = strlen(name);
	const char *c;

	if (!strncmp(name, "refs/appliance/", 15))
		return "refs/appliance/ is the store's private part";
	if (strncmp(name, "refs/heads/", 11) && strncmp(name, "refs/tags/", 10))
		return "only refs/heads/ and refs/tags/ may be pushed";
	if (len >= STORE_REF_MAX)
		return "the ref name is too long";
	/* git check-ref-format's rules. */
	if (strstr(name, "..") || strstr(name, "//") || strstr(name, "@{") || strstr(name, "/.") ||
	    name[len - 1] == '/' || name[len - 1] == '.' ||
	    (len >= 5 && !strcmp(name + len - 5, ".lock")) || strstr(name, ".lock/"))
		return "the ref name is malformed";
	for (c = name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || strchr(" ~^:?*[\\", *c))
			return "the ref name has a character refs may not have";
	return NULL;
}

/* Refuse the whole request: an ERR line is the answer. */
static int refuse(struct git_receive *r, int err, const char *msg)
{
	git_pkt_buf_free(&r->out);
	git_pkt_buf_text(&r->out, "ERR receive-pack: %s\n", msg);
	store_import_abort(r->imp);
	r->imp = NULL;
	r->phase = RC_FAILED;
	return err;
}

static int hex_oid(const char *p, struct store_oid *oid)
{
	char hex[STORE_OID_HEX];

	memcpy(hex, p, 40);
	hex[40] = '\0';
	return store_oid_from_hex(hex, oid);
}

/* "<old> <new> <name>[\0caps]" */
static int command_line(struct git_receive *r, const char *line, size_t len)
{
	const char *nul = memchr(line, '\0', len);
	size_t name_len = (nul ? (size_t)(nul - line) : len) - 82;
	struct command *c;

	if (nul && r->n == 0) {
		size_t caps = len - (size_t)(nul + 1 - line);
		r->report = git_caps_has(nul + 1, caps, "report-status");
		r->side_band = git_caps_has(nul + 1, caps, "side-band-64k");
		r->atomic = git_caps_has(nul + 1, caps, "atomic");
		r->quiet = git_caps_has(nul + 1, caps, "quiet");
	}
	if ((nul ? (size_t)(nul - line) : len) < 83 || line[40] != ' ' || line[81] != ' ')
		return refuse(r, -EBADMSG, "expected '<old> <new> <ref>'");
	if (r->n >= GIT_RECEIVE_MAX_COMMANDS)
		return refuse(r, -E2BIG, "more than 8192 ref updates in one push");
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct command *v = realloc(r->cmd, sizeof(*v) * cap);
		if (!v)
			return refuse(r, -ENOMEM, OUT_OF_MEMORY);
		r->cmd = v;
		r->cap = cap;
	}
	c = &r->cmd[r->n];
	memset(c, 0, sizeof(*c));
	if (hex_oid(line, &c->old) || hex_oid(line + 41, &c->new))
		return refuse(r, -EBADMSG, "a ref update's object id is not 40 hexadecimal digits");
	/* No such name is ever taken: kept, 8,192 of them would hold 7 MiB until the end. */
	if (name_len >= STORE_REF_MAX)
		return refuse(r, -ENAMETOOLONG, "a ref name is too long");
	if (!(c->name = malloc(name_len + 1)))
		return refuse(r, -ENOMEM, OUT_OF_MEMORY);
	memcpy(c->name, line + 82, name_len);
	c->name[name_len] = '\0';
	r->n++;
	return 0;
}

/* After the commands' flush: a pack follows unless every command is a delete. */
static int commands_end(struct git_receive *r)
{
	bool pack = false;

	for (size_t i = 0; i < r->n; i++)
		pack |= !store_oid_is_zero(&r->cmd[i].new);
	r->phase = pack ? RC_PACK : RC_END;
	return 0;
}

/* The pack's first bytes: the import starts (room made for it first). */
static void pack_begin(struct git_receive *r)
{
	int e = store_import_begin(r->st, r->size_hint, &r->imp);

	r->pack_started = true;
	if (e) {
		r->imp = NULL;
		r->unpack_err = e;
	} else {
		store_import_keep_private(r->imp, &r->priv);
	}
}

static int command_pkt(struct git_receive *r, const struct git_pkt *pkt)
{
	size_t len;

	if (pkt->kind == GIT_PKT_FLUSH)
		return r->n ? commands_end(r) : (r->phase = RC_END, 0);
	if (pkt->kind != GIT_PKT_DATA)
		return refuse(r, -EBADMSG, "expected a ref update or a flush");
	len = git_pkt_chomp(pkt);
	/* A shallow client says where its history stops: the pack is checked whole anyway. */
	if (len == 48 && !memcmp(pkt->data, "shallow ", 8))
		return 0;
	return command_line(r, (const char *)pkt->data, len);
}

int git_receive_new(struct store *st, uint64_t size_hint, struct git_receive **out)
{
	struct git_receive *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->st = st;
	r->size_hint = size_hint;
	*out = r;
	return 0;
}

/*
 * The pack holds more objects than one import indexes in memory
 * (STORE_IMPORT_MAX_OBJECTS), refused at its header: git pushes a long
 * history in parts when told to push an older commit first.
 */
static void too_large(struct git_receive *r, uint32_t count)
{
	snprintf(r->full, sizeof(r->full),
	         "the pack has %u objects; the store takes at most %u in one push: push in parts "
	         "(an older commit first, then the rest)",
	         (unsigned)count, STORE_IMPORT_MAX_OBJECTS);
}

int git_receive_feed(struct git_receive *r, const uint8_t *data, size_t len)
{
	struct git_pkt pkt;
	int e;

	while (r->phase == RC_COMMANDS && len) {
		if ((e = git_pkt_read(&r->rd, &data, &len, &pkt)) == 0)
			return 0;
		if (e < 0)
			return refuse(
			    r, e, e == -EMSGSIZE ? "a pkt-line too long" : "a malformed pkt-line");
		if ((e = command_pkt(r, &pkt)) < 0)
			return e;
	}
	if (r->phase == RC_FAILED)
		return -EBADMSG;
	if (r->phase == RC_END && len)
		return refuse(r, -EBADMSG, "bytes after the request's end");
	/* The pack, into the store as it comes; after a failure the rest is read and dropped. */
	if (r->phase == RC_PACK && len && !r->pack_started)
		pack_begin(r);
	if (r->phase == RC_PACK && len && r->imp && (e = store_import_write(r->imp, data, len))) {
		r->failed_at = store_import_failed_at(r->imp);
		if (e == -E2BIG)
			too_large(r, store_import_count(r->imp));
		store_import_abort(r->imp);
		r->imp = NULL;
		r->unpack_err = e;
	}
	r->pack_len += len;
	return 0;
}

/* ---- the updates ---- */

/*
 * How every reason for the store's storage failing under a push begins
 * (its device failing a write, or a read: a bad sector, or data read back
 * damaged), in the unpack line and in an update's ng line (an atomic
 * push's after "atomic push failed: "): nothing in the push is wrong, and
 * it may go in once the appliance has restarted. The browser editor
 * (edit/src/repo.js, STORAGE_FAILED), which never asks for an atomic
 * push, tells these from the board refusing the push by these words
 * alone, so every such reason here begins with them, and no other does.
 */
#define STORAGE_FAILED "the store's device failed"

/* A read of the store failing: its device, or what it read back. */
#define READ_FAILED STORAGE_FAILED ", or the data there is damaged: "

static const char *unpack_reason(int e)
{
	switch (e) {
	case -ENOSPC:
		return "the store is full";
	case -EBUSY:
		return "another push is in progress";
	case -EBADMSG:
		return "the pack's trailer checksum is wrong";
	case -ENOENT:
		return "a delta's base object is in neither the pack nor the store";
	case -EFBIG:
		return "an object is larger than the store's limit";
	case -EDQUOT:
		return "the store would hold more objects than its index keeps in memory";
	case -E2BIG:
		return "the pack has more objects than the store takes in one push: push in parts";
	case -EILSEQ:
		return "SHA-1 collision attack detected in an object of the pack";
	case -ENOMEM:
		return OUT_OF_MEMORY;
	case -EIO:
		return STORAGE_FAILED;
	case -EROFS: /* after a failed write or flush, until the store is opened again (log.h) */
		return STORAGE_FAILED " before this push: it takes no writes until the appliance "
		                      "restarts";
	default:
		return "the pack is malformed (an entry, a delta or the object count)";
	}
}

/*
 * The store had no room for the pack. Compaction gets back what deleted
 * or rewound branches and cut-off pushes left in the log: it runs now
 * (store_import_begin runs it first only for a pack whose size it is
 * told; git sends a pack over 1 MiB chunked), so that the same push
 * again finds the room if there is any to find. The reason says which it
 * is, with the numbers: room made, or a store full of what its refs reach.
 */
static void full_store(struct git_receive *r)
{
	uint64_t need = (r->pack_len + r->pack_len / 4) >> 10, free_kib;
	struct store_stats s;
	int e = store_reclaim(r->st);

	store_stats(r->st, &s);
	free_kib = (s.log_size - s.log_used) >> 10;
	if (!e && need < free_kib)
		snprintf(r->full, sizeof(r->full),
		         "the store was full; compaction made room (%llu KiB free of %llu KiB): "
		         "push again",
		         (unsigned long long)free_kib, (unsigned long long)(s.log_size >> 10));
	else
		snprintf(r->full, sizeof(r->full),
		         "the store is full: %llu KiB free of %llu KiB, the push needs about %llu "
		         "KiB; delete what is no longer needed and push again",
		         (unsigned long long)free_kib, (unsigned long long)(s.log_size >> 10),
		         (unsigned long long)need);
}

/*
 * The pack's new objects would take the index past STORE_MAX_OBJECTS.
 * Compaction drops what no ref reaches any more (deleted or rewound
 * branches), so it runs now, as for a full store; the reason gives the
 * counts: objects dropped, or a store whose refs reach that many.
 */
static void too_many_objects(struct git_receive *r)
{
	struct store_stats before, s;
	int e;

	store_stats(r->st, &before);
	e = store_reclaim(r->st);
	store_stats(r->st, &s);
	if (!e && s.objects < before.objects)
		snprintf(r->full, sizeof(r->full),
		         "the store's index was full; compaction left %u objects of the %u it "
		         "keeps in memory: push again",
		         (unsigned)s.objects, STORE_MAX_OBJECTS);
	else
		snprintf(r->full, sizeof(r->full),
		         "the store holds %u objects, and its index keeps %u in memory; delete "
		         "what is no longer needed and push again",
		         (unsigned)s.objects, STORE_MAX_OBJECTS);
}

static void fail(struct command *c, const char *why)
{
	if (!c->why[0])
		snprintf(c->why, sizeof(c->why), "%s", why);
}

/*
 * A push names refs as the client saw them, and a symbolic one (a branch
 * made an alias of another by hand) reads as its target: the store
 * changes none through a push, and the reason names the ref to push to.
 */
static bool symbolic(struct git_receive *r, struct command *c)
{
	char target[STORE_REF_MAX];

	if (store_ref_symbolic(r->st, c->name, target, sizeof(target)))
		return false;
	/* A target too long for the reason is cut: the line has room for 88 bytes of it. */
	snprintf(c->why, sizeof(c->why),
	         "the ref is symbolic, and a push never changes one: push to its target, %.88s",
	         target);
	return true;
}

/* Why the site's branch may not move to a commit: git_is_ancestor's 0, or its error. */
static const char *ancestry_reason(int e)
{
	switch (e) {
	case 0:
		return "non-fast-forward: the site's branch only moves forward (fetch and merge "
		       "first)";
	case -E2BIG: /* GIT_WALK_LIMIT */
		return "the history is too long to check for a fast-forward";
	case -ENOMEM:
		return OUT_OF_MEMORY;
	default: /* a commit of the history not read, or not one: the store holds them all */
		return READ_FAILED "the store could not read the site's history";
	}
}

/* The checks one update passes before any is made. */
static void check_command(struct git_receive *r, struct command *c, const char *site)
{
	struct store_oid cur = {{0}};
	const char *why;
	int type, e;

	if ((why = git_receive_ref_refused(c->name)))
		return fail(c, why);
	if (!c->why[0] && symbolic(r, c))
		return;
	if (store_ref_get(r->st, c->name, &cur) && !store_oid_is_zero(&c->old))
		return fail(c, "the ref does not exist (fetch first)");
	if (store_oid_cmp(&cur, &c->old))
		return fail(c, "the ref has moved since it was fetched (fetch first)");
	if (store_oid_is_zero(&c->new)) {
		if (!strcmp(c->name, site))
			return fail(c, "the site's branch cannot be deleted");
		return;
	}
	if ((e = store_type(r->st, &c->new, &type)) == -ENOENT)
		return fail(c, "the new object is missing");
	if (e)
		return fail(c, READ_FAILED "the store could not read the new object");
	if (!strncmp(c->name, "refs/heads/", 11) && type != STORE_OBJ_COMMIT)
		return fail(c, "a branch must name a commit");
	if (!strcmp(c->name, site) && !store_oid_is_zero(&c->old) &&
	    (e = git_is_ancestor(r->st, &c->old, &c->new)) != 1)
		return fail(c, ancestry_reason(e));
}

static int by_name(const void *a, const void *b)
{
	const struct command *const *x = a, *const *y = b;
	int c = strcmp((*x)->name, (*y)->name);

	return c ? c : (*x > *y) - (*x < *y);
}

/*
 * Every update of a name after its first fails: the names sorted, not
 * compared pairwise (8,192 commands would be 33 million comparisons).
 */
static void mark_twice(struct git_receive *r)
{
	struct command **v = malloc(sizeof(*v) * r->n);

	if (!v) {
		for (size_t i = 0; i < r->n; i++)
			fail(&r->cmd[i], OUT_OF_MEMORY);
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		v[i] = &r->cmd[i];
	qsort(v, r->n, sizeof(*v), by_name);
	for (size_t i = 1; i < r->n; i++)
		if (!strcmp(v[i - 1]->name, v[i]->name))
			fail(v[i], "the ref is updated twice in one push");
	free(v);
}

static void update_failed(struct git_receive *r, struct command *c, int e)
{
	switch (e) {
	case -EPERM:
		fail(c, store_veto_reason(r->st));
		break;
	case -ENOENT:
		fail(c, "missing objects: the new value is not connected");
		break;
	case -EACCES:
		/* As git's receive-pack: what no branch or tag shows counts as absent. */
		fail(c, "missing objects: the new value reaches an object that neither the pack "
		        "nor any branch or tag holds");
		break;
	case -ENOMEM:
		fail(c, OUT_OF_MEMORY);
		break;
	case -ESTALE:
		fail(c, "the ref has moved (fetch first)");
		break;
	case -EBUSY: /* a push with no pack (deletes only) while another's pack comes in */
		fail(c, "another push is in progress");
		break;
	case -ENOSPC:
		fail(c, "the store is full (or holds too many refs)");
		break;
	case -ENOTDIR:
		fail(c, "the name is a directory of another ref's, or another's is of it "
		        "(refs/heads/a beside refs/heads/a/b): git could not fetch both");
		break;
	case -EROFS:
		fail(c, STORAGE_FAILED ": the update was not made, and the store takes no writes "
		                       "until the appliance restarts");
		break;
	case -EINPROGRESS:
		fail(c, STORAGE_FAILED " while writing this update: whether it was kept is known "
		                       "after the appliance restarts");
		break;
	case -EIO: /* an object read while checking (store.h), nothing written */
		fail(c, READ_FAILED "the store could not read an object the update reaches: it was "
		                    "not made");
		break;
	case -ELOOP:
		if (!c->why[0])
			snprintf(
			    c->why, sizeof(c->why),
			    "a path in its tree is more than %d levels deep, the store's limit",
			    STORE_MAX_TREE_DEPTH);
		break;
	default:
		fail(c, "the store failed to update the ref");
	}
}

/* Every update of an atomic push that the store refused as a whole: why it was. */
static void atomic_failed(struct git_receive *r, struct command *c, int e)
{
	struct command why = {0};

	update_failed(r, &why, e);
	snprintf(c->why, sizeof(c->why), "atomic push failed: %.*s",
	         (int)(sizeof(c->why) - sizeof("atomic push failed: ")), why.why);
}

/* Make the updates that passed: all or none if atomic, else each on its own merits. */
static void apply(struct git_receive *r)
{
	struct store_ref_update *u = calloc(r->n + 1, sizeof(*u));
	size_t k = 0;
	bool failed = false;
	int e;

	if (!u) {
		for (size_t i = 0; i < r->n; i++)
			fail(&r->cmd[i], OUT_OF_MEMORY);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		failed |= r->cmd[i].why[0] != '\0';
		if (!r->cmd[i].why[0])
			u[k++] =
			    (struct store_ref_update){r->cmd[i].name, r->cmd[i].old, r->cmd[i].new};
	}
	if (r->atomic && failed)
		for (size_t i = 0; i < r->n; i++)
			fail(&r->cmd[i], "atomic push failed");
	else if (k && (e = store_refs_push(r->st, u, k, &r->priv))) {
		/*
		 * The batch failed: all of it if atomic, else each update again
		 * alone, unless the device failed: the batch was then not made,
		 * or perhaps made whole (store.h), which each update is told.
		 */
		bool device = e == -EROFS || e == -EINPROGRESS;
		for (size_t i = 0, j = 0; i < r->n; i++) {
			int alone;
			if (r->cmd[i].why[0])
				continue;
			if (r->atomic)
				atomic_failed(r, &r->cmd[i], e);
			else if (device)
				update_failed(r, &r->cmd[i], e);
			else if ((alone = store_refs_push(r->st, &u[j], 1, &r->priv)))
				update_failed(r, &r->cmd[i], alone);
			j++;
		}
	}
	free(u);
}

/* A line of the report: on band 1 with side-band-64k, else plain. */
static void report_line(struct git_receive *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void report_line(struct git_receive *r, const char *fmt, ...)
{
	char line[GIT_PKT_LINE_MAX - 8];
	uint8_t pkt[GIT_PKT_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!r->side_band) {
		git_pkt_buf_text(&r->out, "%s", line);
		return;
	}
	if ((n = git_pkt_text(pkt, sizeof(pkt), "%s", line)) > 0)
		git_pkt_buf_band_text(&r->out, 1, "%.*s", n, (const char *)pkt);
}

/* A reason on band 2 too, so git prints it whole ("remote: ..."), one line at a time. */
static void tell(struct git_receive *r, const char *text)
{
	while (r->side_band && *text) {
		size_t n = strcspn(text, "\n");
		git_pkt_buf_band_text(&r->out, 2, "%.*s\n", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

/* A ref name as the report shows it: control characters as '?'. */
static void shown(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s", name);
	for (; *out; out++)
		if ((unsigned char)*out < 0x20 || *out == 0x7f)
			*out = '?';
}

/*
 * The report (report-status), on band 1 with side-band-64k; reasons worth
 * reading whole on band 2 too. A client that asked no report gets only
 * those messages.
 */
static void report(struct git_receive *r)
{
	/* The trailer read as one more entry: the header promised more objects than came. */
	const char *why = r->full[0] ? r->full
	                  : r->unpack_err && r->failed_at && r->failed_at + 20 >= r->pack_len
	                      ? "the pack holds fewer objects than its header says"
	                      : unpack_reason(r->unpack_err);
	char name[STORE_REF_MAX];

	if (r->unpack_err) {
		if (r->report)
			report_line(r, "unpack %s\n", why);
		tell(r, why);
	} else {
		if (r->report)
			report_line(r, "unpack ok\n");
		if (!r->quiet && r->side_band && r->n_new)
			git_pkt_buf_band_text(&r->out, 2, "appliance: %u new objects\n",
			                      (unsigned)r->n_new);
	}
	for (size_t i = 0; i < r->n; i++) {
		struct command *c = &r->cmd[i];
		shown(name, sizeof(name), c->name);
		/* The ng reason is one line: the first of a veto's; the rest goes to band 2. */
		if (strchr(c->why, '\n'))
			tell(r, c->why);
		c->why[strcspn(c->why, "\n")] = '\0';
		if (r->report && c->why[0])
			report_line(r, "ng %s %s\n", name, c->why);
		else if (r->report)
			report_line(r, "ok %s\n", name);
	}
	if (r->side_band && r->report)
		git_pkt_buf_band_text(&r->out, 1, "0000"); /* the report's own flush, in band 1 */
	if (r->side_band || r->report)
		git_pkt_buf_special(&r->out, GIT_PKT_FLUSH);
}

void git_receive_finish(struct git_receive *r)
{
	char site[STORE_REF_MAX] = "refs/heads/main";
	int e;

	if (r->phase == RC_FAILED)
		return;
	if (r->phase == RC_COMMANDS) {
		if (r->n || r->rd.len)
			refuse(r, -EBADMSG, "the request ends before its flush");
		return;
	}
	if (!r->n)
		return; /* no commands (git's probe of a long push): an empty answer */
	if (r->imp) {
		r->failed_at = store_import_failed_at(r->imp);
		e = store_import_end(r->imp, &r->n_new);
		r->imp = NULL;
		if (e)
			r->unpack_err = e;
	}
	if (r->unpack_err == -ENOSPC)
		full_store(r);
	else if (r->unpack_err == -EDQUOT)
		too_many_objects(r);
	store_ref_symbolic(r->st, "HEAD", site, sizeof(site));
	for (size_t i = 0; i < r->n && r->unpack_err; i++)
		fail(&r->cmd[i], "unpacker error");
	mark_twice(r);
	for (size_t i = 0; i < r->n; i++)
		check_command(r, &r->cmd[i], site);
	apply(r);
	store_private_free(&r->priv); /* the updates are made: the report needs none of it */
	report(r);
}

long git_receive_read(struct git_receive *r, uint8_t *buf, size_t len)
{
	return (long)git_pkt_buf_read(&r->out, buf, len);
}

void git_receive_free(struct git_receive *r)
{
	if (!r)
		return;
	store_import_abort(r->imp);
	store_private_free(&r->priv);
	for (size_t i = 0; i < r->n; i++)
		free(r->cmd[i].name);
	free(r->cmd);
	git_pkt_buf_free(&r->out);
	free(r);
}
