/*
 * Host unit tests (cmocka) of the xenstore wire protocol
 * (guest/xen/xs_wire.c): request encoding, splitting the reply stream,
 * error replies as negative errnos, watch events, directory listings and
 * transaction ids, including malformed input from a hostile xenstored.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xen/xs_wire.h"

static char buf[XS_WIRE_MSG_MAX + 64];

/* A message as xenstored would send it. */
static size_t make(uint32_t type, uint32_t req_id, const void *payload, uint32_t len)
{
	struct xsd_sockmsg hdr = {.type = type, .req_id = req_id, .len = len};

	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), payload, len);
	return sizeof(hdr) + len;
}

static void test_encode(void **state)
{
	struct xs_part parts[2] = {{"a/b", 4}, {"val", 3}};
	struct xsd_sockmsg hdr;
	int n;

	(void)state;
	n = xs_wire_encode(buf, sizeof(buf), XS_WRITE, 7, 3, parts, 2);
	assert_int_equal(n, sizeof(hdr) + 7);
	memcpy(&hdr, buf, sizeof(hdr));
	assert_int_equal(hdr.type, XS_WRITE);
	assert_int_equal(hdr.req_id, 7);
	assert_int_equal(hdr.tx_id, 3);
	assert_int_equal(hdr.len, 7);
	assert_memory_equal(buf + sizeof(hdr), "a/b\0val", 7);
}

static void test_encode_limits(void **state)
{
	static char big[XENSTORE_PAYLOAD_MAX + 1];
	struct xs_part part = {big, sizeof(big)};
	struct xs_part fits = {big, XENSTORE_PAYLOAD_MAX};

	(void)state;
	assert_int_equal(xs_wire_encode(buf, sizeof(buf), XS_WRITE, 1, 0, &part, 1), -E2BIG);
	assert_int_equal(xs_wire_encode(buf, 20, XS_WRITE, 1, 0, &fits, 1), -ENOSPC);
	assert_int_equal(xs_wire_encode(buf, sizeof(buf), XS_WRITE, 1, 0, &fits, 1),
	                 XS_WIRE_MSG_MAX);
}

static void test_parse_needs_whole_message(void **state)
{
	struct xs_msg msg;
	size_t len = make(XS_READ, 5, "hello", 5);

	(void)state;
	assert_int_equal(xs_wire_parse(buf, 3, &msg), -EAGAIN);
	assert_int_equal(xs_wire_parse(buf, len - 1, &msg), -EAGAIN);
	assert_int_equal(xs_wire_parse(buf, len + 10, &msg), (int)len);
	assert_int_equal(msg.type, XS_READ);
	assert_int_equal(msg.req_id, 5);
	assert_int_equal(msg.len, 5);
	assert_memory_equal(msg.payload, "hello", 5);
	assert_int_equal(xs_wire_result(&msg, XS_READ), 0);
	assert_int_equal(xs_wire_result(&msg, XS_WRITE), -EBADMSG);
}

static void test_parse_rejects_oversized(void **state)
{
	struct xsd_sockmsg hdr = {.type = XS_READ, .len = XENSTORE_PAYLOAD_MAX + 1};
	struct xs_msg msg;

	(void)state;
	memcpy(buf, &hdr, sizeof(hdr));
	assert_int_equal(xs_wire_parse(buf, sizeof(buf), &msg), -EBADMSG);
}

static void test_error_replies(void **state)
{
	struct xs_msg msg;

	(void)state;
	xs_wire_parse(buf, make(XS_ERROR, 1, "ENOENT", 7), &msg);
	assert_int_equal(xs_wire_result(&msg, XS_READ), -ENOENT);
	xs_wire_parse(buf, make(XS_ERROR, 1, "EAGAIN", 7), &msg);
	assert_int_equal(xs_wire_result(&msg, XS_TRANSACTION_END), -EAGAIN);
	xs_wire_parse(buf, make(XS_ERROR, 1, "EACCES", 6), &msg); /* no NUL */
	assert_int_equal(xs_wire_error(&msg), -EACCES);
	xs_wire_parse(buf, make(XS_ERROR, 1, "EWHAT", 6), &msg);
	assert_int_equal(xs_wire_error(&msg), -EIO);
	xs_wire_parse(buf, make(XS_ERROR, 1, "ENOENTX", 8), &msg);
	assert_int_equal(xs_wire_error(&msg), -EIO);
}

