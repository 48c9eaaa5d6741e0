/* DNS over UDP and TCP on lwIP (server.h). */
#include "server.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "forward.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "net/net_int.h"
#include "net/rxq.h"
#include "plat/plat.h"
#include "notify.h"
#include "rrl.h"
#include "update.h"
#include "service.h"
#include "xfr.h"

#define POLL_TICKS NET_TCP_POLLS_PER_S /* tcp_poll's interval: once a second */

struct dns_stats dns_stats;

static const struct dns_zones *zones;
static const struct dns_chaos *chaos;
static const struct dns_tsig_key *tsig_keys;
static size_t ntsig_keys;
static struct udp_pcb *udp;
static struct tcp_pcb *listener;
/* DNS cookies (RFC 7873, 9018) and rate limiting, if the platform had randomness for their keys. */
static struct dns_cookies cookies;
static bool have_cookies;
static struct dns_rrl rrl;
static bool have_rrl;

/* One query in, one answer out at a time: the event loop has one thread. */
static uint8_t in[DNS_UPDATE_IN_MAX + 2];
static uint8_t out[DNS_MSG_MAX + 2];

/* A client's address as the cookie and the rate limit take it: its bytes, network order. */
static size_t ip_bytes(const ip_addr_t *addr, uint8_t ip[16])
{
	if (IP_IS_V6(addr)) {
		memcpy(ip, ip_2_ip6(addr)->addr, 16);
		return 16;
	}
	memcpy(ip, &ip_2_ip4(addr)->addr, 4);
	return 4;
}

/*
 * Our server cookie for this query (RFC 7873 5.2): none if the client sent
 * no cookie; its own back if still fresh; else a new one. A bad one is
 * answered like a first one (5.2.3's normal answer, no BADCOOKIE: our
 * answers are public, and after a restart every cookie is bad).
 */
static enum dns_cookie_check cookie_for(const struct dns_query *q, const uint8_t *ip, size_t iplen,
                                        struct dns_ask *ask, uint8_t sc[16])
{
	struct plat_wallclock now;
	enum dns_cookie_check cs;

	if (!have_cookies || !q->cookie)
		return DNS_COOKIE_NONE;
	plat_wallclock(&now);
	cs = dns_cookie_check(&cookies, q, ip, iplen, (uint32_t)now.sec);
	if (cs == DNS_COOKIE_VALID) {
		ask->cookie = q->cookie_server;
	} else {
		dns_cookie_make(&cookies, q->cookie_client, ip, iplen, (uint32_t)now.sec, sc);
		ask->cookie = sc;
	}
	ask->cookie_len = DNS_COOKIE_LEN;
	return cs;
}

/*
 * Rate limiting of UDP answers (rrl.h; TCP and a valid cookie prove the
 * address, a valid TSIG does not: a signed query can be sent again from
 * any address within its fudge). Decided on the answer before it is
 * signed, so that a slip is signed as any answer is.
 */
static enum dns_rrl_action limit(const struct dns_query *q, const struct dns_answer_info *info,
                                 const uint8_t *ip, size_t iplen, enum dns_cookie_check cs)
{
	enum dns_kind kind = info->kind;
	const uint8_t *name;

	/* Made up from a wildcard or a DNAME: one bucket for the zone, whatever name was asked. */
	if (info->synthesised && (kind == DNS_KIND_ANSWER || kind == DNS_KIND_NODATA))
		kind = DNS_KIND_WILDCARD;
	name = kind == DNS_KIND_ANSWER || kind == DNS_KIND_NODATA                 ? q->qname
	       : info->zone && kind != DNS_KIND_REFUSED && kind != DNS_KIND_ERROR ? info->zone->apex
	                                                                          : NULL;
	if (!have_rrl || cs == DNS_COOKIE_VALID || cs == DNS_COOKIE_VALID_REFRESH)
		return DNS_RRL_SEND;
	return dns_rrl_check(&rrl, ip, iplen, kind, name, plat_now_ns());
}

static uint64_t wall_seconds(void)
{
	struct plat_wallclock now;

	plat_wallclock(&now);
	return (uint64_t)now.sec;
}

/* A query's TSIG, checked before it is answered (RFC 8945 5.2). */
struct sig {
	int err; /* dns_tsig_verify's result */
	uint64_t now;
	struct dns_tsig_state st;
	bool fresh; /* an update's: its MAC verified and never seen before (update_apply) */
};

