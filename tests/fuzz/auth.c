/*
 * libFuzzer: the push password's readers of untrusted bytes (git/auth.c).
 * The input is a client address, a newline, then an Authorization value:
 *
 *   - base64: every text the strict decoder accepts is the one encoding of
 *     its bytes (encoding them again gives the same text);
 *   - HTTP Basic: accepted credentials hold a ':' and no control character,
 *     and the value is "Basic", spaces, and the canonical base64 of them;
 *   - the whole check against a fake store holding a hash of "correct
 *     horse battery staple" (1000 iterations): its result agrees with the
 *     parser, and a locked-out client is told when to come back.
 *
 * The platform is faked: a clock that moves a second each check, so
 * lock-outs come and go, and a log that is dropped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "git/auth.h"
#include "plat/plat.h"
#include "store/store.h"

static const char stored_hash[] =
    "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$ppsXnjrdPB4KryJ6DrOqKqhkWrhv7PbKAMF1Eml8cZ4=\n";
static uint64_t now_ns = 1;

uint64_t plat_now_ns(void)
{
	return now_ns;
}

void plat_wallclock(struct plat_wallclock *t)
{
	t->sec = 1700000000;
	t->nsec = 0;
}

int plat_random(void *buf, size_t len)
{
	memset(buf, 0x5a, len);
	return 0;
}

void plat_log(const char *module, const char *fmt, ...)
{
	(void)module, (void)fmt;
}

/* The store: refs/appliance/secrets at one commit, holding the hash. */
int store_ref_get(struct store *st, const char *name, struct store_oid *oid)
{
	(void)st, (void)name;
	memset(oid, 0x11, sizeof(*oid));
	return 0;
}

int store_read_path(struct store *st, const char *ref, const char *path, uint8_t **data,
                    size_t *len, struct store_oid *oid, uint32_t *mode)
{
	(void)st, (void)ref, (void)path, (void)oid, (void)mode;
	*len = sizeof(stored_hash) - 1;
	*data = malloc(*len);
	memcpy(*data, stored_hash, *len);
	return 0;
}

int store_commit_changes(struct store *st, const char *ref, const struct store_change *c, size_t n,
                         const char *author, const char *msg, struct store_oid *out)
{
	(void)st, (void)ref, (void)c, (void)n, (void)author, (void)msg, (void)out;
	abort(); /* git_auth_set is not fuzzed */
}

static void base64_is_canonical(const uint8_t *data, size_t size)
{
	static uint8_t bytes[GIT_AUTH_HEADER_MAX * 3];
	static char again[GIT_AUTH_HEADER_MAX * 4 + 1];
	int n = git_auth_base64_decode((const char *)data, size, bytes, sizeof(bytes));

	if (n == -EINVAL)
		return;
	if (n < 0 || git_auth_base64_encode(bytes, (size_t)n, again, sizeof(again)) != (int)size ||
	    memcmp(again, data, size) != 0)
		abort();
}

/* Where the credentials' base64 starts and ends in an accepted value. */
static void token_bounds(const char *v, size_t len, size_t *start, size_t *end)
{
	*start = 0;
	*end = len;
	while (*start < len && (v[*start] == ' ' || v[*start] == '\t'))
		(*start)++;
	while (*end > *start && (v[*end - 1] == ' ' || v[*end - 1] == '\t'))
		(*end)--;
	if (*end - *start < 6 || strncasecmp(v + *start, "basic ", 6) != 0)
		abort();
	for (*start += 5; *start < *end && v[*start] == ' ';)
		(*start)++;
}

static int basic_is_sound(const char *v, size_t len)
{
	uint8_t buf[GIT_AUTH_CREDENTIALS_MAX];
	char again[GIT_AUTH_CREDENTIALS_MAX * 2];
	const char *pw;
	size_t pw_len, start, end, cred_len;

	if (git_auth_parse_basic(v, len, buf, sizeof(buf), &pw, &pw_len) != 0)
		return -1;
	if (pw < (const char *)buf + 1 || pw[-1] != ':' ||
	    pw + pw_len > (const char *)buf + sizeof(buf))
		abort();
	cred_len = (size_t)(pw + pw_len - (const char *)buf);
	for (size_t i = 0; i < cred_len; i++)
		if (buf[i] < 0x20 || buf[i] == 0x7f)
			abort();
	token_bounds(v, len, &start, &end);
	if (git_auth_base64_encode(buf, cred_len, again, sizeof(again)) != (int)(end - start) ||
	    memcmp(again, v + start, end - start) != 0)
		abort();
	return (int)pw_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct store *st = (struct store *)&now_ns; /* any non-NULL store */
	const uint8_t *nl = memchr(data, '\n', size);
	char client[80];
	const char *value = nl ? (const char *)nl + 1 : (const char *)data;
	size_t len = nl ? size - (size_t)(nl + 1 - data) : size;
	size_t clen = nl ? (size_t)(nl - data) : 0;
	unsigned retry = 0;
	enum git_auth_result r;
	int pw_len;

	base64_is_canonical(data, size);
	pw_len = basic_is_sound(value, len);
	if (clen >= sizeof(client))
		clen = sizeof(client) - 1;
	memcpy(client, data, clen);
	client[clen] = '\0';
	now_ns += 1000000000ull;
	r = git_auth_check(st, value, len, client, &retry);
	if (r == GIT_AUTH_LIMITED && (retry == 0 || retry > GIT_AUTH_LOCK_MAX_S))
		abort();
	/* The check reads the value as the parser does (unless the client is
	 * locked out, when it reads nothing). */
	if (r == GIT_AUTH_NO_PASSWORD ||
	    (r != GIT_AUTH_LIMITED && (r == GIT_AUTH_MISSING) != (pw_len < 0)))
		abort();
	if (r == GIT_AUTH_OK && pw_len != (int)strlen("correct horse battery staple"))
		abort();
	return 0;
}
