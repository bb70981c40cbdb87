/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state database's migrations (state.c): a database at every older
 * schema version, with rows in every table that version had, is opened
 * by this ddactl; the rows must come through intact, readable through the
 * library, and the schema must be exactly what a new database gets.  A
 * database from a newer ddactl is refused and left alone, and a
 * migration that fails leaves the database at its old version.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "vm-helpers.h"
#include "error.h"
#include "libvirt.h"
#include "pool.h"
#include "sriov.h"
#include "state.h"
#include "vm.h"

#define LOCPATH "PCIROOT(0)#PCI(0100)#PCI(0000)"

/*
 * Rows as each table's first version wrote them: a later migration may
 * add columns (with defaults) but must keep these.  Inserted into every
 * older database that has the table.
 */
static const struct {
	const char *table, *insert;
} rows[] = {
	{ "pool_device",
	  "INSERT INTO pool_device (address, location_path, vendor, device, subvendor, subdevice, class, iommu_group, "
	  "original_driver, requested, brought_by, forced, forced_by, forced_reasons, added_at, state, step) VALUES "
	  "('0000:01:00.0', '" LOCPATH "', 32902, 5490, 32902, 1, 131072, 2, 'i40e', 1, NULL, 1, 'admin', "
	  "'no-acs', '2025-01-02T03:04:05Z', 'pooled', ''),"
	  "('0000:01:00.1', 'PCIROOT(0)#PCI(0100)#PCI(0001)', 32902, 5491, 32902, 1, 131072, 2, '', 0, "
	  "'0000:01:00.0', 0, NULL, NULL, '2025-01-02T03:04:05Z', 'mounting', 'bind')" },
	{ "audit", "INSERT INTO audit (at, who, op, device, detail) VALUES "
		   "('2025-01-02T03:04:05Z', 'admin', 'dismount', '0000:01:00.0', 'forced: no-acs')" },
	{ "vm", "INSERT INTO vm (name, memory_mb, cpus, disk, kernel, initrd, append, firmware, accel, qemu_args, "
		"mmio_below_mb, mmio_above_mb, hotplug_ports, created_at) VALUES "
		"('lab1', 4096, 4, '/var/lib/vm/lab1.qcow2', '', '', '', 'uefi', 'kvm', '[\"-usb\"]', 512, -1, 3, "
		"'2025-01-02T03:04:05Z')" },
	{ "vm_device", "INSERT INTO vm_device (address, vm, location_path, vendor, device, subvendor, subdevice, "
		       "requested, via_pool, qemu_id, port, state) VALUES "
		       "('0000:01:00.0', 'lab1', '" LOCPATH "', 32902, 5490, 32902, 1, 1, 'nics', NULL, NULL, "
		       "'removing')" },
	{ "named_pool", "INSERT INTO named_pool (name, created_at) VALUES ('nics', '2025-01-02T03:04:05Z')" },
	{ "named_pool_member", "INSERT INTO named_pool_member (pool, address) VALUES ('nics', '0000:01:00.0')" },
	{ "vm_pool_request", "INSERT INTO vm_pool_request (vm, pool) VALUES ('lab1', 'nics')" },
	{ "sriov_pf", "INSERT INTO sriov_pf (location_path, address, vendor, device, subvendor, subdevice, num_vfs, "
		      "pool, state, autoprobe_saved, updated_at) VALUES "
		      "('" LOCPATH "', '0000:01:00.0', 32902, 5490, 32902, 1, 4, 1, 'changing', 1, "
		      "'2025-01-02T03:04:05Z')" },
	{ "sriov_vf_policy", "INSERT INTO sriov_vf_policy (pf_location_path, vf, vendor, device, subvendor, "
			     "subdevice, mac, vlan, spoof_check, trust, link_state, max_tx_rate, updated_at) VALUES "
			     "('" LOCPATH "', 2, 32902, 5490, 32902, 1, '52:54:00:aa:00:02', 100, 1, 0, 'auto', 250, "
			     "'2025-01-02T03:04:05Z')" },
	{ "libvirt_policy", "INSERT INTO libvirt_policy (domain, return_to_host, require_pool, dismount_managed, "
			    "updated_at) VALUES ('win11', 1, 0, 1, '2025-01-02T03:04:05Z')" },
	{ "libvirt_device", "INSERT INTO libvirt_device (address, domain, alias, state, since) VALUES "
			    "('0000:01:00.1', 'win11', 'hostdev0', 'assigned', '2025-01-02T03:04:05Z')" },
};

