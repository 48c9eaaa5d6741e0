/*
 * dom0's domain builder's pure parts (hypervisor/dom0/launch.h): the
 * device tree it gives the guest, read back with the guest's own reader
 * (guest/dtb, guest/board.c, which the guest boots with), the xl
 * configuration subset it takes, the guest configuration file, and its
 * requests to xenstored (a transaction's writes, a failed create's
 * removals).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "board.h"
#include "dtb/dtb.h"
#include "launch.h"

static const uint8_t seed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static struct launch_dt xen_guest(void)
{
	/* Xen 4.17's values for an Arm guest (public/arch-arm.h). */
	struct launch_dt d = {
	    .xen_major = 4,
	    .xen_minor = 17,
	    .vcpus = 1,
	    .ram_base = 0x40000000,
	    .ram_size = 64ull << 20,
	    .gicd_base = 0x03001000,
	    .gicd_size = 0x1000,
	    .gicc_base = 0x03002000,
	    .gicc_size = 0x2000,
	    .gnttab_base = 0x38000000,
	    .gnttab_size = 0x01000000,
	    .evtchn_ppi = 31,
	    .timer_s_ppi = 29,
	    .timer_ns_ppi = 30,
	    .timer_virt_ppi = 27,
	    .gic_phandle = 65000,
	    .bootargs = "console=hvc0",
	    .rng_seed = seed,
	    .rng_seed_len = sizeof(seed),
	};
	return d;
}

