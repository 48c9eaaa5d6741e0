/*
 * libFuzzer: any message applied as a dynamic update (dns/update.c) to a
 * zone file with comments, parentheses, blank owners and a file-wide
 * $TTL, and to the same with a TXT of 3,315 octets, so that the records'
 * arena (4 KiB at first) grows as the update's records and the SOA's copy
 * go in. Whatever the update, the result is a refusal with nothing
 * written, nothing changed, or a new file that loads as a zone with its
 * SOA serial past the one served (RFC 2136 3.6), unless the update gave
 * its own SOA.
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/db.h"
#include "dns/msg.h"
#include "dns/update.h"

static const char zone_text[] = "$ORIGIN example.org.\n$TTL 300\n"
                                "@ IN SOA ns1 hm ( 5 ; serial\n 7200 3600 1209600 300 )\n"
                                "\tIN NS ns1\n\tIN MX 10 mail\nns1 A 192.0.2.53\n"
                                "; hosts\nwww A 192.0.2.80\n\tAAAA 2001:db8::80\n"
                                "mail 60 A 192.0.2.25\nalias CNAME www\n"
                                "txt TXT \"a\" \"b\"\n_s._tcp SRV 0 5 5060 mail\n"
                                "*.wild A 192.0.2.9\nsub NS ns.sub\nns.sub A 192.0.2.99\n";
static const uint8_t apex[] = "\7example\3org";

/* `text` updated by the message in data, checked. */
static void apply(const char *text, size_t len, const uint8_t *data, size_t size,
                  const struct dns_query *q)
{
	struct dns_update *u;
	struct dns_zone *z;
	char err[2048]; /* a message quoting a name of 255 octets as text */

	if (!(u = malloc(sizeof(*u))))
		return;
	if (dns_update_apply("fuzz.zone", text, len, apex, 6, data, size, q, u))
		abort(); /* the zone is good: only -ENOMEM may fail, and the fuzzer has memory */
	if (u->rcode && u->text)
		abort();
	if (u->text) {
		/* Loads, or fails only on the rules the store's veto checks (CNAME and data,
		 * DNAME). */
		int r = dns_zone_load("fuzz.zone", u->text, u->len, apex, &z, err, sizeof(err));
		if (r == 0) {
			if (!dns_serial_lt(6, z->serial))
				abort();
			dns_zone_free(z);
		} else if (r != -EINVAL || !strstr(err, "DNAME")) {
			abort();
		}
	}
	dns_update_free(u);
	free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char big[sizeof(zone_text) + 13 * 258 + 16];
	static size_t big_len;
	struct dns_query q;

	if (!big_len) {
		big_len = (size_t)snprintf(big, sizeof(big), "%sbig TXT", zone_text);
		for (int i = 0; i < 13; i++)
			big_len += (size_t)snprintf(big + big_len, sizeof(big) - big_len,
			                            " \"%0255d\"", i);
		big_len += (size_t)snprintf(big + big_len, sizeof(big) - big_len, "\n");
	}
	if (dns_msg_query(data, size, &q))
		return 0;
	apply(zone_text, sizeof(zone_text) - 1, data, size, &q);
	apply(big, big_len, data, size, &q);
	return 0;
}
