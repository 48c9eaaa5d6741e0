/* The record log on the block device: superblocks, scanning, appending. */
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../plat/plat.h"
#include "zip.h"

/*
 * The read cache: STORE_LOG_CACHE_WAYS aligned windows of CACHE_WIN bytes,
 * in sets of CACHE_SET_WAYS, the least recently used of a set replaced.
 * Objects are read from all over the log (a pack walks history; a delta
 * reads its base). Measured on a clone of a 5,000-file, 200-commit
 * repository (storectl pack, tests/bench/git-http.sh's repository): 16
 * windows of 4 KiB read the device 513,559 times (2.0 GB for a 10.7 MiB
 * pack), 12,449 times with these 2 MiB. Each read is a blkfront request in
 * the guest, about 1.5 ms under QEMU.
 */
#define CACHE_WIN (16u * 1024)
#define CACHE_SET_WAYS 4
#define CACHE_SETS (STORE_LOG_CACHE_WAYS / CACHE_SET_WAYS)
#define CACHE_SIZE (CACHE_WIN * STORE_LOG_CACHE_WAYS)
#define CHUNK (64u * 1024)

struct store_log_writer {
	uint64_t start;  /* the record's offset */
	uint64_t limit;  /* end of its region */
	uint64_t pos;    /* record bytes so far, header included */
	uint64_t cstart; /* record offset of chunk[0] */
	uint8_t first[STORE_LOG_BLOCK];
	uint8_t chunk[CHUNK];
	struct store_log_rec rec;
	uint32_t crc;
	uint32_t idx_crc;
	bool in_idx;
	bool other;
	bool active; /* begun, not yet ended or abandoned */
};

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

uint64_t store_log_rec_size(uint64_t payload)
{
	return round_up(STORE_LOG_HDR + payload, STORE_LOG_BLOCK);
}

/* A failed write or flush makes the log refuse writes until reopened. */
static int io_result(struct store_log *l, int r)
{
	if (r < 0 && !l->err)
		l->err = r;
	return r;
}

/* Aligned device I/O in whole sectors. */
static int dev_write(struct store_log *l, uint64_t off, const void *buf, size_t len)
{
	store_log_cache_drop(l);
	if (l->err)
		return -EROFS;
	if (off % l->sector || len % l->sector || off + len > l->dev_size)
		return -EINVAL;
	return io_result(l, plat_blk_write(off / l->sector, buf, (uint32_t)(len / l->sector)));
}

static int dev_read(struct store_log *l, uint64_t off, void *buf, size_t len)
{
	if (off % l->sector || len % l->sector || off + len > l->dev_size)
		return -EINVAL;
	return plat_blk_read(off / l->sector, buf, (uint32_t)(len / l->sector));
}

void store_log_cache_drop(struct store_log *l)
{
	memset(l->cache_used, 0, sizeof(l->cache_used));
}

/* The window holding `win` (aligned), read from the device if its set does not hold it. */
static const uint8_t *cache_window(struct store_log *l, uint64_t win, int *err)
{
	unsigned first = (unsigned)(win / CACHE_WIN % CACHE_SETS) * CACHE_SET_WAYS;
	unsigned victim = first;

	for (unsigned i = first; i < first + CACHE_SET_WAYS; i++) {
		if (l->cache_used[i] && l->cache_off[i] == win) {
			l->cache_used[i] = ++l->cache_clock;
			return l->cache + (size_t)i * CACHE_WIN;
		}
		if (l->cache_used[i] < l->cache_used[victim])
			victim = i;
	}
	size_t wl = win + CACHE_WIN > l->dev_size ? (size_t)(l->dev_size - win) : CACHE_WIN;
	uint8_t *w = l->cache + (size_t)victim * CACHE_WIN;
	l->cache_used[victim] = 0;
	if ((*err = dev_read(l, win, w, wl)))
		return NULL;
	l->cache_off[victim] = win;
	l->cache_used[victim] = ++l->cache_clock;
	return w;
}

int store_log_read(struct store_log *l, uint64_t off, void *buf, size_t len)
{
	uint8_t *out = buf;
	int r = 0;

	if (off > l->dev_size || len > l->dev_size - off)
		return -EINVAL;
	while (len) {
		uint64_t win = off / CACHE_WIN * CACHE_WIN;
		size_t in = (size_t)(off - win), n = CACHE_WIN - in;
		const uint8_t *w = cache_window(l, win, &r);
		if (!w)
			return r;
		if (n > len)
			n = len;
		memcpy(out, w + in, n);
		out += n;
		off += n;
		len -= n;
	}
	return 0;
}

