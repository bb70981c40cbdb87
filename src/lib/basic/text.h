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

#endif
