/*
 * launch: dom0's domain builder for the appliance guest, in place of xl
 * create (issue 13: libxl's 4,000 small steps under QEMU's TCG kept the
 * guest's first answer over 1 s from the start of xl create). These are
 * its pure parts, built for the host too so that unit tests drive them:
 * the subset of xl's configuration syntax the guest's config uses, the
 * guest's own configuration file the init prepares, and the device tree
 * the guest boots with. launch.c does the hypercalls and xenstore.
 */
#ifndef DOM0_LAUNCH_H
#define DOM0_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAUNCH_NAME_MAX 64
#define LAUNCH_PATH_MAX 256
#define LAUNCH_VCPUS_MAX 8

/* What xl's on_poweroff, on_reboot and on_crash say to do. */
enum launch_action {
	LAUNCH_DESTROY,
	LAUNCH_RESTART,
};

/*
 * The domain, as the xl configuration describes it. One disk (a phy:
 * block device) and one network interface on a bridge: what the
 * appliance's guest.cfg has.
 */
struct launch_cfg {
	char name[LAUNCH_NAME_MAX];
	char kernel[LAUNCH_PATH_MAX];
	char cmdline[LAUNCH_PATH_MAX]; /* xl's extra=, "" if none */
	unsigned memory_mb;
	unsigned vcpus;
	/* disk = [ 'phy:TARGET,VDEV,ACCESS' ] */
	char disk_target[LAUNCH_PATH_MAX];
	char disk_vdev[16];
	unsigned disk_devid; /* xvda: 51712, Xen's VBD numbering */
	int disk_writable;
	/* vif = [ 'bridge=BR,mac=MAC' ] */
	int has_vif;
	char vif_bridge[16]; /* IFNAMSIZ */
	char vif_mac[18];    /* "" until launch_cfg_check gives it one */
	enum launch_action on_poweroff, on_reboot, on_crash;
};

/*
 * Reads one line of xl configuration ("key = value", a comment or blank)
 * into `c`. Returns 0, or -EINVAL with *why set to a message naming what
 * this builder does not take: every key but those of struct launch_cfg,
 * and values in other forms, are refused rather than ignored. A refused
 * line leaves `c` as it was.
 */
int launch_cfg_line(struct launch_cfg *c, const char *line, const char **why);

/* Defaults before the lines: 1 vCPU, 128 MiB, destroy/restart/restart. */
void launch_cfg_init(struct launch_cfg *c);

/*
 * After the lines: the checks that need them all (a name, a kernel, a
 * disk). A vif without a MAC gets one from `random6` (6 random bytes) in
 * Xen's OUI 00:16:3e, as xl gives it. 0 or -EINVAL with *why.
 */
int launch_cfg_check(struct launch_cfg *c, const uint8_t random6[6], const char **why);

/* The guest's device tree: what Xen's ARM guests are told (libxl_arm.c). */
struct launch_dt {
	uint32_t xen_major, xen_minor;
	unsigned vcpus;
	uint64_t ram_base, ram_size;
	uint64_t gicd_base, gicd_size, gicc_base, gicc_size;
	uint64_t gnttab_base, gnttab_size;
	unsigned evtchn_ppi;                                /* PPI number, 16-31 */
	unsigned timer_s_ppi, timer_ns_ppi, timer_virt_ppi; /* likewise */
	uint32_t clock_frequency;                           /* 0: the timer's own */
	uint32_t gic_phandle;
	const char *bootargs; /* NULL: none */
	const uint8_t *rng_seed;
	size_t rng_seed_len;
};

/*
 * Writes the flattened device tree (Devicetree Specification v0.4,
 * chapter 5) for `d` into buf: its size, or -ENOSPC if cap is too small.
 */
long launch_dt_make(const struct launch_dt *d, void *buf, size_t cap);

/*
 * The guest's configuration as the init prepares it (init's
 * prepare_config): "name NAME", "instance N", then "PATH VALUE" lines,
 * each PATH relative to the domain's xenstore directory, then "end".
 * launch_guest_conf parses `text` (len bytes and a NUL after them,
 * modified in place) and calls
 * `key` for each PATH VALUE pair; it returns 0 with *name and *instance
 * set, or -EINVAL with *why (no end line, a line not PATH VALUE, an
 * absolute PATH), before calling `key` at all. `key` may be NULL.
 */
int launch_guest_conf(char *text, size_t len, const char **name, const char **instance,
                      int (*key)(void *ctx, const char *path, const char *value), void *ctx,
                      const char **why);

/* The most the file may hold, and how long a reader waits for its end. */
#define LAUNCH_GUEST_CONF_MAX 16384
#define LAUNCH_GUEST_CONF_WAIT_MS 2000

/*
 * Reads the guest configuration file at `path` whole into buf (room for
 * LAUNCH_GUEST_CONF_MAX bytes and a NUL), once it ends with its "end"
 * line: the init may be writing it as a restart reads it, so this waits
 * up to wait_ms for that; with absent_waits (a restart: the init readies
 * the next instance's file once it has booked the last, and a quick
 * restart can come first) for the file itself too. Returns its length, 0
 * if there is no such file (*why says whether one was waited for), or a
 * negative errno with *why (over LAUNCH_GUEST_CONF_MAX bytes, no end line
 * in time, a read error).
 */
