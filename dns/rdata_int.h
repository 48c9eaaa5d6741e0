/*
 * Internal to dns/rdata.c (presentation form into wire form),
 * dns/rdata_text.c (wire form into presentation form) and
 * dns/rdata_svcb.c (SVCB and HTTPS, both ways): the state of one rdata
 * being parsed or printed, and the helpers the SVCB code takes from
 * the other two.
 */
#ifndef DNS_RDATA_INT_H
#define DNS_RDATA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rdata.h"

/* One rdata being parsed: where its fields come from, where its bytes go. */
struct rd {
	struct dns_rdata_in *in;
	uint8_t *p;
	size_t len, cap;
};

/* One rdata being printed: the wire read and the text written. */
struct wire {
	const uint8_t *p;
	size_t len, off;
};

struct pr {
	char *buf;
	size_t len, size;
	bool full;
};

/* ---- rdata.c: fields read, wire written ---- */

/* The next field: 1, 0 at the end of the record, or < 0. */
static inline int rd_next_field(struct rd *r, struct dns_field *f)
{
	if (r->in->has_held) {
		r->in->has_held = false;
		*f = r->in->held;
		return 1;
	}
	return r->in->next(r->in->ctx, f);
}

/* A field read ahead: the next rd_next_field returns it again. */
static inline void rd_give_back(struct rd *r, const struct dns_field *f)
{
	r->in->held = *f;
	r->in->has_held = true;
}

/* Writes the reason of an error in r->in->why; always -EINVAL. */
int rd_fail(struct rd *r, const char *fmt, ...);

/* `n` bytes, or an unsigned number in `bytes` octets (network order): 0 or -EINVAL (full). */
int rd_put(struct rd *r, const void *b, size_t n);
int rd_put_uint(struct rd *r, uint32_t v, int bytes);

/* Decimal digits only, no sign: 0, -EINVAL or -ERANGE (over max). */
int rd_u32_from(const char *s, size_t len, uint32_t max, uint32_t *v);

/* The next field as a number up to `max`, or a name written in wire form: 0 or -EINVAL. */
int rd_number(struct rd *r, const char *what, uint32_t max, uint32_t *v);
int rd_put_name(struct rd *r, const char *what);

/* The bytes a field stands for: their count, -EINVAL (an escape), -ENOSPC (over max). */
int rd_unescape(const struct dns_field *f, uint8_t *out, size_t max);

/* An address as text (RFC 1035 3.4.1 dotted decimal, RFC 4291 2.2): 0 or -EINVAL. */
int rd_ipv4_from(const char *s, size_t len, uint8_t out[4]);
int rd_ipv6_from(const char *s, size_t len, uint8_t out[16]);

/* RFC 8659 4.1: a CAA tag is 1-255 letters and digits. */
bool rd_caa_tag_ok(const char *s, size_t len);

/* Base64's alphabet (RFC 4648 4), '=' not in it. */
extern const char rd_b64[];

/* ---- rdata_text.c: text written; each stops at p->full ---- */

void rd_out_mem(struct pr *p, const char *s, size_t n);
void rd_out(struct pr *p, const char *fmt, ...);
void rd_out_quoted_byte(struct pr *p, uint8_t c);
void rd_out_quoted(struct pr *p, const uint8_t *s, size_t n);
void rd_out_ipv4(struct pr *p, const uint8_t *a);
void rd_out_ipv6(struct pr *p, const uint8_t *a);

/* An unsigned number of `bytes` octets, or a name and `sep`, read from w: 0 or -EINVAL. */
int rd_w_uint(struct wire *w, int bytes, uint32_t *v);
int rd_pr_name_at(struct pr *p, struct wire *w, const char *sep);

/* ---- rdata_svcb.c: SVCB and HTTPS (RFC 9460 2.1) ---- */

int rd_svcb(struct rd *r);
int rd_pr_svcb(struct pr *p, struct wire *w);

#endif