/* What the guest reads at boot is what the builder meant. */
static void test_dt_as_the_guest_reads_it(void **state)
{
	static uint8_t buf[4096];
	struct launch_dt d = xen_guest();
	struct dtb dt;
	struct board b;
	const char *what = NULL, *s;
	uint32_t v;
	long n;

	(void)state;
	d.vcpus = 2;
	n = launch_dt_make(&d, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(dtb_open(&dt, buf, (size_t)n), 0);
	assert_int_equal(dtb_peek_size(buf), (uint32_t)n);
	assert_int_equal(board_parse(&b, &dt, &what), 0);
	assert_string_equal(b.model, "XENVM-4.17");
	assert_int_equal(b.ram_base, 0x40000000);
	assert_int_equal(b.ram_size, 64ull << 20);
	assert_int_equal(b.gnttab_base, 0x38000000);
	assert_int_equal(b.gnttab_size, 0x01000000);
	assert_int_equal(b.evtchn_irq, 31);
	assert_int_equal(b.gicd_base, 0x03001000);
	assert_int_equal(b.gicc_base, 0x03002000);
	assert_int_equal(b.gicc_size, 0x2000);
	assert_int_equal(dtb_prop_string(&dt, dtb_path(&dt, "/chosen"), "bootargs", &s), 0);
	assert_string_equal(s, "console=hvc0");
	assert_true(dtb_path(&dt, "/cpus/cpu@1") >= 0);
	assert_true(dtb_path(&dt, "/cpus/cpu@2") < 0);
	assert_true(dtb_compatible(&dt, "xen,xen-4.17") >= 0);
	assert_true(dtb_compatible(&dt, "arm,armv7-timer") >= 0);
	assert_int_equal(dtb_prop_u32(&dt, dtb_path(&dt, "/"), "interrupt-parent", 0, &v), 0);
	assert_int_equal(v, 65000);
	/* The timer's third interrupt is the virtual timer, PPI 27 (11). */
	assert_int_equal(
	    dtb_prop_u32(&dt, dtb_compatible(&dt, "arm,armv7-timer"), "interrupts", 7, &v), 0);
	assert_int_equal(v, 11);
}

/* Every buffer one byte short of the tree is refused, never overrun. */
static void test_dt_short_buffer(void **state)
{
	struct launch_dt d = xen_guest();
	uint8_t *buf = malloc(4096);
	long n;

	(void)state;
	assert_non_null(buf);
	n = launch_dt_make(&d, buf, 4096);
	assert_true(n > 0);
	for (long cap = 0; cap < n; cap++) {
		uint8_t *exact = malloc((size_t)cap ? (size_t)cap : 1);

		assert_non_null(exact);
		assert_int_equal(launch_dt_make(&d, exact, (size_t)cap), -ENOSPC);
		free(exact);
	}
	free(buf);
}

/* The lines of a config, as guest.cfg is after image/ filled it in. */
static int parse(struct launch_cfg *c, const char *text, const char **why)
{
	char *copy = strdup(text), *save = NULL;
	static const uint8_t rnd[6] = {0xff, 0x22, 0x33, 0x44, 0x55, 0x66};
	int rc = 0;

	assert_non_null(copy);
	launch_cfg_init(c);
	for (char *line = strtok_r(copy, "\n", &save); line && rc == 0;
	     line = strtok_r(NULL, "\n", &save))
		rc = launch_cfg_line(c, line, why);
	free(copy);
	return rc ? rc : launch_cfg_check(c, rnd, why);
}

static const char guest_cfg[] = "# the appliance guest\n"
                                "name = \"appliance\"\n"
                                "kernel = \"/boot/guest.zImage\"\n"
                                "memory = 64\n"
                                "vcpus = 1\n"
                                "vif = [ 'bridge=br0' ]\n"
                                "disk = [ 'phy:/dev/mmcblk0p3,xvda,w' ]\n"
                                "on_crash = \"restart\"   # xl restarts it\n"
                                "on_reboot = \"restart\"\n"
                                "on_poweroff = \"destroy\"\n";

static void test_cfg_guest(void **state)
{
	struct launch_cfg c;
	const char *why = NULL;

	(void)state;
	assert_int_equal(parse(&c, guest_cfg, &why), 0);
	assert_string_equal(c.name, "appliance");
	assert_string_equal(c.kernel, "/boot/guest.zImage");
	assert_int_equal(c.memory_mb, 64);
	assert_int_equal(c.vcpus, 1);
	assert_string_equal(c.disk_target, "/dev/mmcblk0p3");
	assert_string_equal(c.disk_vdev, "xvda");
	assert_int_equal(c.disk_devid, 51712);
	assert_true(c.disk_writable);
	assert_true(c.has_vif);
	assert_string_equal(c.vif_bridge, "br0");
	/* No MAC given: Xen's OUI and three random bytes, locally unicast. */
	assert_string_equal(c.vif_mac, "00:16:3e:7f:22:33");
	assert_int_equal(c.on_crash, LAUNCH_RESTART);
	assert_int_equal(c.on_poweroff, LAUNCH_DESTROY);
	/* A line after the file, as the init passes one: the MAC kept. */
	assert_int_equal(launch_cfg_line(&c, "vif=['bridge=br0,mac=00:16:3e:0a:0b:0c']", &why), 0);
	assert_string_equal(c.vif_mac, "00:16:3e:0a:0b:0c");
	assert_int_equal(launch_cfg_line(&c, "disk = [ 'phy:mmcblk0p3,xvdb,r' ]", &why), 0);
	assert_int_equal(c.disk_devid, 51728);
	assert_false(c.disk_writable);
	assert_int_equal(launch_cfg_line(&c, "vif = []", &why), 0);
	assert_false(c.has_vif);
	/* The edges taken: the least and most memory and vCPUs, a bridge of 15 bytes. */
	assert_int_equal(launch_cfg_line(&c, "memory = 16", &why), 0);
	assert_int_equal(launch_cfg_line(&c, "memory = 3072", &why), 0);
	assert_int_equal(c.memory_mb, 3072);
	assert_int_equal(launch_cfg_line(&c, "vcpus = 8", &why), 0);
	assert_int_equal(launch_cfg_line(&c, "vif = [ 'bridge=b23456789012345' ]", &why), 0);
	assert_string_equal(c.vif_bridge, "b23456789012345");
	assert_int_equal(launch_cfg_line(&c, "name = \"a.b-c_1\"", &why), 0);
}

/* What the builder would not build is refused, with the reason. */
static void test_cfg_refused(void **state)
{
	static const char *const bad[] = {
	    "maxmem = 128",                        /* not a key launch builds */
	    "memory = 8",                          /* out of range */
	    "memory = 99999999",                   /* over the parser's bound */
	    "vcpus = 9",                           /* over LAUNCH_VCPUS_MAX */
	    "name = appliance",                    /* not quoted */
	    "name = \"appliance",                  /* unterminated */
	    "name = \"a\" b",                      /* something after the value */
	    "disk = [ 'file:/x.img,xvda,w' ]",     /* not phy: */
	    "disk = [ 'phy:/dev/x,sda,w' ]",       /* not xvdX */
	    "disk = [ 'phy:/dev/x,xvda,rw!' ]",    /* access */
	    "disk = [ 'phy:/dev/x,xvda' ]",        /* no access */
	    "disk = []",                           /* no disk */
	    "disk = [ 'phy:/dev/x,xvda,w', 'b' ]", /* two */
	    "vif = [ 'bridge=br0,ip=1.2.3.4' ]",   /* not bridge or mac */
	    "vif = [ 'mac=00:16:3e:0a:0b' ]",      /* short MAC */
	    "vif = [ 'mac=00:16:3e:0a:0b:0g' ]",   /* not hex */
	    "on_crash = \"preserve\"",             /* not destroy or restart */
	    "vcpus = 12",                          /* the fuzzer's: once left 12 */
	    "kernel = \"/boot/guest.zImage",       /* and left it unterminated */
	    "vif = [ 'bridge=br1,mac=bad' ]",      /* and left br1 */
	    "memory = 15",                         /* one under the least */
	    "memory = 3073",                       /* one over the most */
	    "name = \"../x\"",                     /* it names a log file */
	    "name = \".x\"",                       /* a dot first */
	    "name = \"\"",                         /* empty */
	    "vif = [ 'bridge=b234567890123456' ]", /* 16 bytes: over IFNAMSIZ */
	    "= 3",                                 /* no key */
	    "name \"x\"",                          /* no = */
	};
	struct launch_cfg c;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct launch_cfg before;

		/* Refused after a whole config: nothing of it changed. */
		assert_int_equal(parse(&c, guest_cfg, &why), 0);
		memcpy(&before, &c, sizeof(c)); /* padding too, for the memcmp */
		why = NULL;
		if (launch_cfg_line(&c, bad[i], &why) != -EINVAL)
			fail_msg("taken: %s", bad[i]);
		assert_non_null(why);
		if (memcmp(&before, &c, sizeof(c)) != 0)
			fail_msg("refused, but changed the config: %s", bad[i]);
	}
	/* A name one byte too long for LAUNCH_NAME_MAX, and one that fits. */
	char line[LAUNCH_NAME_MAX + 16];
	snprintf(line, sizeof(line), "name = \"%0*d\"", LAUNCH_NAME_MAX, 0);
	assert_int_equal(launch_cfg_line(&c, line, &why), -EINVAL);
	snprintf(line, sizeof(line), "name = \"%0*d\"", LAUNCH_NAME_MAX - 1, 0);
	assert_int_equal(launch_cfg_line(&c, line, &why), 0);
	/* Without a disk, kernel or name, the whole is refused. */
	assert_int_equal(parse(&c, "name = \"a\"\nkernel = \"/k\"\n", &why), -EINVAL);
	assert_string_equal(why, "name, kernel and disk are required");
}

