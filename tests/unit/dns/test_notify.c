/*
 * dns/notify.c: the answer to a NOTIFY stops its retries; an answer that
 * refuses it (NOTAUTH, with or without its TSIG's error: the secondary
 * does not share our key or serve the zone) is logged once, with its
 * rcode and that error; a NOERROR answer is not. The platform and the
 * server's socket are stubs that keep what was sent and logged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns/notify.h"
#include "dns/server.h"
#include "plat/plat.h"

static const char keyfile[] = "key \"xfr\" { algorithm hmac-sha256; "
                              "secret \"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=\"; };\n";
static const uint8_t secondary[4] = {192, 0, 2, 4};
static const uint8_t apex[] = "\7example\3org";

/* The last NOTIFY sent, how many went; the log, a line after another. */
static uint8_t sent[512];
static size_t sent_len;
static unsigned sends;
static char logged[4096];
static struct plat_timer *armed;

void dns_server_send(const uint8_t *ip, size_t iplen, const uint8_t *msg, size_t len)
{
	assert_int_equal(iplen, 4);
	assert_memory_equal(ip, secondary, 4);
	assert_true(len <= sizeof(sent));
	memcpy(sent, msg, len);
	sent_len = len;
	sends++;
}

void plat_log(const char *module, const char *fmt, ...)
{
	size_t w = strlen(logged);
	va_list ap;

	va_start(ap, fmt);
	w += (size_t)snprintf(logged + w, sizeof(logged) - w, "%s: ", module);
	vsnprintf(logged + w, sizeof(logged) - w, fmt, ap);
	va_end(ap);
	strncat(logged, "\n", sizeof(logged) - strlen(logged) - 1);
}

uint64_t plat_now_ns(void)
{
	return 0;
}

void plat_wallclock(struct plat_wallclock *t)
{
	t->sec = 1796120000;
	t->nsec = 0;
}

int plat_random(void *buf, size_t len)
{
	static uint8_t n;
	memset(buf, ++n, len);
	return 0;
}

void plat_timer_arm(struct plat_timer *t, uint64_t deadline_ns, plat_fn fn, void *arg)
{
	t->deadline_ns = deadline_ns;
	t->fn = fn;
	t->arg = arg;
	armed = t;
}

/*
 * The secondary's answer to the NOTIFY just sent: the same message, QR set,
 * `rcode`; if it is signed, its TSIG's error `tsig_error` (its MAC is the
 * request's: a secondary's answer to a key it lacks has none that verifies).
 */
static void answer(unsigned rcode, unsigned tsig_error)
{
	uint8_t m[512];

	memcpy(m, sent, sent_len);
	m[2] |= DNS_F_QR >> 8;
	m[3] = (uint8_t)((m[3] & 0xf0) | rcode);
	if (tsig_error) {
		/* The request's TSIG ends in Error and an empty Other Len (RFC 8945 4.2). */
		m[sent_len - 4] = (uint8_t)(tsig_error >> 8);
		m[sent_len - 3] = (uint8_t)tsig_error;
	}
	dns_notify_answer(m, sent_len, secondary, sizeof(secondary));
}

/* The retries' timer fires: how many NOTIFYs went again. */
static unsigned retried(void)
{
	unsigned before = sends;

	armed->fn(armed->arg);
	return sends - before;
}

static void test_noerror(void **state)
{
	(void)state;
	logged[0] = '\0';
	assert_int_equal(dns_notify_config("192.0.2.4", NULL, 0), 1);
	dns_notify_zone(apex);
	assert_int_equal(retried(), 1); /* not answered: sent again */
	answer(DNS_R_NOERROR, 0);
	assert_int_equal(retried(), 0);
	assert_string_equal(logged, "");
}

static void test_notauth_logged(void **state)
{
	static const char said[] = "dns: NOTIFY for example.org.: secondary 1 refused it, NOTAUTH: "
	                           "it learns of the change only when its refresh timer runs\n";
	(void)state;
	logged[0] = '\0';
	assert_int_equal(dns_notify_config("192.0.2.4", NULL, 0), 1);
	dns_notify_zone(apex);
	answer(DNS_R_NOTAUTH, 0);
	assert_int_equal(retried(), 0);
	assert_string_equal(logged, said);
	answer(DNS_R_NOTAUTH, 0); /* once: the NOTIFY is no longer waited for */
	assert_string_equal(logged, said);
}

static void test_tsig_error_logged(void **state)
{
	struct dns_tsig_key keys[1];
	char err[256];

	(void)state;
	logged[0] = '\0';
	assert_int_equal(
	    dns_tsig_keys_parse("k", keyfile, sizeof(keyfile) - 1, keys, 1, err, sizeof(err)), 1);
	assert_int_equal(dns_notify_config("192.0.2.4", keys, 1), 1);
	dns_notify_zone(apex);
	answer(DNS_R_NOTAUTH, DNS_R_BADSIG);
	assert_int_equal(retried(), 0);
	assert_non_null(strstr(
	    logged, "dns: NOTIFY for example.org.: secondary 1 refused it, NOTAUTH, TSIG error "
	            "BADSIG: it learns"));
	logged[0] = '\0';
	dns_notify_zone(apex);
	answer(DNS_R_NOERROR, 0); /* signed, no error */
	assert_string_equal(logged, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_noerror),
	    cmocka_unit_test(test_notauth_logged),
	    cmocka_unit_test(test_tsig_error_logged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
