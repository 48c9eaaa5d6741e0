/*
 * plat_blk_* over a file on the host: the twin's --disk and storectl's
 * image. 512-byte sectors, pread/pwrite, fdatasync for the flush the store
 * relies on.
 *
 * The image is locked for as long as the process holds it (flock:
 * exclusive, shared when read-only), so a second process -- storectl run
 * against the image of a running twin -- is refused with -EBUSY instead of
 * writing under it.
 *
 * Fault injection for tests: with HOST_BLK_CUT_AFTER=N in the environment,
 * the device "loses power" at the N-th write: that write and every later
 * write and flush fail with -EIO, and nothing more reaches the file.
 */
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plat/plat.h"

#define BLK_SECTOR 512

static int blk_fd = -1;
static uint64_t blk_sectors;
static bool blk_ro;
static long blk_cut_after = -1;
static long blk_writes;

static int blk_fail(int fd, int err)
{
	close(fd);
	return err;
}

/* Lock, size and adopt an open image. */
static int blk_adopt(int fd, bool read_only)
{
	const char *cut = getenv("HOST_BLK_CUT_AFTER");
	struct stat st;

	if (flock(fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
		return blk_fail(fd, errno == EWOULDBLOCK ? -EBUSY : -errno);
	if (fstat(fd, &st) < 0)
		return blk_fail(fd, -errno);
	if (!S_ISREG(st.st_mode))
		return blk_fail(fd, -EINVAL);
	if (blk_fd >= 0)
		close(blk_fd);
	blk_fd = fd;
	blk_sectors = (uint64_t)st.st_size / BLK_SECTOR;
	blk_ro = read_only;
	blk_cut_after = cut ? atol(cut) : -1;
	blk_writes = 0;
	return 0;
}

int host_blk_open(const char *path, bool read_only)
{
	int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);

	return fd < 0 ? -errno : blk_adopt(fd, read_only);
}

int host_blk_create(const char *path, uint64_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), r;

	if (fd < 0)
		return -errno;
	/* Locked before it is resized: a running twin's image is never cut short. */
	if ((r = blk_adopt(fd, false)))
		return r;
	if (ftruncate(fd, (off_t)size) < 0)
		return -errno;
	blk_sectors = size / BLK_SECTOR;
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
	if (rc == 0 && blk_cut_after >= 0 && ++blk_writes > blk_cut_after)
		rc = -EIO;
	return rc < 0 ? rc : blk_io(true, sector, (void *)buf, count);
}

int plat_blk_flush(void)
{
	if (blk_fd < 0)
		return -ENODEV;
	if (blk_cut_after >= 0 && blk_writes >= blk_cut_after)
		return -EIO;
	return fdatasync(blk_fd) < 0 ? -EIO : 0;
}
