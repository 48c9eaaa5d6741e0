/*
 * The TLS layer's own paths at the heap's end (tls/altcp_wolfssl.c,
 * included here for its static functions), over a real lwIP TCP
 * connection on the unit tests' wire (tests/unit/net/wire.h).
 *
 * io_send is how wolfSSL hands a record's ciphertext over, and wolfSSL
 * keeps its place in the record only by what it returns: when TCP takes
 * part of a record and the heap has no room to keep the rest, it must
 * say that part went, or wolfSSL sends those bytes again and the client
 * sees a corrupt record. A handshake that failed while its alert
 * still waits for TCP is not tried (and counted) again. And plaintext
 * that a service took before it reset (ERR_ABRT: lwIP's rule) is not
 * freed again by the layer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../alloc_count.h"
#include "lwip/altcp_tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "tls/altcp_wolfssl.c"
#include "tls/tls.h"
#include "wire.h"

/* net/net.c's, for a TLS listener's close: not one here. */
void net_tcp_listener_close(struct altcp_pcb *l)
{
	(void)l;
	fail();
}

/* The retry timer is only looked at: armed or not. */
void plat_timer_arm(struct plat_timer *t, uint64_t deadline_ns, plat_fn fn, void *arg)
{
	t->armed = true;
	(void)deadline_ns;
	(void)fn;
	(void)arg;
}

void plat_timer_cancel(struct plat_timer *t)
{
	t->armed = false;
}

static struct tcp_pcb *listener, *accepted;

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	assert_int_equal(err, ERR_OK);
	accepted = pcb;
	return ERR_OK;
}

/*
 * A connection from the wire's client (its SYN offers an MSS of 1460),
 * accepted by lwIP: the server's end, as TCP's altcp pcb.
 */
static struct altcp_pcb *connection(void)
{
	static const uint8_t mss[] = {2, 4, 5, 180};
	struct tcp_pcb *pcb = tcp_new();
	uint32_t isn;

	wire_nsent = 0;
	assert_non_null(pcb);
	assert_int_equal(tcp_bind(pcb, IP_ADDR_ANY, 443), ERR_OK);
	listener = tcp_listen(pcb);
	assert_non_null(listener);
	tcp_accept(listener, on_accept);
	wire_deliver(wire_packet(40000, 443, 1000, 0, TCP_SYN, mss, sizeof(mss), NULL, 0));
	assert_int_equal(wire_nsent, 1);
	isn = wire_sent[0].seq;
	wire_deliver(wire_packet(40000, 443, 1001, isn + 1, TCP_ACK, NULL, 0, NULL, 0));
	assert_non_null(accepted);
	wire_nsent = 0;
	return altcp_tcp_wrap(accepted);
}

static int teardown(void **state)
{
	(void)state;
	alloc_fail_min = alloc_fail_max = 0;
	wire_clear(&listener);
	accepted = NULL;
	return 0;
}

static uint8_t bytes[TCP_SND_BUF];

/* TCP's send buffer filled but for `room` bytes (the client acknowledges nothing). */
static void fill(struct altcp_pcb *inner, u16_t room)
{
	while (altcp_sndbuf(inner) > room) {
		u16_t n = (u16_t)(altcp_sndbuf(inner) - room);

		n = n > 8 * TCP_MSS ? 8 * TCP_MSS : n;
		assert_int_equal(altcp_write(inner, bytes, n, TCP_WRITE_FLAG_COPY), ERR_OK);
	}
	assert_int_equal(altcp_sndbuf(inner), room);
}

/*
 * A record of 500 + 777 bytes when TCP has room for 500 and the heap none
 * for the other 777 (the one allocation of that size fails): 500 went,
 * and io_send says so; wolfSSL's next call, for the 777, finds TCP full
 * and the heap back, and they wait in `tx`.
 */
