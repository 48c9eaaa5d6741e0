/*
 * xen-hotplug: xl's two hotplug scripts for the appliance guest's devices,
 * as one small program. xl runs /etc/xen/scripts/block and
 * /etc/xen/scripts/vif-bridge, both links to it, with the backend's
 * xenstore directory in XENBUS_PATH, and waits for each before it starts
 * the guest:
 *
 *   block add|remove                  a phy: disk: tells blkback which
 *                                     device to serve (physical-device, as
 *                                     major:minor in hex)
 *   vif-bridge online|offline ...     the guest's interface (in $vif) on the
 *                                     bridge the backend names (default br0);
 *                                     online also writes the appliance
 *                                     guest's configuration and seed
 *                                     (guest_configure)
 *
 * Each ends by writing hotplug-status: "connected", or "error" with the
 * reason on stderr, which xl shows. It was two POSIX-sh scripts; under
 * QEMU's TCG their eight processes (sh, xenstore-read, stat or ip,
 * xenstore-write, for each) took about 0.4 s of xl create, which is on the
 * way to the guest's first answer (issue 13). This is one process a
 * device, talking to xenstored's socket itself (the wire format of
 * xen/include/public/io/xs_wire.h), with no C library: see sys.h.
 */
#include <stdint.h>

#include "sys.h"

/*
 * The names xenstored gives errno values in an XS_ERROR (xs_wire.h's
 * xsd_errors) and what fail() says of them.
 */
static const struct {
	int err;
	const char *xs_name, *text;
} errnos[] = {
    {ENOENT, "ENOENT", "no such file or directory"},
    {EIO, "EIO", "input/output error"},
    {EAGAIN, "EAGAIN", "try again"},
    {EACCES, "EACCES", "permission denied"},
    {EBUSY, "EBUSY", "device busy"},
    {EEXIST, "EEXIST", "already exists"},
    {ENODEV, NULL, "no such device"},
    {EINVAL, "EINVAL", "invalid argument"},
    {ENOSPC, "ENOSPC", "no space left"},
    {EPIPE, NULL, "connection closed"},
    {ENAMETOOLONG, NULL, "name too long"},
    {EMSGSIZE, NULL, "message too long"},
    {EOPNOTSUPP, NULL, "operation not supported"},
    {ECONNREFUSED, NULL, "connection refused"},
};

/* xs_wire.h: a message is this header and LEN bytes of payload. */
struct xs_msg_hdr {
	uint32_t type;
#define XS_READ 2
#define XS_WRITE 11
#define XS_ERROR 16
	uint32_t req_id;
	uint32_t tx_id; /* 0: no transaction */
	uint32_t len;   /* at most XENSTORE_PAYLOAD_MAX */
};
#define XENSTORE_PAYLOAD_MAX 4096
#define XENSTORE_ABS_PATH_MAX 3072

/* A bounded string under construction; OVER is set if anything was cut. */
struct text {
	char *p;
	size_t cap, len;
	int over;
};

static const char *prog = "xen-hotplug";
static const char *xenbus_path; /* the backend's directory */
static int xs_fd = -1;
static uint32_t xs_req_id;

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void text_add(struct text *t, const char *s, size_t n)
{
	while (n--) {
		if (t->len + 1 >= t->cap) {
			t->over = 1;
			break;
		}
		t->p[t->len++] = *s++;
	}
	t->p[t->len] = 0;
}

static void text_str(struct text *t, const char *s)
{
	text_add(t, s, str_len(s));
}

static void text_hex(struct text *t, unsigned v)
{
	char d[8];
	size_t n = 0;

	do {
		d[sizeof(d) - ++n] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	text_add(t, d + sizeof(d) - n, n);
}

static void text_dec(struct text *t, unsigned v)
{
	char d[10];
	size_t n = 0;

	do {
		d[sizeof(d) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	text_add(t, d + sizeof(d) - n, n);
}

static const char *errno_text(int err)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == err)
			return errnos[i].text;
	return NULL;
}

/* The errno of xenstored's error NAME (terminated); EIO if unknown. */
static int xs_errno(const char *name)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].xs_name && str_eq(errnos[i].xs_name, name))
			return errnos[i].err;
	return EIO;
}

