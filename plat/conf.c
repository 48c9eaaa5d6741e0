/*
 * appliance.conf parser and validator (see conf.h for the format).
 * One small function per production: line, key, value, then the checks of
 * each kind of value and the rules between keys.
 */
#include "conf.h"

#include <errno.h>
#include <string.h>
#include "hex.h"

typedef const char *(*conf_check_fn)(const char *value);

struct conf_key {
	const char *name;
	conf_check_fn check;
};

/* ---- numbers and addresses ---- */

/* Decimal without sign or leading zeros, at most `max`; returns chars used or 0. */
static size_t parse_dec(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t i = 0;

	while (s[i] >= '0' && s[i] <= '9') {
		if (i > 0 && v == 0)
			return 0; /* a leading zero */
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > max)
			return 0;
		i++;
	}
	*out = v;
	return i;
}

int conf_parse_ip4(const char *s, uint8_t addr[4])
{
	for (int i = 0; i < 4; i++) {
		unsigned octet;
		size_t n = parse_dec(s, 255, &octet);

		if (n == 0)
			return -EINVAL;
		addr[i] = (uint8_t)octet;
		s += n;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	return *s == '\0' ? 0 : -EINVAL;
}

/* One group of 1-4 hex digits; returns chars used or 0. */
static size_t parse_group(const char *s, uint16_t *out)
{
	unsigned v = 0;
	size_t i = 0;

	while (i < 4 && plat_hex_digit(s[i]) >= 0)
		v = v << 4 | (unsigned)plat_hex_digit(s[i++]);
	if (i == 0 || plat_hex_digit(s[i]) >= 0)
		return 0;
	*out = (uint16_t)v;
	return i;
}

/*
 * Groups separated by ':' until the end or "::", at most `room` of them
 * (`room` may be below zero: then none fit); returns the count or -1.
 */
static int parse_groups(const char **sp, uint16_t *g, int room)
{
	const char *s = *sp;
	int n = 0;

	if (*s == '\0' || *s == ':')
		return 0;
	for (;;) {
		size_t used;

		if (n >= room || (used = parse_group(s, &g[n])) == 0)
			return -1;
		n++;
		s += used;
		if (*s != ':' || s[1] == ':')
			break;
		s++;
	}
	*sp = s;
	return n;
}

int conf_parse_ip6(const char *s, uint8_t addr[16])
{
	uint16_t head[8], tail[8];
	int nh, nt = 0;
	bool gap = false;

	nh = parse_groups(&s, head, 8);
	if (nh < 0)
		return -EINVAL;
	if (s[0] == ':' && s[1] == ':') {
		/*
		 * RFC 4291 2.2: "::" stands for one or more groups of zeros, so
		 * it cannot follow eight groups, and the groups after it fill
		 * at most 7 - nh.
		 */
		if (nh == 8)
			return -EINVAL;
		gap = true;
		s += 2;
		nt = parse_groups(&s, tail, 7 - nh);
		if (nt < 0)
			return -EINVAL;
	}
	if (*s != '\0' || (gap ? nh + nt > 7 : nh != 8))
		return -EINVAL;
	memset(addr, 0, 16);
	for (int i = 0; i < nh; i++) {
		addr[2 * i] = (uint8_t)(head[i] >> 8);
		addr[2 * i + 1] = (uint8_t)head[i];
	}
	for (int i = 0; i < nt; i++) {
		addr[16 - 2 * (nt - i)] = (uint8_t)(tail[i] >> 8);
		addr[16 - 2 * (nt - i) + 1] = (uint8_t)tail[i];
	}
	return 0;
}

/* Split "ADDR/PREFIX" into `addr` (a copy) and the prefix length. */
static int split_prefix(const char *s, char *addr, size_t size, unsigned max, unsigned *prefix)
{
	const char *slash = strchr(s, '/');
	size_t len;

	if (slash == NULL)
		return -EINVAL;
	len = (size_t)(slash - s);
	if (len >= size || parse_dec(slash + 1, max, prefix) != strlen(slash + 1) ||
	    slash[1] == '\0' || *prefix == 0)
		return -EINVAL;
	memcpy(addr, s, len);
	addr[len] = '\0';
	return 0;
}

int conf_parse_ip4_prefix(const char *s, uint8_t addr[4], unsigned *prefix)
{
	char a[16];

	if (split_prefix(s, a, sizeof(a), 32, prefix) < 0)
		return -EINVAL;
	return conf_parse_ip4(a, addr);
}

int conf_parse_ip6_prefix(const char *s, uint8_t addr[16], unsigned *prefix)
{
	char a[40];

	if (split_prefix(s, a, sizeof(a), 128, prefix) < 0)
		return -EINVAL;
	return conf_parse_ip6(a, addr);
}

static uint32_t ip4_u32(const uint8_t a[4])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static uint32_t ip4_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : ~(uint32_t)0 << (32 - prefix);
}

