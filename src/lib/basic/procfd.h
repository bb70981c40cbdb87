/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who holds a device node open: one walk over /proc/PID/fd under the root.
 * Host use asks it of DRM nodes (a compositor on the GPU), the pool of
 * vfio nodes (a VM still holding a group).
 */
#ifndef DDA_PROCFD_H
#define DDA_PROCFD_H

#include <stdint.h>

struct dda_ctx;

/* Called for an open file of process pid whose link target starts with
 * the walk's prefix.  Returns 0 to go on, 1 to skip the rest of this
 * process's files, or a negative errno to stop the walk with it. */
typedef int (*dda_procfd_fn)(struct dda_ctx *ctx, uint32_t pid, const char *target, void *data);

/* Calls fn for every such file of every process but this one (ddactl's
 * own files are not a holder).  Processes that end or cannot be read
 * during the walk are passed over.  Returns 0 or fn's negative errno. */
int dda_procfd_walk(struct dda_ctx *ctx, const char *prefix, dda_procfd_fn fn, void *data);

#endif