int store_log_flush(struct store_log *l)
{
	return l->err ? -EROFS : io_result(l, plat_blk_flush());
}

/* ---- superblocks ---- */

static uint32_t sb_crc(const struct store_log_sb *sb)
{
	return store_crc32(0, sb, offsetof(struct store_log_sb, crc));
}

/* Uses the read cache as its block: a superblock write allocates nothing. */
static int sb_write(struct store_log *l)
{
	l->sb.gen++;
	l->sb.crc = sb_crc(&l->sb);
	memset(l->cache, 0, STORE_LOG_BLOCK);
	memcpy(l->cache, &l->sb, sizeof(l->sb));
	return dev_write(l, (l->sb.gen % STORE_LOG_SB_SLOTS) * STORE_LOG_BLOCK, l->cache,
	                 STORE_LOG_BLOCK);
}

static bool sb_valid(const struct store_log_sb *sb, uint64_t dev_size)
{
	return !memcmp(sb->magic, "GITSTOR1", 8) && sb->version == 1 &&
	       sb->block == STORE_LOG_BLOCK && sb->crc == sb_crc(sb) && sb->dev_size <= dev_size &&
	       sb->region_start >= STORE_LOG_START && sb->region_start < sb->region_end &&
	       sb->region_end <= sb->dev_size && sb->ckpt_off >= sb->region_start &&
	       sb->ckpt_off <= sb->region_end && sb->region_start % STORE_LOG_BLOCK == 0 &&
	       sb->ckpt_off % STORE_LOG_BLOCK == 0;
}

static int sb_read(struct store_log *l)
{
	uint8_t *blk = malloc(STORE_LOG_BLOCK);
	struct store_log_sb s;
	bool any = false;
	int r = 0;

	if (!blk)
		return -ENOMEM;
	for (uint64_t i = 0; i < STORE_LOG_SB_SLOTS && !r; i++) {
		if ((r = dev_read(l, i * STORE_LOG_BLOCK, blk, STORE_LOG_BLOCK)))
			break;
		memcpy(&s, blk, sizeof(s));
		if (sb_valid(&s, l->dev_size) && (!any || s.gen > l->sb.gen)) {
			l->sb = s;
			any = true;
		}
	}
	free(blk);
	return r ? r : any ? 0 : -EINVAL;
}

static int dev_open(struct store_log *l)
{
	struct plat_blk_info info;
	int r = plat_blk_info(&info);

	if (r)
		return r;
	if (info.sector_size == 0 || STORE_LOG_BLOCK % info.sector_size)
		return -EINVAL;
	l->sector = info.sector_size;
	l->dev_size = info.sectors * info.sector_size;
	l->cache = malloc(CACHE_SIZE);
	store_log_cache_drop(l);
	l->w = NULL;
	l->err = 0;
	l->err_at_header = false;
	return l->cache ? 0 : -ENOMEM;
}

void store_log_close(struct store_log *l)
{
	free(l->cache);
	free(l->w);
	l->cache = NULL;
	l->w = NULL;
}

/* The two regions: halves of the space after the superblocks. */
static void regions(uint64_t size, uint64_t *mid)
{
	*mid = STORE_LOG_START + (size - STORE_LOG_START) / 2 / STORE_LOG_BLOCK * STORE_LOG_BLOCK;
}

int store_log_format(struct store_log *l, uint64_t size)
{
	uint64_t mid;
	int r;

	if ((r = dev_open(l)))
		return r;
	if (size == 0 || size > l->dev_size)
		size = l->dev_size;
	size = size / STORE_LOG_BLOCK * STORE_LOG_BLOCK;
	/* Offsets in the object index are 32-bit. */
	if (size < STORE_LOG_START + 4 * STORE_LOG_BLOCK || size > UINT32_MAX) {
		store_log_close(l);
		return -EINVAL;
	}
	regions(size, &mid);
	memset(&l->sb, 0, sizeof(l->sb));
	memcpy(l->sb.magic, "GITSTOR1", 8);
	l->sb.version = 1;
	l->sb.block = STORE_LOG_BLOCK;
	l->sb.dev_size = size;
	l->sb.region_start = STORE_LOG_START;
	l->sb.region_end = mid;
	l->sb.first_seq = 1;
	l->sb.first_chain = store_crc32(0, "first", 5);
	l->sb.ckpt_off = STORE_LOG_START;
	l->sb.ckpt_seq = 1;
	l->sb.ckpt_chain = l->sb.first_chain;
	/*
	 * Zero the first record block, so nothing of an older store scans as
	 * ours, then both slots, so no older superblock survives.
	 */
	memset(l->cache, 0, STORE_LOG_BLOCK);
	if ((r = dev_write(l, STORE_LOG_START, l->cache, STORE_LOG_BLOCK)) || (r = sb_write(l)) ||
	    (r = sb_write(l)) || (r = store_log_flush(l)))
		store_log_close(l);
	l->head = STORE_LOG_START;
	l->seq = 1;
	l->chain = l->sb.first_chain;
	l->since_ckpt = 0;
	return r;
}