/* ---- value checks: NULL when fine, else the reason ---- */

/* RFC 1123 section 2.1 (after RFC 952): letters, digits, '-', not at the ends. */
static const char *check_label(const char *s, size_t len)
{
	if (len == 0)
		return "empty label (two dots, or a dot at an end)";
	if (len > 63)
		return "a label is longer than 63 characters";
	if (s[0] == '-' || s[len - 1] == '-')
		return "a label starts or ends with '-'";
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return "only letters, digits and '-' are allowed in a name";
	}
	return NULL;
}

/* Dot-separated labels, at most 253 characters (RFC 1035 section 2.3.4). */
static const char *check_name(const char *value)
{
	const char *s = value;

	if (*value == '\0')
		return "must not be empty";
	if (strlen(value) > 253)
		return "a name is longer than 253 characters";
	for (;;) {
		const char *dot = strchr(s, '.');
		size_t len = dot ? (size_t)(dot - s) : strlen(s);
		const char *why = check_label(s, len);

		if (why)
			return why;
		if (dot == NULL)
			return NULL;
		s = dot + 1;
	}
}

static const char *check_ip(const char *value)
{
	uint8_t a[4];
	unsigned prefix;
	uint32_t host;

	if (strcmp(value, "dhcp") == 0)
		return NULL;
	if (conf_parse_ip4_prefix(value, a, &prefix) < 0)
		return "expected \"dhcp\" or an IPv4 address with prefix length, e.g. "
		       "192.0.2.10/24";
	host = ip4_u32(a) & ~ip4_mask(prefix);
	if (prefix <= 30 && (host == 0 || host == ~ip4_mask(prefix)))
		return "the address is the subnet's network or broadcast address";
	return NULL;
}

static const char *check_ip4_opt(const char *value)
{
	uint8_t a[4];

	if (*value == '\0' || conf_parse_ip4(value, a) == 0)
		return NULL;
	return "expected an IPv4 address such as 192.0.2.1, or nothing";
}

static const char *check_ip6(const char *value)
{
	uint8_t a[16];
	unsigned prefix;

	if (strcmp(value, "slaac") == 0 || strcmp(value, "off") == 0)
		return NULL;
	if (conf_parse_ip6_prefix(value, a, &prefix) < 0)
		return "expected \"slaac\", \"off\" or an IPv6 address with prefix length, e.g. "
		       "2001:db8::10/64";
	if (a[0] == 0xff)
		return "a multicast address cannot be the appliance's address";
	return NULL;
}

static const char *check_ip6_opt(const char *value)
{
	uint8_t a[16];

	if (*value == '\0' || conf_parse_ip6(value, a) == 0)
		return NULL;
	return "expected an IPv6 address such as fe80::1, or nothing";
}

static const char *check_nameserver(const char *value)
{
	uint8_t a[16];

	if (*value == '\0' || conf_parse_ip4(value, a) == 0 || conf_parse_ip6(value, a) == 0)
		return NULL;
	return "expected an IPv4 or IPv6 address, or nothing";
}

/* Addresses, IPv4 or IPv6, comma-separated, or nothing (dns_notify). */
static const char *check_addresses(const char *value)
{
	static const char bad[] = "expected IPv4 or IPv6 addresses separated by commas, or nothing";
	const char *p = value;

	while (*p) {
		size_t n = strcspn(p, ",");
		char one[48];
		uint8_t a[16];
		if (n == 0 || n >= sizeof(one))
			return bad;
		memcpy(one, p, n);
		one[n] = '\0';
		if (conf_parse_ip4(one, a) != 0 && conf_parse_ip6(one, a) != 0)
			return bad;
		p += n;
		if (*p == ',' && !*++p)
			return bad; /* a trailing comma */
	}
	return NULL;
}