struct keys {
	char seen[512];
};

static int key(void *ctx, const char *path, const char *value)
{
	struct keys *k = ctx;
	size_t n = strlen(k->seen);

	snprintf(k->seen + n, sizeof(k->seen) - n, "%s=%s;", path, value);
	return 0;
}

static int conf(const char *text, struct keys *k, const char **name, const char **inst,
                const char **why)
{
	size_t len = strlen(text);
	char *copy = malloc(len + 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len + 1);
	memset(k, 0, sizeof(*k));
	rc = launch_guest_conf(copy, len, name, inst, key, k, why);
	/* name and instance point into the text: read them before it goes. */
	if (rc == 0) {
		static char n[64], i[16];

		snprintf(n, sizeof(n), "%s", *name);
		snprintf(i, sizeof(i), "%s", *inst);
		*name = n;
		*inst = i;
	}
	free(copy);
	return rc;
}

static void test_guest_conf(void **state)
{
	const char *name, *inst, *why;
	struct keys k;

	(void)state;
	assert_int_equal(conf("name appliance\ninstance 3\nappliance/ip 192.0.2.2/24\n"
	                      "data/seed 00ff\nappliance/note two words\nend\n",
	                      &k, &name, &inst, &why),
	                 0);
	assert_string_equal(name, "appliance");
	assert_string_equal(inst, "3");
	assert_string_equal(k.seen,
	                    "appliance/ip=192.0.2.2/24;data/seed=00ff;appliance/note=two words;");
	/* No keys at all. */
	assert_int_equal(conf("name a\ninstance 1\nend\n", &k, &name, &inst, &why), 0);
	assert_string_equal(k.seen, "");
	/* Incomplete or malformed: refused before any key is given out. */
	static const char *const bad[] = {
	    "name a\ninstance 1\ndata/seed 00\n",             /* no end: still being written */
	    "name a\ninstance 1\n/local/domain/0/x 1\nend\n", /* absolute */
	    "name a\ninstance 1\ndata/seed 00\nnovalue\nend\n",
	    "name a\ninstance 1\nend\nappliance/x 1\n", /* after end */
	    "instance 1\nname a\nend\n",                /* order */
	    "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (conf(bad[i], &k, &name, &inst, &why) != -EINVAL)
			fail_msg("taken: %s", bad[i]);
		assert_string_equal(k.seen, "");
		assert_non_null(why);
	}
	/* A NUL byte inside. */
	char nul[] = "name a\ninstance 1\ndata/x 1\0 2\nend\n";
	memset(&k, 0, sizeof(k));
	assert_int_equal(launch_guest_conf(nul, sizeof(nul) - 1, &name, &inst, key, &k, &why),
	                 -EINVAL);
	assert_string_equal(k.seen, "");
}

/* A configuration file of `size` bytes, with its end line or not; with_end -1: empty. */
static void write_conf(const char *path, size_t size, int with_end)
{
	static const char head[] = "name a\ninstance 1\nappliance/pad ";
	FILE *f = fopen(path, "w");
	size_t tail = with_end ? 5 : 1;

	assert_non_null(f);
	if (with_end < 0) {
		assert_int_equal(fclose(f), 0);
		return;
	}
	assert_true(size > sizeof(head) + tail);
	fputs(head, f);
	for (size_t i = sizeof(head) - 1; i < size - tail; i++)
		fputc('x', f);
	fputs(with_end ? "\nend\n" : "\n", f);
	assert_int_equal(fclose(f), 0);
}

static char conf_path[64];

/* The init's write going on: `text` appended to the file 0.2 s later. */
static void *append_later(void *text)
{
	struct timespec t = {0, 200000000};
	FILE *f;

	nanosleep(&t, NULL);
	f = fopen(conf_path, "a");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return NULL;
}

