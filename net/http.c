/*
 * The HTTP/1.1 server's connections (http.h): reading request heads,
 * answering them (http_site.c decides what), streaming bodies from the
 * store as the socket takes them, keep-alive, pipelining and deadlines.
 */
#include "http.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"
#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/altcp_tls.h"
#include "net.h"
#include "net_int.h"
#include "plat/conf.h"
#include "plat/plat.h"
#include "tls/tls.h"
#include "zlib.h"

#define HTTP_PORT 80
#define HTTPS_PORT 443
/*
 * The browser editor's own origin: the site's scripts, which the owner may
 * take from anyone, must not reach the editor's storage, service worker or
 * password (http_site.c).
 */
#define EDIT_PORT 8443
#define HTTP_PIECE 4096
/* How soon a connection TCP refused for lack of segments tries again. */
#define HTTP_NO_MEM_RETRY_NS (20u * 1000000u)
/* RFC 9110 15.2.1: the interim answer a client that sent Expect: 100-continue waits for. */
static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";

static struct altcp_pcb *http_listener, *https_listener, *edit_listener;
struct http_stats http_stats;
/* Every connection, so a shutdown can close the idle ones. */
static struct http_conn *http_conns;

static bool http_stopping;

static void gzip_free(struct http_conn *c)
{
	if (c->gzip) {
		inflateEnd(c->gzip);
		free(c->gzip);
		c->gzip = NULL;
	}
}

static void conn_free(struct http_conn *c)
{
	gzip_free(c);
	plat_timer_cancel(&c->deadline);
	plat_timer_cancel(&c->resume);
	http_site_done(&c->resp);
	net_rxq_free(&c->pending);
	http_stats.conns--;
	for (struct http_conn **p = &http_conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	free(c);
	/* The last response of a shutdown is out: the next service may stop. */
	if (http_stopping && http_stats.conns == 0)
		plat_shutdown_done();
}

static void conn_late(void *arg);

/* Arm the deadline; the answer's progress (conn_send) and the body's (conn_body) count from here.
 */
static void conn_arm(struct http_conn *c, uint64_t ns)
{
	c->acked = 0;
	c->taken = 0;
	plat_timer_arm(&c->deadline, plat_now_ns() + ns, conn_late, c);
}

/* lwIP calls nothing of ours on this pcb any more. */
static void conn_detach(struct altcp_pcb *pcb)
{
	altcp_arg(pcb, NULL);
	altcp_recv(pcb, NULL);
	altcp_sent(pcb, NULL);
	altcp_err(pcb, NULL);
	altcp_poll(pcb, NULL, 0);
}

/*
 * The plain TCP pcb last reset while a callback of lwIP's ran, and gone:
 * a callback whose own pcb it is must return ERR_ABRT (conn_return), or
 * lwIP goes on with the pcb it has freed (tcp_in.c); a reset that waits
 * for tcp_input (net_int.h) leaves it NULL. Each callback clears it first, so
 * that a reset made from a timer is never taken for its own. A TLS
 * connection's layer tells lwIP itself (tls/altcp_wolfssl.c) and takes
 * ERR_OK from us.
 */
static struct altcp_pcb *conn_reset_pcb;

static void conn_reset(struct http_conn *c)
{
	if (net_altcp_abort(c->pcb) == ERR_ABRT && !c->tls)
		conn_reset_pcb = c->pcb;
}

/* What a callback on `pcb` returns to lwIP once it is done. */
static err_t conn_return(const struct altcp_pcb *pcb)
{
	err_t e = conn_reset_pcb == pcb ? ERR_ABRT : ERR_OK;

	conn_reset_pcb = NULL;
	return e;
}

/*
 * Close once the client has all we queued: until then the connection
 * drains (CONN_DRAIN), still counted against HTTP_MAX_CONNS, under the
 * idle time and its progress rule (conn_sent), and a client that takes
 * nothing is reset (conn_late). A pcb closed with bytes queued would keep
 * them, its segments and itself for as long as the client's kernel
 * answers lwIP's window probes, which resets their count: a client that
 * never read could pile up closed pcbs until no connection could open.
 * The close itself queues at most a FIN (and TLS's close_notify), and the
 * pcb goes to the lowest priority: lwIP ends the oldest such pcb when a
 * new connection finds none free (tcp_kill_prio). A reset if the close
 * fails, which on an open connection it does not (net_int.h).
 */
static void conn_close(struct http_conn *c)
{
	struct altcp_pcb *pcb = c->pcb;

	/* Bytes left unread would make lwIP reset the connection, losing our last answer. */
	if (net_rxq_len(&c->pending)) {
		altcp_recved(pcb, (u16_t)net_rxq_len(&c->pending));
		net_rxq_free(&c->pending);
	}
	if (altcp_sndqueuelen(pcb) > 0) {
		if (c->state != CONN_DRAIN) {
			/* Nothing more is made: what an answer or a request body held goes now. */
			http_site_done(&c->resp);
			gzip_free(c);
			plat_timer_cancel(&c->resume);
			c->state = CONN_DRAIN;
			conn_arm(c, HTTP_IDLE_NS);
		}
		return;
	}
	conn_detach(pcb);
	altcp_setprio(pcb, TCP_PRIO_MIN);
	if (net_altcp_close(pcb) != ERR_OK)
		conn_reset(c);
	conn_free(c);
}

/* Drop a connection whose client stopped taking our answer: a reset frees what TCP still holds. */
static void conn_abort(struct http_conn *c)
{
	conn_detach(c->pcb);
	conn_reset(c);
	conn_free(c);
}

void http_conn_close_idle(void)
{
	struct http_conn *c = http_conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->state == CONN_HEAD)
			conn_close(c);
	}
}

