/*
 * The push password (git/auth.c) on a store in memory: the hash stored
 * and verified (against vectors from Python's hashlib), HTTP Basic read
 * strictly at each limit and one past it, the rate limiter's lock at
 * exactly GIT_AUTH_FAILURES + 1 attempts and its release, growth and
 * scope, the cache of one success and what ends it, and no password set.
 * The platform's clock, random source and log are this file's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <cmocka.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/pwdbased.h>

#include "fixture.h"
#include "git/auth.h"
#include "memblk.h"
#include "plat/plat.h"
#include "store.h"
#include "../fake_log.h"

#define DEV_SIZE (8u << 20)
#define S (1000000000ull)
#define RIGHT "correct horse battery staple"
#define CLIENT "192.0.2.7"

/* ---- the platform, faked ---- */

static uint64_t fake_now = 1000 * S;
static int random_error;

uint64_t plat_now_ns(void)
{
	return fake_now;
}

void plat_wallclock(struct plat_wallclock *t)
{
	t->sec = 1700000000;
	t->nsec = 0;
}

int plat_random(void *buf, size_t len)
{
	if (random_error)
		return random_error;
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -EIO;
}

/*
 * wolfCrypt's PBKDF2, counted: git/auth.c's calls come here
 * (-Wl,--wrap=wc_PBKDF2), so the tests see when the KDF ran.
 */
static int kdf_runs;
int __real_wc_PBKDF2(byte *output, const byte *passwd, int pLen, const byte *salt, int sLen,
                     int iterations, int kLen, int typeH);
int __wrap_wc_PBKDF2(byte *output, const byte *passwd, int pLen, const byte *salt, int sLen,
                     int iterations, int kLen, int typeH);

int __wrap_wc_PBKDF2(byte *output, const byte *passwd, int pLen, const byte *salt, int sLen,
                     int iterations, int kLen, int typeH)
{
	kdf_runs++;
	return __real_wc_PBKDF2(output, passwd, pLen, salt, sLen, iterations, kLen, typeH);
}

/* ---- helpers ---- */

static struct store *st;

static int setup(void **state)
{
	(void)state;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	git_auth_reset();
	fake_now = 1000 * S;
	random_error = 0;
	unit_logs = 0;
	unit_log[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(st);
	memblk_free();
	return 0;
}

/* "Basic " and the base64 of `user:password` (static; one at a time). */
static const char *basic(const char *user, const char *password)
{
	static char hdr[4096];
	char plain[2048];
	int n = snprintf(plain, sizeof(plain), "%s:%s", user, password);

	strcpy(hdr, "Basic ");
	assert_true(git_auth_base64_encode((const uint8_t *)plain, (size_t)n, hdr + 6,
	                                   sizeof(hdr) - 6) > 0);
	return hdr;
}

static enum git_auth_result check_from(const char *client, const char *hdr, unsigned *retry)
{
	return git_auth_check(st, hdr, hdr ? strlen(hdr) : 0, client, retry);
}

static enum git_auth_result check(const char *hdr)
{
	return check_from(CLIENT, hdr, NULL);
}

/* hashlib.pbkdf2_hmac("sha256", RIGHT, bytes(range(16)), 1000), base64. */
static const char right_1000[] =
    "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$ppsXnjrdPB4KryJ6DrOqKqhkWrhv7PbKAMF1Eml8cZ4=\n";

/* RIGHT as the password, hashed with the fewest iterations a hash may
 * have, so that the tests that fail many times run quickly. */
static void set_right(void)
{
	assert_int_equal(fixture_commit(st, GIT_AUTH_SECRETS_REF, GIT_AUTH_PATH, right_1000, NULL),
	                 0);
}

/* ---- base64 ---- */

static void test_base64_rfc4648_vectors(void **state)
{
	/* RFC 4648 section 10. */
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
	                                    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char out[16];
	uint8_t back[16];

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		size_t n = strlen(plain[i]);
		assert_int_equal(
		    git_auth_base64_encode((const uint8_t *)plain[i], n, out, sizeof(out)),
		    (int)strlen(coded[i]));
		assert_string_equal(out, coded[i]);
		assert_int_equal(git_auth_base64_decode(coded[i], strlen(coded[i]), back, n),
		                 (int)n);
		assert_memory_equal(back, plain[i], n);
		if (n)
			assert_int_equal(
			    git_auth_base64_decode(coded[i], strlen(coded[i]), back, n - 1),
			    -ENOSPC);
	}
	/* Room for the NUL too. */
	assert_int_equal(git_auth_base64_encode((const uint8_t *)"foo", 3, out, 4), -ENOSPC);
	assert_int_equal(git_auth_base64_encode((const uint8_t *)"foo", 3, out, 5), 4);
}

