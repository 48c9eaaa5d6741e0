/* The in-memory block device of memblk.h. */
#include "memblk.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../../plat/plat.h"

struct pending {
	uint64_t sector;
	uint32_t count;
	uint8_t *data;
};

struct dev {
	uint8_t *disk; /* durable content */
	size_t size;
	struct pending *pend; /* written, not yet flushed */
	size_t npend;
	size_t cap;
};

static struct dev running, crashed, *cur = &running;
static long writes, flushes, reads;
static void (*hook)(long);
static uint32_t rng;
/* Injected errors: the write, flush or read with this number fails (0: none). */
static long fail_write_at, fail_flush_at, fail_read_at;
static bool fail_reads_on; /* and every read after that one (memblk_fail_reads) */
static int fail_err;

static uint32_t next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void dev_free(struct dev *d)
{
	for (size_t i = 0; i < d->npend; i++)
		free(d->pend[i].data);
	free(d->pend);
	free(d->disk);
	memset(d, 0, sizeof(*d));
}

void memblk_create(size_t size)
{
	memblk_free();
	running.disk = calloc(1, size);
	running.size = size;
}

void memblk_free(void)
{
	dev_free(&running);
	dev_free(&crashed);
	cur = &running;
	writes = flushes = reads = 0;
	hook = NULL;
	fail_write_at = fail_flush_at = fail_read_at = 0;
	fail_reads_on = false;
}

uint8_t *memblk_data(void)
{
	return cur->disk;
}

long memblk_writes(void)
{
	return writes;
}

long memblk_flushes(void)
{
	return flushes;
}

long memblk_reads(void)
{
	return reads;
}

void memblk_set_hook(void (*fn)(long write))
{
	hook = fn;
}

void memblk_fail_write(long n, int err)
{
	fail_write_at = n ? writes + n : 0;
	fail_err = err;
}

void memblk_fail_flush(long n, int err)
{
	fail_flush_at = n ? flushes + n : 0;
	fail_err = err;
}

void memblk_fail_read(long n, int err)
{
	fail_read_at = n ? reads + n : 0;
	fail_reads_on = false;
	fail_err = err;
}

void memblk_fail_reads(long n, int err)
{
	memblk_fail_read(n, err);
	fail_reads_on = n != 0;
}

static void apply(struct dev *d, const struct pending *p, uint32_t count)
{
	memcpy(d->disk + p->sector * MEMBLK_SECTOR, p->data, (size_t)count * MEMBLK_SECTOR);
}

/* A torn write: each of its sectors reached the medium or not, in any combination. */
static void apply_torn(struct dev *d, const struct pending *p)
{
	for (uint32_t i = 0; i < p->count; i++)
		if (next_rand() & 1)
			memcpy(d->disk + (p->sector + i) * MEMBLK_SECTOR,
			       p->data + (size_t)i * MEMBLK_SECTOR, MEMBLK_SECTOR);
}

void memblk_crash_begin(uint32_t seed)
{
	rng = seed;
	crashed.size = running.size;
	crashed.disk = malloc(running.size);
	memcpy(crashed.disk, running.disk, running.size);
	/* Each volatile write: kept, lost or torn, whatever the order. */
	for (size_t i = 0; i < running.npend; i++) {
		uint32_t fate = next_rand() % 3;
		if (fate == 0)
			apply(&crashed, &running.pend[i], running.pend[i].count);
		else if (fate == 2)
			apply_torn(&crashed, &running.pend[i]);
	}
	cur = &crashed;
}

void memblk_crash_end(void)
{
	dev_free(&crashed);
	cur = &running;
}

int plat_blk_info(struct plat_blk_info *info)
{
	if (!cur->disk)
		return -ENODEV;
	info->sectors = cur->size / MEMBLK_SECTOR;
	info->sector_size = MEMBLK_SECTOR;
	info->read_only = 0;
	info->flush = 1;
	return 0;
}

static int in_range(uint64_t sector, uint32_t count)
{
	return sector <= cur->size / MEMBLK_SECTOR && count <= cur->size / MEMBLK_SECTOR - sector;
}

int plat_blk_read(uint64_t sector, void *buf, uint32_t count)
{
	if (!in_range(sector, count))
		return -EINVAL;
	if (cur == &running && (++reads == fail_read_at || (fail_reads_on && reads > fail_read_at)))
		return fail_err;
	memcpy(buf, cur->disk + sector * MEMBLK_SECTOR, (size_t)count * MEMBLK_SECTOR);
	/* Reads see volatile writes, as a disk's cache serves them. */
	for (size_t i = 0; i < cur->npend; i++) {
		const struct pending *p = &cur->pend[i];
		uint64_t lo = p->sector > sector ? p->sector : sector;
		uint64_t hi =
		    p->sector + p->count < sector + count ? p->sector + p->count : sector + count;
		if (lo < hi)
			memcpy((uint8_t *)buf + (lo - sector) * MEMBLK_SECTOR,
			       p->data + (lo - p->sector) * MEMBLK_SECTOR,
			       (hi - lo) * MEMBLK_SECTOR);
	}
	return 0;
}

int plat_blk_write(uint64_t sector, const void *buf, uint32_t count)
{
	struct dev *d = cur;

	if (!in_range(sector, count))
		return -EINVAL;
	if (d == &running && fail_write_at && writes + 1 == fail_write_at) {
		/* A failed write: counted, nothing queued, the caller told. */
		writes++;
		fail_write_at = 0;
		return fail_err;
	}
	if (d->npend == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->pend = realloc(d->pend, sizeof(*d->pend) * d->cap);
	}
	d->pend[d->npend].sector = sector;
	d->pend[d->npend].count = count;
	d->pend[d->npend].data = malloc((size_t)count * MEMBLK_SECTOR);
	memcpy(d->pend[d->npend++].data, buf, (size_t)count * MEMBLK_SECTOR);
	if (d == &running) {
		writes++;
		if (hook)
			hook(writes);
	}
	return 0;
}

int plat_blk_flush(void)
{
	if (cur == &running && ++flushes == fail_flush_at) {
		/* A failed flush: what was written stays volatile. */
		fail_flush_at = 0;
		return fail_err;
	}
	for (size_t i = 0; i < cur->npend; i++) {
		apply(cur, &cur->pend[i], cur->pend[i].count);
		free(cur->pend[i].data);
	}
	cur->npend = 0;
	return 0;
}
