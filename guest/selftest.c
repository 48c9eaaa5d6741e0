/*
 * The QEMU tests' guest-side hooks (see selftest.h).
 */
#include "selftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat/plat.h"

#define SELFTEST_MAGIC "appliance blk selftest"

struct selftest_hdr {
	char magic[24];
	uint32_t generation;
};

/* The pattern of a generation: xorshift32 bytes after the header. */
static void selftest_fill(uint8_t *buf, size_t len, uint32_t generation)
{
	struct selftest_hdr hdr = { .generation = generation };
	uint32_t x = 0x9e3779b9u ^ generation;
	size_t i;

	memcpy(hdr.magic, SELFTEST_MAGIC, sizeof(SELFTEST_MAGIC));
	for (i = sizeof(hdr); i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
	memcpy(buf, &hdr, sizeof(hdr));
}

/* The generation found on disk and whether its pattern is intact. */
static uint32_t selftest_check(const uint8_t *disk, uint8_t *expect, size_t len)
{
	struct selftest_hdr hdr;

	memcpy(&hdr, disk, sizeof(hdr));
	if (memcmp(hdr.magic, SELFTEST_MAGIC, sizeof(SELFTEST_MAGIC)) != 0) {
		printf("guest: selftest blk: no earlier pattern\n");
		return 0;
	}
	selftest_fill(expect, len, hdr.generation);
	if (memcmp(disk, expect, len) == 0)
		printf("guest: selftest blk: pattern generation %u read back intact\n",
		       (unsigned int)hdr.generation);
	else
		printf("guest: selftest blk: pattern generation %u CORRUPT\n",
		       (unsigned int)hdr.generation);
	return hdr.generation;
}

static int selftest_blk_io(uint8_t *disk, uint8_t *pattern, uint64_t first,
			   uint32_t count, uint32_t generation)
{
	uint64_t t0, t1, t2;
	int err;

	selftest_fill(pattern, SELFTEST_BLK_BYTES, generation);
	t0 = plat_now_ns();
	if ((err = plat_blk_write(first, pattern, count)) < 0 ||
	    (err = plat_blk_flush()) < 0)
		return err;
	t1 = plat_now_ns();
	if ((err = plat_blk_read(first, disk, count)) < 0)
		return err;
	t2 = plat_now_ns();
	if (memcmp(disk, pattern, SELFTEST_BLK_BYTES) != 0) {
		printf("guest: selftest blk: read-back after write differs\n");
		return -1;
	}
	printf("guest: selftest blk: pattern generation %u written and flushed "
	       "(%u KiB: write+flush %llu us, read %llu us)\n",
	       (unsigned int)generation, SELFTEST_BLK_BYTES / 1024,
	       (unsigned long long)(t1 - t0) / 1000, (unsigned long long)(t2 - t1) / 1000);
	return 0;
}

static void selftest_blk(void)
{
	struct plat_blk_info info;
	uint8_t *disk = malloc(SELFTEST_BLK_BYTES), *pattern = malloc(SELFTEST_BLK_BYTES);
	uint32_t count, generation;
	uint64_t first;
	int err = plat_blk_info(&info);

	if (err < 0 || disk == NULL || pattern == NULL) {
		printf("guest: selftest blk: FAILED: no device or memory (%d)\n", err);
		goto out;
	}
	count = SELFTEST_BLK_BYTES / info.sector_size;
	first = info.sectors - count;
	if ((err = plat_blk_read(first, disk, count)) < 0) {
		printf("guest: selftest blk: FAILED: read (%d)\n", err);
		goto out;
	}
	generation = selftest_check(disk, pattern, SELFTEST_BLK_BYTES);
	err = selftest_blk_io(disk, pattern, first, count, generation + 1);
	if (err < 0)
		printf("guest: selftest blk: FAILED: write (%d)\n", err);
out:
	free(disk);
	free(pattern);
}

/* Deep enough that the backtrace has frames to show. */
static void __attribute__((noinline)) selftest_crash_now(volatile uint32_t *bad)
{
	printf("guest: selftest crash: writing to %p\n", (void *)bad);
	fflush(stdout);
	*bad = 0xdead;
}

/* Unmapped: the first MiB of the address space is no RAM of ours. */
static volatile uintptr_t selftest_bad_address = 0x10;

static void __attribute__((noinline)) selftest_crash(void)
{
	selftest_crash_now((volatile uint32_t *)selftest_bad_address);
	printf("guest: selftest crash: FAILED: the write did not fault\n");
}

void selftest_run(void)
{
	char mode[32];

	if (plat_config_get("selftest", mode, sizeof(mode)) < 0)
		return;
	if (strcmp(mode, "blk") == 0)
		selftest_blk();
	else if (strcmp(mode, "crash") == 0)
		selftest_crash();
}
