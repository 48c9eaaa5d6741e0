/*
 * dns/server.c's counters (server.h): an answer counts as sent, by
 * transport and rcode, only once its transport had the memory to send it;
 * one whose pbuf (UDP) or copy (TCP) could not be had never goes, and
 * counts as dropped. server.c is included for its statics, over the
 * sanitized twin's lwIP (PBUF_RAM from malloc, MEM_LIBC_MALLOC) with
 * malloc wrapped (alloc_count.h) and a real zone; what it calls beyond
 * the answer (TSIG, transfers, updates, the forwarder, NOTIFY, the
 * service) is stubbed: a transfer's messages are of a length the test
 * sets, their bytes as they were. An UPDATE longer than a query is read
 * and answered, over UDP and TCP; one too long for any is answered too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../alloc_count.h"
#include "dns/db.h"
#include "dns/server.c"
#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/stats.h"

/* ---- what server.c calls and no test here reaches ---- */

int dns_tsig_verify(const uint8_t *msg, size_t len, size_t tsig_off,
                    const struct dns_tsig_key *keys, size_t nkeys, uint64_t now,
                    struct dns_tsig_state *st)
{
	(void)msg, (void)len, (void)tsig_off, (void)keys, (void)nkeys, (void)now, (void)st;
	return DNS_TSIG_BADKEY;
}
size_t dns_tsig_space(const struct dns_tsig_state *st)
{
	(void)st;
	return 0;
}
size_t dns_tsig_answer(const struct dns_query *q, int err, struct dns_tsig_state *st, uint8_t *buf,
                       size_t n, size_t opt_off, size_t cap)
{
	(void)q, (void)err, (void)st, (void)buf, (void)opt_off, (void)cap;
	return n;
}
size_t dns_xfr_start(struct dns_xfr *x, const struct dns_zones *z, dns_xfr_past_fn past,
                     void *past_ctx, const struct dns_query *q, const uint8_t *msg, size_t len,
                     const struct dns_tsig_key *keys, size_t nkeys, uint64_t now, uint8_t *o,
                     size_t cap)
{
	(void)x, (void)z, (void)past, (void)past_ctx, (void)q, (void)msg, (void)len, (void)keys;
	(void)nkeys, (void)now, (void)o, (void)cap;
	return 0;
}
/* What dns_xfr_next gives: each message of the transfer running this long (0: over). */
static long xfr_msg_len;
long dns_xfr_next(struct dns_xfr *x, uint8_t *o, size_t cap, uint64_t now)
{
	(void)x, (void)o, (void)cap, (void)now;
	return xfr_msg_len;
}
size_t dns_xfr_fail(struct dns_xfr *x, uint8_t *o, size_t cap, uint64_t now)
{
	(void)x, (void)o, (void)cap, (void)now;
	return 0;
}
void dns_xfr_end(struct dns_xfr *x)
{
	(void)x;
}
struct dns_zone *dns_service_past(void *ctx, const struct dns_zone *now, uint32_t serial)
{
	(void)ctx, (void)now, (void)serial;
	return NULL;
}
int dns_update_commit(const struct dns_zone *z, const uint8_t *msg, size_t len,
                      const struct dns_query *q, const uint8_t *key)
{
	(void)z, (void)msg, (void)len, (void)q, (void)key;
	return DNS_R_SERVFAIL;
}
void dns_replay_init(struct dns_replay *r, uint64_t now)
{
	(void)r, (void)now;
}
int dns_replay_check(const struct dns_replay *r, const struct dns_tsig_state *st, uint64_t now)
{
	(void)r, (void)st, (void)now;
	return -ENOSPC;
}
void dns_replay_keep(struct dns_replay *r, int slot, const struct dns_tsig_state *st)
{
	(void)r, (void)slot, (void)st;
}
int dns_fwd_start(dns_fwd_done_fn done)
{
	(void)done;
	return -ENODEV;
}
void dns_fwd_stop(void)
{
}
bool dns_fwd_wanted(const struct dns_query *q, const uint8_t *ip, size_t iplen)
{
	(void)q, (void)ip, (void)iplen;
	return false;
}
size_t dns_fwd_answer(const struct dns_query *q, const struct dns_fwd_client *from, uint8_t *o,
                      size_t cap)
{
	(void)q, (void)from, (void)o, (void)cap;
	return 0;
}
void dns_fwd_cancel(const void *conn)
{
	(void)conn;
}
void dns_notify_answer(const uint8_t *msg, size_t len, const uint8_t *ip, size_t iplen)
{
	(void)msg, (void)len, (void)ip, (void)iplen;
}
void plat_wallclock(struct plat_wallclock *t)
{
	memset(t, 0, sizeof(*t));
	t->sec = 1796120000;
}
int plat_config_get(const char *key, char *value, size_t size)
{
	(void)key, (void)value, (void)size;
	return -ENOENT;
}

