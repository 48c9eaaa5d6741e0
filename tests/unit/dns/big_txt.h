/*
 * Zone texts at the loader's limits, for the tests of answers and
 * transfers there.
 *
 * big_txt: a zone's text ending in one TXT record of `octets` octets of rdata:
 * `head` (the zone's lines and the record's start, "big TXT"), then
 * strings of 255 characters (256 octets each with its length) and the
 * rest in one more. For the tests at the largest record (db.c's
 * rdata_max). Its length; text is NUL-terminated.
 */
#ifndef TESTS_UNIT_DNS_BIG_TXT_H
#define TESTS_UNIT_DNS_BIG_TXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t big_txt(char *text, size_t cap, const char *head, size_t octets)
{
	size_t w = (size_t)snprintf(text, cap, "%s", head);

	for (; octets; octets -= octets > 256 ? 256 : octets) {
		size_t n = (octets > 256 ? 256 : octets) - 1;
		assert_true(w + n + 3 < cap);
		text[w++] = ' ';
		memset(text + w, 'x', n);
		w += n;
	}
	text[w++] = '\n';
	text[w] = '\0';
	return w;
}

/*
 * A zone of example.org. whose `n` A records are all at big.example.org.
 * (10.0.0.0 and on): one RRset, up to db.h's 65535. Its text, malloc'd,
 * its length in *len.
 */
static char *big_rrset(unsigned n, size_t *len)
{
	size_t cap = 64 + (size_t)n * 24;
	char *text = malloc(cap);

	assert_non_null(text);
	*len = (size_t)snprintf(text, cap, "$TTL 60\n@ SOA ns hm 5 1 1 1 1\n");
	for (unsigned i = 0; i < n; i++)
		*len += (size_t)snprintf(text + *len, cap - *len, "big A 10.%u.%u.%u\n", i >> 16,
		                         i >> 8 & 255, i & 255);
	return text;
}

#endif