/* ---- scanning ---- */

static uint32_t rec_crc(const struct store_log_rec *h)
{
	return store_crc32(0, h, offsetof(struct store_log_rec, hdr_crc));
}

static bool rec_valid(const struct store_log *l, uint64_t off, const struct store_log_rec *h)
{
	return !memcmp(h->magic, "GREC", 4) && h->hdr_crc == rec_crc(h) &&
	       h->hdr_size == STORE_LOG_HDR && h->seq == l->seq && h->prev == l->chain &&
	       h->type >= STORE_LOG_PACK && h->type <= STORE_LOG_SNAPSHOT &&
	       h->len <= l->sb.region_end - off &&
	       store_log_rec_size(h->len) <= l->sb.region_end - off &&
	       (h->type != STORE_LOG_PACK ||
	        (h->pack_len <= h->len &&
	         (h->len - h->pack_len) == (uint64_t)h->nobj * sizeof(struct store_log_idx)));
}

/* CRC-32 of `len` payload bytes at `off`, read in chunks. */
static int crc_range(struct store_log *l, uint64_t off, uint64_t len, uint32_t *crc)
{
	uint8_t *buf = malloc(CHUNK);
	int r = 0;

	if (!buf)
		return -ENOMEM;
	*crc = 0;
	while (len && !r) {
		size_t n = len > CHUNK ? CHUNK : (size_t)len;
		if (!(r = store_log_read(l, off, buf, n)))
			*crc = store_crc32(*crc, buf, n);
		off += n;
		len -= n;
	}
	free(buf);
	return r;
}

/*
 * Check the record at `off` and hand it on. Returns 1 to stop the scan at
 * an invalid record (the end of the log), 0 to continue, or an error.
 */
static int scan_one(struct store_log *l, uint64_t off, bool full, store_log_rec_fn fn, void *ctx,
                    struct store_log_rec *h)
{
	uint64_t sect, plen;
	uint8_t *payload;
	uint32_t crc;
	int r;

	if ((r = store_log_read(l, off, h, sizeof(*h))))
		return r;
	if (!rec_valid(l, off, h))
		return 1;
	sect = h->type == STORE_LOG_PACK ? h->pack_len : 0;
	plen = h->len - sect;
	if (full) {
		if ((r = crc_range(l, off + STORE_LOG_HDR, h->len, &crc)))
			return r;
		if (crc != h->payload_crc)
			return 1;
	}
	payload = malloc(plen ? (size_t)plen : 1);
	if (!payload)
		return -ENOMEM;
	r = store_log_read(l, off + STORE_LOG_HDR + sect, payload, (size_t)plen);
	if (!r) {
		crc = store_crc32(0, payload, (size_t)plen);
		if (crc != (h->type == STORE_LOG_PACK ? h->idx_crc : h->payload_crc))
			r = 1;
	}
	if (!r)
		r = fn(ctx, off, h, payload);
	free(payload);
	return r;
}

int store_log_open(struct store_log *l, bool full_check, store_log_rec_fn fn, void *ctx)
{
	struct store_log_rec h;
	uint64_t off;
	int r;

	if ((r = dev_open(l)))
		return r;
	if ((r = sb_read(l)))
		goto close;
	off = l->sb.region_start;
	l->seq = l->sb.first_seq;
	l->chain = l->sb.first_chain;
	while (off < l->sb.region_end) {
		bool before_ckpt = off < l->sb.ckpt_off;
		r = scan_one(l, off, full_check || !before_ckpt, fn, ctx, &h);
		if (r == 1 && before_ckpt)
			r = -EIO; /* checkpointed records are durable: corruption */
		if (r)
			break;
		off += store_log_rec_size(h.len);
		l->seq++;
		l->chain = h.hdr_crc;
	}
	if (r == 1 || r == 0) {
		l->head = off;
		l->since_ckpt = off - l->sb.ckpt_off;
		return 0;
	}
close:
	store_log_close(l);
	return r;
}

