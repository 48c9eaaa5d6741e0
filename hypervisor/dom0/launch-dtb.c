/*
 * The guest's flattened device tree (Devicetree Specification v0.4,
 * chapter 5), written directly: the header, an empty memory reservation
 * map, the structure block and the strings block. The nodes are those
 * libxl gives a Xen ARM guest (tools/libs/light/libxl_arm.c, and Xen's
 * docs/misc/arm/device-tree/guest.txt): the root's model and compatible,
 * chosen, cpus, psci, memory, the GICv2, the timer and the hypervisor
 * node, with the values known before the domain's memory is built, so no
 * placeholder is patched afterwards.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "launch.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_END 9u
#define FDT_HEADER_SIZE 40u
#define FDT_RSVMAP_SIZE 16u /* one terminating entry */
#define STRINGS_MAX 512u

/* GIC interrupt specifier flags (Linux's arm,gic binding). */
#define IRQ_LEVEL_LOW 8u
#define IRQ_ALL_CPUS 0xfu

struct fdt_out {
	uint8_t *buf;
	size_t cap, len; /* the structure block grows from FDT_HEADER_SIZE + rsvmap */
	char strings[STRINGS_MAX];
	size_t strings_len;
	int over;
};

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void emit(struct fdt_out *o, const void *p, size_t n)
{
	size_t padded = (n + 3) & ~(size_t)3;

	if (o->over || o->cap - o->len < padded) {
		o->over = 1;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	memset(o->buf + o->len + n, 0, padded - n);
	o->len += padded;
}

static void token(struct fdt_out *o, uint32_t t)
{
	uint8_t b[4];

	put_be32(b, t);
	emit(o, b, 4);
}

/* The offset of `name` in the strings block, added once. */
static uint32_t string_off(struct fdt_out *o, const char *name)
{
	size_t n = strlen(name) + 1;

	for (size_t at = 0; at < o->strings_len; at += strlen(o->strings + at) + 1)
		if (strcmp(o->strings + at, name) == 0)
			return (uint32_t)at;
	if (o->strings_len + n > sizeof(o->strings)) {
		o->over = 1;
		return 0;
	}
	memcpy(o->strings + o->strings_len, name, n);
	o->strings_len += n;
	return (uint32_t)(o->strings_len - n);
}

static void begin(struct fdt_out *o, const char *name)
{
	token(o, FDT_BEGIN_NODE);
	emit(o, name, strlen(name) + 1);
}

static void end(struct fdt_out *o)
{
	token(o, FDT_END_NODE);
}

static void prop(struct fdt_out *o, const char *name, const void *v, size_t n)
{
	uint8_t h[12];

	put_be32(h, FDT_PROP);
	put_be32(h + 4, (uint32_t)n);
	put_be32(h + 8, string_off(o, name));
	emit(o, h, sizeof(h));
	if (n)
		emit(o, v, n);
}

static void prop_str(struct fdt_out *o, const char *name, const char *v)
{
	prop(o, name, v, strlen(v) + 1);
}

/* At most 12 cells: the longest property here, the timer's interrupts, has 9. */
#define CELLS_MAX 12

static void prop_cells(struct fdt_out *o, const char *name, const uint32_t *cells, size_t n)
{
	uint8_t b[4 * CELLS_MAX];

	assert(n <= CELLS_MAX && "prop_cells: a property of at most CELLS_MAX cells");
	for (size_t i = 0; i < n; i++)
		put_be32(b + 4 * i, cells[i]);
	prop(o, name, b, 4 * n);
}

static void prop_u32(struct fdt_out *o, const char *name, uint32_t v)
{
	prop_cells(o, name, &v, 1);
}

/* reg with two address and two size cells (GUEST_ROOT_*_CELLS), of 1 or 2 ranges. */
static void prop_regs(struct fdt_out *o, const uint64_t *ranges, size_t n)
{
	uint32_t cells[8];

	assert(n <= 2 && "prop_regs: at most two ranges");
	for (size_t i = 0; i < n; i++) {
		cells[4 * i] = (uint32_t)(ranges[2 * i] >> 32);
		cells[4 * i + 1] = (uint32_t)ranges[2 * i];
		cells[4 * i + 2] = (uint32_t)(ranges[2 * i + 1] >> 32);
		cells[4 * i + 3] = (uint32_t)ranges[2 * i + 1];
	}
	prop_cells(o, "reg", cells, 4 * n);
}

/* A PPI's interrupt specifier: <1 (PPI) number-16 cpus<<8|level-low>. */
static void ppi(uint32_t *cells, unsigned n)
{
	cells[0] = 1;
	cells[1] = n - 16;
	cells[2] = IRQ_ALL_CPUS << 8 | IRQ_LEVEL_LOW;
}

static void root_props(struct fdt_out *o, const struct launch_dt *d)
{
	char model[32], compat[64];
	int n;

	snprintf(model, sizeof(model), "XENVM-%u.%u", d->xen_major, d->xen_minor);
	prop_str(o, "model", model);
	n = snprintf(compat, sizeof(compat), "xen,xenvm-%u.%u%cxen,xenvm", d->xen_major,
	             d->xen_minor, 0);
	prop(o, "compatible", compat, (size_t)n + 1);
	prop_u32(o, "interrupt-parent", d->gic_phandle);
	prop_u32(o, "#address-cells", 2);
	prop_u32(o, "#size-cells", 2);
}

static void chosen(struct fdt_out *o, const struct launch_dt *d)
{
	begin(o, "chosen");
	if (d->bootargs)
		prop_str(o, "bootargs", d->bootargs);
	if (d->rng_seed_len)
		prop(o, "rng-seed", d->rng_seed, d->rng_seed_len);
	end(o);
}

static void cpus(struct fdt_out *o, const struct launch_dt *d)
{
	begin(o, "cpus");
	prop_u32(o, "#address-cells", 1);
	prop_u32(o, "#size-cells", 0);
	for (unsigned i = 0; i < d->vcpus; i++) {
		/* libxl__compute_mpdir: 16 CPUs to a cluster. */
		uint32_t mpidr = (i / 16) << 8 | (i % 16);
		char name[24];

		snprintf(name, sizeof(name), "cpu@%x", (unsigned)mpidr);
		begin(o, name);
		prop_str(o, "device_type", "cpu");
		prop_str(o, "compatible", "arm,cortex-a15");
		prop_str(o, "enable-method", "psci");
		prop_u32(o, "reg", mpidr);
		end(o);
	}
	end(o);
}

static void psci(struct fdt_out *o)
{
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";

	begin(o, "psci");
	prop(o, "compatible", compat, sizeof(compat));
	prop_str(o, "method", "hvc");
	/* PSCI 0.1's function ids in Xen (arch-arm.h PSCI_cpu_off, _on). */
	prop_u32(o, "cpu_off", 1);
	prop_u32(o, "cpu_on", 2);
	end(o);
}

static void memory(struct fdt_out *o, const struct launch_dt *d)
{
	uint64_t r[2] = {d->ram_base, d->ram_size};
	char name[32];

	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)d->ram_base);
	begin(o, name);
	prop_str(o, "device_type", "memory");
	prop_regs(o, r, 1);
	end(o);
}