static void sig_check(const struct dns_query *q, const uint8_t *msg, size_t len, struct sig *s)
{
	s->now = wall_seconds();
	s->err = dns_tsig_verify(msg, len, q->tsig_off, tsig_keys, ntsig_keys, s->now, &s->st);
}

/*
 * The room an answer to a verified query keeps for its TSIG, so that it is
 * cut to fit whole RRsets at a time, its rcode and OPT kept, as an unsigned
 * one is (BIND reserves it so too); a TSIG error's answer replaces it.
 */
static size_t sig_space(const struct sig *s)
{
	return s->err == DNS_TSIG_OK ? dns_tsig_space(&s->st) : 0;
}

/*
 * The answer, `n` bytes at buf (its OPT record at opt_off, 0: none), to a
 * query whose TSIG was checked (s): signed, or in its place the TSIG
 * error (dns_tsig_answer). The new length, 0 for none.
 */
static size_t signed_answer(const struct dns_query *q, struct sig *s, uint8_t *buf, size_t n,
                            size_t opt_off, bool tcp)
{
	return dns_tsig_answer(q, s->err, &s->st, buf, n, opt_off, dns_answer_limit(q, tcp));
}

/* The MACs of the updates answered, and when this server began keeping them (update.h). */
static struct dns_replay replay;

/*
 * An update signed before this server began keeping MACs: one an earlier
 * run (before a restart) may have taken, within its fudge, and whose MAC
 * is gone. It is refused as BADTIME, RFC 8945 5.2.3's answer to a Time
 * Signed earlier than the last one a server kept: signed, so that its
 * sender can verify it, with our time in it; the same update signed again
 * now is taken. (REFUSED would say the key may not update the zone.)
 */
static void signed_before_start(struct sig *s)
{
	plat_log("dns",
	         "an update signed at %llu, before this server started (%llu), refused (BADTIME): "
	         "a run before a restart may have taken it",
	         (unsigned long long)s->st.time, (unsigned long long)replay.started);
	s->err = s->st.error = DNS_TSIG_BADTIME;
}

/* The zone an update's zone section names: its apex exactly (RFC 2136 3.1.1), or NULL. */
static const struct dns_zone *update_zone(const struct dns_query *q)
{
	for (size_t i = 0; q->qclass == DNS_C_IN && i < zones->n; i++)
		if (dns_name_eq(zones->v[i]->apex, q->qname))
			return zones->v[i];
	return NULL;
}

/*
 * An update whose TSIG verified (s): applied as a commit on main
 * (update.h), or refused; its rcode. The MAC of an update answered is
 * kept against a replay, but for one the store failed to commit
 * (SERVFAIL): nothing of it is served, and RFC 2136 lets its sender try
 * the same message again. (A device that failed part way may have kept
 * it for the next boot; the store takes no write until then, and after it
 * the message is refused as signed before the start.)
 */
static int update_apply(const struct dns_query *q, const uint8_t *msg, size_t len, struct sig *s)
{
	const struct dns_zone *z;
	int slot = dns_replay_check(&replay, &s->st, s->now), rc;

	if (slot == -ESTALE) {
		signed_before_start(s);
		return DNS_R_REFUSED; /* answered BADTIME in its place (dns_tsig_answer) */
	}
	if (!(z = update_zone(q)))
		return DNS_R_NOTAUTH;
	if (slot == -EALREADY) {
		plat_log("dns", "an update sent again (the same MAC) refused");
		return DNS_R_REFUSED;
	}
	if (slot < 0) {
		plat_log("dns",
		         "an update refused: %d updates are within their fudge, each kept "
		         "against a replay; more once the oldest expires",
		         DNS_REPLAY_MACS);
		return DNS_R_REFUSED;
	}
	s->fresh = true;
	if ((rc = dns_update_commit(z, msg, len, q, s->st.name)) != DNS_R_SERVFAIL)
		dns_replay_keep(&replay, slot, &s->st);
	return rc;
}

/*
 * A dynamic update (RFC 2136), its TSIG checked (sig) if it has one: an
 * EDNS version we do not implement is answered BADVERS and nothing done
 * (RFC 6891 6.1.3); else TSIG is required (REFUSED without), and the
 * update applied once it verifies (update_apply). The answer, with an OPT
 * and our cookie if the update had them (answer.h), not yet signed, in
 * buf (cap bytes): its length, 0 for none; how it went in *info.
 */
