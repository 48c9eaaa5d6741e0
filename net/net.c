/*
 * Bringing the network up: lwIP's glue to the platform (time, random,
 * diagnostics, timers in the event loop) and the interface's addresses
 * from the configuration.
 */
#include "net.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lwip/altcp.h"
#include "lwip/dhcp.h"
#include "lwip/prot/dhcp.h"
#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/ip6_addr.h"
#include "lwip/nd6.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "net_int.h"
#include "plat/conf.h"
#include "plat/plat.h"

#define ECHO_PORT 7     /* RFC 862 */
#define DISCARD_PORT 9  /* RFC 863 */
#define CHARGEN_PORT 19 /* RFC 864 */

static struct netif net_netif;
static struct plat_timer net_timer;
static netif_ext_callback_t net_status_cb;
static char net_hostname[CONF_VALUE_MAX];
static ip6_addr_t net_gw6;
static bool net_have_gw6;

/* ---- lwIP's platform glue (lwIP doc/sys_arch.txt, NO_SYS=1) ---- */

u32_t sys_now(void)
{
	return (u32_t)(plat_now_ns() / 1000000);
}

/*
 * lwIP's LWIP_RAND: ephemeral ports, DHCP transaction ids, protocol
 * delays. Unseeded (no seed from dom0), fall back to the clock: good
 * enough for those, and TLS refuses to start anyway. TCP initial sequence
 * numbers do not come from here but from net_tcp_isn().
 */
