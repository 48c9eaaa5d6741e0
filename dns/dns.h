/*
 * The DNS numbers every part of dns/ shares: types, classes, header flags,
 * opcodes and rcodes (IANA's DNS parameters registry), and a record as
 * the zone holds it.
 */
#ifndef DNS_DNS_H
#define DNS_DNS_H

#include <stddef.h>
#include <stdint.h>

/* Types (RFC 1035 3.2.2 and the RFCs each line names). */
enum {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_HINFO = 13,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,  /* RFC 3596 */
	DNS_T_SRV = 33,   /* RFC 2782 */
	DNS_T_DNAME = 39, /* RFC 6672 */
	DNS_T_OPT = 41,   /* RFC 6891 */
	DNS_T_DS = 43,    /* RFC 4034: answered from the parent's side of a cut */
	DNS_T_SSHFP = 44, /* RFC 4255 */
	DNS_T_TLSA = 52,  /* RFC 6698 */
	DNS_T_SVCB = 64,  /* RFC 9460 */
	DNS_T_HTTPS = 65, /* RFC 9460 */
	DNS_T_TSIG = 250, /* RFC 8945 */
	DNS_T_IXFR = 251, /* RFC 1995 */
	DNS_T_AXFR = 252, /* RFC 5936 */
	DNS_T_ANY = 255,  /* RFC 8482 */
	DNS_T_CAA = 257,  /* RFC 8659 */
};

/* Classes. */
enum {
	DNS_C_IN = 1,
	DNS_C_CH = 3,
	DNS_C_NONE = 254, /* RFC 2136 */
	DNS_C_ANY = 255,
};

/* Header flags (RFC 1035 4.1.1, RFC 4035 for AD and CD). */
#define DNS_F_QR 0x8000
#define DNS_F_OPCODE(f) (((f) >> 11) & 15)
#define DNS_F_AA 0x0400
#define DNS_F_TC 0x0200
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080
#define DNS_F_AD 0x0020
#define DNS_F_CD 0x0010
#define DNS_F_RCODE(f) ((f)&15)

enum {
	DNS_OP_QUERY = 0,
	DNS_OP_NOTIFY = 4, /* RFC 1996 */
	DNS_OP_UPDATE = 5, /* RFC 2136 */
};

enum {
	DNS_R_NOERROR = 0,
	DNS_R_FORMERR = 1,
	DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4,
	DNS_R_REFUSED = 5,
	DNS_R_YXDOMAIN = 6, /* RFC 2136 */
	DNS_R_YXRRSET = 7,
	DNS_R_NXRRSET = 8,
	DNS_R_NOTAUTH = 9,
	DNS_R_NOTZONE = 10,
	DNS_R_BADVERS = 16, /* RFC 6891: extended, in OPT */
	DNS_R_BADSIG = 16,  /* RFC 8945: in TSIG */
	DNS_R_BADKEY = 17,
	DNS_R_BADTIME = 18,
	DNS_R_BADCOOKIE = 23, /* RFC 7873 */
};

/*
 * The name of an rcode as a header and OPT carry it, 0 to 23, from IANA's
 * registry (RFC 6895 2.3) in the capitals dig prints: 16 is BADVERS (the
 * registry's BADSIG is a TSIG's error, never a header's), 17 to 22 are
 * TSIG and TKEY errors, 12 to 15 unassigned (NULL), as is past 23.
 */
static inline const char *dns_rcode_name(unsigned rcode)
{
	static const char *const names[] = {
	    "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",   "REFUSED",
	    "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",  "DSOTYPENI",
	    NULL,       NULL,      NULL,       NULL,       "BADVERS",  "BADKEY",
	    "BADTIME",  "BADMODE", "BADNAME",  "BADALG",   "BADTRUNC", "BADCOOKIE",
	};

	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : NULL;
}

/* EDNS options (RFC 6891 6.1.2). */
#define DNS_OPT_COOKIE 10 /* RFC 7873 */

/* Fields in network byte order (RFC 1035 2.3.2). */
static inline uint16_t dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dns_get32(const uint8_t *p)
{
	return (uint32_t)dns_get16(p) << 16 | dns_get16(p + 2);
}

static inline void dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void dns_put32(uint8_t *p, uint32_t v)
{
	dns_put16(p, (uint16_t)(v >> 16));
	dns_put16(p + 2, (uint16_t)v);
}

/*
 * One record: the owner and any names in the rdata in uncompressed wire
 * form (name.h), the rdata in the type's wire format (RFC 3597 for types
 * this server does not know).
 */
struct dns_rr {
	const uint8_t *owner;
	uint16_t type;
	uint16_t class;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata;
};

#endif