static size_t update(const struct dns_query *q, const uint8_t *msg, size_t len,
                     const struct dns_ask *ask, struct sig *sig, uint8_t *buf, size_t cap,
                     struct dns_answer_info *info)
{
	int rc = dns_answer_version(q);

	if (!rc)
		rc = q->tsig_off && sig->err == DNS_TSIG_OK ? update_apply(q, msg, len, sig)
		                                            : DNS_R_REFUSED;
	return dns_answer_rcode(q, rc, ask, buf, cap, info);
}

/*
 * An answer sent, counted for /metrics: its transport, and its rcode as it
 * goes on the wire (a TSIG error's NOTAUTH, an extended rcode: dns_msg_rcode).
 */
static void count_answer(bool tcp, const uint8_t *ans, size_t n)
{
	int rcode = dns_msg_rcode(ans, n);

	if (tcp)
		dns_stats.tcp++;
	else
		dns_stats.udp++;
	if (rcode >= 0 && rcode < DNS_STATS_RCODES)
		dns_stats.by_rcode[rcode]++;
}

/*
 * An answer of `n` bytes at ans, counted once its transport knows whether
 * it goes: `queued` if it had the memory to send it (a pbuf, or the
 * connection's copy), then by transport and rcode, a rate limit's slip as
 * slipped; else as dropped, which it is.
 */
static void sent(bool tcp, bool slip, const uint8_t *ans, size_t n, bool queued)
{
	if (!queued)
		dns_stats.dropped++;
	else if (slip)
		dns_stats.slipped++;
	else
		count_answer(tcp, ans, n);
}

static void conn_waits(void *conn);

/*
 * A query the forwarder takes (forward.h: a LAN client, a name outside
 * our zones): its answer's length in out + skip now (from the cache, or
 * SERVFAIL), or 0 with the answer to come to fwd_done; a TCP connection
 * reads no further query until then, so its answers stay in order.
 */
static size_t forward(const struct dns_query *q, const struct dns_fwd_client *from, size_t skip)
{
	size_t n = dns_fwd_answer(q, from, out + skip, sizeof(out) - skip);

	if (!n && from->conn)
		conn_waits(from->conn);
	return n;
}

/* Where an answer's OPT record lies: after the question once it slipped (dns_answer_slip). */
static size_t opt_at(const struct dns_answer_info *info, enum dns_rrl_action act)
{
	if (!info->opt_off)
		return 0;
	return act == DNS_RRL_SLIP ? info->question_end : info->opt_off;
}

/*
 * Answer one message from `from`: the answer's length in out + skip, 0
 * for none (yet; none is counted here, as dropped or limited); *slip if
 * the rate limit made it a slip. Its transport counts it (sent) once it
 * knows whether it goes. An UPDATE's answer passes the rate limit as a
 * query's does: one with a forged source is reflected at its victim like
 * any other (rrl.h), the same size as the update, so its refusals share
 * the network's errors bucket; a valid cookie or TCP proves the address.
 * NOTIFY requests are answered NOTIMP by dns_answer, limited so too.
 */
