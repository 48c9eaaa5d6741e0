/*
 * libFuzzer: dns/cache.c. The input is an upstream's answer. If it reads,
 * what was read must be a message that parses again (one question, the
 * records its counts say, nothing after) with every TTL offset inside it;
 * it is kept in a small cache that lives across inputs (so the ring
 * wraps, the hand evicts and records move), as the answer to a client
 * query made from its question with an id, EDNS, DO and a payload size
 * from the input's last bytes; then looked up, and what the client is
 * sent must parse, carry the client's id and question, and fit its limit.
 * abort() otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/cache.h"

#define BUDGET (16 * 1024)
#define SEC 1000000000ULL

static struct dns_cache cache;
static uint8_t scratch[DNS_CACHE_SCRATCH];
static uint8_t out[DNS_MSG_MAX], copy[DNS_MSG_MAX];
static uint64_t now = 1000 * SEC;

/* A message we wrote must read again as a whole: its counts, its records, nothing after. */
static void reads_again(const uint8_t *msg, size_t len, struct dns_query *q)
{
	memcpy(copy, msg, len);
	copy[2] &= (uint8_t) ~(DNS_F_QR >> 8);
	if (dns_msg_query(copy, len, q) != 0 || !q->has_question)
		abort();
}

static void check_read(const struct dns_cache_msg *m)
{
	struct dns_query q;

	if (m->len < DNS_HDR_LEN || m->len > DNS_MSG_MAX || m->nttl > DNS_CACHE_RRS_MAX)
		abort();
	reads_again(m->msg, m->len, &q);
	if (q.edns || q.tsig_off)
		abort(); /* OPT and TSIG are not kept */
	for (unsigned i = 0; i < m->nttl; i++) {
		unsigned off = dns_get16(m->ttls + 2 * i);
		if (off + 6 > m->len || dns_get32(m->msg + off) > DNS_CACHE_TTL_MAX)
			abort();
	}
	if (m->life > DNS_CACHE_TTL_MAX || (m->flags & DNS_F_TC && m->life))
		abort();
}

/* The client's query: the question read, the rest from the input's last bytes. */
static struct dns_query client(const struct dns_cache_msg *m, const uint8_t *data, size_t size)
{
	uint8_t b = data[size - 1], c = size > 1 ? data[size - 2] : 0;
	struct dns_query q = {.hdr = {.id = (uint16_t)(b << 8 | c), .qdcount = 1},
	                      .has_question = true,
	                      .qtype = m->qtype,
	                      .qclass = m->qclass,
	                      .edns = b & 1,
	                      .edns_flags = b & 2 ? 0x8000 : 0,
	                      .udp_size = (uint16_t)(512 + (c << 3))};

	q.hdr.flags = b & 4 ? DNS_F_RD : 0;
	memcpy(q.qname, m->qname, (size_t)dns_name_len(m->qname, DNS_NAME_MAX));
	if (b & 8 && (q.qname[1] | 0x20) >= 'a' && (q.qname[1] | 0x20) <= 'z')
		q.qname[1] ^= 0x20; /* another case of the same name */
	return q;
}

static void check_sent(const struct dns_query *q, size_t n, size_t limit)
{
	struct dns_query r;

	if (n > limit)
		abort();
	reads_again(out, n, &r);
	if (r.hdr.id != q->hdr.id || r.qtype != q->qtype || r.qclass != q->qclass ||
	    memcmp(r.qname, q->qname, (size_t)dns_name_len(q->qname, DNS_NAME_MAX)) ||
	    r.edns != q->edns || !(out[3] & DNS_F_RA))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_cache_msg m;
	struct dns_query q;
	size_t limit, n;

	if (!cache.ring && dns_cache_init(&cache, BUDGET))
		abort();
	now += SEC;
	if (dns_cache_read(data, size, scratch, sizeof(scratch), &m) < 0)
		return 0;
	check_read(&m);
	q = client(&m, data, size);
	limit = q.edns ? q.udp_size : DNS_UDP_MIN;
	check_sent(&q, dns_cache_write(&m, 0, &q, limit, out, sizeof(out)), limit);
	dns_cache_put(&cache, &q, &m, now);
	if (cache.used > cache.cap)
		abort();
	n = dns_cache_get(&cache, &q, now + SEC / 2, limit, out, sizeof(out));
	if (m.life && m.len + 2 * m.nttl + DNS_CACHE_REC_HDR + 7 <= cache.cap / 4 && !n)
		abort(); /* kept, and found */
	if (n)
		check_sent(&q, n, limit);
	return 0;
}
