/* DNS NOTIFY to the secondaries (notify.h). */
#include "notify.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "name.h"
#include "plat/conf.h"
#include "plat/plat.h"
#include "server.h"

struct target {
	uint8_t ip[16];
	size_t iplen;
};

/* One NOTIFY not yet answered: a zone, a secondary, its ID and how often it went. */
struct pending {
	bool used;
	uint8_t apex[DNS_NAME_MAX];
	unsigned target;
	uint16_t id;
	unsigned tries;
};

static struct target targets[DNS_NOTIFY_TARGETS];
static unsigned ntargets;
static const struct dns_tsig_key *key;
static struct pending pending[DNS_NOTIFY_PENDING];
static struct plat_timer timer;

/* One address of the list into t: 0, or -EINVAL. */
static int target_of(const char *text, size_t n, struct target *t)
{
	char one[48];

	if (n == 0 || n >= sizeof(one))
		return -EINVAL;
	memcpy(one, text, n);
	one[n] = '\0';
	if (conf_parse_ip4(one, t->ip) == 0)
		t->iplen = 4;
	else if (conf_parse_ip6(one, t->ip) == 0)
		t->iplen = 16;
	else
		return -EINVAL;
	return 0;
}

int dns_notify_config(const char *list, const struct dns_tsig_key *keys, size_t nkeys)
{
	ntargets = 0;
	for (const char *p = list; *p && ntargets < DNS_NOTIFY_TARGETS;) {
		size_t n = strcspn(p, ",");
		if (target_of(p, n, &targets[ntargets]) == 0)
			ntargets++;
		p += n + (p[n] == ',');
	}
	key = nkeys ? &keys[0] : NULL;
	return (int)ntargets;
}

/* Send the NOTIFY of p (RFC 1996 3.7): opcode NOTIFY, AA, the zone's SOA as the question. */
static void send_one(struct pending *p)
{
	struct dns_query q = {.hdr = {.id = p->id, .flags = DNS_OP_NOTIFY << 11},
	                      .has_question = true,
	                      .qtype = DNS_T_SOA,
	                      .qclass = DNS_C_IN};
	struct plat_wallclock now;
	struct dns_tsig_state st;
	struct dns_out o;
	uint8_t msg[512];
	long n;

	memcpy(q.qname, p->apex, (size_t)dns_name_len(p->apex, DNS_NAME_MAX));
	if (dns_out_begin(&o, msg, sizeof(msg), &q, DNS_F_AA))
		return;
	msg[2] &= (uint8_t) ~(DNS_F_QR >> 8); /* a request, not an answer */
	plat_wallclock(&now);
	n = key ? dns_tsig_sign_request(&o, key, (uint64_t)now.sec, &st) : (long)dns_out_end(&o);
	p->tries++;
	if (n > 0)
		dns_server_send(targets[p->target].ip, targets[p->target].iplen, msg, (size_t)n);
}

static void retry(void *arg);

static void arm(void)
{
	plat_timer_arm(&timer, plat_now_ns() + DNS_NOTIFY_RETRY_S * 1000000000ull, retry, NULL);
}

/* Send again what is not answered; give up after DNS_NOTIFY_TRIES. */
static void retry(void *arg)
{
	bool any = false;
	char name[DNS_NAME_MAX * 4 + 2];

	(void)arg;
	for (unsigned i = 0; i < DNS_NOTIFY_PENDING; i++) {
		struct pending *p = &pending[i];
		if (!p->used)
			continue;
		if (p->tries >= DNS_NOTIFY_TRIES) {
			dns_name_to_text(p->apex, name, sizeof(name));
			plat_log("dns", "NOTIFY for %s: secondary %u did not answer %u tries", name,
			         p->target + 1, p->tries);
			p->used = false;
			continue;
		}
		send_one(p);
		any = true;
	}
	if (any)
		arm();
}

/* The entry for this zone and secondary: its own, a free one, or the one with most tries. */
static struct pending *slot(const uint8_t *apex, unsigned target)
{
	struct pending *free_one = NULL, *worst = &pending[0];

	for (unsigned i = 0; i < DNS_NOTIFY_PENDING; i++) {
		struct pending *p = &pending[i];
		if (p->used && p->target == target && dns_name_eq(p->apex, apex))
			return p;
		if (!p->used && !free_one)
			free_one = p;
		if (p->used && p->tries > worst->tries)
			worst = p;
	}
	return free_one ? free_one : worst;
}

void dns_notify_zone(const uint8_t *apex)
{
	for (unsigned t = 0; t < ntargets; t++) {
		struct pending *p = slot(apex, t);
		uint16_t id;
		if (plat_random(&id, sizeof(id)))
			id = (uint16_t)(plat_now_ns() ^ t);
		*p = (struct pending){.used = true, .target = t, .id = id};
		memcpy(p->apex, apex, (size_t)dns_name_len(apex, DNS_NAME_MAX));
		send_one(p);
	}
	if (ntargets)
		arm();
}

/* An rcode's name, or a TSIG error's (where 16 is BADSIG, RFC 8945 3), or its number. */
static const char *code_name(unsigned code, bool tsig, char buf[8])
{
	const char *name = tsig && code == DNS_R_BADSIG ? "BADSIG" : dns_rcode_name(code);

	if (name)
		return name;
	snprintf(buf, 8, "%u", code & 0xffff);
	return buf;
}

/*
 * The answer to p's NOTIFY, when it is not NOERROR: logged, with the error
 * its TSIG reports (its MAC unchecked, as the answer's is). The retries
 * stop all the same, so it is said once: the secondary refused the NOTIFY
 * (a key it does not share, a zone it does not serve) and would again.
 */
static void answered(const struct pending *p, const uint8_t *msg, size_t len,
                     const struct dns_query *q)
{
	unsigned rcode = q->hdr.flags & 15;
	int err = dns_tsig_error(msg, len, q->tsig_off);
	char name[DNS_NAME_MAX * 4 + 2], tsig[48] = "", b1[8], b2[8];

	if (!rcode && !err)
		return;
	if (err)
		snprintf(tsig, sizeof(tsig), ", TSIG error %s",
		         err < 0 ? "unreadable" : code_name((unsigned)err, true, b2));
	dns_name_to_text(p->apex, name, sizeof(name));
	plat_log("dns",
	         "NOTIFY for %s: secondary %u refused it, %s%s: it learns of the change only "
	         "when its refresh timer runs",
	         name, p->target + 1, code_name(rcode, false, b1), tsig);
}

void dns_notify_answer(const uint8_t *msg, size_t len, const uint8_t *ip, size_t iplen)
{
	struct dns_query q;
	uint8_t copy[512];

	if (len < DNS_HDR_LEN || len > sizeof(copy))
		return;
	/* Read as a query: the reader drops answers (QR), so the bit is cleared in a copy. */
	memcpy(copy, msg, len);
	copy[2] &= (uint8_t) ~(DNS_F_QR >> 8);
	if (dns_msg_query(copy, len, &q) || !q.has_question)
		return;
	for (unsigned i = 0; i < DNS_NOTIFY_PENDING; i++) {
		struct pending *p = &pending[i];
		const struct target *t = &targets[p->target];
		if (p->used && p->id == q.hdr.id && t->iplen == iplen &&
		    !memcmp(t->ip, ip, iplen) && dns_name_eq(p->apex, q.qname)) {
			answered(p, copy, len, &q);
			p->used = false;
		}
	}
}
