/*
 * A dynamic update made a commit on main (update.h, service.h): the zone's
 * file read from main, the update applied to it, and the new file
 * committed with the key's name as its author. The commit goes through
 * the store's veto like a push, so what it makes must load, and the
 * change hook then serves it before the answer goes out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "name.h"
#include "plat/plat.h"
#include "service.h"
#include "store/object.h"
#include "store/service.h"
#include "update.h"

#define MAIN "refs/heads/main"

struct zone_file {
	const uint8_t *apex;
	char path[DNS_NAME_MAX * 4 + 16]; /* "zones/NAME.zone" */
	struct store_oid oid;
	bool found;
};

/* The entry of zones/ whose name gives the apex ("example.org.zone": example.org.). */
static int match_file(void *ctx, const struct store_tree_entry *e)
{
	struct zone_file *f = ctx;
	uint8_t origin[DNS_NAME_MAX];

	if (f->found || e->mode == STORE_MODE_TREE || dns_zone_file_origin(e, origin) ||
	    !dns_name_eq(origin, f->apex))
		return 0;
	snprintf(f->path, sizeof(f->path), "zones/%.*s", (int)e->name_len, e->name);
	f->oid = e->oid;
	f->found = true;
	return 0;
}

/*
 * The key's name, without its last dot and anything that would break a
 * commit's author line, in name; "NAME <NAME@dns-update> TIME +0000" in out.
 */
static void author_of(const uint8_t *key, char name[DNS_NAME_MAX * 4 + 2], char *out, size_t size)
{
	struct plat_wallclock now;
	size_t n;

	if (dns_name_to_text(key, name, DNS_NAME_MAX * 4 + 2) < 0)
		snprintf(name, DNS_NAME_MAX * 4 + 2, "key");
	n = strlen(name);
	if (n > 1 && name[n - 1] == '.')
		name[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (strchr("<>\n\r", name[i]) || (unsigned char)name[i] < 0x20)
			name[i] = '_';
	plat_wallclock(&now);
	snprintf(out, size, "%s <%s@dns-update> %lld +0000", name, name, (long long)now.sec);
}

static int commit(struct store *st, const struct zone_file *f, const struct dns_update *u,
                  const char *author)
{
	static char msg[DNS_UPDATE_LOG_MAX + 512];
	struct store_change ch = {f->path, u->text, u->len, STORE_MODE_FILE};
	int n = snprintf(msg, sizeof(msg), "DNS update of %s: %u added, %u deleted\n\n%.*s",
	                 f->path, u->added, u->deleted, (int)u->log_len, u->log);

	if (u->rewritten && n > 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n,
		         "\nThe file was written whole, one record a line: an edit in place\n"
		         "would have changed the owner or TTL of other records.\n");
	return store_commit_changes(st, MAIN, &ch, 1, author, msg, NULL);
}

int dns_update_commit(const struct dns_zone *z, const uint8_t *msg, size_t len,
                      const struct dns_query *q, const uint8_t *key)
{
	struct store *st = store_service();
	struct zone_file f = {.apex = z->apex};
	struct dns_update *u = malloc(sizeof(*u));
	/* Static, as commit's message: 3 KiB the stack (its guard page is 4) need not hold. */
	static char author[DNS_NAME_MAX * 8 + 64], name[DNS_NAME_MAX * 4 + 2];
	uint8_t *text = NULL;
	size_t tlen;
	int type, r, rc = DNS_R_SERVFAIL;

	if (!u || !st)
		goto out;
	author_of(key, name, author, sizeof(author));
	if ((r = store_list_dir(st, MAIN, "zones", match_file, &f)) || !f.found ||
	    (r = store_get(st, &f.oid, &type, &text, &tlen))) {
		if (r)
			plat_log("dns", "update by %s: the zone file could not be read (%d)", name,
			         r);
		else /* a push removed it since the zone was loaded */
			plat_log("dns", "update by %s: zones/ holds no file of the zone", name);
		goto out;
	}
	if ((r = dns_update_apply(f.path, (const char *)text, tlen, z->apex, z->serial, msg, len, q,
	                          u))) {
		plat_log("dns", "update by %s: %s", name, u->why);
		goto out;
	}
	if ((rc = u->rcode) || !u->text) {
		if (rc)
			plat_log("dns", "update by %s refused (rcode %d)%s%s", name, rc,
			         u->why[0] ? ": " : "", u->why);
		else
			plat_log("dns", "update by %s: nothing to change", name);
		goto out;
	}
	/* z is not ours after this: the change hook serves the new zones. */
	if ((r = commit(st, &f, u, author)) == -EPERM) {
		plat_log("dns", "update by %s refused by the zone's checks: %s", name,
		         store_veto_reason(st));
		rc = DNS_R_REFUSED;
	} else if (r) {
		/*
		 * The store's device failed: -EROFS, nothing written; -EINPROGRESS,
		 * its record may be found at the next boot, which then serves it.
		 * Either way this run serves the zone without it, and the client
		 * has SERVFAIL: no rcode says "perhaps". So has an update the
		 * store, or the zones' check, had no memory for (-ENOMEM, nothing
		 * written): it may go in when tried again, where REFUSED would
		 * say the zone or the key is at fault.
		 */
		plat_log("dns", "update by %s %s, answered SERVFAIL: %s", name,
		         r == -EINPROGRESS ? "not served" : "not committed", store_strerror(r));
		rc = DNS_R_SERVFAIL;
	} else {
		plat_log("dns", "update by %s committed to %s: %u added, %u deleted", name, f.path,
		         u->added, u->deleted);
	}
out:
	if (u)
		dns_update_free(u);
	free(u);
	free(text);
	return rc;
}
