/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "hostpath.h"
#include "mountinfo.h"
#include "state.h"

#define DB_NAME "ddactl.db"
/* The root-published, world-readable copy for non-root readers. */
#define SNAPSHOT_NAME "snapshot.db"

struct dda_state {
	struct dda_ctx *ctx; /* opened with; borrowed, outlives the state */
	sqlite3 *db;
	bool writable; /* opened by a writer: publish on close */
	bool migrated;
	bool snapshot; /* a non-root reader on the public copy */
	bool wal;
};

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
	"  requested INTEGER NOT NULL," /* named by the user; 0 = group companion */
	"  brought_by TEXT,"		/* for companions: the device that needed it */
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
	"  qemu_args TEXT NOT NULL DEFAULT '[]',"      /* JSON array of strings */
	"  mmio_below_mb INTEGER NOT NULL DEFAULT -1," /* -1: computed from the BARs */
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
	"  requested INTEGER NOT NULL," /* 0: a group companion, kept out of QEMU */
	"  via_pool TEXT,"		/* picked from a named pool at start */
	"  qemu_id TEXT, port TEXT,"	/* while the VM runs */
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
	"  address TEXT NOT NULL," /* where it was last seen */
	"  vendor INTEGER NOT NULL, device INTEGER NOT NULL,"
	"  subvendor INTEGER NOT NULL, subdevice INTEGER NOT NULL,"
	"  num_vfs INTEGER NOT NULL CHECK (num_vfs >= 0),"
	"  pool INTEGER NOT NULL DEFAULT 0,"
	/* The intent: 'changing' from before the first sysfs write until the
	 * count is verified, so a re-run or the boot restore finishes it. */
	"  state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('changing', 'done')),"
	"  autoprobe_saved INTEGER," /* sriov_drivers_autoprobe to put back, while it is 0 */
	"  updated_at TEXT NOT NULL"
	");"
	"CREATE TABLE sriov_vf_policy ("
	"  pf_location_path TEXT NOT NULL,"
	"  vf INTEGER NOT NULL CHECK (vf >= 0),"
	"  vendor INTEGER NOT NULL, device INTEGER NOT NULL," /* the PF's */
	"  subvendor INTEGER NOT NULL, subdevice INTEGER NOT NULL,"
	/* NULL: not set by the host, left to the driver */
	"  mac TEXT, vlan INTEGER, spoof_check INTEGER, trust INTEGER,"
	"  link_state TEXT CHECK (link_state IN ('auto', 'enable', 'disable')),"
	"  max_tx_rate INTEGER," /* Mbit/s, 0 = no limit */
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
	"  ended_at TEXT," /* NULL while started */
	"  who TEXT NOT NULL, op TEXT NOT NULL, device TEXT,"
	"  outcome TEXT NOT NULL DEFAULT 'unknown' CHECK (outcome IN"
	"    ('started', 'done', 'rolled-back', 'failed', 'interrupted', 'repaired', 'unknown')),"
	"  reason TEXT," /* why it failed, or how it was repaired */
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
	/* 6: libvirt (libvirt.c): each domain's policy for the hook, and the
	 * devices libvirt domains hold.  No foreign key to pool_device: a
	 * domain may hold a device libvirt itself took from the host
	 * (managed='yes'), and the hook still keeps every other owner off
	 * it.  The address is the key, as in vm_device; the one-owner rule
	 * across the two tables is kept by the writers, under the lock. */
	"CREATE TABLE libvirt_policy ("
	"  domain TEXT PRIMARY KEY,"
	"  return_to_host INTEGER NOT NULL DEFAULT 0,"
	"  require_pool INTEGER NOT NULL DEFAULT 0,"
	"  dismount_managed INTEGER NOT NULL DEFAULT 0,"
	"  updated_at TEXT NOT NULL"
	");"
	"CREATE TABLE libvirt_device ("
	"  address TEXT PRIMARY KEY,"
	"  domain TEXT NOT NULL,"
	"  alias TEXT," /* libvirt's device alias (hostdev0), when known */
	/* assigned from started (or attach); removing from a detach the
	 * guest has not finished: vm_device's states */
	"  state TEXT NOT NULL DEFAULT 'assigned' CHECK (state IN ('assigned', 'removing')),"
	"  since TEXT NOT NULL"
	");",
};

int dda_state_error(struct dda_state *s, const char *what)
{
	return dda_error_code(-EIO, "state-error", NULL, "state database %s/ddactl.db: %s: %s",
			      dda_ctx_state_dir(s->ctx), what, s && s->db ? sqlite3_errmsg(s->db) : "cannot open");
}

