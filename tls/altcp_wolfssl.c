/*
 * tls/altcp_wolfssl.c: lwIP's altcp_tls interface (lwip/altcp_tls.h) over
 * wolfSSL, server side. A TLS connection is an altcp_pcb layered on a TCP
 * one (its inner_conn); wolfSSL reads and writes ciphertext only through
 * the two I/O callbacks here, so a service written against altcp (the
 * HTTP server) does not know whether its connection is TLS.
 *
 * Receiving: TCP's segments wait in `rx` and are acknowledged to TCP only
 * as wolfSSL reads them, so TCP's window holds a client back while the
 * service is slow. Decrypted bytes go up in pbufs; at most TLS_RX_WINDOW
 * of them may wait for the service's altcp_recved(), where decryption
 * pauses (the same back-pressure, and the same bound, a plain TCP
 * connection gives).
 *
 * Sending: altcp_sndbuf() tells the service what one record can carry into
 * TCP's free buffer, so wolfSSL's writes never have to wait. What TCP
 * cannot queue at once (a handshake flight bigger than its buffer, say)
 * waits in `tx`, and no more is accepted until it has gone; wolfSSL itself
 * never sees "would block" on writes, which keeps its retry rules out.
 *
 * Memory per connection: an idle TLS connection measured 1,949 bytes more
 * than a plain one on the guest (20,021 against 18,072, heap from /metrics,
 * tests/bench/guest-https.sh): this struct, wolfSSL's session after the
 * handshake and its own cipher list. More while a handshake runs or a
 * record is read (wolfSSL's input buffer holds up to one record, ~16.7
 * KiB), and `tx` in the rare case it is used. The 4 KiB piece plaintext
 * is read into is shared.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>

#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/altcp_tls.h"
#include "lwip/priv/altcp_priv.h"
#include "net/net.h"
#include "net/net_int.h"
#include "net/rxq.h"
#include "plat/plat.h"
#include "tls.h"

/* Decrypted bytes the service may hold unacknowledged (like TCP's window). */
#define TLS_RX_WINDOW TCP_WND
/* Plaintext read out of wolfSSL at a time (shared by every connection). */
#define TLS_READ_PIECE 4096
/* The most one write may carry: one record's worth. */
#define TLS_MAX_WRITE 16384
/* How soon ciphertext TCP refused for lack of segments is offered again. */
#define TLS_NO_MEM_RETRY_NS (20u * 1000000u)
/* Room kept in TCP's buffer for a record's header, nonce and tag. */
#define TLS_RECORD_OVERHEAD 64
/* What a failed connection may leave queued in TCP and still close gently: an alert, a first
 * flight. */
#define TLS_FAIL_QUEUED_MAX 4096

/*
 * TLS 1.3 suites first, then TLS 1.2's ECDHE AEAD ones: no CBC, no static
 * RSA, no DHE. The server's order wins, and ChaCha20-Poly1305 leads: a
 * Cortex-A7 has no AES instructions, and in software ChaCha20-Poly1305 is
 * 2.5 times as fast as AES-128-GCM there (tests/bench/wolfcrypt.sh).
 */
#define TLS_CIPHERS                                                                                \
	"TLS13-CHACHA20-POLY1305-SHA256:TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:"          \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:"                             \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"                               \
	"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"

struct altcp_tls_config {
	WOLFSSL_CTX *ctx;
};

struct tls_conn {
	struct altcp_tls_config *conf;
	WOLFSSL *ssl;             /* NULL for a listener */
	struct altcp_pcb *outer;  /* the service's pcb; NULL once it closed */
	struct altcp_pcb *inner;  /* TCP's; NULL once closed or gone */
	struct net_rxq rx;        /* ciphertext wolfSSL has not read yet (net/rxq.h) */
	struct pbuf *tx;          /* ciphertext TCP has not taken yet */
	struct plat_timer resume; /* decrypt again after the service caught up */
	uint32_t unacked;         /* plaintext the service has not altcp_recved */
	uint32_t overhead;        /* ciphertext queued that is not the service's bytes */
	unsigned busy;            /* inside a callback: freeing waits */
	bool established, rx_fin, eof_up, dead, aborted;
};

struct tls_stats tls_stats;

static const struct altcp_functions tls_functions;