static void test_io_send_part_taken(void **state)
{
	struct tls_conn c = {.inner = connection()};
	int r;

	(void)state;
	fill(c.inner, 500);
	alloc_fail_min = 777;
	alloc_fail_max = 777 + 128; /* the pbuf's header and lwIP's size word */
	r = io_send(NULL, (char *)bytes, 500 + 777, &c);
	alloc_fail_min = alloc_fail_max = 0;
	assert_int_equal(r, 500);
	assert_int_equal(altcp_sndbuf(c.inner), 0);
	assert_null(c.tx);
	assert_int_equal(c.overhead, 500);

	r = io_send(NULL, (char *)bytes + 500, 777, &c);
	assert_int_equal(r, 777);
	assert_non_null(c.tx);
	assert_int_equal(c.tx->tot_len, 777);
	assert_false(c.resume.armed); /* bytes in flight: the sent callback resumes */
	assert_int_equal(c.overhead, 500 + 777);
	pbuf_free(c.tx);
	altcp_abort(c.inner);
}

/* Nothing taken and no heap: an error, and nothing counted as gone. */
static void test_io_send_nothing_taken(void **state)
{
	struct tls_conn c = {.inner = connection()};

	(void)state;
	fill(c.inner, 0);
	alloc_fail_min = 777;
	alloc_fail_max = 777 + 128;
	assert_int_equal(io_send(NULL, (char *)bytes, 777, &c), WOLFSSL_CBIO_ERR_GENERAL);
	assert_null(c.tx);
	assert_int_equal(c.overhead, 0);
	altcp_abort(c.inner);
}

/* A server configuration with a new self-signed certificate (wolfSSL keeps copies). */
static struct altcp_tls_config *server_config(void)
{
	struct altcp_tls_config *conf;
	char *cert, *key;
	size_t cert_len, key_len;

	assert_int_equal(
	    tls_cert_self_signed("t.example.org", NULL, NULL, 30, &cert, &cert_len, &key, &key_len),
	    0);
	conf = altcp_tls_create_config_server_privkey_cert((u8_t *)key, key_len, NULL, 0,
	                                                   (u8_t *)cert, cert_len);
	free(cert);
	free(key);
	assert_non_null(conf);
	return conf;
}

/*
 * A handshake that fails (the client sent HTTP, not TLS), with TCP's
 * buffer left holding `queued` bytes and, if `waiting`, the server's
 * flight still waiting in `tx`: counted once, the service's pcb let go,
 * and never tried (and counted) again. The caller's checks follow; `c`
 * is inside a callback (busy), so the layer does not free it.
 */
static struct tls_conn *failed_handshake(struct altcp_tls_config *conf, u16_t queued, bool waiting,
                                         struct tcp_pcb **tcp)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
	struct tls_conn *c = calloc(1, sizeof(*c));
	uint64_t failures = tls_stats.failures;
	struct pbuf *rx = pbuf_alloc(PBUF_RAW, sizeof(http) - 1, PBUF_RAM);

	assert_non_null(c);
	c->conf = conf;
	c->busy = 1;
	c->inner = connection();
	*tcp = c->inner->state;
	fill(c->inner, (u16_t)(TCP_SND_BUF - queued));
	c->outer = altcp_alloc();
	assert_non_null(c->outer);
	c->ssl = wolfSSL_new(conf->ctx);
	assert_non_null(c->ssl);
	wolfSSL_SetIOReadCtx(c->ssl, c);
	wolfSSL_SetIOWriteCtx(c->ssl, c);
	if (waiting)
		c->tx = pbuf_alloc(PBUF_RAW, 100, PBUF_RAM);
	assert_true(rx && (c->tx || !waiting));
	pbuf_take(rx, http, sizeof(http) - 1);
	assert_int_equal(net_rxq_put(&c->rx, rx), 0);

	advance(c);
	assert_int_equal(tls_stats.failures, failures + 1);
	assert_null(c->outer);
	advance(c);
	assert_int_equal(tls_stats.failures, failures + 1);
	return c;
}

/*
 * Once the service has let a failed connection go, nothing counts it: a
 * client that stopped reading kept what TCP held for it (an answer's 44
 * segments) in FIN_WAIT_1 for good, its window probes answered (the old
 * code closed it gently in every case). Now one with more queued than
 * an alert and a first flight, or with ciphertext TCP has not taken
 * (`tx`), is reset; one with little queued is closed gently (its alert
 * goes), at the lowest priority, so a new connection may take its place.
 */
