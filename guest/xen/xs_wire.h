/*
 * The xenstore wire protocol (public/io/xs_wire.h, docs/misc/xenstore.txt),
 * as pure functions over byte buffers: encode a request, split the byte
 * stream from xenstored into messages, and decode replies, errors, watch
 * events, directory listings and transaction ids. No I/O and no
 * allocation; it builds for the host, where unit tests and a fuzzer feed
 * it arbitrary bytes. Errors are negative errnos: xenstored's "ENOENT"
 * becomes -ENOENT, and a malformed message -EBADMSG.
 */
#ifndef GUEST_XEN_XS_WIRE_H
#define GUEST_XEN_XS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <public/io/xs_wire.h>

#define XS_WIRE_HDR ((uint32_t)sizeof(struct xsd_sockmsg))
#define XS_WIRE_MSG_MAX (XS_WIRE_HDR + XENSTORE_PAYLOAD_MAX)

/* A piece of a request payload. */
struct xs_part {
	const void *data;
	uint32_t len;
};

/* One message from xenstored; `payload` points into the caller's buffer. */
struct xs_msg {
	uint32_t type;
	uint32_t req_id;
	uint32_t tx_id;
	uint32_t len;
	const char *payload;
};

/*
 * Write the header and the concatenated `parts` into `buf`. Returns the
 * message length, -E2BIG if the payload exceeds XENSTORE_PAYLOAD_MAX or
 * -ENOSPC if `size` is too small.
 */
int xs_wire_encode(void *buf, size_t size, uint32_t type, uint32_t req_id, uint32_t tx_id,
                   const struct xs_part *parts, unsigned int n);

/*
 * Parse the message at the start of `buf` (`len` bytes available).
 * Returns its total length once it is complete, -EAGAIN while more bytes
 * are needed, -EBADMSG if the header is impossible (oversized payload).
 */
int xs_wire_parse(const void *buf, size_t len, struct xs_msg *msg);

/* XS_ERROR's payload ("ENOENT\0") as a negative errno; -EIO if unknown. */
int xs_wire_error(const struct xs_msg *msg);

/*
 * The result of a reply to a request of type `type`: 0, the error it
 * carries, or -EBADMSG if it is neither that type nor XS_ERROR.
 */
int xs_wire_result(const struct xs_msg *msg, uint32_t type);

/* XS_WATCH_EVENT: "path\0token\0". 0 or -EBADMSG. */
int xs_wire_event(const struct xs_msg *msg, const char **path, const char **token);

/*
 * Step through an XS_DIRECTORY reply ("a\0b\0"): sets *name to the entry
 * at *off and advances it. Returns 1 for an entry, 0 at the end, -EBADMSG
 * for an unterminated entry.
 */
int xs_wire_dir_next(const struct xs_msg *msg, uint32_t *off, const char **name);

/* XS_TRANSACTION_START's reply: a decimal id, NUL-terminated, not 0. */
int xs_wire_txid(const struct xs_msg *msg, uint32_t *tx_id);

/* An XS_READ value as an unsigned decimal number. 0, -EINVAL, -ERANGE. */
int xs_wire_u64(const char *text, uint32_t len, uint64_t *value);

#endif
