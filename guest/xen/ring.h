/*
 * Index arithmetic of Xen's byte rings (console: public/io/console.h,
 * xenstore: public/io/xs_wire.h). Producer and consumer indexes are free
 * running 32-bit counters; the ring size is a power of two, so an index
 * maps to a slot by masking and `prod - cons` is the fill level even after
 * the counters wrap. Pure functions: they build for the host too.
 */
#ifndef GUEST_XEN_RING_H
#define GUEST_XEN_RING_H

#include <stdint.h>

/* Bytes waiting in the ring, or `size + 1` if the indexes are corrupt. */
static inline uint32_t ring_used(uint32_t prod, uint32_t cons, uint32_t size)
{
	uint32_t used = prod - cons;

	return used > size ? size + 1 : used;
}

/* Free bytes, 0 if the indexes are corrupt (so nothing is written). */
static inline uint32_t ring_free(uint32_t prod, uint32_t cons, uint32_t size)
{
	uint32_t used = ring_used(prod, cons, size);

	return used > size ? 0 : size - used;
}

/* The slot of a free-running index. */
static inline uint32_t ring_slot(uint32_t idx, uint32_t size)
{
	return idx & (size - 1);
}

#endif
