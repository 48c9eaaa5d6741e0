/*
 * tls/cert.c: the self-signed certificate made on first boot (names,
 * validity, a key that matches it, usable by a wolfSSL server) and the
 * description of any certificate, including ones that are not.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <sys/random.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn.h>

#include "plat/plat.h"
#include "tls/tls.h"

/* wolfSSL's random source is plat_random (tls/tls_rand.c); here, the kernel's. */
int plat_random(void *buf, size_t len)
{
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

struct made {
	char *cert, *key;
	size_t cert_len, key_len;
};

static void make(struct made *m, const char *name, const char *alt, const uint8_t *ip)
{
	assert_int_equal(tls_cert_self_signed(name, alt, ip, TLS_SELF_SIGNED_DAYS, &m->cert,
	                                      &m->cert_len, &m->key, &m->key_len),
	                 0);
}

static void unmake(struct made *m)
{
	free(m->cert);
	free(m->key);
}

static void test_self_signed_describes(void **state)
{
	static const uint8_t ip[4] = {192, 0, 2, 2};
	struct tls_identity_info info;
	struct made m;
	time_t now = time(NULL);

	(void)state;
	make(&m, "host.example.org", "host", ip);
	assert_memory_equal(m.cert, "-----BEGIN CERTIFICATE-----", 27);
	assert_memory_equal(m.key, "-----BEGIN EC PRIVATE KEY-----", 30);
	assert_int_equal(tls_cert_describe((uint8_t *)m.cert, m.cert_len, &info), 0);
	assert_string_equal(info.subject, "host.example.org");
	assert_string_equal(info.origin, "self-signed");
	assert_string_equal(info.key_type, "ECDSA");
	/* Valid for TLS_SELF_SIGNED_DAYS from now (the date arithmetic of cert.c). */
	assert_true(info.not_after >= now + TLS_SELF_SIGNED_DAYS * 86400LL - 86400);
	assert_true(info.not_after <= now + TLS_SELF_SIGNED_DAYS * 86400LL + 86400);
	unmake(&m);
}

/* The subjectAltName holds the name, the short name and the address. */
static void test_alt_names(void **state)
{
	static const uint8_t ip[4] = {192, 0, 2, 2};
	struct made m;
	uint8_t der[2048];
	int len;
	DecodedCert dc;
	int dns = 0, ips = 0;

	(void)state;
	make(&m, "host.example.org", "host", ip);
	len = wc_CertPemToDer((uint8_t *)m.cert, (int)m.cert_len, der, sizeof(der), CERT_TYPE);
	assert_true(len > 0);
	wc_InitDecodedCert(&dc, der, (word32)len, NULL);
	assert_int_equal(wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL), 0);
	for (DNS_entry *e = dc.altNames; e; e = e->next)
		if (e->type == ASN_DNS_TYPE)
			dns += !strcmp(e->name, "host.example.org") || !strcmp(e->name, "host");
	wc_FreeDecodedCert(&dc);
	/* wolfSSL's parser keeps IP names only when built to; the DER has it: [7] of 4 bytes. */
	for (int i = 0; i + 6 <= len; i++)
		ips += der[i] == 0x87 && der[i + 1] == 4 && !memcmp(der + i + 2, ip, 4);
	assert_int_equal(dns, 2);
	assert_int_equal(ips, 1);
	unmake(&m);
}

/*
 * What Apple's platforms require of a TLS server's certificate
 * (support.apple.com/103769), which Safari and every app there refuse
 * without, trusted or not: a validity of at most 825 days, notBefore to
 * notAfter, and the serverAuth extended key usage. (The old one: 826
 * days, wolfSSL's notBefore being a day back, and no EKU.)
 */
static void test_apple_server_rules(void **state)
{
	struct made m;
	uint8_t der[2048];
	int len;
	DecodedCert dc;
	Cert *cert = calloc(1, sizeof(*cert));
	struct tm before, after;

	(void)state;
	assert_non_null(cert);
	make(&m, "host.example.org", NULL, NULL);
	len = wc_CertPemToDer((uint8_t *)m.cert, (int)m.cert_len, der, sizeof(der), CERT_TYPE);
	assert_true(len > 0);
	wc_InitDecodedCert(&dc, der, (word32)len, NULL);
	assert_int_equal(wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL), 0);
	assert_true(dc.extExtKeyUsage & EXTKEYUSE_SERVER_AUTH);
	wc_FreeDecodedCert(&dc);
	assert_int_equal(wc_InitCert(cert), 0);
	assert_int_equal(wc_SetDatesBuffer(cert, der, len), 0);
	assert_int_equal(wc_GetCertDates(cert, &before, &after), 0);
	assert_true(timegm(&after) - timegm(&before) <= 825 * 86400LL);
	assert_true(timegm(&after) - timegm(&before) >= 824 * 86400LL);
	free(cert);
	unmake(&m);
}

/*
 * When a certificate the appliance made is made again: near its end, not
 * begun, without the EKU, or longer than 825 days; never one it did not
 * make, and never on a clock before TLS_CLOCK_FLOOR.
 */
