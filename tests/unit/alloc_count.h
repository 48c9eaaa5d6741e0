/*
 * Counting allocations in a unit test (include it once, link with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc): `allocations` goes up
 * by one for each call, so a test can show a path allocates nothing;
 * while `alloc_fail` is set, each of them fails (and is counted), so a
 * test can take a path with no heap; while `alloc_fail_max` is not 0,
 * those of `alloc_fail_min` to `alloc_fail_max` bytes fail, so a test can
 * take away one allocation it knows by its size; while `alloc_fail_nth`
 * is not 0, the call that takes `allocations` to it fails, so a test can
 * fail each allocation of a path in turn.
 */
#ifndef TESTS_UNIT_ALLOC_COUNT_H
#define TESTS_UNIT_ALLOC_COUNT_H

#include <stdbool.h>
#include <stddef.h>

static unsigned allocations;
static bool alloc_fail;
static size_t alloc_fail_min, alloc_fail_max;
static unsigned alloc_fail_nth;

static bool alloc_fails(size_t n)
{
	return alloc_fail || (alloc_fail_max && n >= alloc_fail_min && n <= alloc_fail_max) ||
	       (alloc_fail_nth && allocations == alloc_fail_nth);
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	allocations++;
	return alloc_fails(n) ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	allocations++;
	return alloc_fails(n * size) ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	allocations++;
	return alloc_fails(n) ? NULL : __real_realloc(p, n);
}

#endif