static long write_all(int fd, const char *p, size_t n);

static int xs_write_key(const char *key, const char *value);

/*
 * Reports "PROG: WHAT ARG: reason" on stderr, tells xl through
 * hotplug-status, and exits 1. ERR is a negative errno, or 0 for none.
 */
static void fail(const char *what, const char *arg, int err) __attribute__((noreturn));
static void fail(const char *what, const char *arg, int err)
{
	char buf[512];
	struct text t = {buf, sizeof(buf), 0, 0};
	const char *name = errno_text(-err);

	text_str(&t, prog);
	text_str(&t, ": ");
	text_str(&t, what);
	if (arg) {
		text_str(&t, " ");
		text_str(&t, arg);
	}
	if (err) {
		text_str(&t, ": ");
		if (name) {
			text_str(&t, name);
		} else {
			text_str(&t, "errno ");
			text_dec(&t, (unsigned)-err);
		}
	}
	text_str(&t, "\n");
	write_all(2, buf, t.len);
	if (xs_fd >= 0 && xenbus_path)
		xs_write_key("hotplug-status", "error");
	sys_exit(1);
}

/*
 * All N bytes to FD (OUT) or from it: 0, or -errno (-EPIPE if the other
 * end closed first).
 */
static long io_all(int fd, char *p, size_t n, int out)
{
	long rc;

	while (n) {
		rc = out ? sys_write(fd, p, n) : sys_read(fd, p, n);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return -EPIPE;
		p += rc;
		n -= (size_t)rc;
	}
	return 0;
}

static long write_all(int fd, const char *p, size_t n)
{
	return io_all(fd, (char *)p, n, 1);
}

static long read_all(int fd, void *buf, size_t n)
{
	return io_all(fd, buf, n, 0);
}

/* Up to N bytes from FD, until its end: how many, or -errno. */
static long read_all_upto(int fd, char *buf, size_t n)
{
	size_t got = 0;
	long rc;

	while (got < n) {
		rc = sys_read(fd, buf + got, n - got);
		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
		got += (size_t)rc;
	}
	return (long)got;
}

/*
 * xenstored's socket, as libxenstore finds it (XENSTORED_PATH, else the
 * daemon's socket), falling back to the kernel's xenbus device, which
 * speaks the same protocol.
 */
static void xs_open(void)
{
	const char *path = sys_getenv("XENSTORED_PATH");

	if (path) {
		xs_fd = sys_unix_connect(path);
	} else {
		path = "/var/run/xenstored/socket";
		xs_fd = sys_unix_connect(path);
		if (xs_fd < 0)
			xs_fd = sys_open(path = "/dev/xen/xenbus", 1);
	}
	if (xs_fd < 0)
		fail("cannot reach xenstored at", path, xs_fd);
}

/*
 * One request of TYPE whose payload is A then B; its reply's payload into
 * REPLY (at most CAP bytes, not terminated). Returns the reply's length,
 * or a negative errno: xenstored's own ("ENOENT" -> -ENOENT) or the
 * connection's.
 */
