/*
 * dns/tsig.c against real signers: requests signed by dnspython 2.3
 * (query, NOTIFY, UPDATE, AXFR at Time Signed 1700000000) and captured from
 * BIND 9.18's dig (a query with EDNS and a cookie, an AXFR over TCP) and
 * nsupdate (an UPDATE) on a local socket, all verified here at their time.
 * The answers this code signs are compared with bytes dnspython verified
 * offline (dns.message.from_wire with the key and the request's MAC: a
 * plain answer, equal byte for byte to the one dnspython signs itself; the
 * unsigned BADSIG and BADKEY answers, read as PeerBadSignature and
 * PeerBadKey; the signed BADTIME answer, its MAC recomputed by dns.tsig.sign;
 * three messages of a zone transfer, verified with multi=True), and the
 * NOTIFY it signs equals dnspython's. Then every way a request can fail:
 * the key's name, the secret, each byte of the message, the time at and
 * past the fudge's edges, MAC sizes, a TSIG not last, no room; the error
 * answers keeping the query's OPT, and RFC 8945 5.3's last resort keeping
 * AA only where the answer had it; and the key file, with every error it
 * reports.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/tsig.h"

#define T 1700000000ull      /* Time Signed of the dnspython vectors */
#define T_BIND 1796122835ull /* of the dig and nsupdate captures */
#define FUDGE 300
#define RR_FIXED 10 /* type, class, TTL, rdlength */

/* As tsig-keygen writes it; 32 bytes 0x40 to 0x5f. */
static const char keyfile[] = "key \"tsig-key.example\" {\n"
                              "\talgorithm hmac-sha256;\n"
                              "\tsecret \"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=\";\n"
                              "};\n";

/* ---- the vectors (tests/unit/dns/test_tsig.c's header says whence) ---- */

