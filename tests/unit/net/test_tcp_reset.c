/*
 * Resets from inside lwIP's callbacks (net_tcp_abort, net/tcp_hooks.c),
 * through lwIP's own ip4_input and tcp_input. lwIP 2.1.3 hands a
 * segment's acknowledgement to the sent callback before its data to the
 * recv callback, and a tcp_abort in between loses that data for good.
 * A service whose sent (or recv) callback resets its connection, with
 * segments that acknowledge its greeting and bring data, a FIN, both or
 * neither: one reset goes out, the service's err callback is told once,
 * and every byte of lwIP's heap and every pcb comes back. And echo's
 * reset of a connection idle for a minute, which frees its state once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "net_int.h"
#include "plat/plat.h"
#include "wire.h"

/* ---- a service on port 80 that greets, and resets where the test says ---- */

enum reset_in { RESET_NONE, RESET_SENT, RESET_RECV, RESET_FIN };

static struct svc {
	enum reset_in reset_in;
	err_t reset_said; /* what net_tcp_abort returned */
	unsigned acked, received, errs;
	err_t err;
} svc;

static struct tcp_pcb *listener;
static const char greeting[] = "hello\n";

static err_t svc_reset(struct tcp_pcb *pcb)
{
	svc.reset_said = net_tcp_abort(pcb);
	return svc.reset_said;
}

static err_t svc_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	assert_ptr_equal(arg, &svc);
	svc.acked += len;
	return svc.reset_in == RESET_SENT ? svc_reset(pcb) : ERR_OK;
}

static err_t svc_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	assert_ptr_equal(arg, &svc);
	(void)err;
	if (!p)
		return svc.reset_in == RESET_FIN ? svc_reset(pcb) : ERR_OK;
	svc.received += p->tot_len;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return svc.reset_in == RESET_RECV ? svc_reset(pcb) : ERR_OK;
}

/* The pcb is gone: the service's state goes, once. */
static void svc_err(void *arg, err_t err)
{
	assert_ptr_equal(arg, &svc);
	svc.errs++;
	svc.err = err;
}

static err_t svc_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	assert_int_equal(err, ERR_OK);
	tcp_arg(pcb, &svc);
	tcp_sent(pcb, svc_sent);
	tcp_recv(pcb, svc_recv);
	tcp_err(pcb, svc_err);
	assert_int_equal(tcp_write(pcb, greeting, strlen(greeting), 0), ERR_OK);
	return ERR_OK;
}

static int setup(void **state)
{
	struct tcp_pcb *pcb = tcp_new();

	(void)state;
	assert_non_null(pcb);
	assert_int_equal(tcp_bind(pcb, IP_ADDR_ANY, 80), ERR_OK);
	listener = tcp_listen(pcb);
	assert_non_null(listener);
	tcp_accept(listener, svc_accept);
	memset(&svc, 0, sizeof(svc));
	wire_nsent = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	wire_clear(&listener);
	return 0;
}

#define CLIENT_PORT 40000
#define CLIENT_ISN 0x01020304u

/* The handshake: lwIP's initial sequence number; the greeting is out after it. */
static uint32_t handshake(uint16_t port)
{
	uint32_t isn;

	wire_deliver(wire_packet(CLIENT_PORT, port, CLIENT_ISN, 0, TCP_SYN, NULL, 0, NULL, 0));
	assert_int_equal(wire_nsent, 1);
	assert_int_equal(wire_sent[0].flags, TCP_SYN | TCP_ACK);
	isn = wire_sent[0].seq;
	wire_nsent = 0;
	wire_deliver(
	    wire_packet(CLIENT_PORT, port, CLIENT_ISN + 1, isn + 1, TCP_ACK, NULL, 0, NULL, 0));
	return isn;
}

/*
 * The client acknowledges the greeting with `flags` and `data`, and the
 * service resets from `where`: one reset goes out after at most an
 * acknowledgement, the service heard ERR_ABRT once, got `data` only if
 * it reset after taking it, and lwIP has all its heap and pcbs back.
 */
