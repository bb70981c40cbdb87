/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "hostpath.h"
#include "state.h"

struct dda_state {
	sqlite3 *db;
};

static char state_dir[PATH_MAX];
static char run_dir[PATH_MAX];

/*
 * The schema, one migration per version: a database at user_version N
 * gets migrations N+1.. applied in one transaction.  Never edit a
 * migration that has shipped; add one.
 */
static const char *const migrations[] = {
	/* 1: the pool and its journal */
	"CREATE TABLE pool_device ("
	"  address TEXT PRIMARY KEY,"
	"  location_path TEXT NOT NULL,"
	"  vendor INTEGER NOT NULL, device INTEGER NOT NULL,"
	"  subvendor INTEGER NOT NULL, subdevice INTEGER NOT NULL,"
	"  class INTEGER NOT NULL,"
	"  iommu_group INTEGER NOT NULL,"
	/* The driver to give it back to ('' = none).  Written before the
	 * device is touched: a crash can never lose it. */
	"  original_driver TEXT NOT NULL,"
	"  requested INTEGER NOT NULL,"		/* named by the user; 0 = group companion */
	"  brought_by TEXT,"			/* for companions: the device that needed it */
	"  forced INTEGER NOT NULL DEFAULT 0,"
	"  forced_by TEXT, forced_reasons TEXT,"
	"  added_at TEXT NOT NULL,"
	/* dismounting -> pooled -> mounting: the row is the intent. */
	"  state TEXT NOT NULL CHECK (state IN ('dismounting', 'pooled', 'mounting')),"
	"  step TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
	"  who TEXT NOT NULL, op TEXT NOT NULL, device TEXT, detail TEXT"
	");",
	/* 2: virtual machines, their devices, named pools */
	"CREATE TABLE vm ("
	"  name TEXT PRIMARY KEY,"
	"  memory_mb INTEGER NOT NULL, cpus INTEGER NOT NULL,"
	"  disk TEXT NOT NULL DEFAULT '', kernel TEXT NOT NULL DEFAULT '',"
	"  initrd TEXT NOT NULL DEFAULT '', append TEXT NOT NULL DEFAULT '',"
	"  firmware TEXT NOT NULL DEFAULT 'bios', accel TEXT NOT NULL DEFAULT 'auto',"
	"  qemu_args TEXT NOT NULL DEFAULT '[]',"	/* JSON array of strings */
	"  mmio_below_mb INTEGER NOT NULL DEFAULT -1,"	/* -1: computed from the BARs */
	"  mmio_above_mb INTEGER NOT NULL DEFAULT -1,"
	"  hotplug_ports INTEGER NOT NULL DEFAULT 2,"
	"  created_at TEXT NOT NULL"
	");"
	/* One owner per device: the address is the key. */
	"CREATE TABLE vm_device ("
	"  address TEXT PRIMARY KEY REFERENCES pool_device(address) ON UPDATE CASCADE,"
	"  vm TEXT NOT NULL REFERENCES vm(name) ON DELETE CASCADE,"
	"  location_path TEXT NOT NULL,"
	"  vendor INTEGER NOT NULL, device INTEGER NOT NULL,"
	"  subvendor INTEGER NOT NULL, subdevice INTEGER NOT NULL,"
	"  requested INTEGER NOT NULL,"		/* 0: a group companion, kept out of QEMU */
	"  via_pool TEXT,"			/* picked from a named pool at start */
	"  qemu_id TEXT, port TEXT,"		/* while the VM runs */
	"  state TEXT NOT NULL DEFAULT 'assigned' CHECK (state IN ('assigned', 'removing'))"
	");"
	"CREATE TABLE named_pool (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);"
	"CREATE TABLE named_pool_member ("
	"  pool TEXT NOT NULL REFERENCES named_pool(name) ON DELETE CASCADE,"
	"  address TEXT NOT NULL REFERENCES pool_device(address) ON UPDATE CASCADE ON DELETE CASCADE,"
	"  PRIMARY KEY (pool, address)"
	");"
	"CREATE TABLE vm_pool_request ("
	"  id INTEGER PRIMARY KEY,"
	"  vm TEXT NOT NULL REFERENCES vm(name) ON DELETE CASCADE,"
	"  pool TEXT NOT NULL REFERENCES named_pool(name)"
	");",
	/* 3: SR-IOV (sriov.c): the VF count of each PF and whether its VFs go
	 * straight into the pool, restored at boot; each VF's network policy.
	 * A PF is its location path plus its ids: another card in the slot is
	 * left alone. */
	"CREATE TABLE sriov_pf ("
	"  location_path TEXT PRIMARY KEY,"
	"  address TEXT NOT NULL,"			/* where it was last seen */
	"  vendor INTEGER NOT NULL, device INTEGER NOT NULL,"
	"  subvendor INTEGER NOT NULL, subdevice INTEGER NOT NULL,"
	"  num_vfs INTEGER NOT NULL CHECK (num_vfs >= 0),"
	"  pool INTEGER NOT NULL DEFAULT 0,"
	/* The intent: 'changing' from before the first sysfs write until the
	 * count is verified, so a re-run or the boot restore finishes it. */
	"  state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('changing', 'done')),"
	"  autoprobe_saved INTEGER,"			/* sriov_drivers_autoprobe to put back, while it is 0 */
	"  updated_at TEXT NOT NULL"
	");"
	"CREATE TABLE sriov_vf_policy ("
	"  pf_location_path TEXT NOT NULL,"
	"  vf INTEGER NOT NULL CHECK (vf >= 0),"
	"  vendor INTEGER NOT NULL, device INTEGER NOT NULL,"	/* the PF's */
	"  subvendor INTEGER NOT NULL, subdevice INTEGER NOT NULL,"
	/* NULL: not set by the host, left to the driver */
	"  mac TEXT, vlan INTEGER, spoof_check INTEGER, trust INTEGER,"
	"  link_state TEXT CHECK (link_state IN ('auto', 'enable', 'disable')),"
	"  max_tx_rate INTEGER,"			/* Mbit/s, 0 = no limit */
	"  updated_at TEXT NOT NULL,"
	"  PRIMARY KEY (pf_location_path, vf)"
	");",
	/* 4: quarantine (pool.c): a pooled device that did not answer after a
	 * reset.  It stays on vfio-pci (state 'pooled'); a non-NULL
	 * quarantined_at keeps it from every VM and from mount until
	 * `ddactl pool release` finds it answering again. */
	"ALTER TABLE pool_device ADD COLUMN quarantined_at TEXT;"
	"ALTER TABLE pool_device ADD COLUMN quarantine_reason TEXT;",
	/* 5: the audit trail keeps each change's outcome and its reason
	 * (audit.c).  Before, a dismount and a VF count change were logged
	 * with their intent, before the outcome was known, so for those old
	 * rows it is 'unknown'; the others were logged after succeeding. */
	"CREATE TABLE audit_v4 ("
	"  id INTEGER PRIMARY KEY,"
	"  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
	"  ended_at TEXT,"				/* NULL while started */
	"  who TEXT NOT NULL, op TEXT NOT NULL, device TEXT,"
	"  outcome TEXT NOT NULL DEFAULT 'unknown' CHECK (outcome IN"
	"    ('started', 'done', 'rolled-back', 'failed', 'interrupted', 'repaired', 'unknown')),"
	"  reason TEXT,"				/* why it failed, or how it was repaired */
	"  detail TEXT"
	");"
	"INSERT INTO audit_v4 (id, at, ended_at, who, op, device, outcome, reason, detail)"
	"  SELECT id, at, at, who, op, device,"
	"    CASE WHEN op IN ('dismount', 'dismount --force', 'vf set') THEN 'unknown' ELSE 'done' END,"
	"    CASE WHEN op IN ('dismount', 'dismount --force', 'vf set')"
	"      THEN 'logged before the outcome was known (ddactl before schema 5)' END,"
	"    detail FROM audit;"
	"DROP TABLE audit;"
	"ALTER TABLE audit_v4 RENAME TO audit;"
	"CREATE INDEX audit_device ON audit (device);"
	"CREATE INDEX audit_at ON audit (at);",
};

