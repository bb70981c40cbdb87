/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI configuration space: one defensive walk over bytes already read.
 *
 * The bytes come from sysfs `config` (4096 for PCIe as root, 256 for
 * conventional PCI, only 64 for non-root readers), from a captured dump, or
 * from a fuzzer.  The walker trusts none of it: pointers are masked and
 * range-checked, each offset is visited once (a loop ends the walk and is
 * flagged), and a function that reads as all ones is powered down or gone,
 * not a device with every capability.  Register names come from libpci's
 * <pci/header.h>.
 */
#ifndef DDA_PCICFG_H
#define DDA_PCICFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"

enum dda_config_flags {
	DDA_CFG_ALL_ONES = 1 << 0, /* vendor id 0xffff and header all ones: D3cold/removed */
	DDA_CFG_LOOPED = 1 << 1,   /* a capability list points back into itself */
	DDA_CFG_BROKEN = 1 << 2,   /* a pointer out of range or into the header */
	DDA_CFG_SHORT = 1 << 3,	   /* fewer bytes than the device has (not root) */
	DDA_CFG_EXT_LOOPED = 1 << 4,
	DDA_CFG_EXT_BROKEN = 1 << 5,
};

/* Offsets of the capabilities ddactl decides on; 0 means absent. */
struct dda_caps {
	uint16_t pm, msi, msix, pcie, pcix, af; /* standard list */
	uint16_t acs, sriov, ari;		/* extended list */
	unsigned nstd, next;			/* entries seen */
	unsigned flags;				/* enum dda_config_flags */
};

/* Walks both capability lists.  Never fails: what cannot be trusted is
 * reported through flags, and the offsets found before that stay valid. */
void dda_config_parse(const uint8_t *cfg, size_t len, struct dda_caps *ret);

/* Bounds-checked little-endian reads; out of range reads as all ones, like
 * a master abort, and callers must have checked the offset came from the
 * walker or the fixed header. */
uint8_t dda_cfg8(const uint8_t *cfg, size_t len, size_t off);
uint16_t dda_cfg16(const uint8_t *cfg, size_t len, size_t off);
uint32_t dda_cfg32(const uint8_t *cfg, size_t len, size_t off);

/* Names ACS bits the way the kernel's grouping asks for them ("SV RR CR
 * UF"; the others are not named) into buf; returns buf. */
const char *dda_acs_names(uint16_t bits, char *buf, size_t size);

#endif