/* ---- the zone, a query, an answer ---- */

static const char zone_text[] = "$TTL 60\n@ SOA ns hm 1 1 1 1 1\n@ NS ns\nwww A 192.0.2.80\n";
static struct dns_zone *zone;
static const struct dns_zone *zone_list[1];
static const struct dns_zones the_zones = {zone_list, 1};

/* www.example.org. A, as a client sends it: its bytes in a pbuf from lwIP's heap. */
static struct pbuf *www_query(void)
{
	static const uint8_t q[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	                           "\3www\7example\3org\0\x00\x01\x00\x01";
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, sizeof(q) - 1, PBUF_RAM);

	assert_non_null(p);
	assert_int_equal(pbuf_take(p, q, sizeof(q) - 1), ERR_OK);
	return p;
}

/* The answer the forwarder hands back (fwd_done): www.example.org.'s, NOERROR. */
static size_t an_answer(uint8_t *buf, size_t cap)
{
	struct pbuf *p = www_query();
	struct dns_query q;
	struct dns_ask ask = {0};
	struct dns_answer_info info;
	uint8_t m[64];
	size_t n, len = pbuf_copy_partial(p, m, sizeof(m), 0);

	pbuf_free(p);
	assert_int_equal(dns_msg_query(m, len, &q), 0);
	n = dns_answer(&the_zones, &q, 0, &ask, buf, cap, &info);
	assert_true(n > DNS_HDR_LEN);
	return n;
}

static const ip_addr_t client = IPADDR4_INIT_BYTES(192, 0, 2, 1);

static int setup(void **state)
{
	char err[256];
	(void)state;
	lwip_init();
	if (dns_zone_load("zones/example.org.zone", zone_text, sizeof(zone_text) - 1,
	                  (const uint8_t *)"\7example\3org", &zone, err, sizeof(err)))
		return -1;
	zone_list[0] = zone;
	zones = &the_zones;
	udp = udp_new_ip_type(IPADDR_TYPE_ANY);
	return udp ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	udp_remove(udp);
	udp = NULL;
	dns_zone_free(zone);
	return 0;
}

static int reset_stats(void **state)
{
	(void)state;
	memset(&dns_stats, 0, sizeof(dns_stats));
	return 0;
}

/* What the answers so far were counted as: udp, tcp (each NOERROR), dropped. */
static void counted_is(uint64_t udp_n, uint64_t tcp_n, uint64_t dropped)
{
	assert_int_equal(dns_stats.udp, udp_n);
	assert_int_equal(dns_stats.tcp, tcp_n);
	assert_int_equal(dns_stats.by_rcode[DNS_R_NOERROR], udp_n + tcp_n);
	assert_int_equal(dns_stats.dropped, dropped);
}

/* A TCP connection as on_accept makes it, its pcb lwIP's and closed. */
static struct conn *a_conn(void)
{
	struct conn *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_non_null(c->pcb = tcp_new());
	dns_stats.tcp_conns = 1;
	return c;
}

/* A UDP query answered: counted once, udp and NOERROR. */
static void test_udp_answer_counted(void **state)
{
	(void)state;
	udp_query(NULL, udp, www_query(), &client, 5353);
	counted_is(1, 0, 0);
}

