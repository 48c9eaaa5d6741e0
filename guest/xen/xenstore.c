/*
 * Minimal xenstore client (see xenstore.h).
 */
#include "xen/xenstore.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <public/hvm/params.h>
#include <public/io/xs_wire.h>

#include "arch/arm32/arch.h"
#include "arch/arm32/barrier.h"
#include "arch/arm32/mmu.h"
#include "xen/events.h"
#include "xen/ring.h"
#include "xen/xen.h"

static struct xenstore_domain_interface *xs_ring;
static evtchn_port_t xs_port;
static uint32_t xs_req_id;

/* The last message read: header and payload, NUL-terminated. */
static struct xsd_sockmsg xs_msg;
static char xs_payload[XENSTORE_PAYLOAD_MAX + 1];

/* A watch event seen but not yet returned by xs_wait_watch(). */
static int xs_event_pending;
static char xs_event_token[64];

int xs_init(void)
{
	uint64_t pfn, port;

	if (xen_get_param(HVM_PARAM_STORE_PFN, &pfn) < 0 || pfn == 0)
		return -ENODEV;
	if (xen_get_param(HVM_PARAM_STORE_EVTCHN, &port) < 0)
		return -ENODEV;
	if (mmu_map(pfn << 12, 4096, MMU_NORMAL) < 0)
		return -ENOMEM;
	xs_port = (evtchn_port_t)port;
	xs_ring = (struct xenstore_domain_interface *)(uintptr_t)(pfn << 12);
	return 0;
}

/* Copy up to `len` bytes into the request ring; returns how many fit. */
static uint32_t xs_put_some(const char *data, uint32_t len)
{
	uint32_t prod = xs_ring->req_prod;
	uint32_t cons = __atomic_load_n(&xs_ring->req_cons, __ATOMIC_RELAXED);
	uint32_t n, i;

	/* Read req_cons before reusing the slots it released. */
	mb();
	n = ring_free(prod, cons, XENSTORE_RING_SIZE);
	if (n > len)
		n = len;
	for (i = 0; i < n; i++)
		xs_ring->req[ring_slot(prod + i, XENSTORE_RING_SIZE)] = data[i];
	/* Publish the bytes before the index. */
	wmb();
	__atomic_store_n(&xs_ring->req_prod, prod + n, __ATOMIC_RELAXED);
	return n;
}

/* Copy up to `len` bytes out of the response ring; returns how many. */
static uint32_t xs_get_some(char *data, uint32_t len)
{
	uint32_t cons = xs_ring->rsp_cons;
	uint32_t prod = __atomic_load_n(&xs_ring->rsp_prod, __ATOMIC_RELAXED);
	uint32_t n, i;

	/* Read rsp_prod before the bytes it covers. */
	rmb();
	n = ring_used(prod, cons, XENSTORE_RING_SIZE);
	if (n > XENSTORE_RING_SIZE)
		arch_panic("xenstore: corrupt response ring indexes");
	if (n > len)
		n = len;
	for (i = 0; i < n; i++)
		data[i] = xs_ring->rsp[ring_slot(cons + i, XENSTORE_RING_SIZE)];
	/* Finish reading before handing the slots back. */
	mb();
	__atomic_store_n(&xs_ring->rsp_cons, cons + n, __ATOMIC_RELAXED);
	return n;
}

/*
 * Move `len` bytes through the ring with `op`, blocking on the event
 * channel whenever no progress is possible. The pending bit is cleared
 * before each attempt, so an event that comes after a failed attempt
 * wakes the poll.
 */
static void xs_transfer(uint32_t (*op)(char *, uint32_t), char *data,
			uint32_t len)
{
	uint32_t n;

	while (len > 0) {
		evtchn_clear(xs_port);
		n = op(data, len);
		if (n == 0) {
			evtchn_wait(&xs_port, 1);
			continue;
		}
		evtchn_send(xs_port);
		data += n;
		len -= n;
	}
}

static uint32_t xs_put_op(char *data, uint32_t len)
{
	return xs_put_some(data, len);
}

static void xs_put(const void *data, uint32_t len)
{
	xs_transfer(xs_put_op, (char *)data, len);
}

