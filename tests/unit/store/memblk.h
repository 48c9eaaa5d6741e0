/*
 * A block device in memory for the store's tests, implementing plat_blk_*,
 * with a power-cut model: writes since the last flush are volatile, and a
 * crash keeps each of them whole, drops it, or tears it (a prefix of its
 * sectors), chosen by a seeded generator.
 *
 * Crash testing without replay: a hook runs at every write (after the write
 * is queued). Inside it memblk_crash_begin() swaps in the image a power cut
 * at that instant would leave, so the test can open a second store on it;
 * memblk_crash_end() swaps the running device back, untouched.
 */
#ifndef MEMBLK_H
#define MEMBLK_H

#include <stddef.h>
#include <stdint.h>

#define MEMBLK_SECTOR 512

void memblk_create(size_t size);
void memblk_free(void);
uint8_t *memblk_data(void);
long memblk_writes(void);
long memblk_flushes(void);
long memblk_reads(void);

void memblk_set_hook(void (*fn)(long write));
/*
 * The n-th write from now (1 = the next one) fails with `err` and writes
 * nothing; n = 0 cancels. Likewise the n-th flush, which leaves what was
 * written volatile.
 */
void memblk_fail_write(long n, int err);
void memblk_fail_flush(long n, int err);
/* The n-th read from now fails with `err` and reads nothing; n = 0 cancels. */
void memblk_fail_read(long n, int err);
/* The same, and every read after it too (a device whose reads fail from then on). */
void memblk_fail_reads(long n, int err);
void memblk_crash_begin(uint32_t seed);
void memblk_crash_end(void);

#endif