static void test_base64_strict(void **state)
{
	static const char *const bad[] = {
	    "Zg=",      /* not a multiple of four */
	    "Zg",       /* unpadded */
	    "Zh==",     /* unused bits set: Zg== is the one encoding of "f" */
	    "Zm9=",     /* likewise for "fo" */
	    "Z===",     /* three pads */
	    "====",     /* nothing but padding */
	    "Zg==Zg==", /* padding inside */
	    "Zm=v",     /* '=' before a symbol */
	    "Zm9 ",     /* a space */
	    "Zm9-",     /* base64url's alphabet */
	    "Zm9_",     /* likewise */
	    "Zm9\n",    /* a line break */
	};
	uint8_t out[16];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(git_auth_base64_decode(bad[i], strlen(bad[i]), out, sizeof(out)),
		                 -EINVAL);
	assert_int_equal(git_auth_base64_decode("Zm9\0", 4, out, sizeof(out)), -EINVAL);
}

/* ---- the stored hash ---- */

static void test_hash_verifies_python_vectors(void **state)
{
	/* hashlib.pbkdf2_hmac("sha256", password, salt, iterations), base64. */
	static const char v1[] = "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$"
	                         "ppsXnjrdPB4KryJ6DrOqKqhkWrhv7PbKAMF1Eml8cZ4=\n";
	static const char v2[] = "pbkdf2-sha256$2000$c2FsdHNhbHRzYWx0c2FsdA==$yIc6/"
	                         "yYOSsXIwmneb2UGCzhfX9q/Z4KSAwEWy4IkVlU=";
	static const char pw2[] = "p\xc3\xa4ssw\xc3\xb6rd-\xc3\xbcnicode";

	(void)state;
	assert_int_equal(git_auth_verify(RIGHT, strlen(RIGHT), v1, strlen(v1)), 0);
	assert_int_equal(git_auth_verify("correct horse battery stapler", 29, v1, strlen(v1)),
	                 -EACCES);
	assert_int_equal(git_auth_verify(pw2, strlen(pw2), v2, strlen(v2)), 0);
	assert_int_equal(git_auth_verify(RIGHT, strlen(RIGHT), v2, strlen(v2)), -EACCES);
}

static void test_hash_text_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "pbkdf2-sha1$1000$AAECAwQFBgcICQoLDA0ODw==$"
	    "ppsXnjrdPB4KryJ6DrOqKqhkWrhv7PbKAMF1Eml8cZ4=",
	    "pbkdf2-sha256$999$AAECAwQFBgcICQoLDA0ODw==$"
	    "ppsXnjrdPB4KryJ6DrOqKqhkWrhv7PbKAMF1Eml8cZ4=",
	    "pbkdf2-sha256$100001$AAECAwQFBgcICQoLDA0ODw==$"
	    "ppsXnjrdPB4KryJ6DrOqKqhkWrhv7PbKAMF1Eml8cZ"
	    "4=",
	    "pbkdf2-sha256$01000$AAECAwQFBgcICQoLDA0ODw==$"
	    "ppsXnjrdPB4KryJ6DrOqKqhkWrhv7PbKAMF1Eml8cZ4"
	    "=",
	    "pbkdf2-sha256$+1000$AAECAwQFBgcICQoLDA0ODw==$"
	    "ppsXnjrdPB4KryJ6DrOqKqhkWrhv7PbKAMF1Eml8cZ4"
	    "=",
	    /* A salt of 6 bytes, under the 8 accepted. */
	    "pbkdf2-sha256$1000$AAECAwQF$ppsXnjrdPB4KryJ6DrOqKqhkWrhv7PbKAMF1Eml8cZ4=",
	    /* A hash of 31 bytes. */
	    "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$"
	    "ppsXnjrdPB4KryJ6DrOqKqhkWrhv7PbKAMF1Eml8cQ==",
	    "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$"
	    "ppsXnjrdPB4KryJ6DrOqKqhkWrhv7PbKAMF1Eml8cZ4="
	    "\n\n",
	    "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$"
	    "ppsXnjrdPB4KryJ6DrOqKqhkWrhv7PbKAMF1Eml8cZ4="
	    "$",
	    "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(git_auth_verify(RIGHT, strlen(RIGHT), bad[i], strlen(bad[i])),
		                 -EINVAL);
}