void dda_state_set_dir(const char *dir)
{
	snprintf(state_dir, sizeof(state_dir), "%s", dir ? dir : "");
}

const char *dda_state_dir(void)
{
	if (!state_dir[0]) {
		const char *env = getenv("DDACTL_STATE_DIR");
		_cleanup_free_ char *p = NULL;

		if (env && *env) {
			snprintf(state_dir, sizeof(state_dir), "%s", env);
		} else {
			p = dda_path("var/lib/ddactl");
			snprintf(state_dir, sizeof(state_dir), "%s", p ? p : "/var/lib/ddactl");
		}
	}
	return state_dir;
}

const char *dda_run_dir(void)
{
	if (!run_dir[0]) {
		const char *env = getenv("DDACTL_RUN_DIR");
		_cleanup_free_ char *p = NULL;

		if (env && *env) {
			snprintf(run_dir, sizeof(run_dir), "%s", env);
		} else {
			p = dda_path("run/ddactl");
			snprintf(run_dir, sizeof(run_dir), "%s", p ? p : "/run/ddactl");
		}
	}
	return run_dir;
}

int dda_state_error(struct dda_state *s, const char *what)
{
	return dda_error_code(-EIO, "state-error", NULL, "state database %s/ddactl.db: %s: %s", dda_state_dir(),
			      what, s && s->db ? sqlite3_errmsg(s->db) : "cannot open");
}