static void gic(struct fdt_out *o, const struct launch_dt *d)
{
	static const char compat[] = "arm,cortex-a15-gic\0arm,cortex-a9-gic";
	uint64_t r[4] = {d->gicd_base, d->gicd_size, d->gicc_base, d->gicc_size};
	char name[48];

	snprintf(name, sizeof(name), "interrupt-controller@%llx", (unsigned long long)d->gicd_base);
	begin(o, name);
	prop(o, "compatible", compat, sizeof(compat));
	prop_u32(o, "#interrupt-cells", 3);
	prop_u32(o, "#address-cells", 0);
	prop(o, "interrupt-controller", NULL, 0);
	prop_regs(o, r, 2);
	prop_u32(o, "linux,phandle", d->gic_phandle);
	prop_u32(o, "phandle", d->gic_phandle);
	end(o);
}

static void timer(struct fdt_out *o, const struct launch_dt *d)
{
	uint32_t irqs[9];

	ppi(irqs, d->timer_s_ppi);
	ppi(irqs + 3, d->timer_ns_ppi);
	ppi(irqs + 6, d->timer_virt_ppi);
	begin(o, "timer");
	prop_str(o, "compatible", "arm,armv7-timer");
	prop_cells(o, "interrupts", irqs, 9);
	if (d->clock_frequency)
		prop_u32(o, "clock-frequency", d->clock_frequency);
	end(o);
}

static void hypervisor(struct fdt_out *o, const struct launch_dt *d)
{
	uint64_t r[2] = {d->gnttab_base, d->gnttab_size};
	uint32_t irq[3];
	char compat[48];
	int n;

	n = snprintf(compat, sizeof(compat), "xen,xen-%u.%u%cxen,xen", d->xen_major, d->xen_minor,
	             0);
	ppi(irq, d->evtchn_ppi);
	begin(o, "hypervisor");
	prop(o, "compatible", compat, (size_t)n + 1);
	prop_regs(o, r, 1);
	prop_cells(o, "interrupts", irq, 3);
	end(o);
}

static void header(struct fdt_out *o)
{
	uint32_t struct_off = FDT_HEADER_SIZE + FDT_RSVMAP_SIZE;
	uint32_t struct_size = (uint32_t)o->len - struct_off;
	uint32_t strings_off = (uint32_t)o->len;
	uint32_t fields[10] = {FDT_MAGIC,
	                       strings_off + (uint32_t)o->strings_len,
	                       struct_off,
	                       strings_off,
	                       FDT_HEADER_SIZE,
	                       17,
	                       16,
	                       0,
	                       (uint32_t)o->strings_len,
	                       struct_size};

	for (int i = 0; i < 10; i++)
		put_be32(o->buf + 4 * i, fields[i]);
	memset(o->buf + FDT_HEADER_SIZE, 0, FDT_RSVMAP_SIZE);
}

long launch_dt_make(const struct launch_dt *d, void *buf, size_t cap)
{
	struct fdt_out o = {.buf = buf, .cap = cap, .len = FDT_HEADER_SIZE + FDT_RSVMAP_SIZE};

	if (cap < o.len)
		return -ENOSPC;
	begin(&o, "");
	root_props(&o, d);
	chosen(&o, d);
	cpus(&o, d);
	psci(&o);
	memory(&o, d);
	gic(&o, d);
	timer(&o, d);
	hypervisor(&o, d);
	end(&o);
	token(&o, FDT_END);
	if (o.over || o.cap - o.len < o.strings_len)
		return -ENOSPC;
	memcpy(o.buf + o.len, o.strings, o.strings_len);
	header(&o);
	return (long)(o.len + o.strings_len);
}