static long xs_request(uint32_t type, const char *a, size_t alen, const char *b, size_t blen,
                       char *reply, size_t cap)
{
	struct {
		struct xs_msg_hdr h;
		char payload[XENSTORE_PAYLOAD_MAX];
	} msg;
	long rc;

	if (alen + blen > XENSTORE_PAYLOAD_MAX)
		return -EMSGSIZE;
	msg.h = (struct xs_msg_hdr){type, ++xs_req_id, 0, (uint32_t)(alen + blen)};
	for (size_t i = 0; i < alen; i++)
		msg.payload[i] = a[i];
	for (size_t i = 0; i < blen; i++)
		msg.payload[alen + i] = b[i];
	/* One write: the xenbus device takes a message in one piece. */
	rc = write_all(xs_fd, (const char *)&msg, sizeof(msg.h) + alen + blen);
	if (rc == 0)
		rc = read_all(xs_fd, &msg.h, sizeof(msg.h));
	if (rc == 0 && (msg.h.len > XENSTORE_PAYLOAD_MAX || msg.h.req_id != xs_req_id))
		rc = -EIO;
	if (rc == 0)
		rc = read_all(xs_fd, msg.payload, msg.h.len);
	if (rc < 0) {
		/* The connection is out of step or gone: fail() must not use it. */
		sys_close(xs_fd);
		xs_fd = -1;
		return rc;
	}
	if (msg.h.type == XS_ERROR) {
		msg.payload[msg.h.len < 15 ? msg.h.len : 15] = 0;
		return -xs_errno(msg.payload);
	}
	if (msg.h.type != type)
		return -EIO;
	if (msg.h.len > cap)
		return -EMSGSIZE;
	for (size_t i = 0; i < msg.h.len; i++)
		reply[i] = msg.payload[i];
	return msg.h.len;
}

/* XENBUS_PATH/KEY, NUL-terminated as xenstored wants it: 0 or -ENAMETOOLONG. */
static int key_path(struct text *t, const char *key)
{
	text_str(t, xenbus_path);
	text_str(t, "/");
	text_str(t, key);
	return t->over ? -ENAMETOOLONG : 0;
}

/* The value of PATH into VALUE (terminated): 0 or -errno. */
static int xs_read_path(const char *path, char *value, size_t cap)
{
	long n = xs_request(XS_READ, path, str_len(path) + 1, "", 0, value, cap - 1);

	if (n < 0)
		return (int)n;
	value[n] = 0;
	return 0;
}

static int xs_write_path(const char *path, const char *value)
{
	char ok[4];
	long n =
	    xs_request(XS_WRITE, path, str_len(path) + 1, value, str_len(value), ok, sizeof(ok));

	return n < 0 ? (int)n : 0;
}

/* The value of XENBUS_PATH/KEY into VALUE (terminated): 0 or -errno. */
static int xs_read_key(const char *key, char *value, size_t cap)
{
	char buf[XENSTORE_ABS_PATH_MAX + 1];
	struct text path = {buf, sizeof(buf), 0, 0};

	if (key_path(&path, key) < 0)
		return -ENAMETOOLONG;
	return xs_read_path(buf, value, cap);
}

static int xs_write_key(const char *key, const char *value)
{
	char buf[XENSTORE_ABS_PATH_MAX + 1];
	struct text path = {buf, sizeof(buf), 0, 0};

	if (key_path(&path, key) < 0)
		return -ENAMETOOLONG;
	return xs_write_path(buf, value);
}

static void xs_write_or_fail(const char *key, const char *value)
{
	int rc = xs_write_key(key, value);

	if (rc < 0)
		fail("cannot write to xenstore:", key, rc);
}

static void block_add(void)
{
	char type[16], params[256], dev[300], mm[24];
	struct text d = {dev, sizeof(dev), 0, 0}, m = {mm, sizeof(mm), 0, 0};
	unsigned major, minor;
	int rc;

	rc = xs_read_key("type", type, sizeof(type));
	if (rc < 0)
		fail("cannot read the disk's type from", xenbus_path, rc);
	rc = xs_read_key("params", params, sizeof(params));
	if (rc < 0)
		fail("cannot read the disk's params from", xenbus_path, rc);
	if (!str_eq(type, "phy"))
		fail("only phy: disks are supported, not", type, 0);
	if (params[0] != '/')
		text_str(&d, "/dev/");
	text_str(&d, params);
	rc = sys_blockdev(dev, &major, &minor);
	if (rc == -ENOTBLK)
		fail("not a block device:", dev, 0);
	if (rc < 0)
		fail("cannot stat", dev, rc);
	text_hex(&m, major);
	text_str(&m, ":");
	text_hex(&m, minor);
	xs_write_or_fail("physical-device", mm);
	xs_write_or_fail("physical-device-path", dev);
	xs_write_or_fail("hotplug-status", "connected");
}

