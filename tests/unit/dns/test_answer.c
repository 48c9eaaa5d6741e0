/*
 * dns/answer.c and dns/db.c: answers from a zone that has every case RFC
 * 1034 4.3.2 and its successors distinguish (the apex, NODATA, NXDOMAIN,
 * an empty non-terminal, wildcards, CNAME chains and a loop, a
 * delegation with glue, a DNAME), what is refused or not implemented,
 * EDNS's sizes and versions, truncation, the question's case kept; and
 * the zone rules the loader enforces, each with its file:line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../alloc_count.h"
#include "big_txt.h"
#include "dns/answer.h"
#include "dns/cookie.h"
#include "dns/db.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "dns/tsig.h"

static const char zone_text[] = "$ORIGIN example.org.\n"
                                "$TTL 3600\n"
                                "@ IN SOA ns1 hostmaster 2026120101 7200 3600 1209600 300\n"
                                "@ NS ns1\n"
                                "@ NS ns2.example.net.\n"
                                "@ A 192.0.2.1\n"
                                "@ MX 10 mail\n"
                                "ns1 A 192.0.2.53\n"
                                "mail A 192.0.2.25\n"
                                "mail AAAA 2001:db8::25\n"
                                "www CNAME @\n"
                                "alias CNAME www\n"
                                "ext CNAME www.example.net.\n"
                                "loop1 CNAME loop2\n"
                                "loop2 CNAME loop1\n"
                                "*.wild TXT \"wild\"\n"
                                "*.cwild CNAME mail\n"
                                "x.*.ent2 A 192.0.2.12\n"
                                "a.b.c A 192.0.2.9\n"
                                "sub NS ns.sub\n"
                                "ns.sub A 192.0.2.99\n"
                                "d DNAME example.net.\n"
                                "_sip._tcp SRV 0 5 5060 mail\n";

static struct dns_zone *zone;
static const struct dns_chaos *chaos_cfg; /* what ask() passes */
static const struct dns_zone *zone_list[1];
static const struct dns_zones zones = {zone_list, 1};

/* ---- a query, and its answer read back ---- */

struct query {
	const char *name;
	uint16_t type, class, opcode;
	int edns;          /* -1: none; else the version */
	uint16_t udp_size; /* with EDNS */
	bool tcp;
	size_t reserve; /* for a TSIG (dns_ask's) */
};

struct rec {
	int section;
	char owner[DNS_NAME_MAX * 4];
	uint16_t type;
	uint32_t ttl;
	size_t rdata_off;
	uint16_t rdlen;
};

struct reply {
	uint8_t b[DNS_MSG_MAX];
	size_t len;
	uint16_t flags;
	int rcode; /* 12 bits, the OPT's upper ones included */
	uint16_t count[4];
	struct rec r[64];
	size_t n;
	bool opt;
};

static size_t build(const struct query *qy, uint8_t *m)
{
	size_t w = 12;
	int n = dns_name_from_text(qy->name, strlen(qy->name), NULL, m + 12);

	assert_true(n > 0);
	memset(m, 0, 12);
	m[0] = 0x12, m[1] = 0x34;
	m[2] = (uint8_t)(qy->opcode << 3 | 1); /* RD */
	m[5] = 1;
	w += (size_t)n;
	m[w++] = (uint8_t)(qy->type >> 8), m[w++] = (uint8_t)qy->type;
	m[w++] = (uint8_t)(qy->class >> 8), m[w++] = (uint8_t)qy->class;
	if (qy->edns >= 0) {
		uint8_t opt[11] = {0,
		                   0,
		                   41,
		                   (uint8_t)(qy->udp_size >> 8),
		                   (uint8_t)qy->udp_size,
		                   0,
		                   (uint8_t)qy->edns,
		                   0x80,
		                   0,
		                   0,
		                   0};
		memcpy(m + w, opt, sizeof(opt));
		w += sizeof(opt);
		m[11] = 1;
	}
	return w;
}

static void parse_reply(struct reply *rp)
{
	size_t off = 12;
	uint8_t qname[DNS_NAME_MAX];

	rp->flags = (uint16_t)(rp->b[2] << 8 | rp->b[3]);
	rp->rcode = DNS_F_RCODE(rp->flags);
	for (int i = 0; i < 4; i++)
		rp->count[i] = (uint16_t)(rp->b[4 + 2 * i] << 8 | rp->b[5 + 2 * i]);
	if (rp->count[0]) {
		assert_int_equal(dns_msg_name(rp->b, rp->len, &off, qname) > 0, 1);
		off += 4;
	}
	for (int s = 1; s < 4; s++)
		for (unsigned i = 0; i < rp->count[s]; i++) {
			struct dns_msg_rr rr;
			assert_int_equal(dns_msg_rr(rp->b, rp->len, &off, &rr), 0);
			if (rr.type == DNS_T_OPT) {
				rp->opt = true;
				rp->rcode |= (int)(rr.ttl >> 24) << 4;
				continue;
			}
			assert_true(rp->n < 64);
			struct rec *r = &rp->r[rp->n++];
			r->section = s;
			assert_true(dns_name_to_text(rr.owner, r->owner, sizeof(r->owner)) > 0);
			r->type = rr.type;
			r->ttl = rr.ttl;
			r->rdata_off = rr.rdata_off;
			r->rdlen = rr.rdlen;
		}
	assert_int_equal(off, rp->len);
}

static void ask(const struct query *qy, struct reply *rp, struct dns_answer_info *info)
{
	uint8_t m[512];
	size_t len = build(qy, m);
	struct dns_query q;
	struct dns_ask a = {.tcp = qy->tcp, .chaos = chaos_cfg, .reserve = qy->reserve};
	int rc = dns_msg_query(m, len, &q);

	memset(rp, 0, sizeof(*rp));
	rp->len = dns_answer(&zones, &q, rc, &a, rp->b, sizeof(rp->b), info);
	assert_true(rp->len >= 12);
	parse_reply(rp);
}

static void ask_simple(const char *name, uint16_t type, struct reply *rp,
                       struct dns_answer_info *info)
{
	struct query qy = {.name = name, .type = type, .class = DNS_C_IN, .edns = -1};
	ask(&qy, rp, info);
}

