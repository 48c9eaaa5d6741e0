/*
 * tls/: TLS for the services, as lwIP's altcp_tls layer (altcp_wolfssl.c)
 * with the appliance's identity (service.c, cert.c).
 *
 * The identity: the owner's certificate chain and key from the store's
 * non-public part (ref TLS_SECRETS_REF, files tls/cert.pem and tls/key.pem,
 * PEM or DER), or, with neither, a self-signed P-256 certificate for the
 * configured host name, made on first boot and committed there, so the
 * next boot serves the same one. Nothing under refs/appliance/ is ever
 * served: the site is tree site/ of main, and the Git service advertises
 * and packs refs/heads/ and refs/tags/ only.
 */
#ifndef TLS_TLS_H
#define TLS_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define TLS_SECRETS_REF "refs/appliance/secrets"
#define TLS_CERT_PATH "tls/cert.pem"
#define TLS_KEY_PATH "tls/key.pem"

/* Validity of the self-signed certificate made on first boot. */
#define TLS_SELF_SIGNED_DAYS 825

struct tls_stats {
	uint64_t handshakes; /* completed */
	uint64_t resumed;    /* of those, resumed from a ticket */
	uint64_t failures;   /* handshakes that failed or were cut */
	unsigned active;     /* sessions in memory */
};
extern struct tls_stats tls_stats;

/* What the service loaded: for the console, the status page and /metrics. */
struct tls_identity_info {
	char subject[96];     /* the leaf's common name */
	int64_t not_before;   /* seconds since 1970; 0 if unknown */
	int64_t not_after;    /* seconds since 1970; 0 if unknown */
	bool made_here;       /* self-signed by the appliance (tls_cert_self_signed's) */
	bool server_auth;     /* its extended key usage names serverAuth */
	const char *origin;   /* "self-signed", or "issued" by someone else (a CA) */
	const char *key_type; /* "ECDSA" or "RSA" */
};

/* The service (app/app.c): no seed, no TLS; then the identity and the config. */
int tls_start(void);
/* The server configuration for altcp_tls_new(), or NULL: no HTTPS. */
struct altcp_tls_config *tls_config(void);
/* The loaded identity (NULL before tls_start succeeded). */
const struct tls_identity_info *tls_identity(void);

/* ---- cert.c ---- */

/*
 * A P-256 key and a self-signed certificate for `name` (its common name and
 * first DNS name; `alt`, if not NULL, a second DNS name; `ip4`, if not NULL,
 * an IP address name), valid `days` from now, both as PEM in malloc'd
 * buffers. 0 or -errno.
 */
int tls_cert_self_signed(const char *name, const char *alt, const uint8_t *ip4, unsigned days,
                         char **cert_pem, size_t *cert_len, char **key_pem, size_t *key_len);
/* The leaf certificate's subject common name and expiry (PEM chain or DER). */
int tls_cert_describe(const uint8_t *cert, size_t len, struct tls_identity_info *info);
/*
 * Why a certificate the appliance made must be made again at `now`, or
 * NULL: it ends within TLS_RENEW_DAYS, has not begun, lacks the serverAuth
 * EKU, or spans more than 825 days (what Apple's platforms take; the
 * appliance's before stop 50 did both). Never one the owner put there,
 * and never while the clock says a time before TLS_CLOCK_FLOOR (a board
 * without its time yet: nothing can be judged).
 */
const char *tls_cert_renew_why(const struct tls_identity_info *info, int64_t now);
#define TLS_RENEW_DAYS 30
#define TLS_CLOCK_FLOOR 1767225600 /* 2026-01-01: before this code existed */

#endif
