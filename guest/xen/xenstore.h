/*
 * The xenstore client (docs/misc/xenstore.txt) over the shared ring whose
 * page and event channel come from HVM_PARAM_STORE_PFN / _EVTCHN. One
 * request at a time; calls block, sleeping on the event channel, until
 * xenstored answers (or XS_TIMEOUT_NS passes: -ETIMEDOUT). Paths may be
 * relative to the domain's home (/local/domain/<id>/). Every error is a
 * negative errno: xenstored's "ENOENT" is -ENOENT; nothing is allocated.
 * A request is written to the ring whole or not at all, so a timeout never
 * leaves a torn message for xenstored; one longer than the ring
 * (XENSTORE_RING_SIZE, 1 KiB with its header) fails with -E2BIG.
 */
#ifndef GUEST_XEN_XENSTORE_H
#define GUEST_XEN_XENSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_TIMEOUT_NS (10ull * 1000000000ull)

/* A transaction id; XS_TX_NONE outside a transaction. */
typedef uint32_t xs_tx;
#define XS_TX_NONE 0u

/* Find and map the ring and bind its event channel. -ENODEV if none. */
int xs_init(void);

/*
 * Read `path` into `buf`, NUL-terminated (-ENOSPC if `size` is too
 * small). Returns the value's length.
 */
int xs_read(xs_tx tx, const char *path, char *buf, size_t size);
/* Read a decimal value. -EINVAL if it is not one. */
int xs_read_u64(xs_tx tx, const char *path, uint64_t *value);
/* Write `value` (a string) to `path`, creating it and its parents. */
int xs_write(xs_tx tx, const char *path, const char *value);
/* Remove `path` and everything below it. */
int xs_rm(xs_tx tx, const char *path);
/*
 * The children of `path` as consecutive NUL-terminated names in `buf`.
 * Returns how many (-ENOSPC if they do not fit).
 */
int xs_directory(xs_tx tx, const char *path, char *buf, size_t size);

/* Transactions: end with commit=false to abort. End returns -EAGAIN when
 * a concurrent change made the commit fail: run the transaction again. */
int xs_transaction_start(xs_tx *tx);
int xs_transaction_end(xs_tx tx, bool commit);
/*
 * Run body(tx, arg) in a transaction, again while the commit returns
 * -EAGAIN (a bounded number of times). A body error aborts it.
 */
int xs_transact(int (*body)(xs_tx tx, void *arg), void *arg);

/*
 * Watch `path`: fn(arg) runs from the event loop (xs_dispatch) once now
 * and after changes at or below it (several changes may give one call).
 * Returns a watch id for xs_unwatch.
 */
typedef void (*xs_watch_fn)(void *arg);
int xs_watch(const char *path, xs_watch_fn fn, void *arg);
int xs_unwatch(int id);

/* True if watch `id` (one without a function) fired since the last call (synchronous waits). */
bool xs_watch_take(int id);
/* Sleep until a watch without a function fires, the ring has news, or `deadline_ns`. */
void xs_wait(uint64_t deadline_ns);

/* True if a watch fired whose function has not run yet. */
bool xs_watch_pending(void);
/* Call the functions of watches that fired. From the event loop. */
void xs_dispatch(void);

#endif