/* Its answer's pbuf not to be had: never sent, so dropped, not udp nor NOERROR. */
static void test_udp_no_pbuf_dropped(void **state)
{
	struct pbuf *p = www_query();
	unsigned before = allocations;
	(void)state;
	alloc_fail = true;
	udp_query(NULL, udp, p, &client, 5353);
	alloc_fail = false;
	assert_int_equal(allocations, before + 1); /* the answer's pbuf: the only allocation */
	counted_is(0, 0, 1);
}

/* A forwarded answer to a UDP client: counted if its pbuf is had, else dropped. */
static void test_forwarded_udp(void **state)
{
	uint8_t ans[512];
	size_t n = an_answer(ans, sizeof(ans));
	(void)state;
	fwd_done(&(struct dns_fwd_client){.addr = client, .port = 5353}, ans, n);
	counted_is(1, 0, 0);
	alloc_fail = true;
	fwd_done(&(struct dns_fwd_client){.addr = client, .port = 5353}, ans, n);
	alloc_fail = false;
	counted_is(1, 0, 1);
}

/*
 * A forwarded answer on a TCP connection whose copy cannot be had: the
 * connection closes, the answer never goes: dropped, not tcp nor NOERROR.
 */
static void test_forwarded_tcp_no_copy(void **state)
{
	uint8_t ans[512];
	size_t n = an_answer(ans, sizeof(ans));
	struct conn *c = a_conn();
	(void)state;
	c->fwd_wait = true;
	alloc_fail = true;
	fwd_done(&(struct dns_fwd_client){.addr = client, .conn = c}, ans, n);
	alloc_fail = false;
	assert_int_equal(dns_stats.tcp_conns, 0); /* closed, freed */
	counted_is(0, 0, 1);
}

/*
 * A query on a TCP connection whose answer's copy cannot be had: the
 * connection closes, the answer never goes: dropped, not tcp nor NOERROR.
 */
static void test_tcp_no_copy(void **state)
{
	struct pbuf *q = www_query();
	struct conn *c = a_conn();
	uint8_t lenb[2] = {0, (uint8_t)q->tot_len};
	struct pbuf *len = pbuf_alloc(PBUF_RAW, 2, PBUF_RAM);
	(void)state;
	assert_non_null(len);
	pbuf_take(len, lenb, 2);
	assert_int_equal(net_rxq_put(&c->rx, len), 0);
	assert_int_equal(net_rxq_put(&c->rx, q), 0);
	alloc_fail = true;
	serve(c);
	alloc_fail = false;
	assert_int_equal(dns_stats.tcp_conns, 0); /* closed, freed */
	counted_is(0, 0, 1);
}

/*
 * A zone transfer whose message's copy cannot be had, its first message
 * or a later one: the connection closes and the transfer is counted as
 * cut short (transfers_failed, and logged); its first message as dropped
 * too, as any answer. Before, the transfer went uncounted and unlogged,
 * so /metrics said it had gone whole.
 */
static void test_xfr_no_copy(void **state)
{
	(void)state;
	for (int later = 0; later < 2; later++) {
		struct conn *c = a_conn();

		assert_non_null(c->xfr = calloc(1, sizeof(*c->xfr)));
		c->xfr_sent = later;
		xfr_msg_len = 100;
		alloc_fail = true;
		serve(c);
		alloc_fail = false;
		xfr_msg_len = 0;
		assert_int_equal(dns_stats.tcp_conns, 0); /* closed, freed */
		assert_int_equal(dns_stats.transfers_failed, (uint64_t)later + 1);
		counted_is(0, 0, 1);
	}
}

/*
 * A client sending a byte a segment: a query's length (4,000), then its
 * bytes one at a time, never whole. Each segment's pool pbuf is freed as
 * it comes. They were kept until the query was whole, and 128 such
 * segments held lwIP's whole receive pool: every frame after them was
 * dropped, UDP queries and ARP included, until the connection's idle end.
 */