/* One prefix "ADDRESS/LENGTH" of a list, `n` characters, IPv4 or IPv6. */
static bool is_prefix(const char *s, size_t n)
{
	char one[48];
	uint8_t a[16];
	unsigned prefix;

	if (n == 0 || n >= sizeof(one))
		return false;
	memcpy(one, s, n);
	one[n] = '\0';
	return conf_parse_ip4_prefix(one, a, &prefix) == 0 ||
	       conf_parse_ip6_prefix(one, a, &prefix) == 0;
}

/*
 * Prefixes, IPv4 or IPv6, comma-separated, at most 16 (dns/forward.h's
 * DNS_FWD_LAN_MAX), or nothing (dns_lan: who may ask the forwarder).
 */
static const char *check_prefixes(const char *value)
{
	const char *p = value;
	unsigned count = 0;

	while (*p) {
		size_t n = strcspn(p, ",");
		if (!is_prefix(p, n))
			return "expected IPv4 or IPv6 prefixes such as 192.168.1.0/24 or fd00::/8 "
			       "separated by commas, or nothing";
		if (++count > 16)
			return "at most 16 prefixes";
		p += n;
		if (*p == ',' && !*++p)
			return "a comma at the end";
	}
	return NULL;
}

static const char *check_onoff(const char *value)
{
	if (strcmp(value, "on") == 0 || strcmp(value, "off") == 0)
		return NULL;
	return "expected \"on\" or \"off\"";
}

/* Who may read the Git repository (a push always needs the password). */
static const char *check_readers(const char *value)
{
	if (strcmp(value, "public") == 0 || strcmp(value, "private") == 0)
		return NULL;
	return "expected \"public\" or \"private\"";
}

/* A free string for the test hooks; the line syntax already allows no spaces. */
static const char *check_free(const char *value)
{
	(void)value;
	return NULL;
}

static const struct conf_key conf_keys[] = {
    {"hostname", check_name},
    {"domain", check_name},
    {"ip", check_ip},
    {"gateway", check_ip4_opt},
    {"nameserver", check_nameserver},
    {"ip6", check_ip6},
    {"ip6_gateway", check_ip6_opt},
    {"http", check_onoff},
    {"https", check_onoff},
    {"dns", check_onoff},
    {"dns_chaos", check_onoff},
    {"dns_rrl", check_onoff},
    {"dns_notify", check_addresses},
    {"dns_forward", check_nameserver},
    {"dns_lan", check_prefixes},
    {"echo", check_onoff},
    {"git_read", check_readers},
    {"selftest", check_free},
};

static const struct conf_key *find_key(const char *name)
{
	for (size_t i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

bool conf_key_known(const char *key)
{
	return find_key(key) != NULL;
}

/* Printable ASCII but space: what a value may contain. */
static bool is_value_char(char c)
{
	return c > ' ' && c < 0x7f;
}

/*
 * What the line syntax already guarantees in a file, checked again for a
 * value that came another way (the guest's, from xenstore).
 */
static const char *check_value_chars(const char *value)
{
	size_t len = strnlen(value, CONF_VALUE_MAX);

	if (len == CONF_VALUE_MAX)
		return "value longer than 255 characters";
	for (size_t i = 0; i < len; i++)
		if (!is_value_char(value[i]))
			return "space, control or non-ASCII character in a value";
	return NULL;
}

int conf_check_value(const char *key, const char *value, const char **reason)
{
	const struct conf_key *k = find_key(key);

	if (k == NULL) {
		*reason = "unknown key";
		return -ENOENT;
	}
	*reason = check_value_chars(value);
	if (*reason == NULL)
		*reason = k->check(value);
	return *reason ? -EINVAL : 0;
}

/* ---- lines ---- */

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static const char *check_line_chars(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\0')
			return "NUL byte in the file";
		if (s[i] == ' ' || s[i] == '\t')
			return "spaces are not allowed in a KEY=VALUE line";
		if (!is_value_char(s[i]))
			return "control or non-ASCII character";
	}
	return NULL;
}

static const char *parse_kv(struct conf_entry *e, const char *s, size_t len)
{
	const char *eq = memchr(s, '=', len);
	size_t klen, vlen;

	if (eq == NULL)
		return "expected KEY=VALUE";
	klen = (size_t)(eq - s);
	vlen = len - klen - 1;
	if (klen == 0)
		return "missing key before '='";
	if (klen >= CONF_KEY_MAX)
		return "unknown key";
	for (size_t i = 0; i < klen; i++)
		if (!is_key_char(s[i]))
			return "a key is lowercase letters, digits and '_'";
	if (vlen >= CONF_VALUE_MAX)
		return "value longer than 255 characters";
	memcpy(e->key, s, klen);
	e->key[klen] = '\0';
	memcpy(e->value, eq + 1, vlen);
	e->value[vlen] = '\0';
	return NULL;
}

/* One line without its newline; adds an entry for KEY=VALUE. */
static const char *parse_line(struct conf *conf, const char *s, size_t len, unsigned line)
{
	struct conf_entry *e;
	const char *why;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len == 0 || s[0] == '#')
		return memchr(s, '\0', len) ? "NUL byte in the file" : NULL;
	if ((why = check_line_chars(s, len)) != NULL)
		return why;
	if (conf->count == CONF_ENTRIES_MAX)
		return "too many settings";
	e = &conf->entry[conf->count];
	if ((why = parse_kv(e, s, len)) != NULL)
		return why;
	if (conf_get(conf, e->key) != NULL)
		return "key set twice";
	if (conf_check_value(e->key, e->value, &why) < 0)
		return why;
	e->line = line;
	conf->count++;
	return NULL;
}