static void test_hash_made_and_verified(void **state)
{
	char text[GIT_AUTH_HASH_TEXT_MAX], again[GIT_AUTH_HASH_TEXT_MAX], prefix[32];
	uint8_t salt[64];
	const char *p, *q;

	(void)state;
	assert_int_equal(git_auth_hash(RIGHT, text, sizeof(text)), 0);
	snprintf(prefix, sizeof(prefix), "pbkdf2-sha256$%d$", GIT_AUTH_ITERATIONS);
	assert_memory_equal(text, prefix, strlen(prefix));
	assert_int_equal(text[strlen(text) - 1], '\n');
	/* 16 bytes of salt, 32 of hash. */
	p = text + strlen(prefix);
	q = strchr(p, '$');
	assert_non_null(q);
	assert_int_equal(git_auth_base64_decode(p, (size_t)(q - p), salt, sizeof(salt)), 16);
	assert_int_equal(git_auth_base64_decode(q + 1, strlen(q + 1) - 1, salt, sizeof(salt)), 32);
	assert_int_equal(git_auth_verify(RIGHT, strlen(RIGHT), text, strlen(text)), 0);
	assert_int_equal(git_auth_verify("correct horse battery stapl", 27, text, strlen(text)),
	                 -EACCES);
	/* A new salt each time. */
	assert_int_equal(git_auth_hash(RIGHT, again, sizeof(again)), 0);
	assert_string_not_equal(text, again);
	/* Room, seed, password. */
	assert_int_equal(git_auth_hash(RIGHT, text, GIT_AUTH_HASH_TEXT_MAX - 1), -ENOSPC);
	assert_int_equal(git_auth_hash("short", text, sizeof(text)), -EINVAL);
	random_error = -EAGAIN;
	assert_int_equal(git_auth_hash(RIGHT, text, sizeof(text)), -EAGAIN);
}

static void test_password_rules(void **state)
{
	char pw[GIT_AUTH_PASSWORD_MAX + 2];

	(void)state;
	memset(pw, 'x', sizeof(pw));
	pw[GIT_AUTH_PASSWORD_MIN - 1] = '\0';
	assert_int_equal(git_auth_password_ok(pw), -EINVAL);
	pw[GIT_AUTH_PASSWORD_MIN - 1] = 'x';
	pw[GIT_AUTH_PASSWORD_MIN] = '\0';
	assert_int_equal(git_auth_password_ok(pw), 0);
	memset(pw, 'x', sizeof(pw));
	pw[GIT_AUTH_PASSWORD_MAX] = '\0';
	assert_int_equal(git_auth_password_ok(pw), 0);
	pw[GIT_AUTH_PASSWORD_MAX] = 'x';
	pw[GIT_AUTH_PASSWORD_MAX + 1] = '\0';
	assert_int_equal(git_auth_password_ok(pw), -EINVAL);
	assert_int_equal(git_auth_password_ok("tab\tinside"), -EINVAL);
	assert_int_equal(git_auth_password_ok("delete\x7fit"), -EINVAL);
	assert_int_equal(git_auth_password_ok("new\nline!"), -EINVAL);
	assert_int_equal(git_auth_password_ok("spaces are fine"), 0);
}

