/*
 * Git's delta encoding (gitformat-pack(5), "Deltified representation"):
 * two varint sizes, then copy instructions (offset/size from the base) and
 * insert instructions (literal bytes).
 */
#ifndef STORE_DELTA_H
#define STORE_DELTA_H

#include <stddef.h>
#include <stdint.h>

/*
 * The result size a delta announces, after checking that it expects a base
 * of `base_len` bytes. -EINVAL if the header is malformed or disagrees.
 */
int store_delta_sizes(const uint8_t *delta, size_t len, size_t *base_len, size_t *out_len);

/*
 * Apply `delta` to `base` into `out` (exactly `out_len` bytes, from
 * store_delta_sizes). -EINVAL on a copy outside the base, an instruction
 * past the end, the reserved opcode 0 or a result of the wrong size.
 */
int store_delta_apply(const uint8_t *base, size_t base_len, const uint8_t *delta, size_t len,
                      uint8_t *out, size_t out_len);

/*
 * Make a delta from `base` to `target` into a malloc'd buffer. -ENOSPC if
 * it would not be smaller than `max_len` (then store the object whole).
 */
int store_delta_create(const uint8_t *base, size_t base_len, const uint8_t *target,
                       size_t target_len, size_t max_len, uint8_t **out, size_t *out_len);

#endif
