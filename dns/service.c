/* The DNS service (service.h). */
#include "service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "server.h"
#include "store/object.h"
#include "store/service.h"

#define MAIN "refs/heads/main"
#define SUFFIX ".zone"

/* What is served: replaced whole when main moves. */
static struct dns_zones served;

void dns_zones_free(struct dns_zones *z)
{
	for (size_t i = 0; i < z->n; i++)
		dns_zone_free((struct dns_zone *)z->v[i]);
	free((void *)z->v);
	z->v = NULL;
	z->n = 0;
}

/* The origin a zone file's name gives ("example.org.zone": example.org.), or -EINVAL. */
static int origin_of(const struct store_tree_entry *e, uint8_t origin[DNS_NAME_MAX])
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
	if (origin_of(e, origin)) {
		snprintf(err, errsize, "%s: not a zone file name: zones/<domain>.zone", file);
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

/* The store's veto: main may only move to a commit whose zones all load. */
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
		snprintf(why, size, "the zones could not be read (%d)", r);
		return r;
	}
	if ((r = dns_zones_load(st, &tree, &z, why, size)) == -ENOMEM)
		snprintf(why, size, "out of memory checking the zones");
	dns_zones_free(&z);
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
	int r = store_ref_tree(st, MAIN, &tree);

	if (!r && (r = dns_zones_load(st, &tree, &z, err, sizeof(err)))) {
		plat_log("dns", "zones not reloaded, the old ones stay: %s",
		         r == -EINVAL ? err : strerror(-r));
		return;
	}
	if (r == -ENOENT)
		memset(&z, 0, sizeof(z));
	else if (r)
		return;
	dns_zones_free(&served);
	served = z;
	for (size_t i = 0; i < z.n; i++)
		bytes += dns_zone_bytes(z.v[i]);
	plat_log("dns", "%zu zone%s loaded, %zu KiB", z.n, z.n == 1 ? "" : "s", bytes >> 10);
}

static void on_change(void *ctx, const char *ref)
{
	(void)ctx;
	if (!strcmp(ref, MAIN))
		reload();
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
	store_on_change(st, on_change, NULL);
	reload();
	if ((r = dns_server_start(DNS_PORT, &served)))
		return r;
	plat_log("dns", "udp and tcp port %d", DNS_PORT);
	return 0;
}

int dns_service_stop(void *arg, enum plat_shutdown why)
{
	(void)arg, (void)why;
	dns_server_stop();
	return 0;
}