static void test_generated(void **state)
{
	char a[GIT_AUTH_GENERATED_SIZE], b[GIT_AUTH_GENERATED_SIZE];

	(void)state;
	assert_int_equal(git_auth_generate(a, sizeof(a)), 0);
	assert_int_equal(git_auth_generate(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), 23);
	assert_string_not_equal(a, b);
	for (size_t i = 0; i < 23; i++) {
		if (i % 6 == 5)
			assert_int_equal(a[i], '-');
		else
			assert_non_null(strchr("23456789abcdefghijkmnpqrstuvwxyz", a[i]));
	}
	assert_int_equal(git_auth_password_ok(a), 0);
	assert_int_equal(git_auth_generate(a, GIT_AUTH_GENERATED_SIZE - 1), -ENOSPC);
	random_error = -EAGAIN;
	assert_int_equal(git_auth_generate(a, sizeof(a)), -EAGAIN);
}

/* ---- the check ---- */

static void test_no_password(void **state)
{
	(void)state;
	/* No refs/appliance/secrets at all: said once, whatever is sent. */
	assert_int_equal(check(NULL), GIT_AUTH_NO_PASSWORD);
	assert_int_equal(check(basic("git", RIGHT)), GIT_AUTH_NO_PASSWORD);
	assert_int_equal(unit_logs, 1);
	assert_non_null(strstr(unit_log, "git: no push password"));
	/* The ref with the TLS files but no git/password. */
	assert_int_equal(fixture_commit(st, GIT_AUTH_SECRETS_REF, "tls/cert.pem", "cert", NULL), 0);
	assert_int_equal(check(basic("git", RIGHT)), GIT_AUTH_NO_PASSWORD);
	/* A git/password that is no hash. */
	assert_int_equal(fixture_commit(st, GIT_AUTH_SECRETS_REF, GIT_AUTH_PATH, RIGHT "\n", NULL),
	                 0);
	assert_int_equal(check(basic("git", RIGHT)), GIT_AUTH_NO_PASSWORD);
	assert_int_equal(git_auth_check(NULL, NULL, 0, CLIENT, NULL), GIT_AUTH_NO_PASSWORD);
	/* Once one is set, pushes are let in. */
	set_right();
	assert_int_equal(check(basic("git", RIGHT)), GIT_AUTH_OK);
}

static void test_right_and_wrong(void **state)
{
	char hdr[256];

	(void)state;
	assert_int_equal(fixture_commit(st, GIT_AUTH_SECRETS_REF, "tls/cert.pem", "cert", NULL), 0);
	assert_int_equal(git_auth_set(st, RIGHT), 0);
	/* The other files of the ref are kept. */
	fixture_read_is(st, GIT_AUTH_SECRETS_REF, "tls/cert.pem", "cert");
	/* Any user name; the scheme in any case. */
	assert_int_equal(check(basic("git", RIGHT)), GIT_AUTH_OK);
	assert_int_equal(check(basic("", RIGHT)), GIT_AUTH_OK);
	assert_int_equal(check(basic("owner", RIGHT)), GIT_AUTH_OK);
	snprintf(hdr, sizeof(hdr), "bAsIc   %s  ", basic("x", RIGHT) + 6);
	assert_int_equal(check(hdr), GIT_AUTH_OK);
	/* A password with a colon: the user-id ends at the first one. */
	assert_int_equal(git_auth_set(st, "with:colon"), 0);
	assert_int_equal(check(basic("u", "with:colon")), GIT_AUTH_OK);
	set_right();
	unit_logs = 0;
	assert_int_equal(check(basic("git", "correct horse battery stapler")), GIT_AUTH_WRONG);
	assert_int_equal(unit_logs, 1);
	assert_string_equal(unit_log,
	                    "git: wrong push password from 192.0.2.7 (1 of 5 within 60 s)");
	/* Too short or too long to be any password: wrong, and counted. */
	assert_int_equal(check(basic("git", "")), GIT_AUTH_WRONG);
	assert_int_equal(unit_logs, 2);
	assert_non_null(strstr(unit_log, "(2 of 5"));
}

