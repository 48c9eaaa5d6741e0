/*
 * The TLS layer's own paths at the heap's end (tls/altcp_wolfssl.c,
 * included here for its static functions), over a real lwIP TCP
 * connection on the unit tests' wire (tests/unit/net/wire.h).
 *
 * io_send is how wolfSSL hands a record's ciphertext over, and wolfSSL
 * keeps its place in the record only by what it returns: when TCP takes
 * part of a record and the heap has no room to keep the rest, it must
 * say that part went, or wolfSSL sends those bytes again and the client
 * sees a corrupt record. And a handshake that failed while its alert
 * still waits for TCP is not tried (and counted) again.
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

/*
 * A handshake that fails (the client sent HTTP, not TLS) while the
 * server's flight still waits in `tx`: counted once, the service's pcb
 * let go, and the connection waits for TCP to take `tx`. The retry
 * timer's advance() (resume) must not run the handshake again.
 */
static void test_no_handshake_after_failure(void **state)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
	struct tls_conn *c = calloc(1, sizeof(*c));
	uint64_t failures = tls_stats.failures;
	struct altcp_tls_config *conf;
	char *cert, *key;
	size_t cert_len, key_len;

	(void)state;
	assert_non_null(c);
	assert_int_equal(
	    tls_cert_self_signed("t.example.org", NULL, NULL, 30, &cert, &cert_len, &key, &key_len),
	    0);
	conf = altcp_tls_create_config_server_privkey_cert((u8_t *)key, key_len, NULL, 0,
	                                                   (u8_t *)cert, cert_len);
	assert_non_null(conf);
	c->conf = conf;
	c->inner = connection();
	fill(c->inner, 0);
	c->outer = altcp_alloc();
	assert_non_null(c->outer);
	c->ssl = wolfSSL_new(conf->ctx);
	assert_non_null(c->ssl);
	wolfSSL_SetIOReadCtx(c->ssl, c);
	wolfSSL_SetIOWriteCtx(c->ssl, c);
	c->tx = pbuf_alloc(PBUF_RAW, 100, PBUF_RAM); /* the server's flight, waiting */
	c->rx = pbuf_alloc(PBUF_RAW, sizeof(http) - 1, PBUF_RAM);
	assert_true(c->tx && c->rx);
	pbuf_take(c->rx, http, sizeof(http) - 1);

	advance(c);
	assert_int_equal(tls_stats.failures, failures + 1);
	assert_null(c->outer);
	assert_non_null(c->tx);
	assert_false(c->dead);
	advance(c);
	assert_int_equal(tls_stats.failures, failures + 1);

	if (c->rx)
		pbuf_free(c->rx);
	pbuf_free(c->tx);
	wolfSSL_free(c->ssl);
	altcp_abort(c->inner);
	free(c);
	altcp_tls_free_config(conf);
	free(cert);
	free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_io_send_part_taken, teardown),
	    cmocka_unit_test_teardown(test_io_send_nothing_taken, teardown),
	    cmocka_unit_test_teardown(test_no_handshake_after_failure, teardown),
	};

	wire_up();
	assert_int_equal(wolfSSL_Init(), WOLFSSL_SUCCESS);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
