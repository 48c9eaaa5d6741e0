/* The DNS service (service.h). */
#include "service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "notify.h"
#include "server.h"
#include "plat/conf.h"
#include "store/object.h"
#include "store/service.h"
#include "version.h"

#define MAIN "refs/heads/main"
#define SUFFIX ".zone"

/* What is served: replaced whole when main moves. */
static struct dns_zones served;
/*
 * The zones the veto loaded for a push to main, and their tree: the change
 * hook that follows serves them rather than loading the same files again.
 */
static struct dns_zones vetted;
static struct store_oid vetted_tree;
static bool have_vetted;

/*
 * The serial each zone was served with, and the blob it was loaded from,
 * kept in the store's non-public part (STATE_REF, file STATE_PATH) so that
 * a restart serves what was served, and a zone whose text changed but
 * whose serial did not is served with the serial raised (RFC 1982) and
 * secondaries see the change. With them, the versions each zone was served
 * in before, newest first, DNS_IXFR_HISTORY at most: an IXFR from one of
 * them gets the difference (dns_service_past).
 *   The file has a line "ORIGIN SERIAL BLOB" for each version: first one
 * for each zone, the version served, then those of the versions before,
 * newest first. A zone's first line is what it serves, a later line of the
 * same origin a version before. So a file written before the history was
 * kept (its first lines only) reads as zones without history, and a
 * service that knows no history reads the zones served from the first
 * lines, finds the later ones repeat an origin, and writes them away.
 *
 *   A zone removed from main keeps its state too, DNS_ZONES_GONE of them
 * at most (the last removed first): if it comes back, its serial goes on
 * from the one served before (raised past it, unless its text is the one
 * served then), so a secondary that still holds the zone sees it change.
 * Without that, the file's serial, older than one an UPDATE or a raise
 * had served, left the secondaries on the old data. Their lines follow
 * those of the zones served, so a file read after a restart gives the
 * zones removed before it as such.
 *
 * Memory: struct state is 476 bytes; two arrays of DNS_ZONES_MAX +
 * DNS_ZONES_GONE (the state, and the next one serials() makes), 30 KiB.
 * The file's text only while it is written: 70 bytes a version for a name
 * of 20 characters, 20 KiB for 32 such zones with a full history.
 */
#define DNS_IXFR_HISTORY 8
#define DNS_ZONES_GONE 16
#define STATES_MAX (DNS_ZONES_MAX + DNS_ZONES_GONE)
#define STATE_REF "refs/appliance/dns"
/* The TSIG keys (BIND's key file format), in the non-public part beside TLS's. */
#define KEYS_REF "refs/appliance/secrets"
#define KEYS_PATH "dns/tsig.keys"
#define KEYS_MAX 8
#define STATE_PATH "serials"
struct version {
	uint32_t serial; /* as served */
	struct store_oid source;
};
struct state {
	uint8_t origin[DNS_NAME_MAX];
	uint32_t serial;
	struct store_oid source;
	struct version past[DNS_IXFR_HISTORY]; /* the versions served before, newest first */
	unsigned npast;
};
static struct state state[STATES_MAX];
static size_t nstate;
static struct plat_timer state_timer;
static struct dns_tsig_key keys[KEYS_MAX];
/*
 * The last version before loaded for an IXFR (dns_service_past), kept for
 * the next secondary that asks: one zone at most, as big as the one
 * served. Freed when the zones change; a transfer still reading it frees
 * it as it ends (dns_zone_free).
 */
static struct dns_zone *past_loaded;

void dns_zones_free(struct dns_zones *z)
{
	for (size_t i = 0; i < z->n; i++)
		dns_zone_free((struct dns_zone *)z->v[i]);
	free((void *)z->v);
	z->v = NULL;
	z->n = 0;
}

int dns_zone_file_origin(const struct store_tree_entry *e, uint8_t origin[DNS_NAME_MAX])
{
	size_t sl = sizeof(SUFFIX) - 1;
	char text[DNS_NAME_MAX * 4 + 2];

	if (e->name_len <= sl || memcmp(e->name + e->name_len - sl, SUFFIX, sl) ||
	    e->name_len - sl + 1 >= sizeof(text))
		return -EINVAL;
	memcpy(text, e->name, e->name_len - sl);
	text[e->name_len - sl] = '.';
	return dns_name_from_text(text, e->name_len - sl + 1, NULL, origin) < 0 ? -EINVAL : 0;
}

