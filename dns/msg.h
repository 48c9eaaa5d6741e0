/*
 * DNS messages on the wire (RFC 1035 4.1): reading a query, writing an
 * answer into the caller's buffer. Nothing here allocates; every read is
 * bounded by the message's length, and a name's compression pointers must
 * each point before the one that led to them, so a loop cannot be built.
 */
#ifndef DNS_MSG_H
#define DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "name.h"

#define DNS_HDR_LEN 12
#define DNS_UDP_MIN 512    /* without EDNS (RFC 1035 4.2.1) */
#define DNS_EDNS_SIZE 1232 /* our payload size (RFC 6891 6.2.5; DNS flag day 2020) */
#define DNS_MSG_MAX 65535  /* over TCP (RFC 1035 4.2.2) */
#define DNS_COOKIE_CLIENT 8
#define DNS_COOKIE_SERVER_MIN 8
#define DNS_COOKIE_SERVER_MAX 32

/* The header's fields in host order. */
struct dns_hdr {
	uint16_t id;
	uint16_t flags; /* DNS_F_* (dns.h) */
	uint16_t qdcount, ancount, nscount, arcount;
};

/* What a query asks, as dns_msg_query found it. */
struct dns_query {
	struct dns_hdr hdr;
	bool has_question;
	uint8_t qname[DNS_NAME_MAX]; /* its case as asked */
	uint16_t qtype, qclass;
	size_t question_end; /* offset just past the question */
	/* EDNS (RFC 6891 6.1): an OPT record in the additional section. */
	bool edns;
	uint8_t edns_version;
	uint16_t edns_flags; /* DO is 0x8000 */
	uint16_t udp_size;   /* the client's payload size, raised to 512 if below */
	/* A COOKIE option (RFC 7873 4): the client's part, and ours if it sent one back. */
	bool cookie;
	uint8_t cookie_client[DNS_COOKIE_CLIENT];
	uint8_t cookie_server[DNS_COOKIE_SERVER_MAX];
	uint8_t cookie_server_len; /* 0, or 8 to 32 */
	/* TSIG (RFC 8945 5.1): the additional section's last record, if it is one. */
	size_t tsig_off; /* where its owner name starts; 0: none */
};

/* dns_msg_query's answer for a message not to be answered at all. */
#define DNS_MSG_DROP (-1)

/*
 * Read a query of any opcode (QUERY, NOTIFY and UPDATE all carry one
 * question; the caller answers NOTIMP to the others). Returns:
 *   0              q is filled; without a question (has_question false)
 *                  only for a QUERY that asks for a server cookie alone,
 *                  with a COOKIE option (RFC 7873 5.4);
 *   DNS_R_FORMERR  to be answered with FORMERR: a question count other
 *                  than 1 (but that one), a name or record cut short or
 *                  malformed, a second OPT or one outside the additional
 *                  section or not owned by the root, a malformed COOKIE
 *                  option (RFC 7873 5.2.2), a TSIG that is not the last
 *                  record, bytes after the last record; q->hdr is filled, and the
 *                  question if it parsed (q->has_question);
 *   DNS_MSG_DROP   shorter than a header, or QR set (a response:
 *                  answering it could loop between two servers).
 * The answer, authority and additional records are walked only as far as
 * checking they are well formed and finding OPT and TSIG.
 */
int dns_msg_query(const uint8_t *msg, size_t len, struct dns_query *q);

/*
 * The name at *off in msg, decompressed into out (RFC 1035 4.1.4); *off
 * moves past it as it lies at *off. -EINVAL for a name running past the
 * message, a pointer that does not point backwards, a label type other
 * than 0 or pointer, or a name over 255 octets.
 */
int dns_msg_name(const uint8_t *msg, size_t len, size_t *off, uint8_t out[DNS_NAME_MAX]);

/* One record as read: its owner decompressed, its rdata where it lies in the message. */
struct dns_msg_rr {
	uint8_t owner[DNS_NAME_MAX];
	uint16_t type, class;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdata_off;
};

/* The record at *off; *off moves past it. 0 or -EINVAL (cut short, a bad owner). */
int dns_msg_rr(const uint8_t *msg, size_t len, size_t *off, struct dns_msg_rr *rr);

/*
 * The 12-bit rcode of a message (an answer, ours or an upstream's): the
 * header's 4 bits with the extended rcode of its first OPT record above
 * them (RFC 6891 6.1.3), the header's alone if it has none or its records
 * cannot be read that far; -EINVAL if it is shorter than a header. The
 * records before the OPT are skipped, their names not read: each answer
 * sent is counted by its rcode.
 */
int dns_msg_rcode(const uint8_t *msg, size_t len);

/* ---- writing an answer ---- */

enum { DNS_SEC_QUESTION, DNS_SEC_ANSWER, DNS_SEC_AUTHORITY, DNS_SEC_ADDITIONAL };

#define DNS_OUT_NAMES 64 /* names remembered as compression targets */

/*
 * An answer being written. `cap` is the most the message may hold (the
 * client's payload size, or 65535 over TCP); `reserve` bytes of it are kept
 * for the records written last (OPT, TSIG), which dns_out_rr never uses.
 */
struct dns_out {
	uint8_t *buf;
	size_t cap, reserve, len;
	uint16_t count[4];             /* records per section */
	uint16_t names[DNS_OUT_NAMES]; /* where names were written, for compression */
	unsigned nnames;
};

/*
 * Start the answer to q in buf (cap bytes, at least 512): the header with
 * q's id, opcode, RD and CD, QR set, and `flags` (AA, an rcode), then q's
 * question as asked, if it had one. 0 or -ENOSPC.
 */
int dns_out_begin(struct dns_out *o, uint8_t *buf, size_t cap, const struct dns_query *q,
                  uint16_t flags);

/* Set and clear header flags (TC, AA, the rcode's bits) afterwards. */
void dns_out_flags(struct dns_out *o, uint16_t set, uint16_t clear);

/*
 * Append a record to `section` (sections in order: answer, authority,
 * additional). The owner is compressed against names already written, and
 * so are the names in the rdata of the types RFC 3597 4 allows (NS, CNAME,
 * SOA, PTR, MX); other rdata is copied as it is. -ENOSPC if it does not fit
 * in cap - reserve: then nothing of it is written.
 */
int dns_out_rr(struct dns_out *o, int section, const struct dns_rr *rr);

/* A place to roll back to, so a whole RRset goes or none of it (RFC 2181 9). */
struct dns_out_mark {
	size_t len;
	uint16_t count[4];
	unsigned nnames;
};
void dns_out_mark(const struct dns_out *o, struct dns_out_mark *m);
void dns_out_rewind(struct dns_out *o, const struct dns_out_mark *m);

/*
 * The OPT record (RFC 6891 6.1.2) in the additional section, written into
 * the reserve if need be: our payload size DNS_EDNS_SIZE, the upper 8 bits
 * of a 12-bit `rcode` (its lower 4 go in the header: this sets them),
 * version 0, `flags` (the DO bit echoed), and a COOKIE option of
 * `cookie_len` bytes (client and server parts) if cookie_len > 0.
 * 0 or -ENOSPC.
 */
int dns_out_opt(struct dns_out *o, uint16_t rcode, uint16_t flags, const uint8_t *cookie,
                size_t cookie_len);

/*
 * Take up an ended message of `len` bytes in buf again to add records
 * after the last (a TSIG), its counts read from its header; no names are
 * remembered for compression.
 */
void dns_out_resume(struct dns_out *o, uint8_t *buf, size_t len, size_t cap);

/* The counts into the header; the message's length. */
size_t dns_out_end(struct dns_out *o);

#endif
