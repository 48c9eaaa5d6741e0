/*
 * Discard (RFC 863) and chargen (RFC 864) over TCP: one-way bulk transfer,
 * so throughput can be measured in each direction apart (echo moves data
 * both ways at once). Started together with echo (`echo=on`).
 *
 * Chargen sends a fixed 72-character line pattern for as long as the peer
 * reads, filling the send buffer from the sent callback; the peer ends the
 * stream by closing. Discard acknowledges and drops everything it receives.
 */
#include <errno.h>
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
 * Queue as much of the pattern as the send buffer takes, from offset `off`;
 * the connection's callback argument carries the offset to the next call.
 */
static err_t chargen_push(struct tcp_pcb *pcb, uintptr_t off)
{
	for (;;) {
		u16_t room = tcp_sndbuf(pcb);
		u16_t n = (u16_t)(sizeof(chargen_pattern) - off);

		if (n > room)
			n = room;
		if (n == 0 || tcp_write(pcb, chargen_pattern + off, n, 0) != ERR_OK)
			break;
		off = (off + n) % sizeof(chargen_pattern);
	}
	tcp_arg(pcb, (void *)off);
	tcp_output(pcb);
	return ERR_OK;
}

static err_t chargen_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)len;
	return chargen_push(pcb, (uintptr_t)arg);
}

/*
 * Both services drop what the peer sends (returning the window at once);
 * the peer's close ends the connection.
 */
static err_t bulk_drop_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (p == NULL) {
		tcp_sent(pcb, NULL);
		tcp_recv(pcb, NULL);
		if (tcp_close(pcb) != ERR_OK) {
			tcp_abort(pcb);
			return ERR_ABRT;
		}
		return ERR_OK;
	}
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t chargen_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	tcp_sent(pcb, chargen_sent);
	tcp_recv(pcb, bulk_drop_recv);
	return chargen_push(pcb, 0);
}

static err_t discard_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	tcp_recv(pcb, bulk_drop_recv);
	return ERR_OK;
}

int net_bulk_start(uint16_t discard_port, uint16_t chargen_port)
{
	int rc;

	chargen_fill_pattern();
	rc = net_tcp_listen(discard_port, discard_accept, NULL);
	if (rc == 0)
		rc = net_tcp_listen(chargen_port, chargen_accept, NULL);
	if (rc == 0)
		plat_log("bulk", "tcp discard port %u, chargen port %u", discard_port,
		         chargen_port);
	return rc;
}
