/*
 * launch: dom0's domain builder and supervisor for the appliance guest.
 *
 *   launch create CFG [LINE...]   build the domain CFG describes (xl's
 *                                 syntax, launch-cfg.c; each LINE, such
 *                                 as "vif=['mac=...']", as if appended),
 *                                 start it, print its id, and stay behind
 *                                 as a daemon doing what CFG's on_crash,
 *                                 on_reboot and on_poweroff say
 *   launch vif-detach DOMID DEVID  take a network interface away
 *   launch vif-attach DOMID MAC [BRIDGE]  give it a new one
 *
 * Why not xl create: under QEMU's TCG, libxl's ~4,000 small steps (about
 * 265 xenstore requests, JSON, two hotplug forks) kept the guest's first
 * answer over 1 s from the start of xl create (issue 13). This makes the
 * same domain as libxl (tools/libs/light: libxl_create.c, libxl_dom.c,
 * libxl_arm.c, libxl_device.c are the reference) with libxenctrl and
 * libxenguest, writes its xenstore tree in one transaction, and puts the
 * vif on the bridge itself. It also writes libxl's own records of the
 * domain (/libxl/ID: its type and devices) so that xl list, xl reboot,
 * xl shutdown and xl destroy still work on it; the supervisor uses
 * xl destroy to take a dead domain's devices down.
 *
 * The guest's configuration file ($GUEST_CONFIG, launch_guest_conf) is
 * written into the domain's xenstore directory in the same transaction,
 * so the guest has it at its first instruction.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenguest.h>
#include <xenstore.h>
#include <xenstore_lib.h>
#include <xen/io/xs_wire.h>

/* After xenctrl.h, which defines __XEN_TOOLS__ that it needs. */
#include <xen/device_tree_defs.h>

#include "launch.h"

#ifndef SIOCBRADDIF
#define SIOCBRADDIF 0x89a2
#endif

#define HOTPLUG_DIR "/etc/xen/scripts"
#define CONSOLE_LIMIT "1048576" /* LIBXL_XENCONSOLE_LIMIT */
#define MAXMEM_EXTRA_KB 1024    /* LIBXL_MAXMEM_CONSTANT */
#define EXTRA_PAGING_MB 128     /* libxl's EXTRA_DEFAULT_PAGING_MEM_MB on Arm */
#define VIF_WAIT_MS 10000
#define DETACH_WAIT_MS 10000
#define DTB_MAX 4096
#define XS_REPLY_WAIT_S 10

/* A xenstore key and its value; arrays of them end with a NULL key. */
struct kv {
	const char *key, *value;
};

struct launcher {
	xc_interface *xch;
	struct xs_handle *xsh;
	int xs_fd;           /* launch's own connection to xenstored, for transaction() */
	struct launch_xs xs; /* its requests */
	struct launch_cfg cfg;
	uint32_t domid;
	char uuid[37];
	evtchn_port_t store_port, console_port;
	xen_pfn_t store_pfn, console_pfn;
	/*
	 * $GUEST_CONFIG when it is for this domain's name (read_guest_conf):
	 * its text, split in place, and the keys and instance pointing into it.
	 */
	const char *guest_conf_path;
	char *guest_conf; /* NULL: none for this domain */
	const char *instance;
	struct kv *conf_keys;
	size_t conf_n;
	unsigned vif_devid; /* vif-attach's new interface */
	long exec_ms;       /* since_exec_ms at main, -1 if unknown */
	bool restart;       /* created again by the supervisor */
	long created_ms;    /* when the domain running now was made (now_ms) */
	unsigned quick;     /* its stops in a row that came soon (launch_restart_wait_ms) */
};

static void vsay(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("launch: ", fmt, ap);
	va_end(ap);
}

/*
 * The domain create() is making, or the vif vif-attach is adding (its
 * vif_devid), undone if it fails half way.
 */
static struct launcher *making, *attaching;
static void undo(struct launcher *l);
static void vif_remove(struct launcher *l, unsigned devid);

static void die(const char *fmt, ...) __attribute__((noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("launch: error: ", fmt, ap);
	va_end(ap);
	if (making) {
		struct launcher *l = making;

		making = NULL;
		undo(l);
	}
	if (attaching) {
		struct launcher *l = attaching;

		attaching = NULL;
		vif_remove(l, l->vif_devid);
	}
	exit(1);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static void read_cfg(struct launch_cfg *c, const char *path, char **lines, int n)
{
	char line[1024];
	const char *why = NULL;
	uint8_t rnd[6];
	unsigned no = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	launch_cfg_init(c);
	while (fgets(line, sizeof(line), f)) {
		no++;
		/* Not cut in two: the rest would read as a line of its own. */
		if (!strchr(line, '\n') && !feof(f))
			die("%s line %u: over %u bytes", path, no, (unsigned)sizeof(line) - 2);
		if (launch_cfg_line(c, line, &why) < 0)
			die("%s line %u: %s", path, no, why);
	}
	fclose(f);
	for (int i = 0; i < n; i++)
		if (launch_cfg_line(c, lines[i], &why) < 0)
			die("the line '%s' given after %s: %s", lines[i], path, why);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		die("cannot read random bytes: %s", strerror(errno));
	if (launch_cfg_check(c, rnd, &why) < 0)
		die("%s: %s", path, why);
}

/* ---- the domain ---- */

static void make_uuid(struct launcher *l, uint8_t h[16])
{
	if (getrandom(h, 16, 0) != 16)
		die("cannot read random bytes: %s", strerror(errno));
	h[6] = (h[6] & 0x0f) | 0x40; /* RFC 4122 version 4 */
	h[8] = (h[8] & 0x3f) | 0x80;
	snprintf(l->uuid, sizeof(l->uuid),
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1],
	         h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14],
	         h[15]);
}

