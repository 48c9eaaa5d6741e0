/*
 * libFuzzer: the pkt-line parser (git/pkt.c) over a stream of lines. Every
 * line parsed is written back and must come out as the same bytes (but
 * for the case of the hex digits), and every prefix of a line must ask
 * for more rather than parse differently.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "git/pkt.h"

static uint8_t out[GIT_PKT_MAX + 8];

static void same_again(const uint8_t *in, int used, const struct git_pkt *p)
{
	int n = p->kind == GIT_PKT_DATA ? git_pkt_data(out, sizeof(out), p->data, p->len)
	                                : git_pkt_special(out, sizeof(out), p->kind);

	if (n != used || strncasecmp((const char *)out, (const char *)in, 4) ||
	    memcmp(out + 4, in + 4, (size_t)used - 4))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct git_pkt p, q;
	int used;

	while ((used = git_pkt_parse(data, size, &p)) > 0) {
		if ((size_t)used > size || (p.kind == GIT_PKT_DATA && p.len != (size_t)used - 4))
			abort();
		same_again(data, used, &p);
		/* A prefix asks for more (or, before the length is whole, too). */
		if (used > 4 && git_pkt_parse(data, (size_t)used - 1, &q) != 0)
			abort();
		data += used;
		size -= (size_t)used;
	}
	return 0;
}
