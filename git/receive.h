/*
 * git-receive-pack over smart HTTP (gitprotocol-pack, "Pushing Data To a
 * Server"; always protocol v0): the commands, then the pack, streamed
 * into the store as it arrives (store_import_*), verified whole and only
 * then visible; then the ref updates, each a compare-and-swap on the old
 * value the client sent, and the report.
 *
 * Capabilities: report-status, delete-refs, side-band-64k, quiet, atomic,
 * ofs-delta, agent. Thin packs are completed from the store. Only
 * refs/heads/ and refs/tags/ may be pushed, and none may come to reach
 * an object only refs/appliance/ reaches unless the pack carried it
 * (store_refs_push); a symbolic ref is never changed (the reason names
 * its target); the branch HEAD names (the site) only moves forward and is
 * never deleted; a service may veto an update (store_set_veto),
 * and its reason reaches the client.
 *
 * Memory: 1,416 bytes of state on the guest (sizeof, arm-none-eabi: the
 * reader's 1 KiB line), 204 bytes a command and its name (8,192 at most:
 * under 3 MiB), the store's import (store.h), and until the updates are
 * made a set slot for each object refs/appliance/ reaches (struct
 * store_private: a few secrets, the editor's files). The report is made
 * whole before it goes, in a buffer that grows by doubling: up to about
 * 170 bytes a command (its line, pkt-line and band headers), 1.4 MiB for
 * 8,192 commands of 127-byte names. Such a push, the most one may ask
 * for, peaked at 5.9 MiB on the host twin (64-bit: the guest's commands
 * are smaller). One pack streams in at a time: the store's log has one
 * writer, and a push that comes meanwhile is refused ("another push is
 * in progress").
 */
#ifndef GIT_RECEIVE_H
#define GIT_RECEIVE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define GIT_RECEIVE_CAPS                                                                           \
	"report-status delete-refs side-band-64k quiet atomic ofs-delta object-format=sha1"
#define GIT_RECEIVE_MAX_COMMANDS STORE_MAX_REFS

struct git_receive;

/* `size_hint`: the request body's length if known (room is made for the pack first), else 0. */
int git_receive_new(struct store *st, uint64_t size_hint, struct git_receive **r);
/* Body bytes as they arrive: 0, or a negative errno once refused (the answer says why). */
int git_receive_feed(struct git_receive *r, const uint8_t *data, size_t len);
/* The body is all in: the pack is checked, the refs updated, the report made. */
void git_receive_finish(struct git_receive *r);
/* The report's next bytes: > 0, or 0 at its end. */
long git_receive_read(struct git_receive *r, uint8_t *buf, size_t len);
void git_receive_free(struct git_receive *r); /* NULL is fine */

/* Whether `name` may be pushed: NULL if so, else why not. */
const char *git_receive_ref_refused(const char *name);

#endif
