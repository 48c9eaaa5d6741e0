/*
 * lwIP's TCP hooks (net/lwipopts.h): RFC 6528 initial sequence numbers
 * (isn.h), a SYN that reopens a port still in TIME-WAIT, and SYN cookies
 * for a listener whose backlog is full (syncookie.h). And the close every
 * service uses, which keeps lwIP from losing a receive buffer.
 */
#include <string.h>

#include "lwip/altcp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/priv/altcp_priv.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "isn.h"
#include "net.h"
#include "net_int.h"
#include "plat/plat.h"
#include "syncookie.h"

/*
 * Fill a SipHash key from the platform's seeded generator: true if it was
 * seeded; if not, the key comes from the clock, as net_rand's does.
 */
static bool key_draw(uint8_t key[NET_ISN_KEY_BYTES])
{
	if (plat_random(key, NET_ISN_KEY_BYTES) == 0)
		return true;
	for (size_t i = 0; i < NET_ISN_KEY_BYTES; i += 4) {
		uint32_t r = net_rand();

		memcpy(key + i, &r, sizeof(r));
	}
	return false;
}

/*
 * The secret of F in RFC 6528, drawn once from the seeded generator.
 * Unseeded, a clock-derived key for this connection; ask again next time.
 */
static const uint8_t *net_isn_secret(void)
{
	static uint8_t key[NET_ISN_KEY_BYTES];
	static bool seeded;

	if (!seeded)
		seeded = key_draw(key);
	return key;
}

static void net_isn_end(struct net_isn_end *end, const ip_addr_t *ip, u16_t port)
{
	memset(end, 0, sizeof(*end));
	end->port = port;
	if (IP_IS_V6(ip)) {
		memcpy(end->addr, ip_2_ip6(ip)->addr, 16);
		end->addr_len = 16;
	} else {
		memcpy(end->addr, &ip_2_ip4(ip)->addr, 4);
		end->addr_len = 4;
	}
}

/*
 * LWIP_HOOK_TCP_ISN (lwipopts.h): lwIP's own ISN is a counter that
 * advances with its TCP ticks, which lets an off-path attacker guess the
 * next one (RFC 6528 section 1). This is RFC 6528's M + F (isn.h).
 */
u32_t net_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                  u16_t remote_port)
{
	struct net_isn_end local, remote;

	net_isn_end(&local, local_ip, local_port);
	net_isn_end(&remote, remote_ip, remote_port);
	return net_isn(net_isn_secret(), plat_now_ns(), &local, &remote);
}

/* ---- SYN cookies (syncookie.h) for a listener whose backlog is full ---- */

static struct {
	uint8_t key[NET_ISN_KEY_BYTES];
	bool keyed;
	uint64_t last_sent_ns;
	unsigned long sent, accepted, refused;
} net_cookies;

/*
 * The cookies' secret, drawn once (apart from the ISNs', so that neither
 * tells anything of the other). A cookie checked must meet the key it was
 * made with, so the key never changes: without a seed from dom0 (TLS is
 * then off too) it comes from the clock, as net_rand's fallback does.
 */
static const uint8_t *cookie_key(void)
{
	if (!net_cookies.keyed) {
		key_draw(net_cookies.key);
		net_cookies.keyed = true;
	}
	return net_cookies.key;
}

/* Both ends of the segment tcp_input is on, from this side's view. */
static void cookie_ends(struct net_isn_end *local, struct net_isn_end *remote,
                        const struct tcp_hdr *hdr)
{
	net_isn_end(local, ip_current_dest_addr(), hdr->dest);
	net_isn_end(remote, ip_current_src_addr(), hdr->src);
}

/*
 * Answer a SYN to listener `l`, whose backlog is full, with a SYN-ACK
 * whose sequence number is the cookie, and keep nothing. lwIP's own
 * SYN-ACK carries the MSS option alone, and so does this one.
 */
