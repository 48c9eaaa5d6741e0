/*
 * tls/cert.c: the self-signed certificate made on first boot, and what the
 * console and the status page say about any certificate (tls.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#include "tls.h"

#define CERT_DER_MAX 2048
#define KEY_DER_MAX 256

/* ---- subjectAltName: a DER GeneralNames the certificate generator embeds ---- */

struct der {
	uint8_t buf[512];
	size_t len;
};

static int der_put(struct der *d, uint8_t tag, const void *data, size_t len)
{
	/* Short-form lengths only: names are under 128 bytes (conf caps them at 63). */
	if (len > 127 || d->len + 2 + len > sizeof(d->buf))
		return -ENAMETOOLONG;
	d->buf[d->len++] = tag;
	d->buf[d->len++] = (uint8_t)len;
	memcpy(d->buf + d->len, data, len);
	d->len += len;
	return 0;
}

/* SEQUENCE { [2] dNSName..., [7] iPAddress } around the names in `in`. */
static int alt_names(Cert *cert, const struct der *in)
{
	size_t n = in->len, hdr = n < 128 ? 2 : 3;

	if (n + hdr > sizeof(cert->altNames) || n > 255)
		return -ENAMETOOLONG;
	cert->altNames[0] = 0x30;
	if (hdr == 2) {
		cert->altNames[1] = (uint8_t)n;
	} else {
		cert->altNames[1] = 0x81;
		cert->altNames[2] = (uint8_t)n;
	}
	memcpy(cert->altNames + hdr, in->buf, n);
	cert->altNamesSz = (int)(n + hdr);
	return 0;
}

/* ---- PEM ---- */

static int to_pem(const uint8_t *der, size_t len, int type, char **pem, size_t *pem_len)
{
	/* Base64 grows by 4/3 plus a newline per 64 characters, and the two armour lines. */
	size_t cap = len * 2 + 128;
	int n;

	if (!(*pem = malloc(cap)))
		return -ENOMEM;
	if ((n = wc_DerToPem(der, (word32)len, (byte *)*pem, (word32)cap, type)) <= 0) {
		free(*pem);
		*pem = NULL;
		return -EINVAL;
	}
	*pem_len = (size_t)n;
	return 0;
}

/* ---- the self-signed certificate ---- */

/* The organisation of the certificates tls_cert_self_signed makes: how they are told apart. */
#define MADE_HERE "self-signed by the appliance"

static int make_cert(WC_RNG *rng, ecc_key *key, const char *name, const char *alt,
                     const uint8_t *ip4, unsigned days, uint8_t *der, int *der_len)
{
	Cert *cert = calloc(1, sizeof(*cert)); /* 20 KiB or so: not for the stack */
	struct der names = {.len = 0};
	int rc = -EINVAL;

	if (!cert)
		return -ENOMEM;
	if (wc_InitCert(cert) != 0)
		goto out;
	snprintf(cert->subject.commonName, CTC_NAME_SIZE, "%s", name);
	snprintf(cert->subject.org, CTC_NAME_SIZE, "%s", MADE_HERE);
	/*
	 * wolfSSL dates notBefore a day back (clocks differ) and notAfter
	 * `daysValid` on: `days` in all, as Apple's platforms count them
	 * (at most 825 for a server's certificate, with the serverAuth EKU,
	 * or Safari and every app there refuse it, trusted or not).
	 */
	cert->daysValid = days > 1 ? (int)days - 1 : 1;
	cert->extKeyUsage = EXTKEYUSE_SERVER_AUTH;
	cert->sigType = CTC_SHA256wECDSA;
	/* A leaf, not a CA: a browser shows it as the site's own certificate. */
	cert->isCA = 0;
	if ((rc = der_put(&names, 0x82, name, strlen(name))) ||
	    (alt && (rc = der_put(&names, 0x82, alt, strlen(alt)))) ||
	    (ip4 && (rc = der_put(&names, 0x87, ip4, 4))) || (rc = alt_names(cert, &names)))
		goto out;
	rc = -EINVAL;
	if (wc_MakeCert(cert, der, CERT_DER_MAX, NULL, key, rng) <= 0)
		goto out;
	if ((*der_len =
	         wc_SignCert(cert->bodySz, cert->sigType, der, CERT_DER_MAX, NULL, key, rng)) <= 0)
		goto out;
	rc = 0;
out:
	free(cert);
	return rc;
}