static void test_missing_or_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "Basic",
	    "Basic ",
	    "Basic Z2l0OnBhc3N3b3Jk=", /* not a multiple of four */
	    "Basic Z2l0cGFzc3dvcmQ=",  /* "gitpassword": no colon */
	    "Basic !!!!",
	    "Basic Zh==",
	    "Basic\tZ2l0OmNvcnJlY3Q=", /* RFC 9110: 1*SP after the scheme */
	    "Basicx Z2l0OmNvcnJlY3Q=",
	    "Bearer Z2l0OmNvcnJlY3Q=",
	    "Digest username=\"git\"",
	    "Negotiate YII=",
	    "Basic Z2l0OmNvcnJlY3Q= Z2l0OmNvcnJlY3Q=",
	    "Basic Z2l0OmEKYg==", /* "git:a\nb": a control character */
	};
	unsigned retry = 7;

	(void)state;
	set_right();
	unit_logs = 0;
	assert_int_equal(check(NULL), GIT_AUTH_MISSING);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(check_from(CLIENT, bad[i], &retry), GIT_AUTH_MISSING);
	assert_int_equal(git_auth_check(st, "Basic Z2l0OmNvcnJl\x00Y3Q=", 23, CLIENT, &retry),
	                 GIT_AUTH_MISSING);
	/* Neither a guess nor logged, and retry_after untouched. */
	assert_int_equal(unit_logs, 0);
	assert_int_equal(retry, 7);
	for (int i = 0; i < 10; i++)
		assert_int_equal(check(NULL), GIT_AUTH_MISSING);
	assert_int_equal(check(basic("git", RIGHT)), GIT_AUTH_OK);
}

static void test_header_limits(void **state)
{
	char user[GIT_AUTH_CREDENTIALS_MAX + 8], hdr[1024];
	/* The longest credentials: user-id, ':', the longest password. */
	size_t user_len = GIT_AUTH_CREDENTIALS_MAX - 1 - GIT_AUTH_PASSWORD_MAX;
	char pw[GIT_AUTH_PASSWORD_MAX + 1];

	(void)state;
	memset(pw, 'p', GIT_AUTH_PASSWORD_MAX);
	pw[GIT_AUTH_PASSWORD_MAX] = '\0';
	assert_int_equal(git_auth_set(st, pw), 0);
	memset(user, 'u', user_len);
	user[user_len] = '\0';
	assert_int_equal(check(basic(user, pw)), GIT_AUTH_OK);
	/* One byte more of user-id decodes past the limit. */
	strcat(user, "u");
	assert_int_equal(check(basic(user, pw)), GIT_AUTH_MISSING);
	/* A value of GIT_AUTH_HEADER_MAX bytes is read (its spaces are
	 * whitespace around it), one more is not. */
	user[user_len] = '\0';
	snprintf(hdr, sizeof(hdr), "%s", basic(user, pw));
	memset(hdr + strlen(hdr), ' ', GIT_AUTH_HEADER_MAX - strlen(hdr));
	hdr[GIT_AUTH_HEADER_MAX] = '\0';
	assert_int_equal(check(hdr), GIT_AUTH_OK);
	strcat(hdr, " ");
	assert_int_equal(check(hdr), GIT_AUTH_MISSING);
}

static void test_rate_limit(void **state)
{
	unsigned retry = 0;
	const char *wrong;

	(void)state;
	set_right();
	wrong = basic("git", "wrong password");
	for (int i = 1; i <= GIT_AUTH_FAILURES; i++) {
		unit_logs = 0;
		assert_int_equal(check(wrong), GIT_AUTH_WRONG);
		fake_now += S;
	}
	/* The fifth failure logged itself and the lock. */
	assert_int_equal(unit_logs, 2);
	assert_string_equal(
	    unit_log, "git: 192.0.2.7 locked out for 60 s after 5 wrong passwords within 60 s");
	/* Attempt N + 1 is refused, right password or not, and not logged. */
	unit_logs = 0;
	assert_int_equal(check_from(CLIENT, basic("git", RIGHT), &retry), GIT_AUTH_LIMITED);
	assert_int_equal(retry, 60 - 1);
	assert_int_equal(check_from(CLIENT, NULL, &retry), GIT_AUTH_LIMITED);
	assert_int_equal(unit_logs, 0);
	/* Other clients are not. */
	assert_int_equal(check_from("192.0.2.8", basic("git", RIGHT), NULL), GIT_AUTH_OK);
	/* Released after its time, to the nanosecond. */
	fake_now += 58 * S + S / 2;
	assert_int_equal(check_from(CLIENT, basic("git", RIGHT), &retry), GIT_AUTH_LIMITED);
	assert_int_equal(retry, 1);
	fake_now += S / 2 - 1;
	assert_int_equal(check_from(CLIENT, basic("git", RIGHT), &retry), GIT_AUTH_LIMITED);
	assert_int_equal(retry, 1);
	fake_now += 1;
	assert_int_equal(check(basic("git", RIGHT)), GIT_AUTH_OK);
}

