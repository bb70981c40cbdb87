/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl's own memory: one SQLite database (WAL, schema versioned with
 * migrations) in the context's state directory (ctx.h), by default
 * /var/lib/ddactl under the root, or DDACTL_STATE_DIR / --state-dir.  It
 * outlives reboots; the run directory (/run/ddactl: lock, VM sockets)
 * does not.
 *
 * Every module that stores something declares its tables in state.c's
 * migration list, so the whole schema reads in one place.
 */
#ifndef DDA_STATE_H
#define DDA_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#include "cleanup.h"
#include "ctx.h"

/* The time a row is written, made by SQLite in the one format every
 * timestamp column holds (UTC, to the second: 2026-12-02T13:50:23Z), so
 * no writer formats its own clock. */
#define DDA_SQL_NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

struct dda_state;

enum dda_state_flags {
	DDA_STATE_READONLY = 1 << 0, /* never create; fail with -ENOENT when absent */
};

/*
 * The state directory, the database and its -wal/-shm are root's alone
 * (directory 0755, files 0600, checked as ssh's StrictModes does:
 * hostpath.h): no other user can lock them, and so none can block or
 * break a root ddactl.  Readers who are not root get snapshot.db, a copy
 * root publishes (0644, temp file + rename) when a writer closes the
 * database (once a run: a copy per commit cost more than the change on a
 * 9p state directory), opened immutable; one older than the database, as
 * it is while a writer runs, is refused with "not-root" rather than shown.  A writer backs the database up to
 * ddactl.db.bak-vN before migrating it from version N.
 */
int dda_state_open(struct dda_ctx *ctx, struct dda_state **ret, unsigned flags) _must_check_;

/* Publishes the snapshot now (root).  Records the error. */
int dda_state_publish(struct dda_ctx *ctx) _must_check_;
void dda_state_close(struct dda_state *s);
DDA_DEFINE_CLEANUP(struct dda_state, dda_state_close)

sqlite3 *dda_state_db(struct dda_state *s);
/* The context it was opened with. */
struct dda_ctx *dda_state_ctx(struct dda_state *s);

/* Whether the commits that follow wait for the disk (the default).  Off
 * for what only says how far a change got (a move's steps, an audit row
 * a synced intent follows at once): with WAL each costs no fsync, and
 * after a power cut the row shows an earlier step, from which the repair
 * works the same.  Ignored without WAL. */
void dda_state_durable(struct dda_state *s, bool durable);

/*
 * A write transaction (BEGIN IMMEDIATE ... COMMIT), in a variable that
 * rolls it back when it leaves scope uncommitted, so that no way out of a
 * function (an error, an early return, a failed COMMIT) leaves one open:
 *
 *	_cleanup_tx_ struct dda_tx tx = { 0 };
 *
 *	r = dda_tx_begin(&tx, s);
 *	...on error: return r;	(rolled back)
 *	return dda_tx_commit(&tx);
 *
 * Errors are recorded.
 */
struct dda_tx {
	struct dda_state *s; /* NULL: none open */
};

int dda_tx_begin(struct dda_tx *tx, struct dda_state *s) _must_check_;
int dda_tx_commit(struct dda_tx *tx) _must_check_;
/* Rolls back a transaction still open; nothing otherwise. */
void dda_tx_rollback(struct dda_tx *tx);
#define _cleanup_tx_ _cleanup_(dda_tx_rollback)

/* Records an SQLite failure as a dda_error and returns -EIO. */
int dda_state_error(struct dda_state *s, const char *what);

/* Appends a line to the audit log (who, what, which device) for a change
 * already made, outcome done: dda_audit(..., DDA_OUTCOME_DONE, ...).  A
 * change that takes steps uses dda_audit_start/end (audit.h). */
int dda_state_log(struct dda_state *s, const char *op, const char *device, const char *detail) _must_check_;

/* The schema version this ddactl writes, and the SQL that brings a
 * database from version - 1 to version (NULL outside 1..current), for
 * tests that build the databases older versions left behind. */
unsigned dda_state_schema_version(void);
const char *dda_state_migration(unsigned version);

/* A text column into a fixed buffer ("" for NULL), truncated to size. */
void dda_state_text(char *dst, size_t size, sqlite3_stmt *st, int col);

static inline void dda_sqlite_finalizep(sqlite3_stmt **st)
{
	if (*st)
		sqlite3_finalize(*st);
}
#define _cleanup_stmt_ _cleanup_(dda_sqlite_finalizep)

#endif
