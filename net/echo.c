/*
 * Echo (RFC 862) over TCP and UDP: the first service, proof that the stack
 * moves data both ways intact.
 *
 * TCP flow control: received data is kept (as lwIP's pbufs) until it has
 * been copied into the send buffer, and only then acknowledged to lwIP with
 * tcp_recved(). A client that sends faster than it reads therefore sees our
 * receive window close instead of us buffering without bound.
 *
 * Echo, discard and chargen share NET_DIAG_CONNS connections (net_int.h);
 * the count lives here.
 */
#include <errno.h>
#include <stdlib.h>

#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "net_int.h"
#include "plat/plat.h"

/* Give up on a peer that neither reads nor sends for this long. */
#define ECHO_POLL_INTERVAL NET_TCP_POLLS_PER_S /* once a second */
#define ECHO_IDLE_POLLS 60                     /* one minute */

struct echo_conn {
	struct tcp_pcb *pcb;
	struct pbuf *pending; /* received, not yet in the send buffer */
	bool peer_closed;
	unsigned idle;
};

static void echo_free(struct echo_conn *c)
{
	if (c->pending)
		pbuf_free(c->pending);
	free(c);
	net_diag_release();
}

/*
 * Close our side. If the close failed (on an open connection it does not:
 * net_int.h) lwIP would keep the pcb: stay registered and let the poll
 * try again, so nothing queued is lost.
 */
static err_t echo_close(struct echo_conn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	if (net_tcp_close(pcb) != ERR_OK)
		return ERR_OK;
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
	echo_free(c);
	return ERR_OK;
}

/*
 * Give up on the connection from inside a callback, which returns what
 * this does; `c` goes with it (echo_err, called by the reset).
 */
static err_t echo_abort(struct echo_conn *c)
{
	return net_tcp_abort(c->pcb);
}

/*
 * Log the first TCP reply once, on the platform clock (in the guest: time
 * since the domain was created), for the start-up benchmark.
 */
static void echo_note_first_reply(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	plat_log("echo", "first tcp reply %llu ms after start",
	         (unsigned long long)(plat_now_ns() / 1000000));
}

/* Move pending bytes into the send buffer as far as it has room. */
static err_t echo_flush(struct echo_conn *c)
{
	u16_t moved = 0;

	while (c->pending != NULL) {
		struct pbuf *p = c->pending;
		u16_t room = tcp_sndbuf(c->pcb);
		u16_t n = p->len < room ? p->len : room;
		err_t err;

		if (n == 0)
			break;
		err = tcp_write(c->pcb, p->payload, n,
		                TCP_WRITE_FLAG_COPY | (n < p->tot_len ? TCP_WRITE_FLAG_MORE : 0));
		if (err == ERR_MEM)
			break; /* queue full: the sent callback tries again */
		if (err != ERR_OK)
			return err;
		c->pending = pbuf_free_header(p, n);
		moved = (u16_t)(moved + n);
	}
	if (moved > 0) {
		/* Only now does the peer get this much window back. */
		tcp_recved(c->pcb, moved);
		c->idle = 0;
		echo_note_first_reply();
	}
	/*
	 * An error here means the device queue was full: the segments stay
	 * queued and lwIP sends them from its timers, so it is not fatal.
	 */
	tcp_output(c->pcb);
	return ERR_OK;
}

/*
 * Echo what can be echoed; once the peer closed and has taken everything,
 * close our side too (a close with data still queued would leave lwIP
 * holding it, uncounted, for as long as the peer keeps its window shut).
 * Returns what the calling callback must return.
 */
static err_t echo_progress(struct echo_conn *c)
{
	if (echo_flush(c) != ERR_OK)
		return echo_abort(c);
	if (c->peer_closed && c->pending == NULL && c->pcb->unsent == NULL &&
	    c->pcb->unacked == NULL)
		return echo_close(c);
	return ERR_OK;
}

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct echo_conn *c = arg;

	(void)pcb;
	(void)err; /* lwIP 2.1 only ever passes ERR_OK here */
	if (p == NULL)
		c->peer_closed = true;
	else if (c->pending == NULL)
		c->pending = p;
	else
		pbuf_cat(c->pending, p);
	c->idle = 0;
	return echo_progress(c);
}

static err_t echo_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct echo_conn *c = arg;

	(void)pcb;
	if (len > 0)
		c->idle = 0;
	return echo_progress(c);
}

static err_t echo_poll(void *arg, struct tcp_pcb *pcb)
{
	struct echo_conn *c = arg;

	(void)pcb;
	if (++c->idle > ECHO_IDLE_POLLS)
		return echo_abort(c);
	return echo_progress(c);
}

/* The pcb is already gone when lwIP reports an error. */
static void echo_err(void *arg, err_t err)
{
	(void)err;
	echo_free(arg);
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct echo_conn *c;

	(void)arg;
	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	c = net_diag_accept(pcb, sizeof(*c));
	if (c == NULL)
		return ERR_ABRT;
	c->pcb = pcb;
	tcp_arg(pcb, c);
	tcp_recv(pcb, echo_recv);
	tcp_sent(pcb, echo_sent);
	tcp_err(pcb, echo_err);
	tcp_poll(pcb, echo_poll, ECHO_POLL_INTERVAL);
	tcp_nagle_disable(pcb);
	return ERR_OK;
}

static void echo_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                          u16_t port)
{
	(void)arg;
	/* The datagram goes back as it came; a full queue loses it, as UDP may. */
	udp_sendto(pcb, p, addr, port);
	pbuf_free(p);
}

static unsigned diag_conns;

void *net_diag_accept(struct tcp_pcb *pcb, size_t size)
{
	void *c = NULL;

	if (diag_conns < NET_DIAG_CONNS)
		c = calloc(1, size);
	if (c == NULL) {
		tcp_abort(pcb);
		return NULL;
	}
	diag_conns++;
	return c;
}

void net_diag_release(void)
{
	diag_conns--;
}

unsigned net_diag_open(void)
{
	return diag_conns;
}

int net_tcp_listen(uint16_t port, uint8_t backlog, tcp_accept_fn accept, struct tcp_pcb **listener)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_ANY), *lpcb;

	if (pcb == NULL)
		return -ENOMEM;
	ip_set_option(pcb, SOF_REUSEADDR);
	if (tcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK)
		goto close_pcb;
	lpcb = tcp_listen_with_backlog(pcb, backlog);
	if (lpcb == NULL)
		goto close_pcb;
	tcp_accept(lpcb, accept);
	if (listener)
		*listener = lpcb;
	return 0;
close_pcb:
	tcp_close(pcb);
	return -EADDRINUSE;
}

static int echo_udp_start(uint16_t port)
{
	struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_ANY);

	if (pcb == NULL)
		return -ENOMEM;
	if (udp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK) {
		udp_remove(pcb);
		return -EADDRINUSE;
	}
	udp_recv(pcb, echo_udp_recv, NULL);
	return 0;
}

int net_echo_start(uint16_t port)
{
	int rc = net_tcp_listen(port, NET_DIAG_CONNS, echo_accept, NULL);

	if (rc == 0)
		rc = echo_udp_start(port);
	if (rc == 0)
		plat_log("echo", "tcp and udp port %u", port);
	return rc;
}
