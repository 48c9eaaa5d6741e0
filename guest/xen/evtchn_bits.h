/*
 * The bookkeeping of 2-level event channels (public/xen.h, "Event channel
 * endpoints"), pure so that it builds for the host tests.
 *
 * Xen sets a port's bit in evtchn_pending[], then its word's bit in the
 * vCPU's evtchn_pending_sel, then evtchn_upcall_pending. The guest takes
 * the selector, and for every selected word the bits that are pending and
 * not masked; it clears each pending bit it takes (so Xen can raise it
 * again) and leaves masked ones pending. xen_ulong_t is 64 bits on Arm
 * (public/arch-arm.h); on a little-endian guest bit n of a 64-bit word is
 * bit n % 32 of 32-bit half n / 32, which lets us use 32-bit atomics.
 */
#ifndef GUEST_XEN_EVTCHN_BITS_H
#define GUEST_XEN_EVTCHN_BITS_H

#include <stdint.h>

#define EVTCHN_WORD_BITS 64
#define EVTCHN_NR_PORTS (EVTCHN_WORD_BITS * EVTCHN_WORD_BITS)

/*
 * Move every port that is pending and unmasked in the words named by
 * `sel` from `pending` into `fired` (both bitmaps of EVTCHN_NR_PORTS bits
 * as 32-bit words). Returns the number of ports moved.
 */
static inline unsigned int evtchn_scan(uint64_t sel, uint32_t *pending, const uint32_t *mask,
                                       uint32_t *fired)
{
	unsigned int moved = 0, w;

	while (sel != 0) {
		unsigned int word = (unsigned int)__builtin_ctzll(sel);

		sel &= sel - 1;
		for (w = 2 * word; w < 2 * word + 2; w++) {
			uint32_t take = __atomic_load_n(&pending[w], __ATOMIC_ACQUIRE) &
			                ~__atomic_load_n(&mask[w], __ATOMIC_RELAXED);

			if (take == 0)
				continue;
			take &= __atomic_fetch_and(&pending[w], ~take, __ATOMIC_ACQ_REL);
			__atomic_fetch_or(&fired[w], take, __ATOMIC_RELEASE);
			moved += (unsigned int)__builtin_popcount(take);
		}
	}
	return moved;
}

/* Test and clear one port's bit in a bitmap of 32-bit words. */
static inline int evtchn_bit_take(uint32_t *bits, uint32_t port)
{
	uint32_t bit = 1u << (port % 32);

	return (__atomic_fetch_and(&bits[port / 32], ~bit, __ATOMIC_ACQ_REL) & bit) != 0;
}

static inline int evtchn_bit_test(const uint32_t *bits, uint32_t port)
{
	return (__atomic_load_n(&bits[port / 32], __ATOMIC_ACQUIRE) >> (port % 32)) & 1;
}

#endif
