/*
 * TSIG keys from the owner's key file (tsig.h, dns_tsig_keys_parse), in
 * BIND's syntax: a lexer and one function per statement and clause.
 */
#include "tsig.h"

#include "rdata.h"
#include "tsig_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define TOKEN_MAX 1024 /* a name's presentation form with every octet escaped: 4 x 255 */

enum { T_END, T_WORD, T_STRING, T_PUNCT };

struct keyfile {
	const char *s;
	size_t len, pos;
	unsigned line; /* of pos */
	unsigned at;   /* of the last token, where an error is reported */
	int kind;
	char tok[TOKEN_MAX + 1];
	size_t toklen;
	char why[192];
	struct dns_tsig_key *keys;
	size_t max, n;
};

static int fail(struct keyfile *kf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(kf->why, sizeof(kf->why), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool at(const struct keyfile *kf, size_t off, char c)
{
	return kf->pos + off < kf->len && kf->s[kf->pos + off] == c;
}

/* Past the end of the line: a # or // comment. */
static void skip_line(struct keyfile *kf)
{
	while (kf->pos < kf->len && kf->s[kf->pos] != '\n')
		kf->pos++;
}

/* Past the end of a C comment, counting its lines. */
static int skip_comment(struct keyfile *kf)
{
	unsigned opened = kf->line;

	for (kf->pos += 2; kf->pos < kf->len; kf->pos++) {
		if (at(kf, 0, '*') && at(kf, 1, '/')) {
			kf->pos += 2;
			return 0;
		}
		kf->line += kf->s[kf->pos] == '\n';
	}
	kf->at = opened;
	return fail(kf, "comment not closed: '/*' with no '*/' after it");
}

static int skip_blanks(struct keyfile *kf)
{
	while (kf->pos < kf->len) {
		char c = kf->s[kf->pos];
		if (c == '\n')
			kf->line++;
		if (c == '#' || (c == '/' && at(kf, 1, '/')))
			skip_line(kf);
		else if (c == '/' && at(kf, 1, '*')) {
			if (skip_comment(kf) < 0)
				return -EINVAL;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			kf->pos++;
		else
			return 0;
	}
	return 0;
}

static int push(struct keyfile *kf, char c)
{
	if (kf->toklen == TOKEN_MAX)
		return fail(kf, "a word or string over %d characters", TOKEN_MAX);
	kf->tok[kf->toklen++] = c;
	kf->tok[kf->toklen] = 0;
	return 0;
}

/* A quoted string (named.conf's): a backslash takes the next character as it is. */
static int string(struct keyfile *kf)
{
	for (kf->pos++; kf->pos < kf->len && kf->s[kf->pos] != '"'; kf->pos++) {
		if (kf->s[kf->pos] == '\n')
			break;
		if (kf->s[kf->pos] == '\\' && kf->pos + 1 < kf->len)
			kf->pos++;
		if (push(kf, kf->s[kf->pos]) < 0)
			return -EINVAL;
	}
	if (kf->pos >= kf->len || kf->s[kf->pos] != '"')
		return fail(kf, "string not closed: '\"' with no '\"' after it on its line");
	kf->pos++;
	kf->kind = T_STRING;
	return 0;
}

static bool word_char(const struct keyfile *kf)
{
	char c = kf->s[kf->pos];

	if (c == '/' && (at(kf, 1, '/') || at(kf, 1, '*')))
		return false;
	return !strchr(" \t\r\n{};\"#", c);
}

static int word(struct keyfile *kf)
{
	for (; kf->pos < kf->len && word_char(kf); kf->pos++)
		if (push(kf, kf->s[kf->pos]) < 0)
			return -EINVAL;
	kf->kind = T_WORD;
	return 0;
}

/* The next token: a word, a string, one of { } ; or the end. */
static int next(struct keyfile *kf)
{
	char c;

	if (skip_blanks(kf) < 0)
		return -EINVAL;
	kf->at = kf->line;
	kf->toklen = 0;
	kf->tok[0] = 0;
	if (kf->pos == kf->len) {
		kf->kind = T_END;
		return 0;
	}
	c = kf->s[kf->pos];
	if (c == '"')
		return string(kf);
	if (c != '{' && c != '}' && c != ';')
		return word(kf);
	kf->pos++;
	kf->kind = T_PUNCT;
	return push(kf, c);
}

static const char *shown(const struct keyfile *kf)
{
	return kf->kind == T_END ? "the end of the file" : kf->tok;
}

static int expect(struct keyfile *kf, char c)
{
	if (next(kf) < 0)
		return -EINVAL;
	if (kf->kind != T_PUNCT || kf->tok[0] != c)
		return fail(kf, "expected '%c', found '%s'", c, shown(kf));
	return 0;
}

/* A word or a string: a value. */
static int value(struct keyfile *kf, const char *what)
{
	if (next(kf) < 0)
		return -EINVAL;
	if (kf->kind != T_WORD && kf->kind != T_STRING)
		return fail(kf, "expected %s, found '%s'", what, shown(kf));
	return 0;
}

/* ---- statements ---- */

/* `algorithm hmac-sha256;` */
static int clause_algorithm(struct keyfile *kf, bool *seen)
{
	if (*seen)
		return fail(kf, "algorithm given twice");
	*seen = true;
	if (value(kf, "an algorithm") < 0)
		return -EINVAL;
	if (strcasecmp(kf->tok, "hmac-sha256") != 0)
		return fail(kf, "algorithm '%s' is not supported: hmac-sha256 is the only one",
		            kf->tok);
	return expect(kf, ';');
}

/* `secret "base64";` */
static int clause_secret(struct keyfile *kf, struct dns_tsig_key *k, bool *seen)
{
	int n;

	if (*seen)
		return fail(kf, "secret given twice");
	*seen = true;
	if (value(kf, "a secret in base64") < 0)
		return -EINVAL;
	n = dns_base64_decode((const uint8_t *)kf->tok, kf->toklen, k->secret, sizeof(k->secret));
	if (n == -ENOSPC)
		return fail(kf, "secret over %d bytes", DNS_TSIG_SECRET_MAX);
	if (n < 0)
		return fail(kf, "secret is not valid base64");
	if (n == 0)
		return fail(kf, "secret is empty");
	k->secret_len = (size_t)n;
	return expect(kf, ';');
}

/* The clauses between the braces, then "};"; both of them required. */
static int key_body(struct keyfile *kf, struct dns_tsig_key *k, const char *name)
{
	bool alg = false, secret = false;
	int e = 0;

	if (expect(kf, '{') < 0)
		return -EINVAL;
	while (e == 0) {
		if (next(kf) < 0)
			return -EINVAL;
		if (kf->kind == T_PUNCT && kf->tok[0] == '}')
			break;
		if (kf->kind == T_WORD && strcasecmp(kf->tok, "algorithm") == 0)
			e = clause_algorithm(kf, &alg);
		else if (kf->kind == T_WORD && strcasecmp(kf->tok, "secret") == 0)
			e = clause_secret(kf, k, &secret);
		else
			return fail(kf, "expected 'algorithm', 'secret' or '}', found '%s'",
			            shown(kf));
	}
	if (e < 0 || expect(kf, ';') < 0)
		return -EINVAL;
	if (!alg || !secret)
		return fail(kf, "key '%s' has no %s", name, alg ? "secret" : "algorithm");
	return 0;
}

/* `key "name" { ... };` */
static int key_statement(struct keyfile *kf)
{
	struct dns_tsig_key *k = &kf->keys[kf->n];
	uint8_t wire[DNS_NAME_MAX];
	char name[TOKEN_MAX + 1];

	if (kf->n == kf->max)
		return fail(kf, "too many keys (at most %lu)", (unsigned long)kf->max);
	if (value(kf, "the key's name") < 0)
		return -EINVAL;
	/* Key names are absolute (relative to the root) with or without the final dot. */
	if (dns_name_from_text(kf->tok, kf->toklen, (const uint8_t *)"", wire) < 0)
		return fail(kf, "bad key name '%s'", kf->tok);
	memcpy(name, kf->tok, kf->toklen + 1);
	if (dns_tsig_key_find(kf->keys, kf->n, wire))
		return fail(kf, "key '%s' defined twice", name);
	memset(k, 0, sizeof(*k));
	tsig_canon(wire, k->name);
	if (key_body(kf, k, name) < 0) {
		tsig_wipe(k, sizeof(*k));
		return -EINVAL;
	}
	kf->n++;
	return 0;
}

static int keyfile(struct keyfile *kf)
{
	for (;;) {
		if (next(kf) < 0)
			return -EINVAL;
		if (kf->kind == T_END)
			return 0;
		if (kf->kind != T_WORD || strcasecmp(kf->tok, "key") != 0)
			return fail(kf, "expected 'key', found '%s'", shown(kf));
		if (key_statement(kf) < 0)
			return -EINVAL;
	}
}

int dns_tsig_keys_parse(const char *file, const char *text, size_t len, struct dns_tsig_key *keys,
                        size_t max, char *err, size_t errsize)
{
	struct keyfile kf = {.s = text, .len = len, .line = 1, .at = 1, .keys = keys, .max = max};
	int e = 0;

	if (len > DNS_TSIG_FILE_MAX)
		e = fail(&kf, "file over %u bytes", DNS_TSIG_FILE_MAX);
	else if (len && memchr(text, 0, len))
		e = fail(&kf, "a NUL byte in the file");
	else
		e = keyfile(&kf);
	tsig_wipe(kf.tok, sizeof(kf.tok));
	if (e < 0) {
		snprintf(err, errsize, "%s:%u: %s", file, kf.at, kf.why);
		return -EINVAL;
	}
	return (int)kf.n;
}
