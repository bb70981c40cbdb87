/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* Length of the valid UTF-8 sequence at s that is not a C0/C1 control
 * character, or 0. */
static size_t printable_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] >= 0x20 && s[0] < 0x7f)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode, and C1 controls (a
	 * terminal may take U+009B as CSI) */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp < 0xa0)
		return 0;
	return n;
}

void dda_text_escape(char *buf, size_t size, const char *s)
{
	size_t off = 0, k;

	if (!size)
		return;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && off + 1 < size; p += k) {
		k = printable_len(p);
		if (k && off + k < size) {
			memcpy(buf + off, p, k);
			off += k;
		} else if (k) {
			break;
		} else {
			k = 1;
			if (off + 4 >= size)
				break;
			off += (size_t)snprintf(buf + off, size - off, "\\x%02x", *p);
		}
	}
	buf[off] = '\0';
}

void dda_textf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

int dda_text_index(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (table[i] && !strcmp(table[i], s))
			return (int)i;
	return -EINVAL;
}