static int exec(struct dda_state *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int r = dda_error_code(-EIO, "state-error", NULL, "state database %s/ddactl.db: %s",
				       dda_ctx_state_dir(s->ctx), msg ? msg : "error");

		sqlite3_free(msg);
		return r;
	}
	return 0;
}

static int schema_version(struct dda_state *s, int *ret);
static int backup_to(sqlite3 *src, const char *path, unsigned mode);
static int publish(struct dda_ctx *ctx, sqlite3 *db);

static int migrate(struct dda_state *s)
{
	_cleanup_tx_ struct dda_tx tx = { 0 };
	int version, r;

	r = schema_version(s, &version);
	if (r < 0)
		return r;
	if (version == (int)ARRAY_SIZE(migrations))
		return 0;
	/* A migration is the one change ddactl cannot undo by itself: keep
	 * the database as it was (root-only, like the database).  A fresh one
	 * has nothing to keep. */
	if (version > 0) {
		char bak[PATH_MAX];

		snprintf(bak, sizeof(bak), "%s/" DB_NAME ".bak-v%d", dda_ctx_state_dir(s->ctx), version);
		r = backup_to(s->db, bak, 0600);
		if (r < 0)
			return r;
	}
	r = dda_tx_begin(&tx, s);
	if (r < 0)
		return r;
	for (size_t i = (size_t)version; i < ARRAY_SIZE(migrations); i++) {
		char pragma[64];

		r = exec(s, migrations[i]);
		if (r < 0)
			return r;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %zu", i + 1);
		r = exec(s, pragma);
		if (r < 0)
			return r;
	}
	r = dda_tx_commit(&tx);
	if (r == 0)
		s->migrated = true;
	return r;
}

/* The file system type of the mount that holds dir, from mountinfo (the
 * longest mount point that prefixes it).  statfs cannot tell: a 9p share
 * reports the f_type of the file system it exports. */
static bool network_fs(struct dda_ctx *ctx, const char *dir)
{
	static const char *const remote[] = { "9p", "nfs", "nfs4", "cifs", "smb3", "virtiofs", "fuse" };
	struct dda_mount *mounts = NULL;
	const struct dda_mount *m;
	char real[PATH_MAX];
	size_t n = 0;
	bool r = false;

	if (!realpath(dir, real) || dda_mountinfo_read(ctx, &mounts, &n) < 0)
		return false;
	m = dda_mount_of(mounts, n, real, strlen(real));
	for (size_t i = 0; m && i < ARRAY_SIZE(remote) && !r; i++)
		r = !strncmp(m->fstype, remote[i], strlen(remote[i]));
	dda_mounts_free(mounts, n);
	return r;
}

/* The database's own files: SQLite makes -wal, -shm and -journal with
 * the mode of the database, so all stay root-only. */
static const char *const db_files[] = { DB_NAME, DB_NAME "-wal", DB_NAME "-shm", DB_NAME "-journal" };

/* Checks the state directory and the database's files (creating them
 * when create) and returns the database's path in path. */
