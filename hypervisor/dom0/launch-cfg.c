/*
 * The xl configuration the guest is described with (guest.cfg), the subset
 * of xl.cfg(5) that launch builds, and the guest's own configuration file
 * the init prepares. Anything else is refused with its name: a setting
 * launch would silently ignore is a guest that is not what its file says.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A quoted string at *p into out: 0, or -EINVAL. */
static int quoted(const char **p, char *out, size_t cap)
{
	char q = **p;
	size_t n = 0;

	if (q != '\'' && q != '"')
		return -EINVAL;
	for ((*p)++; **p && **p != q; (*p)++) {
		if (n + 1 >= cap)
			return -EINVAL;
		out[n++] = **p;
	}
	if (**p != q)
		return -EINVAL;
	(*p)++;
	out[n] = 0;
	return 0;
}

/* A decimal number at *p: 0, or -EINVAL (none, or over 1,000,000). */
static int number(const char **p, unsigned *out)
{
	unsigned v = 0;

	if (**p < '0' || **p > '9')
		return -EINVAL;
	for (; **p >= '0' && **p <= '9'; (*p)++) {
		v = v * 10 + (unsigned)(**p - '0');
		if (v > 1000000)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

/* A list of at most one string, "[ 'x' ]" or "[]": its count, or -EINVAL. */
static int list_of_one(const char **p, char *out, size_t cap)
{
	int n = 0;

	if (**p != '[')
		return -EINVAL;
	*p = skip_space(*p + 1);
	if (**p != ']') {
		if (quoted(p, out, cap) < 0)
			return -EINVAL;
		n = 1;
		*p = skip_space(*p);
		if (**p == ',')
			*p = skip_space(*p + 1);
	}
	if (**p != ']')
		return -EINVAL;
	(*p)++;
	return n;
}

static int action(const char *v, enum launch_action *a)
{
	if (strcmp(v, "destroy") == 0)
		*a = LAUNCH_DESTROY;
	else if (strcmp(v, "restart") == 0)
		*a = LAUNCH_RESTART;
	else
		return -EINVAL;
	return 0;
}

/* "xx:xx:xx:xx:xx:xx" in hex. */
static int is_mac(const char *m)
{
	for (int i = 0; i < 17; i++) {
		int hex = (m[i] >= '0' && m[i] <= '9') || (m[i] >= 'a' && m[i] <= 'f') ||
		          (m[i] >= 'A' && m[i] <= 'F');

		if (i % 3 == 2 ? m[i] != ':' : !hex)
			return 0;
	}
	return m[17] == 0;
}

/*
 * 'bridge=BR,mac=MAC' (either, both, or neither). BR is an interface name
 * (IFNAMSIZ: at most 15 bytes).
 */
static int vif_spec(struct launch_cfg *c, char *spec, const char **why)
{
	char *save = NULL;

	for (char *item = strtok_r(spec, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		item = (char *)skip_space(item);
		if (strncmp(item, "bridge=", 7) == 0 && strlen(item + 7) > 0 &&
		    strlen(item + 7) < sizeof(c->vif_bridge)) {
			strcpy(c->vif_bridge, item + 7);
		} else if (strncmp(item, "mac=", 4) == 0 && is_mac(item + 4)) {
			strcpy(c->vif_mac, item + 4);
		} else {
			*why = "a vif takes bridge=NAME (at most 15 bytes) and "
			       "mac=xx:xx:xx:xx:xx:xx only";
			return -EINVAL;
		}
	}
	c->has_vif = 1;
	return 0;
}

/* 'phy:TARGET,xvdX,w' (or r): xvdX is Xen's VBD 202 << 8 | X << 4. */
static int disk_spec(struct launch_cfg *c, char *spec, const char **why)
{
	char *target = spec + 4, *vdev, *access;

	*why = "a disk is 'phy:DEVICE,xvdX,w' (or ,r)";
	if (strncmp(spec, "phy:", 4) != 0 || !(vdev = strchr(target, ',')))
		return -EINVAL;
	*vdev++ = 0;
	if (!(access = strchr(vdev, ',')))
		return -EINVAL;
	*access++ = 0;
	if (!*target || strlen(target) >= sizeof(c->disk_target) || strlen(vdev) != 4 ||
	    strncmp(vdev, "xvd", 3) != 0 || vdev[3] < 'a' || vdev[3] > 'p')
		return -EINVAL;
	if (strcmp(access, "w") == 0 || strcmp(access, "rw") == 0)
		c->disk_writable = 1;
	else if (strcmp(access, "r") == 0 || strcmp(access, "ro") == 0)
		c->disk_writable = 0;
	else
		return -EINVAL;
	strcpy(c->disk_target, target);
	strcpy(c->disk_vdev, vdev);
	c->disk_devid = 202u << 8 | (unsigned)(vdev[3] - 'a') << 4;
	return 0;
}

void launch_cfg_init(struct launch_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->vcpus = 1;
	c->memory_mb = 128;
	c->on_poweroff = LAUNCH_DESTROY;
	c->on_reboot = LAUNCH_RESTART;
	c->on_crash = LAUNCH_RESTART;
	strcpy(c->vif_bridge, "br0");
}

/* (launch_cfg_line parses into a copy: a value refused half read is dropped.) */
static int string_key(const char **p, char *out, size_t cap, const char **why)
{
	if (quoted(p, out, cap) == 0)
		return 0;
	*why = "its value must be a quoted string that fits";
	return -EINVAL;
}

/*
 * The domain's name: letters, digits, '-', '_' and '.', not first: it
 * names launch's log file (/var/log/xen/launch-NAME.log) and xenconsoled's.
 */
static int name_key(const char **p, char *out, size_t cap, const char **why)
{
	const char *q = out;

	if (string_key(p, out, cap, why) < 0)
		return -EINVAL;
	while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
	       *q == '-' || *q == '_' || (*q == '.' && q != out))
		q++;
	if (out[0] && !*q)
		return 0;
	*why = "a name is letters, digits, '-', '_' and '.' (not first)";
	return -EINVAL;
}

static int number_key(const char **p, unsigned *out, unsigned lo, unsigned hi, const char **why)
{
	if (number(p, out) == 0 && *out >= lo && *out <= hi)
		return 0;
	*why = "its value must be a number in range";
	return -EINVAL;
}

static int list_key(struct launch_cfg *c, const char *key, const char **p, const char **why)
{
	char spec[LAUNCH_PATH_MAX + 64];
	int n = list_of_one(p, spec, sizeof(spec));

	if (n < 0 || (n == 0 && strcmp(key, "disk") == 0)) {
		*why = "its value must be a list of one quoted string";
		return -EINVAL;
	}
	if (strcmp(key, "disk") == 0)
		return disk_spec(c, spec, why);
	if (n == 0) {
		c->has_vif = 0;
		return 0;
	}
	return vif_spec(c, spec, why);
}

static int action_key(const char **p, enum launch_action *a, const char **why)
{
	char v[16];

	if (quoted(p, v, sizeof(v)) == 0 && action(v, a) == 0)
		return 0;
	*why = "its value must be \"destroy\" or \"restart\"";
	return -EINVAL;
}

static int value(struct launch_cfg *c, const char *key, const char **p, const char **why)
{
	if (strcmp(key, "name") == 0)
		return name_key(p, c->name, sizeof(c->name), why);
	if (strcmp(key, "kernel") == 0)
		return string_key(p, c->kernel, sizeof(c->kernel), why);
	if (strcmp(key, "extra") == 0)
		return string_key(p, c->cmdline, sizeof(c->cmdline), why);
	if (strcmp(key, "memory") == 0)
		return number_key(p, &c->memory_mb, 16, 3072, why);
	if (strcmp(key, "vcpus") == 0)
		return number_key(p, &c->vcpus, 1, LAUNCH_VCPUS_MAX, why);
	if (strcmp(key, "disk") == 0 || strcmp(key, "vif") == 0)
		return list_key(c, key, p, why);
	if (strcmp(key, "on_poweroff") == 0)
		return action_key(p, &c->on_poweroff, why);
	if (strcmp(key, "on_reboot") == 0)
		return action_key(p, &c->on_reboot, why);
	if (strcmp(key, "on_crash") == 0)
		return action_key(p, &c->on_crash, why);
	*why = "this key is not one launch builds (name kernel extra memory vcpus disk vif "
	       "on_poweroff "
	       "on_reboot on_crash)";
	return -EINVAL;
}

int launch_cfg_line(struct launch_cfg *c, const char *line, const char **why)
{
	const char *p = skip_space(line);
	struct launch_cfg v;
	char key[32];
	size_t n = 0;

	if (*p == 0 || *p == '#' || *p == '\n')
		return 0;
	while ((*p >= 'a' && *p <= 'z') || *p == '_') {
		if (n + 1 >= sizeof(key))
			break;
		key[n++] = *p++;
	}
	key[n] = 0;
	p = skip_space(p);
	if (n == 0 || *p != '=') {
		*why = "not a line of the form key = value";
		return -EINVAL;
	}
	p = skip_space(p + 1);
	/* Into a copy, kept only if the whole line is good. */
	v = *c;
	if (value(&v, key, &p, why) < 0)
		return -EINVAL;
	p = skip_space(p);
	if (*p && *p != '#' && *p != '\n') {
		*why = "something follows the value";
		return -EINVAL;
	}
	*c = v;
	return 0;
}

int launch_cfg_check(struct launch_cfg *c, const uint8_t random6[6], const char **why)
{
	if (!c->name[0] || !c->kernel[0] || !c->disk_target[0]) {
		*why = "name, kernel and disk are required";
		return -EINVAL;
	}
	if (c->has_vif && !c->vif_mac[0])
		snprintf(c->vif_mac, sizeof(c->vif_mac), "00:16:3e:%02x:%02x:%02x",
		         random6[0] & 0x7f, random6[1], random6[2]);
	return 0;
}

/* The next line at *pos, terminated in place; NULL at the end. */
static char *next_line(char *text, size_t len, size_t *pos)
{
	char *line = text + *pos;

	if (*pos >= len)
		return NULL;
	while (*pos < len && text[*pos] != '\n')
		(*pos)++;
	if (*pos < len)
		text[(*pos)++] = 0;
	return line;
}

/* Checks every PATH VALUE line and the end line, splitting each in place. */
static int guest_conf_lines(char *text, size_t len, size_t pos, const char **why)
{
	char *line;

	while ((line = next_line(text, len, &pos))) {
		char *sp = strchr(line, ' ');

		if (strcmp(line, "end") == 0)
			return pos == len ? 0 : (*why = "something follows the end line", -EINVAL);
		if (!sp || sp == line || line[0] == '/') {
			*why = "a line is not PATH VALUE with a relative PATH";
			return -EINVAL;
		}
		*sp = 0;
	}
	*why = "no end line";
	return -EINVAL;
}

int launch_guest_conf(char *text, size_t len, const char **name, const char **instance,
                      int (*key)(void *ctx, const char *path, const char *value), void *ctx,
                      const char **why)
{
	size_t pos = 0, start;
	char *n, *i;
	int rc;

	if (memchr(text, 0, len) != NULL) {
		*why = "a NUL byte in the file";
		return -EINVAL;
	}
	n = next_line(text, len, &pos);
	i = next_line(text, len, &pos);
	if (!n || !i || strncmp(n, "name ", 5) != 0 || strncmp(i, "instance ", 9) != 0) {
		*why = "no name and instance lines";
		return -EINVAL;
	}
	start = pos;
	rc = guest_conf_lines(text, len, pos, why);
	if (rc < 0)
		return rc;
	*name = n + 5;
	*instance = i + 9;
	for (pos = start; key && pos < len;) {
		char *path = text + pos;

		if (strcmp(path, "end") == 0)
			break;
		pos += strlen(path) + 1;
		rc = key(ctx, path, text + pos);
		if (rc < 0)
			return rc;
		pos += strlen(text + pos) + 1;
	}
	return 0;
}

/* The file whole into buf: its length (0 if empty), or -errno (-ENOENT: there is none). */
static long read_whole(const char *path, char *buf, const char **why)
{
	long n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*why = "cannot open it";
		return -errno;
	}
	while ((n = read(fd, buf + got, LAUNCH_GUEST_CONF_MAX + 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	if (n < 0) {
		*why = "cannot read it";
		return -errno;
	}
	if (got > LAUNCH_GUEST_CONF_MAX) {
		*why = "over 16384 bytes";
		return -EFBIG;
	}
	buf[got] = 0;
	return got;
}

long launch_guest_conf_read(const char *path, char *buf, unsigned wait_ms, bool absent_waits,
                            const char **why)
{
	for (unsigned waited = 0;; waited += 10) {
		struct timespec ten_ms = {0, 10000000};
		long n = read_whole(path, buf, why);

		if (n == -ENOENT && (!absent_waits || waited >= wait_ms)) {
			*why = absent_waits ? "none came in time" : "none";
			return 0;
		}
		if (n < 0 && n != -ENOENT)
			return n;
		/* Empty too is incomplete: the shell's > truncates before it writes. */
		if (n >= 5 && memcmp(buf + n - 5, "\nend\n", 5) == 0)
			return n;
		if (n == -ENOENT) {
			nanosleep(&ten_ms, NULL);
			continue;
		}
		if (waited >= wait_ms) {
			*why = "no end line: incomplete";
			return -EINVAL;
		}
		nanosleep(&ten_ms, NULL);
	}
}

unsigned launch_restart_wait_ms(unsigned *quick, long lived_ms)
{
	unsigned wait = 1000;

	if (lived_ms >= LAUNCH_RESTART_QUICK_MS) {
		*quick = 0;
		return 0;
	}
	if (*quick < 32)
		++*quick;
	if (*quick == 1)
		return 0;
	for (unsigned i = 2; i < *quick && wait < LAUNCH_RESTART_MAX_MS; i++)
		wait *= 2;
	return wait < LAUNCH_RESTART_MAX_MS ? wait : LAUNCH_RESTART_MAX_MS;
}
