/*
 * tests/unit/tls/test_tls.c: wolfSSL as tls/user_settings.h configures it.
 * A server and a client talk in memory over two byte queues (wolfSSL's
 * custom I/O callbacks): a TLS 1.3 and a TLS 1.2 handshake with a P-256
 * certificate generated here by wolfSSL itself, application data both
 * ways, AEAD suites only, a TLS 1.1 ClientHello refused, and resumption
 * with a session ticket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#include <sys/random.h>

#include "plat/plat.h"

#define HOST_NAME "appliance.test"

/* One direction of the connection. */
struct queue {
	unsigned char buf[64 * 1024];
	size_t len;
};

/* Both directions, and which one each side reads and writes. */
struct wire {
	struct queue c2s;
	struct queue s2c;
};

struct side {
	struct queue *in;
	struct queue *out;
};

static unsigned char cert_der[1024];
static int cert_len;
static unsigned char key_der[256];
static int key_len;

/* wolfSSL's random source is plat_random (tls/tls_rand.c); here, the kernel's. */
int plat_random(void *buf, size_t len)
{
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

static int queue_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct side *side = ctx;
	struct queue *q = side->in;
	size_t n = (size_t)sz < q->len ? (size_t)sz : q->len;

	(void)ssl;
	if (n == 0)
		return WOLFSSL_CBIO_ERR_WANT_READ;
	memcpy(buf, q->buf, n);
	memmove(q->buf, q->buf + n, q->len - n);
	q->len -= n;
	return (int)n;
}

static int queue_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct side *side = ctx;
	struct queue *q = side->out;
	size_t room = sizeof(q->buf) - q->len;
	size_t n = (size_t)sz < room ? (size_t)sz : room;

	(void)ssl;
	if (n == 0)
		return WOLFSSL_CBIO_ERR_WANT_WRITE;
	memcpy(q->buf + q->len, buf, n);
	q->len += n;
	return (int)n;
}

/* A P-256 key and a self-signed certificate for HOST_NAME, made with
 * wolfSSL's own key and certificate generation (as on first boot). */
static int make_identity(void **state)
{
	WC_RNG rng;
	ecc_key key;
	Cert cert;

	(void)state;
	assert_int_equal(wolfSSL_Init(), WOLFSSL_SUCCESS);
	assert_int_equal(wc_InitRng(&rng), 0);
	assert_int_equal(wc_ecc_init(&key), 0);
	assert_int_equal(wc_ecc_make_key_ex(&rng, 32, &key, ECC_SECP256R1), 0);
	key_len = wc_EccKeyToDer(&key, key_der, sizeof(key_der));
	assert_true(key_len > 0);

	assert_int_equal(wc_InitCert(&cert), 0);
	strncpy(cert.subject.commonName, HOST_NAME, CTC_NAME_SIZE - 1);
	strncpy(cert.subject.org, "appliance unit test", CTC_NAME_SIZE - 1);
	cert.isCA = 1; /* self-signed: it is its own trust anchor */
	cert.sigType = CTC_SHA256wECDSA;
	assert_true(wc_MakeCert(&cert, cert_der, sizeof(cert_der), NULL, &key, &rng) > 0);
	cert_len =
	    wc_SignCert(cert.bodySz, cert.sigType, cert_der, sizeof(cert_der), NULL, &key, &rng);
	assert_true(cert_len > 0);

	wc_ecc_free(&key);
	wc_FreeRng(&rng);
	return 0;
}

static int cleanup(void **state)
{
	(void)state;
	wolfSSL_Cleanup();
	return 0;
}

static WOLFSSL_CTX *server_ctx(void)
{
	WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_server_method());

	assert_non_null(ctx);
	assert_int_equal(
	    wolfSSL_CTX_use_certificate_buffer(ctx, cert_der, cert_len, WOLFSSL_FILETYPE_ASN1),
	    WOLFSSL_SUCCESS);
	assert_int_equal(
	    wolfSSL_CTX_use_PrivateKey_buffer(ctx, key_der, key_len, WOLFSSL_FILETYPE_ASN1),
	    WOLFSSL_SUCCESS);
	/* No server-side session cache: a resumption can only come from a
	 * ticket, as in the appliance. */
	wolfSSL_CTX_set_session_cache_mode(ctx, WOLFSSL_SESS_CACHE_OFF);
	return ctx;
}

