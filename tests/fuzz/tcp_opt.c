/*
 * libFuzzer: a SYN's TCP options as the SYN cookie code reads them
 * (net/syncookie.c, net_tcp_opt_mss). The first byte splits the rest in
 * two, as lwIP may hold them: the MSS must not depend on where, and a
 * cookie made with it must come back as a table value at or under it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syncookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[NET_ISN_KEY_BYTES] = {7};
	struct net_isn_end l = {.addr = {192, 0, 2, 2}, .addr_len = 4, .port = 80};
	struct net_isn_end r = {.addr = {192, 0, 2, 1}, .addr_len = 4, .port = 40000};
	uint8_t *copy;
	size_t split;
	uint16_t whole, mss, back;

	if (size < 1 || size > 41)
		return 0;
	split = data[0] % size;
	/* Exact-size copies, so that a read past either part is caught. */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	whole = net_tcp_opt_mss(copy, size - 1, NULL, 0);
	mss = net_tcp_opt_mss(copy, split, copy + split, size - 1 - split);
	free(copy);
	if (mss != whole || mss == 0)
		abort();
	back = net_cookie_check(key, 1, &l, &r, 5, net_cookie_make(key, 0, &l, &r, 5, mss));
	if (back == 0 || (back > mss && back != net_cookie_mss[0]))
		abort();
	return 0;
}
