/* Received bytes a service has not read, out of lwIP's pbufs (rxq.h). */
#include "rxq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Room for `more` bytes behind the ones there: moved to the front, or a larger buffer. */
static int room(struct net_rxq *q, size_t more)
{
	size_t need = q->len + more, cap;
	uint8_t *b;

	if (more > SIZE_MAX / 2 - q->len)
		return -ENOMEM;
	if (q->off + need <= q->cap)
		return 0;
	if (need <= q->cap) {
		memmove(q->b, q->b + q->off, q->len);
		q->off = 0;
		return 0;
	}
	cap = q->cap * 2 > need ? q->cap * 2 : need;
	if (!(b = malloc(cap)))
		return -ENOMEM;
	if (q->len)
		memcpy(b, q->b + q->off, q->len);
	free(q->b);
	q->b = b;
	q->off = 0;
	q->cap = cap;
	return 0;
}

int net_rxq_put(struct net_rxq *q, struct pbuf *p)
{
	int r = room(q, p->tot_len);

	if (!r) {
		pbuf_copy_partial(p, q->b + q->off + q->len, p->tot_len, 0);
		q->len += p->tot_len;
	}
	pbuf_free(p);
	return r;
}

size_t net_rxq_copy(const struct net_rxq *q, void *buf, size_t n, size_t off)
{
	if (off >= q->len)
		return 0;
	if (n > q->len - off)
		n = q->len - off;
	memcpy(buf, q->b + q->off + off, n);
	return n;
}

void net_rxq_drop(struct net_rxq *q, size_t n)
{
	if (n > q->len)
		n = q->len;
	q->off += n;
	q->len -= n;
	if (q->len)
		return;
	q->off = 0;
	if (q->cap > NET_RXQ_KEEP)
		net_rxq_free(q);
}

void net_rxq_free(struct net_rxq *q)
{
	free(q->b);
	*q = (struct net_rxq){0};
}
