/*
 * Unit tests of the guest's DTB reader (guest/dtb/dtb.c), run on the host
 * under AddressSanitizer. The fixture mimics a Xen domU tree; the board DTBs
 * come from the pinned Debian kernel; damaged copies of both must give
 * errors, never out-of-bounds reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dtb/dtb.h"

#ifndef FIXTURE_DIR
#error "FIXTURE_DIR must name the directory of the compiled .dtb fixtures"
#endif

struct blob {
	uint8_t *data;
	size_t size;
};

static struct blob load(const char *name)
{
	char path[512];
	struct blob b = {0};
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/%s", FIXTURE_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b.data = malloc(n);
	b.size = (size_t)n;
	assert_int_equal(fread(b.data, 1, b.size, f), b.size);
	fclose(f);
	return b;
}

static void test_fixture_model_and_memory(void **state)
{
	struct blob b = load("fixture.dtb");
	struct dtb dt;
	const char *model;
	uint64_t addr, size;
	int mem;

	(void)state;
	assert_int_equal(dtb_open(&dt, b.data, b.size), 0);
	assert_int_equal(dtb_prop_string(&dt, dtb_path(&dt, "/"), "model", &model), 0);
	assert_string_equal(model, "XENVM-4.17");
	mem = dtb_path(&dt, "/memory");
	assert_true(mem >= 0);
	assert_int_equal(dtb_reg(&dt, mem, 0, &addr, &size), 0);
	assert_int_equal(addr, 0x40000000);
	assert_int_equal(size, 0x4000000);
	free(b.data);
}

static void test_fixture_hypervisor_node(void **state)
{
	struct blob b = load("fixture.dtb");
	struct dtb dt;
	uint64_t addr, size;
	uint32_t type, irq;
	int hyp;

	(void)state;
	assert_int_equal(dtb_open(&dt, b.data, b.size), 0);
	hyp = dtb_compatible(&dt, "xen,xen");
	assert_true(hyp >= 0);
	assert_int_equal(hyp, dtb_path(&dt, "/hypervisor"));
	assert_int_equal(dtb_reg(&dt, hyp, 0, &addr, &size), 0);
	assert_int_equal(addr, 0x38000000);
	assert_int_equal(size, 0x1000000);
	/* interrupts = <1 15 0xf08>: a PPI, number 15, i.e. IRQ 31. */
	assert_int_equal(dtb_prop_u32(&dt, hyp, "interrupts", 0, &type), 0);
	assert_int_equal(dtb_prop_u32(&dt, hyp, "interrupts", 1, &irq), 0);
	assert_int_equal(type, 1);
	assert_int_equal(irq, 15);
	assert_int_equal(dtb_prop_u32(&dt, hyp, "interrupts", 3, &irq), DTB_ERR_PROP);
	free(b.data);
}

static void test_fixture_gic_second_reg_and_narrow_cells(void **state)
{
	struct blob b = load("fixture.dtb");
	struct dtb dt;
	uint64_t addr, size;
	const char *label;
	int gic, child;

	(void)state;
	assert_int_equal(dtb_open(&dt, b.data, b.size), 0);
	gic = dtb_compatible(&dt, "arm,cortex-a15-gic");
	assert_true(gic >= 0);
	assert_int_equal(dtb_reg(&dt, gic, 1, &addr, &size), 0);
	assert_int_equal(addr, 0x3002000);
	assert_int_equal(size, 0x2000);
	assert_int_equal(dtb_reg(&dt, gic, 2, &addr, &size), DTB_ERR_NOTFOUND);

	/* #address-cells = <1> in the parent changes how reg is decoded. */
	child = dtb_path(&dt, "/narrow/child");
	assert_true(child >= 0);
	assert_int_equal(dtb_parent(&dt, child), dtb_path(&dt, "/narrow"));
	assert_int_equal(dtb_reg(&dt, child, 1, &addr, &size), 0);
	assert_int_equal(addr, 0x3000);
	assert_int_equal(size, 0x10);
	assert_int_equal(dtb_prop_string(&dt, child, "label", &label), 0);
	assert_string_equal(label, "first");
	free(b.data);
}

static void test_missing_things_are_not_found(void **state)
{
	struct blob b = load("fixture.dtb");
	struct dtb dt;
	const void *v;
	uint32_t len;

	(void)state;
	assert_int_equal(dtb_open(&dt, b.data, b.size), 0);
	assert_int_equal(dtb_path(&dt, "/nosuch"), DTB_ERR_NOTFOUND);
	assert_int_equal(dtb_compatible(&dt, "xen,xe"), DTB_ERR_NOTFOUND);
	assert_int_equal(dtb_prop(&dt, dtb_path(&dt, "/"), "nosuch", &v, &len), DTB_ERR_NOTFOUND);
	assert_int_equal(dtb_parent(&dt, dtb_path(&dt, "/")), DTB_ERR_NOTFOUND);
	free(b.data);
}

