/*
 * The guest's page tables: a short-descriptor first-level table mapping
 * physical addresses 1:1 (ARM ARM B3.5). RAM and devices are mapped in
 * 1 MiB sections, callers' ranges widened to whole sections. The sections
 * holding the image are mapped page by page at mmu_enable() with the
 * permissions guest.ld lists: text read-only and executable, data, BSS,
 * stacks and heap writable and execute-never, the stack's guard page not
 * at all.
 */
#ifndef GUEST_ARCH_MMU_H
#define GUEST_ARCH_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mmu_type {
	/* Normal, inner/outer write-back write-allocate, shareable,
	 * read/write, execute-never: RAM and every page shared with Xen
	 * (public/arch-arm.h requires it). */
	MMU_NORMAL,
	/* Shareable Device, execute-never: MMIO such as the GIC. */
	MMU_DEVICE,
};

/*
 * Build the table with the image's sections mapped page by page and turn
 * the MMU, caches, branch prediction and SCTLR.WXN on. Runs with the MMU
 * off, from arch_start().
 */
void mmu_enable(void);

/*
 * 0 if mmu_enable() could map the image with its permissions, -ENOSPC if
 * it ran out of second-level tables and mapped part of it
 * read/write/executable instead. For the console, once it is up.
 */
int mmu_check(void);

/*
 * Map [pa, pa + size) 1:1 with `type`. Remapping a section with the same
 * type is a no-op, and so is MMU_NORMAL over the image's sections (their
 * RAM is mapped already, with the image's permissions). Returns 0,
 * -EINVAL for an empty or wrapping range, or -EEXIST if a section is
 * already mapped with another type.
 */
int mmu_map(uint64_t pa, uint64_t size, enum mmu_type type);

/* True if `addr` lies in the unmapped page below the stack (guest.ld). */
bool mmu_in_guard(uintptr_t addr);

#endif
