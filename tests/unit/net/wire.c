/* The wire for unit tests inside lwIP: wire.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "net_int.h"
#include "plat/plat.h"
#include "syncookie.h"
#include "wire.h"

/* ---- the platform, as far as lwIP and the hooks ask ---- */

uint64_t wire_clock_ns = 100 * 1000000000ull;

uint64_t plat_now_ns(void)
{
	return wire_clock_ns;
}

int plat_random(void *buf, size_t len)
{
	static uint8_t next = 1;

	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = next++;
	return 0;
}

uint32_t net_rand(void)
{
	uint32_t r;

	plat_random(&r, sizeof(r));
	return r;
}

u32_t sys_now(void)
{
	return (u32_t)(wire_clock_ns / 1000000);
}

void net_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void plat_log(const char *module, const char *fmt, ...)
{
	(void)module;
	(void)fmt;
}

void plat_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* lwIP's DHCP and ND6 hooks (lwipopts.h): no DHCP here, no IPv6 router. */
void net_dhcp_sent(const struct dhcp *dhcp, uint8_t msg_type)
{
	(void)dhcp;
	(void)msg_type;
}

const struct ip6_addr *net_ip6_gateway(struct netif *netif, const struct ip6_addr *dest)
{
	(void)netif;
	(void)dest;
	return NULL;
}

/* ---- the wire: what lwIP sends, and segments made for it ---- */

struct wire_seg wire_sent[8];
unsigned wire_nsent;

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The Internet checksum's ones' complement sum of `len` bytes, onto `sum`. */
static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t sum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * The TCP checksum of the `tlen`-byte segment at `t` in the IPv4 packet
 * `ip` (RFC 9293 section 3.1, its pseudo-header): the value for its
 * checksum field while that is 0, and 0 once it holds the right one.
 */
static uint16_t tcp_sum(const uint8_t *ip, const uint8_t *t, size_t tlen)
{
	return sum_fold(sum_bytes(sum_bytes(0, ip + 12, 8) + 6 + (uint32_t)tlen, t, tlen));
}

/* netif->output: each IPv4 packet lwIP sends, its TCP header read back. */
static err_t wire_output(struct netif *nif, struct pbuf *p, const ip4_addr_t *dst)
{
	uint8_t pkt[1600];
	u16_t n = pbuf_copy_partial(p, pkt, sizeof(pkt), 0);
	const uint8_t *t = pkt + (pkt[0] & 15) * 4;
	size_t tlen = n - (size_t)(t - pkt), hlen;
	struct wire_seg *s = &wire_sent[wire_nsent];

	(void)nif;
	(void)dst;
	assert_true(wire_nsent < sizeof(wire_sent) / sizeof(wire_sent[0]));
	assert_true(n == p->tot_len && n >= 40 && pkt[9] == 6);
	hlen = (size_t)(t[12] >> 4) * 4;
	assert_true(hlen >= 20 && hlen <= tlen);
	assert_int_equal(tcp_sum(pkt, t, tlen), 0);
	s->sport = get16(t);
	s->dport = get16(t + 2);
	s->seq = get32(t + 4);
	s->ack = get32(t + 8);
	s->flags = t[13] & 0x3f;
	s->mss = net_tcp_opt_mss(t + 20, hlen - 20, NULL, 0);
	s->len = (uint16_t)(tlen - hlen);
	wire_nsent++;
	return ERR_OK;
}

static struct netif nif;

static err_t wire_init(struct netif *n)
{
	n->output = wire_output;
	n->mtu = 1500;
	n->flags = NETIF_FLAG_BROADCAST;
	return ERR_OK;
}

struct pbuf *wire_packet(uint16_t cport, uint16_t port, uint32_t seq, uint32_t ack, uint8_t flags,
                         const uint8_t *opts, size_t optlen, const char *data, size_t split)
{
	uint8_t pkt[200];
	size_t dlen = data ? strlen(data) : 0, tlen = 20 + optlen + dlen, n = 20 + tlen;
	uint8_t *t = pkt + 20;
	size_t cut;
	struct pbuf *p, *q;

	assert_true(n <= sizeof(pkt) && optlen % 4 == 0 && optlen <= 40);
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45;
	put16(pkt + 2, (uint16_t)n);
	pkt[8] = 64;
	pkt[9] = 6;
	put32(pkt + 12, WIRE_CLIENT_IP);
	put32(pkt + 16, WIRE_SERVER_IP);
	put16(pkt + 10, sum_fold(sum_bytes(0, pkt, 20)));
	put16(t, cport);
	put16(t + 2, port);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)((20 + optlen) / 4 << 4);
	t[13] = flags;
	put16(t + 14, 29200);
	if (optlen)
		memcpy(t + 20, opts, optlen);
	memcpy(t + 20 + optlen, data ? data : "", dlen);
	put16(t + 16, tcp_sum(pkt, t, tlen));
	cut = split ? 20 + split : n;
	p = pbuf_alloc(PBUF_RAW, (u16_t)cut, PBUF_RAM);
	assert_non_null(p);
	memcpy(p->payload, pkt, cut);
	if (cut < n) {
		q = pbuf_alloc(PBUF_RAW, (u16_t)(n - cut), PBUF_RAM);
		assert_non_null(q);
		memcpy(q->payload, pkt + cut, n - cut);
		pbuf_cat(p, q);
	}
	return p;
}

void wire_deliver(struct pbuf *p)
{
	ip4_input(p, &nif);
	net_tcp_input_done();
}

void wire_clear(struct tcp_pcb **listener)
{
	while (tcp_active_pcbs)
		tcp_abort(tcp_active_pcbs);
	if (*listener)
		tcp_close(*listener);
	*listener = NULL;
	wire_nsent = 0;
}

void wire_up(void)
{
	ip4_addr_t ip, mask, gw;

	lwip_init();
	ip4_addr_set_u32(&ip, lwip_htonl(WIRE_SERVER_IP));
	ip4_addr_set_u32(&mask, lwip_htonl(0xffffff00u));
	ip4_addr_set_u32(&gw, lwip_htonl(WIRE_CLIENT_IP));
	netif_add(&nif, &ip, &mask, &gw, NULL, wire_init, ip4_input);
	netif_set_default(&nif);
	netif_set_up(&nif);
	netif_set_link_up(&nif);
}
