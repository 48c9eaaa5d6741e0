/* Git object encodings: ids, trees, commits, tags. */
#include "object.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha1.h"
#include "../plat/hex.h"

static const char *const type_names[] = {
    [STORE_OBJ_COMMIT] = "commit",
    [STORE_OBJ_TREE] = "tree",
    [STORE_OBJ_BLOB] = "blob",
    [STORE_OBJ_TAG] = "tag",
};

const char *store_type_name(int type)
{
	if (type < STORE_OBJ_COMMIT || type > STORE_OBJ_TAG)
		return "?";
	return type_names[type];
}

int store_type_from_name(const char *name, size_t len)
{
	for (int t = STORE_OBJ_COMMIT; t <= STORE_OBJ_TAG; t++)
		if (strlen(type_names[t]) == len && !memcmp(type_names[t], name, len))
			return t;
	return STORE_OBJ_NONE;
}

void store_oid_hex(const struct store_oid *oid, char out[STORE_OID_HEX])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < STORE_OID_LEN; i++) {
		out[2 * i] = digits[oid->b[i] >> 4];
		out[2 * i + 1] = digits[oid->b[i] & 15];
	}
	out[40] = '\0';
}

int store_oid_from_hex(const char *hex, struct store_oid *oid)
{
	for (int i = 0; i < STORE_OID_LEN; i++) {
		int hi = plat_hex_digit(hex[2 * i]),
		    lo = hi < 0 ? -1 : plat_hex_digit(hex[2 * i + 1]);
		if (lo < 0)
			return -EINVAL;
		oid->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

bool store_oid_is_zero(const struct store_oid *oid)
{
	static const struct store_oid zero;
	return !memcmp(oid, &zero, sizeof(zero));
}

int store_oid_cmp(const struct store_oid *a, const struct store_oid *b)
{
	return memcmp(a->b, b->b, STORE_OID_LEN);
}

/* "<type> <len>" and its NUL; the length without the NUL. */
static size_t object_header(char hdr[32], int type, uint64_t len)
{
	return (size_t)snprintf(hdr, 32, "%s %llu", store_type_name(type), (unsigned long long)len);
}

void store_object_header(struct store_sha1 *c, int type, uint64_t len)
{
	char hdr[32];

	store_sha1_update(c, hdr, object_header(hdr, type, len) + 1);
}

void store_object_header_dc(struct store_sha1dc *c, int type, uint64_t len)
{
	char hdr[32];

	store_sha1dc_update(c, hdr, object_header(hdr, type, len) + 1);
}

int store_object_id(int type, const void *data, size_t len, struct store_oid *oid)
{
	struct store_sha1dc c;

	store_sha1dc_init(&c);
	store_object_header_dc(&c, type, len);
	store_sha1dc_update(&c, data, len);
	return store_sha1dc_final(&c, oid->b);
}

/* ---- trees ---- */

void store_tree_iter_init(struct store_tree_iter *it, const void *data, size_t len)
{
	it->p = data;
	it->end = it->p + len;
}

/* An octal mode without leading zeros, as Git writes and fsck demands. */
static int parse_mode(const uint8_t **pp, const uint8_t *end, uint32_t *mode)
{
	const uint8_t *p = *pp;
	uint32_t m = 0;

	if (p >= end || *p == '0')
		return -EINVAL;
	for (; p < end && *p != ' '; p++) {
		if (*p < '0' || *p > '7' || m > 0777777)
			return -EINVAL;
		m = m << 3 | (uint32_t)(*p - '0');
	}
	if (p >= end || p == *pp)
		return -EINVAL;
	*pp = p + 1;
	*mode = m;
	return 0;
}

int store_tree_next(struct store_tree_iter *it, struct store_tree_entry *e)
{
	const uint8_t *p = it->p, *nul;

	if (p == it->end)
		return 0;
	if (parse_mode(&p, it->end, &e->mode))
		return -EINVAL;
	nul = memchr(p, '\0', (size_t)(it->end - p));
	if (!nul || (size_t)(it->end - nul - 1) < STORE_OID_LEN)
		return -EINVAL;
	e->name = (const char *)p;
	e->name_len = (size_t)(nul - p);
	memcpy(e->oid.b, nul + 1, STORE_OID_LEN);
	it->p = nul + 1 + STORE_OID_LEN;
	return 1;
}

static bool mode_known(uint32_t mode)
{
	return mode == STORE_MODE_FILE || mode == STORE_MODE_EXEC || mode == STORE_MODE_LINK ||
	       mode == STORE_MODE_TREE || mode == STORE_MODE_GITLINK ||
	       mode == 0100664u; /* old Git wrote it; fsck only warns */
}

/* ---- names a checkout would take for Git's own (git fsck: hasDotgit, gitmodulesSymlink) ---- */

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * The UTF-8 of a code point HFS+ ignores when it compares names
 * (U+200C..U+200F, U+202A..U+202E, U+206A..U+206F, U+FEFF): its length,
 * or 0.
 */
static size_t hfs_ignorable(const uint8_t *p, size_t left)
{
	if (left < 3)
		return 0;
	if (p[0] == 0xe2 && p[1] == 0x80 &&
	    ((p[2] >= 0x8c && p[2] <= 0x8f) || (p[2] >= 0xaa && p[2] <= 0xae)))
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xaa && p[2] <= 0xaf)
		return 3;
	return p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf ? 3 : 0;
}

/* `name` is `word` (lower case ASCII) as HFS+ sees it: case folded, ignorables skipped. */
static bool hfs_is(const char *name, size_t len, const char *word)
{
	const uint8_t *p = (const uint8_t *)name;
	size_t i = 0, skip;

	for (;; word++) {
		while ((skip = hfs_ignorable(p + i, len - i)))
			i += skip;
		if (!*word)
			return i == len;
		if (i == len || ascii_lower(name[i]) != *word)
			return false;
		i++;
	}
}

/* `word` in any case, then nothing but the spaces and dots NTFS drops. */
static bool ntfs_component_is(const char *c, size_t len, const char *word)
{
	size_t wl = strlen(word);

	if (len < wl)
		return false;
	for (size_t i = 0; i < wl; i++)
		if (ascii_lower(c[i]) != word[i])
			return false;
	for (size_t i = wl; i < len; i++)
		if (c[i] != ' ' && c[i] != '.')
			return false;
	return true;
}

/* Any backslash-separated part of `name` (a separator on Windows) is one of `words`. */
static bool ntfs_is(const char *name, size_t len, const char *const *words)
{
	for (size_t start = 0, end; start <= len; start = end + 1) {
		for (end = start; end < len && name[end] != '\\'; end++)
			;
		for (const char *const *w = words; *w; w++)
			if (ntfs_component_is(name + start, end - start, *w))
				return true;
	}
	return false;
}

static bool is_dotgit(const char *name, size_t len)
{
	static const char *const ntfs[] = {".git", "git~1", NULL};

	return hfs_is(name, len, ".git") || ntfs_is(name, len, ntfs);
}

/* Git reads .gitmodules from the tree: as a symbolic link it could point anywhere. */
static bool is_dotgitmodules(const char *name, size_t len)
{
	/* The NTFS short names: the plain one and the hashed one Windows may pick. */
	static const char *const ntfs[] = {".gitmodules", "gitmod~1", "gitmod~2", "gitmod~3",
	                                   "gitmod~4",    "gi7eba~1", "gi7eba~2", "gi7eba~3",
	                                   "gi7eba~4",    "gi7eba~5", "gi7eba~6", "gi7eba~7",
	                                   "gi7eba~8",    "gi7eba~9", NULL};

	return hfs_is(name, len, ".gitmodules") || ntfs_is(name, len, ntfs);
}

static bool name_ok(const char *name, size_t len, uint32_t mode)
{
	if (len == 0 || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	if (memchr(name, '/', len) || memchr(name, '\0', len) || is_dotgit(name, len))
		return false;
	return mode != STORE_MODE_LINK || !is_dotgitmodules(name, len);
}

int store_tree_entry_cmp(const struct store_tree_entry *a, const struct store_tree_entry *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);
	unsigned ca, cb;

	if (c)
		return c;
	/* Past the common prefix a tree's name continues with '/'. */
	ca = a->name_len > n ? (uint8_t)a->name[n] : a->mode == STORE_MODE_TREE ? '/' : 0;
	cb = b->name_len > n ? (uint8_t)b->name[n] : b->mode == STORE_MODE_TREE ? '/' : 0;
	return (int)ca - (int)cb;
}

/*
 * The files a later directory of the same name could still meet. In tree
 * order a directory sorts as its name and '/', so the file "a" and the
 * directory "a" may have "a-b" and others between them, each the file's
 * name and a byte below '/'. Each file on the stack extends the name of
 * the one below it (its names point into the tree); git fsck keeps the
 * same stack for its duplicateEntries check.
 */
struct name_stack {
	struct store_tree_entry *v;
	size_t n, cap;
};

/* `e` lies in the range that opens after the file `f` and closes at "f/". */
static bool within(const struct store_tree_entry *f, const struct store_tree_entry *e)
{
	return e->name_len > f->name_len && !memcmp(e->name, f->name, f->name_len) &&
	       (uint8_t)e->name[f->name_len] < '/';
}

/* -EINVAL if `e` is named as a file before it; else `e` joins the stack if a file. */
static int check_apart(struct name_stack *s, const struct store_tree_entry *e)
{
	while (s->n && !within(&s->v[s->n - 1], e)) {
		const struct store_tree_entry *f = &s->v[--s->n];
		if (f->name_len == e->name_len && !memcmp(f->name, e->name, e->name_len))
			return -EINVAL;
	}
	if (e->mode == STORE_MODE_TREE)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct store_tree_entry *v = realloc(s->v, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *e;
	return 0;
}

int store_tree_check(const void *data, size_t len)
{
	struct store_tree_iter it;
	struct store_tree_entry prev, e;
	struct name_stack files = {0};
	bool first = true;
	int r;

	store_tree_iter_init(&it, data, len);
	while ((r = store_tree_next(&it, &e)) == 1) {
		if (!mode_known(e.mode) || !name_ok(e.name, e.name_len, e.mode))
			r = -EINVAL;
		else if (!first &&
		         (store_tree_entry_cmp(&prev, &e) >= 0 ||
		          (prev.name_len == e.name_len && !memcmp(prev.name, e.name, e.name_len))))
			r = -EINVAL;
		else
			r = check_apart(&files, &e);
		if (r)
			break;
		prev = e;
		first = false;
	}
	free(files.v);
	return r;
}

static int entry_qsort_cmp(const void *a, const void *b)
{
	return store_tree_entry_cmp(a, b);
}

int store_tree_encode(struct store_tree_entry *e, size_t n, uint8_t **out, size_t *len)
{
	size_t size = 0, off = 0;
	uint8_t *buf;

	qsort(e, n, sizeof(*e), entry_qsort_cmp);
	for (size_t i = 0; i < n; i++) {
		if (!name_ok(e[i].name, e[i].name_len, e[i].mode) || !mode_known(e[i].mode))
			return -EINVAL;
		if (i && e[i - 1].name_len == e[i].name_len &&
		    !memcmp(e[i - 1].name, e[i].name, e[i].name_len))
			return -EINVAL;
		size += 8 + e[i].name_len + STORE_OID_LEN;
	}
	buf = malloc(size ? size : 1);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		off += (size_t)sprintf((char *)buf + off, "%o ", (unsigned)e[i].mode);
		memcpy(buf + off, e[i].name, e[i].name_len);
		off += e[i].name_len;
		buf[off++] = '\0';
		memcpy(buf + off, e[i].oid.b, STORE_OID_LEN);
		off += STORE_OID_LEN;
	}
	*out = buf;
	*len = off;
	return 0;
}

int store_tree_find(const void *data, size_t len, const char *name, size_t name_len,
                    struct store_tree_entry *e)
{
	struct store_tree_iter it;
	int r;

	store_tree_iter_init(&it, data, len);
	while ((r = store_tree_next(&it, e)) == 1)
		if (e->name_len == name_len && !memcmp(e->name, name, name_len))
			return 0;
	return r ? r : -ENOENT;
}

/* ---- commits and tags: "key value\n" header lines, a blank line, a message ---- */

struct lines {
	const char *p;
	const char *end;
};

/* The next header line starting with `key` and a space; its value. */
static bool take_line(struct lines *l, const char *key, const char **val, size_t *vlen)
{
	size_t klen = strlen(key);
	const char *nl;

	if ((size_t)(l->end - l->p) <= klen || memcmp(l->p, key, klen) || l->p[klen] != ' ')
		return false;
	nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	if (!nl)
		return false;
	*val = l->p + klen + 1;
	*vlen = (size_t)(nl - *val);
	l->p = nl + 1;
	return true;
}

static bool take_oid(struct lines *l, const char *key, struct store_oid *oid)
{
	const char *v;
	size_t n;
	struct lines save = *l;

	if (!take_line(l, key, &v, &n))
		return false;
	if (n != 40 || store_oid_from_hex(v, oid)) {
		*l = save;
		return false;
	}
	return true;
}

/* Skip other headers (encoding, gpgsig with its continuation lines) to the message. */
static int skip_to_message(struct lines *l, const char **msg, size_t *msg_len)
{
	while (l->p < l->end && *l->p != '\n') {
		const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
		if (!nl)
			return -EINVAL;
		l->p = nl + 1;
	}
	if (l->p >= l->end) {
		*msg = l->end;
		*msg_len = 0;
		return 0;
	}
	*msg = l->p + 1;
	*msg_len = (size_t)(l->end - *msg);
	return 0;
}

/* "Name <email> 1234567890 +0100": the seconds field. */
static int ident_time(const char *v, size_t n, int64_t *t)
{
	const char *gt = NULL;
	int64_t x = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] == '>')
			gt = v + i;
	if (!gt || !memchr(v, '<', (size_t)(gt - v)))
		return -EINVAL;
	for (gt++; gt < v + n && *gt == ' '; gt++)
		;
	for (; gt < v + n && *gt >= '0' && *gt <= '9' && x < INT64_MAX / 10 - 10; gt++)
		x = x * 10 + (*gt - '0');
	*t = x;
	return 0;
}

