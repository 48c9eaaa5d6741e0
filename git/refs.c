/* The refs advertised to Git's clients (refs.h). */
#include "refs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

bool git_ref_public(const char *name)
{
	return !strcmp(name, "HEAD") || !strncmp(name, "refs/heads/", 11) ||
	       !strncmp(name, "refs/tags/", 10);
}

/* A growing buffer of pkt-lines. */
struct advert {
	uint8_t *buf;
	size_t len, cap;
	const char *caps; /* until the first ref line takes them */
	struct store *st;
	int err;
};

/* Room for one more line of at most `n` bytes. */
static uint8_t *room(struct advert *a, size_t n)
{
	if (a->len + n > a->cap) {
		size_t cap = (a->cap ? a->cap * 2 : 4096) + n;
		uint8_t *b = realloc(a->buf, cap);
		if (!b) {
			a->err = -ENOMEM;
			return NULL;
		}
		a->buf = b;
		a->cap = cap;
	}
	return a->buf + a->len;
}

/* "<oid> <name>\n", the first with "\0<capabilities>" before the LF. */
static void line(struct advert *a, const struct store_oid *oid, const char *name)
{
	char hex[STORE_OID_HEX];
	size_t need = STORE_OID_HEX + strlen(name) + (a->caps ? strlen(a->caps) + 1 : 0) + 8;
	uint8_t *p = room(a, need);
	int n;

	if (!p)
		return;
	store_oid_hex(oid, hex);
	if (a->caps) {
		/* The NUL is part of the line: written with %c. */
		n = git_pkt_text(p, need, "%s %s%c%s\n", hex, name, 0, a->caps);
		a->caps = NULL;
	} else {
		n = git_pkt_text(p, need, "%s %s\n", hex, name);
	}
	if (n < 0)
		a->err = n;
	else
		a->len += (size_t)n;
}

int git_ref_peel(struct store *st, const struct store_oid *oid, struct store_oid *out)
{
	struct store_oid cur = *oid;
	int type, rc;

	for (int depth = 0; depth < 16; depth++) {
		uint8_t *data;
		size_t len;
		struct store_tag t;

		if ((rc = store_get(st, &cur, &type, &data, &len)))
			return rc;
		if (type != STORE_OBJ_TAG) {
			free(data);
			if (!depth)
				return 1;
			*out = cur;
			return 0;
		}
		rc = store_tag_parse(data, len, &t);
		free(data);
		if (rc)
			return rc;
		cur = t.object;
	}
	return -ELOOP;
}

static int each_ref(void *ctx, const char *name, const struct store_oid *oid)
{
	struct advert *a = ctx;
	struct store_oid target;
	char peel[STORE_REF_MAX + 4];

	if (!git_ref_public(name) || !strcmp(name, "HEAD"))
		return 0;
	line(a, oid, name);
	if (!strncmp(name, "refs/tags/", 10) && git_ref_peel(a->st, oid, &target) == 0) {
		snprintf(peel, sizeof(peel), "%s^{}", name);
		line(a, &target, peel);
	}
	return a->err;
}

int git_advertise(struct store *st, const char *service, const char *capabilities, uint8_t **out,
                  size_t *len)
{
	struct advert a = {.caps = capabilities, .st = st};
	struct store_oid head, zero = {{0}};
	uint8_t *p;
	int n;

	if ((p = room(&a, 64)) && (n = git_pkt_text(p, 64, "# service=%s\n", service)) > 0) {
		a.len += (size_t)n;
		a.len += (size_t)git_pkt_special(a.buf + a.len, 4, GIT_PKT_FLUSH);
	}
	/* HEAD first, when main exists (its symref is among the capabilities). */
	if (!a.err && store_ref_get(st, "HEAD", &head) == 0)
		line(&a, &head, "HEAD");
	if (!a.err)
		store_refs_each(st, each_ref, &a);
	/* An empty repository still says its capabilities (gitprotocol-pack). */
	if (!a.err && a.caps)
		line(&a, &zero, "capabilities^{}");
	if (!a.err && (p = room(&a, 4)))
		a.len += (size_t)git_pkt_special(p, 4, GIT_PKT_FLUSH);
	if (a.err) {
		free(a.buf);
		return a.err;
	}
	*out = a.buf;
	*len = a.len;
	return 0;
}
