/*
 * The platform interface: everything a service (net/, tls/, dns/, store/)
 * may ask of the machine it runs on. guest/ implements it for Xen (PV
 * console, xenstore, netfront, blkfront, the virtual timer); plat/host/
 * implements it for a Linux process (stdout, a config file, TAP, a file as
 * the block device). No service includes a Xen or Linux header.
 *
 * One event loop, one thread: every callback below runs from plat_run()'s
 * loop, never from an interrupt, so services need no locks. Functions
 * return 0 or a negative errno unless stated otherwise.
 */
#ifndef PLAT_PLAT_H
#define PLAT_PLAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- time and timers ---- */

/* Monotonic nanoseconds since an arbitrary start; never goes backwards. */
uint64_t plat_now_ns(void);

/*
 * The wall clock: time since 1970-01-01 00:00 UTC, as the machine knows it
 * (Xen's shared_info wall clock in the guest, which dom0 keeps from the
 * board's clock; the system clock on the host). It can step: measure
 * durations with plat_now_ns(). TLS validity, HTTP Date, DNS TSIG and
 * commit times use it; the guest's time() and gettimeofday() return it.
 */
struct plat_wallclock {
	int64_t sec;
	uint32_t nsec;
};
void plat_wallclock(struct plat_wallclock *t);

typedef void (*plat_fn)(void *arg);

/* A one-shot timer owned by the caller; zero-initialise before first use. */
struct plat_timer {
	uint64_t deadline_ns;
	plat_fn fn;
	void *arg;
	struct plat_timer *next; /* private to the platform */
	bool armed;              /* whether it will fire; set by the platform only */
};

/* (Re)arm `t` to call fn(arg) once at or after `deadline_ns` (plat_now_ns). */
void plat_timer_arm(struct plat_timer *t, uint64_t deadline_ns, plat_fn fn, void *arg);
/* Disarm `t`; harmless if it is not armed. */
void plat_timer_cancel(struct plat_timer *t);

/* ---- the event loop ---- */

/*
 * Run the loop until plat_stop(): dispatch device events and due timers,
 * call the idle hooks, and block (no spinning) until the next event or
 * timer deadline.
 */
void plat_run(void);
/*
 * One turn of the loop that never blocks: dispatch what has arrived, run
 * due timers and call the poll hooks. app_start() takes one between two
 * services, so a frame that came in is answered by the services already
 * up, not held until the last has started.
 */
void plat_run_once(void);
/* Make plat_run() return after the current dispatch. */
void plat_stop(void);

/*
 * Called once per loop iteration after events were dispatched (lwIP's
 * sys_check_timeouts, for example). At most PLAT_MAX_POLL hooks. The loop
 * never wakes just for a hook: a hook with work due later arms a timer.
 */
#define PLAT_MAX_POLL 8
int plat_poll_register(plat_fn fn, void *arg);

/* ---- console and logs ---- */

