/*
 * HTTP/1.1 request heads and the header values the server acts on
 * (http_parse.h). One function per production of RFC 9112 (message
 * syntax) and RFC 9110 (fields); each takes a cursor over the bytes
 * received and answers: done, need more, or bad with a status.
 */
#include "http_parse.h"

#include <stdbool.h>
#include <string.h>

/* ---- characters (RFC 9110 section 5.6.2, RFC 5234 appendix B) ---- */

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_tchar(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* field-vchar / obs-text / SP / HTAB: what a field value may hold. */
static bool is_field_char(unsigned char c)
{
	return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f);
}

static bool is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool same_name(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n && b[i]; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return i == n && !b[i];
}

/* ---- lines (RFC 9112 section 2.2) ---- */

/*
 * The end of the line at `p`, which may hold at most `limit` bytes before
 * its CRLF: 0 and *eol at its CR; HTTP_INCOMPLETE while it may still end
 * in time; HTTP_BAD with `over` as the status once it cannot, even before
 * the rest arrives. A bare CR or a bare LF is malformed (400): lines end
 * in CRLF.
 */
static int line_end(const char *p, const char *end, size_t limit, int over, const char **eol,
                    int *status)
{
	size_t avail = (size_t)(end - p), scan = avail < limit + 1 ? avail : limit + 1;
	const char *q;

	for (q = p; q < p + scan; q++) {
		if (*q == '\n') {
			*status = 400;
			return HTTP_BAD;
		}
		if (*q != '\r')
			continue;
		if (q + 1 == end)
			return HTTP_INCOMPLETE;
		if (q[1] != '\n') {
			*status = 400;
			return HTTP_BAD;
		}
		*eol = q;
		return 0;
	}
	if (scan <= limit)
		return HTTP_INCOMPLETE;
	*status = over;
	return HTTP_BAD;
}

/* ---- the request line (RFC 9112 section 3) ---- */

/* method = token */
static const char *method(const char *p, const char *eol)
{
	while (p < eol && is_tchar((unsigned char)*p))
		p++;
	return p;
}

/* request-target: origin-, absolute-, authority- or asterisk-form, all visible ASCII. */
static const char *target(const char *p, const char *eol)
{
	while (p < eol && (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f)
		p++;
	return p;
}

/* HTTP-version = "HTTP/" DIGIT "." DIGIT; only major 1 is ours (505 otherwise). */
static int version(const char *p, const char *eol, int *minor, int *status)
{
	if (eol - p != 8 || memcmp(p, "HTTP/", 5) || !is_digit((unsigned char)p[5]) ||
	    p[6] != '.' || !is_digit((unsigned char)p[7])) {
		*status = 400;
		return HTTP_BAD;
	}
	if (p[5] != '1') {
		*status = 505;
		return HTTP_BAD;
	}
	*minor = p[7] - '0';
	return 0;
}

static int request_line(const char **pp, const char *end, struct http_request *req, int *status)
{
	const char *p = *pp, *eol, *q;
	int r = line_end(p, end, HTTP_MAX_LINE, 414, &eol, status);

	if (r)
		return r;
	*status = 400;
	q = method(p, eol);
	if (q == p || q == eol || *q != ' ')
		return HTTP_BAD;
	req->method = p;
	req->method_len = (size_t)(q - p);
	p = q + 1;
	q = target(p, eol);
	if (q == p || q == eol || *q != ' ')
		return HTTP_BAD;
	req->target = p;
	req->target_len = (size_t)(q - p);
	if ((r = version(q + 1, eol, &req->minor, status)))
		return r;
	*pp = eol + 2;
	return 0;
}

/* ---- header fields (RFC 9112 section 5) ---- */

/*
 * field-line = field-name ":" OWS field-value OWS; 1 for the empty line
 * that ends the head. `room`: the bytes the head may still take, this
 * line's CRLF included.
 */
static int field_line(const char **pp, const char *end, size_t room, struct http_request *req,
                      int *status)
{
	const char *p = *pp, *eol, *name, *v, *ve;
	int r;

	if (room < 2) {
		*status = 431;
		return HTTP_BAD;
	}
	if ((r = line_end(p, end, room - 2, 431, &eol, status)))
		return r;
	*pp = eol + 2;
	if (eol == p)
		return 1;
	*status = 400;
	/* A line starting with whitespace is obs-fold, which a server must reject or undo. */
	for (name = p; p < eol && is_tchar((unsigned char)*p); p++)
		;
	if (p == name || p == eol || *p != ':')
		return HTTP_BAD; /* includes whitespace before the colon (section 5.1) */
	for (v = p + 1; v < eol && is_ows((unsigned char)*v); v++)
		;
	for (ve = eol; ve > v && is_ows((unsigned char)ve[-1]); ve--)
		;
	for (const char *c = v; c < ve; c++)
		if (!is_field_char((unsigned char)*c))
			return HTTP_BAD;
	if (req->nfields == HTTP_MAX_HEADERS) {
		*status = 431;
		return HTTP_BAD;
	}
	req->field[req->nfields++] =
	    (struct http_field){name, (size_t)(p - name), v, (size_t)(ve - v)};
	return 0;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req, int *status)
{
	const char *p = buf, *end = buf + len;
	int r;

	memset(req, 0, sizeof(*req));
	/* At least one empty line before the request line is to be ignored (section 2.2). */
	while (end - p >= 2 && p[0] == '\r' && p[1] == '\n' && p - buf < HTTP_MAX_HEAD)
		p += 2;
	if ((r = request_line(&p, end, req, status)))
		return r;
	for (;;) {
		size_t used = (size_t)(p - buf);
		r = field_line(&p, end, used < HTTP_MAX_HEAD ? HTTP_MAX_HEAD - used : 0, req,
		               status);
		if (r == 1)
			return (int)(p - buf);
		if (r)
			return r;
	}
}

/* ---- the rules between fields ---- */

const char *http_field_get(const struct http_request *req, const char *name, size_t *len)
{
	for (size_t i = 0; i < req->nfields; i++)
		if (same_name(req->field[i].name, req->field[i].name_len, name)) {
			*len = req->field[i].value_len;
			return req->field[i].value;
		}
	return NULL;
}

/* A decimal number of at most 19 digits (so it fits), nothing else. */
static int decimal(const char *p, size_t n, uint64_t *v)
{
	if (n == 0 || n > 19)
		return -1;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)p[i]))
			return -1;
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	}
	return 0;
}