/* `n` wrong passwords from `client`, a second apart. */
static void fail_n(const char *client, int n)
{
	const char *wrong = basic("git", "wrong password");

	for (int i = 0; i < n; i++) {
		assert_int_equal(check_from(client, wrong, NULL), GIT_AUTH_WRONG);
		fake_now += S;
	}
}

static void test_rate_limit_window_and_growth(void **state)
{
	static const unsigned locks[] = {60, 120, 240, 480, 900, 900};
	unsigned retry;
	char want[128];

	(void)state;
	set_right();
	/* Four in a minute, then four in the next: never five in one window. */
	fail_n(CLIENT, 4);
	fake_now += GIT_AUTH_WINDOW_S * S;
	fail_n(CLIENT, 4);
	assert_int_equal(check(NULL), GIT_AUTH_MISSING);
	/* One more within the second window locks; each lock is longer, up to 15 min. */
	for (size_t i = 0; i < sizeof(locks) / sizeof(locks[0]); i++) {
		fail_n(CLIENT, i == 0 ? 1 : GIT_AUTH_FAILURES);
		snprintf(want, sizeof(want), "locked out for %u s", locks[i]);
		assert_non_null(strstr(unit_log, want));
		assert_int_equal(check_from(CLIENT, NULL, &retry), GIT_AUTH_LIMITED);
		assert_int_equal(retry, locks[i] - 1);
		fake_now += (uint64_t)(locks[i] - 1) * S;
	}
	/* A success forgets the client's past. */
	assert_int_equal(check(basic("git", RIGHT)), GIT_AUTH_OK);
	fail_n(CLIENT, GIT_AUTH_FAILURES);
	assert_non_null(strstr(unit_log, "locked out for 60 s"));
	/* So do 15 quiet minutes after the end of a lock, not one second less. */
	fake_now += 60 * S;
	fail_n(CLIENT, GIT_AUTH_FAILURES);
	assert_non_null(strstr(unit_log, "locked out for 120 s"));
	fake_now += (120 - 1 + GIT_AUTH_LOCK_MAX_S - 1) * S;
	fail_n(CLIENT, GIT_AUTH_FAILURES);
	assert_non_null(strstr(unit_log, "locked out for 240 s"));
	fake_now += (240 - 1 + GIT_AUTH_LOCK_MAX_S) * S;
	fail_n(CLIENT, GIT_AUTH_FAILURES);
	assert_non_null(strstr(unit_log, "locked out for 60 s"));
}

static void test_rate_limit_ipv6_prefix(void **state)
{
	(void)state;
	set_right();
	/* A host holds its /64: addresses in it share one count. */
	fail_n("2001:db8:0:1::1", 2);
	fail_n("2001:db8:0:1:ffff:ffff:ffff:ffff", 2);
	fail_n("2001:db8:0:1::7%eth0", 1);
	assert_non_null(strstr(unit_log, "(its /64) locked out"));
	assert_int_equal(check_from("2001:db8:0:1::2", NULL, NULL), GIT_AUTH_LIMITED);
	assert_int_equal(check_from("2001:db8:0:2::1", basic("git", RIGHT), NULL), GIT_AUTH_OK);
	assert_int_equal(check_from("192.0.2.1", basic("git", RIGHT), NULL), GIT_AUTH_OK);
	/* Text that is no address has a count of its own, and is logged safely. */
	fail_n("not an address\n", 1);
	assert_non_null(strstr(unit_log, "from (unprintable) (1 of 5"));
	fail_n(NULL, 1);
	assert_non_null(strstr(unit_log, "from (unknown) (1 of 5"));
}

