/* The fuzz targets' store and helpers (git_fixture.h). */
#include "git_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memblk.h"

#define AUTHOR(t) "Fuzz <fuzz@example.home> " t " +0000"

void fz_die(const char *why)
{
	fprintf(stderr, "%s: %s\n", fz_name, why);
	abort();
}

void fz_must(int r, const char *what)
{
	if (r) {
		fprintf(stderr, "%s: setup: %s: %d\n", fz_name, what, r);
		abort();
	}
}

void fz_append(struct bytes *b, const void *data, size_t len)
{
	if (!len)
		return;
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		if (!(b->p = realloc(b->p, b->cap)))
			fz_die("out of memory");
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

uint32_t fz_next(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

static void commit(struct store *st, const char *ref, const char *path, const char *text,
                   const char *author, struct store_oid *out)
{
	struct store_change c = {path, text, strlen(text), STORE_MODE_FILE};

	fz_must(store_commit_changes(st, ref, &c, 1, author, "change\n", out), ref);
}

static void annotated_tag(struct store *st, const struct store_oid *target, const char *name,
                          struct store_oid *out)
{
	char hex[STORE_OID_HEX], text[512];
	int type = STORE_OBJ_TAG, n;
	const uint8_t *data = (const uint8_t *)text;
	size_t len;

	store_oid_hex(target, hex);
	n = snprintf(text, sizeof(text),
	             "object %s\ntype commit\ntag %s\ntagger " AUTHOR("1700000100") "\n\n%s\n", hex,
	             name, name);
	len = (size_t)n;
	fz_must(store_put_objects(st, &type, &data, &len, 1), "tag");
	store_object_id(STORE_OBJ_TAG, text, len, out);
}

void fz_make_store(size_t dev_size, struct store **out, struct store_oid private[3])
{
	struct store_oid c1, c2, tag, secret, zero = {{0}};
	struct store_change more[2] = {
	    {"site/index.html", "two\n", 4, STORE_MODE_FILE},
	    {"site/style.css", "body { color: black }\n", 22, STORE_MODE_FILE},
	};
	struct store_ref_update refs[3];
	struct store *st;

	memblk_create(dev_size);
	fz_must(store_init(0), "init");
	fz_must(store_open(&st, false), "open");
	commit(st, "refs/heads/main", "site/index.html", "one\n", AUTHOR("1700000000"), &c1);
	fz_must(store_commit_changes(st, "refs/heads/main", more, 2, AUTHOR("1700000060"), "more\n",
	                             &c2),
	        "main");
	commit(st, "refs/heads/main", "site/index.html", "three\n", AUTHOR("1700000120"), NULL);
	annotated_tag(st, &c1, "v1", &tag);
	refs[0] = (struct store_ref_update){"refs/heads/dev", zero, c2};
	refs[1] = (struct store_ref_update){"refs/tags/v1", zero, tag};
	refs[2] = (struct store_ref_update){"refs/tags/light", zero, c2};
	fz_must(store_refs_update(st, refs, 3), "refs");
	commit(st, "refs/heads/dev", "site/dev.html", "dev\n", AUTHOR("1700000180"), NULL);
	commit(st, "refs/appliance/secrets", "secret", "private\n", AUTHOR("1700000240"), &secret);
	if (private) {
		private[0] = secret;
		fz_must(store_ref_tree(st, "refs/appliance/secrets", &private[1]), "private tree");
		store_object_id(STORE_OBJ_BLOB, "private\n", 8, &private[2]);
	}
	*out = st;
}
