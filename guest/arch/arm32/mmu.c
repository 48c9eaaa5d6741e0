/*
 * 1:1 short-descriptor page tables (see mmu.h). This file runs partly
 * with the MMU off, when memory is Strongly-ordered: it is built with
 * -mno-unaligned-access and calls no library code.
 *
 * RAM and devices are mapped with 1 MiB sections. The sections that hold
 * the image get a second-level table of 4 KiB small pages wherever the
 * permissions change inside them (guest.ld lists the ranges): the image's
 * read-only part is executable, everything writable is execute-never, and
 * the page below the stack is not mapped at all.
 */
#include "arch/arm32/mmu.h"

#include <errno.h>

#define MMU_SECTION_SHIFT 20
#define MMU_SECTIONS 4096
#define MMU_PAGE_SHIFT 12
#define MMU_PAGES_PER_SECTION 256

/*
 * A section needs a second-level table only where permissions change
 * inside it: at the image start, at the end of its read-only part and
 * around the guard page. Three at most; one spare.
 */
#define MMU_L2_TABLES 4

/*
 * Short-descriptor first-level formats (ARM ARM B3.5.1), TEX remap off
 * (SCTLR.TRE = 0) and the access flag off (SCTLR.AFE = 0).
 */
#define L1_PAGE_TABLE (1u << 0) /* bits[1:0] = 01: a second-level table */
#define SECT_TYPE (2u << 0)     /* bits[1:0] = 10: a section */
#define SECT_B (1u << 2)
#define SECT_C (1u << 3)
#define SECT_XN (1u << 4)
#define SECT_AP01 (1u << 10) /* AP[2:0] = 001: PL1 read/write, PL0 none */
#define SECT_TEX(x) ((uint32_t)(x) << 12)
#define SECT_AP2 (1u << 15) /* with AP[1:0] = 01: PL1 read-only */
#define SECT_S (1u << 16)

/* Second-level small page format (B3.5.1). */
#define PAGE_XN (1u << 0)
#define PAGE_TYPE (1u << 1)
#define PAGE_B (1u << 2)
#define PAGE_C (1u << 3)
#define PAGE_AP01 (1u << 4)
#define PAGE_TEX(x) ((uint32_t)(x) << 6)
#define PAGE_AP2 (1u << 9)
#define PAGE_S (1u << 10)

/* TEX=001 C=1 B=1: Normal, outer and inner write-back write-allocate. */
#define SECT_NORMAL (SECT_TYPE | SECT_TEX(1) | SECT_C | SECT_B | SECT_S)
#define PAGE_NORMAL (PAGE_TYPE | PAGE_TEX(1) | PAGE_C | PAGE_B | PAGE_S)
/* TEX=000 C=0 B=1: Shareable Device. Never executed. */
#define SECT_DEVICE (SECT_TYPE | SECT_AP01 | SECT_B | SECT_XN)

/* TTBR0 walk attributes: inner/outer WB-WA, inner shareable (B4.1.154). */
#define TTBR_IRGN_WBWA (1u << 6)
#define TTBR_NOS (1u << 5)
#define TTBR_RGN_WBWA (1u << 3)
#define TTBR_S (1u << 1)

#define SCTLR_M (1u << 0)
#define SCTLR_A (1u << 1)
#define SCTLR_C (1u << 2)
#define SCTLR_Z (1u << 11)
#define SCTLR_I (1u << 12)
/* Write permission implies execute-never (B4.1.130, Virtualization
 * Extensions): W^X holds even if a descriptor forgot its XN bit. */
#define SCTLR_WXN (1u << 19)
#define SCTLR_TRE (1u << 28)
#define SCTLR_AFE (1u << 29)

/* How a page of the image's sections may be used. */
enum mmu_perm {
	MMU_PERM_NONE, /* unmapped: the guard page */
	MMU_PERM_RX,   /* read-only, executable: text, rodata, exidx */
	MMU_PERM_RW,   /* read/write, execute-never: everything else */
};

