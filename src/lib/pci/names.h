/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vendor and device names from the pci.ids database, through libpci.
 */
#ifndef DDA_NAMES_H
#define DDA_NAMES_H

#include <stdint.h>

#include "cleanup.h"

struct dda_names;

/* NULL on OOM; a missing pci.ids just gives no names. */
struct dda_names *dda_names_new(void);
void dda_names_free(struct dda_names *n);
DDA_DEFINE_CLEANUP(struct dda_names, dda_names_free)

/* "Intel Corporation 82574L Gigabit Network Connection", or NULL when the
 * database does not know the vendor.  Borrowed: valid until
 * dda_names_free(), and stable across calls. */
const char *dda_names_device(struct dda_names *n, uint16_t vendor, uint16_t device);

#endif