static void test_failed_connection_not_kept(void **state)
{
	struct altcp_tls_config *conf = server_config();
	struct tcp_pcb *tcp;
	struct tls_conn *c;

	(void)state;
	/* Its flight waiting in tx: reset (a RST on the wire), tx freed with it. */
	c = failed_handshake(conf, 0, true, &tcp);
	assert_true(c->dead && c->aborted);
	assert_null(c->inner);
	assert_true(wire_nsent > 0 && (wire_sent[wire_nsent - 1].flags & TCP_RST));
	conn_free(c);
	wire_clear(&listener);
	/* TCP full of an answer the client does not take: reset. */
	c = failed_handshake(conf, TCP_SND_BUF, false, &tcp);
	assert_true(c->dead && c->aborted);
	assert_true(wire_nsent > 0 && (wire_sent[wire_nsent - 1].flags & TCP_RST));
	conn_free(c);
	wire_clear(&listener);
	/* A few hundred bytes queued: closed gently, at the lowest priority. */
	c = failed_handshake(conf, 300, false, &tcp);
	assert_true(c->dead && !c->aborted);
	assert_null(c->inner);
	assert_int_equal(tcp->state, FIN_WAIT_1);
	assert_int_equal(tcp->prio, TCP_PRIO_MIN);
	conn_free(c);
	altcp_tls_free_config(conf);
}

/* The client's end, in memory: what the server sent, and what it has read of it. */
static uint8_t to_client[16384];
static size_t to_client_len, to_client_off;

/* The server's records go to the client here, not to TCP. */
static int server_out(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	(void)ssl;
	(void)arg;
	assert_true(to_client_len + (size_t)sz <= sizeof(to_client));
	memcpy(to_client + to_client_len, buf, (size_t)sz);
	to_client_len += (size_t)sz;
	return sz;
}

static int client_in(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	size_t n = to_client_len - to_client_off;

	(void)ssl;
	(void)arg;
	if (n == 0)
		return WOLFSSL_CBIO_ERR_WANT_READ;
	n = n < (size_t)sz ? n : (size_t)sz;
	memcpy(buf, to_client + to_client_off, n);
	to_client_off += n;
	return (int)n;
}

/* The client's records arrive as TCP would hand them on: a pbuf, into the server's rx. */
static int client_out(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct tls_conn *c = arg;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)sz, PBUF_RAM);

	(void)ssl;
	assert_non_null(p);
	pbuf_take(p, buf, (u16_t)sz);
	assert_int_equal(net_rxq_put(&c->rx, p), 0);
	return sz;
}

static int took;

/* A service that keeps lwIP's rule: it takes the data, resets, and says ERR_ABRT. */
static err_t take_and_reset(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	assert_int_equal(err, ERR_OK);
	assert_non_null(p);
	took += p->tot_len;
	pbuf_free(p);
	altcp_abort(pcb);
	return ERR_ABRT;
}

/* A request, from the in-memory client. */
static const char hello[] = "GET / HTTP/1.1\r\n\r\n";

/* The in-memory client (client_in, client_out) and the server's side of its connection. */
struct session {
	struct altcp_tls_config *conf;
	struct altcp_pcb *outer;
	WOLFSSL_CTX *cctx;
	WOLFSSL *client;
	struct tls_conn *c;
};

/* The client sends `hello`: its record waits in the server's rx, unread. */
static void client_says(struct session *s)
{
	assert_int_equal(wolfSSL_write(s->client, hello, sizeof(hello) - 1),
	                 (int)sizeof(hello) - 1);
}

/* 100 bytes of the server's ciphertext waiting for TCP. */
static void tx_waits(struct tls_conn *c)
{
	assert_non_null(c->tx = pbuf_alloc(PBUF_RAW, 100, PBUF_RAM));
	memset(c->tx->payload, 0, 100);
}

/*
 * A connection whose handshake the client and the server (server_out)
 * finished, its TCP a real connection on the wire; the client has sent
 * `hello`.
 */