int tls_cert_self_signed(const char *name, const char *alt, const uint8_t *ip4, unsigned days,
                         char **cert_pem, size_t *cert_len, char **key_pem, size_t *key_len)
{
	WC_RNG rng;
	/* Off the stack: an ecc_key alone is most of the guest's 4 KiB guard page. */
	ecc_key *key = malloc(sizeof(*key));
	uint8_t *der = malloc(CERT_DER_MAX), kder[KEY_DER_MAX];
	int der_len = 0, klen, rc = -EIO;

	*cert_pem = *key_pem = NULL;
	if (!der || !key) {
		free(der);
		free(key);
		return -ENOMEM;
	}
	/* The generator is plat_random (user_settings.h): this fails while unseeded. */
	if (wc_InitRng(&rng) != 0) {
		free(der);
		free(key);
		return -EAGAIN;
	}
	if (wc_ecc_init(key) != 0)
		goto out_rng;
	if (wc_ecc_make_key_ex(&rng, 32, key, ECC_SECP256R1) != 0 ||
	    (klen = wc_EccKeyToDer(key, kder, sizeof(kder))) <= 0)
		goto out_key;
	if ((rc = make_cert(&rng, key, name, alt, ip4, days, der, &der_len)) ||
	    (rc = to_pem(der, (size_t)der_len, CERT_TYPE, cert_pem, cert_len)) ||
	    (rc = to_pem(kder, (size_t)klen, ECC_PRIVATEKEY_TYPE, key_pem, key_len))) {
		free(*cert_pem);
		*cert_pem = NULL;
	}
out_key:
	wc_ecc_free(key);
	/* The key's bytes do not outlive their use. */
	memset(kder, 0, sizeof(kder));
out_rng:
	wc_FreeRng(&rng);
	free(key); /* wc_ecc_free cleared its private part */
	free(der);
	return rc;
}

/* ---- describing a certificate ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t tm_to_epoch(const struct tm *t)
{
	return days_from_civil(t->tm_year + 1900LL, (unsigned)t->tm_mon + 1, (unsigned)t->tm_mday) *
	           86400 +
	       t->tm_hour * 3600 + t->tm_min * 60 + t->tm_sec;
}

/* The first certificate of a PEM chain as DER (or `in` itself if it is DER). */
static int leaf_der(const uint8_t *in, size_t len, uint8_t *der, int *der_len)
{
	if (len >= 10 && !memcmp(in, "-----BEGIN", 10)) {
		*der_len = wc_CertPemToDer(in, (int)len, der, CERT_DER_MAX * 4, CERT_TYPE);
		return *der_len > 0 ? 0 : -EINVAL;
	}
	if (len > CERT_DER_MAX * 4)
		return -EINVAL;
	memcpy(der, in, len);
	*der_len = (int)len;
	return 0;
}

static int describe_der(const uint8_t *der, int der_len, struct tls_identity_info *info)
{
	DecodedCert *dc = calloc(1, sizeof(*dc));
	Cert *cert = calloc(1, sizeof(*cert));
	struct tm before, after;
	int rc = -EINVAL;

	if (!dc || !cert) {
		rc = -ENOMEM;
		goto out;
	}
	wc_InitDecodedCert(dc, der, (word32)der_len, NULL);
	if (wc_ParseCert(dc, CERT_TYPE, NO_VERIFY, NULL) == 0) {
		snprintf(info->subject, sizeof(info->subject), "%.*s",
		         dc->subjectCNLen > 0 ? dc->subjectCNLen : 0,
		         dc->subjectCN ? dc->subjectCN : "");
		/* It goes into logs and JSON: a host name's characters only. */
		for (char *p = info->subject; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr(".-_*: ", *p))
				*p = '?';
		info->key_type = dc->keyOID == ECDSAk ? "ECDSA"
		                 : dc->keyOID == RSAk ? "RSA"
		                                      : "other";
		info->origin = dc->selfSigned ? "self-signed" : "issued";
		info->made_here = dc->selfSigned && dc->subjectO &&
		                  dc->subjectOLen == (int)strlen(MADE_HERE) &&
		                  !memcmp(dc->subjectO, MADE_HERE, strlen(MADE_HERE));
		info->server_auth = (dc->extExtKeyUsage & EXTKEYUSE_SERVER_AUTH) != 0;
		rc = 0;
	}
	wc_FreeDecodedCert(dc);
	if (rc)
		goto out;
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	if (wc_InitCert(cert) == 0 && wc_SetDatesBuffer(cert, der, der_len) == 0 &&
	    wc_GetCertDates(cert, &before, &after) == 0) {
		info->not_before = tm_to_epoch(&before);
		info->not_after = tm_to_epoch(&after);
	}
out:
	free(dc);
	free(cert);
	return rc;
}

int tls_cert_describe(const uint8_t *cert, size_t len, struct tls_identity_info *info)
{
	uint8_t *der = malloc(CERT_DER_MAX * 4);
	int der_len, rc;

	if (!der)
		return -ENOMEM;
	info->not_before = info->not_after = 0;
	info->made_here = info->server_auth = false;
	rc = leaf_der(cert, len, der, &der_len);
	if (!rc)
		rc = describe_der(der, der_len, info);
	free(der);
	return rc;
}

const char *tls_cert_renew_why(const struct tls_identity_info *info, int64_t now)
{
	if (!info->made_here || now < TLS_CLOCK_FLOOR)
		return NULL;
	if (!info->server_auth)
		return "it lacks the serverAuth extended key usage";
	if (info->not_after - info->not_before > 825 * 86400LL)
		return "it spans more than 825 days";
	if (info->not_before > now + 86400)
		return "it has not begun (made while the clock was wrong)";
	if (info->not_after - now < TLS_RENEW_DAYS * 86400LL)
		return info->not_after <= now ? "it has expired" : "it ends within 30 days";
	return NULL;
}