static void cookie_syn(struct tcp_pcb_listen *l, const struct tcp_hdr *hdr, u16_t opt1len,
                       const u8_t *opt2, u16_t optlen)
{
	const ip_addr_t *src = ip_current_dest_addr(), *dst = ip_current_src_addr();
	u16_t mss = net_tcp_opt_mss((const u8_t *)hdr + TCP_HLEN, opt1len, opt2,
	                            (size_t)(optlen - opt1len));
	struct net_isn_end local, remote;
	struct netif *nif = ip_route(src, dst);
	struct pbuf *q;
	struct tcp_hdr *h;
	u8_t *opt;
	uint64_t now = plat_now_ns();

	if (!nif || !(q = pbuf_alloc(PBUF_IP, TCP_HLEN + 4, PBUF_RAM)))
		return;
	cookie_ends(&local, &remote, hdr);
	h = q->payload;
	h->src = lwip_htons(hdr->dest);
	h->dest = lwip_htons(hdr->src);
	h->seqno = lwip_htonl(net_cookie_make(cookie_key(), now, &local, &remote, hdr->seqno, mss));
	h->ackno = lwip_htonl(hdr->seqno + 1);
	TCPH_HDRLEN_FLAGS_SET(h, (TCP_HLEN + 4) / 4, TCP_SYN | TCP_ACK);
	h->wnd = lwip_htons(TCP_WND);
	h->chksum = 0;
	h->urgp = 0;
	opt = (u8_t *)(h + 1);
	mss = tcp_eff_send_mss_netif(TCP_MSS, nif, dst);
	opt[0] = 2; /* MSS, RFC 9293 section 3.2 */
	opt[1] = 4;
	opt[2] = (u8_t)(mss >> 8);
	opt[3] = (u8_t)mss;
	h->chksum = ip_chksum_pseudo(q, IP_PROTO_TCP, q->tot_len, src, dst);
	ip_output_if(q, src, dst, l->ttl, l->tos, IP_PROTO_TCP, nif);
	pbuf_free(q);
	net_cookies.sent++;
	net_cookies.last_sent_ns = now;
}

/*
 * The segment tcp_input is on, whole again, as it came: its header, of
 * which tcp_input turned five fields to host byte order; its `optlen`
 * bytes of options, the first `opt1len` after the header and the rest at
 * `opt2` (tcp_input finds them split over two pbufs at times); and its
 * data, `data`. NULL if the heap has no room for it.
 */
static struct pbuf *segment_copy(const struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len,
                                 const u8_t *opt2, const struct pbuf *data)
{
	struct pbuf *q = pbuf_alloc(PBUF_RAW, (u16_t)(TCP_HLEN + optlen + data->tot_len), PBUF_RAM);
	u8_t *at;
	struct tcp_hdr *h;

	if (!q)
		return NULL;
	at = q->payload;
	h = (struct tcp_hdr *)at;
	memcpy(at, hdr, TCP_HLEN + opt1len);
	if (optlen > opt1len)
		memcpy(at + TCP_HLEN + opt1len, opt2, optlen - opt1len);
	pbuf_copy_partial(data, at + TCP_HLEN + optlen, data->tot_len, 0);
	h->src = lwip_htons(hdr->src);
	h->dest = lwip_htons(hdr->dest);
	h->seqno = lwip_htonl(hdr->seqno);
	h->ackno = lwip_htonl(hdr->ackno);
	h->wnd = lwip_htons(hdr->wnd);
	return q;
}

/*
 * An ACK that found listener `l` and no connection: if it returns one of
 * our cookies (its acknowledgement number less one), make the connection
 * its SYN would have made, in SYN-RCVD as lwIP's tcp_listen_input leaves
 * it once its SYN-ACK is out, and hand the segment, whole again
 * (segment_copy), to tcp_input, which now finds that connection: lwIP
 * itself takes the ACK (the accept callback), any data on it (a client
 * that writes at once sends its request there, and Linux holds the
 * handshake's ACK back to carry it) and a FIN, with every guard it keeps
 * for a callback that closes or aborts. Nothing is sent again for want of
 * an acknowledgement (the client's timeout, 200 ms at least on Linux).
 * True if it did (or the heap or pool had no room: the client sends
 * again); false for lwIP to answer it with a reset. Checked only within a
 * cookie's life of the last one sent, so that outside a flood stray ACKs
 * cost nothing and cannot guess at cookies. tcp_input is re-entered from
 * its listener step, after which it only frees its pbuf; the inner call
 * meets this hook again for the new connection, which lets it by.
 */
static bool cookie_ack(struct tcp_pcb_listen *l, const struct tcp_hdr *hdr, u16_t optlen,
                       u16_t opt1len, const u8_t *opt2, struct pbuf *data)
{
	uint64_t now = plat_now_ns();
	struct net_isn_end local, remote;
	struct tcp_pcb *npcb;
	struct pbuf *seg;
	u16_t mss;

	if (!net_cookies.sent ||
	    now / NET_COOKIE_SLOT_NS - net_cookies.last_sent_ns / NET_COOKIE_SLOT_NS >
	        NET_COOKIE_MAX_AGE)
		return false;
	cookie_ends(&local, &remote, hdr);
	mss = net_cookie_check(cookie_key(), now, &local, &remote, hdr->seqno - 1, hdr->ackno - 1);
	if (!mss) {
		net_cookies.refused++;
		return false;
	}
	if (!(seg = segment_copy(hdr, optlen, opt1len, opt2, data)))
		return true;
	if (!(npcb = tcp_alloc(l->prio))) {
		pbuf_free(seg);
		return true;
	}
	ip_addr_copy(npcb->local_ip, *ip_current_dest_addr());
	ip_addr_copy(npcb->remote_ip, *ip_current_src_addr());
	npcb->local_port = hdr->dest;
	npcb->remote_port = hdr->src;
	npcb->state = SYN_RCVD;
	npcb->rcv_nxt = hdr->seqno;
	npcb->rcv_ann_right_edge = npcb->rcv_nxt;
	npcb->lastack = npcb->snd_wl2 = hdr->ackno - 1; /* our SYN-ACK's sequence number */
	npcb->snd_nxt = npcb->snd_lbb = hdr->ackno;
	npcb->snd_wl1 = hdr->seqno - 1; /* this segment updates the window */
	npcb->snd_wnd = npcb->snd_wnd_max = hdr->wnd;
	npcb->mss = tcp_eff_send_mss(mss, &npcb->local_ip, &npcb->remote_ip);
	npcb->callback_arg = l->callback_arg;
	npcb->listener = l;
	npcb->so_options = l->so_options & SOF_INHERITED;
	npcb->netif_idx = l->netif_idx;
	TCP_REG_ACTIVE(npcb);
	net_cookies.accepted++;
	tcp_input(seg, ip_current_input_netif());
	return true;
}