int store_commit_parse(const void *data, size_t len, struct store_commit *c)
{
	struct lines l = {data, (const char *)data + len};
	struct store_oid p;
	const char *v;
	size_t n;

	memset(c, 0, sizeof(*c));
	if (!take_oid(&l, "tree", &c->tree))
		return -EINVAL;
	while (take_oid(&l, "parent", &p)) {
		if (c->nparents == STORE_MAX_PARENTS)
			return -EINVAL;
		c->parent[c->nparents++] = p;
	}
	if (!take_line(&l, "author", &c->author, &c->author_len) ||
	    ident_time(c->author, c->author_len, &c->time))
		return -EINVAL;
	if (!take_line(&l, "committer", &v, &n) || ident_time(v, n, &c->time))
		return -EINVAL;
	c->committer = v;
	c->committer_len = n;
	return skip_to_message(&l, &c->msg, &c->msg_len);
}

int store_commit_encode(const struct store_oid *tree, const struct store_oid *parents,
                        unsigned nparents, const char *author, const char *committer,
                        const char *msg, uint8_t **out, size_t *len)
{
	size_t size = 64 + nparents * 48 + strlen(author) + strlen(committer) + strlen(msg) + 32;
	char hex[STORE_OID_HEX], *buf = malloc(size);
	size_t off;

	if (!buf)
		return -ENOMEM;
	store_oid_hex(tree, hex);
	off = (size_t)sprintf(buf, "tree %s\n", hex);
	for (unsigned i = 0; i < nparents; i++) {
		store_oid_hex(&parents[i], hex);
		off += (size_t)sprintf(buf + off, "parent %s\n", hex);
	}
	off += (size_t)sprintf(buf + off, "author %s\ncommitter %s\n\n%s", author, committer, msg);
	*out = (uint8_t *)buf;
	*len = off;
	return 0;
}

int store_tag_parse(const void *data, size_t len, struct store_tag *t)
{
	struct lines l = {data, (const char *)data + len};
	const char *v;
	size_t n;

	memset(t, 0, sizeof(*t));
	if (!take_oid(&l, "object", &t->object) || !take_line(&l, "type", &v, &n))
		return -EINVAL;
	t->type = store_type_from_name(v, n);
	if (t->type == STORE_OBJ_NONE || !take_line(&l, "tag", &t->name, &t->name_len))
		return -EINVAL;
	return 0;
}

int store_object_check(int type, const void *data, size_t len)
{
	struct store_commit c;
	struct store_tag t;

	switch (type) {
	case STORE_OBJ_BLOB:
		return 0;
	case STORE_OBJ_TREE:
		return store_tree_check(data, len);
	case STORE_OBJ_COMMIT:
		return store_commit_parse(data, len, &c);
	case STORE_OBJ_TAG:
		return store_tag_parse(data, len, &t);
	default:
		return -EINVAL;
	}
}
