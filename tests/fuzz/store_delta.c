/* libFuzzer: the delta applier and the delta creator (store/delta.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "delta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t split, base_len, out_len, dlen;
	uint8_t *out, *d;

	if (size < 2)
		return 0;
	/* First byte: how much of the input is the base; the rest the delta. */
	split = data[0] * (size - 1) / 255;
	base_len = split;
	if (!store_delta_sizes(data + 1 + split, size - 1 - split, &base_len, &out_len) &&
	    out_len < (1 << 20)) {
		out = malloc(out_len + 1);
		if (!store_delta_apply(data + 1, split, data + 1 + split, size - 1 - split, out,
		                       out_len) &&
		    !store_delta_create(data + 1, split, out, out_len, out_len + 64, &d, &dlen)) {
			/* A delta we make must apply back to the same bytes. */
			uint8_t *back = malloc(out_len + 1);
			if (store_delta_apply(data + 1, split, d, dlen, back, out_len) ||
			    memcmp(back, out, out_len))
				abort();
			free(back);
			free(d);
		}
		free(out);
	}
	return 0;
}