static int secure_db(struct dda_ctx *ctx, bool create, char *path, size_t size)
{
	_cleanup_close_ int dirfd = -1, fd = -1;
	const char *dir = dda_ctx_state_dir(ctx);
	mode_t old;
	int r;

	if (!dir[0])
		return -EINVAL; /* the root's error is recorded */
	/* 0755: non-root readers must reach the public snapshot; the
	 * database itself is 0600. */
	dirfd = dda_open_private_dir(ctx, dir, 0755, create);
	if (dirfd < 0)
		return dirfd;
	/* Non-root readers never open the database itself, even one an older
	 * ddactl left readable: its locks could block root. */
	if (!create && geteuid() != 0) {
		struct stat st;

		return fstatat(dirfd, DB_NAME, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT ? -ENOENT : -EACCES;
	}
	old = umask(077);
	fd = dda_open_private_file(dirfd, dir, DB_NAME, create ? O_RDWR | O_CREAT : O_RDONLY, 0600);
	umask(old);
	if (fd == -ENOENT && create)
		return dda_error(fd, NULL, "cannot create '%s/" DB_NAME "'", dir);
	if (fd < 0)
		return fd;
	for (size_t i = 1; i < ARRAY_SIZE(db_files); i++) {
		r = dda_check_private_file(dirfd, dir, db_files[i], 0600);
		if (r < 0)
			return r;
	}
	snprintf(path, size, "%s/%s", dir, DB_NAME);
	return 0;
}

/* Copies one open database into a new file at path with the online
 * backup API (a consistent copy, even of a WAL database in use). */
static int backup_to(sqlite3 *src, const char *path, unsigned mode)
{
	_cleanup_close_ int fd = -1;
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	mode_t old = umask(0777 & ~(mode_t)mode);
	int rc;

	unlink(path);
	rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL);
	umask(old);
	/* A new file nobody opens before it is complete: no journal and no
	 * syncs while it is written (each a round trip on a 9p state
	 * directory), one fsync of the whole below. */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		b = sqlite3_backup_init(dst, "main", src, "main");
		if (!b)
			rc = sqlite3_errcode(dst);
		else {
			rc = sqlite3_backup_step(b, -1);
			sqlite3_backup_finish(b);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		}
	}
	if (rc != SQLITE_OK)
		dda_error_code(-EIO, "state-error", NULL, "cannot copy the state database to '%s': %s", path,
			       dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
	sqlite3_close(dst);
	if (rc != SQLITE_OK) {
		unlink(path);
		return -EIO;
	}
	/* umask() cannot widen: 0644 for the snapshot needs a chmod. */
	if (chmod(path, (mode_t)mode) < 0)
		return dda_error(-errno, NULL, "cannot set the mode of '%s': %m", path);
	/* Durable before the snapshot's rename or the migration that counts
	 * on the backup: after a power cut either is whole or absent. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		return dda_error(-errno, NULL, "cannot write '%s' to disk: %m", path);
	return 0;
}

/* The read-only copy non-root readers use, replaced atomically so that a
 * reader sees the old one or the new one, never half of one. */
static int publish(struct dda_ctx *ctx, sqlite3 *db)
{
	char tmp[PATH_MAX + 16], path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/" SNAPSHOT_NAME, dda_ctx_state_dir(ctx));
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
	r = backup_to(db, tmp, 0644);
	if (r == 0 && rename(tmp, path) < 0)
		r = dda_error(-errno, NULL, "cannot publish the state snapshot '%s': %m", path);
	if (r < 0)
		unlink(tmp);
	return r;
}

int dda_state_publish(struct dda_ctx *ctx)
{
	char path[PATH_MAX];
	sqlite3 *db = NULL;
	int r;

	r = secure_db(ctx, false, path, sizeof(path));
	if (r < 0)
		return r;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		r = dda_error_code(-EIO, "state-error", NULL, "cannot read '%s' to publish it: %s", path,
				   db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return r;
	}
	sqlite3_busy_timeout(db, 5000);
	r = publish(ctx, db);
	sqlite3_close(db);
	return r;
}

/* A snapshot older than the database (a root ddactl died before it could
 * publish, or is changing it right now) would be a wrong answer. */
static bool snapshot_fresh(const char *dir)
{
	char path[PATH_MAX];
	struct stat snap, st;

	snprintf(path, sizeof(path), "%s/" SNAPSHOT_NAME, dir);
	if (lstat(path, &snap) < 0 || !S_ISREG(snap.st_mode) || (snap.st_uid != 0 && snap.st_uid != geteuid()) ||
	    (snap.st_mode & 022))
		return false;
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, db_files[i]);
		if (lstat(path, &st) == 0 &&
		    (st.st_mtim.tv_sec > snap.st_mtim.tv_sec ||
		     (st.st_mtim.tv_sec == snap.st_mtim.tv_sec && st.st_mtim.tv_nsec > snap.st_mtim.tv_nsec)))
			return false;
	}
	return true;
}

static int open_snapshot(struct dda_state *s)
{
	const char *dir = dda_ctx_state_dir(s->ctx);
	_cleanup_free_ char *uri = NULL;

	if (!snapshot_fresh(dir))
		return dda_error_code(-EACCES, "not-root", NULL,
				      "the state database in '%s' is readable by root only, and its public snapshot is missing or older than it: run this as root (sudo ddactl ...), or any ddactl change as root to publish it",
				      dir);
	/* immutable: no locks and no -shm, so a reader can neither block
	 * root nor be confused by the rename that replaces the file. */
	if (asprintf(&uri, "file:%s/" SNAPSHOT_NAME "?immutable=1", dir) < 0)
		return -ENOMEM;
	if (sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW, NULL) !=
	    SQLITE_OK)
		return dda_state_error(s, "opening the snapshot");
	return 0;
}

static int schema_version(struct dda_state *s, int *ret)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		return dda_state_error(s, "reading the schema version");
	*ret = sqlite3_column_int(st, 0);
	if (*ret > (int)ARRAY_SIZE(migrations))
		return dda_error_code(-EPROTO, "state-too-new", NULL,
				      "state database %s/" DB_NAME
				      " has schema version %d, newer than this ddactl knows (%zu): upgrade ddactl",
				      dda_ctx_state_dir(s->ctx), *ret, ARRAY_SIZE(migrations));
	return 0;
}

