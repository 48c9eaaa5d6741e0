/*
 * The block device of plat/plat.h over a file, for the host tool and
 * tests only (the guest has blkfront). With STORE_BLK_CUT_AFTER=N in the
 * environment, the device "loses power" at the N-th write: that write and
 * every later one fail with -EIO and nothing more reaches the file.
 */
#define _GNU_SOURCE
#include "host_blk.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../plat/plat.h"

#define SECTOR 512

static int fd = -1;
static uint64_t size;
static long cut_after = -1;
static long writes;

int host_blk_open(int file_fd)
{
	struct stat s;
	const char *cut = getenv("STORE_BLK_CUT_AFTER");

	if (fstat(file_fd, &s))
		return -errno;
	fd = file_fd;
	size = (uint64_t)s.st_size / SECTOR * SECTOR;
	cut_after = cut ? atol(cut) : -1;
	writes = 0;
	return 0;
}

int plat_blk_info(struct plat_blk_info *info)
{
	if (fd < 0)
		return -ENODEV;
	info->sectors = size / SECTOR;
	info->sector_size = SECTOR;
	info->read_only = false;
	info->flush = true;
	return 0;
}

static int range_ok(uint64_t sector, uint32_t count)
{
	return sector <= size / SECTOR && count <= size / SECTOR - sector;
}

int plat_blk_read(uint64_t sector, void *buf, uint32_t count)
{
	size_t len = (size_t)count * SECTOR;

	if (!range_ok(sector, count))
		return -EINVAL;
	return pread(fd, buf, len, (off_t)(sector * SECTOR)) == (ssize_t)len ? 0 : -EIO;
}

int plat_blk_write(uint64_t sector, const void *buf, uint32_t count)
{
	size_t len = (size_t)count * SECTOR;

	if (!range_ok(sector, count))
		return -EINVAL;
	if (cut_after >= 0 && ++writes > cut_after)
		return -EIO;
	return pwrite(fd, buf, len, (off_t)(sector * SECTOR)) == (ssize_t)len ? 0 : -EIO;
}

int plat_blk_flush(void)
{
	if (cut_after >= 0 && writes >= cut_after)
		return -EIO;
	return fdatasync(fd) ? -EIO : 0;
}
