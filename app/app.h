/*
 * The appliance's services, started in one place for every platform:
 * guest/main.c and plat/host/main.c call app_start() once their platform
 * is up, and neither knows the services by name.
 */
#ifndef APP_APP_H
#define APP_APP_H

/*
 * Start every service in order (the store, the network; TLS, HTTP, Git and
 * DNS as they come). A service that fails to start is logged with its
 * reason and the others go on; each one started registers its shutdown
 * hook, so they stop in reverse order. Returns how many started.
 */
int app_start(void);

#endif
