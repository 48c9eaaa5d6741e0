/* Applying and creating Git deltas (gitformat-pack(5)). */
#include "delta.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The little-endian base-128 sizes at the start of a delta. */
static int get_size(const uint8_t **pp, const uint8_t *end, size_t *v)
{
	uint64_t x = 0;
	int shift = 0;
	uint8_t c;

	do {
		if (*pp >= end || shift > 56)
			return -EINVAL;
		c = *(*pp)++;
		x |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	if (x > SIZE_MAX)
		return -EINVAL;
	*v = (size_t)x;
	return 0;
}

int store_delta_sizes(const uint8_t *delta, size_t len, size_t *base_len, size_t *out_len)
{
	const uint8_t *p = delta, *end = delta + len;
	size_t b;

	if (get_size(&p, end, &b) || get_size(&p, end, out_len))
		return -EINVAL;
	if (base_len && *base_len != b)
		return -EINVAL;
	if (base_len)
		*base_len = b;
	return 0;
}

/* A copy instruction: bits 0-3 select offset bytes, bits 4-6 size bytes. */
static int parse_copy(uint8_t op, const uint8_t **pp, const uint8_t *end, size_t *off, size_t *size)
{
	uint32_t o = 0, s = 0;

	for (int i = 0; i < 4; i++)
		if (op & (1u << i)) {
			if (*pp >= end)
				return -EINVAL;
			o |= (uint32_t) * (*pp)++ << (8 * i);
		}
	for (int i = 0; i < 3; i++)
		if (op & (0x10u << i)) {
			if (*pp >= end)
				return -EINVAL;
			s |= (uint32_t) * (*pp)++ << (8 * i);
		}
	*off = o;
	*size = s ? s : 0x10000;
	return 0;
}

int store_delta_apply(const uint8_t *base, size_t base_len, const uint8_t *delta, size_t len,
                      uint8_t *out, size_t out_len)
{
	const uint8_t *p = delta, *end = delta + len;
	size_t b, r, pos = 0, off, size;

	if (get_size(&p, end, &b) || get_size(&p, end, &r) || b != base_len || r != out_len)
		return -EINVAL;
	while (p < end) {
		uint8_t op = *p++;
		if (op & 0x80) {
			if (parse_copy(op, &p, end, &off, &size) || off > base_len ||
			    size > base_len - off || size > out_len - pos)
				return -EINVAL;
			memcpy(out + pos, base + off, size);
		} else if (op) {
			size = op;
			if (size > (size_t)(end - p) || size > out_len - pos)
				return -EINVAL;
			memcpy(out + pos, p, size);
			p += size;
		} else {
			return -EINVAL; /* opcode 0 is reserved */
		}
		pos += size;
	}
	return pos == out_len ? 0 : -EINVAL;
}

/* ---- creation: a block index of the base, greedy matching ---- */

#define BLOCK 16

struct out {
	uint8_t *buf;
	size_t len;
	size_t max;
};

static bool put(struct out *o, const void *p, size_t n)
{
	if (o->len + n > o->max)
		return false;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return true;
}

static bool put_size(struct out *o, size_t v)
{
	uint8_t b[10];
	int n = 0;

	do {
		b[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	return put(o, b, (size_t)n);
}

static bool put_insert(struct out *o, const uint8_t *p, size_t n)
{
	while (n) {
		uint8_t k = n > 127 ? 127 : (uint8_t)n;
		if (!put(o, &k, 1) || !put(o, p, k))
			return false;
		p += k;
		n -= k;
	}
	return true;
}

static bool put_copy(struct out *o, size_t off, size_t size)
{
	while (size) {
		size_t k = size > 0xffff ? 0xffff : size;
		uint8_t b[8], op = 0x80;
		int n = 1;
		for (int i = 0; i < 4; i++)
			if ((off >> (8 * i)) & 0xff) {
				op |= (uint8_t)(1u << i);
				b[n++] = (uint8_t)(off >> (8 * i));
			}
		for (int i = 0; i < 2; i++)
			if ((k >> (8 * i)) & 0xff) {
				op |= (uint8_t)(0x10u << i);
				b[n++] = (uint8_t)(k >> (8 * i));
			}
		b[0] = op;
		if (!put(o, b, (size_t)n))
			return false;
		off += k;
		size -= k;
	}
	return true;
}

static uint32_t block_hash(const uint8_t *p)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < BLOCK; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Slot table: hash of each aligned base block -> its offset + 1. */
static uint32_t *index_base(const uint8_t *base, size_t base_len, uint32_t *mask)
{
	size_t slots = 16;
	uint32_t *t;

	while (slots < base_len / BLOCK * 2)
		slots <<= 1;
	t = calloc(slots, sizeof(*t));
	if (!t)
		return NULL;
	*mask = (uint32_t)(slots - 1);
	for (size_t off = 0; off + BLOCK <= base_len; off += BLOCK)
		t[block_hash(base + off) & *mask] = (uint32_t)off + 1;
	return t;
}

static bool encode(struct out *o, const uint8_t *base, size_t base_len, const uint8_t *tgt,
                   size_t tgt_len, const uint32_t *tab, uint32_t mask)
{
	size_t pos = 0, lit = 0, shift = 0; /* base offset - target offset of the last copy */

	while (pos + BLOCK <= tgt_len) {
		uint32_t s = tab[block_hash(tgt + pos) & mask];
		size_t boff = s ? s - 1 : 0, n = 0;
		/* First try the diagonal of the last copy: edits that keep lengths resync there. */
		if (pos + shift + BLOCK <= base_len &&
		    !memcmp(base + (pos + shift), tgt + pos, BLOCK)) {
			boff = pos + shift;
			s = 1;
		}
		if (s && !memcmp(base + boff, tgt + pos, BLOCK)) {
			while (boff + n < base_len && pos + n < tgt_len &&
			       base[boff + n] == tgt[pos + n])
				n++;
			/* Grow the match backwards over literal bytes. */
			while (boff && pos > lit && base[boff - 1] == tgt[pos - 1]) {
				boff--;
				pos--;
				n++;
			}
			if (!put_insert(o, tgt + lit, pos - lit) || !put_copy(o, boff, n))
				return false;
			shift = boff - pos;
			pos += n;
			lit = pos;
		} else {
			pos++;
		}
	}
	return put_insert(o, tgt + lit, tgt_len - lit);
}

int store_delta_create(const uint8_t *base, size_t base_len, const uint8_t *target,
                       size_t target_len, size_t max_len, uint8_t **out, size_t *out_len)
{
	struct out o = {.max = max_len};
	uint32_t mask, *tab;
	int r = -ENOSPC;

	if (base_len >= UINT32_MAX || max_len == 0)
		return -EINVAL;
	tab = index_base(base, base_len, &mask);
	o.buf = malloc(max_len);
	if (!tab || !o.buf) {
		r = -ENOMEM;
		goto free_buf;
	}
	if (put_size(&o, base_len) && put_size(&o, target_len) &&
	    encode(&o, base, base_len, target, target_len, tab, mask)) {
		*out = o.buf;
		*out_len = o.len;
		free(tab);
		return 0;
	}
free_buf:
	free(o.buf);
	free(tab);
	return r;
}
