/*
 * libFuzzer target for the appliance.conf parser (plat/conf.c): any bytes
 * must be accepted or rejected with a line inside the text and a reason,
 * never a bad access. Accepted values must pass their own check again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "plat/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf conf;
	struct conf_error err;
	const char *why;
	size_t lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (conf_parse(&conf, (const char *)data, size, &err) < 0) {
		if (err.reason == NULL || err.line == 0 || err.line > lines)
			abort();
		return 0;
	}
	for (int i = 0; i < conf.count; i++)
		if (conf_check_value(conf.entry[i].key, conf.entry[i].value, &why) != 0 ||
		    conf_get(&conf, conf.entry[i].key) != conf.entry[i].value)
			abort();
	return 0;
}
