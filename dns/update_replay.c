/*
 * UPDATE's replay table (update.h): the MACs of the updates answered, each
 * kept for as long as its message verifies, and the time the table began.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "update.h"

void dns_replay_init(struct dns_replay *r, uint64_t now)
{
	memset(r, 0, sizeof(*r));
	r->started = now;
}

/* A live MAC equal to the update's: it was answered, and is sent again. */
static bool replayed(const struct dns_replay *r, const struct dns_tsig_state *st, uint64_t now)
{
	for (unsigned i = 0; i < DNS_REPLAY_MACS; i++)
		if (r->v[i].until >= now && !memcmp(r->v[i].mac, st->mac, DNS_TSIG_MAC_LEN))
			return true;
	return false;
}

int dns_replay_check(const struct dns_replay *r, const struct dns_tsig_state *st, uint64_t now)
{
	/*
	 * Signed before the table began: an instance before a restart may
	 * have taken it, and its MAC is not here to tell (RFC 8945 5.2.3).
	 */
	if (st->time < r->started)
		return -ESTALE;
	if (replayed(r, st, now))
		return -EALREADY;
	for (unsigned i = 0; i < DNS_REPLAY_MACS; i++)
		if (r->v[i].until < now)
			return (int)i;
	return -ENOSPC;
}

void dns_replay_keep(struct dns_replay *r, int slot, const struct dns_tsig_state *st)
{
	assert(slot >= 0 && slot < DNS_REPLAY_MACS &&
	       "dns_replay_keep: a slot dns_replay_check gave");
	memcpy(r->v[slot].mac, st->mac, DNS_TSIG_MAC_LEN);
	r->v[slot].until = st->time + st->fudge;
}
