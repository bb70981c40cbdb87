/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One writer at a time: an flock on <run dir>/lock (the context's run
 * directory).  A second ddactl waits a bounded time (the context's lock
 * timeout: DDACTL_LOCK_TIMEOUT seconds, default 30), then fails naming
 * the holder, whose pid and command line are in the file.
 * The kernel drops the lock when its holder dies, so a crash never
 * leaves it stuck.  The file is 0600 in a root-owned run directory
 * (checked as hostpath.h's dda_open_private_dir does): anyone who can
 * open it can flock() it, even read-only, and hold every root ddactl off.
 */
#ifndef DDA_LOCK_H
#define DDA_LOCK_H

#include "cleanup.h"

struct dda_ctx;

struct dda_lock;

/* what: the command line to show a waiting ddactl ("ddactl dismount 01:00.0"). */
int dda_lock_take(struct dda_ctx *ctx, struct dda_lock **ret, const char *what) _must_check_;
void dda_lock_release(struct dda_lock *l);
DDA_DEFINE_CLEANUP(struct dda_lock, dda_lock_release)

#endif
