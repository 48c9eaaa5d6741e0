/* The services in their start order (app.h). */
#include "app.h"

#include <stddef.h>
#include <string.h>

#include "dns/service.h"
#include "net/http.h"
#include "net/net.h"
#include "plat/plat.h"
#include "store/service.h"
#include "tls/tls.h"

struct app_service {
	const char *name;
	int (*start)(void);
	plat_shutdown_fn stop; /* NULL: nothing to close */
};

/*
 * Order matters: each service may use those above it (HTTP serves from the
 * store over the network), and they stop bottom up.
 */
static const struct app_service app_services[] = {
    {"store", store_service_start, store_service_stop},
    {"net", net_start, NULL},
    {"tls", tls_start, NULL},
    {"http", http_start, http_stop},
    {"dns", dns_service_start, dns_service_stop},
};

int app_start(void)
{
	int started = 0, rc;

	for (size_t i = 0; i < sizeof(app_services) / sizeof(app_services[0]); i++) {
		const struct app_service *s = &app_services[i];

		if ((rc = s->start()) < 0) {
			plat_log("app", "%s did not start: %s (%d); the other services go on",
			         s->name, strerror(-rc), rc);
			continue;
		}
		if (s->stop && (rc = plat_on_shutdown(s->name, s->stop, NULL)) < 0)
			plat_log("app", "%s: no shutdown hook (%d)", s->name, rc);
		started++;
	}
	plat_log("app", "%d of %d services started", started,
	         (int)(sizeof(app_services) / sizeof(app_services[0])));
	return started;
}
