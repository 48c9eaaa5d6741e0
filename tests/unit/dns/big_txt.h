/*
 * A zone's text ending in one TXT record of `octets` octets of rdata:
 * `head` (the zone's lines and the record's start, "big TXT"), then
 * strings of 255 characters (256 octets each with its length) and the
 * rest in one more. For the tests at the largest record (db.c's
 * rdata_max). Its length; text is NUL-terminated.
 */
#ifndef TESTS_UNIT_DNS_BIG_TXT_H
#define TESTS_UNIT_DNS_BIG_TXT_H

#include <stdio.h>
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

#endif