/*
 * Whether `origin` is already a zone of `out`: two file names that differ
 * only in case (zones/Example.org.zone, zones/example.org.zone) name one
 * zone, since a domain name's case is not part of it (RFC 4343), and
 * which of the two were served would depend on the order of the tree.
 */
static bool loaded(const struct dns_zones *out, const uint8_t *origin)
{
	for (size_t i = 0; i < out->n; i++)
		if (dns_name_eq(out->v[i]->apex, origin))
			return true;
	return false;
}

/* Load one zone file of the tree and add it to `out`. */
static int load_one(struct store *st, const struct store_tree_entry *e, struct dns_zones *out,
                    char *err, size_t errsize)
{
	uint8_t origin[DNS_NAME_MAX], *text;
	char file[128];
	struct dns_zone *z;
	const struct dns_zone **v;
	size_t len;
	int type, r;

	snprintf(file, sizeof(file), "zones/%.*s", (int)(e->name_len < 100 ? e->name_len : 100),
	         e->name);
	if (dns_zone_file_origin(e, origin)) {
		snprintf(err, errsize, "%s: not a zone file name: zones/<domain>.zone", file);
		return -EINVAL;
	}
	if (loaded(out, origin)) {
		snprintf(err, errsize,
		         "%s: another file of zones/ holds this zone, its name differing only in "
		         "case: a domain name is one zone whatever its case (RFC 4343)",
		         file);
		return -EINVAL;
	}
	if (out->n == DNS_ZONES_MAX) {
		snprintf(err, errsize, "%s: more than %d zones", file, DNS_ZONES_MAX);
		return -EINVAL;
	}
	if ((r = store_get(st, &e->oid, &type, &text, &len)))
		return r;
	r = type != STORE_OBJ_BLOB
	        ? -EINVAL
	        : dns_zone_load(file, (const char *)text, len, origin, &z, err, errsize);
	free(text);
	if (r)
		return r;
	if (z->ttls_mixed)
		plat_log(
		    "dns",
		    "%s:%u: the records of an RRset have different TTLs (%u such RRsets): each "
		    "served with its lowest (RFC 2181 5.2)",
		    file, z->ttls_line, z->ttls_mixed);
	memcpy(z->source, e->oid.b, sizeof(z->source));
	if (!(v = realloc((void *)out->v, sizeof(*v) * (out->n + 1)))) {
		dns_zone_free(z);
		return -ENOMEM;
	}
	v[out->n++] = z;
	out->v = (const struct dns_zone *const *)v;
	return 0;
}

int dns_zones_load(struct store *st, const struct store_oid *tree, struct dns_zones *out, char *err,
                   size_t errsize)
{
	struct store_oid dir;
	struct store_tree_iter it;
	struct store_tree_entry e;
	uint32_t mode;
	uint8_t *data = NULL;
	size_t len;
	int type, r;

	memset(out, 0, sizeof(*out));
	if ((r = store_tree_lookup(st, tree, "zones", &dir, &mode)) == -ENOENT)
		return 0;
	if (!r && mode != STORE_MODE_TREE)
		return 0;
	if (r || (r = store_get(st, &dir, &type, &data, &len)))
		return r;
	store_tree_iter_init(&it, data, len);
	while (!r && (r = store_tree_next(&it, &e)) == 1)
		r = e.mode == STORE_MODE_TREE ? 0 : load_one(st, &e, out, err, errsize);
	free(data);
	if (r < 0)
		dns_zones_free(out);
	return r < 0 ? r : 0;
}

/* ---- the serials served ---- */

/* What was served for the zone `apex`, if anything. */
static struct state *state_of(const uint8_t *apex)
{
	for (size_t i = 0; i < nstate; i++)
		if (dns_name_eq(state[i].origin, apex))
			return &state[i];
	return NULL;
}