/* A whole file (33 bytes), into one the init truncated. */
#define WHOLE "name a\ninstance 1\nappliance/x y\nend\n"

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The file: none, the limit and one over, and an end line late or never. */
static void test_guest_conf_read(void **state)
{
	static char buf[LAUNCH_GUEST_CONF_MAX + 1];
	const char *why = NULL;
	struct timespec t0;
	pthread_t writer;

	(void)state;
	snprintf(conf_path, sizeof(conf_path), "/tmp/test_launch-%d", (int)getpid());
	unlink(conf_path);
	assert_int_equal(launch_guest_conf_read(conf_path, buf, 0, false, &why), 0);
	write_conf(conf_path, LAUNCH_GUEST_CONF_MAX, 1);
	assert_int_equal(launch_guest_conf_read(conf_path, buf, 0, false, &why),
	                 LAUNCH_GUEST_CONF_MAX);
	write_conf(conf_path, LAUNCH_GUEST_CONF_MAX + 1, 1);
	assert_int_equal(launch_guest_conf_read(conf_path, buf, 0, false, &why), -EFBIG);
	assert_string_equal(why, "over 16384 bytes");
	/* No end line: refused once the wait is over, not before. */
	write_conf(conf_path, 100, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(launch_guest_conf_read(conf_path, buf, 100, false, &why), -EINVAL);
	assert_true(ms_since(&t0) >= 100);
	assert_string_equal(why, "no end line: incomplete");
	/* The init finishing its write 0.2 s later: waited for. */
	assert_int_equal(pthread_create(&writer, NULL, append_later, "end\n"), 0);
	assert_int_equal(launch_guest_conf_read(conf_path, buf, 2000, false, &why), 104);
	pthread_join(writer, NULL);
	/*
	 * Empty: the shell's > has truncated it and not yet written (it was
	 * taken for no file, and a restart built a guest with no configuration).
	 * Incomplete, waited for; refused if it stays so.
	 */
	write_conf(conf_path, 0, -1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(launch_guest_conf_read(conf_path, buf, 100, false, &why), -EINVAL);
	assert_true(ms_since(&t0) >= 100);
	assert_string_equal(why, "no end line: incomplete");
	assert_int_equal(pthread_create(&writer, NULL, append_later, WHOLE), 0);
	assert_int_equal(launch_guest_conf_read(conf_path, buf, 2000, false, &why), strlen(WHOLE));
	pthread_join(writer, NULL);
	/*
	 * A restart waits for the file itself too (it read none, and a guest
	 * was built without its configuration or seed, unsaid): written 0.2 s
	 * later, it is read; never, 0 once the wait is over, said so.
	 */
	unlink(conf_path);
	assert_int_equal(pthread_create(&writer, NULL, append_later, WHOLE), 0);
	assert_int_equal(launch_guest_conf_read(conf_path, buf, 2000, true, &why), strlen(WHOLE));
	pthread_join(writer, NULL);
	unlink(conf_path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(launch_guest_conf_read(conf_path, buf, 100, true, &why), 0);
	assert_true(ms_since(&t0) >= 100);
	assert_string_equal(why, "none came in time");
	assert_int_equal(launch_guest_conf_read(conf_path, buf, 100, false, &why), 0);
	assert_string_equal(why, "none");
}

/*
 * The supervisor's waits before a restart: none after a long run, nor
 * after the first quick stop; then 1, 2, 4 ... up to 60 s for each quick
 * stop in a row; a long run starts over. It restarted at once, always: a
 * guest that could not start was made again and again, each instance's
 * files left in dom0's /var/run and lines in its logs.
 */
static void test_restart_wait(void **state)
{
	static const unsigned want[] = {0, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
	unsigned quick = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(launch_restart_wait_ms(&quick, 500), want[i]);
	assert_int_equal(launch_restart_wait_ms(&quick, LAUNCH_RESTART_QUICK_MS - 1), 60000);
	assert_int_equal(launch_restart_wait_ms(&quick, LAUNCH_RESTART_QUICK_MS), 0);
	assert_int_equal(quick, 0);
	assert_int_equal(launch_restart_wait_ms(&quick, 10), 0);
	assert_int_equal(launch_restart_wait_ms(&quick, 10), 1000);
	/* A hundred more: the wait grows to its most and stays, the count bounded. */
	for (unsigned i = 0, last = 1000, w; i < 100; i++, last = w) {
		w = launch_restart_wait_ms(&quick, 0);
		assert_true(w >= last && w <= LAUNCH_RESTART_MAX_MS);
	}
	assert_int_equal(launch_restart_wait_ms(&quick, 0), LAUNCH_RESTART_MAX_MS);
	assert_true(quick <= 32);
}

/* ---- launch-xs.c: a transaction's writes sent at once ---- */

struct xs_hdr {
	uint32_t type, req_id, tx_id, len;
};

/* xenstored's side of a socketpair: a reply queued before the client reads. */
static void xs_reply(int fd, uint32_t type, uint32_t req, uint32_t tx, const void *p, uint32_t len)
{
	struct xs_hdr h = {type, req, tx, len};

	assert_int_equal(write(fd, &h, sizeof(h)), sizeof(h));
	if (len)
		assert_int_equal(write(fd, p, len), len);
}

/* The next request the client sent is exactly this. */
static void xs_expect(int fd, uint32_t type, uint32_t req, uint32_t tx, const void *p, uint32_t len)
{
	struct xs_hdr h;
	char buf[LAUNCH_XS_PAYLOAD_MAX];

	assert_int_equal(read(fd, &h, sizeof(h)), sizeof(h));
	assert_int_equal(h.type, type);
	assert_int_equal(h.req_id, req);
	assert_int_equal(h.tx_id, tx);
	assert_int_equal(h.len, len);
	if (len)
		assert_int_equal(read(fd, buf, len), len);
	assert_memory_equal(buf, p, len);
}

/* Nothing more was sent. */
static void xs_nothing(int fd)
{
	char c;

	assert_int_equal(recv(fd, &c, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static void xs_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

/* A new connection (sv[0] the client's) and a transaction `tx` started on it. */
static void xs_started(struct launch_xs *x, int sv[2], uint32_t tx)
{
	char id[16];

	xs_pair(sv);
	snprintf(id, sizeof(id), "%u", tx);
	xs_reply(sv[1], LAUNCH_XS_TRANSACTION_START, 0, 0, id, (uint32_t)strlen(id) + 1);
	assert_int_equal(launch_xs_start(x, sv[0]), 0);
	assert_int_equal(x->tx, tx);
	xs_expect(sv[1], LAUNCH_XS_TRANSACTION_START, 0, 0, "", 1);
}

static void xs_done(struct launch_xs *x, int sv[2])
{
	launch_xs_free(x);
	close(sv[0]);
	close(sv[1]);
}

/* xs_wire.h's requests, in order, with the transaction's id, replies read after. */
static void test_xs_wire(void **state)
{
	struct launch_xs x = {0};
	int sv[2];

	(void)state;
	xs_started(&x, sv, 17);
	launch_xs_write(&x, "/local/domain/3/name", "appliance");
	launch_xs_perms(&x, "/local/domain/3", 0, 3);
	launch_xs_perms(&x, "/local/domain/3/data", 3, 0);
	launch_xs_write(&x, "/local/domain/3/cpu", "");
	xs_reply(sv[1], LAUNCH_XS_WRITE, 0, 17, "OK", 3);
	xs_reply(sv[1], LAUNCH_XS_SET_PERMS, 1, 17, "OK", 3);
	xs_reply(sv[1], LAUNCH_XS_SET_PERMS, 2, 17, "OK", 3);
	xs_reply(sv[1], LAUNCH_XS_WRITE, 3, 17, "OK", 3);
	assert_int_equal(launch_xs_flush(&x), 0);
	xs_expect(sv[1], LAUNCH_XS_WRITE, 0, 17, "/local/domain/3/name\0appliance", 30);
	xs_expect(sv[1], LAUNCH_XS_SET_PERMS, 1, 17, "/local/domain/3\0n0\0r3", 22);
	xs_expect(sv[1], LAUNCH_XS_SET_PERMS, 2, 17, "/local/domain/3/data\0n3", 24);
	xs_expect(sv[1], LAUNCH_XS_WRITE, 3, 17, "/local/domain/3/cpu", 20);
	xs_nothing(sv[1]);
	xs_reply(sv[1], LAUNCH_XS_TRANSACTION_END, 0, 17, "OK", 3);
	assert_int_equal(launch_xs_end(&x, true), 0);
	xs_expect(sv[1], LAUNCH_XS_TRANSACTION_END, 0, 17, "T", 2);
	/* A second transaction on the same connection. */
	xs_started(&x, sv, 18);
	assert_int_equal(launch_xs_flush(&x), 0);
	xs_nothing(sv[1]);
	xs_reply(sv[1], LAUNCH_XS_ERROR, 0, 18, "EAGAIN", 7);
	assert_int_equal(launch_xs_end(&x, true), -EAGAIN);
	xs_expect(sv[1], LAUNCH_XS_TRANSACTION_END, 0, 18, "T", 2);
	xs_done(&x, sv);
}

/*
 * A refusal names its request's path, the first of two; every reply is
 * read, so the abort after it is answered in step.
 */
static void test_xs_refused(void **state)
{
	struct launch_xs x = {0};
	int sv[2];

	(void)state;
	xs_started(&x, sv, 5);
	launch_xs_write(&x, "/a", "1");
	launch_xs_write(&x, "/b", "2");
	launch_xs_write(&x, "/c", "3");
	launch_xs_write(&x, "/d", "4");
	xs_reply(sv[1], LAUNCH_XS_WRITE, 0, 5, "OK", 3);
	xs_reply(sv[1], LAUNCH_XS_ERROR, 1, 5, "EACCES", 7);
	xs_reply(sv[1], LAUNCH_XS_ERROR, 2, 5, "ENOSPC", 7);
	xs_reply(sv[1], LAUNCH_XS_WRITE, 3, 5, "OK", 3);
	assert_int_equal(launch_xs_flush(&x), -EACCES);
	assert_string_equal(x.failed, "/b");
	xs_reply(sv[1], LAUNCH_XS_TRANSACTION_END, 0, 5, "OK", 3);
	assert_int_equal(launch_xs_end(&x, false), 0);
	for (uint32_t i = 0; i < 4; i++) {
		char p[8];
		snprintf(p, sizeof(p), "/%c%c%c", 'a' + i, 0, '1' + i);
		xs_expect(sv[1], LAUNCH_XS_WRITE, i, 5, p, 4);
	}
	xs_expect(sv[1], LAUNCH_XS_TRANSACTION_END, 0, 5, "F", 2);
	xs_done(&x, sv);
}

/* The wire's payload limit: 4,096 bytes taken, 4,097 refused before anything is sent. */
static void test_xs_payload_max(void **state)
{
	static char value[LAUNCH_XS_PAYLOAD_MAX];
	struct launch_xs x = {0};
	int sv[2];

	(void)state;
	xs_started(&x, sv, 9);
	memset(value, 'v', sizeof(value) - 1);
	value[LAUNCH_XS_PAYLOAD_MAX - 3] = '\0'; /* "/p" and its NUL: 4,096 */
	launch_xs_write(&x, "/p", value);
	xs_reply(sv[1], LAUNCH_XS_WRITE, 0, 9, "OK", 3);
	assert_int_equal(launch_xs_flush(&x), 0);
	{
		struct xs_hdr h;
		static char buf[LAUNCH_XS_PAYLOAD_MAX];

		assert_int_equal(read(sv[1], &h, sizeof(h)), sizeof(h));
		assert_int_equal(h.len, LAUNCH_XS_PAYLOAD_MAX);
		assert_int_equal(recv(sv[1], buf, h.len, MSG_WAITALL), h.len);
	}
	launch_xs_write(&x, "/ok", "1");
	value[LAUNCH_XS_PAYLOAD_MAX - 3] = 'v';
	value[LAUNCH_XS_PAYLOAD_MAX - 2] = '\0';
	launch_xs_write(&x, "/q", value);
	launch_xs_write(&x, "/after", "2");
	assert_int_equal(launch_xs_flush(&x), -E2BIG);
	assert_string_equal(x.failed, "/q");
	xs_nothing(sv[1]);
	xs_done(&x, sv);
}

/* A xenstored out of step or gone: the reply not the one due, too long, none. */
static void test_xs_lost(void **state)
{
	static char big[LAUNCH_XS_PAYLOAD_MAX + 1];
	struct launch_xs x = {0};
	int sv[2];

	(void)state;
	/* The start's reply not a transaction id. */
	xs_pair(sv);
	xs_reply(sv[1], LAUNCH_XS_TRANSACTION_START, 0, 0, "x1", 3);
	assert_int_equal(launch_xs_start(&x, sv[0]), -EPROTO);
	xs_done(&x, sv);
	/* A reply to another request. */
	xs_started(&x, sv, 2);
	launch_xs_write(&x, "/a", "1");
	launch_xs_write(&x, "/b", "2");
	xs_reply(sv[1], LAUNCH_XS_WRITE, 1, 2, "OK", 3);
	assert_int_equal(launch_xs_flush(&x), -EPROTO);
	assert_string_equal(x.failed, "/a");
	xs_done(&x, sv);
	/* A reply over the wire's limit. */
	xs_started(&x, sv, 2);
	launch_xs_write(&x, "/a", "1");
	xs_reply(sv[1], LAUNCH_XS_WRITE, 0, 2, big, sizeof(big));
	assert_int_equal(launch_xs_flush(&x), -EPROTO);
	xs_done(&x, sv);
	/* xenstored gone after the first of two replies. */
	xs_started(&x, sv, 2);
	launch_xs_write(&x, "/a", "1");
	launch_xs_write(&x, "/b", "2");
	xs_reply(sv[1], LAUNCH_XS_WRITE, 0, 2, "OK", 3);
	shutdown(sv[1], SHUT_WR);
	assert_int_equal(launch_xs_flush(&x), -ECONNRESET);
	assert_string_equal(x.failed, "/b");
	xs_done(&x, sv);
	/* xenstored gone before the writes: an error, not SIGPIPE's death. */
	xs_started(&x, sv, 2);
	close(sv[1]);
	launch_xs_write(&x, "/a", "1");
	assert_int_equal(launch_xs_flush(&x), -EPIPE);
	assert_int_equal(launch_xs_end(&x, false), -EPIPE);
	close(sv[0]);
	launch_xs_free(&x);
	/* xenstored there but silent past the socket's receive timeout (launch's 10 s). */
	xs_started(&x, sv, 2);
	{
		struct timeval tv = {.tv_usec = 50000};
		assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	}
	launch_xs_write(&x, "/a", "1");
	assert_int_equal(launch_xs_flush(&x), -ETIMEDOUT);
	assert_string_equal(x.failed, "/a");
	xs_done(&x, sv);
}

/*
 * A stand-in xenstored's listening socket at dir/socket (its path into
 * path), taking `backlog` connections before any is accepted.
 */
static int xs_listener(char *dir, char *path, size_t cap, int backlog)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int ls;

	assert_non_null(mkdtemp(dir));
	snprintf(path, cap, "%s/socket", dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	assert_true((ls = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(ls, backlog), 0);
	return ls;
}

/* 512 writes of 4,000 octets queued on x: 2 MiB, more than a socket holds. */
static void queue_2mib(struct launch_xs *x)
{
	static char value[4000];

	memset(value, 'v', sizeof(value) - 1);
	for (int i = 0; i < 512; i++) {
		char key[16];
		snprintf(key, sizeof(key), "/w%d", i);
		launch_xs_write(x, key, value);
	}
}

/*
 * xenstored that stops reading while launch sends: a transaction of 2 MiB
 * fills the socket, and the connection's send timeout (launch_xs_connect,
 * here 100 ms for launch's 10 s) fails the flush, and then the commit,
 * with -ETIMEDOUT, never -EAGAIN (xenstored's "try the transaction
 * again"), each within its bound. The old connection had no send timeout,
 * so launch waited for ever (the alarm ends the test), and the old send
 * said -EAGAIN.
 */
static void test_xs_send_timeout(void **state)
{
	char dir[] = "/tmp/test_launch.XXXXXX", path[64];
	struct launch_xs x = {0};
	struct timespec t0;
	int ls, fd, peer;

	(void)state;
	ls = xs_listener(dir, path, sizeof(path), 1);
	assert_true((fd = launch_xs_connect(path, 100)) >= 0);
	assert_true((peer = accept(ls, NULL, NULL)) >= 0);
	alarm(10);
	xs_reply(peer, LAUNCH_XS_TRANSACTION_START, 0, 0, "2", 2);
	assert_int_equal(launch_xs_start(&x, fd), 0);
	queue_2mib(&x);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(launch_xs_flush(&x), -ETIMEDOUT);
	assert_string_equal(x.failed, "/w0");
	assert_true(ms_since(&t0) < 2000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(launch_xs_end(&x, true), -ETIMEDOUT);
	assert_true(ms_since(&t0) < 2000);
	alarm(0);
	launch_xs_free(&x);
	close(fd);
	close(peer);
	close(ls);
	unlink(path);
	rmdir(dir);
	assert_int_equal(launch_xs_connect(path, 100), -ENOENT);
}

/*
 * A failed create's removals (launch.c's undo): XS_RM for each path, all
 * sent at once outside any transaction (tx 0, even after one), each
 * path's own result; a path not there (ENOENT) is gone already.
 */
static void test_xs_rm(void **state)
{
	static const char *const paths[] = {"/local/domain/0/backend/vbd/7", "/local/domain/7",
	                                    "/libxl/7", "/vm/u"};
	struct launch_xs x = {0};
	int sv[2], err[4];

	(void)state;
	xs_started(&x, sv, 17);
	xs_reply(sv[1], LAUNCH_XS_TRANSACTION_END, 0, 17, "OK", 3);
	assert_int_equal(launch_xs_end(&x, false), 0);
	xs_expect(sv[1], LAUNCH_XS_TRANSACTION_END, 0, 17, "F", 2);
	xs_reply(sv[1], LAUNCH_XS_RM, 0, 0, "OK", 3);
	xs_reply(sv[1], LAUNCH_XS_ERROR, 1, 0, "EACCES", 7);
	xs_reply(sv[1], LAUNCH_XS_ERROR, 2, 0, "ENOENT", 7);
	xs_reply(sv[1], LAUNCH_XS_RM, 3, 0, "OK", 3);
	assert_int_equal(launch_xs_rm(&x, sv[0], paths, 4, err), -EACCES);
	assert_int_equal(err[0], 0);
	assert_int_equal(err[1], -EACCES);
	assert_int_equal(err[2], 0);
	assert_int_equal(err[3], 0);
	xs_expect(sv[1], LAUNCH_XS_RM, 0, 0, "/local/domain/0/backend/vbd/7", 30);
	xs_expect(sv[1], LAUNCH_XS_RM, 1, 0, "/local/domain/7", 16);
	xs_expect(sv[1], LAUNCH_XS_RM, 2, 0, "/libxl/7", 9);
	xs_expect(sv[1], LAUNCH_XS_RM, 3, 0, "/vm/u", 6);
	xs_nothing(sv[1]);
	/* All removed: 0. */
	for (uint32_t i = 0; i < 4; i++)
		xs_reply(sv[1], LAUNCH_XS_RM, i, 0, "OK", 3);
	assert_int_equal(launch_xs_rm(&x, sv[0], paths, 4, err), 0);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(err[i], 0);
		xs_expect(sv[1], LAUNCH_XS_RM, i, 0, paths[i], (uint32_t)strlen(paths[i]) + 1);
	}
	/* xenstored gone after the first two replies: the other two not removed. */
	xs_reply(sv[1], LAUNCH_XS_RM, 0, 0, "OK", 3);
	xs_reply(sv[1], LAUNCH_XS_ERROR, 1, 0, "EIO", 4);
	shutdown(sv[1], SHUT_WR);
	assert_int_equal(launch_xs_rm(&x, sv[0], paths, 4, err), -EIO);
	assert_int_equal(err[0], 0);
	assert_int_equal(err[1], -EIO);
	assert_int_equal(err[2], -ECONNRESET);
	assert_int_equal(err[3], -ECONNRESET);
	xs_done(&x, sv);
	/* A path too long for the wire: nothing sent, none removed. */
	{
		static char big[LAUNCH_XS_PAYLOAD_MAX + 1];
		const char *two[] = {"/a", big};

		memset(big, 'p', sizeof(big) - 1);
		xs_pair(sv);
		assert_int_equal(launch_xs_rm(&x, sv[0], two, 2, err), -E2BIG);
		assert_int_equal(err[0], -E2BIG);
		assert_int_equal(err[1], -E2BIG);
		xs_nothing(sv[1]);
		xs_done(&x, sv);
	}
}

/*
 * A xenstored that hangs: it neither accepts the connection nor answers.
 * The removals on a connection made before it hung fail with -ETIMEDOUT,
 * every path, within the connection's timeout (here 100 ms for launch's
 * 10 s), not once for each; and a new connection, once its listen queue
 * is full, fails as soon. libxenstore's xs_rm, which undo used, waits for
 * ever; and the old launch_xs_connect set its timeouts after the
 * connect, which waited for ever (the alarm ends the test).
 */
static void test_xs_rm_timeout(void **state)
{
	static const char *const paths[] = {"/local/domain/0/backend/vbd/7",
	                                    "/local/domain/0/backend/vif/7", "/local/domain/7",
	                                    "/libxl/7", "/vm/u"};
	char dir[] = "/tmp/test_launch.XXXXXX", path[64];
	struct launch_xs x = {0};
	struct timespec t0;
	int ls, fd, err[5];

	(void)state;
	/* A queue of one connection, never accepted. */
	ls = xs_listener(dir, path, sizeof(path), 0);
	alarm(10);
	assert_true((fd = launch_xs_connect(path, 100)) >= 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(launch_xs_rm(&x, fd, paths, 5, err), -ETIMEDOUT);
	assert_true(ms_since(&t0) < 2000);
	for (int i = 0; i < 5; i++)
		assert_int_equal(err[i], -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(launch_xs_connect(path, 100), -ETIMEDOUT);
	assert_true(ms_since(&t0) < 2000);
	alarm(0);
	launch_xs_free(&x);
	close(fd);
	close(ls);
	unlink(path);
	rmdir(dir);
}

/* xenstored's side of a trickle: a whole reply, one byte each 50 ms, until launch hangs up. */
static void *trickle(void *arg)
{
	int fd = *(int *)arg;
	struct xs_hdr h = {LAUNCH_XS_TRANSACTION_START, 0, 0, 2};
	uint8_t bytes[sizeof(h) + 2];

	memcpy(bytes, &h, sizeof(h));
	memcpy(bytes + sizeof(h), "2", 2);
	for (size_t i = 0; i < sizeof(bytes); i++) {
		if (send(fd, &bytes[i], 1, MSG_NOSIGNAL) != 1)
			break;
		usleep(50000);
	}
	return NULL;
}

/*
 * A xenstored that sends its reply a byte at a time, each well inside the
 * connection's timeout (here 100 ms for launch's 10 s), the whole in 0.9 s:
 * the wait is for the whole reply, so launch gives up with -ETIMEDOUT at
 * the timeout, as for a xenstored that sends nothing. The old wait was
 * per read, so a byte every few seconds held launch for as long as
 * xenstored liked (here it took the reply whole, 0.9 s later).
 */
static void test_xs_reply_deadline(void **state)
{
	struct timeval tv = {.tv_usec = 100000};
	struct launch_xs x = {0};
	struct timespec t0;
	pthread_t peer;
	int sv[2];

	(void)state;
	xs_pair(sv);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	alarm(10);
	assert_int_equal(pthread_create(&peer, NULL, trickle, &sv[1]), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(launch_xs_start(&x, sv[0]), -ETIMEDOUT);
	assert_true(ms_since(&t0) >= 100);
	assert_true(ms_since(&t0) < 600);
	close(sv[0]);
	pthread_join(peer, NULL);
	alarm(0);
	launch_xs_free(&x);
	close(sv[1]);
}

/* xenstored reading 8 KiB every 50 ms for 1 s, then no more. */
static void *slow_reader(void *arg)
{
	static char sink[8192];
	int fd = *(int *)arg;

	for (int i = 0; i < 20; i++) {
		if (recv(fd, sink, sizeof(sink), 0) <= 0)
			break;
		usleep(50000);
	}
	return NULL;
}

/*
 * A xenstored that takes launch's requests slowly: room in the socket
 * every 50 ms, well inside the connection's send timeout (100 ms for
 * launch's 10 s), 2 MiB of requests in all. The wait is for the whole
 * batch, so the flush gives up with -ETIMEDOUT at the timeout, as for a
 * xenstored that reads nothing. The old wait was per send, so each bit of
 * room bought another 100 ms and a xenstored reading a little at a time
 * held launch for as long as it liked (here until it stopped reading:
 * its 1 s of reads, then the timeout).
 */
static void test_xs_send_deadline(void **state)
{
	struct timeval tv = {.tv_usec = 100000};
	int small = 4096;
	struct launch_xs x = {0};
	struct timespec t0;
	pthread_t peer;
	int sv[2];

	(void)state;
	xs_started(&x, sv, 7);
	/* Small buffers, so that each read makes room for the next send. */
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	queue_2mib(&x);
	alarm(10);
	assert_int_equal(pthread_create(&peer, NULL, slow_reader, &sv[1]), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(launch_xs_flush(&x), -ETIMEDOUT);
	assert_true(ms_since(&t0) >= 100);
	assert_true(ms_since(&t0) < 600);
	assert_string_equal(x.failed, "/w0");
	close(sv[0]); /* the reader's next recv ends */
	pthread_join(peer, NULL);
	alarm(0);
	launch_xs_free(&x);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dt_as_the_guest_reads_it),
	    cmocka_unit_test(test_dt_short_buffer),
	    cmocka_unit_test(test_cfg_guest),
	    cmocka_unit_test(test_cfg_refused),
	    cmocka_unit_test(test_guest_conf),
	    cmocka_unit_test(test_guest_conf_read),
	    cmocka_unit_test(test_restart_wait),
	    cmocka_unit_test(test_xs_wire),
	    cmocka_unit_test(test_xs_refused),
	    cmocka_unit_test(test_xs_payload_max),
	    cmocka_unit_test(test_xs_lost),
	    cmocka_unit_test(test_xs_send_timeout),
	    cmocka_unit_test(test_xs_rm),
	    cmocka_unit_test(test_xs_rm_timeout),
	    cmocka_unit_test(test_xs_reply_deadline),
	    cmocka_unit_test(test_xs_send_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
