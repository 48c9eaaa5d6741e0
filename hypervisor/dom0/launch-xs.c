/*
 * A xenstore transaction's writes sent at once on launch's own connection
 * to xenstored (launch.h, struct launch_xs): the wire format is
 * xen/include/public/io/xs_wire.h's, a 16-byte header (type, req_id,
 * tx_id, len, in the host's byte order) and len bytes. xenstored answers a
 * socket's requests in order, so the replies are read after all are sent:
 * one round trip for the lot instead of one per write, the ~125 of a
 * guest's creation (issue 13: 100-120 ms under QEMU's TCG with
 * libxenstore's xs_write, a request and its reply at a time). The
 * removals that undo a failed create go the same way (launch_xs_rm), on
 * a connection with timeouts, where libxenstore's xs_rm has none.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"

struct header {
	uint32_t type, req_id, tx_id, len;
};

/* xs_wire.h's xsd_errors: what xenstored's XS_ERROR replies name. */
static const struct {
	const char *name;
	int err;
} errors[] = {
    {"EINVAL", EINVAL},       {"EACCES", EACCES},   {"EEXIST", EEXIST}, {"EISDIR", EISDIR},
    {"ENOENT", ENOENT},       {"ENOMEM", ENOMEM},   {"ENOSPC", ENOSPC}, {"EIO", EIO},
    {"ENOTEMPTY", ENOTEMPTY}, {"ENOSYS", ENOSYS},   {"EROFS", EROFS},   {"EBUSY", EBUSY},
    {"EAGAIN", EAGAIN},       {"EISCONN", EISCONN}, {"E2BIG", E2BIG},   {"EPERM", EPERM},
};

static int error_named(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (strlen(errors[i].name) == len && memcmp(errors[i].name, name, len) == 0)
			return errors[i].err;
	return EIO;
}

int launch_xs_connect(const char *path, unsigned wait_ms)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = wait_ms / 1000, .tv_usec = wait_ms % 1000 * 1000};
	int fd, e;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	/*
	 * The timeouts before the connect: a xenstored that no longer accepts
	 * leaves its listen queue full, and the send timeout is what ends a
	 * connect waiting for room in it (EAGAIN, as for a send).
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto close_fd;
	return fd;
close_fd:
	e = errno == EAGAIN ? ETIMEDOUT : errno;
	close(fd);
	return -e;
}

/*
 * The connection's timeout `opt` (SO_RCVTIMEO or SO_SNDTIMEO: launch_xs_connect's
 * wait_ms) as a deadline from now, for one whole reply or one whole batch
 * of requests: a xenstored that reads or answers a byte at a time must not
 * hold launch longer than one that does nothing. false for a connection
 * with no timeout: no deadline.
 */
static bool io_deadline(int fd, int opt, struct timespec *deadline)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);

	if (getsockopt(fd, SOL_SOCKET, opt, &tv, &len) < 0 || (tv.tv_sec == 0 && tv.tv_usec == 0))
		return false;
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += tv.tv_sec;
	deadline->tv_nsec += tv.tv_usec * 1000L;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
	return true;
}

/* Milliseconds left until deadline (rounded up), 0 if it has passed. */
static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(deadline->tv_sec - now.tv_sec) * 1000000000LL +
	     (deadline->tv_nsec - now.tv_nsec);
	return ns <= 0 ? 0 : (int)((ns + 999999) / 1000000);
}

/* fd ready for `events` by `deadline` (NULL: none): 0, -ETIMEDOUT or -errno. */
static int ready(int fd, short events, const struct timespec *deadline)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = events};
		int n = poll(&pfd, 1, deadline ? ms_left(deadline) : -1);

		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/*
 * All n bytes sent by the connection's send timeout from now: 0,
 * -ETIMEDOUT, -EPIPE for xenstored gone, or -errno. send, not write: a
 * xenstored gone is -EPIPE, not a SIGPIPE that kills launch unheard. The
 * timeout running out is -ETIMEDOUT, never -EAGAIN: that is xenstored's
 * word for a transaction to try again, and launch would retry on a
 * connection out of step.
 */
