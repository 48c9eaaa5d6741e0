/*
 * Grant tables v1 (see gnttab.h). Free references are chained through
 * gnttab_next[]; the reserved entries (GNTTAB_NR_RESERVED_ENTRIES, the
 * toolstack's console and xenstore grants) are never handed out.
 */
#include "xen/gnttab.h"

#include <errno.h>
#include <string.h>

#include "arch/arm32/barrier.h"
#include "arch/arm32/mmu.h"
#include "xen/hypercall.h"

/* 4 frames: 2048 v1 entries; netfront and blkfront keep about 700. */
#define GNTTAB_FRAMES 4
#define GNTTAB_ENTRIES (GNTTAB_FRAMES * 4096 / sizeof(grant_entry_v1_t))
#define GNTTAB_END_OF_LIST 0xffffffffu

static grant_entry_v1_t *gnttab_table;
static uint32_t gnttab_next[GNTTAB_ENTRIES];
static uint32_t gnttab_free_head = GNTTAB_END_OF_LIST;
static unsigned int gnttab_in_use;

static int gnttab_map_frames(uint64_t base)
{
	struct xen_add_to_physmap xatp = {
	    .domid = DOMID_SELF,
	    .space = XENMAPSPACE_grant_table,
	};
	unsigned int i;
	long rc;

	for (i = 0; i < GNTTAB_FRAMES; i++) {
		xatp.idx = i;
		xatp.gpfn = (xen_pfn_t)(base >> 12) + i;
		rc = xen_memory_op(XENMEM_add_to_physmap, &xatp);
		if (rc < 0)
			return (int)rc;
	}
	return 0;
}

int gnttab_init(uint64_t base, uint64_t size)
{
	uint32_t ref;
	int err;

	if (size < GNTTAB_FRAMES * 4096ull || base % 4096 != 0)
		return -ENOSPC;
	err = mmu_map(base, GNTTAB_FRAMES * 4096ull, MMU_NORMAL);
	if (err < 0)
		return err;
	err = gnttab_map_frames(base);
	if (err < 0)
		return err;
	gnttab_table = (grant_entry_v1_t *)(uintptr_t)base;
	for (ref = GNTTAB_ENTRIES - 1; ref >= GNTTAB_NR_RESERVED_ENTRIES; ref--) {
		gnttab_next[ref] = gnttab_free_head;
		gnttab_free_head = ref;
	}
	return 0;
}

int gnttab_grant(domid_t domid, const void *addr, bool readonly)
{
	uint32_t ref = gnttab_free_head;
	grant_entry_v1_t *e;

	if (ref == GNTTAB_END_OF_LIST)
		return -ENOSPC;
	gnttab_free_head = gnttab_next[ref];
	gnttab_in_use++;
	e = &gnttab_table[ref];
	e->domid = domid;
	e->frame = (uint32_t)((uintptr_t)addr >> 12);
	/* Frame and domid must be visible before the entry is valid. */
	wmb();
	e->flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	return (int)ref;
}

int gnttab_end(grant_ref_t ref)
{
	grant_entry_v1_t *e = &gnttab_table[ref];
	uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

	/* Invalidate only if not in use, atomically (grant_table.h). */
	do {
		if (flags & (GTF_reading | GTF_writing))
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false, __ATOMIC_SEQ_CST,
	                                      __ATOMIC_ACQUIRE));
	gnttab_next[ref] = gnttab_free_head;
	gnttab_free_head = ref;
	gnttab_in_use--;
	return 0;
}

unsigned int gnttab_used(void)
{
	return gnttab_in_use;
}
