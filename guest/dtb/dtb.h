/*
 * A small, bounds-checked reader of flattened device trees (the DTB format
 * of the Devicetree Specification v0.4, chapter 5). Every offset and length
 * read from the blob is checked against the blob before use, so a malformed
 * DTB yields an error code, never an out-of-bounds access. Pure code: no
 * allocation, no libc beyond <stdint.h>/<stddef.h>; it builds for the host
 * so unit tests and fuzzers can drive it.
 *
 * Nodes are named by the offset of their FDT_BEGIN_NODE token within the
 * structure block (a non-negative int); functions return such an offset,
 * 0 for success, or a negative enum dtb_error.
 */
#ifndef GUEST_DTB_DTB_H
#define GUEST_DTB_DTB_H

#include <stddef.h>
#include <stdint.h>

enum dtb_error {
	DTB_ERR_MAGIC = -1,     /* not a DTB */
	DTB_ERR_TRUNCATED = -2, /* a header field points outside the blob */
	DTB_ERR_VERSION = -3,   /* older than version 16 */
	DTB_ERR_STRUCT = -4,    /* malformed structure block */
	DTB_ERR_NOTFOUND = -5,  /* no such node or property */
	DTB_ERR_PROP = -6,      /* property has an unexpected size or form */
	DTB_ERR_DEPTH = -7,     /* nodes nested deeper than DTB_MAX_DEPTH */
};

#define DTB_MAX_DEPTH 32

/* A validated blob. Fill it with dtb_open(). */
struct dtb {
	const uint8_t *blob;
	uint32_t size; /* totalsize from the header */
	uint32_t struct_off;
	uint32_t struct_size;
	uint32_t strings_off;
	uint32_t strings_size;
};

/* A short English description of a dtb_error, for messages. */
const char *dtb_strerror(int err);

/*
 * Check the header of the blob at `blob`, of which `avail` bytes may be
 * read. Returns 0 or a negative dtb_error.
 */
int dtb_open(struct dtb *dt, const void *blob, size_t avail);

/* totalsize of a blob whose first 8 bytes are readable, 0 if no magic. */
uint32_t dtb_peek_size(const void *blob);

/* The node at `path` ("/", "/hypervisor", "/memory" matches memory@...). */
int dtb_path(const struct dtb *dt, const char *path);

/* The first node whose "compatible" list contains `compat`. */
int dtb_compatible(const struct dtb *dt, const char *compat);

/* The parent of `node`; DTB_ERR_NOTFOUND for the root. */
int dtb_parent(const struct dtb *dt, int node);

/* Property `name` of `node` (not of its children): value and length. */
int dtb_prop(const struct dtb *dt, int node, const char *name, const void **value, uint32_t *len);

/* A property holding one NUL-terminated string (the first of a list). */
int dtb_prop_string(const struct dtb *dt, int node, const char *name, const char **str);

/* Cell `index` (big-endian u32) of a property. */
int dtb_prop_u32(const struct dtb *dt, int node, const char *name, uint32_t index, uint32_t *value);

/*
 * Entry `index` of the "reg" property of `node`, decoded with the parent's
 * #address-cells and #size-cells (defaults 2 and 1, at most 2 each).
 */
int dtb_reg(const struct dtb *dt, int node, uint32_t index, uint64_t *addr, uint64_t *size);

#endif