long launch_guest_conf_read(const char *path, char *buf, unsigned wait_ms, bool absent_waits,
                            const char **why);

/*
 * The supervisor's wait before it creates again a guest that stopped
 * after `lived_ms`; *quick counts the stops in a row that came sooner
 * than LAUNCH_RESTART_QUICK_MS (0 at first). None after a guest that ran
 * longer, nor after the first quick stop; then 1 s, doubling up to
 * LAUNCH_RESTART_MAX_MS for each quick stop in a row. A guest that cannot
 * start is retried a minute apart, not in a loop that fills dom0's logs;
 * one crash after a long run is restarted at once. A restart that fails
 * (launch.c: made in a child) counts as a quick stop, and is tried again.
 */
#define LAUNCH_RESTART_QUICK_MS 60000
#define LAUNCH_RESTART_MAX_MS 60000
unsigned launch_restart_wait_ms(unsigned *quick, long lived_ms);
/* Present, it makes the next restart fail (a test image's self-test only; consumed). */
#define LAUNCH_FAIL_NEXT_RESTART "/var/run/launch-fail-next-restart"

/*
 * A xenstore transaction on a connection to xenstored's socket, its
 * writes sent at once, and the removals that undo a create that failed
 * (launch-xs.c). xs_wire.h's values; launch.c checks them against the
 * header.
 */
#define LAUNCH_XS_TRANSACTION_START 6
#define LAUNCH_XS_TRANSACTION_END 7
#define LAUNCH_XS_WRITE 11
#define LAUNCH_XS_RM 13
#define LAUNCH_XS_SET_PERMS 14
#define LAUNCH_XS_ERROR 16
#define LAUNCH_XS_PAYLOAD_MAX 4096 /* XENSTORE_PAYLOAD_MAX */
#define LAUNCH_XS_PATH_MAX 3072    /* XENSTORE_ABS_PATH_MAX */

struct launch_xs {
	int fd;
	uint32_t tx;  /* the transaction's id */
	uint8_t *buf; /* the requests not yet sent */
	size_t len, cap;
	uint32_t n;                          /* how many */
	int err;                             /* the first failure, -errno, or 0 */
	char failed[LAUNCH_XS_PATH_MAX + 1]; /* the path it was for */
};

/*
 * A connection to xenstored's socket at `path`: the fd, or -errno. A
 * reply not whole in `wait_ms`, or a batch of requests not all taken in
 * as long, however slowly the bytes trickle (the socket's receive and
 * send timeouts, which launch-xs.c reads back as each reply's and each
 * batch's deadline), fails the call that waits with -ETIMEDOUT: a
 * xenstored that hangs, or stops reading while launch sends, stops
 * launch, where it would wait for ever. So does the connection itself
 * (-ETIMEDOUT), if xenstored has not taken it in as long (a xenstored
 * that no longer accepts).
 */
int launch_xs_connect(const char *path, unsigned wait_ms);

/*
 * Starts a transaction on fd (a connected socket; x zeroed before the
 * first use, and launch_xs_free after the last): 0 or -errno.
 */
int launch_xs_start(struct launch_xs *x, int fd);

/*
 * Queue a write of `value` to `path`; and `path`'s permissions: OWNER's,
 * and READER (if not 0) may read it.
 */
void launch_xs_write(struct launch_xs *x, const char *path, const char *value);
void launch_xs_perms(struct launch_xs *x, const char *path, unsigned owner, unsigned reader);

/*
 * Sends what is queued and reads every reply: 0, or the first failure
 * (-errno: xenstored's refusal, or the connection lost), also in x->err
 * with its request's path in x->failed. A request too long for the wire
 * (-E2BIG) or memory (-ENOMEM) fails at queueing, and nothing is sent.
 */
int launch_xs_flush(struct launch_xs *x);

/*
 * Removes each of the `n` paths and everything under it (XS_RM, outside
 * any transaction) on fd, a connection of launch_xs_connect's: the
 * requests sent at once and every reply read, so that a xenstored that
 * does not answer costs the connection's timeout once, not once for
 * each. Each path's result in err[i]: 0 (a path not there is gone
 * already), xenstored's refusal (-errno), or, for each path not
 * answered, the connection's failure (-ETIMEDOUT for no answer in time,
 * -EPIPE or -ECONNRESET for xenstored gone). Returns the first of them,
 * or 0 if every path is gone. x as for launch_xs_start (its transaction,
 * if any, over).
 */
int launch_xs_rm(struct launch_xs *x, int fd, const char *const *paths, int n, int *err);

/*
 * Commits (or aborts) the transaction: 0, -EAGAIN if another changed what
 * it read (xenstored's EAGAIN: try it again), or -errno (-ETIMEDOUT for
 * xenstored not answering, or not taking the request, in time).
 */
int launch_xs_end(struct launch_xs *x, bool commit);

void launch_xs_free(struct launch_xs *x);

#endif
