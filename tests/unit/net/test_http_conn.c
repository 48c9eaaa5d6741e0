/*
 * net/http.c's connections over a stand-in altcp layer whose send buffer
 * the test sizes and whose writes it may refuse (lwIP out of segments),
 * with the site stubbed: GET /big answers a body of the size asked,
 * POST /up takes a body and answers "ok". The interim "100 Continue"
 * that a client sending "Expect: 100-continue" waits for (RFC 9110
 * 10.1.1) goes out whole, once, and before any byte of the final answer,
 * also when TCP refuses it at first: for want of room (a pipelined
 * answer's bytes not yet acknowledged) or of segments (nothing in flight
 * to bring a sent callback).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http.h"
#include "http_int.h"
#include "lwip/altcp.h"
#include "lwip/altcp_tls.h"
#include "net.h"
#include "net_int.h"
#include "plat/conf.h"
#include "plat/plat.h"
#include "tls/tls.h"

#define GO_ON "HTTP/1.1 100 Continue\r\n\r\n"
#define OK_ANSWER "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
#define POST_UP "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"

/* ---- the platform: a clock the test moves, timers it fires ---- */

static uint64_t now_ns;
static struct plat_timer *timers[8];

uint64_t plat_now_ns(void)
{
	return now_ns;
}

void plat_timer_cancel(struct plat_timer *t)
{
	for (size_t i = 0; i < 8; i++)
		if (timers[i] == t)
			timers[i] = NULL;
	t->armed = false;
}

void plat_timer_arm(struct plat_timer *t, uint64_t deadline_ns, plat_fn fn, void *arg)
{
	size_t i = 0;

	plat_timer_cancel(t);
	while (timers[i])
		assert_true(++i < 8);
	timers[i] = t;
	t->deadline_ns = deadline_ns;
	t->fn = fn;
	t->arg = arg;
	t->armed = true;
}

/* Move the clock by `ns`, firing each timer that falls due. */
static void advance(uint64_t ns)
{
	now_ns += ns;
	for (size_t i = 0; i < 8; i++) {
		struct plat_timer *t = timers[i];
		if (t && t->deadline_ns <= now_ns) {
			plat_timer_cancel(t);
			t->fn(t->arg);
			i = (size_t)-1; /* a timer may arm or cancel others: look again */
		}
	}
}

void plat_log(const char *module, const char *fmt, ...)
{
	(void)module, (void)fmt;
}

int plat_config_get(const char *key, char *buf, size_t size)
{
	(void)key, (void)buf, (void)size;
	return -ENOENT;
}

void plat_shutdown_done(void)
{
}

/* ---- the altcp layer: one connection, its send buffer sized by the test ---- */

static struct altcp_pcb listener, conn;
static struct {
	char out[16384]; /* what the server queued, in order */
	size_t out_len;
	u16_t sndbuf;    /* bytes the send buffer takes now */
	size_t unacked;  /* bytes queued, not yet acknowledged */
	u16_t segments;  /* segments queued, not yet acknowledged */
	unsigned refuse; /* writes refused whatever the room, with refuse_err (0: ERR_MEM, no
	                    segments) */
	err_t refuse_err;
	bool closed;
} tcp;

err_t altcp_write(struct altcp_pcb *pcb, const void *data, u16_t len, u8_t flags)
{
	(void)flags;
	assert_ptr_equal(pcb, &conn);
	if (tcp.refuse) {
		tcp.refuse--;
		return tcp.refuse_err ? tcp.refuse_err : ERR_MEM;
	}
	if (len > tcp.sndbuf)
		return ERR_MEM; /* as tcp_write_checks */
	assert_true(tcp.out_len + len <= sizeof(tcp.out));
	memcpy(tcp.out + tcp.out_len, data, len);
	tcp.out_len += len;
	tcp.sndbuf -= len;
	tcp.unacked += len;
	tcp.segments++;
	return ERR_OK;
}

