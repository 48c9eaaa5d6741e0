/*
 * tls/service.c: the TLS service (tls.h). Started after the store and the
 * network, before HTTP: it refuses to run without the platform's seed,
 * finds or makes the appliance's identity, and builds the server
 * configuration HTTPS listens with.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/ssl.h>

#include "lwip/altcp_tls.h"
#include "plat/conf.h"
#include "plat/plat.h"
#include "store/service.h"
#include "tls.h"

static struct altcp_tls_config *tls_conf;
static struct tls_identity_info tls_info;

struct identity {
	uint8_t *cert, *key;
	size_t cert_len, key_len;
};

static void identity_free(struct identity *id)
{
	if (id->key)
		memset(id->key, 0, id->key_len);
	free(id->cert);
	free(id->key);
}

/*
 * The owner's (or an earlier boot's) identity from the store's non-public
 * part: 0; -ENOENT if the store has no certificate; another error if the
 * one there cannot be used (a certificate without its key is -EINVAL).
 */
static int identity_from_store(struct store *st, struct identity *id)
{
	int rc = store_read_path(st, TLS_SECRETS_REF, TLS_CERT_PATH, &id->cert, &id->cert_len, NULL,
	                         NULL);

	if (rc)
		return rc;
	if ((rc = store_read_path(st, TLS_SECRETS_REF, TLS_KEY_PATH, &id->key, &id->key_len, NULL,
	                          NULL))) {
		plat_log("tls", "%s has %s but not %s (%d)", TLS_SECRETS_REF, TLS_CERT_PATH,
		         TLS_KEY_PATH, rc);
		free(id->cert);
		id->cert = NULL;
	}
	return rc == -ENOENT ? -EINVAL : rc;
}

/* "host.domain" (or "host"), its short form, and the static IPv4 address, if any. */
static void names(char *fqdn, size_t size, char *host, size_t hsize, uint8_t ip4[4], bool *has_ip)
{
	char domain[CONF_VALUE_MAX] = "", ip[CONF_VALUE_MAX] = "";
	unsigned prefix;

	if (plat_config_get("hostname", host, hsize) != 0 || !host[0])
		snprintf(host, hsize, "%s", "appliance");
	if (plat_config_get("domain", domain, sizeof(domain)) == 0 && domain[0])
		snprintf(fqdn, size, "%s.%s", host, domain);
	else
		snprintf(fqdn, size, "%s", host);
	*has_ip = plat_config_get("ip", ip, sizeof(ip)) == 0 &&
	          conf_parse_ip4_prefix(ip, ip4, &prefix) == 0;
}

/* Commit the new identity where the next boot finds it, `why` its message. */
static int identity_persist(struct store *st, const struct identity *id, const char *fqdn,
                            const char *why)
{
	struct store_change ch[2] = {
	    {.path = TLS_CERT_PATH, .data = id->cert, .len = id->cert_len, .mode = STORE_MODE_FILE},
	    {.path = TLS_KEY_PATH, .data = id->key, .len = id->key_len, .mode = STORE_MODE_FILE},
	};
	struct plat_wallclock now;
	char author[2 * CONF_VALUE_MAX + 64];

	plat_wallclock(&now);
	snprintf(author, sizeof(author), "appliance <appliance@%s> %lld +0000", fqdn,
	         (long long)now.sec);
	return store_commit_changes(st, TLS_SECRETS_REF, ch, 2, author, why, NULL);
}

/* A new self-signed identity, kept in `st` for the next boots unless it is NULL. */
static int identity_make(struct store *st, struct identity *id, const char *why)
{
	char fqdn[2 * CONF_VALUE_MAX], host[CONF_VALUE_MAX];
	uint8_t ip4[4];
	bool has_ip;
	uint64_t t0 = plat_now_ns(), t1;
	int rc;

	names(fqdn, sizeof(fqdn), host, sizeof(host), ip4, &has_ip);
	rc = tls_cert_self_signed(fqdn, strcmp(fqdn, host) ? host : NULL, has_ip ? ip4 : NULL,
	                          TLS_SELF_SIGNED_DAYS, (char **)&id->cert, &id->cert_len,
	                          (char **)&id->key, &id->key_len);
	if (rc)
		return rc;
	t1 = plat_now_ns();
	plat_log("tls", "made a self-signed P-256 certificate for %s in %u ms", fqdn,
	         (unsigned)((t1 - t0) / 1000000));
	if (!st)
		plat_log("tls", "not kept: the certificate lasts until the next boot");
	else if ((rc = identity_persist(st, id, fqdn, why)))
		plat_log("tls", "could not keep it in the store: %s; %s", store_strerror(rc),
		         rc == -EINPROGRESS ? "the next boot finds it, or makes a new one"
		                            : "a new one on the next boot");
	else
		plat_log("tls", "kept in the store (%s, not served) in %u ms", TLS_SECRETS_REF,
		         (unsigned)((plat_now_ns() - t1) / 1000000));
	return 0;
}

