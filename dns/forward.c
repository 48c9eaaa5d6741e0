/* The LAN forwarder on lwIP (forward.h). */
#include "forward.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "cache.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "net/net_int.h"
#include "plat/conf.h"
#include "plat/plat.h"
#include "server.h"

/* Each upstream TCP connection has its pcb (net/lwipopts.h, MEMP_NUM_TCP_PCB). */
_Static_assert(DNS_FWD_TCP <= NET_TCP_CLIENT_CONNS,
               "MEMP_NUM_TCP_PCB counts too few connections we open");

#define NS_PER_SEC 1000000000ULL
#define EDNS_DO 0x8000
#define DNS_PORT 53
/* A query to the upstream: header, question, OPT without options. */
#define QUERY_MAX (DNS_HDR_LEN + DNS_NAME_MAX + 4 + 11)
/* The ports a random local port is taken from (RFC 6335 6: the dynamic range). */
#define PORT_FIRST 49152
#define PORT_COUNT 16384

/* One prefix of dns_lan. */
struct prefix {
	uint8_t ip[16];
	uint8_t iplen; /* 4 or 16 */
	uint8_t bits;
};

/* A query sent to the upstream and not yet answered. */
struct pending {
	bool used;
	bool over_tcp; /* asked again over TCP: UDP answers are not taken any more */
	uint8_t tries; /* over UDP */
	uint16_t id;   /* ours, to the upstream */
	uint64_t deadline;
	struct dns_query q; /* the client's, as asked */
	struct dns_fwd_client to;
	/* Over TCP: the connection, the answer's length octets and the answer as it comes. */
	struct tcp_pcb *tcp;
	uint8_t lenb[2];
	size_t got; /* bytes received, the length octets included */
	uint8_t *rx;
	size_t rx_len;
};

static bool on;
static ip_addr_t upstream;
static struct prefix lan[DNS_FWD_LAN_MAX];
static unsigned nlan;
static struct udp_pcb *udp;
static struct pending *pending;
static unsigned tcp_conns;
static struct plat_timer timer;
static struct dns_cache cache;
static uint8_t *raw;     /* an upstream answer as received, then the client's answer */
static uint8_t *scratch; /* dns_cache_read's */
static dns_fwd_done_fn done;

/* ---- configuration ---- */

static int addr_of(const char *s, ip_addr_t *a)
{
	uint8_t b[16];

	memset(a, 0, sizeof(*a));
	if (conf_parse_ip4(s, b) == 0) {
		IP_SET_TYPE_VAL(*a, IPADDR_TYPE_V4);
		memcpy(&ip_2_ip4(a)->addr, b, 4);
		return 0;
	}
	if (conf_parse_ip6(s, b) != 0)
		return -EINVAL;
	IP_SET_TYPE_VAL(*a, IPADDR_TYPE_V6);
	memcpy(ip_2_ip6(a)->addr, b, 16);
	ip6_addr_clear_zone(ip_2_ip6(a));
	return 0;
}

/* One "ADDRESS/LENGTH" of `n` characters into x. */
static int prefix_of(const char *text, size_t n, struct prefix *x)
{
	char one[48];
	unsigned bits;

	if (n == 0 || n >= sizeof(one))
		return -EINVAL;
	memcpy(one, text, n);
	one[n] = '\0';
	if (conf_parse_ip4_prefix(one, x->ip, &bits) == 0)
		x->iplen = 4;
	else if (conf_parse_ip6_prefix(one, x->ip, &bits) == 0)
		x->iplen = 16;
	else
		return -EINVAL;
	x->bits = (uint8_t)bits;
	return 0;
}

/* dns_lan's prefixes: 0, or -EINVAL for none or one that does not read. */
static int lan_config(const char *list)
{
	nlan = 0;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (nlan == DNS_FWD_LAN_MAX || prefix_of(p, n, &lan[nlan]) < 0)
			return -EINVAL;
		nlan++;
		p += n + (p[n] == ',');
	}
	return nlan ? 0 : -EINVAL;
}