/* Reads the first line of file PATH into BUF: 0 or -errno. */
static int read_line(const char *path, char *buf, size_t cap)
{
	int fd = sys_open(path, 0);
	long n;

	if (fd < 0)
		return fd;
	n = sys_read(fd, buf, cap - 1);
	sys_close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = 0;
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == ' ') {
			*p = 0;
			break;
		}
	return 0;
}

static void sysfs_path(struct text *t, const char *ifname, const char *leaf)
{
	text_str(t, "/sys/class/net/");
	text_str(t, ifname);
	text_str(t, leaf);
}

/* Whether interface VIF is already a port of BRIDGE (its master link). */
static int on_bridge(const char *vif, const char *bridge)
{
	char path[96], link[128];
	struct text p = {path, sizeof(path), 0, 0};
	size_t bl = str_len(bridge);
	long n;

	sysfs_path(&p, vif, "/master");
	n = sys_readlink(path, link, sizeof(link) - 1);
	if (n < 0 || (size_t)n <= bl || link[n - (long)bl - 1] != '/')
		return 0;
	link[n] = 0;
	return str_eq(link + n - bl, bridge);
}

/*
 * A step of the start-up benchmark (tests/bench/guest-net.sh), on the
 * console through xl create's stderr: the port's state (3 is forwarding)
 * and dom0's uptime when it was up.
 */
static void report_port(const char *vif, const char *bridge)
{
	char up[32] = "?", state[8] = "?", path[96], line[192];
	struct text p = {path, sizeof(path), 0, 0}, l = {line, sizeof(line), 0, 0};

	read_line("/proc/uptime", up, sizeof(up));
	sysfs_path(&p, vif, "/brport/state");
	read_line(path, state, sizeof(state));
	text_str(&l, "dom0: vif-bridge: ");
	text_str(&l, vif);
	text_str(&l, " on ");
	text_str(&l, bridge);
	text_str(&l, ", port state ");
	text_str(&l, state);
	text_str(&l, " (3 forwarding) [");
	text_str(&l, up);
	text_str(&l, "s]\n");
	write_all(2, line, l.len);
}

/*
 * The appliance guest's configuration and seed, written before it starts
 * (issue 13). dom0's init keeps GUEST_CONFIG (/var/run/guest-config)
 * ready for the guest's next instance:
 *
 *   name NAME           the domain it is for (xl's name=)
 *   instance N          the instance's number, for the init's bookkeeping
 *   PATH VALUE          keys under /local/domain/ID/, written in this order
 *   ...                 (the last, data/seed, is what the guest waits for)
 *   end
 *
 * vif-bridge online runs from xl create, or from xl's restart of a crashed
 * guest, just before the domain is unpaused. For a domain of that name
 * that has none yet (no GUEST_CONFIG-ID), it claims the file (unlinks it),
 * writes the keys, leaves "N" in GUEST_CONFIG-ID and tells the init, which
 * watches /local/domain/0/guest-configured, to get the next one ready. So
 * the guest has everything at its first instruction; the init wrote it
 * after xl create returned, and the guest waited 0.1-0.25 s for it. A vif
 * attached later (xl network-attach) finds GUEST_CONFIG-ID and writes
 * nothing; so does another domain (the side-by-side benchmark's Linux).
 */
#define GUEST_CONFIG_MAX 16384
#define GUEST_CONFIG_WAIT_MS 2000

static char guest_config[GUEST_CONFIG_MAX + 1];

/*
 * GUEST_CONFIG whole into guest_config, waiting up to GUEST_CONFIG_WAIT_MS
 * for its "end" line (the init may be writing it): its length, 0 if there
 * is none, or fails.
 */
