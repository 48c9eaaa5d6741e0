/*
 * TSIG (RFC 8945): messages signed with a secret shared with one peer, for
 * the secondaries that transfer our zones and the clients that update
 * them. One algorithm: hmac-sha256, mandatory to implement (RFC 8945 6).
 *
 * The server's side: dns_tsig_verify checks a request, and dns_tsig_sign
 * signs the answer to it (for a zone transfer, each message of the answer
 * in turn, RFC 8945 5.3.1). The client's side (a NOTIFY we send, RFC
 * 1996): dns_tsig_sign_request, then dns_tsig_verify_response.
 *
 * Keys come from the owner's key file, in BIND's syntax (dns_tsig_keys_parse).
 * Nothing here allocates; HMAC is wolfCrypt's, on the stack.
 */
#ifndef DNS_TSIG_H
#define DNS_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "name.h"

#define DNS_TSIG_MAC_LEN 32     /* HMAC-SHA256's output (RFC 4868 2.1) */
#define DNS_TSIG_SECRET_MAX 64  /* SHA-256's block: a longer key would be hashed (RFC 2104 2) */
#define DNS_TSIG_FUDGE 300      /* seconds, in requests we sign (as dig and dnspython do) */
#define DNS_TSIG_FILE_MAX 65536 /* a key file over this is refused */
#define DNS_TSIG_TIME_MAX 0xFFFFFFFFFFFFull /* Time Signed is 48 bits (RFC 8945 4.2) */
/*
 * What dns_tsig_space gives at most: the record of a key whose name has
 * 255 octets (uncompressed, RFC 8945 4.2), hmac-sha256's name (13), 10
 * octets of type, class, TTL and length, and rdata of Time Signed, Fudge,
 * MAC Size, the MAC, Original ID, Error, Other Len and 6 octets of Other
 * Data (a BADTIME answer's).
 */
#define DNS_TSIG_SPACE_MAX (DNS_NAME_MAX + 13 + 10 + 10 + DNS_TSIG_MAC_LEN + 6 + 6)

/* One key: its name (wire form, lower case), its secret. 324 bytes on the guest, 328 on a host. */
struct dns_tsig_key {
	uint8_t name[DNS_NAME_MAX];
	uint8_t secret[DNS_TSIG_SECRET_MAX];
	size_t secret_len; /* 1 to 64 */
};

/*
 * Results of the checks: 0, or the TSIG error to answer with (RFC 8945
 * 3: the RCODE registry), or FORMERR for a TSIG record that cannot be read
 * (RFC 8945 5.2: answered FORMERR, without TSIG).
 */
enum {
	DNS_TSIG_OK = 0,
	DNS_TSIG_FORMERR = DNS_R_FORMERR,
	DNS_TSIG_SERVFAIL = DNS_R_SERVFAIL, /* wolfCrypt failed */
	DNS_TSIG_BADSIG = DNS_R_BADSIG,
	DNS_TSIG_BADKEY = DNS_R_BADKEY,
	DNS_TSIG_BADTIME = DNS_R_BADTIME,
	DNS_TSIG_BADTRUNC = 22,
	/* dns_tsig_verify_response only: */
	DNS_TSIG_UNSIGNED = 0x100, /* no TSIG in the response (RFC 8945 5.4: discard it) */
	DNS_TSIG_PEER = 0x10000,   /* ORed with the error the peer's TSIG reports */
};

/*
 * What the signing of an answer (or the check of a response) needs from
 * the request: the key, the names as the request gave them, its MAC, and
 * the error to report. For a zone transfer it lives as long as the
 * transfer, `mac` becoming each message's MAC in turn. 576 bytes on the
 * guest (sizeof, arm-none-eabi), 584 on a 64-bit host. The calls below use
 * under 2 KiB of stack (wolfCrypt's Hmac is 552 bytes of it; gcc
 * -fstack-usage), the key file's parser 2.6 KiB.
 */
struct dns_tsig_state {
	const struct dns_tsig_key *key; /* NULL when the request's key is unknown */
	uint8_t name[DNS_NAME_MAX];     /* the key's name */
	uint8_t alg[DNS_NAME_MAX];      /* the algorithm's name */
	uint8_t mac[DNS_TSIG_MAC_LEN];  /* the request's MAC, then the last one we signed */
	uint8_t mac_len;                /* 0: none to cover (an unsigned error answer) */
	uint16_t error;                 /* DNS_TSIG_*, what the answer's TSIG reports */
	uint16_t fudge;
	uint64_t time;     /* the request's Time Signed */
	uint64_t now;      /* when it was checked: a BADTIME answer's Other Data */
	unsigned messages; /* signed so far with this state (RFC 8945 5.3.1) */
};

/*
 * Read a key file: `key "name" { algorithm hmac-sha256; secret "base64"; };`
 * as many times as there are keys (at most `max`), with comments in the
 * three styles of named.conf (#, // and C's slash-star). A key name is
 * absolute whether or not it ends in a dot. Returns the number of keys
 * written to `keys`, or -EINVAL with "file:line: reason" in `err`
 * (NUL-terminated, cut to `errsize`): any algorithm but hmac-sha256, a
 * missing or repeated clause, a name given to two keys, bad base64, a
 * secret over 64 bytes or empty, an unknown statement, an unterminated
 * string or comment, a file over DNS_TSIG_FILE_MAX or holding a NUL.
 */
int dns_tsig_keys_parse(const char *file, const char *text, size_t len, struct dns_tsig_key *keys,
                        size_t max, char *err, size_t errsize);

/* The key named `name` (ASCII case ignored), or NULL. */
const struct dns_tsig_key *dns_tsig_key_find(const struct dns_tsig_key *keys, size_t nkeys,
                                             const uint8_t *name);

