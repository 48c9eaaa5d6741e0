/*
 * RFC 6528 initial sequence numbers with SipHash-2-4 as F (see isn.h).
 */
#include "isn.h"

#include <string.h>

/* RFC 6528 section 3: M ticks every 4 microseconds. */
#define NET_ISN_TICK_NS 4000u

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static uint64_t sip_rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/* A little-endian 64-bit word (the paper's byte order), without alignment. */
static uint64_t sip_load64(const uint8_t *p)
{
	uint64_t w = 0;
	int i;

	for (i = 7; i >= 0; i--)
		w = w << 8 | p[i];
	return w;
}

/* One SipRound (section 2 of the paper). */
static void sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = sip_rotl(s->v1, 13) ^ s->v0;
	s->v0 = sip_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = sip_rotl(s->v3, 16) ^ s->v2;
	s->v0 += s->v3;
	s->v3 = sip_rotl(s->v3, 21) ^ s->v0;
	s->v2 += s->v1;
	s->v1 = sip_rotl(s->v1, 17) ^ s->v2;
	s->v2 = sip_rotl(s->v2, 32);
}

/* Absorb one message word with c = 2 rounds. */
static void sip_absorb(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t net_siphash24(const uint8_t key[NET_ISN_KEY_BYTES], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = sip_load64(key), k1 = sip_load64(key + 8), last;
	struct sip_state s = {
	    /* "somepseudorandomlygeneratedbytes" */
	    .v0 = k0 ^ 0x736f6d6570736575ull,
	    .v1 = k1 ^ 0x646f72616e646f6dull,
	    .v2 = k0 ^ 0x6c7967656e657261ull,
	    .v3 = k1 ^ 0x7465646279746573ull,
	};
	size_t i, tail;

	for (i = 0; i + 8 <= len; i += 8)
		sip_absorb(&s, sip_load64(p + i));
	/* The final word: the last len mod 8 bytes, and len mod 256 on top. */
	last = (uint64_t)(len & 0xff) << 56;
	for (tail = 0; i + tail < len; tail++)
		last |= (uint64_t)p[i + tail] << (8 * tail);
	sip_absorb(&s, last);
	/* Finalization: d = 4 rounds. */
	s.v2 ^= 0xff;
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

size_t net_isn_put_end(uint8_t *buf, const struct net_isn_end *end)
{
	size_t len = end->addr_len > sizeof(end->addr) ? sizeof(end->addr) : end->addr_len;

	buf[0] = (uint8_t)len;
	memcpy(buf + 1, end->addr, len);
	buf[1 + len] = (uint8_t)(end->port >> 8);
	buf[2 + len] = (uint8_t)end->port;
	return 3 + len;
}

uint32_t net_isn(const uint8_t key[NET_ISN_KEY_BYTES], uint64_t now_ns,
                 const struct net_isn_end *local, const struct net_isn_end *remote)
{
	uint8_t msg[2 * NET_ISN_END_BYTES];
	size_t len = net_isn_put_end(msg, local);
	uint64_t f;

	len += net_isn_put_end(msg + len, remote);
	f = net_siphash24(key, msg, len);
	return (uint32_t)(now_ns / NET_ISN_TICK_NS) + (uint32_t)(f ^ (f >> 32));
}
