/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Waiting for the kernel (a driver bound, a VF count reached, a process
 * gone) or for another ddactl (the lock).  sysfs has no event for most of
 * these, so they are polled; the poll backs off from 1 ms, so a state the
 * kernel reaches at once costs no sleep and one it reaches later is seen
 * within a few ms of it, not at the next fixed tick.
 */
#ifndef DDA_WAIT_H
#define DDA_WAIT_H

#include "cleanup.h"

/* The longest sleep between two tries of dda_poll. */
#define DDA_POLL_MAX_STEP_MS 50

/* Sleeps ms milliseconds, resuming after a signal. */
void dda_sleep_ms(unsigned ms);

/* Calls check(data) until it returns non-zero or timeout_ms have passed
 * (it is always called once more at the end), sleeping 1, 2, 4 ... up to
 * DDA_POLL_MAX_STEP_MS ms between calls.  Returns check's non-zero result
 * (> 0 done, < 0 an error it recorded), or 0 at the timeout; nothing is
 * recorded here, the caller names what did not happen. */
int dda_poll(int (*check)(void *data), void *data, unsigned timeout_ms) _must_check_;

#endif
