/*
 * From head.S to main(): MMU on, Xen basics, console, DTB, heap, newlib.
 * The first lines run with the MMU off (this file is built like mmu.c);
 * nothing before mmu_enable() may touch the console or newlib.
 */
#include "arch/arm32/arch.h"

#include <stdlib.h>

#include "arch/arm32/mmu.h"
#include "board.h"
#include "dtb/dtb.h"
#include "libc/libc.h"
#include "stack.h"
#include "xen/console.h"
#include "xen/events.h"
#include "xen/gnttab.h"
#include "xen/xen.h"

/* Linux limits the DTB to 2 MiB (Documentation/arm/booting.rst); so do we. */
#define DTB_MAX_SIZE (2u << 20)

extern char __image_start[], _end[], __heap_start[];
extern void __libc_init_array(void);
int main(void);

static struct board boot_board;
static uint64_t boot_count;

uint64_t arch_boot_count(void)
{
	return boot_count;
}

const struct board *board_info(void)
{
	return &boot_board;
}

static void boot_fail_dtb(uintptr_t dtb, const char *what, int err)
{
	console_puts("guest: bad device tree at ");
	console_puthex(dtb);
	console_puts(": ");
	console_puts(what);
	console_puts(": ");
	console_puts(dtb_strerror(err));
	console_puts("\n");
	xen_crash();
}

/* Map the DTB (its size is known only once its header is mapped). */
static void boot_dtb(uintptr_t dtb)
{
	struct dtb dt;
	const char *what = "header";
	uint32_t size;
	int err;

	if (dtb % 8 != 0 || mmu_map(dtb, 8, MMU_NORMAL) < 0)
		boot_fail_dtb(dtb, "address", DTB_ERR_MAGIC);
	size = dtb_peek_size((const void *)dtb);
	if (size == 0)
		boot_fail_dtb(dtb, what, DTB_ERR_MAGIC);
	if (size > DTB_MAX_SIZE || mmu_map(dtb, size, MMU_NORMAL) < 0)
		boot_fail_dtb(dtb, what, DTB_ERR_TRUNCATED);
	err = dtb_open(&dt, (const void *)dtb, size);
	if (err == 0)
		err = board_parse(&boot_board, &dt, &what);
	if (err < 0)
		boot_fail_dtb(dtb, what, err);
}

/* RAM as Normal memory, the GIC as Device memory. */
static void boot_map(const struct board *b)
{
	if (mmu_map(b->ram_base, b->ram_size, MMU_NORMAL) < 0)
		arch_panic("cannot map RAM");
	if (mmu_map(b->gicd_base, b->gicd_size, MMU_DEVICE) < 0 ||
	    mmu_map(b->gicc_base, b->gicc_size, MMU_DEVICE) < 0)
		arch_panic("cannot map the GIC");
}

/* The heap runs from the end of BSS to the end of RAM or to the DTB. */
static void boot_heap(const struct board *b, uintptr_t dtb)
{
	uint64_t ram_end = b->ram_base + b->ram_size;
	uintptr_t start = (uintptr_t)__heap_start;
	uint64_t end = ram_end;

	if ((uintptr_t)__image_start < b->ram_base || (uintptr_t)_end > ram_end)
		arch_panic("the image is not inside the first RAM bank");
	if (dtb >= start && dtb < end)
		end = dtb & ~(uintptr_t)4095;
	if (end > 0xfffff000u)
		end = 0xfffff000u;
	libc_heap_init(start, (uintptr_t)end);
}

/*
 * Interrupts: the GIC, the virtual timer, the event-channel upcall, then
 * the grant table, and IRQs on. From here on waits sleep in WFI.
 */
static void boot_irqs(const struct board *b)
{
	int err;

	gic_init(b->gicd_base, b->gicc_base);
	timer_init();
	if (evtchn_init(b->evtchn_irq) < 0)
		arch_panic("cannot take the event-channel upcall IRQ");
	err = gnttab_init(b->gnttab_base, b->gnttab_size);
	if (err < 0) {
		console_puts("guest: grant table: ");
		console_puthex((uint32_t)-err);
		arch_panic("cannot map the grant table");
	}
	irq_enable();
}

void arch_start(uintptr_t dtb, uint32_t start_lo, uint32_t start_hi)
{
	boot_count = (uint64_t)start_hi << 32 | start_lo;
	mmu_enable();
	stack_paint();
	if (xen_map_shared_info() < 0)
		arch_panic("cannot map shared_info (XENMEM_add_to_physmap)");
	console_init();
	if (mmu_check() < 0)
		arch_panic("page tables: too few second-level tables to map the image "
		           "with its permissions (MMU_L2_TABLES)");
	boot_dtb(dtb);
	boot_map(&boot_board);
	boot_heap(&boot_board, dtb);
	__libc_init_array();
	boot_irqs(&boot_board);
	exit(main());
}

/*
 * newlib's __libc_init_array() calls _init() between the preinit and init
 * arrays; crti.o would supply it, but we link without start files. All
 * constructors are in .init_array, so there is nothing to do.
 */
void _init(void);
void _fini(void);

void _init(void)
{
}

void _fini(void)
{
}