static void test_tcp_byte_segments_hold_no_pool(void **state)
{
	const uint8_t prefix[2] = {0x0f, 0xa0};
	struct conn *c = a_conn();
	(void)state;
	for (int i = 0; i < 2 * PBUF_POOL_SIZE; i++) {
		struct pbuf *p = pbuf_alloc(PBUF_RAW, 1, PBUF_POOL);
		assert_non_null(p);
		pbuf_take(p, i < 2 ? &prefix[i] : (const uint8_t *)"x", 1);
		assert_int_equal(on_recv(c, c->pcb, p, ERR_OK), ERR_OK);
		assert_int_equal(lwip_stats.memp[MEMP_PBUF_POOL]->used, 0);
	}
	assert_int_equal(net_rxq_len(&c->rx), 2 * PBUF_POOL_SIZE);
	assert_int_equal(dns_stats.tcp_conns, 1);
	conn_close(c);
	assert_int_equal(dns_stats.tcp_conns, 0);
}

/* Bytes with no memory to keep them: the connection closes, the pbuf is freed. */
static void test_tcp_no_memory_for_bytes(void **state)
{
	struct conn *c = a_conn();
	struct pbuf *p = pbuf_alloc(PBUF_RAW, 1, PBUF_POOL);
	(void)state;
	assert_non_null(p);
	alloc_fail = true;
	on_recv(c, c->pcb, p, ERR_OK);
	alloc_fail = false;
	assert_int_equal(dns_stats.tcp_conns, 0); /* closed, freed */
	assert_int_equal(lwip_stats.memp[MEMP_PBUF_POOL]->used, 0);
}

/* The connections on_accept made, most recent first. */
static struct conn *accept_one(void)
{
	struct tcp_pcb *pcb = tcp_new();

	assert_non_null(pcb);
	if (on_accept(NULL, pcb, ERR_OK) != ERR_OK)
		return NULL;
	return conns;
}

/*
 * At DNS_TCP_CONNS a new connection takes the place of the one idle the
 * longest; one with a query in hand or an answer going out is never
 * closed for it, nor one not idle a poll yet: then the new one is refused.
 * Refusing always, 32 clients sending a query every 29 s kept everyone
 * else off TCP.
 */
static void test_tcp_idlest_closed_for_new(void **state)
{
	struct conn *v[DNS_TCP_CONNS], *c;
	(void)state;
	dns_stats.tcp_conns = 0;
	for (int i = 0; i < DNS_TCP_CONNS; i++) {
		assert_non_null(v[i] = accept_one());
		v[i]->idle = 0;
	}
	assert_int_equal(dns_stats.tcp_conns, DNS_TCP_CONNS);
	/* None idle a poll yet: refused. */
	assert_null(accept_one());
	assert_int_equal(dns_stats.tcp_refused, 1);
	for (int i = 0; i < DNS_TCP_CONNS; i++)
		v[i]->idle = 3;
	v[7]->idle = 9; /* the idlest, but a query half in */
	assert_int_equal(net_rxq_put(&v[7]->rx, pbuf_alloc(PBUF_RAW, 1, PBUF_RAM)), 0);
	v[9]->idle = 8; /* the idlest with nothing in hand */
	assert_non_null(c = accept_one());
	assert_int_equal(dns_stats.tcp_idle_closed, 1);
	assert_int_equal(dns_stats.tcp_conns, DNS_TCP_CONNS);
	for (struct conn *k = conns; k; k = k->next)
		assert_ptr_not_equal(k, v[9]); /* closed and freed */
	while (conns)
		conn_close(conns);
	assert_int_equal(dns_stats.tcp_conns, 0);
}

/* ---- updates longer than a query ---- */

/*
 * An UPDATE of example.org. (RFC 2136 2) adding `records` TXT records of
 * 268 bytes each (a string of 255), unsigned, into m: its length.
 */
static size_t big_update(uint8_t *m, unsigned records)
{
	static const uint8_t head[] = "\x42\x42\x28\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	                              "\7example\3org\0\x00\x06\x00\x01";
	size_t w = sizeof(head) - 1;

	memcpy(m, head, w);
	dns_put16(m + 8, (uint16_t)records);
	for (unsigned i = 0; i < records; i++) {
		/* Owner: the zone's name (offset 12); TXT IN, TTL 60, 256 octets of rdata. */
		static const uint8_t rr[] = {0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 1, 0, 255};
		memcpy(m + w, rr, sizeof(rr));
		memset(m + w + sizeof(rr), 'k', 255);
		w += sizeof(rr) + 255;
	}
	return w;
}

