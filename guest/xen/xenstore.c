/*
 * The xenstore client (see xenstore.h; message format in xs_wire.c).
 *
 * Bytes from the response ring are gathered in xs_in until a whole
 * message is there. A reply is kept for the request waiting on it; a
 * watch event only sets its watch's flag, so events arriving during a
 * request are never lost and callbacks never run inside a request.
 */
#include "xen/xenstore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <public/hvm/params.h>

#include "arch/arm32/arch.h"
#include "arch/arm32/barrier.h"
#include "arch/arm32/mmu.h"
#include "xen/events.h"
#include "xen/ring.h"
#include "xen/xen.h"
#include "xen/xs_wire.h"

#define XS_MAX_WATCHES 16
#define XS_PATH_MAX 128
#define XS_TRANSACT_TRIES 16

struct xs_watch_slot {
	char path[XS_PATH_MAX];
	xs_watch_fn fn;
	void *arg;
	bool used;
	bool fired;
	bool taken; /* fired, for xs_watch_take: a watch without a function only */
};

static struct xenstore_domain_interface *xs_ring;
static evtchn_port_t xs_port;
static uint32_t xs_req_id;

/* Incoming bytes, and the reply to the request in flight. */
static char xs_in[XS_WIRE_MSG_MAX];
static uint32_t xs_in_len;
static char xs_reply_buf[XS_WIRE_MSG_MAX + 1];
static struct xs_msg xs_reply;
static bool xs_reply_ready;
static char xs_out[XS_WIRE_MSG_MAX];

static struct xs_watch_slot xs_watches[XS_MAX_WATCHES];

static void xs_port_event(evtchn_port_t port, void *arg);

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
	return evtchn_bind(xs_port, xs_port_event, NULL);
}

/*
 * Copy a whole message of `len` bytes into the request ring, or nothing
 * if it does not fit yet: a message is never left half-written (xs_send).
 */
static bool xs_put_all(const char *data, uint32_t len)
{
	uint32_t prod = xs_ring->req_prod;
	uint32_t cons = __atomic_load_n(&xs_ring->req_cons, __ATOMIC_RELAXED);
	uint32_t i;

	/* Read req_cons before reusing the slots it released. */
	mb();
	if (ring_free(prod, cons, XENSTORE_RING_SIZE) < len)
		return false;
	for (i = 0; i < len; i++)
		xs_ring->req[ring_slot(prod + i, XENSTORE_RING_SIZE)] = data[i];
	/* Publish the bytes before the index. */
	wmb();
	__atomic_store_n(&xs_ring->req_prod, prod + len, __ATOMIC_RELAXED);
	return true;
}

/* Move what the response ring holds into xs_in; returns bytes moved. */
static uint32_t xs_get_some(void)
{
	uint32_t cons = xs_ring->rsp_cons;
	uint32_t prod = __atomic_load_n(&xs_ring->rsp_prod, __ATOMIC_RELAXED);
	uint32_t n, i;

	/* Read rsp_prod before the bytes it covers. */
	rmb();
	n = ring_used(prod, cons, XENSTORE_RING_SIZE);
	if (n > XENSTORE_RING_SIZE)
		arch_panic("xenstore: corrupt response ring indexes");
	if (n > sizeof(xs_in) - xs_in_len)
		n = sizeof(xs_in) - xs_in_len;
	for (i = 0; i < n; i++)
		xs_in[xs_in_len + i] = xs_ring->rsp[ring_slot(cons + i, XENSTORE_RING_SIZE)];
	xs_in_len += n;
	/* Finish reading before handing the slots back. */
	mb();
	__atomic_store_n(&xs_ring->rsp_cons, cons + n, __ATOMIC_RELAXED);
	if (n > 0)
		evtchn_send(xs_port);
	return n;
}

static void xs_note_event(const struct xs_msg *msg)
{
	const char *path, *token;
	unsigned int id;

	if (xs_wire_event(msg, &path, &token) < 0) {
		printf("xenstore: malformed watch event ignored\n");
		return;
	}
	/* Our tokens are "w<slot>". */
	if (token[0] != 'w' || token[1] < '0' || token[1] > '9')
		return;
	id = (unsigned int)strtoul(token + 1, NULL, 10);
	if (id < XS_MAX_WATCHES && xs_watches[id].used) {
		xs_watches[id].fired = true;
		/* A function's watch is the loop's (xs_dispatch): no wait is for it. */
		xs_watches[id].taken = !xs_watches[id].fn;
	}
}

