/*
 * plat_blk_* over a regular file (or a block device node) on the host:
 * 512-byte sectors, pread/pwrite, fdatasync for the flush the store relies on.
 */
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plat/plat.h"

#define BLK_SECTOR 512

static int blk_fd = -1;
static uint64_t blk_sectors;
static bool blk_ro;

int host_blk_open(const char *path, int read_only)
{
	struct stat st;

	blk_fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (blk_fd < 0)
		return -errno;
	if (fstat(blk_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(blk_fd);
		blk_fd = -1;
		return -EINVAL;
	}
	blk_sectors = (uint64_t)st.st_size / BLK_SECTOR;
	blk_ro = read_only;
	return 0;
}

int plat_blk_info(struct plat_blk_info *info)
{
	if (blk_fd < 0)
		return -ENODEV;
	info->sectors = blk_sectors;
	info->sector_size = BLK_SECTOR;
	info->read_only = blk_ro;
	info->flush = true;
	return 0;
}

static int blk_check(uint64_t sector, uint32_t count)
{
	if (blk_fd < 0)
		return -ENODEV;
	if (sector > blk_sectors || count > blk_sectors - sector)
		return -EINVAL;
	return 0;
}

/* pread/pwrite until done: a regular file may return short counts. */
static int blk_io(bool write, uint64_t sector, void *buf, uint32_t count)
{
	size_t done = 0, len = (size_t)count * BLK_SECTOR;
	off_t off = (off_t)(sector * BLK_SECTOR);

	while (done < len) {
		ssize_t n = write
		                ? pwrite(blk_fd, (char *)buf + done, len - done, off + (off_t)done)
		                : pread(blk_fd, (char *)buf + done, len - done, off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

int plat_blk_read(uint64_t sector, void *buf, uint32_t count)
{
	int rc = blk_check(sector, count);

	return rc < 0 ? rc : blk_io(false, sector, buf, count);
}

int plat_blk_write(uint64_t sector, const void *buf, uint32_t count)
{
	int rc = blk_check(sector, count);

	if (rc == 0 && blk_ro)
		rc = -EROFS;
	return rc < 0 ? rc : blk_io(true, sector, (void *)buf, count);
}

int plat_blk_flush(void)
{
	if (blk_fd < 0)
		return -ENODEV;
	return fdatasync(blk_fd) < 0 ? -EIO : 0;
}
