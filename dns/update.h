/*
 * Dynamic updates (RFC 2136) made to a zone's master file. The zone's
 * file as it is on main is read into its records, the update's
 * prerequisites are checked against them (RFC 2136 3.2) and its updates
 * applied (3.4), and the file is written back changed as little as it can
 * be: a record deleted loses its lines, a record added gets one line
 * (absolute owner, TTL, class, type) after the last record of its name
 * and type, or of its name, or at the end; the SOA's serial is raised in
 * place. The result is parsed again and must hold exactly the records
 * expected; if it does not (a deleted line gave its owner or TTL to the
 * lines after it), the file is written whole, one record a line, and
 * says so in its first line. The caller commits the new file (service.c):
 * that is the update, and `git log` shows it.
 *
 * Policy (RFC 2136 3.3 leaves it to the server): any key in the TSIG key
 * file may update any of our zones; an unsigned update is refused before
 * it gets here. An update adding a record to an RRset whose TTL differs
 * gives the whole RRset the new TTL (RFC 2181 5.2: one TTL an RRset).
 *
 * Memory, while an update runs (nothing stays after): the file's records
 * (20 bytes each plus their names and rdata, about the file's size), a
 * line table (4 bytes a line), the new file, and one record's text.
 */
#ifndef DNS_UPDATE_H
#define DNS_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "tsig.h"

/* Records in the prerequisite and update sections together at most. */
#define DNS_UPDATE_RRS_MAX 1024
/* The list of changes kept for the commit message at most. */
#define DNS_UPDATE_LOG_MAX 4096

struct dns_update {
	int rcode;     /* DNS_R_*: NOERROR, or the refusal RFC 2136 3 gives */
	char why[256]; /* a refusal's or failure's reason, for the log */
	char *text;    /* the new file (malloc'd, NUL-terminated), NULL if nothing changed */
	size_t len;
	unsigned added, deleted;      /* records, the SOA's serial raise not counted */
	bool rewritten;               /* written whole: an edit in place would have moved others */
	char log[DNS_UPDATE_LOG_MAX]; /* "+ RECORD\n" and "- RECORD\n" lines, cut short with "...\n"
	                               */
	size_t log_len;
};

/*
 * Apply the update `msg` (`msglen` bytes, read by dns_msg_query into `q`,
 * its zone section naming `apex`) to the zone file `text` (`len` bytes,
 * named `file` in messages), whose SOA is served with `served_serial`
 * (service.c may have raised it past the file's). Fills *u: its rcode, and
 * if the zone changed, the new file, whose SOA serial is then past
 * `served_serial` (RFC 2136 3.6). Returns 0, or -ENOMEM, or -EINVAL if
 * `text` does not load (u->why says why): the caller answers SERVFAIL.
 */
int dns_update_apply(const char *file, const char *text, size_t len, const uint8_t *apex,
                     uint32_t served_serial, const uint8_t *msg, size_t msglen,
                     const struct dns_query *q, struct dns_update *u);
void dns_update_free(struct dns_update *u);

/*
 * An update to the zone `z` (served), signed with the key named `key` and
 * checked (server.c): applied to z's file on main and committed there,
 * the key's name as author (update_store.c). Returns the rcode to answer:
 * REFUSED if the zone's checks refuse the result (logged with the
 * reason), SERVFAIL if the store fails (logged in store_strerror's words:
 * a device that failed while the commit was written may have kept it, and
 * the next boot then serves it; this run does not). z may be freed when
 * it returns.
 */
struct dns_zone;
int dns_update_commit(const struct dns_zone *z, const uint8_t *msg, size_t len,
                      const struct dns_query *q, const uint8_t *key);

/*
 * The replay table (update_replay.c): the MACs of the updates answered,
 * each kept until its Time Signed and fudge are past, when
 * dns_tsig_verify refuses the message as BADTIME: one sent again
 * meanwhile (RFC 8945 5.2.3's replay) is refused. While all
 * DNS_REPLAY_MACS hold live MACs, a new update is refused too, as one the
 * table could not hold could be replayed (128 within the usual 300 s
 * fudge are far more than an owner's tools send). The table lives in
 * memory, so an update signed before it began (`started`, the wall clock
 * when the server first started) may have been taken by the instance
 * before a restart and cannot be checked: it is refused as well.
 * 128 x 40 bytes.
 */
#define DNS_REPLAY_MACS 128

struct dns_replay {
	uint64_t started; /* seconds since the epoch */
	struct {
		uint8_t mac[DNS_TSIG_MAC_LEN];
		uint64_t until; /* the last second its message verifies; 0: free */
	} v[DNS_REPLAY_MACS];
};

/* An empty table, begun at `now` (seconds since the epoch). */
void dns_replay_init(struct dns_replay *r, uint64_t now);

/*
 * An update verified (st, dns_tsig_verify's) at `now`: the slot its MAC
 * is to take (dns_replay_keep) once it is answered; -ESTALE if it was
 * signed before the table began (Time Signed earlier than `started`);
 * -EALREADY if its MAC is kept (sent again); -ENOSPC if every slot holds a
 * live MAC.
 */
int dns_replay_check(const struct dns_replay *r, const struct dns_tsig_state *st, uint64_t now);

/* Keep the update's MAC in `slot` (dns_replay_check's) until its message stops verifying. */
void dns_replay_keep(struct dns_replay *r, int slot, const struct dns_tsig_state *st);

#endif