static int exec(struct dda_state *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int r = dda_error_code(-EIO, "state-error", NULL, "state database %s/ddactl.db: %s",
				       dda_state_dir(), msg ? msg : "error");

		sqlite3_free(msg);
		return r;
	}
	return 0;
}

static int migrate(struct dda_state *s)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int version, r;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		return dda_state_error(s, "reading the schema version");
	version = sqlite3_column_int(st, 0);
	/* A statement still open would keep DROP TABLE from running. */
	sqlite3_finalize(TAKE_PTR(st));
	if (version > (int)ARRAY_SIZE(migrations))
		return dda_error_code(-EPROTO, "state-too-new", NULL,
				      "state database %s/ddactl.db has schema %d, newer than this ddactl knows (%zu): upgrade ddactl",
				      dda_state_dir(), version, ARRAY_SIZE(migrations));
	if (version == (int)ARRAY_SIZE(migrations))
		return 0;
	r = dda_state_begin(s);
	if (r < 0)
		return r;
	for (size_t i = (size_t)version; i < ARRAY_SIZE(migrations); i++) {
		char pragma[64];

		r = exec(s, migrations[i]);
		if (r < 0)
			goto fail;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %zu", i + 1);
		r = exec(s, pragma);
		if (r < 0)
			goto fail;
	}
	return dda_state_commit(s);
fail:
	dda_state_rollback(s);
	return r;
}

/* The file system type of the mount that holds dir, from mountinfo (the
 * longest mount point that prefixes it).  statfs cannot tell: a 9p share
 * reports the f_type of the file system it exports. */
