/*
 * newlib's system calls for a single-address-space guest. File descriptors
 * 0-2 are the console; there is no file system, no process but us.
 */
#include "libc/libc.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <unistd.h>

#include <public/sched.h>

#include "arch/arm32/arch.h"
#include "xen/console.h"
#include "xen/xen.h"
#include "plat/plat.h"

static uintptr_t heap_start, heap_end, heap_brk, heap_peak;
static uint64_t heap_refused;
static size_t heap_refused_largest;

void libc_heap_init(uintptr_t start, uintptr_t end)
{
	heap_start = heap_brk = heap_peak = start;
	heap_end = end > start ? end : start;
}

size_t libc_heap_size(void)
{
	return heap_end - heap_start;
}

size_t libc_heap_peak(void)
{
	return heap_peak - heap_start;
}

uint64_t libc_heap_refused(size_t *largest)
{
	*largest = heap_refused_largest;
	return heap_refused;
}

void *_sbrk(ptrdiff_t incr)
{
	uintptr_t old = heap_brk;

	if ((incr > 0 && (uintptr_t)incr > heap_end - heap_brk) ||
	    (incr < 0 && (uintptr_t)-incr > heap_brk - heap_start)) {
		/* Counted, not said: printf here could want the heap itself. */
		heap_refused++;
		if (incr > 0 && (size_t)incr > heap_refused_largest)
			heap_refused_largest = (size_t)incr;
		errno = ENOMEM;
		return (void *)-1;
	}
	heap_brk += incr;
	if (heap_brk > heap_peak)
		heap_peak = heap_brk;
	return (void *)old;
}

int _write(int fd, const void *buf, size_t len)
{
	if (fd != STDOUT_FILENO && fd != STDERR_FILENO) {
		errno = EBADF;
		return -1;
	}
	console_write(buf, len);
	return (int)len;
}

/* No console input yet: reading stdin is end of file. */
int _read(int fd, void *buf, size_t len)
{
	if (fd != STDIN_FILENO) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

int _close(int fd)
{
	if (fd < 0 || fd > STDERR_FILENO) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

int _fstat(int fd, struct stat *st)
{
	if (fd < 0 || fd > STDERR_FILENO) {
		errno = EBADF;
		return -1;
	}
	st->st_mode = S_IFCHR;
	st->st_blksize = 0;
	return 0;
}

/* The console is a terminal, so newlib line-buffers stdout. */
int _isatty(int fd)
{
	if (fd >= 0 && fd <= STDERR_FILENO)
		return 1;
	errno = EBADF;
	return 0;
}

off_t _lseek(int fd, off_t offset, int whence)
{
	errno = fd >= 0 && fd <= STDERR_FILENO ? ESPIPE : EBADF;
	return (off_t)-1;
}

int _getpid(void)
{
	return 1;
}

/* exit(0) powers the domain off; any other status is a crash. */
void _exit(int status)
{
	xen_shutdown(status == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}

/* abort() and raise() end here: there is no one else to signal. */
int _kill(int pid, int sig)
{
	if (pid != 1) {
		errno = ESRCH;
		return -1;
	}
	console_puts("guest: killed by a signal\n");
	xen_crash();
}

/* time() and gettimeofday(): the platform's wall clock. */
int _gettimeofday(struct timeval *tv, void *tz)
{
	struct plat_wallclock w;

	plat_wallclock(&w);
	if (tv != NULL) {
		tv->tv_sec = (time_t)w.sec;
		tv->tv_usec = (suseconds_t)(w.nsec / 1000u);
	}
	return 0;
}

clock_t _times(struct tms *buf)
{
	clock_t ticks = (clock_t)(timer_ns() / (1000000000u / CLOCKS_PER_SEC));

	if (buf != NULL) {
		buf->tms_utime = ticks;
		buf->tms_stime = 0;
		buf->tms_cutime = 0;
		buf->tms_cstime = 0;
	}
	return ticks;
}