/*
 * A segment for listener `l`. A SYN when its backlog is full gets a
 * cookie instead of a half-open connection: lwIP would drop it, and a SYN
 * flood from spoofed addresses, which never complete their handshakes,
 * would shut the port to everyone until it stopped and its half-open
 * connections timed out (20 s). With cookies the flood costs no pcb
 * beyond the backlog's, and a real client gets in whatever the flood's
 * rate. Below the backlog lwIP keeps a pcb as usual, which retransmits
 * its SYN-ACK and keeps every option. ERR_ABRT: tcp_input drops the
 * segment; ERR_OK: lwIP's tcp_listen_input goes on with it.
 */
static err_t listen_input(struct tcp_pcb_listen *l, const struct tcp_hdr *hdr, u16_t optlen,
                          u16_t opt1len, const u8_t *opt2, struct pbuf *p)
{
	u8_t flags = TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST);

	if (flags == TCP_SYN && l->accepts_pending >= l->backlog) {
		cookie_syn(l, hdr, opt1len, opt2, optlen);
		return ERR_ABRT;
	}
	if (flags == TCP_ACK && cookie_ack(l, hdr, optlen, opt1len, opt2, p))
		return ERR_ABRT;
	return ERR_OK;
}

/*
 * A reset from inside tcp_input, from a callback of the pcb's own. lwIP
 * 2.1.3's tcp_input takes a segment's data (recv_data) before it hands
 * the segment's acknowledgement to the sent callback, and only then the
 * data to the recv callback; a tcp_abort in the sent callback sends it
 * to "aborted", which forgets the data without freeing it: a receive
 * buffer lost for good (tcp_in.c). So when lwIP took data with the
 * segment (the pcb's rcv_nxt moved beyond the segment's own FIN, which
 * has no data, since net_tcp_inpacket saw it), the reset waits: the pcb
 * is taken from the service at once (its callbacks cleared, its err
 * callback told ERR_ABRT, as tcp_abort does), and reset_recv gets the
 * data (or the FIN after it), frees it and resets. The recv callback
 * cannot be told from the sent one, so a reset from the recv callback
 * itself waits too: lwIP hands the pcb nothing more, may acknowledge a
 * FIN, and net_tcp_input_done resets it once tcp_input is over.
 * tcp_input handles one pcb at a time, so one reset waits at most. With
 * no data taken, or outside tcp_input, tcp_abort is safe as it is.
 */
static struct tcp_pcb *input_pcb, *reset_pcb;
static u32_t input_rcv_nxt; /* the pcb's when its segment came, beyond the segment's FIN */

/* altcp_tcp.c's own table, declared there as here: its pcbs keep their tcp_pcb in `state`. */
extern const struct altcp_functions altcp_tcp_functions;

static err_t reset_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (p)
		pbuf_free(p);
	reset_pcb = NULL;
	tcp_abort(pcb);
	return ERR_ABRT;
}

