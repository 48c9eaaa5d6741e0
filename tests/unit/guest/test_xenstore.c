/*
 * guest/xen/xenstore.c and xenbus.c on the host, against a fake xenstored
 * that answers each request as it is sent (evtchn_send) and fires each
 * new watch once, as xenstored does. The clock moves only when the guest
 * blocks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <public/hvm/params.h>
#include <public/io/xs_wire.h>

#include "xen/events.h"
#include "xen/xenbus.h"
#include "xen/xenstore.h"

static struct xenstore_domain_interface ring __attribute__((aligned(4096)));
static uint64_t now_ns;
static int blocks; /* evtchn_block calls: the guest slept */

uint64_t timer_ns(void)
{
	return now_ns;
}

int xen_get_param(uint32_t index, uint64_t *value)
{
	*value = index == HVM_PARAM_STORE_PFN ? (uint64_t)(uintptr_t)&ring >> 12 : 3;
	return 0;
}

int evtchn_bind(evtchn_port_t port, evtchn_fn fn, void *arg)
{
	(void)port, (void)fn, (void)arg;
	return 0;
}

void evtchn_prepare(evtchn_port_t port)
{
	(void)port;
}

void evtchn_block(evtchn_port_t port, uint64_t deadline_ns)
{
	(void)port;
	blocks++;
	now_ns = deadline_ns; /* nothing comes: the deadline passes */
}

/* What a read is answered: the value, or with read_error set, that XS_ERROR ("EIO"). */
static const char *read_value = "4", *read_error;

static void answer(uint32_t type, uint32_t req_id, const void *body, uint32_t len)
{
	struct xsd_sockmsg h = {type, req_id, 0, len};
	const char *p = (const char *)&h;

	for (uint32_t i = 0; i < sizeof(h) + len; i++, p++) {
		if (i == sizeof(h))
			p = body;
		ring.rsp[MASK_XENSTORE_IDX(ring.rsp_prod++)] = *p;
	}
}

/* xenstored: every request answered; a watch acknowledged, then fired once. */
int evtchn_send(evtchn_port_t port)
{
	(void)port;
	while (ring.req_prod - ring.req_cons >= sizeof(struct xsd_sockmsg)) {
		struct xsd_sockmsg h;
		char body[XENSTORE_PAYLOAD_MAX];
		for (size_t i = 0; i < sizeof(h); i++)
			((char *)&h)[i] = ring.req[MASK_XENSTORE_IDX(ring.req_cons + i)];
		for (size_t i = 0; i < h.len; i++)
			body[i] = ring.req[MASK_XENSTORE_IDX(ring.req_cons + sizeof(h) + i)];
		ring.req_cons += sizeof(h) + h.len;
		if (h.type == XS_WATCH) {
			answer(XS_WATCH, h.req_id, "OK", 3);
			answer(XS_WATCH_EVENT, 0, body, h.len); /* "path\0token\0" */
		} else if (h.type == XS_READ && read_error) {
			answer(XS_ERROR, h.req_id, read_error, (uint32_t)strlen(read_error) + 1);
		} else if (h.type == XS_READ) {
			answer(XS_READ, h.req_id, read_value, (uint32_t)strlen(read_value));
		} else {
			answer(h.type, h.req_id, "OK", 3);
		}
	}
	return 0;
}

static void changed(void *arg)
{
	++*(int *)arg;
}

/*
 * A watch with a function (the shutdown key's) fired and ran: a wait on
 * another watch, a synchronous one, sleeps until its deadline, and each
 * xs_wait blocks. The first watch's event left a mark that made every
 * xs_wait return at once, so the boot's waits for the backends and the
 * seed spun for their whole time.
 */
static void test_wait_sleeps_after_a_callback_fired(void **state)
{
	char buf[16];
	int calls = 0, id;
	(void)state;
	assert_int_equal(xs_init(), 0);
	assert_true(xs_watch("control/shutdown", changed, &calls) >= 0);
	assert_true(xs_read(XS_TX_NONE, "device/vif/0/state", buf, sizeof(buf)) >= 0);
	xs_dispatch();
	assert_int_equal(calls, 1);
	id = xs_watch("backend/vif/1/0/state", NULL, NULL);
	assert_true(id >= 0);
	assert_true(xs_watch_take(id)); /* its first event: the state as it is */
	blocks = 0;
	for (int i = 0; i < 5; i++)
		xs_wait(now_ns + 1000000000ull);
	assert_int_equal(blocks, 5);
	assert_false(xs_watch_take(id));
}

/*
 * The backend's state, read: a value is that state; a node gone (ENOENT)
 * or no state is XenbusStateUnknown, the backend gone; any other failure
 * (EIO here; xenstored silent, out of memory) says nothing of it. All
 * were Unknown, and netfront took a failed read for the backend gone: it
 * let go of rings and grants netback still had mapped, and the network
 * stayed down until the guest restarted; blkfront lost the store.
 */
static void test_backend_state_read(void **state)
{
	struct xenbus_dev dev = {.node = "device/vif/0",
	                         .backend = "/local/domain/0/backend/vif/1/0"};
	enum xenbus_state st = XenbusStateInitWait;
	(void)state;
	assert_int_equal(xs_init(), 0);
	read_value = "4";
	assert_int_equal(xenbus_backend_state(&dev, &st), 0);
	assert_int_equal(st, XenbusStateConnected);
	read_error = "EIO";
	assert_int_equal(xenbus_backend_state(&dev, &st), -EIO);
	assert_int_equal(st, XenbusStateConnected);
	read_error = "ENOENT";
	assert_int_equal(xenbus_backend_state(&dev, &st), 0);
	assert_int_equal(st, XenbusStateUnknown);
	read_error = NULL;
	read_value = "not a state";
	st = XenbusStateConnected;
	assert_int_equal(xenbus_backend_state(&dev, &st), 0);
	assert_int_equal(st, XenbusStateUnknown);
	read_value = "4";
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wait_sleeps_after_a_callback_fired),
	    cmocka_unit_test(test_backend_state_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
