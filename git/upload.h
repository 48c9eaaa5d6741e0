/*
 * git-upload-pack over smart HTTP (gitprotocol-pack, gitprotocol-v2,
 * gitprotocol-http): one request's body in, one answer out, nothing kept
 * between requests (the "stateless RPC" HTTP gives).
 *
 * Protocol v0/v1: wants with capabilities (multi_ack_detailed, no-done,
 * side-band-64k, ofs-delta, thin-pack, shallow, deepen-relative,
 * include-tag, no-progress, agent), shallow and deepen lines, haves, done.
 * Protocol v2: the commands ls-refs (with unborn) and fetch (with
 * shallow). The pack is made by the store's packer as the answer is read,
 * 64 KiB side-band lines at most, so no whole pack is ever in memory.
 *
 * Limits, each a clear ERR line to the client: GIT_UPLOAD_MAX_WANTS wants
 * and shallow lines; haves past GIT_UPLOAD_MAX_COMMON in common are
 * treated as unknown (the client keeps negotiating, the pack may hold a
 * little more than needed). Memory: 3,324 bytes of state on the guest
 * (sizeof, arm-none-eabi: the reader's 1 KiB line and the ls-refs
 * prefixes among it), 20 bytes a want, common have or shallow line and a
 * set slot (21 bytes, half the slots free at most) for the last two, 56 bytes of answer an
 * acknowledgment, then the packer's (store.h).
 */
#ifndef GIT_UPLOAD_H
#define GIT_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define GIT_UPLOAD_MAX_WANTS STORE_MAX_REFS
#define GIT_UPLOAD_MAX_COMMON 4096
/* Objects of the pack's plan visited per read, between turns of the loop. */
#define GIT_UPLOAD_PLAN_STEPS 64

struct git_upload;

/* An upload for protocol `version` (0 for v0 and v1, or 2). */
int git_upload_new(struct store *st, int version, struct git_upload **u);
/*
 * Request body bytes, as they arrive. 0, or a negative errno once the
 * request is refused: the answer then carries an ERR line saying why.
 */
int git_upload_feed(struct git_upload *u, const uint8_t *data, size_t len);
/* The body is all in: the answer is ready to read. */
void git_upload_finish(struct git_upload *u);
/*
 * The answer's next bytes: > 0, 0 at its end, -EAGAIN for none yet (a
 * slice of the pack's plan was made: call again on the loop's next turn),
 * or another negative errno (cut it off).
 */
long git_upload_read(struct git_upload *u, uint8_t *buf, size_t len);
void git_upload_free(struct git_upload *u); /* NULL is fine */

/* The v2 capability advertisement (after info/refs): malloc'd in *out. */
int git_upload_caps_v2(uint8_t **out, size_t *len);

#endif