/*
 * The self-signed certificate an earlier boot made, made again if it is
 * due (tls_cert_renew_why: near its end, or one clients refuse): the
 * owner cannot replace it over the network (refs/appliance/ takes no
 * push), so the appliance does. On failure the old one serves on.
 */
static void renew_if_due(struct store *st, struct identity *id)
{
	struct plat_wallclock now;
	struct identity made = {0};
	char msg[160];
	const char *why;

	plat_wallclock(&now);
	if (!(why = tls_cert_renew_why(&tls_info, now.sec)))
		return;
	plat_log("tls", "the certificate the appliance made is to be made again: %s", why);
	snprintf(msg, sizeof(msg), "TLS: the self-signed certificate made again: %s\n", why);
	if (identity_make(st, &made, msg) ||
	    tls_cert_describe(made.cert, made.cert_len, &tls_info)) {
		plat_log("tls", "it could not be: the old one serves on");
		tls_cert_describe(id->cert, id->cert_len, &tls_info);
		identity_free(&made);
		return;
	}
	identity_free(id);
	*id = made;
}

static void report_expiry(void)
{
	struct plat_wallclock now;
	int64_t left;
	char when[32] = "unknown";
	time_t t = (time_t)tls_info.not_after;
	struct tm tm;

	if (tls_info.not_after && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	plat_wallclock(&now);
	left = (tls_info.not_after - now.sec) / 86400;
	plat_log("tls", "certificate for %s (%s, %s) valid until %s: %lld days left",
	         tls_info.subject, tls_info.key_type, tls_info.origin, when, (long long)left);
	if (tls_info.not_after && tls_info.not_after <= now.sec)
		plat_log("tls",
		         "the certificate HAS EXPIRED: clients will refuse it; replace %s in %s",
		         TLS_CERT_PATH, TLS_SECRETS_REF);
	else if (tls_info.not_after && left < 30)
		plat_log("tls", "the certificate expires in under 30 days: replace it soon");
}

int tls_start(void)
{
	struct store *st = store_service();
	struct identity id = {0};
	int rc = -ENOENT;

	if (!plat_random_seeded()) {
		plat_log("tls", "not started: no entropy seed from dom0, and keys made without one "
		                "could be guessed; HTTPS is off (plain HTTP goes on)");
		return -EAGAIN;
	}
	if (wolfSSL_Init() != WOLFSSL_SUCCESS)
		return -EIO;
	if (!st)
		plat_log("tls", "no store to find the identity in");
	if (!st || (rc = identity_from_store(st, &id)) != 0) {
		/*
		 * Only a store without one keeps the identity made: what is there
		 * but cannot be read now (half of the owner's, a read error) is
		 * left for the owner to mend, or the next boot to read.
		 */
		if (st && rc != -ENOENT)
			plat_log("tls",
			         "the identity in %s cannot be used (%d): it is left as it is",
			         TLS_SECRETS_REF, rc);
		if ((rc = identity_make(st && rc == -ENOENT ? st : NULL, &id,
		                        "TLS: a self-signed certificate made on first boot\n"))) {
			plat_log("tls", "not started: no certificate and none could be made (%d)",
			         rc);
			return rc;
		}
	}
	tls_info.origin = "unknown";
	tls_info.key_type = "unknown";
	if (tls_cert_describe(id.cert, id.cert_len, &tls_info))
		plat_log("tls", "the certificate in %s does not parse", TLS_SECRETS_REF);
	else if (st)
		renew_if_due(st, &id);
	tls_conf = altcp_tls_create_config_server_privkey_cert(id.key, id.key_len, NULL, 0, id.cert,
	                                                       id.cert_len);
	identity_free(&id);
	if (!tls_conf) {
		plat_log("tls",
		         "not started: wolfSSL refused the certificate or its key (%s in %s)",
		         TLS_CERT_PATH, TLS_SECRETS_REF);
		return -EINVAL;
	}
	report_expiry();
	return 0;
}

struct altcp_tls_config *tls_config(void)
{
	return tls_conf;
}

const struct tls_identity_info *tls_identity(void)
{
	return tls_conf ? &tls_info : NULL;
}