/* One line to the console, prefixed "<module>: ". Never fails visibly. */
void plat_log(const char *module, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print a fatal message and stop the machine (the guest is restarted by dom0). */
void plat_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---- configuration ---- */

/*
 * The value of `key` from the appliance configuration (appliance.conf,
 * handed to the guest by dom0 through xenstore `appliance/<key>`), as a
 * NUL-terminated string, checked with conf_check_value() (plat/conf.h).
 * -ENOENT if unset, -ENOSPC if `size` is too small, -EINVAL for a key
 * appliance.conf does not know or a value that fails its check (logged:
 * the caller falls back to its default, so the console says why).
 */
int plat_config_get(const char *key, char *buf, size_t size);

/* ---- randomness ---- */

/*
 * Fill `buf` with bytes from the platform's seeded generator. -EAGAIN if
 * the platform was never seeded (no seed from dom0): TLS must not start.
 */
int plat_random(void *buf, size_t len);
bool plat_random_seeded(void);

/* ---- shutdown ---- */

enum plat_shutdown {
	PLAT_SHUTDOWN_POWEROFF,
	PLAT_SHUTDOWN_REBOOT,
};

/*
 * Shutdown hooks (plat/shutdown.c, the same on every platform). When the
 * machine is asked to stop (xl shutdown / xl reboot in the guest, SIGTERM
 * or SIGINT on the host) the hooks run from the loop in reverse order of
 * registration, so each service closes after the ones that depend on it;
 * then plat_exit(). A hook returns 0 when its service is closed, or
 * PLAT_SHUTDOWN_PENDING and calls plat_shutdown_done() once it is (HTTP
 * letting in-flight responses finish); the next hook runs then, or after
 * PLAT_SHUTDOWN_GRACE_NS at the latest. At most PLAT_MAX_SHUTDOWN hooks;
 * `name` (static) is logged if a hook is late.
 */
#define PLAT_MAX_SHUTDOWN 8
#define PLAT_SHUTDOWN_PENDING 1
#define PLAT_SHUTDOWN_GRACE_NS (10ull * 1000000000u)
typedef int (*plat_shutdown_fn)(void *arg, enum plat_shutdown why);
int plat_on_shutdown(const char *name, plat_shutdown_fn fn, void *arg);
void plat_shutdown_done(void);
/* The platform's entry: start the hooks (a second request is ignored). */
void plat_shutdown(enum plat_shutdown why);
/* True once plat_shutdown() was called: no service may start after it. */
bool plat_shutdown_started(void);
/* Stop the machine now (the platform's own, after the hooks). */
void plat_exit(enum plat_shutdown why) __attribute__((noreturn));

/* ---- block device (the STORE partition) ---- */

struct plat_blk_info {
	uint64_t sectors;     /* device size in sectors */
	uint32_t sector_size; /* bytes, from the backend (512 or 4096) */
	bool read_only;
	bool flush; /* the backend honours flush/barrier */
};

/* The store device; -ENODEV if the machine has none. */
int plat_blk_info(struct plat_blk_info *info);

/*
 * Synchronous sector I/O: returns when the data is in `buf` (read) or was
 * accepted by the device (write). `buf` needs no particular alignment.
 * -EIO if the device reported an error, -EINVAL if out of range.
 *
 * The loop waits meanwhile, so the time of a call is the caller's to
 * bound: the store never moves more than 64 KiB in one call, and does the
 * work of a push piece by piece as it arrives (store_import_write). In
 * QEMU a 10 MiB push stalls the loop for at most ~30 ms at a time
 * (tests/qemu/store-stall.sh, make bench); a stuck backend is cut off by
 * blkfront's deadline.
 */
int plat_blk_read(uint64_t sector, void *buf, uint32_t count);
int plat_blk_write(uint64_t sector, const void *buf, uint32_t count);
/* Returns when every write accepted before it is on stable storage. */
int plat_blk_flush(void);

/* ---- network interface (one Ethernet device) ---- */

struct plat_net_info {
	uint8_t mac[6];
	uint16_t mtu; /* payload bytes, without the 14-byte Ethernet header */
};

int plat_net_info(struct plat_net_info *info);

/*
 * Called from the loop for every received Ethernet frame. The frame is only
 * valid during the call: copy what is kept.
 */
void plat_net_on_rx(void (*fn)(void *arg, const void *frame, size_t len), void *arg);

/*
 * Send one Ethernet frame made of `n` pieces (lwIP pbuf chains map onto
 * this). -EAGAIN when the device queue is full: the frame was not taken,
 * and the tx-space callback runs once the device can take frames again.
 */
struct plat_iov {
	const void *base;
	size_t len;
};
int plat_net_send(const struct plat_iov *iov, int n);

/*
 * `fn(arg)` runs from the loop after a plat_net_send() returned -EAGAIN,
 * once the device has room again (netfront: sent frames came back), so
 * what was refused goes out then, not after a TCP retransmission timeout.
 */
void plat_net_on_tx_space(plat_fn fn, void *arg);

/*
 * `fn(arg, up)` runs from the loop when the device loses its link (netfront:
 * dom0 detached the backend) and when it has one again (a backend, perhaps
 * a new one, connected: plat_net_info then gives the MAC, normally the
 * same). Sends fail with -ENODEV while the link is down. The host's TAP
 * device never loses it.
 */
void plat_net_on_link(void (*fn)(void *arg, bool up), void *arg);

/* ---- memory statistics ---- */

struct plat_mem_stats {
	size_t heap_size;      /* bytes the heap may grow to */
	size_t heap_used;      /* bytes in use now */
	size_t heap_peak;      /* high-water mark */
	uint64_t heap_refused; /* allocations refused for a full heap since boot (0: the twin) */
	/* The main stack: its size and high-water mark (0 and 0 where unknown: the twin). */
	size_t stack_size, stack_peak;
};
void plat_mem_stats(struct plat_mem_stats *st);

#endif
