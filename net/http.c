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

#include "http_int.h"
#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "net.h"
#include "plat/conf.h"
#include "plat/plat.h"

#define HTTP_PORT 80
#define HTTP_PIECE 4096

static struct altcp_pcb *http_listener;
struct http_stats http_stats;
/* Every connection, so a shutdown can close the idle ones. */
static struct http_conn *http_conns;

static bool http_stopping;

static void conn_free(struct http_conn *c)
{
	plat_timer_cancel(&c->deadline);
	http_site_done(&c->resp);
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

/* Close now: a reset if a clean close cannot be queued. */
static void conn_close(struct http_conn *c)
{
	struct altcp_pcb *pcb = c->pcb;

	altcp_arg(pcb, NULL);
	altcp_recv(pcb, NULL);
	altcp_sent(pcb, NULL);
	altcp_err(pcb, NULL);
	altcp_poll(pcb, NULL, 0);
	if (altcp_close(pcb) != ERR_OK)
		altcp_abort(pcb);
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

static void conn_late(void *arg)
{
	struct http_conn *c = arg;

	if (c->state == CONN_HEAD && c->in_len > 0 && !c->resp.active) {
		/* A head that does not finish in time: 408, as for a slow client. */
		http_site_error(&c->resp, 408, "the request head took too long\n");
		c->resp.close = true;
		http_conn_send(c);
		return;
	}
	conn_close(c);
}

static void conn_arm(struct http_conn *c, uint64_t ns)
{
	plat_timer_arm(&c->deadline, plat_now_ns() + ns, conn_late, c);
}

/* Queue what the socket takes of the head, then of the body; 1 when all is out. */
static int send_some(struct http_conn *c)
{
	/* One loop, one thread: the piece in flight is shared by every connection. */
	static uint8_t piece[HTTP_PIECE];
	struct http_resp *r = &c->resp;

	while (altcp_sndbuf(c->pcb) > 0) {
		size_t room = altcp_sndbuf(c->pcb), n;
		if (r->head_off < r->head_len) {
			n = r->head_len - r->head_off < room ? r->head_len - r->head_off : room;
			if (altcp_write(c->pcb, r->head + r->head_off, (u16_t)n,
			                TCP_WRITE_FLAG_COPY) != ERR_OK)
				break;
			r->head_off += n;
			http_stats.bytes_sent += n;
			continue;
		}
		if (r->body_left == 0)
			return 1;
		n = room < sizeof(piece) ? room : sizeof(piece);
		if ((n = http_site_body(r, piece, n)) == 0)
			return -1; /* the store failed mid-body: only closing can tell the client */
		if (altcp_write(c->pcb, piece, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			return -1;
		http_stats.bytes_sent += n;
	}
	return r->head_off == r->head_len && r->body_left == 0;
}

static void conn_next(struct http_conn *c);
static err_t conn_sent(void *arg, struct altcp_pcb *pcb, u16_t len);

void http_conn_send(struct http_conn *c)
{
	int r = send_some(c);

	altcp_output(c->pcb);
	if (r < 0) {
		conn_close(c);
		return;
	}
	if (r == 0)
		return; /* the sent callback comes back for more */
	http_site_done(&c->resp);
	if (http_stopping) {
		/* Shutting down: close once the peer has it all (the machine stops after). */
		c->state = CONN_DRAIN;
		conn_sent(c, c->pcb, 0);
		return;
	}
	if (c->resp.close) {
		conn_close(c);
		return;
	}
	c->state = CONN_HEAD;
	/* Idle until the next head, or that head's own time if part of it is here. */
	conn_arm(c, c->in_len ? HTTP_HEAD_NS : HTTP_IDLE_NS);
	conn_next(c);
}

/* A head in the buffer: answer it, and keep what follows (pipelining). */
static void conn_next(struct http_conn *c)
{
	struct http_request req;
	int status = 0, n;

	if (c->state != CONN_HEAD || c->in_len == 0)
		return;
	n = http_parse_request(c->in, c->in_len, &req, &status);
	if (n == HTTP_INCOMPLETE) {
		if (c->in_len == sizeof(c->in))
			n = HTTP_BAD, status = 431;
		else
			return;
	}
	c->state = CONN_BODY;
	if (n == HTTP_BAD || http_request_check(&req, &status)) {
		http_site_error(&c->resp, status, "bad request\n");
		c->resp.close = true;
	} else {
		http_site_answer(&c->resp, &req, net_is_lan(altcp_get_ip(c->pcb, 0)));
		memmove(c->in, c->in + n, c->in_len - (size_t)n);
		c->in_len -= (size_t)n;
	}
	plat_timer_cancel(&c->deadline);
	http_conn_send(c);
}

static err_t conn_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct http_conn *c = arg;
	size_t room;

	if (!c) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p || err != ERR_OK) {
		if (p)
			pbuf_free(p);
		conn_close(c);
		return ERR_OK;
	}
	/* A new head's first bytes start its clock (a slow client has HTTP_HEAD_NS in all). */
	if (c->state == CONN_HEAD && c->in_len == 0 && p->tot_len > 0)
		conn_arm(c, HTTP_HEAD_NS);
	room = sizeof(c->in) - c->in_len;
	/* More than the head buffer holds while one is pending: 431 once it is parsed. */
	c->in_len += pbuf_copy_partial(p, c->in + c->in_len,
	                               (u16_t)(p->tot_len < room ? p->tot_len : room), 0);
	altcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	conn_next(c);
	return ERR_OK;
}

static err_t conn_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
	struct http_conn *c = arg;

	(void)len;
	if (c && c->state == CONN_BODY)
		http_conn_send(c);
	else if (c && c->state == CONN_DRAIN && altcp_sndqueuelen(pcb) == 0)
		conn_close(c);
	return ERR_OK;
}

static void conn_err(void *arg, err_t err)
{
	(void)err;
	/* The pcb is already gone. */
	if (arg)
		conn_free(arg);
}

static err_t http_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
	struct http_conn *c;

	(void)arg;
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
		altcp_close(http_listener);
		http_listener = NULL;
	}
	http_stopping = true;
	http_conn_close_idle();
	plat_log("http", "stopped accepting; %u connection(s) finishing", http_stats.conns);
	return http_stats.conns ? PLAT_SHUTDOWN_PENDING : 0;
}

int http_start(void)
{
	char v[8];
	struct altcp_pcb *pcb;

	if (plat_config_get("http", v, sizeof(v)) == 0 && !strcmp(v, "off")) {
		plat_log("http", "off (appliance.conf)");
		return 0;
	}
	if (!(pcb = altcp_tcp_new_ip_type(IPADDR_TYPE_ANY)))
		return -ENOMEM;
	if (altcp_bind(pcb, IP_ANY_TYPE, HTTP_PORT) != ERR_OK) {
		altcp_close(pcb);
		return -EADDRINUSE;
	}
	if (!(http_listener = altcp_listen_with_backlog(pcb, 8))) {
		altcp_close(pcb);
		return -ENOMEM;
	}
	altcp_accept(http_listener, http_accept);
	http_stats.started_ns = plat_now_ns();
	plat_log("http", "tcp port %d, at most %d connections", HTTP_PORT, HTTP_MAX_CONNS);
	return 0;
}
