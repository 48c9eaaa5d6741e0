/*
 * sys.h on the build machine, over its C library: how dom0's programs are
 * tested there (tests/host/hotplug.sh), with sanitizers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

static long neg(long rc)
{
	return rc < 0 ? -errno : rc;
}

const char *sys_getenv(const char *name)
{
	return getenv(name);
}

long sys_read(int fd, void *buf, size_t n)
{
	return neg(read(fd, buf, n));
}

long sys_write(int fd, const void *buf, size_t n)
{
	return neg(write(fd, buf, n));
}

int sys_open(const char *path, int rw)
{
	return (int)neg(open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC));
}

int sys_close(int fd)
{
	return (int)neg(close(fd));
}

int sys_unix_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

long sys_readlink(const char *path, char *buf, size_t n)
{
	return neg(readlink(path, buf, n));
}

int sys_blockdev(const char *path, unsigned *major, unsigned *minor)
{
	struct statx st;

	if (statx(AT_FDCWD, path, 0, STATX_TYPE, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.stx_mode))
		return -ENOTBLK;
	*major = st.stx_rdev_major;
	*minor = st.stx_rdev_minor;
	return 0;
}

static int netif_ioctl(unsigned long cmd, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -errno;
	rc = (int)neg(ioctl(fd, cmd, ifr));
	close(fd);
	return rc;
}

int sys_netif(enum sys_netif_op op, const char *ifname, int arg)
{
	struct ifreq ifr;
	int rc;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(ifname) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	strcpy(ifr.ifr_name, ifname);
	switch (op) {
	case SYS_NETIF_INDEX:
		rc = netif_ioctl(SIOCGIFINDEX, &ifr);
		return rc < 0 ? rc : ifr.ifr_ifindex;
	case SYS_NETIF_UP:
	case SYS_NETIF_DOWN:
		rc = netif_ioctl(SIOCGIFFLAGS, &ifr);
		if (rc < 0)
			return rc;
		if (op == SYS_NETIF_UP)
			ifr.ifr_flags |= IFF_UP;
		else
			ifr.ifr_flags &= ~IFF_UP;
		return netif_ioctl(SIOCSIFFLAGS, &ifr);
	case SYS_NETIF_BR_ADD:
	case SYS_NETIF_BR_DEL:
		ifr.ifr_ifindex = arg;
		return netif_ioctl(op == SYS_NETIF_BR_ADD ? SIOCBRADDIF : SIOCBRDELIF, &ifr);
	}
	return -EINVAL;
}

void sys_ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

int sys_monotonic_ns(int64_t *ns)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return -errno;
	*ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return 0;
}

void sys_exit(int code)
{
	exit(code);
}

int main(int argc, char **argv)
{
	return dom0_main(argc, argv);
}
