/*
 * A backtrace from the ARM EHABI unwind tables ("Exception Handling ABI
 * for the ARM Architecture", IHI 0038, sections 6, 9 and 10). The guest is
 * built with -funwind-tables, so every function has an .ARM.exidx entry
 * describing how to undo its prologue; the linker sorts the entries by
 * address. Thumb-2 code has no reliable frame pointer chain, the tables do.
 *
 * Runs in the panic path: every word it reads is checked to lie in the
 * guest's stacks or image first, so a corrupt stack ends the backtrace
 * rather than faulting again.
 */
#include "arch/arm32/arch.h"

#include <stddef.h>

#include "xen/console.h"

#define EXIDX_CANTUNWIND 1u
#define VRS_SP 13
#define VRS_LR 14
#define VRS_PC 15
#define UNWIND_MAX_FRAMES 32
#define UNWIND_MAX_OPS 40

extern const uint32_t __exidx_start[], __exidx_end[];
extern const char __image_start[], __text_end[], __image_end[];
extern const char __stack_bottom[], __exc_stack_top[];

struct unwind_ops {
	uint8_t op[UNWIND_MAX_OPS];
	unsigned int n;
};

static int unwind_in_text(uint32_t pc)
{
	return pc >= (uintptr_t)__image_start && pc < (uintptr_t)__text_end;
}

static int unwind_in_image(const void *p)
{
	return (uintptr_t)p >= (uintptr_t)__image_start &&
	       (uintptr_t)p + 4 <= (uintptr_t)__image_end;
}

static int unwind_load(uint32_t addr, uint32_t *value)
{
	if (addr % 4 != 0 || addr < (uintptr_t)__stack_bottom ||
	    addr + 4 > (uintptr_t)__exc_stack_top)
		return -1;
	*value = *(const uint32_t *)(uintptr_t)addr;
	return 0;
}

/* A prel31 field: a 31-bit signed offset from the field itself. */
static uint32_t unwind_prel31(const uint32_t *p)
{
	return (uint32_t)(uintptr_t)p + (uint32_t)((int32_t)(*p << 1) >> 1);
}

