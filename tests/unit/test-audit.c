/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit trail (audit.c) on the kernel model: every host change gets a
 * row with its real outcome (done, rolled back, failed, repaired after a
 * kill) and the reason, which survives the rollback of the transaction
 * that wrote the intent; each row also goes to syslog, caught here by
 * defining syslog(3) in this program (a link-time seam: the library is
 * static, so its calls bind to these).  And the schema 3 -> 5 migrations,
 * and --since parsing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "kmodel-helpers.h"
#include "audit.h"
#include "error.h"
#include "pool.h"
#include "sriov.h"
#include "state.h"
#include "vm.h"
#include "vmrun.h"

/* ------------------------------------------------------- the syslog seam */

static struct {
	char ident[32];
	int option, facility;
	int n;
	int prio[32];
	char line[32][1400];
} sl;

void openlog(const char *ident, int option, int facility)
{
	snprintf(sl.ident, sizeof(sl.ident), "%s", ident);
	sl.option = option;
	sl.facility = facility;
}

static void sl_add(int prio, const char *fmt, va_list ap)
{
	if (sl.n >= (int)ARRAY_SIZE(sl.line))
		return;
	sl.prio[sl.n] = prio;
	vsnprintf(sl.line[sl.n++], sizeof(sl.line[0]), fmt, ap);
}

void syslog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_add(prio, fmt, ap);
	va_end(ap);
}

/* What <syslog.h> turns syslog() into under _FORTIFY_SOURCE. */
void __syslog_chk(int prio, int flag, const char *fmt, ...);
void __syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	sl_add(prio, fmt, ap);
	va_end(ap);
}

/* The index of the last line with every fragment in it, or fails. */
static int sl_find(const char *a, const char *b)
{
	for (int i = sl.n - 1; i >= 0; i--)
		if (strstr(sl.line[i], a) && (!b || strstr(sl.line[i], b)))
			return i;
	for (int i = 0; i < sl.n; i++)
		print_message("syslog %d: %s\n", sl.prio[i], sl.line[i]);
	fail_msg("no syslog line with '%s' and '%s'", a, b ? b : "");
	return -1;
}

/* ------------------------------------------------------------- helpers */

/* The pool tests' host (EP on i40e, alone in group 2), surveyed, with
 * nothing logged yet. */
static void host(struct fx *f)
{
	pool_host(f);
	scan(f);
	memset(&sl, 0, sizeof(sl));
}

/* The rows of device, oldest first; n is checked. */
static struct dda_audit_row *rows_of(struct dda_state *s, const char *device, size_t want)
{
	struct dda_audit_filter flt = { .device = device };
	struct dda_audit_row *v = NULL;
	size_t n = 0;

	assert_int_equal(dda_audit_list(s, &flt, &v, &n), 0);
	if (n != want) {
		for (size_t i = 0; i < n; i++)
			print_message("row %zu: %s %s %s %s\n", i, v[i].op, v[i].device, v[i].outcome, v[i].reason);
		fail_msg("%zu audit rows for %s, expected %zu", n, device, want);
	}
	return v;
}

/* --------------------------------------------------------------- tests */

static void test_dismount_mount_done(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ struct dda_audit_row *v = NULL;
	int i;

	host(f);
	s = fx_state(f);
	assert_int_equal(dismount(f, s, EP, 0), 0);
	assert_string_equal(driver_of(f, EP), "vfio-pci");
	assert_int_equal(mount(f, s, EP), 0);
	assert_string_equal(driver_of(f, EP), "i40e");

	v = rows_of(s, EP, 2);
	assert_string_equal(v[0].op, "dismount");
	assert_string_equal(v[0].outcome, "done");
	assert_string_equal(v[0].reason, "");
	assert_string_equal(v[0].detail, "from i40e");
	assert_string_equal(v[0].who, "alice (via sudo)");
	assert_true(v[0].ended_at[0] && strcmp(v[0].ended_at, v[0].at) >= 0);
	assert_string_equal(v[1].op, "mount");
	assert_string_equal(v[1].outcome, "done");
	assert_string_equal(v[1].detail, "to i40e");

	/* Each change is told to syslog as it starts and as it ends. */
	assert_string_equal(sl.ident, "ddactl");
	assert_int_equal(sl.facility, LOG_DAEMON);
	assert_true(sl.option & LOG_PID);
	i = sl_find("dismount of '" EP "' by alice (via sudo): started", "from i40e");
	assert_int_equal(sl.prio[i], LOG_INFO);
	i = sl_find("dismount of '" EP "' by alice (via sudo): done", "from i40e");
	assert_int_equal(sl.prio[i], LOG_NOTICE);
	sl_find("mount of '" EP "' by alice (via sudo): done", "to i40e");
	assert_int_equal(sl.n, 4);
}

