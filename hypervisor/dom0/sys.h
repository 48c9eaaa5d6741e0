/*
 * The few system services dom0's small C programs use, behind one boundary
 * so that the same program builds for dom0 (sys-arm.c: freestanding, Linux
 * EABI system calls, since there is no armhf C library here to link
 * against) and for the build machine (sys-host.c: the C library), where its
 * tests run (tests/host/hotplug.sh).
 *
 * Every function returns 0 or a count on success and a negative errno on
 * failure, never -1 with errno.
 */
#ifndef DOM0_SYS_H
#define DOM0_SYS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The errno values these programs meet: Linux's, the same on arm32 and on
 * the build host. The freestanding build has no <errno.h>; the host build
 * has included it already (sys-host.c), with the same values.
 */
#ifndef ENOENT
#define ENOENT 2
#define EIO 5
#define EAGAIN 11
#define EACCES 13
#define ENOTBLK 15
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define EPIPE 32
#define ENAMETOOLONG 36
#define EMSGSIZE 90
#define EOPNOTSUPP 95
#define ECONNREFUSED 111
#endif

/* The program's entry point, called with its arguments and environment. */
int dom0_main(int argc, char **argv);

/* The value of environment variable NAME, or NULL. */
const char *sys_getenv(const char *name);

long sys_read(int fd, void *buf, size_t n);
long sys_write(int fd, const void *buf, size_t n);
/* Opens PATH read-only, or read-write when RW is nonzero. */
int sys_open(const char *path, int rw);
int sys_close(int fd);
/* A stream socket connected to the Unix socket at PATH. */
int sys_unix_connect(const char *path);
/* Reads symbolic link PATH into BUF (not terminated): its length. */
long sys_readlink(const char *path, char *buf, size_t n);
/*
 * The major and minor number of the block device PATH names (following
 * symbolic links); -ENOTBLK if it is something else.
 */
int sys_blockdev(const char *path, unsigned *major, unsigned *minor);

/* What sys_netif does to the network interface it is given. */
enum sys_netif_op {
	SYS_NETIF_INDEX,  /* returns its interface index */
	SYS_NETIF_UP,     /* sets IFF_UP */
	SYS_NETIF_DOWN,   /* clears IFF_UP */
	SYS_NETIF_BR_ADD, /* makes interface ARG a port of this bridge */
	SYS_NETIF_BR_DEL, /* takes interface ARG off this bridge */
};
int sys_netif(enum sys_netif_op op, const char *ifname, int arg);

/* SIGPIPE ignored: a write to a closed socket fails with -EPIPE. */
void sys_ignore_sigpipe(void);

/* CLOCK_MONOTONIC in nanoseconds. */
int sys_monotonic_ns(int64_t *ns);

void sys_exit(int code) __attribute__((noreturn));

#endif
