/* storectl's commands, split over its files. Host only. */
#ifndef STORE_STORECTL_H
#define STORE_STORECTL_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

int ctl_fail(const char *what, int r);
double ctl_now(void);
int ctl_open(const char *image, bool full, struct store **st);
void ctl_nth_oid(struct store *st, uint32_t i, struct store_oid *oid);
int ctl_import(int argc, char **argv);
int ctl_import_pack(int argc, char **argv);
int ctl_secret(int argc, char **argv);
int ctl_passwd(int argc, char **argv);
int ctl_export(int argc, char **argv);
int ctl_pack(int argc, char **argv);

#endif