static void conn_pump(struct http_conn *c);
static void body_refuse(struct http_conn *c, int status, const char *text);

/* The least of its answer a client must take in each HTTP_IDLE_NS (http.h). */
static uint32_t progress_min(const struct http_conn *c)
{
	return c->resp.cached && http_cache_rebuilt(c->resp.cached) ? HTTP_REBUILT_PROGRESS_MIN
	                                                            : HTTP_PROGRESS_MIN;
}

static void conn_late(void *arg)
{
	struct http_conn *c = arg;

	if (c->state == CONN_HEAD && c->in_len > 0 && !c->resp.active) {
		/* A head that does not finish in time: 408, as for a slow client. */
		c->resp.close = true; /* before the head is made: it says so */
		http_site_error(&c->resp, 408, "the request head took too long\n");
		c->state = CONN_BODY;
		conn_pump(c);
		return;
	}
	if (c->state == CONN_RECV) {
		/* Less than HTTP_PROGRESS_MIN bytes of the body in HTTP_IDLE_NS (conn_body). */
		body_refuse(c, 408, "the request body came too slowly\n");
		conn_pump(c);
		return;
	}
	if (c->state == CONN_BODY || c->state == CONN_DRAIN ||
	    (altcp_sndqueuelen(c->pcb) > 0 && c->acked < progress_min(c))) {
		/* Too little of the answer acknowledged for HTTP_IDLE_NS (conn_send, conn_sent). */
		http_stats.stalled++;
		conn_abort(c);
		return;
	}
	conn_close(c);
}

/* What send_some says. */
enum send_result {
	SEND_FAILED = -1,
	SEND_FULL = 0,   /* the socket is full: its sent callback resumes */
	SEND_DONE = 1,   /* all is out */
	SEND_YIELD = 2,  /* a range's skipping or a stream with nothing yet yields its turn */
	SEND_NO_MEM = 3, /* lwIP is out of segments (a pool all connections share): retry soon */
	SEND_MORE = 4,   /* a piece of a stream went out: go on */
};

/*
 * What a refused write means: lwIP out of segments or heap (ERR_MEM), try
 * again soon; anything else will not get better (TLS's connection failed:
 * ERR_CLSD, ERR_CONN). Every refusal was taken for the first, and with
 * nothing in flight the answer was tried again every 20 ms, for good.
 */
static int refused(err_t e)
{
	return e == ERR_MEM ? SEND_NO_MEM : SEND_FAILED;
}

/*
 * Keep a body piece TCP refused for lack of segments, to send first next
 * time: the store has moved past it. At most one piece per connection.
 * Refused otherwise, it fails the answer.
 */