/* libxl__domain_make and libxl__build_pre, for an Arm guest (PVH). */
static void domain_create(struct launcher *l, uint32_t *clock_frequency)
{
	const struct launch_cfg *c = &l->cfg;
	struct xen_domctl_createdomain cd = {
	    .flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap,
	    .max_vcpus = c->vcpus,
	    .max_evtchn_port = 1023,     /* libxl's event_channels default */
	    .max_grant_frames = 64,      /* xl.conf's max_grant_frames default */
	    .max_maptrack_frames = 1024, /* and max_maptrack_frames */
	    .grant_opts = XEN_DOMCTL_GRANT_version(1),
	    .arch = {.gic_version = XEN_DOMCTL_CONFIG_GIC_NATIVE,
	             .tee_type = XEN_DOMCTL_CONFIG_TEE_NONE},
	};
	uint64_t mem_kb = (uint64_t)c->memory_mb << 10;
	uint64_t paging_kb = 4 * (256 * c->vcpus + c->memory_mb + EXTRA_PAGING_MB);

	make_uuid(l, cd.handle);
	l->domid = 0; /* Xen picks the next free id */
	if (xc_domain_create(l->xch, &l->domid, &cd) < 0)
		die("cannot create the domain: %s", strerror(errno));
	if (cd.arch.gic_version != XEN_DOMCTL_CONFIG_GIC_V2)
		die("domid %u: the GIC is not a GICv2, which the guest's device tree describes",
		    l->domid);
	*clock_frequency = cd.arch.clock_frequency;
	/* Xen 4.17 makes the vCPUs here, not at createdomain. */
	if (xc_domain_max_vcpus(l->xch, l->domid, c->vcpus) < 0)
		die("domid %u: cannot make its %u vCPUs: %s", l->domid, c->vcpus, strerror(errno));
	if (xc_domain_setmaxmem(l->xch, l->domid, mem_kb + MAXMEM_EXTRA_KB) < 0)
		die("domid %u: cannot set its maximum memory: %s", l->domid, strerror(errno));
	if (xc_set_paging_mempool_size(l->xch, l->domid, paging_kb << 10) < 0)
		die("domid %u: cannot size its paging pool: %s", l->domid, strerror(errno));
	/* libxenguest's Arm layout (xg_dom_arm.c): the console, then xenstore. */
	l->console_pfn = (GUEST_MAGIC_BASE >> XC_PAGE_SHIFT) + 0;
	l->store_pfn = (GUEST_MAGIC_BASE >> XC_PAGE_SHIFT) + 1;
	l->store_port = xc_evtchn_alloc_unbound(l->xch, l->domid, 0);
	l->console_port = xc_evtchn_alloc_unbound(l->xch, l->domid, 0);
	if ((int)l->store_port < 0 || (int)l->console_port < 0)
		die("domid %u: cannot make its xenstore and console event channels", l->domid);
}

static void make_dtb(struct launcher *l, uint32_t clock_frequency, uint8_t *buf, long *len)
{
	int v = xc_version(l->xch, XENVER_version, NULL);
	uint8_t seed[128];
	struct launch_dt d = {
	    .xen_major = (uint32_t)v >> 16,
	    .xen_minor = (uint32_t)v & 0xffff,
	    .vcpus = l->cfg.vcpus,
	    .ram_base = GUEST_RAM0_BASE,
	    .ram_size = (uint64_t)l->cfg.memory_mb << 20,
	    .gicd_base = GUEST_GICD_BASE,
	    .gicd_size = GUEST_GICD_SIZE,
	    .gicc_base = GUEST_GICC_BASE,
	    .gicc_size = GUEST_GICC_SIZE,
	    .gnttab_base = GUEST_GNTTAB_BASE,
	    .gnttab_size = GUEST_GNTTAB_SIZE,
	    .evtchn_ppi = GUEST_EVTCHN_PPI,
	    .timer_s_ppi = GUEST_TIMER_PHYS_S_PPI,
	    .timer_ns_ppi = GUEST_TIMER_PHYS_NS_PPI,
	    .timer_virt_ppi = GUEST_TIMER_VIRT_PPI,
	    .clock_frequency = clock_frequency,
	    .gic_phandle = GUEST_PHANDLE_GIC,
	    .bootargs = l->cfg.cmdline[0] ? l->cfg.cmdline : NULL,
	    .rng_seed = seed,
	    .rng_seed_len = sizeof(seed),
	};

	if (getrandom(seed, sizeof(seed), 0) != sizeof(seed))
		die("cannot read random bytes: %s", strerror(errno));
	*len = launch_dt_make(&d, buf, DTB_MAX);
	if (*len < 0)
		die("the guest's device tree does not fit in %d bytes", DTB_MAX);
}

/* libxl__build_pv and libxl__build_dom: the kernel and memory. */
static void domain_build(struct launcher *l, uint32_t clock_frequency)
{
	static uint8_t dtb[DTB_MAX];
	uint64_t cb = (uint64_t)HVM_PARAM_CALLBACK_TYPE_PPI << 56 |
	              HVM_PARAM_CALLBACK_TYPE_PPI_FLAG_LOW_LEVEL << 8 | GUEST_EVTCHN_PPI;
	const char *step = "xc_dom_allocate";
	struct xc_dom_image *dom;
	long dtb_len;

	dom = xc_dom_allocate(l->xch, l->cfg.cmdline[0] ? l->cfg.cmdline : NULL, NULL);
	if (!dom)
		goto fail;
	dom->container_type = XC_DOM_PV_CONTAINER;
	dom->console_evtchn = l->console_port;
	dom->console_domid = 0;
	dom->xenstore_evtchn = l->store_port;
	dom->xenstore_domid = 0;
	dom->max_vcpus = l->cfg.vcpus;
	if ((step = "the kernel", xc_dom_kernel_file(dom, l->cfg.kernel)) ||
	    (step = "xc_dom_boot_xen_init", xc_dom_boot_xen_init(dom, l->xch, l->domid)) ||
	    (step = "xc_dom_rambase_init", xc_dom_rambase_init(dom, GUEST_RAM_BASE)) ||
	    (step = "xc_dom_parse_image", xc_dom_parse_image(dom)) ||
	    (step = "the event channel upcall",
	     xc_hvm_param_set(l->xch, l->domid, HVM_PARAM_CALLBACK_IRQ, cb)))
		goto fail;
	make_dtb(l, clock_frequency, dtb, &dtb_len);
	dom->devicetree_blob = dtb;
	dom->devicetree_size = (size_t)dtb_len;
	if ((step = "xc_dom_mem_init", xc_dom_mem_init(dom, l->cfg.memory_mb)) ||
	    (step = "xc_dom_boot_mem_init", xc_dom_boot_mem_init(dom)) ||
	    (step = "xc_dom_build_image", xc_dom_build_image(dom)) ||
	    (step = "xc_dom_boot_image", xc_dom_boot_image(dom)) ||
	    (step = "xc_dom_gnttab_init", xc_dom_gnttab_init(dom)))
		goto fail;
	if (dom->xenstore_pfn != l->store_pfn || dom->console_pfn != l->console_pfn)
		die("domid %u: libxenguest put the xenstore and console rings at pages %#llx and "
		    "%#llx, not the %#llx and %#llx written to xenstore",
		    l->domid, (unsigned long long)dom->xenstore_pfn,
		    (unsigned long long)dom->console_pfn, (unsigned long long)l->store_pfn,
		    (unsigned long long)l->console_pfn);
	xc_dom_release(dom);
	return;
fail:
	die("domid %u: building it failed at %s (%s)", l->domid, step, strerror(errno));
}

