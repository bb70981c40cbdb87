/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the host-use modules only: hostuse.c reads the host's facts
 * once and calls hostuse-block.c for the storage uses and the two small
 * helpers below (so the calls go one way); nothing else
 * includes this.
 */
#ifndef DDA_HOSTUSE_INTERNAL_H
#define DDA_HOSTUSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "device.h"
#include "mountinfo.h"
#include "pciaddr.h"

struct dda_ctx;

struct facts {
	struct dda_mount *mounts;
	size_t nmounts;
	char *swaps;	 /* "\nname\nname\n": basenames of swap devices */
	char *route_ifs; /* "\nif\n" for every interface with a route */
	char *addr_ifs;	 /* "\nif\n" for every interface with a non-link-local address */
};

/* The functions uses are attached to: the host scan's, in address order. */
struct devices {
	struct dda_device *v;
	size_t n;
};

/* name is in a "\nname\nname\n" set */
bool dda_hostuse_in_set(const char *set, const char *name);
/* The last PCI address in a sysfs device path: the function it hangs off. */
bool dda_hostuse_deepest_pci(const char *path, struct dda_pciaddr *ret);

int dda_hostuse_scan_block(struct dda_ctx *ctx, const struct devices *h, const struct facts *f);
int dda_hostuse_scan_virtio_fs(struct dda_ctx *ctx, const struct devices *h, const struct facts *f);

#endif
