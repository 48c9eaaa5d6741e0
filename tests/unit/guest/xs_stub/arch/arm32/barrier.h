/* test_xenstore.c's barriers: one thread on the host, a full fence each. */
#ifndef XS_STUB_BARRIER_H
#define XS_STUB_BARRIER_H
#define mb() __sync_synchronize()
#define rmb() __sync_synchronize()
#define wmb() __sync_synchronize()
#define xen_mb() mb()
#define xen_rmb() rmb()
#define xen_wmb() wmb()
#endif
