/*
 * The password that guards git push (issue 10, "Authentication"). It is
 * kept in the store's non-public part, refs/appliance/secrets, as the file
 * git/password: a salted PBKDF2-HMAC-SHA256 hash (RFC 8018 section 5.2) in
 * one line of text,
 *
 *   pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>\n
 *
 * with a 16-byte random salt and a 32-byte hash (base64 of RFC 4648
 * section 4, padded). Python's hashlib.pbkdf2_hmac("sha256", password,
 * salt, iterations) gives the same hash.
 *
 * A request's credentials come in HTTP Basic (RFC 7617): any user name is
 * accepted, only the password is checked. Failed checks are rate-limited
 * per client address (an IPv6 client per /64: one host holds a whole
 * /64), and each failure and each lock-out is logged with plat_log("git").
 *
 * Transport-independent: the caller (HTTP) hands in the header's value and
 * the client's address as text and maps the result to a status. It reaches
 * the store only through store/store.h. One thread, like every service.
 *
 * Memory, all static: the rate limiter's GIT_AUTH_CLIENTS entries of 48
 * bytes (3,072), the remembered success with its key (80) and the parsed
 * stored hash (128): 3,280 bytes on the guest. A check uses about 1 KiB of
 * stack (the credentials, an HMAC state) and allocates only inside
 * wolfCrypt (under 1 KiB during the KDF); reading git/password after it
 * changed allocates the file's bytes for the time of the read.
 */
#ifndef GIT_AUTH_H
#define GIT_AUTH_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define GIT_AUTH_SECRETS_REF "refs/appliance/secrets"
#define GIT_AUTH_PATH "git/password"

/*
 * PBKDF2 iterations of a new hash, so that a check takes 100-300 ms on the
 * Cubieboard2's Cortex-A7 at 1 GHz. Measured in the guest (its wolfCrypt
 * self-test, tests/bench/wolfcrypt.sh): 16,000 iterations are 175 million
 * instructions (counted with QEMU's -icount; wolfSSL 5.5.4's PBKDF2 hashes
 * four SHA-256 blocks of portable C per iteration, about 10,900
 * instructions), so 175 ms at one instruction per cycle, 250 ms at 0.7;
 * 211 ms under QEMU's plain emulation here, 17 ms on the host twin
 * (x86-64). A stored hash may name any count from GIT_AUTH_ITERATIONS_MIN
 * to GIT_AUTH_ITERATIONS_MAX: more would stall the event loop for seconds.
 */
#define GIT_AUTH_ITERATIONS 16000
#define GIT_AUTH_ITERATIONS_MIN 1000
#define GIT_AUTH_ITERATIONS_MAX 100000
#define GIT_AUTH_SALT_LEN 16
#define GIT_AUTH_HASH_LEN 32
/* The longest line git_auth_hash writes, its NUL included. */
#define GIT_AUTH_HASH_TEXT_MAX 128

/* A password is 8 to 128 bytes (UTF-8 or not) with no control character
 * (RFC 7617 section 2 forbids them in the user-pass). */
#define GIT_AUTH_PASSWORD_MIN 8
#define GIT_AUTH_PASSWORD_MAX 128
/* The longest Authorization value read (longer is GIT_AUTH_MISSING), and
 * the most bytes its base64 may decode to (user name, ':', password). */
#define GIT_AUTH_HEADER_MAX 600
#define GIT_AUTH_CREDENTIALS_MAX 384

/* The rate limiter: clients remembered, failures allowed in a window, and
 * the lock-out, doubling from GIT_AUTH_LOCK_MIN_S for each lock of the same
 * client up to GIT_AUTH_LOCK_MAX_S. */
#define GIT_AUTH_CLIENTS 64
#define GIT_AUTH_FAILURES 5
#define GIT_AUTH_WINDOW_S 60
#define GIT_AUTH_LOCK_MIN_S 60
#define GIT_AUTH_LOCK_MAX_S 900
/* How long a successful check is remembered (see git_auth_check). */
#define GIT_AUTH_CACHE_S 300
/*
 * The KDF's budget, all clients together: GIT_AUTH_KDF_BURST runs at once,
 * then one a second (GCRA). Clients in many /64s each get their own
 * failures before a lock, and each run blocks the loop for the KDF (175
 * ms on the board): six a second would take all of it. Past the budget a
 * check is GIT_AUTH_BUSY without a look at the password.
 */
#define GIT_AUTH_KDF_BURST 4
#define GIT_AUTH_KDF_EVERY_NS 1000000000ull

enum git_auth_result {
	GIT_AUTH_OK,
	GIT_AUTH_MISSING,     /* no Authorization, or a malformed one: 401 */
	GIT_AUTH_WRONG,       /* a wrong password: 401 */
	GIT_AUTH_LIMITED,     /* too many failures from this client: 429, Retry-After */
	GIT_AUTH_BUSY,        /* past the KDF's budget, all clients together: 503, Retry-After */
	GIT_AUTH_NO_PASSWORD, /* none set in the store (or it does not parse): 403 */
};

