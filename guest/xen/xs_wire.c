/*
 * The xenstore wire protocol (see xs_wire.h).
 */
#include <errno.h>
#include <string.h>

#include "xen/xs_wire.h"

int xs_wire_encode(void *buf, size_t size, uint32_t type, uint32_t req_id, uint32_t tx_id,
                   const struct xs_part *parts, unsigned int n)
{
	struct xsd_sockmsg hdr = {.type = type, .req_id = req_id, .tx_id = tx_id};
	char *out = buf;
	uint32_t total = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (parts[i].len > XENSTORE_PAYLOAD_MAX - total)
			return -E2BIG;
		total += parts[i].len;
	}
	if (size < XS_WIRE_HDR + total)
		return -ENOSPC;
	hdr.len = total;
	memcpy(out, &hdr, XS_WIRE_HDR);
	out += XS_WIRE_HDR;
	for (i = 0; i < n; i++) {
		if (parts[i].len > 0)
			memcpy(out, parts[i].data, parts[i].len);
		out += parts[i].len;
	}
	return (int)(XS_WIRE_HDR + total);
}

int xs_wire_parse(const void *buf, size_t len, struct xs_msg *msg)
{
	struct xsd_sockmsg hdr;

	if (len < XS_WIRE_HDR)
		return -EAGAIN;
	memcpy(&hdr, buf, XS_WIRE_HDR);
	if (hdr.len > XENSTORE_PAYLOAD_MAX)
		return -EBADMSG;
	if (len - XS_WIRE_HDR < hdr.len)
		return -EAGAIN;
	msg->type = hdr.type;
	msg->req_id = hdr.req_id;
	msg->tx_id = hdr.tx_id;
	msg->len = hdr.len;
	msg->payload = (const char *)buf + XS_WIRE_HDR;
	return (int)(XS_WIRE_HDR + hdr.len);
}

int xs_wire_error(const struct xs_msg *msg)
{
	size_t i, n = strnlen(msg->payload, msg->len);

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
		if (strlen(xsd_errors[i].errstring) == n &&
		    memcmp(msg->payload, xsd_errors[i].errstring, n) == 0)
			return xsd_errors[i].errnum == 0 ? -EIO : -xsd_errors[i].errnum;
	}
	return -EIO;
}

int xs_wire_result(const struct xs_msg *msg, uint32_t type)
{
	if (msg->type == XS_ERROR)
		return xs_wire_error(msg);
	return msg->type == type ? 0 : -EBADMSG;
}

int xs_wire_event(const struct xs_msg *msg, const char **path, const char **token)
{
	size_t plen, tlen;

	if (msg->type != XS_WATCH_EVENT)
		return -EBADMSG;
	plen = strnlen(msg->payload, msg->len);
	if (plen >= msg->len)
		return -EBADMSG;
	tlen = strnlen(msg->payload + plen + 1, msg->len - plen - 1);
	if (plen + 1 + tlen >= msg->len)
		return -EBADMSG;
	*path = msg->payload;
	*token = msg->payload + plen + 1;
	return 0;
}

int xs_wire_dir_next(const struct xs_msg *msg, uint32_t *off, const char **name)
{
	size_t n;

	if (*off >= msg->len)
		return 0;
	n = strnlen(msg->payload + *off, msg->len - *off);
	if (*off + n >= msg->len)
		return -EBADMSG;
	*name = msg->payload + *off;
	*off += (uint32_t)n + 1;
	return 1;
}

int xs_wire_u64(const char *text, uint32_t len, uint64_t *value)
{
	uint64_t v = 0;
	uint32_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned char)text[i] - '0';

		if (d > 9)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*value = v;
	return 0;
}

int xs_wire_txid(const struct xs_msg *msg, uint32_t *tx_id)
{
	uint64_t v;
	size_t n;
	int err;

	if (msg->type != XS_TRANSACTION_START)
		return -EBADMSG;
	n = strnlen(msg->payload, msg->len);
	if (n >= msg->len)
		return -EBADMSG;
	err = xs_wire_u64(msg->payload, (uint32_t)n, &v);
	if (err < 0 || v == 0 || v > UINT32_MAX)
		return -EBADMSG;
	*tx_id = (uint32_t)v;
	return 0;
}
