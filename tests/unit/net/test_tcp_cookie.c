/*
 * SYN cookies inside lwIP (net/tcp_hooks.c), through lwIP's own
 * ip4_input and tcp_input: a listener whose backlog is full answers a SYN
 * with a cookie, and the ACK that returns it makes the connection, its
 * data and FIN taken with it, byte for byte (lwIP checks the copy's
 * checksum again). The ACK comes whole, or split over two pbufs as a
 * driver may hand it: inside its options (tcp_input then finds them in
 * two parts, segment_copy's opt2) or inside its data. With no heap for
 * the copy, or no pcb for the connection, the ACK is dropped, no reset
 * goes out and nothing is kept: the client's next try gets in. A wrong
 * cookie gets a reset. Linked with lwIP's objects as the twin builds
 * them (sanitized), and with no driver: the test is the wire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../alloc_count.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "net.h"
#include "net_int.h"
#include "wire.h"

/*
 * While set, every allocation from inside ip4_input fails; `allocations`
 * (alloc_count.h) counts those ip4_input tried last.
 */
static bool starve_heap;

/* A segment from the client to port 80 (wire_packet), into lwIP. */
static void wire_input(uint16_t cport, uint32_t seq, uint32_t ack, uint8_t flags,
                       const uint8_t *opts, size_t optlen, const char *data, size_t split)
{
	struct pbuf *p = wire_packet(cport, 80, seq, ack, flags, opts, optlen, data, split);

	allocations = 0;
	alloc_fail = starve_heap;
	wire_deliver(p);
	alloc_fail = false;
}

/* ---- the server: one listener on 80, what it accepts and reads ---- */

static struct tcp_pcb *listener, *accepted;
static char received[256];
static size_t nreceived;
static bool fin_seen;

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (!p) {
		fin_seen = true;
		return ERR_OK;
	}
	assert_true(nreceived + p->tot_len < sizeof(received));
	nreceived += pbuf_copy_partial(p, received + nreceived, p->tot_len, 0);
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	assert_int_equal(err, ERR_OK);
	assert_null(accepted);
	accepted = pcb;
	tcp_recv(pcb, on_recv);
	return ERR_OK;
}

static int setup(void **state)
{
	struct tcp_pcb *pcb = tcp_new();

	(void)state;
	assert_non_null(pcb);
	assert_int_equal(tcp_bind(pcb, IP_ADDR_ANY, 80), ERR_OK);
	/* A backlog of one: the second SYN in a row finds it full. */
	listener = tcp_listen_with_backlog(pcb, 1);
	assert_non_null(listener);
	tcp_accept(listener, on_accept);
	accepted = NULL;
	nreceived = 0;
	fin_seen = false;
	wire_nsent = 0;
	return 0;
}

/* ---- what a test takes from lwIP, and gives back ---- */

static void heap_take(void)
{
	starve_heap = true;
}

static void heap_back(void)
{
	starve_heap = false;
}

/* pcbs a test holds to empty the pool. */
static struct tcp_pcb *spare[MEMP_NUM_TCP_PCB];
static unsigned nspare;

/* Unbound pcbs, on no list: lwIP cannot end one to make room. */
static void pool_take(void)
{
	while (nspare < MEMP_NUM_TCP_PCB && (spare[nspare] = tcp_new()) != NULL)
		nspare++;
	assert_non_null(tcp_active_pcbs);
	assert_null(tcp_new());
}

static void pool_back(void)
{
	while (nspare)
		tcp_close(spare[--nspare]);
}

/* Whatever a test left, a failed one too; the resets sent go uncounted. */
static int teardown(void **state)
{
	(void)state;
	heap_back();
	pool_back();
	wire_clear(&listener);
	return 0;
}

static struct net_stats cookies(void)
{
	struct net_stats s;

	memset(&s, 0, sizeof(s));
	net_tcp_hook_stats(&s);
	return s;
}