/* guest.ld */
extern char __image_start[], __rx_end[], __stack_guard[], __stack_bottom[], _end[];

static uint32_t mmu_l1[MMU_SECTIONS] __attribute__((aligned(16384), section(".bss.pagetable")));
/* Second-level tables need 1 KiB alignment (B3.5.1). */
static uint32_t mmu_l2[MMU_L2_TABLES][MMU_PAGES_PER_SECTION]
    __attribute__((aligned(1024), section(".bss.pagetable")));
static unsigned int mmu_l2_used;
static int mmu_l2_short;
/* The sections [first, last] that hold the image, mapped page by page. */
static uint32_t mmu_image_first, mmu_image_last;
static int mmu_on;

static uint32_t mmu_desc(uint32_t section, enum mmu_type type)
{
	uint32_t attrs = type == MMU_DEVICE ? SECT_DEVICE : SECT_NORMAL | SECT_AP01 | SECT_XN;

	return (section << MMU_SECTION_SHIFT) | attrs;
}

/* Make a changed entry visible to the table walker and drop stale TLBs. */
static void mmu_sync_entry(uint32_t *entry)
{
	if (!mmu_on)
		return;
	/* DCCMVAU: clean the entry to the point of unification. */
	__asm__ volatile("mcr p15, 0, %0, c7, c11, 1" ::"r"(entry) : "memory");
	__asm__ volatile("dsb ish" ::: "memory");
	/* TLBIMVAIS: the section was invalid, but be exact about it. */
	__asm__ volatile("mcr p15, 0, %0, c8, c3, 1" ::"r"(
	                     (uint32_t)((uintptr_t)entry - (uintptr_t)mmu_l1) << 18)
	                 : "memory");
	__asm__ volatile("dsb ish\n\tisb" ::: "memory");
}

int mmu_map(uint64_t pa, uint64_t size, enum mmu_type type)
{
	uint64_t first, last, s;
	uint32_t desc;

	if (size == 0 || pa + size < pa || pa + size > (1ull << 32))
		return -EINVAL;
	first = pa >> MMU_SECTION_SHIFT;
	last = (pa + size - 1) >> MMU_SECTION_SHIFT;
	for (s = first; s <= last; s++) {
		if (s >= mmu_image_first && s <= mmu_image_last) {
			/* RAM there is mapped already, device memory cannot be. */
			if (type != MMU_NORMAL)
				return -EEXIST;
			continue;
		}
		desc = mmu_desc((uint32_t)s, type);
		if (mmu_l1[s] != 0 && mmu_l1[s] != desc)
			return -EEXIST;
	}
	for (s = first; s <= last; s++) {
		desc = mmu_desc((uint32_t)s, type);
		if ((s >= mmu_image_first && s <= mmu_image_last) || mmu_l1[s] == desc)
			continue;
		mmu_l1[s] = desc;
		mmu_sync_entry(&mmu_l1[s]);
	}
	return 0;
}

int mmu_check(void)
{
	return mmu_l2_short ? -ENOSPC : 0;
}

static enum mmu_perm mmu_image_perm(uintptr_t pa)
{
	if (pa >= (uintptr_t)__image_start && pa < (uintptr_t)__rx_end)
		return MMU_PERM_RX;
	if (pa >= (uintptr_t)__stack_guard && pa < (uintptr_t)__stack_bottom)
		return MMU_PERM_NONE;
	return MMU_PERM_RW;
}

static uint32_t mmu_page_desc(uintptr_t pa, enum mmu_perm perm)
{
	if (perm == MMU_PERM_NONE)
		return 0;
	if (perm == MMU_PERM_RX)
		return (uint32_t)pa | PAGE_NORMAL | PAGE_AP2 | PAGE_AP01;
	return (uint32_t)pa | PAGE_NORMAL | PAGE_AP01 | PAGE_XN;
}

/*
 * Fill a second-level table for section `s`. Without a free table the
 * section is mapped read/write/executable (and SCTLR.WXN stays off), so
 * the guest still boots and boot.c reports the lost protection
 * (mmu_check) on the console.
 */
