/*
 * Pass 1 of indexing a pack, fed as its bytes arrive: each entry's header,
 * its zlib stream inflated on the way (whole objects hashed as they come,
 * so a large blob is never whole in memory; commits, trees and tags kept
 * whole for their check), its raw bytes' CRC-32 and its length. What is
 * left for the end is resolving deltas (pack.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pack_int.h"
#include "sha1.h"

#define HDR_MAX 32 /* an entry header: 10 bytes of size, then 10 of offset or 20 of id */

enum scan_state { SCAN_PACK, SCAN_HDR, SCAN_BODY, SCAN_TRAILER };

struct store_pack_scan {
	struct ix x;
	uint32_t count; /* objects the pack's header announces */
	uint32_t max_count;
	uint32_t cap;
	uint64_t pos; /* pack offset of the next byte fed */
	enum scan_state state;
	uint8_t hdr[HDR_MAX]; /* the pack's or an entry's header, gathered */
	size_t nhdr;
	size_t trailer; /* bytes after the last entry */
	struct store_zip_push *zp;
	struct store_sha1dc sha; /* the id of the whole object being inflated */
	uint8_t *content;        /* a commit, tree or tag, whole */
	size_t clen;
	uint32_t crc; /* of the entry's raw bytes */
	int err;
};

int store_pack_scan_begin(struct store_pack_scan **out, size_t max_obj, uint32_t max_count)
{
	struct store_pack_scan *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	if ((r = store_zip_push_open(&s->zp, 0))) {
		free(s);
		return r;
	}
	s->x.max_obj = max_obj;
	s->max_count = max_count;
	*out = s;
	return 0;
}

void store_pack_scan_free(struct store_pack_scan *s)
{
	if (!s)
		return;
	store_zip_push_close(s->zp);
	free(s->content);
	free(s->x.e);
	free(s);
}

static struct ent *cur(struct store_pack_scan *s)
{
	return &s->x.e[s->x.n];
}

/* Room for one more entry, up to what the header announced. */
static int grow(struct store_pack_scan *s)
{
	uint32_t cap = s->cap ? s->cap * 2 : 64;
	struct ent *e;

	if (s->x.n < s->cap)
		return 0;
	if (cap > s->count)
		cap = s->count;
	if (!(e = realloc(s->x.e, sizeof(*e) * (cap + 1))))
		return -ENOMEM;
	s->x.e = e;
	s->cap = cap;
	return 0;
}

static int pack_header(struct store_pack_scan *s)
{
	int r;

	/* The length is unknown yet: the count is checked against it at the end. */
	if ((r = store_pack_header(s->hdr, UINT32_MAX, &s->count)))
		return r;
	/* Refused as the header arrives, however the bytes were cut. */
	if (s->count > s->max_count)
		return -E2BIG;
	s->state = s->count ? SCAN_HDR : SCAN_TRAILER;
	s->nhdr = 0;
	return 0;
}

/* An entry's header is whole: get ready for its zlib stream. */
static int entry_start(struct store_pack_scan *s)
{
	struct ent *e = cur(s);
	int r;

	if (e->h.size > s->x.max_obj)
		return -EFBIG;
	if ((r = store_zip_push_reset(s->zp, e->h.size)))
		return r;
	s->crc = store_crc32(0, s->hdr, s->nhdr);
	s->clen = 0;
	free(s->content);
	s->content = NULL;
	if (e->h.type == STORE_OBJ_BLOB) {
		store_sha1dc_init(&s->sha);
		store_object_header_dc(&s->sha, STORE_OBJ_BLOB, e->h.size);
	} else if (e->h.type < STORE_OBJ_OFS_DELTA &&
	           !(s->content = malloc(e->h.size ? (size_t)e->h.size : 1))) {
		return -ENOMEM;
	}
	s->state = SCAN_BODY;
	return 0;
}

