/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit trail: one row per change ddactl makes to the host (and to
 * its own records), in the state database's audit table, with who, what,
 * which device, the outcome and its reason; each row also goes to
 * syslog(3) (ident "ddactl", facility daemon), so `journalctl -t ddactl`
 * shows the same story.
 *
 * A change that takes steps opens its row as 'started' before the first
 * step, in a write of its own (never inside a transaction: rolling back
 * the move's transaction must not take its record with it), and closes it
 * with the outcome once that is known.  A row left 'started' by a killed
 * run is settled by the repair that finishes the move.
 */
#ifndef DDA_AUDIT_H
#define DDA_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cleanup.h"
#include "text.h"
#include "state.h"

enum dda_outcome {
	DDA_OUTCOME_STARTED, /* no outcome yet: running, waiting, or killed */
	DDA_OUTCOME_DONE,
	DDA_OUTCOME_ROLLED_BACK, /* failed part way, and what was done is undone */
	DDA_OUTCOME_FAILED,	 /* failed; see the reason for what is left */
	DDA_OUTCOME_INTERRUPTED, /* the run died; a repair could not finish it yet */
	DDA_OUTCOME_REPAIRED,	 /* the run died; a later run put the device back */
	DDA_OUTCOME_UNKNOWN,	 /* written before ddactl kept outcomes (schema 3) */
};

/* "done", "rolled-back"...; NULL for a value out of range. */
const char *dda_outcome_name(enum dda_outcome o);

/*
 * Opens a row as 'started' and returns its id (> 0), or -errno with the
 * error recorded: then the change must not go ahead, since it could not
 * be accounted for.  Refused (-EBUSY) inside a transaction.
 */
int64_t dda_audit_start(struct dda_state *s, const char *op, const char *device, const char *detail) _must_check_;

/*
 * Closes row id with its outcome and reason (NULL: none).  The change has
 * happened by now, so a failure to write is not returned: it goes to
 * syslog with the outcome, which is never lost.
 */
void dda_audit_end(struct dda_state *s, int64_t id, enum dda_outcome o, const char *reason);

/* The outcome for a step result: done when r == 0, else `failed`, with
 * the last error's message as the reason. */
void dda_audit_end_r(struct dda_state *s, int64_t id, int r, enum dda_outcome failed);

/* When the last change ended that succeeded (done, or repaired after a
 * crash) and the last that did not (rolled back, failed, interrupted), in
 * seconds since the epoch; 0 when there is none. */
int dda_audit_last_times(struct dda_state *s, int64_t *ret_ok, int64_t *ret_failed) _must_check_;

/* A row that is complete when written (a change made in one step). */
int dda_audit(struct dda_state *s, const char *op, const char *device, enum dda_outcome o, const char *reason,
	      const char *detail) _must_check_;

/* Closes every row of device still 'started' (the run that opened it
 * died: the caller holds the lock) as o, with reason. */
void dda_audit_settle(struct dda_state *s, const char *device, enum dda_outcome o, const char *reason);

struct dda_audit_row {
	int64_t id;
	char at[24];	   /* opened, UTC, 2026-12-02T04:01:02Z */
	char ended_at[24]; /* closed ("" while started) */
	char who[96];
	char op[48];
	char device[128]; /* "" when none */
	char outcome[16];
	char reason[1024];
	char detail[512];
};

struct dda_audit_filter {
	const char *device; /* NULL: all; else exactly this device (or VM) */
	const char *since;  /* NULL: all; else rows opened at or after it (dda_audit_parse_since) */
};

/* Rows matching f, oldest first. */
int dda_audit_list(struct dda_state *s, const struct dda_audit_filter *f, struct dda_audit_row **ret,
		   size_t *ret_n) _must_check_;

/*
 * A --since argument as the UTC timestamp the table uses: ISO 8601 UTC
 * (2026-12-02T04:00:00Z, without seconds, without Z, or with a space for
 * the T), a date (2026-12-02: its midnight, UTC), or an age before now:
 * a number and s, m, h, d or w (90m, 2d).  -EINVAL (recorded) otherwise.
 */
int dda_audit_parse_since(const char *text, time_t now, char ret[24]) _must_check_;


#endif