static char root[PATH_MAX - 16], dir[PATH_MAX], db[PATH_MAX + 16];
static struct dda_ctx *ctx; /* on root, its state in dir */

static void must_exec(sqlite3 *h, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "error");
}

static bool has_table(sqlite3 *h, const char *table)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(h, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &st,
					    NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

static int user_version(sqlite3 *h)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	return sqlite3_column_int(st, 0);
}

/* The schema as text: every table, index and trigger, in order. */
static char *schema(sqlite3 *h)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	char *out = strdup("");

	assert_int_equal(sqlite3_prepare_v2(h,
					    "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE "
					    "'sqlite_%' ORDER BY type, name",
					    -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *n = NULL;

		assert_true(asprintf(&n, "%s%s %s: %s\n", out, sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
				     sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "") > 0);
		free(out);
		out = n;
	}
	return out;
}

/* A database as a ddactl of schema `version` left it, with rows in every
 * table it had; version 0 is a file nobody migrated. */
static void make_db(unsigned version, bool with_rows)
{
	sqlite3 *h = NULL;
	char pragma[64];

	unlink(db);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	must_exec(h, "PRAGMA foreign_keys=ON; BEGIN");
	for (unsigned v = 1; v <= version; v++)
		must_exec(h, dda_state_migration(v));
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %u", version);
	must_exec(h, pragma);
	for (size_t i = 0; with_rows && i < ARRAY_SIZE(rows); i++)
		if (has_table(h, rows[i].table))
			must_exec(h, rows[i].insert);
	must_exec(h, "COMMIT");
	sqlite3_close(h);
}

static int setup(void **state)
{
	(void)state;
	/* the state directory is always under the root */
	snprintf(root, sizeof(root), "/tmp/ddactl-test-state-XXXXXX");
	if (!mkdtemp(root) || dda_ctx_new(&ctx, &(struct dda_ctx_options){ .root = root, .state_dir = "/state" }) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/state", root);
	if (mkdir(dir, 0700) < 0)
		return -1;
	snprintf(db, sizeof(db), "%s/ddactl.db", dir);
	return 0;
}

static int teardown(void **state)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[sizeof(db) + 16];

	(void)state;
	dda_ctx_free(ctx);
	ctx = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
		snprintf(p, sizeof(p), "%s%s", db, suffix[i]);
		unlink(p);
	}
	/* backups a migration may leave beside it */
	{
		DIR *d = opendir(dir);
		struct dirent *e;

		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.') {
				test_pathf(p, sizeof(p), "%s/%s", dir, e->d_name);
				unlink(p);
			}
		if (d)
			closedir(d);
	}
	rmdir(dir);
	rmdir(root);
	return 0;
}