static void reset_case(enum reset_in where, uint8_t flags, const char *data, err_t said)
{
	mem_size_t heap = lwip_stats.mem.used;
	u16_t pcbs = lwip_stats.memp[MEMP_TCP_PCB]->used;
	size_t dlen = data ? strlen(data) : 0;
	uint32_t isn = handshake(80), snd_nxt = isn + 1 + (uint32_t)strlen(greeting);
	uint32_t rcv_nxt = CLIENT_ISN + 1 + (uint32_t)dlen + ((flags & TCP_FIN) ? 1 : 0);
	const struct wire_seg *rst;

	assert_int_equal(wire_nsent, 1);
	assert_int_equal(wire_sent[0].len, strlen(greeting));
	wire_nsent = 0;
	svc.reset_in = where;
	wire_deliver(wire_packet(CLIENT_PORT, 80, CLIENT_ISN + 1, snd_nxt, TCP_ACK | flags, NULL, 0,
	                         data, 0));

	assert_int_equal(lwip_stats.mem.used, heap);
	assert_int_equal(svc.acked, strlen(greeting));
	assert_int_equal(svc.errs, 1);
	assert_int_equal(svc.err, ERR_ABRT);
	assert_int_equal(svc.received, where == RESET_SENT ? 0 : dlen);
	assert_true(wire_nsent >= 1 && wire_nsent <= 2);
	if (wire_nsent == 2)
		assert_int_equal(wire_sent[0].flags, TCP_ACK);
	rst = &wire_sent[wire_nsent - 1];
	assert_int_equal(rst->flags, TCP_RST | TCP_ACK);
	assert_int_equal(rst->seq, snd_nxt);
	assert_int_equal(rst->ack, rcv_nxt);
	assert_null(tcp_active_pcbs);
	assert_int_equal(lwip_stats.memp[MEMP_TCP_PCB]->used, pcbs);
	assert_int_equal(svc.reset_said, said);
}

static const char more[] = "GET / HTTP/1.1\r\n\r\n";

/* The case lwIP 2.1.3 loses: data with the acknowledgement, reset from the sent callback. */
static void test_sent_data(void **state)
{
	(void)state;
	reset_case(RESET_SENT, TCP_PSH, more, ERR_OK);
}

static void test_sent_data_fin(void **state)
{
	(void)state;
	reset_case(RESET_SENT, TCP_PSH | TCP_FIN, more, ERR_OK);
}

/* A FIN brings no data: the reset is made at once. */
static void test_sent_fin(void **state)
{
	(void)state;
	reset_case(RESET_SENT, TCP_FIN, NULL, ERR_ABRT);
}

static void test_sent_bare(void **state)
{
	(void)state;
	reset_case(RESET_SENT, 0, NULL, ERR_ABRT);
}

/* From the recv callback, once the data is the service's: made after tcp_input. */
static void test_recv_data(void **state)
{
	(void)state;
	reset_case(RESET_RECV, TCP_PSH, more, ERR_OK);
}

static void test_fin_after_data(void **state)
{
	(void)state;
	reset_case(RESET_FIN, TCP_PSH | TCP_FIN, more, ERR_OK);
}

static void test_fin_alone(void **state)
{
	(void)state;
	reset_case(RESET_FIN, TCP_FIN, NULL, ERR_ABRT);
}

/*
 * Echo resets a connection idle for a minute (its poll, from lwIP's
 * timer): once, with its state freed once (a double free here is
 * AddressSanitizer's) and the diagnostic services' count back to 0.
 */
static void test_echo_idle(void **state)
{
	mem_size_t heap;

	(void)state;
	tcp_close(listener);
	listener = NULL;
	assert_int_equal(net_echo_start(7), 0);
	heap = lwip_stats.mem.used;
	handshake(7);
	assert_int_equal(wire_nsent, 0);
	assert_int_equal(net_diag_open(), 1);
	/* lwIP's slow timer, every 2 * TCP_TMR_INTERVAL ms, for 62 s; echo polls once a second. */
	for (unsigned ticks = 0; ticks < 62 * NET_TCP_POLLS_PER_S && tcp_active_pcbs; ticks++) {
		wire_clock_ns += 2 * TCP_TMR_INTERVAL * 1000000ull;
		tcp_slowtmr();
	}
	assert_null(tcp_active_pcbs);
	assert_int_equal(net_diag_open(), 0);
	assert_int_equal(wire_nsent, 1);
	assert_int_equal(wire_sent[0].flags, TCP_RST | TCP_ACK);
	assert_int_equal(lwip_stats.mem.used, heap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sent_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sent_data_fin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sent_fin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sent_bare, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recv_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fin_after_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fin_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_echo_idle, setup, teardown),
	};

	wire_up();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
