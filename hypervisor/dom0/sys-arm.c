/*
 * sys.h for dom0: freestanding, on Linux's ARM EABI system calls (number in
 * r7, arguments in r0-r5, result or -errno in r0). dom0's initramfs has an
 * armhf C library, but this machine has none to build against, and these
 * programs need only a handful of calls.
 */
#include <stdint.h>

#include "sys.h"

#define NR_exit_group 248
#define NR_read 3
#define NR_write 4
#define NR_open 5
#define NR_close 6
#define NR_ioctl 54
#define NR_readlink 85
#define NR_socket 281
#define NR_connect 283
#define NR_statx 397
#define NR_clock_gettime 263
#define NR_rt_sigaction 174
#define SIGPIPE 13
#define SIG_IGN 1
#define CLOCK_MONOTONIC 1

#define O_RDWR 2
#define O_CLOEXEC 02000000
#define AF_UNIX 1
#define AF_INET 2
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_CLOEXEC O_CLOEXEC

/* <linux/sockios.h> */
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define SIOCGIFINDEX 0x8933
#define SIOCBRADDIF 0x89a2
#define SIOCBRDELIF 0x89a3
#define IFF_UP 0x1
#define IFNAMSIZ 16

/* <linux/if.h>: struct ifreq, 32 bytes on arm32. */
struct ifreq {
	char name[IFNAMSIZ];
	union {
		int16_t flags;
		int32_t ifindex;
		char pad[16];
	} u;
};

struct sockaddr_un {
	uint16_t family;
	char path[108];
};

/* <linux/stat.h>: the fields of struct statx this file reads. */
#define AT_FDCWD (-100)
#define STATX_TYPE 0x1
#define S_IFMT 0170000
#define S_IFBLK 0060000
struct statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad0;
	uint64_t ino, size, blocks, attributes_mask;
	uint8_t times[4][16];
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};

static char **environ_;

static long sys6(long nr, long a, long b, long c, long d, long e)
{
	register long r7 __asm__("r7") = nr;
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	register long r3 __asm__("r3") = d;
	register long r4 __asm__("r4") = e;

	__asm__ volatile("svc #0"
	                 : "+r"(r0)
	                 : "r"(r7), "r"(r1), "r"(r2), "r"(r3), "r"(r4)
	                 : "memory");
	return r0;
}

