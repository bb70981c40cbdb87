/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fault injection for the crash tests: DDACTL_FAULT=<step> (the context's
 * fault point, ctx.h) kills the process with SIGKILL when it reaches that
 * named step, exactly as a power cut or an OOM kill would, so the lab can
 * prove the next run repairs it.
 * Steps are listed in docs/CRASH-SAFETY.md.
 */
#ifndef DDA_FAULT_H
#define DDA_FAULT_H

struct dda_ctx;

void dda_fault_point(struct dda_ctx *ctx, const char *step);

#endif
