/*
 * git/auth.c: the push password (auth.h). Three parts: the stored hash
 * (PBKDF2 with wolfCrypt, base64, the line of git/password), the reading
 * of HTTP Basic credentials, and the check with its rate limiter and its
 * cache of one success.
 */
#include "auth.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/pwdbased.h>

#include "plat/conf.h"
#include "plat/plat.h"
#include "store/store.h"

#define NS_PER_S 1000000000ull
#define HASH_PREFIX "pbkdf2-sha256$"
/* The salt a stored hash may have (git_auth_hash writes GIT_AUTH_SALT_LEN). */
#define SALT_MIN 8
#define SALT_MAX 64

/* Zero a secret where the compiler cannot drop the stores. */
static void wipe(void *p, size_t len)
{
	volatile uint8_t *v = p;

	while (len--)
		*v++ = 0;
}

/* Equal bytes, in a time that depends only on `len`. */
static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint8_t diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/* ---- base64 (RFC 4648 section 4) ---- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int git_auth_base64_encode(const uint8_t *in, size_t len, char *out, size_t size)
{
	size_t o = 0;

	if (len > GIT_AUTH_HEADER_MAX * 3 || (len + 2) / 3 * 4 >= size)
		return -ENOSPC;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return (int)o;
}

/* One group of four symbols, `pad` of them '=' at its end, as 24 bits. */
static int b64_quad(const char *in, size_t pad, uint32_t *v)
{
	*v = 0;
	for (size_t j = 0; j < 4; j++) {
		int d = j < 4 - pad ? b64_value(in[j]) : 0;

		if (d < 0)
			return -EINVAL;
		*v = *v << 6 | (uint32_t)d;
	}
	/* The bits a padded group leaves unused must be zero (RFC 4648
	 * section 3.5), so that no two texts decode to the same bytes. */
	if ((pad == 1 && (*v & 0xff)) || (pad == 2 && (*v & 0xffff)))
		return -EINVAL;
	return 0;
}

