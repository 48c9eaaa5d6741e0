/*
 * Response rate limiting (rrl.h).
 *
 * Each bucket is a token bucket of `rate` tokens refilled at `rate` a
 * second, kept as one time: the generic cell rate algorithm's
 * "theoretical arrival time" (tat). An answer at `now` may go if the
 * bucket's time, brought up to `now` if behind, is at most `burst` ahead
 * of it; sending moves the time on by `interval` (one token). With
 * interval = 1 s / rate and burst = (rate - 1) * interval, exactly `rate`
 * answers fit in one instant, the next is limited, and one token comes
 * back every interval. A bucket whose time is behind `now` is full, so an
 * entry never used (tat 0) is a full bucket too.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "cookie.h"
#include "name.h"
#include "rrl.h"

#define NS_PER_SEC 1000000000ULL

/* The hashed key: family, the network's octets, the kind, the name. */
#define KEY_NET 7 /* octets of a /56; a /24 uses 3 */
#define KEY_MAX (1 + KEY_NET + 1 + DNS_NAME_MAX)

int dns_rrl_init(struct dns_rrl *r, unsigned entries, unsigned rate, unsigned slip)
{
	memset(r, 0, sizeof(*r));
	if (entries < 2 || entries > DNS_RRL_ENTRIES_MAX || rate < 1 || rate > DNS_RRL_RATE_MAX)
		return -EINVAL;
	r->n = (entries + 1) & ~1u;
	if (!(r->v = calloc(r->n, sizeof(*r->v))))
		return -ENOMEM;
	r->interval = NS_PER_SEC / rate;
	r->burst = (rate - 1) * r->interval;
	r->slip = slip;
	return 0;
}

void dns_rrl_fini(struct dns_rrl *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

void dns_rrl_seed(struct dns_rrl *r, const uint8_t key[16])
{
	memcpy(r->key, key, sizeof(r->key));
	memset(r->v, 0, r->n * sizeof(*r->v));
}

/* The kinds that count apart; refusals count with the errors, without a name (rrl.h). */
static int kind_class(int kind)
{
	return kind == DNS_KIND_REFUSED ? DNS_KIND_ERROR : kind;
}

/* The client's network: its /24 or /56 (rrl.h), after a byte telling the families apart. */
static size_t key_net(uint8_t *k, const uint8_t *ip, size_t iplen)
{
	size_t n = iplen == 16 ? DNS_RRL_V6_PREFIX / 8 : DNS_RRL_V4_PREFIX / 8;

	assert((iplen == 4 || iplen == 16) && "dns_rrl_check: an address is 4 or 16 octets");
	k[0] = (uint8_t)iplen;
	memcpy(k + 1, ip, n);
	return 1 + n;
}

/* The name in lower case (a length octet is at most 63, below 'A'); nothing if malformed. */
static size_t key_name(uint8_t *k, const uint8_t *name)
{
	int len = name ? dns_name_len(name, DNS_NAME_MAX) : -EINVAL;

	if (len < 0)
		return 0;
	for (int i = 0; i < len; i++)
		k[i] = name[i] >= 'A' && name[i] <= 'Z' ? (uint8_t)(name[i] | 0x20) : name[i];
	return (size_t)len;
}

static uint64_t bucket_key(const struct dns_rrl *r, const uint8_t *ip, size_t iplen, int kind,
                           const uint8_t *name)
{
	uint8_t k[KEY_MAX];
	size_t len = key_net(k, ip, iplen);
	int cls = kind_class(kind);

	k[len++] = (uint8_t)cls;
	if (cls != DNS_KIND_ERROR)
		len += key_name(k + len, name);
	return dns_siphash24(r->key, k, len);
}

/*
 * The bucket's entry: one of the pair the key's high half picks. If
 * neither holds it, the one whose time is earlier (more allowance left,
 * so the least lost by forgetting it) is handed over, full.
 */
static struct dns_rrl_entry *bucket(struct dns_rrl *r, uint64_t key)
{
	struct dns_rrl_entry *a = &r->v[2 * (((key >> 32) * (r->n / 2)) >> 32)], *b = a + 1, *e;

	if (a->key == key)
		return a;
	if (b->key == key)
		return b;
	e = a->tat <= b->tat ? a : b;
	if (e->key)
		r->replaced++;
	e->key = key;
	e->tat = 0;
	e->limited = 0;
	return e;
}

/* Over the rate: dropped, or every slip-th of the bucket's limited answers slipped. */
static enum dns_rrl_action limit(struct dns_rrl *r, struct dns_rrl_entry *e)
{
	r->limited++;
	e->limited++;
	if (r->slip && e->limited % r->slip == 0) {
		r->slipped++;
		return DNS_RRL_SLIP;
	}
	return DNS_RRL_DROP;
}

enum dns_rrl_action dns_rrl_check(struct dns_rrl *r, const uint8_t *ip, size_t iplen, int kind,
                                  const uint8_t *name, uint64_t now_ns)
{
	struct dns_rrl_entry *e = bucket(r, bucket_key(r, ip, iplen, kind, name));
	uint64_t tat = e->tat > now_ns ? e->tat : now_ns;

	if (tat - now_ns > r->burst)
		return limit(r, e);
	e->tat = tat + r->interval;
	return DNS_RRL_SEND;
}