static uint32_t mmu_l2_section(uint32_t s)
{
	uintptr_t base = (uintptr_t)s << MMU_SECTION_SHIFT, pa;
	uint32_t *table;
	unsigned int i;

	if (mmu_l2_used == MMU_L2_TABLES) {
		mmu_l2_short = 1;
		return (uint32_t)base | SECT_NORMAL | SECT_AP01;
	}
	table = mmu_l2[mmu_l2_used++];
	for (i = 0; i < MMU_PAGES_PER_SECTION; i++) {
		pa = base + ((uintptr_t)i << MMU_PAGE_SHIFT);
		table[i] = mmu_page_desc(pa, mmu_image_perm(pa));
	}
	/* Domain 0 (bits[8:5]), as for every section. */
	return (uint32_t)(uintptr_t)table | L1_PAGE_TABLE;
}

/* The first-level entry for section `s` of the image. */
static uint32_t mmu_image_section(uint32_t s)
{
	uintptr_t base = (uintptr_t)s << MMU_SECTION_SHIFT;
	enum mmu_perm perm = mmu_image_perm(base);
	unsigned int i;

	for (i = 1; i < MMU_PAGES_PER_SECTION; i++)
		if (mmu_image_perm(base + ((uintptr_t)i << MMU_PAGE_SHIFT)) != perm)
			return mmu_l2_section(s);
	/* The guard is one page, so a whole section is never unmapped. */
	if (perm == MMU_PERM_RX)
		return (uint32_t)base | SECT_NORMAL | SECT_AP2 | SECT_AP01;
	return mmu_desc(s, MMU_NORMAL);
}

static void mmu_map_image(void)
{
	uint32_t s;

	mmu_image_first = (uint32_t)(uintptr_t)__image_start >> MMU_SECTION_SHIFT;
	mmu_image_last = (uint32_t)((uintptr_t)_end - 1) >> MMU_SECTION_SHIFT;
	for (s = mmu_image_first; s <= mmu_image_last; s++)
		mmu_l1[s] = mmu_image_section(s);
}

static void mmu_write_regs(void)
{
	uint32_t ttbr =
	    (uint32_t)(uintptr_t)mmu_l1 | TTBR_IRGN_WBWA | TTBR_NOS | TTBR_RGN_WBWA | TTBR_S;

	/* Domain 0 is a client: permissions in the descriptors apply. */
	__asm__ volatile("mcr p15, 0, %0, c3, c0, 0" ::"r"(1u));
	/* TTBCR = 0: short descriptors, TTBR0 for the whole address space. */
	__asm__ volatile("mcr p15, 0, %0, c2, c0, 2" ::"r"(0u));
	__asm__ volatile("mcr p15, 0, %0, c2, c0, 0" ::"r"(ttbr));
	__asm__ volatile("dsb sy\n\t"
	                 "mcr p15, 0, %0, c8, c7, 0\n\t" /* TLBIALL */
	                 "mcr p15, 0, %0, c7, c5, 0\n\t" /* ICIALLU */
	                 "mcr p15, 0, %0, c7, c5, 6\n\t" /* BPIALL */
	                 "dsb sy\n\tisb" ::"r"(0u)
	                 : "memory");
}

void mmu_enable(void)
{
	uint32_t sctlr;

	mmu_map_image();
	mmu_write_regs();
	__asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(sctlr));
	sctlr &= ~(SCTLR_A | SCTLR_TRE | SCTLR_AFE);
	sctlr |= SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_Z;
	if (!mmu_l2_short)
		sctlr |= SCTLR_WXN;
	__asm__ volatile("mcr p15, 0, %0, c1, c0, 0\n\tisb" ::"r"(sctlr) : "memory");
	mmu_on = 1;
}

bool mmu_in_guard(uintptr_t addr)
{
	return addr >= (uintptr_t)__stack_guard && addr < (uintptr_t)__stack_bottom;
}