static size_t answer(const uint8_t *msg, size_t len, bool tcp, size_t skip,
                     const struct dns_fwd_client *from, bool *slip)
{
	struct dns_query q;
	struct dns_answer_info info;
	struct dns_ask ask = {.tcp = tcp, .chaos = chaos};
	uint8_t ip[16], sc[DNS_COOKIE_LEN];
	size_t iplen = ip_bytes(&from->addr, ip);
	int rc = dns_msg_query(msg, len, &q);
	enum dns_cookie_check cs;
	enum dns_rrl_action act;
	struct sig sig = {0}; /* no signature checked: not fresh */
	size_t n;

	cs = cookie_for(&q, ip, iplen, &ask, sc);
	if (!rc && q.tsig_off) {
		sig_check(&q, msg, len, &sig);
		ask.reserve = sig_space(&sig);
	}
	if (rc != DNS_MSG_DROP && DNS_F_OPCODE(q.hdr.flags) == DNS_OP_UPDATE)
		dns_stats.updates++; /* whatever its answer: FORMERR, BADVERS, a refusal, limited */
	if (!rc && DNS_F_OPCODE(q.hdr.flags) == DNS_OP_UPDATE) {
		n = update(&q, msg, len, &ask, &sig, out + skip, sizeof(out) - skip, &info);
	} else {
		n = dns_answer(zones, &q, rc, &ask, out + skip, sizeof(out) - skip, &info);
		if (!rc && info.kind == DNS_KIND_REFUSED && !info.zone &&
		    dns_fwd_wanted(&q, ip, iplen))
			return forward(&q, from, skip);
	}
	/*
	 * Not the answer to an update made with a MAC never seen before: its
	 * sender holds the key (the same bytes again, from any address, are
	 * refused as a replay, and limited), and an answer lost to the limit
	 * would turn the sender's retry into that replay, refused though the
	 * update was made. Its bucket is the zone's, which queries from the
	 * same network may have spent.
	 */
	act = n && !tcp && !sig.fresh ? limit(&q, &info, ip, iplen, cs) : DNS_RRL_SEND;
	if (act == DNS_RRL_DROP) {
		dns_stats.limited++;
		return 0;
	}
	if (act == DNS_RRL_SLIP)
		n = dns_answer_slip(out + skip, n, &info);
	/* Signed if the request was, a slip too (RFC 8945 5.3), or its TSIG error in its place. */
	if (n && !rc && q.tsig_off)
		n = signed_answer(&q, &sig, out + skip, n, opt_at(&info, act), tcp);
	*slip = act == DNS_RRL_SLIP;
	if (!n)
		dns_stats.dropped++;
	return n;
}

/* ---- messages too long ---- */

/* A request (QR clear) whose header is at h is an UPDATE. */
static bool is_update(const uint8_t *h)
{
	return !(h[2] & DNS_F_QR >> 8) && DNS_F_OPCODE(dns_get16(h + 2)) == DNS_OP_UPDATE;
}

/* The most a message whose header is at h may be: an UPDATE's, or any other's. */
static size_t in_max(const uint8_t *h)
{
	return is_update(h) ? DNS_UPDATE_IN_MAX : DNS_TCP_IN_MAX;
}

/*
 * The answer to an update of `len` bytes, longer than DNS_UPDATE_IN_MAX,
 * whose header is at h: REFUSED, the header alone (its sections are not
 * read), into out + skip; its length. Logged and counted as an update.
 * (A query that long is no client's: it gets no answer.)
 */
static size_t too_long(const uint8_t *h, size_t len, size_t skip)
{
	struct dns_query q = {.hdr = {.id = dns_get16(h), .flags = dns_get16(h + 2)}};
	struct dns_out o;

	dns_stats.updates++;
	plat_log("dns", "an update of %lu bytes refused: more than %d", (unsigned long)len,
	         DNS_UPDATE_IN_MAX);
	if (dns_out_begin(&o, out + skip, sizeof(out) - skip, &q, DNS_R_REFUSED))
		return 0;
	return dns_out_end(&o);
}

/* ---- UDP ---- */

static void udp_query(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                      u16_t port)
{
	struct dns_fwd_client from = {.addr = *addr, .port = port};
	size_t len = p->tot_len, n;
	struct pbuf *a;
	bool slip = false;

	(void)arg;
	if (pbuf_copy_partial(p, in, DNS_HDR_LEN, 0) == DNS_HDR_LEN && len > in_max(in)) {
		pbuf_free(p);
		/* No query is that long over UDP: a flood, not a client; an update is answered. */
		if (!is_update(in) || !(n = too_long(in, len, 0))) {
			dns_stats.dropped++;
			return;
		}
	} else {
		pbuf_copy_partial(p, in, (u16_t)len, 0);
		pbuf_free(p);
		if (len >= DNS_HDR_LEN && (in[2] & DNS_F_QR >> 8) &&
		    DNS_F_OPCODE(dns_get16(in + 2)) == DNS_OP_NOTIFY) {
			uint8_t ip[16];
			dns_notify_answer(in, len, ip,
			                  ip_bytes(addr, ip)); /* a secondary's answer */
			return;
		}
		if (!(n = answer(in, len, false, 0, &from, &slip)))
			return;
	}
	a = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM);
	sent(false, slip, out, n, a != NULL);
	if (!a)
		return; /* out of memory: the client asks again, as UDP allows */
	pbuf_take(a, out, (u16_t)n);
	udp_sendto(pcb, a, addr, port);
	pbuf_free(a);
}

