/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lspcihex.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

/* lspci writes lower case; upper case is accepted from hand-edited dumps. */
static int hexval(char c)
{
	static const char digits[] = "0123456789abcdef";
	const char *d = isxdigit((unsigned char)c) ? strchr(digits, tolower((unsigned char)c)) : NULL;

	return d ? (int)(d - digits) : -1;
}

int dda_lspci_hex_line(const char *line, uint8_t *cfg, size_t size)
{
	/* lspci writes the offset with two or three digits (three past 0xff)
	 * and always sixteen bytes; text lines start with a tab, a letter
	 * after digits, or a bus address with a colon after four digits. */
	size_t off = 0;
	int n = 0;
	const char *p = line;

	for (; hexval(*p) >= 0 && n < 4; p++, n++)
		off = off * 16 + (size_t)hexval(*p);
	if (n < 2 || n > 3 || *p != ':' || p[1] != ' ')
		return 0;
	if (off % 16)
		return -EINVAL;
	p++;
	for (int i = 0; i < 16; i++, p += 3) {
		int hi, lo;

		if (p[0] != ' ' || (hi = hexval(p[1])) < 0 || (lo = hexval(p[2])) < 0)
			return -EINVAL;
		if (off + (size_t)i >= size)
			return -EINVAL;
		cfg[off + (size_t)i] = (uint8_t)(hi * 16 + lo);
	}
	if (*p && *p != '\n')
		return -EINVAL;
	return (int)(off + 16);
}
