/*
 * Rdata between presentation and wire form (rdata.h): one parser and one
 * printer per type, found through one table at the end of the file. A
 * printer accepts exactly the wire its parser writes, so that what it
 * prints parses back into the same bytes; anything else is printed in RFC
 * 3597's generic form.
 */
#include "rdata.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "name.h"
#include "zone.h"

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

/* Writes the reason of an error; always -EINVAL. */
static int fail(struct rd *r, const char *fmt, ...)
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

	return fail(r, "bad %s '%s'", what, dns_field_shown(f, b));
}

/* The next field: 1, 0 at the end of the record, or < 0. */
static int next_field(struct rd *r, struct dns_field *f)
{
	if (r->in->has_held) {
		r->in->has_held = false;
		*f = r->in->held;
		return 1;
	}
	return r->in->next(r->in->ctx, f);
}

static void give_back(struct rd *r, const struct dns_field *f)
{
	r->in->held = *f;
	r->in->has_held = true;
}

/* A field that must be there: 1, or < 0 with "missing <what>". */
static int need(struct rd *r, struct dns_field *f, const char *what)
{
	int e = next_field(r, f);

	return e == 0 ? fail(r, "missing %s", what) : e;
}

/* ---- writing wire ---- */

static int put(struct rd *r, const void *b, size_t n)
{
	if (n > r->cap - r->len)
		return fail(r, "rdata over %lu octets (RFC 1035 3.2.1)", (unsigned long)r->cap);
	memcpy(r->p + r->len, b, n);
	r->len += n;
	return 0;
}

