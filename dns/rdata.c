/*
 * Rdata from presentation form into wire form (rdata.h): the fields read,
 * numbers, names, strings and addresses written, one parser per type,
 * found through the table at the end of the file. The printers are in
 * rdata_text.c, SVCB and HTTPS both ways in rdata_svcb.c; what the three
 * share is in rdata_int.h.
 */
#include "rdata.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "name.h"
#include "rdata_int.h"
#include "zone.h"

/* ---- reading fields ---- */

#define SHOWN_MAX 40

const char *dns_field_shown(const struct dns_field *f, char buf[DNS_SHOWN_SIZE])
{
	size_t n = f->len > SHOWN_MAX ? SHOWN_MAX : f->len;

	for (size_t i = 0; i < n; i++)
		buf[i] = f->text[i] >= ' ' && f->text[i] < 127 ? f->text[i] : '?';
	strcpy(buf + n, f->len > n ? "..." : "");
	return buf;
}

int rd_fail(struct rd *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->in->why, r->in->whysize, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int bad(struct rd *r, const char *what, const struct dns_field *f)
{
	char b[DNS_SHOWN_SIZE];

	return rd_fail(r, "bad %s '%s'", what, dns_field_shown(f, b));
}

/* A field that must be there: 1, or < 0 with "missing <what>". */
static int need(struct rd *r, struct dns_field *f, const char *what)
{
	int e = rd_next_field(r, f);

	return e == 0 ? rd_fail(r, "missing %s", what) : e;
}

/* ---- writing wire ---- */

int rd_put(struct rd *r, const void *b, size_t n)
{
	if (n > r->cap - r->len)
		return rd_fail(r, "rdata over %lu octets (RFC 1035 3.2.1)", (unsigned long)r->cap);
	memcpy(r->p + r->len, b, n);
	r->len += n;
	return 0;
}

/* An unsigned number in `bytes` octets, network order. */
int rd_put_uint(struct rd *r, uint32_t v, int bytes)
{
	uint8_t b[4];

	for (int i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return rd_put(r, b, (size_t)bytes);
}

/* ---- scalars ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	return is_digit(c)            ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

int rd_u32_from(const char *s, size_t len, uint32_t max, uint32_t *v)
{
	uint64_t n = 0;

	if (len == 0 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -EINVAL;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (n > max)
		return -ERANGE;
	*v = (uint32_t)n;
	return 0;
}

int rd_number(struct rd *r, const char *what, uint32_t max, uint32_t *v)
{
	struct dns_field f;
	char b[DNS_SHOWN_SIZE];
	int e = need(r, &f, what);

	if (e < 0)
		return e;
	if (f.quoted || rd_u32_from(f.text, f.len, max, v) < 0)
		return rd_fail(r, "bad %s '%s': expected 0-%lu", what, dns_field_shown(&f, b),
		               (unsigned long)max);
	return 0;
}

/* A number field written in `bytes` octets. */
static int put_number(struct rd *r, const char *what, int bytes)
{
	uint32_t v, max = bytes == 4 ? UINT32_MAX : (1u << (8 * bytes)) - 1;
	int e = rd_number(r, what, max, &v);

	return e < 0 ? e : rd_put_uint(r, v, bytes);
}

/* The unit of a TTL part in seconds, or 0. */
static uint32_t ttl_unit(char c)
{
	switch (c | 0x20) {
	case 'w':
		return 604800;
	case 'd':
		return 86400;
	case 'h':
		return 3600;
	case 'm':
		return 60;
	case 's':
		return 1;
	}
	return 0;
}

int dns_ttl_from_text(const char *text, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t total = 0, n = 0;
	bool digits = false, units = false;
	unsigned seen = 0;

	for (size_t i = 0; i < len; i++) {
		uint32_t unit = ttl_unit(text[i]);
		if (is_digit(text[i])) {
			n = n * 10 + (uint64_t)(text[i] - '0');
			digits = true;
		} else if (!unit || !digits || seen & (1u << (text[i] | 0x20) % 32)) {
			return -EINVAL;
		} else {
			seen |= 1u << (text[i] | 0x20) % 32;
			total += n * unit;
			n = 0;
			digits = false;
			units = true;
		}
		if (n > max || total > max)
			return -ERANGE;
	}
	/* A bare number is seconds; after a unit, every number needs one (BIND). */
	if (len == 0 || (digits && units))
		return -EINVAL;
	total += n;
	if (total > max)
		return -ERANGE;
	*out = (uint32_t)total;
	return 0;
}

/* An SOA timer: seconds, with units as a TTL (BIND), 32 bits (RFC 1035 3.3.13). */
static int put_timer(struct rd *r, const char *what)
{
	struct dns_field f;
	char b[DNS_SHOWN_SIZE];
	uint32_t v;
	int e = need(r, &f, what);

	if (e < 0)
		return e;
	if (f.quoted || dns_ttl_from_text(f.text, f.len, UINT32_MAX, &v) < 0)
		return rd_fail(r, "bad %s '%s': expected seconds or units as in 1h30m", what,
		               dns_field_shown(&f, b));
	return rd_put_uint(r, v, 4);
}

/* ---- names and strings ---- */

int rd_put_name(struct rd *r, const char *what)
{
	struct dns_field f;
	char b[DNS_SHOWN_SIZE];
	uint8_t name[DNS_NAME_MAX];
	int n = need(r, &f, what);

	if (n < 0)
		return n;
	n = f.quoted ? -EINVAL : dns_name_from_text(f.text, f.len, r->in->origin, name);
	if (n == -ENAMETOOLONG)
		return rd_fail(r, "%s too long '%s': labels have 63 octets at most, names 255",
		               what, dns_field_shown(&f, b));
	if (n < 0)
		return bad(r, what, &f);
	return rd_put(r, name, (size_t)n);
}

/* One character of a field at *i, its escape (RFC 1035 5.1) read. */
static int escaped_char(const char *s, size_t len, size_t *i)
{
	unsigned v = 0;

	if (s[*i] != '\\')
		return (uint8_t)s[(*i)++];
	if (++*i == len)
		return -EINVAL;
	if (!is_digit(s[*i]))
		return (uint8_t)s[(*i)++];
	if (len - *i < 3)
		return -EINVAL;
	for (int k = 0; k < 3; k++, ++*i) {
		if (!is_digit(s[*i]))
			return -EINVAL;
		v = v * 10 + (unsigned)(s[*i] - '0');
	}
	return v > 255 ? -EINVAL : (int)v;
}

int rd_unescape(const struct dns_field *f, uint8_t *out, size_t max)
{
	size_t w = 0;

	for (size_t i = 0; i < f->len; w++) {
		int c = escaped_char(f->text, f->len, &i);
		if (c < 0)
			return c;
		if (w == max)
			return -ENOSPC;
		out[w] = (uint8_t)c;
	}
	return (int)w;
}

/* One <character-string> (RFC 1035 3.3): a length octet and up to 255 octets. */
static int put_string(struct rd *r, const struct dns_field *f, const char *what)
{
	char b[DNS_SHOWN_SIZE];
	uint8_t s[256];
	int n = rd_unescape(f, s + 1, 255);

	if (n == -ENOSPC)
		return rd_fail(r, "%s over 255 octets '%s'", what, dns_field_shown(f, b));
	if (n < 0)
		return rd_fail(r, "bad escape in %s '%s'", what, dns_field_shown(f, b));
	s[0] = (uint8_t)n;
	return rd_put(r, s, (size_t)n + 1);
}

/* The rest of the fields as hex digits, blanks between them allowed; *n octets. */
static int put_hex_rest(struct rd *r, const char *what, size_t *n)
{
	struct dns_field f;
	int e, hi = -1;

	*n = 0;
	while ((e = rd_next_field(r, &f)) == 1) {
		for (size_t i = 0; i < f.len; i++) {
			int d = f.quoted ? -1 : hex_value(f.text[i]);
			if (d < 0)
				return bad(r, what, &f);
			if (hi < 0) {
				hi = d;
			} else if ((e = rd_put_uint(r, (uint32_t)(hi << 4 | d), 1)) < 0) {
				return e;
			} else {
				hi = -1;
				++*n;
			}
		}
	}
	if (e == 0 && hi >= 0)
		return rd_fail(r, "%s: an odd number of hex digits", what);
	return e;
}

/* ---- addresses ---- */

/* Dotted decimal, no leading zeros (they would read as octal elsewhere). */
int rd_ipv4_from(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;

	for (int k = 0; k < 4; k++) {
		unsigned v = 0;
		if (k > 0 && (i == len || s[i++] != '.'))
			return -EINVAL;
		size_t start = i;
		while (i < len && is_digit(s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return -EINVAL;
		out[k] = (uint8_t)v;
	}
	return i == len ? 0 : -EINVAL;
}

/* The rest of an IPv6 address is dotted IPv4 (RFC 4291 2.2 form 3). */
static bool ipv4_tail(const char *s, size_t len)
{
	return memchr(s, '.', len) && !memchr(s, ':', len);
}

static int hex_group(const char *s, size_t len, size_t *i, uint8_t out[2])
{
	size_t start = *i;
	unsigned v = 0;

	while (*i < len && *i - start < 4 && hex_value(s[*i]) >= 0)
		v = v * 16 + (unsigned)hex_value(s[(*i)++]);
	out[0] = (uint8_t)(v >> 8);
	out[1] = (uint8_t)v;
	return *i == start ? -EINVAL : 0;
}

/* RFC 4291 2.2: eight groups of hex, "::" once for zeros, dotted IPv4 last. */
int rd_ipv6_from(const char *s, size_t len, uint8_t out[16])
{
	uint8_t b[16];
	size_t i = 0, n = 0, gap = 16 + 1;

	if (len >= 2 && s[0] == ':' && s[1] == ':')
		gap = 0, i = 2;
	while (i < len && n < 16) {
		if (n <= 12 && ipv4_tail(s + i, len - i)) {
			if (rd_ipv4_from(s + i, len - i, b + n) < 0)
				return -EINVAL;
			n += 4, i = len;
			break;
		}
		if (hex_group(s, len, &i, b + n) < 0)
			return -EINVAL;
		n += 2;
		if (i < len && s[i++] != ':')
			return -EINVAL;
		if (i < len && s[i] == ':' && gap <= 16)
			return -EINVAL;
		if (i < len && s[i] == ':')
			gap = n, i++;
		else if (i == len && s[i - 1] == ':')
			return -EINVAL;
	}
	if (i != len || (gap > 16 ? n != 16 : n > 14))
		return -EINVAL;
	memset(out, 0, 16);
	if (gap > 16)
		gap = n;
	memcpy(out, b, gap);
	memcpy(out + 16 - (n - gap), b + gap, n - gap);
	return 0;
}

/* ---- base64 (RFC 4648 4) ---- */

const char rd_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(uint8_t c)
{
	const char *p = c ? strchr(rd_b64, c) : NULL;

	return p ? (int)(p - rd_b64) : -1;
}

int dns_base64_decode(const uint8_t *s, size_t len, uint8_t *out, size_t max)
{
	size_t w = 0;

	if (len % 4)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		uint32_t q = 0;
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			int v = s[i + k] == '=' ? 0 : b64_value(s[i + k]);
			pad += s[i + k] == '=';
			if (v < 0 || (pad && s[i + k] != '=') || (pad && (k < 2 || i + 4 != len)))
				return -EINVAL;
			q = q << 6 | (uint32_t)v;
		}
		if (w + 3 - (size_t)pad > max)
			return -ENOSPC;
		for (int k = 0; k < 3 - pad; k++)
			out[w++] = (uint8_t)(q >> (16 - 8 * k));
	}
	return (int)w;
}

/* ---- the types' parsers ---- */

static int rd_a(struct rd *r)
{
	struct dns_field f;
	uint8_t a[4];
	int e = need(r, &f, "IPv4 address");

	if (e < 0)
		return e;
	if (f.quoted || rd_ipv4_from(f.text, f.len, a) < 0)
		return bad(r, "IPv4 address", &f);
	return rd_put(r, a, 4);
}

static int rd_aaaa(struct rd *r)
{
	struct dns_field f;
	uint8_t a[16];
	int e = need(r, &f, "IPv6 address");

	if (e < 0)
		return e;
	if (f.quoted || rd_ipv6_from(f.text, f.len, a) < 0)
		return bad(r, "IPv6 address", &f);
	return rd_put(r, a, 16);
}

/* NS, CNAME, DNAME, PTR: one name. */
static int rd_name(struct rd *r)
{
	return rd_put_name(r, "domain name");
}

static int rd_mx(struct rd *r)
{
	int e = put_number(r, "MX preference", 2);

	return e < 0 ? e : rd_put_name(r, "MX exchange");
}

static int rd_srv(struct rd *r)
{
	int e;

	if ((e = put_number(r, "SRV priority", 2)) < 0 ||
	    (e = put_number(r, "SRV weight", 2)) < 0 || (e = put_number(r, "SRV port", 2)) < 0)
		return e;
	return rd_put_name(r, "SRV target");
}

/* RFC 1035 3.3.13: MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM. */
static int rd_soa(struct rd *r)
{
	static const char *const timers[] = {"SOA refresh", "SOA retry", "SOA expire",
	                                     "SOA minimum"};
	int e;

	if ((e = rd_put_name(r, "SOA primary name server")) < 0 ||
	    (e = rd_put_name(r, "SOA mailbox")) < 0 || (e = put_number(r, "SOA serial", 4)) < 0)
		return e;
	for (int i = 0; i < 4 && e == 0; i++)
		e = put_timer(r, timers[i]);
	return e;
}

/* One or more character-strings (RFC 1035 3.3.14). */
static int rd_txt(struct rd *r)
{
	struct dns_field f;
	int e = need(r, &f, "TXT string");

	while (e == 1 && (e = put_string(r, &f, "TXT string")) == 0)
		e = rd_next_field(r, &f);
	return e;
}

/* RFC 1035 3.3.2: CPU and OS, two character-strings. */
static int rd_hinfo(struct rd *r)
{
	struct dns_field f;
	int e;

	if ((e = need(r, &f, "HINFO CPU")) < 0 || (e = put_string(r, &f, "HINFO CPU")) < 0 ||
	    (e = need(r, &f, "HINFO OS")) < 0)
		return e;
	return put_string(r, &f, "HINFO OS");
}

/* RFC 8659 4.1: tags are letters and digits. */
bool rd_caa_tag_ok(const char *s, size_t len)
{
	if (len == 0 || len > 255)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_digit(s[i]) && !((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z'))
			return false;
	return true;
}

/* RFC 8659 4.1.1: flags, tag, and a value that runs to the end of the rdata. */
static int rd_caa(struct rd *r)
{
	struct dns_field f;
	char b[DNS_SHOWN_SIZE];
	int e, n;

	if ((e = put_number(r, "CAA flags", 1)) < 0 || (e = need(r, &f, "CAA tag")) < 0)
		return e;
	if (f.quoted || !rd_caa_tag_ok(f.text, f.len))
		return rd_fail(r, "bad CAA tag '%s': expected letters and digits (RFC 8659 4.1)",
		               dns_field_shown(&f, b));
	if ((e = rd_put_uint(r, (uint32_t)f.len, 1)) < 0 || (e = rd_put(r, f.text, f.len)) < 0 ||
	    (e = need(r, &f, "CAA value")) < 0)
		return e;
	n = rd_unescape(&f, r->p + r->len, r->cap - r->len);
	if (n == -ENOSPC)
		return rd_fail(r, "rdata over %lu octets (RFC 1035 3.2.1)", (unsigned long)r->cap);
	if (n < 0)
		return rd_fail(r, "bad escape in CAA value '%s'", dns_field_shown(&f, b));
	r->len += (size_t)n;
	return 0;
}

/* Numbers of one octet each, then the rest in hex (RFC 4255 3.2, RFC 6698 2.2). */
static int rd_octets_hex(struct rd *r, const char *const what[], int count)
{
	size_t n;
	int e = 0;

	for (int i = 0; i < count && e == 0; i++)
		e = put_number(r, what[i], 1);
	if (e == 0 && (e = put_hex_rest(r, what[count], &n)) == 0 && n == 0)
		return rd_fail(r, "missing %s", what[count]);
	return e;
}

static int rd_sshfp(struct rd *r)
{
	static const char *const what[] = {"SSHFP algorithm", "SSHFP fingerprint type",
	                                   "SSHFP fingerprint (hex)"};
	return rd_octets_hex(r, what, 2);
}

static int rd_tlsa(struct rd *r)
{
	static const char *const what[] = {"TLSA certificate usage", "TLSA selector",
	                                   "TLSA matching type",
	                                   "TLSA certificate association data (hex)"};
	return rd_octets_hex(r, what, 3);
}

/* RFC 3597 5: "\#", the rdata's length in octets, then as many octets in hex. */
static int rd_generic(struct rd *r)
{
	uint32_t len;
	size_t n;
	int e;

	if ((e = rd_number(r, "RFC 3597 rdata length", 65535, &len)) < 0 ||
	    (e = put_hex_rest(r, "RFC 3597 rdata (hex)", &n)) < 0)
		return e;
	if (n != len)
		return rd_fail(r, "RFC 3597 rdata of length %lu but %lu octets of hex",
		               (unsigned long)len, (unsigned long)n);
	return 0;
}

/* ---- the types ---- */

struct rtype {
	uint16_t type;
	const char *name;
	int (*parse)(struct rd *r);
};

/* Meta and query types have a name but no rdata here (RFC 6895 3.1). */
static const struct rtype types[] = {
    {DNS_T_A, "A", rd_a},
    {DNS_T_NS, "NS", rd_name},
    {DNS_T_CNAME, "CNAME", rd_name},
    {DNS_T_SOA, "SOA", rd_soa},
    {DNS_T_PTR, "PTR", rd_name},
    {DNS_T_HINFO, "HINFO", rd_hinfo},
    {DNS_T_MX, "MX", rd_mx},
    {DNS_T_TXT, "TXT", rd_txt},
    {DNS_T_AAAA, "AAAA", rd_aaaa},
    {DNS_T_SRV, "SRV", rd_srv},
    {DNS_T_DNAME, "DNAME", rd_name},
    {DNS_T_OPT, "OPT", NULL},
    {DNS_T_SSHFP, "SSHFP", rd_sshfp},
    {DNS_T_TLSA, "TLSA", rd_tlsa},
    {DNS_T_SVCB, "SVCB", rd_svcb},
    {DNS_T_HTTPS, "HTTPS", rd_svcb},
    {DNS_T_TSIG, "TSIG", NULL},
    {DNS_T_IXFR, "IXFR", NULL},
    {DNS_T_AXFR, "AXFR", NULL},
    {DNS_T_ANY, "ANY", NULL},
    {DNS_T_CAA, "CAA", rd_caa},
};

static const struct rtype *type_find(uint16_t type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

int dns_type_from_text(const char *text, size_t len)
{
	uint32_t v;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].name) == len && !strncasecmp(types[i].name, text, len))
			return types[i].type;
	/* RFC 3597 5: TYPEnnn for any type, 0 reserved. */
	if (len > 4 && !strncasecmp(text, "TYPE", 4) &&
	    rd_u32_from(text + 4, len - 4, 65535, &v) == 0 && v > 0)
		return (int)v;
	return -EINVAL;
}

const char *dns_type_to_text(uint16_t type, char buf[12])
{
	const struct rtype *t = type_find(type);

	if (t)
		return t->name;
	snprintf(buf, 12, "TYPE%u", type);
	return buf;
}

/* After the rdata, the record ends. */
static int end_of_rdata(struct rd *r)
{
	struct dns_field f;
	char b[DNS_SHOWN_SIZE];
	int e = rd_next_field(r, &f);

	if (e == 1)
		return rd_fail(r, "unexpected '%s' after the rdata", dns_field_shown(&f, b));
	return e;
}

int dns_rdata_from_text(uint16_t type, struct dns_rdata_in *in, uint8_t *out, size_t size)
{
	struct rd r = {in, out, 0, size < DNS_RDATA_MAX ? size : DNS_RDATA_MAX};
	const struct rtype *t = type_find(type);
	struct dns_field f;
	char b[12];
	int e = rd_next_field(&r, &f);

	if (e < 0)
		return e;
	if (e == 1 && !f.quoted && f.len == 2 && !memcmp(f.text, "\\#", 2))
		e = rd_generic(&r);
	else if (!t || !t->parse)
		return rd_fail(&r,
		               "no presentation form for type %s here: write '\\# length hex' "
		               "(RFC 3597 5)",
		               dns_type_to_text(type, b));
	else {
		if (e == 1)
			rd_give_back(&r, &f);
		e = t->parse(&r);
	}
	if (e < 0 || (e = end_of_rdata(&r)) < 0)
		return e;
	return (int)r.len;
}