static void test_rate_limit_table_full(void **state)
{
	char addr[32];
	unsigned retry;

	(void)state;
	set_right();
	/* Locked for 240 s (its third lock): longer than the clients below take. */
	for (int lock = 0; lock < 3; lock++) {
		fail_n(CLIENT, GIT_AUTH_FAILURES);
		if (lock < 2)
			fake_now += (60u << lock) * S;
	}
	assert_non_null(strstr(unit_log, "locked out for 240 s"));
	/* Twice as many new clients as the table holds, each failing once,
	 * a second apart (the KDF's budget). */
	for (int i = 0; i < 2 * GIT_AUTH_CLIENTS; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		assert_int_equal(check_from(addr, basic("git", "wrong password"), NULL),
		                 GIT_AUTH_WRONG);
		fake_now += S;
	}
	/* The locked client was not the one to make room. */
	assert_int_equal(check_from(CLIENT, basic("git", RIGHT), &retry), GIT_AUTH_LIMITED);
	/* The most recent ones are remembered, the oldest forgotten. */
	fail_n("198.51.100.127", 1);
	assert_non_null(strstr(unit_log, "(2 of 5"));
	fail_n("198.51.100.0", 1);
	assert_non_null(strstr(unit_log, "(1 of 5"));
}

/*
 * The KDF's budget, all clients together: GIT_AUTH_KDF_BURST wrong
 * passwords at once from as many /64s (each its first failure) run it;
 * the next check is refused without one (BUSY, Retry-After 1 s,
 * logged once, no failure counted), a right password too; to the
 * nanosecond a second later one runs. A remembered success needs no run.
 */
static void test_kdf_budget(void **state)
{
	unsigned retry = 0;
	char addr[64];
	int runs;

	(void)state;
	set_right();
	runs = kdf_runs;
	for (int i = 0; i < GIT_AUTH_KDF_BURST; i++) {
		snprintf(addr, sizeof(addr), "2001:db8:0:%x::1", i);
		assert_int_equal(check_from(addr, basic("git", "wrong password"), NULL),
		                 GIT_AUTH_WRONG);
	}
	assert_int_equal(kdf_runs, runs + GIT_AUTH_KDF_BURST);
	unit_logs = 0;
	assert_int_equal(check_from("2001:db8:0:ff::1", basic("git", "wrong password"), &retry),
	                 GIT_AUTH_BUSY);
	assert_int_equal(retry, 1);
	assert_int_equal(check_from("2001:db8:0:fe::1", basic("git", RIGHT), &retry),
	                 GIT_AUTH_BUSY);
	assert_int_equal(kdf_runs, runs + GIT_AUTH_KDF_BURST);
	assert_int_equal(unit_logs, 1);
	assert_non_null(strstr(unit_log, "push passwords come faster than 4 at once"));
	fake_now += S - 1;
	assert_int_equal(check_from("2001:db8:0:fe::1", basic("git", RIGHT), &retry),
	                 GIT_AUTH_BUSY);
	assert_int_equal(retry, 1);
	fake_now += 1;
	/* The refused one's failure was not counted: this is its first. */
	assert_int_equal(check_from("2001:db8:0:ff::1", basic("git", "wrong password"), NULL),
	                 GIT_AUTH_WRONG);
	assert_non_null(strstr(unit_log, "from 2001:db8:0:ff::1 (1 of 5"));
	fake_now += S;
	assert_int_equal(check_from("2001:db8:0:fe::1", basic("git", RIGHT), NULL), GIT_AUTH_OK);
	for (int i = 0; i < 2 * GIT_AUTH_KDF_BURST; i++)
		assert_int_equal(check(basic("git", RIGHT)), GIT_AUTH_OK);
	assert_int_equal(kdf_runs, runs + GIT_AUTH_KDF_BURST + 2);
}

/* The KDF's budget full again, as after a quiet spell (test_kdf_budget tests it). */
static void budget_full(void)
{
	fake_now += GIT_AUTH_KDF_BURST * GIT_AUTH_KDF_EVERY_NS;
}

