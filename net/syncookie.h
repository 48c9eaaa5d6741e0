/*
 * TCP SYN cookies (RFC 4987 section 3.6). When a listener's backlog of
 * half-open connections is full, its SYN-ACK carries the connection's
 * state in its initial sequence number instead of in a pcb, and the
 * client's ACK, which returns that number plus one, brings it back. A
 * flood of SYNs from spoofed addresses then costs no memory, and a real
 * client gets in however fast the flood comes.
 *
 * The cookie, our ISN, is 32 bits:
 *
 *   bits 31-27  the time slot (64 s each) it was made in, modulo 32
 *   bits 26-24  the index of the MSS it carries (net_cookie_mss)
 *   bits 23-0   SipHash-2-4, under a secret key, of the slot, the index,
 *               both ends of the connection and the client's ISN
 *
 * A cookie is good in the slot it was made in and the next one (64 to
 * 128 s), as Linux's are. What a cookie cannot carry is what lwIP does
 * not use anyway: window scaling, SACK and timestamps; only the MSS,
 * rounded down to one of eight values. Pure functions, so they build and
 * are tested on the host; tcp_hooks.c calls them from lwIP's TCP input hook.
 */
#ifndef NET_SYNCOOKIE_H
#define NET_SYNCOOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "isn.h"

#define NET_COOKIE_SLOT_NS (64ull * 1000000000ull)
/* A cookie made in slot T is good up to slot T + NET_COOKIE_MAX_AGE. */
#define NET_COOKIE_MAX_AGE 1
/* The MSS a SYN without the option gets (RFC 9293 section 3.7.1). */
#define NET_TCP_DEFAULT_MSS 536

/* The MSS values a cookie can carry, smallest first. */
extern const uint16_t net_cookie_mss[8];

/*
 * The cookie for a SYN from `remote` to `local` with the client's ISN
 * `client_isn` and MSS option `mss`, at `now_ns` on the platform's
 * monotonic clock. It carries the largest of net_cookie_mss at or under
 * `mss` (the smallest if none is).
 */
uint32_t net_cookie_make(const uint8_t key[NET_ISN_KEY_BYTES], uint64_t now_ns,
                         const struct net_isn_end *local, const struct net_isn_end *remote,
                         uint32_t client_isn, uint16_t mss);

/*
 * The MSS `cookie` carries if it is one net_cookie_make made for this
 * connection, client ISN and key no more than NET_COOKIE_MAX_AGE slots
 * before `now_ns`; 0 if it is not.
 */
uint16_t net_cookie_check(const uint8_t key[NET_ISN_KEY_BYTES], uint64_t now_ns,
                          const struct net_isn_end *local, const struct net_isn_end *remote,
                          uint32_t client_isn, uint32_t cookie);

/*
 * The MSS option (RFC 9293 section 3.2) in a segment's TCP options, which
 * lwIP may hold in two parts: `len1` bytes at `opt1`, then `len2` at
 * `opt2` (either may be empty). NET_TCP_DEFAULT_MSS if there is none, or
 * if it says 0; parsing stops, as lwIP's does, at the end-of-options
 * option or at an option whose length is short or runs past the end.
 */
uint16_t net_tcp_opt_mss(const uint8_t *opt1, size_t len1, const uint8_t *opt2, size_t len2);

#endif