/*
 * Check a request's TSIG (RFC 8945 5.2): `tsig_off` is dns_msg_query's
 * (the record last in the additional section), `now` the time in seconds
 * since the epoch. The checks, in the RFC's order:
 *   the key's name among `keys` and its algorithm hmac-sha256: BADKEY
 *     (5.2.1);
 *   the MAC, over the message without its TSIG record, ARCOUNT one less
 *     and the ID the TSIG's Original ID (4.3.1, 4.3.3), compared in
 *     constant time: BADSIG (5.2.2). A MAC size over 32 or under 16
 *     (the larger of 10 and half the hash) is FORMERR; 16 to 31, a
 *     truncated MAC, is compared on its length and then refused, since
 *     this server's policy is the full 32 bytes: BADTRUNC (5.2.2.1,
 *     5.2.4);
 *   the time: `now` within Time Signed +- Fudge, both edges included:
 *     BADTIME (5.2.3, after the MAC so that the server's time is told
 *     only to a holder of the key).
 * Returns DNS_TSIG_OK, one of those, FORMERR for a record that cannot be
 * read (its class not ANY, rdata cut short or too long, a compressed
 * algorithm name), or SERVFAIL if wolfCrypt fails; both are answered
 * without TSIG. Otherwise `st` is filled for dns_tsig_sign, whose answer
 * then carries the error. Replays within the fudge are not detected (the
 * SHOULD of 5.2.3, a last Time Signed per key, is left to the caller).
 */
int dns_tsig_verify(const uint8_t *msg, size_t len, size_t tsig_off,
                    const struct dns_tsig_key *keys, size_t nkeys, uint64_t now,
                    struct dns_tsig_state *st);

/*
 * Bytes the TSIG record dns_tsig_sign writes will take at most: add it to
 * the answer's dns_out reserve before writing records.
 */
size_t dns_tsig_space(const struct dns_tsig_state *st);

/*
 * Sign the answer in `o`, written but for its TSIG (after dns_out_opt if
 * any), and end it: returns its length (dns_out_end), or -ENOSPC if the
 * record does not fit in o->cap (nothing written then), or -EIO if
 * wolfCrypt fails. The record goes last in the additional section (RFC
 * 8945 5.3), Time Signed `now`, Fudge the request's.
 *   An error in st sets the RCODE to NOTAUTH (RFC 8945 5.2.1-5.2.4);
 *   BADKEY and BADSIG answers are not signed (MAC
 *   size 0, 5.3.2); a BADTIME answer is signed, Time Signed the
 *   request's and Other Data our time (5.2.3).
 *   The first message covers the request's MAC, the message and the
 *   TSIG variables (4.3.2); each later message of the same answer (a
 *   zone transfer over TCP), signed with the same st, covers the previous
 *   message's MAC, the message and the timers only (5.3.1). Every message
 *   is signed.
 */
int dns_tsig_sign(struct dns_out *o, struct dns_tsig_state *st, uint64_t now);

/*
 * The answer to a request that dns_tsig_verify checked, `err` its result
 * and `st` its state: the answer of `n` bytes in buf (ended; its OPT
 * record, RFC 6891 6.1.2, its last at `opt_off`, 0 if it has none; room
 * for dns_tsig_space kept in `cap`) signed with Time Signed st->now (RFC
 * 8945 5.3). For a TSIG error (NOTAUTH, 5.2.1-5.2.4) it is replaced by
 * the header and question with the OPT record, its extended RCODE
 * cleared, and the TSIG reporting the error; for a TSIG that cannot be
 * read (FORMERR) or a wolfCrypt failure (SERVFAIL), by the header,
 * question and OPT with that rcode, unsigned (5.2). If not even the
 * question, OPT and TSIG fit in `cap`, the question and the TSIG alone,
 * with TC, NOERROR (5.3) and the answer's AA (none for a referral, RFC
 * 1034 4.3.1), or the error. Returns the new length, 0 for no answer.
 */
size_t dns_tsig_answer(const struct dns_query *q, int err, struct dns_tsig_state *st, uint8_t *buf,
                       size_t n, size_t opt_off, size_t cap);

/*
 * Sign a request we send (a NOTIFY, RFC 1996) with `key` at `now`: `o`
 * holds it but for its TSIG (its ID the one sent). Fills `st` for
 * dns_tsig_verify_response. Returns the message's length, -ENOSPC or -EIO.
 */
int dns_tsig_sign_request(struct dns_out *o, const struct dns_tsig_key *key, uint64_t now,
                          struct dns_tsig_state *st);

/*
 * Check the response to a request signed with dns_tsig_sign_request (RFC
 * 8945 5.4): its TSIG last, with st's key and algorithm (BADKEY), its MAC
 * over the request's MAC, the response and the variables (BADSIG), its
 * time within its fudge of `now` (BADTIME). Returns DNS_TSIG_OK, one of
 * those, FORMERR, DNS_TSIG_UNSIGNED if the response has no TSIG, or
 * DNS_TSIG_PEER | the error the peer reports (an unsigned BADKEY or
 * BADSIG, 5.3.2; a signed BADTIME once its MAC and time check).
 */
int dns_tsig_verify_response(const uint8_t *msg, size_t len, struct dns_tsig_state *st,
                             uint64_t now);

/*
 * The error the TSIG record at `tsig_off` reports (RFC 8945 4.2), its MAC
 * not checked: for a log line about an answer nothing else hangs on (a
 * NOTIFY's, notify.c). DNS_TSIG_OK for none or no record (tsig_off 0),
 * -EINVAL for a record that cannot be read.
 */
int dns_tsig_error(const uint8_t *msg, size_t len, size_t tsig_off);

#endif
