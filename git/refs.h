/*
 * The refs Git's clients see (gitprotocol-http, "Smart Clients";
 * gitprotocol-pack, "Reference Discovery"): HEAD, the branches (refs/heads/) and
 * the tags (refs/tags/) with each annotated tag's peeled target. Nothing else: the
 * store's non-public part (refs/appliance/) is never advertised.
 */
#ifndef GIT_REFS_H
#define GIT_REFS_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

/* Whether clients may see (and later fetch from) ref `name`. */
bool git_ref_public(const char *name);

/* An annotated tag's target, peeled to a non-tag, in *out: 0, 1 if `oid` is no tag, or an error. */
int git_ref_peel(struct store *st, const struct store_oid *oid, struct store_oid *out);

/*
 * The smart HTTP advertisement of `service` ("git-upload-pack") for
 * protocol v0/v1: the "# service=" line, a flush, the refs with
 * `capabilities` on the first, a flush. A malloc'd buffer in *out.
 * 0, -ENOMEM, or the store's error.
 */
int git_advertise(struct store *st, const char *service, const char *capabilities, uint8_t **out,
                  size_t *len);

#endif