/* Read one whole message into xs_msg / xs_payload. */
static void xs_read_msg(void)
{
	xs_transfer(xs_get_some, (char *)&xs_msg, sizeof(xs_msg));
	if (xs_msg.len > XENSTORE_PAYLOAD_MAX)
		arch_panic("xenstore: oversized message from xenstored");
	xs_transfer(xs_get_some, xs_payload, xs_msg.len);
	xs_payload[xs_msg.len] = '\0';
}

/* A watch event's payload is "path\0token\0": remember the token. */
static void xs_note_event(void)
{
	size_t path_len = strnlen(xs_payload, xs_msg.len);
	const char *token = xs_payload + path_len + 1;

	if (path_len + 1 >= xs_msg.len)
		token = "";
	strncpy(xs_event_token, token, sizeof(xs_event_token) - 1);
	xs_event_pending = 1;
}

/* xenstored reports errors as the errno's name (xs_wire.h xsd_errors). */
static int xs_error(const char *name)
{
	static const struct { const char *name; int err; } errors[] = {
		{ "EINVAL", EINVAL }, { "EACCES", EACCES }, { "EEXIST", EEXIST },
		{ "EISDIR", EISDIR }, { "ENOENT", ENOENT }, { "ENOMEM", ENOMEM },
		{ "ENOSPC", ENOSPC }, { "EIO", EIO }, { "ENOTEMPTY", ENOTEMPTY },
		{ "ENOSYS", ENOSYS }, { "EROFS", EROFS }, { "EBUSY", EBUSY },
		{ "EAGAIN", EAGAIN }, { "EISCONN", EISCONN }, { "E2BIG", E2BIG },
		{ "EPERM", EPERM },
	};
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (strcmp(name, errors[i].name) == 0)
			return -errors[i].err;
	return -EIO;
}

/*
 * Send a request whose payload is `a` then `b` (either may be empty) and
 * wait for its reply in xs_payload. Watch events on the way are noted.
 */
static int xs_request(uint32_t type, const char *a, uint32_t alen,
		      const char *b, uint32_t blen)
{
	struct xsd_sockmsg req = {
		.type = type, .req_id = ++xs_req_id, .tx_id = 0,
		.len = alen + blen,
	};

	if (xs_ring == NULL)
		return -ENODEV;
	if (alen + blen > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	xs_put(&req, sizeof(req));
	xs_put(a, alen);
	xs_put(b, blen);
	for (;;) {
		xs_read_msg();
		if (xs_msg.type == XS_WATCH_EVENT)
			xs_note_event();
		else if (xs_msg.req_id == req.req_id)
			break;
	}
	return xs_msg.type == XS_ERROR ? xs_error(xs_payload) : 0;
}

int xs_read(const char *path, char *buf, size_t size)
{
	int err = xs_request(XS_READ, path, strlen(path) + 1, "", 0);

	if (err < 0)
		return err;
	if (xs_msg.len + 1 > size)
		return -ENOSPC;
	memcpy(buf, xs_payload, xs_msg.len + 1);
	return (int)xs_msg.len;
}

int xs_write(const char *path, const char *value)
{
	/* XS_WRITE: "path\0" then the value's bytes, no terminator. */
	return xs_request(XS_WRITE, path, strlen(path) + 1, value, strlen(value));
}

int xs_watch(const char *path, const char *token)
{
	char payload[256];
	size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;

	if (plen + tlen > sizeof(payload))
		return -E2BIG;
	memcpy(payload, path, plen);
	memcpy(payload + plen, token, tlen);
	return xs_request(XS_WATCH, payload, plen + tlen, "", 0);
}

int xs_wait_watch(char *token, size_t size)
{
	if (xs_ring == NULL)
		return -ENODEV;
	while (!xs_event_pending) {
		xs_read_msg();
		if (xs_msg.type == XS_WATCH_EVENT)
			xs_note_event();
	}
	xs_event_pending = 0;
	if (strlen(xs_event_token) + 1 > size)
		return -ENOSPC;
	strcpy(token, xs_event_token);
	return 0;
}