static size_t guest_config_read(const char *path)
{
	long n = 0;

	for (unsigned waited = 0;; waited += 10) {
		int fd = sys_open(path, 0);

		if (fd == -ENOENT)
			return 0;
		if (fd < 0)
			fail("cannot open", path, fd);
		n = read_all_upto(fd, guest_config, sizeof(guest_config));
		sys_close(fd);
		if (n < 0)
			fail("cannot read", path, (int)n);
		if ((size_t)n >= sizeof(guest_config))
			fail("over 16384 bytes:", path, 0);
		guest_config[n] = 0;
		if (n >= 5 && str_eq(guest_config + n - 5, "\nend\n"))
			return (size_t)n;
		if (waited >= GUEST_CONFIG_WAIT_MS)
			fail("incomplete (no end line after 2 s):", path, 0);
		sys_sleep_ms(10);
	}
}

/* The next line of guest_config at *POS, terminated in place: NULL at the end. */
static char *guest_config_line(size_t *pos, size_t len)
{
	char *line = guest_config + *pos;

	if (*pos >= len)
		return NULL;
	while (*pos < len && guest_config[*pos] != '\n')
		(*pos)++;
	guest_config[(*pos)++] = 0;
	return line;
}

/* LINE without PREFIX ("name "), or NULL if it does not start so. */
static const char *after(const char *line, const char *prefix)
{
	while (*prefix)
		if (*line++ != *prefix++)
			return NULL;
	return line;
}

static void guest_configure(void)
{
	const char *path = sys_getenv("GUEST_CONFIG");
	char domid[16], name[64], dir[64], done[192], key[XENSTORE_ABS_PATH_MAX + 1];
	struct text d = {dir, sizeof(dir), 0, 0}, m = {done, sizeof(done), 0, 0};
	const char *want, *instance, *value;
	char *line;
	size_t len, pos = 0;
	int fd, rc;

	if (!path || !*path)
		path = "/var/run/guest-config";
	len = guest_config_read(path);
	if (len == 0)
		return;
	rc = xs_read_key("frontend-id", domid, sizeof(domid));
	if (rc < 0)
		fail("cannot read the domain's id from", xenbus_path, rc);
	text_str(&m, path);
	text_str(&m, "-");
	text_str(&m, domid);
	if (m.over)
		fail("path too long:", path, 0);
	fd = sys_open(done, 0);
	if (fd >= 0) {
		sys_close(fd); /* configured already: a vif attached again */
		return;
	}
	want = after(guest_config_line(&pos, len), "name ");
	line = guest_config_line(&pos, len);
	instance = line ? after(line, "instance ") : NULL;
	if (!want || !instance)
		fail("no name and instance lines in", path, 0);
	text_str(&d, "/local/domain/");
	text_str(&d, domid);
	text_str(&d, "/");
	if (d.over)
		fail("domain id too long:", domid, 0);
	text_str(&d, "name");
	rc = xs_read_path(dir, name, sizeof(name));
	if (rc < 0)
		fail("cannot read the domain's name:", dir, rc);
	if (!str_eq(name, want))
		return;
	/* Ours: claimed here, once, even if two vifs raced for it. */
	rc = sys_unlink(path);
	if (rc == -ENOENT)
		return;
	if (rc < 0)
		fail("cannot claim", path, rc);
	d.len -= 4;
	while ((line = guest_config_line(&pos, len)) && !str_eq(line, "end")) {
		struct text k = {key, sizeof(key), 0, 0};
		char *sp = line;

		while (*sp && *sp != ' ')
			sp++;
		if (!*sp || sp == line || line[0] == '/')
			fail("not a PATH VALUE line:", line, 0);
		*sp = 0;
		value = sp + 1;
		text_add(&k, dir, d.len);
		text_str(&k, line);
		if (k.over)
			fail("key path too long:", line, -ENAMETOOLONG);
		rc = xs_write_path(key, value);
		if (rc < 0)
			fail("cannot write to xenstore:", key, rc);
	}
	fd = sys_create(done);
	if (fd < 0 || write_all(fd, instance, str_len(instance)) < 0 || write_all(fd, "\n", 1) < 0)
		fail("cannot write", done, fd < 0 ? fd : -EIO);
	sys_close(fd);
	rc = xs_write_path("/local/domain/0/guest-configured", domid);
	if (rc < 0)
		fail("cannot write to xenstore:", "/local/domain/0/guest-configured", rc);
}

