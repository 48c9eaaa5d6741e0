/*
 * SVCB and HTTPS (RFC 9460) both ways: SvcPriority, TargetName and the
 * SvcParams read from presentation form, checked and sorted into wire
 * form, and printed back with the same checks made on the wire. The
 * fields and output helpers are rdata.c's and rdata_text.c's (rdata_int.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rdata_int.h"
#include "zone.h"

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
	    rd_u32_from(s + 3, len - 3, 65534, &v) < 0)
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

	return rd_fail(r, "bad SvcParam '%s': expected %s", dns_field_shown(s->f, b), expected);
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
		e = rd_put_uint(r, s->must[j], 2);
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
		e = rd_put(r, item, (size_t)len + 1);
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
		    (size == 4 ? rd_ipv4_from((const char *)item, (size_t)len, a)
		               : rd_ipv6_from((const char *)item, (size_t)len, a)) < 0)
			return svc_bad(r, s,
			               size == 4 ? "IPv4 addresses separated by ','"
			                         : "IPv6 addresses separated by ','");
		e = rd_put(r, a, (size_t)size);
	} while (i < n && e == 0);
	return e;
}

static int svc_port(struct rd *r, struct svc *s, const uint8_t *v, size_t n)
{
	uint32_t port;

	if (rd_u32_from((const char *)v, n, 65535, &port) < 0)
		return svc_bad(r, s, "a port 0-65535");
	return rd_put_uint(r, port, 2);
}

/* RFC 9460 7.3 (ech): an ECHConfigList in base64. */
static int svc_ech(struct rd *r, struct svc *s, const uint8_t *v, size_t n)
{
	int len = dns_base64_decode(v, n, r->p + r->len, r->cap - r->len);

	if (len == -ENOSPC)
		return rd_fail(r, "rdata over %lu octets (RFC 1035 3.2.1)", (unsigned long)r->cap);
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
	return rd_put(r, v, n);
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
	if (v->len > 0 || (e = rd_next_field(r, &next)) <= 0)
		return e;
	if (next.quoted && next.joined)
		*v = next;
	else
		rd_give_back(r, &next);
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
		return rd_fail(r, "more than %d SvcParams", SVC_PARAMS_MAX);
	if ((e = svc_value_field(r, f, klen, &v)) < 0)
		return e;
	if ((n = rd_unescape(&v, svc_scratch, sizeof(svc_scratch))) < 0)
		return svc_bad(r, s, "a value with good escapes");
	s->key[s->n] = (uint16_t)key;
	s->off[s->n++] = r->len;
	if ((e = rd_put_uint(r, (uint32_t)key << 16, 4)) < 0) /* the length is set below */
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
		return rd_fail(
		    r, "SvcParams in AliasMode (SvcPriority 0): it has none (RFC 9460 2.4.2)");
	for (int i = 0; i < s->nmust; i++)
		if (!svc_has(s, s->must[i]))
			return rd_fail(
			    r, "mandatory lists %s but it has no such SvcParam (RFC 9460 8)",
			    svc_key_name(s->must[i], b));
	return 0;
}

/* RFC 9460 2.1: SvcPriority TargetName SvcParams. */
int rd_svcb(struct rd *r)
{
	struct svc s = {0};
	struct dns_field f;
	uint32_t priority;
	size_t start;
	int e;

	if ((e = rd_number(r, "SvcPriority", 65535, &priority)) < 0 ||
	    (e = rd_put_uint(r, priority, 2)) < 0 || (e = rd_put_name(r, "TargetName")) < 0)
		return e;
	start = r->len;
	while ((e = rd_next_field(r, &f)) == 1)
		if ((e = svc_param(r, &s, &f)) < 0)
			return e;
	if (e < 0 || (e = svc_check(r, &s, priority)) < 0)
		return e;
	svc_sort(r, &s, start);
	return 0;
}

/* ---- SvcParams printed: the checks of the parser, on the wire ---- */

/* RFC 9460 7.3 (ech): the ECHConfigList in base64 (RFC 4648 4), '=' padded. */
static void out_base64(struct pr *p, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t q = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) |
		             (i + 2 < n ? s[i + 2] : 0);
		char c[4] = {rd_b64[q >> 18], rd_b64[q >> 12 & 63],
		             i + 1 < n ? rd_b64[q >> 6 & 63] : '=',
		             i + 2 < n ? rd_b64[q & 63] : '='};
		rd_out_mem(p, c, 4);
	}
}

/* An alpn id inside quotes: value-list escapes (RFC 9460 A.1) under the string's. */
static void out_alpn_id(struct pr *p, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == ',')
			rd_out_mem(p, "\\\\,", 3);
		else if (s[i] == '\\')
			rd_out_mem(p, "\\\\\\\\", 4);
		else
			rd_out_quoted_byte(p, s[i]);
}

static int pr_alpn(struct pr *p, const uint8_t *v, size_t n)
{
	rd_out_mem(p, "=\"", 2);
	for (size_t i = 0; i < n; i += 1u + v[i]) {
		if (v[i] == 0 || v[i] > n - i - 1)
			return -EINVAL;
		rd_out_mem(p, ",", i > 0);
		out_alpn_id(p, v + i + 1, v[i]);
	}
	rd_out_mem(p, "\"", 1);
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
		rd_out(p, "%s%s", i ? "," : "=", svc_key_name((uint16_t)key, b));
	}
	return 0;
}

static int pr_hints(struct pr *p, const uint8_t *v, size_t n, size_t size)
{
	if (n == 0 || n % size)
		return -EINVAL;
	for (size_t i = 0; i < n; i += size) {
		rd_out_mem(p, i ? "," : "=", 1);
		if (size == 4)
			rd_out_ipv4(p, v + i);
		else
			rd_out_ipv6(p, v + i);
	}
	return 0;
}

static int pr_param(struct pr *p, uint16_t key, const uint8_t *v, size_t n)
{
	char b[12];

	rd_out(p, " %s", svc_key_name(key, b));
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
		rd_out(p, "=%u", v[0] << 8 | v[1]);
		return 0;
	case SVC_IPV4HINT:
		return pr_hints(p, v, n, 4);
	case SVC_ECH:
		rd_out_mem(p, "=", 1);
		out_base64(p, v, n);
		return n ? 0 : -EINVAL;
	case SVC_IPV6HINT:
		return pr_hints(p, v, n, 16);
	}
	rd_out_mem(p, "=", 1);
	rd_out_quoted(p, v, n);
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

int rd_pr_svcb(struct pr *p, struct wire *w)
{
	uint16_t keys[SVC_PARAMS_MAX];
	uint32_t priority, key, len;
	int n = 0, last = -1;

	if (rd_w_uint(w, 2, &priority) < 0)
		return -EINVAL;
	rd_out(p, "%lu ", (unsigned long)priority);
	if (rd_pr_name_at(p, w, "") < 0 || (priority == 0 && w->off < w->len))
		return -EINVAL;
	size_t first = w->off;
	while (w->off < w->len) {
		if (rd_w_uint(w, 2, &key) < 0 || rd_w_uint(w, 2, &len) < 0 ||
		    len > w->len - w->off || (int)key <= last || key == 65535 ||
		    n == SVC_PARAMS_MAX || pr_param(p, (uint16_t)key, w->p + w->off, len) < 0)
			return -EINVAL;
		keys[n++] = (uint16_t)key;
		last = (int)key;
		w->off += len;
	}
	return n > 0 && keys[0] == SVC_MANDATORY && !svc_wire_mandatory_ok(w, first, keys, n)
	           ? -EINVAL
	           : 0;
}