/* MSS 1460, SACK permitted, timestamps, NOP, window scale: Linux's SYN. */
static const uint8_t syn_opts[] = {2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
/* NOP, NOP, timestamps: Linux's ACK. */
static const uint8_t ack_opts[] = {1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 9};

#define CLIENT_ISN 0x01020304u
static const char request[] = "GET / HTTP/1.1\r\nHost: appliance.home.arpa\r\n\r\n";

/*
 * Fill the backlog (a SYN from port 1000, which lwIP keeps half-open),
 * then a SYN from `cport`: its SYN-ACK's sequence number, the cookie.
 */
static uint32_t cookie_for(uint16_t cport)
{
	struct net_stats before = cookies();
	const struct wire_seg *s;

	wire_input(1000, 77, 0, TCP_SYN, syn_opts, sizeof(syn_opts), NULL, 0);
	assert_int_equal(wire_nsent, 1);
	wire_input(cport, CLIENT_ISN, 0, TCP_SYN, syn_opts, sizeof(syn_opts), NULL, 0);
	assert_int_equal(wire_nsent, 2);
	assert_int_equal(cookies().syn_cookies_sent, before.syn_cookies_sent + 1);
	s = &wire_sent[1];
	assert_int_equal(s->flags, TCP_SYN | TCP_ACK);
	assert_int_equal(s->dport, cport);
	assert_int_equal(s->ack, CLIENT_ISN + 1);
	assert_int_equal(s->mss, 1460);
	wire_nsent = 0;
	return s->seq;
}

/*
 * The cookie's ACK with the request and a FIN, cut at `split` (0: whole):
 * the connection is made with the cookie's MSS, the request read as sent,
 * the FIN seen, and both acknowledged at once.
 */
static void ack_taken(size_t split)
{
	uint32_t cookie = cookie_for(40000);
	struct net_stats before = cookies();

	wire_input(40000, CLIENT_ISN + 1, cookie + 1, TCP_ACK | TCP_PSH | TCP_FIN, ack_opts,
	           sizeof(ack_opts), request, split);
	assert_int_equal(cookies().syn_cookies_accepted, before.syn_cookies_accepted + 1);
	assert_non_null(accepted);
	assert_int_equal(accepted->remote_port, 40000);
	assert_int_equal(accepted->mss, 1460);
	assert_int_equal(nreceived, strlen(request));
	assert_memory_equal(received, request, nreceived);
	assert_true(fin_seen);
	assert_int_equal(wire_nsent, 1);
	assert_int_equal(wire_sent[0].flags & (TCP_ACK | TCP_RST), TCP_ACK);
	assert_int_equal(wire_sent[0].seq, cookie + 1);
	assert_int_equal(wire_sent[0].ack, CLIENT_ISN + 1 + strlen(request) + 1);
}

static void test_whole(void **state)
{
	(void)state;
	ack_taken(0);
}

/* tcp_input finds the first 4 option bytes with the header, 8 in the next pbuf. */
static void test_split_in_options(void **state)
{
	(void)state;
	ack_taken(20 + 4);
}

/* Every option with the header, the data over two pbufs. */
static void test_split_in_data(void **state)
{
	(void)state;
	ack_taken(20 + sizeof(ack_opts) + 5);
}

/*
 * The ACK the heap (its copy) or the pcb pool (its connection) has no
 * room for, once `starve` has taken it: dropped, with no reset and
 * nothing kept, `allocs` allocations tried on the way; `again` gives the
 * room back, and the client's same ACK sent again gets in.
 */
static void ack_dropped_then_taken(void (*starve)(void), void (*again)(void), unsigned allocs,
                                   size_t split)
{
	uint32_t cookie = cookie_for(40001);
	struct net_stats before = cookies();
	mem_size_t heap = lwip_stats.mem.used;
	struct tcp_pcb *active = tcp_active_pcbs;

	starve();
	wire_input(40001, CLIENT_ISN + 1, cookie + 1, TCP_ACK | TCP_PSH, ack_opts, sizeof(ack_opts),
	           request, split);
	assert_int_equal(allocations, allocs);
	assert_null(accepted);
	assert_int_equal(wire_nsent, 0);
	assert_int_equal(cookies().syn_cookies_accepted, before.syn_cookies_accepted);
	assert_int_equal(cookies().syn_cookies_refused, before.syn_cookies_refused);
	assert_ptr_equal(tcp_active_pcbs, active);
	assert_int_equal(lwip_stats.mem.used, heap);

	again();
	wire_input(40001, CLIENT_ISN + 1, cookie + 1, TCP_ACK | TCP_PSH, ack_opts, sizeof(ack_opts),
	           request, split);
	assert_int_equal(cookies().syn_cookies_accepted, before.syn_cookies_accepted + 1);
	assert_non_null(accepted);
	assert_int_equal(nreceived, strlen(request));
	assert_memory_equal(received, request, nreceived);
	assert_false(fin_seen);
}

/* The segment copy's is the one allocation tried, and it fails. */
static void test_heap_full(void **state)
{
	(void)state;
	ack_dropped_then_taken(heap_take, heap_back, 1, 20 + 4);
}

/* The copy is made, then freed when no pcb is to be had. */
static void test_pcb_pool_full(void **state)
{
	(void)state;
	ack_dropped_then_taken(pool_take, pool_back, 1, 0);
}

/* A cookie one off: refused, and lwIP resets the ACK. */
static void test_wrong_cookie(void **state)
{
	uint32_t cookie = cookie_for(40002);
	struct net_stats before = cookies();

	(void)state;
	wire_input(40002, CLIENT_ISN + 1, cookie + 2, TCP_ACK, ack_opts, sizeof(ack_opts), NULL, 0);
	assert_int_equal(cookies().syn_cookies_refused, before.syn_cookies_refused + 1);
	assert_int_equal(cookies().syn_cookies_accepted, before.syn_cookies_accepted);
	assert_null(accepted);
	assert_int_equal(wire_nsent, 1);
	assert_int_equal(wire_sent[0].flags & TCP_RST, TCP_RST);
	assert_int_equal(wire_sent[0].seq, cookie + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_split_in_options, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_split_in_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_heap_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pcb_pool_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_cookie, setup, teardown),
	};

	wire_up();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