/* ---- TCP ---- */

struct conn {
	struct conn *next, *prev; /* every connection (conns) */
	struct tcp_pcb *pcb;
	struct dns_xfr *xfr; /* a zone transfer being sent, one message at a time */
	bool xfr_sent;       /* a message of it queued: counted, one answer; a failure now closes */
	struct net_rxq rx;   /* received, not yet read as queries */
	uint8_t *tx;         /* the part of an answer the socket did not take yet */
	size_t tx_len, tx_off;
	unsigned idle;  /* polls without a query or DNS_TCP_PROGRESS_MIN bytes taken */
	uint32_t acked; /* bytes the client took since idle was last reset by them */
	bool peer_closed;
	bool fwd_wait; /* a forwarded query's answer is awaited: no query is read meanwhile */
	bool draining; /* closing: what was queued goes out, nothing more is read */
};

static void xfr_stop(struct conn *c)
{
	if (c->xfr)
		dns_xfr_end(c->xfr);
	free(c->xfr);
	c->xfr = NULL;
	c->xfr_sent = false;
}

static void conn_waits(void *conn)
{
	((struct conn *)conn)->fwd_wait = true;
}

static struct conn *conns;

static void conn_free(struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else if (conns == c)
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	xfr_stop(c);
	if (c->fwd_wait)
		dns_fwd_cancel(c);
	net_rxq_free(&c->rx);
	free(c->tx);
	free(c);
	dns_stats.tcp_conns--;
}

/* lwIP calls nothing of ours on this pcb any more. */
static void conn_detach(struct conn *c)
{
	tcp_arg(c->pcb, NULL);
	tcp_recv(c->pcb, NULL);
	tcp_sent(c->pcb, NULL);
	tcp_err(c->pcb, NULL);
	tcp_poll(c->pcb, NULL, 0);
}

/* Drop a connection whose client stopped taking its answers: a reset frees what TCP holds. */
static err_t conn_abort(struct conn *c)
{
	err_t e;

	conn_detach(c);
	e = net_tcp_abort(c->pcb);
	conn_free(c);
	dns_stats.tcp_stalled++;
	return e;
}

/*
 * Close once the client has every answer queued: until then the
 * connection drains, still counted against DNS_TCP_CONNS and reset if
 * the client stops taking them (on_poll). A pcb closed with bytes queued
 * would keep them, its segments and itself for as long as the client's
 * kernel answers lwIP's window probes (each answer resets their count).
 * The pcb closed goes to the lowest priority: lwIP ends the oldest such
 * pcb when a new connection finds none free. Returns what a callback must
 * then return: net_tcp_abort's if the close failed and the pcb was reset,
 * which on an open connection it does not (net_int.h).
 */
static err_t conn_close(struct conn *c)
{
	err_t e;

	if (!c->draining) {
		c->draining = true;
		xfr_stop(c);
		if (c->fwd_wait)
			dns_fwd_cancel(c);
		c->fwd_wait = false;
		if (net_rxq_len(&c->rx)) {
			tcp_recved(c->pcb, (u16_t)net_rxq_len(&c->rx));
			net_rxq_free(&c->rx);
		}
	}
	if (c->tx || tcp_sndqueuelen(c->pcb) > 0)
		return ERR_OK;
	conn_detach(c);
	tcp_setprio(c->pcb, TCP_PRIO_MIN);
	e = net_tcp_close(c->pcb) == ERR_OK ? ERR_OK : net_tcp_abort(c->pcb);
	conn_free(c);
	return e;
}