/*
 * A block no scan takes for a record, at the head: what an older store
 * left past it (the device formatted again, or flashed again with only
 * the image's own blocks, as bmaptool does) cannot continue our chain, as
 * its record there is gone. The next record is written over it.
 */
static int seal(struct store_log *l)
{
	static const char text[] = "no record: the log ends here\n";

	if (l->sb.region_end - l->head < STORE_LOG_BLOCK)
		return 0;
	store_log_cache_drop(l);
	for (size_t i = 0; i < STORE_LOG_BLOCK; i++)
		l->cache[i] = (uint8_t)text[i % (sizeof(text) - 1)];
	return dev_write(l, l->head, l->cache, STORE_LOG_BLOCK);
}

int store_log_checkpoint(struct store_log *l)
{
	int r;

	if ((r = seal(l)))
		return r;
	l->sb.ckpt_off = l->head;
	l->sb.ckpt_seq = l->seq;
	l->sb.ckpt_chain = l->chain;
	if ((r = store_log_flush(l)) || (r = sb_write(l)) || (r = store_log_flush(l)))
		return r;
	l->since_ckpt = 0;
	return 0;
}

uint64_t store_log_free(const struct store_log *l)
{
	return l->sb.region_end - l->head;
}

/* ---- appending ---- */

void store_log_other_begin(struct store_log *l)
{
	uint64_t mid;

	regions(l->sb.dev_size, &mid);
	l->oth_start = l->sb.region_start == STORE_LOG_START ? mid : STORE_LOG_START;
	l->oth_end = l->sb.region_start == STORE_LOG_START ? l->sb.dev_size : mid;
	l->oth_head = l->oth_start;
	l->oth_first_seq = l->oth_seq = l->seq;
	/* A fresh chain per generation: no stale record continues it. */
	l->oth_first_chain = l->oth_chain = store_crc32(0, &l->sb.gen, sizeof(l->sb.gen)) ^ 0x5a5a;
}

int store_log_switch(struct store_log *l)
{
	struct store_log_sb old = l->sb;
	uint64_t head = l->head, seq = l->seq, since = l->since_ckpt;
	uint32_t chain = l->chain;
	int r;

	l->sb.region_start = l->oth_start;
	l->sb.region_end = l->oth_end;
	l->sb.first_seq = l->oth_first_seq;
	l->sb.first_chain = l->oth_first_chain;
	l->head = l->oth_head;
	l->seq = l->oth_seq;
	l->chain = l->oth_chain;
	r = store_log_checkpoint(l);
	store_log_cache_drop(l);
	if (r) {
		/*
		 * The superblock may or may not have reached the disk; either
		 * region is whole there. In memory the old one stays active, so
		 * reads go on; writes are refused (l->err) until a reopen finds
		 * out which superblock won.
		 */
		l->sb = old;
		l->head = head;
		l->seq = seq;
		l->chain = chain;
		l->since_ckpt = since;
	}
	return r;
}

int store_log_rec_begin(struct store_log *l, int type, bool other)
{
	struct store_log_writer *w;

	/* Refused before the writer is made: made and dropped, 68 KiB would leak. */
	if (l->err)
		return -EROFS;
	if (!l->w && !(l->w = calloc(1, sizeof(*l->w))))
		return -ENOMEM;
	w = l->w;
	/* One record at a time: a pack streaming in holds the writer. */
	if (w->active)
		return -EBUSY;
	memset(&w->rec, 0, sizeof(w->rec));
	memcpy(w->rec.magic, "GREC", 4);
	w->rec.type = (uint16_t)type;
	w->rec.hdr_size = STORE_LOG_HDR;
	w->other = other;
	w->start = other ? l->oth_head : l->head;
	w->limit = other ? l->oth_end : l->sb.region_end;
	w->rec.seq = other ? l->oth_seq : l->seq;
	w->rec.prev = other ? l->oth_chain : l->chain;
	w->pos = STORE_LOG_HDR;
	w->cstart = 0;
	w->crc = w->idx_crc = 0;
	w->in_idx = false;
	memset(w->chunk, 0, STORE_LOG_HDR);
	if (w->start + STORE_LOG_BLOCK > w->limit)
		return -ENOSPC;
	w->active = true;
	return 0;
}

void store_log_rec_abort(struct store_log *l)
{
	/* Nothing of it is found: its header block was never written. */
	if (l->w)
		l->w->active = false;
}

