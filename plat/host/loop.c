/*
 * The host event loop: epoll over the device descriptors and a signalfd,
 * with the earliest timer deadline as the epoll timeout. Timers are kept in
 * a list sorted by deadline; the loop is single-threaded, like the guest's.
 */
#include "host.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "plat/plat.h"

#define HOST_MAX_WATCH 8

struct host_watch {
	int fd;
	void (*fn)(void *arg);
	void *arg;
};

static int loop_epfd = -1;
static int loop_sigfd = -1;
static bool loop_stopping;
static struct plat_timer *loop_timers;
static struct host_watch loop_watch[HOST_MAX_WATCH];
static int loop_nwatch;
static struct {
	plat_fn fn;
	void *arg;
} loop_poll[PLAT_MAX_POLL];
static int loop_npoll;

/* What host_clock_start_at() adds to the monotonic clock (mod 2^64). */
static uint64_t loop_clock_shift;

static uint64_t loop_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t plat_now_ns(void)
{
	return loop_monotonic_ns() + loop_clock_shift;
}

void host_clock_start_at(uint64_t ns)
{
	loop_clock_shift = ns - loop_monotonic_ns();
}

void plat_wallclock(struct plat_wallclock *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	t->sec = ts.tv_sec;
	t->nsec = (uint32_t)ts.tv_nsec;
}

/* ---- timers ---- */

void plat_timer_cancel(struct plat_timer *t)
{
	struct plat_timer **pp;

	if (!t->armed)
		return;
	for (pp = &loop_timers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

void plat_timer_arm(struct plat_timer *t, uint64_t deadline_ns, plat_fn fn, void *arg)
{
	struct plat_timer **pp = &loop_timers;

	plat_timer_cancel(t);
	t->deadline_ns = deadline_ns;
	t->fn = fn;
	t->arg = arg;
	while (*pp != NULL && (*pp)->deadline_ns <= deadline_ns)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

/* Run every timer that is due; a callback may re-arm its own timer. */
static void loop_run_timers(void)
{
	uint64_t now = plat_now_ns();

	while (loop_timers != NULL && loop_timers->deadline_ns <= now) {
		struct plat_timer *t = loop_timers;

		plat_timer_cancel(t);
		t->fn(t->arg);
	}
}

/* Milliseconds epoll may sleep: until the first deadline, rounded up. */
static int loop_timeout_ms(void)
{
	uint64_t now = plat_now_ns(), wait;

	if (loop_timers == NULL)
		return -1;
	if (loop_timers->deadline_ns <= now)
		return 0;
	wait = (loop_timers->deadline_ns - now + 999999) / 1000000;
	return wait > 60000 ? 60000 : (int)wait;
}

/* ---- hooks and watches ---- */

int plat_poll_register(plat_fn fn, void *arg)
{
	if (loop_npoll == PLAT_MAX_POLL)
		return -ENOSPC;
	loop_poll[loop_npoll].fn = fn;
	loop_poll[loop_npoll].arg = arg;
	loop_npoll++;
	return 0;
}

int host_watch(int fd, void (*fn)(void *arg), void *arg)
{
	struct epoll_event ev = {.events = EPOLLIN};

	if (loop_nwatch == HOST_MAX_WATCH)
		return -ENOSPC;
	loop_watch[loop_nwatch] = (struct host_watch){fd, fn, arg};
	ev.data.ptr = &loop_watch[loop_nwatch];
	if (epoll_ctl(loop_epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	loop_nwatch++;
	return 0;
}

/* ---- shutdown ---- */

void plat_exit(enum plat_shutdown why)
{
	struct plat_mem_stats st;

	plat_mem_stats(&st);
	plat_log("host", "exit (%s), heap %zu bytes in use, peak %zu sampled",
	         why == PLAT_SHUTDOWN_REBOOT ? "reboot" : "poweroff", st.heap_used, st.heap_peak);
	/* The host twin has nothing to reboot into: a reboot exits 2 for a supervisor. */
	exit(why == PLAT_SHUTDOWN_REBOOT ? 2 : 0);
}

static void (*loop_usr1_fn)(void);

void host_on_usr1(void (*fn)(void))
{
	loop_usr1_fn = fn;
}

/* SIGTERM or SIGINT: the host's `xl shutdown`. SIGUSR1: main's test hook. */
static void loop_on_signal(void *arg)
{
	struct signalfd_siginfo si;

	(void)arg;
	if (read(loop_sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGUSR1) {
		if (loop_usr1_fn)
			loop_usr1_fn();
		return;
	}
	plat_log("host", "signal %u: shutting down", si.ssi_signo);
	plat_shutdown(PLAT_SHUTDOWN_POWEROFF);
}

int host_loop_init(void)
{
	sigset_t set;

	loop_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop_epfd < 0)
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	loop_sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (loop_sigfd < 0)
		return -errno;
	return host_watch(loop_sigfd, loop_on_signal, NULL);
}

/* ---- the loop ---- */

void plat_stop(void)
{
	loop_stopping = true;
}

static void loop_dispatch(const struct epoll_event *ev, int n)
{
	for (int i = 0; i < n; i++) {
		const struct host_watch *w = ev[i].data.ptr;

		w->fn(w->arg);
	}
}

/* One turn: wait up to TIMEOUT_MS (epoll_wait's) for events, dispatch them. */
static void loop_turn(int timeout_ms)
{
	struct epoll_event ev[HOST_MAX_WATCH];
	int n = epoll_wait(loop_epfd, ev, HOST_MAX_WATCH, timeout_ms);

	if (n < 0 && errno != EINTR)
		plat_panic("host: epoll_wait: %s", strerror(errno));
	if (n > 0)
		loop_dispatch(ev, n);
	loop_run_timers();
	for (int i = 0; i < loop_npoll; i++)
		loop_poll[i].fn(loop_poll[i].arg);
}

void plat_run_once(void)
{
	loop_turn(0);
}

void plat_run(void)
{
	loop_stopping = false;
	while (!loop_stopping)
		loop_turn(loop_timeout_ms());
}
