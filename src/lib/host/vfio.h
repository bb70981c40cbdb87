/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who holds a VFIO group: the check before a reset or an unbind of a
 * device on vfio-pci.
 */
#ifndef DDA_VFIO_H
#define DDA_VFIO_H

#include <stddef.h>

struct dda_ctx;

/* Pids of processes that hold the group open (/dev/vfio/<group>, or a
 * member's iommufd cdev /dev/vfio/devices/vfioN), for refusing to reset or
 * unbind a device a VM still uses (the unbind would block).  Writes up to
 * max pids; returns how many were found. */
size_t dda_vfio_group_users(struct dda_ctx *ctx, int group, int *pids, size_t max);

#endif