static WOLFSSL_CTX *client_ctx(WOLFSSL_METHOD *method)
{
	WOLFSSL_CTX *ctx = wolfSSL_CTX_new(method);

	assert_non_null(ctx);
	assert_int_equal(
	    wolfSSL_CTX_load_verify_buffer(ctx, cert_der, cert_len, WOLFSSL_FILETYPE_ASN1),
	    WOLFSSL_SUCCESS);
	wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
	assert_int_equal(wolfSSL_CTX_UseSessionTicket(ctx), WOLFSSL_SUCCESS);
	return ctx;
}

static WOLFSSL *new_ssl(WOLFSSL_CTX *ctx, struct side *side)
{
	WOLFSSL *ssl = wolfSSL_new(ctx);

	assert_non_null(ssl);
	wolfSSL_SSLSetIORecv(ssl, queue_recv);
	wolfSSL_SSLSetIOSend(ssl, queue_send);
	wolfSSL_SetIOReadCtx(ssl, side);
	wolfSSL_SetIOWriteCtx(ssl, side);
	return ssl;
}

/* 1 while the call only waits for the other side, 0 when it failed. */
static int waiting(WOLFSSL *ssl, int ret)
{
	int err = wolfSSL_get_error(ssl, ret);

	return err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE;
}

/* Drive both sides until both finish; 0 on success. */
static int handshake(WOLFSSL *client, WOLFSSL *server)
{
	int c = 0;
	int s = 0;

	for (int round = 0; round < 50 && !(c && s); round++) {
		if (!c) {
			int ret = wolfSSL_connect(client);
			if (ret == WOLFSSL_SUCCESS)
				c = 1;
			else if (!waiting(client, ret))
				return -1;
		}
		if (!s) {
			int ret = wolfSSL_accept(server);
			if (ret == WOLFSSL_SUCCESS)
				s = 1;
			else if (!waiting(server, ret))
				return -1;
		}
	}
	return c && s ? 0 : -1;
}

/* Send msg from one side and read it whole at the other. */
static void transfer(WOLFSSL *from, WOLFSSL *to, const char *msg)
{
	char got[64] = {0};
	int len = (int)strlen(msg);

	assert_int_equal(wolfSSL_write(from, msg, len), len);
	assert_int_equal(wolfSSL_read(to, got, sizeof(got) - 1), len);
	assert_string_equal(got, msg);
}

/* One connection: handshake, checks, data both ways. If resume is given,
 * it is offered; the connection's session is returned (for the next). */
static WOLFSSL_SESSION *connection(WOLFSSL_CTX *cctx, WOLFSSL_CTX *sctx, WOLFSSL_SESSION *resume,
                                   const char *version, int group)
{
	static struct wire wire;
	struct side cside = {&wire.s2c, &wire.c2s};
	struct side sside = {&wire.c2s, &wire.s2c};
	WOLFSSL *client;
	WOLFSSL *server;
	WOLFSSL_SESSION *session;
	const char *suite;

	memset(&wire, 0, sizeof(wire));
	client = new_ssl(cctx, &cside);
	server = new_ssl(sctx, &sside);
	assert_int_equal(
	    wolfSSL_UseSNI(client, WOLFSSL_SNI_HOST_NAME, HOST_NAME, strlen(HOST_NAME)),
	    WOLFSSL_SUCCESS);
	assert_int_equal(wolfSSL_check_domain_name(client, HOST_NAME), WOLFSSL_SUCCESS);
	if (resume)
		assert_int_equal(wolfSSL_set_session(client, resume), WOLFSSL_SUCCESS);
	if (group)
		assert_int_equal(wolfSSL_set_groups(client, &group, 1), WOLFSSL_SUCCESS);

	assert_int_equal(handshake(client, server), 0);
	assert_string_equal(wolfSSL_get_version(client), version);
	assert_string_equal(wolfSSL_get_version(server), version);
	suite = wolfSSL_get_cipher_name(client);
	assert_non_null(suite);
	print_message("%s %s%s\n", version, suite, resume ? " (resumed)" : "");
	assert_true(strstr(suite, "GCM") || strstr(suite, "CHACHA20"));
	if (strcmp(version, "TLSv1.2") == 0)
		assert_non_null(strstr(suite, "ECDHE-ECDSA"));
	if (!resume) {
		/* A full handshake's key exchange: X25519 or P-256, nothing else. */
		const char *name = wolfSSL_get_curve_name(client);
		assert_non_null(name);
		print_message("%s group %s\n", version, name);
		if (group == WOLFSSL_ECC_X25519)
			assert_string_equal(name, "X25519");
		else
			assert_true(strcmp(name, "X25519") == 0 || strcmp(name, "SECP256R1") == 0);
	}
	assert_int_equal(wolfSSL_session_reused(client), resume != NULL);
	assert_int_equal(wolfSSL_session_reused(server), resume != NULL);

	/* The client reads after the server wrote: in TLS 1.3 that is also
	 * where it takes the server's NewSessionTicket. */
	transfer(client, server, "GET / HTTP/1.1");
	transfer(server, client, "HTTP/1.1 200 OK");

	session = wolfSSL_get1_session(client);
	assert_non_null(session);
	wolfSSL_free(client);
	wolfSSL_free(server);
	return session;
}