int git_auth_base64_decode(const char *in, size_t len, uint8_t *out, size_t size)
{
	size_t pad = 0, n, o = 0;

	if (len % 4 != 0 || len > GIT_AUTH_HEADER_MAX * 4)
		return -EINVAL;
	if (len && in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	n = len / 4 * 3 - pad;
	if (n > size)
		return -ENOSPC;
	for (size_t i = 0; i < len; i += 4) {
		size_t last = i + 4 == len ? pad : 0;
		uint32_t v;

		if (b64_quad(in + i, last, &v))
			return -EINVAL;
		out[o++] = (uint8_t)(v >> 16);
		if (last < 2)
			out[o++] = (uint8_t)(v >> 8);
		if (last < 1)
			out[o++] = (uint8_t)v;
	}
	return (int)n;
}

/* ---- the stored hash ---- */

struct stored_hash {
	uint32_t iterations;
	size_t salt_len;
	uint8_t salt[SALT_MAX];
	uint8_t hash[GIT_AUTH_HASH_LEN];
};

static int kdf(const char *password, size_t len, const struct stored_hash *h,
               uint8_t out[GIT_AUTH_HASH_LEN])
{
	int rc = wc_PBKDF2(out, (const byte *)password, (int)len, h->salt, (int)h->salt_len,
	                   (int)h->iterations, GIT_AUTH_HASH_LEN, WC_SHA256);

	return rc ? -EIO : 0;
}

/* The decimal iteration count between two '$': no sign, no leading zero. */
static int parse_iterations(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;

	if (len == 0 || len > 7 || s[0] == '0')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v < GIT_AUTH_ITERATIONS_MIN || v > GIT_AUTH_ITERATIONS_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The next field of `*s` up to `sep` (or the end, for sep '\0'), consumed. */
static int next_field(const char **s, const char *end, char sep, const char **f, size_t *flen)
{
	const char *stop = sep ? memchr(*s, sep, (size_t)(end - *s)) : end;

	if (!stop)
		return -EINVAL;
	*f = *s;
	*flen = (size_t)(stop - *s);
	*s = stop == end ? end : stop + 1;
	return 0;
}

/* The line git_auth_hash writes (its final LF may be missing), strictly. */
static int parse_hash(const char *text, size_t len, struct stored_hash *h)
{
	const char *s = text, *end = text + len, *f;
	size_t flen, plen = strlen(HASH_PREFIX);
	int n;

	if (len && text[len - 1] == '\n')
		end--;
	if ((size_t)(end - s) < plen || memcmp(s, HASH_PREFIX, plen) != 0)
		return -EINVAL;
	s += plen;
	if (next_field(&s, end, '$', &f, &flen) || parse_iterations(f, flen, &h->iterations))
		return -EINVAL;
	if (next_field(&s, end, '$', &f, &flen))
		return -EINVAL;
	n = git_auth_base64_decode(f, flen, h->salt, sizeof(h->salt));
	if (n < SALT_MIN)
		return -EINVAL;
	h->salt_len = (size_t)n;
	next_field(&s, end, '\0', &f, &flen);
	if (git_auth_base64_decode(f, flen, h->hash, sizeof(h->hash)) != GIT_AUTH_HASH_LEN)
		return -EINVAL;
	return 0;
}

static int hash_matches(const struct stored_hash *h, const char *password, size_t len)
{
	uint8_t derived[GIT_AUTH_HASH_LEN];
	int rc = kdf(password, len, h, derived);

	if (!rc && !same_bytes(derived, h->hash, sizeof(derived)))
		rc = -EACCES;
	wipe(derived, sizeof(derived));
	return rc;
}

/* RFC 7617 section 2: no control character in a user-id or password. */
static bool has_control(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

static bool password_ok(const char *password, size_t len)
{
	return len >= GIT_AUTH_PASSWORD_MIN && len <= GIT_AUTH_PASSWORD_MAX &&
	       !has_control((const uint8_t *)password, len);
}

int git_auth_password_ok(const char *password)
{
	return password_ok(password, strnlen(password, GIT_AUTH_PASSWORD_MAX + 1)) ? 0 : -EINVAL;
}

int git_auth_hash(const char *password, char *out, size_t size)
{
	struct stored_hash h = {.iterations = GIT_AUTH_ITERATIONS, .salt_len = GIT_AUTH_SALT_LEN};
	char salt64[GIT_AUTH_SALT_LEN * 2], hash64[GIT_AUTH_HASH_LEN * 2];
	int rc;

	if (git_auth_password_ok(password))
		return -EINVAL;
	if (size < GIT_AUTH_HASH_TEXT_MAX)
		return -ENOSPC;
	if ((rc = plat_random(h.salt, h.salt_len)))
		return rc;
	if ((rc = kdf(password, strlen(password), &h, h.hash)))
		goto out;
	git_auth_base64_encode(h.salt, h.salt_len, salt64, sizeof(salt64));
	git_auth_base64_encode(h.hash, sizeof(h.hash), hash64, sizeof(hash64));
	snprintf(out, size, HASH_PREFIX "%u$%s$%s\n", (unsigned)h.iterations, salt64, hash64);
out:
	wipe(&h, sizeof(h));
	return rc;
}

int git_auth_verify(const char *password, size_t len, const char *text, size_t text_len)
{
	struct stored_hash h;

	if (parse_hash(text, text_len, &h))
		return -EINVAL;
	if (!password_ok(password, len))
		return -EACCES;
	return hash_matches(&h, password, len);
}

int git_auth_generate(char *out, size_t size)
{
	/* 32 symbols: a byte's low five bits pick one without bias. */
	static const char symbols[] = "23456789abcdefghijkmnpqrstuvwxyz";
	uint8_t r[20];
	size_t o = 0;
	int rc;

	if (size < GIT_AUTH_GENERATED_SIZE)
		return -ENOSPC;
	if ((rc = plat_random(r, sizeof(r))))
		return rc;
	for (size_t i = 0; i < sizeof(r); i++) {
		if (i && i % 5 == 0)
			out[o++] = '-';
		out[o++] = symbols[r[i] & 31];
	}
	out[o] = '\0';
	wipe(r, sizeof(r));
	return 0;
}

/* ---- HTTP Basic (RFC 7617) ---- */

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

int git_auth_parse_basic(const char *value, size_t len, uint8_t *buf, size_t size,
                         const char **password, size_t *password_len)
{
	size_t i = 0, end = len;
	const uint8_t *colon;
	int n;

	if (len > GIT_AUTH_HEADER_MAX)
		return -E2BIG;
	/* The field value's optional whitespace (RFC 9110 section 5.5). */
	while (i < end && is_ows(value[i]))
		i++;
	while (end > i && is_ows(value[end - 1]))
		end--;
	/* credentials = auth-scheme 1*SP token68 (RFC 9110 section 11.4). */
	if (end - i < 6 || strncasecmp(value + i, "basic", 5) != 0 || value[i + 5] != ' ')
		return -EINVAL;
	for (i += 5; i < end && value[i] == ' ';)
		i++;
	n = git_auth_base64_decode(value + i, end - i, buf, size);
	if (n < 0)
		return n == -ENOSPC ? -E2BIG : n;
	colon = memchr(buf, ':', (size_t)n);
	if (!colon || has_control(buf, (size_t)n))
		return -EINVAL;
	*password = (const char *)colon + 1;
	*password_len = (size_t)n - (size_t)(colon + 1 - buf);
	return 0;
}

/* ---- the password in the store, read again only when its ref moves ---- */

static struct {
	struct store_oid commit; /* refs/appliance/secrets when read */
	bool read;               /* `commit` is valid */
	bool present;            /* git/password was there and parsed */
	bool said_none;          /* "no password" logged since one was last seen */
	struct stored_hash h;
} stored;

/* The remembered success (see git_auth_check in auth.h). */
static struct {
	uint8_t key[32];
	uint8_t digest[32]; /* HMAC-SHA256(key, password) */
	uint64_t until_ns;
	bool has_key;
	bool valid;
} cache;

static void say_none(const char *why)
{
	if (stored.said_none)
		return;
	stored.said_none = true;
	plat_log("git",
	         "%s: every push is refused (403) until a password is set with "
	         "`storectl passwd`",
	         why);
}

/* Re-read git/password after refs/appliance/secrets moved: 0 if one is set. */
static int stored_reload(struct store *st, const struct store_oid *commit)
{
	uint8_t *data = NULL;
	size_t len;
	int rc = store_read_path(st, GIT_AUTH_SECRETS_REF, GIT_AUTH_PATH, &data, &len, NULL, NULL);

	cache.valid = false;
	stored.read = rc == 0 || rc == -ENOENT;
	stored.commit = *commit;
	stored.present = rc == 0 && parse_hash((const char *)data, len, &stored.h) == 0;
	if (rc == -ENOENT)
		say_none("no push password (" GIT_AUTH_PATH " in " GIT_AUTH_SECRETS_REF ")");
	else if (rc)
		plat_log("git", "cannot read " GIT_AUTH_PATH " (%d): pushes refused", rc);
	else if (!stored.present)
		say_none(GIT_AUTH_PATH " in " GIT_AUTH_SECRETS_REF " is not a pbkdf2-sha256 hash");
	else
		stored.said_none = false;
	free(data);
	return stored.present ? 0 : -ENOENT;
}

static int stored_load(struct store *st)
{
	struct store_oid commit;
	int rc = store_ref_get(st, GIT_AUTH_SECRETS_REF, &commit);

	if (rc) {
		stored.read = stored.present = cache.valid = false;
		if (rc == -ENOENT)
			say_none("no push password (no " GIT_AUTH_SECRETS_REF ")");
		return -ENOENT;
	}
	if (stored.read && memcmp(&commit, &stored.commit, sizeof(commit)) == 0)
		return stored.present ? 0 : -ENOENT;
	return stored_reload(st, &commit);
}

int git_auth_set(struct store *st, const char *password)
{
	char text[GIT_AUTH_HASH_TEXT_MAX], author[80];
	struct store_change ch = {.path = GIT_AUTH_PATH, .data = text, .mode = STORE_MODE_FILE};
	struct plat_wallclock now;
	int rc = git_auth_hash(password, text, sizeof(text));

	cache.valid = false;
	if (rc)
		return rc;
	ch.len = strlen(text);
	plat_wallclock(&now);
	snprintf(author, sizeof(author), "appliance <appliance@localhost> %lld +0000",
	         (long long)now.sec);
	return store_commit_changes(st, GIT_AUTH_SECRETS_REF, &ch, 1, author,
	                            "git: set the push password\n", NULL);
}

/* ---- the remembered success ---- */

static int cache_digest(const char *password, size_t len, uint8_t out[32])
{
	Hmac hmac;
	int rc;

	if (!cache.has_key && plat_random(cache.key, sizeof(cache.key)) == 0)
		cache.has_key = true;
	if (!cache.has_key || wc_HmacInit(&hmac, NULL, INVALID_DEVID) != 0)
		return -EIO;
	rc = wc_HmacSetKey(&hmac, WC_SHA256, cache.key, sizeof(cache.key));
	if (!rc)
		rc = wc_HmacUpdate(&hmac, (const byte *)password, (word32)len);
	if (!rc)
		rc = wc_HmacFinal(&hmac, out);
	wc_HmacFree(&hmac);
	wipe(&hmac, sizeof(hmac));
	return rc ? -EIO : 0;
}

/* 0 if `password` is the stored one, -EACCES if not, -EIO if we cannot tell. */
/* The KDF's budget (GIT_AUTH_KDF_BURST): when the next run is due, GCRA's theoretical arrival. */
static uint64_t kdf_due_ns;
static bool kdf_refusing; /* the last check found it spent: logged once a run of refusals */

/* A KDF run may start now, and is counted; or -EBUSY, *wait_ns until one may. */
static int kdf_budget(uint64_t now, uint64_t *wait_ns)
{
	uint64_t due = kdf_due_ns > now ? kdf_due_ns : now;
	uint64_t ahead = (GIT_AUTH_KDF_BURST - 1) * GIT_AUTH_KDF_EVERY_NS;

	if (due - now > ahead) {
		*wait_ns = due - now - ahead;
		if (!kdf_refusing)
			plat_log("git",
			         "push passwords come faster than %u at once and one a second: "
			         "refused without a check until they slow",
			         GIT_AUTH_KDF_BURST);
		kdf_refusing = true;
		return -EBUSY;
	}
	kdf_due_ns = due + GIT_AUTH_KDF_EVERY_NS;
	kdf_refusing = false;
	return 0;
}

/* 0 if it matches, -EACCES if not, -EBUSY past the KDF's budget (*wait_ns), or -EIO. */
static int password_matches(const char *password, size_t len, uint64_t now, uint64_t *wait_ns)
{
	uint8_t digest[32];
	bool have_digest;
	int rc;

	if (!password_ok(password, len))
		return -EACCES;
	have_digest = cache_digest(password, len, digest) == 0;
	if (have_digest && cache.valid && now < cache.until_ns &&
	    same_bytes(digest, cache.digest, sizeof(digest))) {
		wipe(digest, sizeof(digest));
		return 0;
	}
	if ((rc = kdf_budget(now, wait_ns))) {
		wipe(digest, sizeof(digest));
		return rc;
	}
	rc = hash_matches(&stored.h, password, len);
	if (rc == 0 && have_digest) {
		memcpy(cache.digest, digest, sizeof(digest));
		cache.until_ns = now + GIT_AUTH_CACHE_S * NS_PER_S;
		cache.valid = true;
	}
	wipe(digest, sizeof(digest));
	return rc;
}

/* ---- the rate limiter ---- */

enum client_family {
	CLIENT_FREE,  /* an unused slot */
	CLIENT_IP4,   /* the whole address */
	CLIENT_IP6,   /* its /64 */
	CLIENT_OTHER, /* text that is no address: its first 16 bytes */
};

struct client {
	uint8_t key[16];
	uint64_t window_ns; /* start of the window its failures count in */
	uint64_t locked_ns; /* locked out until then */
	uint64_t last_ns;   /* its last failure: the least recent makes room */
	uint8_t family;     /* enum client_family */
	uint8_t failures;   /* in the window */
	uint8_t locks;      /* lock-outs so far: the next lasts longer */
};

static struct client clients[GIT_AUTH_CLIENTS];

static enum client_family client_key(const char *client, uint8_t key[16])
{
	char addr[48];
	size_t n = client ? strcspn(client, "%") : 0; /* an IPv6 zone is not the address */

	memset(key, 0, 16);
	if (n < sizeof(addr)) {
		memcpy(addr, client ? client : "", n);
		addr[n] = '\0';
		if (conf_parse_ip4(addr, key) == 0)
			return CLIENT_IP4;
		if (conf_parse_ip6(addr, key) == 0) {
			memset(key + 8, 0, 8);
			return CLIENT_IP6;
		}
	}
	memcpy(key, client ? client : "", client ? strnlen(client, 16) : 0);
	return CLIENT_OTHER;
}

static struct client *client_find(enum client_family family, const uint8_t key[16])
{
	for (size_t i = 0; i < GIT_AUTH_CLIENTS; i++)
		if (clients[i].family == family && memcmp(clients[i].key, key, 16) == 0)
			return &clients[i];
	return NULL;
}

/*
 * A slot for a new client: a free one, else the one whose last failure is
 * oldest among those not locked out (so that a flood of new addresses
 * cannot free a locked one), else the one whose lock ends first.
 */
static struct client *client_new(enum client_family family, const uint8_t key[16], uint64_t now)
{
	struct client *victim = NULL, *c;

	for (size_t i = 0; i < GIT_AUTH_CLIENTS; i++) {
		c = &clients[i];
		if (c->family == CLIENT_FREE) {
			victim = c;
			break;
		}
		if (!victim || (victim->locked_ns > now && c->locked_ns <= now))
			victim = c;
		else if ((victim->locked_ns > now) == (c->locked_ns > now) &&
		         (c->locked_ns > now ? c->locked_ns < victim->locked_ns
		                             : c->last_ns < victim->last_ns))
			victim = c;
	}
	memset(victim, 0, sizeof(*victim));
	victim->family = (uint8_t)family;
	memcpy(victim->key, key, 16);
	return victim;
}

/* The client as logged: its text, if it is short and printable. */
static const char *shown(const char *client)
{
	size_t n = client ? strnlen(client, 64) : 64;

	if (n == 0 || n == 64)
		return "(unknown)";
	for (size_t i = 0; i < n; i++)
		if (client[i] <= ' ' || client[i] > '~')
			return "(unprintable)";
	return client;
}

static unsigned lock_seconds(unsigned locks)
{
	unsigned s = GIT_AUTH_LOCK_MIN_S;

	while (locks-- && s < GIT_AUTH_LOCK_MAX_S)
		s *= 2;
	return s < GIT_AUTH_LOCK_MAX_S ? s : GIT_AUTH_LOCK_MAX_S;
}

static void client_failed(struct client *c, const char *client, uint64_t now)
{
	uint64_t quiet;
	unsigned s;

	/* Lock-outs are forgotten after a quiet spell as long as the longest
	 * lock, counted from the last failure or the end of the last lock. */
	quiet = c->locked_ns > c->last_ns ? c->locked_ns : c->last_ns;
	if (c->locks && now - quiet >= GIT_AUTH_LOCK_MAX_S * NS_PER_S)
		c->locks = 0;
	if (c->failures == 0 || now - c->window_ns >= GIT_AUTH_WINDOW_S * NS_PER_S) {
		c->window_ns = now;
		c->failures = 0;
	}
	c->failures++;
	c->last_ns = now;
	plat_log("git", "wrong push password from %s (%u of %u within %u s)", shown(client),
	         c->failures, GIT_AUTH_FAILURES, GIT_AUTH_WINDOW_S);
	if (c->failures < GIT_AUTH_FAILURES)
		return;
	s = lock_seconds(c->locks);
	c->locked_ns = now + s * NS_PER_S;
	c->failures = 0;
	if (c->locks < 255)
		c->locks++;
	plat_log("git", "%s%s locked out for %u s after %u wrong passwords within %u s",
	         shown(client), c->family == CLIENT_IP6 ? " (its /64)" : "", s, GIT_AUTH_FAILURES,
	         GIT_AUTH_WINDOW_S);
}

/* ---- the check ---- */

enum git_auth_result git_auth_check(struct store *st, const char *authorization, size_t len,
                                    const char *client, unsigned *retry_after_s)
{
	uint64_t now = plat_now_ns();
	uint8_t buf[GIT_AUTH_CREDENTIALS_MAX], key[16];
	enum client_family family = client_key(client, key);
	struct client *c = client_find(family, key);
	const char *password;
	size_t password_len;
	uint64_t wait_ns = 0;
	int rc;

	if (!st || stored_load(st) != 0)
		return GIT_AUTH_NO_PASSWORD;
	if (c && c->locked_ns > now) {
		if (retry_after_s)
			*retry_after_s = (unsigned)((c->locked_ns - now + NS_PER_S - 1) / NS_PER_S);
		return GIT_AUTH_LIMITED;
	}
	if (!authorization || git_auth_parse_basic(authorization, len, buf, sizeof(buf), &password,
	                                           &password_len) != 0) {
		wipe(buf, sizeof(buf));
		return GIT_AUTH_MISSING;
	}
	rc = password_matches(password, password_len, now, &wait_ns);
	wipe(buf, sizeof(buf));
	if (rc == 0) {
		if (c)
			memset(c, 0, sizeof(*c));
		return GIT_AUTH_OK;
	}
	if (rc == -EBUSY) {
		if (retry_after_s)
			*retry_after_s = (unsigned)((wait_ns + NS_PER_S - 1) / NS_PER_S);
		return GIT_AUTH_BUSY;
	}
	if (rc == -EACCES)
		client_failed(c ? c : client_new(family, key, now), client, now);
	else
		plat_log("git", "could not check a push password (%d)", rc);
	return GIT_AUTH_WRONG;
}

void git_auth_reset(void)
{
	kdf_due_ns = 0;
	kdf_refusing = false;
	memset(clients, 0, sizeof(clients));
	wipe(&cache, sizeof(cache));
	memset(&stored, 0, sizeof(stored));
}