/* Bytes [off, off + len) of the record being written, wherever they are now. */
int store_log_rec_read(struct store_log *l, uint64_t off, void *buf, size_t len)
{
	struct store_log_writer *w = l->w;
	uint8_t *out = buf;

	if (!w || !w->active || off > w->pos || len > w->pos - off)
		return -EINVAL;
	while (len) {
		size_t n;
		int r;
		if (off >= w->cstart) {
			/* In the chunk not yet written. */
			memcpy(out, w->chunk + (off - w->cstart), len);
			return 0;
		}
		if (off < STORE_LOG_BLOCK) {
			/* Block 0 waits in memory for the header. */
			n = STORE_LOG_BLOCK - (size_t)off < len ? STORE_LOG_BLOCK - (size_t)off
			                                        : len;
			memcpy(out, w->first + off, n);
		} else {
			n = w->cstart - off < len ? (size_t)(w->cstart - off) : len;
			if ((r = store_log_read(l, w->start + off, out, n)))
				return r;
		}
		out += n;
		off += n;
		len -= n;
	}
	return 0;
}

uint64_t store_log_rec_bytes(const struct store_log *l)
{
	return l->w && l->w->active ? l->w->pos : 0;
}

/* The chunk is full: write it, except block 0, which waits for the header. */
static int flush_chunk(struct store_log *l, struct store_log_writer *w)
{
	size_t skip = 0;
	int r;

	if (w->cstart == 0) {
		memcpy(w->first, w->chunk, STORE_LOG_BLOCK);
		skip = STORE_LOG_BLOCK;
	}
	if (w->start + w->cstart + CHUNK > w->limit)
		return -ENOSPC;
	r = dev_write(l, w->start + w->cstart + skip, w->chunk + skip, CHUNK - skip);
	w->cstart += CHUNK;
	return r;
}

int store_log_rec_write(struct store_log *l, const void *data, size_t len)
{
	struct store_log_writer *w = l->w;
	const uint8_t *p = data;
	int r;

	w->crc = store_crc32(w->crc, data, len);
	if (w->in_idx)
		w->idx_crc = store_crc32(w->idx_crc, data, len);
	while (len) {
		size_t in = (size_t)(w->pos - w->cstart), n = CHUNK - in;
		if (n > len)
			n = len;
		memcpy(w->chunk + in, p, n);
		w->pos += n;
		p += n;
		len -= n;
		if (w->pos - w->cstart == CHUNK && (r = flush_chunk(l, w))) {
			w->active = false;
			return r;
		}
	}
	return 0;
}

void store_log_rec_index_start(struct store_log *l, uint64_t pack_len, uint32_t nobj)
{
	l->w->in_idx = true;
	l->w->rec.pack_len = pack_len;
	l->w->rec.nobj = nobj;
}

static int rec_finish(struct store_log *l, uint64_t *off);

int store_log_rec_end(struct store_log *l, uint64_t *off)
{
	int r = rec_finish(l, off);

	l->w->active = false;
	return r;
}

static int rec_finish(struct store_log *l, uint64_t *off)
{
	struct store_log_writer *w = l->w;
	size_t in = (size_t)(w->pos - w->cstart), tail = (size_t)round_up(in, STORE_LOG_BLOCK);
	uint8_t *blk0 = w->cstart ? w->first : w->chunk;
	uint64_t size = store_log_rec_size(w->pos - STORE_LOG_HDR);
	int r;

	if (w->start + size > w->limit)
		return -ENOSPC;
	memset(w->chunk + in, 0, tail - in);
	w->rec.len = w->pos - STORE_LOG_HDR;
	w->rec.payload_crc = w->crc;
	w->rec.idx_crc = w->rec.type == STORE_LOG_PACK ? w->idx_crc : 0;
	w->rec.hdr_crc = rec_crc(&w->rec);
	memcpy(blk0, &w->rec, sizeof(w->rec));
	if (w->cstart && tail && (r = dev_write(l, w->start + w->cstart, w->chunk, tail)))
		return r;
	if (!w->cstart && tail > STORE_LOG_BLOCK &&
	    (r = dev_write(l, w->start + STORE_LOG_BLOCK, w->chunk + STORE_LOG_BLOCK,
	                   tail - STORE_LOG_BLOCK)))
		return r;
	/* The header block last: a record is only found once it is whole. */
	if ((r = dev_write(l, w->start, blk0, STORE_LOG_BLOCK))) {
		l->err_at_header = l->err != 0;
		return r;
	}
	*off = w->start;
	if (w->other) {
		l->oth_head += size;
		l->oth_seq++;
		l->oth_chain = w->rec.hdr_crc;
	} else {
		l->head += size;
		l->seq++;
		l->chain = w->rec.hdr_crc;
		l->since_ckpt += size;
	}
	return 0;
}
