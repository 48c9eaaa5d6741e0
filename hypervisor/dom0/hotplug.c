/*
 * xen-hotplug: xl's two hotplug scripts, as one small program. xl runs
 * /etc/xen/scripts/block and /etc/xen/scripts/vif-bridge, both links to
 * it, with the backend's xenstore directory in XENBUS_PATH, and waits for
 * each before it starts a domain it creates (the side-by-side benchmark's
 * Linux), or runs them as xl destroy takes a domain's devices down
 * (launch.c's too: it writes what these would, itself):
 *
 *   block add|remove                  a phy: disk: tells blkback which
 *                                     device to serve (physical-device, as
 *                                     major:minor in hex)
 *   vif-bridge online|offline ...     the guest's interface (in $vif) on the
 *                                     bridge the backend names (default br0)
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