/* ---- xenstore ---- */

/* launch-xs.c speaks xs_wire.h's protocol with these values. */
_Static_assert(LAUNCH_XS_TRANSACTION_START == XS_TRANSACTION_START &&
                   LAUNCH_XS_TRANSACTION_END == XS_TRANSACTION_END && LAUNCH_XS_WRITE == XS_WRITE &&
                   LAUNCH_XS_RM == XS_RM && LAUNCH_XS_SET_PERMS == XS_SET_PERMS &&
                   LAUNCH_XS_ERROR == XS_ERROR && LAUNCH_XS_PAYLOAD_MAX == XENSTORE_PAYLOAD_MAX &&
                   LAUNCH_XS_PATH_MAX == XENSTORE_ABS_PATH_MAX,
               "launch.h's xenstore wire values are not xs_wire.h's");

/* One transaction's writes, queued in l->xs (launch-xs.c), sent at once. */
struct txn {
	struct launcher *l;
};

static void put(struct txn *x, const char *value, const char *fmt, ...)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	launch_xs_write(&x->l->xs, path, value);
}

/* A node with permissions: OWNER's, and READER (if not 0) may read it. */
static void node(struct txn *x, unsigned owner, unsigned reader, const char *fmt, ...)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	launch_xs_write(&x->l->xs, path, "");
	launch_xs_perms(&x->l->xs, path, owner, reader);
}

/* libxl__domain_make's skeleton and libxl__build_post's entries. */
static void skeleton(struct txn *x)
{
	struct launcher *l = x->l;
	unsigned d = l->domid;
	char v[48];

	node(x, 0, d, "/local/domain/%u", d);
	node(x, 0, d, "/vm/%s", l->uuid);
	node(x, 0, 0, "/libxl/%u", d);
	node(x, 0, 0, "/libxl/%u/device", d);
	put(x, "pvh", "/libxl/%u/type", d);
	put(x, l->uuid, "/vm/%s/uuid", l->uuid);
	put(x, l->cfg.name, "/vm/%s/name", l->uuid);
	snprintf(v, sizeof(v), "/vm/%s", l->uuid);
	put(x, v, "/local/domain/%u/vm", d);
	put(x, l->cfg.name, "/local/domain/%u/name", d);
	snprintf(v, sizeof(v), "%u", d);
	put(x, v, "/local/domain/%u/domid", d);
	/* Nodes that keep their parent's permissions (n0 rID) inherit them. */
	put(x, "", "/local/domain/%u/cpu", d);
	for (unsigned i = 0; i < l->cfg.vcpus; i++)
		put(x, "online", "/local/domain/%u/cpu/%u/availability", d, i);
	put(x, "", "/local/domain/%u/memory", d);
	snprintf(v, sizeof(v), "%u", l->cfg.memory_mb << 10);
	put(x, v, "/local/domain/%u/memory/static-max", d);
	put(x, v, "/local/domain/%u/memory/target", d);
	put(x, "0", "/local/domain/%u/memory/videoram", d);
	put(x, "", "/local/domain/%u/device", d);
	node(x, d, 0, "/local/domain/%u/device/suspend/event-channel", d);
	put(x, "", "/local/domain/%u/control", d);
	static const char *const rw[] = {"control/shutdown",
	                                 "control/feature-poweroff",
	                                 "control/feature-reboot",
	                                 "control/feature-suspend",
	                                 "control/sysrq",
	                                 "data",
	                                 "drivers",
	                                 "feature",
	                                 "attr",
	                                 "error"};
	for (size_t i = 0; i < sizeof(rw) / sizeof(rw[0]); i++)
		node(x, d, 0, "/local/domain/%u/%s", d, rw[i]);
}

/*
 * The domain's xenstore ring and the console xenconsoled serves
 * (libxl_console.c, console 0), at the pages libxenguest gives an Arm
 * guest (domain_build checks them), so that they go in the one
 * transaction before the build: xenstored and xenconsoled look only once
 * the domain is introduced, after it.
 */
static void rings(struct txn *x)
{
	struct launcher *l = x->l;
	unsigned d = l->domid;
	char v[32];

	snprintf(v, sizeof(v), "%u", l->store_port);
	put(x, v, "/local/domain/%u/store/port", d);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)l->store_pfn);
	put(x, v, "/local/domain/%u/store/ring-ref", d);
	put(x, "", "/local/domain/%u/console", d);
	put(x, CONSOLE_LIMIT, "/local/domain/%u/console/limit", d);
	put(x, "xenconsoled", "/local/domain/%u/console/type", d);
	put(x, "pty", "/local/domain/%u/console/output", d);
	put(x, "", "/local/domain/%u/console/tty", d);
	snprintf(v, sizeof(v), "%u", l->console_port);
	put(x, v, "/local/domain/%u/console/port", d);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)l->console_pfn);
	put(x, v, "/local/domain/%u/console/ring-ref", d);
}

