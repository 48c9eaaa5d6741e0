/*
 * What the files of the host platform share. The host platform implements
 * plat/plat.h for a Linux process: an epoll loop (loop.c), a TAP device
 * (tap.c), a regular file as the block device (blk.c), the configuration
 * file and the rest (sys.c); main.c wires them from the command line.
 */
#ifndef PLAT_HOST_HOST_H
#define PLAT_HOST_HOST_H

#include <stdbool.h>
#include <stdint.h>

/* Set up the loop (epoll, SIGTERM/SIGINT through a signalfd). */
int host_loop_init(void);
/* fn() from the loop on SIGUSR1 (main.c's --test-commit). */
void host_on_usr1(void (*fn)(void));
/* Call fn(arg) from the loop whenever `fd` is readable. */
int host_watch(int fd, void (*fn)(void *arg), void *arg);

/* Open TAP interface `name` (created if missing); the guest's MAC is `mac`. */
int host_tap_open(const char *name, const uint8_t mac[6]);
/*
 * Use the regular file `path` as the block device, locked against other
 * processes (-EBUSY if one holds it). host_blk_create makes (or resizes)
 * the file to `size` bytes first.
 */
int host_blk_open(const char *path, bool read_only);
int host_blk_create(const char *path, uint64_t size);
/* --no-seed (tests): plat_random_seeded() says no, as on a guest dom0 gave no seed. */
extern bool host_no_seed;

/*
 * --test-uptime (tests): plat_now_ns() says `ns` now and counts on from
 * there, as on a guest that has been up that long: lwIP's millisecond
 * clock (sys_now, 32 bits) wraps after 49.7 days of uptime.
 */
void host_clock_start_at(uint64_t ns);

/* Read and validate appliance.conf; prints FILE:LINE: reason on error. */
int host_config_load(const char *path);

#endif
