/*
 * The DNS service (app/app.c starts it after the network): the zones in
 * zones/<origin>.zone on the store's branch main, served over UDP and TCP
 * on port 53. The zones are loaded at start and again whenever main
 * moves; a push to main whose zones do not all load is refused through
 * the store's veto with the loader's "file:line: reason", so what is
 * served never breaks. `dns=off` in appliance.conf leaves it out.
 */
#ifndef DNS_SERVICE_H
#define DNS_SERVICE_H

#include <stddef.h>

#include "answer.h"
#include "plat/plat.h"
#include "store/store.h"

#define DNS_PORT 53
#define DNS_ZONES_MAX 16 /* zone files on main at most */

int dns_service_start(void);
int dns_service_stop(void *arg, enum plat_shutdown why);

/*
 * Load every zone file (zones/NAME.zone) of `tree` (a root tree of the store) into `out`
 * (freed with dns_zones_free). A zone that does not load is -EINVAL with
 * the loader's message in `err`; no zones/ directory is no zones. A file
 * name that is not a domain name followed by ".zone" is refused too, and
 * so is a second file for one zone (names that differ only in case).
 */
int dns_zones_load(struct store *st, const struct store_oid *tree, struct dns_zones *out, char *err,
                   size_t errsize);
void dns_zones_free(struct dns_zones *z);

/* The origin a zone file's name gives ("example.org.zone": example.org.), or -EINVAL. */
int dns_zone_file_origin(const struct store_tree_entry *e, uint8_t origin[DNS_NAME_MAX]);

/*
 * The zone `now` as served with `serial`, for an IXFR (xfr.h's
 * dns_xfr_past_fn; ctx unused): loaded from the zone file's blob of that
 * version if the service's history still names it, held; or NULL. The
 * last version loaded is kept for the next secondary that asks, until the
 * zones change.
 */
struct dns_zone *dns_service_past(void *ctx, const struct dns_zone *now, uint32_t serial);

#endif