err_t altcp_output(struct altcp_pcb *pcb)
{
	(void)pcb;
	return ERR_OK;
}

u16_t altcp_sndbuf(struct altcp_pcb *pcb)
{
	(void)pcb;
	return tcp.sndbuf;
}

u16_t altcp_sndqueuelen(struct altcp_pcb *pcb)
{
	(void)pcb;
	return tcp.segments;
}

/* The client acknowledges everything queued: the room comes back and the sent callback runs. */
static void ack_all(void)
{
	u16_t n = (u16_t)tcp.unacked;

	tcp.sndbuf = (u16_t)(tcp.sndbuf + n);
	tcp.unacked = 0;
	tcp.segments = 0;
	assert_int_equal(conn.sent(conn.arg, &conn, n), ERR_OK);
}

/*
 * pbufs as http.c uses them (lwIP's pbuf.c wants its pools): chains of
 * single calloc'd pbufs, the bytes right after each.
 */
u8_t pbuf_free(struct pbuf *p)
{
	u8_t n = 0;

	for (struct pbuf *next; p; p = next, n++) {
		next = p->next;
		free(p);
	}
	return n;
}

void pbuf_cat(struct pbuf *head, struct pbuf *tail)
{
	struct pbuf *p = head;

	for (; p->next; p = p->next)
		p->tot_len = (u16_t)(p->tot_len + tail->tot_len);
	p->tot_len = (u16_t)(p->tot_len + tail->tot_len);
	p->next = tail;
}

u16_t pbuf_copy_partial(const struct pbuf *p, void *buf, u16_t len, u16_t offset)
{
	u16_t done = 0;

	for (; p && done < len; p = p->next) {
		u16_t n;
		if (offset >= p->len) {
			offset = (u16_t)(offset - p->len);
			continue;
		}
		n = (u16_t)(p->len - offset < len - done ? p->len - offset : len - done);
		memcpy((char *)buf + done, (char *)p->payload + offset, n);
		done = (u16_t)(done + n);
		offset = 0;
	}
	return done;
}

struct pbuf *pbuf_free_header(struct pbuf *q, u16_t size)
{
	while (q && size >= q->len) {
		struct pbuf *next = q->next;
		size = (u16_t)(size - q->len);
		free(q);
		q = next;
	}
	if (q && size) {
		q->payload = (char *)q->payload + size;
		q->len = (u16_t)(q->len - size);
		q->tot_len = (u16_t)(q->tot_len - size);
	}
	return q;
}

/* A segment from the client: its bytes to the recv callback, in one pbuf. */
static void client_sends(const char *text)
{
	size_t len = strlen(text);
	struct pbuf *p = calloc(1, sizeof(*p) + len);

	p->payload = p + 1;
	memcpy(p->payload, text, len);
	p->len = p->tot_len = (u16_t)len;
	p->ref = 1;
	assert_int_equal(conn.recv(conn.arg, &conn, p, ERR_OK), ERR_OK);
}

void altcp_arg(struct altcp_pcb *pcb, void *arg)
{
	pcb->arg = arg;
}

void altcp_recv(struct altcp_pcb *pcb, altcp_recv_fn fn)
{
	pcb->recv = fn;
}

void altcp_sent(struct altcp_pcb *pcb, altcp_sent_fn fn)
{
	pcb->sent = fn;
}

void altcp_err(struct altcp_pcb *pcb, altcp_err_fn fn)
{
	pcb->err = fn;
}

void altcp_poll(struct altcp_pcb *pcb, altcp_poll_fn fn, u8_t interval)
{
	pcb->poll = fn;
	pcb->pollinterval = interval;
}

void altcp_accept(struct altcp_pcb *pcb, altcp_accept_fn fn)
{
	pcb->accept = fn;
}

void altcp_recved(struct altcp_pcb *pcb, u16_t len)
{
	(void)pcb, (void)len;
}

void altcp_setprio(struct altcp_pcb *pcb, u8_t prio)
{
	(void)pcb, (void)prio;
}

