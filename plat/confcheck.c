/*
 * confcheck FILE: validate an appliance.conf before it goes on a card.
 * Prints FILE:LINE: reason and exits 1 for a malformed file, so the image
 * build stops with the same message the host twin would give.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plat/conf.h"

/* appliance.conf is a few hundred bytes; anything this big is a mistake. */
#define CONFCHECK_MAX 65536

int main(int argc, char **argv)
{
	static char text[CONFCHECK_MAX];
	static struct conf conf;
	struct conf_error err;
	size_t len;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: confcheck APPLIANCE.CONF\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	len = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (len == sizeof(text)) {
		fprintf(stderr, "%s: larger than %d bytes\n", argv[1], CONFCHECK_MAX - 1);
		return 1;
	}
	if (conf_parse(&conf, text, len, &err) < 0) {
		fprintf(stderr, "%s:%u: %s\n", argv[1], err.line, err.reason);
		return 1;
	}
	return 0;
}
