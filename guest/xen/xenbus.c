/*
 * The frontend xenbus handshake helpers (see xenbus.h).
 */
#include "xen/xenbus.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/arm32/arch.h"
#include "xen/xenstore.h"

int xenbus_path(char *buf, size_t size, const char *dir, const char *key)
{
	int n = snprintf(buf, size, "%s/%s", dir, key);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Fill `dev` for device `name` of directory `dir` ("device/vif"). */
static int xenbus_open(const char *dir, const char *name, struct xenbus_dev *dev)
{
	char path[96];
	uint64_t id;
	int n;

	if (snprintf(dev->node, sizeof(dev->node), "%s/%s", dir, name) >= (int)sizeof(dev->node))
		return -ENAMETOOLONG;
	xenbus_path(path, sizeof(path), dev->node, "backend");
	n = xs_read(XS_TX_NONE, path, dev->backend, sizeof(dev->backend));
	if (n < 0)
		return n;
	xenbus_path(path, sizeof(path), dev->node, "backend-id");
	n = xs_read_u64(XS_TX_NONE, path, &id);
	if (n < 0)
		return n;
	dev->backend_id = (domid_t)id;
	dev->state_watch = -1;
	return 0;
}

int xenbus_find(const char *type, struct xenbus_dev *dev)
{
	char dir[32], names[256];
	int n;

	snprintf(dir, sizeof(dir), "device/%s", type);
	n = xs_directory(XS_TX_NONE, dir, names, sizeof(names));
	if (n <= 0)
		return n == 0 || n == -ENOENT ? -ENODEV : n;
	return xenbus_open(dir, names, dev);
}

int xenbus_find_new(const char *type, struct xenbus_dev *dev)
{
	char dir[32], names[256];
	const char *name = names;
	enum xenbus_state st;
	int n;

	snprintf(dir, sizeof(dir), "device/%s", type);
	n = xs_directory(XS_TX_NONE, dir, names, sizeof(names));
	if (n < 0 && n != -ENOENT)
		return n;
	for (; n > 0; n--, name += strlen(name) + 1) {
		/* One half gone already: dom0 is removing it. */
		if (xenbus_open(dir, name, dev) < 0)
			continue;
		if (xenbus_backend_state(dev, &st) == 0 &&
		    (st == XenbusStateInitialising || st == XenbusStateInitWait))
			return 0;
	}
	return -ENODEV;
}

int xenbus_write_u(xs_tx tx, struct xenbus_dev *dev, const char *key, unsigned long value)
{
	char path[96], text[16];

	xenbus_path(path, sizeof(path), dev->node, key);
	snprintf(text, sizeof(text), "%lu", value);
	return xs_write(tx, path, text);
}

int xenbus_switch_state(struct xenbus_dev *dev, enum xenbus_state state)
{
	return xenbus_write_u(XS_TX_NONE, dev, "state", (unsigned long)state);
}

int xenbus_backend_state(struct xenbus_dev *dev, enum xenbus_state *st)
{
	char path[128];
	uint64_t v;
	int err;

	xenbus_path(path, sizeof(path), dev->backend, "state");
	err = xs_read_u64(XS_TX_NONE, path, &v);
	if (err < 0 && err != -ENOENT && err != -EINVAL)
		return err;
	*st = err < 0 || v > XenbusStateReconfigured ? XenbusStateUnknown : (enum xenbus_state)v;
	return 0;
}

int xenbus_wait_backend(struct xenbus_dev *dev, enum xenbus_state want, uint64_t timeout_ns)
{
	uint64_t deadline = timer_ns() + timeout_ns;
	enum xenbus_state st;
	char path[128];
	int id, err;

	xenbus_path(path, sizeof(path), dev->backend, "state");
	id = xs_watch(path, NULL, NULL);
	if (id < 0)
		return id;
	for (;;) {
		/* A read that failed says nothing: waited on, to the deadline. */
		bool read = xenbus_backend_state(dev, &st) == 0;
		if (read && st == want) {
			err = 0;
			break;
		}
		if (read && (st == XenbusStateClosing || st == XenbusStateClosed)) {
			err = -ENOTCONN;
			break;
		}
		if (timer_ns() >= deadline) {
			err = -ETIMEDOUT;
			break;
		}
		while (!xs_watch_take(id) && timer_ns() < deadline)
			xs_wait(deadline);
	}
	xs_unwatch(id);
	return err;
}

uint64_t xenbus_backend_u64(struct xenbus_dev *dev, const char *key, uint64_t def)
{
	char path[128];
	uint64_t v;

	if (xenbus_path(path, sizeof(path), dev->backend, key) < 0 ||
	    xs_read_u64(XS_TX_NONE, path, &v) < 0)
		return def;
	return v;
}

int xenbus_watch_backend(struct xenbus_dev *dev, void (*fn)(void *), void *arg)
{
	char path[128];
	int id;

	xenbus_path(path, sizeof(path), dev->backend, "state");
	id = xs_watch(path, fn, arg);
	if (id < 0)
		return id;
	dev->state_watch = id;
	return 0;
}

void xenbus_unwatch_backend(struct xenbus_dev *dev)
{
	if (dev->state_watch < 0)
		return;
	xs_unwatch(dev->state_watch);
	dev->state_watch = -1;
}
