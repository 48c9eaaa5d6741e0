/*
 * plat_log() for a unit test, included by the test after <cmocka.h>: the
 * last line logged, "<module>: <text>", in unit_log, and how many lines
 * in unit_logs (a test resets both as it needs).
 */
#ifndef TESTS_UNIT_FAKE_LOG_H
#define TESTS_UNIT_FAKE_LOG_H

#include <stdarg.h>
#include <stdio.h>

static char unit_log[512];
static int unit_logs;

void plat_log(const char *module, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(unit_log, sizeof(unit_log), "%s: ", module);

	va_start(ap, fmt);
	vsnprintf(unit_log + n, sizeof(unit_log) - (size_t)n, fmt, ap);
	va_end(ap);
	unit_logs++;
}

#endif