err_t net_tcp_abort(struct tcp_pcb *pcb)
{
	tcp_err_fn errf = pcb->errf;
	void *arg = pcb->callback_arg;

	if (pcb != tcp_input_pcb || pcb != input_pcb || !TCP_SEQ_GT(pcb->rcv_nxt, input_rcv_nxt)) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	tcp_arg(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
	tcp_recv(pcb, reset_recv);
	reset_pcb = pcb;
	if (errf)
		errf(arg, ERR_ABRT);
	return ERR_OK;
}

err_t net_altcp_abort(struct altcp_pcb *conn)
{
	if (conn->fns == &altcp_tcp_functions && conn->state)
		return net_tcp_abort(conn->state);
	altcp_abort(conn);
	return ERR_ABRT;
}

/* The waiting reset's pcb is still lwIP's (not reset by tcp_input itself, say after a close). */
void net_tcp_input_done(void)
{
	struct tcp_pcb *pcb = tcp_active_pcbs;

	if (!reset_pcb)
		return;
	while (pcb && pcb != reset_pcb)
		pcb = pcb->next;
	reset_pcb = NULL;
	if (pcb && pcb->recv == reset_recv)
		tcp_abort(pcb);
}

/*
 * LWIP_HOOK_TCP_INPACKET_PCB (lwipopts.h), for every segment that found a
 * pcb, its header already in host byte order (tcp_in.c). One for a
 * listener goes to listen_input. A connection this side closed first
 * stays in TIME-WAIT for 2 MSL (two minutes), and clients reuse a port
 * sooner than that: Linux did within 6 s under the soak's load
 * (tests/qemu/soak.sh). lwIP answers such a SYN with a bare ACK, which
 * the client resets and lwIP ignores (RFC 1337), over and over until the
 * client gives up: a connection that never opens. RFC 1122 section
 * 4.2.2.13 lets TIME-WAIT take a new SYN whose sequence number is beyond
 * the old connection's. "Beyond" cannot be told by sequence arithmetic
 * alone: Linux's initial sequence number runs on a 64 ns clock, so a
 * client's SYN on a connection that began over 137 s earlier (a
 * kept-alive one) compares as *before* the old one's (half the 32-bit
 * space); Linux itself decides by timestamps (RFC 6191), which lwIP does
 * not keep. So any SYN outside the old connection's receive window
 * reopens it (one inside is answered with a reset by lwIP, RFC 793); an
 * old duplicate SYN then costs the TIME-WAIT state, nothing more, since
 * the SYN itself is dropped. (Our own new initial sequence number is
 * beyond the old connection's, being a 4-microsecond clock, RFC 6528.)
 * So the old pcb goes (tcp_abort of a TIME-WAIT pcb only frees it,
 * sending nothing) and the SYN is dropped: the client's retransmission a
 * second later finds the listener. tcp_input does not touch the pcb again
 * after the hook refuses a segment.
 */
int net_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len,
                     const u8_t *opt2, struct pbuf *p)
{
	if (pcb->state == LISTEN)
		return listen_input((struct tcp_pcb_listen *)pcb, hdr, optlen, opt1len, opt2, p);
	input_pcb = pcb;
	input_rcv_nxt = pcb->rcv_nxt + ((TCPH_FLAGS(hdr) & TCP_FIN) ? 1 : 0);
	if (pcb->state != TIME_WAIT ||
	    (TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN ||
	    TCP_SEQ_BETWEEN(hdr->seqno, pcb->rcv_nxt, pcb->rcv_nxt + pcb->rcv_wnd))
		return ERR_OK;
	tcp_abort(pcb);
	return ERR_ABRT;
}

void net_tcp_hook_stats(struct net_stats *out)
{
	out->syn_cookies_sent = net_cookies.sent;
	out->syn_cookies_accepted = net_cookies.accepted;
	out->syn_cookies_refused = net_cookies.refused;
}

/*
 * lwIP 2.1.3's tcp_input hands a segment's acknowledgement to the sent
 * callback before its data to the recv callback. A tcp_close in between
 * counts that data as unread (the window is short of it), so it resets
 * the connection and leaves the pcb for tcp_input to free, which it does
 * at once and leaves by "goto aborted" without freeing the data: a
 * receive-pool pbuf (PBUF_POOL_SIZE 128) lost for good (tcp_in.c,
 * tcp_input_delayed_close). A client that sends as its last answer is
 * acknowledged, after a 4xx that closes the connection say, took one
 * each time, and 128 of them would stop the appliance receiving
 * anything (tests/host/close-data.sh). So while tcp_input handles a
 * segment of this pcb's, the window is first made whole: the close then
 * queues a FIN, and tcp_input frees the data itself and resets the
 * connection, as it does with data that comes once the receiving side
 * is closed (TF_RXCLOSED). Nothing else changes: outside tcp_input
 * nothing is done, and from a recv callback (whose data is the
 * service's already) the window is whole, since the service returned
 * what it held before it closed (net_int.h).
 */
static void window_whole(struct tcp_pcb *pcb)
{
	if (pcb == tcp_input_pcb && pcb->rcv_wnd < TCP_WND_MAX(pcb))
		tcp_recved(pcb, (u16_t)(TCP_WND_MAX(pcb) - pcb->rcv_wnd));
}

err_t net_tcp_close(struct tcp_pcb *pcb)
{
	window_whole(pcb);
	return tcp_close(pcb);
}

err_t net_altcp_close(struct altcp_pcb *conn)
{
	if (conn->fns == &altcp_tcp_functions && conn->state)
		window_whole(conn->state);
	return altcp_close(conn);
}