/* Gather one byte of an entry header; parse once it may be whole. */
static int header_byte(struct store_pack_scan *s, uint8_t b)
{
	struct ent *e;
	int r;

	if (s->nhdr == 0) {
		if ((r = grow(s)))
			return r;
		memset(cur(s), 0, sizeof(struct ent));
		cur(s)->off = s->pos;
	}
	e = cur(s);
	s->hdr[s->nhdr++] = b;
	r = store_pack_hdr_try(s->hdr, s->nhdr, e->off, STORE_PACK_HDR, &e->h);
	if (r == 1 && s->nhdr == HDR_MAX)
		return -EINVAL;
	if (r)
		return r == 1 ? 0 : r;
	return entry_start(s);
}

static int body_out(void *ctx, const uint8_t *data, size_t len)
{
	struct store_pack_scan *s = ctx;
	int type = cur(s)->h.type;

	if (type == STORE_OBJ_BLOB)
		store_sha1dc_update(&s->sha, data, len);
	else if (type < STORE_OBJ_OFS_DELTA) {
		memcpy(s->content + s->clen, data, len);
		s->clen += len;
	}
	return 0;
}

/* The entry's stream ended: name a whole object, keep the entry. */
static int entry_end(struct store_pack_scan *s)
{
	struct ent *e = cur(s);
	int r = 0;

	e->crc = s->crc;
	if (e->h.type == STORE_OBJ_BLOB) {
		if ((r = store_sha1dc_final(&s->sha, e->oid.b)))
			return r; /* -EILSEQ: a collision attack, refused */
		e->type = STORE_OBJ_BLOB;
		e->done = true;
		s->x.resolved++;
	} else if (e->h.type < STORE_OBJ_OFS_DELTA) {
		r = store_pack_found(&s->x, e, e->h.type, s->content, s->clen);
		free(s->content);
		s->content = NULL;
	}
	s->x.n++;
	s->nhdr = 0;
	s->state = s->x.n == s->count ? SCAN_TRAILER : SCAN_HDR;
	return r;
}

static int body(struct store_pack_scan *s, const uint8_t *p, size_t len, size_t *used)
{
	int r = store_zip_push_feed(s->zp, p, len, used, body_out, s);

	s->crc = store_crc32(s->crc, p, *used);
	if (r == 0 && *used < len)
		return -EINVAL; /* no progress: a stream zlib cannot go on with */
	return r == 1 ? entry_end(s) : r;
}

/* Consume what it can of the bytes: *used may stop short at a state change. */
static int step(struct store_pack_scan *s, const uint8_t *p, size_t len, size_t *used)
{
	*used = 1;
	switch (s->state) {
	case SCAN_PACK:
		s->hdr[s->nhdr++] = p[0];
		return s->nhdr == STORE_PACK_HDR ? pack_header(s) : 0;
	case SCAN_HDR:
		return header_byte(s, p[0]);
	case SCAN_BODY:
		return body(s, p, len, used);
	case SCAN_TRAILER:
		*used = len;
		s->trailer += len;
		return s->trailer > 20 ? -EINVAL : 0;
	}
	return -EINVAL;
}

int store_pack_scan_feed(struct store_pack_scan *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len && !s->err) {
		size_t used;
		if ((s->err = step(s, p, len, &used)))
			break;
		p += used;
		len -= used;
		s->pos += used;
	}
	return s->err;
}

int store_pack_scan_done(struct store_pack_scan *s, size_t trailer)
{
	if (s->err)
		return s->err;
	/* Every entry whole, then exactly the trailer: nothing more, nothing less. */
	return s->state == SCAN_TRAILER && s->trailer == trailer ? 0 : -EINVAL;
}

uint64_t store_pack_scan_entry_off(struct store_pack_scan *s)
{
	/* An entry exists once its header's first byte came (header_byte's grow). */
	bool in_entry = (s->state == SCAN_HDR && s->nhdr) || s->state == SCAN_BODY;

	return in_entry ? cur(s)->off : 0;
}

uint32_t store_pack_scan_count(const struct store_pack_scan *s)
{
	/* A header refused stays in SCAN_PACK, whole. */
	return s->state != SCAN_PACK || s->nhdr == STORE_PACK_HDR ? s->count : 0;
}

struct ix *store_pack_scan_ix(struct store_pack_scan *s)
{
	return &s->x;
}