/* Queue what the socket takes of the pending answer. */
static void flush(struct conn *c)
{
	while (c->tx) {
		size_t n = c->tx_len - c->tx_off, room = tcp_sndbuf(c->pcb);
		if (n > room)
			n = room;
		if (!n ||
		    tcp_write(c->pcb, c->tx + c->tx_off, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;
		if ((c->tx_off += n) == c->tx_len) {
			free(c->tx);
			c->tx = NULL;
		}
	}
	tcp_output(c->pcb);
}

/*
 * The transfer running cut short by `err`: counted, and logged with the
 * outcome for the secondary.
 */
static void xfr_cut(struct conn *c, long err, const char *outcome)
{
	char zone[DNS_NAME_MAX * 4 + 1] = "?";

	dns_stats.transfers_failed++;
	dns_name_to_text(c->xfr->q.qname, zone, sizeof(zone));
	plat_log("dns", "zone transfer of %s failed (%s): %s", zone,
	         err == -EMSGSIZE ? "a record larger than any message"
	         : err == -EIO    ? "its signing failed"
	         : err == -ENOMEM ? "out of memory"
	                          : "no room in a message",
	         outcome);
}

/*
 * Send the answer at out + 2 (its 2-byte length first, RFC 1035 4.2.2),
 * counted (sent): a transfer's first message, as the transfer's one
 * answer; -ENOMEM if it cannot be kept.
 */
static int send_answer(struct conn *c, size_t n)
{
	bool counted = !c->xfr || !c->xfr_sent;

	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	c->tx = malloc(n + 2);
	if (counted)
		sent(true, false, out + 2, n, c->tx != NULL);
	if (!c->tx) {
		/* A transfer's message that cannot be kept cuts the transfer short. */
		if (c->xfr)
			xfr_cut(c, -ENOMEM, "connection closed");
		return -ENOMEM;
	}
	c->xfr_sent = c->xfr != NULL;
	memcpy(c->tx, out, n + 2);
	c->tx_len = n + 2;
	c->tx_off = 0;
	flush(c);
	return 0;
}

/*
 * A query over TCP: an AXFR starts a transfer (xfr.h), or gets its refusal,
 * counted as any answer; anything else its answer. The answer's length in
 * out + 2 (send_answer counts it), 0 for none yet, or -ENOMEM (dropped).
 */
static long tcp_query(struct conn *c, size_t len)
{
	struct dns_query q;
	bool slip = false; /* never over TCP */
	size_t n;

	/* IXFR from a version the service still has is answered with the difference (xfr.h). */
	if (dns_msg_query(in, len, &q) || (q.qtype != DNS_T_AXFR && q.qtype != DNS_T_IXFR) ||
	    DNS_F_OPCODE(q.hdr.flags) != DNS_OP_QUERY)
		return (long)answer(in, len, true, 2,
		                    &(struct dns_fwd_client){.addr = c->pcb->remote_ip, .conn = c},
		                    &slip);
	if (!(c->xfr = malloc(sizeof(*c->xfr)))) {
		dns_stats.dropped++;
		return -ENOMEM;
	}
	n = dns_xfr_start(c->xfr, zones, dns_service_past, NULL, &q, in, len, tsig_keys, ntsig_keys,
	                  wall_seconds(), out + 2, sizeof(out) - 2);
	if (n || !c->xfr->zone) {
		xfr_stop(c);
		if (!n)
			dns_stats.dropped++;
		return (long)n;
	}
	dns_stats.transfers++;
	return 0;
}

/*
 * The transfer running cannot go on (dns_xfr_next's `err`): cut short.
 * Its answer SERVFAIL if none of its messages went yet (its first message
 * always has room for the SOA, so only its signing fails it), its length
 * in out + 2 (send_answer counts it as the transfer's answer); else -EIO:
 * the connection closes, the secondary missing the rest (RFC 5936 2.2).
 * Either way it knows at once, where a transfer that stopped silently
 * left it waiting on an open connection.
 */
static long xfr_failed(struct conn *c, long err)
{
	size_t n = 0;

	xfr_cut(c, err, c->xfr_sent ? "connection closed" : "answered SERVFAIL");
	if (!c->xfr_sent)
		n = dns_xfr_fail(c->xfr, out + 2, sizeof(out) - 2, wall_seconds());
	xfr_stop(c);
	return n ? (long)n : -EIO;
}

/* The next message of the transfer running: its length in out + 2, 0 when it is over. */
static long xfr_message(struct conn *c)
{
	long n = dns_xfr_next(c->xfr, out + 2, DNS_XFR_MSG, wall_seconds());

	/* A record too big for a message of the usual size gets one of its own, up to 64 KiB. */
	if (n == -EMSGSIZE)
		n = dns_xfr_next(c->xfr, out + 2, sizeof(out) - 2, wall_seconds());

	if (n < 0)
		return xfr_failed(c, n);
	if (n == 0)
		xfr_stop(c);
	return n;
}

/*
 * The next whole query received, into `in`: its length, 0 if none is whole
 * yet, -1 for one shorter than a header, -E2BIG for one longer than
 * in_max (its header in `in`, its length in *big). The TCP window reopens
 * only for what was read.
 */
static int next_query(struct conn *c, size_t *big)
{
	uint8_t lenb[2];
	size_t len;

	if (net_rxq_copy(&c->rx, lenb, 2, 0) < 2)
		return 0;
	len = (size_t)lenb[0] << 8 | lenb[1];
	if (len < DNS_HDR_LEN)
		return -1;
	if (net_rxq_copy(&c->rx, in, DNS_HDR_LEN, 2) < DNS_HDR_LEN)
		return 0;
	if (len > in_max(in)) {
		*big = len;
		return -E2BIG;
	}
	if (net_rxq_len(&c->rx) < len + 2)
		return 0;
	net_rxq_copy(&c->rx, in, len, 2);
	net_rxq_drop(&c->rx, len + 2);
	tcp_recved(c->pcb, (u16_t)(len + 2));
	c->idle = 0;
	return (int)len;
}

/*
 * Answer the queries received, in order, while the previous answer is out
 * of our hands (RFC 7766 6.2.1.1 allows answering in order). The TCP
 * window reopens only for what was read: a client that sends faster than
 * it reads is held back by TCP, not by our memory.
 */
static err_t serve(struct conn *c)
{
	for (;;) {
		long n;
		if (c->tx || c->fwd_wait)
			break;
		if (c->xfr) {
			n = xfr_message(c);
		} else {
			size_t big = 0;
			int len = next_query(c, &big);
			/* An update is answered; either is closed, the rest of it not read. */
			if (len == -E2BIG && is_update(in) && (n = (long)too_long(in, big, 2)) > 0)
				send_answer(c, (size_t)n);
			if (len < 0)
				return conn_close(c);
			if (len == 0)
				break;
			n = tcp_query(c, (size_t)len);
		}
		if (n < 0 || (n > 0 && send_answer(c, (size_t)n)))
			return conn_close(c);
	}
	if (c->peer_closed && !c->tx && !c->xfr && !c->fwd_wait)
		return conn_close(c);
	return ERR_OK;
}

/* A forwarded answer (forward.h): to the UDP client, or on its connection, which reads on. */
static void fwd_done(const struct dns_fwd_client *to, const uint8_t *ans, size_t n)
{
	struct conn *c = to->conn;
	struct pbuf *p;

	if (!c) {
		p = udp ? pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM) : NULL;
		sent(false, false, ans, n, p != NULL);
		if (!p)
			return;
		pbuf_take(p, ans, (u16_t)n);
		udp_sendto(udp, p, &to->addr, to->port);
		pbuf_free(p);
		return;
	}
	c->fwd_wait = false;
	memcpy(out + 2, ans, n);
	if (send_answer(c, n))
		conn_close(c);
	else
		serve(c);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;

	(void)err;
	if (c->draining) {
		/* Nothing more is answered: what comes is dropped, and the window stays open. */
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {
		c->peer_closed = true;
	} else {
		u16_t len = p->tot_len;
		if (net_rxq_put(&c->rx, p)) {
			/* Out of memory: the bytes are lost, but counted read, or the close is a
			 * reset. */
			tcp_recved(pcb, len);
			return conn_close(c);
		}
	}
	return serve(c);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct conn *c = arg;

	(void)pcb;
	/* A client that reads is not idle; one that opens its window a byte at a time to lwIP's
	 * probes is. */
	if ((c->acked += len) >= DNS_TCP_PROGRESS_MIN) {
		c->acked = 0;
		c->idle = 0;
	}
	flush(c);
	return c->draining ? conn_close(c) : serve(c);
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct conn *c = arg;

	if (++c->idle > DNS_TCP_IDLE_S)
		return c->tx || tcp_sndqueuelen(pcb) > 0 ? conn_abort(c) : conn_close(c);
	flush(c);
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	(void)err;
	if (arg)
		conn_free(arg);
}

/*
 * At DNS_TCP_CONNS, a new client takes the place of the connection idle
 * the longest (RFC 7766 6.2.3: a server may close idle connections when
 * it needs them), one with nothing asked, queued or in hand, idle a poll
 * at least. Refused instead, 32 connections sending a query every 29 s
 * kept every other client off TCP, where truncated answers and rate
 * limiting send them. Whether one was closed.
 */
static bool close_idlest(void)
{
	struct conn *idlest = NULL;

	for (struct conn *c = conns; c; c = c->next)
		if (!c->draining && !c->tx && !c->xfr && !c->fwd_wait && !net_rxq_len(&c->rx) &&
		    tcp_sndqueuelen(c->pcb) == 0 && c->idle >= 1 &&
		    (!idlest || c->idle > idlest->idle))
			idlest = c;
	if (!idlest)
		return false;
	dns_stats.tcp_idle_closed++;
	conn_close(idlest);
	return true;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct conn *c;

	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	if ((dns_stats.tcp_conns >= DNS_TCP_CONNS && !close_idlest()) ||
	    !(c = calloc(1, sizeof(*c)))) {
		dns_stats.tcp_refused++;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	dns_stats.tcp_conns++;
	c->pcb = pcb;
	c->next = conns;
	if (conns)
		conns->prev = c;
	conns = c;
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, POLL_TICKS);
	tcp_nagle_disable(pcb);
	return ERR_OK;
}

/* Keys for cookies and the rate limit's hash, from the platform's randomness. */
static void keys(void)
{
	uint8_t k[16];
	char v[8];
	bool off = plat_config_get("dns_rrl", v, sizeof(v)) == 0 && !strcmp(v, "off");

	if ((have_cookies = plat_random(k, sizeof(k)) == 0))
		dns_cookie_secret(&cookies, k);
	else
		plat_log("dns", "no randomness: no DNS cookies");
	have_rrl = !off && dns_rrl_init(&rrl, DNS_RRL_DEFAULT_ENTRIES, DNS_RRL_DEFAULT_RATE,
	                                DNS_RRL_DEFAULT_SLIP) == 0;
	if (have_rrl && plat_random(k, sizeof(k)) == 0)
		dns_rrl_seed(&rrl, k);
	else if (off)
		plat_log("dns", "rate limiting off (appliance.conf)");
	else if (!have_rrl)
		plat_log("dns", "no memory for rate limiting: answers are not limited");
	memset(k, 0, sizeof(k));
}

void dns_server_send(const uint8_t *ip, size_t iplen, const uint8_t *msg, size_t len)
{
	ip_addr_t to;
	struct pbuf *p;

	if (!udp)
		return;
	if (iplen == 16) {
		IP_SET_TYPE_VAL(to, IPADDR_TYPE_V6);
		memcpy(ip_2_ip6(&to)->addr, ip, 16);
		ip6_addr_clear_zone(ip_2_ip6(&to));
	} else {
		IP_SET_TYPE_VAL(to, IPADDR_TYPE_V4);
		memcpy(&ip_2_ip4(&to)->addr, ip, 4);
	}
	if (!(p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM)))
		return;
	pbuf_take(p, msg, (u16_t)len);
	udp_sendto(udp, p, &to, 53); /* a secondary listens where we do */
	pbuf_free(p);
}

void dns_server_keys(const struct dns_tsig_key *keys, size_t n)
{
	tsig_keys = keys;
	ntsig_keys = n;
}

int dns_server_start(uint16_t port, const struct dns_zones *z, const struct dns_chaos *ch)
{
	int r;

	zones = z;
	chaos = ch;
	keys();
	/* Kept over a stop and start: the table began with this instance's first start. */
	if (!replay.started)
		dns_replay_init(&replay, wall_seconds());
	if (!(udp = udp_new_ip_type(IPADDR_TYPE_ANY)))
		return -ENOMEM;
	if (udp_bind(udp, IP_ANY_TYPE, port) != ERR_OK) {
		udp_remove(udp);
		udp = NULL;
		return -EADDRINUSE;
	}
	udp_recv(udp, udp_query, NULL);
	if ((r = net_tcp_listen(port, DNS_TCP_CONNS, on_accept, &listener))) {
		udp_remove(udp);
		udp = NULL;
		return r;
	}
	dns_fwd_start(fwd_done); /* logs why not, and the server answers without it */
	return 0;
}

void dns_server_stop(void)
{
	dns_fwd_stop();
	if (udp)
		udp_remove(udp);
	if (listener)
		tcp_close(listener);
	udp = NULL;
	listener = NULL;
	if (have_rrl)
		dns_rrl_fini(&rrl);
	have_rrl = false;
}