/* One "ORIGIN SERIAL BLOB" line into e: 0, or -EINVAL for a line not of that form. */
static int state_line(char *line, struct state *e)
{
	char name[DNS_NAME_MAX * 4 + 1], hex[STORE_OID_HEX + 1];
	unsigned long serial;

	if (sscanf(line, "%1020s %lu %40s", name, &serial, hex) != 3 || serial > UINT32_MAX ||
	    store_oid_from_hex(hex, &e->source) ||
	    dns_name_from_text(name, strlen(name), NULL, e->origin) < 0)
		return -EINVAL;
	e->serial = (uint32_t)serial;
	return 0;
}

/* A line read: a zone's first is what it serves, a later one a version before (newest first). */
static void state_add(const struct state *e)
{
	struct state *s = state_of(e->origin);

	if (!s && nstate < STATES_MAX) {
		state[nstate] = *e;
		state[nstate++].npast = 0;
	} else if (s && s->npast < DNS_IXFR_HISTORY) {
		s->past[s->npast++] = (struct version){e->serial, e->source};
	}
}

/* What the store says was served; nothing if it says nothing readable. */
static void state_read(struct store *st)
{
	struct state e = {0};
	uint8_t *text;
	size_t len;
	char *line, *save = NULL;

	nstate = 0;
	if (store_read_path(st, STATE_REF, STATE_PATH, &text, &len, NULL, NULL))
		return;
	text[len] = '\0'; /* the store's reads end with a NUL past the content */
	for (line = strtok_r((char *)text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!state_line(line, &e))
			state_add(&e);
	free(text);
}

/* One line "ORIGIN SERIAL BLOB" at buf + w (if it fits in cap): its length, as snprintf's. */
static size_t version_line(char *buf, size_t cap, size_t w, const uint8_t *origin, uint32_t serial,
                           const struct store_oid *source)
{
	char name[DNS_NAME_MAX * 4 + 2], hex[STORE_OID_HEX];
	int n;

	dns_name_to_text(origin, name, sizeof(name));
	store_oid_hex(source, hex);
	n = snprintf(w < cap ? buf + w : NULL, w < cap ? cap - w : 0, "%s %lu %.*s\n", name,
	             (unsigned long)serial, STORE_OID_HEX, hex);
	return n < 0 ? 0 : (size_t)n;
}

/* The state as text into buf (cap bytes; 0 to measure): the length it takes, NUL not counted. */
static size_t state_text(char *buf, size_t cap)
{
	size_t w = 0;

	for (size_t i = 0; i < nstate; i++)
		w += version_line(buf, cap, w, state[i].origin, state[i].serial, &state[i].source);
	for (size_t i = 0; i < nstate; i++)
		for (unsigned j = 0; j < state[i].npast; j++)
			w += version_line(buf, cap, w, state[i].origin, state[i].past[j].serial,
			                  &state[i].past[j].source);
	return w;
}

/* Commit the state (from a timer: never inside the store's own change hook). */
static void state_write(void *arg)
{
	struct store *st = store_service();
	size_t len = state_text(NULL, 0);
	char author[128], *text = malloc(len + 1);
	struct plat_wallclock now;
	int r = text ? 0 : -ENOMEM;

	(void)arg;
	if (text)
		state_text(text, len + 1);
	plat_wallclock(&now);
	snprintf(author, sizeof(author), "appliance <appliance@dns> %lld +0000",
	         (long long)now.sec);
	struct store_change ch = {STATE_PATH, text, len, STORE_MODE_FILE};
	if (st && (r || (r = store_commit_changes(st, STATE_REF, &ch, 1, author,
	                                          "dns: the serials served\n", NULL))))
		plat_log("dns", "the serials served were not kept: %s", store_strerror(r));
	free(text);
}

/*
 * The versions before `next` (what serial_for made of `old`): old's own if
 * the version served is the same; else old's version first, then those
 * before it, DNS_IXFR_HISTORY at most. A version served with the serial
 * just given out again is no longer the one that serial names.
 */
static void history_for(const struct state *old, struct state *next)
{
	next->npast = 0;
	if (!old)
		return;
	if (old->serial == next->serial) {
		memcpy(next->past, old->past, sizeof(old->past[0]) * old->npast);
		next->npast = old->npast;
		return;
	}
	next->past[next->npast++] = (struct version){old->serial, old->source};
	for (unsigned i = 0; i < old->npast && next->npast < DNS_IXFR_HISTORY; i++)
		if (old->past[i].serial != next->serial)
			next->past[next->npast++] = old->past[i];
}

/*
 * The serial to serve a zone just loaded with: the file's if its text is
 * the one served before or its serial is past the one served; else the
 * one served, plus one (RFC 1982 3.1). Records it in the new state.
 */
static uint32_t serial_for(const struct dns_zone *z, const struct store_oid *source,
                           struct state *next)
{
	const struct state *old = state_of(z->apex);

	memcpy(next->origin, z->apex, (size_t)dns_name_len(z->apex, DNS_NAME_MAX));
	next->source = *source;
	if (!old)
		next->serial = z->serial;
	else if (!memcmp(&old->source, source, sizeof(*source)))
		next->serial = old->serial;
	else if (dns_serial_lt(old->serial, z->serial))
		next->serial = z->serial;
	else
		next->serial = old->serial + 1;
	history_for(old, next);
	return next->serial;
}

static void past_drop(void)
{
	dns_zone_free(past_loaded);
	past_loaded = NULL;
}

/* The version of the zone `apex` served with `serial` before, if the history has it. */
static const struct version *version_of(const uint8_t *apex, uint32_t serial)
{
	const struct state *s = state_of(apex);

	for (unsigned i = 0; s && i < s->npast; i++)
		if (s->past[i].serial == serial)
			return &s->past[i];
	return NULL;
}

/* Load version v of the zone `apex` from its blob: the zone, or NULL (logged). */
static struct dns_zone *past_load(const uint8_t *apex, const struct version *v)
{
	struct store *st = store_service();
	char name[DNS_NAME_MAX * 4 + 2], file[128], err[256] = "not a blob";
	struct dns_zone *z = NULL;
	uint8_t *text = NULL;
	size_t len;
	int type, r = st ? store_get(st, &v->source, &type, &text, &len) : -ENODEV;

	dns_name_to_text(apex, name, sizeof(name));
	snprintf(file, sizeof(file), "zones/%.100szone", name);
	if (r)
		snprintf(err, sizeof(err), "%s", strerror(-r));
	else if (type != STORE_OBJ_BLOB)
		r = -EINVAL;
	else
		r = dns_zone_load(file, (const char *)text, len, apex, &z, err, sizeof(err));
	free(text);
	if (r) {
		plat_log("dns",
		         "%s: IXFR from serial %lu gets the whole zone, that version did not "
		         "load: %s",
		         file, (unsigned long)v->serial, err);
		return NULL;
	}
	dns_zone_set_serial(z, v->serial);
	memcpy(z->source, v->source.b, sizeof(z->source));
	return z;
}

struct dns_zone *dns_service_past(void *ctx, const struct dns_zone *now, uint32_t serial)
{
	const struct version *v = version_of(now->apex, serial);
	struct dns_zone *z = past_loaded;

	(void)ctx;
	if (!v)
		return NULL;
	if (!z || !dns_name_eq(z->apex, now->apex) || z->serial != v->serial ||
	    memcmp(z->source, v->source.b, sizeof(z->source))) {
		if (!(z = past_load(now->apex, v)))
			return NULL;
		past_drop();
		past_loaded = z;
	}
	return dns_zone_hold(z);
}

/* Whether a and b say the same: the zone, its serial and its blob. */
static bool same_state(const struct state *a, const struct state *b)
{
	return dns_name_eq(a->origin, b->origin) && a->serial == b->serial &&
	       !memcmp(&a->source, &b->source, sizeof(a->source));
}

/*
 * After the zones served, next[n..] keeps the state of those no longer
 * served (those just removed first, then those removed before):
 * DNS_ZONES_GONE at most. The new count.
 */
static size_t keep_gone(const struct dns_zones *z, struct state *next, size_t n)
{
	for (size_t i = 0; i < nstate && n < z->n + DNS_ZONES_GONE; i++) {
		bool served = false;
		for (size_t j = 0; j < z->n && !served; j++)
			served = dns_name_eq(z->v[j]->apex, state[i].origin);
		if (!served)
			next[n++] = state[i];
	}
	return n;
}

/*
 * Serve each zone with its serial (raised where need be), tell the
 * secondaries of those whose serial moved, and keep the state if it moved.
 */
static void serials(struct dns_zones *z)
{
	static struct state next[STATES_MAX];
	size_t n;
	bool moved;

	past_drop(); /* a version before of the zones replaced */
	for (size_t i = 0; i < z->n; i++) {
		struct dns_zone *zone = (struct dns_zone *)z->v[i];
		const struct state *old = state_of(zone->apex);
		uint32_t was = old ? old->serial : 0, file = zone->serial,
		         s = serial_for(zone, (const struct store_oid *)zone->source, &next[i]);
		char name[DNS_NAME_MAX * 4 + 2];
		/* A new serial, or a zone new to us: the secondaries are told (RFC 1996). */
		if (!old || was != s)
			dns_notify_zone(zone->apex);
		if (s == file)
			continue;
		dns_zone_set_serial(zone, s);
		dns_name_to_text(zone->apex, name, sizeof(name));
		plat_log("dns",
		         "%s: serial %lu served, the file says %lu (the zone changed, its serial "
		         "did not)",
		         name, (unsigned long)s, (unsigned long)file);
	}
	n = keep_gone(z, next, z->n);
	moved = n != nstate;
	for (size_t i = 0; i < n && !moved; i++)
		moved = !same_state(&next[i], &state[i]);
	if (!moved)
		return;
	memcpy(state, next, sizeof(next[0]) * n);
	nstate = n;
	plat_timer_arm(&state_timer, plat_now_ns(), state_write, NULL);
}

/* ---- following main ---- */

static int commit_tree(struct store *st, const struct store_oid *commit, struct store_oid *tree)
{
	struct store_commit *c = malloc(sizeof(*c));
	uint8_t *data;
	size_t len;
	int type, r = c ? store_get(st, commit, &type, &data, &len) : -ENOMEM;

	if (!r) {
		r = type == STORE_OBJ_COMMIT && !store_commit_parse(data, len, c) ? 0 : -EINVAL;
		if (!r)
			*tree = c->tree;
		free(data);
	}
	free(c);
	return r;
}

/*
 * The store's veto: main may only move to a commit whose zones all load.
 * A read of the store failing (-EIO) and running short of memory
 * (-ENOMEM) are no refusal (store.h): nothing in the push or the update
 * is wrong, and it may go in when tried again. A push is told so
 * (git/receive.c), a DNS UPDATE has SERVFAIL (update_store.c).
 */
static int veto(void *ctx, struct store *st, const struct store_ref_update *u, char *why,
                size_t size)
{
	struct dns_zones z;
	struct store_oid tree;
	int r;

	(void)ctx;
	if (strcmp(u->name, MAIN) || store_oid_is_zero(&u->new))
		return 0;
	if ((r = commit_tree(st, &u->new, &tree))) {
		if (r != -EIO && r != -ENOMEM)
			snprintf(why, size, "the new commit of main is malformed");
		return r;
	}
	r = dns_zones_load(st, &tree, &z, why, size);
	dns_zones_free(&vetted);
	have_vetted = !r;
	vetted = z; /* empty after a failed load */
	vetted_tree = tree;
	return r;
}

/* Load what main holds now and serve it; on failure the zones served stay. */
static void reload(void)
{
	struct store *st = store_service();
	struct dns_zones z;
	struct store_oid tree;
	char err[STORE_VETO_MAX];
	size_t bytes = 0;
	uint64_t t0 = plat_now_ns();
	int r = store_ref_tree(st, MAIN, &tree);

	if (!r && have_vetted && !memcmp(&tree, &vetted_tree, sizeof(tree))) {
		z = vetted; /* loaded and checked by the veto of this very update */
		memset(&vetted, 0, sizeof(vetted));
	} else if (!r && (r = dns_zones_load(st, &tree, &z, err, sizeof(err)))) {
		plat_log("dns", "zones not reloaded, the old ones stay: %s",
		         r == -EINVAL ? err : strerror(-r));
		return;
	}
	if (r == -ENOENT)
		memset(&z, 0, sizeof(z));
	else if (r)
		return;
	dns_zones_free(&vetted);
	have_vetted = false;
	serials(&z);
	dns_zones_free(&served);
	served = z;
	for (size_t i = 0; i < z.n; i++)
		bytes += dns_zone_bytes(z.v[i]);
	plat_log("dns", "%lu zone%s loaded in %llu ms, %lu KiB", (unsigned long)z.n,
	         z.n == 1 ? "" : "s", (unsigned long long)((plat_now_ns() - t0) / 1000000),
	         (unsigned long)(bytes >> 10));
}

/* The secondaries NOTIFY tells of changes (dns_notify), signed with the first of n keys. */
static void notify_config(size_t n)
{
	static char list[CONF_VALUE_MAX];

	if (plat_config_get("dns_notify", list, sizeof(list)))
		list[0] = '\0';
	if (dns_notify_config(list, keys, n) > 0)
		plat_log("dns", "NOTIFY to %s, %s", list, n ? "signed" : "unsigned (no TSIG key)");
}

/*
 * The TSIG keys zone transfers need: none (and no transfer) without the
 * file; a file that does not parse is logged and the keys before it stay.
 */
static void keys_load(struct store *st)
{
	static struct dns_tsig_key next[KEYS_MAX];
	char err[256];
	uint8_t *text;
	size_t len;
	int n;

	if (store_read_path(st, KEYS_REF, KEYS_PATH, &text, &len, NULL, NULL))
		return;
	n = dns_tsig_keys_parse(KEYS_PATH, (const char *)text, len, next, KEYS_MAX, err,
	                        sizeof(err));
	memset(text, 0, len);
	free(text);
	if (n < 0) {
		plat_log("dns", "TSIG keys not loaded: %s", err);
		return;
	}
	memcpy(keys, next, sizeof(keys));
	memset(next, 0, sizeof(next));
	dns_server_keys(keys, (size_t)n);
	notify_config((size_t)n);
	plat_log("dns", "%d TSIG key%s: zone transfers allowed with them", n, n == 1 ? "" : "s");
}

static void on_change(void *ctx, const char *ref)
{
	(void)ctx;
	if (!strcmp(ref, MAIN))
		reload();
	else if (!strcmp(ref, KEYS_REF))
		keys_load(store_service());
}

/* dns_chaos=on: the hostname and version are told (appliance.conf). */
static const struct dns_chaos *chaos_config(void)
{
	static char host[64];
	static struct dns_chaos ch = {host, "appliance " APP_VERSION};
	char v[8];

	if (plat_config_get("dns_chaos", v, sizeof(v)) || strcmp(v, "on"))
		return NULL;
	if (plat_config_get("hostname", host, sizeof(host)))
		snprintf(host, sizeof(host), "appliance");
	return &ch;
}

int dns_service_start(void)
{
	struct store *st = store_service();
	char v[8];
	int r;

	if (plat_config_get("dns", v, sizeof(v)) == 0 && !strcmp(v, "off")) {
		plat_log("dns", "off (appliance.conf)");
		return 0;
	}
	if (!st)
		return -ENODEV;
	store_set_veto(st, veto, NULL);
	if ((r = store_on_change(st, on_change, NULL)))
		return r;
	state_read(st);
	reload();
	if ((r = dns_server_start(DNS_PORT, &served, chaos_config())))
		return r;
	notify_config(0);
	keys_load(st);
	plat_log("dns", "udp and tcp port %d%s", DNS_PORT,
	         chaos_config() ? "; CHAOS id.server and version.server answered" : "");
	return 0;
}

int dns_service_stop(void *arg, enum plat_shutdown why)
{
	(void)arg, (void)why;
	dns_server_stop();
	return 0;
}
