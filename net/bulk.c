/*
 * Discard (RFC 863) and chargen (RFC 864) over TCP: one-way bulk transfer,
 * so throughput can be measured in each direction apart (echo moves data
 * both ways at once). Started together with echo (`echo=on`).
 *
 * Chargen sends a fixed 72-character line pattern for as long as the peer
 * reads, filling the send buffer from the sent callback; the peer ends the
 * stream by closing. Discard acknowledges and drops everything it receives.
 * Both count against the diagnostic services' NET_DIAG_CONNS (net_int.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/tcp.h"
#include "net_int.h"
#include "plat/plat.h"

/* RFC 864: 72 printable characters then CR LF, rotating by one per line. */
#define CHARGEN_LINE 74
#define CHARGEN_LINES 95
static char chargen_pattern[CHARGEN_LINE * CHARGEN_LINES];

static void chargen_fill_pattern(void)
{
	int line, i;

	for (line = 0; line < CHARGEN_LINES; line++) {
		char *l = chargen_pattern + line * CHARGEN_LINE;

		for (i = 0; i < 72; i++)
			l[i] = (char)(' ' + (line + i) % 95);
		l[72] = '\r';
		l[73] = '\n';
	}
}

/*
 * A connection's state. A chargen client that takes less than
 * BULK_PROGRESS_MIN bytes in BULK_STALL_POLLS seconds, or a discard client
 * that sends nothing for BULK_IDLE_POLLS, is reset: either would otherwise
 * keep one of the NET_DIAG_CONNS for good.
 */
#define BULK_POLL_INTERVAL NET_TCP_POLLS_PER_S /* once a second */
#define BULK_STALL_POLLS 30
#define BULK_IDLE_POLLS 60
#define BULK_PROGRESS_MIN 1024

struct bulk_conn {
	size_t off;     /* chargen: where the next write starts in the pattern */
	size_t taken;   /* chargen: acknowledged since the last poll that saw progress */
	unsigned polls; /* polls since the last progress */
};

/* Queue as much of the pattern as the send buffer takes. */
static void chargen_push(struct tcp_pcb *pcb, struct bulk_conn *c)
{
	for (;;) {
		u16_t room = tcp_sndbuf(pcb);
		u16_t n = (u16_t)(sizeof(chargen_pattern) - c->off);

		if (n > room)
			n = room;
		if (n == 0 || tcp_write(pcb, chargen_pattern + c->off, n, 0) != ERR_OK)
			break;
		c->off = (c->off + n) % sizeof(chargen_pattern);
	}
	tcp_output(pcb);
}

static err_t chargen_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct bulk_conn *c = arg;

	c->taken += len;
	chargen_push(pcb, c);
	return ERR_OK;
}

static void bulk_forget(struct tcp_pcb *pcb, struct bulk_conn *c)
{
	tcp_arg(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
	free(c);
	net_diag_release();
}

/* From a callback of pcb's, which returns what this does. */
static err_t bulk_abort(struct tcp_pcb *pcb, struct bulk_conn *c)
{
	bulk_forget(pcb, c);
	return net_tcp_abort(pcb);
}

/*
 * Both services drop what the peer sends (returning the window at once).
 * The peer's close ends the connection: discard closes (it queued
 * nothing); chargen resets, which drops what it still had queued instead
 * of leaving lwIP to hold it for a peer that has stopped reading.
 */
static err_t bulk_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct bulk_conn *c = arg;

	(void)err;
	if (p == NULL) {
		if (pcb->unsent != NULL || pcb->unacked != NULL || net_tcp_close(pcb) != ERR_OK)
			return bulk_abort(pcb, c);
		bulk_forget(pcb, c);
		return ERR_OK;
	}
	c->polls = 0;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t chargen_poll(void *arg, struct tcp_pcb *pcb)
{
	struct bulk_conn *c = arg;

	if (c->taken >= BULK_PROGRESS_MIN) {
		c->taken = 0;
		c->polls = 0;
	} else if (++c->polls >= BULK_STALL_POLLS) {
		return bulk_abort(pcb, c);
	}
	chargen_push(pcb, c);
	return ERR_OK;
}

static err_t discard_poll(void *arg, struct tcp_pcb *pcb)
{
	struct bulk_conn *c = arg;

	if (++c->polls >= BULK_IDLE_POLLS)
		return bulk_abort(pcb, c);
	return ERR_OK;
}

/* The pcb is already gone when lwIP reports an error. */
static void bulk_err(void *arg, err_t err)
{
	(void)err;
	free(arg);
	net_diag_release();
}

static err_t bulk_accept(struct tcp_pcb *pcb, err_t err, tcp_poll_fn poll, struct bulk_conn **out)
{
	struct bulk_conn *c;

	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	c = net_diag_accept(pcb, sizeof(*c));
	if (c == NULL)
		return ERR_ABRT;
	tcp_arg(pcb, c);
	tcp_recv(pcb, bulk_recv);
	tcp_err(pcb, bulk_err);
	tcp_poll(pcb, poll, BULK_POLL_INTERVAL);
	*out = c;
	return ERR_OK;
}

static err_t chargen_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct bulk_conn *c;
	err_t rc = bulk_accept(pcb, err, chargen_poll, &c);

	(void)arg;
	if (rc != ERR_OK)
		return rc;
	tcp_sent(pcb, chargen_sent);
	chargen_push(pcb, c);
	return ERR_OK;
}

static err_t discard_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct bulk_conn *c;

	(void)arg;
	return bulk_accept(pcb, err, discard_poll, &c);
}

int net_bulk_start(uint16_t discard_port, uint16_t chargen_port)
{
	int rc;

	chargen_fill_pattern();
	rc = net_tcp_listen(discard_port, NET_DIAG_CONNS, discard_accept, NULL);
	if (rc == 0)
		rc = net_tcp_listen(chargen_port, NET_DIAG_CONNS, chargen_accept, NULL);
	if (rc == 0)
		plat_log("bulk", "tcp discard port %u, chargen port %u", discard_port,
		         chargen_port);
	return rc;
}
