/*
 * The Xen platform's own entry points, beyond plat/plat.h: bring-up, for
 * main().
 */
#ifndef GUEST_PLAT_XEN_H
#define GUEST_PLAT_XEN_H

/*
 * xenstore, control/shutdown, the entropy seed, blkfront and netfront.
 * -ENODEV without xenstore (booted as dom0 for debugging); missing
 * devices are reported and leave plat_blk_* / plat_net_* at -ENODEV.
 */
int plat_xen_init(void);

#endif