static void test_watch_event(void **state)
{
	struct xs_msg msg;
	const char *path, *token;

	(void)state;
	xs_wire_parse(buf, make(XS_WATCH_EVENT, 0, "control/shutdown\0w3", 20), &msg);
	assert_int_equal(xs_wire_event(&msg, &path, &token), 0);
	assert_string_equal(path, "control/shutdown");
	assert_string_equal(token, "w3");
	/* Token not terminated, or missing. */
	xs_wire_parse(buf, make(XS_WATCH_EVENT, 0, "p\0w3", 4), &msg);
	assert_int_equal(xs_wire_event(&msg, &path, &token), -EBADMSG);
	xs_wire_parse(buf, make(XS_WATCH_EVENT, 0, "path", 4), &msg);
	assert_int_equal(xs_wire_event(&msg, &path, &token), -EBADMSG);
}

static void test_directory(void **state)
{
	struct xs_msg msg;
	const char *name;
	uint32_t off = 0;

	(void)state;
	xs_wire_parse(buf,
	              make(XS_DIRECTORY, 2,
	                   "0\0"
	                   "51712\0",
	                   8),
	              &msg);
	assert_int_equal(xs_wire_dir_next(&msg, &off, &name), 1);
	assert_string_equal(name, "0");
	assert_int_equal(xs_wire_dir_next(&msg, &off, &name), 1);
	assert_string_equal(name, "51712");
	assert_int_equal(xs_wire_dir_next(&msg, &off, &name), 0);
	off = 0;
	xs_wire_parse(buf, make(XS_DIRECTORY, 2, "a\0bc", 4), &msg);
	assert_int_equal(xs_wire_dir_next(&msg, &off, &name), 1);
	assert_int_equal(xs_wire_dir_next(&msg, &off, &name), -EBADMSG);
}

static void test_transaction_id(void **state)
{
	struct xs_msg msg;
	uint32_t tx = 0;

	(void)state;
	xs_wire_parse(buf, make(XS_TRANSACTION_START, 4, "42", 3), &msg);
	assert_int_equal(xs_wire_txid(&msg, &tx), 0);
	assert_int_equal(tx, 42);
	xs_wire_parse(buf, make(XS_TRANSACTION_START, 4, "0", 2), &msg);
	assert_int_equal(xs_wire_txid(&msg, &tx), -EBADMSG);
	xs_wire_parse(buf, make(XS_TRANSACTION_START, 4, "4294967296", 11), &msg);
	assert_int_equal(xs_wire_txid(&msg, &tx), -EBADMSG);
	xs_wire_parse(buf, make(XS_TRANSACTION_START, 4, "12", 2), &msg);
	assert_int_equal(xs_wire_txid(&msg, &tx), -EBADMSG);
}

static void test_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(xs_wire_u64("391168", 6, &v), 0);
	assert_true(v == 391168);
	assert_int_equal(xs_wire_u64("18446744073709551615", 20, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(xs_wire_u64("18446744073709551616", 20, &v), -ERANGE);
	assert_int_equal(xs_wire_u64("", 0, &v), -EINVAL);
	assert_int_equal(xs_wire_u64("12a", 3, &v), -EINVAL);
	assert_int_equal(xs_wire_u64("-1", 2, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_encode_limits),
	    cmocka_unit_test(test_parse_needs_whole_message),
	    cmocka_unit_test(test_parse_rejects_oversized),
	    cmocka_unit_test(test_error_replies),
	    cmocka_unit_test(test_watch_event),
	    cmocka_unit_test(test_directory),
	    cmocka_unit_test(test_transaction_id),
	    cmocka_unit_test(test_u64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
