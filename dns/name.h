/*
 * Domain names (RFC 1035 3.1, 5.1): in this directory a name is always in
 * uncompressed wire form, length-prefixed labels ending with the root's
 * empty label, its letters' case as given (matching ignores ASCII case,
 * RFC 4343; answers keep the case they were asked with).
 */
#ifndef DNS_NAME_H
#define DNS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 255 /* wire octets, the root label included (RFC 1035 3.1) */
#define DNS_LABEL_MAX 63

/*
 * A name in presentation form (`len` bytes, escapes \X and \DDD of RFC
 * 1035 5.1) into wire form in `out`. A name ending in an unescaped dot is
 * absolute; any other is relative to `origin` (wire form; NULL: relative
 * names are refused), and "@" is the origin itself. Returns the wire
 * length, or -EINVAL (an empty label, a bad escape, a relative name with
 * no origin) or -ENAMETOOLONG (a label over 63 octets, a name over 255).
 */
int dns_name_from_text(const char *text, size_t len, const uint8_t *origin,
                       uint8_t out[DNS_NAME_MAX]);

/*
 * Presentation form of a wire name, NUL-terminated, absolute ("www.example.
 * org.", the root is "."), with the escapes RFC 1035 5.1 needs (".", "\",
 * and bytes outside printable ASCII as \DDD). Returns its length, or
 * -ENOSPC if `size` is too small (then buf holds a truncated string).
 */
int dns_name_to_text(const uint8_t *name, char *buf, size_t size);

/* Wire length of a well-formed name within `max` bytes, or -EINVAL. */
int dns_name_len(const uint8_t *name, size_t max);

/* Labels of a name, the root's not counted ("." 0, "org." 1). */
int dns_name_labels(const uint8_t *name);

/* Two labels (a length byte, then its octets) equal but for ASCII case. */
bool dns_label_eq(const uint8_t *a, const uint8_t *b);

/* Equal but for ASCII case. */
bool dns_name_eq(const uint8_t *a, const uint8_t *b);

/* `name` is `zone` or below it, ASCII case ignored. */
bool dns_name_is_sub(const uint8_t *name, const uint8_t *zone);

/* Canonical DNS order (RFC 4034 6.1): < 0, 0 or > 0. */
int dns_name_cmp(const uint8_t *a, const uint8_t *b);

/*
 * A hash of the name that ignores ASCII case, as dns_name_eq does: names
 * equal by it hash the same (FNV-1a over the wire form, letters lowered).
 */
uint32_t dns_name_hash(const uint8_t *name);

/* The name with its first `n` labels removed (a pointer into `name`). */
const uint8_t *dns_name_parent(const uint8_t *name, int n);

#endif