static int stash(struct http_resp *r, const uint8_t *piece, size_t n, err_t e)
{
	if (e != ERR_MEM)
		return SEND_FAILED;
	if (!(r->stash = malloc(n)))
		return SEND_FAILED;
	memcpy(r->stash, piece, n);
	r->stash_len = n;
	return SEND_NO_MEM;
}

/*
 * The 100 Continue owed (c->go_on), if TCP takes it now: SEND_DONE once
 * it is queued or none is owed. It goes before any byte of the final
 * answer, which send_some writes only after it.
 */
static int send_go_on(struct http_conn *c)
{
	if (!c->go_on)
		return SEND_DONE;
	if (altcp_sndbuf(c->pcb) < sizeof(go_on) - 1 ||
	    altcp_sndqueuelen(c->pcb) + 4 >= TCP_SND_QUEUELEN)
		return SEND_FULL;
	err_t e = altcp_write(c->pcb, go_on, sizeof(go_on) - 1, TCP_WRITE_FLAG_COPY);

	if (e != ERR_OK)
		return refused(e);
	http_stats.bytes_sent += sizeof(go_on) - 1;
	c->go_on = false;
	return SEND_DONE;
}

/* The stashed piece, if TCP takes it now: SEND_DONE when none is left. */
static int send_stash(struct http_conn *c)
{
	struct http_resp *r = &c->resp;

	if (!r->stash)
		return SEND_DONE;
	if (altcp_sndbuf(c->pcb) < r->stash_len)
		return SEND_FULL;
	err_t e = altcp_write(c->pcb, r->stash, (u16_t)r->stash_len, TCP_WRITE_FLAG_COPY);

	if (e != ERR_OK)
		return refused(e);
	http_stats.bytes_sent += r->stash_len;
	free(r->stash);
	r->stash = NULL;
	r->stash_len = 0;
	return SEND_DONE;
}

/*
 * The next piece of a streamed answer, each piece one chunk over HTTP/1.1:
 * four hexadecimal digits of size (RFC 9112 7.1 allows the leading zeros),
 * the bytes, CRLF; the last chunk is empty.
 */
static int send_stream(struct http_conn *c, uint8_t *piece, size_t room)
{
	struct http_resp *r = &c->resp;
	size_t frame = r->chunked ? 8 : 0, n = room < HTTP_PIECE ? room : HTTP_PIECE;
	long got;
	err_t e;

	if (r->stream_ended)
		return SEND_DONE;
	if (n < frame + 64)
		return SEND_FULL; /* a sliver of room: the bytes in flight make more */
	if ((got = r->stream.read(r->stream.ctx, piece + (r->chunked ? 6 : 0), n - frame)) < 0)
		return got == -EAGAIN ? SEND_YIELD : SEND_FAILED;
	n = (size_t)got;
	if (got == 0) {
		r->stream_ended = true;
		if (!r->chunked)
			return SEND_DONE;
		memcpy(piece, "0\r\n\r\n", 5);
		n = 5;
	} else if (r->chunked) {
		static const char hex[] = "0123456789abcdef";
		for (int i = 0; i < 4; i++)
			piece[i] = (uint8_t)hex[(got >> (12 - 4 * i)) & 15];
		memcpy(piece + 4, "\r\n", 2);
		memcpy(piece + 6 + got, "\r\n", 2);
		n += frame;
	}
	if ((e = altcp_write(c->pcb, piece, (u16_t)n, TCP_WRITE_FLAG_COPY)) != ERR_OK)
		return stash(r, piece, n, e);
	http_stats.bytes_sent += n;
	return r->stream_ended ? SEND_DONE : SEND_MORE;
}

