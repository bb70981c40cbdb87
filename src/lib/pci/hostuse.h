/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the host itself is using, device by device: mounted or swapped
 * block devices (and those held by dm/md/LVM), 9p and virtiofs file
 * systems on virtio functions, network interfaces that are up with an
 * address or a route, the console's framebuffer, open DRM nodes.  A device the
 * host uses must not be taken from it; one that holds the root or /boot
 * file system must not be taken even by force.
 *
 * Every source is read once per scan, then matched to functions by the
 * PCI address deepest in each sysfs class link.
 */
#ifndef DDA_HOSTUSE_H
#define DDA_HOSTUSE_H

#include <stddef.h>

#include "cleanup.h"
#include "mountinfo.h"

struct dda_device;

/* Attaches dda_use entries to devs (n functions in address order, the
 * host scan's).  A use found on a function not in devs is left out: a
 * scan scoped to some devices reads only theirs.  Only OOM fails. */
int dda_hostuse_attach(struct dda_ctx *ctx, struct dda_device *devs, size_t n) _must_check_;

#endif
