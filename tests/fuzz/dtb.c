/*
 * libFuzzer target for the guest's DTB reader: any bytes handed in as a
 * device tree must give an error or a sane answer, never a bad access.
 */
#include <stddef.h>
#include <stdint.h>

#include "dtb/dtb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dtb dt;
	const char *s;
	uint64_t a, sz;
	uint32_t v;
	int n;

	if (dtb_open(&dt, data, size) != 0)
		return 0;
	n = dtb_path(&dt, "/");
	if (n >= 0)
		(void)dtb_prop_string(&dt, n, "model", &s);
	n = dtb_path(&dt, "/memory");
	if (n >= 0)
		(void)dtb_reg(&dt, n, 0, &a, &sz);
	n = dtb_compatible(&dt, "xen,xen");
	if (n >= 0) {
		(void)dtb_reg(&dt, n, 0, &a, &sz);
		(void)dtb_prop_u32(&dt, n, "interrupts", 1, &v);
		(void)dtb_parent(&dt, n);
	}
	n = dtb_compatible(&dt, "arm,cortex-a15-gic");
	if (n >= 0)
		(void)dtb_reg(&dt, n, 1, &a, &sz);
	return 0;
}
