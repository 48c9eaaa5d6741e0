/*
 * Xen hypercalls: the raw trampoline and typed wrappers for the few
 * operations the guest uses. Every wrapper returns Xen's result: 0 or a
 * positive value on success, a negative Xen errno (public/errno.h) on error.
 */
#ifndef GUEST_XEN_HYPERCALL_H
#define GUEST_XEN_HYPERCALL_H

#include <stdint.h>

#include <public/xen.h>
#include <public/event_channel.h>
#include <public/hvm/hvm_op.h>
#include <public/hvm/params.h>
#include <public/memory.h>
#include <public/sched.h>

long xen_hypercall(unsigned int op, unsigned long a0, unsigned long a1, unsigned long a2,
                   unsigned long a3, unsigned long a4);

static inline long xen_memory_op(unsigned int cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long xen_sched_op(unsigned int cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_sched_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long xen_event_channel_op(unsigned int cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_event_channel_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long xen_hvm_op(unsigned int cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_hvm_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long xen_console_io(unsigned int cmd, unsigned int count, const char *buf)
{
	return xen_hypercall(__HYPERVISOR_console_io, cmd, count, (unsigned long)buf, 0, 0);
}

#endif