static bool network_fs(const char *dir)
{
	static const char *const remote[] = { "9p", "nfs", "nfs4", "cifs", "smb3", "virtiofs", "fuse" };
	_cleanup_free_ char *info = NULL;
	char real[PATH_MAX], best_type[64] = "";
	size_t best = 0;
	char *line, *save = NULL;

	if (!realpath(dir, real) || dda_read_alloc(&info, NULL, "proc/self/mountinfo") < 0)
		return false;
	for (line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char point[PATH_MAX], type[64];
		const char *sep = strstr(line, " - ");
		size_t n;

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1 || sscanf(sep + 3, "%63s", type) != 1)
			continue;
		n = strlen(point);
		if (strncmp(real, point, n) || (n > 1 && real[n] && real[n] != '/') || n < best)
			continue;
		best = n;
		snprintf(best_type, sizeof(best_type), "%s", type);
	}
	for (size_t i = 0; i < ARRAY_SIZE(remote); i++)
		if (!strncmp(best_type, remote[i], strlen(remote[i])))
			return true;
	return false;
}

int dda_state_open(struct dda_state **ret, unsigned flags)
{
	_cleanup_(dda_state_closep) struct dda_state *s = calloc(1, sizeof(*s));
	char path[PATH_MAX];
	int r;

	if (!s)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/ddactl.db", dda_state_dir());
	if (flags & DDA_STATE_READONLY) {
		if (access(path, F_OK) < 0)
			return -ENOENT;
		if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
			return dda_state_error(s, "opening read-only");
	} else {
		r = dda_mkdir_p(dda_state_dir(), 0755);
		if (r < 0)
			return dda_error(r, NULL, "cannot create state directory '%s': %s", dda_state_dir(), strerror(-r));
		if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
			return dda_state_error(s, "opening");
	}
	/* A second writer waits for the lock file first; this only covers
	 * readers racing a commit. */
	sqlite3_busy_timeout(s->db, 5000);
	/* WAL needs a shared mmap of its -shm file, which network file systems
	 * (9p, NFS, CIFS, FUSE) cannot give ("disk I/O error" on 9p): there,
	 * exclusive locking keeps SQLite away from shared memory from the
	 * first read, and a rollback journal replaces the WAL. */
	if (network_fs(dda_state_dir())) {
		r = exec(s, "PRAGMA locking_mode=EXCLUSIVE");
		if (r < 0)
			return r;
	}
	if (flags & DDA_STATE_READONLY) {
		/* A database root created but never migrated holds nothing yet. */
		_cleanup_stmt_ sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_ROW)
			return dda_state_error(s, "reading the schema version");
		if (sqlite3_column_int(st, 0) == 0)
			return -ENOENT;
	} else {
		/* WAL keeps a crash mid-write harmless; synchronous=FULL makes
		 * each committed intent durable before the host is touched. */
		r = exec(s, network_fs(dda_state_dir())
				    ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA journal_mode=DELETE;"
				    : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
		if (r < 0)
			return r;
		/* Keep the -wal and -shm files when the writer closes: a reader
		 * without write access to the directory (a non-root `ddactl
		 * pool`) cannot create them, but can use existing ones. */
		{
			int persist = 1;

			sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
		}
		r = migrate(s);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

void dda_state_close(struct dda_state *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	free(s);
}

sqlite3 *dda_state_db(struct dda_state *s)
{
	return s->db;
}

int dda_state_begin(struct dda_state *s)
{
	return exec(s, "BEGIN IMMEDIATE");
}

int dda_state_commit(struct dda_state *s)
{
	return exec(s, "COMMIT");
}

void dda_state_rollback(struct dda_state *s)
{
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

const char *dda_state_who(void)
{
	static char who[64];
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw;

	if (who[0])
		return who;
	if (sudo && *sudo)
		snprintf(who, sizeof(who), "%s (via sudo)", sudo);
	else if ((pw = getpwuid(getuid())))
		snprintf(who, sizeof(who), "%s", pw->pw_name);
	else
		snprintf(who, sizeof(who), "uid %u", (unsigned)getuid());
	return who;
}

void dda_state_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

unsigned dda_state_schema_version(void)
{
	return ARRAY_SIZE(migrations);
}

const char *dda_state_migration(unsigned version)
{
	return version >= 1 && version <= ARRAY_SIZE(migrations) ? migrations[version - 1] : NULL;
}
