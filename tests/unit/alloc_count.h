/*
 * Counting allocations in a unit test (include it once, link with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc): `allocations` goes up
 * by one for each call, so a test can show a path allocates nothing;
 * while `alloc_fail` is set, each of them fails (and is counted), so a
 * test can take a path with no heap.
 */
#ifndef TESTS_UNIT_ALLOC_COUNT_H
#define TESTS_UNIT_ALLOC_COUNT_H

#include <stdbool.h>
#include <stddef.h>

static unsigned allocations;
static bool alloc_fail;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	allocations++;
	return alloc_fail ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	allocations++;
	return alloc_fail ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	allocations++;
	return alloc_fail ? NULL : __real_realloc(p, n);
}

#endif