/* Handle every complete message in xs_in. */
static void xs_take_messages(uint32_t want_id)
{
	struct xs_msg msg;
	int n;

	while ((n = xs_wire_parse(xs_in, xs_in_len, &msg)) > 0) {
		if (msg.type == XS_WATCH_EVENT) {
			xs_note_event(&msg);
		} else if (msg.req_id == want_id && !xs_reply_ready) {
			memcpy(xs_reply_buf, msg.payload, msg.len);
			xs_reply_buf[msg.len] = '\0';
			xs_reply = msg;
			xs_reply.payload = xs_reply_buf;
			xs_reply_ready = true;
		} else {
			printf("xenstore: unexpected reply (req %u) dropped\n",
			       (unsigned int)msg.req_id);
		}
		xs_in_len -= (uint32_t)n;
		memmove(xs_in, xs_in + n, xs_in_len);
	}
	if (n == -EBADMSG)
		arch_panic("xenstore: oversized message from xenstored");
}

static void xs_pump(void)
{
	while (xs_get_some() > 0)
		xs_take_messages(xs_req_id);
}

static void xs_port_event(evtchn_port_t port, void *arg)
{
	xs_pump();
	xs_dispatch();
}

/*
 * Send one message, waiting until the ring has room for all of it. Sent
 * piecemeal, a message cut short by the deadline would leave xenstored
 * parsing the next request as its tail; so a message longer than the
 * ring is refused and the ring only ever holds whole ones.
 */
static int xs_send(const char *data, uint32_t len, uint64_t deadline)
{
	if (len > XENSTORE_RING_SIZE)
		return -E2BIG;
	for (;;) {
		evtchn_prepare(xs_port);
		if (xs_put_all(data, len)) {
			evtchn_send(xs_port);
			return 0;
		}
		if (timer_ns() >= deadline)
			return -ETIMEDOUT;
		evtchn_block(xs_port, deadline);
	}
}

static int xs_wait_reply(uint64_t deadline)
{
	for (;;) {
		evtchn_prepare(xs_port);
		xs_pump();
		if (xs_reply_ready)
			return 0;
		if (timer_ns() >= deadline)
			return -ETIMEDOUT;
		evtchn_block(xs_port, deadline);
	}
}

/* Send a request made of `parts`; on success the reply is in xs_reply. */
static int xs_request(uint32_t type, xs_tx tx, const struct xs_part *parts, unsigned int n)
{
	uint64_t deadline = timer_ns() + XS_TIMEOUT_NS;
	int len, err;

	if (xs_ring == NULL)
		return -ENODEV;
	len = xs_wire_encode(xs_out, sizeof(xs_out), type, ++xs_req_id, tx, parts, n);
	if (len < 0)
		return len;
	xs_reply_ready = false;
	err = xs_send(xs_out, (uint32_t)len, deadline);
	if (err == 0)
		err = xs_wait_reply(deadline);
	if (err == -ETIMEDOUT)
		printf("xenstore: no reply from xenstored (request type %u)\n", (unsigned int)type);
	if (err < 0)
		return err;
	return xs_wire_result(&xs_reply, type);
}

/* A request whose payload is one NUL-terminated path. */
static int xs_path_request(uint32_t type, xs_tx tx, const char *path)
{
	struct xs_part part = {path, (uint32_t)strlen(path) + 1};

	return xs_request(type, tx, &part, 1);
}

int xs_read(xs_tx tx, const char *path, char *buf, size_t size)
{
	int err = xs_path_request(XS_READ, tx, path);

	if (err < 0)
		return err;
	if (xs_reply.len + 1 > size)
		return -ENOSPC;
	memcpy(buf, xs_reply.payload, xs_reply.len + 1);
	return (int)xs_reply.len;
}

int xs_read_u64(xs_tx tx, const char *path, uint64_t *value)
{
	char text[24];
	int len = xs_read(tx, path, text, sizeof(text));

	if (len < 0)
		return len == -ENOSPC ? -EINVAL : len;
	return xs_wire_u64(text, (uint32_t)len, value);
}

int xs_write(xs_tx tx, const char *path, const char *value)
{
	/* XS_WRITE: "path\0" then the value's bytes, no terminator. */
	struct xs_part parts[2] = {
	    {path, (uint32_t)strlen(path) + 1},
	    {value, (uint32_t)strlen(value)},
	};

	return xs_request(XS_WRITE, tx, parts, 2);
}

