/*
 * Master files (zone.h, RFC 1035 5): a lexer cuts the text into entries
 * and fields; an entry is a directive or a record, whose owner, TTL, class
 * and type are read here and whose rdata rdata.c reads from the same
 * lexer. Nothing is allocated and nothing recurses: one record's rdata is
 * built in a static buffer (the guest's stack is small; it is
 * single-threaded), so a callback must not parse another zone while it
 * still needs the record it was given.
 */
#include "zone.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "name.h"
#include "rdata.h"

/* RFC 2181 8: a TTL is at most 2^31 - 1. */
#define TTL_MAX 2147483647u

/* ---- the lexer (RFC 1035 5.1) ---- */

struct lexer {
	const char *s;
	size_t len, pos;
	size_t last_end; /* where the last field ended: the next is joined if it starts there */
	unsigned line;   /* of pos */
	unsigned at;     /* of the last field, where an error is reported */
	unsigned paren_line;
	bool paren; /* inside "(": newlines are blanks */
	bool ended; /* the entry has ended; fields are 0 until the next */
	char *why;
	size_t whysize;
};

static int lex_fail(struct lexer *lx, const char *why)
{
	snprintf(lx->why, lx->whysize, "%s", why);
	return -EINVAL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool ends_plain(char c)
{
	return is_blank(c) || c == '\n' || c == ';' || c == '(' || c == ')' || c == '"';
}

/* A field up to a blank, a newline, ';', '(', ')' or '"'; "\X" keeps X in it. */
static int lex_plain(struct lexer *lx, struct dns_field *f)
{
	size_t p = lx->pos;

	while (p < lx->len && !ends_plain(lx->s[p])) {
		if (lx->s[p] == '\\' && (++p == lx->len || lx->s[p] == '\n'))
			return lex_fail(
			    lx, "'\\' at the end of a line: escape a character or use \\DDD");
		p++;
	}
	*f = (struct dns_field){lx->s + lx->pos, p - lx->pos, false, f->joined};
	lx->pos = p;
	return 1;
}

/* A quoted string ends on its own line; "\"" is a quote inside it. */
static int lex_quoted(struct lexer *lx, struct dns_field *f)
{
	size_t p = lx->pos + 1;

	while (p < lx->len && lx->s[p] != '"' && lx->s[p] != '\n') {
		if (lx->s[p] == '\\' && p + 1 < lx->len && lx->s[p + 1] != '\n')
			p++;
		p++;
	}
	if (p == lx->len || lx->s[p] != '"')
		return lex_fail(lx, "missing closing '\"': a quoted string ends on its line");
	*f = (struct dns_field){lx->s + lx->pos + 1, p - lx->pos - 1, true, f->joined};
	lx->pos = p + 1;
	return 1;
}

/* RFC 1035 5.1: parentheses group fields across lines; they do not nest. */
static int lex_paren(struct lexer *lx, char c)
{
	if (c == '(' && lx->paren)
		return lex_fail(lx, "'(' inside '(': expected ')' first");
	if (c == ')' && !lx->paren)
		return lex_fail(lx, "')' without '('");
	lx->paren = c == '(';
	lx->paren_line = lx->line;
	lx->pos++;
	return 0;
}

static int lex_end_of_file(struct lexer *lx)
{
	lx->ended = true;
	if (!lx->paren)
		return 0;
	lx->at = lx->paren_line;
	return lex_fail(lx, "missing ')' for this '('");
}

/*
 * The next field of the entry (struct dns_rdata_in's next). RFC 1035 5.1:
 * ";" comments run to the end of the line, and a newline ends the entry
 * unless a "(" is open.
 */
static int lex_field(void *ctx, struct dns_field *f)
{
	struct lexer *lx = ctx;
	int e = 0;

	while (!lx->ended && e == 0) {
		char c;
		if (lx->pos == lx->len)
			return lex_end_of_file(lx);
		c = lx->s[lx->pos];
		if (c == '\n') {
			lx->pos++;
			lx->line++;
			lx->ended = !lx->paren;
		} else if (c == ';') {
			while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
				lx->pos++;
		} else if (c == '(' || c == ')') {
			lx->at = lx->line;
			e = lex_paren(lx, c);
		} else if (is_blank(c)) {
			lx->pos++;
		} else {
			lx->at = lx->line;
			f->joined = lx->pos == lx->last_end;
			e = c == '"' ? lex_quoted(lx, f) : lex_plain(lx, f);
			lx->last_end = lx->pos;
		}
	}
	return e;
}

/*
 * The first field of the next entry, skipping lines with nothing but
 * blanks and comments; *blank_owner if its line starts with a blank (RFC
 * 1035 5.1: the owner is the previous one). 0 at the end of the file.
 */
static int lex_entry(struct lexer *lx, struct dns_field *f, bool *blank_owner)
{
	int e = 0;

	while (e == 0 && lx->pos < lx->len) {
		lx->ended = false;
		*blank_owner = is_blank(lx->s[lx->pos]);
		e = lex_field(lx, f);
	}
	return e;
}

/* ---- entries ---- */

struct zone {
	struct lexer lx;
	struct dns_rdata_in in;
	uint8_t origin[DNS_NAME_MAX], owner[DNS_NAME_MAX];
	bool have_origin, have_owner, have_default, have_last;
	uint32_t default_ttl, last_ttl;
	unsigned line; /* where the entry starts */
	dns_zone_rr_fn rr;
	void *ctx;
	int stop; /* the callback's non-zero return */
	char why[192];
};

/* One record's rdata (RFC 1035 3.2.1: at most 65535 octets). */
static uint8_t rdata[DNS_RDATA_MAX];

static int fail(struct zone *z, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(z->why, sizeof(z->why), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *shown(const struct dns_field *f)
{
	static char b[DNS_SHOWN_SIZE];

	return dns_field_shown(f, b);
}

static bool field_is(const struct dns_field *f, const char *word)
{
	return !f->quoted && strlen(word) == f->len && !strncasecmp(f->text, word, f->len);
}

/* A field that must be there. */
static int need(struct zone *z, struct dns_field *f, const char *what)
{
	int e = lex_field(&z->lx, f);

	return e == 0 ? fail(z, "missing %s", what) : e;
}

/* Nothing more in the entry. */
static int entry_end(struct zone *z, const char *after)
{
	struct dns_field f;
	int e = lex_field(&z->lx, &f);

	return e == 1 ? fail(z, "unexpected '%s' after %s", shown(&f), after) : e;
}

static int name_field(struct zone *z, const struct dns_field *f, uint8_t out[DNS_NAME_MAX],
                      const char *what)
{
	int n = f->quoted
	            ? -EINVAL
	            : dns_name_from_text(f->text, f->len, z->have_origin ? z->origin : NULL, out);

	if (n == -ENAMETOOLONG)
		return fail(z, "%s too long '%s': labels have 63 octets at most, names 255", what,
		            shown(f));
	if (n < 0 && !z->have_origin)
		return fail(z, "bad %s '%s' (no origin for a relative name)", what, shown(f));
	return n < 0 ? fail(z, "bad %s '%s'", what, shown(f)) : 0;
}

/* A TTL with units as BIND writes them, at most 2^31 - 1 (RFC 2181 8). */
static int ttl_field(struct zone *z, const struct dns_field *f, uint32_t *ttl)
{
	int e = f->quoted ? -EINVAL : dns_ttl_from_text(f->text, f->len, TTL_MAX, ttl);

	if (e == -ERANGE)
		return fail(z, "TTL '%s' over 2147483647 (RFC 2181 8)", shown(f));
	if (e < 0)
		return fail(z, "bad TTL '%s': expected seconds or units as in 1h30m", shown(f));
	return 0;
}

/* RFC 1035 5.1: $ORIGIN <domain-name>, relative to the origin before it. */
static int directive_origin(struct zone *z)
{
	struct dns_field f;
	uint8_t name[DNS_NAME_MAX];
	int e;

	if ((e = need(z, &f, "name after $ORIGIN")) < 0 ||
	    (e = name_field(z, &f, name, "$ORIGIN name")) < 0)
		return e;
	memcpy(z->origin, name, (size_t)dns_name_len(name, DNS_NAME_MAX));
	z->have_origin = true;
	return entry_end(z, "$ORIGIN");
}

/* RFC 2308 4: $TTL <TTL>, for the records without one that follow. */
static int directive_ttl(struct zone *z)
{
	struct dns_field f;
	int e;

	if ((e = need(z, &f, "TTL after $TTL")) < 0 || (e = ttl_field(z, &f, &z->default_ttl)) < 0)
		return e;
	z->have_default = true;
	return entry_end(z, "$TTL");
}

static int directive(struct zone *z, const struct dns_field *f)
{
	if (field_is(f, "$ORIGIN"))
		return directive_origin(z);
	if (field_is(f, "$TTL"))
		return directive_ttl(z);
	if (field_is(f, "$INCLUDE"))
		return fail(z, "$INCLUDE is not supported: put the records in this file");
	if (field_is(f, "$GENERATE"))
		return fail(z, "$GENERATE is not supported: write the records out");
	return fail(z, "unknown directive '%s': expected $ORIGIN or $TTL", shown(f));
}

/* The text is digits (fields are not NUL-terminated: no strspn). */
static bool all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* A class mnemonic (RFC 1035 3.2.4, RFC 3597 5's CLASSnnn): 1 if one, 0 if not, < 0 if not IN. */
static int class_field(struct zone *z, const struct dns_field *f)
{
	static const char *const others[] = {"CH", "HS", "CS", "NONE", "ANY"};
	uint32_t v = 0;

	if (field_is(f, "IN") || field_is(f, "CLASS1"))
		return 1;
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (field_is(f, others[i]))
			v = 1;
	if (!v && !(f->len > 5 && !f->quoted && !strncasecmp(f->text, "CLASS", 5) &&
	            all_digits(f->text + 5, f->len - 5)))
		return 0;
	return fail(z, "class %s: only IN is served", shown(f));
}

static int type_field(struct zone *z, const struct dns_field *f, uint16_t *type)
{
	int t = f->quoted ? -EINVAL : dns_type_from_text(f->text, f->len);

	if (t < 0)
		return fail(z, "unknown type '%s'", shown(f));
	/* RFC 6895 3.1: OPT and the types 128-255 are for messages, not zones. */
	if (t == DNS_T_OPT || (t >= 128 && t <= 255))
		return fail(z, "type %s is not record data: it cannot be in a zone", shown(f));
	*type = (uint16_t)t;
	return 0;
}

/* RFC 1035 5.1: [<TTL>] [<class>] <type>, or the class first; *f ends on the type. */
static int ttl_class_type(struct zone *z, struct dns_field *f, uint32_t *ttl, uint16_t *type)
{
	bool have_ttl = false, have_class = false;
	int e;

	for (int i = 0; i < 2; i++) {
		if (!have_ttl && !f->quoted && f->text[0] >= '0' && f->text[0] <= '9') {
			if ((e = ttl_field(z, f, ttl)) < 0)
				return e;
			have_ttl = true;
		} else if (!have_class && (e = class_field(z, f)) != 0) {
			if (e < 0)
				return e;
			have_class = true;
		} else {
			break;
		}
		if ((e = need(z, f, "type")) < 0)
			return e;
	}
	if ((e = type_field(z, f, type)) < 0)
		return e;
	if (have_ttl)
		return 0;
	if (!z->have_default && !z->have_last)
		return fail(z, "no TTL: add $TTL at the top");
	*ttl = z->have_default ? z->default_ttl : z->last_ttl;
	return 0;
}

/* A record from its first field after the owner. */
static int record(struct zone *z, struct dns_field *f)
{
	struct dns_rr rr = {.owner = z->owner, .class = DNS_C_IN};
	int n, e;

	if ((e = ttl_class_type(z, f, &rr.ttl, &rr.type)) < 0)
		return e;
	z->last_ttl = rr.ttl;
	z->have_last = true;
	z->in.has_held = false;
	z->in.origin = z->have_origin ? z->origin : NULL;
	if ((n = dns_rdata_from_text(rr.type, &z->in, rdata, sizeof(rdata))) < 0)
		return n;
	rr.rdlen = (uint16_t)n;
	rr.rdata = rdata;
	z->stop = z->rr(z->ctx, &rr, z->line);
	return z->stop ? -ECANCELED : 1;
}

/* One entry: 1, 0 at the end of the file, < 0 to stop. */
static int entry(struct zone *z)
{
	struct dns_field f = {0};
	bool blank_owner = false;
	int e = lex_entry(&z->lx, &f, &blank_owner);

	if (e <= 0)
		return e;
	z->line = z->lx.at;
	if (!blank_owner && !f.quoted && f.text[0] == '$')
		return directive(z, &f) < 0 ? -EINVAL : 1;
	if (blank_owner && !z->have_owner)
		return fail(z, "no owner: the first record needs a name in the first column");
	if (!blank_owner) {
		if ((e = name_field(z, &f, z->owner, "owner name")) < 0 ||
		    (e = need(z, &f, "type")) < 0)
			return e;
		z->have_owner = true;
	}
	return record(z, &f);
}

/* RFC 1035 5: a master file is text; a NUL would cut it short elsewhere. */
static int no_nul(struct zone *z, const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);

	if (!nul)
		return 0;
	for (const char *p = text; p < nul; p++)
		z->lx.at += *p == '\n';
	return fail(z, "NUL byte: a zone file is text");
}

static void zone_init(struct zone *z, const char *text, size_t len, const uint8_t *origin)
{
	memset(z, 0, sizeof(*z));
	z->lx = (struct lexer){.s = text, .len = len, .last_end = SIZE_MAX, .line = 1, .at = 1};
	z->lx.why = z->why;
	z->lx.whysize = sizeof(z->why);
	z->in = (struct dns_rdata_in){.next = lex_field, .ctx = &z->lx};
	z->in.why = z->why;
	z->in.whysize = sizeof(z->why);
	z->have_origin = origin && dns_name_len(origin, DNS_NAME_MAX) > 0;
	if (z->have_origin)
		memcpy(z->origin, origin, (size_t)dns_name_len(origin, DNS_NAME_MAX));
}

int dns_zone_parse(const char *file, const char *text, size_t len, const uint8_t *origin,
                   dns_zone_rr_fn rr, void *ctx, char *err, size_t errsize)
{
	struct zone z; /* on the stack: a callback may parse another zone */
	int e;

	zone_init(&z, text, len, origin);
	z.rr = rr;
	z.ctx = ctx;
	if (len > DNS_ZONE_FILE_MAX)
		e = fail(&z, "%lu bytes: a zone file has %u at most", (unsigned long)len,
		         DNS_ZONE_FILE_MAX);
	else
		e = no_nul(&z, text, len);
	while (e == 0 && (e = entry(&z)) == 1)
		e = 0;
	if (e == -ECANCELED)
		return z.stop;
	if (e < 0 && errsize > 0)
		snprintf(err, errsize, "%s:%u: %s", file, z.lx.at, z.why);
	return e < 0 ? -EINVAL : 0;
}
