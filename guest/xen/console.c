/*
 * PV console output (see console.h).
 */
#include "xen/console.h"

#include <errno.h>
#include <stdbool.h>

#include <public/io/console.h>

#include "arch/arm32/arch.h"
#include "arch/arm32/barrier.h"
#include "arch/arm32/mmu.h"
#include "xen/events.h"
#include "xen/hypercall.h"
#include "xen/ring.h"
#include "xen/xen.h"

/*
 * How long a write waits for xenconsoled to make room in the ring. A ring
 * that stays full this long has no reader (xenconsoled stuck or gone).
 */
#define CONSOLE_WAIT_NS (2ull * 1000000000ull)

static struct xencons_interface *console_ring;
static evtchn_port_t console_port;
/*
 * Set when a wait timed out, with the consumer index it saw: until
 * xenconsoled moves past it, writes that find the ring full do not wait
 * again, so a stuck reader costs one timeout, not one per line (the
 * panic path prints dozens).
 */
static bool console_stalled;
static uint32_t console_stall_cons;

int console_init(void)
{
	uint64_t pfn, port;

	if (xen_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) < 0 || pfn == 0)
		return -ENODEV;
	if (xen_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port) < 0)
		return -ENODEV;
	/* The ring lives in the magic pages outside RAM (arch-arm.h). */
	if (mmu_map(pfn << 12, 4096, MMU_NORMAL) < 0)
		return -ENOMEM;
	console_port = (evtchn_port_t)port;
	console_ring = (struct xencons_interface *)(uintptr_t)(pfn << 12);
	return 0;
}

static void console_hyp_write(const char *buf, size_t len)
{
	xen_console_io(CONSOLEIO_write, len, buf);
}

static uint32_t console_cons(void)
{
	return __atomic_load_n(&console_ring->out_cons, __ATOMIC_RELAXED);
}

/*
 * Wait until the backend consumed something, without spinning, for
 * CONSOLE_WAIT_NS at most. Returns 0, or -ETIMEDOUT if the ring stayed
 * full (at once while the reader is known to be stuck).
 */
static int console_wait_space(void)
{
	uint64_t deadline;

	if (console_stalled && console_cons() == console_stall_cons)
		return -ETIMEDOUT;
	console_stalled = false;
	deadline = timer_ns() + CONSOLE_WAIT_NS;
	for (;;) {
		evtchn_prepare(console_port);
		rmb();
		if (ring_free(console_ring->out_prod, console_cons(), sizeof(console_ring->out)) >
		    0)
			return 0;
		if (timer_ns() >= deadline)
			break;
		evtchn_block(console_port, deadline);
	}
	console_stalled = true;
	console_stall_cons = console_cons();
	return -ETIMEDOUT;
}

/* Copy what fits into the out ring; returns the number of bytes taken. */
static size_t console_ring_put(const char *buf, size_t len)
{
	struct xencons_interface *ring = console_ring;
	uint32_t prod = ring->out_prod;
	uint32_t cons = __atomic_load_n(&ring->out_cons, __ATOMIC_RELAXED);
	uint32_t space, i;

	/* Read the consumer index before overwriting slots it released. */
	mb();
	space = ring_free(prod, cons, sizeof(ring->out));
	if (len < space)
		space = (uint32_t)len;
	for (i = 0; i < space; i++)
		ring->out[ring_slot(prod + i, sizeof(ring->out))] = buf[i];
	/* The data must be visible before the index that publishes it. */
	wmb();
	__atomic_store_n(&ring->out_prod, prod + space, __ATOMIC_RELAXED);
	return space;
}

void console_write(const char *buf, size_t len)
{
	size_t done;

	if (console_ring == NULL) {
		console_hyp_write(buf, len);
		return;
	}
	while (len > 0) {
		done = console_ring_put(buf, len);
		evtchn_send(console_port);
		if (done > 0) {
			buf += done;
			len -= done;
		} else if (console_wait_space() < 0) {
			/* Nobody reads the ring: a debug Xen may still print it. */
			console_hyp_write(buf, len);
			return;
		}
	}
}

void console_puts(const char *s)
{
	size_t len = 0;

	while (s[len] != '\0')
		len++;
	console_write(s, len);
}

void console_puthex(uint32_t value)
{
	static const char digits[] = "0123456789abcdef";
	char text[10] = {'0', 'x'};
	int i;

	for (i = 0; i < 8; i++)
		text[2 + i] = digits[(value >> (28 - 4 * i)) & 0xf];
	console_write(text, sizeof(text));
}