/*
 * The port forwards once netfront connects and netback turns the carrier
 * on: dom0's bridge has no STP and no forwarding delay.
 */
static void vif_online(const char *vif, const char *bridge)
{
	int vi, rc;

	if (sys_netif(SYS_NETIF_INDEX, bridge, 0) < 0)
		fail("no such bridge:", bridge, 0);
	vi = sys_netif(SYS_NETIF_INDEX, vif, 0);
	if (vi < 0)
		fail("no such interface:", vif, 0);
	rc = sys_netif(SYS_NETIF_BR_ADD, bridge, vi);
	if (rc == -EBUSY && on_bridge(vif, bridge))
		rc = 0;
	if (rc < 0)
		fail("cannot add the interface to the bridge:", vif, rc);
	rc = sys_netif(SYS_NETIF_UP, vif, 0);
	if (rc < 0)
		fail("cannot bring up", vif, rc);
	guest_configure();
	xs_write_or_fail("hotplug-status", "connected");
	report_port(vif, bridge);
}

/* The interface may already be gone with the domain: nothing to report. */
static void vif_offline(const char *vif, const char *bridge)
{
	int vi = sys_netif(SYS_NETIF_INDEX, vif, 0);

	if (vi < 0)
		return;
	sys_netif(SYS_NETIF_BR_DEL, bridge, vi);
	sys_netif(SYS_NETIF_DOWN, vif, 0);
}

static void vif_bridge(const char *action)
{
	const char *vif = sys_getenv("vif");
	char name[32];
	const char *bridge = name;
	int rc;

	if (!vif || !*vif)
		fail("vif is not set", NULL, 0);
	rc = xs_read_key("bridge", name, sizeof(name));
	if (rc == -ENOENT || (rc == 0 && !name[0]))
		bridge = "br0";
	else if (rc < 0)
		fail("cannot read the bridge's name from", xenbus_path, rc);
	if (str_eq(action, "online") || str_eq(action, "add"))
		vif_online(vif, bridge);
	else if (str_eq(action, "offline") || str_eq(action, "remove"))
		vif_offline(vif, bridge);
	else
		fail("unknown action", action, 0);
}

int dom0_main(int argc, char **argv)
{
	const char *action = argc > 1 ? argv[1] : "";
	const char *base = argv[0] ? argv[0] : "";

	for (const char *p = base; *p; p++)
		if (*p == '/')
			base = p + 1;
	if (str_eq(base, "block") || str_eq(base, "vif-bridge"))
		prog = base;
	else
		fail("run as block or vif-bridge, not", base, 0);
	xenbus_path = sys_getenv("XENBUS_PATH");
	if (!xenbus_path || !*xenbus_path) {
		xenbus_path = NULL;
		fail("XENBUS_PATH is not set", NULL, 0);
	}
	/* Nothing to undo for a disk (blkback lets go of it itself). */
	if (str_eq(prog, "block") && str_eq(action, "remove"))
		return 0;
	/* A write to a xenstored that has gone is an error to report, not death. */
	sys_ignore_sigpipe();
	xs_open();
	if (str_eq(prog, "vif-bridge"))
		vif_bridge(action);
	else if (str_eq(action, "add"))
		block_add();
	else if (!str_eq(action, "remove"))
		fail("unknown action", action, 0);
	return 0;
}
