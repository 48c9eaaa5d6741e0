/*
 * DTB -> struct board (see board.h). One function per item, each naming
 * what it looked for so an error message can say it.
 */
#include "board.h"

static int board_model(struct board *b, const struct dtb *dt)
{
	int root = dtb_path(dt, "/");

	if (dtb_prop_string(dt, root, "model", &b->model) == 0)
		return 0;
	return dtb_prop_string(dt, root, "compatible", &b->model);
}

static int board_memory(struct board *b, const struct dtb *dt)
{
	int node = dtb_path(dt, "/memory");
	int err = dtb_reg(dt, node, 0, &b->ram_base, &b->ram_size);

	if (err == 0 && b->ram_size == 0)
		return DTB_ERR_PROP;
	return err;
}

/* GIC interrupt specifier <type number flags>: type 0 SPI, 1 PPI. */
static int board_irq(const struct dtb *dt, int node, uint32_t *irq)
{
	uint32_t type, number;
	int err = dtb_prop_u32(dt, node, "interrupts", 0, &type);

	if (err == 0)
		err = dtb_prop_u32(dt, node, "interrupts", 1, &number);
	if (err < 0)
		return err;
	if (type > 1 || number > 987)
		return DTB_ERR_PROP;
	*irq = number + (type == 1 ? 16 : 32);
	return 0;
}

static int board_hypervisor(struct board *b, const struct dtb *dt)
{
	int node = dtb_compatible(dt, "xen,xen");
	int err = dtb_reg(dt, node, 0, &b->gnttab_base, &b->gnttab_size);

	if (err < 0)
		return err;
	return board_irq(dt, node, &b->evtchn_irq);
}

static int board_gic(struct board *b, const struct dtb *dt)
{
	static const char *const compatibles[] = {
	    "arm,cortex-a15-gic",
	    "arm,cortex-a7-gic",
	    "arm,gic-400",
	};
	int node = DTB_ERR_NOTFOUND, err;
	unsigned int i;

	for (i = 0; i < 3 && node == DTB_ERR_NOTFOUND; i++)
		node = dtb_compatible(dt, compatibles[i]);
	err = dtb_reg(dt, node, 0, &b->gicd_base, &b->gicd_size);
	if (err == 0)
		err = dtb_reg(dt, node, 1, &b->gicc_base, &b->gicc_size);
	return err;
}

int board_parse(struct board *b, const struct dtb *dt, const char **what)
{
	int err;

	*what = "/model";
	if ((err = board_model(b, dt)) < 0)
		return err;
	*what = "/memory reg";
	if ((err = board_memory(b, dt)) < 0)
		return err;
	*what = "hypervisor node (compatible \"xen,xen\")";
	if ((err = board_hypervisor(b, dt)) < 0)
		return err;
	*what = "GICv2 node";
	return board_gic(b, dt);
}