/* Queue what the socket takes of the head, then of the body (enum send_result). */
static int send_some(struct http_conn *c)
{
	/* One loop, one thread: the piece in flight is shared by every connection. */
	static uint8_t piece[HTTP_PIECE];
	struct http_resp *r = &c->resp;
	int k;

	if ((k = send_go_on(c)) != SEND_DONE)
		return k;
	/*
	 * Room in bytes and in segments: many small answers fill lwIP's queue
	 * of segments (TCP_SND_QUEUELEN) before its bytes, and a body piece is
	 * read from the store only when the write of it cannot be refused.
	 */
	while (altcp_sndbuf(c->pcb) > 0 && altcp_sndqueuelen(c->pcb) + 4 < TCP_SND_QUEUELEN) {
		size_t room = altcp_sndbuf(c->pcb), n;
		if (r->head_off < r->head_len) {
			n = r->head_len - r->head_off < room ? r->head_len - r->head_off : room;
			err_t e = altcp_write(c->pcb, r->head + r->head_off, (u16_t)n,
			                      TCP_WRITE_FLAG_COPY);
			if (e != ERR_OK)
				return refused(e);
			r->head_off += n;
			http_stats.bytes_sent += n;
			continue;
		}
		if ((k = send_stash(c)) != SEND_DONE)
			return k;
		if (r->streaming) {
			if ((k = send_stream(c, piece, room)) != SEND_MORE)
				return k;
			continue;
		}
		if (r->body_left == 0)
			return SEND_DONE;
		if (r->skip && (k = http_site_skip(r, piece, sizeof(piece))))
			return k < 0 ? SEND_FAILED : SEND_YIELD;
		n = room < sizeof(piece) ? room : sizeof(piece);
		if ((n = http_site_body(r, piece, n)) == 0)
			return SEND_FAILED; /* the store failed mid-body: only closing can tell the
			                       client */
		err_t e = altcp_write(c->pcb, piece, (u16_t)n, TCP_WRITE_FLAG_COPY);
		if (e != ERR_OK)
			return stash(r, piece, n, e);
		http_stats.bytes_sent += n;
	}
	return r->head_off == r->head_len && !r->stash && r->body_left == 0 &&
	               (!r->streaming || r->stream_ended)
	           ? SEND_DONE
	           : SEND_FULL;
}

static void conn_resume(void *arg)
{
	conn_pump(arg);
}

/*
 * The response is queued as far as the socket takes it: 0 while more must
 * wait for room (the sent callback resumes), 1 once it is all out and the
 * connection waits for its next head, -1 if the connection was closed
 * (then `c` is gone).
 */
static int conn_send(struct http_conn *c)
{
	int r = send_some(c);

	altcp_output(c->pcb);
	if (r == SEND_FAILED) {
		conn_close(c);
		return -1;
	}
	if (r == SEND_YIELD || r == SEND_NO_MEM)
		/* Out of segments, this connection may have nothing in flight to wake it: a timer
		 * does. */
		plat_timer_arm(&c->resume,
		               plat_now_ns() + (r == SEND_NO_MEM ? HTTP_NO_MEM_RETRY_NS : 0),
		               conn_resume, c);
	if (r == SEND_YIELD || (r == SEND_NO_MEM && altcp_sndqueuelen(c->pcb) == 0)) {
		/* Waiting on our side (a stream's producer, lwIP's segments), not the client's. */
		plat_timer_cancel(&c->deadline);
		return 0;
	}
	if (r == SEND_FULL || r == SEND_NO_MEM) {
		/*
		 * The answer waits for the client's acknowledgements (also when
		 * lwIP is out of segments while some of ours are in flight: those
		 * stalled clients may be what holds them): each one brings us
		 * back here, and the idle time starts again once the client has
		 * taken progress_min bytes. A client that takes nothing (a
		 * closed window it keeps answering probes for) or a byte a probe
		 * would otherwise hold its connection for good.
		 */
		if (!c->deadline.armed || c->acked >= progress_min(c))
			conn_arm(c, HTTP_IDLE_NS);
		return 0;
	}
	http_site_done(&c->resp);
	/* Shutting down, the machine stops after: this was the last answer. */
	if (c->resp.close || http_stopping) {
		conn_close(c);
		return -1;
	}
	c->state = CONN_HEAD;
	/* Idle until the next head, or that head's own time if part of it is here. */
	conn_arm(c, c->in_len || net_rxq_len(&c->pending) ? HTTP_HEAD_NS : HTTP_IDLE_NS);
	return 1;
}

/* Move received bytes into the head buffer as room allows; the TCP window follows. */
static void conn_take(struct http_conn *c)
{
	size_t n = net_rxq_copy(&c->pending, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);

	if (!n)
		return;
	c->in_len += n;
	net_rxq_drop(&c->pending, n);
	altcp_recved(c->pcb, (u16_t)n);
}