/*
 * A device's three directories (libxl__device_generic_add): the frontend
 * the guest owns, the backend dom0's kernel serves, and libxl's record,
 * which holds both paths (all xl destroy reads of it; libxl also keeps a
 * copy of the backend's entries there, which nothing here needs).
 */
static void device(struct txn *x, const char *kind, unsigned devid, const struct kv *be,
                   const struct kv *fe)
{
	unsigned d = x->l->domid;
	char fpath[96], bpath[96], lpath[96], v[16];

	snprintf(fpath, sizeof(fpath), "/local/domain/%u/device/%s/%u", d, kind, devid);
	snprintf(bpath, sizeof(bpath), "/local/domain/0/backend/%s/%u/%u", kind, d, devid);
	snprintf(lpath, sizeof(lpath), "/libxl/%u/device/%s/%u", d, kind, devid);
	node(x, d, 0, "%s", fpath);
	put(x, bpath, "%s/backend", fpath);
	put(x, "0", "%s/backend-id", fpath);
	put(x, "1", "%s/state", fpath);
	for (; fe->key; fe++)
		put(x, fe->value, "%s/%s", fpath, fe->key);
	node(x, 0, d, "%s", bpath);
	put(x, fpath, "%s/frontend", bpath);
	put(x, fpath, "%s/frontend", lpath);
	put(x, bpath, "%s/backend", lpath);
	snprintf(v, sizeof(v), "%u", d);
	put(x, v, "%s/frontend-id", bpath);
	for (; be->key; be++)
		put(x, be->value, "%s/%s", bpath, be->key);
}

/*
 * The disk, with what the block hotplug script would add (the device's
 * major:minor in hex as physical-device), so blkback starts at once.
 */
static void disk(struct txn *x)
{
	const struct launch_cfg *c = &x->l->cfg;
	char dev[LAUNCH_PATH_MAX + 8], mm[24], id[16];
	struct stat st;

	snprintf(dev, sizeof(dev), "%s%s", c->disk_target[0] == '/' ? "" : "/dev/", c->disk_target);
	if (stat(dev, &st) < 0)
		die("the disk %s: %s", dev, strerror(errno));
	if (!S_ISBLK(st.st_mode))
		die("the disk %s is not a block device", dev);
	snprintf(mm, sizeof(mm), "%x:%x", major(st.st_rdev), minor(st.st_rdev));
	snprintf(id, sizeof(id), "%u", c->disk_devid);
	const struct kv be[] = {{"online", "1"},
	                        {"removable", "0"},
	                        {"bootable", "1"},
	                        {"state", "1"},
	                        {"dev", c->disk_vdev},
	                        {"type", "phy"},
	                        {"mode", c->disk_writable ? "w" : "r"},
	                        {"device-type", "disk"},
	                        {"params", c->disk_target},
	                        {"script", HOTPLUG_DIR "/block"},
	                        {"physical-device", mm},
	                        {"physical-device-path", dev},
	                        {"hotplug-status", "connected"},
	                        {NULL, NULL}};
	const struct kv fe[] = {{"virtual-device", id}, {"device-type", "disk"}, {NULL, NULL}};

	device(x, "vbd", c->disk_devid, be, fe);
}

static void vif(struct txn *x, unsigned devid, const char *mac, const char *bridge)
{
	char handle[16];

	snprintf(handle, sizeof(handle), "%u", devid);
	/*
	 * No hotplug-status yet: netback connects once vif_online has put
	 * the interface on the bridge and written it, so that the guest's
	 * first frames (its gratuitous ARP on link up) reach the LAN.
	 */
	const struct kv be[] = {
	    {"online", "1"}, {"state", "1"},     {"script", HOTPLUG_DIR "/vif-bridge"},
	    {"mac", mac},    {"bridge", bridge}, {"handle", handle},
	    {"type", "vif"}, {NULL, NULL}};
	const struct kv fe[] = {{"handle", handle}, {"mac", mac}, {NULL, NULL}};

	device(x, "vif", devid, be, fe);
}

/* The guest's configuration (read_guest_conf), under its directory. */
static void guest_config(struct txn *x)
{
	struct launcher *l = x->l;

	for (size_t i = 0; i < l->conf_n; i++)
		put(x, l->conf_keys[i].value, "/local/domain/%u/%s", l->domid, l->conf_keys[i].key);
}

/* Why a request on launch's own connection failed, as the user reads it. */
static const char *xs_why(int r)
{
	static char why[96];

	if (r != -ETIMEDOUT)
		return strerror(-r);
	snprintf(why, sizeof(why), "xenstored did not answer, or take the requests, in %d s",
	         XS_REPLY_WAIT_S);
	return why;
}

/*
 * One transaction of `write`s, sent at once on launch's own connection
 * (launch-xs.c), retried while xenstored says EAGAIN.
 */
static void transaction(struct launcher *l, void (*write)(struct txn *))
{
	struct txn x = {.l = l};

	for (int tries = 0;; tries++) {
		int r = launch_xs_start(&l->xs, l->xs_fd);

		if (r < 0)
			die("cannot start a xenstore transaction: %s", xs_why(r));
		write(&x);
		r = launch_xs_flush(&l->xs);
		if (r < 0) {
			/* A hung xenstored would hold the abort as long again. */
			if (r != -ETIMEDOUT)
				launch_xs_end(&l->xs, false);
			die("domid %u: cannot write %s to xenstore: %s", l->domid, l->xs.failed,
			    xs_why(r));
		}
		r = launch_xs_end(&l->xs, true);
		if (!r)
			return;
		if (r != -EAGAIN || tries >= 10)
			die("domid %u: the xenstore transaction failed: %s", l->domid, xs_why(r));
	}
}

/*
 * The domain's directories, rings, devices and configuration, written
 * before its memory is built: blkback and netback start on the devices
 * (opening the disk, making the interface) while launch builds, so they
 * are ready when the guest first looks (under TCG, blkfront waited 340 ms
 * for blkback when the devices came after the build).
 */