static void established(struct session *s)
{
	int done = 0;

	to_client_len = to_client_off = 0;
	took = 0;
	s->conf = server_config();
	s->c = conn_new(s->conf, connection(), &s->outer);
	assert_non_null(s->c);
	wolfSSL_SSLSetIOSend(s->c->ssl, server_out);
	s->cctx = wolfSSL_CTX_new(wolfTLS_client_method());
	assert_non_null(s->cctx);
	wolfSSL_CTX_set_verify(s->cctx, WOLFSSL_VERIFY_NONE, NULL);
	s->client = wolfSSL_new(s->cctx);
	assert_non_null(s->client);
	wolfSSL_SSLSetIORecv(s->client, client_in);
	wolfSSL_SSLSetIOSend(s->client, client_out);
	wolfSSL_SetIOReadCtx(s->client, s->c);
	wolfSSL_SetIOWriteCtx(s->client, s->c);
	for (int i = 0; i < 10 && done != 3; i++) {
		if (!(done & 1) && wolfSSL_connect(s->client) == WOLFSSL_SUCCESS)
			done |= 1;
		if (!(done & 2) && wolfSSL_accept(s->c->ssl) == WOLFSSL_SUCCESS)
			done |= 2;
	}
	assert_int_equal(done, 3);
	s->c->established = true;
	client_says(s);
}

static void session_end(struct session *s)
{
	wolfSSL_free(s->client);
	wolfSSL_CTX_free(s->cctx);
	altcp_tls_free_config(s->conf);
}

/*
 * Plaintext for a service that resets from its recv callback: the layer
 * leaves p to it, as lwIP's tcp_input does (the old deliver freed it a
 * second time: AddressSanitizer's double free).
 */
static void test_deliver_service_reset(void **state)
{
	struct session s;

	(void)state;
	established(&s);
	altcp_recv(s.outer, take_and_reset);
	conn_enter(s.c);
	deliver(s.c);
	assert_int_equal(took, sizeof(hello) - 1);
	assert_true(s.c->dead);
	assert_null(s.c->outer);
	assert_null(s.c->inner);
	conn_leave(s.c); /* frees c */
	session_end(&s);
}

static err_t take(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)pcb;
	assert_int_equal(err, ERR_OK);
	assert_non_null(p);
	took += p->tot_len;
	pbuf_free(p);
	return ERR_OK;
}

/*
 * Nothing is read while ciphertext waits for TCP: a record read may make
 * wolfSSL answer (a KeyUpdate asking for one), and a client that sent
 * them without end and read nothing grew `tx` without end. The request
 * waits, unread, until TCP takes `tx` (the sent callback), then goes to
 * the service. The old deliver read it at once.
 */
static void test_no_read_while_tx_waits(void **state)
{
	struct session s;
	struct tls_conn *c;
	size_t waiting;

	(void)state;
	established(&s);
	c = s.c;
	tx_waits(c);
	altcp_recv(s.outer, take);
	waiting = net_rxq_len(&c->rx);
	assert_true(waiting > 0);

	conn_enter(c);
	deliver(c);
	conn_leave(c);
	assert_int_equal(took, 0);
	assert_int_equal(net_rxq_len(&c->rx), waiting);
	assert_int_equal(c->tx->tot_len, 100);

	inner_sent(c, c->inner, 0); /* TCP takes `tx`, and the request is read */
	assert_null(c->tx);
	assert_int_equal(took, sizeof(hello) - 1);
	assert_int_equal(net_rxq_len(&c->rx), 0);

	/*
	 * `tx` taken by TCP elsewhere (from inside a write of the service's):
	 * the loop is asked to read what waits, which otherwise waited for the
	 * client's next bytes.
	 */
	took = 0;
	tx_waits(c);
	client_says(&s);
	plat_timer_cancel(&c->resume);
	tx_flush(c);
	assert_null(c->tx);
	assert_true(c->resume.armed);
	resume(c);
	assert_int_equal(took, sizeof(hello) - 1);

	altcp_abort(s.outer);
	session_end(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_io_send_part_taken, teardown),
	    cmocka_unit_test_teardown(test_io_send_nothing_taken, teardown),
	    cmocka_unit_test_teardown(test_failed_connection_not_kept, teardown),
	    cmocka_unit_test_teardown(test_deliver_service_reset, teardown),
	    cmocka_unit_test_teardown(test_no_read_while_tx_waits, teardown),
	};

	wire_up();
	assert_int_equal(wolfSSL_Init(), WOLFSSL_SUCCESS);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
