/*
 * Rdata from wire form into presentation form (rdata.h): one printer per
 * type, found through the table at the end of the file. A printer accepts
 * exactly the wire its parser (rdata.c) writes, so that what it prints
 * parses back into the same bytes; anything else is printed in RFC 3597's
 * generic form.
 */
#include "rdata.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "name.h"
#include "rdata_int.h"
#include "zone.h"

/* ---- printing text ---- */

void rd_out_mem(struct pr *p, const char *s, size_t n)
{
	if (p->full || n >= p->size - p->len) {
		p->full = true;
		return;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

void rd_out(struct pr *p, const char *fmt, ...)
{
	char b[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	rd_out_mem(p, b, (size_t)n);
}

/* A byte inside a quoted string (RFC 1035 5.1): \" \\ and \DDD where needed. */
void rd_out_quoted_byte(struct pr *p, uint8_t c)
{
	if (c == '"' || c == '\\')
		rd_out(p, "\\%c", c);
	else if (c < ' ' || c >= 127)
		rd_out(p, "\\%03u", c);
	else
		rd_out_mem(p, (const char *)&c, 1);
}

void rd_out_quoted(struct pr *p, const uint8_t *s, size_t n)
{
	rd_out_mem(p, "\"", 1);
	for (size_t i = 0; i < n; i++)
		rd_out_quoted_byte(p, s[i]);
	rd_out_mem(p, "\"", 1);
}

static void out_hex(struct pr *p, const uint8_t *s, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char h[2] = {digits[s[i] >> 4], digits[s[i] & 15]};
		rd_out_mem(p, h, 2);
	}
}

void rd_out_ipv4(struct pr *p, const uint8_t *a)
{
	rd_out(p, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* RFC 5952 4: lowercase, no leading zeros, "::" for the first longest run of 2+ zero groups. */
void rd_out_ipv6(struct pr *p, const uint8_t *a)
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
			rd_out_mem(p, "::", 2);
			i += best_len - 1;
			continue;
		}
		rd_out(p, "%s%x", i > 0 && i != best + best_len ? ":" : "",
		       a[2 * i] << 8 | a[2 * i + 1]);
	}
}

/* ---- reading wire ---- */

int rd_w_uint(struct wire *w, int bytes, uint32_t *v)
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

	if (rd_w_uint(w, bytes, &v) < 0)
		return -EINVAL;
	rd_out(p, "%lu%s", (unsigned long)v, sep);
	return 0;
}

int rd_pr_name_at(struct pr *p, struct wire *w, const char *sep)
{
	char text[DNS_NAME_MAX * 4 + 1];
	int n = dns_name_len(w->p + w->off, w->len - w->off);

	if (n < 0 || dns_name_to_text(w->p + w->off, text, sizeof(text)) < 0)
		return -EINVAL;
	w->off += (size_t)n;
	rd_out_mem(p, text, strlen(text));
	rd_out_mem(p, sep, strlen(sep));
	return 0;
}

static int pr_string(struct pr *p, struct wire *w)
{
	uint32_t n;

	if (rd_w_uint(w, 1, &n) < 0 || n > w->len - w->off)
		return -EINVAL;
	rd_out_quoted(p, w->p + w->off, n);
	w->off += n;
	return 0;
}

/* ---- the types' printers: each reads all its rdata or fails ---- */

static int pr_a(struct pr *p, struct wire *w)
{
	if (w->len != 4)
		return -EINVAL;
	rd_out_ipv4(p, w->p);
	w->off = 4;
	return 0;
}

static int pr_aaaa(struct pr *p, struct wire *w)
{
	if (w->len != 16)
		return -EINVAL;
	rd_out_ipv6(p, w->p);
	w->off = 16;
	return 0;
}

static int pr_name(struct pr *p, struct wire *w)
{
	return rd_pr_name_at(p, w, "");
}