/* ---- request bodies (a stream's: http_int.h) ---- */

/* Stop taking the body: the answer set is sent, then the connection closes. */
static void body_stop(struct http_conn *c)
{
	c->resp.close = true;
	c->resp.takes_body = false;
	c->state = CONN_BODY;
}

/* Refuse the rest of a body: an error answer, whose head says the close, then close. */
static void body_refuse(struct http_conn *c, int status, const char *text)
{
	c->resp.close = true;
	http_site_error(&c->resp, status, text);
	body_stop(c);
}

/* Hand decoded body bytes to the stream, through gzip if the body is so encoded. */
static int body_deliver(struct http_conn *c, uint8_t *data, size_t len)
{
	static uint8_t out[8192]; /* one loop, one thread: shared */
	struct http_resp *r = &c->resp;
	z_stream *z = c->gzip;

	if (!z)
		return r->stream.body(r->stream.ctx, data, len, r);
	z->next_in = data;
	z->avail_in = (uInt)len;
	while (z->avail_in) {
		int zr;
		if (c->gzip_end) {
			body_refuse(c, 400, "bytes after the end of the gzip body\n");
			return -1;
		}
		z->next_out = out;
		z->avail_out = sizeof(out);
		zr = inflate(z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			body_refuse(c, 400, "the gzip body is corrupt\n");
			return -1;
		}
		c->gzip_end = zr == Z_STREAM_END;
		if (z->avail_out < sizeof(out) &&
		    r->stream.body(r->stream.ctx, out, sizeof(out) - z->avail_out, r))
			return -1;
	}
	return 0;
}

/* The body is all in: the stream sets the answer. */
static void body_end(struct http_conn *c)
{
	struct http_resp *r = &c->resp;
	bool truncated = c->gzip && !c->gzip_end;

	gzip_free(c);
	plat_timer_cancel(&c->deadline);
	if (truncated) {
		body_refuse(c, 400, "the gzip body ends early\n");
		return;
	}
	r->takes_body = false;
	c->state = CONN_BODY;
	r->stream.end(r->stream.ctx, r);
}

/*
 * Decode what has arrived of the body into the stream: 1 once it is all
 * in (or refused), with the answer set, 0 while more must come.
 */
static int conn_body(struct http_conn *c)
{
	for (;;) {
		size_t used = 0;
		long n = 0;

		conn_take(c);
		if (c->in_len)
			n = http_body_decode(&c->body, (uint8_t *)c->in, c->in_len,
			                     (uint8_t *)c->in, &used);
		if (n < 0) {
			body_refuse(c, 400, "the request body's framing is malformed\n");
			return 1;
		}
		if (n > 0 && body_deliver(c, (uint8_t *)c->in, (size_t)n)) {
			if (c->state == CONN_RECV) /* the stream refused it: its answer is set */
				body_stop(c);
			return 1;
		}
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		if (http_body_done(&c->body)) {
			body_end(c);
			return 1;
		}
		/*
		 * The idle time starts again once HTTP_PROGRESS_MIN bytes came:
		 * a body sent a byte at a time does not hold the connection, and
		 * what it holds (an upload's place), for good (conn_late).
		 */
		c->taken += (uint32_t)used;
		if (c->taken >= HTTP_PROGRESS_MIN)
			conn_arm(c, HTTP_IDLE_NS);
		if (used == 0)
			return 0;
	}
}

/* Whether a field's value is `want` (any case). */
static bool field_is(const struct http_request *req, const char *name, const char *want)
{
	size_t len;
	const char *v = http_field_get(req, name, &len);

	return v && len == strlen(want) && !strncasecmp(v, want, len);
}

static void conn_go_on(struct http_conn *c);

static void conn_go_on_retry(void *arg)
{
	conn_go_on(arg);
}

/*
 * The 100 Continue owed while the body is awaited (CONN_RECV), queued if
 * TCP takes it. If not, the sent callback tries again as the client
 * acknowledges what fills the buffer (a pipelined answer), and a timer
 * when lwIP is out of segments and nothing of ours is in flight to bring
 * that callback. Once the body is in, the answer's own sending takes it
 * first (send_some).
 */
