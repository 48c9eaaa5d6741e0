/* The services in their start order (app.h). */
#include "app.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dns/server.h"
#include "dns/service.h"
#include "net/lwipopts.h"
#include "net/http.h"
#include "net/net.h"
#include "plat/plat.h"
#include "store/service.h"
#include "tls/tls.h"

/* Every connection that may hold a full send queue has its segments (net/lwipopts.h). */
_Static_assert(HTTP_MAX_CONNS + DNS_TCP_CONNS + NET_DIAG_CONNS <= NET_TCP_QUEUED_CONNS,
               "MEMP_NUM_TCP_SEG holds too few send queues");
/*
 * Every half-open connection the listeners' backlogs allow, every
 * connection the services hold and every connection we open (DNS's
 * forwards: dns/forward.c checks) have a pcb, with room for closing ones
 * beside them (net/lwipopts.h, MEMP_NUM_TCP_PCB).
 */
_Static_assert(2 * HTTP_MAX_CONNS + DNS_TCP_CONNS + 3 * NET_DIAG_CONNS <= NET_TCP_HANDSHAKES,
               "a listener's backlog is not counted in NET_TCP_HANDSHAKES");
_Static_assert(NET_TCP_HANDSHAKES + NET_TCP_QUEUED_CONNS + NET_TCP_CLIENT_CONNS +
                       NET_TCP_CLOSING_ROOM <=
                   MEMP_NUM_TCP_PCB,
               "MEMP_NUM_TCP_PCB holds too few pcbs");

struct app_service {
	const char *name;
	int (*start)(void);
	plat_shutdown_fn stop; /* NULL: nothing to close */
	/*
	 * The network is up once this one has started. From then on the loop
	 * takes one turn before each later start, so that a frame that came
	 * in meanwhile is answered by the services already up (the echo, then
	 * the zone) before the next, slower one starts. Not before: nothing
	 * takes the frames yet, and netfront would hand them on to no one.
	 */
	bool brings_network;
};

/*
 * Order matters: each service may use those above it (HTTP serves from the
 * store over the network, and redirects to HTTPS once TLS is up), and they
 * stop bottom up. DNS needs only the store and the network, so it comes
 * before TLS, whose first start makes a key and a certificate and commits
 * them to the store: the zone is answered meanwhile. Under QEMU's TCG that
 * start took 61 ms, of which the key and certificate 24 ms, and 3.8 ms
 * when made a second time in the same boot: the rest is QEMU translating
 * code that runs for the first time (issue 13).
 */
static const struct app_service app_services[] = {
    {"store", store_service_start, store_service_stop, false},
    {"net", net_start, NULL, true},
    {"dns", dns_service_start, dns_service_stop, false},
    {"tls", tls_start, NULL, false},
    {"http", http_start, http_stop, false},
};

#define APP_NSERVICES (int)(sizeof(app_services) / sizeof(app_services[0]))

/*
 * Starts the services in order; the log's last line gives how long each
 * start took, and the turns of the loop between them (what was served
 * meanwhile): the boot's steps as the board runs them (issue 13).
 */
int app_start(void)
{
	int started = 0, rc;
	bool network_up = false;
	uint64_t begun = plat_now_ns(), turns = 0, t;
	char took[APP_NSERVICES * 24] = ""; /* ", " name " " ms: 18 octets for a 5-letter name */
	size_t len = 0;
	int n;

	for (int i = 0; i < APP_NSERVICES; i++) {
		const struct app_service *s = &app_services[i];

		t = plat_now_ns();
		if (network_up)
			plat_run_once();
		turns += plat_now_ns() - t;
		if (plat_shutdown_started()) {
			plat_log("app", "shutdown requested: %s and the %d after it not started",
			         s->name, APP_NSERVICES - i - 1);
			return started;
		}
		network_up |= s->brings_network;
		t = plat_now_ns();
		rc = s->start();
		n = snprintf(took + len, sizeof(took) - len, "%s%s %lu", i ? ", " : "", s->name,
		             (unsigned long)((plat_now_ns() - t) / 1000000));
		/* A longer name cuts the line short, never past the buffer. */
		if (n > 0)
			len += (size_t)n < sizeof(took) - len ? (size_t)n : sizeof(took) - len - 1;
		if (rc < 0) {
			plat_log("app", "%s did not start: %s (%d); the other services go on",
			         s->name, strerror(-rc), rc);
			continue;
		}
		if (s->stop && (rc = plat_on_shutdown(s->name, s->stop, NULL)) < 0)
			plat_log("app", "%s: no shutdown hook (%d)", s->name, rc);
		started++;
	}
	plat_log("app", "%d of %d services started in %lu ms (%s ms; turns of the loop %lu ms)",
	         started, APP_NSERVICES, (unsigned long)((plat_now_ns() - begun) / 1000000), took,
	         (unsigned long)(turns / 1000000));
	return started;
}
