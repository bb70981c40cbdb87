/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What stands between a local user and a root ddactl (state.c, lock.c,
 * hostpath.c's private paths, vmrun.c's running check and memlock plan):
 * modes, StrictModes-style refusals, the public snapshot for non-root
 * readers, the backup before a migration.  Each test gets a fresh root in
 * a temporary directory.  The tests that need other owners or another
 * user (chown, setresuid to nobody) are skipped when not run as root.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "error.h"
#include "hostpath.h"
#include "lock.h"
#include "qemu.h"
#include "state.h"
#include "vmrun.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <time.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fixture/testpath.h"

#define NOBODY 65534

struct t {
	char dir[PATH_MAX];   /* the root */
	char state[PATH_MAX]; /* <root>/var/lib/ddactl */
	struct dda_ctx *ctx;  /* on it, with the default directories */
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	snprintf(t->dir, sizeof(t->dir), "%s/ddactl-state.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(t->dir))
		return -1;
	/* nobody must reach the tree, as it reaches / on a real host */
	chmod(t->dir, 0755);
	test_pathf(t->state, sizeof(t->state), "%s/var/lib/ddactl", t->dir);
	unsetenv("DDACTL_STATE_DIR");
	unsetenv("DDACTL_RUN_DIR");
	if (dda_ctx_new(&t->ctx, &(struct dda_ctx_options){ .root = t->dir }) < 0)
		return -1;
	dda_error_clear();
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	dda_ctx_free(t->ctx);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static unsigned mode_of(const char *fmt, ...) _printf_(1, 2);
static unsigned mode_of(const char *fmt, ...)
{
	char path[PATH_MAX];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (lstat(path, &st) < 0)
		fail_msg("%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

static void sh(const char *fmt, ...) _printf_(1, 2);
static void sh(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

/* A writer that makes one change (a named pool) and closes, publishing. */
static void write_pool(const struct t *t, const char *name)
{
	struct dda_state *s = NULL;
	char sql[128];

	assert_int_equal(dda_state_open(t->ctx, &s, 0), 0);
	snprintf(sql, sizeof(sql), "INSERT INTO named_pool VALUES ('%s', 'now')", name);
	assert_int_equal(sqlite3_exec(dda_state_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
	dda_state_close(s);
}

static void expect_refused(int r, const char *code, const char *needle)
{
	assert_true(r < 0);
	assert_string_equal(dda_last_error()->code, code);
	if (!strstr(dda_last_error()->message, needle))
		fail_msg("'%s' not in: %s", needle, dda_last_error()->message);
}

/* ------------------------------------------------------------------ paths */

static void test_state_dir_under_root(void **state)
{
	struct t *t = *state;
	_cleanup_(dda_ctx_freep) struct dda_ctx *c = NULL, *e = NULL;
	char want[PATH_MAX];

	assert_string_equal(dda_ctx_state_dir(t->ctx), t->state);
	assert_int_equal(dda_ctx_new(&c, &(struct dda_ctx_options){ .root = t->dir, .state_dir = "/srv/dda" }), 0);
	test_pathf(want, sizeof(want), "%s/srv/dda", t->dir);
	assert_string_equal(dda_ctx_state_dir(c), want);
	setenv("DDACTL_RUN_DIR", "/x/run", 1);
	assert_int_equal(dda_ctx_new_from_env(&e, &(struct dda_ctx_options){ .root = t->dir }), 0);
	unsetenv("DDACTL_RUN_DIR");
	test_pathf(want, sizeof(want), "%s/x/run", t->dir);
	assert_string_equal(dda_ctx_run_dir(e), want);
	/* each context its own: the first keeps the default */
	test_pathf(want, sizeof(want), "%s/run/ddactl", t->dir);
	assert_string_equal(dda_ctx_run_dir(c), want);
}

/* What main() checks before a command runs: a context from the
 * environment, with overrides as --state-dir gives them. */
static int ctx_check(const struct dda_ctx_options *overrides)
{
	struct dda_ctx *c = NULL;
	int r = dda_ctx_new_from_env(&c, overrides);

	/* the real host's state is never the fallback */
	if (r < 0)
		assert_null(c);
	dda_ctx_free(c);
	return r;
}

static void test_paths_check(void **state)
{
	(void)state;
	setenv("DDACTL_ROOT", "", 1);
	expect_refused(ctx_check(NULL), "invalid", "DDACTL_ROOT is set but empty");
	setenv("DDACTL_ROOT", "/nonexistent-ddactl-root", 1);
	expect_refused(ctx_check(NULL), "not-found", "/nonexistent-ddactl-root");
	setenv("DDACTL_ROOT", "/", 1);
	setenv("DDACTL_STATE_DIR", "relative/dir", 1);
	expect_refused(ctx_check(NULL), "invalid", "not an absolute path");
	expect_refused(ctx_check(&(struct dda_ctx_options){ .state_dir = "other" }), "invalid",
		       "the state directory 'other' is not an absolute path");
	setenv("DDACTL_STATE_DIR", "", 1);
	expect_refused(ctx_check(NULL), "invalid", "DDACTL_STATE_DIR is empty");
	unsetenv("DDACTL_STATE_DIR");
	setenv("DDACTL_RUN_DIR", "run", 1);
	expect_refused(ctx_check(NULL), "invalid", "DDACTL_RUN_DIR 'run'");
	unsetenv("DDACTL_RUN_DIR");
	assert_int_equal(ctx_check(NULL), 0);
	unsetenv("DDACTL_ROOT");
}

/* ------------------------------------------------------------------ modes */

static void test_modes(void **state)
{
	struct t *t = *state;
	struct dda_lock *l = NULL;

	write_pool(t, "a");
	assert_int_equal(mode_of("%s", t->state), 0755);
	assert_int_equal(mode_of("%s/ddactl.db", t->state), 0600);
	assert_int_equal(mode_of("%s/ddactl.db-wal", t->state), 0600);
	assert_int_equal(mode_of("%s/ddactl.db-shm", t->state), 0600);
	assert_int_equal(mode_of("%s/snapshot.db", t->state), 0644);
	assert_int_equal(dda_lock_take(t->ctx, &l, "test"), 0);
	assert_int_equal(mode_of("%s/run/ddactl", t->dir), 0755);
	assert_int_equal(mode_of("%s/run/ddactl/lock", t->dir), 0600);
	dda_lock_release(l);
}

/* What an older ddactl left: 0644 files, a 0775 directory. */
static void test_old_modes_fixed(void **state)
{
	struct t *t = *state;
	struct dda_lock *l = NULL;

	write_pool(t, "a");
	sh("chmod 0644 '%s'/ddactl.db '%s'/ddactl.db-wal '%s'/ddactl.db-shm", t->state, t->state, t->state);
	sh("chmod 0750 '%s' && mkdir -p '%s/run/ddactl' && install -m 0644 /dev/null '%s/run/ddactl/lock'", t->state,
	   t->dir, t->dir);
	write_pool(t, "b");
	assert_int_equal(mode_of("%s/ddactl.db", t->state), 0600);
	assert_int_equal(mode_of("%s/ddactl.db-wal", t->state), 0600);
	assert_int_equal(mode_of("%s/ddactl.db-shm", t->state), 0600);
	/* narrowed only: 0750 stays 0750 (nobody then needs root) */
	assert_int_equal(mode_of("%s", t->state), 0750);
	assert_int_equal(dda_lock_take(t->ctx, &l, "test"), 0);
	assert_int_equal(mode_of("%s/run/ddactl/lock", t->dir), 0600);
	dda_lock_release(l);
}

/* ------------------------------------------------------------------ StrictModes */

static void test_symlinked_db_refused(void **state)
{
	struct t *t = *state;
	struct dda_state *s = NULL;

	sh("mkdir -p '%s' && touch '%s/victim' && ln -s '%s/victim' '%s/ddactl.db'", t->state, t->dir, t->dir, t->state);
	expect_refused(dda_state_open(t->ctx, &s, 0), "unsafe-path", "symbolic link");
	assert_non_null(strstr(dda_last_error()->message, t->state));
	expect_refused(dda_state_open(t->ctx, &s, DDA_STATE_READONLY), "unsafe-path", "symbolic link");
	/* the target was never written as a database */
	sh("test ! -s '%s/victim'", t->dir);
}

static void test_symlinked_wal_refused(void **state)
{
	struct t *t = *state;
	struct dda_state *s = NULL;

	write_pool(t, "a");
	sh("rm '%s/ddactl.db-wal' && ln -s /dev/null '%s/ddactl.db-wal'", t->state, t->state);
	expect_refused(dda_state_open(t->ctx, &s, 0), "unsafe-path", "ddactl.db-wal");
}

static void test_symlinked_dir_refused(void **state)
{
	struct t *t = *state;
	struct dda_state *s = NULL;
	struct dda_lock *l = NULL;

	sh("mkdir -p '%s/elsewhere' '%s/var/lib' '%s/run' && ln -s '%s/elsewhere' '%s' && ln -s '%s/elsewhere' '%s/run/ddactl'",
	   t->dir, t->dir, t->dir, t->dir, t->state, t->dir, t->dir);
	expect_refused(dda_state_open(t->ctx, &s, 0), "unsafe-path", "symbolic link");
	expect_refused(dda_lock_take(t->ctx, &l, "test"), "unsafe-path", "run/ddactl");
	sh("test ! -e '%s/elsewhere/ddactl.db' && test ! -e '%s/elsewhere/lock'", t->dir, t->dir);
}

static void test_world_writable_refused(void **state)
{
	struct t *t = *state;
	struct dda_state *s = NULL;

	write_pool(t, "a");
	/* a parent, as StrictModes checks every one up to the root */
	sh("chmod 0777 '%s/var/lib'", t->dir);
	expect_refused(dda_state_open(t->ctx, &s, 0), "unsafe-path", "writable by group or others");
	assert_non_null(strstr(dda_last_error()->message, "chmod go-w"));
	expect_refused(dda_state_open(t->ctx, &s, DDA_STATE_READONLY), "unsafe-path", "var/lib");
	sh("chmod 0755 '%s/var/lib' && chmod 0775 '%s'", t->dir, t->state);
	expect_refused(dda_state_open(t->ctx, &s, 0), "unsafe-path", t->state);
	sh("chmod 0755 '%s'", t->state);
	assert_int_equal(dda_state_open(t->ctx, &s, 0), 0);
	dda_state_close(s);
}

static void test_foreign_owner_refused(void **state)
{
	struct t *t = *state;
	struct dda_state *s = NULL;
	struct dda_lock *l = NULL;

	need_root();
	write_pool(t, "a");
	assert_int_equal(chown(t->state, NOBODY, NOBODY), 0);
	expect_refused(dda_state_open(t->ctx, &s, 0), "unsafe-path", "owned by uid 65534");
	assert_non_null(strstr(dda_last_error()->message, "chown root:root"));
	assert_int_equal(chown(t->state, 0, 0), 0);
	sh("chown %d '%s/ddactl.db'", NOBODY, t->state);
	expect_refused(dda_state_open(t->ctx, &s, 0), "unsafe-path", "ddactl.db");
	sh("chown 0 '%s/ddactl.db' && chown %d '%s/ddactl.db-shm'", t->state, NOBODY, t->state);
	expect_refused(dda_state_open(t->ctx, &s, 0), "unsafe-path", "ddactl.db-shm");
	sh("chown 0 '%s/ddactl.db-shm'", t->state);
	assert_int_equal(dda_lock_take(t->ctx, &l, "test"), 0);
	dda_lock_release(l);
	sh("chown %d '%s/run/ddactl/lock'", NOBODY, t->dir);
	expect_refused(dda_lock_take(t->ctx, &l, "test"), "unsafe-path", "run/ddactl/lock");
}

/* ------------------------------------------------------------------ schema */

static void test_newer_schema_refused_by_readers(void **state)
{
	struct t *t = *state;
	struct dda_state *s = NULL;

	write_pool(t, "a");
	assert_int_equal(dda_state_open(t->ctx, &s, 0), 0);
	assert_int_equal(sqlite3_exec(dda_state_db(s), "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	dda_state_close(s);
	expect_refused(dda_state_open(t->ctx, &s, DDA_STATE_READONLY), "state-too-new", "schema version 999");
	assert_non_null(strstr(dda_last_error()->message, "newer than this ddactl knows ("));
	expect_refused(dda_state_open(t->ctx, &s, 0), "state-too-new", "schema version 999");
}

/* A database at version 2 (before SR-IOV) is kept as it was before the
 * migration, with the online backup API: root-only, whole, version 2. */
static void test_backup_before_migration(void **state)
{
	struct t *t = *state;
	struct dda_state *s = NULL;
	char bak[PATH_MAX];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	/* a real schema 2 database: its migrations, run by hand */
	write_pool(t, "new");
	sh("rm -f '%s'/ddactl.db*", t->state);
	test_pathf(bak, sizeof(bak), "%s/ddactl.db", t->state);
	assert_int_equal(sqlite3_open(bak, &db), SQLITE_OK);
	for (unsigned v = 1; v <= 2; v++)
		assert_int_equal(sqlite3_exec(db, dda_state_migration(v), NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO named_pool VALUES ('kept', 'now'); PRAGMA user_version = 2",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(TAKE_PTR(db));
	assert_int_equal(chmod(bak, 0600), 0);
	test_pathf(bak, sizeof(bak), "%s/ddactl.db.bak-v2", t->state);
	assert_int_equal(access(bak, F_OK), -1);

	assert_int_equal(dda_state_open(t->ctx, &s, 0), 0);
	dda_state_close(s);
	assert_int_equal(mode_of("%s", bak), 0600);
	assert_int_equal(sqlite3_open_v2(bak, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT (SELECT user_version FROM pragma_user_version),"
					    " (SELECT count(*) FROM named_pool WHERE name = 'kept'),"
					    " (SELECT count(*) FROM sqlite_master WHERE name = 'sriov_pf')",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 2);
	assert_int_equal(sqlite3_column_int(st, 1), 1);
	assert_int_equal(sqlite3_column_int(st, 2), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	/* a fresh database has nothing to keep */
	sh("rm -f '%s'/ddactl.db* && rm -f '%s'", t->state, bak);
	write_pool(t, "new");
	sh("test -z \"$(ls '%s' | grep bak)\"", t->state);
}

/* ------------------------------------------------------------------ non-root readers */

/* Runs fn as nobody in a child; its exit status (0 = ok). */
static int as_nobody(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(99);
		_exit(fn(arg));
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* 0: saw named pools 'a' and 'b' through the snapshot.  10+: how it
 * failed.  20: refused as "not-root".  21: no state at all. */
static int read_pools(void *arg)
{
	const struct t *t = arg;
	struct dda_state *s = NULL;
	sqlite3_stmt *st = NULL;
	int r, n = -1;

	r = dda_state_open(t->ctx, &s, DDA_STATE_READONLY);
	if (r == -ENOENT)
		return 21;
	if (r < 0)
		return strcmp(dda_last_error()->code, "not-root") ? 10 : 20;
	if (sqlite3_prepare_v2(dda_state_db(s), "SELECT group_concat(name) FROM named_pool", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_text(st, 0) && !strcmp((const char *)sqlite3_column_text(st, 0), "a,b") ? 0 : 11;
	sqlite3_finalize(st);
	dda_state_close(s);
	return n < 0 ? 12 : n;
}

/* The locks a hostile user would take, if only they could open the files. */
static int try_locks(void *arg)
{
	const struct t *t = arg;
	static const char *const files[] = { "var/lib/ddactl/ddactl.db", "var/lib/ddactl/ddactl.db-shm",
					     "var/lib/ddactl/ddactl.db-wal", "run/ddactl/lock" };
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		test_pathf(path, sizeof(path), "%s/%s", t->dir, files[i]);
		if (open(path, O_RDONLY) >= 0 || errno != EACCES)
			return 30 + (int)i;
	}
	/* nor can they put a file where root will look */
	test_pathf(path, sizeof(path), "%s/var/lib/ddactl/x", t->dir);
	if (open(path, O_WRONLY | O_CREAT, 0644) >= 0)
		return 40;
	return 0;
}

/* A host where root never made a database: an empty answer is the truth. */
static void test_nonroot_no_state(void **state)
{
	struct t *t = *state;

	need_root();
	sh("mkdir -p '%s'", t->state);
	assert_int_equal(as_nobody(read_pools, t), 21);
}

static void test_nonroot_reads_snapshot(void **state)
{
	struct t *t = *state;
	struct dda_lock *l = NULL;
	char path[PATH_MAX];
	struct timespec later[2];

	need_root();
	write_pool(t, "a");
	write_pool(t, "b");
	assert_int_equal(dda_lock_take(t->ctx, &l, "test"), 0);
	dda_lock_release(l);
	assert_int_equal(as_nobody(try_locks, t), 0);
	assert_int_equal(as_nobody(read_pools, t), 0);
	/* a change root has not published yet is not shown as if it were
	 * not there: the reader is told it needs root */
	test_pathf(path, sizeof(path), "%s/ddactl.db-wal", t->state);
	clock_gettime(CLOCK_REALTIME, &later[0]);
	later[0].tv_sec += 10;
	later[1] = later[0];
	assert_int_equal(utimensat(AT_FDCWD, path, later, 0), 0);
	assert_int_equal(as_nobody(read_pools, t), 20);
	/* any root change publishes again */
	assert_int_equal(dda_state_publish(t->ctx), 0);
	test_pathf(path, sizeof(path), "%s/snapshot.db", t->state);
	assert_int_equal(utimensat(AT_FDCWD, path, later, 0), 0);
	assert_int_equal(as_nobody(read_pools, t), 0);
	/* no snapshot at all: needs root, never "empty" */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(as_nobody(read_pools, t), 20);
}

/* ------------------------------------------------------------------ VM running */

struct vmq {
	struct dda_ctx *ctx;
	const char *name;
	pid_t want;
};

static int vm_pid_is(void *arg)
{
	const struct vmq *q = arg;
	pid_t got = dda_vm_pid(q->ctx, q->name);

	if (q->want < 0)
		return got < 0 && !strcmp(dda_last_error()->code, "not-root") ? 0 : 50;
	return got == q->want ? 0 : 51;
}

/* A root "QEMU" (a copy of sleep named like one) with the pid file root
 * publishes; the real /proc, so the root is "/" and the run dir ours. */
static void test_nonroot_sees_running_vm(void **state)
{
	struct t *t = *state;
	char run[PATH_MAX], qemu[PATH_MAX + 32], pidf[PATH_MAX + 32];
	struct vmq q = { .name = "guest" };
	pid_t pid;
	FILE *f;

	need_root();
	test_pathf(run, sizeof(run), "%s/run", t->dir);
	snprintf(qemu, sizeof(qemu), "%s/qemu-system-x86_64", t->dir);
	sh("mkdir -p '%s/vm/guest' && chmod 0711 '%s/vm/guest' && cp /bin/sleep '%s'", run, run, qemu);
	assert_int_equal(dda_ctx_new(&q.ctx, &(struct dda_ctx_options){ .root = "/", .run_dir = run }), 0);
	pid = fork();
	if (pid == 0) {
		execl(qemu, qemu, "60", (char *)NULL);
		_exit(127);
	}
	snprintf(pidf, sizeof(pidf), "%s/vm/guest/qemu.pid", run);
	f = fopen(pidf, "w");
	assert_non_null(f);
	fprintf(f, "%d\n", (int)pid);
	fclose(f);
	/* exec has happened once /proc shows the new name */
	for (int i = 0; i < 100; i++) {
		char comm[64] = "";
		FILE *c;

		snprintf(qemu, sizeof(qemu), "/proc/%d/comm", (int)pid);
		c = fopen(qemu, "r");
		if (c && fgets(comm, sizeof(comm), c) && !strncmp(comm, "qemu", 4)) {
			fclose(c);
			break;
		}
		if (c)
			fclose(c);
		usleep(10000);
	}
	q.want = pid;
	assert_int_equal(vm_pid_is(&q), 0);
	assert_int_equal(chmod(pidf, 0644), 0);
	assert_int_equal(as_nobody(vm_pid_is, &q), 0);
	/* a pid file nobody may read: "cannot tell", not "stopped" */
	assert_int_equal(chmod(pidf, 0600), 0);
	q.want = -1;
	assert_int_equal(as_nobody(vm_pid_is, &q), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(chmod(pidf, 0644), 0);
	q.want = 0;
	assert_int_equal(as_nobody(vm_pid_is, &q), 0);
	assert_int_equal(vm_pid_is(&q), 0);
	dda_ctx_free(q.ctx);
}

/* ------------------------------------------------------------------ memlock */

static void test_memlock_plan(void **state)
{
	const uint64_t need = 4096 * DDA_MiB;
	struct rlimit out, have;

	(void)state;
	/* enough already: nothing changes */
	have = (struct rlimit){ need, need };
	assert_int_equal(dda_vmrun_memlock_plan("v", need, &have, false, false, &out), 0);
	assert_true(out.rlim_cur == need && out.rlim_max == need);
	have = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	assert_int_equal(dda_vmrun_memlock_plan("v", need, &have, false, false, &out), 0);
	assert_true(out.rlim_cur == RLIM_INFINITY);
	/* the soft limit goes up to the hard one without privilege */
	have = (struct rlimit){ 8 * DDA_MiB, RLIM_INFINITY };
	assert_int_equal(dda_vmrun_memlock_plan("v", need, &have, false, false, &out), 0);
	assert_true(out.rlim_cur == need && out.rlim_max == RLIM_INFINITY);
	/* past the hard limit: CAP_SYS_RESOURCE raises both */
	have = (struct rlimit){ 8 * DDA_MiB, 8 * DDA_MiB };
	assert_int_equal(dda_vmrun_memlock_plan("v", need, &have, false, true, &out), 0);
	assert_true(out.rlim_cur == need && out.rlim_max == need);
	/* CAP_IPC_LOCK: the limit does not apply; left alone */
	assert_int_equal(dda_vmrun_memlock_plan("v", need, &have, true, false, &out), 0);
	assert_true(out.rlim_cur == 8 * DDA_MiB && out.rlim_max == 8 * DDA_MiB);
	/* neither: refused before QEMU, naming both capabilities */
	dda_error_clear();
	expect_refused(dda_vmrun_memlock_plan("v", need, &have, false, false, &out), "memlock", "CAP_SYS_RESOURCE");
	assert_non_null(strstr(dda_last_error()->message, "CAP_IPC_LOCK"));
	assert_non_null(strstr(dda_last_error()->message, "4096 MiB"));
	assert_string_equal(dda_last_error()->device, "v");
	/* one byte short of the hard limit is still short */
	have = (struct rlimit){ 0, need - 1 };
	assert_true(dda_vmrun_memlock_plan("v", need, &have, false, false, &out) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_state_dir_under_root),
		T(test_paths_check),
		T(test_modes),
		T(test_old_modes_fixed),
		T(test_symlinked_db_refused),
		T(test_symlinked_wal_refused),
		T(test_symlinked_dir_refused),
		T(test_world_writable_refused),
		T(test_foreign_owner_refused),
		T(test_newer_schema_refused_by_readers),
		T(test_backup_before_migration),
		T(test_nonroot_no_state),
		T(test_nonroot_reads_snapshot),
		T(test_nonroot_sees_running_vm),
		T(test_memlock_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