uint32_t net_rand(void)
{
	static uint32_t x = 0x9e3779b9;
	uint32_t r;

	if (plat_random(&r, sizeof(r)) == 0)
		return r;
	x ^= (uint32_t)plat_now_ns();
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

void net_diag(const char *fmt, ...)
{
	char line[160];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlen(line);
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	plat_log("lwip", "%s", line);
}

/* The static IPv6 default router, for destinations no RA told us about. */
const struct ip6_addr *net_ip6_gateway(struct netif *netif, const struct ip6_addr *dest)
{
	(void)netif;
	(void)dest;
	return net_have_gw6 ? &net_gw6 : NULL;
}

/* ---- start-up trace: each step to the first address, on the platform clock ---- */

void net_trace(const char *what)
{
	plat_log("net", "%s at %llu ms", what, (unsigned long long)(plat_now_ns() / 1000000));
}

/*
 * LWIP_HOOK_DHCP_APPEND_OPTIONS (lwipopts.h): lwIP builds a DHCP message
 * and sends it at once. Until the first lease, each is a step of the
 * start-up trace (RFC 2131 section 3.1): a request follows the offer it
 * answers at once, and the acknowledgement sets the address, which
 * net_status logs. Renewals are not traced.
 */
void net_dhcp_sent(const struct dhcp *dhcp, uint8_t msg_type)
{
	static unsigned int discovers, requests;
	char what[80];

	if (!ip4_addr_isany_val(*netif_ip4_addr(&net_netif)))
		return;
	if (msg_type == DHCP_DISCOVER)
		snprintf(what, sizeof(what), "dhcp: discover %u sent", ++discovers);
	else if (msg_type == DHCP_REQUEST)
		snprintf(what, sizeof(what), "dhcp: offer of %s in, request %u sent",
		         ip4addr_ntoa(&dhcp->offered_ip_addr), ++requests);
	else
		return;
	net_trace(what);
}

/* ---- timers: lwIP's timeouts run from the loop, which sleeps until the next ---- */

static void net_timers(void *arg)
{
	u32_t sleep_ms;

	(void)arg;
	sys_check_timeouts();
	sleep_ms = sys_timeouts_sleeptime();
	if (sleep_ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		plat_timer_arm(&net_timer, plat_now_ns() + (uint64_t)sleep_ms * 1000000, net_timers,
		               NULL);
}

/* ---- status ---- */

static void net_log_ip6(const struct netif *netif, int i)
{
	const char *state = ip6_addr_ispreferred(netif_ip6_addr_state(netif, i))   ? "preferred"
	                    : ip6_addr_istentative(netif_ip6_addr_state(netif, i)) ? "tentative"
	                    : ip6_addr_isvalid(netif_ip6_addr_state(netif, i))     ? "deprecated"
	                                                                           : "gone";

	char text[IP6ADDR_STRLEN_MAX];

	/* lwIP writes hex digits in upper case; RFC 5952 section 4.3 says lower. */
	ip6addr_ntoa_r(netif_ip6_addr(netif, i), text, sizeof(text));
	for (char *c = text; *c; c++)
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	plat_log("net", "ipv6 %s %s", text, state);
}

static void net_status(struct netif *netif, netif_nsc_reason_t reason,
                       const netif_ext_callback_args_t *args)
{
	if (reason & LWIP_NSC_IPV4_SETTINGS_CHANGED) {
		char gw[IP4ADDR_STRLEN_MAX];

		ip4addr_ntoa_r(netif_ip4_gw(netif), gw, sizeof(gw));
		plat_log("net", "ipv4 %s/%d gateway %s at %llu ms",
		         ip4addr_ntoa(netif_ip4_addr(netif)),
		         __builtin_popcount(ip4_addr_get_u32(netif_ip4_netmask(netif))), gw,
		         (unsigned long long)(plat_now_ns() / 1000000));
	}
	if (reason & LWIP_NSC_IPV6_ADDR_STATE_CHANGED)
		net_log_ip6(netif, args->ipv6_addr_state_changed.addr_index);
	else if (reason & LWIP_NSC_IPV6_SET)
		net_log_ip6(netif, args->ipv6_set.addr_index);
}

/* ---- configuration ---- */

/* plat_config_get, with "" (an empty value) read as unset. */
static const char *net_config(const char *key, char *buf, size_t size, const char *fallback)
{
	if (plat_config_get(key, buf, size) < 0 || buf[0] == '\0')
		return fallback;
	return buf;
}

static int net_config_ip4(ip4_addr_t *ip, ip4_addr_t *mask, ip4_addr_t *gw, bool *dhcp)
{
	char buf[CONF_VALUE_MAX];
	const char *v = net_config("ip", buf, sizeof(buf), "dhcp");
	uint8_t a[4];
	unsigned prefix;

	ip4_addr_set_zero(ip);
	ip4_addr_set_zero(mask);
	ip4_addr_set_zero(gw);
	*dhcp = strcmp(v, "dhcp") == 0;
	if (*dhcp)
		return 0;
	if (conf_parse_ip4_prefix(v, a, &prefix) < 0)
		return -EINVAL;
	IP4_ADDR(ip, a[0], a[1], a[2], a[3]);
	ip4_addr_set_u32(mask, lwip_htonl(~(u32_t)0 << (32 - prefix)));
	v = net_config("gateway", buf, sizeof(buf), NULL);
	if (v == NULL)
		return 0;
	if (conf_parse_ip4(v, a) < 0)
		return -EINVAL;
	IP4_ADDR(gw, a[0], a[1], a[2], a[3]);
	return 0;
}

static void net_ip6_from_bytes(ip6_addr_t *ip, const uint8_t a[16])
{
	memset(ip, 0, sizeof(*ip));
	for (int i = 0; i < 4; i++)
		ip->addr[i] = lwip_htonl((u32_t)a[4 * i] << 24 | (u32_t)a[4 * i + 1] << 16 |
		                         (u32_t)a[4 * i + 2] << 8 | a[4 * i + 3]);
	ip6_addr_assign_zone(ip, IP6_UNICAST, &net_netif);
}

/* IPv6: a link-local address always (RFC 4291 2.5.6), then SLAAC or static. */
static int net_config_ip6(void)
{
	char buf[CONF_VALUE_MAX];
	const char *v = net_config("ip6", buf, sizeof(buf), "slaac");
	uint8_t a[16];
	unsigned prefix;
	ip6_addr_t ip;
	s8_t idx;

	if (strcmp(v, "off") == 0)
		return 0;
	netif_create_ip6_linklocal_address(&net_netif, 1);
	if (strcmp(v, "slaac") == 0) {
		net_netif.ip6_autoconfig_enabled = 1;
	} else {
		/* lwIP keeps no prefix length: on-link needs an RA, or the gateway. */
		if (conf_parse_ip6_prefix(v, a, &prefix) < 0)
			return -EINVAL;
		net_ip6_from_bytes(&ip, a);
		if (netif_add_ip6_address(&net_netif, &ip, &idx) != ERR_OK)
			return -ENOSPC;
	}
	v = net_config("ip6_gateway", buf, sizeof(buf), NULL);
	if (v != NULL) {
		if (conf_parse_ip6(v, a) < 0)
			return -EINVAL;
		net_ip6_from_bytes(&net_gw6, a);
		net_have_gw6 = true;
	}
	return 0;
}

/*
 * Echo, discard and chargen are diagnostics, off unless echo=on: UDP echo
 * answers a forged source address, so an Internet-facing box that ran it
 * by default would reflect traffic at anyone (CERT advisory CA-1996-01).
 */
static int net_config_services(void)
{
	char buf[CONF_VALUE_MAX];
	int rc;

	if (strcmp(net_config("echo", buf, sizeof(buf), "off"), "on") != 0)
		return 0;
	rc = net_echo_start(ECHO_PORT);
	if (rc == 0)
		rc = net_bulk_start(DISCARD_PORT, CHARGEN_PORT);
	return rc;
}

static int net_bring_up(void)
{
	ip4_addr_t ip, mask, gw;
	bool dhcp;
	int rc;

	rc = net_config_ip4(&ip, &mask, &gw, &dhcp);
	if (rc < 0) {
		plat_log("net", "bad ip or gateway in the configuration");
		return rc;
	}
	rc = net_if_add(&net_netif, &ip, &mask, &gw);
	if (rc < 0)
		return rc;
	netif_set_hostname(&net_netif,
	                   net_config("hostname", net_hostname, sizeof(net_hostname), "appliance"));
	netif_set_up(&net_netif);
	rc = net_config_ip6();
	if (rc < 0) {
		plat_log("net", "bad ip6 or ip6_gateway in the configuration");
		return rc;
	}
	if (dhcp && dhcp_start(&net_netif) != ERR_OK)
		return -ENOMEM;
	net_trace(dhcp ? "interface up, ipv4 by dhcp," : "interface up, ipv4 static,");
	return 0;
}

bool net_is_lan(const struct ip_addr *addr)
{
	const struct netif *n = &net_netif;

	if (IP_IS_V4(addr)) {
		const ip4_addr_t *a = ip_2_ip4(addr);
		return !ip4_addr_isany_val(*netif_ip4_addr(n)) &&
		       ip4_addr_netcmp(a, netif_ip4_addr(n), netif_ip4_netmask(n));
	}
	if (ip6_addr_islinklocal(ip_2_ip6(addr)))
		return true;
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
		const ip6_addr_t *own = netif_ip6_addr(n, i);
		/* The first 64 bits: the prefix SLAAC and the usual static setups use. */
		if (ip6_addr_isvalid(netif_ip6_addr_state(n, i)) &&
		    own->addr[0] == ip_2_ip6(addr)->addr[0] &&
		    own->addr[1] == ip_2_ip6(addr)->addr[1])
			return true;
	}
	return false;
}

/*
 * The device has room again after refusing a frame: what TCP could not
 * send goes out now (lwIP marks such connections TF_NAGLEMEMERR) instead
 * of waiting for an acknowledgement or a retransmission timeout.
 */
static void net_tx_space(void *arg)
{
	(void)arg;
	tcp_txnow();
}

int net_start(void)
{
	int rc;

	lwip_init();
	netif_add_ext_callback(&net_status_cb, net_status);
	rc = net_bring_up();
	if (rc < 0)
		return rc;
	plat_net_on_tx_space(net_tx_space, NULL);
	rc = plat_poll_register(net_timers, NULL);
	if (rc < 0)
		return rc;
	rc = net_config_services();
	if (rc < 0)
		return rc;
	net_timers(NULL);
	plat_log("net", "ready");
	return 0;
}

/* lwIP's altcp_tcp_accept, the same for every altcp listener. */
static tcp_accept_fn net_altcp_accept;

static err_t net_altcp_accept_guard(void *arg, struct tcp_pcb *pcb, err_t err)
{
	if (pcb == NULL)
		return ERR_MEM;
	return net_altcp_accept(arg, pcb, err);
}

void net_altcp_listen_guard(struct altcp_pcb *l)
{
	struct tcp_pcb_listen *t;

	while (l->inner_conn)
		l = l->inner_conn;
	t = l->state;
	if (!t || !t->accept)
		return;
	if (t->accept != net_altcp_accept_guard) {
		net_altcp_accept = t->accept;
		tcp_accept((struct tcp_pcb *)t, net_altcp_accept_guard);
	}
}

void net_tcp_listener_close(struct altcp_pcb *l)
{
	struct tcp_pcb *t = l->state;

	if (t) {
		tcp_arg(t, NULL);
		tcp_accept(t, NULL);
		tcp_close(t); /* a listener's close cannot fail */
		l->state = NULL;
	}
	altcp_close(l); /* with no pcb left, it frees the altcp pcb only */
}

/* ---- statistics ---- */

_Static_assert(LWIP_STATS == 1 && MEMP_STATS == 1 && MEM_STATS == 1,
               "net_stats needs lwIP's memory statistics");

static unsigned net_pcbs(const struct tcp_pcb *p)
{
	unsigned n = 0;

	for (; p; p = p->next)
		n++;
	return n;
}

void net_stats(struct net_stats *out)
{
	const struct stats_mem *pool = lwip_stats.memp[MEMP_PBUF_POOL];

	out->pbuf_pool_used = pool->used;
	out->pbuf_pool_peak = pool->max;
	out->pbuf_pool_size = pool->avail;
	out->pbuf_ram_bytes = lwip_stats.mem.used;
	out->pbuf_ram_peak = lwip_stats.mem.max;
	out->tcp_segs = lwip_stats.memp[MEMP_TCP_SEG]->used;
	out->tcp_active = net_pcbs(tcp_active_pcbs);
	out->tcp_time_wait = net_pcbs(tcp_tw_pcbs);
	out->tcp_listen = lwip_stats.memp[MEMP_TCP_PCB_LISTEN]->used;
	out->diag_conns = net_diag_open();
	net_tcp_hook_stats(out);
	out->fail_pbuf_pool = pool->err;
	out->fail_tcp_pcb = lwip_stats.memp[MEMP_TCP_PCB]->err;
	out->fail_tcp_seg = lwip_stats.memp[MEMP_TCP_SEG]->err;
	out->fail_other = 0;
	for (int i = 0; i < MEMP_MAX; i++)
		if (i != MEMP_PBUF_POOL && i != MEMP_TCP_PCB && i != MEMP_TCP_SEG)
			out->fail_other += lwip_stats.memp[i]->err;
}
