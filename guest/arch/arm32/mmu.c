/*
 * 1:1 short-descriptor section mapping (see mmu.h). This file runs partly
 * with the MMU off, when memory is Strongly-ordered: it is built with
 * -mno-unaligned-access and calls no library code.
 */
#include "arch/arm32/mmu.h"

#include <errno.h>

#define MMU_SECTION_SHIFT 20
#define MMU_SECTIONS 4096

/* Section descriptor fields (ARM ARM B3.5.1, TEX remap off). */
#define SECT_TYPE	(2u << 0)
#define SECT_B		(1u << 2)
#define SECT_C		(1u << 3)
#define SECT_XN		(1u << 4)
#define SECT_AP_RW	(3u << 10)	/* AP[1:0] = 11: read/write, PL0 too */
#define SECT_TEX(x)	((uint32_t)(x) << 12)
#define SECT_S		(1u << 16)

/* TEX=001 C=1 B=1: Normal, outer and inner write-back write-allocate. */
#define SECT_NORMAL (SECT_TYPE | SECT_AP_RW | SECT_TEX(1) | SECT_C | SECT_B | SECT_S)
/* TEX=000 C=0 B=1: Shareable Device. Never executed. */
#define SECT_DEVICE (SECT_TYPE | SECT_AP_RW | SECT_B | SECT_XN)

/* TTBR0 walk attributes: inner/outer WB-WA, inner shareable (B4.1.154). */
#define TTBR_IRGN_WBWA	(1u << 6)
#define TTBR_NOS	(1u << 5)
#define TTBR_RGN_WBWA	(1u << 3)
#define TTBR_S		(1u << 1)

#define SCTLR_M (1u << 0)
#define SCTLR_A (1u << 1)
#define SCTLR_C (1u << 2)
#define SCTLR_Z (1u << 11)
#define SCTLR_I (1u << 12)
#define SCTLR_TRE (1u << 28)
#define SCTLR_AFE (1u << 29)

static uint32_t mmu_l1[MMU_SECTIONS]
	__attribute__((aligned(16384), section(".bss.pagetable")));
static int mmu_on;

static uint32_t mmu_desc(uint32_t section, enum mmu_type type)
{
	uint32_t attrs = type == MMU_DEVICE ? SECT_DEVICE : SECT_NORMAL;

	return (section << MMU_SECTION_SHIFT) | attrs;
}

/* Make a changed entry visible to the table walker and drop stale TLBs. */
static void mmu_sync_entry(uint32_t *entry)
{
	if (!mmu_on)
		return;
	/* DCCMVAU: clean the entry to the point of unification. */
	__asm__ volatile("mcr p15, 0, %0, c7, c11, 1" :: "r"(entry) : "memory");
	__asm__ volatile("dsb ish" ::: "memory");
	/* TLBIMVAIS: the section was invalid, but be exact about it. */
	__asm__ volatile("mcr p15, 0, %0, c8, c3, 1"
			 :: "r"((uint32_t)((uintptr_t)entry - (uintptr_t)mmu_l1) << 18)
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
		desc = mmu_desc((uint32_t)s, type);
		if (mmu_l1[s] != 0 && mmu_l1[s] != desc)
			return -EEXIST;
	}
	for (s = first; s <= last; s++) {
		desc = mmu_desc((uint32_t)s, type);
		if (mmu_l1[s] == desc)
			continue;
		mmu_l1[s] = desc;
		mmu_sync_entry(&mmu_l1[s]);
	}
	return 0;
}

static void mmu_write_regs(void)
{
	uint32_t ttbr = (uint32_t)(uintptr_t)mmu_l1 | TTBR_IRGN_WBWA |
			TTBR_NOS | TTBR_RGN_WBWA | TTBR_S;

	/* Domain 0 is a client: permissions in the descriptors apply. */
	__asm__ volatile("mcr p15, 0, %0, c3, c0, 0" :: "r"(1u));
	/* TTBCR = 0: short descriptors, TTBR0 for the whole address space. */
	__asm__ volatile("mcr p15, 0, %0, c2, c0, 2" :: "r"(0u));
	__asm__ volatile("mcr p15, 0, %0, c2, c0, 0" :: "r"(ttbr));
	__asm__ volatile("dsb sy\n\t"
			 "mcr p15, 0, %0, c8, c7, 0\n\t"	/* TLBIALL */
			 "mcr p15, 0, %0, c7, c5, 0\n\t"	/* ICIALLU */
			 "mcr p15, 0, %0, c7, c5, 6\n\t"	/* BPIALL */
			 "dsb sy\n\tisb" :: "r"(0u) : "memory");
}

void mmu_enable(uintptr_t image_start, uintptr_t image_end)
{
	uint32_t sctlr;

	mmu_map(image_start, image_end - image_start, MMU_NORMAL);
	mmu_write_regs();
	__asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(sctlr));
	sctlr &= ~(SCTLR_A | SCTLR_TRE | SCTLR_AFE);
	sctlr |= SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_Z;
	__asm__ volatile("mcr p15, 0, %0, c1, c0, 0\n\tisb"
			 :: "r"(sctlr) : "memory");
	mmu_on = 1;
}
