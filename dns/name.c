/* Domain names in wire form (name.h). */
#include "name.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

int dns_name_len(const uint8_t *name, size_t max)
{
	size_t off = 0;

	while (off < max && off < DNS_NAME_MAX) {
		uint8_t l = name[off];
		if (l == 0)
			return (int)off + 1;
		if (l > DNS_LABEL_MAX)
			return -EINVAL;
		off += 1u + l;
	}
	return -EINVAL;
}

int dns_name_labels(const uint8_t *name)
{
	int n = 0;

	for (; *name; name += 1u + *name)
		n++;
	return n;
}

const uint8_t *dns_name_parent(const uint8_t *name, int n)
{
	for (; n > 0 && *name; n--)
		name += 1u + *name;
	return name;
}

bool dns_label_eq(const uint8_t *a, const uint8_t *b)
{
	if (*a != *b)
		return false;
	for (unsigned i = 1; i <= *a; i++)
		if (a[i] != b[i] && lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

bool dns_name_eq(const uint8_t *a, const uint8_t *b)
{
	for (;; a += 1u + *a, b += 1u + *b) {
		if (!dns_label_eq(a, b))
			return false;
		if (!*a)
			return true;
	}
}

bool dns_name_is_sub(const uint8_t *name, const uint8_t *zone)
{
	int extra = dns_name_labels(name) - dns_name_labels(zone);

	return extra >= 0 && dns_name_eq(dns_name_parent(name, extra), zone);
}

/* Labels compared as lowercase octet strings, a shorter prefix first (RFC 4034 6.1). */
static int label_cmp(const uint8_t *a, const uint8_t *b)
{
	unsigned n = *a < *b ? *a : *b;

	/* Equal octets first: most are (names are mostly asked as written). */
	for (unsigned i = 1; i <= n; i++)
		if (a[i] != b[i] && lower(a[i]) != lower(b[i]))
			return lower(a[i]) - lower(b[i]);
	return *a - *b;
}

/* The labels of a name, from the root down: at most 127 in 255 octets. */
static int label_stack(const uint8_t *name, const uint8_t *stack[128])
{
	int n = 0;

	for (; *name && n < 128; name += 1u + *name)
		stack[n++] = name;
	return n;
}

int dns_name_cmp(const uint8_t *a, const uint8_t *b)
{
	const uint8_t *sa[128], *sb[128];
	int na = label_stack(a, sa), nb = label_stack(b, sb);

	for (; na > 0 && nb > 0; na--, nb--) {
		int c = label_cmp(sa[na - 1], sb[nb - 1]);
		if (c)
			return c;
	}
	return na - nb;
}

uint32_t dns_name_hash(const uint8_t *name)
{
	uint32_t h = 2166136261u;

	for (;; name += 1u + *name) {
		for (unsigned i = 0; i <= *name; i++) /* the length octet (< 'A') and the label */
			h = (h ^ lower(name[i])) * 16777619u;
		if (!*name)
			return h;
	}
}

/* ---- presentation form ---- */

/* One character of a label at *p (an escape or a byte); -EINVAL for a bad escape. */
static int text_char(const char *text, size_t len, size_t *p)
{
	unsigned v;

	if (text[*p] != '\\')
		return (uint8_t)text[(*p)++];
	if (++*p >= len)
		return -EINVAL;
	if (text[*p] < '0' || text[*p] > '9')
		return (uint8_t)text[(*p)++];
	if (len - *p < 3)
		return -EINVAL;
	v = 0;
	for (int i = 0; i < 3; i++, ++*p) {
		if (text[*p] < '0' || text[*p] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(text[*p] - '0');
	}
	return v > 255 ? -EINVAL : (int)v;
}

/* The labels of `text` into out; *absolute says whether it ended with a dot. */
static int text_labels(const char *text, size_t len, uint8_t *out, bool *absolute)
{
	size_t p = 0, w = 0;

	*absolute = len == 1 && text[0] == '.';
	if (*absolute)
		return 0;
	while (p < len) {
		size_t start = w++;
		int c;
		while (p < len && text[p] != '.') {
			if ((c = text_char(text, len, &p)) < 0)
				return c;
			if (w - start > DNS_LABEL_MAX)
				return -ENAMETOOLONG;
			if (w >= DNS_NAME_MAX)
				return -ENAMETOOLONG;
			out[w++] = (uint8_t)c;
		}
		if (w - start == 1)
			return -EINVAL; /* an empty label */
		out[start] = (uint8_t)(w - start - 1);
		if (p < len && ++p == len)
			*absolute = true;
	}
	return (int)w;
}

int dns_name_from_text(const char *text, size_t len, const uint8_t *origin,
                       uint8_t out[DNS_NAME_MAX])
{
	bool absolute;
	int n, olen;

	if (len == 0)
		return -EINVAL;
	if (len == 1 && text[0] == '@') {
		if (!origin)
			return -EINVAL;
		if ((olen = dns_name_len(origin, DNS_NAME_MAX)) < 0)
			return -EINVAL;
		memcpy(out, origin, (size_t)olen);
		return olen;
	}
	if ((n = text_labels(text, len, out, &absolute)) < 0)
		return n;
	if (absolute) {
		if (n + 1 > DNS_NAME_MAX)
			return -ENAMETOOLONG;
		out[n] = 0;
		return n + 1;
	}
	if (!origin)
		return -EINVAL;
	if ((olen = dns_name_len(origin, DNS_NAME_MAX)) < 0)
		return -EINVAL; /* not a name: the caller's mistake, refused rather than copied */
	if (n + olen > DNS_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(out + n, origin, (size_t)olen);
	return n + olen;
}

/* One octet of a label in presentation form into tmp (RFC 1035 5.1): its length. */
static int text_octet(uint8_t c, char tmp[5])
{
	if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')')
		return snprintf(tmp, 5, "\\%c", c);
	if (c <= ' ' || c >= 127)
		return snprintf(tmp, 5, "\\%03u", c);
	return snprintf(tmp, 5, "%c", c);
}

int dns_name_to_text(const uint8_t *name, char *buf, size_t size)
{
	size_t w = 0;
	char tmp[5];

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (!*name && size < 2)
		return -ENOSPC;
	if (!*name)
		return (int)(memcpy(buf, ".", 2), 1);
	for (; *name; name += 1u + *name) {
		for (unsigned i = 1; i <= *name; i++) {
			int n = text_octet(name[i], tmp);
			if (w + (size_t)n + 1 > size)
				return -ENOSPC;
			memcpy(buf + w, tmp, (size_t)n + 1);
			w += (size_t)n;
		}
		if (w + 2 > size)
			return -ENOSPC;
		buf[w++] = '.';
		buf[w] = '\0';
	}
	return (int)w;
}
