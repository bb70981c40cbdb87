/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "error.h"
#include "hostpath.h"

static const char *const outcomes[] = {
	[DDA_OUTCOME_STARTED] = "started",	   [DDA_OUTCOME_DONE] = "done",
	[DDA_OUTCOME_ROLLED_BACK] = "rolled-back", [DDA_OUTCOME_FAILED] = "failed",
	[DDA_OUTCOME_INTERRUPTED] = "interrupted", [DDA_OUTCOME_REPAIRED] = "repaired",
	[DDA_OUTCOME_UNKNOWN] = "unknown",
};

const char *dda_outcome_name(enum dda_outcome o)
{
	return (size_t)o < ARRAY_SIZE(outcomes) ? outcomes[o] : NULL;
}

/* Control characters from a device name or an error message must not
 * reach a log reader's terminal as they are. */
/*
 * The one place that talks to syslog.  Facility daemon, not authpriv:
 * these are records of what a system tool did to the host, which
 * belong next to libvirtd's and systemd's in daemon.log and the journal,
 * not in the credentials log.  journald keeps the sender's _UID, so a
 * line some other user forged with ident "ddactl" can be told apart.
 */
static void to_syslog(struct dda_ctx *ctx, const char *op, const char *device, enum dda_outcome o, const char *reason,
		      const char *detail)
{
	static const int prio[] = {
		[DDA_OUTCOME_STARTED] = LOG_INFO,	 [DDA_OUTCOME_DONE] = LOG_NOTICE,
		[DDA_OUTCOME_ROLLED_BACK] = LOG_WARNING, [DDA_OUTCOME_FAILED] = LOG_ERR,
		[DDA_OUTCOME_INTERRUPTED] = LOG_WARNING, [DDA_OUTCOME_REPAIRED] = LOG_NOTICE,
		[DDA_OUTCOME_UNKNOWN] = LOG_INFO,
	};
	static bool opened;
	char dev[160], why[1100], more[600], who[128], root[PATH_MAX + 64] = "";
	const char *name = dda_outcome_name(o);

	if (!name)
		return;
	if (!opened) {
		openlog("ddactl", LOG_PID, LOG_DAEMON);
		opened = true;
	}
	dda_text_escape(dev, sizeof(dev), device);
	dda_text_escape(why, sizeof(why), reason);
	dda_text_escape(more, sizeof(more), detail);
	dda_text_escape(who, sizeof(who), dda_ctx_who(ctx));
	/* A change to a fake tree (tests, DDACTL_ROOT) is not one to the host. */
	if (strcmp(dda_ctx_root(ctx), "/"))
		dda_text_escape(root, sizeof(root), dda_ctx_root(ctx));
	syslog(prio[o], "%s%s%s%s by %s: %s%s%s%s%s%s%s%s%s", op, dev[0] ? " of '" : "", dev, dev[0] ? "'" : "", who,
	       name, why[0] ? ": " : "", why, more[0] ? " (" : "", more, more[0] ? ")" : "",
	       root[0] ? " [under root '" : "", root, root[0] ? "']" : "");
}

static int insert(struct dda_state *s, const char *op, const char *device, enum dda_outcome o, const char *reason,
		  const char *detail, int64_t *ret_id)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	sqlite3 *db = dda_state_db(s);

	if (sqlite3_prepare_v2(db,
			       "INSERT INTO audit (who, op, device, outcome, reason, detail, ended_at) VALUES "
			       "(?, ?, ?, ?, ?, ?, CASE WHEN ?4 = 'started' THEN NULL "
			       "ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END)",
			       -1, &st, NULL) != SQLITE_OK)
		return dda_state_error(s, "preparing the audit log");
	sqlite3_bind_text(st, 1, dda_ctx_who(dda_state_ctx(s)), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, op, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, device && *device ? device : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, dda_outcome_name(o), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, reason && *reason ? reason : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, detail && *detail ? detail : NULL, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "writing the audit log");
	if (ret_id)
		*ret_id = sqlite3_last_insert_rowid(db);
	return 0;
}

