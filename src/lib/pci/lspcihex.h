/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hex dump lspci prints with -x/-xxx/-xxxx ("40: 05 00 ..."), read back
 * into config space bytes: the first piece of surveying a host from its
 * lspci dump (docs/PREDICT.md).  The text is someone else's file, so every
 * line is checked and nothing is trusted beyond what it spells out.
 */
#ifndef DDA_LSPCIHEX_H
#define DDA_LSPCIHEX_H

#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"

/* Reads one dump line into cfg (size bytes, 4096 for a full PCIe space).
 * Returns the offset just past the last byte stored (the length the dump
 * proves so far), 0 when the line is not a hex dump line (lspci's text
 * lines), -EINVAL when it looks like one but is malformed or out of range. */
int dda_lspci_hex_line(const char *line, uint8_t *cfg, size_t size) _must_check_;

#endif
