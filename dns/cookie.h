/*
 * DNS Cookies (RFC 7873) with the interoperable Server Cookie of RFC 9018:
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012) and the 16-octet cookie made and checked with it. Nothing here
 * allocates or reads a clock: the caller passes the time, so the tests can
 * stand at any second they like.
 *
 * Memory: struct dns_cookies is 34 bytes (two 16-byte secrets, two flags);
 * the server keeps one.
 *
 * What the server answers for each outcome of dns_cookie_check, over UDP
 * and TCP alike (RFC 7873 5.2; the option is only ever read from a query
 * that has EDNS):
 *
 *   NONE           no COOKIE option: answer as if cookies did not exist,
 *                  and send none back (RFC 7873 5.2.1).
 *   CLIENT_ONLY    answer normally with a fresh Server Cookie from
 *                  dns_cookie_make (RFC 7873 5.2.3, its third choice).
 *   VALID          answer normally; the Server Cookie the client sent may
 *                  be echoed as it is (RFC 9018 4.3 lets a server reuse a
 *                  cookie younger than half an hour).
 *   VALID_REFRESH  answer normally with a fresh Server Cookie: the one sent
 *                  is older than half an hour, or was made with the
 *                  previous secret (RFC 9018 4.3 and 5).
 *   BAD            answer normally with a fresh Server Cookie, as if only
 *                  the Client Cookie had come (RFC 7873 5.2.4 allows it).
 *
 * We never answer BADCOOKIE and never drop for a cookie's sake. This is an
 * authoritative server whose answers are public: a BADCOOKIE costs an
 * honest resolver with a stale cookie (after our reboot, which draws a new
 * secret) a round trip and gains nothing, and the reflection a spoofed
 * source could cause is bounded by response rate limiting (rrl.h) instead.
 * A VALID or VALID_REFRESH cookie proves the client got an earlier answer
 * at its address (RFC 7873 5.2.5), so those queries need not be rate
 * limited; every other outcome is.
 */
#ifndef DNS_COOKIE_H
#define DNS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define DNS_SIPHASH_KEY 16
#define DNS_COOKIE_SECRET 16 /* RFC 9018 4.4: the SipHash-2-4 key */
#define DNS_COOKIE_LEN 16    /* our Server Cookie (RFC 9018 4) */

/* RFC 9018 4.3: the lifetime of a Server Cookie, in seconds. */
#define DNS_COOKIE_REFRESH 1800 /* older than this: send a new one */
#define DNS_COOKIE_MAX_AGE 3600 /* older than this: invalid */
#define DNS_COOKIE_MAX_SKEW 300 /* further in the future than this: invalid */

/*
 * SipHash-2-4 of `len` bytes at `msg` under a 16-byte key, the 64-bit
 * result as the reference implementation gives it (its bytes are the
 * little-endian form of the value returned).
 */
uint64_t dns_siphash24(const uint8_t key[DNS_SIPHASH_KEY], const void *msg, size_t len);

/* The server's secrets: the current one, and the one before it while cookies made with it live. */
struct dns_cookies {
	uint8_t secret[DNS_COOKIE_SECRET];
	uint8_t previous[DNS_COOKIE_SECRET];
	bool has_secret, has_previous;
};

/*
 * Set a new secret (16 bytes from plat_random; RFC 9018 5: random, and
 * changed now and then). The current secret, if any, becomes the previous
 * one, whose cookies are still accepted (as VALID_REFRESH), so a rollover
 * does not turn every client's cookie BAD at once. Zero-initialise `c`
 * before the first call. Roll at most once an hour (DNS_COOKIE_MAX_AGE):
 * a cookie made just before a roll lives that long.
 */
void dns_cookie_secret(struct dns_cookies *c, const uint8_t secret[DNS_COOKIE_SECRET]);

/* Forget the previous secret (an hour after the last roll, if the caller likes tidiness). */
void dns_cookie_forget_previous(struct dns_cookies *c);

/*
 * Our Server Cookie for a client (RFC 9018 4): Version 1, Reserved 0, the
 * Timestamp `now` (seconds since 1970 UTC, modulo 2^32: RFC 9018 4.3),
 * and the Hash SipHash-2-4(Client Cookie | Version | Reserved | Timestamp
 * | Client-IP) under the current secret (RFC 9018 4.4). `ip` is the
 * client's address as on the wire, iplen 4 (IPv4) or 16 (IPv6). A secret
 * must have been set (asserted).
 */
void dns_cookie_make(const struct dns_cookies *c, const uint8_t client[DNS_COOKIE_CLIENT],
                     const uint8_t *ip, size_t iplen, uint32_t now, uint8_t out[DNS_COOKIE_LEN]);

enum dns_cookie_check {
	DNS_COOKIE_NONE,          /* no COOKIE option */
	DNS_COOKIE_CLIENT_ONLY,   /* a Client Cookie alone */
	DNS_COOKIE_VALID,         /* ours, younger than half an hour */
	DNS_COOKIE_VALID_REFRESH, /* ours, but older, or under the previous secret */
	DNS_COOKIE_BAD,           /* not ours, or expired, or from the future */
};

/*
 * Judge the COOKIE option of a query as dns_msg_query read it, from the
 * client at `ip` (iplen 4 or 16) at `now` (as for dns_cookie_make). A
 * Server Cookie is BAD when it is not 16 octets, its Version is not 1, its
 * Hash matches neither secret (compared in constant time), or its
 * Timestamp is more than DNS_COOKIE_MAX_AGE seconds in the past or more
 * than DNS_COOKIE_MAX_SKEW in the future, in serial number arithmetic (RFC
 * 9018 4.3, RFC 1982). Exactly an hour old is still valid; an hour and a
 * second is BAD. The Reserved octets are hashed as received and not
 * otherwise checked (RFC 9018 Appendix A.3 verifies a cookie whose
 * Reserved octets are not zero). With no secret set every Server Cookie
 * is BAD.
 */
enum dns_cookie_check dns_cookie_check(const struct dns_cookies *c, const struct dns_query *q,
                                       const uint8_t *ip, size_t iplen, uint32_t now);

#endif