static int pr_mx(struct pr *p, struct wire *w)
{
	return pr_uint(p, w, 2, " ") || rd_pr_name_at(p, w, "") ? -EINVAL : 0;
}

static int pr_srv(struct pr *p, struct wire *w)
{
	return pr_uint(p, w, 2, " ") || pr_uint(p, w, 2, " ") || pr_uint(p, w, 2, " ") ||
	               rd_pr_name_at(p, w, "")
	           ? -EINVAL
	           : 0;
}

static int pr_soa(struct pr *p, struct wire *w)
{
	int e = rd_pr_name_at(p, w, " ") || rd_pr_name_at(p, w, " ");

	for (int i = 0; i < 5 && !e; i++)
		e = pr_uint(p, w, 4, i < 4 ? " " : "");
	return e ? -EINVAL : 0;
}

static int pr_txt(struct pr *p, struct wire *w)
{
	int e = w->len == 0 ? -EINVAL : 0;

	while (!e && w->off < w->len) {
		rd_out_mem(p, " ", w->off > 0);
		e = pr_string(p, w);
	}
	return e;
}

static int pr_hinfo(struct pr *p, struct wire *w)
{
	if (pr_string(p, w) < 0)
		return -EINVAL;
	rd_out_mem(p, " ", 1);
	return pr_string(p, w);
}

static int pr_caa(struct pr *p, struct wire *w)
{
	uint32_t taglen;

	if (pr_uint(p, w, 1, " ") < 0 || rd_w_uint(w, 1, &taglen) < 0 || taglen > w->len - w->off ||
	    !rd_caa_tag_ok((const char *)w->p + w->off, taglen))
		return -EINVAL;
	rd_out_mem(p, (const char *)w->p + w->off, taglen);
	rd_out_mem(p, " ", 1);
	rd_out_quoted(p, w->p + w->off + taglen, w->len - w->off - taglen);
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

/* ---- the types ---- */

struct printer {
	uint16_t type;
	int (*print)(struct pr *p, struct wire *w);
};

static const struct printer printers[] = {
    {DNS_T_A, pr_a},       {DNS_T_NS, pr_name},      {DNS_T_CNAME, pr_name},
    {DNS_T_SOA, pr_soa},   {DNS_T_PTR, pr_name},     {DNS_T_HINFO, pr_hinfo},
    {DNS_T_MX, pr_mx},     {DNS_T_TXT, pr_txt},      {DNS_T_AAAA, pr_aaaa},
    {DNS_T_SRV, pr_srv},   {DNS_T_DNAME, pr_name},   {DNS_T_SSHFP, pr_sshfp},
    {DNS_T_TLSA, pr_tlsa}, {DNS_T_SVCB, rd_pr_svcb}, {DNS_T_HTTPS, rd_pr_svcb},
    {DNS_T_CAA, pr_caa},
};

static const struct printer *printer_find(uint16_t type)
{
	for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++)
		if (printers[i].type == type)
			return &printers[i];
	return NULL;
}

/* RFC 3597 5: "\# len hex". */
static void pr_generic(struct pr *p, const uint8_t *rdata, size_t rdlen)
{
	rd_out(p, "\\# %lu%s", (unsigned long)rdlen, rdlen ? " " : "");
	out_hex(p, rdata, rdlen);
}

int dns_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t rdlen, char *buf, size_t size)
{
	const struct printer *t = printer_find(type);
	struct pr p = {buf, 0, size, size == 0};
	struct wire w = {rdata, rdlen, 0};

	if (size > 0)
		buf[0] = '\0';
	if (t && rdlen <= DNS_RDATA_MAX && t->print(&p, &w) == 0 && w.off == rdlen && !p.full)
		return (int)p.len;
	p = (struct pr){buf, 0, size, size == 0};
	if (size > 0)
		buf[0] = '\0';
	pr_generic(&p, rdata, rdlen);
	return p.full ? -ENOSPC : (int)p.len;
}
