/*
 * DNS NOTIFY (RFC 1996) to the secondaries the owner lists (dns_notify in
 * appliance.conf): whenever a zone's serial changes, each is told, over
 * UDP from port 53, signed with the first TSIG key if there is one (RFC
 * 8945), and told again every DNS_NOTIFY_RETRY_S seconds, at most
 * DNS_NOTIFY_TRIES times, until it answers (RFC 1996 3.6). The secondary
 * then asks our SOA and transfers the zone. An answer is matched by its
 * ID, its sender and its question; its signature is not checked (a forged
 * answer can only stop our retries: the secondary still refreshes on its
 * timer). An answer other than NOERROR stops them too, and is logged with
 * its rcode and its TSIG's error (NOTAUTH, BADSIG: the secondary does not
 * share our key; REFUSED or NOTAUTH alone: it does not serve the zone).
 *
 * Memory: DNS_NOTIFY_PENDING entries of about 300 bytes, static.
 */
#ifndef DNS_NOTIFY_H
#define DNS_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "tsig.h"

#define DNS_NOTIFY_TARGETS 8
#define DNS_NOTIFY_PENDING 32
#define DNS_NOTIFY_TRIES 5
#define DNS_NOTIFY_RETRY_S 2

/*
 * The secondaries, from the configuration's value (comma-separated
 * addresses, as plat/conf.c checked them): how many. Keys: the first
 * signs (NULL or 0: unsigned).
 */
int dns_notify_config(const char *targets, const struct dns_tsig_key *keys, size_t nkeys);

/* Tell every secondary that the zone `apex` (wire form) changed. */
void dns_notify_zone(const uint8_t *apex);

/*
 * A response received on the server's UDP socket (QR set, opcode NOTIFY):
 * if it answers a NOTIFY of ours, no more retries. `ip` is its sender's
 * address bytes (4 or 16).
 */
void dns_notify_answer(const uint8_t *msg, size_t len, const uint8_t *ip, size_t iplen);

#endif
