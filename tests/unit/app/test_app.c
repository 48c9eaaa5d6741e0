/*
 * app/app.c: the services start in their order, one turn of the loop
 * between two once the network is up, a service that fails does not stop
 * the others, and a shutdown asked for in one of those turns stops the
 * starting: what has started stops (plat/shutdown.c, the real one), what
 * has not is not started.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* The modules themselves, so each test starts from no hooks. */
#include "app/app.c"
#include "plat/shutdown.c"
#include "../fake_log.h"

/*
 * What happened, in order: a capital letter for a service's start (S
 * store, N net, D DNS, T TLS, H HTTP), a small one for its stop, '.' for a
 * turn of the loop, 'X' for plat_exit.
 */
static char trace[64];
static int start_rc[26];      /* by start letter - 'A' */
static unsigned start_ms[26]; /* how long each start takes, by start letter - 'A' */
static uint64_t now_ns;       /* the fake clock: each turn of the loop takes 1 ms */
static int shutdown_at;       /* in this turn (1 = the first), 0: never */
static int turns;
static int stop_rc; /* what every stop hook returns */
static jmp_buf exited;

static void note(char c)
{
	size_t n = strlen(trace);

	assert_true(n + 1 < sizeof(trace));
	trace[n] = c;
	trace[n + 1] = '\0';
}

static int start(char c)
{
	note(c);
	now_ns += start_ms[c - 'A'] * 1000000ull;
	return start_rc[c - 'A'];
}

static int stop(char c)
{
	note(c);
	return stop_rc;
}

/* ---- the services, faked ---- */

int store_service_start(void)
{
	return start('S');
}

int store_service_stop(void *arg, enum plat_shutdown why)
{
	(void)arg, (void)why;
	return stop('s');
}

int net_start(void)
{
	return start('N');
}

int dns_service_start(void)
{
	return start('D');
}

int dns_service_stop(void *arg, enum plat_shutdown why)
{
	(void)arg, (void)why;
	return stop('d');
}

int tls_start(void)
{
	return start('T');
}

int http_start(void)
{
	return start('H');
}

int http_stop(void *arg, enum plat_shutdown why)
{
	(void)arg, (void)why;
	return stop('h');
}

/* ---- the platform, faked ---- */

void plat_run_once(void)
{
	note('.');
	now_ns += 1000000;
	if (++turns == shutdown_at)
		plat_shutdown(PLAT_SHUTDOWN_POWEROFF);
}

uint64_t plat_now_ns(void)
{
	return now_ns;
}

void plat_timer_arm(struct plat_timer *t, uint64_t deadline_ns, plat_fn fn, void *arg)
{
	t->deadline_ns = deadline_ns;
	t->fn = fn;
	t->arg = arg;
	t->armed = true;
}

void plat_timer_cancel(struct plat_timer *t)
{
	t->armed = false;
}

void plat_exit(enum plat_shutdown why)
{
	(void)why;
	note('X');
	longjmp(exited, 1);
}

static int reset(void **state)
{
	(void)state;
	trace[0] = unit_log[0] = '\0';
	memset(start_rc, 0, sizeof(start_rc));
	memset(start_ms, 0, sizeof(start_ms));
	now_ns = 5000000000ull;
	shutdown_at = turns = stop_rc = 0;
	shutdown_n = 0;
	shutdown_started = false;
	memset(&shutdown_grace, 0, sizeof(shutdown_grace));
	return 0;
}

static void test_order_and_turns(void **state)
{
	(void)state;
	start_ms['S' - 'A'] = 21;
	start_ms['N' - 'A'] = 14;
	start_ms['T' - 'A'] = 4000000; /* over 32 bits of nanoseconds */
	assert_int_equal(app_start(), 5);
	/* No turn before the network is up, none after the last. */
	assert_string_equal(trace, "SN.D.T.H");
	/* Each start's time, and the turns' apart. */
	assert_string_equal(unit_log, "app: 5 of 5 services started in 4000038 ms "
	                              "(store 21, net 14, dns 0, tls 4000000, http 0 ms; "
	                              "turns of the loop 3 ms)");
	/* They stop in reverse: HTTP, DNS, the store (net and TLS have no hook). */
	if (setjmp(exited) == 0) {
		plat_shutdown(PLAT_SHUTDOWN_POWEROFF);
		fail_msg("plat_exit was not called");
	}
	assert_string_equal(trace, "SN.D.T.HhdsX");
}

static void test_failed_service(void **state)
{
	(void)state;
	start_rc['T' - 'A'] = -EAGAIN;
	assert_int_equal(app_start(), 4);
	assert_string_equal(trace, "SN.D.T.H");
	assert_string_equal(unit_log,
	                    "app: 4 of 5 services started in 3 ms (store 0, net 0, dns 0, tls 0, "
	                    "http 0 ms; turns of the loop 3 ms)");
	start_rc['D' - 'A'] = -EINVAL;
	trace[0] = '\0';
	shutdown_n = 0;
	assert_int_equal(app_start(), 3);
	assert_string_equal(trace, "SN.D.T.H");
	/* A failed service registered no hook: DNS does not stop. */
	if (setjmp(exited) == 0) {
		plat_shutdown(PLAT_SHUTDOWN_POWEROFF);
		fail_msg("plat_exit was not called");
	}
	assert_string_equal(trace, "SN.D.T.HhsX");
}

static void test_shutdown_while_starting(void **state)
{
	(void)state;
	/* In the turn after DNS; DNS's hook waits on the loop, as HTTP's can. */
	shutdown_at = 2;
	stop_rc = PLAT_SHUTDOWN_PENDING;
	assert_int_equal(app_start(), 3);
	assert_string_equal(trace, "SN.D.d");
	assert_string_equal(unit_log,
	                    "app: shutdown requested: tls and the 1 after it not started");
	/* The loop goes on; once DNS is done, the store stops, then the exit. */
	stop_rc = 0;
	if (setjmp(exited) == 0) {
		plat_shutdown_done();
		fail_msg("plat_exit was not called");
	}
	assert_string_equal(trace, "SN.D.dsX");
}

static void test_shutdown_in_first_turn(void **state)
{
	(void)state;
	/* The hooks finish at once: the machine stops inside the turn. */
	shutdown_at = 1;
	if (setjmp(exited) == 0) {
		app_start();
		fail_msg("plat_exit was not called");
	}
	assert_string_equal(trace, "SN.sX");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_order_and_turns, reset),
	    cmocka_unit_test_setup(test_failed_service, reset),
	    cmocka_unit_test_setup(test_shutdown_while_starting, reset),
	    cmocka_unit_test_setup(test_shutdown_in_first_turn, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
