/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which host paths a run read: the list survey --save turns into a
 * snapshot (report/snapshot.c), so the snapshot holds exactly what the
 * survey needs, whatever a later version of the scan comes to read.
 * hostpath.c notes every root-relative path it is asked to read, list or
 * test while a capture runs on the context; nothing is noted otherwise.
 */
#ifndef DDA_CAPTURE_H
#define DDA_CAPTURE_H

#include <stddef.h>

#include "cleanup.h"

struct dda_ctx;
struct dda_capture;

/* Starts noting on ctx (a second start keeps the first list). */
int dda_capture_start(struct dda_ctx *ctx) _must_check_;

/* Notes rel (root-relative, no leading '/').  Out of memory turns the
 * capture into a failed one, which dda_capture_paths() reports. */
void dda_capture_note(struct dda_ctx *ctx, const char *rel);

/* The paths noted so far, sorted, each once; borrowed from the context.
 * -ENOMEM when a note was lost, -EINVAL when no capture runs. */
int dda_capture_paths(struct dda_ctx *ctx, const char *const **ret, size_t *ret_n) _must_check_;

/* Ends the capture on ctx, dropping its list. */
void dda_capture_stop(struct dda_ctx *ctx);
void dda_capture_free(struct dda_capture *c);

#endif