/* The records of a section, "owner TYPE" each, space-separated, in order. */
static void section_is(const struct reply *rp, int s, const char *want)
{
	char got[2048] = "", tn[12];

	for (size_t i = 0; i < rp->n; i++)
		if (rp->r[i].section == s) {
			size_t l = strlen(got);
			snprintf(got + l, sizeof(got) - l, "%s%s %s", l ? " " : "", rp->r[i].owner,
			         s == 1 && rp->r[i].type == DNS_T_CNAME ? "CNAME"
			         : rp->r[i].type == DNS_T_A             ? "A"
			         : rp->r[i].type == DNS_T_AAAA          ? "AAAA"
			         : rp->r[i].type == DNS_T_SOA           ? "SOA"
			         : rp->r[i].type == DNS_T_NS            ? "NS"
			         : rp->r[i].type == DNS_T_MX            ? "MX"
			         : rp->r[i].type == DNS_T_TXT           ? "TXT"
			         : rp->r[i].type == DNS_T_DNAME         ? "DNAME"
			         : rp->r[i].type == DNS_T_CNAME         ? "CNAME"
			         : rp->r[i].type == DNS_T_SRV
			             ? "SRV"
			             : (snprintf(tn, sizeof(tn), "%u", rp->r[i].type), tn));
		}
	assert_string_equal(got, want);
}

/* ---- answers ---- */