/* What GCC may call for a structure's copy or clearing. */
void *memset(void *dst, int c, size_t n);
void *memset(void *dst, int c, size_t n)
{
	volatile unsigned char *d = dst; /* volatile: not turned into memset */

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n);
void *memcpy(void *dst, const void *src, size_t n)
{
	volatile unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

/* libgcc's division by zero calls raise(); there is no C library to. */
int raise(int sig);
int raise(int sig)
{
	sys_exit(128 + sig);
}

const char *sys_getenv(const char *name)
{
	char **e;
	size_t i;

	for (e = environ_; e && *e; e++) {
		for (i = 0; name[i] && (*e)[i] == name[i]; i++)
			;
		if (!name[i] && (*e)[i] == '=')
			return *e + i + 1;
	}
	return NULL;
}

long sys_read(int fd, void *buf, size_t n)
{
	return sys6(NR_read, fd, (long)buf, (long)n, 0, 0);
}

long sys_write(int fd, const void *buf, size_t n)
{
	return sys6(NR_write, fd, (long)buf, (long)n, 0, 0);
}

int sys_open(const char *path, int rw)
{
	return (int)sys6(NR_open, (long)path, (rw ? O_RDWR : 0) | O_CLOEXEC, 0, 0, 0);
}

int sys_close(int fd)
{
	return (int)sys6(NR_close, fd, 0, 0, 0, 0);
}

int sys_unix_connect(const char *path)
{
	struct sockaddr_un sa = {.family = AF_UNIX};
	size_t i;
	long fd, rc;

	for (i = 0; path[i]; i++) {
		if (i + 1 >= sizeof(sa.path))
			return -ENAMETOOLONG;
		sa.path[i] = path[i];
	}
	fd = sys6(NR_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return (int)fd;
	rc = sys6(NR_connect, fd, (long)&sa, (long)sizeof(sa), 0, 0);
	if (rc < 0) {
		sys_close((int)fd);
		return (int)rc;
	}
	return (int)fd;
}

long sys_readlink(const char *path, char *buf, size_t n)
{
	return sys6(NR_readlink, (long)path, (long)buf, (long)n, 0, 0);
}

int sys_blockdev(const char *path, unsigned *major, unsigned *minor)
{
	struct statx st;
	long rc = sys6(NR_statx, AT_FDCWD, (long)path, 0, STATX_TYPE, (long)&st);

	if (rc < 0)
		return (int)rc;
	if ((st.mode & S_IFMT) != S_IFBLK)
		return -ENOTBLK;
	*major = st.rdev_major;
	*minor = st.rdev_minor;
	return 0;
}

static int netif_ioctl(unsigned cmd, struct ifreq *ifr)
{
	long fd = sys6(NR_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, 0, 0);
	long rc;

	if (fd < 0)
		return (int)fd;
	rc = sys6(NR_ioctl, fd, cmd, (long)ifr, 0, 0);
	sys_close((int)fd);
	return (int)rc;
}

int sys_netif(enum sys_netif_op op, const char *ifname, int arg)
{
	struct ifreq ifr = {{0}, {0}};
	size_t i;
	int rc;

	for (i = 0; ifname[i]; i++) {
		if (i + 1 >= IFNAMSIZ)
			return -ENAMETOOLONG;
		ifr.name[i] = ifname[i];
	}
	switch (op) {
	case SYS_NETIF_INDEX:
		rc = netif_ioctl(SIOCGIFINDEX, &ifr);
		return rc < 0 ? rc : ifr.u.ifindex;
	case SYS_NETIF_UP:
	case SYS_NETIF_DOWN:
		rc = netif_ioctl(SIOCGIFFLAGS, &ifr);
		if (rc < 0)
			return rc;
		ifr.u.flags =
		    (int16_t)(op == SYS_NETIF_UP ? ifr.u.flags | IFF_UP : ifr.u.flags & ~IFF_UP);
		return netif_ioctl(SIOCSIFFLAGS, &ifr);
	case SYS_NETIF_BR_ADD:
	case SYS_NETIF_BR_DEL:
		ifr.u.ifindex = arg;
		return netif_ioctl(op == SYS_NETIF_BR_ADD ? SIOCBRADDIF : SIOCBRDELIF, &ifr);
	}
	return -EINVAL;
}

void sys_ignore_sigpipe(void)
{
	/* The kernel's struct sigaction on arm32; a 64-bit signal mask. */
	struct {
		unsigned long handler, flags, restorer;
		uint32_t mask[2];
	} sa = {SIG_IGN, 0, 0, {0, 0}};

	sys6(NR_rt_sigaction, SIGPIPE, (long)&sa, 0, sizeof(sa.mask), 0);
}

int sys_monotonic_ns(int64_t *ns)
{
	struct {
		int32_t sec, nsec;
	} ts;
	long rc = sys6(NR_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0);

	if (rc < 0)
		return (int)rc;
	*ns = (int64_t)ts.sec * 1000000000 + ts.nsec;
	return 0;
}

void sys_exit(int code)
{
	for (;;)
		sys6(NR_exit_group, code, 0, 0, 0, 0);
}

/*
 * The kernel enters with sp at argc, then argv[] and its NULL, then the
 * environment and its NULL.
 */
void dom0_start(long *sp) __attribute__((noreturn, used));
void dom0_start(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);

	environ_ = argv + argc + 1;
	sys_exit(dom0_main(argc, argv));
}

__asm__(".globl _start\n"
        "_start:\n"
        "\tmov r0, sp\n"
        "\tbl dom0_start\n");