static const uint8_t query_a[] = {
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x77, 0x77, 0x77,
    0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x01, 0x00,
    0x01, 0x08, 0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
    0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x0b, 0x68, 0x6d,
    0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x00,
    0x01, 0x2c, 0x00, 0x20, 0x3c, 0xc8, 0x6c, 0xec, 0x65, 0x95, 0x97, 0x02, 0xe0, 0x7c, 0xc0, 0x54,
    0x82, 0x32, 0x74, 0x70, 0x7e, 0x10, 0xfa, 0x04, 0xe0, 0x7f, 0xf1, 0x0b, 0x86, 0xee, 0xbf, 0x0d,
    0x43, 0x1a, 0xfd, 0xfe, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t notify[] = {
    0x43, 0x21, 0x24, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x07, 0x65, 0x78,
    0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x06, 0x00, 0x01, 0x08,
    0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c,
    0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x0b, 0x68, 0x6d,
    0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1,
    0x00, 0x01, 0x2c, 0x00, 0x20, 0xc2, 0xd3, 0x3d, 0x6f, 0xec, 0x93, 0xed, 0x58, 0x11, 0x56,
    0xab, 0x43, 0x22, 0x62, 0xea, 0xb0, 0x39, 0xac, 0xed, 0x1a, 0x7d, 0x00, 0x9b, 0xd0, 0x6d,
    0xda, 0xed, 0x00, 0x9b, 0xac, 0x82, 0x7d, 0x43, 0x21, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t update[] = {
    0x55, 0x55, 0x28, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x07, 0x65, 0x78, 0x61,
    0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x06, 0x00, 0x01, 0x04, 0x68, 0x6f,
    0x73, 0x74, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0xc0, 0x00,
    0x02, 0x07, 0x03, 0x6f, 0x6c, 0x64, 0xc0, 0x0c, 0x00, 0x1c, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x08, 0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78, 0x61, 0x6d,
    0x70, 0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x0b, 0x68,
    0x6d, 0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1,
    0x00, 0x01, 0x2c, 0x00, 0x20, 0xe2, 0x32, 0x5e, 0x6c, 0x0c, 0xc9, 0x7c, 0x7c, 0xe1, 0xcb, 0xc8,
    0xbb, 0x1d, 0xe0, 0xec, 0xb3, 0xa6, 0x73, 0x7d, 0x6d, 0x8d, 0xbc, 0x8b, 0x1b, 0xfa, 0x18, 0x67,
    0x73, 0x56, 0x97, 0xb7, 0x9a, 0x55, 0x55, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t axfr_query[] = {
    0x77, 0x77, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x07, 0x65, 0x78,
    0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0xfc, 0x00, 0x01, 0x08,
    0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c,
    0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x0b, 0x68, 0x6d,
    0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1,
    0x00, 0x01, 0x2c, 0x00, 0x20, 0x27, 0x49, 0x6b, 0x3e, 0xa3, 0xdd, 0xbd, 0xed, 0x5a, 0x28,
    0x4b, 0xb3, 0xd1, 0x9e, 0xf8, 0x14, 0x9d, 0x3c, 0x5f, 0x2b, 0x3d, 0x3a, 0x38, 0xe5, 0x61,
    0xef, 0x90, 0x47, 0x16, 0x82, 0x5c, 0x80, 0x77, 0x77, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t dig_query[] = {
    0xbf, 0x31, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x77, 0x77,
    0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00,
    0x0a, 0x00, 0x08, 0x68, 0x19, 0x83, 0x0a, 0x5f, 0x0b, 0x5e, 0x83, 0x08, 0x74, 0x73, 0x69,
    0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00,
    0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x0b, 0x68, 0x6d, 0x61, 0x63, 0x2d,
    0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x6b, 0x0e, 0xa8, 0xd3, 0x01, 0x2c,
    0x00, 0x20, 0x74, 0x7e, 0x89, 0x18, 0xdd, 0xd2, 0xb0, 0xab, 0xce, 0xe4, 0x80, 0xe7, 0xef,
    0xf7, 0x95, 0x1e, 0xa6, 0xf1, 0x59, 0xe1, 0x32, 0x92, 0x6c, 0xb6, 0x51, 0x64, 0x17, 0x7e,
    0x80, 0x5e, 0x2a, 0x50, 0xbf, 0x31, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t dig_axfr[] = {
    0x6f, 0xe3, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x07, 0x65, 0x78, 0x61,
    0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0xfc, 0x00, 0x01, 0x00, 0x00, 0x29,
    0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, 0x27, 0x9b, 0xd4, 0x73,
    0xc4, 0x38, 0xeb, 0x43, 0x08, 0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78,
    0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d,
    0x0b, 0x68, 0x6d, 0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x6b,
    0x0e, 0xa8, 0xd3, 0x01, 0x2c, 0x00, 0x20, 0x1f, 0xb4, 0x03, 0xcd, 0x44, 0x27, 0x8c, 0xcd, 0xc9,
    0x3c, 0x1b, 0xeb, 0x9c, 0xda, 0xd4, 0xc4, 0xfb, 0x24, 0xf1, 0x38, 0xe9, 0x84, 0x7a, 0x3c, 0xf4,
    0x35, 0xcd, 0xcf, 0xb5, 0x85, 0x74, 0x77, 0x6f, 0xe3, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t nsupdate[] = {
    0x9c, 0xbc, 0x28, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x07, 0x65, 0x78, 0x61,
    0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x06, 0x00, 0x01, 0x04, 0x68, 0x6f,
    0x73, 0x74, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0xc0, 0x00,
    0x02, 0x09, 0x08, 0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78, 0x61, 0x6d,
    0x70, 0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x0b, 0x68,
    0x6d, 0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x6b, 0x0e, 0xa8,
    0xd3, 0x01, 0x2c, 0x00, 0x20, 0x88, 0x04, 0x74, 0x10, 0xe0, 0x6d, 0x6e, 0x0b, 0x2d, 0xf0, 0x36,
    0x5e, 0xc6, 0x56, 0x0c, 0x85, 0x57, 0xbd, 0xfd, 0x71, 0x6d, 0x2d, 0xc2, 0x9e, 0xa5, 0x13, 0x11,
    0xf7, 0x18, 0x5d, 0xc3, 0x71, 0x9c, 0xbc, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t response_a[] = {
    0x12, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x03, 0x77, 0x77, 0x77,
    0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x01, 0x00,
    0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 0xc0, 0x00, 0x02,
    0x01, 0x08, 0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
    0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x0b, 0x68, 0x6d,
    0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x01,
    0x01, 0x2c, 0x00, 0x20, 0x4b, 0xbd, 0xc6, 0x22, 0x20, 0xb7, 0x8a, 0x7b, 0xda, 0x6d, 0xc7, 0x56,
    0x18, 0x04, 0x42, 0xb3, 0x80, 0x98, 0x9d, 0x55, 0x6f, 0x59, 0x83, 0x3a, 0x64, 0xdd, 0x24, 0x94,
    0x64, 0xca, 0xd3, 0x5e, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t notify_response[] = {
    0x43, 0x21, 0xa0, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x07, 0x65, 0x78,
    0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x06, 0x00, 0x01, 0x08,
    0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c,
    0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x0b, 0x68, 0x6d,
    0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1,
    0x02, 0x01, 0x2c, 0x00, 0x20, 0x82, 0x69, 0x86, 0x56, 0xfc, 0x71, 0x7d, 0x47, 0x28, 0xba,
    0x62, 0x21, 0x85, 0x5e, 0xe0, 0xa0, 0x7c, 0xaa, 0xbd, 0xb7, 0x0a, 0x2f, 0xf9, 0x74, 0xe8,
    0x52, 0x3b, 0x9a, 0xd4, 0x80, 0x97, 0xd4, 0x43, 0x21, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t answer_err0[] = {
    0x12, 0x34, 0x81, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x77, 0x77,
    0x77, 0x07, 0x65, 0x78, 0x61, 0x6c, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x08, 0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78,
    0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x1d, 0x0b, 0x68, 0x6d, 0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00,
    0x00, 0x65, 0x53, 0xf1, 0x00, 0x01, 0x2c, 0x00, 0x00, 0x12, 0x34, 0x00, 0x10, 0x00, 0x00,
};

static const uint8_t answer_err1[] = {
    0x12, 0x34, 0x81, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x77, 0x77,
    0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x08, 0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78,
    0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x1d, 0x0b, 0x68, 0x6d, 0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00,
    0x00, 0x65, 0x53, 0xf1, 0x00, 0x01, 0x2c, 0x00, 0x00, 0x12, 0x34, 0x00, 0x11, 0x00, 0x00,
};

static const uint8_t answer_err2[] = {
    0x12, 0x34, 0x81, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x77, 0x77, 0x77,
    0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x01, 0x00,
    0x01, 0x08, 0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
    0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x43, 0x0b, 0x68, 0x6d,
    0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x00,
    0x01, 0x2c, 0x00, 0x20, 0xf7, 0x6e, 0xb0, 0xf5, 0x14, 0xe1, 0x1c, 0x89, 0xba, 0x26, 0xc9, 0xa8,
    0x11, 0xab, 0xdb, 0x91, 0x6e, 0x67, 0x88, 0xf2, 0x47, 0xdc, 0x4a, 0x65, 0xb3, 0x97, 0xa3, 0xd5,
    0x7f, 0xe5, 0x77, 0x87, 0x12, 0x34, 0x00, 0x12, 0x00, 0x06, 0x00, 0x00, 0x65, 0x53, 0xf2, 0x2d,
};

static const uint8_t answer_axfr0[] = {
    0x77, 0x77, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x65, 0x78, 0x61,
    0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0xfc, 0x00, 0x01, 0x03, 0x77, 0x77,
    0x77, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 0xc0, 0x00, 0x02,
    0x0a, 0x08, 0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
    0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x0b, 0x68, 0x6d,
    0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x00,
    0x01, 0x2c, 0x00, 0x20, 0x7c, 0xf8, 0x04, 0x16, 0x5e, 0xcb, 0x80, 0x93, 0x98, 0x33, 0x74, 0x77,
    0x6a, 0xab, 0x78, 0xde, 0x04, 0x50, 0x9d, 0x82, 0x52, 0x15, 0x33, 0x56, 0xa5, 0xe7, 0xc1, 0x28,
    0xc7, 0x60, 0xd7, 0x2a, 0x77, 0x77, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t answer_axfr1[] = {
    0x77, 0x77, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x65, 0x78, 0x61,
    0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0xfc, 0x00, 0x01, 0x03, 0x77, 0x77,
    0x77, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 0xc0, 0x00, 0x02,
    0x0b, 0x08, 0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
    0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x0b, 0x68, 0x6d,
    0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x01,
    0x01, 0x2c, 0x00, 0x20, 0x96, 0x4a, 0xc5, 0x6f, 0x49, 0x56, 0xb6, 0x9b, 0xad, 0xbe, 0x8d, 0x3b,
    0x92, 0x49, 0xae, 0xbd, 0x07, 0xb4, 0x99, 0x35, 0xce, 0x55, 0x54, 0xfa, 0x1f, 0x17, 0xe1, 0xc0,
    0x0f, 0x50, 0xbd, 0xdf, 0x77, 0x77, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t answer_axfr2[] = {
    0x77, 0x77, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x65, 0x78, 0x61,
    0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0xfc, 0x00, 0x01, 0x03, 0x77, 0x77,
    0x77, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 0xc0, 0x00, 0x02,
    0x0c, 0x08, 0x74, 0x73, 0x69, 0x67, 0x2d, 0x6b, 0x65, 0x79, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70,
    0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x0b, 0x68, 0x6d,
    0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x02,
    0x01, 0x2c, 0x00, 0x20, 0x06, 0x4d, 0x55, 0x56, 0x33, 0x17, 0x1a, 0xad, 0x3a, 0x26, 0x4f, 0xa9,
    0x3b, 0x84, 0xda, 0x5a, 0xec, 0xfd, 0x06, 0xc0, 0x76, 0x72, 0xc7, 0x8a, 0xb4, 0x1b, 0x9f, 0x22,
    0x47, 0x93, 0x2b, 0x18, 0x77, 0x77, 0x00, 0x00, 0x00, 0x00,
};

/* ---- helpers ---- */

static struct dns_tsig_key keys[2];

static int setup(void **state)
{
	char err[128];

	(void)state;
	return dns_tsig_keys_parse("keys", keyfile, strlen(keyfile), keys, 2, err, sizeof(err)) == 1
	           ? 0
	           : -1;
}

struct msg {
	uint8_t b[1024];
	size_t len;
};

static void copy(struct msg *m, const uint8_t *p, size_t len)
{
	assert_true(len <= sizeof(m->b));
	memcpy(m->b, p, len);
	m->len = len;
}

/* dns_msg_query's tsig_off, and the check at `now` with these keys. */
static int verify_with(const uint8_t *p, size_t len, const struct dns_tsig_key *k, size_t nk,
                       uint64_t now, struct dns_tsig_state *st)
{
	struct dns_query q;
	int r = dns_msg_query(p, len, &q);

	if (r != 0 || q.tsig_off == 0)
		return -1; /* refused before TSIG, or no TSIG left */
	return dns_tsig_verify(p, len, q.tsig_off, k, nk, now, st);
}

static int verify_at(const uint8_t *p, size_t len, uint64_t now, struct dns_tsig_state *st)
{
	return verify_with(p, len, keys, 1, now, st);
}

/* Where the TSIG's MAC Size lies in a vector with a full MAC and no Other Data. */
static size_t mac_size_at(size_t len)
{
	return len - 6 - DNS_TSIG_MAC_LEN - 2;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The answer to `req` (verified into st): its question, `flags`, and an A record if `a`. */
static void begin_answer(struct dns_out *o, uint8_t *buf, size_t cap, const uint8_t *req,
                         size_t len, const struct dns_tsig_state *st, uint16_t flags, int a)
{
	static const uint8_t owner[] = "\3www\7example\3org";
	struct dns_query q;
	uint8_t addr[4] = {192, 0, 2, (uint8_t)a};
	struct dns_rr rr = {owner, DNS_T_A, DNS_C_IN, 3600, 4, addr};

	assert_int_equal(dns_msg_query(req, len, &q), 0);
	assert_int_equal(dns_out_begin(o, buf, cap, &q, flags), 0);
	o->reserve = dns_tsig_space(st);
	if (a)
		assert_int_equal(dns_out_rr(o, DNS_SEC_ANSWER, &rr), 0);
}

static void assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, want_len);
}

/* ---- requests ---- */

static void test_real_requests(void **state)
{
	const struct {
		const uint8_t *p;
		size_t len;
		uint64_t t;
	} v[] = {
	    {query_a, sizeof(query_a), T},
	    {notify, sizeof(notify), T},
	    {update, sizeof(update), T},
	    {axfr_query, sizeof(axfr_query), T},
	    {dig_query, sizeof(dig_query), T_BIND},
	    {dig_axfr, sizeof(dig_axfr), T_BIND},
	    {nsupdate, sizeof(nsupdate), T_BIND},
	};
	struct dns_tsig_state st;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(verify_at(v[i].p, v[i].len, v[i].t, &st), DNS_TSIG_OK);
		assert_ptr_equal(st.key, &keys[0]);
		assert_int_equal(st.mac_len, DNS_TSIG_MAC_LEN);
		assert_int_equal(st.time, v[i].t);
		assert_int_equal(st.fudge, FUDGE);
		assert_int_equal(st.error, 0);
	}
}

static void test_bad_key(void **state)
{
	static const char other[] = "key other.example { algorithm hmac-sha256; secret "
	                            "\"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=\"; };";
	struct dns_tsig_key k;
	struct dns_tsig_state st;
	struct msg m;
	char err[128];
	uint8_t *alg;

	(void)state;
	/* The same secret under another name. */
	assert_int_equal(dns_tsig_keys_parse("k", other, strlen(other), &k, 1, err, sizeof(err)),
	                 1);
	assert_int_equal(verify_with(query_a, sizeof(query_a), &k, 1, T, &st), DNS_TSIG_BADKEY);
	assert_null(st.key);
	assert_int_equal(verify_with(query_a, sizeof(query_a), keys, 0, T, &st), DNS_TSIG_BADKEY);
	/* The right key, another algorithm. */
	copy(&m, query_a, sizeof(query_a));
	alg = m.b + 33 + 18 + RR_FIXED + 1; /* past the owner, the fixed fields, a length */
	assert_memory_equal(alg, "hmac-sha256", 11);
	memcpy(alg, "hmac-sha512", 11);
	assert_int_equal(verify_at(m.b, m.len, T, &st), DNS_TSIG_BADKEY);
	/* The key's name in other letters' case is the same key (RFC 4343). */
	copy(&m, query_a, sizeof(query_a));
	m.b[34] = 'T';
	assert_int_equal(verify_at(m.b, m.len, T, &st), DNS_TSIG_OK);
}

static void test_bad_secret(void **state)
{
	struct dns_tsig_key k = keys[0];
	struct dns_tsig_state st;

	(void)state;
	k.secret[31] ^= 1;
	assert_int_equal(verify_with(query_a, sizeof(query_a), &k, 1, T, &st), DNS_TSIG_BADSIG);
	k = keys[0];
	k.secret_len--;
	assert_int_equal(verify_with(query_a, sizeof(query_a), &k, 1, T, &st), DNS_TSIG_BADSIG);
}

/*
 * One bit flipped anywhere but in the ID (which the MAC does not cover:
 * Original ID stands in for it, RFC 8945 4.3.3) is refused: BADSIG, or
 * BADKEY in the key's name, or FORMERR where the record no longer reads.
 */
static void test_bit_flips(void **state)
{
	struct dns_tsig_state st;
	struct msg m;
	unsigned badsig = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(dig_query); i++) {
		int r;
		copy(&m, dig_query, sizeof(dig_query));
		m.b[i] ^= 1;
		r = verify_at(m.b, m.len, T_BIND, &st);
		if (i < 2)
			assert_int_equal(r, DNS_TSIG_OK);
		else
			assert_int_not_equal(r, DNS_TSIG_OK);
		badsig += r == DNS_TSIG_BADSIG;
	}
	/* Most bytes are in the question, OPT, the TSIG's fixed fields and its MAC. */
	assert_true(badsig > sizeof(dig_query) / 2);
}

static void test_time_edges(void **state)
{
	struct dns_tsig_state st;

	(void)state;
	assert_int_equal(verify_at(query_a, sizeof(query_a), T - FUDGE, &st), DNS_TSIG_OK);
	assert_int_equal(verify_at(query_a, sizeof(query_a), T + FUDGE, &st), DNS_TSIG_OK);
	assert_int_equal(verify_at(query_a, sizeof(query_a), T - FUDGE - 1, &st), DNS_TSIG_BADTIME);
	assert_int_equal(st.error, DNS_TSIG_BADTIME);
	assert_int_equal(st.mac_len, DNS_TSIG_MAC_LEN); /* checked: the answer is signed */
	assert_int_equal(verify_at(query_a, sizeof(query_a), T + FUDGE + 1, &st), DNS_TSIG_BADTIME);
	/* A bad MAC is told before a bad time (RFC 8945 5.2.3). */
	assert_int_equal(verify_with(query_a, sizeof(query_a), keys, 1, 0, &st), DNS_TSIG_BADTIME);
	{
		struct dns_tsig_key k = keys[0];
		k.secret[0] ^= 1;
		assert_int_equal(verify_with(query_a, sizeof(query_a), &k, 1, 0, &st),
		                 DNS_TSIG_BADSIG);
	}
}

/* query_a with its MAC cut (or grown) to `n` bytes, MAC Size and rdlength to match. */
static void with_mac_len(struct msg *m, size_t n)
{
	size_t at = mac_size_at(sizeof(query_a)), rdlen_at = 33 + 18 + RR_FIXED - 2;
	size_t tail = sizeof(query_a) - at - 2 - DNS_TSIG_MAC_LEN;

	copy(m, query_a, sizeof(query_a));
	put16(m->b + at, (unsigned)n);
	if (n > DNS_TSIG_MAC_LEN)
		memset(m->b + at + 2 + DNS_TSIG_MAC_LEN, 0xAA, n - DNS_TSIG_MAC_LEN);
	memcpy(m->b + at + 2 + n, query_a + at + 2 + DNS_TSIG_MAC_LEN, tail);
	m->len = at + 2 + n + tail;
	put16(m->b + rdlen_at, (unsigned)(m->len - rdlen_at - 2));
}

static void test_mac_sizes(void **state)
{
	struct dns_tsig_state st;
	struct msg m;

	(void)state;
	/* The first 16 bytes of the right MAC: checked, then refused by policy (5.2.4). */
	with_mac_len(&m, 16);
	assert_int_equal(verify_at(m.b, m.len, T, &st), DNS_TSIG_BADTRUNC);
	assert_int_equal(st.mac_len, 16);
	with_mac_len(&m, 16);
	m.b[mac_size_at(sizeof(query_a)) + 2] ^= 1;
	assert_int_equal(verify_at(m.b, m.len, T, &st), DNS_TSIG_BADSIG);
	/* Below the larger of 10 and half the hash, or above the hash: FORMERR (5.2.2.1). */
	with_mac_len(&m, 15);
	assert_int_equal(verify_at(m.b, m.len, T, &st), DNS_TSIG_FORMERR);
	with_mac_len(&m, 10);
	assert_int_equal(verify_at(m.b, m.len, T, &st), DNS_TSIG_FORMERR);
	with_mac_len(&m, 33);
	assert_int_equal(verify_at(m.b, m.len, T, &st), DNS_TSIG_FORMERR);
	/* No MAC at all is no signature. */
	with_mac_len(&m, 0);
	assert_int_equal(verify_at(m.b, m.len, T, &st), DNS_TSIG_BADSIG);
	with_mac_len(&m, 32);
	assert_memory_equal(m.b, query_a, sizeof(query_a));
}

static void test_malformed(void **state)
{
	static const uint8_t after[] = {0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0}; /* ". A IN 0 ''" */
	struct dns_tsig_state st;
	struct dns_query q;
	struct msg m;
	uint8_t b[sizeof(query_a) + sizeof(after)];

	(void)state;
	/* A record after the TSIG: dns_msg_query's FORMERR (RFC 8945 5.2). */
	memcpy(b, query_a, sizeof(query_a));
	memcpy(b + sizeof(query_a), after, sizeof(after));
	b[11]++;
	assert_int_equal(dns_msg_query(b, sizeof(b), &q), DNS_R_FORMERR);
	/* tsig_off at something else, or past the end. */
	assert_int_equal(dns_tsig_verify(query_a, sizeof(query_a), 12, keys, 1, T, &st),
	                 DNS_TSIG_FORMERR);
	assert_int_equal(dns_tsig_verify(query_a, sizeof(query_a), 0, keys, 1, T, &st),
	                 DNS_TSIG_FORMERR);
	assert_int_equal(
	    dns_tsig_verify(query_a, sizeof(query_a), sizeof(query_a), keys, 1, T, &st),
	    DNS_TSIG_FORMERR);
	/* Class not ANY; Other Len past the rdata; the algorithm's name compressed. */
	copy(&m, query_a, sizeof(query_a));
	m.b[33 + 18 + 3] = DNS_C_IN;
	assert_int_equal(dns_tsig_verify(m.b, m.len, 33, keys, 1, T, &st), DNS_TSIG_FORMERR);
	copy(&m, query_a, sizeof(query_a));
	m.b[m.len - 1] = 1;
	assert_int_equal(dns_tsig_verify(m.b, m.len, 33, keys, 1, T, &st), DNS_TSIG_FORMERR);
	copy(&m, query_a, sizeof(query_a));
	m.b[33 + 28] = 0xC0;
	m.b[33 + 29] = 12;
	assert_int_equal(dns_tsig_verify(m.b, m.len, 33, keys, 1, T, &st), DNS_TSIG_FORMERR);
	/* Cut short at every length. */
	for (size_t n = 0; n < sizeof(query_a); n++)
		assert_int_equal(dns_tsig_verify(query_a, n, 33, keys, 1, T, &st),
		                 DNS_TSIG_FORMERR);
}

/* ---- answers ---- */

static void test_sign_answer(void **state)
{
	struct dns_tsig_state st;
	struct dns_out o;
	uint8_t buf[512];
	int n;

	(void)state;
	assert_int_equal(verify_at(query_a, sizeof(query_a), T, &st), DNS_TSIG_OK);
	begin_answer(&o, buf, sizeof(buf), query_a, sizeof(query_a), &st, DNS_F_AA, 1);
	n = dns_tsig_sign(&o, &st, T + 1);
	/* What dnspython signs itself for the same answer, byte for byte. */
	assert_bytes(buf, (size_t)n, response_a, sizeof(response_a));
	assert_true((size_t)n <= o.len &&
	            o.len - (sizeof(response_a) - 1) < dns_tsig_space(&st) + 1);
}

static void sign_error(const uint8_t *req, size_t len, const struct dns_tsig_key *k, size_t nk,
                       uint64_t now, int want, const uint8_t *answer, size_t answer_len)
{
	struct dns_tsig_state st;
	struct dns_out o;
	uint8_t buf[512];
	int n;

	assert_int_equal(verify_with(req, len, k, nk, now, &st), want);
	begin_answer(&o, buf, sizeof(buf), req, len, &st, 0, 0);
	n = dns_tsig_sign(&o, &st, now);
	assert_bytes(buf, (size_t)n, answer, answer_len);
	assert_int_equal(DNS_F_RCODE(buf[3]), DNS_R_NOTAUTH);
}

static void test_error_answers(void **state)
{
	struct msg m;

	(void)state;
	/* BADSIG and BADKEY: unsigned, MAC size 0 (RFC 8945 5.3.2). */
	copy(&m, query_a, sizeof(query_a));
	m.b[20] ^= 1;
	sign_error(m.b, m.len, keys, 1, T, DNS_TSIG_BADSIG, answer_err0, sizeof(answer_err0));
	sign_error(query_a, sizeof(query_a), keys, 0, T, DNS_TSIG_BADKEY, answer_err1,
	           sizeof(answer_err1));
	/* BADTIME: signed, the request's Time Signed, ours in Other Data (5.2.3). */
	sign_error(query_a, sizeof(query_a), keys, 1, T + FUDGE + 1, DNS_TSIG_BADTIME, answer_err2,
	           sizeof(answer_err2));
	assert_memory_equal(answer_err2 + sizeof(answer_err2) - 6, "\x00\x00\x65\x53\xf2\x2d", 6);
}

static void test_zone_transfer(void **state)
{
	const uint8_t *want[] = {answer_axfr0, answer_axfr1, answer_axfr2};
	const size_t want_len[] = {sizeof(answer_axfr0), sizeof(answer_axfr1),
	                           sizeof(answer_axfr2)};
	struct dns_tsig_state st;
	struct dns_out o;
	uint8_t buf[512];

	(void)state;
	assert_int_equal(verify_at(axfr_query, sizeof(axfr_query), T, &st), DNS_TSIG_OK);
	for (int i = 0; i < 3; i++) {
		int n;
		begin_answer(&o, buf, sizeof(buf), axfr_query, sizeof(axfr_query), &st, DNS_F_AA,
		             10 + i);
		n = dns_tsig_sign(&o, &st, T + (uint64_t)i);
		assert_bytes(buf, (size_t)n, want[i], want_len[i]);
		assert_int_equal(st.messages, i + 1);
	}
}

static void test_no_room(void **state)
{
	struct dns_tsig_state st;
	struct dns_out o;
	uint8_t buf[512], before[512];
	size_t len;

	(void)state;
	assert_int_equal(verify_at(query_a, sizeof(query_a), T, &st), DNS_TSIG_OK);
	begin_answer(&o, buf, sizeof(buf), query_a, sizeof(query_a), &st, DNS_F_AA, 1);
	len = o.len;
	memcpy(before, buf, sizeof(buf));
	o.cap = sizeof(response_a) - 1;
	assert_int_equal(dns_tsig_sign(&o, &st, T + 1), -ENOSPC);
	assert_int_equal(o.len, len);
	assert_memory_equal(buf, before, sizeof(buf));
	assert_int_equal(st.messages, 0);
	o.cap = sizeof(response_a);
	assert_int_equal(dns_tsig_sign(&o, &st, T + 1), (int)sizeof(response_a));
}

/*
 * An answer to `req` as the server writes it before signing: the
 * question, an A record, and an OPT with extended RCODE `rcode` (its
 * upper 8 bits; 16 is BADVERS) and a 24-byte cookie, room kept for the
 * TSIG. Its length; *opt_off and `opt` (its bytes) say where its OPT is.
 */
static size_t answer_with_opt(uint8_t *buf, size_t cap, const struct dns_query *q,
                              const struct dns_tsig_state *st, uint16_t rcode, size_t *opt_off,
                              uint8_t *opt, size_t *opt_len)
{
	static const uint8_t cookie[24] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	uint8_t addr[4] = {192, 0, 2, 1};
	struct dns_rr rr = {q->qname, DNS_T_A, DNS_C_IN, 3600, 4, addr};
	struct dns_out o;
	size_t n;

	assert_int_equal(dns_out_begin(&o, buf, cap, q, DNS_F_AA), 0);
	o.reserve = dns_tsig_space(st);
	assert_int_equal(dns_out_rr(&o, DNS_SEC_ANSWER, &rr), 0);
	*opt_off = o.len;
	assert_int_equal(dns_out_opt(&o, rcode, 0x8000, cookie, sizeof(cookie)), 0);
	n = dns_out_end(&o);
	*opt_len = n - *opt_off;
	memcpy(opt, buf + *opt_off, *opt_len);
	return n;
}

/* The records after the question of an answer of `n` bytes, `count` of them: their offsets. */
static void records(const uint8_t *buf, size_t n, size_t question_end, size_t *at, int count)
{
	struct dns_msg_rr rr;
	size_t off = question_end;

	for (int i = 0; i < count; i++) {
		at[i] = off;
		assert_int_equal(dns_msg_rr(buf, n, &off, &rr), 0);
	}
	assert_int_equal(off, n);
}

/*
 * The answer to `req` (dig's query: EDNS, a cookie) verified at `now`
 * with `nk` keys (`want` the result) and answered with an OPT of extended
 * RCODE `rcode`: for a TSIG error, the question, the OPT (RFC 6891 6.1.1)
 * with its extended RCODE cleared so that the whole RCODE is NOTAUTH, and
 * the TSIG; for a TSIG that cannot be read, FORMERR with the OPT; for a
 * verified request, the answer as it was, OPT and all, and the TSIG.
 */
static void answer_keeps_opt(const uint8_t *req, size_t len, size_t nk, uint64_t now,
                             uint16_t rcode, int want)
{
	struct dns_tsig_state st;
	struct dns_query q;
	uint8_t buf[1232], opt[64];
	size_t opt_off, opt_len, n, at[3];
	unsigned ar = want == DNS_TSIG_FORMERR ? 1 : 2; /* OPT and TSIG */

	assert_int_equal(dns_msg_query(req, len, &q), 0);
	assert_int_equal(verify_with(req, len, keys, nk, now, &st), want);
	n = answer_with_opt(buf, sizeof(buf), &q, &st, rcode, &opt_off, opt, &opt_len);
	n = dns_tsig_answer(&q, want, &st, buf, n, opt_off, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(dns_get16(buf + 10), ar);
	records(buf, n, q.question_end, at, (int)(ar + (want == DNS_TSIG_OK)));
	/* What /metrics counts it as (server.c): the rcode on the wire, OPT's bits and all. */
	assert_int_equal(dns_msg_rcode(buf, n), want == DNS_TSIG_OK        ? rcode
	                                        : want == DNS_TSIG_FORMERR ? DNS_R_FORMERR
	                                                                   : DNS_R_NOTAUTH);
	if (want == DNS_TSIG_OK) {
		assert_int_equal(at[1], opt_off);
		assert_memory_equal(buf + opt_off, opt, opt_len);
		return;
	}
	assert_int_equal(DNS_F_RCODE(buf[3]),
	                 want == DNS_TSIG_FORMERR ? DNS_R_FORMERR : DNS_R_NOTAUTH);
	assert_int_equal(dns_get16(buf + 6) + dns_get16(buf + 8), 0);
	opt[5] = 0; /* the extended RCODE's upper 8 bits: none in NOTAUTH or FORMERR */
	assert_int_equal(at[0], q.question_end);
	assert_memory_equal(buf + at[0], opt, opt_len);
	/* The TSIG's Error, before Other Len and BADTIME's 6 octets of Other Data. */
	if (want != DNS_TSIG_FORMERR)
		assert_int_equal(dns_get16(buf + n - 4 - (want == DNS_TSIG_BADTIME ? 6 : 0)), want);
}

static void test_error_answers_keep_opt(void **state)
{
	struct dns_query q;
	struct msg m;

	(void)state;
	answer_keeps_opt(dig_query, sizeof(dig_query), 0, T_BIND, 0, DNS_TSIG_BADKEY);
	answer_keeps_opt(dig_query, sizeof(dig_query), 1, T_BIND + FUDGE + 1, 0, DNS_TSIG_BADTIME);
	/* A BADVERS answer's upper RCODE bits do not turn NOTAUTH into another RCODE. */
	answer_keeps_opt(dig_query, sizeof(dig_query), 1, T_BIND - FUDGE - 1, DNS_R_BADVERS,
	                 DNS_TSIG_BADTIME);
	copy(&m, dig_query, sizeof(dig_query));
	m.b[mac_size_at(m.len) + 2] ^= 1;
	answer_keeps_opt(m.b, m.len, 1, T_BIND, 0, DNS_TSIG_BADSIG);
	/* A TSIG of class IN cannot be read: FORMERR, unsigned, the OPT kept. */
	assert_int_equal(dns_msg_query(dig_query, sizeof(dig_query), &q), 0);
	m.b[mac_size_at(m.len) + 2] ^= 1;
	m.b[q.tsig_off + 18 + 3] = DNS_C_IN;
	answer_keeps_opt(m.b, m.len, 1, T_BIND, 0, DNS_TSIG_FORMERR);
	/* Verified: the answer stays as it was, a BADVERS OPT too (RFC 6891 6.1.3). */
	answer_keeps_opt(dig_query, sizeof(dig_query), 1, T_BIND, DNS_R_BADVERS, DNS_TSIG_OK);
	answer_keeps_opt(dig_query, sizeof(dig_query), 1, T_BIND, 0, DNS_TSIG_OK);
}

/* A name of `len` octets in wire form (labels of 'a', the root last). */
static void long_name(uint8_t *out, size_t len)
{
	size_t rem = len - 1;

	while (rem > 0) {
		size_t l = rem - 1 > 63 ? 63 : rem - 1;
		if (rem - l - 1 == 1)
			l--; /* a label takes two octets at least */
		*out++ = (uint8_t)l;
		memset(out, 'a', l);
		out += l;
		rem -= l + 1;
	}
	*out = 0;
}

/*
 * RFC 8945 5.3's last resort: a 255-octet name asked with EDNS and a
 * 512-octet payload, signed with a 165-octet key name, so that the
 * question, OPT and TSIG (518 octets) do not fit and the question and
 * TSIG alone (507) do: TC and NOERROR, signed, and AA only if the answer
 * had it: a referral is not authoritative (RFC 1034 4.3.1, RFC 1035 4.1.1).
 */
static void last_resort(uint16_t flags)
{
	struct dns_query q = {.has_question = true, .qtype = DNS_T_A, .qclass = DNS_C_IN};
	struct dns_tsig_key key = {.secret_len = 32};
	struct dns_tsig_state client, st;
	uint8_t req[1024], buf[512];
	struct dns_out o;
	size_t opt_off, n;
	int len;

	long_name(key.name, 165);
	memset(key.secret, 0x42, key.secret_len);
	long_name(q.qname, DNS_NAME_MAX);
	q.hdr.id = 0x5151;
	assert_int_equal(dns_out_begin(&o, req, sizeof(req), &q, 0), 0);
	dns_out_flags(&o, 0, DNS_F_QR);
	opt_off = o.len;
	assert_int_equal(dns_out_opt(&o, 0, 0, NULL, 0), 0);
	put16(req + opt_off + 3, 512); /* the payload size */
	len = dns_tsig_sign_request(&o, &key, T, &client);
	assert_true(len > 0);
	assert_int_equal(dns_msg_query(req, (size_t)len, &q), 0);
	assert_int_equal(q.udp_size, 512);
	assert_int_equal(dns_tsig_verify(req, (size_t)len, q.tsig_off, &key, 1, T, &st),
	                 DNS_TSIG_OK);
	/* The answer as the server makes it: the question and the OPT, room kept for the TSIG. */
	assert_int_equal(dns_out_begin(&o, buf, sizeof(buf), &q, flags | DNS_R_NXDOMAIN), 0);
	o.reserve = dns_tsig_space(&st);
	opt_off = o.len;
	assert_int_equal(dns_out_opt(&o, DNS_R_NXDOMAIN, 0, NULL, 0), 0);
	n = dns_out_end(&o);
	n = dns_tsig_answer(&q, DNS_TSIG_OK, &st, buf, n, opt_off, sizeof(buf));
	assert_int_equal(n, 507);
	assert_int_equal(dns_get16(buf + 2) & (DNS_F_TC | DNS_F_AA | 15), DNS_F_TC | flags);
	assert_int_equal(dns_get16(buf + 4), 1);
	assert_int_equal(dns_get16(buf + 6) + dns_get16(buf + 8), 0);
	assert_int_equal(dns_get16(buf + 10), 1);
	assert_int_equal(dns_tsig_verify_response(buf, n, &client, T), DNS_TSIG_OK);
}

static void test_last_resort(void **state)
{
	(void)state;
	last_resort(0);
	last_resort(DNS_F_AA);
}

/* ---- the client's side ---- */

static void sign_notify(struct dns_tsig_state *st)
{
	struct dns_query q = {.has_question = true, .qtype = DNS_T_SOA, .qclass = DNS_C_IN};
	struct dns_out o;
	uint8_t buf[512];
	int n;

	q.hdr.id = 0x4321;
	q.hdr.flags = DNS_OP_NOTIFY << 11;
	memcpy(q.qname, "\7example\3org", 13);
	assert_int_equal(dns_out_begin(&o, buf, sizeof(buf), &q, DNS_F_AA), 0);
	dns_out_flags(&o, 0, DNS_F_QR);
	n = dns_tsig_sign_request(&o, &keys[0], T, st);
	/* What dnspython signs for the same NOTIFY. */
	assert_bytes(buf, (size_t)n, notify, sizeof(notify));
}

static void test_notify(void **state)
{
	struct dns_tsig_state st;
	struct msg m;

	(void)state;
	sign_notify(&st);
	assert_int_equal(
	    dns_tsig_verify_response(notify_response, sizeof(notify_response), &st, T + 2),
	    DNS_TSIG_OK);
	assert_int_equal(dns_tsig_verify_response(notify_response, sizeof(notify_response), &st,
	                                          T + 2 + FUDGE + 1),
	                 DNS_TSIG_BADTIME);
	copy(&m, notify_response, sizeof(notify_response));
	m.b[2] ^= DNS_F_AA >> 8;
	assert_int_equal(dns_tsig_verify_response(m.b, m.len, &st, T + 2), DNS_TSIG_BADSIG);
	/* Without its TSIG (ARCOUNT 0, cut before it). */
	copy(&m, notify_response, 29);
	m.b[11] = 0;
	assert_int_equal(dns_tsig_verify_response(m.b, m.len, &st, T + 2), DNS_TSIG_UNSIGNED);
	m.len = 28;
	assert_int_equal(dns_tsig_verify_response(m.b, m.len, &st, T + 2), DNS_TSIG_FORMERR);
	/* Another request's MAC. */
	st.mac[0] ^= 1;
	assert_int_equal(
	    dns_tsig_verify_response(notify_response, sizeof(notify_response), &st, T + 2),
	    DNS_TSIG_BADSIG);
}

/* The peer's errors: an unsigned BADKEY, a signed BADTIME (answers to query_a). */
static void test_peer_errors(void **state)
{
	struct dns_tsig_state st;

	(void)state;
	assert_int_equal(verify_at(query_a, sizeof(query_a), T, &st), DNS_TSIG_OK);
	assert_int_equal(dns_tsig_verify_response(answer_err1, sizeof(answer_err1), &st, T),
	                 DNS_TSIG_PEER | DNS_TSIG_BADKEY);
	assert_int_equal(dns_tsig_verify_response(answer_err2, sizeof(answer_err2), &st, T),
	                 DNS_TSIG_PEER | DNS_TSIG_BADTIME);
	assert_int_equal(dns_tsig_verify_response(response_a, sizeof(response_a), &st, T + 1),
	                 DNS_TSIG_OK);
	st.key = NULL;
	assert_int_equal(dns_tsig_verify_response(response_a, sizeof(response_a), &st, T + 1),
	                 DNS_TSIG_BADKEY);
}

/* ---- the key file ---- */

static void test_keyfile(void **state)
{
	static const char text[] = "# two keys\n"
	                           "// as tsig-keygen and as a hand writes them\n"
	                           "/* a comment\n   over lines */ key \"Tsig-Key.Example.\" {\n"
	                           "\talgorithm \"HMAC-SHA256\"; # the only one\n"
	                           "\tsecret \"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=\";\n"
	                           "};\n"
	                           "key second{secret \"AAEC\";algorithm hmac-sha256;};";
	struct dns_tsig_key k[3];
	char err[128];

	(void)state;
	assert_int_equal(dns_tsig_keys_parse("f", text, strlen(text), k, 3, err, sizeof(err)), 2);
	assert_memory_equal(k[0].name, "\10tsig-key\7example", 18);
	assert_int_equal(k[0].secret_len, 32);
	assert_memory_equal(k[0].secret, keys[0].secret, 32);
	assert_memory_equal(k[1].name, "\6second", 8);
	assert_int_equal(k[1].secret_len, 3);
	assert_memory_equal(k[1].secret, "\0\1\2", 3);
	assert_ptr_equal(dns_tsig_key_find(k, 2, (const uint8_t *)"\6SECOND"), &k[1]);
	assert_null(dns_tsig_key_find(k, 2, (const uint8_t *)"\5third"));
	assert_int_equal(dns_tsig_keys_parse("f", "", 0, k, 3, err, sizeof(err)), 0);
}

static void test_keyfile_errors(void **state)
{
	static const char ok[] = "algorithm hmac-sha256; secret \"AAAA\";";
	static char big[DNS_TSIG_FILE_MAX + 2], longword[1100];
	const struct {
		const char *text, *err;
	} v[] = {
	    {"key a { algorithm hmac-sha512; secret \"AAAA\"; };",
	     "f:1: algorithm 'hmac-sha512' is not supported: hmac-sha256 is the only one"},
	    {"key a {\n algorithm hmac-md5.sig-alg.reg.int; };",
	     "f:2: algorithm 'hmac-md5.sig-alg.reg.int' is not supported: hmac-sha256 is the "
	     "only one"},
	    {"key a { algorithm hmac-sha256; };", "f:1: key 'a' has no secret"},
	    {"key a { secret \"AAAA\"; };", "f:1: key 'a' has no algorithm"},
	    {"key a { algorithm hmac-sha256; algorithm hmac-sha256; };",
	     "f:1: algorithm given twice"},
	    {"key a { secret \"AAAA\"; secret \"AAAA\"; };", "f:1: secret given twice"},
	    {"key a { secret \"AAA\"; };", "f:1: secret is not valid base64"},
	    {"key a { secret \"AA=A\"; };", "f:1: secret is not valid base64"},
	    {"key a { secret \"A*AA\"; };", "f:1: secret is not valid base64"},
	    {"key a { secret \"\"; };", "f:1: secret is empty"},
	    {"key a { secret \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	     "AAAAAAAAAAAAAAAAAAAAAA==\"; };",
	     "f:1: secret over 64 bytes"},
	    {"key a { secret AAAA };", "f:1: expected ';', found '}'"},
	    {"key a { foo bar; };", "f:1: expected 'algorithm', 'secret' or '}', found 'foo'"},
	    {"key a algorithm", "f:1: expected '{', found 'algorithm'"},
	    {"key { };", "f:1: expected the key's name, found '{'"},
	    {"key a { algorithm hmac-sha256; secret \"AAAA\"; }", "f:1: expected ';', found 'the "
	                                                          "end of the file'"},
	    {"options { };", "f:1: expected 'key', found 'options'"},
	    {"\n\nkey \"a..b\" { };", "f:3: bad key name 'a..b'"},
	    {"key \"abc\n\" { };",
	     "f:1: string not closed: '\"' with no '\"' after it on its line"},
	    {"\n/* no end\n\n", "f:2: comment not closed: '/*' with no '*/' after it"},
	    {"key a { algorithm hmac-sha256; secret \"AAAA\"; };\nkey A. { };",
	     "f:2: key 'A.' defined twice"},
	};
	static const char two[] = "key a { algorithm hmac-sha256; secret \"AAAA\"; };\n"
	                          "key b { algorithm hmac-sha256; secret \"AAAA\"; };";
	struct dns_tsig_key k[2];
	char err[160], text[256];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		err[0] = 0;
		assert_int_equal(
		    dns_tsig_keys_parse("f", v[i].text, strlen(v[i].text), k, 2, err, sizeof(err)),
		    -EINVAL);
		assert_string_equal(err, v[i].err);
	}
	assert_int_equal(dns_tsig_keys_parse("f", two, strlen(two), k, 1, err, sizeof(err)),
	                 -EINVAL);
	assert_string_equal(err, "f:2: too many keys (at most 1)");
	snprintf(text, sizeof(text), "key a { %s };", ok);
	assert_int_equal(dns_tsig_keys_parse("f", text, strlen(text) + 1, k, 1, err, sizeof(err)),
	                 -EINVAL);
	assert_string_equal(err, "f:1: a NUL byte in the file");
	memset(big, ' ', sizeof(big));
	assert_int_equal(dns_tsig_keys_parse("f", big, sizeof(big), k, 1, err, sizeof(err)),
	                 -EINVAL);
	assert_string_equal(err, "f:1: file over 65536 bytes");
	memset(longword, 'a', sizeof(longword) - 1);
	assert_int_equal(
	    dns_tsig_keys_parse("f", longword, strlen(longword), k, 1, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "f:1: a word or string over 1024 characters");
	/* The message is cut to the buffer, NUL-terminated. */
	assert_int_equal(dns_tsig_keys_parse("f", "x", 1, k, 1, err, 8), -EINVAL);
	assert_string_equal(err, "f:1: ex");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_requests),  cmocka_unit_test(test_bad_key),
	    cmocka_unit_test(test_bad_secret),     cmocka_unit_test(test_bit_flips),
	    cmocka_unit_test(test_time_edges),     cmocka_unit_test(test_mac_sizes),
	    cmocka_unit_test(test_malformed),      cmocka_unit_test(test_sign_answer),
	    cmocka_unit_test(test_error_answers),  cmocka_unit_test(test_zone_transfer),
	    cmocka_unit_test(test_no_room),        cmocka_unit_test(test_error_answers_keep_opt),
	    cmocka_unit_test(test_last_resort),    cmocka_unit_test(test_notify),
	    cmocka_unit_test(test_peer_errors),    cmocka_unit_test(test_keyfile),
	    cmocka_unit_test(test_keyfile_errors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