/* An unsigned number in `bytes` octets, network order. */
static int put_uint(struct rd *r, uint32_t v, int bytes)
{
	uint8_t b[4];

	for (int i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return put(r, b, (size_t)bytes);
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

/* Decimal digits only, no sign: 0, -EINVAL or -ERANGE (over max). */
static int u32_from(const char *s, size_t len, uint32_t max, uint32_t *v)
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

static int number(struct rd *r, const char *what, uint32_t max, uint32_t *v)
{
	struct dns_field f;
	char b[DNS_SHOWN_SIZE];
	int e = need(r, &f, what);

	if (e < 0)
		return e;
	if (f.quoted || u32_from(f.text, f.len, max, v) < 0)
		return fail(r, "bad %s '%s': expected 0-%lu", what, dns_field_shown(&f, b),
		            (unsigned long)max);
	return 0;
}

/* A number field written in `bytes` octets. */
static int put_number(struct rd *r, const char *what, int bytes)
{
	uint32_t v, max = bytes == 4 ? UINT32_MAX : (1u << (8 * bytes)) - 1;
	int e = number(r, what, max, &v);

	return e < 0 ? e : put_uint(r, v, bytes);
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
		return fail(r, "bad %s '%s': expected seconds or units as in 1h30m", what,
		            dns_field_shown(&f, b));
	return put_uint(r, v, 4);
}

/* ---- names and strings ---- */

static int put_name(struct rd *r, const char *what)
{
	struct dns_field f;
	char b[DNS_SHOWN_SIZE];
	uint8_t name[DNS_NAME_MAX];
	int n = need(r, &f, what);

	if (n < 0)
		return n;
	n = f.quoted ? -EINVAL : dns_name_from_text(f.text, f.len, r->in->origin, name);
	if (n == -ENAMETOOLONG)
		return fail(r, "%s too long '%s': labels have 63 octets at most, names 255", what,
		            dns_field_shown(&f, b));
	if (n < 0)
		return bad(r, what, &f);
	return put(r, name, (size_t)n);
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

/* The bytes a field stands for: their count, -EINVAL (an escape), -ENOSPC (over max). */
static int unescape(const struct dns_field *f, uint8_t *out, size_t max)
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
	int n = unescape(f, s + 1, 255);

	if (n == -ENOSPC)
		return fail(r, "%s over 255 octets '%s'", what, dns_field_shown(f, b));
	if (n < 0)
		return fail(r, "bad escape in %s '%s'", what, dns_field_shown(f, b));
	s[0] = (uint8_t)n;
	return put(r, s, (size_t)n + 1);
}

/* The rest of the fields as hex digits, blanks between them allowed; *n octets. */
static int put_hex_rest(struct rd *r, const char *what, size_t *n)
{
	struct dns_field f;
	int e, hi = -1;

	*n = 0;
	while ((e = next_field(r, &f)) == 1) {
		for (size_t i = 0; i < f.len; i++) {
			int d = f.quoted ? -1 : hex_value(f.text[i]);
			if (d < 0)
				return bad(r, what, &f);
			if (hi < 0) {
				hi = d;
			} else if ((e = put_uint(r, (uint32_t)(hi << 4 | d), 1)) < 0) {
				return e;
			} else {
				hi = -1;
				++*n;
			}
		}
	}
	if (e == 0 && hi >= 0)
		return fail(r, "%s: an odd number of hex digits", what);
	return e;
}

/* ---- addresses ---- */

/* Dotted decimal, no leading zeros (they would read as octal elsewhere). */
static int ipv4_from(const char *s, size_t len, uint8_t out[4])
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
static int ipv6_from(const char *s, size_t len, uint8_t out[16])
{
	uint8_t b[16];
	size_t i = 0, n = 0, gap = 16 + 1;

	if (len >= 2 && s[0] == ':' && s[1] == ':')
		gap = 0, i = 2;
	while (i < len && n < 16) {
		if (n <= 12 && ipv4_tail(s + i, len - i)) {
			if (ipv4_from(s + i, len - i, b + n) < 0)
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

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(uint8_t c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
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
	if (f.quoted || ipv4_from(f.text, f.len, a) < 0)
		return bad(r, "IPv4 address", &f);
	return put(r, a, 4);
}

static int rd_aaaa(struct rd *r)
{
	struct dns_field f;
	uint8_t a[16];
	int e = need(r, &f, "IPv6 address");

	if (e < 0)
		return e;
	if (f.quoted || ipv6_from(f.text, f.len, a) < 0)
		return bad(r, "IPv6 address", &f);
	return put(r, a, 16);
}

/* NS, CNAME, DNAME, PTR: one name. */
static int rd_name(struct rd *r)
{
	return put_name(r, "domain name");
}

static int rd_mx(struct rd *r)
{
	int e = put_number(r, "MX preference", 2);

	return e < 0 ? e : put_name(r, "MX exchange");
}

static int rd_srv(struct rd *r)
{
	int e;

	if ((e = put_number(r, "SRV priority", 2)) < 0 ||
	    (e = put_number(r, "SRV weight", 2)) < 0 || (e = put_number(r, "SRV port", 2)) < 0)
		return e;
	return put_name(r, "SRV target");
}

/* RFC 1035 3.3.13: MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM. */
static int rd_soa(struct rd *r)
{
	static const char *const timers[] = {"SOA refresh", "SOA retry", "SOA expire",
	                                     "SOA minimum"};
	int e;

	if ((e = put_name(r, "SOA primary name server")) < 0 ||
	    (e = put_name(r, "SOA mailbox")) < 0 || (e = put_number(r, "SOA serial", 4)) < 0)
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
		e = next_field(r, &f);
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
static bool caa_tag_ok(const char *s, size_t len)
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
	if (f.quoted || !caa_tag_ok(f.text, f.len))
		return fail(r, "bad CAA tag '%s': expected letters and digits (RFC 8659 4.1)",
		            dns_field_shown(&f, b));
	if ((e = put_uint(r, (uint32_t)f.len, 1)) < 0 || (e = put(r, f.text, f.len)) < 0 ||
	    (e = need(r, &f, "CAA value")) < 0)
		return e;
	n = unescape(&f, r->p + r->len, r->cap - r->len);
	if (n == -ENOSPC)
		return fail(r, "rdata over %lu octets (RFC 1035 3.2.1)", (unsigned long)r->cap);
	if (n < 0)
		return fail(r, "bad escape in CAA value '%s'", dns_field_shown(&f, b));
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
		return fail(r, "missing %s", what[count]);
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

	if ((e = number(r, "RFC 3597 rdata length", 65535, &len)) < 0 ||
	    (e = put_hex_rest(r, "RFC 3597 rdata (hex)", &n)) < 0)
		return e;
	if (n != len)
		return fail(r, "RFC 3597 rdata of length %lu but %lu octets of hex",
		            (unsigned long)len, (unsigned long)n);
	return 0;
}

/* ---- SVCB and HTTPS (RFC 9460) ---- */

/* More in one record than any real use; lets the keys be sorted in place. */
#define SVC_PARAMS_MAX 64

enum {
	SVC_MANDATORY,
	SVC_ALPN,
	SVC_NO_DEFAULT_ALPN,
	SVC_PORT,
	SVC_IPV4HINT,
	SVC_ECH,
	SVC_IPV6HINT,
	SVC_KNOWN
};
static const char *const svc_keys[SVC_KNOWN] = {
    "mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint",
};

/* The SvcParams of one record being parsed, in the order written. */
struct svc {
	const struct dns_field *f; /* the one being read, for messages */
	uint16_t key[SVC_PARAMS_MAX];
	size_t off[SVC_PARAMS_MAX]; /* in the rdata, of its key */
	int n;
	uint16_t must[SVC_PARAMS_MAX]; /* the keys mandatory lists */
	int nmust;
};

/* A param's value with its escapes read; then the params being sorted. */
static uint8_t svc_scratch[DNS_RDATA_MAX];

/* A key by name or as "keyNNNNN" without leading zeros (RFC 9460 2.1; 65535 is reserved, 14.3.2).
 */
static int svc_key_from(const char *s, size_t len)
{
	uint32_t v;

	for (int k = 0; k < SVC_KNOWN; k++)
		if (strlen(svc_keys[k]) == len && !memcmp(svc_keys[k], s, len))
			return k;
	if (len < 4 || memcmp(s, "key", 3) || (len > 4 && s[3] == '0') ||
	    u32_from(s + 3, len - 3, 65534, &v) < 0)
		return -EINVAL;
	return (int)v;
}

static const char *svc_key_name(uint16_t key, char buf[12])
{
	if (key < SVC_KNOWN)
		return svc_keys[key];
	snprintf(buf, 12, "key%u", key);
	return buf;
}

static int svc_bad(struct rd *r, const struct svc *s, const char *expected)
{
	char b[DNS_SHOWN_SIZE];

	return fail(r, "bad SvcParam '%s': expected %s", dns_field_shown(s->f, b), expected);
}

/*
 * The next item of a value-list (RFC 9460 A.1) into item: "\," is a
 * comma, "\\" a backslash, a bare "," ends the item. Items are not empty,
 * nor is the list, and it does not end with ",".
 */
static int list_item(const uint8_t *v, size_t n, size_t *i, uint8_t *item, size_t max)
{
	size_t w = 0;

	while (*i < n && v[*i] != ',') {
		uint8_t c = v[(*i)++];
		if (c == '\\' && (*i == n || (v[*i] != ',' && v[*i] != '\\')))
			return -EINVAL;
		if (c == '\\')
			c = v[(*i)++];
		if (w == max)
			return -EINVAL;
		item[w++] = c;
	}
	if (w == 0 || (*i < n && ++*i == n))
		return -EINVAL;
	return (int)w;
}

/* RFC 9460 8: keys, not "mandatory" itself, none twice; sorted on the wire. */
static int svc_mandatory(struct rd *r, struct svc *s, const uint8_t *v, size_t n)
{
	uint8_t item[64];
	size_t i = 0;
	int len, e = 0;

	do {
		int key, j;
		if ((len = list_item(v, n, &i, item, sizeof(item))) < 0 ||
		    (key = svc_key_from((const char *)item, (size_t)len)) <= 0 ||
		    s->nmust == SVC_PARAMS_MAX)
			return svc_bad(r, s, "keys other than mandatory, separated by ','");
		for (j = s->nmust; j > 0 && s->must[j - 1] >= key; j--)
			if (s->must[j - 1] == key)
				return svc_bad(r, s, "each key once");
		memmove(s->must + j + 1, s->must + j, (size_t)(s->nmust - j) * 2);
		s->must[j] = (uint16_t)key;
		s->nmust++;
	} while (i < n);
	for (int j = 0; j < s->nmust && e == 0; j++)
		e = put_uint(r, s->must[j], 2);
	return e;
}

/* RFC 9460 7.1.1: protocol ids of 1-255 octets. */
static int svc_alpn(struct rd *r, struct svc *s, const uint8_t *v, size_t n)
{
	uint8_t item[256];
	size_t i = 0;
	int len, e = 0;

	do {
		if ((len = list_item(v, n, &i, item + 1, 255)) < 0)
			return svc_bad(r, s, "protocol ids separated by ','");
		item[0] = (uint8_t)len;
		e = put(r, item, (size_t)len + 1);
	} while (i < n && e == 0);
	return e;
}

/* RFC 9460 7.3: addresses of `size` octets, separated by ','. */
static int svc_hints(struct rd *r, struct svc *s, const uint8_t *v, size_t n, int size)
{
	uint8_t item[64], a[16];
	size_t i = 0;
	int len, e = 0;

	do {
		if ((len = list_item(v, n, &i, item, sizeof(item))) < 0 ||
		    (size == 4 ? ipv4_from((const char *)item, (size_t)len, a)
		               : ipv6_from((const char *)item, (size_t)len, a)) < 0)
			return svc_bad(r, s,
			               size == 4 ? "IPv4 addresses separated by ','"
			                         : "IPv6 addresses separated by ','");
		e = put(r, a, (size_t)size);
	} while (i < n && e == 0);
	return e;
}

static int svc_port(struct rd *r, struct svc *s, const uint8_t *v, size_t n)
{
	uint32_t port;

	if (u32_from((const char *)v, n, 65535, &port) < 0)
		return svc_bad(r, s, "a port 0-65535");
	return put_uint(r, port, 2);
}

/* RFC 9460 7.3 (ech): an ECHConfigList in base64. */
static int svc_ech(struct rd *r, struct svc *s, const uint8_t *v, size_t n)
{
	int len = dns_base64_decode(v, n, r->p + r->len, r->cap - r->len);

	if (len == -ENOSPC)
		return fail(r, "rdata over %lu octets (RFC 1035 3.2.1)", (unsigned long)r->cap);
	if (len <= 0)
		return svc_bad(r, s, "base64");
	r->len += (size_t)len;
	return 0;
}

/* A value, its escapes read, into the key's wire form (RFC 9460 7). */
static int svc_value(struct rd *r, struct svc *s, uint16_t key, const uint8_t *v, size_t n)
{
	if (n == 0)
		return key >= SVC_KNOWN || key == SVC_NO_DEFAULT_ALPN ? 0
		                                                      : svc_bad(r, s, "a value");
	switch (key) {
	case SVC_MANDATORY:
		return svc_mandatory(r, s, v, n);
	case SVC_ALPN:
		return svc_alpn(r, s, v, n);
	case SVC_NO_DEFAULT_ALPN:
		return n ? svc_bad(r, s, "no value") : 0;
	case SVC_PORT:
		return svc_port(r, s, v, n);
	case SVC_IPV4HINT:
		return svc_hints(r, s, v, n, 4);
	case SVC_ECH:
		return svc_ech(r, s, v, n);
	case SVC_IPV6HINT:
		return svc_hints(r, s, v, n, 16);
	}
	return put(r, v, n);
}

/* The value of key=value, key="value" (two fields, joined) or key (none). */
static int svc_value_field(struct rd *r, const struct dns_field *f, size_t klen,
                           struct dns_field *v)
{
	struct dns_field next;
	int e = 0;

	*v = (struct dns_field){f->text + f->len, 0, false, false};
	if (klen == f->len)
		return 0;
	v->text = f->text + klen + 1;
	v->len = f->len - klen - 1;
	if (v->len > 0 || (e = next_field(r, &next)) <= 0)
		return e;
	if (next.quoted && next.joined)
		*v = next;
	else
		give_back(r, &next);
	return 0;
}

static bool svc_has(const struct svc *s, uint16_t key)
{
	for (int i = 0; i < s->n; i++)
		if (s->key[i] == key)
			return true;
	return false;
}

static int svc_param(struct rd *r, struct svc *s, const struct dns_field *f)
{
	const char *eq = memchr(f->text, '=', f->len);
	size_t klen = eq ? (size_t)(eq - f->text) : f->len, start;
	struct dns_field v;
	int key = f->quoted ? -EINVAL : svc_key_from(f->text, klen), n, e;

	s->f = f;
	if (key < 0)
		return svc_bad(r, s,
		               "a key: mandatory, alpn, no-default-alpn, port, ipv4hint, ech, "
		               "ipv6hint or keyNNNNN");
	if (svc_has(s, (uint16_t)key))
		return svc_bad(r, s, "each key once (RFC 9460 2.1)");
	if (s->n == SVC_PARAMS_MAX)
		return fail(r, "more than %d SvcParams", SVC_PARAMS_MAX);
	if ((e = svc_value_field(r, f, klen, &v)) < 0)
		return e;
	if ((n = unescape(&v, svc_scratch, sizeof(svc_scratch))) < 0)
		return svc_bad(r, s, "a value with good escapes");
	s->key[s->n] = (uint16_t)key;
	s->off[s->n++] = r->len;
	if ((e = put_uint(r, (uint32_t)key << 16, 4)) < 0) /* the length is set below */
		return e;
	start = r->len;
	if ((e = svc_value(r, s, (uint16_t)key, svc_scratch, (size_t)n)) < 0)
		return e;
	r->p[start - 2] = (uint8_t)((r->len - start) >> 8);
	r->p[start - 1] = (uint8_t)(r->len - start);
	return 0;
}

/* RFC 9460 2.2: the params on the wire in increasing order of their keys. */
static void svc_sort(struct rd *r, struct svc *s, size_t start)
{
	size_t w = 0;

	for (int i = 1; i < s->n; i++)
		for (int j = i; j > 0 && s->key[j - 1] > s->key[j]; j--) {
			uint16_t k = s->key[j];
			size_t o = s->off[j];
			s->key[j] = s->key[j - 1], s->off[j] = s->off[j - 1];
			s->key[j - 1] = k, s->off[j - 1] = o;
		}
	for (int i = 0; i < s->n; i++) {
		const uint8_t *p = r->p + s->off[i];
		size_t len = 4u + (size_t)(p[2] << 8 | p[3]);
		memcpy(svc_scratch + w, p, len);
		w += len;
	}
	memcpy(r->p + start, svc_scratch, w);
}

static int svc_check(struct rd *r, struct svc *s, uint32_t priority)
{
	char b[12];

	if (priority == 0 && s->n > 0)
		return fail(r,
		            "SvcParams in AliasMode (SvcPriority 0): it has none (RFC 9460 2.4.2)");
	for (int i = 0; i < s->nmust; i++)
		if (!svc_has(s, s->must[i]))
			return fail(r,
			            "mandatory lists %s but it has no such SvcParam (RFC 9460 8)",
			            svc_key_name(s->must[i], b));
	return 0;
}

/* RFC 9460 2.1: SvcPriority TargetName SvcParams. */
static int rd_svcb(struct rd *r)
{
	struct svc s = {0};
	struct dns_field f;
	uint32_t priority;
	size_t start;
	int e;

	if ((e = number(r, "SvcPriority", 65535, &priority)) < 0 ||
	    (e = put_uint(r, priority, 2)) < 0 || (e = put_name(r, "TargetName")) < 0)
		return e;
	start = r->len;
	while ((e = next_field(r, &f)) == 1)
		if ((e = svc_param(r, &s, &f)) < 0)
			return e;
	if (e < 0 || (e = svc_check(r, &s, priority)) < 0)
		return e;
	svc_sort(r, &s, start);
	return 0;
}

/* ---- printing text ---- */

static void out_mem(struct pr *p, const char *s, size_t n)
{
	if (p->full || n >= p->size - p->len) {
		p->full = true;
		return;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

static void out(struct pr *p, const char *fmt, ...)
{
	char b[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	out_mem(p, b, (size_t)n);
}

/* A byte inside a quoted string (RFC 1035 5.1): \" \\ and \DDD where needed. */
static void out_quoted_byte(struct pr *p, uint8_t c)
{
	if (c == '"' || c == '\\')
		out(p, "\\%c", c);
	else if (c < ' ' || c >= 127)
		out(p, "\\%03u", c);
	else
		out_mem(p, (const char *)&c, 1);
}

static void out_quoted(struct pr *p, const uint8_t *s, size_t n)
{
	out_mem(p, "\"", 1);
	for (size_t i = 0; i < n; i++)
		out_quoted_byte(p, s[i]);
	out_mem(p, "\"", 1);
}

static void out_hex(struct pr *p, const uint8_t *s, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char h[2] = {digits[s[i] >> 4], digits[s[i] & 15]};
		out_mem(p, h, 2);
	}
}

static void out_base64(struct pr *p, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t q = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) |
		             (i + 2 < n ? s[i + 2] : 0);
		char c[4] = {b64[q >> 18], b64[q >> 12 & 63], i + 1 < n ? b64[q >> 6 & 63] : '=',
		             i + 2 < n ? b64[q & 63] : '='};
		out_mem(p, c, 4);
	}
}

static void out_ipv4(struct pr *p, const uint8_t *a)
{
	out(p, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* RFC 5952 4: lowercase, no leading zeros, "::" for the first longest run of 2+ zero groups. */
static void out_ipv6(struct pr *p, const uint8_t *a)
{
	int best = -1, best_len = 1;

	for (int i = 0; i < 8; i++) {
		int j = i;
		while (j < 8 && !a[2 * j] && !a[2 * j + 1])
			j++;
		if (j - i > best_len)
			best = i, best_len = j - i;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			out_mem(p, "::", 2);
			i += best_len - 1;
			continue;
		}
		out(p, "%s%x", i > 0 && i != best + best_len ? ":" : "",
		    a[2 * i] << 8 | a[2 * i + 1]);
	}
}

/* ---- reading wire ---- */

static int w_uint(struct wire *w, int bytes, uint32_t *v)
{
	if (w->len - w->off < (size_t)bytes)
		return -EINVAL;
	*v = 0;
	for (int i = 0; i < bytes; i++)
		*v = *v << 8 | w->p[w->off++];
	return 0;
}

static int pr_uint(struct pr *p, struct wire *w, int bytes, const char *sep)
{
	uint32_t v;

	if (w_uint(w, bytes, &v) < 0)
		return -EINVAL;
	out(p, "%lu%s", (unsigned long)v, sep);
	return 0;
}

static int pr_name_at(struct pr *p, struct wire *w, const char *sep)
{
	char text[DNS_NAME_MAX * 4 + 1];
	int n = dns_name_len(w->p + w->off, w->len - w->off);

	if (n < 0 || dns_name_to_text(w->p + w->off, text, sizeof(text)) < 0)
		return -EINVAL;
	w->off += (size_t)n;
	out_mem(p, text, strlen(text));
	out_mem(p, sep, strlen(sep));
	return 0;
}

static int pr_string(struct pr *p, struct wire *w)
{
	uint32_t n;

	if (w_uint(w, 1, &n) < 0 || n > w->len - w->off)
		return -EINVAL;
	out_quoted(p, w->p + w->off, n);
	w->off += n;
	return 0;
}

/* ---- the types' printers: each reads all its rdata or fails ---- */

static int pr_a(struct pr *p, struct wire *w)
{
	if (w->len != 4)
		return -EINVAL;
	out_ipv4(p, w->p);
	w->off = 4;
	return 0;
}

static int pr_aaaa(struct pr *p, struct wire *w)
{
	if (w->len != 16)
		return -EINVAL;
	out_ipv6(p, w->p);
	w->off = 16;
	return 0;
}

static int pr_name(struct pr *p, struct wire *w)
{
	return pr_name_at(p, w, "");
}

static int pr_mx(struct pr *p, struct wire *w)
{
	return pr_uint(p, w, 2, " ") || pr_name_at(p, w, "") ? -EINVAL : 0;
}

static int pr_srv(struct pr *p, struct wire *w)
{
	return pr_uint(p, w, 2, " ") || pr_uint(p, w, 2, " ") || pr_uint(p, w, 2, " ") ||
	               pr_name_at(p, w, "")
	           ? -EINVAL
	           : 0;
}

static int pr_soa(struct pr *p, struct wire *w)
{
	int e = pr_name_at(p, w, " ") || pr_name_at(p, w, " ");

	for (int i = 0; i < 5 && !e; i++)
		e = pr_uint(p, w, 4, i < 4 ? " " : "");
	return e ? -EINVAL : 0;
}

static int pr_txt(struct pr *p, struct wire *w)
{
	int e = w->len == 0 ? -EINVAL : 0;

	while (!e && w->off < w->len) {
		out_mem(p, " ", w->off > 0);
		e = pr_string(p, w);
	}
	return e;
}

static int pr_hinfo(struct pr *p, struct wire *w)
{
	if (pr_string(p, w) < 0)
		return -EINVAL;
	out_mem(p, " ", 1);
	return pr_string(p, w);
}

static int pr_caa(struct pr *p, struct wire *w)
{
	uint32_t taglen;

	if (pr_uint(p, w, 1, " ") < 0 || w_uint(w, 1, &taglen) < 0 || taglen > w->len - w->off ||
	    !caa_tag_ok((const char *)w->p + w->off, taglen))
		return -EINVAL;
	out_mem(p, (const char *)w->p + w->off, taglen);
	out_mem(p, " ", 1);
	out_quoted(p, w->p + w->off + taglen, w->len - w->off - taglen);
	w->off = w->len;
	return 0;
}

/* `count` one-octet numbers, then at least one octet in hex. */
static int pr_octets_hex(struct pr *p, struct wire *w, int count)
{
	for (int i = 0; i < count; i++)
		if (pr_uint(p, w, 1, " ") < 0)
			return -EINVAL;
	if (w->off == w->len)
		return -EINVAL;
	out_hex(p, w->p + w->off, w->len - w->off);
	w->off = w->len;
	return 0;
}

static int pr_sshfp(struct pr *p, struct wire *w)
{
	return pr_octets_hex(p, w, 2);
}

static int pr_tlsa(struct pr *p, struct wire *w)
{
	return pr_octets_hex(p, w, 3);
}

/* ---- SvcParams printed: the checks of the parser, on the wire ---- */

/* An alpn id inside quotes: value-list escapes (RFC 9460 A.1) under the string's. */
static void out_alpn_id(struct pr *p, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == ',')
			out_mem(p, "\\\\,", 3);
		else if (s[i] == '\\')
			out_mem(p, "\\\\\\\\", 4);
		else
			out_quoted_byte(p, s[i]);
}

static int pr_alpn(struct pr *p, const uint8_t *v, size_t n)
{
	out_mem(p, "=\"", 2);
	for (size_t i = 0; i < n; i += 1u + v[i]) {
		if (v[i] == 0 || v[i] > n - i - 1)
			return -EINVAL;
		out_mem(p, ",", i > 0);
		out_alpn_id(p, v + i + 1, v[i]);
	}
	out_mem(p, "\"", 1);
	return n ? 0 : -EINVAL;
}

/* The keys sorted, none 0 (RFC 9460 8). */
static int pr_mandatory(struct pr *p, const uint8_t *v, size_t n)
{
	char b[12];
	int last = 0;

	if (n == 0 || n % 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 2) {
		int key = v[i] << 8 | v[i + 1];
		if (key <= last)
			return -EINVAL;
		last = key;
		out(p, "%s%s", i ? "," : "=", svc_key_name((uint16_t)key, b));
	}
	return 0;
}

static int pr_hints(struct pr *p, const uint8_t *v, size_t n, size_t size)
{
	if (n == 0 || n % size)
		return -EINVAL;
	for (size_t i = 0; i < n; i += size) {
		out_mem(p, i ? "," : "=", 1);
		if (size == 4)
			out_ipv4(p, v + i);
		else
			out_ipv6(p, v + i);
	}
	return 0;
}

static int pr_param(struct pr *p, uint16_t key, const uint8_t *v, size_t n)
{
	char b[12];

	out(p, " %s", svc_key_name(key, b));
	switch (key) {
	case SVC_MANDATORY:
		return pr_mandatory(p, v, n);
	case SVC_ALPN:
		return pr_alpn(p, v, n);
	case SVC_NO_DEFAULT_ALPN:
		return n ? -EINVAL : 0;
	case SVC_PORT:
		if (n != 2)
			return -EINVAL;
		out(p, "=%u", v[0] << 8 | v[1]);
		return 0;
	case SVC_IPV4HINT:
		return pr_hints(p, v, n, 4);
	case SVC_ECH:
		out_mem(p, "=", 1);
		out_base64(p, v, n);
		return n ? 0 : -EINVAL;
	case SVC_IPV6HINT:
		return pr_hints(p, v, n, 16);
	}
	out_mem(p, "=", 1);
	out_quoted(p, v, n);
	return 0;
}

/* Every key mandatory lists has its param: `keys` holds the n keys present. */
static bool svc_wire_mandatory_ok(const struct wire *w, size_t at, const uint16_t *keys, int n)
{
	size_t len = (size_t)(w->p[at + 2] << 8 | w->p[at + 3]);

	for (size_t i = 0; i < len; i += 2) {
		uint16_t key = (uint16_t)(w->p[at + 4 + i] << 8 | w->p[at + 5 + i]);
		int j = 0;
		while (j < n && keys[j] != key)
			j++;
		if (j == n)
			return false;
	}
	return true;
}

static int pr_svcb(struct pr *p, struct wire *w)
{
	uint16_t keys[SVC_PARAMS_MAX];
	uint32_t priority, key, len;
	int n = 0, last = -1;

	if (w_uint(w, 2, &priority) < 0)
		return -EINVAL;
	out(p, "%lu ", (unsigned long)priority);
	if (pr_name_at(p, w, "") < 0 || (priority == 0 && w->off < w->len))
		return -EINVAL;
	size_t first = w->off;
	while (w->off < w->len) {
		if (w_uint(w, 2, &key) < 0 || w_uint(w, 2, &len) < 0 || len > w->len - w->off ||
		    (int)key <= last || key == 65535 || n == SVC_PARAMS_MAX ||
		    pr_param(p, (uint16_t)key, w->p + w->off, len) < 0)
			return -EINVAL;
		keys[n++] = (uint16_t)key;
		last = (int)key;
		w->off += len;
	}
	return n > 0 && keys[0] == SVC_MANDATORY && !svc_wire_mandatory_ok(w, first, keys, n)
	           ? -EINVAL
	           : 0;
}

/* ---- the types ---- */

struct rtype {
	uint16_t type;
	const char *name;
	int (*parse)(struct rd *r);
	int (*print)(struct pr *p, struct wire *w);
};

/* Meta and query types have a name but no rdata here (RFC 6895 3.1). */
static const struct rtype types[] = {
    {DNS_T_A, "A", rd_a, pr_a},
    {DNS_T_NS, "NS", rd_name, pr_name},
    {DNS_T_CNAME, "CNAME", rd_name, pr_name},
    {DNS_T_SOA, "SOA", rd_soa, pr_soa},
    {DNS_T_PTR, "PTR", rd_name, pr_name},
    {DNS_T_HINFO, "HINFO", rd_hinfo, pr_hinfo},
    {DNS_T_MX, "MX", rd_mx, pr_mx},
    {DNS_T_TXT, "TXT", rd_txt, pr_txt},
    {DNS_T_AAAA, "AAAA", rd_aaaa, pr_aaaa},
    {DNS_T_SRV, "SRV", rd_srv, pr_srv},
    {DNS_T_DNAME, "DNAME", rd_name, pr_name},
    {DNS_T_OPT, "OPT", NULL, NULL},
    {DNS_T_SSHFP, "SSHFP", rd_sshfp, pr_sshfp},
    {DNS_T_TLSA, "TLSA", rd_tlsa, pr_tlsa},
    {DNS_T_SVCB, "SVCB", rd_svcb, pr_svcb},
    {DNS_T_HTTPS, "HTTPS", rd_svcb, pr_svcb},
    {DNS_T_TSIG, "TSIG", NULL, NULL},
    {DNS_T_IXFR, "IXFR", NULL, NULL},
    {DNS_T_AXFR, "AXFR", NULL, NULL},
    {DNS_T_ANY, "ANY", NULL, NULL},
    {DNS_T_CAA, "CAA", rd_caa, pr_caa},
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
	    u32_from(text + 4, len - 4, 65535, &v) == 0 && v > 0)
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
	int e = next_field(r, &f);

	if (e == 1)
		return fail(r, "unexpected '%s' after the rdata", dns_field_shown(&f, b));
	return e;
}

int dns_rdata_from_text(uint16_t type, struct dns_rdata_in *in, uint8_t *out, size_t size)
{
	struct rd r = {in, out, 0, size < DNS_RDATA_MAX ? size : DNS_RDATA_MAX};
	const struct rtype *t = type_find(type);
	struct dns_field f;
	char b[12];
	int e = next_field(&r, &f);

	if (e < 0)
		return e;
	if (e == 1 && !f.quoted && f.len == 2 && !memcmp(f.text, "\\#", 2))
		e = rd_generic(&r);
	else if (!t || !t->parse)
		return fail(&r,
		            "no presentation form for type %s here: write '\\# length hex' "
		            "(RFC 3597 5)",
		            dns_type_to_text(type, b));
	else {
		if (e == 1)
			give_back(&r, &f);
		e = t->parse(&r);
	}
	if (e < 0 || (e = end_of_rdata(&r)) < 0)
		return e;
	return (int)r.len;
}

/* RFC 3597 5: "\# len hex". */
static void pr_generic(struct pr *p, const uint8_t *rdata, size_t rdlen)
{
	out(p, "\\# %lu%s", (unsigned long)rdlen, rdlen ? " " : "");
	out_hex(p, rdata, rdlen);
}

int dns_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t rdlen, char *buf, size_t size)
{
	const struct rtype *t = type_find(type);
	struct pr p = {buf, 0, size, size == 0};
	struct wire w = {rdata, rdlen, 0};

	if (size > 0)
		buf[0] = '\0';
	if (t && t->print && rdlen <= DNS_RDATA_MAX && t->print(&p, &w) == 0 && w.off == rdlen &&
	    !p.full)
		return (int)p.len;
	p = (struct pr){buf, 0, size, size == 0};
	if (size > 0)
		buf[0] = '\0';
	pr_generic(&p, rdata, rdlen);
	return p.full ? -ENOSPC : (int)p.len;
}
