/*
 * The wire for unit tests that run lwIP's own ip4_input and tcp_input
 * (the twin's sanitized objects, net/module.mk): the platform as far as
 * lwIP and net/'s hooks ask, segments made for lwIP with their
 * checksums, and each segment lwIP sends read back, its checksum
 * checked. No driver: the test is the client, at WIRE_CLIENT_IP.
 */
#ifndef TESTS_UNIT_NET_WIRE_H
#define TESTS_UNIT_NET_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/netif.h"
#include "lwip/pbuf.h"

#define WIRE_SERVER_IP 0xc0000202u /* 192.0.2.2, lwIP's */
#define WIRE_CLIENT_IP 0xc0000201u /* 192.0.2.1 */

/* A segment lwIP sent. */
struct wire_seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t mss; /* its MSS option (net_tcp_opt_mss) */
	uint16_t len; /* its data's */
};

/* What lwIP sent since the test's last look (it sets wire_nsent to 0): more than 8 fails it. */
extern struct wire_seg wire_sent[8];
extern unsigned wire_nsent;

/* The platform clock lwIP's timers read (sys_now), in ns. */
extern uint64_t wire_clock_ns;

/* lwIP started, with one interface at WIRE_SERVER_IP whose output is the wire. */
void wire_up(void);

/*
 * A segment from the client (WIRE_CLIENT_IP:cport to port `port`) in one
 * pbuf, or in two with the second from byte `split` of the TCP segment
 * on (0: one). `opts` are its options, a multiple of 4; `data` may be NULL.
 */
struct pbuf *wire_packet(uint16_t cport, uint16_t port, uint32_t seq, uint32_t ack, uint8_t flags,
                         const uint8_t *opts, size_t optlen, const char *data, size_t split);

/* The packet to lwIP as a frame from the device is (net/netif.c, netif_rx). */
void wire_deliver(struct pbuf *p);

/*
 * What a test left, a failed one too: every connection aborted (the
 * resets go uncounted), *listener closed and NULL, wire_nsent 0.
 */
struct tcp_pcb;
void wire_clear(struct tcp_pcb **listener);

#endif
