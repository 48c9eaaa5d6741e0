/* The store tests' shared helpers (fixture.h). */
#include "fixture.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "delta.h"
#include "memblk.h"
#include "pack.h"
#include "store_int.h"

static uint8_t *template_img;
static size_t template_size;

void fixture_device(size_t size)
{
	memblk_create(size);
	if (template_size != size) {
		assert_int_equal(store_init(0), 0);
		free(template_img);
		template_img = malloc(size);
		memcpy(template_img, memblk_data(), size);
		template_size = size;
	}
	memcpy(memblk_data(), template_img, size);
}

int fixture_commit(struct store *st, const char *ref, const char *path, const char *text,
                   struct store_oid *out)
{
	struct store_change c = {path, text, strlen(text), STORE_MODE_FILE};

	return store_commit_changes(st, ref, &c, 1, FIXTURE_AUTHOR, "change\n", out);
}

void fixture_read_is(struct store *st, const char *ref, const char *path, const char *want)
{
	uint8_t *data;
	size_t len;

	assert_int_equal(store_read_path(st, ref, path, &data, &len, NULL, NULL), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(data, want, len);
	free(data);
}

void fixture_put(struct store *st, int type, const void *data, size_t len, struct store_oid *oid)
{
	const uint8_t *d = data;

	assert_int_equal(store_put_objects(st, &type, &d, &len, 1), 0);
	store_object_id(type, data, len, oid);
	assert_true(store_has(st, oid));
}

void fixture_tag(struct store *st, const struct store_oid *target, int type, const char *name,
                 struct store_oid *oid)
{
	char hex[STORE_OID_HEX], text[512];
	int n;

	store_oid_hex(target, hex);
	n = snprintf(text, sizeof(text),
	             "object %s\ntype %s\ntag %s\ntagger " FIXTURE_AUTHOR "\n\nrelease %s\n", hex,
	             store_type_name(type), name, name);
	fixture_put(st, STORE_OBJ_TAG, text, (size_t)n, oid);
}

int buf_sink(void *ctx, const void *data, size_t len)
{
	struct buf *b = ctx;

	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

void fixture_chain_pack(struct buf *b, int deltas, struct store_oid *tip)
{
	char prev[96], next[96];
	struct store_packw w;
	uint64_t off;

	memset(b, 0, sizeof(*b));
	snprintf(prev, sizeof(prev), "version %06d of a page whose text is long enough to delta",
	         0);
	assert_int_equal(store_packw_begin(&w, buf_sink, b, (uint32_t)deltas + 1), 0);
	assert_int_equal(store_packw_object(&w, STORE_OBJ_BLOB, prev, strlen(prev), &off), 0);
	for (int i = 1; i <= deltas; i++) {
		uint8_t *d;
		size_t dlen;
		snprintf(next, sizeof(next),
		         "version %06d of a page whose text is long enough to delta", i);
		assert_int_equal(store_delta_create((const uint8_t *)prev, strlen(prev),
		                                    (const uint8_t *)next, strlen(next), 64, &d,
		                                    &dlen),
		                 0);
		assert_int_equal(store_packw_ofs_delta(&w, off, d, dlen, &off), 0);
		free(d);
		strcpy(prev, next);
	}
	assert_int_equal(store_packw_end(&w, NULL), 0);
	store_object_id(STORE_OBJ_BLOB, prev, strlen(prev), tip);
}

/* The sanitizer runtime's allocation hooks (its allocator_interface.h, which gcc does not install).
 */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
static size_t alloc_largest;
static int alloc_watching;

static void on_malloc(const volatile void *p, size_t size)
{
	(void)p;
	if (alloc_watching && size > alloc_largest)
		alloc_largest = size;
}

static void on_free(const volatile void *p)
{
	(void)p;
}

void watch_allocs(int on)
{
	static int installed;

	if (!installed)
		installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
	if (on)
		alloc_largest = 0;
	alloc_watching = on;
}

size_t largest_alloc(void)
{
	return alloc_largest;
}

struct small_call {
	int (*fn)(void *arg);
	void *arg;
	int ret;
};

static void *small_main(void *p)
{
	struct small_call *c = p;

	c->ret = c->fn(c->arg);
	return NULL;
}

int fixture_small_stack(size_t stack, int (*fn)(void *arg), void *arg)
{
	struct small_call c = {fn, arg, 0};
	pthread_attr_t a;
	pthread_t t;

	assert_int_equal(pthread_attr_init(&a), 0);
	assert_int_equal(pthread_attr_setstacksize(&a, stack), 0);
	assert_int_equal(pthread_create(&t, &a, small_main, &c), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&a);
	return c.ret;
}

/* Fake object i's id: "\xfe\xed", then i (no object of these tests has one like it). */
static void fake_oid(uint32_t i, uint8_t oid[STORE_OID_LEN])
{
	memset(oid, 0, STORE_OID_LEN);
	oid[0] = 0xfe;
	oid[1] = 0xed;
	oid[2] = (uint8_t)(i >> 24);
	oid[3] = (uint8_t)(i >> 16);
	oid[4] = (uint8_t)(i >> 8);
	oid[5] = (uint8_t)i;
}

/*
 * A PACK record whose index lists fake objects first .. first + n - 1 and
 * whose pack holds none: what a store of that many objects costs at open
 * (its index, 24 bytes an entry), made without making the objects. None
 * of them is ever read. The running store does not know them: reopen it.
 */
void fixture_fake_objects(struct store *st, uint32_t first, uint32_t n)
{
	static struct store_log_idx e[4096];
	uint64_t off;

	assert_int_equal(store_log_rec_begin(&st->log, STORE_LOG_PACK, false), 0);
	store_log_rec_index_start(&st->log, 0, n);
	for (uint32_t done = 0; done < n;) {
		uint32_t k = n - done < 4096 ? n - done : 4096;
		for (uint32_t i = 0; i < k; i++) {
			fake_oid(first + done + i, e[i].oid);
			e[i].off = 0;
		}
		assert_int_equal(store_log_rec_write(&st->log, e, k * sizeof(e[0])), 0);
		done += k;
	}
	assert_int_equal(store_log_rec_end(&st->log, &off), 0);
	assert_int_equal(store_log_flush(&st->log), 0);
}
