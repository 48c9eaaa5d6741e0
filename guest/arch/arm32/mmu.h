/*
 * The guest's page tables: one short-descriptor first-level table of 1 MiB
 * sections, mapping physical addresses 1:1 (ARM ARM B3.5). Granularity is
 * 1 MiB: callers' ranges are widened to whole sections.
 */
#ifndef GUEST_ARCH_MMU_H
#define GUEST_ARCH_MMU_H

#include <stddef.h>
#include <stdint.h>

enum mmu_type {
	/* Normal, inner/outer write-back write-allocate, shareable: RAM and
	 * every page shared with Xen (public/arch-arm.h requires it). */
	MMU_NORMAL,
	/* Shareable Device, execute-never: MMIO such as the GIC. */
	MMU_DEVICE,
};

/*
 * Build the table with the image itself mapped and turn the MMU, caches
 * and branch prediction on. Runs with the MMU off, from arch_start().
 */
void mmu_enable(uintptr_t image_start, uintptr_t image_end);

/*
 * Map [pa, pa + size) 1:1 with `type`. Remapping a section with the same
 * type is a no-op. Returns 0, -EINVAL for an empty or wrapping range, or
 * -EEXIST if a section is already mapped with another type.
 */
int mmu_map(uint64_t pa, uint64_t size, enum mmu_type type);

#endif
