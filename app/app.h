/*
 * The appliance's services, started in one place for every platform:
 * guest/main.c and plat/host/main.c call app_start() once their platform
 * is up, and neither knows the services by name.
 */
#ifndef APP_APP_H
#define APP_APP_H

/*
 * Start every service in order (the store, the network, DNS, TLS, HTTP
 * with Git). A service that fails to start is logged with its reason and
 * the others go on; each one started registers its shutdown hook, so they
 * stop in reverse order. Once the network is up, one turn of the loop
 * between two starts answers what has come in (plat_run_once()); if that
 * turn began a shutdown, the rest are not started. Returns how many
 * started.
 */
int app_start(void);

#endif
