/*
 * Git objects: ids, types and the encodings of tree, commit and tag
 * (Documentation/technical/... in git: "tree", "commit", "tag" formats,
 * which git itself defines in object.c, tree.c, commit.c and tag.c).
 * Parsers take untrusted bytes, never read past `len`, and return 0 or
 * -EINVAL; the structures they fill point into the caller's buffer.
 */
#ifndef STORE_OBJECT_H
#define STORE_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The device page: the log's block and the piece in which data streams. */
#define STORE_PAGE 4096u

#define STORE_OID_LEN 20
#define STORE_OID_HEX 41 /* 40 digits and a NUL */

struct store_oid {
	uint8_t b[STORE_OID_LEN];
};

/* The type numbers of the pack format (gitformat-pack(5)). */
enum store_obj_type {
	STORE_OBJ_NONE = 0,
	STORE_OBJ_COMMIT = 1,
	STORE_OBJ_TREE = 2,
	STORE_OBJ_BLOB = 3,
	STORE_OBJ_TAG = 4,
	STORE_OBJ_OFS_DELTA = 6,
	STORE_OBJ_REF_DELTA = 7,
};

/* Tree entry modes Git writes (tree.c, cache.h canon_mode). */
#define STORE_MODE_FILE 0100644u
#define STORE_MODE_EXEC 0100755u
#define STORE_MODE_LINK 0120000u
#define STORE_MODE_TREE 0040000u
#define STORE_MODE_GITLINK 0160000u

/* Most parents a commit may have here; Git allows more, we refuse them. */
#define STORE_MAX_PARENTS 64

const char *store_type_name(int type);
/* The type named by `name` (len bytes), or STORE_OBJ_NONE. */
int store_type_from_name(const char *name, size_t len);

void store_oid_hex(const struct store_oid *oid, char out[STORE_OID_HEX]);
/* Parse exactly 40 hex digits (either case); -EINVAL otherwise. */
int store_oid_from_hex(const char *hex, struct store_oid *oid);
bool store_oid_is_zero(const struct store_oid *oid);
int store_oid_cmp(const struct store_oid *a, const struct store_oid *b);

/*
 * The id of an object: SHA-1 over "<type> <len>\0" and the content,
 * computed with collision detection (sha1.h). 0, or -EILSEQ when the
 * object is part of a SHA-1 collision attack: it must be refused, and
 * *oid is then not its SHA-1.
 */
int store_object_id(int type, const void *data, size_t len, struct store_oid *oid);
/*
 * The "<type> <len>\0" an id hashes first, for content hashed in pieces
 * after it: into a collision-detecting context for the ids of objects from
 * outside, into a plain one only for bytes the appliance made itself.
 */
struct store_sha1dc;
void store_object_header_dc(struct store_sha1dc *c, int type, uint64_t len);
struct store_sha1;
void store_object_header(struct store_sha1 *c, int type, uint64_t len);

/* ---- trees ---- */

struct store_tree_entry {
	uint32_t mode;
	const char *name; /* not NUL-terminated */
	size_t name_len;
	struct store_oid oid;
};

struct store_tree_iter {
	const uint8_t *p;
	const uint8_t *end;
};

void store_tree_iter_init(struct store_tree_iter *it, const void *data, size_t len);
/* 1 and the next entry, 0 at the end, -EINVAL on a malformed entry. */
int store_tree_next(struct store_tree_iter *it, struct store_tree_entry *e);
/*
 * Check a whole tree: well-formed entries, known modes, names without '/'
 * or NUL and not "", ".", "..", and strictly in Git's order. Like git
 * fsck, it refuses names a checkout would take for ".git" (any case,
 * HFS+ ignorable code points, NTFS trailing dots and spaces, GIT~1, parts
 * after a backslash) and a .gitmodules that is a symbolic link.
 */
int store_tree_check(const void *data, size_t len);
/* Git's tree order: names compared as if trees had a trailing '/'. */
int store_tree_entry_cmp(const struct store_tree_entry *a, const struct store_tree_entry *b);
/*
 * Encode `n` entries (sorted here, in place) as a tree into a malloc'd
 * buffer. -EINVAL on a bad name or a duplicate, -ENOMEM.
 */
int store_tree_encode(struct store_tree_entry *e, size_t n, uint8_t **out, size_t *len);
/* Find `name` in a tree; 0 and the entry, -ENOENT, or -EINVAL. */
int store_tree_find(const void *data, size_t len, const char *name, size_t name_len,
                    struct store_tree_entry *e);

/* ---- commits ---- */

struct store_commit {
	struct store_oid tree;
	unsigned nparents;
	struct store_oid parent[STORE_MAX_PARENTS];
	const char *author; /* "Name <email> time zone", not terminated */
	size_t author_len;
	const char *committer;
	size_t committer_len;
	int64_t time; /* committer time, seconds since the epoch */
	const char *msg;
	size_t msg_len;
};

int store_commit_parse(const void *data, size_t len, struct store_commit *c);
/*
 * Encode a commit (tree, parents, author and committer lines without the
 * keyword, message) into a malloc'd buffer.
 */
int store_commit_encode(const struct store_oid *tree, const struct store_oid *parents,
                        unsigned nparents, const char *author, const char *committer,
                        const char *msg, uint8_t **out, size_t *len);

/* ---- tags ---- */

struct store_tag {
	struct store_oid object;
	int type;
	const char *name;
	size_t name_len;
};

int store_tag_parse(const void *data, size_t len, struct store_tag *t);

/* Check the content of an object of `type` (blobs are always fine). */
int store_object_check(int type, const void *data, size_t len);

#endif
