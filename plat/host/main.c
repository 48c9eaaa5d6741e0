/*
 * The host twin: the appliance's services as a Linux process, over a TAP
 * device and a file as the block device, configured by an appliance.conf.
 *
 *   appliance --conf FILE [--tap NAME] [--mac MAC] [--disk FILE]
 *             [--test-commit FILE:PATH] [--no-seed] [--test-uptime SECONDS]
 *
 * --test-commit is for the tests alone: on SIGUSR1 the twin commits the
 * content of FILE at PATH on branch main of its own store, as a push
 * would, so a test can move main while the server runs (never a second
 * process on the image: the image is locked). --no-seed, for the tests
 * too, makes the twin behave as a guest whose dom0 handed it no entropy
 * seed: TLS must refuse to start. --test-uptime starts the twin's
 * monotonic clock at SECONDS (a whole number, at most 100 years' worth), as
 * if it had been up that long: the tests of lwIP's 32-bit millisecond
 * clock wrapping after 49.7 days.
 *
 * Creating a TAP device needs CAP_NET_ADMIN (root, or a network namespace
 * of one's own); tests/host/echo.sh shows the whole set-up.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "app/app.h"
#include "store/service.h"
#include "plat/plat.h"

struct host_args {
	const char *conf;
	const char *tap;
	const char *disk;
	const char *test_commit;
	uint8_t mac[6];
};

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: appliance --conf FILE [--tap NAME] [--mac 02:xx:xx:xx:xx:xx] [--disk FILE]\n");
	exit(2);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
	           &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	/* A unicast address (IEEE 802: the group bit of the first octet is clear). */
	return mac[0] & 1 ? -EINVAL : 0;
}

/* --test-uptime's SECONDS as nanoseconds; a clear stop if it is not that. */
static uint64_t parse_uptime(const char *s)
{
	const uint64_t max_s = 100ull * 366 * 24 * 3600;
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s < '0' || *s > '9' || v > max_s) {
		fprintf(stderr, "appliance: --test-uptime %s: not whole seconds up to 100 years\n",
		        s);
		exit(2);
	}
	return (uint64_t)v * 1000000000u;
}

static void parse_args(int argc, char **argv, struct host_args *a)
{
	static const struct option opts[] = {
	    {"conf", required_argument, NULL, 'c'},        {"tap", required_argument, NULL, 't'},
	    {"mac", required_argument, NULL, 'm'},         {"disk", required_argument, NULL, 'd'},
	    {"test-commit", required_argument, NULL, 'T'}, {"no-seed", no_argument, NULL, 'S'},
	    {"test-uptime", required_argument, NULL, 'U'}, {NULL, 0, NULL, 0},
	};
	int c;

	/* By default a random locally administered unicast MAC (02:...). */
	plat_random(a->mac, sizeof(a->mac));
	a->mac[0] = (uint8_t)((a->mac[0] & 0xfc) | 0x02);
	a->tap = "appliance0";
	while ((c = getopt_long(argc, argv, "c:t:m:d:", opts, NULL)) != -1) {
		if (c == 'c')
			a->conf = optarg;
		else if (c == 't')
			a->tap = optarg;
		else if (c == 'd')
			a->disk = optarg;
		else if (c == 'T' && strchr(optarg, ':'))
			a->test_commit = optarg;
		else if (c == 'S')
			host_no_seed = true;
		else if (c == 'U')
			host_clock_start_at(parse_uptime(optarg));
		else if (c != 'm' || parse_mac(optarg, a->mac) < 0)
			usage();
	}
	if (a->conf == NULL || optind != argc)
		usage();
}

/* The heap's high-water mark, sampled once a second (mallinfo2 has none). */
static void sample_heap(void *arg)
{
	static struct plat_timer t;
	struct plat_mem_stats st;

	(void)arg;
	plat_mem_stats(&st);
	plat_timer_arm(&t, plat_now_ns() + 1000000000u, sample_heap, NULL);
}

static const char *test_commit;

/* SIGUSR1 with --test-commit FILE:PATH: FILE's content at PATH on main. */
static void do_test_commit(void)
{
	const char *colon = strchr(test_commit, ':');
	char file[512], author[96];
	struct store_change ch = {.path = colon + 1, .mode = STORE_MODE_FILE};
	struct plat_wallclock w;
	struct store_oid oid;
	char hex[STORE_OID_HEX];
	FILE *f;
	long n;
	int r = -EIO;

	snprintf(file, sizeof(file), "%.*s", (int)(colon - test_commit), test_commit);
	if ((f = fopen(file, "rb")) && !fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 &&
	    !fseek(f, 0, SEEK_SET) && (ch.data = malloc((size_t)n + 1)) &&
	    fread((void *)ch.data, 1, (size_t)n, f) == (size_t)n) {
		ch.len = (size_t)n;
		plat_wallclock(&w);
		snprintf(author, sizeof(author), "Test <test@twin> %lld +0000", (long long)w.sec);
		r = store_service() ? store_commit_changes(store_service(), "refs/heads/main", &ch,
		                                           1, author, "test commit\n", &oid)
		                    : -ENODEV;
	}
	if (f)
		fclose(f);
	free((void *)ch.data);
	if (r == 0) {
		store_oid_hex(&oid, hex);
		plat_log("host", "test commit %s: %s", hex, ch.path);
	} else {
		plat_log("host", "test commit failed: %s", strerror(-r));
	}
}

static int open_devices(const struct host_args *a)
{
	int rc = host_tap_open(a->tap, a->mac);

	if (rc < 0) {
		fprintf(stderr, "host: tap %s: %s\n", a->tap, strerror(-rc));
		return rc;
	}
	plat_log("host", "tap %s, mac %02x:%02x:%02x:%02x:%02x:%02x", a->tap, a->mac[0], a->mac[1],
	         a->mac[2], a->mac[3], a->mac[4], a->mac[5]);
	if (a->disk == NULL) {
		plat_log("host", "no block device (--disk FILE)");
		return 0;
	}
	rc = host_blk_open(a->disk, false);
	if (rc == -EBUSY)
		fprintf(stderr,
		        "host: disk %s: in use by another process (storectl, or another twin)\n",
		        a->disk);
	else if (rc < 0)
		fprintf(stderr, "host: disk %s: %s\n", a->disk, strerror(-rc));
	else
		plat_log("host", "block device %s", a->disk);
	return rc;
}

int main(int argc, char **argv)
{
	struct host_args a = {0};
	struct plat_mem_stats st;
	int rc;

	parse_args(argc, argv, &a);
	if (host_config_load(a.conf) < 0)
		return 1;
	plat_log("host", "config %s", a.conf);
	rc = host_loop_init();
	if (rc < 0) {
		fprintf(stderr, "host: event loop: %s\n", strerror(-rc));
		return 1;
	}
	if (open_devices(&a) < 0)
		return 1;
	app_start();
	if (a.test_commit) {
		test_commit = a.test_commit;
		host_on_usr1(do_test_commit);
	}
	sample_heap(NULL);
	plat_mem_stats(&st);
	plat_log("host", "ready, heap %zu bytes in use", st.heap_used);
	plat_run();
	return 0;
}
