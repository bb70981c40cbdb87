/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vendor and device names: from udev's hwdb when the host has one and it
 * knows the vendor, else from the pci.ids database through libpci.
 */
#ifndef DDA_NAMES_H
#define DDA_NAMES_H

#include <stdint.h>

#include "cleanup.h"

struct dda_names;

/* Which databases dda_names_new_from() may ask. */
enum {
	DDA_NAMES_HWDB = 1u << 0,    /* udev's hwdb.bin, an indexed trie */
	DDA_NAMES_PCI_IDS = 1u << 1, /* pci.ids, parsed whole on first use */
	DDA_NAMES_ANY = DDA_NAMES_HWDB | DDA_NAMES_PCI_IDS,
};

/* NULL on OOM; a missing hwdb or pci.ids just gives fewer names.
 * dda_names_new() is dda_names_new_from(DDA_NAMES_ANY). */
struct dda_names *dda_names_new(void);
struct dda_names *dda_names_new_from(unsigned sources);
void dda_names_free(struct dda_names *n);
DDA_DEFINE_CLEANUP(struct dda_names, dda_names_free)

/* "Intel Corporation 82574L Gigabit Network Connection", or NULL when no
 * database knows the vendor.  Borrowed: valid until dda_names_free(), and
 * stable across calls. */
const char *dda_names_device(struct dda_names *n, uint16_t vendor, uint16_t device);

#endif