static void devices(struct txn *x)
{
	skeleton(x);
	rings(x);
	disk(x);
	if (x->l->cfg.has_vif)
		vif(x, 0, x->l->cfg.vif_mac, x->l->cfg.vif_bridge);
	guest_config(x);
}

/* ---- the guest's configuration file ---- */

static void forget_guest_conf(struct launcher *l)
{
	free(l->guest_conf);
	free(l->conf_keys);
	l->guest_conf = NULL;
	l->instance = NULL;
	l->conf_keys = NULL;
	l->conf_n = 0;
}

static int conf_key(void *ctx, const char *path, const char *value)
{
	struct launcher *l = ctx;
	struct kv *k = realloc(l->conf_keys, (l->conf_n + 1) * sizeof(*k));

	if (!k)
		return -ENOMEM;
	k[l->conf_n++] = (struct kv){path, value};
	l->conf_keys = k;
	return 0;
}

/*
 * $GUEST_CONFIG, if the init has one ready (launch_guest_conf_read) for a
 * domain of this name, parsed once: its keys go into the transaction, and
 * it is claimed once the domain is made. Another domain's (the init's
 * probe, the side-by-side Linux) is left alone; so is none at all.
 */
static void read_guest_conf(struct launcher *l)
{
	const char *path = getenv("GUEST_CONFIG"), *why, *name;
	char *buf = malloc(LAUNCH_GUEST_CONF_MAX + 1);
	long n;
	int rc;

	if (!buf)
		die("out of memory");
	forget_guest_conf(l);
	l->guest_conf = buf;
	l->guest_conf_path = path && *path ? path : "/var/run/guest-config";
	n = launch_guest_conf_read(l->guest_conf_path, buf, LAUNCH_GUEST_CONF_WAIT_MS, l->restart,
	                           &why);
	if (n < 0)
		die("%s: %s", l->guest_conf_path, why);
	/* Said: such an instance runs on defaults, without its static address or its seed (no TLS).
	 */
	if (n == 0 && l->restart)
		say("%s: none came in %u ms: this instance has no configuration and no entropy "
		    "seed",
		    l->guest_conf_path, LAUNCH_GUEST_CONF_WAIT_MS);
	if (n > 0 &&
	    (rc = launch_guest_conf(buf, (size_t)n, &name, &l->instance, conf_key, l, &why)) < 0)
		die("%s: %s", l->guest_conf_path, rc == -ENOMEM ? "out of memory" : why);
	if (n == 0 || strcmp(name, l->cfg.name) != 0)
		forget_guest_conf(l);
}

/*
 * The configuration is the domain's now: the file goes, the instance is
 * noted in $GUEST_CONFIG-ID, and /local/domain/0/guest-configured tells
 * the init's watch (which readies the next instance's).
 */
static void claim_guest_conf(struct launcher *l)
{
	char done[LAUNCH_PATH_MAX + 16], id[16];
	FILE *f;

	if (!l->instance)
		return;
	/*
	 * The note first, so that a failure leaves the file for the next
	 * try; the file gone before the init is told, which then writes the
	 * next instance's under the same name.
	 */
	snprintf(done, sizeof(done), "%s-%u", l->guest_conf_path, l->domid);
	f = fopen(done, "w");
	if (!f || fprintf(f, "%s\n", l->instance) < 0 || fclose(f) != 0)
		die("cannot write %s", done);
	if (unlink(l->guest_conf_path) < 0) {
		unlink(done);
		die("cannot claim %s: %s", l->guest_conf_path, strerror(errno));
	}
	forget_guest_conf(l);
	snprintf(id, sizeof(id), "%u", l->domid);
	if (!xs_write(l->xsh, XBT_NULL, "/local/domain/0/guest-configured", id, strlen(id)))
		die("cannot write /local/domain/0/guest-configured: %s", strerror(errno));
}

/* ---- the network interface ---- */

static int netif(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc;

	if (s < 0)
		return -errno;
	rc = ioctl(s, req, ifr) < 0 ? -errno : 0;
	close(s);
	return rc;
}

static int link_up(const char *ifname)
{
	struct ifreq ifr = {0};
	int rc;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = netif(SIOCGIFFLAGS, &ifr);
	if (rc < 0)
		return rc;
	ifr.ifr_flags |= IFF_UP;
	return netif(SIOCSIFFLAGS, &ifr);
}

/*
 * What the vif-bridge hotplug did: once netback has made vifID.DEVID, put
 * it on the bridge and up, and tell netback (hotplug-status), which waits
 * for that before it connects.
 */
static void vif_online(struct launcher *l, unsigned devid, const char *bridge)
{
	char ifname[IFNAMSIZ], path[96];
	struct ifreq ifr = {0};
	unsigned waited = 0;
	int rc;

	snprintf(ifname, sizeof(ifname), "vif%u.%u", l->domid, devid);
	while (!(ifr.ifr_ifindex = (int)if_nametoindex(ifname))) {
		if (waited >= VIF_WAIT_MS)
			die("domid %u: netback made no %s in %u ms", l->domid, ifname, waited);
		sleep_ms(5);
		waited += 5;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
	rc = netif(SIOCBRADDIF, &ifr);
	if (rc < 0 && rc != -EBUSY)
		die("cannot add %s to bridge %s: %s", ifname, bridge, strerror(-rc));
	rc = link_up(ifname);
	if (rc < 0)
		die("cannot bring %s up: %s", ifname, strerror(-rc));
	snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u/%u/hotplug-status", l->domid,
	         devid);
	if (!xs_write(l->xsh, XBT_NULL, path, "connected", 9))
		die("cannot write %s: %s", path, strerror(errno));
}

/*
 * Until xenconsoled serves the domain's console: it writes console/tty
 * once it has bound the console's event channel (tools/console/daemon/
 * io.c). A guest unpaused before that can fill the ring while its
 * notifications go to no one, and then wait for room forever: the CI run
 * of guest-crash.sh saw it with xenconsoled stopped as the guest was
 * restarted. xl waits the same way. No upper bound, as xl's: a guest
 * whose console is not served is not started; a line says so each 5 s.
 */
