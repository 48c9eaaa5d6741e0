/* test_xenstore.c's arch.h: the clock is the test's, a panic aborts. */
#ifndef XS_STUB_ARCH_H
#define XS_STUB_ARCH_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
uint64_t timer_ns(void);
static inline void arch_panic(const char *msg)
{
	fprintf(stderr, "panic: %s\n", msg);
	abort();
}
#endif