static int content_length(struct http_request *req, const struct http_field *f, bool seen)
{
	uint64_t v;

	if (decimal(f->value, f->value_len, &v))
		return -1;
	/* Repeated, it must say the same (RFC 9110 section 8.6). */
	if (seen && v != req->content_length)
		return -1;
	req->content_length = v;
	return 0;
}

int http_request_check(struct http_request *req, int *status)
{
	bool cl = false, te = false;
	int hosts = 0;

	*status = 400;
	for (size_t i = 0; i < req->nfields; i++) {
		const struct http_field *f = &req->field[i];
		if (same_name(f->name, f->name_len, "host"))
			hosts++;
		else if (same_name(f->name, f->name_len, "content-length")) {
			if (content_length(req, f, cl))
				return -1;
			cl = true;
		} else if (same_name(f->name, f->name_len, "transfer-encoding")) {
			/* Only "chunked", once: any other coding is one we do not implement. */
			if (te || !same_name(f->value, f->value_len, "chunked")) {
				*status = te ? 400 : 501;
				return -1;
			}
			te = true;
		}
	}
	/* RFC 9112 section 3.2: exactly one Host in HTTP/1.1, at most one before. */
	if (hosts > 1 || (req->minor >= 1 && hosts == 0))
		return -1;
	/* Both framings at once is how requests are smuggled (section 6.1). */
	if (te && cl)
		return -1;
	req->chunked = te;
	if (te && req->minor == 0)
		return -1;
	return 0;
}

/* ---- Range (RFC 9110 section 14.2) ---- */

static const char *digits_end(const char *p, const char *end)
{
	while (p < end && is_digit((unsigned char)*p))
		p++;
	return p;
}

enum http_range http_parse_range(const char *value, size_t len, uint64_t size, uint64_t *first,
                                 uint64_t *last)
{
	const char *p = value, *end = value + len, *q;
	uint64_t a, b;

	/* Only bytes, and one range: several are allowed to be ignored (whole answer). */
	if (len < 6 || !same_name(p, 6, "bytes=") || memchr(p, ',', len))
		return HTTP_RANGE_NONE;
	p += 6;
	if (p < end && *p == '-') {
		/* suffix-range: the last n bytes */
		if (decimal(p + 1, (size_t)(end - p - 1), &b))
			return HTTP_RANGE_NONE;
		if (b == 0 || size == 0)
			return HTTP_RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return HTTP_RANGE_OK;
	}
	q = digits_end(p, end);
	if (q == end || *q != '-' || decimal(p, (size_t)(q - p), &a))
		return HTTP_RANGE_NONE;
	if (q + 1 == end)
		b = UINT64_MAX;
	else if (decimal(q + 1, (size_t)(end - q - 1), &b) || b < a)
		return HTTP_RANGE_NONE; /* invalid: ignored */
	if (a >= size)
		return HTTP_RANGE_UNSATISFIABLE;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return HTTP_RANGE_OK;
}