/* The kernel refuses the move: the dismount is undone, and says so with
 * the kernel's error. */
static void test_dismount_rolled_back(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ struct dda_audit_row *v = NULL;
	struct dda_pool_entry e;
	int i;

	host(f);
	MUST(fh_model_override(f->fh, EP, EIO));
	s = fx_state(f);
	assert_int_equal(dismount(f, s, EP, 0), -EIO);
	assert_string_equal(driver_of(f, EP), "i40e");
	assert_int_equal(dda_pool_get(s, EP, &e), -ENOENT);

	v = rows_of(s, EP, 1);
	assert_string_equal(v[0].op, "dismount");
	assert_string_equal(v[0].outcome, "rolled-back");
	expect_contains(v[0].reason, EP);
	expect_contains(v[0].reason, "driver_override");
	i = sl_find("dismount of '" EP "'", ": rolled-back: ");
	assert_int_equal(sl.prio[i], LOG_WARNING);
}

/* The intent's transaction itself rolls back (here a trigger refuses the
 * pool row): the audit row was written before it, so it stays, failed,
 * with the reason. */
static void test_dismount_intent_rolled_back(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ struct dda_audit_row *v = NULL;

	host(f);
	s = fx_state(f);
	assert_int_equal(sqlite3_exec(dda_state_db(s),
				      "CREATE TEMP TRIGGER no_pool BEFORE INSERT ON pool_device "
				      "BEGIN SELECT RAISE(ABORT, 'disk full, say'); END;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(dismount(f, s, EP, 0), -EIO);
	assert_string_equal(driver_of(f, EP), "i40e");
	v = rows_of(s, EP, 1);
	assert_string_equal(v[0].outcome, "failed");
	expect_contains(v[0].reason, "disk full, say");
	sl_find(": failed: ", "disk full, say");
}

/* A give-back that fails: the row says failed and why; the pool row stays
 * 'mounting', and the repair that finishes it has a row of its own. */
static void test_mount_failed_then_repaired(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ struct dda_audit_row *v = NULL;
	struct dda_repair rep = { 0 };
	struct dda_pool_entry e;

	host(f);
	s = fx_state(f);
	assert_int_equal(dismount(f, s, EP, 0), 0);
	MUST(fh_model_reset(f->fh, EP, EIO, false));
	assert_int_equal(mount(f, s, EP), -EIO);
	assert_int_equal(dda_pool_get(s, EP, &e), 0);
	assert_int_equal(e.state, DDA_POOL_MOUNTING);

	MUST(fh_model_reset(f->fh, EP, 0, false));
	assert_int_equal(dda_pool_recover(s, &rep), 0);
	assert_string_equal(driver_of(f, EP), "i40e");
	v = rows_of(s, EP, 3);
	assert_string_equal(v[1].op, "mount");
	assert_string_equal(v[1].outcome, "failed");
	expect_contains(v[1].reason, "reset");
	assert_string_equal(v[2].op, "repair");
	assert_string_equal(v[2].outcome, "done");
	expect_contains(v[2].detail, "interrupted mount after step 'recorded', given back to i40e");
}

/* A dismount killed between two steps leaves its row 'started'; the
 * repair that gives the device back closes it as repaired. */
static void test_killed_dismount_repaired(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ struct dda_audit_row *v = NULL;
	struct dda_state *s;
	struct dda_repair rep = { 0 };
	int status;
	pid_t pid;

	host(f);
	s = fx_state(f);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the fault point is read with the context, as a new process
		 * makes it: one of its own, on the state and host again */
		setenv("DDACTL_FAULT", "dismount:unbound", 1);
		fx_ctx_renew(f);
		s = fx_state(f);
		scan(f);
		(void)!dismount(f, s, EP, 0);
		_exit(0); /* not reached: the fault point kills */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_string_equal(driver_of(f, EP), "");

	v = rows_of(s, EP, 1);
	assert_string_equal(v[0].outcome, "started");
	assert_string_equal(v[0].ended_at, "");
	free(v);

	assert_int_equal(dda_pool_recover(s, &rep), 0);
	assert_string_equal(driver_of(f, EP), "i40e");
	v = rows_of(s, EP, 2);
	assert_string_equal(v[0].op, "dismount");
	assert_string_equal(v[0].outcome, "repaired");
	assert_string_equal(v[0].reason, "interrupted dismount after step 'unbound', given back to i40e");
	assert_true(v[0].ended_at[0]);
	assert_string_equal(v[1].op, "repair");
	assert_string_equal(v[1].outcome, "done");
	sl_find("dismount of '" EP "'", ": repaired: interrupted dismount after step 'unbound'");
	dda_state_close(s);
}

static void test_no_start_inside_a_transaction(void **state)
{
	struct fx *f = *state;
	struct dda_tx tx = { 0 };
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ struct dda_audit_row *v = NULL;

	host(f);
	s = fx_state(f);
	assert_int_equal(dda_tx_begin(&tx, s), 0);
	assert_int_equal(dda_audit_start(s, "dismount", EP, NULL), -EBUSY);
	dda_tx_rollback(&tx);
	v = rows_of(s, EP, 0);
	assert_int_equal(sl.n, 0);
}

/* Control characters never reach syslog raw. */
static void test_syslog_escapes(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	char buf[16], want[PATH_MAX + 128];

	host(f);
	s = fx_state(f);
	assert_int_equal(dda_audit(s, "vm create", "evil\033[2J", DDA_OUTCOME_FAILED, "bad\nline", NULL), 0);
	snprintf(want, sizeof(want),
		 "vm create of 'evil\\x1b[2J' by alice (via sudo): failed: bad\\x0aline [under root '%s']",
		 dda_ctx_root(f->ctx));
	assert_string_equal(sl.line[0], want);
	/* on the real root, nothing to tell apart: the line takes the root's
	 * name from the context, while the database stays open where it is */
	snprintf(f->ctx->root, sizeof(f->ctx->root), "/");
	assert_int_equal(dda_audit(s, "vm delete", "g1", DDA_OUTCOME_DONE, NULL, NULL), 0);
	assert_string_equal(sl.line[1], "vm delete of 'g1' by alice (via sudo): done");
	assert_int_equal(sl.prio[1], LOG_NOTICE);
	assert_int_equal(sl.prio[0], LOG_ERR);
	dda_text_escape(buf, sizeof(buf), "a\tb\x7f");
	assert_string_equal(buf, "a\\x09b\\x7f");
	/* C1 controls too (a terminal may take U+009B as CSI), and bytes that
	 * are not UTF-8; real UTF-8 text stays */
	dda_text_escape(buf, sizeof(buf),
			"\xc2\x9b"
			"J\xff\xc3\xa9");
	assert_string_equal(buf, "\\xc2\\x9bJ\\xff\xc3\xa9");
	/* truncated at a whole escape, always terminated */
	dda_text_escape(buf, 8, "\x01\x02\x03");
	assert_string_equal(buf, "\\x01");
}

static void test_filters(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ struct dda_audit_row *v = NULL;
	struct dda_audit_filter flt = { .since = "2026-01-01T00:00:00Z" };
	size_t n;

	host(f);
	s = fx_state(f);
	assert_int_equal(dda_audit(s, "vm create", "vm1", DDA_OUTCOME_DONE, NULL, NULL), 0);
	assert_int_equal(dda_audit(s, "restore", EP, DDA_OUTCOME_DONE, NULL, "from i40e"), 0);
	assert_int_equal(sqlite3_exec(dda_state_db(s),
				      "UPDATE audit SET at = '2025-12-31T23:59:59Z' WHERE device = 'vm1'", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	free(rows_of(s, "vm1", 1));
	assert_int_equal(dda_audit_list(s, &flt, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].device, EP);
	free(TAKE_PTR(v));
	flt.since = "2025-12-31T23:59:59Z";
	assert_int_equal(dda_audit_list(s, &flt, &v, &n), 0);
	assert_int_equal(n, 2);
}

static void test_parse_since(void **state)
{
	/* 2026-12-02T04:00:00Z */
	const time_t now = 1796184000;
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "2026-12-02T03:04:05Z", "2026-12-02T03:04:05Z" },
		{ "2026-12-02T03:04:05", "2026-12-02T03:04:05Z" },
		{ "2026-12-02 03:04", "2026-12-02T03:04:00Z" },
		{ "2026-12-02T03:04Z", "2026-12-02T03:04:00Z" },
		{ "2026-12-02", "2026-12-02T00:00:00Z" },
		{ "2024-02-29", "2024-02-29T00:00:00Z" },
		{ "90m", "2026-12-02T02:30:00Z" },
		{ "1h", "2026-12-02T03:00:00Z" },
		{ "2d", "2026-11-30T04:00:00Z" },
		{ "1w", "2026-11-25T04:00:00Z" },
		{ "30s", "2026-12-02T03:59:30Z" },
		{ "999999999w", "1970-01-01T00:00:00Z" },
	};
	static const char *const bad[] = {
		"",
		"yesterday",
		"2026-13-01",
		"2026-02-29",
		"2026-12-32",
		"2026-12-02T24:00",
		"2026-12-02T03:60",
		"2026-12-02T03:04:05+02:00",
		"2026-12-02Z",
		"2026-1-2",
		"-1h",
		"1y",
		"h",
		"1.5h",
		"12345678901s",
		"2026-12-02T03",
		"2026-12-02T03:04:05ZZ",
		"1969-12-31",
	};
	char out[24];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		if (dda_audit_parse_since(good[i].in, now, out) < 0)
			fail_msg("'%s' refused: %s", good[i].in, dda_last_error()->message);
		assert_string_equal(out, good[i].out);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (dda_audit_parse_since(bad[i], now, out) == 0)
			fail_msg("'%s' taken as %s", bad[i], out);
		assert_string_equal(dda_last_error()->code, "usage");
	}
	assert_int_equal(dda_audit_parse_since("x\033y", now, out), -EINVAL);
	expect_contains(dda_last_error()->message, "'x\\x1by' is not a time");
}

/* A schema 3 database, as ddactl before outcomes wrote it: the rows keep
 * their ids and times; those logged with their intent become unknown. */
static void test_migration_from_3(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ struct dda_audit_row *v = NULL;
	char dir[PATH_MAX], path[PATH_MAX];
	sqlite3 *db;

	host(f);
	snprintf(dir, sizeof(dir), "%s/state", fh_root(f->fh));
	assert_int_equal(mkdir(dir, 0700), 0);
	test_pathf(path, sizeof(path), "%s/ddactl.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* the real schema 3, whose audit table is schema 1's */
	for (unsigned ver = 1; ver <= 3; ver++)
		assert_int_equal(sqlite3_exec(db, dda_state_migration(ver), NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO audit VALUES (7, '2026-11-01T10:00:00Z', 'bob (via sudo)', 'dismount', '" EP
				      "', 'i40e');"
				      "INSERT INTO audit VALUES (8, '2026-11-01T10:05:00Z', 'bob (via sudo)', 'mount', '" EP
				      "', 'i40e');"
				      "INSERT INTO audit VALUES (9, '2026-11-01T10:06:00Z', 'root', 'vf set', '" EP
				      "', '4 VFs');"
				      "PRAGMA user_version = 3;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);

	s = fx_state(f);
	v = rows_of(s, EP, 3);
	assert_int_equal(v[0].id, 7);
	assert_string_equal(v[0].at, "2026-11-01T10:00:00Z");
	assert_string_equal(v[0].who, "bob (via sudo)");
	assert_string_equal(v[0].outcome, "unknown");
	expect_contains(v[0].reason, "before the outcome was known");
	assert_string_equal(v[0].detail, "i40e");
	assert_string_equal(v[1].outcome, "done");
	assert_string_equal(v[1].reason, "");
	assert_string_equal(v[1].ended_at, "2026-11-01T10:05:00Z");
	assert_string_equal(v[2].outcome, "unknown");
	free(TAKE_PTR(v));

	/* the new table takes new rows after the old ids */
	assert_int_equal(dda_audit(s, "restore", EP, DDA_OUTCOME_DONE, NULL, NULL), 0);
	v = rows_of(s, EP, 4);
	assert_int_equal(v[3].id, 10);
	/* and refuses an outcome it does not know */
	assert_int_not_equal(sqlite3_exec(dda_state_db(s),
					  "INSERT INTO audit (who, op, outcome) VALUES ('x', 'y', 'fine')", NULL, NULL,
					  NULL),
			     SQLITE_OK);
}

/* Boot: a pooled device that came up on its host driver is claimed again,
 * and the row says from where; one the driver will not let go of fails. */
static void test_restore(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ struct dda_audit_row *v = NULL;
	struct dda_repair rep = { 0 };

	host(f);
	s = fx_state(f);
	assert_int_equal(dismount(f, s, EP, 0), 0);
	/* the reboot: override gone, the host driver probed first */
	assert_int_equal(sysfs_write(f, "sys/bus/pci/devices/" EP "/driver_override", "\n"), 0);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/devices/" EP "/driver/unbind", EP), 0);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers_probe", EP), 0);
	assert_string_equal(driver_of(f, EP), "i40e");
	rescan(f);
	assert_int_equal(dda_pool_restore(f->h, s, NULL, &rep), 0);
	assert_string_equal(driver_of(f, EP), "vfio-pci");
	v = rows_of(s, EP, 2);
	assert_string_equal(v[1].op, "restore");
	assert_string_equal(v[1].outcome, "done");
	assert_string_equal(v[1].detail, "from i40e");
	sl_find("restore of '" EP "'", ": done (from i40e)");
}

/* vm add-device: done for a stopped VM; failed, with the reason, when
 * its record cannot be written (a trigger refuses it). */
static void test_vm_add_device(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ struct dda_audit_row *v = NULL;
	enum dda_assign_result res;
	struct dda_vm vm;
	bool pending;

	host(f);
	s = fx_state(f);
	assert_int_equal(dismount(f, s, EP, 0), 0);
	dda_vm_init(&vm, "g1");
	assert_int_equal(dda_vm_create(s, &vm), 0);
	rescan(f);

	assert_int_equal(sqlite3_exec(dda_state_db(s),
				      "CREATE TEMP TRIGGER no_vm_device BEFORE INSERT ON vm_device "
				      "BEGIN SELECT RAISE(ABORT, 'vm_device refused'); END;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_not_equal(dda_vmrun_assign(s, f->h, "g1", dev(f, EP), &res), 0);
	assert_int_equal(sqlite3_exec(dda_state_db(s), "DROP TRIGGER no_vm_device", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(dda_vmrun_assign(s, f->h, "g1", dev(f, EP), &res), 0);
	assert_int_equal(res, DDA_ASSIGN_DONE);
	assert_int_equal(dda_vmrun_unassign(s, f->h, "g1", dev(f, EP), 0, &pending), 0);
	assert_false(pending);

	v = rows_of(s, EP, 4);
	assert_string_equal(v[1].op, "vm add-device");
	assert_string_equal(v[1].outcome, "failed");
	expect_contains(v[1].reason, "vm_device refused");
	assert_string_equal(v[2].op, "vm add-device");
	assert_string_equal(v[2].outcome, "done");
	assert_string_equal(v[2].detail, "to VM g1");
	assert_string_equal(v[3].op, "vm remove-device");
	assert_string_equal(v[3].outcome, "done");
	assert_string_equal(v[3].detail, "from VM g1");
}

/* vf set on the model: the PF's row is done, and each VF that went
 * straight into the pool has its own. */
static void test_vf_set_done(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ struct dda_audit_row *v = NULL;
	struct dda_repair rep = { 0 };

	sriov_host(f);
	s = fx_state(f);
	memset(&sl, 0, sizeof(sl));
	assert_int_equal(dda_sriov_set(s, EP, 2, DDA_SRIOV_POOL, &rep), 0);
	v = rows_of(s, EP, 1);
	assert_string_equal(v[0].op, "vf set");
	assert_string_equal(v[0].outcome, "done");
	assert_string_equal(v[0].detail, "2 VFs, pooled, from 0");
	free(TAKE_PTR(v));
	v = rows_of(s, VF1, 1);
	assert_string_equal(v[0].op, "pool");
	assert_string_equal(v[0].outcome, "done");
	assert_string_equal(v[0].detail, "a new VF, straight into the pool");
	sl_find("vf set of '" EP "'", ": done (2 VFs, pooled, from 0)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dismount_mount_done),
		T(test_dismount_rolled_back),
		T(test_dismount_intent_rolled_back),
		T(test_mount_failed_then_repaired),
		T(test_killed_dismount_repaired),
		T(test_restore),
		T(test_vf_set_done),
		T(test_vm_add_device),
		T(test_no_start_inside_a_transaction),
		T(test_syslog_escapes),
		T(test_filters),
		cmocka_unit_test(test_parse_since),
		T(test_migration_from_3),
	};

	/* The invoking user, as sudo tells it. */
	setenv("SUDO_USER", "alice", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
