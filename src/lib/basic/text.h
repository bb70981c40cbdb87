/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text that came from outside (a user's argument, a device's name, a
 * kernel message) made safe to echo on a terminal, in a log or in JSON.
 */
#ifndef DDA_TEXT_H
#define DDA_TEXT_H

#include <stddef.h>

#include "cleanup.h"

/* s as one line: C0 and C1 control characters, DEL and bytes that are
 * not valid UTF-8 become \xNN; valid UTF-8 text is kept.  Truncated to
 * size at a whole character or escape, always terminated; NULL is "". */
void dda_text_escape(char *buf, size_t size, const char *s);

/* printf into buf, cut to size on purpose: for a message, where a
 * shortened text still says what it must.  Paths use dda_pathf, which
 * refuses to cut; -Wformat-truncation flags a plain snprintf. */
void dda_textf(char *buf, size_t size, const char *fmt, ...) _printf_(3, 4);
/* The index of s in table (n entries, NULL entries skipped), or -EINVAL
 * when s is NULL or not there: the one lookup behind every
 * dda_*_state_from_string, so that states are compared as enums. */
int dda_text_index(const char *const *table, size_t n, const char *s);

/* Defines name_to_string() (NULL outside the table) and
 * name_from_string() (-EINVAL when unknown) for an enum whose values
 * 0..n-1 index table, as systemd's DEFINE_STRING_TABLE_LOOKUP does. */
#define DDA_DEFINE_STRING_TABLE(name, type, table)                                     \
	const char *name##_to_string(type v)                                           \
	{                                                                              \
		return (int)v >= 0 && (size_t)v < ARRAY_SIZE(table) ? table[v] : NULL; \
	}                                                                              \
	type name##_from_string(const char *s)                                         \
	{                                                                              \
		return (type)dda_text_index(table, ARRAY_SIZE(table), s);              \
	}

#endif