static int write_all(int fd, const uint8_t *p, size_t n)
{
	struct timespec deadline;
	const struct timespec *by = io_deadline(fd, SO_SNDTIMEO, &deadline) ? &deadline : NULL;

	while (n) {
		int r = ready(fd, POLLOUT, by);
		ssize_t w;

		if (r)
			return r;
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EPIPE;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * n bytes into buf by `deadline` (NULL: no deadline): 0, -ETIMEDOUT,
 * -ECONNRESET for the connection closed, or -errno.
 */
static int read_all(int fd, void *buf, size_t n, const struct timespec *deadline)
{
	uint8_t *p = buf;

	while (n) {
		int r = ready(fd, POLLIN, deadline);
		ssize_t got;

		if (r)
			return r;
		got = read(fd, p, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		if (got == 0)
			return -ECONNRESET;
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/*
 * One reply, for request `req_id` of `type`: its payload (NUL-terminated)
 * into buf. 0; xenstored's refusal, its XS_ERROR's errno (positive); or
 * the connection lost (-errno; -EPROTO for a reply that is not the one
 * due), after which it is out of step.
 */
static int reply(struct launch_xs *x, uint32_t type, uint32_t req_id, char *buf)
{
	struct timespec deadline;
	const struct timespec *by = io_deadline(x->fd, SO_RCVTIMEO, &deadline) ? &deadline : NULL;
	struct header h;
	int r = read_all(x->fd, &h, sizeof(h), by);

	if (r < 0)
		return r;
	if (h.len > LAUNCH_XS_PAYLOAD_MAX)
		return -EPROTO;
	r = read_all(x->fd, buf, h.len, by);
	if (r < 0)
		return r;
	buf[h.len] = '\0';
	if (h.req_id != req_id)
		return -EPROTO;
	if (h.type == LAUNCH_XS_ERROR)
		return error_named(buf, strnlen(buf, h.len));
	return h.type == type ? 0 : -EPROTO;
}

/*
 * Queue a request of `type` whose payload is the `n` strings of `parts`,
 * each with its NUL (the last without, if `last_bare`: a write's value).
 */
static void request(struct launch_xs *x, uint32_t type, const char *const *parts, int n,
                    bool last_bare)
{
	struct header h = {.type = type, .req_id = x->n, .tx_id = x->tx};
	size_t len = 0, need;

	if (x->err)
		return;
	for (int i = 0; i < n; i++)
		len += strlen(parts[i]) + !(last_bare && i == n - 1);
	if (len > LAUNCH_XS_PAYLOAD_MAX) {
		x->err = -E2BIG;
		snprintf(x->failed, sizeof(x->failed), "%s", parts[0]);
		return;
	}
	need = x->len + sizeof(h) + len;
	if (need > x->cap) {
		size_t cap = x->cap ? x->cap : 4096;
		uint8_t *b;

		while (cap < need)
			cap *= 2;
		b = realloc(x->buf, cap);
		if (!b) {
			x->err = -ENOMEM;
			snprintf(x->failed, sizeof(x->failed), "%s", parts[0]);
			return;
		}
		x->buf = b;
		x->cap = cap;
	}
	h.len = (uint32_t)len;
	memcpy(x->buf + x->len, &h, sizeof(h));
	x->len += sizeof(h);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(parts[i]) + !(last_bare && i == n - 1);

		memcpy(x->buf + x->len, parts[i], l);
		x->len += l;
	}
	x->n++;
}

/*
 * A request of its own, sent and answered before anything else: the
 * transaction's start and end. Its reply's payload into buf; 0 or -errno.
 */
static int one(struct launch_xs *x, uint32_t type, const char *part, char *buf)
{
	int r;

	x->err = 0;
	x->len = 0;
	x->n = 0;
	request(x, type, &part, 1, false);
	r = x->err ? x->err : write_all(x->fd, x->buf, x->len);
	if (!r)
		r = reply(x, type, 0, buf);
	x->len = 0;
	x->n = 0;
	return r > 0 ? -r : r;
}

/* x on fd, outside any transaction, nothing queued and nothing failed. */
static void begin(struct launch_xs *x, int fd)
{
	x->fd = fd;
	x->tx = 0;
	x->err = 0;
	x->len = 0;
	x->n = 0;
	x->failed[0] = '\0';
}

int launch_xs_start(struct launch_xs *x, int fd)
{
	char buf[LAUNCH_XS_PAYLOAD_MAX + 1], *end;
	unsigned long id;
	int r;

	begin(x, fd);
	r = one(x, LAUNCH_XS_TRANSACTION_START, "", buf);
	if (r)
		return r;
	errno = 0;
	id = strtoul(buf, &end, 10);
	if (errno || end == buf || *end || id == 0 || id > UINT32_MAX)
		return -EPROTO;
	x->tx = (uint32_t)id;
	return 0;
}

void launch_xs_write(struct launch_xs *x, const char *path, const char *value)
{
	const char *parts[] = {path, value};

	request(x, LAUNCH_XS_WRITE, parts, 2, true);
}

void launch_xs_perms(struct launch_xs *x, const char *path, unsigned owner, unsigned reader)
{
	char o[16], r[16];
	const char *parts[] = {path, o, r};

	snprintf(o, sizeof(o), "n%u", owner);
	snprintf(r, sizeof(r), "r%u", reader);
	request(x, LAUNCH_XS_SET_PERMS, parts, reader ? 3 : 2, false);
}

/*
 * Sends what is queued and reads every reply, so that the connection
 * stays in step for what follows (a transaction's abort). Each request's
 * result into each[i], if each is not NULL: 0 or -errno; those after a
 * reply not read (the connection lost) have its failure, as have all if
 * the requests were not sent. The first failure is x->err, its request's
 * path x->failed.
 */
static int exchange(struct launch_xs *x, int *each)
{
	char buf[LAUNCH_XS_PAYLOAD_MAX + 1];
	size_t off = 0;
	uint32_t i = 0;
	int lost = x->err;

	if (!lost && (lost = write_all(x->fd, x->buf, x->len)) < 0) {
		/* Not all sent: the first request names the lot. */
		x->err = lost;
		snprintf(x->failed, sizeof(x->failed), "%s",
		         (const char *)x->buf + sizeof(struct header));
	}
	for (; !lost && i < x->n; i++) {
		struct header h;
		int e;

		memcpy(&h, x->buf + off, sizeof(h));
		e = reply(x, h.type, i, buf);
		if (e && !x->err) {
			x->err = e > 0 ? -e : e;
			snprintf(x->failed, sizeof(x->failed), "%s",
			         (const char *)x->buf + off + sizeof(h));
		}
		if (e < 0)
			lost = e;
		if (each)
			each[i] = e > 0 ? -e : e;
		off += sizeof(h) + h.len;
	}
	for (; each && i < x->n; i++)
		each[i] = lost;
	x->len = 0;
	x->n = 0;
	return x->err;
}

int launch_xs_flush(struct launch_xs *x)
{
	return exchange(x, NULL);
}

int launch_xs_rm(struct launch_xs *x, int fd, const char *const *paths, int n, int *err)
{
	int queued, first = 0;

	begin(x, fd); /* outside any transaction */
	for (int i = 0; i < n; i++)
		request(x, LAUNCH_XS_RM, &paths[i], 1, false);
	queued = (int)x->n;
	exchange(x, err);
	/*
	 * A path refused at queueing (too long, no memory) sent nothing: those
	 * before it have that failure from exchange, it and those after it here.
	 */
	for (int i = queued; i < n; i++)
		err[i] = x->err;
	for (int i = 0; i < n; i++) {
		/* xenstored's ENOENT: the path's parent is not there, so neither is it. */
		if (err[i] == -ENOENT)
			err[i] = 0;
		if (err[i] && !first)
			first = err[i];
	}
	return first;
}

int launch_xs_end(struct launch_xs *x, bool commit)
{
	char buf[LAUNCH_XS_PAYLOAD_MAX + 1];

	return one(x, LAUNCH_XS_TRANSACTION_END, commit ? "T" : "F", buf);
}

void launch_xs_free(struct launch_xs *x)
{
	free(x->buf);
	x->buf = NULL;
	x->cap = 0;
}