int xs_rm(xs_tx tx, const char *path)
{
	return xs_path_request(XS_RM, tx, path);
}

int xs_directory(xs_tx tx, const char *path, char *buf, size_t size)
{
	const char *name;
	uint32_t off = 0;
	int err = xs_path_request(XS_DIRECTORY, tx, path), count = 0;

	if (err < 0)
		return err;
	if (xs_reply.len > size)
		return -ENOSPC;
	while ((err = xs_wire_dir_next(&xs_reply, &off, &name)) > 0)
		count++;
	if (err < 0)
		return err;
	memcpy(buf, xs_reply.payload, xs_reply.len);
	return count;
}

int xs_transaction_start(xs_tx *tx)
{
	struct xs_part part = {"", 1};
	int err = xs_request(XS_TRANSACTION_START, XS_TX_NONE, &part, 1);

	return err < 0 ? err : xs_wire_txid(&xs_reply, tx);
}

int xs_transaction_end(xs_tx tx, bool commit)
{
	struct xs_part part = {commit ? "T" : "F", 2};

	return xs_request(XS_TRANSACTION_END, tx, &part, 1);
}

int xs_transact(int (*body)(xs_tx tx, void *arg), void *arg)
{
	xs_tx tx;
	int err, tries;

	for (tries = 0; tries < XS_TRANSACT_TRIES; tries++) {
		err = xs_transaction_start(&tx);
		if (err < 0)
			return err;
		err = body(tx, arg);
		if (err < 0) {
			xs_transaction_end(tx, false);
			return err;
		}
		err = xs_transaction_end(tx, true);
		if (err != -EAGAIN)
			return err;
	}
	return -EAGAIN;
}

static int xs_watch_request(uint32_t type, int id)
{
	char token[8];
	struct xs_part parts[2] = {
	    {xs_watches[id].path, (uint32_t)strlen(xs_watches[id].path) + 1},
	    {token, 0},
	};

	parts[1].len = (uint32_t)snprintf(token, sizeof(token), "w%d", id) + 1;
	return xs_request(type, XS_TX_NONE, parts, 2);
}

int xs_watch(const char *path, xs_watch_fn fn, void *arg)
{
	int id, err;

	if (strlen(path) >= XS_PATH_MAX)
		return -E2BIG;
	for (id = 0; id < XS_MAX_WATCHES && xs_watches[id].used; id++)
		;
	if (id == XS_MAX_WATCHES)
		return -ENOSPC;
	strcpy(xs_watches[id].path, path);
	xs_watches[id].fn = fn;
	xs_watches[id].arg = arg;
	xs_watches[id].fired = xs_watches[id].taken = false;
	xs_watches[id].used = true;
	err = xs_watch_request(XS_WATCH, id);
	if (err < 0) {
		xs_watches[id].used = false;
		return err;
	}
	return id;
}

int xs_unwatch(int id)
{
	int err;

	if (id < 0 || id >= XS_MAX_WATCHES || !xs_watches[id].used)
		return -EINVAL;
	err = xs_watch_request(XS_UNWATCH, id);
	xs_watches[id].used = false;
	return err;
}

bool xs_watch_take(int id)
{
	bool fired;

	if (id < 0 || id >= XS_MAX_WATCHES)
		return false;
	xs_pump();
	fired = xs_watches[id].taken;
	xs_watches[id].taken = false;
	return fired;
}

void xs_wait(uint64_t deadline_ns)
{
	int id;

	evtchn_prepare(xs_port);
	xs_pump();
	for (id = 0; id < XS_MAX_WATCHES; id++)
		if (xs_watches[id].used && xs_watches[id].taken)
			return;
	evtchn_block(xs_port, deadline_ns);
}

bool xs_watch_pending(void)
{
	int id;

	for (id = 0; id < XS_MAX_WATCHES; id++)
		if (xs_watches[id].used && xs_watches[id].fired)
			return true;
	return false;
}

void xs_dispatch(void)
{
	int id;

	for (id = 0; id < XS_MAX_WATCHES; id++) {
		if (!xs_watches[id].used || !xs_watches[id].fired)
			continue;
		xs_watches[id].fired = false;
		if (xs_watches[id].fn != NULL)
			xs_watches[id].fn(xs_watches[id].arg);
	}
}