static void conn_go_on(struct http_conn *c)
{
	int r = send_go_on(c);

	if (r == SEND_DONE)
		altcp_output(c->pcb);
	else if (r == SEND_NO_MEM && altcp_sndqueuelen(c->pcb) == 0)
		plat_timer_arm(&c->resume, plat_now_ns() + HTTP_NO_MEM_RETRY_NS, conn_go_on_retry,
		               c);
}

/* Ready to take the body of a request the stream takes. */
static void body_start(struct http_conn *c, const struct http_request *req)
{
	size_t len;

	http_body_init(&c->body, req);
	c->state = CONN_RECV;
	c->gzip_end = false;
	if (field_is(req, "content-encoding", "gzip") ||
	    field_is(req, "content-encoding", "x-gzip")) {
		if (!(c->gzip = calloc(1, sizeof(*c->gzip))) ||
		    inflateInit2(c->gzip, 16 + MAX_WBITS) != Z_OK) {
			free(c->gzip);
			c->gzip = NULL;
			body_refuse(c, 503, "out of memory\n");
			return;
		}
	} else if (http_field_get(req, "content-encoding", &len) &&
	           !field_is(req, "content-encoding", "identity")) {
		body_refuse(c, 415, "a request body may be plain or gzip\n");
		return;
	}
	/*
	 * RFC 9110 10.1.1: the client waits for this before it sends the body
	 * (curl for a second, others for good): owed until TCP takes it.
	 */
	c->go_on = req->minor >= 1 && field_is(req, "expect", "100-continue");
	conn_go_on(c);
	conn_arm(c, HTTP_IDLE_NS);
}

/* Our address as a URL's host: an IPv6 one in brackets (RFC 3986 section 3.2.2). */
static void local_name(struct altcp_pcb *pcb, char *out, size_t size)
{
	char a[IPADDR_STRLEN_MAX];

	ipaddr_ntoa_r(altcp_get_ip(pcb, 1), a, sizeof(a));
	snprintf(out, size, strchr(a, ':') ? "[%s]" : "%s", a);
}

/*
 * Whether the head's bytes since the last look (c->looked) may end it or
 * make it malformed: an empty line, a bare CR or LF, HTTP_LOOK_STEP bytes
 * (a line grown past its limit) or a full buffer. Parsed again on every
 * segment, a head sent a byte at a time cost the square of its length:
 * 0.9 s of the twin's CPU for 16 KiB, a connection every 10 s. A field
 * line malformed otherwise is told at the head's end.
 */
static bool head_worth_parsing(const struct http_conn *c)
{
	const char *p = c->in;

	if (!c->looked || c->in_len - c->looked >= HTTP_LOOK_STEP || c->in_len >= sizeof(c->in) - 1)
		return true;
	for (size_t i = c->looked > 3 ? c->looked - 3 : 0; i < c->in_len; i++)
		if ((p[i] == '\n' && (i == 0 || p[i - 1] != '\r')) ||
		    (p[i] == '\r' && i + 1 < c->in_len && p[i + 1] != '\n') ||
		    (p[i] == '\n' && i >= 3 && !memcmp(p + i - 3, "\r\n\r\n", 4)))
			return true;
	return false;
}

/* One head from the buffer answered; 0 if no whole head is there. */
static int conn_answer(struct http_conn *c)
{
	struct http_request req;
	int status = 0, n;

	if (!head_worth_parsing(c))
		return 0;
	n = http_parse_request(c->in, c->in_len, &req, &status);
	if (n == HTTP_INCOMPLETE) {
		if (c->in_len < sizeof(c->in)) {
			c->looked = c->in_len;
			return 0;
		}
		n = HTTP_BAD, status = 431;
	}
	c->looked = 0;
	c->state = CONN_BODY;
	c->resp.tls = c->tls;
	if (n == HTTP_BAD || http_request_check(&req, &status)) {
		/* Before the head is made, so that it says so: the requests behind it go
		 * unanswered. */
		c->resp.close = true;
		http_site_error(&c->resp, status, "bad request\n");
	} else {
		struct http_peer peer = {
		    .lan = net_is_lan(altcp_get_ip(c->pcb, 0)),
		    .tls = c->tls,
		    .https = https_listener != NULL,
		    .editor = c->editor,
		    .edit_port = edit_listener ? EDIT_PORT : 0,
		};
		local_name(c->pcb, peer.local, sizeof(peer.local));
		ipaddr_ntoa_r(altcp_get_ip(c->pcb, 0), peer.addr, sizeof(peer.addr));
		plat_timer_cancel(&c->deadline);
		http_site_answer(&c->resp, &req, &peer);
		if (c->resp.takes_body)
			body_start(c, &req);
		memmove(c->in, c->in + n, c->in_len - (size_t)n);
		c->in_len -= (size_t)n;
		return 1;
	}
	plat_timer_cancel(&c->deadline);
	return 1;
}

