/*
 * The rest of plat/plat.h on Linux: logs to stderr, panic by abort(), the
 * configuration from an appliance.conf file, getrandom(), malloc statistics.
 */
#include "host.h"

#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "plat/conf.h"
#include "plat/plat.h"

/* The largest appliance.conf read: far above any real one. */
#define SYS_CONF_MAX 65536

static struct conf sys_conf;
static size_t sys_heap_peak;

void plat_log(const char *module, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", module, line);
}

void plat_panic(const char *fmt, ...)
{
	va_list ap;

	fputs("panic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- configuration ---- */

int host_config_load(const char *path)
{
	static char text[SYS_CONF_MAX];
	struct conf_error err;
	size_t len;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	len = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (len == sizeof(text)) {
		fprintf(stderr, "%s: larger than %d bytes\n", path, SYS_CONF_MAX - 1);
		return -EFBIG;
	}
	if (conf_parse(&sys_conf, text, len, &err) < 0) {
		fprintf(stderr, "%s:%u: %s\n", path, err.line, err.reason);
		return -EINVAL;
	}
	return 0;
}

int plat_config_get(const char *key, char *buf, size_t size)
{
	const char *v = conf_get(&sys_conf, key);

	/* Every value was checked when the file was read (host_config_load). */
	if (!conf_key_known(key))
		return -EINVAL;
	if (v == NULL)
		return -ENOENT;
	if (strlen(v) >= size)
		return -ENOSPC;
	strcpy(buf, v);
	return 0;
}

/* ---- randomness: the kernel's generator is always seeded once booted ---- */

int plat_random(void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom((char *)buf + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			plat_panic("host: getrandom: %s", strerror(errno));
		done += (size_t)n;
	}
	return 0;
}

/* The kernel's generator is always seeded; --no-seed plays the guest without dom0's seed. */
bool host_no_seed;

bool plat_random_seeded(void)
{
	return !host_no_seed;
}

/* ---- memory ---- */

void plat_mem_stats(struct plat_mem_stats *st)
{
	struct mallinfo2 mi = mallinfo2();
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	st->heap_size = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
	st->heap_used = mi.uordblks + mi.hblkhd;
	if (st->heap_used > sys_heap_peak)
		sys_heap_peak = st->heap_used;
	st->heap_peak = sys_heap_peak;
	st->stack_size = st->stack_peak = 0;
	st->heap_refused = 0;
}
