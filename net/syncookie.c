/*
 * TCP SYN cookies (see syncookie.h).
 */
#include "syncookie.h"

#include <string.h>

#define COOKIE_SLOT_BITS 5
#define COOKIE_MSS_BITS 3
#define COOKIE_HASH_BITS 24
#define COOKIE_HASH_MASK ((1u << COOKIE_HASH_BITS) - 1)
#define COOKIE_SLOT_MASK ((1u << COOKIE_SLOT_BITS) - 1)
/* Marks the hash's input as a cookie's, apart from any other use of the key. */
#define COOKIE_TAG 0xc0

/*
 * Common MSS values: RFC 9293's default, IPv6's minimum MTU less its
 * headers (1220), tunnels and PPPoE (1452), and Ethernet's 1460, which is
 * also our TCP_MSS (net/lwipopts.h), so the table never offers more.
 */
const uint16_t net_cookie_mss[8] = {536, 1200, 1220, 1300, 1360, 1400, 1452, 1460};

_Static_assert(COOKIE_SLOT_BITS + COOKIE_MSS_BITS + COOKIE_HASH_BITS == 32, "a cookie is 32 bits");
_Static_assert(sizeof(net_cookie_mss) / sizeof(net_cookie_mss[0]) == 1u << COOKIE_MSS_BITS,
               "every MSS index has a value");

static unsigned cookie_mss_index(uint16_t mss)
{
	unsigned i = 0;

	while (i + 1 < 1u << COOKIE_MSS_BITS && net_cookie_mss[i + 1] <= mss)
		i++;
	return i;
}

/* The cookie's 24-bit hash for time slot `slot` and MSS index `idx`. */
static uint32_t cookie_hash(const uint8_t key[NET_ISN_KEY_BYTES], uint64_t slot, unsigned idx,
                            const struct net_isn_end *local, const struct net_isn_end *remote,
                            uint32_t client_isn)
{
	uint8_t msg[1 + 8 + 1 + 2 * NET_ISN_END_BYTES + 4];
	size_t len = 0;
	uint64_t h;

	msg[len++] = COOKIE_TAG;
	for (int i = 7; i >= 0; i--)
		msg[len++] = (uint8_t)(slot >> (8 * i));
	msg[len++] = (uint8_t)idx;
	len += net_isn_put_end(msg + len, local);
	len += net_isn_put_end(msg + len, remote);
	for (int i = 3; i >= 0; i--)
		msg[len++] = (uint8_t)(client_isn >> (8 * i));
	h = net_siphash24(key, msg, len);
	return (uint32_t)(h ^ (h >> 32)) & COOKIE_HASH_MASK;
}

static uint32_t cookie_build(const uint8_t key[NET_ISN_KEY_BYTES], uint64_t slot, unsigned idx,
                             const struct net_isn_end *local, const struct net_isn_end *remote,
                             uint32_t client_isn)
{
	return (uint32_t)(slot & COOKIE_SLOT_MASK) << (COOKIE_MSS_BITS + COOKIE_HASH_BITS) |
	       (uint32_t)idx << COOKIE_HASH_BITS |
	       cookie_hash(key, slot, idx, local, remote, client_isn);
}

uint32_t net_cookie_make(const uint8_t key[NET_ISN_KEY_BYTES], uint64_t now_ns,
                         const struct net_isn_end *local, const struct net_isn_end *remote,
                         uint32_t client_isn, uint16_t mss)
{
	return cookie_build(key, now_ns / NET_COOKIE_SLOT_NS, cookie_mss_index(mss), local, remote,
	                    client_isn);
}

uint16_t net_cookie_check(const uint8_t key[NET_ISN_KEY_BYTES], uint64_t now_ns,
                          const struct net_isn_end *local, const struct net_isn_end *remote,
                          uint32_t client_isn, uint32_t cookie)
{
	uint64_t now = now_ns / NET_COOKIE_SLOT_NS;
	unsigned idx = (cookie >> COOKIE_HASH_BITS) & ((1u << COOKIE_MSS_BITS) - 1);
	unsigned slot_bits = cookie >> (COOKIE_MSS_BITS + COOKIE_HASH_BITS);

	for (uint64_t age = 0; age <= NET_COOKIE_MAX_AGE && age <= now; age++) {
		uint64_t slot = now - age;

		if ((slot & COOKIE_SLOT_MASK) == slot_bits &&
		    cookie_build(key, slot, idx, local, remote, client_isn) == cookie)
			return net_cookie_mss[idx];
	}
	return 0;
}

/* Byte `i` of the options held in two parts. */
static uint8_t opt_byte(const uint8_t *opt1, size_t len1, const uint8_t *opt2, size_t i)
{
	return i < len1 ? opt1[i] : opt2[i - len1];
}

uint16_t net_tcp_opt_mss(const uint8_t *opt1, size_t len1, const uint8_t *opt2, size_t len2)
{
	size_t n = len1 + len2, i = 0;

	while (i < n) {
		uint8_t kind = opt_byte(opt1, len1, opt2, i), len;

		if (kind == 0) /* end of options */
			break;
		if (kind == 1) { /* no-operation */
			i++;
			continue;
		}
		if (i + 1 >= n || (len = opt_byte(opt1, len1, opt2, i + 1)) < 2 || len > n - i)
			break;
		if (kind == 2 && len == 4) {
			uint16_t mss = (uint16_t)(opt_byte(opt1, len1, opt2, i + 2) << 8 |
			                          opt_byte(opt1, len1, opt2, i + 3));

			return mss ? mss : NET_TCP_DEFAULT_MSS;
		}
		i += len;
	}
	return NET_TCP_DEFAULT_MSS;
}