static int open_readonly(struct dda_state *s)
{
	char path[PATH_MAX];
	int r, version;

	r = secure_db(s->ctx, false, path, sizeof(path));
	if (r == -EACCES && geteuid() != 0) {
		dda_error_clear();
		r = open_snapshot(s);
		s->snapshot = true;
	} else if (r == 0 &&
		   sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK)
		r = dda_state_error(s, "opening read-only");
	if (r < 0)
		return r;
	sqlite3_busy_timeout(s->db, 5000);
	if (!s->snapshot && network_fs(s->ctx, dda_ctx_state_dir(s->ctx))) {
		r = exec(s, "PRAGMA locking_mode=EXCLUSIVE");
		if (r < 0)
			return r;
	}
	r = schema_version(s, &version);
	if (r < 0)
		return r;
	/* A database root created but never migrated holds nothing yet. */
	return version == 0 ? -ENOENT : 0;
}

static int open_writable(struct dda_state *s)
{
	char path[PATH_MAX];
	mode_t old;
	int r, rc;

	r = secure_db(s->ctx, true, path, sizeof(path));
	if (r < 0)
		return r;
	/* The path was checked above and only root can change any directory
	 * on it; NOFOLLOW still refuses a symlinked database outright. */
	old = umask(077);
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL);
	umask(old);
	if (rc != SQLITE_OK)
		return dda_state_error(s, "opening");
	s->writable = true;
	/* A second writer waits for the lock file first; this only covers
	 * readers racing a commit. */
	sqlite3_busy_timeout(s->db, 5000);
	/* WAL needs a shared mmap of its -shm file, which network file systems
	 * (9p, NFS, CIFS, FUSE) cannot give ("disk I/O error" on 9p): there,
	 * exclusive locking keeps SQLite away from shared memory from the
	 * first read, and a rollback journal replaces the WAL. */
	if (network_fs(s->ctx, dda_ctx_state_dir(s->ctx))) {
		r = exec(s, "PRAGMA locking_mode=EXCLUSIVE");
		if (r < 0)
			return r;
	}
	/* WAL keeps a crash mid-write harmless; synchronous=FULL makes each
	 * committed intent durable before the host is touched. */
	old = umask(077);
	s->wal = !network_fs(s->ctx, dda_ctx_state_dir(s->ctx));
	r = exec(s, !s->wal ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA journal_mode=DELETE;" :
			      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
	umask(old);
	if (r < 0)
		return r;
	/* Keep the -wal and -shm files when the writer closes, so that a
	 * root reader of a read-only mount can still use them. */
	{
		int persist = 1;

		sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	}
	return migrate(s);
}

int dda_state_open(struct dda_ctx *ctx, struct dda_state **ret, unsigned flags)
{
	_cleanup_(dda_state_closep) struct dda_state *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	r = flags & DDA_STATE_READONLY ? open_readonly(s) : open_writable(s);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

void dda_state_close(struct dda_state *s)
{
	bool changed;

	if (!s)
		return;
	changed = s->writable && (s->migrated || sqlite3_total_changes(s->db) > 0);
	sqlite3_close(s->db);
	/* After the close, whose checkpoint writes the database: the snapshot
	 * must be newer than every write or readers call it stale.  A failure
	 * leaves it stale, which readers see; it cannot undo the change. */
	if (changed && dda_state_publish(s->ctx) < 0)
		dda_error_clear();
	free(s);
}

sqlite3 *dda_state_db(struct dda_state *s)
{
	return s->db;
}

struct dda_ctx *dda_state_ctx(struct dda_state *s)
{
	return s->ctx;
}

void dda_state_durable(struct dda_state *s, bool durable)
{
	/* Only in WAL mode: there a commit without a sync is still atomic (a
	 * power cut loses it whole), and the next synced one writes every
	 * frame before it to disk.  A rollback journal (the network file
	 * systems) could be left torn without its syncs: always FULL. */
	if (s->wal)
		sqlite3_exec(s->db, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
}

int dda_tx_begin(struct dda_tx *tx, struct dda_state *s)
{
	int r = exec(s, "BEGIN IMMEDIATE");

	tx->s = r == 0 ? s : NULL;
	return r;
}

int dda_tx_commit(struct dda_tx *tx)
{
	int r = exec(tx->s, "COMMIT");

	/* A COMMIT that failed (busy, I/O) leaves the transaction open: the
	 * guard still rolls it back. */
	if (r == 0)
		tx->s = NULL;
	return r;
}

void dda_tx_rollback(struct dda_tx *tx)
{
	if (!tx->s)
		return;
	sqlite3_exec(dda_state_db(tx->s), "ROLLBACK", NULL, NULL, NULL);
	tx->s = NULL;
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
