/*
 * The host twin: the appliance's services as a Linux process, over a TAP
 * device and a file as the block device, configured by an appliance.conf.
 *
 *   appliance --conf FILE [--tap NAME] [--mac MAC] [--disk FILE]
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
#include "plat/plat.h"

struct host_args {
	const char *conf;
	const char *tap;
	const char *disk;
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

static void parse_args(int argc, char **argv, struct host_args *a)
{
	static const struct option opts[] = {
	    {"conf", required_argument, NULL, 'c'},
	    {"tap", required_argument, NULL, 't'},
	    {"mac", required_argument, NULL, 'm'},
	    {"disk", required_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
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
	sample_heap(NULL);
	plat_mem_stats(&st);
	plat_log("host", "ready, heap %zu bytes in use", st.heap_used);
	plat_run();
	return 0;
}