/* ---- rules between keys ---- */

static const struct conf_entry *find_entry(const struct conf *conf, const char *key)
{
	for (int i = 0; i < conf->count; i++)
		if (strcmp(conf->entry[i].key, key) == 0)
			return &conf->entry[i];
	return NULL;
}

static const char *check_gateway(const struct conf *conf)
{
	const struct conf_entry *gw = find_entry(conf, "gateway");
	const char *ip = conf_get(conf, "ip");
	uint8_t a[4], g[4];
	unsigned prefix;

	if (gw == NULL || gw->value[0] == '\0')
		return NULL;
	if (ip == NULL || conf_parse_ip4_prefix(ip, a, &prefix) < 0)
		return "a gateway needs a static ip (ip=ADDRESS/PREFIX)";
	conf_parse_ip4(gw->value, g);
	if ((ip4_u32(a) ^ ip4_u32(g)) & ip4_mask(prefix))
		return "the gateway is outside the subnet of ip";
	if (ip4_u32(a) == ip4_u32(g))
		return "the gateway is the appliance's own address";
	return NULL;
}

static const char *check_ip6_gateway(const struct conf *conf)
{
	const struct conf_entry *gw = find_entry(conf, "ip6_gateway");
	const char *ip6 = conf_get(conf, "ip6");

	if (gw == NULL || gw->value[0] == '\0')
		return NULL;
	if (ip6 != NULL && strcmp(ip6, "off") == 0)
		return "an ip6_gateway with ip6=off";
	return NULL;
}

/* The forwarder answers the LAN only: an upstream needs the LAN's prefixes. */
static const char *check_forward(const struct conf *conf)
{
	const struct conf_entry *up = find_entry(conf, "dns_forward");
	const char *nets = conf_get(conf, "dns_lan");

	if (up == NULL || up->value[0] == '\0' || (nets != NULL && nets[0] != '\0'))
		return NULL;
	return "dns_forward needs dns_lan, the prefixes of the LAN it answers";
}

static int check_rules(const struct conf *conf, struct conf_error *err)
{
	static const struct {
		const char *key;
		const char *(*check)(const struct conf *conf);
	} rules[] = {{"gateway", check_gateway},
	             {"ip6_gateway", check_ip6_gateway},
	             {"dns_forward", check_forward}};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const char *why = rules[i].check(conf);

		if (why) {
			err->line = find_entry(conf, rules[i].key)->line;
			err->reason = why;
			return -EINVAL;
		}
	}
	return 0;
}

int conf_parse(struct conf *conf, const char *text, size_t len, struct conf_error *err)
{
	unsigned line = 1;
	size_t pos = 0;

	conf->count = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *why = parse_line(conf, text + pos, n, line);

		if (why) {
			err->line = line;
			err->reason = why;
			return -EINVAL;
		}
		pos += n + 1;
		line++;
	}
	return check_rules(conf, err);
}

const char *conf_get(const struct conf *conf, const char *key)
{
	const struct conf_entry *e = find_entry(conf, key);

	return e ? e->value : NULL;
}
