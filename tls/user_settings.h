/*
 * tls/user_settings.h: the one wolfSSL configuration (built with
 * -DWOLFSSL_USER_SETTINGS), for the host and the guest alike. The guest's
 * build adds -DTLS_GUEST=1; everything that differs between the two is in
 * the block under it. DESIGN.md (tls/) states the policy this implements:
 * TLS 1.3 and 1.2 only, AEAD suites only, X25519 and P-256, ECDSA P-256
 * certificates by default with RSA accepted, session tickets, SNI.
 */
#ifndef TLS_USER_SETTINGS_H
#define TLS_USER_SETTINGS_H

/* ---- protocol versions ---- */

/* TLS 1.3 (RFC 8446) and TLS 1.2 (RFC 5246). NO_OLD_TLS removes SSLv3,
 * TLS 1.0 and 1.1 (RFC 8996 deprecates them), so a client offering only
 * those is refused. */
#define WOLFSSL_TLS13
#define NO_OLD_TLS
/* TLS 1.3 needs the HKDF of RFC 5869. */
#define HAVE_HKDF
/* Extensions: SNI (RFC 6066 section 3), supported groups (RFC 8422/8446),
 * extended master secret (RFC 7627) for TLS 1.2. */
#define HAVE_TLS_EXTENSIONS
#define HAVE_SUPPORTED_CURVES
#define HAVE_SNI
#define HAVE_EXTENDED_MASTER
/* The empty renegotiation_info of RFC 5746 in a TLS 1.2 ServerHello: we
 * never renegotiate, but OpenSSL 3 clients refuse a TLS 1.2 server that
 * does not say it is safe (unsafe legacy renegotiation). */
#define HAVE_SERVER_RENEGOTIATION_INFO
/* Resumption with tickets (RFC 5077, RFC 8446 section 4.6.1): the server
 * keeps no per-session state; wolfSSL's default ticket callback encrypts
 * them with a key it rotates. */
#define HAVE_SESSION_TICKET
/* The client side keeps a handful of sessions; the server needs none. */
#define SMALL_SESSION_CACHE

/* ---- ciphers: AEAD only ---- */

/* AES-GCM and ChaCha20-Poly1305 (RFC 8439). WOLFSSL_AEAD_ONLY drops every
 * CBC/stream suite; NO_AES_CBC takes the CBC code itself out. */
#define WOLFSSL_AEAD_ONLY
#define HAVE_AESGCM
#define NO_AES_CBC
#define HAVE_CHACHA
#define HAVE_POLY1305
#define HAVE_ONE_TIME_AUTH
/* SHA-384 for the *-AES256-GCM-SHA384 suites (and SHA-512, which shares
 * its code). */
#define WOLFSSL_SHA384
#define WOLFSSL_SHA512

/* ---- key exchange and signatures ---- */

/* ECDHE over X25519 (RFC 7748) and P-256. Only P-256 among the NIST
 * curves (ECC_USER_CURVES keeps the others out). */
#define HAVE_CURVE25519
#define HAVE_ECC
#define ECC_USER_CURVES
#define ECC_TIMING_RESISTANT
#define ECC_SHAMIR
/* RSA for certificates an owner supplies: RSA-PSS is what TLS 1.3 signs
 * with (RFC 8446 section 4.2.3). Static RSA key exchange stays off
 * (WOLFSSL_STATIC_RSA is not defined), so every suite is forward secret. */
#define WC_RSA_PSS
#define WC_RSA_BLINDING
/* No finite-field DH at all: no DHE suites, no Logjam. */
#define NO_DH
#define NO_DSA
/* Key and certificate generation: the self-signed P-256 certificate made on
 * first boot (DESIGN.md, tls/), with a subjectAltName for the host name. */
#define WOLFSSL_KEY_GEN
#define WOLFSSL_CERT_GEN
#define WOLFSSL_CERT_EXT
#define WOLFSSL_ALT_NAMES

/* ---- math ---- */