/*
 * Check a request's credentials. `authorization` is the raw value of its
 * Authorization header field (NULL if absent), `len` its length; `client`
 * the client's address as text ("192.0.2.7", "2001:db8::7"). With
 * GIT_AUTH_LIMITED or GIT_AUTH_BUSY, *retry_after_s (may be NULL) gets the
 * seconds until the client may try again.
 *
 * Order: no password in the store (or no store) is GIT_AUTH_NO_PASSWORD
 * whatever was sent; a locked-out client is GIT_AUTH_LIMITED without a
 * look at its password; then the header is parsed, then the password
 * checked. After GIT_AUTH_FAILURES wrong passwords within GIT_AUTH_WINDOW_S
 * the client is locked out (the last of them still answered
 * GIT_AUTH_WRONG). A missing or malformed header is no guess and does not
 * count: git sends its first request without credentials. A password the
 * KDF would check past its budget (GIT_AUTH_KDF_BURST) is GIT_AUTH_BUSY,
 * *retry_after_s until the budget has a run again, and counts as no
 * failure.
 *
 * A successful check costs the KDF (GIT_AUTH_ITERATIONS), which blocks the
 * loop meanwhile; so that a push's several requests do not each pay it,
 * the password that passed is remembered as HMAC-SHA256 under a key drawn
 * at random when first needed and kept only in memory, never the password
 * itself nor an unkeyed hash of it. The same password then passes at the
 * cost of one HMAC for GIT_AUTH_CACHE_S after the KDF said yes (not
 * extended by use), and never once refs/appliance/secrets has moved (a new
 * password, or any other change there) or git_auth_set ran. Only a right
 * password can hit it, and a locked-out client is refused before it.
 */
enum git_auth_result git_auth_check(struct store *st, const char *authorization, size_t len,
                                    const char *client, unsigned *retry_after_s);

/*
 * The text of git/password for `password` (see the top of this file) into
 * `out`, NUL-terminated, with a new salt from plat_random. 0, -EINVAL for a
 * password git_auth_password_ok refuses, -ENOSPC if `size` is under
 * GIT_AUTH_HASH_TEXT_MAX, -EAGAIN if the platform has no random seed, or
 * -EIO if wolfCrypt failed.
 */
int git_auth_hash(const char *password, char *out, size_t size);

/*
 * Does `password` (`len` bytes) match the hash text `text` (`text_len`
 * bytes, as stored)? 0 if so, -EACCES if not, -EINVAL if the text is not a
 * hash git_auth_hash could have written (or names an iteration count
 * outside the limits above), -EIO if wolfCrypt failed.
 */
int git_auth_verify(const char *password, size_t len, const char *text, size_t text_len);

/*
 * Set the push password: git_auth_hash's text committed as git/password on
 * refs/appliance/secrets, the other files there kept. Forgets the cached
 * success. 0, or git_auth_hash's or store_commit_changes's error.
 */
int git_auth_set(struct store *st, const char *password);

/* 0 if `password` (NUL-terminated) may be set, else -EINVAL. */
int git_auth_password_ok(const char *password);

/*
 * A new random password into `out` (at least GIT_AUTH_GENERATED_SIZE
 * bytes): 20 symbols of 32 (100 bits) in four groups of five, without the
 * look-alikes 0, 1, l and o ("k7mqs-..."). 0, -ENOSPC, or -EAGAIN if the
 * platform has no random seed.
 */
#define GIT_AUTH_GENERATED_SIZE 24
int git_auth_generate(char *out, size_t size);

/*
 * The password in an Authorization value of scheme Basic (RFC 7617
 * section 2, RFC 9110 section 11.4): "Basic" in any case, one or more
 * spaces, then the base64 of user-id ":" password, whose decoding goes to
 * `buf` (`size` bytes); *password and *password_len then point into `buf`.
 * 0, or -EINVAL for another scheme or a malformed value: base64 that is not
 * canonical (git_auth_base64_decode), no ':', or a control character in
 * the user-id or password; -E2BIG past GIT_AUTH_HEADER_MAX or a decoding
 * past `size`. The caller wipes `buf` after use.
 */
int git_auth_parse_basic(const char *value, size_t len, uint8_t *buf, size_t size,
                         const char **password, size_t *password_len);

/*
 * Base64 (RFC 4648 section 4) of `len` bytes into `out`, padded and
 * NUL-terminated: the characters written, or -ENOSPC.
 */
int git_auth_base64_encode(const uint8_t *in, size_t len, char *out, size_t size);
/*
 * Strict decoding of `len` characters: only the standard alphabet, a
 * length that is a multiple of four, '=' only as the last one or two, and
 * the unused bits of the last symbol zero, so that every accepted text is
 * the one encoding of its bytes. The bytes decoded, -EINVAL, or -ENOSPC if
 * they do not fit `size`.
 */
int git_auth_base64_decode(const char *in, size_t len, uint8_t *out, size_t size);

/* Forget every client of the rate limiter and the cached success (tests). */
void git_auth_reset(void);

#endif
