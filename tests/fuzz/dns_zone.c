/*
 * libFuzzer: master files (dns/zone.c, dns/rdata.c) with the origin
 * example.org. Every record given must be whole (a well-formed owner, IN,
 * a TTL of 31 bits), and its rdata written as text must read back, as a
 * one-record zone, into the same bytes. A refused file says where:
 * "file:line: reason".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/zone.h"

static const uint8_t origin[] = "\x07"
                                "example\x03org";

/* The record being checked: zone.c's rdata buffer is reused by the parse of its text. */
static uint8_t saved[DNS_RDATA_MAX];
static char text[DNS_RDATA_TEXT_MAX], again[DNS_RDATA_TEXT_MAX + 64];

struct expect {
	size_t len;
	int seen;
};

static int same_bytes(void *ctx, const struct dns_rr *rr, unsigned line)
{
	struct expect *x = ctx;

	(void)line;
	if (x->seen++ || rr->rdlen != x->len || memcmp(rr->rdata, saved, x->len)) {
		fprintf(stderr, "'%s' read back as %u octets, not %zu\n", again, rr->rdlen, x->len);
		abort();
	}
	return 0;
}

static int check(void *ctx, const struct dns_rr *rr, unsigned line)
{
	struct expect x = {rr->rdlen, 0};
	char err[256], b[12];
	int n;

	(void)ctx;
	if (line == 0 || dns_name_len(rr->owner, DNS_NAME_MAX) < 0 || rr->class != DNS_C_IN ||
	    rr->ttl > 2147483647u || (rr->rdlen > 0 && !rr->rdata))
		abort();
	memcpy(saved, rr->rdata, rr->rdlen);
	n = dns_rdata_to_text(rr->type, saved, rr->rdlen, text, sizeof(text));
	if (n < 0 || (size_t)n != strlen(text))
		abort();
	n = snprintf(again, sizeof(again), "@ 0 IN %s %s\n", dns_type_to_text(rr->type, b), text);
	if (dns_zone_parse("again", again, (size_t)n, origin, same_bytes, &x, err, sizeof(err)) ||
	    x.seen != 1) {
		fprintf(stderr, "'%s' does not read back: %s\n", again, err);
		abort();
	}
	return 0;
}

/* "fuzz.zone:<line>: <reason>" */
static void check_message(const char *err)
{
	const char *p = err + strlen("fuzz.zone:");
	size_t digits;

	if (strncmp(err, "fuzz.zone:", strlen("fuzz.zone:")))
		abort();
	digits = strspn(p, "0123456789");
	if (digits == 0 || *p == '0' || strncmp(p + digits, ": ", 2) || !p[digits + 2])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	int e = dns_zone_parse("fuzz.zone", (const char *)data, size, origin, check, NULL, err,
	                       sizeof(err));

	if (e == -EINVAL)
		check_message(err);
	else if (e != 0)
		abort();
	return 0;
}
