/*
 * A zone compiled for answering, as NSD does it: the master file is
 * parsed and checked once, when it changes, into names sorted in
 * canonical order (RFC 4034 6.1), each with its RRsets, and an index of
 * those names by hash; a query then finds a name with a hash and, mostly,
 * one comparison, and only reads. Everything of a zone is in five arrays
 * allocated at load: nodes, RRsets, one arena of names and rdata, and
 * the index.
 *
 * Memory: 12 bytes a name plus its wire form, and 8 to 16 in the index
 * (so is each empty non-terminal: a name with no records but names below
 * it); 8 bytes an RRset; 6 bytes a record plus its rdata (dns_zone_bytes
 * tells the total). A 10,000-record zone is measured in tests/bench/dns.sh.
 */
#ifndef DNS_DB_H
#define DNS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"

/* One RRset: `n` records, each [ttl u32][rdlen u16][rdata] in the arena, host order. */
struct dns_set {
	uint16_t type;
	uint16_t n;
	uint32_t off; /* the first record in the arena */
};

/* One name that owns records. */
struct dns_node {
	uint32_t name; /* its wire form in the arena, case as in the file */
	uint32_t sets; /* its first RRset in the zone's array */
	uint16_t nsets;
	uint8_t labels;
	uint8_t flags;
};
#define DNS_NODE_CUT 1  /* NS below the apex: a delegation (RFC 1034 4.2.1) */
#define DNS_NODE_WILD 2 /* the first label is "*" (RFC 4592 2.1.1) */

struct dns_zone {
	const uint8_t *apex; /* its name, in the arena */
	struct dns_node *nodes;
	uint32_t nnodes;
	struct dns_set *sets;
	uint32_t nsets;
	uint8_t *arena;
	size_t arena_len;
	uint32_t serial; /* the SOA's, as served */
	uint32_t records;
	uint8_t source[20];  /* what it was loaded from (the caller's id: a blob's) */
	unsigned ttls_mixed; /* RRsets the file gave several TTLs, served with their lowest */
	unsigned
	    ttls_line; /* the line of the first record of the first such RRset, for a warning */
	/* Nodes with a cut or a DNAME: with none, no answer looks above its name. */
	uint32_t redirects;
	/*
	 * Every name of the zone by dns_name_hash, in index_mask + 1 slots
	 * (a power of two, at most half of them used, linear probing). A
	 * slot names a node, by its position + 1 (DNS_INDEX_NODE's bits),
	 * and how many labels the name is above that node's (the bits from
	 * DNS_INDEX_UP): 0 for the node's own, more for an empty non-terminal
	 * above it. 0 is a free slot.
	 */
	uint32_t *index;
	uint32_t index_mask;
	unsigned holds; /* transfers still reading it (dns_zone_hold) */
	bool doomed;    /* freed while held: the last release frees it */
};

/* A zone file over this many records is refused (each costs memory in a 64 MiB guest). */
#define DNS_ZONE_RECORDS_MAX 200000

#define DNS_INDEX_NODE 0xffffffu /* more than a zone's nodes (at most its records) */
#define DNS_INDEX_UP 24          /* then at most 127 labels up, in the 8 bits left */

/*
 * Load a zone: parse `text` (zone.h) with the apex `origin`, then check
 * the rules a zone must keep, each refusal "file:line: reason" in `err`:
 * one SOA, at the apex; every name at or below the apex; no CNAME beside
 * other data or a second CNAME at a name (RFC 1034 3.6.2, RFC 2181 10.1);
 * at most one DNAME at a name, none beside a CNAME (RFC 6672 2.4); no
 * meta type (OPT, TSIG, IXFR, AXFR, ANY); no record too large for a
 * message of 65535 octets with what goes beside it (65,136 octets of
 * rdata less its owner's length: db.c's rdata_max); at most 65535
 * records of one name and type (struct dns_set's count). Records repeated
 * exactly are kept once (RFC 2181 5). The records of an RRset whose TTLs
 * differ are all given the lowest (RFC 2181 5.2: an RRset has one TTL,
 * and a resolver treats such a set so anyway; BIND and NSD load it with a
 * warning), and counted in ttls_mixed for the caller to warn about.
 * 0, -EINVAL (err says why) or -ENOMEM.
 */
int dns_zone_load(const char *file, const char *text, size_t len, const uint8_t *origin,
                  struct dns_zone **z, char *err, size_t errsize);
/* Free a zone, or, while a transfer holds it, once the last lets go. NULL is fine. */
void dns_zone_free(struct dns_zone *z);
struct dns_zone *dns_zone_hold(struct dns_zone *z);
void dns_zone_release(struct dns_zone *z);

/* Serve the SOA with `serial` in place of the file's (service.c raises it). */
void dns_zone_set_serial(struct dns_zone *z, uint32_t serial);

/* Serial number arithmetic (RFC 1982 3.2): a is before b. */
bool dns_serial_lt(uint32_t a, uint32_t b);

/* The bytes a loaded zone holds. */
size_t dns_zone_bytes(const struct dns_zone *z);

/*
 * The apex's node: the first in canonical order, as every name of the
 * zone is at or below it (a loaded zone has one: its SOA's). No lookup,
 * where each answer needs it.
 */
const struct dns_node *dns_zone_apex(const struct dns_zone *z);

/*
 * The node named `name` (ASCII case ignored), or NULL. *exists, if asked:
 * whether the name is in the zone at all, as a node or as an empty
 * non-terminal (RFC 4592 2.2.2).
 */
const struct dns_node *dns_zone_find(const struct dns_zone *z, const uint8_t *name, bool *exists);

/* A node's RRset of `type`, or NULL. */
const struct dns_set *dns_node_set(const struct dns_zone *z, const struct dns_node *n,
                                   uint16_t type);

/* A node's owner name. */
static inline const uint8_t *dns_node_name(const struct dns_zone *z, const struct dns_node *n)
{
	return z->arena + n->name;
}

/* The records of a set, one after the other. */
struct dns_rec_iter {
	uint32_t off;
	uint16_t left;
};
static inline void dns_set_records(const struct dns_set *s, struct dns_rec_iter *it)
{
	it->off = s->off;
	it->left = s->n;
}
/* The next record: false after the last. */
bool dns_rec_next(const struct dns_zone *z, struct dns_rec_iter *it, uint32_t *ttl,
                  const uint8_t **rdata, uint16_t *rdlen);

#endif
