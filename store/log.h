/*
 * The record log on the raw block device (see store/FORMAT.md): two
 * superblock slots, two log regions used in turn, checksummed records
 * chained by CRC, appended at the head and found again by scanning.
 * Internal to store/.
 */
#ifndef STORE_LOG_H
#define STORE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object.h"

#define STORE_LOG_BLOCK STORE_PAGE
#define STORE_LOG_HDR 64u
#define STORE_LOG_SB_SLOTS 2
#define STORE_LOG_START (STORE_LOG_SB_SLOTS * STORE_LOG_BLOCK)

enum store_log_type {
	STORE_LOG_PACK = 1,     /* a pack, then its object index */
	STORE_LOG_REFS = 2,     /* one atomic ref transaction */
	STORE_LOG_SNAPSHOT = 3, /* every ref (after a compaction) */
};

/* Little-endian on disk; explicit widths, no padding. */
struct store_log_sb {
	uint8_t magic[8];      /* "GITSTOR1" */
	uint32_t version;      /* 1 */
	uint32_t block;        /* STORE_LOG_BLOCK */
	uint64_t gen;          /* +1 on every superblock write; slot = gen % 2 */
	uint64_t dev_size;     /* bytes, fixed at init */
	uint64_t region_start; /* the active log region */
	uint64_t region_end;
	uint64_t first_seq; /* seq of the record at region_start */
	uint64_t ckpt_off;  /* records before it are durable and verified */
	uint64_t ckpt_seq;
	uint32_t first_chain; /* `prev` of the record at region_start */
	uint32_t ckpt_chain;
	uint32_t crc; /* CRC-32 of the bytes above */
} __attribute__((packed));

struct store_log_rec {
	uint8_t magic[4];  /* "GREC" */
	uint16_t type;     /* enum store_log_type */
	uint16_t hdr_size; /* STORE_LOG_HDR */
	uint64_t seq;      /* previous record's + 1 */
	uint64_t len;      /* payload bytes after the header */
	uint32_t prev;     /* hdr_crc of the previous record (the chain) */
	uint32_t payload_crc;
	uint64_t pack_len; /* STORE_LOG_PACK: pack bytes before the index */
	uint32_t nobj;     /* STORE_LOG_PACK: index entries */
	uint32_t idx_crc;  /* STORE_LOG_PACK: CRC-32 of the index */
	uint8_t pad[8];
	uint32_t hdr_crc; /* CRC-32 of the 56 bytes above */
} __attribute__((packed));

/* The layouts are on disk: a change of size is a change of format. */
_Static_assert(sizeof(struct store_log_sb) == 84, "superblock: 84 bytes");
_Static_assert(sizeof(struct store_log_rec) == 60, "record header: 60 bytes of a 64-byte block");
_Static_assert(sizeof(struct store_log_rec) <= STORE_LOG_HDR, "the header fits its space");

/* One entry of a STORE_LOG_PACK record's index. */
struct store_log_idx {
	uint8_t oid[20];
	uint32_t off; /* in the pack */
} __attribute__((packed));

_Static_assert(sizeof(struct store_log_idx) == 24, "an index entry is 24 bytes on disk");

/* The read cache's windows (log.c): 128 of 16 KiB, 2 MiB. */
#define STORE_LOG_CACHE_WAYS 128

struct store_log {
	uint64_t dev_size;
	uint32_t sector;
	struct store_log_sb sb; /* the current superblock */
	uint64_t head;          /* where the next record goes */
	uint64_t seq;           /* seq of the next record */
	uint32_t chain;         /* prev for the next record */
	uint64_t since_ckpt;    /* bytes appended since the superblock's checkpoint */
	/* read cache: aligned windows (log.c), a use stamp each (0: empty) */
	uint8_t *cache;
	uint64_t cache_off[STORE_LOG_CACHE_WAYS];
	uint32_t cache_used[STORE_LOG_CACHE_WAYS];
	uint32_t cache_clock;
	/* the other region while a compaction writes into it */
	uint64_t oth_start, oth_end, oth_head, oth_first_seq, oth_seq;
	uint32_t oth_first_chain, oth_chain;
	/* the record being written */
	struct store_log_writer *w;
	/*
	 * The first failed write or flush. What reached the disk after it is
	 * unknown, and the in-memory head may no longer match it, so every
	 * later write is refused with -EROFS until the log is opened again.
	 */
	int err;
	/*
	 * Whether err was the write of a record's header block, written last
	 * (store_log_rec_end): a reopen may find that record, where one whose
	 * earlier blocks failed is never found.
	 */
	bool err_at_header;
};

/* Called by store_log_open for each valid record; the payload is read on demand. */
typedef int (*store_log_rec_fn)(void *ctx, uint64_t off, const struct store_log_rec *rec,
                                const uint8_t *payload);

int store_log_format(struct store_log *l, uint64_t size);
/* Read the superblock and scan the active region; -ENODEV, -EINVAL if no store. */
int store_log_open(struct store_log *l, bool full_check, store_log_rec_fn fn, void *ctx);
void store_log_close(struct store_log *l);

int store_log_read(struct store_log *l, uint64_t off, void *buf, size_t len);
/* Forget what the read cache holds (the device was written). */
void store_log_cache_drop(struct store_log *l);
/* Flush the device; -EROFS once a write or flush has failed (l->err). */
int store_log_flush(struct store_log *l);
/*
 * Write the superblock with a checkpoint at the head (flushes around it),
 * after a block at the head that no scan takes for a record (log.c seal):
 * an older store's records past it do not come back.
 */
int store_log_checkpoint(struct store_log *l);

/*
 * Streaming record writer into the active region (or `other` region). One
 * record at a time: -EBUSY while another is being written. A record
 * nobody ends must be abandoned with store_log_rec_abort; a failed write or end
 * abandons it itself.
 */
int store_log_rec_begin(struct store_log *l, int type, bool other);
void store_log_rec_abort(struct store_log *l);
/* Read back bytes of the record being written (record offsets, header included). */
int store_log_rec_read(struct store_log *l, uint64_t off, void *buf, size_t len);
/* Bytes of the record being written so far, header included (0 if none). */
uint64_t store_log_rec_bytes(const struct store_log *l);
int store_log_rec_write(struct store_log *l, const void *data, size_t len);
/* From here the bytes written are the record's index (STORE_LOG_PACK). */
void store_log_rec_index_start(struct store_log *l, uint64_t pack_len, uint32_t nobj);
/*
 * Finish: *off gets the record's offset. Not flushed. A failed write of
 * its header block sets err_at_header beside err.
 */
int store_log_rec_end(struct store_log *l, uint64_t *off);
/* Bytes a record with `payload` bytes occupies. */
uint64_t store_log_rec_size(uint64_t payload);
uint64_t store_log_free(const struct store_log *l);
/* Prepare the other region for records written with `other`. */
void store_log_other_begin(struct store_log *l);
/*
 * Make the other region the active one (flushes, writes the superblock).
 * On failure the active region stays what it was in memory.
 */
int store_log_switch(struct store_log *l);

#endif
