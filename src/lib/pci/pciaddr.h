/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Names of PCI functions: the kernel's address and Hyper-V's location path.
 *
 * An address is "DDDD:BB:DD.F" (the domain may be left out for domain 0).
 * A location path names a function by the way to it from its root bus,
 * one hop per bridge, so it survives bus renumbering:
 *
 *	PCIROOT(0)#PCI(0300)#PCI(0000)		bus 0, bridge at 03.0, then 00.0
 *	PCIROOT(1:80)#PCI(0102)			domain 1, root bus 0x80, 01.2
 *	PCIROOT(0)#PCI(0200)#PCI(0000)#VF(3)	VF index 3 of that PF
 *
 * Numbers are hex but for the VF index, which is decimal like the kernel's
 * virtfnN links.  Parsing accepts any case and prints canonical upper case,
 * so parse(format(x)) == x and format(parse(s)) is s normalised.
 */
#ifndef DDA_PCIADDR_H
#define DDA_PCIADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"

#define DDA_PCIADDR_LEN	     16 /* "0000:00:00.0" + NUL, with room for 5-digit domains */
#define DDA_LOCPATH_MAX_HOPS 32
#define DDA_LOCPATH_LEN	     (24 + DDA_LOCPATH_MAX_HOPS * 10 + 16) /* "#PCI(XXXX)" is 10 */

struct dda_pciaddr {
	uint32_t domain;
	uint8_t bus;
	uint8_t dev; /* 0..31 */
	uint8_t fn;  /* 0..7 */
};

struct dda_locpath {
	uint32_t domain;
	uint8_t bus; /* root bus number */
	unsigned nhops;
	struct {
		uint8_t dev;
		uint8_t fn;
	} hop[DDA_LOCPATH_MAX_HOPS];
	int vf; /* VF index, or -1 */
};

/* "0000:04:00.0" or "04:00.0"; -EINVAL on anything else. */
int dda_pciaddr_parse(const char *s, struct dda_pciaddr *ret) _must_check_;
/* "8086:10d3" (as lspci -nn prints ids): exactly four hex digits each,
 * so "-1:-1" or "10000:1" is refused rather than wrapped. */
int dda_pciid_parse(const char *s, uint16_t *vendor, uint16_t *device) _must_check_;
void dda_pciaddr_format(const struct dda_pciaddr *a, char buf[static DDA_PCIADDR_LEN]);
int dda_pciaddr_cmp(const struct dda_pciaddr *a, const struct dda_pciaddr *b);

int dda_locpath_parse(const char *s, struct dda_locpath *ret) _must_check_;
/* -ENAMETOOLONG if size is too small. */
int dda_locpath_format(const struct dda_locpath *l, char *buf, size_t size) _must_check_;
bool dda_locpath_equal(const struct dda_locpath *a, const struct dda_locpath *b);

/* True when s looks like a location path rather than an address. */
bool dda_is_locpath(const char *s);

#endif
