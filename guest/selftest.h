/*
 * Test-only behaviour for the QEMU system tests, chosen by the
 * appliance.conf key `selftest` (handed over by dom0 through xenstore):
 *
 *   blk    check the pattern an earlier boot left at the end of the disk,
 *          then write the next generation of it and flush (dom0 reboots
 *          the guest in between: the pattern must survive `xl reboot`).
 *          Destroys the last SELFTEST_BLK_BYTES of the store: test images
 *          only.
 *   crash  dereference a bad pointer right after "guest: ready", to prove
 *          the panic path and dom0's restart.
 *
 * Any other value (shutdown: dom0's own test) does nothing here.
 */
#ifndef GUEST_SELFTEST_H
#define GUEST_SELFTEST_H

#define SELFTEST_BLK_BYTES (512u * 1024u)

/* Run the selected self-test, if any. */
void selftest_run(void);

#endif
