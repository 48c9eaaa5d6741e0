/*
 * The main stack's high-water mark: the stack (guest.ld, 64 KiB above its
 * guard page) is painted with a pattern at boot, and the deepest word
 * since then is the lowest one that no longer holds it. /metrics reports
 * it (plat_mem_stats), so a soak shows how much of the 64 KiB the deepest
 * path took, and how much is left.
 */
#include "stack.h"

#include <stdint.h>

extern uint32_t __stack_bottom[], __stack_top[];

#define STACK_PAINT 0x5ac4f00du
/* What stack_paint leaves alone below its own frame (its callers' are above). */
#define STACK_PAINT_SPARE 256u

void stack_paint(void)
{
	uint32_t *end = (uint32_t *)((uintptr_t)__builtin_frame_address(0) - STACK_PAINT_SPARE);

	for (volatile uint32_t *p = __stack_bottom; p < end; p++)
		*p = STACK_PAINT;
}

size_t stack_size(void)
{
	return (size_t)((uintptr_t)__stack_top - (uintptr_t)__stack_bottom);
}

size_t stack_peak(void)
{
	const volatile uint32_t *p = __stack_bottom;

	while (p < __stack_top && *p == STACK_PAINT)
		p++;
	return (size_t)((uintptr_t)__stack_top - (uintptr_t)p);
}
