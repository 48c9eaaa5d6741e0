/*
 * plat/shutdown.c: hooks run newest first, a pending hook holds the next
 * until it is done or its grace time passes, a second request changes
 * nothing, and the table's limit holds (N+1 refused).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* The module itself, so each test can start from an empty table. */
#include "plat/shutdown.c"
#include "../fake_log.h"

/* ---- the platform under the hooks, faked ---- */

static uint64_t now;
static struct plat_timer *armed;
static jmp_buf exited;
static int exit_count;
static enum plat_shutdown exit_why;

uint64_t plat_now_ns(void)
{
	return now;
}

void plat_timer_arm(struct plat_timer *t, uint64_t deadline_ns, plat_fn fn, void *arg)
{
	t->deadline_ns = deadline_ns;
	t->fn = fn;
	t->arg = arg;
	t->armed = true;
	armed = t;
}

void plat_timer_cancel(struct plat_timer *t)
{
	t->armed = false;
	if (armed == t)
		armed = NULL;
}

void plat_exit(enum plat_shutdown why)
{
	exit_count++;
	exit_why = why;
	longjmp(exited, 1);
}

/* ---- hooks that record their order ---- */

static char order[16];
static int pending_from = -1; /* this hook answers PENDING */

static int hook(void *arg, enum plat_shutdown why)
{
	int id = (int)(intptr_t)arg;
	size_t n = strlen(order);

	(void)why;
	order[n] = (char)('0' + id);
	order[n + 1] = '\0';
	return id == pending_from ? PLAT_SHUTDOWN_PENDING : 0;
}

/* Fire the armed timer as the loop would once its deadline passed. */
static void fire(void)
{
	struct plat_timer *t = armed;

	assert_non_null(t);
	now = t->deadline_ns;
	plat_timer_cancel(t);
	t->fn(t->arg);
}

static int reset(void **state)
{
	(void)state;
	shutdown_n = 0;
	shutdown_started = false;
	armed = NULL;
	exit_count = 0;
	order[0] = unit_log[0] = '\0';
	pending_from = -1;
	memset(&shutdown_grace, 0, sizeof(shutdown_grace));
	return 0;
}

static void test_reverse_order_and_pending(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(plat_on_shutdown("hook", hook, (void *)(intptr_t)i), 0);
	pending_from = 1;
	if (setjmp(exited) == 0) {
		plat_shutdown(PLAT_SHUTDOWN_REBOOT);
		/* 2 ran, 1 is pending: 0 waits. */
		assert_string_equal(order, "21");
		assert_int_equal(exit_count, 0);
		assert_non_null(armed);
		/* A second request changes nothing. */
		plat_shutdown(PLAT_SHUTDOWN_POWEROFF);
		assert_string_equal(order, "21");
		plat_shutdown_done();
		fail_msg("plat_exit was not called after the last hook");
	}
	assert_string_equal(order, "210");
	assert_int_equal(exit_count, 1);
	assert_int_equal(exit_why, PLAT_SHUTDOWN_REBOOT);
}

/* A pending hook that never finishes holds the others for the grace time only. */
static void test_grace_time(void **state)
{
	(void)state;
	assert_int_equal(plat_on_shutdown("store", hook, (void *)(intptr_t)0), 0);
	assert_int_equal(plat_on_shutdown("http", hook, (void *)(intptr_t)1), 0);
	pending_from = 1;
	if (setjmp(exited) == 0) {
		plat_shutdown(PLAT_SHUTDOWN_POWEROFF);
		assert_string_equal(order, "1");
		assert_int_equal(armed->deadline_ns, now + PLAT_SHUTDOWN_GRACE_NS);
		fire();
		fail_msg("plat_exit was not called after the grace time");
	}
	assert_string_equal(order, "10");
	assert_non_null(strstr(unit_log, "http did not finish in 10 s"));
	assert_int_equal(exit_why, PLAT_SHUTDOWN_POWEROFF);
}

static void test_limit(void **state)
{
	(void)state;
	for (int i = 0; i < PLAT_MAX_SHUTDOWN; i++)
		assert_int_equal(plat_on_shutdown("hook", hook, (void *)(intptr_t)i), 0);
	assert_int_equal(plat_on_shutdown("one more", hook, NULL), -ENOSPC);
	if (setjmp(exited) == 0)
		plat_shutdown(PLAT_SHUTDOWN_POWEROFF);
	assert_string_equal(order, "76543210");
	assert_int_equal(exit_count, 1);
}

static void test_no_hooks(void **state)
{
	(void)state;
	if (setjmp(exited) == 0)
		plat_shutdown(PLAT_SHUTDOWN_POWEROFF);
	assert_int_equal(exit_count, 1);
	/* done() with nothing pending does nothing. */
	plat_shutdown_done();
	assert_int_equal(exit_count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_reverse_order_and_pending, reset),
	    cmocka_unit_test_setup(test_grace_time, reset),
	    cmocka_unit_test_setup(test_limit, reset),
	    cmocka_unit_test_setup(test_no_hooks, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