/* The index entry covering `pc`: the last one starting at or before it. */
static const uint32_t *unwind_find(uint32_t pc)
{
	size_t lo = 0, hi = (size_t)(__exidx_end - __exidx_start) / 2;
	const uint32_t *found = NULL;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const uint32_t *e = __exidx_start + 2 * mid;

		if ((unwind_prel31(e) & ~1u) <= pc) {
			found = e;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return found;
}

/* Bytes of a compact model word, most significant first, from `first`. */
static void unwind_take(struct unwind_ops *ops, uint32_t word, int first)
{
	int b;

	for (b = first; b >= 0 && ops->n < UNWIND_MAX_OPS; b--)
		ops->op[ops->n++] = (uint8_t)(word >> (8 * b));
}

/* Collect the unwind opcodes of an index entry (section 6.3). */
static int unwind_opcodes(const uint32_t *entry, struct unwind_ops *ops)
{
	const uint32_t *tab;
	uint32_t word = entry[1], extra, i;

	ops->n = 0;
	if (word == EXIDX_CANTUNWIND)
		return -1;
	if (word & 0x80000000u) {
		if ((word >> 24) != 0x80) /* inline: personality 0 only */
			return -1;
		unwind_take(ops, word, 2);
		return 0;
	}
	tab = (const uint32_t *)(uintptr_t)unwind_prel31(&entry[1]);
	if (!unwind_in_image(tab) || !(*tab & 0x80000000u))
		return -1; /* a generic (C++) personality routine */
	word = *tab;
	if ((word >> 24 & 0xf) == 0) {
		unwind_take(ops, word, 2);
		return 0;
	}
	extra = word >> 16 & 0xff;
	unwind_take(ops, word, 1);
	for (i = 1; i <= extra; i++) {
		if (!unwind_in_image(tab + i))
			return -1;
		unwind_take(ops, tab[i], 3);
	}
	return 0;
}

/* Pop the registers in `mask` (bit n = rn) from the virtual stack. */
static int unwind_pop(uint32_t vrs[16], uint32_t mask)
{
	uint32_t vsp = vrs[VRS_SP], value;
	int r, sp_popped = 0;

	for (r = 0; r < 16; r++) {
		if (!(mask & (1u << r)))
			continue;
		if (unwind_load(vsp, &value) < 0)
			return -1;
		vrs[r] = value;
		sp_popped |= r == VRS_SP;
		vsp += 4;
	}
	if (!sp_popped)
		vrs[VRS_SP] = vsp;
	return 0;
}

static uint32_t unwind_uleb128(const struct unwind_ops *ops, unsigned int *i)
{
	uint32_t v = 0;
	unsigned int shift = 0;

	while (*i < ops->n && shift < 32) {
		uint8_t b = ops->op[(*i)++];

		v |= (uint32_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	return v;
}

/* One opcode with a second byte or more (section 10.3). */
static int unwind_exec_long(uint32_t vrs[16], uint8_t op, const struct unwind_ops *ops,
                            unsigned int *i)
{
	uint8_t arg = *i < ops->n ? ops->op[*i] : 0;

	if ((op & 0xf0) == 0x80) {
		uint32_t mask = ((uint32_t)(op & 0x0f) << 8 | arg) << 4;

		(*i)++;
		return mask == 0 ? -1 : unwind_pop(vrs, mask);
	}
	if (op == 0xb1) {
		(*i)++;
		return arg == 0 || (arg & 0xf0) ? -1 : unwind_pop(vrs, arg);
	}
	if (op == 0xb2) {
		vrs[VRS_SP] += 0x204 + (unwind_uleb128(ops, i) << 2);
		return 0;
	}
	/* VFP register pops: only the stack adjustment matters to us. */
	(*i)++;
	vrs[VRS_SP] += ((arg & 0x0f) + 1u) * 8 + (op == 0xb3 ? 4 : 0);
	return 0;
}

/* Run the opcodes on the virtual registers; pc = lr if none set it. */
static int unwind_exec(uint32_t vrs[16], const struct unwind_ops *ops)
{
	unsigned int i = 0;
	uint32_t pc = vrs[VRS_PC];
	int err = 0;

	vrs[VRS_PC] = 0;
	while (i < ops->n && err == 0) {
		uint8_t op = ops->op[i++];

		if ((op & 0xc0) == 0x00)
			vrs[VRS_SP] += ((op & 0x3fu) << 2) + 4;
		else if ((op & 0xc0) == 0x40)
			vrs[VRS_SP] -= ((op & 0x3fu) << 2) + 4;
		else if ((op & 0xf0) == 0x90 && (op & 0x0d) != 0x0d)
			vrs[VRS_SP] = vrs[op & 0x0f];
		else if ((op & 0xf0) == 0xa0)
			err = unwind_pop(vrs, ((0xff0u >> (7 - (op & 7))) & 0xff0u) |
			                          (op & 8 ? 1u << VRS_LR : 0));
		else if (op == 0xb0)
			break;
		else if ((op & 0xf8) == 0xb8 || (op & 0xf8) == 0xd0)
			vrs[VRS_SP] += ((op & 7u) + 1) * 8 + ((op & 0xf8) == 0xb8 ? 4 : 0);
		else if ((op & 0xf0) == 0x80 || op == 0xb1 || op == 0xb2 || op == 0xb3 ||
		         op == 0xc8 || op == 0xc9)
			err = unwind_exec_long(vrs, op, ops, &i);
		else
			err = -1;
	}
	if (vrs[VRS_PC] == 0)
		vrs[VRS_PC] = vrs[VRS_LR];
	return err < 0 || vrs[VRS_PC] == pc ? -1 : 0;
}

static void unwind_print(unsigned int depth, uint32_t pc)
{
	char num[3] = {(char)('0' + depth / 10), (char)('0' + depth % 10), 0};

	console_puts("guest: backtrace #");
	console_puts(num);
	console_puts(" ");
	console_puthex(pc);
	console_puts("\n");
}

void arch_backtrace(uint32_t vrs[16])
{
	struct unwind_ops ops;
	const uint32_t *entry;
	uint32_t pc = vrs[VRS_PC] & ~1u, lookup = pc;
	unsigned int depth;

	for (depth = 0; depth < UNWIND_MAX_FRAMES; depth++) {
		if (!unwind_in_text(pc))
			break;
		unwind_print(depth, pc);
		entry = unwind_find(lookup);
		if (entry == NULL || unwind_opcodes(entry, &ops) < 0)
			break;
		vrs[VRS_PC] = pc;
		if (unwind_exec(vrs, &ops) < 0)
			break;
		pc = vrs[VRS_PC] & ~1u;
		/* A return address may be just past its caller's end. */
		lookup = pc - 2;
	}
	console_puts("guest: backtrace end\n");
}
