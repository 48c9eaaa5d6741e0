/*
 * lwIP's compiler and platform glue (see lwIP's doc/sys_arch.txt and
 * src/include/lwip/arch.h): diagnostics and assertions go to the platform
 * console, random numbers come from the platform's generator.
 */
#ifndef NET_ARCH_CC_H
#define NET_ARCH_CC_H

#include <stdint.h>
/*
 * The C library's byte-order macros first (glibc and newlib both define
 * BYTE_ORDER there), so lwIP's arch.h does not define different ones.
 */
#include <sys/types.h>

void net_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint32_t net_rand(void);
void plat_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define LWIP_PLATFORM_DIAG(x)                                                                      \
	do {                                                                                       \
		net_diag x;                                                                        \
	} while (0)
/* An lwIP invariant broke: stop loudly, like any other assertion here. */
#define LWIP_PLATFORM_ASSERT(x)                                                                    \
	plat_panic("lwip: assertion \"%s\" failed at %s:%d", x, __FILE__, __LINE__)
#define LWIP_RAND() net_rand()

#endif