static void wait_console(struct launcher *l)
{
	char path[64];
	unsigned waited = 0;

	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", l->domid);
	for (;;) {
		unsigned len;
		char *tty = xs_read(l->xsh, XBT_NULL, path, &len);
		int served = tty && len > 0;

		free(tty);
		if (served)
			return;
		if (waited && waited % 5000 == 0)
			say("domid %u: xenconsoled has not taken its console after %u s", l->domid,
			    waited / 1000);
		sleep_ms(2);
		waited += 2;
	}
}

/*
 * A connection to xenstored's socket, for transaction(): a reply not in
 * XS_REPLY_WAIT_S, or requests not taken in as long, is a xenstored that
 * hangs, and launch stops.
 */
static int xs_socket(void)
{
	int fd = launch_xs_connect(xs_daemon_socket(), XS_REPLY_WAIT_S * 1000);

	if (fd < 0)
		die("cannot connect to xenstored at %s: %s", xs_daemon_socket(), strerror(-fd));
	return fd;
}

static void open_handles(struct launcher *l)
{
	l->xch = xc_interface_open(NULL, NULL, 0);
	if (!l->xch)
		die("cannot open the hypervisor interface: %s", strerror(errno));
	l->xsh = xs_open(0);
	if (!l->xsh)
		die("cannot connect to xenstored: %s", strerror(errno));
	l->xs_fd = xs_socket();
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* dom0's uptime, as the init's lines carry it. */
static void uptime(char *buf, size_t cap)
{
	FILE *f = fopen("/proc/uptime", "r");

	snprintf(buf, cap, "?");
	if (f) {
		if (!fgets(buf, (int)cap, f))
			snprintf(buf, cap, "?");
		buf[strcspn(buf, " \n")] = 0;
		fclose(f);
	}
}

/*
 * The domain's xenstore directories and its devices' backend directories
 * removed, on a connection of their own with its timeouts: l->xs_fd may
 * be out of step after a failure, and l->xsh (libxenstore's) waits for
 * ever on a xenstored that does not answer. Each path not removed is
 * said.
 */
static void remove_directories(struct launcher *l)
{
	static const char *const fmts[] = {"/local/domain/0/backend/vbd/%u",
	                                   "/local/domain/0/backend/vif/%u", "/local/domain/%u",
	                                   "/libxl/%u"};
	enum { N = sizeof(fmts) / sizeof(fmts[0]) + 1 }; /* and /vm/UUID */
	char path[N][64];
	const char *paths[N];
	struct launch_xs x = {0};
	int err[N], n, fd;

	for (n = 0; n < N - 1; n++) {
		snprintf(path[n], sizeof(path[n]), fmts[n], l->domid);
		paths[n] = path[n];
	}
	if (l->uuid[0]) {
		snprintf(path[n], sizeof(path[n]), "/vm/%s", l->uuid);
		paths[n] = path[n];
		n++;
	}
	fd = launch_xs_connect(xs_daemon_socket(), XS_REPLY_WAIT_S * 1000);
	if (fd < 0) {
		say("domid %u: cannot connect to xenstored to remove its directories: %s", l->domid,
		    xs_why(fd));
		return;
	}
	launch_xs_rm(&x, fd, paths, n, err);
	for (int i = 0; i < n; i++)
		if (err[i])
			say("domid %u: cannot remove %s from xenstore: %s", l->domid, paths[i],
			    xs_why(err[i]));
	launch_xs_free(&x);
	close(fd);
}

/*
 * A create that failed half way leaves nothing behind, as libxl's does:
 * the domain (if Xen made it) destroyed, its xenstore directories and its
 * devices' backend directories removed (the backends let go of the disk
 * and the interface as theirs go). The configuration file is claimed only
 * once everything else has worked, so it is still there for the next try.
 *
 * The create may have failed because xenstored stopped answering, so the
 * domain goes first: a hypercall, which needs no xenstored (the guest
 * never ran, so no backend has mapped its pages). The removals then wait
 * on xenstored XS_REPLY_WAIT_S at most for the connection and as long
 * for the replies, never for ever.
 */
static void undo(struct launcher *l)
{
	if (!l->domid)
		return;
	say("undoing domid %u", l->domid);
	if (xc_domain_destroy(l->xch, l->domid) < 0)
		say("cannot destroy domid %u: %s", l->domid, strerror(errno));
	remove_directories(l);
}

/*
 * How long ago, in ms, this process was started (/proc/self/stat's
 * starttime, in clock ticks since boot, against /proc/uptime): the
 * dynamic loader's share of launch's time. -1 if unknown.
 */
static long since_exec_ms(void)
{
	char stat[512], up[32];
	unsigned long long start;
	double now;
	FILE *f = fopen("/proc/self/stat", "r");
	char *p;

	if (!f)
		return -1;
	p = fgets(stat, sizeof(stat), f);
	fclose(f);
	uptime(up, sizeof(up));
	/* Field 22; the name (field 2) may hold spaces, so count after its ')'. */
	if (!p || !(p = strrchr(stat, ')')) || sscanf(up, "%lf", &now) != 1)
		return -1;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, "%llu", &start) != 1)
		return -1;
	return (long)(now * 1000) - (long)(start * 1000 / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/*
 * Build and start the domain; its id in l->domid. Everything dom0 does
 * for it comes before the unpause (under TCG dom0's one vCPU is what the
 * guest waits on as it starts: its backends, xenstored), so that after it
 * dom0 only serves the guest. One line on stderr gives each step's time
 * (issue 13's start-up steps).
 */
static void create(struct launcher *l)
{
	long t0 = now_ms(), made, written, built, bridged, ready;
	uint32_t clock_frequency;
	char up[32], start[32];

	read_guest_conf(l);
	making = l;
	domain_create(l, &clock_frequency);
	made = now_ms();
	transaction(l, devices);
	written = now_ms();
	domain_build(l, clock_frequency);
	built = now_ms();
	if (l->cfg.has_vif)
		vif_online(l, 0, l->cfg.vif_bridge);
	bridged = now_ms();
	if (!xs_introduce_domain(l->xsh, l->domid, l->store_pfn, l->store_port))
		die("domid %u: xenstored would not take it: %s", l->domid, strerror(errno));
	claim_guest_conf(l);
	wait_console(l);
	ready = now_ms();
	if (xc_domain_unpause(l->xch, l->domid) < 0)
		die("domid %u: cannot unpause it: %s", l->domid, strerror(errno));
	l->created_ms = now_ms();
	making = NULL;
	uptime(up, sizeof(up));
	if (l->restart)
		snprintf(start, sizeof(start), "a restart");
	else if (l->exec_ms >= 0)
		snprintf(start, sizeof(start), "exec to main %ld ms", l->exec_ms);
	else
		snprintf(start, sizeof(start), "exec to main ?");
	say("domid %u: %s, domain made %ld ms, devices written %ld ms, built %ld ms, vif%u.0 on "
	    "%s %ld ms, introduction, configuration and console %ld ms, unpaused at %ld ms from "
	    "%s [%ss]",
	    l->domid, start, made - t0, written - made, built - written, l->domid,
	    l->cfg.vif_bridge, bridged - built, ready - bridged, now_ms() - t0,
	    l->restart ? "the restart" : "main", up);
}

/* ---- the supervisor ---- */

/* xl destroy ID: it takes the devices down as it does for its own. */
static int xl_destroy(uint32_t domid)
{
	char id[16];
	int status;
	pid_t pid;

	snprintf(id, sizeof(id), "%u", domid);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("xl", "xl", "destroy", id, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static const char *reason_name(unsigned r)
{
	static const char *const names[] = {"poweroff", "reboot", "suspend", "crash", "watchdog"};

	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "an unknown reason";
}

/*
 * The domain's state when @releaseDomain fires: 1 and the shutdown reason
 * if it shut down, 0 if it runs, -1 if it is gone or going (destroyed by
 * someone else: nothing to do).
 */
static int domain_state(struct launcher *l, unsigned *reason)
{
	xc_domaininfo_t info;

	if (xc_domain_getinfolist(l->xch, l->domid, 1, &info) != 1 || info.domain != l->domid ||
	    (info.flags & XEN_DOMINF_dying))
		return -1;
	if (!(info.flags & XEN_DOMINF_shutdown))
		return 0;
	*reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
	return 1;
}

static enum launch_action action_for(const struct launch_cfg *c, unsigned reason)
{
	if (reason == SHUTDOWN_reboot)
		return c->on_reboot;
	if (reason == SHUTDOWN_crash || reason == SHUTDOWN_watchdog)
		return c->on_crash;
	return c->on_poweroff;
}

/* A guest that keeps stopping soon after it starts is restarted less and less often. */
static void wait_before_restart(struct launcher *l)
{
	long lived = now_ms() - l->created_ms;
	unsigned wait = launch_restart_wait_ms(&l->quick, lived);
	struct timespec ts = {wait / 1000, (long)(wait % 1000) * 1000000};

	if (!wait)
		return;
	say("%s stopped %u times in a row within %d s of its start: restarting in %u s",
	    l->cfg.name, l->quick, LAUNCH_RESTART_QUICK_MS / 1000, wait / 1000);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Fresh handles for a forked child: the parent's xenstore socket and
 * hypercall buffers are not its own. Let go of without its locks: once a
 * watch is set, libxenstore's reader thread (not in the child) may have
 * held one at the fork, and xs_close would wait on it for ever, the
 * parent on the child.
 */
static void reopen_handles(struct launcher *l)
{
	xs_daemon_destroy_postfork(l->xsh);
	xc_interface_close(l->xch);
	close(l->xs_fd);
	open_handles(l);
}

/*
 * Make the guest again, in a child: create() dies at any failure (an SD
 * read of the kernel, netback or xenstored slow past their waits), having
 * undone what it made, and one such failure in this process ended its
 * supervision: the guest stayed down until the board was power-cycled.
 * The child hands the new domid back and ends; after a failure this
 * process waits, the failure counted as a quick stop
 * (wait_before_restart), and tries again.
 */
static void restart(struct launcher *l)
{
	for (;;) {
		int fds[2], status = 0;
		uint32_t domid;
		ssize_t got;
		pid_t pid;

		wait_before_restart(l);
		fflush(NULL);
		if (pipe(fds) < 0 || (pid = fork()) < 0)
			die("cannot fork a restart: %s", strerror(errno));
		if (pid == 0) {
			close(fds[0]);
			reopen_handles(l);
			l->restart = true;
			/* The test image's crash self-test has one restart fail (init,
			 * selftest_crash). */
			if (unlink(LAUNCH_FAIL_NEXT_RESTART) == 0)
				die("%s: this restart fails, as the self-test asked",
				    LAUNCH_FAIL_NEXT_RESTART);
			create(l);
			exit(write(fds[1], &l->domid, sizeof(l->domid)) == sizeof(l->domid) ? 0
			                                                                    : 1);
		}
		close(fds[1]);
		while ((got = read(fds[0], &domid, sizeof(domid))) < 0 && errno == EINTR)
			;
		close(fds[0]);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (got == sizeof(domid)) {
			l->domid = domid;
			l->created_ms = now_ms();
			say("restarted %s as domid %u", l->cfg.name, l->domid);
			return;
		}
		say("the restart of %s failed (%s %d): trying again", l->cfg.name,
		    WIFEXITED(status) ? "exit" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		l->created_ms = now_ms(); /* as a guest that stopped at once */
	}
}

static void supervise(struct launcher *l)
{
	if (!xs_watch(l->xsh, "@releaseDomain", "release"))
		die("cannot watch @releaseDomain: %s", strerror(errno));
	for (;;) {
		unsigned n, reason = 0;
		char **w = xs_read_watch(l->xsh, &n);
		int state;

		if (!w)
			die("lost xenstored: %s", strerror(errno));
		free(w);
		state = domain_state(l, &reason);
		if (state < 0) {
			say("domid %u is gone; nothing more to do", l->domid);
			return;
		}
		if (state == 0)
			continue;
		say("domid %u shut down (%s)", l->domid, reason_name(reason));
		if (xl_destroy(l->domid) < 0)
			say("xl destroy %u failed", l->domid);
		if (action_for(&l->cfg, reason) == LAUNCH_DESTROY)
			return;
		restart(l);
	}
}

/* Leave the caller: the supervisor runs on, its output to LOG. */
static void daemonize(const char *log)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		die("cannot fork the supervisor: %s", strerror(errno));
	if (pid > 0)
		exit(0);
	setsid();
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
}

static int cmd_create(int argc, char **argv)
{
	struct launcher l = {0};
	char log[LAUNCH_PATH_MAX];

	if (argc < 3)
		die("usage: launch create CFG [LINE...]");
	l.exec_ms = since_exec_ms();
	read_cfg(&l.cfg, argv[2], argv + 3, argc - 3);
	open_handles(&l);
	create(&l);
	printf("%u\n", l.domid);
	fflush(stdout);
	snprintf(log, sizeof(log), "/var/log/xen/launch-%s.log", l.cfg.name);
	daemonize(log);
	/*
	 * The forked child's handles are the parent's: its xenstore socket,
	 * and libxencall's hypercall buffers, which it maps MADV_DONTFORK, so
	 * the child has none of them. Fresh ones.
	 */
	reopen_handles(&l);
	supervise(&l);
	return 0;
}

/* ---- vif-detach and vif-attach ---- */

static unsigned parse_id(const char *s, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v > 0x7fef)
		die("%s is not a number: %s", what, s);
	return (unsigned)v;
}

static char *read_key(struct launcher *l, const char *fmt, ...)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	unsigned len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return xs_read(l->xsh, XBT_NULL, path, &len);
}

static bool backend_write(struct launcher *l, const char *be, const char *key, const char *v)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", be, key);
	return xs_write(l->xsh, XBT_NULL, path, v, strlen(v));
}

/*
 * What libxl's device removal does: the backend told to close (online 0,
 * state 5), netback and the guest's netfront shut the link, the backend
 * reports Closed (6), then the three directories go, and the interface
 * with them.
 */
static int cmd_vif_detach(int argc, char **argv)
{
	struct launcher l = {0};
	char be[96], *state = NULL;
	unsigned waited = 0;

	if (argc != 4)
		die("usage: launch vif-detach DOMID DEVID");
	l.domid = parse_id(argv[2], "DOMID");
	unsigned devid = parse_id(argv[3], "DEVID");
	open_handles(&l);
	snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%u", l.domid, devid);
	state = read_key(&l, "%s/state", be);
	if (!state)
		die("domid %u has no vif %u", l.domid, devid);
	free(state);
	if (!backend_write(&l, be, "online", "0") || !backend_write(&l, be, "state", "5"))
		die("cannot tell %s to close: %s", be, strerror(errno));
	while (!(state = read_key(&l, "%s/state", be)) || strcmp(state, "6") != 0) {
		free(state);
		if (waited >= DETACH_WAIT_MS) {
			say("vif %u of domid %u did not close in %u ms; removing it anyway", devid,
			    l.domid, waited);
			break;
		}
		sleep_ms(20);
		waited += 20;
	}
	free(state);
	vif_remove(&l, devid);
	return 0;
}

/* A vif's three directories (device()) gone, and netback's interface with them. */
static void vif_remove(struct launcher *l, unsigned devid)
{
	static const char *const fmts[] = {"/local/domain/%u/device/vif/%u",
	                                   "/local/domain/0/backend/vif/%u/%u",
	                                   "/libxl/%u/device/vif/%u"};
	char path[96];

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		snprintf(path, sizeof(path), fmts[i], l->domid, devid);
		xs_rm(l->xsh, XBT_NULL, path);
	}
}

