/*
 * storectl: the store's host tool. It builds the seed image of the STORE
 * partition, and lets a person (and the tests) look inside one.
 *
 *   storectl init IMAGE SIZE          format a store image (SIZE: 64M, 1G...)
 *   storectl import IMAGE DIR [-m MSG] commit DIR as the tree of main
 *   storectl editor IMAGE DIR [-m MSG] commit DIR as the tree of
 *                                     refs/appliance/editor (edit/ is served at /edit/)
 *   storectl import-pack IMAGE PACK [REF OID]  add a pack, optionally move REF
 *   storectl export IMAGE GITDIR      write a git repository (pack + idx, refs)
 *   storectl pack IMAGE WANT... [--not HAVE...]  a pack of what WANTs reach and
 *                                     HAVEs do not (ids or refs), to stdout
 *   storectl fsck IMAGE               check everything; exit 1 on a problem
 *   storectl log IMAGE [REF]          history, newest first
 *   storectl cat IMAGE REF PATH       a file's content
 *   storectl refs IMAGE               every ref
 *   storectl compact IMAGE            rewrite the live objects
 *   storectl stats IMAGE [LOOKUPS]    objects, index bytes, open and lookup times
 *   storectl secret IMAGE PATH FILE   FILE at PATH (tls/..., dns/tsig.keys) in
 *                                     refs/appliance/secrets
 *   storectl passwd IMAGE [FILE | -]  set the push password (git/auth.h): FILE's
 *                                     first line, stdin's with -, or a random
 *                                     one, printed once on stdout
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "plat/host/host.h"
#include "plat/plat.h"
#include "pack.h"
#include "store.h"
#include "storectl.h"

static int usage(void)
{
	fprintf(
	    stderr,
	    "usage: storectl init IMAGE SIZE | import IMAGE DIR [-m MSG] | editor IMAGE DIR [-m "
	    "MSG] |\n"
	    "  import-pack IMAGE PACK [REF OID] | export IMAGE GITDIR | fsck IMAGE |\n"
	    "  pack IMAGE WANT... [--not HAVE...] |\n"
	    "  log IMAGE [REF] | cat IMAGE REF PATH | refs IMAGE | compact IMAGE |\n"
	    "  stats IMAGE [LOOKUPS] | secret IMAGE tls/cert.pem|tls/key.pem|dns/tsig.keys FILE |\n"
	    "  passwd IMAGE [FILE | -]\n");
	return 2;
}

int ctl_fail(const char *what, int r)
{
	fprintf(stderr, "storectl: %s: %s\n", what, store_strerror(r));
	return 1;
}

/*
 * What git/auth.c asks of the platform (plat/plat.h), for a host tool:
 * the kernel's random bytes, the clocks, logs on stderr.
 */
int plat_random(void *buf, size_t len)
{
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -EIO;
}

uint64_t plat_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void plat_wallclock(struct plat_wallclock *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	t->sec = ts.tv_sec;
	t->nsec = (uint32_t)ts.tv_nsec;
}

void plat_log(const char *module, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "storectl: %s: ", module);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

double ctl_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The image, locked: a running host twin's image is refused, not written under. */
static int open_image(const char *path)
{
	int r = host_blk_open(path, false);

	if (r == -EBUSY)
		fprintf(stderr,
		        "storectl: %s: in use by another process (a running host twin?); stop it "
		        "first\n",
		        path);
	else if (r < 0)
		fprintf(stderr, "storectl: %s: %s\n", path, strerror(-r));
	return r;
}

int ctl_open(const char *image, bool full, struct store **st)
{
	int r;

	if (open_image(image) < 0)
		return -1;
	if ((r = store_open(st, full))) {
		ctl_fail("open", r);
		return -1;
	}
	return 0;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'G':
		v <<= 10; /* fall through */
	case 'M':
		v <<= 10; /* fall through */
	case 'K':
		v <<= 10;
	}
	return v;
}

static int cmd_init(int argc, char **argv)
{
	uint64_t size;
	int r;

	if (argc != 4 || !(size = parse_size(argv[3])))
		return usage();
	if ((r = host_blk_create(argv[2], size)))
		return ctl_fail(r == -EBUSY ? "image in use by another process" : argv[2], r);
	if ((r = store_init(size)))
		return ctl_fail("init", r);
	return 0;
}

static void print_problem(void *ctx, const char *msg)
{
	(void)ctx;
	printf("fsck: %s\n", msg);
}