int64_t dda_audit_start(struct dda_state *s, const char *op, const char *device, const char *detail)
{
	int64_t id = 0;
	int r;

	if (!sqlite3_get_autocommit(dda_state_db(s)))
		return dda_error_code(-EBUSY, "state-error", device,
				      "the audit row of '%s' would be opened inside a transaction, where a rollback would take it away",
				      op);
	r = insert(s, op, device, DDA_OUTCOME_STARTED, NULL, detail, &id);
	if (r < 0)
		return r;
	to_syslog(dda_state_ctx(s), op, device, DDA_OUTCOME_STARTED, NULL, detail);
	return id;
}

void dda_audit_end(struct dda_state *s, int64_t id, enum dda_outcome o, const char *reason)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	char op[48] = "", device[128] = "", detail[512] = "", why[1200];
	bool written = false;

	if (id <= 0)
		return;
	/* The reason is read before anything here can record an error over it. */
	snprintf(why, sizeof(why), "%s", reason ? reason : "");
	if (sqlite3_prepare_v2(dda_state_db(s),
			       "UPDATE audit SET outcome = ?1, reason = ?2, ended_at = CASE WHEN ?1 = 'started' THEN NULL "
			       "ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END "
			       "WHERE id = ? RETURNING op, device, detail",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, dda_outcome_name(o), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, why[0] ? why : NULL, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			dda_state_text(op, sizeof(op), st, 0);
			dda_state_text(device, sizeof(device), st, 1);
			dda_state_text(detail, sizeof(detail), st, 2);
			written = sqlite3_step(st) == SQLITE_DONE;
		}
	}
	if (!written) {
		char what[80]; /* fits any row id */

		snprintf(what, sizeof(what), "audit row %" PRId64 " (not written to the state database)", id);
		to_syslog(dda_state_ctx(s), what, NULL, o, why, NULL);
		return;
	}
	to_syslog(dda_state_ctx(s), op, device, o, why, detail);
}

void dda_audit_end_r(struct dda_state *s, int64_t id, int r, enum dda_outcome failed)
{
	dda_audit_end(s, id, r < 0 ? failed : DDA_OUTCOME_DONE, r < 0 ? dda_last_error()->message : NULL);
}

int dda_audit(struct dda_state *s, const char *op, const char *device, enum dda_outcome o, const char *reason,
	      const char *detail)
{
	/* A failure being recorded is the caller's error to return: a
	 * failed write must not replace it (the reason is often its text). */
	struct dda_error_info keep = dda_error_save();
	char why[1200];
	int r;

	snprintf(why, sizeof(why), "%s", reason ? reason : "");
	r = insert(s, op, device, o, why, detail, NULL);
	to_syslog(dda_state_ctx(s), op, device, o, why, detail);
	if (r < 0 && reason)
		dda_error_restore(&keep, r);
	return r;
}

