/*
 * Master files (RFC 1035 5), one per zone: zones/<origin>.zone on the
 * store's branch main. The parser takes the whole file in memory and hands
 * each record, in wire form, to a callback; it allocates nothing that
 * outlives the call.
 *
 * Accepted: $ORIGIN, $TTL (RFC 2308 4), blank owner (the previous one),
 * relative names, "@", parentheses across lines, ";" comments, \X and \DDD
 * escapes, quoted strings, TTL and class in either order, TTLs with units
 * (1h30m, as BIND writes them), the class IN only, and the types of
 * dns_type_from_text plus any type in RFC 3597's "TYPEnnn \# len hex"
 * form. $INCLUDE and $GENERATE are refused: the zone must be one file.
 */
#ifndef DNS_ZONE_H
#define DNS_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

/* A file over this is refused before it is parsed. */
#define DNS_ZONE_FILE_MAX (8u << 20)
/* One record's rdata in wire form at most (RFC 1035 3.2.1: a 16-bit length). */
#define DNS_RDATA_MAX 65535

/*
 * Called for each record in file order, with the 1-based line it starts
 * on. `rr` and what it points to are valid during the call only. A
 * non-zero return stops the parse and is returned by dns_zone_parse as is.
 */
typedef int (*dns_zone_rr_fn)(void *ctx, const struct dns_rr *rr, unsigned line);

/*
 * Parse `text` (`len` bytes; NUL bytes are an error), named `file` in
 * messages, whose records are relative to `origin` (wire form) until an
 * $ORIGIN says otherwise. A record with no TTL takes $TTL's, else the
 * previous record's; the first with neither is an error. Returns 0, the
 * callback's non-zero value, or -EINVAL with "file:line: reason" in `err`
 * (NUL-terminated, cut to `errsize`), the reason saying what was expected
 * ("bad IPv4 address '10.0.0.256'", "unknown type 'AAA'", "missing ')'",
 * "$INCLUDE is not supported: put the records in this file").
 */
int dns_zone_parse(const char *file, const char *text, size_t len, const uint8_t *origin,
                   dns_zone_rr_fn rr, void *ctx, char *err, size_t errsize);

/*
 * A type's mnemonic (case ignored: "AAAA", "https", or RFC 3597's
 * "TYPE65280") to its number: > 0, or -EINVAL. And back: the mnemonic, or
 * "TYPEnnn" written into buf (at least 12 bytes) for a type without one.
 */
int dns_type_from_text(const char *text, size_t len);
const char *dns_type_to_text(uint16_t type, char buf[12]);

#endif
