/*
 * libFuzzer target for dom0's domain builder's parsers (hypervisor/dom0/
 * launch-cfg.c): the input, line by line, as xl configuration (guest.cfg
 * and the lines the init passes after it), then whole as the guest
 * configuration file the init prepares. Any bytes are taken or refused
 * with a reason, never a bad access; a refused configuration file gives
 * out no key, and every key it gives out is a relative path.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "launch.h"

static int keys;
static int refused;

static int key(void *ctx, const char *path, const char *value)
{
	(void)ctx;
	if (refused || !path[0] || path[0] == '/' || strchr(path, '\n') || strchr(value, '\n'))
		abort();
	keys++;
	return 0;
}

static void as_xl_config(const uint8_t *data, size_t size)
{
	static const uint8_t rnd[6] = {0xa5, 1, 2, 3, 4, 5};
	struct launch_cfg c;
	char line[1024];
	const char *why;
	size_t start = 0;

	launch_cfg_init(&c);
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		size_t n = i - start < sizeof(line) - 1 ? i - start : sizeof(line) - 1;
		memcpy(line, data + start, n);
		line[n] = 0;
		why = NULL;
		if (launch_cfg_line(&c, line, &why) < 0 && !why)
			abort();
		start = i + 1;
	}
	why = NULL;
	if (launch_cfg_check(&c, rnd, &why) < 0) {
		if (!why)
			abort();
		return;
	}
	if (c.has_vif && strlen(c.vif_mac) != 17)
		abort();
	if (c.vcpus < 1 || c.vcpus > LAUNCH_VCPUS_MAX || c.disk_devid >> 8 != 202)
		abort();
}

static void as_guest_config(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *name = NULL, *instance = NULL, *why = NULL;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = 0;
	keys = 0;
	refused = 0;
	if (launch_guest_conf(text, size, &name, &instance, NULL, NULL, &why) < 0) {
		if (!why)
			abort();
		refused = 1;
		memcpy(text, data, size);
		if (launch_guest_conf(text, size, &name, &instance, key, NULL, &why) >= 0)
			abort(); /* the same bytes, another answer */
	} else {
		memcpy(text, data, size);
		if (launch_guest_conf(text, size, &name, &instance, key, NULL, &why) < 0 || !name ||
		    !instance)
			abort();
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_xl_config(data, size);
	as_guest_config(data, size);
	return 0;
}