static void test_cache(void **state)
{
	char hdr[256], text[GIT_AUTH_HASH_TEXT_MAX];
	int runs;

	(void)state;
	set_right();
	snprintf(hdr, sizeof(hdr), "%s", basic("git", RIGHT));
	runs = kdf_runs;
	assert_int_equal(check(hdr), GIT_AUTH_OK);
	assert_int_equal(kdf_runs, runs + 1);
	/* Again, from anywhere, within its time: no KDF. */
	assert_int_equal(check(hdr), GIT_AUTH_OK);
	assert_int_equal(check_from("2001:db8::9", basic("another user", RIGHT), NULL),
	                 GIT_AUTH_OK);
	fake_now += GIT_AUTH_CACHE_S * S - 1;
	assert_int_equal(check(hdr), GIT_AUTH_OK);
	assert_int_equal(kdf_runs, runs + 1);
	/* Only the password that passed: a wrong one still pays, and fails. */
	assert_int_equal(check(basic("git", "wrong password")), GIT_AUTH_WRONG);
	assert_int_equal(kdf_runs, runs + 2);
	/* Not past its time, counted from the KDF's yes (use does not extend it). */
	fake_now += 1;
	assert_int_equal(check(hdr), GIT_AUTH_OK);
	assert_int_equal(kdf_runs, runs + 3);
	assert_int_equal(check(hdr), GIT_AUTH_OK);
	assert_int_equal(kdf_runs, runs + 3);
	/* Nor once the password changed. */
	budget_full();
	assert_int_equal(git_auth_set(st, "another password"), 0);
	runs = kdf_runs;
	assert_int_equal(check(hdr), GIT_AUTH_WRONG);
	assert_int_equal(check(basic("git", "another password")), GIT_AUTH_OK);
	assert_int_equal(kdf_runs, runs + 2);
	/* Changed behind our back, by a commit on the ref. */
	budget_full();
	assert_int_equal(git_auth_hash(RIGHT, text, sizeof(text)), 0);
	assert_int_equal(fixture_commit(st, GIT_AUTH_SECRETS_REF, GIT_AUTH_PATH, text, NULL), 0);
	runs = kdf_runs;
	assert_int_equal(check(basic("git", "another password")), GIT_AUTH_WRONG);
	assert_int_equal(kdf_runs, runs + 1);
	/* Any other change there drops it too (the ref is what is watched). */
	assert_int_equal(check(hdr), GIT_AUTH_OK);
	assert_int_equal(fixture_commit(st, GIT_AUTH_SECRETS_REF, "tls/cert.pem", "cert", NULL), 0);
	runs = kdf_runs;
	assert_int_equal(check(hdr), GIT_AUTH_OK);
	assert_int_equal(check(hdr), GIT_AUTH_OK);
	assert_int_equal(kdf_runs, runs + 1);
	/* A locked-out client is refused before the cache is looked at. */
	budget_full();
	fail_n("192.0.2.99", GIT_AUTH_FAILURES);
	assert_int_equal(check_from("192.0.2.99", hdr, NULL), GIT_AUTH_LIMITED);
	/* And an unseeded platform only loses the cache. */
	git_auth_reset();
	random_error = -EAGAIN;
	runs = kdf_runs;
	assert_int_equal(check(hdr), GIT_AUTH_OK);
	assert_int_equal(check(hdr), GIT_AUTH_OK);
	assert_int_equal(kdf_runs, runs + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64_rfc4648_vectors),
	    cmocka_unit_test(test_base64_strict),
	    cmocka_unit_test(test_hash_verifies_python_vectors),
	    cmocka_unit_test(test_hash_text_refused),
	    cmocka_unit_test_setup_teardown(test_hash_made_and_verified, setup, teardown),
	    cmocka_unit_test(test_password_rules),
	    cmocka_unit_test_setup_teardown(test_generated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_password, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_right_and_wrong, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_or_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_header_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rate_limit_window_and_growth, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kdf_budget, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rate_limit_ipv6_prefix, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rate_limit_table_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
