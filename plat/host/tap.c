/*
 * plat_net_* over a Linux TAP device (Documentation/networking/tuntap.rst):
 * one read() is one Ethernet frame, one writev() sends one. IFF_NO_PI: no
 * packet-information header in front of the frames.
 */
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "plat/plat.h"

/* Frames read per wake-up, so timers and other devices get their turn. */
#define TAP_RX_BURST 64

static int tap_fd = -1;
static uint8_t tap_mac[6];
static void (*tap_rx_fn)(void *arg, const void *frame, size_t len);
static void *tap_rx_arg;
static plat_fn tap_space_fn;
static void *tap_space_arg;
static struct plat_timer tap_space_timer;
static long tap_eagain_every, tap_sends;
static long tap_lose_every, tap_tcp_data_sent, tap_lost;
static bool tap_lose_random;
static uint32_t tap_lose_state = 2463534242u; /* xorshift32's; fixed, so runs repeat */

static void tap_space(void *arg)
{
	(void)arg;
	if (tap_space_fn != NULL)
		tap_space_fn(tap_space_arg);
}

static void tap_timer_arm(void)
{
	if (!tap_space_timer.armed)
		plat_timer_arm(&tap_space_timer, plat_now_ns() + 1000000u, tap_space, NULL);
}

static void tap_readable(void *arg)
{
	static uint8_t frame[65536];

	(void)arg;
	for (int i = 0; i < TAP_RX_BURST; i++) {
		ssize_t n = read(tap_fd, frame, sizeof(frame));

		if (n <= 0)
			return; /* EAGAIN: drained */
		if (tap_rx_fn != NULL)
			tap_rx_fn(tap_rx_arg, frame, (size_t)n);
	}
}

int host_tap_open(const char *name, const uint8_t mac[6])
{
	struct ifreq ifr;
	int rc;

	tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tap_fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(tap_fd, TUNSETIFF, &ifr) < 0) {
		rc = -errno;
		goto close_fd;
	}
	memcpy(tap_mac, mac, sizeof(tap_mac));
	tap_eagain_every =
	    getenv("HOST_TAP_EAGAIN_EVERY") ? atol(getenv("HOST_TAP_EAGAIN_EVERY")) : 0;
	tap_lose_every = getenv("HOST_TAP_LOSE_EVERY") ? atol(getenv("HOST_TAP_LOSE_EVERY")) : 0;
	tap_lose_random = getenv("HOST_TAP_LOSE_RANDOM") != NULL;
	rc = host_watch(tap_fd, tap_readable, NULL);
	if (rc < 0)
		goto close_fd;
	return 0;
close_fd:
	close(tap_fd);
	tap_fd = -1;
	return rc;
}

int plat_net_info(struct plat_net_info *info)
{
	if (tap_fd < 0)
		return -ENODEV;
	memcpy(info->mac, tap_mac, sizeof(info->mac));
	info->mtu = 1500;
	return 0;
}

void plat_net_on_rx(void (*fn)(void *arg, const void *frame, size_t len), void *arg)
{
	tap_rx_fn = fn;
	tap_rx_arg = arg;
}

/*
 * A refused frame: the TAP device's queue was full, or a test asked for
 * refusals (HOST_TAP_EAGAIN_EVERY=N: every Nth send, as a full netfront
 * ring would). The callback runs from the loop a millisecond later, when
 * the kernel will have drained the queue.
 */
static int tap_refuse(void)
{
	tap_timer_arm();
	return -EAGAIN;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The octets of TCP payload in an Ethernet frame (IPv4, or IPv6 without extension headers). */
static size_t tcp_payload(const struct plat_iov *iov, int n)
{
	uint8_t h[128];
	size_t got = 0, tcp, ihl, tot, doff;

	for (int i = 0; i < n && got < sizeof(h); i++) {
		size_t k = iov[i].len < sizeof(h) - got ? iov[i].len : sizeof(h) - got;

		memcpy(h + got, iov[i].base, k);
		got += k;
	}
	if (got >= 14 + 20 + 20 && be16(h + 12) == 0x0800 && h[14 + 9] == 6) {
		ihl = (h[14] & 0x0fu) * 4u;
		tot = be16(h + 14 + 2);
		tcp = 14 + ihl;
	} else if (got >= 14 + 40 + 20 && be16(h + 12) == 0x86dd && h[14 + 6] == 6) {
		ihl = 0; /* the payload length leaves the IPv6 header out */
		tot = be16(h + 14 + 4);
		tcp = 14 + 40;
	} else {
		return 0;
	}
	if (tcp + 13 >= got)
		return 0;
	doff = (h[tcp + 12] >> 4) * 4u;
	return tot > ihl + doff ? tot - ihl - doff : 0;
}

/*
 * HOST_TAP_LOSE_EVERY=N (tests and benchmarks): every Nth TCP segment
 * with data that we send is lost on the wire, so that only TCP's
 * retransmission delivers it; with HOST_TAP_LOSE_RANDOM set, each one is
 * lost with probability 1/N instead, the same sequence on every run.
 */
static bool tap_lose(const struct plat_iov *iov, int n)
{
	bool lose;

	if (tap_lose_every <= 0 || tcp_payload(iov, n) == 0)
		return false;
	++tap_tcp_data_sent;
	if (tap_lose_random) {
		tap_lose_state ^= tap_lose_state << 13;
		tap_lose_state ^= tap_lose_state >> 17;
		tap_lose_state ^= tap_lose_state << 5;
		lose = tap_lose_state % (uint32_t)tap_lose_every == 0;
	} else {
		lose = tap_tcp_data_sent % tap_lose_every == 0;
	}
	if (!lose)
		return false;
	plat_log("tap", "test loss: TCP segment %ld with data not sent (%ld lost)",
	         tap_tcp_data_sent, ++tap_lost);
	return true;
}

int plat_net_send(const struct plat_iov *iov, int n)
{
	struct iovec v[16];

	if (tap_fd < 0)
		return -ENODEV;
	if (n > 16)
		return -EINVAL;
	if (tap_eagain_every > 0 && ++tap_sends % tap_eagain_every == 0)
		return tap_refuse();
	if (tap_lose(iov, n))
		return 0;
	for (int i = 0; i < n; i++) {
		v[i].iov_base = (void *)iov[i].base;
		v[i].iov_len = iov[i].len;
	}
	if (writev(tap_fd, v, n) < 0)
		return errno == EAGAIN ? tap_refuse() : -EIO;
	return 0;
}

void plat_net_on_tx_space(plat_fn fn, void *arg)
{
	tap_space_fn = fn;
	tap_space_arg = arg;
}

/* A TAP device's link never goes: nothing to report. */
void plat_net_on_link(void (*fn)(void *arg, bool up), void *arg)
{
	(void)fn;
	(void)arg;
}