/* The single-precision code: a specialised P-256 (WOLFSSL_HAVE_SP_ECC) and
 * the generic sp_int for everything else (RSA up to 4096 bits). */
#define WOLFSSL_SP_MATH_ALL
#define WOLFSSL_HAVE_SP_ECC
#define SP_INT_BITS 4096
#define TFM_TIMING_RESISTANT
/* On a 64-bit host with a 128-bit integer type (what wolfSSL's configure
 * detects), sp_int and the P-256 code use 64-bit words (sp_c64.c). */
#if !defined(TLS_GUEST) && defined(__SIZEOF_INT128__)
#define HAVE___UINT128_T
#endif

/* ---- password hashing ---- */

/* PBKDF2-HMAC-SHA256 (RFC 8018 section 5.2, wc_PBKDF2 in pwdbased.c):
 * the salted, slow hash of the password that guards git push (git/auth.h).
 * Only PBKDF2 is wanted: PKCS#12's KDF stays out (NO_PKCS12). wolfSSL
 * builds PBKDF1 beside it, which nothing calls; encrypted private keys
 * stay unsupported (WOLFSSL_ENCRYPTED_KEYS is not defined). */
#define NO_PKCS12

/* ---- what an appliance does not need ---- */

/* Legacy and unused algorithms: smaller code, less to audit. MD5 served
 * only the TLS 1.0/1.1 PRF. SHA-1 stays: certificate chains still use it
 * in places (and wolfSSL's ASN code assumes it). */
#define NO_MD4
#define NO_MD5
#define NO_RC4
#define NO_DES3
#define NO_PSK
#define NO_OLD_RNGNAME
#define WOLFSSL_NO_SHAKE256
#define WOLFSSL_NO_SHAKE128
/* Keys and certificates come from memory (the store), never from files;
 * one event loop, no threads; I/O only through our callbacks. */
#define NO_FILESYSTEM
#define NO_WRITEV
#define SINGLE_THREADED
#define WOLFSSL_USER_IO
#define NO_MAIN_DRIVER
#define WOLFSSL_IGNORE_FILE_WARN
/* tls13.c's ticket-age clock calls gettimeofday, but includes its header
 * only on Mach and FreeBSD. */
#include <sys/time.h>

/* ---- randomness ---- */

/* Only from the platform's seeded generator (plat_random), on the guest
 * and the host twin alike: tls_rand_block fails while it is unseeded, and
 * wolfSSL then refuses to make keys or handshakes. plat_random is already
 * a DRBG seeded from dom0's hardware seed and timer jitter (guest/rng/),
 * so wolfSSL's own Hash_DRBG on top would add code, not strength. */
#include "tls_rand.h"
#define CUSTOM_RAND_GENERATE_BLOCK tls_rand_block

/* ---- the guest (arm-none-eabi, newlib, 64 KiB stack) ---- */

#if defined(TLS_GUEST) && TLS_GUEST
/* Large temporaries on the heap, not the 64 KiB stack. */
#define WOLFSSL_SMALL_STACK
/* Time (certificate validity, ticket ages) is newlib's time() and
 * gettimeofday(), which the guest's libc glue backs with its wall clock. */
/* The fastest P-256 for Cortex-A7: the SP code with assembly, chosen by
 * TLS_GUEST_SP in tls/module.mk. WOLFSSL_SP_ARM32_ASM is the P-256 code
 * (sp_arm32.c); WOLFSSL_SP_ARM32 the inline umull/adds of sp_int (RSA).
 * Both assemble as Thumb-2 for -mthumb -march=armv7ve. */
#ifdef TLS_SP_ARM32_ASM
#define WOLFSSL_SP_ARM32_ASM
#define WOLFSSL_SP_ARM32
#endif
#ifdef TLS_SP_CORTEXM_ASM
#define WOLFSSL_SP_ARM_CORTEX_M_ASM
#define WOLFSSL_SP_ARM_CORTEX_M
#endif
#endif

#endif /* TLS_USER_SETTINGS_H */
