/*
 * Flattened device tree reader (see dtb.h). Structure: a header check, a
 * token reader that validates one token at a time, and small searches built
 * on the token reader.
 */
#include "dtb/dtb.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_HEADER_SIZE 40u
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u

/* One decoded token of the structure block. */
struct dtb_token {
	uint32_t type;
	uint32_t next;        /* offset of the following token */
	const char *name;     /* node or property name */
	const uint8_t *value; /* FDT_PROP only */
	uint32_t len;         /* FDT_PROP only */
};

const char *dtb_strerror(int err)
{
	switch (err) {
	case 0:
		return "no error";
	case DTB_ERR_MAGIC:
		return "bad magic (not a device tree)";
	case DTB_ERR_TRUNCATED:
		return "truncated or inconsistent header";
	case DTB_ERR_VERSION:
		return "unsupported version (< 16)";
	case DTB_ERR_STRUCT:
		return "malformed structure block";
	case DTB_ERR_NOTFOUND:
		return "not found";
	case DTB_ERR_PROP:
		return "malformed property";
	case DTB_ERR_DEPTH:
		return "nodes nested too deeply";
	default:
		return "unknown error";
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Is [off, off + len) inside a block of `size` bytes? */
static int in_bounds(uint32_t off, uint32_t len, uint32_t size)
{
	return off <= size && len <= size - off;
}

uint32_t dtb_peek_size(const void *blob)
{
	const uint8_t *p = blob;

	return be32(p) == FDT_MAGIC ? be32(p + 4) : 0;
}

int dtb_open(struct dtb *dt, const void *blob, size_t avail)
{
	const uint8_t *p = blob;
	uint32_t version;

	if (avail < FDT_HEADER_SIZE)
		return DTB_ERR_TRUNCATED;
	if (be32(p) != FDT_MAGIC)
		return DTB_ERR_MAGIC;
	dt->blob = p;
	dt->size = be32(p + 4);
	if (dt->size < FDT_HEADER_SIZE || dt->size > avail)
		return DTB_ERR_TRUNCATED;
	version = be32(p + 20);
	if (version < 16)
		return DTB_ERR_VERSION;
	dt->struct_off = be32(p + 8);
	dt->strings_off = be32(p + 12);
	dt->strings_size = be32(p + 32);
	/* size_dt_struct exists from version 17 on. */
	dt->struct_size = version >= 17 ? be32(p + 36) : dt->size - dt->struct_off;
	if (dt->struct_off % 4 != 0 || !in_bounds(dt->struct_off, dt->struct_size, dt->size) ||
	    !in_bounds(dt->strings_off, dt->strings_size, dt->size))
		return DTB_ERR_TRUNCATED;
	return 0;
}

/* Length of a NUL-terminated string at `s`, or -1 if none within `max`. */
static int bounded_strlen(const uint8_t *s, uint32_t max)
{
	uint32_t i;

	for (i = 0; i < max; i++)
		if (s[i] == '\0')
			return (int)i;
	return -1;
}

static uint32_t align4(uint32_t v)
{
	return (v + 3u) & ~3u;
}

static int read_begin_node(const struct dtb *dt, uint32_t off, struct dtb_token *tok)
{
	const uint8_t *s = dt->blob + dt->struct_off;
	int len = bounded_strlen(s + off, dt->struct_size - off);

	if (len < 0)
		return DTB_ERR_STRUCT;
	tok->name = (const char *)(s + off);
	tok->next = align4(off + (uint32_t)len + 1);
	return 0;
}

static int read_prop(const struct dtb *dt, uint32_t off, struct dtb_token *tok)
{
	const uint8_t *s = dt->blob + dt->struct_off;
	const uint8_t *strings = dt->blob + dt->strings_off;
	uint32_t nameoff;

	if (!in_bounds(off, 8, dt->struct_size))
		return DTB_ERR_STRUCT;
	tok->len = be32(s + off);
	nameoff = be32(s + off + 4);
	if (!in_bounds(off + 8, tok->len, dt->struct_size) || nameoff >= dt->strings_size ||
	    bounded_strlen(strings + nameoff, dt->strings_size - nameoff) < 0)
		return DTB_ERR_STRUCT;
	tok->name = (const char *)(strings + nameoff);
	tok->value = s + off + 8;
	tok->next = align4(off + 8 + tok->len);
	return 0;
}

/* Decode the token at structure offset `off`. */
static int read_token(const struct dtb *dt, uint32_t off, struct dtb_token *tok)
{
	if (off % 4 != 0 || !in_bounds(off, 4, dt->struct_size))
		return DTB_ERR_STRUCT;
	tok->type = be32(dt->blob + dt->struct_off + off);
	tok->name = NULL;
	tok->value = NULL;
	tok->len = 0;
	tok->next = off + 4;
	switch (tok->type) {
	case FDT_BEGIN_NODE:
		return read_begin_node(dt, off + 4, tok);
	case FDT_PROP:
		return read_prop(dt, off + 4, tok);
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		return 0;
	default:
		return DTB_ERR_STRUCT;
	}
}

/* The root node: the first token that is not a NOP must begin a node. */
static int root_node(const struct dtb *dt)
{
	struct dtb_token tok;
	uint32_t off = 0;
	int err;

	for (;;) {
		err = read_token(dt, off, &tok);
		if (err < 0)
			return err;
		if (tok.type == FDT_BEGIN_NODE)
			return (int)off;
		if (tok.type != FDT_NOP)
			return DTB_ERR_STRUCT;
		off = tok.next;
	}
}

/*
 * Step from token `*off` to the next one, tracking nesting in *depth.
 * Returns the token type or a negative error; FDT_END and unbalanced
 * END_NODEs are errors because every walk here stops before them.
 */
static int step(const struct dtb *dt, uint32_t *off, int *depth, struct dtb_token *tok)
{
	int err = read_token(dt, *off, tok);

	if (err < 0)
		return err;
	if (tok->type == FDT_END)
		return DTB_ERR_STRUCT;
	if (tok->type == FDT_BEGIN_NODE && ++*depth > DTB_MAX_DEPTH)
		return DTB_ERR_DEPTH;
	if (tok->type == FDT_END_NODE && --*depth < 0)
		return DTB_ERR_STRUCT;
	*off = tok->next;
	return (int)tok->type;
}

/* Does node name `name` ("memory@40000000") match path component `c`? */
static int name_matches(const char *name, const char *c, uint32_t clen)
{
	uint32_t i;

	for (i = 0; i < clen; i++)
		if (name[i] != c[i])
			return 0;
	return name[clen] == '\0' || (name[clen] == '@' && clen > 0);
}

/* The child of `parent` named by the `clen` bytes at `c`. */
static int subnode(const struct dtb *dt, int parent, const char *c, uint32_t clen)
{
	struct dtb_token tok;
	uint32_t off = (uint32_t)parent, at;
	int depth = 0, type;

	do {
		at = off;
		type = step(dt, &off, &depth, &tok);
		if (type < 0)
			return type;
		if (type == FDT_BEGIN_NODE && depth == 2 && name_matches(tok.name, c, clen))
			return (int)at;
	} while (depth > 0);
	return DTB_ERR_NOTFOUND;
}

int dtb_path(const struct dtb *dt, const char *path)
{
	int node = root_node(dt);
	uint32_t len;

	if (path[0] != '/')
		return DTB_ERR_NOTFOUND;
	while (node >= 0 && *path != '\0') {
		while (*path == '/')
			path++;
		for (len = 0; path[len] != '\0' && path[len] != '/'; len++)
			;
		if (len == 0)
			break;
		node = subnode(dt, node, path, len);
		path += len;
	}
	return node;
}

int dtb_prop(const struct dtb *dt, int node, const char *name, const void **value, uint32_t *len)
{
	struct dtb_token tok;
	uint32_t off;
	uint32_t i;
	int err;

	if (node < 0)
		return node;
	err = read_token(dt, (uint32_t)node, &tok);
	if (err < 0 || tok.type != FDT_BEGIN_NODE)
		return err < 0 ? err : DTB_ERR_STRUCT;
	/* Properties precede subnodes (Devicetree Specification 5.4.1). */
	for (off = tok.next;; off = tok.next) {
		err = read_token(dt, off, &tok);
		if (err < 0)
			return err;
		if (tok.type == FDT_NOP)
			continue;
		if (tok.type != FDT_PROP)
			return DTB_ERR_NOTFOUND;
		for (i = 0; name[i] != '\0' && name[i] == tok.name[i]; i++)
			;
		if (name[i] == '\0' && tok.name[i] == '\0') {
			*value = tok.value;
			*len = tok.len;
			return 0;
		}
	}
}

int dtb_prop_string(const struct dtb *dt, int node, const char *name, const char **str)
{
	const void *value;
	uint32_t len;
	int err = dtb_prop(dt, node, name, &value, &len);

	if (err < 0)
		return err;
	if (len == 0 || bounded_strlen(value, len) <= 0)
		return DTB_ERR_PROP;
	*str = value;
	return 0;
}

int dtb_prop_u32(const struct dtb *dt, int node, const char *name, uint32_t index, uint32_t *value)
{
	const void *data;
	uint32_t len;
	int err = dtb_prop(dt, node, name, &data, &len);

	if (err < 0)
		return err;
	if (len % 4 != 0 || index >= len / 4)
		return DTB_ERR_PROP;
	*value = be32((const uint8_t *)data + 4 * index);
	return 0;
}

/* Does the string list `list` of `len` bytes contain `want`? */
static int list_contains(const uint8_t *list, uint32_t len, const char *want)
{
	uint32_t pos = 0, i;
	int slen;

	while (pos < len) {
		slen = bounded_strlen(list + pos, len - pos);
		if (slen < 0)
			return 0;
		for (i = 0; want[i] != '\0' && want[i] == list[pos + i]; i++)
			;
		if (want[i] == '\0' && i == (uint32_t)slen)
			return 1;
		pos += (uint32_t)slen + 1;
	}
	return 0;
}

int dtb_compatible(const struct dtb *dt, const char *compat)
{
	struct dtb_token tok;
	int node = root_node(dt), depth = 0, type;
	uint32_t off, at;
	const void *value;
	uint32_t len;

	if (node < 0)
		return node;
	off = (uint32_t)node;
	do {
		at = off;
		type = step(dt, &off, &depth, &tok);
		if (type < 0)
			return type;
		if (type == FDT_BEGIN_NODE &&
		    dtb_prop(dt, (int)at, "compatible", &value, &len) == 0 &&
		    list_contains(value, len, compat))
			return (int)at;
	} while (depth > 0);
	return DTB_ERR_NOTFOUND;
}

int dtb_parent(const struct dtb *dt, int node)
{
	int stack[DTB_MAX_DEPTH + 1];
	struct dtb_token tok;
	int root = root_node(dt), depth = 0, type;
	uint32_t off, at;

	if (root < 0 || node < 0)
		return root < 0 ? root : node;
	off = (uint32_t)root;
	do {
		at = off;
		type = step(dt, &off, &depth, &tok);
		if (type < 0)
			return type;
		if (type != FDT_BEGIN_NODE)
			continue;
		stack[depth] = (int)at;
		if ((int)at == node)
			return depth > 1 ? stack[depth - 1] : DTB_ERR_NOTFOUND;
	} while (depth > 0);
	return DTB_ERR_NOTFOUND;
}

/* A #address-cells style property of `node`, or `fallback` if absent. */
static int cells(const struct dtb *dt, int node, const char *name, uint32_t fallback,
                 uint32_t *value)
{
	int err = dtb_prop_u32(dt, node, name, 0, value);

	if (err == DTB_ERR_NOTFOUND) {
		*value = fallback;
		return 0;
	}
	if (err < 0)
		return err;
	return *value <= 2 ? 0 : DTB_ERR_PROP;
}

static uint64_t read_cells(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		v = v << 32 | be32(p + 4 * i);
	return v;
}

int dtb_reg(const struct dtb *dt, int node, uint32_t index, uint64_t *addr, uint64_t *size)
{
	int parent = dtb_parent(dt, node);
	uint32_t ac, sc, len, entry;
	const void *value;
	int err;

	if (parent < 0)
		return parent;
	err = cells(dt, parent, "#address-cells", 2, &ac);
	if (err == 0)
		err = cells(dt, parent, "#size-cells", 1, &sc);
	if (err == 0)
		err = dtb_prop(dt, node, "reg", &value, &len);
	if (err < 0)
		return err;
	entry = 4 * (ac + sc);
	if (entry == 0 || len % entry != 0)
		return DTB_ERR_PROP;
	if (index >= len / entry)
		return DTB_ERR_NOTFOUND;
	*addr = read_cells((const uint8_t *)value + index * entry, ac);
	*size = read_cells((const uint8_t *)value + index * entry + 4 * ac, sc);
	return 0;
}