/* The A20 boards' DTBs, as shipped in the dom0 kernel package. */
static void check_board(const char *file, const char *compat)
{
	struct blob b = load(file);
	struct dtb dt;

	assert_int_equal(dtb_open(&dt, b.data, b.size), 0);
	assert_int_equal(dtb_compatible(&dt, compat), dtb_path(&dt, "/"));
	assert_true(dtb_path(&dt, "/cpus") >= 0);
	assert_true(dtb_compatible(&dt, "arm,gic-400") >= 0);
	free(b.data);
}

static void test_board_dtbs(void **state)
{
	(void)state;
	check_board("sun7i-a20-cubieboard2.dtb", "allwinner,sun7i-a20");
	check_board("sun7i-a20-cubietruck.dtb", "allwinner,sun7i-a20");
	check_board("sun8i-h3-orangepi-pc.dtb", "allwinner,sun8i-h3");
}

static void test_header_errors(void **state)
{
	struct blob b = load("fixture.dtb");
	struct dtb dt;
	uint8_t *copy = malloc(b.size);

	(void)state;
	memcpy(copy, b.data, b.size);
	copy[0] ^= 0xff;
	assert_int_equal(dtb_open(&dt, copy, b.size), DTB_ERR_MAGIC);
	assert_int_equal(dtb_peek_size(copy), 0);

	/* Fewer bytes available than the header's totalsize. */
	assert_int_equal(dtb_open(&dt, b.data, b.size - 1), DTB_ERR_TRUNCATED);
	assert_int_equal(dtb_open(&dt, b.data, 10), DTB_ERR_TRUNCATED);

	/* off_dt_struct (offset 8) pointing past the end. */
	memcpy(copy, b.data, b.size);
	copy[8] = 0x7f;
	assert_int_equal(dtb_open(&dt, copy, b.size), DTB_ERR_TRUNCATED);

	/* version (offset 20) 15 is older than the format we read. */
	memcpy(copy, b.data, b.size);
	copy[23] = 15;
	assert_int_equal(dtb_open(&dt, copy, b.size), DTB_ERR_VERSION);
	free(copy);
	free(b.data);
}

/* Walk everything a guest would look up; the result only has to be sane. */
static void exercise(const struct dtb *dt)
{
	const char *s;
	uint64_t a, sz;
	uint32_t v;
	int n;

	n = dtb_path(dt, "/");
	if (n >= 0)
		(void)dtb_prop_string(dt, n, "model", &s);
	n = dtb_path(dt, "/memory");
	if (n >= 0)
		(void)dtb_reg(dt, n, 0, &a, &sz);
	n = dtb_compatible(dt, "xen,xen");
	if (n >= 0) {
		(void)dtb_reg(dt, n, 0, &a, &sz);
		(void)dtb_prop_u32(dt, n, "interrupts", 1, &v);
		(void)dtb_parent(dt, n);
	}
	n = dtb_path(dt, "/narrow/child");
	if (n >= 0)
		(void)dtb_reg(dt, n, 1, &a, &sz);
}

/*
 * Every single-byte corruption of the fixture, with the blob copied into an
 * exactly-sized buffer so AddressSanitizer sees any read past its end.
 */
static void test_every_byte_corrupted(void **state)
{
	struct blob b = load("fixture.dtb");
	static const uint8_t patterns[] = {0x00, 0xff, 0x80, 0x01};
	size_t i, p;

	(void)state;
	for (i = 0; i < b.size; i++) {
		for (p = 0; p < sizeof patterns; p++) {
			uint8_t *copy = malloc(b.size);
			struct dtb dt;

			memcpy(copy, b.data, b.size);
			copy[i] = patterns[p];
			if (dtb_open(&dt, copy, b.size) == 0)
				exercise(&dt);
			free(copy);
		}
	}
	free(b.data);
}

/* Every prefix of the blob: open must refuse all but the whole. */
static void test_every_truncation(void **state)
{
	struct blob b = load("fixture.dtb");
	size_t n;

	(void)state;
	for (n = 0; n < b.size; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct dtb dt;

		memcpy(copy, b.data, n);
		assert_true(dtb_open(&dt, copy, n) < 0);
		free(copy);
	}
	free(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_model_and_memory),
	    cmocka_unit_test(test_fixture_hypervisor_node),
	    cmocka_unit_test(test_fixture_gic_second_reg_and_narrow_cells),
	    cmocka_unit_test(test_missing_things_are_not_found),
	    cmocka_unit_test(test_board_dtbs),
	    cmocka_unit_test(test_header_errors),
	    cmocka_unit_test(test_every_byte_corrupted),
	    cmocka_unit_test(test_every_truncation),
	};
	return cmocka_run_group_tests_name("dtb", tests, NULL, NULL);
}