/* m (len bytes) on connection c, after its 2-byte length, as a client sends it. */
static void tcp_receive(struct conn *c, const uint8_t *m, size_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)(len + 2), PBUF_RAM);

	assert_non_null(p);
	pbuf_take_at(p, (uint8_t[]){(uint8_t)(len >> 8), (uint8_t)len}, 2, 0);
	pbuf_take_at(p, m, (u16_t)len, 2);
	assert_int_equal(net_rxq_put(&c->rx, p), 0);
}

/* m (len bytes) over UDP from the client. */
static void udp_receive(const uint8_t *m, size_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);

	assert_non_null(p);
	pbuf_take(p, m, (u16_t)len);
	udp_query(NULL, udp, p, &client, 5353);
}

/* The answer c queued: REFUSED to the update (its ID), the connection then as `closing`. */
static void queued_refused(struct conn *c, bool closing)
{
	assert_non_null(c->tx);
	assert_int_equal(c->tx_len, 2 + DNS_HDR_LEN + (closing ? 0 : 17));
	assert_int_equal(dns_get16(c->tx + 2), 0x4242);
	assert_int_equal(dns_msg_rcode(c->tx + 2, c->tx_len - 2), DNS_R_REFUSED);
	assert_int_equal(c->draining, closing);
	free(c->tx);
	c->tx = NULL;
	conn_close(c);
	assert_int_equal(dns_stats.tcp_conns, 0);
}

/*
 * An UPDATE of 8,069 bytes (30 records; DKIM-sized TXT records pass 4
 * KiB at a dozen), over UDP and TCP: read and answered as any update
 * (REFUSED here, unsigned), the connection kept. One of 40,229 (150
 * records, past DNS_UPDATE_IN_MAX): answered REFUSED from its header,
 * counted as an update, and over TCP its connection closed. Both went
 * unanswered, uncounted and unlogged: over UDP dropped, over TCP the
 * connection closed unread.
 */
static void test_update_longer_than_a_query(void **state)
{
	static uint8_t m[65536];
	size_t len = big_update(m, 30);
	struct conn *c = a_conn();
	(void)state;
	assert_true(len > DNS_TCP_IN_MAX && len < DNS_UPDATE_IN_MAX);
	udp_receive(m, len);
	assert_int_equal(dns_stats.udp, 1);
	tcp_receive(c, m, len);
	serve(c);
	queued_refused(c, false);
	assert_int_equal(dns_stats.updates, 2);
	assert_int_equal(dns_stats.by_rcode[DNS_R_REFUSED], 2);

	len = big_update(m, 150);
	assert_true(len > DNS_UPDATE_IN_MAX);
	udp_receive(m, len);
	assert_int_equal(dns_stats.udp, 2);
	c = a_conn();
	tcp_receive(c, m, len);
	serve(c);
	queued_refused(c, true);
	assert_int_equal(dns_stats.updates, 4);
	assert_int_equal(dns_stats.by_rcode[DNS_R_REFUSED], 4);
	assert_int_equal(dns_stats.tcp, 2);
	assert_int_equal(dns_stats.dropped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_udp_answer_counted, reset_stats),
	    cmocka_unit_test_setup(test_udp_no_pbuf_dropped, reset_stats),
	    cmocka_unit_test_setup(test_forwarded_udp, reset_stats),
	    cmocka_unit_test_setup(test_forwarded_tcp_no_copy, reset_stats),
	    cmocka_unit_test_setup(test_tcp_no_copy, reset_stats),
	    cmocka_unit_test_setup(test_xfr_no_copy, reset_stats),
	    cmocka_unit_test_setup(test_tcp_byte_segments_hold_no_pool, reset_stats),
	    cmocka_unit_test_setup(test_tcp_no_memory_for_bytes, reset_stats),
	    cmocka_unit_test_setup(test_tcp_idlest_closed_for_new, reset_stats),
	    cmocka_unit_test_setup(test_update_longer_than_a_query, reset_stats),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