/* The lowest vif number the domain does not use. */
static unsigned free_devid(struct launcher *l)
{
	char path[64];
	unsigned n, devid = 0;
	char **list;

	snprintf(path, sizeof(path), "/local/domain/%u/device/vif", l->domid);
	list = xs_directory(l->xsh, XBT_NULL, path, &n);
	for (int again = 1; again;) {
		again = 0;
		for (unsigned i = 0; list && i < n; i++)
			if (strtoul(list[i], NULL, 10) == devid) {
				devid++;
				again = 1;
			}
	}
	free(list);
	return devid;
}

/* The one new vif of vif-attach: the launcher's, numbered vif_devid. */
static void attach(struct txn *x)
{
	vif(x, x->l->vif_devid, x->l->cfg.vif_mac, x->l->cfg.vif_bridge);
}

static int cmd_vif_attach(int argc, char **argv)
{
	struct launcher l = {0};
	const char *why;
	char line[96];

	if (argc < 4 || argc > 5)
		die("usage: launch vif-attach DOMID MAC [BRIDGE]");
	l.domid = parse_id(argv[2], "DOMID");
	launch_cfg_init(&l.cfg);
	snprintf(line, sizeof(line), "vif = ['mac=%s,bridge=%s']", argv[3],
	         argc > 4 ? argv[4] : "br0");
	if (launch_cfg_line(&l.cfg, line, &why) < 0)
		die("vif %s: %s", line, why);
	open_handles(&l);
	l.vif_devid = free_devid(&l);
	transaction(&l, attach);
	attaching = &l;
	vif_online(&l, l.vif_devid, l.cfg.vif_bridge);
	attaching = NULL;
	printf("%u\n", l.vif_devid);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (strcmp(cmd, "create") == 0)
		return cmd_create(argc, argv);
	if (strcmp(cmd, "vif-detach") == 0)
		return cmd_vif_detach(argc, argv);
	if (strcmp(cmd, "vif-attach") == 0)
		return cmd_vif_attach(argc, argv);
	die("usage: launch create CFG [LINE...] | vif-detach DOMID DEVID | vif-attach DOMID MAC "
	    "[BRIDGE]");
}