static void test_apex_and_additional(void **state)
{
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	ask_simple("example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	assert_true(rp.flags & DNS_F_AA);
	assert_true(rp.flags & DNS_F_RD);
	assert_false(rp.flags & DNS_F_RA);
	section_is(&rp, 1, "example.org. A");
	section_is(&rp, 2, "");
	assert_int_equal(info.kind, DNS_KIND_ANSWER);
	ask_simple("example.org.", DNS_T_MX, &rp, &info);
	section_is(&rp, 1, "example.org. MX");
	section_is(&rp, 3, "mail.example.org. A mail.example.org. AAAA");
	ask_simple("_sip._tcp.example.org.", 33, &rp, &info);
	section_is(&rp, 1, "_sip._tcp.example.org. SRV");
	section_is(&rp, 3, "mail.example.org. A mail.example.org. AAAA");
	/* NS: the in-zone server's address only. */
	ask_simple("example.org.", DNS_T_NS, &rp, &info);
	section_is(&rp, 1, "example.org. NS example.org. NS");
	section_is(&rp, 3, "ns1.example.org. A");
}

static void test_negative(void **state)
{
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	ask_simple("nope.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NXDOMAIN);
	assert_true(rp.flags & DNS_F_AA);
	section_is(&rp, 1, "");
	section_is(&rp, 2, "example.org. SOA");
	assert_int_equal(rp.r[0].ttl, 300); /* min(SOA TTL 3600, MINIMUM 300): RFC 2308 3 */
	assert_int_equal(info.kind, DNS_KIND_NXDOMAIN);
	ask_simple("ns1.example.org.", DNS_T_AAAA, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	section_is(&rp, 1, "");
	section_is(&rp, 2, "example.org. SOA");
	assert_int_equal(info.kind, DNS_KIND_NODATA);
	/* b.c and c exist only as the path to a.b.c: NODATA, not NXDOMAIN (RFC 4592 2.2.2). */
	ask_simple("b.c.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	section_is(&rp, 2, "example.org. SOA");
	ask_simple("c.example.org.", DNS_T_TXT, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	ask_simple("x.c.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NXDOMAIN);
}

static void test_wildcard(void **state)
{
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	ask_simple("x.wild.example.org.", DNS_T_TXT, &rp, &info);
	section_is(&rp, 1, "x.wild.example.org. TXT");
	assert_int_equal(info.kind, DNS_KIND_WILDCARD);
	ask_simple("y.x.wild.example.org.", DNS_T_TXT, &rp, &info);
	section_is(&rp, 1, "y.x.wild.example.org. TXT");
	/* The wildcard's type only: another type is NODATA. */
	ask_simple("x.wild.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	section_is(&rp, 1, "");
	section_is(&rp, 2, "example.org. SOA");
	/* wild. itself is an empty non-terminal, the wildcard does not cover it. */
	ask_simple("wild.example.org.", DNS_T_TXT, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	section_is(&rp, 1, "");
}

/*
 * Answers a wildcard or a DNAME made are marked so, whatever their kind
 * ends as: rate limiting keys them by the zone, not by the name asked,
 * which a flood makes up at will. The kind alone let a NODATA at a
 * wildcard, a wildcard's CNAME chased and a DNAME's answer each count as
 * a name of its own.
 */
static void test_synthesised_marked(void **state)
{
	static const struct {
		const char *name;
		uint16_t type;
		bool synthesised;
	} cases[] = {
	    {"x.wild.example.org.", DNS_T_TXT, true}, {"x.wild.example.org.", DNS_T_A, true},
	    {"x.cwild.example.org.", DNS_T_A, true},  {"x.d.example.org.", DNS_T_A, true},
	    {"mail.example.org.", DNS_T_A, false},    {"alias.example.org.", DNS_T_A, false},
	    {"nope.example.org.", DNS_T_A, false},    {"wild.example.org.", DNS_T_TXT, false},
	};
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ask_simple(cases[i].name, cases[i].type, &rp, &info);
		assert_int_equal(info.synthesised, cases[i].synthesised);
	}
	ask_simple("x.cwild.example.org.", DNS_T_A, &rp, &info);
	section_is(&rp, 1, "x.cwild.example.org. CNAME mail.example.org. A");
	assert_int_equal(info.kind, DNS_KIND_ANSWER);
}

/*
 * A wildcard there only as an empty non-terminal (x.*.ent2) still matches
 * (RFC 4592 2.2.2): NODATA for what it covers, not NXDOMAIN, as nsd
 * answers; and it is a wildcard's answer for rate limiting.
 */
static void test_wildcard_empty_non_terminal(void **state)
{
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	ask_simple("foo.ent2.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	section_is(&rp, 1, "");
	section_is(&rp, 2, "example.org. SOA");
	assert_true(info.synthesised);
	ask_simple("x.foo.ent2.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	ask_simple("x.*.ent2.example.org.", DNS_T_A, &rp, &info);
	section_is(&rp, 1, "x.*.ent2.example.org. A");
	ask_simple("foo.nope.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NXDOMAIN);
}

static void test_cname(void **state)
{
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	ask_simple("alias.example.org.", DNS_T_A, &rp, &info);
	section_is(&rp, 1, "alias.example.org. CNAME www.example.org. CNAME example.org. A");
	ask_simple("alias.example.org.", DNS_T_CNAME, &rp, &info);
	section_is(&rp, 1, "alias.example.org. CNAME");
	/* A target outside our zones is left to the resolver. */
	ask_simple("ext.example.org.", DNS_T_A, &rp, &info);
	section_is(&rp, 1, "ext.example.org. CNAME");
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	/* A loop stops after DNS_CHASE_MAX steps, each CNAME once at most but for the turn. */
	ask_simple("loop1.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.count[1], DNS_CHASE_MAX + 1);
}

static void test_referral_and_dname(void **state)
{
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	/* The two that answers look above their names for: sub's cut and d's DNAME. */
	assert_int_equal(zone->redirects, 2);
	ask_simple("host.sub.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	assert_false(rp.flags & DNS_F_AA);
	section_is(&rp, 1, "");
	section_is(&rp, 2, "sub.example.org. NS");
	section_is(&rp, 3, "ns.sub.example.org. A");
	assert_int_equal(info.kind, DNS_KIND_REFERRAL);
	/* The cut itself is referred too, but for DS (the parent's side). */
	ask_simple("sub.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(info.kind, DNS_KIND_REFERRAL);
	ask_simple("sub.example.org.", DNS_T_DS, &rp, &info);
	assert_true(rp.flags & DNS_F_AA);
	section_is(&rp, 2, "example.org. SOA");
	ask_simple("x.d.example.org.", DNS_T_A, &rp, &info);
	section_is(&rp, 1, "d.example.org. DNAME x.d.example.org. CNAME");
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
}

static const struct dns_zone *zone_saved;

/* Serve `text` as example.org. in place of the fixture's zone, until zone_restore. */
static struct dns_zone *zone_use(const char *text, size_t len)
{
	struct dns_zone *z;
	char err[256];

	assert_int_equal(dns_zone_load("zones/example.org.zone", text, len,
	                               (const uint8_t *)"\7example\3org", &z, err, sizeof(err)),
	                 0);
	zone_saved = zone_list[0];
	zone_list[0] = z;
	return z;
}

static void zone_restore(struct dns_zone *z)
{
	zone_list[0] = zone_saved;
	dns_zone_free(z);
}

/*
 * A zone with no cut and no DNAME (a home's, most often) has nothing for
 * an answer to look above its name for: none is counted, and names deep
 * below the apex are answered as ever. The apex's node is the first
 * (dns_zone_apex), the one a lookup finds.
 */
static void test_no_redirects(void **state)
{
	static const char text[] = "$TTL 60\n@ SOA ns hm 1 1 1 1 1\n@ NS ns\nns A 192.0.2.53\n"
	                           "a.b.c A 192.0.2.9\n";
	struct dns_zone *z = zone_use(text, sizeof(text) - 1);
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	assert_int_equal(z->redirects, 0);
	assert_non_null(dns_zone_apex(z));
	assert_ptr_equal(dns_zone_apex(z), dns_zone_find(z, z->apex, NULL));
	assert_ptr_equal(dns_zone_apex(zone), dns_zone_find(zone, zone->apex, NULL));
	ask_simple("a.b.c.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	section_is(&rp, 1, "a.b.c.example.org. A");
	ask_simple("x.a.b.c.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NXDOMAIN);
	section_is(&rp, 2, "example.org. SOA");
	ask_simple("b.c.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	assert_int_equal(info.kind, DNS_KIND_NODATA);
	zone_restore(z);
}

/* ---- the index of names (db.c) against its definition, name by name ---- */

static const uint8_t *index_zone_name(const struct dns_zone *z, uint32_t i)
{
	return dns_node_name(z, &z->nodes[i]);
}

/* The node named `name` by a search of every node, or NULL. */
static const struct dns_node *node_by_scan(const struct dns_zone *z, const uint8_t *name)
{
	for (uint32_t i = 0; i < z->nnodes; i++)
		if (dns_name_eq(index_zone_name(z, i), name))
			return &z->nodes[i];
	return NULL;
}

/* A node before the i-th is at or below `name`. */
static bool exists_by_scan_before(const struct dns_zone *z, uint32_t i, const uint8_t *name)
{
	for (uint32_t j = 0; j < i; j++)
		if (dns_name_is_sub(index_zone_name(z, j), name))
			return true;
	return false;
}

/* 0 to n - 1, from a linear congruential sequence: the same zone on every run. */
static unsigned draw(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

/* In the zone by definition: at or below its apex, and a node at or below it (RFC 4592 2.2.2). */
static bool exists_by_scan(const struct dns_zone *z, const uint8_t *name)
{
	return dns_name_is_sub(name, z->apex) && exists_by_scan_before(z, z->nnodes, name);
}

/* dns_zone_find for `name` agrees with the scans; true if the name is an empty non-terminal. */
static bool find_agrees(const struct dns_zone *z, const uint8_t *name)
{
	bool exists = false;
	const struct dns_node *n = dns_zone_find(z, name, &exists);

	assert_ptr_equal(n, node_by_scan(z, name));
	assert_int_equal(exists, exists_by_scan(z, name));
	return exists && !n;
}

/*
 * Every name of a zone of 1,500 records at random names (1 to 6 labels
 * below the apex, each of 1 to 3 letters of 3, so names share labels:
 * 1,236 names and 1,968 empty non-terminals), asked in the other case,
 * with every ancestor and a name beside and below each: the index finds
 * the node a scan finds, and says a name is in the zone exactly when a
 * node is at or below it. Each empty non-terminal is in the index once,
 * and the index is at most half full.
 */
static void test_index(void **state)
{
	static char text[96 * 1024];
	size_t len =
	    (size_t)snprintf(text, sizeof(text), "$TTL 60\n@ SOA ns hm 1 1 1 1 1\n@ NS ns\n");
	unsigned seed = 12345, ents = 0, used = 0;
	struct dns_zone *z;
	(void)state;
	for (int r = 0; r < 1500; r++) {
		unsigned labels = 1 + draw(&seed, 6);
		for (unsigned l = 0; l < labels; l++) {
			unsigned letters = 1 + draw(&seed, 3);
			for (unsigned c = 0; c < letters; c++)
				text[len++] = "abC"[draw(&seed, 3)];
			text[len++] = l + 1 < labels ? '.' : ' ';
		}
		len += (size_t)snprintf(text + len, sizeof(text) - len, "A 192.0.2.%d\n", r % 256);
		assert_true(len < sizeof(text) - 64);
	}
	z = zone_use(text, len);
	assert_true(z->nnodes > 500);
	for (uint32_t i = 0; i < z->nnodes; i++) {
		uint8_t name[DNS_NAME_MAX + 2], *p;
		int n = dns_name_len(index_zone_name(z, i), DNS_NAME_MAX);
		memcpy(name + 2, index_zone_name(z, i), (size_t)n);
		assert_ptr_equal(dns_zone_find(z, name + 2, NULL), &z->nodes[i]);
		for (p = name + 2; *p; p += 1u + *p) /* the other case */
			for (unsigned k = 1; k <= *p; k++)
				p[k] ^= 0x20;
		assert_ptr_equal(dns_zone_find(z, name + 2, NULL), &z->nodes[i]);
		/* Its ancestors, the root too; an empty non-terminal counted where first met. */
		for (int up = 0; up <= dns_name_labels(name + 2); up++)
			if (find_agrees(z, dns_name_parent(name + 2, up)) && up > 0 &&
			    !exists_by_scan_before(z, i, dns_name_parent(name + 2, up)))
				ents++;
		name[0] = 1; /* a child */
		name[1] = 'q';
		find_agrees(z, name);
		name[3] = 'q'; /* a sibling: its first letter changed */
		find_agrees(z, name + 2);
	}
	for (uint32_t i = 0; i <= z->index_mask; i++)
		used += z->index[i] != 0;
	assert_true(ents > 100);
	assert_int_equal(used, z->nnodes + ents);
	assert_true(2 * used <= z->index_mask + 1);
	zone_restore(z);
}

/* Load zone_text, its k-th allocation failing (0: none): the result; *z freed. */
static int load_failing(unsigned k, char *err, size_t errsize)
{
	struct dns_zone *z = NULL;
	int r;

	allocations = 0;
	alloc_fail_nth = k;
	r = dns_zone_load("zones/example.org.zone", zone_text, sizeof(zone_text) - 1,
	                  (const uint8_t *)"\7example\3org", &z, err, errsize);
	alloc_fail_nth = 0;
	if (!r)
		assert_non_null(dns_zone_find(z, (const uint8_t *)"\1a\1b\1c\7example\3org", NULL));
	dns_zone_free(z);
	return r;
}

/*
 * Out of memory at each allocation a load makes, in turn: -ENOMEM, said
 * so, nothing leaked (ASan). Only the three that give back what the
 * arrays were grown past may fail and the zone load (shrink()); the
 * index's, the last, may not.
 */
static void test_load_out_of_memory(void **state)
{
	char err[256];
	unsigned n, refused = 0;
	(void)state;
	assert_int_equal(load_failing(0, err, sizeof(err)), 0);
	n = allocations;
	for (unsigned k = 1; k <= n; k++) {
		int r = load_failing(k, err, sizeof(err));
		if (r == 0)
			continue;
		assert_int_equal(r, -ENOMEM);
		assert_string_equal(err, "zones/example.org.zone: out of memory loading the zone");
		refused++;
	}
	assert_int_equal(refused, n - 3);
	assert_int_equal(load_failing(n, err, sizeof(err)), -ENOMEM);
}

/*
 * A DNAME at the apex (RFC 6672 2.3, 3.3: the zone renamed) rewrites every
 * name below it; the apex itself is answered from its own records.
 */
static void test_apex_dname(void **state)
{
	static const char text[] = "$TTL 60\n@ SOA ns hm 1 1 1 1 1\n@ NS ns.example.net.\n"
	                           "@ A 192.0.2.1\n@ DNAME example.net.\n";
	struct dns_zone *z = zone_use(text, sizeof(text) - 1);
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	assert_int_equal(z->redirects, 1); /* the apex's DNAME; its NS is no cut */
	ask_simple("www.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	section_is(&rp, 1, "example.org. DNAME www.example.org. CNAME");
	assert_memory_equal(rp.b + rp.r[1].rdata_off, "\3www\7example\3net", 17);
	ask_simple("example.org.", DNS_T_A, &rp, &info);
	section_is(&rp, 1, "example.org. A");
	zone_restore(z);
}

/*
 * A CNAME of ours to a name below one of our delegations: the CNAME, then
 * the referral for its target; AA stays, for the name asked is ours (RFC
 * 1035 4.1.1: AA is the query name's, the first owner in the answer).
 */
static void test_cname_to_referral(void **state)
{
	static const char text[] = "$TTL 60\n@ SOA ns hm 1 1 1 1 1\n@ NS ns\nns A 192.0.2.53\n"
	                           "sub NS ns.sub\nns.sub A 192.0.2.99\nto CNAME host.sub\n";
	struct dns_zone *z = zone_use(text, sizeof(text) - 1);
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	ask_simple("to.example.org.", DNS_T_A, &rp, &info);
	zone_restore(z);
	section_is(&rp, 1, "to.example.org. CNAME");
	section_is(&rp, 2, "sub.example.org. NS");
	assert_true(rp.flags & DNS_F_AA);
	/* The referral alone is not authoritative. */
	ask_simple("host.sub.example.org.", DNS_T_A, &rp, &info);
	assert_false(rp.flags & DNS_F_AA);
}

/*
 * A query for a server cookie alone (RFC 7873 5.4): no question, an OPT
 * with the client's cookie. The answer: NOERROR, no records, and the
 * client's cookie with ours. Without a COOKIE it stays FORMERR.
 */
static void test_cookie_only_query(void **state)
{
	static const uint8_t query[] = {0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	                                /* OPT: root, type 41, 1232, TTL 0, rdlength 12 */
	                                0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 12,
	                                /* COOKIE (10), 8 octets: the client's */
	                                0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t server[16] = {1, 0, 0, 0, 0x65, 0x43, 0x21, 0, 9, 9, 9, 9, 9, 9, 9, 9};
	struct dns_ask a = {.cookie = server, .cookie_len = sizeof(server)};
	struct dns_answer_info info;
	struct dns_query q;
	struct reply rp;
	int rc = dns_msg_query(query, sizeof(query), &q);
	(void)state;
	memset(&rp, 0, sizeof(rp));
	rp.len = dns_answer(&zones, &q, rc, &a, rp.b, sizeof(rp.b), &info);
	assert_true(rp.len >= 12);
	parse_reply(&rp);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	assert_int_equal(rp.count[0] + rp.count[1] + rp.count[2], 0);
	assert_true(rp.opt);
	assert_memory_equal(rp.b + rp.len - 24, query + 27, 8);
	assert_memory_equal(rp.b + rp.len - 16, server, 16);
	/* No COOKIE, no question: FORMERR. */
	uint8_t bare[23];
	memcpy(bare, query, sizeof(bare));
	bare[22] = 0; /* OPT's rdlength */
	assert_int_equal(dns_msg_query(bare, sizeof(bare), &q), DNS_R_FORMERR);
}

/*
 * The answer to an UPDATE (dns_answer_rcode; server.c decides its rcode):
 * EDNS version 1 is BADVERS (RFC 6891 6.1.3), and NOTIFY's too; the
 * answer's OPT is version 0 with the extended rcode 1, the header's
 * rcode 0 and no flag set by the rcode's upper bits; the client's cookie
 * comes back with ours (RFC 7873 5.2), so does it with a REFUSED; no OPT
 * without one in the update. dns_msg_rcode reads each back.
 */
static void test_update_answer(void **state)
{
	static const uint8_t server[16] = {1, 0, 0, 0, 0x65, 0x43, 0x21, 0, 7, 7, 7, 7, 7, 7, 7, 7};
	static const uint8_t client[12] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	struct query qy = {.name = "example.org.",
	                   .type = DNS_T_SOA,
	                   .class = DNS_C_IN,
	                   .opcode = DNS_OP_UPDATE,
	                   .edns = 1,
	                   .udp_size = 1232};
	struct dns_ask a = {.cookie = server, .cookie_len = sizeof(server)};
	struct dns_answer_info info;
	struct dns_query q;
	struct reply rp;
	uint8_t m[512];
	size_t len = build(&qy, m);
	(void)state;

	memcpy(m + len, client, sizeof(client)); /* a COOKIE option, the client's part */
	m[len - 1] = sizeof(client);
	len += sizeof(client);
	assert_int_equal(dns_msg_query(m, len, &q), 0);
	assert_int_equal(dns_answer_version(&q), DNS_R_BADVERS);
	memset(&rp, 0, sizeof(rp));
	rp.len = dns_answer_rcode(&q, dns_answer_version(&q), &a, rp.b, sizeof(rp.b), &info);
	parse_reply(&rp);
	assert_int_equal(rp.rcode, DNS_R_BADVERS);
	assert_int_equal(dns_msg_rcode(rp.b, rp.len), DNS_R_BADVERS);
	assert_int_equal(rp.flags, DNS_F_QR | DNS_OP_UPDATE << 11 | DNS_F_RD);
	assert_int_equal(rp.count[0], 1);
	assert_true(rp.opt);
	assert_int_equal(info.opt_off, rp.len - 39); /* 11 bytes, the option's 4 and 24 */
	assert_int_equal(rp.b[info.opt_off + 5], 1); /* the extended rcode, */
	assert_int_equal(rp.b[info.opt_off + 6], 0); /* the version */
	assert_memory_equal(rp.b + rp.len - 24, client + 4, 8);
	assert_memory_equal(rp.b + rp.len - 16, server, 16);
	/* Version 0: REFUSED (server.c's, for one unsigned), the cookie still answered. */
	m[len - sizeof(client) - 5] = 0;
	assert_int_equal(dns_msg_query(m, len, &q), 0);
	assert_int_equal(dns_answer_version(&q), 0);
	rp.len = dns_answer_rcode(&q, DNS_R_REFUSED, &a, rp.b, sizeof(rp.b), &info);
	assert_int_equal(dns_msg_rcode(rp.b, rp.len), DNS_R_REFUSED);
	assert_memory_equal(rp.b + rp.len - 16, server, 16);
	/* No OPT in the update: none in the answer, the rcode in the header. */
	qy.edns = -1;
	assert_int_equal(dns_msg_query(m, build(&qy, m), &q), 0);
	memset(&rp, 0, sizeof(rp));
	rp.len = dns_answer_rcode(&q, DNS_R_NOTAUTH, &a, rp.b, sizeof(rp.b), &info);
	parse_reply(&rp);
	assert_false(rp.opt);
	assert_int_equal(rp.rcode, DNS_R_NOTAUTH);
	assert_int_equal(dns_msg_rcode(rp.b, rp.len), DNS_R_NOTAUTH);
	/* A NOTIFY of version 1 is BADVERS too, before its NOTIMP. */
	qy.opcode = DNS_OP_NOTIFY;
	qy.edns = 1;
	ask(&qy, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_BADVERS);
	qy.edns = 0;
	ask(&qy, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOTIMP);
}

static void test_refused_and_errors(void **state)
{
	struct reply rp;
	struct dns_answer_info info;
	struct query qy = {.name = "example.org.", .type = DNS_T_A, .class = DNS_C_IN, .edns = -1};
	(void)state;
	ask_simple("example.net.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_REFUSED);
	assert_false(rp.flags & DNS_F_AA);
	assert_int_equal(info.kind, DNS_KIND_REFUSED);
	qy.class = DNS_C_CH;
	ask(&qy, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_REFUSED);
	qy.class = DNS_C_IN;
	qy.opcode = 2; /* STATUS */
	ask(&qy, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOTIMP);
	qy.opcode = 0;
	qy.edns = 1;
	qy.udp_size = 1232;
	ask(&qy, &rp, &info);
	assert_true(rp.opt);
	assert_int_equal(rp.rcode, DNS_R_BADVERS);
	section_is(&rp, 1, "");
	qy.type = DNS_T_AXFR; /* a transfer is TCP's, and needs TSIG */
	qy.edns = -1;
	ask(&qy, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOTIMP);
	qy.tcp = true;
	ask(&qy, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_REFUSED);
	/* QCLASS * is answered from IN. */
	qy =
	    (struct query){.name = "example.org.", .type = DNS_T_A, .class = DNS_C_ANY, .edns = -1};
	ask(&qy, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	section_is(&rp, 1, "example.org. A");
}

/*
 * The question's case comes back as asked, and answers' owners with it;
 * compression matches names ignoring case, so the CNAME's target, the
 * question's suffix, reads back in the question's case too.
 */
static void test_case_kept(void **state)
{
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	ask_simple("WwW.ExAmPlE.oRg.", DNS_T_A, &rp, &info);
	section_is(&rp, 1, "WwW.ExAmPlE.oRg. CNAME ExAmPlE.oRg. A");
	assert_memory_equal(rp.b + 12, "\3WwW\7ExAmPlE\3oRg", 16);
}

/* A big RRset: over UDP without EDNS it does not fit in 512 bytes, TC; over TCP it does. */
static void test_truncation(void **state)
{
	struct dns_zone *big;
	char text[16384];
	size_t w = (size_t)snprintf(text, sizeof(text), "$TTL 60\n@ SOA ns hm 1 1 1 1 1\n");
	struct reply rp;
	struct dns_answer_info info;
	struct query qy = {
	    .name = "example.org.", .type = DNS_T_TXT, .class = DNS_C_IN, .edns = -1};
	(void)state;
	for (int i = 0; i < 40; i++)
		w += (size_t)snprintf(text + w, sizeof(text) - w,
		                      "@ TXT \"record %02d of a set too big for one datagram\"\n",
		                      i);
	big = zone_use(text, w);
	ask(&qy, &rp, &info);
	assert_true(rp.flags & DNS_F_TC);
	assert_true(info.truncated);
	assert_int_equal(rp.count[1], 0); /* the RRset whole or not at all */
	assert_true(rp.len <= 512);
	qy.edns = 0;
	qy.udp_size = 4096; /* more than ours: 1232 is the limit */
	ask(&qy, &rp, &info);
	assert_true(rp.flags & DNS_F_TC);
	assert_true(rp.len <= DNS_EDNS_SIZE);
	assert_true(rp.opt);
	qy.tcp = true;
	ask(&qy, &rp, &info);
	assert_false(rp.flags & DNS_F_TC);
	assert_int_equal(rp.count[1], 40);
	zone_restore(big);
}

/*
 * Room kept for a TSIG (dns_ask's reserve, what the server keeps for a
 * signed answer): the answer is cut as an unsigned one is, whole RRsets at
 * a time, to leave it free; the rcode and the OPT stay. MX with its
 * additional addresses in 512 bytes, then less and less room.
 */
static void test_reserve(void **state)
{
	struct query qy = {.name = "example.org.",
	                   .type = DNS_T_MX,
	                   .class = DNS_C_IN,
	                   .edns = 0,
	                   .udp_size = 512};
	struct reply rp;
	struct dns_answer_info info;
	size_t whole;
	(void)state;
	ask(&qy, &rp, &info);
	section_is(&rp, 3, "mail.example.org. A mail.example.org. AAAA");
	whole = rp.len;
	/* Room for all but the AAAA: it goes quietly, no TC (RFC 2181 9). */
	qy.reserve = 512 - whole + 1;
	ask(&qy, &rp, &info);
	assert_true(rp.len <= 512 - qy.reserve);
	section_is(&rp, 1, "example.org. MX");
	section_is(&rp, 3, "mail.example.org. A");
	assert_false(rp.flags & DNS_F_TC);
	assert_true(rp.opt);
	/* No room for the MX: TC, NOERROR, the OPT. */
	qy.reserve = 512 - 40;
	ask(&qy, &rp, &info);
	assert_true(rp.len <= 512 - qy.reserve);
	assert_int_equal(rp.count[1], 0);
	assert_true(rp.flags & DNS_F_TC);
	assert_true(rp.flags & DNS_F_AA);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	assert_true(rp.opt);
	/* NXDOMAIN without room for the SOA: still NXDOMAIN, with the OPT. */
	qy.name = "nope.example.org.";
	qy.type = DNS_T_A;
	qy.reserve = 512 - 50;
	ask(&qy, &rp, &info);
	assert_true(rp.len <= 512 - qy.reserve);
	assert_int_equal(rp.rcode, DNS_R_NXDOMAIN);
	section_is(&rp, 2, "");
	assert_true(rp.opt);
}

/*
 * A rate limit's slip (dns_answer_slip): the header, TC set, AA and the
 * rcode kept; the question as the answer wrote it; the OPT record, the
 * client's DO echoed in it; nothing else. Without EDNS, no OPT.
 */
static void slip_is(const struct query *qy, int rcode, bool opt)
{
	struct reply rp, whole;
	struct dns_answer_info info;

	ask(qy, &whole, &info);
	memset(&rp, 0, sizeof(rp));
	memcpy(rp.b, whole.b, whole.len);
	rp.len = dns_answer_slip(rp.b, whole.len, &info);
	parse_reply(&rp);
	assert_true(whole.n > 0);
	assert_true(rp.flags & DNS_F_TC);
	assert_true(rp.flags & DNS_F_AA);
	assert_int_equal(rp.rcode, rcode);
	assert_int_equal(rp.count[0], 1);
	assert_int_equal(rp.count[1], 0);
	assert_int_equal(rp.count[2], 0);
	assert_int_equal(rp.count[3], opt ? 1 : 0);
	assert_int_equal(rp.opt, opt);
	assert_int_equal(rp.n, 0);
	assert_memory_equal(rp.b + 12, whole.b + 12, info.question_end - 12);
	assert_int_equal(rp.len, info.question_end + (opt ? 11 : 0));
	if (opt)
		assert_int_equal(rp.b[rp.len - 4] & 0x80, 0x80); /* DO, the TTL's flags */
}

static void test_slip(void **state)
{
	struct query mx = {.name = "Example.org.",
	                   .type = DNS_T_MX,
	                   .class = DNS_C_IN,
	                   .edns = 0,
	                   .udp_size = 1232};
	struct query nx = {
	    .name = "nope.example.org.", .type = DNS_T_A, .class = DNS_C_IN, .edns = -1};
	(void)state;
	slip_is(&mx, DNS_R_NOERROR, true);
	slip_is(&nx, DNS_R_NXDOMAIN, false);
	nx.edns = 0;
	nx.udp_size = 512;
	slip_is(&nx, DNS_R_NXDOMAIN, true);
}

/*
 * An RRset whose records the file gives different TTLs (RFC 2181 5.2: one
 * TTL an RRset) is served with the lowest of them, whatever their order,
 * and a record repeated with another TTL is kept once with the lower; the
 * zone counts such RRsets and the first one's line, for the service's warning.
 */
static void test_mixed_ttls(void **state)
{
	static const char text[] = "$TTL 60\n@ SOA ns hm 1 1 1 1 1\n"
	                           "multi 600 A 192.0.2.2\n"
	                           "multi 300 A 192.0.2.1\n"
	                           "multi 900 A 192.0.2.3\n"
	                           "same 900 A 192.0.2.9\n"
	                           "same 300 A 192.0.2.9\n"
	                           "one 900 A 192.0.2.4\n"
	                           "one 900 AAAA 2001:db8::4\n";
	struct dns_zone *z = zone_use(text, sizeof(text) - 1);
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	ask_simple("multi.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.count[1], 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(rp.r[i].ttl, 300);
	ask_simple("same.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.count[1], 1);
	assert_int_equal(rp.r[0].ttl, 300);
	ask_simple("one.example.org.", DNS_T_A, &rp, &info);
	assert_int_equal(rp.r[0].ttl, 900);
	assert_int_equal(z->ttls_mixed, 2);
	assert_int_equal(z->ttls_line, 3);
	zone_restore(z);
}

/* CHAOS identity (RFC 4892): told only when the owner turned it on, and only TXT. */
static void test_chaos(void **state)
{
	static const struct dns_chaos on = {"twin", "appliance 1.0"};
	struct reply rp;
	struct dns_answer_info info;
	struct query qy = {.name = "id.server.", .type = DNS_T_TXT, .class = DNS_C_CH, .edns = -1};
	(void)state;
	ask(&qy, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_REFUSED);
	chaos_cfg = &on;
	ask(&qy, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_NOERROR);
	assert_true(rp.flags & DNS_F_AA);
	section_is(&rp, 1, "id.server. TXT");
	assert_memory_equal(rp.b + rp.r[0].rdata_off, "\4twin", 5);
	qy.name = "VERSION.bind.";
	ask(&qy, &rp, &info);
	assert_memory_equal(rp.b + rp.r[0].rdata_off, "\15appliance 1.0", 14);
	qy.type = DNS_T_A;
	ask(&qy, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_REFUSED);
	qy = (struct query){
	    .name = "other.server.", .type = DNS_T_TXT, .class = DNS_C_CH, .edns = -1};
	ask(&qy, &rp, &info);
	assert_int_equal(rp.rcode, DNS_R_REFUSED);
	chaos_cfg = NULL;
}

/* ---- the loader's rules ---- */

static void refused_load(const char *text, const char *want)
{
	struct dns_zone *z = NULL;
	char err[256];
	int r = dns_zone_load("zones/example.org.zone", text, strlen(text),
	                      (const uint8_t *)"\7example\3org", &z, err, sizeof(err));

	assert_int_equal(r, -EINVAL);
	assert_string_equal(err, want);
	assert_null(z);
}

static void test_zone_rules(void **state)
{
	(void)state;
	refused_load("$TTL 60\n@ A 192.0.2.1\n",
	             "zones/example.org.zone:1: no SOA record at the zone's apex 'example.org.'");
	refused_load("$TTL 60\n@ SOA ns hm 1 1 1 1 1\nwww CNAME @\nwww A 192.0.2.1\n",
	             "zones/example.org.zone:3: 'www.example.org.' has a CNAME and other records "
	             "(RFC 1034 3.6.2)");
	refused_load("$TTL 60\n@ SOA ns hm 1 1 1 1 1\n@ CNAME www\n",
	             "zones/example.org.zone:3: 'example.org.' has a CNAME and other records (RFC "
	             "1034 3.6.2)");
	refused_load(
	    "$TTL 60\n@ SOA ns hm 1 1 1 1 1\nx.example.net. A 192.0.2.1\n",
	    "zones/example.org.zone:3: 'x.example.net.' is outside the zone 'example.org.'");
	refused_load("$TTL 60\n@ SOA ns hm 1 1 1 1 1\n@ SOA ns hm 2 1 1 1 1\n",
	             "zones/example.org.zone:2: more than one SOA record");
	refused_load("$TTL 60\n@ SOA ns hm 1 1 1 1 1\nsub SOA ns hm 1 1 1 1 1\n",
	             "zones/example.org.zone:3: SOA record at 'sub.example.org.', not at the apex");
	refused_load("$TTL 60\n@ SOA ns hm 1 1 1 1 1\nd DNAME a.\nd DNAME b.\n",
	             "zones/example.org.zone:3: 'd.example.org.' has more than one DNAME (RFC 6672 "
	             "2.4)");
}

/* A zone whose one TXT, at big.example.org. (17 octets), is big_txt's. */
#define BIG_HEAD "$TTL 60\n@ SOA ns hm 1 1 1 1 1\nbig TXT"

/* NAME's TXT over TCP, the room kept that the TSIG and our OPT's cookie would take. */
static struct query big_query(const char *name)
{
	return (struct query){.name = name,
	                      .type = DNS_T_TXT,
	                      .class = DNS_C_IN,
	                      .edns = 0,
	                      .udp_size = 1232,
	                      .tcp = true,
	                      .reserve =
	                          DNS_TSIG_SPACE_MAX + 4 + DNS_COOKIE_CLIENT + DNS_COOKIE_LEN};
}

/*
 * The largest record a zone may hold: 65535 octets of message less the
 * header (12), the question (17 + 4), the owner as a pointer (2), its
 * type, class, TTL and length (10), an OPT with our cookie (39) and the
 * largest TSIG (332): 65119 octets of rdata for big.example.org. It
 * loads, and its answer over TCP with that room kept is whole; one octet
 * more is refused, the error naming the record and the bound.
 */
static void test_record_size(void **state)
{
	static char text[140000];
	struct query qy = big_query("big.example.org.");
	struct dns_zone *z = zone_use(text, big_txt(text, sizeof(text), BIG_HEAD, 65119));
	struct reply rp;
	struct dns_answer_info info;
	char err[256];
	(void)state;
	assert_int_equal(DNS_TSIG_SPACE_MAX, 332);
	ask(&qy, &rp, &info);
	section_is(&rp, 1, "big.example.org. TXT");
	assert_int_equal(rp.r[0].rdlen, 65119);
	assert_false(rp.flags & DNS_F_TC);
	assert_int_equal(rp.len, DNS_MSG_MAX - qy.reserve);
	zone_restore(z);
	z = NULL;
	assert_int_equal(dns_zone_load("zones/example.org.zone", text,
	                               big_txt(text, sizeof(text), BIG_HEAD, 65120),
	                               (const uint8_t *)"\7example\3org", &z, err, sizeof(err)),
	                 -EINVAL);
	assert_null(z);
	assert_string_equal(err,
	                    "zones/example.org.zone:3: 'big.example.org.' TXT has 65120 octets "
	                    "of rdata, over the 65119 that a message of 65535 can carry beside "
	                    "its header, question, owner, OPT and TSIG");
}

/*
 * The bound is for a query of the record's own name. Reached through a
 * CNAME, the largest record no longer fits beside the CNAME: the answer
 * over TCP is the CNAME with TC set, the TXT left out whole rather than
 * cut (RFC 2181 9), and the client knows it is not all.
 */
static void test_record_size_by_cname(void **state)
{
	static char text[140000];
	struct query qy = big_query("alias.example.org.");
	size_t len = big_txt(text, sizeof(text), BIG_HEAD, 65119);
	struct dns_zone *z;
	struct reply rp;
	struct dns_answer_info info;
	(void)state;
	len += (size_t)snprintf(text + len, sizeof(text) - len, "alias CNAME big\n");
	z = zone_use(text, len);
	ask(&qy, &rp, &info);
	section_is(&rp, 1, "alias.example.org. CNAME");
	assert_true(rp.flags & DNS_F_TC);
	assert_true(info.truncated);
	zone_restore(z);
}

/* Serial number arithmetic (RFC 1982 3.2), across the wrap and at its undefined middle. */
static void test_serials(void **state)
{
	(void)state;
	assert_true(dns_serial_lt(1, 2));
	assert_false(dns_serial_lt(2, 1));
	assert_false(dns_serial_lt(7, 7));
	assert_true(dns_serial_lt(0xffffffffu, 0));
	assert_true(dns_serial_lt(0xfffffff0u, 5));
	assert_false(dns_serial_lt(5, 0xfffffff0u));
	assert_true(dns_serial_lt(0, 0x7fffffffu));
	assert_false(dns_serial_lt(0, 0x80000000u)); /* undefined: neither is before */
	assert_false(dns_serial_lt(0x80000000u, 0));
}

/* Records repeated exactly are one; names differing in case are one node. */
static void test_duplicates(void **state)
{
	struct dns_zone *z;
	char err[256];
	const char *text = "$TTL 60\n@ SOA ns hm 7 1 1 1 1\nwww A 192.0.2.1\nWWW A 192.0.2.1\n"
	                   "www A 192.0.2.2\n";
	(void)state;
	assert_int_equal(dns_zone_load("z", text, strlen(text), (const uint8_t *)"\7example\3org",
	                               &z, err, sizeof(err)),
	                 0);
	assert_int_equal(z->serial, 7);
	assert_int_equal(z->nnodes, 2);
	assert_int_equal(z->records, 3);
	dns_zone_free(z);
}

/*
 * An RRset's count is 16 bits (db.h): 65,535 records of one name and type
 * load and are all there; a 65,536th is refused, not counted round to none.
 * Such a set (about 1 MiB) fits no message: asked for over TCP, the answer
 * is TC with none of it, never a part of the set as if it were all (RFC
 * 2181 9). A transfer carries it whole (test_xfr.c).
 */
static void rrset_of(unsigned n, struct dns_zone **z, char *err, size_t errsize, int *r)
{
	size_t w;
	char *text = big_rrset(n, &w);

	*r = dns_zone_load("zones/example.org.zone", text, w, (const uint8_t *)"\7example\3org", z,
	                   err, errsize);
	free(text);
}

static void test_rrset_limit(void **state)
{
	struct dns_zone *z = NULL;
	const struct dns_set *s;
	struct dns_rec_iter it;
	const uint8_t *rd;
	uint16_t len;
	uint32_t ttl, n = 0;
	char err[256];
	int r;
	(void)state;
	rrset_of(65535, &z, err, sizeof(err), &r);
	assert_int_equal(r, 0);
	s = dns_node_set(z, dns_zone_find(z, (const uint8_t *)"\3big\7example\3org", NULL),
	                 DNS_T_A);
	assert_non_null(s);
	dns_set_records(s, &it);
	while (dns_rec_next(z, &it, &ttl, &rd, &len))
		n++;
	assert_int_equal(n, 65535);
	zone_saved = zone_list[0];
	zone_list[0] = z;
	{
		struct query qy = big_query("big.example.org.");
		struct dns_answer_info info;
		struct reply rp;

		qy.type = DNS_T_A;
		ask(&qy, &rp, &info);
		assert_true(rp.flags & DNS_F_TC);
		section_is(&rp, 1, "");
	}
	zone_restore(z);
	z = NULL;
	rrset_of(65536, &z, err, sizeof(err), &r);
	assert_int_equal(r, -EINVAL);
	assert_null(z);
	assert_non_null(strstr(err, "more than 65535 records of one name and type"));
}

static int setup(void **state)
{
	char err[256];
	(void)state;
	if (dns_zone_load("zones/example.org.zone", zone_text, sizeof(zone_text) - 1,
	                  (const uint8_t *)"\7example\3org", &zone, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	zone_list[0] = zone;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dns_zone_free(zone);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_apex_and_additional),
	    cmocka_unit_test(test_negative),
	    cmocka_unit_test(test_wildcard),
	    cmocka_unit_test(test_cname),
	    cmocka_unit_test(test_synthesised_marked),
	    cmocka_unit_test(test_wildcard_empty_non_terminal),
	    cmocka_unit_test(test_referral_and_dname),
	    cmocka_unit_test(test_no_redirects),
	    cmocka_unit_test(test_apex_dname),
	    cmocka_unit_test(test_cname_to_referral),
	    cmocka_unit_test(test_cookie_only_query),
	    cmocka_unit_test(test_refused_and_errors),
	    cmocka_unit_test(test_record_size),
	    cmocka_unit_test(test_record_size_by_cname),
	    cmocka_unit_test(test_update_answer),
	    cmocka_unit_test(test_case_kept),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_reserve),
	    cmocka_unit_test(test_slip),
	    cmocka_unit_test(test_chaos),
	    cmocka_unit_test(test_index),
	    cmocka_unit_test(test_load_out_of_memory),
	    cmocka_unit_test(test_zone_rules),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_mixed_ttls),
	    cmocka_unit_test(test_rrset_limit),
	    cmocka_unit_test(test_serials),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
