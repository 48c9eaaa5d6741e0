/*
 * TCP initial sequence numbers (RFC 6528 section 3):
 *
 *   ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
 *
 * M is a timer that ticks every 4 microseconds; F is SipHash-2-4 keyed
 * with a secret drawn once from the platform's seeded generator. An
 * off-path attacker who sees the ISNs of its own connections learns
 * nothing about those of another 4-tuple, while the ISNs of one 4-tuple
 * still grow with time, as RFC 793 needs for reused connection ids.
 * Pure functions, so they build and are tested on the host; tcp_hooks.c hands
 * lwIP's LWIP_HOOK_TCP_ISN to net_isn().
 */
#ifndef NET_ISN_H
#define NET_ISN_H

#include <stddef.h>
#include <stdint.h>

#define NET_ISN_KEY_BYTES 16

/* One side of a connection: an IPv4 (4 bytes) or IPv6 (16) address. */
struct net_isn_end {
	uint8_t addr[16];
	uint8_t addr_len;
	uint16_t port;
};

/*
 * SipHash-2-4 of `len` bytes at `data` under a 16-byte key (Aumasson and
 * Bernstein, "SipHash: a fast short-input PRF", 2012).
 */
uint64_t net_siphash24(const uint8_t key[NET_ISN_KEY_BYTES], const void *data, size_t len);

/*
 * Append `end` to `buf` as F's input holds it: its address length, the
 * address and the port, big-endian. Returns the bytes written, at most
 * NET_ISN_END_BYTES.
 */
#define NET_ISN_END_BYTES (3 + 16)
size_t net_isn_put_end(uint8_t *buf, const struct net_isn_end *end);

/*
 * The ISN for a connection from `local` to `remote` at `now_ns`
 * nanoseconds on the platform's monotonic clock.
 */
uint32_t net_isn(const uint8_t key[NET_ISN_KEY_BYTES], uint64_t now_ns,
                 const struct net_isn_end *local, const struct net_isn_end *remote);

#endif
