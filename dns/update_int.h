/*
 * Internal to dns/update.c (the update: records, prerequisites, updates)
 * and dns/update_file.c (the file written back and checked): the records
 * of a zone file as an update changes them.
 */
#ifndef DNS_UPDATE_INT_H
#define DNS_UPDATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "name.h"
#include "rdata.h"
#include "update.h"

struct rec {
	uint32_t owner, rdata; /* offsets in the arena */
	uint32_t ttl;
	uint16_t type, rdlen;
	uint32_t line, end; /* the lines it takes in the file, 1-based */
	bool gone;
};

struct recs {
	struct rec *v;
	size_t n, cap;
	uint8_t *arena;
	size_t alen, acap;
};

struct ctx {
	struct recs r;
	size_t norig; /* records read from the file; those after were added */
	const uint8_t *apex;
	uint32_t served;
	bool soa_set; /* the update gave a new SOA */
	char *tb;     /* one record's text */
};

#define TB_SIZE (DNS_RDATA_TEXT_MAX + DNS_NAME_MAX * 4 + 64)
#define OWNER(r, x) ((r)->arena + (x)->owner)
#define RDATA(r, x) ((r)->arena + (x)->rdata)

/*
 * Records: their arena, a record added by the update, the zone parser's
 * callback. update_arena_put copies bytes from outside the arena (as it
 * grows it may move, freeing its old place); update_arena_dup copies n
 * bytes the arena holds at `off`. Both: the copy's offset, or -ENOMEM.
 */
long update_arena_put(struct recs *r, const void *p, size_t n);
long update_arena_dup(struct recs *r, uint32_t off, size_t n);
int update_push(struct ctx *c, uint32_t owner, uint32_t rdata, uint16_t type, uint16_t rdlen,
                uint32_t ttl);
int update_on_rr(void *ctx, const struct dns_rr *rr, unsigned line);
void update_recs_free(struct recs *r);
uint32_t update_soa_serial(const uint8_t *rdata, uint16_t rdlen);

/* update_file.c: the changes for the commit message; the new file into u (0 or -errno). */
void update_log(struct ctx *c, struct dns_update *u);
int update_write(struct ctx *c, const char *file, const char *text, size_t len,
                 struct dns_update *u);

#endif
