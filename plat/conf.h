/*
 * appliance.conf: the appliance's settings, one KEY=VALUE per line.
 *
 * The same parser runs in three places: the image build (confcheck rejects
 * a malformed file with its line and reason), the host twin (which reads
 * the file directly) and the guest (which gets each key from dom0 through
 * xenstore `appliance/<key>` and re-validates the value with
 * conf_check_value(), so a hand-edited card cannot hand it garbage).
 *
 * Platform-neutral C: no allocation, no I/O.
 *
 * Format (image/appliance.conf documents it for the user):
 *   - a line is empty, a comment (first character '#'), or KEY=VALUE;
 *   - no spaces anywhere in a KEY=VALUE line, no quotes; a trailing CR is
 *     ignored (the file lives on a FAT partition edited from any computer);
 *   - only known keys, each at most once; an empty value means "unset".
 */
#ifndef PLAT_CONF_H
#define PLAT_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_KEY_MAX 32    /* bytes of a key, NUL included */
#define CONF_VALUE_MAX 256 /* bytes of a value, NUL included */
#define CONF_ENTRIES_MAX 32

struct conf_entry {
	char key[CONF_KEY_MAX];
	char value[CONF_VALUE_MAX];
	unsigned line;
};

struct conf {
	struct conf_entry entry[CONF_ENTRIES_MAX];
	int count;
};

/* Where and why a file was rejected; `reason` is a static string. */
struct conf_error {
	unsigned line;
	const char *reason;
};

/*
 * Parse and validate `len` bytes of appliance.conf text into `conf`: syntax,
 * known keys, each value, and the rules between keys (a gateway needs a
 * static address in its subnet). Returns 0, or -EINVAL with `err` set.
 */
int conf_parse(struct conf *conf, const char *text, size_t len, struct conf_error *err);

/* The value of `key` (possibly ""), or NULL if the file does not set it. */
const char *conf_get(const struct conf *conf, const char *key);

/* True if `key` is one appliance.conf may set. */
bool conf_key_known(const char *key);

/*
 * Validate one value of a known key: at most 255 characters, printable
 * ASCII without spaces (what a file line allows), and a value of the key's
 * kind. Returns 0, or -EINVAL with `*reason` set to a static string
 * (-ENOENT for an unknown key).
 */
int conf_check_value(const char *key, const char *value, const char **reason);

/* ---- value parsers, shared with net/ ---- */

/* "a.b.c.d": four decimal octets, no leading zeros (they read as octal elsewhere). */
int conf_parse_ip4(const char *s, uint8_t addr[4]);
/* An RFC 4291 section 2.2 text address (with "::"; no embedded IPv4, no zone). */
int conf_parse_ip6(const char *s, uint8_t addr[16]);
/* "ADDR/PREFIX" for either family; the prefix is 1-32 or 1-128. */
int conf_parse_ip4_prefix(const char *s, uint8_t addr[4], unsigned *prefix);
int conf_parse_ip6_prefix(const char *s, uint8_t addr[16], unsigned *prefix);

#endif
