/*
 * libFuzzer: chunked request bodies (net/http_body.c). Decoded whole and
 * then byte by byte, as TCP may deliver them: the verdict, the body and
 * the bytes consumed must agree, and the body is never longer than what
 * came in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_body.h"

static long run(const uint8_t *data, size_t size, size_t step, uint8_t *out, size_t *consumed)
{
	struct http_request req = {.chunked = 1};
	struct http_body b;
	size_t off = 0, o = 0, used;

	http_body_init(&b, &req);
	while (off < size && !http_body_done(&b)) {
		size_t n = size - off < step ? size - off : step;
		long got = http_body_decode(&b, data + off, n, out + o, &used);
		if (got < 0)
			return -1;
		if (used > n || (size_t)got > used)
			abort();
		o += (size_t)got;
		off += used;
	}
	*consumed = off;
	return http_body_done(&b) ? (long)o : -2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *a = malloc(size + 1), *b = malloc(size + 1);
	size_t ua = 0, ub = 0;
	long na = run(data, size, size ? size : 1, a, &ua), nb = run(data, size, 1, b, &ub);

	if (na != nb || (na >= 0 && (ua != ub || memcmp(a, b, (size_t)na))) ||
	    (na >= 0 && (size_t)na > size))
		abort();
	free(a);
	free(b);
	return 0;
}