/*
 * Answer the heads received, one after another, for as long as each
 * response goes out whole at once (pipelining); a loop, not recursion, so
 * a client with a thousand requests in flight costs no stack.
 */
static void conn_pump(struct http_conn *c)
{
	for (;;) {
		if (c->state == CONN_RECV && conn_body(c) == 0) {
			if (!c->peer_fin)
				return;
			/* The client's FIN came before the body's end, which cannot come now. */
			body_refuse(c, 400, "the request body ended early\n");
		}
		if (c->state == CONN_BODY && conn_send(c) <= 0)
			return;
		if (c->state != CONN_HEAD)
			return;
		conn_take(c);
		if (c->in_len == 0 || !conn_answer(c))
			break;
	}
	/* After the client's FIN no head can come whole: the answers to those before it went. */
	if (c->peer_fin)
		conn_close(c);
}

static err_t conn_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct http_conn *c = arg;

	conn_reset_pcb = NULL;
	if (!c) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p && err == ERR_OK && c->state != CONN_DRAIN) {
		/*
		 * A half-close (shutdown of the client's side, as nc -N and some
		 * proxies do): the answer going out and those to the requests
		 * received before it still go (conn_pump closes after them), and
		 * a body cut short by it gets 400. It cut the answer short.
		 */
		c->peer_fin = true;
		conn_pump(c);
		return conn_return(pcb);
	}
	if (!p || err != ERR_OK) {
		if (p)
			pbuf_free(p);
		conn_close(c);
		return conn_return(pcb);
	}
	if (c->state == CONN_DRAIN) {
		/* Nothing more is answered: what comes is dropped, and the window stays open. */
		altcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	/* A new head's first bytes start its clock (a slow client has HTTP_HEAD_NS in all). */
	if (c->state == CONN_HEAD && c->in_len == 0 && !net_rxq_len(&c->pending))
		conn_arm(c, HTTP_HEAD_NS);
	/*
	 * Bytes wait here, out of lwIP's pbufs (net/rxq.h), until the head
	 * buffer has room: while a response is going out, the requests
	 * pipelined behind it. They are acknowledged to TCP only as they are
	 * taken, so the window holds the client back (at most TCP_WND wait).
	 */
	u16_t len = p->tot_len;
	if (net_rxq_put(&c->pending, p)) {
		/* Out of memory: the bytes are lost, but counted read, or the close is a reset. */
		altcp_recved(pcb, len);
		conn_close(c);
		return conn_return(pcb);
	}
	conn_pump(c);
	return conn_return(pcb);
}

static err_t conn_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
	struct http_conn *c = arg;

	conn_reset_pcb = NULL;
	if (!c)
		return ERR_OK;
	c->acked += len;
	if (c->state == CONN_BODY)
		conn_pump(c);
	else if (c->state == CONN_RECV && c->go_on)
		conn_go_on(c);
	else if (c->state == CONN_DRAIN && altcp_sndqueuelen(pcb) == 0)
		conn_close(c);
	else if (c->acked >= HTTP_PROGRESS_MIN && altcp_sndqueuelen(pcb) > 0 &&
	         (c->state == CONN_DRAIN ||
	          (c->state == CONN_HEAD && !c->in_len && !net_rxq_len(&c->pending))))
		/* The client takes the end of an answer: neither idle nor stalled (conn_late). */
		conn_arm(c, HTTP_IDLE_NS);
	return conn_return(pcb);
}

static void conn_err(void *arg, err_t err)
{
	(void)err;
	/* The pcb is already gone. */
	if (arg)
		conn_free(arg);
}

