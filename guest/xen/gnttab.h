/*
 * Grant tables, version 1 (public/grant_table.h): the guest lets another
 * domain (the backends in dom0) map or copy its pages by handing out
 * grant references. The table's frames are mapped into the region the DTB
 * hypervisor node reserves for them (docs/misc/arm/device-tree/guest.txt).
 */
#ifndef GUEST_XEN_GNTTAB_H
#define GUEST_XEN_GNTTAB_H

#include <stdbool.h>
#include <stdint.h>

#include <public/grant_table.h>

/* Map GNTTAB_FRAMES table frames at `base` (of `size` bytes). */
int gnttab_init(uint64_t base, uint64_t size);

/*
 * Grant domain `domid` access to the page at `addr` (page aligned),
 * read-only if `readonly`. Returns a reference, or -ENOSPC.
 */
int gnttab_grant(domid_t domid, const void *addr, bool readonly);

/*
 * Revoke a grant. -EBUSY if the other domain still has the page mapped:
 * the reference is then leaked deliberately (the page must not be reused).
 */
int gnttab_end(grant_ref_t ref);

/* References in use, for statistics. */
unsigned int gnttab_used(void);

#endif