/* ---- If-None-Match (RFC 9110 section 13.1.2) ---- */

/* entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; *tag gets the quoted part. */
static const char *entity_tag(const char *p, const char *end, const char **tag, size_t *tag_len)
{
	const char *q;

	if (end - p >= 2 && p[0] == 'W' && p[1] == '/')
		p += 2;
	if (p == end || *p != '"')
		return NULL;
	for (q = p + 1; q < end && *q != '"'; q++)
		if ((unsigned char)*q < 0x21 || *q == 0x7f)
			return NULL;
	if (q == end)
		return NULL;
	*tag = p;
	*tag_len = (size_t)(q + 1 - p);
	return q + 1;
}

int http_if_none_match(const char *value, size_t len, const char *etag, size_t etag_len)
{
	const char *p = value, *end = value + len, *tag;
	size_t tag_len;
	int match = 0;

	if (len == 1 && value[0] == '*')
		return 1;
	for (;;) {
		while (p < end && is_ows((unsigned char)*p))
			p++;
		if (!(p = entity_tag(p, end, &tag, &tag_len)))
			return -1;
		/* Weak comparison: the opaque tags alone. */
		if (tag_len == etag_len && !memcmp(tag, etag, tag_len))
			match = 1;
		while (p < end && is_ows((unsigned char)*p))
			p++;
		if (p == end)
			return match;
		if (*p++ != ',')
			return -1;
	}
}

/* ---- Accept-Encoding (RFC 9110 section 12.5.3) ---- */

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ): whether it is 0; -1 if malformed.
 */
static int qvalue_zero(const char *p, const char *end)
{
	const char *d;

	if (end - p < 1 || (*p != '0' && *p != '1'))
		return -1;
	if (end - p > 1) {
		if (p[1] != '.' || end - p > 5)
			return -1;
		for (d = p + 2; d < end; d++)
			if (!is_digit((unsigned char)*d) || (*p == '1' && *d != '0'))
				return -1;
	}
	if (*p == '1')
		return 0;
	for (d = p + 2; d < end; d++)
		if (*d != '0')
			return 0;
	return 1;
}

/*
 * One element, `p` to `end`: codings [ OWS ";" OWS "q=" qvalue ]. Its
 * coding in *name and *name_len; 1 if its weight is above 0, 0 if it is 0,
 * -1 if the element is malformed or empty.
 */
static int coding_element(const char *p, const char *end, const char **name, size_t *name_len)
{
	const char *q;
	int zero;

	while (p < end && is_ows((unsigned char)*p))
		p++;
	while (end > p && is_ows((unsigned char)end[-1]))
		end--;
	for (q = p; q < end && is_tchar((unsigned char)*q); q++)
		;
	if (q == p)
		return -1;
	*name = p;
	*name_len = (size_t)(q - p);
	while (q < end && is_ows((unsigned char)*q))
		q++;
	if (q == end)
		return 1;
	if (*q++ != ';')
		return -1;
	while (q < end && is_ows((unsigned char)*q))
		q++;
	if (end - q < 2 || lower(q[0]) != 'q' || q[1] != '=')
		return -1;
	zero = qvalue_zero(q + 2, end);
	return zero < 0 ? -1 : !zero;
}

int http_accepts_coding(const char *value, size_t len, const char *coding)
{
	const char *p = value, *end = value + len, *e, *name;
	int listed = -1, star = -1, w;
	size_t n;

	for (;; p = e + 1) {
		if (!(e = memchr(p, ',', (size_t)(end - p))))
			e = end;
		w = coding_element(p, e, &name, &n);
		if (w >= 0 && (same_name(name, n, coding) ||
		               (n > 2 && lower(name[0]) == 'x' && name[1] == '-' &&
		                same_name(name + 2, n - 2, coding))))
			listed = listed > 0 ? 1 : w;
		else if (w >= 0 && n == 1 && *name == '*')
			star = w;
		if (e == end) /* the last element: no pointer is made past the value */
			return listed >= 0 ? listed : star > 0;
	}
}
