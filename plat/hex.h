/*
 * One hexadecimal digit's value, shared by the parsers of hex text (the
 * entropy seed, IPv6 addresses, Git object ids). Header-only so that every
 * module, guest or host, can use it without linking anything.
 */
#ifndef PLAT_HEX_H
#define PLAT_HEX_H

/* 0-15 for '0'-'9', 'a'-'f', 'A'-'F'; -1 for anything else. */
static inline int plat_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