/* Two connections at one version, the second resuming the first; group,
 * if not 0, is the only key-exchange group the client offers. */
static void check_version(WOLFSSL_METHOD *method, const char *version, int group)
{
	WOLFSSL_CTX *sctx = server_ctx();
	WOLFSSL_CTX *cctx = client_ctx(method);
	WOLFSSL_SESSION *first = connection(cctx, sctx, NULL, version, group);
	WOLFSSL_SESSION *second = connection(cctx, sctx, first, version, group);

	wolfSSL_SESSION_free(first);
	wolfSSL_SESSION_free(second);
	wolfSSL_CTX_free(cctx);
	wolfSSL_CTX_free(sctx);
}

static void test_tls13(void **state)
{
	(void)state;
	check_version(wolfTLSv1_3_client_method(), "TLSv1.3", 0);
}

static void test_tls13_x25519(void **state)
{
	(void)state;
	check_version(wolfTLSv1_3_client_method(), "TLSv1.3", WOLFSSL_ECC_X25519);
}

static void test_tls12(void **state)
{
	(void)state;
	check_version(wolfTLSv1_2_client_method(), "TLSv1.2", 0);
}

/* A ClientHello (RFC 4346 section 7.4.1.2) that offers TLS 1.1 at most:
 * client_version 3.2, no supported_versions extension, one ECDHE-ECDSA
 * CBC suite. This build cannot speak 1.1, so the hello is made by hand. */
/* clang-format off */
static const unsigned char tls11_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x2d,	/* handshake record, 45 bytes */
	0x01, 0x00, 0x00, 0x29,		/* ClientHello, 41 bytes */
	0x03, 0x02,			/* client_version TLS 1.1 */
	[43] = 0x00,			/* a zero random (32 bytes), no session id */
	0x00, 0x02, 0xc0, 0x09,		/* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
	0x01, 0x00,			/* null compression */
};
/* clang-format on */

static void test_tls11_refused(void **state)
{
	static struct wire wire;
	struct side sside = {&wire.c2s, &wire.s2c};
	WOLFSSL_CTX *sctx = server_ctx();
	WOLFSSL *server;
	int ret;

	(void)state;
	memset(&wire, 0, sizeof(wire));
	memcpy(wire.c2s.buf, tls11_hello, sizeof(tls11_hello));
	wire.c2s.len = sizeof(tls11_hello);
	server = new_ssl(sctx, &sside);
	ret = wolfSSL_accept(server);
	assert_int_not_equal(ret, WOLFSSL_SUCCESS);
	assert_false(waiting(server, ret));
	print_message("TLS 1.1 hello: %s\n", wolfSSL_ERR_reason_error_string(
	                                         (unsigned long)wolfSSL_get_error(server, ret)));
	/* The server answers with an alert record and no ServerHello. */
	assert_true(wire.s2c.len > 0);
	assert_int_equal(wire.s2c.buf[0], 0x15);
	wolfSSL_free(server);
	wolfSSL_CTX_free(sctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls13),
	    cmocka_unit_test(test_tls13_x25519),
	    cmocka_unit_test(test_tls12),
	    cmocka_unit_test(test_tls11_refused),
	};

	return cmocka_run_group_tests(tests, make_identity, cleanup);
}