static int cmd_fsck(int argc, char **argv)
{
	struct store *st;
	struct store_stats s;
	int n;

	if (argc != 3)
		return usage();
	if (ctl_open(argv[2], true, &st))
		return 1;
	n = store_fsck(st, print_problem, NULL);
	store_stats(st, &s);
	printf("fsck: %u objects, %d problems\n", s.objects, n);
	store_close(st);
	return n ? 1 : 0;
}

static int print_commit(void *ctx, const struct store_oid *oid, const struct store_commit *c)
{
	char hex[STORE_OID_HEX];
	const char *nl = memchr(c->msg, '\n', c->msg_len);

	(void)ctx;
	store_oid_hex(oid, hex);
	printf("%s %.*s\n", hex, (int)(nl ? (size_t)(nl - c->msg) : c->msg_len), c->msg);
	return 0;
}

static int cmd_log(int argc, char **argv)
{
	struct store *st;
	int r;

	if (argc < 3 || argc > 4)
		return usage();
	if (ctl_open(argv[2], false, &st))
		return 1;
	r = store_history_walk(st, argc == 4 ? argv[3] : "HEAD", 1000000, print_commit, NULL);
	store_close(st);
	return r ? ctl_fail("log", r) : 0;
}

static int cmd_cat(int argc, char **argv)
{
	struct store *st;
	uint8_t *data;
	size_t len;
	int r;

	if (argc != 5)
		return usage();
	if (ctl_open(argv[2], false, &st))
		return 1;
	r = store_read_path(st, argv[3], argv[4], &data, &len, NULL, NULL);
	if (!r) {
		fwrite(data, 1, len, stdout);
		free(data);
	}
	store_close(st);
	return r ? ctl_fail(argv[4], r) : 0;
}

static int print_ref(void *ctx, const char *name, const struct store_oid *oid)
{
	char hex[STORE_OID_HEX];

	(void)ctx;
	store_oid_hex(oid, hex);
	printf("%s %s\n", hex, name);
	return 0;
}

static int cmd_refs(int argc, char **argv)
{
	struct store *st;

	if (argc != 3)
		return usage();
	if (ctl_open(argv[2], false, &st))
		return 1;
	store_refs_each(st, print_ref, NULL);
	store_close(st);
	return 0;
}

static int cmd_compact(int argc, char **argv)
{
	struct store *st;
	int r;

	if (argc != 3)
		return usage();
	if (ctl_open(argv[2], false, &st))
		return 1;
	r = store_compact(st);
	store_close(st);
	return r ? ctl_fail("compact", r) : 0;
}

static int cmd_stats(int argc, char **argv)
{
	struct store *st;
	struct store_stats s;
	double t0 = ctl_now(), t1, t2;
	long lookups = argc == 4 ? atol(argv[3]) : 0, found = 0;

	if (argc < 3 || argc > 4)
		return usage();
	if (ctl_open(argv[2], false, &st))
		return 1;
	t1 = ctl_now();
	store_stats(st, &s);
	srand(1);
	for (long i = 0; i < lookups && s.objects; i++) {
		struct store_oid oid;
		uint8_t *data;
		size_t len;
		int type;
		ctl_nth_oid(st, (uint32_t)rand() % s.objects, &oid);
		if (!store_get(st, &oid, &type, &data, &len)) {
			found++;
			free(data);
		}
	}
	t2 = ctl_now();
	printf("objects %u\nindex_bytes %llu\nbytes_per_object %.1f\nlog_used %llu\nlog_size %llu\n"
	       "dev_size %llu\nopen_ms %.1f\n",
	       s.objects, (unsigned long long)s.index_bytes,
	       s.objects ? (double)s.index_bytes / s.objects : 0.0, (unsigned long long)s.log_used,
	       (unsigned long long)s.log_size, (unsigned long long)s.dev_size, (t1 - t0) * 1e3);
	if (lookups)
		printf("lookups %ld found %ld avg_read_us %.1f\n", lookups, found,
		       (t2 - t1) * 1e6 / (double)lookups);
	store_close(st);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"init", cmd_init},       {"import", ctl_import},
	    {"editor", ctl_import},   {"import-pack", ctl_import_pack},
	    {"pack", ctl_pack},       {"export", ctl_export},
	    {"fsck", cmd_fsck},       {"log", cmd_log},
	    {"cat", cmd_cat},         {"refs", cmd_refs},
	    {"compact", cmd_compact}, {"stats", cmd_stats},
	    {"secret", ctl_secret},   {"passwd", ctl_passwd},
	};

	if (argc < 2)
		return usage();
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc, argv);
	return usage();
}
