/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the pool's three modules share, and nothing outside state/pool*.c
 * includes: the row writes of pool.c that the moves (pool-move.c) and the
 * repairs (pool-repair.c) are made of, and the one kernel sequence both of
 * those end with.  pool-repair.c calls pool-move.c, never the other way.
 */
#ifndef DDA_POOL_INTERNAL_H
#define DDA_POOL_INTERNAL_H

#include <stdbool.h>

#include "pool.h"

#define VFIO		"vfio-pci"
#define BIND_TIMEOUT_MS 5000

/* pool.c: one row's state and step, in the caller's transaction. */
int dda_pool_set_state(struct dda_state *s, const char *address, enum dda_pool_state state, const char *step);
/* pool.c: the step noted (not synced) and offered to the fault injector. */
int dda_pool_step(struct dda_state *s, const char *op, const char *address, enum dda_pool_state state, const char *name);
int dda_pool_delete(struct dda_state *s, const char *address);
/* pool.c: pooled and quarantined in one statement, and logged. */
int dda_pool_quarantine(struct dda_state *s, const char *address, const char *reason);
/* pool.c: r is a reset or check that found the device not answering. */
bool dda_pool_dead_after_reset(int r);
/* pool.c: a row per move of p that is not skipped, in one transaction. */
int dda_pool_insert(struct dda_state *s, const struct dda_plan *p, enum dda_pool_state state);

/* pool-move.c: back to its original driver ("" = the kernel's choice)
 * from wherever a move left it.  Idempotent. */
int dda_pool_return_to_host(struct dda_ctx *ctx, const char *bdf, const char *original);

#endif