void altcp_nagle_disable(struct altcp_pcb *pcb)
{
	(void)pcb;
}

static ip_addr_t client_ip = IPADDR4_INIT_BYTES(192, 0, 2, 1);
const ip_addr_t ip_addr_any_type = IPADDR_ANY_TYPE_INIT;

ip_addr_t *altcp_get_ip(struct altcp_pcb *pcb, int local)
{
	(void)pcb, (void)local;
	return &client_ip;
}

char *ipaddr_ntoa_r(const ip_addr_t *addr, char *buf, int len)
{
	(void)addr;
	snprintf(buf, (size_t)len, "192.0.2.1");
	return buf;
}

struct altcp_pcb *altcp_tcp_new_ip_type(u8_t type)
{
	(void)type;
	return &listener;
}

struct altcp_pcb *altcp_tls_new(struct altcp_tls_config *config, u8_t type)
{
	(void)config, (void)type;
	return NULL;
}

err_t altcp_bind(struct altcp_pcb *pcb, const ip_addr_t *ip, u16_t port)
{
	(void)pcb, (void)ip, (void)port;
	return ERR_OK;
}

struct altcp_pcb *altcp_listen_with_backlog_and_err(struct altcp_pcb *pcb, u8_t backlog, err_t *err)
{
	(void)backlog, (void)err;
	return pcb;
}

void altcp_abort(struct altcp_pcb *pcb)
{
	(void)pcb;
	tcp.closed = true;
}

err_t altcp_close(struct altcp_pcb *pcb)
{
	(void)pcb;
	tcp.closed = true;
	return ERR_OK;
}

err_t net_altcp_close(struct altcp_pcb *pcb)
{
	return altcp_close(pcb);
}

err_t net_altcp_abort(struct altcp_pcb *pcb)
{
	altcp_abort(pcb);
	return ERR_ABRT;
}

bool net_is_lan(const struct ip_addr *addr)
{
	(void)addr;
	return false;
}

void net_tcp_listener_close(struct altcp_pcb *l)
{
	(void)l;
}

void net_altcp_listen_guard(struct altcp_pcb *l)
{
	(void)l;
}

struct altcp_tls_config *tls_config(void)
{
	return NULL;
}

/* ---- the site: GET /big (a body of big_len bytes) and POST /up ---- */

static size_t big_len;
static char up_body[64];
static size_t up_len;

static void answer_text(struct http_resp *r, const char *text)
{
	r->active = true;
	r->head_len = (size_t)snprintf(r->head, sizeof(r->head), "%s", text);
	r->head_off = 0;
	r->body_left = 0;
}

static int up_take(void *ctx, const uint8_t *data, size_t len, struct http_resp *r)
{
	(void)ctx, (void)r;
	assert_true(up_len + len <= sizeof(up_body));
	memcpy(up_body + up_len, data, len);
	up_len += len;
	return 0;
}

static void up_end(void *ctx, struct http_resp *r)
{
	(void)ctx;
	answer_text(r, OK_ANSWER);
}

void http_site_answer(struct http_resp *r, const struct http_request *req,
                      const struct http_peer *peer)
{
	(void)peer;
	if (req->method_len == 4 && !memcmp(req->method, "POST", 4)) {
		r->active = true;
		r->stream = (struct http_stream){up_take, up_end, NULL, NULL, &up_len};
		r->takes_body = true;
		return;
	}
	answer_text(r, "HTTP/1.1 200 OK\r\n\r\n");
	r->body_left = big_len;
}

void http_site_error(struct http_resp *r, int status, const char *text)
{
	char head[128];

	snprintf(head, sizeof(head), "HTTP/1.1 %d Error\r\nContent-Length: %zu\r\n\r\n%s", status,
	         strlen(text), text);
	answer_text(r, head);
}

/* No answer here holds a large delta's copy (http_cache.c is not linked). */
bool http_cache_rebuilt(const struct http_cache_entry *e)
{
	(void)e;
	return false;
}

