/*
 * Bytes received on a TCP connection that its service has not read yet,
 * copied out of lwIP's pbufs as they come.
 *
 * A pbuf of lwIP's receive pool holds PBUF_POOL_BUFSIZE (1,536) bytes
 * whatever its segment carries, and the pool has PBUF_POOL_SIZE (128) of
 * them for every frame the appliance receives. A service that kept the
 * pbufs of what it has not read yet let one client sending a byte a
 * segment hold the whole pool with a few hundred bytes: every frame after
 * that, UDP's and ARP's included, was dropped. A queue takes each pbuf's
 * bytes and frees it at once.
 *
 * Memory: what is not read yet, in one buffer. A service reopens the TCP
 * window only for what it reads, so that is at most TCP_WND (62 KiB) a
 * connection; a queue emptied gives a buffer larger than
 * NET_RXQ_KEEP back.
 */
#ifndef NET_RXQ_H
#define NET_RXQ_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/pbuf.h"

#define NET_RXQ_KEEP 2048

struct net_rxq {
	uint8_t *b;
	size_t off, len, cap; /* the bytes not read are b[off, off + len) */
};

/* Append the bytes of `p`, which is freed whatever happens: -ENOMEM if they do not fit. */
int net_rxq_put(struct net_rxq *q, struct pbuf *p);
/* Copy up to n bytes from `off` on into buf: how many there were. */
size_t net_rxq_copy(const struct net_rxq *q, void *buf, size_t n, size_t off);
/* Forget the first n bytes (at most all). */
void net_rxq_drop(struct net_rxq *q, size_t n);
void net_rxq_free(struct net_rxq *q);

static inline size_t net_rxq_len(const struct net_rxq *q)
{
	return q->len;
}

#endif