static bool in_prefix(const struct prefix *x, const uint8_t *ip)
{
	unsigned whole = x->bits / 8u, rest = x->bits % 8u;

	if (memcmp(x->ip, ip, whole))
		return false;
	return !rest || ((x->ip[whole] ^ ip[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool dns_fwd_lan(const uint8_t *ip, size_t iplen)
{
	for (unsigned i = 0; i < nlan; i++)
		if (lan[i].iplen == iplen && in_prefix(&lan[i], ip))
			return true;
	return false;
}

bool dns_fwd_enabled(void)
{
	return on;
}

/* Types that are not asked of a resolver: transfers and meta-types (RFC 6895 3.1). */
static bool meta_type(uint16_t t)
{
	return t == DNS_T_OPT || t == 249 /* TKEY */ || t == DNS_T_TSIG || t == DNS_T_IXFR ||
	       t == DNS_T_AXFR;
}

bool dns_fwd_wanted(const struct dns_query *q, const uint8_t *ip, size_t iplen)
{
	return on && q->has_question && !q->tsig_off &&
	       DNS_F_OPCODE(q->hdr.flags) == DNS_OP_QUERY && q->qclass == DNS_C_IN &&
	       !meta_type(q->qtype) && (!q->edns || q->edns_version == 0) && dns_fwd_lan(ip, iplen);
}

/* ---- answers to the client ---- */

static size_t limit_for(const struct pending *p)
{
	return dns_answer_limit(&p->q, p->to.conn != NULL);
}

/* SERVFAIL to q, from the forwarder (RA set), with OPT if the client sent one. */
static size_t servfail(const struct dns_query *q, size_t limit, uint8_t *out)
{
	struct dns_out o;

	if (dns_out_begin(&o, out, limit, q, DNS_F_RA | DNS_R_SERVFAIL) < 0)
		return 0;
	if (q->edns && dns_out_opt(&o, DNS_R_SERVFAIL, q->edns_flags & EDNS_DO, NULL, 0) < 0)
		return 0;
	return dns_out_end(&o);
}

/*
 * Let go of p's TCP connection: closed, or reset if it cannot be; then
 * what a callback of that connection must return (net_tcp_abort's
 * ERR_ABRT when the pcb is gone).
 */
static err_t tcp_drop(struct pending *p)
{
	struct tcp_pcb *t = p->tcp;
	err_t r = ERR_OK;

	free(p->rx);
	p->rx = NULL;
	if (!t)
		return ERR_OK;
	tcp_arg(t, NULL);
	tcp_recv(t, NULL);
	tcp_err(t, NULL);
	if (net_tcp_close(t) != ERR_OK)
		r = net_tcp_abort(t);
	p->tcp = NULL;
	tcp_conns--;
	return r;
}

static void release(struct pending *p)
{
	tcp_drop(p);
	p->used = false;
}

/* The answer goes to the client; the entry is free before done() runs, which may ask again. */
static void finish(struct pending *p, const uint8_t *ans, size_t n)
{
	struct dns_fwd_client to = p->to;

	release(p);
	dns_stats.fwd_cache_bytes = (unsigned)cache.used;
	if (n)
		done(&to, ans, n);
}

static void fail(struct pending *p)
{
	dns_stats.fwd_failed++;
	finish(p, raw, servfail(&p->q, limit_for(p), raw));
}

/* ---- the upstream ---- */

/* Our query for p: its id, the client's question, RD and CD, EDNS with the client's DO. */
static size_t upstream_query(const struct pending *p, uint8_t *buf, size_t cap)
{
	struct dns_query u = {.hdr = {.id = p->id, .flags = p->q.hdr.flags & (DNS_F_RD | DNS_F_CD)},
	                      .has_question = true,
	                      .qtype = p->q.qtype,
	                      .qclass = p->q.qclass};
	uint16_t dnssec = p->q.edns ? p->q.edns_flags & EDNS_DO : 0;
	struct dns_out o;

	memcpy(u.qname, p->q.qname, (size_t)dns_name_len(p->q.qname, DNS_NAME_MAX));
	if (dns_out_begin(&o, buf, cap, &u, 0) < 0 || dns_out_opt(&o, 0, dnssec, NULL, 0) < 0)
		return 0;
	buf[2] &= (uint8_t) ~(DNS_F_QR >> 8); /* a query, not an answer */
	return dns_out_end(&o);
}

static void tick(void *arg);

/* The timer at the earliest deadline of the queries waiting. */
static void arm(void)
{
	uint64_t first = UINT64_MAX;

	for (unsigned i = 0; i < DNS_FWD_PENDING; i++)
		if (pending[i].used && pending[i].deadline < first)
			first = pending[i].deadline;
	if (first == UINT64_MAX)
		plat_timer_cancel(&timer);
	else
		plat_timer_arm(&timer, first, tick, NULL);
}

/* Send p's query over UDP (again); a datagram lost on the way is what the timer is for. */
static int send_udp(struct pending *p)
{
	uint8_t msg[QUERY_MAX];
	size_t n = upstream_query(p, msg, sizeof(msg));
	struct pbuf *b;

	p->tries++;
	p->deadline = plat_now_ns() + DNS_FWD_TIMEOUT_S * NS_PER_SEC;
	if (!n || !(b = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM)))
		return -ENOMEM;
	pbuf_take(b, msg, (u16_t)n);
	udp_sendto(udp, b, &upstream, DNS_PORT);
	pbuf_free(b);
	return 0;
}

/* The message answers p: the id, QR, one question, and p's question (RFC 5452 9.1). */
static bool answers(const struct pending *p, const uint8_t *msg, size_t len)
{
	uint8_t name[DNS_NAME_MAX];
	size_t off = DNS_HDR_LEN;

	return len >= DNS_HDR_LEN && dns_get16(msg) == p->id && (msg[2] & DNS_F_QR >> 8) &&
	       dns_get16(msg + 4) == 1 && dns_msg_name(msg, len, &off, name) >= 0 &&
	       len - off >= 4 && dns_get16(msg + off) == p->q.qtype &&
	       dns_get16(msg + off + 2) == p->q.qclass && dns_name_eq(name, p->q.qname);
}

static int tcp_ask(struct pending *p);

/*
 * The upstream's answer to p (`msg` may be `raw`: read before raw is
 * written): kept if it may be, and sent; a TC one to a TCP client asked
 * again over TCP.
 */
static void answered(struct pending *p, const uint8_t *msg, size_t len)
{
	struct dns_cache_msg m;
	unsigned rcode;

	if (dns_cache_read(msg, len, scratch, DNS_CACHE_SCRATCH, &m) < 0) {
		fail(p);
		return;
	}
	rcode = DNS_F_RCODE(m.flags);
	if (rcode != DNS_R_NOERROR && rcode != DNS_R_NXDOMAIN) {
		fail(p);
		return;
	}
	if ((m.flags & DNS_F_TC) && p->to.conn && !p->over_tcp && tcp_ask(p) == 0)
		return;
	dns_cache_put(&cache, &p->q, &m, plat_now_ns());
	finish(p, raw, dns_cache_write(&m, 0, &p->q, limit_for(p), raw, DNS_MSG_MAX));
}

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *b, const ip_addr_t *addr,
                   u16_t port)
{
	size_t len = b->tot_len;

	(void)arg, (void)pcb;
	if (port != DNS_PORT || !ip_addr_cmp(addr, &upstream) || len > DNS_MSG_MAX) {
		pbuf_free(b);
		return;
	}
	pbuf_copy_partial(b, raw, (u16_t)len, 0);
	pbuf_free(b);
	for (unsigned i = 0; i < DNS_FWD_PENDING; i++) {
		struct pending *p = &pending[i];
		if (p->used && !p->over_tcp && answers(p, raw, len)) {
			answered(p, raw, len);
			arm();
			return;
		}
	}
}

/* Ask again, or give up with SERVFAIL, whatever waited past its deadline. */
static void tick(void *arg)
{
	uint64_t now = plat_now_ns();

	(void)arg;
	for (unsigned i = 0; i < DNS_FWD_PENDING; i++) {
		struct pending *p = &pending[i];
		if (!p->used || p->deadline > now)
			continue;
		if (!p->over_tcp && p->tries < DNS_FWD_TRIES)
			send_udp(p);
		else
			fail(p);
	}
	arm();
}

/* ---- the upstream over TCP (RFC 7766), after a TC answer ---- */

static err_t tcp_on_connected(void *arg, struct tcp_pcb *t, err_t err)
{
	struct pending *p = arg;
	uint8_t msg[2 + QUERY_MAX];
	size_t n = upstream_query(p, msg + 2, QUERY_MAX);
	err_t r;

	(void)err;
	dns_put16(msg, (uint16_t)n);
	if (n && tcp_write(t, msg, (u16_t)(n + 2), TCP_WRITE_FLAG_COPY) == ERR_OK) {
		tcp_output(t);
		return ERR_OK;
	}
	r = tcp_drop(p);
	fail(p);
	return r;
}

/* Bytes of the answer: its two length octets, then the message into rx. -ENOMEM, -EINVAL. */
static int take(struct pending *p, struct pbuf *b)
{
	size_t off = 0, len = b->tot_len, room, n;

	while (off < len && p->got < 2)
		p->lenb[p->got++] = pbuf_get_at(b, (u16_t)off++);
	if (p->got < 2)
		return 0;
	if (!p->rx) {
		p->rx_len = dns_get16(p->lenb);
		if (p->rx_len < DNS_HDR_LEN)
			return -EINVAL;
		if (!(p->rx = malloc(p->rx_len)))
			return -ENOMEM;
	}
	room = p->rx_len - (p->got - 2);
	n = len - off < room ? len - off : room;
	pbuf_copy_partial(b, p->rx + p->got - 2, (u16_t)n, (u16_t)off);
	p->got += n;
	return 0;
}

static err_t tcp_on_recv(void *arg, struct tcp_pcb *t, struct pbuf *b, err_t err)
{
	struct pending *p = arg;
	bool bad = false;
	uint8_t *rx;
	size_t len;
	err_t r;

	(void)err;
	if (b) {
		tcp_recved(t, b->tot_len);
		bad = take(p, b) < 0;
		pbuf_free(b);
		if (!bad && !(p->rx && p->got == 2 + p->rx_len))
			return ERR_OK;
	}
	/* Whole, or closed, or not to be read: the connection goes either way. */
	rx = p->rx;
	len = p->rx_len;
	bad = bad || !rx || p->got != 2 + len;
	p->rx = NULL;
	r = tcp_drop(p);
	if (bad || !answers(p, rx, len))
		fail(p);
	else
		answered(p, rx, len);
	free(rx);
	arm();
	return r;
}

static void tcp_on_err(void *arg, err_t err)
{
	struct pending *p = arg;

	(void)err;
	p->tcp = NULL; /* lwIP freed it */
	tcp_conns--;
	fail(p);
	arm();
}

/* Ask p's query again over TCP: 0, or -ENOMEM/-EIO (then the TC answer goes on). */
static int tcp_ask(struct pending *p)
{
	struct tcp_pcb *t;

	if (tcp_conns >= DNS_FWD_TCP || !(t = tcp_new_ip_type(IPADDR_TYPE_ANY)))
		return -ENOMEM;
	tcp_arg(t, p);
	tcp_recv(t, tcp_on_recv);
	tcp_err(t, tcp_on_err);
	if (tcp_connect(t, &upstream, DNS_PORT, tcp_on_connected) != ERR_OK) {
		tcp_arg(t, NULL);
		tcp_err(t, NULL);
		tcp_abort(t);
		return -EIO;
	}
	tcp_conns++;
	p->tcp = t;
	p->over_tcp = true;
	p->got = 0;
	p->deadline = plat_now_ns() + 2 * DNS_FWD_TIMEOUT_S * NS_PER_SEC;
	return 0;
}

/* ---- the interface ---- */

static struct pending *free_entry(void)
{
	for (unsigned i = 0; i < DNS_FWD_PENDING; i++)
		if (!pending[i].used)
			return &pending[i];
	return NULL;
}

size_t dns_fwd_answer(const struct dns_query *q, const struct dns_fwd_client *from, uint8_t *out,
                      size_t cap)
{
	size_t limit = dns_answer_limit(q, from->conn != NULL), n;
	struct pending *p;
	uint16_t id;

	if (!on)
		return servfail(q, limit < cap ? limit : cap, out);
	if ((n = dns_cache_get(&cache, q, plat_now_ns(), limit, out, cap))) {
		dns_stats.fwd_cache_hits++;
		return n;
	}
	if (!(p = free_entry()) || plat_random(&id, sizeof(id))) {
		dns_stats.fwd_failed++;
		return servfail(q, limit < cap ? limit : cap, out);
	}
	*p = (struct pending){.used = true, .id = id, .q = *q, .to = *from};
	send_udp(p);
	dns_stats.forwarded++;
	arm();
	return 0;
}

void dns_fwd_cancel(const void *conn)
{
	for (unsigned i = 0; on && i < DNS_FWD_PENDING; i++)
		if (pending[i].used && pending[i].to.conn == conn)
			release(&pending[i]);
	if (on)
		arm();
}

/* Our pcb, on a random port of the dynamic range (lwIP's own choice counts up from one). */
static int socket_open(void)
{
	if (!(udp = udp_new_ip_type(IPADDR_TYPE_ANY)))
		return -ENOMEM;
	for (int i = 0; i < 8; i++) {
		uint16_t r;
		if (plat_random(&r, sizeof(r)))
			break;
		if (udp_bind(udp, IP_ANY_TYPE, (u16_t)(PORT_FIRST + r % PORT_COUNT)) == ERR_OK)
			return 0;
	}
	if (udp_bind(udp, IP_ANY_TYPE, 0) == ERR_OK)
		return 0;
	udp_remove(udp);
	udp = NULL;
	return -EADDRINUSE;
}

static int memory(void)
{
	int r;

	pending = calloc(DNS_FWD_PENDING, sizeof(*pending));
	raw = malloc(DNS_MSG_MAX);
	scratch = malloc(DNS_CACHE_SCRATCH);
	if (!pending || !raw || !scratch)
		return -ENOMEM;
	if ((r = dns_cache_init(&cache, DNS_FWD_CACHE_BYTES)))
		return r;
	return 0;
}

static void memory_free(void)
{
	dns_cache_fini(&cache);
	free(pending);
	free(raw);
	free(scratch);
	pending = NULL;
	raw = scratch = NULL;
}

int dns_fwd_start(dns_fwd_done_fn fn)
{
	static char up[CONF_VALUE_MAX], nets[CONF_VALUE_MAX];
	uint8_t key[16];
	int r;

	on = false;
	if (plat_config_get("dns_forward", up, sizeof(up)) || !up[0])
		return 0;
	if (addr_of(up, &upstream) < 0 || plat_config_get("dns_lan", nets, sizeof(nets)) ||
	    lan_config(nets) < 0) {
		plat_log("dns", "dns_forward needs dns_lan, the LAN's prefixes: no forwarder");
		return 0;
	}
	if (plat_random(key, sizeof(key))) {
		plat_log("dns", "no randomness for query ids: no forwarder");
		return 0;
	}
	if ((r = memory()) || (r = socket_open())) {
		memory_free();
		plat_log("dns", "no forwarder: %s", r == -ENOMEM ? "out of memory" : "no socket");
		return r;
	}
	dns_cache_seed(&cache, key);
	memset(key, 0, sizeof(key));
	udp_recv(udp, on_udp, NULL);
	done = fn;
	tcp_conns = 0;
	on = true;
	plat_log("dns", "forwarding for %s to %s, a cache of %u KiB", nets, up,
	         (unsigned)(DNS_FWD_CACHE_BYTES >> 10));
	return 0;
}

void dns_fwd_stop(void)
{
	if (!on)
		return;
	for (unsigned i = 0; i < DNS_FWD_PENDING; i++)
		if (pending[i].used)
			release(&pending[i]);
	plat_timer_cancel(&timer);
	udp_remove(udp);
	udp = NULL;
	memory_free();
	on = false;
}