size_t http_site_body(struct http_resp *r, uint8_t *buf, size_t len)
{
	if (len > r->body_left)
		len = (size_t)r->body_left;
	memset(buf, 'x', len);
	r->body_left -= len;
	return len;
}

int http_site_skip(struct http_resp *r, uint8_t *buf, size_t len)
{
	(void)r, (void)buf, (void)len;
	return 0;
}

void http_site_done(struct http_resp *r)
{
	if (r->stream.free)
		r->stream.free(r->stream.ctx);
	memset(&r->stream, 0, sizeof(r->stream));
	r->takes_body = r->streaming = r->stream_ended = false;
	r->active = false;
}

/* Heads parsed, counted (the build wraps http_parse_request). */
static unsigned parses;
int __real_http_parse_request(const char *buf, size_t len, struct http_request *req, int *status);
int __wrap_http_parse_request(const char *buf, size_t len, struct http_request *req, int *status)
{
	parses++;
	return __real_http_parse_request(buf, len, req, status);
}

/* ---- the tests ---- */

static int setup(void **state)
{
	(void)state;
	memset(&tcp, 0, sizeof(tcp));
	memset(&conn, 0, sizeof(conn));
	tcp.sndbuf = 4096;
	up_len = 0;
	assert_int_equal(listener.accept(listener.arg, &conn, ERR_OK), ERR_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* The connection goes as a reset takes it (conn_err frees it). */
	if (!tcp.closed)
		conn.err(conn.arg, ERR_RST);
	return 0;
}

/* How often `what` occurs in what the server queued. */
static size_t count(const char *what)
{
	size_t n = 0, k = strlen(what);

	for (size_t i = 0; i + k <= tcp.out_len; i++)
		n += !memcmp(tcp.out + i, what, k);
	return n;
}

/* What the server queued from byte `from` on, as a string. */
static const char *out_from(size_t from)
{
	tcp.out[tcp.out_len] = '\0';
	return tcp.out + from;
}

/* The common case: room in the buffer, the 100 goes at once, the answer after the body. */
static void test_continue_at_once(void **state)
{
	(void)state;
	client_sends(POST_UP);
	assert_string_equal(out_from(0), GO_ON);
	client_sends("hello");
	assert_string_equal(out_from(0), GO_ON OK_ANSWER);
	assert_int_equal(up_len, 5);
}

/*
 * A GET whose answer leaves 10 bytes of the send buffer, and a POST asking
 * for a 100 pipelined behind it: what the GET's answer wrote, in bytes.
 */
static size_t get_then_post(void)
{
	tcp.sndbuf = 1000;
	big_len = 1000 - 10 - strlen("HTTP/1.1 200 OK\r\n\r\n");
	client_sends("GET /big HTTP/1.1\r\nHost: x\r\n\r\n" POST_UP);
	return tcp.out_len;
}

/*
 * A GET's answer leaves 10 bytes of the send buffer, and the POST
 * pipelined behind it asks for a 100: it cannot be queued yet. Once the
 * client acknowledges the GET's answer, it is, before the body comes.
 */
static void test_continue_when_room_comes(void **state)
{
	size_t get_len;

	(void)state;
	get_len = get_then_post();
	assert_int_equal(tcp.sndbuf, 10);
	assert_int_equal(count("100 Continue"), 0);
	ack_all();
	assert_string_equal(out_from(get_len), GO_ON);
	client_sends("hello");
	assert_string_equal(out_from(get_len), GO_ON OK_ANSWER);
}

/*
 * The same, but the client gives up waiting and sends the body before the
 * room comes (curl waits a second): the 100 owed still goes first, once,
 * and the final answer after it, never in its place.
 */
static void test_continue_before_the_answer(void **state)
{
	size_t get_len;

	(void)state;
	get_len = get_then_post();
	client_sends("hello");
	assert_int_equal(tcp.out_len, get_len);
	ack_all();
	assert_string_equal(out_from(get_len), GO_ON OK_ANSWER);
	assert_int_equal(up_len, 5);
}

/*
 * lwIP out of segments with nothing of this connection in flight: no sent
 * callback will come, so a timer tries again (as for an answer's bytes).
 */
static void test_continue_out_of_segments(void **state)
{
	(void)state;
	tcp.refuse = 1;
	client_sends(POST_UP);
	assert_int_equal(tcp.out_len, 0);
	advance(100u * 1000000u);
	assert_string_equal(out_from(0), GO_ON);
	client_sends("hello");
	assert_string_equal(out_from(0), GO_ON OK_ANSWER);
}

/*
 * A write refused for good (TLS's connection failed: ERR_CLSD), not for
 * want of segments: the connection closes after one try. Every refusal
 * was taken for ERR_MEM, and with nothing in flight the answer was tried
 * again every 20 ms, for good.
 */
static void test_write_failed_closes(void **state)
{
	(void)state;
	tcp.refuse = 1000;
	tcp.refuse_err = ERR_CLSD;
	client_sends("GET /big?100 HTTP/1.1\r\nHost: x\r\n\r\n");
	advance(1000u * 1000000u);
	assert_true(tcp.closed);
	assert_int_equal(tcp.refuse, 1000 - 1);
}

/*
 * A head of 6,000 bytes sent a byte a segment is parsed a few dozen
 * times, not once a byte (the square of its length: 0.9 s of the twin's
 * CPU for 16 KiB), and answered once whole; a bare LF in it is still
 * refused at once.
 */
static void test_head_byte_by_byte(void **state)
{
	char head[8192], one[2] = {0, 0};
	size_t n = (size_t)snprintf(head, sizeof(head), "GET /big?10 HTTP/1.1\r\nHost: x\r\n");
	(void)state;
	while (n < 6000)
		n += (size_t)snprintf(head + n, sizeof(head) - n, "X-Pad-%zu: %0300d\r\n", n, 7);
	n += (size_t)snprintf(head + n, sizeof(head) - n, "\r\n");
	big_len = 10;
	parses = 0;
	for (size_t i = 0; i < n; i++) {
		one[0] = head[i];
		client_sends(one);
	}
	printf("# %zu bytes a byte at a time: %u parses\n", n, parses);
	assert_true(parses <= n / HTTP_LOOK_STEP + 4);
	assert_int_equal(count("HTTP/1.1 200 OK"), 1);
	parses = 0;
	client_sends("GET / HTTP/1.1\n");
	assert_int_equal(parses, 1);
	assert_int_equal(count("HTTP/1.1 400"), 1);
}

/* The client half-closes (its FIN: recv with no pbuf). */
static void client_fin(void)
{
	assert_int_equal(conn.recv(conn.arg, &conn, NULL, ERR_OK), ERR_OK);
}

/*
 * A body cut short by the client's FIN gets 400 and the close, whether
 * the FIN comes while the body arrives or while an answer before it goes
 * out: it waited for the idle time's 408 in the second case, the
 * connection and a push's import held meanwhile.
 */
static void test_fin_cuts_a_body(void **state)
{
	(void)state;
	client_sends("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhe");
	client_fin();
	assert_int_equal(count("HTTP/1.1 400"), 1);
	ack_all();
	assert_true(tcp.closed);
}

static void test_fin_behind_an_answer_cuts_a_body(void **state)
{
	(void)state;
	big_len = 3 * 4096;
	client_sends("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"
	             "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhe");
	client_fin();
	for (int i = 0; i < 8 && !count("HTTP/1.1 400"); i++)
		ack_all();
	assert_int_equal(count("HTTP/1.1 400"), 1);
	ack_all();
	assert_true(tcp.closed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_continue_at_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_continue_when_room_comes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_continue_before_the_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_continue_out_of_segments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_failed_closes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_head_byte_by_byte, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fin_cuts_a_body, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fin_behind_an_answer_cuts_a_body, setup, teardown),
	};

	assert_int_equal(http_start(), 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