void dda_audit_settle(struct dda_state *s, const char *device, enum dda_outcome o, const char *reason)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ int64_t *ids = NULL;
	size_t n = 0, cap = 0;

	if (sqlite3_prepare_v2(dda_state_db(s),
			       "SELECT id FROM audit WHERE device = ? AND outcome = 'started' ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			int64_t *nv = realloc(ids, ncap * sizeof(*nv));

			if (!nv)
				break;
			ids = nv;
			cap = ncap;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(TAKE_PTR(st));
	for (size_t i = 0; i < n; i++)
		dda_audit_end(s, ids[i], o, reason);
}

int dda_audit_list(struct dda_state *s, const struct dda_audit_filter *f, struct dda_audit_row **ret, size_t *ret_n)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ struct dda_audit_row *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (sqlite3_prepare_v2(dda_state_db(s),
			       "SELECT id, at, ended_at, who, op, device, outcome, reason, detail FROM audit "
			       "WHERE (?1 IS NULL OR device = ?1) AND (?2 IS NULL OR at >= ?2) ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		return dda_state_error(s, "reading the audit log");
	sqlite3_bind_text(st, 1, f ? f->device : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f ? f->since : NULL, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct dda_audit_row *e;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct dda_audit_row *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			v = nv;
			cap = ncap;
		}
		e = &v[n++];
		e->id = sqlite3_column_int64(st, 0);
		dda_state_text(e->at, sizeof(e->at), st, 1);
		dda_state_text(e->ended_at, sizeof(e->ended_at), st, 2);
		dda_state_text(e->who, sizeof(e->who), st, 3);
		dda_state_text(e->op, sizeof(e->op), st, 4);
		dda_state_text(e->device, sizeof(e->device), st, 5);
		dda_state_text(e->outcome, sizeof(e->outcome), st, 6);
		dda_state_text(e->reason, sizeof(e->reason), st, 7);
		dda_state_text(e->detail, sizeof(e->detail), st, 8);
	}
	if (rc != SQLITE_DONE)
		return dda_state_error(s, "reading the audit log");
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* Digits only, exactly n of them, in range. */
static bool field(const char *p, int n, int lo, int hi, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*ret = v;
	return v >= lo && v <= hi;
}

static int parse_absolute(const char *t, time_t *ret)
{
	struct tm tm = { 0 }, back;
	size_t len = strlen(t);
	time_t when;

	if (len && t[len - 1] == 'Z')
		len--;
	if (!(len == 10 || len == 16 || len == 19) || !field(t, 4, 1970, 9999, &tm.tm_year) || t[4] != '-' ||
	    !field(t + 5, 2, 1, 12, &tm.tm_mon) || t[7] != '-' || !field(t + 8, 2, 1, 31, &tm.tm_mday))
		return -EINVAL;
	if (len == 10 && t[10] == 'Z')
		return -EINVAL; /* a date has no zone */
	if (len > 10 && ((t[10] != 'T' && t[10] != ' ') || !field(t + 11, 2, 0, 23, &tm.tm_hour) || t[13] != ':' ||
			 !field(t + 14, 2, 0, 59, &tm.tm_min)))
		return -EINVAL;
	if (len == 19 && (t[16] != ':' || !field(t + 17, 2, 0, 59, &tm.tm_sec)))
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	back = tm;
	when = timegm(&tm);
	/* timegm folds 2026-02-30 into March: such a date does not exist. */
	if (when == (time_t)-1 || tm.tm_mday != back.tm_mday || tm.tm_mon != back.tm_mon)
		return -EINVAL;
	*ret = when;
	return 0;
}

static int parse_age(const char *t, time_t now, time_t *ret)
{
	static const struct {
		char unit;
		long long seconds;
	} units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
	};
	long long n = 0;
	size_t len = strlen(t);

	if (len < 2 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i + 1 < len; i++) {
		if (!isdigit((unsigned char)t[i]))
			return -EINVAL;
		n = n * 10 + (t[i] - '0');
	}
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (t[len - 1] == units[i].unit) {
			/* Nine digits of weeks still fit; older than the epoch is all. */
			long long back = n * units[i].seconds;

			*ret = back >= (long long)now ? 0 : now - (time_t)back;
			return 0;
		}
	return -EINVAL;
}

int dda_audit_parse_since(const char *text, time_t now, char ret[24])
{
	char shown[200];
	time_t when;
	struct tm tm;

	if (!text || (parse_absolute(text, &when) < 0 && parse_age(text, now, &when) < 0) || !gmtime_r(&when, &tm)) {
		dda_text_escape(shown, sizeof(shown), text);
		return dda_error_input(-EINVAL, "usage", NULL,
				       "'%s' is not a time: give an ISO 8601 UTC time (2026-12-02T04:00:00Z), a date (2026-12-02) or an age (90m, 12h, 2d, 1w)",
				       shown);
	}
	strftime(ret, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return 0;
}

int dda_state_log(struct dda_state *s, const char *op, const char *device, const char *detail)
{
	return dda_audit(s, op, device, DDA_OUTCOME_DONE, NULL, detail);
}

int dda_audit_last_times(struct dda_state *s, int64_t *ret_ok, int64_t *ret_failed)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	*ret_ok = *ret_failed = 0;
	if (!s)
		return 0;
	/* A row still 'started' or written before outcomes were kept tells
	 * neither. */
	if (sqlite3_prepare_v2(dda_state_db(s),
			       "SELECT"
			       "  max(CASE WHEN outcome IN ('done', 'repaired') THEN strftime('%s', coalesce(ended_at, at)) END),"
			       "  max(CASE WHEN outcome IN ('rolled-back', 'failed', 'interrupted')"
			       "    THEN strftime('%s', coalesce(ended_at, at)) END) FROM audit",
			       -1, &st, NULL) != SQLITE_OK)
		return dda_state_error(s, "reading the audit log");
	if (sqlite3_step(st) != SQLITE_ROW)
		return dda_state_error(s, "reading the audit log");
	*ret_ok = sqlite3_column_int64(st, 0);
	*ret_failed = sqlite3_column_int64(st, 1);
	return 0;
}