/* The rows of make_db(version), read through the library. */
static void check_rows(struct dda_state *s, unsigned version)
{
	_cleanup_free_ char(*members)[DDA_PCIADDR_LEN] = NULL;
	_cleanup_free_ char(*reqs)[64] = NULL;
	struct dda_pool_entry e;
	struct dda_vm_device d;
	struct dda_sriov_config c;
	struct dda_vm vm;
	size_t n;

	if (version < 1) {
		assert_int_equal(dda_pool_get(s, "0000:01:00.0", &e), -ENOENT);
		return;
	}
	assert_int_equal(dda_pool_get(s, "0000:01:00.0", &e), 0);
	assert_string_equal(e.location_path, LOCPATH);
	assert_int_equal(e.vendor, 0x8086);
	assert_int_equal(e.device, 0x1572);
	assert_int_equal(e.subdevice, 1);
	assert_int_equal(e.class, 0x020000);
	assert_int_equal(e.group, 2);
	assert_string_equal(e.original_driver, "i40e");
	assert_true(e.requested);
	assert_true(e.forced);
	assert_string_equal(e.forced_by, "admin");
	assert_string_equal(e.forced_reasons, "no-acs");
	assert_string_equal(e.added_at, "2025-01-02T03:04:05Z");
	assert_int_equal(e.state, DDA_POOL_POOLED);
	/* an unfinished mount stays unfinished, for the repair */
	assert_int_equal(dda_pool_get(s, "0000:01:00.1", &e), 0);
	assert_int_equal(e.state, DDA_POOL_MOUNTING);
	assert_string_equal(e.step, "bind");
	assert_string_equal(e.original_driver, "");
	assert_false(e.requested);
	assert_string_equal(e.brought_by, "0000:01:00.0");
	assert_true(dda_pool_needs_recovery(s));

	if (version < 2) {
		assert_int_equal(dda_vm_get(s, "lab1", &vm), -ENOENT);
		return;
	}
	assert_int_equal(dda_vm_get(s, "lab1", &vm), 0);
	assert_int_equal(vm.memory_mb, 4096);
	assert_int_equal(vm.cpus, 4);
	assert_string_equal(vm.disk, "/var/lib/vm/lab1.qcow2");
	assert_string_equal(vm.firmware, "uefi");
	assert_string_equal(vm.accel, "kvm");
	assert_string_equal(vm.qemu_args, "[\"-usb\"]");
	assert_int_equal(vm.mmio_below_mb, 512);
	assert_int_equal(vm.mmio_above_mb, -1);
	assert_int_equal(vm.hotplug_ports, 3);
	assert_int_equal(dda_vm_device_get(s, "0000:01:00.0", &d), 0);
	assert_string_equal(d.vm, "lab1");
	assert_true(d.requested);
	assert_string_equal(d.via_pool, "nics");
	assert_int_equal(d.state, DDA_VM_DEVICE_REMOVING);
	assert_int_equal(dda_npool_members(s, "nics", &members, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(members[0], "0000:01:00.0");
	assert_int_equal(dda_vm_pool_requests(s, "lab1", &reqs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(reqs[0], "nics");

	if (version < 3) {
		assert_int_equal(dda_sriov_config_get(s, LOCPATH, &c), -ENOENT);
		return;
	}
	assert_int_equal(dda_sriov_config_get(s, LOCPATH, &c), 0);
	assert_string_equal(c.address, "0000:01:00.0");
	assert_int_equal(c.count, 4);
	assert_true(c.pool);
	assert_true(c.changing);
	assert_int_equal(c.autoprobe_saved, 1);
}

/* Schema 6's libvirt tables: empty after a migration from before them,
 * and usable; with their rows (a database of 6 or later) read back. */
static void check_libvirt(struct dda_state *s, unsigned version)
{
	struct dda_libvirt_policy p;
	struct dda_libvirt_device d = { .address = "0000:01:00.0", .domain = "lab2", .state = DDA_VM_DEVICE_REMOVING };
	struct dda_owner o;

	assert_int_equal(dda_libvirt_policy_get(s, "win11", &p), 0);
	assert_int_equal(p.stored, version >= 6);
	assert_int_equal(p.return_to_host, version >= 6);
	assert_int_equal(dda_owner_find(s, "0000:01:00.1", &o), 0);
	assert_int_equal(o.kind, version >= 6 ? DDA_OWNER_LIBVIRT : DDA_OWNER_NONE);
	if (version >= 6)
		assert_string_equal(o.name, "win11");
	assert_int_equal(dda_libvirt_device_put(s, &d), 0);
	assert_int_equal(dda_libvirt_device_get(s, "0000:01:00.0", &d), 0);
	assert_string_equal(d.domain, "lab2");
	assert_int_equal(d.state, DDA_VM_DEVICE_REMOVING);
	assert_int_equal(dda_libvirt_device_drop(s, "0000:01:00.0"), 0);
	assert_int_equal(dda_libvirt_device_get(s, "0000:01:00.0", &d), -ENOENT);
}

static void test_migrate_every_version(void **state)
{
	unsigned current = dda_state_schema_version();
	_cleanup_free_ char *fresh = NULL;

	(void)state;
	assert_true(current >= 3);
	assert_null(dda_state_migration(0));
	assert_null(dda_state_migration(current + 1));

	/* what a new database gets */
	{
		_cleanup_(dda_state_closep) struct dda_state *s = NULL;

		unlink(db);
		assert_int_equal(dda_state_open(ctx, &s, 0), 0);
		assert_int_equal(user_version(dda_state_db(s)), (int)current);
		fresh = schema(dda_state_db(s));
	}
	for (unsigned v = 0; v < current; v++) {
		_cleanup_(dda_state_closep) struct dda_state *s = NULL;
		_cleanup_free_ char *got = NULL;
		_cleanup_stmt_ sqlite3_stmt *st = NULL;
		int r;

		make_db(v, true);
		r = dda_state_open(ctx, &s, 0);
		if (r < 0)
			fail_msg("opening a schema %u database: %s", v, dda_last_error()->message);
		assert_int_equal(user_version(dda_state_db(s)), (int)current);
		got = schema(dda_state_db(s));
		if (strcmp(got, fresh))
			fail_msg("schema migrated from %u differs from a new one:\n%s\n---- new:\n%s", v, got, fresh);
		assert_int_equal(sqlite3_prepare_v2(dda_state_db(s), "PRAGMA foreign_key_check", -1, &st, NULL),
				 SQLITE_OK);
		if (sqlite3_step(st) == SQLITE_ROW)
			fail_msg("schema %u: migrated rows break a foreign key (table %s)", v,
				 sqlite3_column_text(st, 0));
		check_rows(s, v);
		check_libvirt(s, v);
		if (v >= 1)
			assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'dismount' AND who = 'admin'"),
					 1);
		/* a second open finds nothing to do (a statement left open would
		 * keep the first connection from closing) */
		sqlite3_finalize(TAKE_PTR(st));
		dda_state_close(TAKE_PTR(s));
		assert_int_equal(dda_state_open(ctx, &s, 0), 0);
		check_rows(s, v);
	}
}

/* A database from a newer ddactl: refused naming both versions, and not
 * touched (no migration, no downgrade). */
static void test_newer_refused(void **state)
{
	unsigned current = dda_state_schema_version();
	struct dda_state *s = NULL;
	char want[128];
	sqlite3 *h = NULL;
	char pragma[64];

	(void)state;
	make_db(current, true);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %u", current + 1);
	must_exec(h, pragma);
	sqlite3_close(h);

	assert_int_equal(dda_state_open(ctx, &s, 0), -EPROTO);
	assert_null(s);
	assert_string_equal(dda_last_error()->code, "state-too-new");
	snprintf(want, sizeof(want), "has schema version %u, newer than this ddactl knows (%u)", current + 1, current);
	expect_contains(dda_last_error()->message, want);
	expect_contains(dda_last_error()->message, "upgrade ddactl");
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(user_version(h), (int)current + 1);
	sqlite3_close(h);
}

/* A migration that fails (here: a table it creates is already there)
 * rolls the whole upgrade back: the database stays at its version with
 * its rows, and the next ddactl can try again. */
static void test_failed_migration_rolls_back(void **state)
{
	struct dda_state *s = NULL;
	sqlite3 *h = NULL;

	(void)state;
	make_db(1, true);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	must_exec(h, "CREATE TABLE named_pool (x TEXT)");
	sqlite3_close(h);

	assert_int_equal(dda_state_open(ctx, &s, 0), -EIO);
	assert_null(s);
	expect_contains(dda_last_error()->message, "named_pool already exists");
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(user_version(h), 1);
	assert_false(has_table(h, "vm"));
	must_exec(h, "DROP TABLE named_pool");
	sqlite3_close(h);

	assert_int_equal(dda_state_open(ctx, &s, 0), 0);
	check_rows(s, 1);
	dda_state_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_every_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_migration_rolls_back, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
