/*
 * Test-only behaviour for the QEMU system tests, chosen by the
 * appliance.conf key `selftest` (handed over by dom0 through xenstore).
 * These modes write to the disk or crash on purpose, so only a test build
 * of the guest (GUEST_TEST_BUILD 1; guest/module.mk builds it for the
 * test images) runs them; the product guest logs
 * "guest: selftest=MODE refused: this image is not a test build" and goes on:
 *
 *   blk    check the pattern an earlier boot left at the end of the disk,
 *          then write the next generation of it and flush (dom0 reboots
 *          the guest in between: the pattern must survive `xl reboot`).
 *          Destroys the last SELFTEST_BLK_BYTES of the store.
 *   crash  dereference a bad pointer right after "guest: ready", to prove
 *          the panic path and dom0's restart.
 *   stack  recurse far past the stack's size: the guard page below the
 *          stack must stop it with a "stack overflow" report.
 *   exec   call code written into writable memory: W^X must refuse it.
 *   write  write into the guest's own text: it must be read-only.
 *   stuck  print far more than the console ring holds with IRQs masked,
 *          then crash: with xenconsoled stopped (dom0 does that), the
 *          console must give up waiting rather than hang the guest.
 *   storewrite  20 s after boot, stream a 10 MiB push into the store 64 KiB
 *          per turn of the loop and time every call (the loop's longest
 *          stall), then add the same as one whole-buffer call.
 *   ackstall  once the refs of the first push are updated (durable, the
 *          store's change listeners called) and before the push is
 *          answered: print "guest: selftest ackstall: REF updated; the
 *          push is not answered" and halt (xen_halt), for dom0 to destroy
 *          the guest there (the destroy-loop's first destroy,
 *          tests/qemu/faults.sh): a push whose client never heard it was
 *          taken must be there whole after the restart.
 *   wolfcrypt  wolfSSL's own wolfCrypt test of every algorithm the guest's
 *          library has (a "... test passed!" line each), then its
 *          benchmark (a line each), through tls/tls_wolfcrypt.h; the last
 *          line is "guest: selftest wolfcrypt: passed (...)" or
 *          "guest: selftest wolfcrypt: FAILED: ...". About a minute in QEMU,
 *          during which the guest does nothing else (the services start
 *          after it). Only the test build links that code.
 *
 * Any other value (shutdown, net: dom0's own tests) does nothing here.
 */
#ifndef GUEST_SELFTEST_H
#define GUEST_SELFTEST_H

/* 1 in the test build of the guest only (guest/module.mk). */
#ifndef GUEST_TEST_BUILD
#define GUEST_TEST_BUILD 0
#endif

#define SELFTEST_BLK_BYTES (512u * 1024u)

/* selftest_store.c: selftest=storewrite, a 10 MiB push timed call by call. */
void selftest_storewrite(void);
/* selftest_store.c: selftest=ackstall, the guest halted between a push's ref update and its answer.
 */
void selftest_ackstall(void);

/* Run the selected self-test, if any. */
void selftest_run(void);

#endif