static void test_renew_why(void **state)
{
	struct tls_identity_info info;
	struct made m;
	int64_t now = time(NULL), day = 86400;

	(void)state;
	make(&m, "host.example.org", NULL, NULL);
	assert_int_equal(tls_cert_describe((uint8_t *)m.cert, m.cert_len, &info), 0);
	assert_true(info.made_here && info.server_auth);
	assert_true(info.not_before <= now && info.not_before >= now - 2 * day);
	assert_null(tls_cert_renew_why(&info, now));
	assert_null(tls_cert_renew_why(&info, info.not_after - (TLS_RENEW_DAYS + 1) * day));
	assert_string_equal(tls_cert_renew_why(&info, info.not_after - (TLS_RENEW_DAYS - 1) * day),
	                    "it ends within 30 days");
	assert_string_equal(tls_cert_renew_why(&info, info.not_after + 1), "it has expired");
	assert_string_equal(tls_cert_renew_why(&info, info.not_before - 2 * day),
	                    "it has not begun (made while the clock was wrong)");
	assert_null(tls_cert_renew_why(&info, TLS_CLOCK_FLOOR - 1));
	info.server_auth = false;
	assert_string_equal(tls_cert_renew_why(&info, now),
	                    "it lacks the serverAuth extended key usage");
	info.server_auth = true;
	info.not_before = info.not_after - 826 * day;
	assert_string_equal(tls_cert_renew_why(&info, now), "it spans more than 825 days");
	info.made_here = false;
	assert_null(tls_cert_renew_why(&info, info.not_after + 1));
	unmake(&m);
}

/* The key matches the certificate, and a TLS server takes both. */
static void test_server_takes_it(void **state)
{
	struct made m;
	WOLFSSL_CTX *ctx;

	(void)state;
	make(&m, "appliance", NULL, NULL);
	assert_non_null(ctx = wolfSSL_CTX_new(wolfSSLv23_server_method()));
	assert_int_equal(wolfSSL_CTX_use_certificate_chain_buffer_format(
	                     ctx, (uint8_t *)m.cert, (long)m.cert_len, WOLFSSL_FILETYPE_PEM),
	                 WOLFSSL_SUCCESS);
	assert_int_equal(wolfSSL_CTX_use_PrivateKey_buffer(ctx, (uint8_t *)m.key, (long)m.key_len,
	                                                   WOLFSSL_FILETYPE_PEM),
	                 WOLFSSL_SUCCESS);
	assert_int_equal(wolfSSL_CTX_check_private_key(ctx), WOLFSSL_SUCCESS);
	wolfSSL_CTX_free(ctx);
	unmake(&m);
}

/* Two first boots never make the same key. */
static void test_keys_differ(void **state)
{
	struct made a, b;

	(void)state;
	make(&a, "appliance", NULL, NULL);
	make(&b, "appliance", NULL, NULL);
	assert_true(a.key_len != b.key_len || memcmp(a.key, b.key, a.key_len));
	unmake(&a);
	unmake(&b);
}

/* Names up to 127 bytes fit the short-form DER lengths; the next is refused cleanly. */
static void test_name_limit(void **state)
{
	char name[129];
	struct made m;
	struct tls_identity_info info;

	(void)state;
	memset(name, 'a', 127);
	name[127] = 0;
	make(&m, name, NULL, NULL);
	assert_int_equal(tls_cert_describe((uint8_t *)m.cert, m.cert_len, &info), 0);
	/* The common name is cut to what wolfSSL's structure holds; the SAN has it whole. */
	assert_int_equal(strlen(info.subject), CTC_NAME_SIZE - 1);
	assert_int_equal(strncmp(info.subject, name, CTC_NAME_SIZE - 1), 0);
	unmake(&m);
	name[127] = 'a';
	name[128] = 0;
	assert_int_equal(
	    tls_cert_self_signed(name, NULL, NULL, 30, &m.cert, &m.cert_len, &m.key, &m.key_len),
	    -ENAMETOOLONG);
	assert_null(m.cert);
	assert_null(m.key);
}

/* What is not a certificate is said so; what the subject holds is made safe to print. */
static void test_describe_refuses(void **state)
{
	static const char pem_cut[] = "-----BEGIN CERTIFICATE-----\nMIIB\n";
	uint8_t junk[300];
	struct tls_identity_info info;
	struct made m;

	(void)state;
	memset(junk, 0x30, sizeof(junk));
	assert_int_equal(tls_cert_describe(junk, sizeof(junk), &info), -EINVAL);
	assert_int_equal(tls_cert_describe((const uint8_t *)pem_cut, sizeof(pem_cut) - 1, &info),
	                 -EINVAL);
	assert_int_equal(tls_cert_describe(junk, 0, &info), -EINVAL);
	make(&m, "a\"b\\c<d>", NULL, NULL);
	assert_int_equal(tls_cert_describe((uint8_t *)m.cert, m.cert_len, &info), 0);
	assert_string_equal(info.subject, "a?b?c?d?");
	unmake(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_self_signed_describes),
	    cmocka_unit_test(test_alt_names),
	    cmocka_unit_test(test_apple_server_rules),
	    cmocka_unit_test(test_renew_why),
	    cmocka_unit_test(test_server_takes_it),
	    cmocka_unit_test(test_keys_differ),
	    cmocka_unit_test(test_name_limit),
	    cmocka_unit_test(test_describe_refuses),
	};

	wolfSSL_Init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
