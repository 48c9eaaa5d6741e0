/*
 * libFuzzer: dns/tsig.c. The input's first byte picks what the rest is:
 *
 *   - 'k': a key file. Parsed keys have a name in wire form and a secret
 *     of 1 to 64 bytes; a refusal says "fuzz:LINE: reason".
 *   - anything else: a message, read by dns_msg_query and, if it has a
 *     TSIG, checked by dns_tsig_verify against the test key (the seeds are
 *     signed with it at 1700000000; the byte after the first moves the
 *     clock by -128 to +127 seconds times 4), and answered with
 *     dns_tsig_answer: FORMERR gets FORMERR; every answer keeps the
 *     request's OPT wherever it fits beside the TSIG, has AA only
 *     if the answer had it (the id's low bit: a referral has none), and
 *     is read back with dns_tsig_verify_response as the client would: it
 *     must verify (OK), or report the error the server put in it (the
 *     peer's BADSIG, BADTIME or BADTRUNC), or BADKEY for an unknown key:
 *     abort() otherwise. The message is also read as a response to a
 *     request of ours, which must not crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/tsig.h"

#define T 1700000000ull
#define KEYS_MAX 4
#define A63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LONG_KEY A63 "." A63 ".aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const char keyfile[] = "key \"tsig-key.example\" { algorithm hmac-sha256;\n"
                              "  secret \"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=\"; };\n"
                              "key other.example { algorithm hmac-sha256; secret \"AAEC\"; };\n"
                              /* A 165-octet name: the seed query-last-resort, a 255-octet
                                 name asked in 512 octets, is answered by RFC 8945 5.3's
                                 last resort. */
                              "key " LONG_KEY " { algorithm hmac-sha256; "
                              "secret \"QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=\"; };\n";

static void keys_input(const uint8_t *data, size_t size)
{
	struct dns_tsig_key keys[KEYS_MAX];
	char err[256];
	int n =
	    dns_tsig_keys_parse("fuzz", (const char *)data, size, keys, KEYS_MAX, err, sizeof(err));

	if (n < 0 && strncmp(err, "fuzz:", 5) != 0)
		abort();
	for (int i = 0; i < n; i++)
		if (dns_name_len(keys[i].name, DNS_NAME_MAX) < 0 || keys[i].secret_len == 0 ||
		    keys[i].secret_len > DNS_TSIG_SECRET_MAX)
			abort();
}

/* What the client must make of our answer to a request that got `r`. */
static int expected(int r)
{
	if (r == DNS_TSIG_BADKEY)
		return DNS_TSIG_BADKEY; /* the client does not know the key either */
	return r ? DNS_TSIG_PEER | r : DNS_TSIG_OK;
}

/* A TSIG that cannot be read, or wolfCrypt failing: answered with that rcode, unsigned. */
static bool unsigned_error(int r)
{
	return r == DNS_TSIG_FORMERR || r == DNS_TSIG_SERVFAIL;
}

/* The rcode of our answer to a request that got `r`. */
static int rcode_for(int r)
{
	return unsigned_error(r) ? r : r ? DNS_R_NOTAUTH : 0;
}

/*
 * Answer the request (checked into st, `r` the result) as the server
 * does: the header (AA as the id's low bit says: a referral has none),
 * the question and the OPT if the request had one, in the client's UDP
 * payload size, then dns_tsig_answer; and read it back as the client.
 */
static void round_trip(const struct dns_query *q, struct dns_tsig_state *st, int r, uint64_t now)
{
	static uint8_t buf[DNS_MSG_MAX];
	struct dns_tsig_state req = *st;
	size_t cap = !q->edns ? 512 : q->udp_size > 1232 ? 1232 : q->udp_size, opt_off = 0, n;
	struct dns_out o;

	if (dns_out_begin(&o, buf, cap, q, q->hdr.id & 1 ? DNS_F_AA : 0) < 0)
		return;
	opt_off = o.len;
	if (!q->edns || dns_out_opt(&o, 0, q->edns_flags & 0x8000, NULL, 0))
		opt_off = 0;
	n = dns_tsig_answer(q, r, st, buf, dns_out_end(&o), opt_off, cap);
	if (n == 0)
		return; /* a question too long for the room left */
	if (n > cap || DNS_F_RCODE(buf[3]) != rcode_for(r))
		abort();
	/* AA only where the answer had it: not in a referral's last resort either. */
	if (!(q->hdr.id & 1) && (buf[2] & DNS_F_AA >> 8))
		abort();
	/* The OPT (11 octets here) stays (RFC 6891 6.1.1) wherever it fits beside the TSIG. */
	if (opt_off && dns_get16(buf + 10) != 1 + !unsigned_error(r) && n + 11 <= cap)
		abort();
	if (unsigned_error(r))
		return;
	/* A BADTIME answer carries the request's time: the client's own clock agrees with it. */
	if (dns_tsig_verify_response(buf, n, &req, r == DNS_TSIG_BADTIME ? req.time : now) !=
	    expected(r))
		abort();
}

static void message_input(const uint8_t *data, size_t size, const struct dns_tsig_key *keys,
                          size_t nkeys)
{
	uint64_t now = T + (uint64_t)((int)(size ? (int8_t)data[0] : 0) * 4);
	struct dns_tsig_state st;
	struct dns_query q;
	int r;

	if (size)
		data++, size--;
	memset(&st, 0, sizeof(st));
	st.key = &keys[0];
	memcpy(st.name, keys[0].name, sizeof(st.name));
	memcpy(st.alg, "\x0bhmac-sha256", 13);
	st.mac_len = DNS_TSIG_MAC_LEN;
	dns_tsig_verify_response(data, size, &st, now);
	if (dns_msg_query(data, size, &q) != 0 || q.tsig_off == 0)
		return;
	r = dns_tsig_verify(data, size, q.tsig_off, keys, nkeys, now, &st);
	if (r != DNS_TSIG_FORMERR && r != DNS_TSIG_SERVFAIL && st.error != r)
		abort();
	round_trip(&q, &st, r, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_tsig_key keys[KEYS_MAX];
	static int nkeys = -1;
	char err[128];

	if (nkeys < 0)
		nkeys = dns_tsig_keys_parse("keys", keyfile, strlen(keyfile), keys, KEYS_MAX, err,
		                            sizeof(err));
	if (nkeys != 3)
		abort();
	if (size == 0)
		return 0;
	if (data[0] == 'k')
		keys_input(data + 1, size - 1);
	else
		message_input(data + 1, size - 1, keys, (size_t)nkeys);
	return 0;
}
