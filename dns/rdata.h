/*
 * Each type's rdata between presentation form (RFC 1035 5.1 and the RFC
 * of the type) and wire form. zone.c cuts a master file into records and
 * fields; this file turns the fields of one record's rdata into wire bytes,
 * and wire bytes back into fields (for records written out as text).
 */
#ifndef DNS_RDATA_H
#define DNS_RDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One field of a record as written: a quoted string without its quotes,
 * or a run of characters up to a blank, ';', '(', ')' or '"'. Escapes
 * (\X, \DDD) are left in `text` for the type's parser to read.
 */
struct dns_field {
	const char *text;
	size_t len;
	bool quoted; /* it was between double quotes */
	bool joined; /* nothing between it and the field before: key="value" */
};

/*
 * The fields of one record's rdata. next(ctx, f) gives the next field (1),
 * says the record has ended (0), or fails (-EINVAL with its reason in
 * `why`); after 0 it keeps returning 0.
 */
struct dns_rdata_in {
	int (*next)(void *ctx, struct dns_field *f);
	void *ctx;
	const uint8_t *origin; /* relative names in the rdata are under it */
	char *why;             /* the reason of an error, NUL-terminated */
	size_t whysize;
	/* The parser's own (rd_give_back): a field read ahead and given back. Zero it. */
	struct dns_field held;
	bool has_held;
};

/* A field cut to 40 characters for a message, bytes that do not print as '?'. */
#define DNS_SHOWN_SIZE 44
const char *dns_field_shown(const struct dns_field *f, char buf[DNS_SHOWN_SIZE]);

/* The longest text dns_rdata_to_text writes for any rdata, NUL included. */
#define DNS_RDATA_TEXT_MAX (4 * 65535 + 4096)

/*
 * Read the rest of a record from `in` as the rdata of `type` and write its
 * wire form in `out` (`size` bytes; more than 65535 are never used). The
 * fields must end with the rdata: anything after it is an error. RFC
 * 3597's "\# len hex" is accepted for every type, as is, and is the only
 * form for a type this file does not know. Returns the rdata length, or
 * -EINVAL with the reason in in->why ("bad IPv4 address '10.0.0.256'").
 */
int dns_rdata_from_text(uint16_t type, struct dns_rdata_in *in, uint8_t *out, size_t size);

/*
 * The presentation form of an rdata, NUL-terminated, which
 * dns_rdata_from_text reads back into the same bytes: names absolute,
 * strings quoted. A type this file does not know, or rdata its parser
 * would not accept, comes out as "\# len hex" (RFC 3597 5). Returns the
 * text's length, or -ENOSPC if `size` is too small (DNS_RDATA_TEXT_MAX
 * is always enough).
 */
int dns_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t rdlen, char *buf, size_t size);

/*
 * A TTL or SOA timer as BIND writes it: plain seconds ("3600") or numbers
 * with units w, d, h, m, s in either case ("1h30m", "2d"; each unit once).
 * Returns 0, -EINVAL for bad text, -ERANGE for a value over `max`.
 */
int dns_ttl_from_text(const char *text, size_t len, uint32_t max, uint32_t *out);

/*
 * Base64 (RFC 4648 4) in groups of four characters, '=' padding only at
 * the very end: the bytes written, -EINVAL, or -ENOSPC past `max`.
 */
int dns_base64_decode(const uint8_t *s, size_t len, uint8_t *out, size_t max);

#endif
