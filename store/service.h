/*
 * The store as a service (app/app.c starts it first): the store on the
 * machine's block device, opened -- and recovered, if the last stop was a
 * power cut -- at boot, and closed cleanly on shutdown. Other services
 * reach it through store_service().
 */
#ifndef STORE_SERVICE_H
#define STORE_SERVICE_H

#include "plat/plat.h"
#include "store.h"

/* Open the store on plat_blk; logs the open time and the memory it took. */
int store_service_start(void);
/* Shutdown hook: close (checkpoint) the store. */
int store_service_stop(void *arg, enum plat_shutdown why);
/* The open store, or NULL if it did not start. */
struct store *store_service(void);

#endif