/* ---- wolfSSL's I/O: ciphertext to and from TCP ---- */

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct tls_conn *c = arg;
	size_t n = net_rxq_copy(&c->rx, buf, sz > 0 ? (size_t)sz : 0, 0);

	(void)ssl;
	if (!n)
		return c->rx_fin ? WOLFSSL_CBIO_ERR_CONN_CLOSE : WOLFSSL_CBIO_ERR_WANT_READ;
	net_rxq_drop(&c->rx, n);
	if (c->inner)
		altcp_recved(c->inner, (u16_t)n);
	return (int)n;
}

/* Queue what TCP takes of `len` bytes now: the count taken. */
static size_t tx_to_tcp(struct tls_conn *c, const uint8_t *data, size_t len)
{
	size_t done = 0;

	while (done < len && c->inner) {
		size_t room = altcp_sndbuf(c->inner), n = len - done;

		if (room == 0 || altcp_sndqueuelen(c->inner) + 1 >= TCP_SND_QUEUELEN)
			break;
		n = n < room ? n : room;
		if (altcp_write(c->inner, data + done, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;
		done += n;
	}
	return done;
}

static void resume(void *arg);

/*
 * Move waiting ciphertext into TCP as far as it takes it. What TCP refused
 * with nothing of this connection in flight (lwIP's segments, a pool every
 * connection shares, ran out) has no sent callback to wait for: a timer
 * tries again.
 */
static void tx_flush(struct tls_conn *c)
{
	bool waiting = c->tx != NULL;

	while (c->tx) {
		size_t n = tx_to_tcp(c, c->tx->payload, c->tx->len);

		c->tx = pbuf_free_header(c->tx, (u16_t)n);
		if (n == 0)
			break;
	}
	if (c->tx && c->inner && altcp_sndqueuelen(c->inner) == 0)
		plat_timer_arm(&c->resume, plat_now_ns() + TLS_NO_MEM_RETRY_NS, resume, c);
	/*
	 * Out now, perhaps from inside a write of the service's: what deliver
	 * left unread while it waited is read from the loop (else it waited
	 * for the client's next bytes).
	 */
	if (waiting && !c->tx && c->established && !c->dead && c->unacked < TLS_RX_WINDOW &&
	    (net_rxq_len(&c->rx) || (c->ssl && wolfSSL_pending(c->ssl))) && !c->resume.armed)
		plat_timer_arm(&c->resume, plat_now_ns(), resume, c);
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct tls_conn *c = arg;
	size_t n = 0;
	struct pbuf *p;

	(void)ssl;
	if (!c->inner)
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	if (!c->tx)
		n = tx_to_tcp(c, (const uint8_t *)buf, (size_t)sz);
	if (n < (size_t)sz) {
		p = pbuf_alloc(PBUF_RAW, (u16_t)((size_t)sz - n), PBUF_RAM);
		/*
		 * With no heap for the rest, what TCP took is all that went:
		 * wolfSSL keeps its place in the record by what this returns, and
		 * would send those bytes again after an error.
		 */
		if (!p) {
			if (n == 0)
				return WOLFSSL_CBIO_ERR_GENERAL;
			sz = (int)n;
		} else {
			memcpy(p->payload, buf + n, (size_t)sz - n);
			if (c->tx)
				pbuf_cat(c->tx, p);
			else
				c->tx = p;
			tx_flush(c); /* nothing more goes now; it arms the retry if need be */
		}
	}
	/* tls_write takes the service's own bytes back off. */
	c->overhead += (uint32_t)sz;
	return sz;
}

/* ---- lifetime ---- */

static void conn_free(struct tls_conn *c)
{
	plat_timer_cancel(&c->resume);
	if (c->ssl) {
		wolfSSL_free(c->ssl);
		tls_stats.active--;
	}
	net_rxq_free(&c->rx);
	if (c->tx)
		pbuf_free(c->tx);
	free(c);
}

static void conn_enter(struct tls_conn *c)
{
	c->busy++;
}

/* Leave a callback: ERR_ABRT if TCP's pcb was aborted and is gone meanwhile (lwIP must know). */
static err_t conn_leave(struct tls_conn *c)
{
	err_t e = c->aborted ? ERR_ABRT : ERR_OK;

	if (--c->busy == 0 && c->dead)
		conn_free(c);
	return e;
}

static void inner_detach(struct altcp_pcb *inner)
{
	altcp_arg(inner, NULL);
	altcp_recv(inner, NULL);
	altcp_sent(inner, NULL);
	altcp_err(inner, NULL);
	altcp_poll(inner, NULL, 0);
}

/* Close TCP's side (a reset if the close fails: net_int.h); `c` goes when idle. */
static void inner_close(struct tls_conn *c)
{
	struct altcp_pcb *inner = c->inner;

	if (inner) {
		/* Unread bytes would make lwIP answer with a reset, losing what is queued. */
		if (net_rxq_len(&c->rx)) {
			altcp_recved(inner, (u16_t)net_rxq_len(&c->rx));
			net_rxq_free(&c->rx);
		}
		inner_detach(inner);
		c->inner = NULL;
		if (net_altcp_close(inner) != ERR_OK && net_altcp_abort(inner) == ERR_ABRT)
			c->aborted = true;
	}
	c->dead = true;
	if (c->busy == 0)
		conn_free(c);
}

/* Reset TCP's side; `c` goes when idle. */
static void inner_abort(struct tls_conn *c)
{
	struct altcp_pcb *inner = c->inner;

	c->inner = NULL;
	c->dead = true;
	if (inner) {
		inner_detach(inner);
		if (net_altcp_abort(inner) == ERR_ABRT)
			c->aborted = true;
	}
}

/* The service's pcb goes (it closed, or the connection failed). */
static void outer_release(struct tls_conn *c, bool tell, err_t why)
{
	struct altcp_pcb *outer = c->outer;

	if (!outer)
		return;
	c->outer = NULL;
	outer->state = NULL;
	if (tell && outer->err)
		outer->err(outer->arg, why);
	altcp_free(outer);
}

/* Once what is queued has gone to TCP: close_notify, then TCP's close. */
static void conn_finish(struct tls_conn *c)
{
	if (c->tx)
		return; /* the sent callback comes back here */
	if (c->established && c->ssl)
		wolfSSL_shutdown(c->ssl); /* close_notify; the peer's is not awaited */
	inner_close(c);
}

static void conn_fail(struct tls_conn *c, const char *what, int code)
{
	static uint64_t last_log_ns;
	uint64_t now = plat_now_ns();

	if (!c->established) {
		tls_stats.failures++;
		/* A flood of bad handshakes must not flood the console: a line per 10 s. */
		if (now - last_log_ns > 10ull * 1000000000u || !last_log_ns) {
			last_log_ns = now;
			plat_log("tls", "handshake failed: %s (%d; %llu so far)", what, code,
			         (unsigned long long)tls_stats.failures);
		}
	}
	outer_release(c, true, ERR_ABRT);
	/*
	 * The service has let it go, so nothing counts this connection any
	 * more: a client that stopped reading would keep what TCP holds for it
	 * (an answer's 44 segments) in FIN_WAIT_1 for good, its window probes
	 * answered. More queued than an alert and a first flight: reset.
	 * Else the alert goes with the close, on a connection that any new
	 * one may take the place of (the lowest priority).
	 */
	if (c->inner && (c->tx || TCP_SND_BUF - altcp_sndbuf(c->inner) > TLS_FAIL_QUEUED_MAX)) {
		inner_abort(c);
		if (c->busy == 0)
			conn_free(c);
		return;
	}
	if (c->inner)
		altcp_setprio(c->inner, TCP_PRIO_MIN);
	conn_finish(c); /* an alert wolfSSL queued still goes out */
}

/* ---- receiving ---- */

/*
 * Plaintext to the service while it keeps up; end of stream once. Nothing
 * is read while ciphertext waits for TCP: a record read may make wolfSSL
 * answer (a KeyUpdate asking for one, TLS 1.3), and a client that sent
 * them without end and read nothing grew the queue without end (2 MB in 4
 * s from one connection, each answer also walking the whole queue).
 * inner_sent reads on once it is out.
 */
static void deliver(struct tls_conn *c)
{
	static uint8_t piece[TLS_READ_PIECE];

	while (c->outer && c->unacked < TLS_RX_WINDOW && !c->eof_up && !c->tx) {
		struct altcp_pcb *outer = c->outer;
		/* Within the window: what the service holds fits a pbuf chain's 16-bit length. */
		uint32_t room = TLS_RX_WINDOW - c->unacked;
		int want = room < sizeof(piece) ? (int)room : (int)sizeof(piece);
		int n = wolfSSL_read(c->ssl, piece, want), e;
		struct pbuf *p;
		err_t r;

		if (n <= 0) {
			e = wolfSSL_get_error(c->ssl, n);
			if (e == WOLFSSL_ERROR_WANT_READ && !(c->rx_fin && !net_rxq_len(&c->rx)))
				return;
			if (e != WOLFSSL_ERROR_WANT_READ && e != WOLFSSL_ERROR_ZERO_RETURN &&
			    e != SOCKET_PEER_CLOSED_E) {
				conn_fail(c, wolfSSL_ERR_reason_error_string((unsigned long)e), e);
				return;
			}
			/* close_notify, or TCP's FIN: the end, as TCP would say it. */
			c->eof_up = true;
			if (outer->recv)
				outer->recv(outer->arg, outer, NULL, ERR_OK);
			return;
		}
		if (!(p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM))) {
			conn_fail(c, "out of memory", ERR_MEM);
			return;
		}
		memcpy(p->payload, piece, (size_t)n);
		c->unacked += (uint32_t)n;
		r = outer->recv ? outer->recv(outer->arg, outer, p, ERR_OK) : ERR_VAL;
		/* lwIP's rule (tcp_in.c): ERR_ABRT says the service took p and reset its pcb. */
		if (r == ERR_ABRT)
			return;
		if (r != ERR_OK) {
			/* A service that refuses data: nothing sensible to do but end it. */
			pbuf_free(p);
			conn_fail(c, "the service refused data", ERR_MEM);
			return;
		}
	}
}

static void handshake(struct tls_conn *c)
{
	int r = wolfSSL_accept(c->ssl), e;

	altcp_output(c->inner);
	if (r == WOLFSSL_SUCCESS) {
		c->established = true;
		tls_stats.handshakes++;
		if (wolfSSL_session_reused(c->ssl))
			tls_stats.resumed++;
		return;
	}
	e = wolfSSL_get_error(c->ssl, r);
	if (e == WOLFSSL_ERROR_WANT_READ && !(c->rx_fin && !net_rxq_len(&c->rx)))
		return;
	conn_fail(c,
	          e == WOLFSSL_ERROR_WANT_READ ? "the client closed"
	                                       : wolfSSL_ERR_reason_error_string((unsigned long)e),
	          e);
}

/*
 * Handshake or decrypt, as far as the bytes received allow: for the
 * service's pcb, so not once a failed handshake has let it go and only
 * waits for its alert to leave (conn_fail), which would fail (and be
 * counted) again.
 */
static void advance(struct tls_conn *c)
{
	if (!c->established && !c->dead && c->outer)
		handshake(c);
	if (c->established && !c->dead)
		deliver(c);
	if (c->inner)
		altcp_output(c->inner);
}

static err_t inner_recv(void *arg, struct altcp_pcb *inner, struct pbuf *p, err_t err)
{
	struct tls_conn *c = arg;

	if (!c || c->dead || !c->outer) {
		if (p) {
			altcp_recved(inner, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	conn_enter(c);
	if (!p || err != ERR_OK) {
		if (p)
			pbuf_free(p);
		c->rx_fin = true;
	} else {
		u16_t len = p->tot_len;
		if (net_rxq_put(&c->rx, p)) {
			/* The bytes are lost, but counted read, or the close is a reset. */
			altcp_recved(inner, len);
			conn_fail(c, "out of memory", ERR_MEM);
			return conn_leave(c);
		}
	}
	advance(c);
	return conn_leave(c);
}

/* The timer: waiting ciphertext to TCP, and decryption the service is ready for. */
static void resume(void *arg)
{
	struct tls_conn *c = arg;
	bool waiting = c->tx != NULL;

	conn_enter(c);
	tx_flush(c);
	if (waiting && !c->tx) {
		if (!c->outer && !c->dead)
			conn_finish(c); /* closing: it was waiting for `tx` */
		else if (c->outer && c->established && c->outer->sent)
			c->outer->sent(c->outer->arg, c->outer, 0); /* room again */
	}
	advance(c);
	conn_leave(c);
}

/* ---- sending ---- */

static err_t inner_sent(void *arg, struct altcp_pcb *inner, u16_t len)
{
	struct tls_conn *c = arg;
	uint32_t own = len, plain;
	bool waiting;

	(void)inner;
	if (!c)
		return ERR_OK;
	conn_enter(c);
	waiting = c->tx != NULL;
	tx_flush(c);
	/* The acknowledged bytes that were TLS's own count first. */
	own = own < c->overhead ? own : c->overhead;
	c->overhead -= own;
	plain = len - own;
	if (!c->outer) {
		if (!c->dead)
			conn_finish(c); /* closing: waiting for `tx` to go */
	} else if (c->established && c->outer->sent) {
		/* 0 when only TLS's own bytes were acknowledged: room may have grown all the same.
		 */
		c->outer->sent(c->outer->arg, c->outer, (u16_t)plain);
	}
	if (waiting && !c->tx && c->established && !c->dead)
		deliver(c); /* it waited for `tx` */
	if (c->inner)
		altcp_output(c->inner);
	return conn_leave(c);
}

static void inner_err(void *arg, err_t err)
{
	struct tls_conn *c = arg;

	if (!c)
		return;
	c->inner = NULL; /* lwIP has freed it */
	if (!c->established && !c->dead)
		tls_stats.failures++;
	outer_release(c, true, err);
	c->dead = true;
	if (c->busy == 0)
		conn_free(c);
}

static err_t inner_poll(void *arg, struct altcp_pcb *inner)
{
	struct tls_conn *c = arg;

	(void)inner;
	if (c && c->outer && c->outer->poll)
		return c->outer->poll(c->outer->arg, c->outer);
	return ERR_OK;
}

/* ---- making connections ---- */

static struct tls_conn *conn_new(struct altcp_tls_config *conf, struct altcp_pcb *inner,
                                 struct altcp_pcb **outer)
{
	struct tls_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	/*
	 * A cipher list of its own: built SINGLE_THREADED, wolfSSL lends every
	 * session the context's list, and its TLS 1.3 resumption narrows the
	 * list it is given, in place, to the suites that one client offered.
	 */
	if (!(c->ssl = wolfSSL_new(conf->ctx)) ||
	    wolfSSL_set_cipher_list(c->ssl, TLS_CIPHERS) != WOLFSSL_SUCCESS ||
	    !(*outer = altcp_alloc())) {
		if (c->ssl)
			wolfSSL_free(c->ssl);
		free(c);
		return NULL;
	}
	tls_stats.active++;
	wolfSSL_SetIOReadCtx(c->ssl, c);
	wolfSSL_SetIOWriteCtx(c->ssl, c);
	c->conf = conf;
	c->inner = inner;
	c->outer = *outer;
	(*outer)->fns = &tls_functions;
	(*outer)->inner_conn = inner;
	(*outer)->state = c;
	altcp_arg(inner, c);
	altcp_recv(inner, inner_recv);
	altcp_sent(inner, inner_sent);
	altcp_err(inner, inner_err);
	return c;
}

struct altcp_pcb *altcp_tls_wrap(struct altcp_tls_config *conf, struct altcp_pcb *inner)
{
	struct altcp_pcb *outer;

	if (!conf || !inner || !conn_new(conf, inner, &outer))
		return NULL;
	return outer;
}

/* altcp_tls_new() and altcp_tls_alloc() are lwIP's (altcp_alloc.c), over altcp_tls_wrap(). */

void *altcp_tls_context(struct altcp_pcb *conn)
{
	struct tls_conn *c = conn ? conn->state : NULL;

	return c ? c->ssl : NULL;
}

/* A listener's accepted TCP connection gets its TLS layer, then the service's accept. */
static err_t listen_accept(void *arg, struct altcp_pcb *inner, err_t err)
{
	struct altcp_pcb *listener = arg, *outer;
	struct tls_conn *lc = listener ? listener->state : NULL;

	if (err != ERR_OK || !inner || !lc)
		return ERR_VAL;
	if (!conn_new(lc->conf, inner, &outer)) {
		altcp_abort(inner);
		return ERR_ABRT;
	}
	if (!listener->accept) {
		altcp_abort(outer);
		return ERR_ABRT;
	}
	/* The service may abort it (a connection over its limit): lwIP then hears ERR_ABRT. */
	return listener->accept(listener->arg, outer, ERR_OK);
}

/* ---- the altcp functions of a TLS pcb ---- */

static struct altcp_pcb *tls_listen(struct altcp_pcb *conn, u8_t backlog, err_t *err)
{
	struct tls_conn *c = conn->state;
	struct altcp_pcb *l = altcp_listen_with_backlog_and_err(conn->inner_conn, backlog, err);

	if (!l)
		return NULL;
	/* A listener has no session of its own; each accepted connection gets one. */
	wolfSSL_free(c->ssl);
	c->ssl = NULL;
	tls_stats.active--;
	c->inner = l;
	conn->inner_conn = l;
	altcp_arg(l, conn);
	altcp_accept(l, listen_accept);
	return conn;
}

static void tls_abort(struct altcp_pcb *conn)
{
	struct tls_conn *c = conn->state;

	if (!c) {
		if (conn->inner_conn) {
			inner_detach(conn->inner_conn);
			net_altcp_abort(conn->inner_conn);
		}
		altcp_free(conn);
		return;
	}
	inner_abort(c);
	outer_release(c, true, ERR_ABRT);
	if (c->busy == 0)
		conn_free(c);
}

static err_t tls_close(struct altcp_pcb *conn)
{
	struct tls_conn *c = conn->state;

	if (!c) {
		altcp_free(conn);
		return ERR_OK;
	}
	if (!c->ssl) { /* a listener */
		struct altcp_pcb *l = c->inner;
		c->inner = NULL;
		if (l) {
			altcp_arg(l, NULL);
			altcp_accept(l, NULL);
			net_tcp_listener_close(l);
		}
		outer_release(c, false, ERR_OK);
		c->dead = true;
		if (c->busy == 0)
			conn_free(c);
		return ERR_OK;
	}
	outer_release(c, false, ERR_OK);
	conn_finish(c);
	return ERR_OK;
}

static u16_t tls_sndbuf(struct altcp_pcb *conn)
{
	struct tls_conn *c = conn->state;
	u16_t room;

	if (!c || !c->established || c->tx || !c->inner)
		return 0;
	room = altcp_sndbuf(c->inner);
	if (room <= TLS_RECORD_OVERHEAD)
		return 0;
	room -= TLS_RECORD_OVERHEAD;
	return room < TLS_MAX_WRITE ? room : TLS_MAX_WRITE;
}

static err_t tls_write(struct altcp_pcb *conn, const void *data, u16_t len, u8_t flags)
{
	struct tls_conn *c = conn->state;
	int n;

	(void)flags; /* wolfSSL encrypts (so copies) at once */
	if (!c || !c->established || !c->inner)
		return ERR_CONN;
	if (len > tls_sndbuf(conn))
		return ERR_MEM;
	if ((n = wolfSSL_write(c->ssl, data, len)) != (int)len)
		return ERR_CLSD;
	c->overhead -= len;
	return ERR_OK;
}

static err_t tls_output(struct altcp_pcb *conn)
{
	struct tls_conn *c = conn->state;

	if (!c || !c->inner)
		return ERR_CONN;
	tx_flush(c);
	return altcp_output(c->inner);
}

static u16_t tls_sndqueuelen(struct altcp_pcb *conn)
{
	struct tls_conn *c = conn->state;

	if (!c || !c->inner)
		return 0;
	return (u16_t)(altcp_sndqueuelen(c->inner) + (c->tx ? 1 : 0));
}

static void tls_recved(struct altcp_pcb *conn, u16_t len)
{
	struct tls_conn *c = conn->state;

	if (!c)
		return;
	c->unacked -= len < c->unacked ? len : c->unacked;
	/* Caught up: decrypt what waits, from the loop (not inside the service's call). */
	if (c->unacked < TLS_RX_WINDOW && (net_rxq_len(&c->rx) || wolfSSL_pending(c->ssl)) &&
	    !c->resume.armed)
		plat_timer_arm(&c->resume, plat_now_ns(), resume, c);
}

static void tls_set_poll(struct altcp_pcb *conn, u8_t interval)
{
	struct tls_conn *c = conn->state;

	if (c && c->inner)
		altcp_poll(c->inner, inner_poll, interval);
}

static err_t tls_connect(struct altcp_pcb *conn, const ip_addr_t *addr, u16_t port,
                         altcp_connected_fn connected)
{
	(void)conn, (void)addr, (void)port, (void)connected;
	return ERR_VAL; /* server side only */
}

static void tls_dealloc(struct altcp_pcb *conn)
{
	(void)conn; /* the connection's state is freed by its own rules above */
}

static const struct altcp_functions tls_functions = {
    .set_poll = tls_set_poll,
    .recved = tls_recved,
    .bind = altcp_default_bind,
    .connect = tls_connect,
    .listen = tls_listen,
    .abort = tls_abort,
    .close = tls_close,
    .shutdown = altcp_default_shutdown,
    .write = tls_write,
    .output = tls_output,
    .mss = altcp_default_mss,
    .sndbuf = tls_sndbuf,
    .sndqueuelen = tls_sndqueuelen,
    .nagle_disable = altcp_default_nagle_disable,
    .nagle_enable = altcp_default_nagle_enable,
    .nagle_disabled = altcp_default_nagle_disabled,
    .setprio = altcp_default_setprio,
    .dealloc = tls_dealloc,
    .addrinfo = altcp_default_get_tcp_addrinfo,
    .getip = altcp_default_get_ip,
    .getport = altcp_default_get_port,
#if LWIP_TCP_KEEPALIVE
    .keepalive_disable = altcp_default_keepalive_disable,
    .keepalive_enable = altcp_default_keepalive_enable,
#endif
#ifdef LWIP_DEBUG
    .dbg_get_tcp_state = altcp_default_dbg_get_tcp_state,
#endif
};

/* ---- configuration ---- */

static int key_format(const u8_t *buf, size_t len)
{
	static const char pem[] = "-----BEGIN";

	return len >= sizeof(pem) - 1 && !memcmp(buf, pem, sizeof(pem) - 1) ? WOLFSSL_FILETYPE_PEM
	                                                                    : WOLFSSL_FILETYPE_ASN1;
}

struct altcp_tls_config *
altcp_tls_create_config_server_privkey_cert(const u8_t *key, size_t key_len, const u8_t *pass,
                                            size_t pass_len, const u8_t *cert, size_t cert_len)
{
	/* X25519 preferred, P-256 accepted (a HelloRetryRequest picks the first the client has). */
	int groups[] = {WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1};
	struct altcp_tls_config *conf;
	WOLFSSL_CTX *ctx;

	(void)pass; /* an encrypted key is not supported: the store keeps it private instead */
	if (pass_len || !(conf = calloc(1, sizeof(*conf))))
		return NULL;
	if (!(ctx = wolfSSL_CTX_new(wolfSSLv23_server_method())))
		goto fail;
	conf->ctx = ctx;
	/* NO_OLD_TLS already leaves out everything below 1.2; say so anyway. */
	if (wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_set_groups(ctx, groups, 2) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_use_certificate_chain_buffer_format(
	        ctx, cert, (long)cert_len, key_format(cert, cert_len)) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_use_PrivateKey_buffer(ctx, key, (long)key_len, key_format(key, key_len)) !=
	        WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS ||
	    /* Last: loading a key of another type resets the suites to wolfSSL's order. */
	    wolfSSL_CTX_set_cipher_list(ctx, TLS_CIPHERS) != WOLFSSL_SUCCESS)
		goto fail;
	/* Resumption by tickets only (the default ticket callback, its key
	 * drawn from our generator and replaced every hour): no session cache. */
	wolfSSL_CTX_set_session_cache_mode(ctx, WOLFSSL_SESS_CACHE_OFF);
	wolfSSL_CTX_SetIORecv(ctx, io_recv);
	wolfSSL_CTX_SetIOSend(ctx, io_send);
	return conf;
fail:
	altcp_tls_free_config(conf);
	return NULL;
}

void altcp_tls_free_config(struct altcp_tls_config *conf)
{
	if (!conf)
		return;
	if (conf->ctx)
		wolfSSL_CTX_free(conf->ctx);
	free(conf);
}
