/*
 * libFuzzer target for the guest's xenstore reply parser
 * (guest/xen/xs_wire.c): any bytes from xenstored, split into messages the
 * way the client does, must give an error or a sane answer, never a bad
 * access. Every decoder runs on every message.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xen/xs_wire.h"

static void decode(const struct xs_msg *msg)
{
	const char *a, *b;
	uint32_t off = 0, tx;
	uint64_t v;
	int n = 0;

	(void)xs_wire_result(msg, XS_READ);
	(void)xs_wire_error(msg);
	(void)xs_wire_event(msg, &a, &b);
	(void)xs_wire_txid(msg, &tx);
	(void)xs_wire_u64(msg->payload, msg->len, &v);
	while (xs_wire_dir_next(msg, &off, &a) > 0 && n++ < 5000)
		(void)strlen(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_msg msg;
	int n;

	/* The same stream the client reassembles from the ring. */
	while ((n = xs_wire_parse(data, size, &msg)) > 0) {
		decode(&msg);
		data += n;
		size -= (size_t)n;
	}
	return 0;
}