/* `arg` is the listener: HTTPS's or plain HTTP's. */
static err_t http_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
	struct http_conn *c;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	if (http_stats.conns >= HTTP_MAX_CONNS || !(c = calloc(1, sizeof(*c)))) {
		http_stats.refused++;
		altcp_abort(pcb);
		return ERR_ABRT;
	}
	http_stats.conns++;
	http_stats.accepted++;
	c->next = http_conns;
	http_conns = c;
	c->pcb = pcb;
	c->tls = arg == https_listener || arg == edit_listener;
	c->editor = arg == edit_listener;
	c->state = CONN_HEAD;
	altcp_arg(pcb, c);
	altcp_recv(pcb, conn_recv);
	altcp_sent(pcb, conn_sent);
	altcp_err(pcb, conn_err);
	altcp_nagle_disable(pcb);
	conn_arm(c, HTTP_HEAD_NS);
	return ERR_OK;
}

/*
 * Shutdown: accept nothing more, close idle connections, and let the
 * responses in flight finish (the platform waits PLAT_SHUTDOWN_GRACE_NS at
 * most) before the store below closes.
 */
int http_stop(void *arg, enum plat_shutdown why)
{
	(void)arg, (void)why;
	if (http_listener) {
		net_tcp_listener_close(http_listener);
		http_listener = NULL;
	}
	if (https_listener) {
		altcp_close(https_listener);
		https_listener = NULL;
	}
	if (edit_listener) {
		altcp_close(edit_listener);
		edit_listener = NULL;
	}
	http_stopping = true;
	http_conn_close_idle();
	plat_log("http", "stopped accepting; %u connection(s) finishing", http_stats.conns);
	return http_stats.conns ? PLAT_SHUTDOWN_PENDING : 0;
}

/* A listener on `port` (TLS with `tls`, else plain TCP) handing connections to http_accept. */
static int listen_on(u16_t port, struct altcp_tls_config *tls, struct altcp_pcb **out)
{
	struct altcp_pcb *pcb, *l;

	pcb = tls ? altcp_tls_new(tls, IPADDR_TYPE_ANY) : altcp_tcp_new_ip_type(IPADDR_TYPE_ANY);
	if (!pcb)
		return -ENOMEM;
	if (altcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK) {
		altcp_close(pcb);
		return -EADDRINUSE;
	}
	/*
	 * lwIP drops SYNs beyond the backlog of connections not yet accepted
	 * (the client retries a second later): room for as many as we serve.
	 */
	if (!(l = altcp_listen_with_backlog(pcb, HTTP_MAX_CONNS))) {
		altcp_close(pcb);
		return -ENOMEM;
	}
	*out = l;
	altcp_arg(l, l);
	altcp_accept(l, http_accept);
	net_altcp_listen_guard(l);
	return 0;
}

int http_start(void)
{
	char v[8];
	int rc;

	if (plat_config_get("http", v, sizeof(v)) == 0 && !strcmp(v, "off")) {
		plat_log("http", "off (appliance.conf)");
		return 0;
	}
	if ((rc = listen_on(HTTP_PORT, NULL, &http_listener)))
		return rc;
	http_stats.started_ns = plat_now_ns();
	plat_log("http", "tcp port %d, at most %d connections", HTTP_PORT, HTTP_MAX_CONNS);
	if (!tls_config()) {
		plat_log("http", "no HTTPS: TLS did not start (see above); plain HTTP only");
		return 0;
	}
	if ((rc = listen_on(HTTPS_PORT, tls_config(), &https_listener))) {
		plat_log("http", "no HTTPS: tcp port %d (%d)", HTTPS_PORT, rc);
		return 0;
	}
	plat_log("http", "https on tcp port %d; plain HTTP redirects there but for /.well-known/",
	         HTTPS_PORT);
	if ((rc = listen_on(EDIT_PORT, tls_config(), &edit_listener)))
		plat_log("http", "no editor: tcp port %d (%d)", EDIT_PORT, rc);
	else
		plat_log("http", "the editor on tcp port %d (https://BOARD:%d/edit/)", EDIT_PORT,
		         EDIT_PORT);
	return 0;
}
