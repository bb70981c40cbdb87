/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A crash at every fault point of a move (docs/CRASH-SAFETY.md), on the
 * kernel model: a forked child sets DDACTL_FAULT and runs the move, which
 * SIGKILLs it right there, as a power cut would.  The tree and the
 * database it leaves must show the half-done move; dda_pool_recover() in
 * the parent must then put every member of the group back on its host
 * driver with no override, no record and no /dev/vfio node left over.
 * For `vf set --pool` the repair is the boot restore (dda_sriov_restore),
 * which must converge on the recorded count with every VF in the pool,
 * on vfio-pci, and the PF's sriov_drivers_autoprobe put back.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kmodel-helpers.h"
#include "checks.h"
#include "error.h"
#include "sriov.h"

/* The child may not use cmocka (a failed assert would go on running the
 * rest of the tests in the child): it says what went wrong in its exit
 * status, and being killed is success. */
enum { CHILD_NOT_KILLED = 1, CHILD_STATE, CHILD_SCAN, CHILD_FIND, CHILD_PLAN };

static _Noreturn void child_move(struct fx *f, const char *point, bool mount_it)
{
	struct dda_ctx *ctx = NULL;
	struct dda_state *s = NULL;
	struct dda_host *h = NULL;
	struct dda_device *d;
	struct dda_pciaddr a;
	struct dda_plan p = { 0 };
	int r;

	setenv("DDACTL_FAULT", point, 1);
	if (fx_ctx_new(f, &ctx) < 0 || dda_state_open(ctx, &s, 0) < 0)
		_exit(CHILD_STATE);
	if (dda_host_scan(ctx, &h, DDA_SCAN_NAMES | DDA_SCAN_HOST_USE) < 0 || dda_checks_run(h) < 0)
		_exit(CHILD_SCAN);
	if (dda_pciaddr_parse(MF0, &a) < 0 || !(d = dda_host_find(h, &a)))
		_exit(CHILD_FIND);
	r = mount_it ? dda_pool_plan_mount(h, s, &d, 1, &p) : dda_pool_plan_dismount(h, s, &d, 1, 0, &p);
	if (r < 0)
		_exit(CHILD_PLAN);
	(void)!(mount_it ? dda_pool_mount(s, &p) : dda_pool_dismount(s, &p));
	_exit(CHILD_NOT_KILLED);
}

struct point {
	const char *name;
	bool mount;
	const char *state; /* MF0's row when the child died */
	const char *step;
	const char *driver; /* MF0's driver then */
	const char *override;
};

static const struct point points[] = {
	{ "dismount:recorded", false, "dismounting", "recorded", "i40e", "(null)\n" },
	{ "dismount:override", false, "dismounting", "override", "i40e", "vfio-pci\n" },
	{ "dismount:unbound", false, "dismounting", "unbound", "", "vfio-pci\n" },
	{ "dismount:bound", false, "dismounting", "bound", "vfio-pci", "vfio-pci\n" },
	{ "mount:recorded", true, "mounting", "recorded", "vfio-pci", "vfio-pci\n" },
	{ "mount:reset", true, "mounting", "reset", "vfio-pci", "vfio-pci\n" },
	{ "mount:override-cleared", true, "mounting", "override-cleared", "vfio-pci", "(null)\n" },
	{ "mount:bound", true, "mounting", "override-cleared", "i40e", "(null)\n" },
};

static void crash_at(struct fx *f, const struct point *pt)
{
	struct dda_state *s;
	struct dda_pool_entry e;
	struct dda_repair rep = { 0 };
	int status;
	pid_t pid;

	pool_host(f);
	s = fx_state(f);
	if (pt->mount) {
		assert_int_equal(dismount(f, s, MF0, 0), 0);
		expect_pooled(f, s, MF1, "ixgbe", MF0);
	}
	/* one SQLite connection per process: none is carried over the fork */
	dda_state_close(s);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_move(f, pt->name, pt->mount);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fail_msg("%s: the child was not killed there (exit status %d)", pt->name,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	/* what the crash left: the tree and the intent agree */
	s = fx_state(f);
	assert_string_equal(driver_of(f, MF0), pt->driver);
	assert_string_equal(override_of(f, MF0), pt->override);
	assert_int_equal(dda_pool_get(s, MF0, &e), 0);
	assert_string_equal(dda_pool_state_to_string(e.state), pt->state);
	assert_string_equal(e.step, pt->step);
	assert_int_equal(dda_pool_get(s, MF1, &e), 0);
	assert_string_equal(dda_pool_state_to_string(e.state), pt->state);
	assert_true(dda_pool_needs_recovery(s));

	assert_int_equal(dda_pool_recover(s, &rep), 0);
	assert_int_equal(rep.n, 2);
	expect_contains(rep.lines[0],
			pt->mount ? "interrupted mount of '" MF0 "'" : "interrupted dismount of '" MF0 "'");
	expect_contains(rep.lines[0], "it is back on i40e");
	expect_contains(rep.lines[1], "'" MF1 "'");
	expect_contains(rep.lines[1], "it is back on ixgbe");
	expect_host(f, s, MF0, "i40e");
	expect_host(f, s, MF1, "ixgbe");
	assert_false(tree_has(f, "dev/vfio/4"));
	assert_false(tree_has(f, "sys/bus/pci/drivers/vfio-pci/" MF0));
	assert_false(dda_pool_needs_recovery(s));
	/* and the group can move again */
	assert_int_equal(dismount(f, s, MF1, 0), 0);
	expect_pooled(f, s, MF0, "i40e", MF1);
	dda_state_close(s);
}

#define POINT(fn, i)                          \
	static void fn(void **state)          \
	{                                     \
		crash_at(*state, &points[i]); \
	}
POINT(test_dismount_recorded, 0)
POINT(test_dismount_override, 1)
POINT(test_dismount_unbound, 2)
POINT(test_dismount_bound, 3)
POINT(test_mount_recorded, 4)
POINT(test_mount_reset, 5)
POINT(test_mount_override_cleared, 6)
POINT(test_mount_bound, 7)

/* ------------------------------------------------------------ vf set */

static _Noreturn void child_vf_set(struct fx *f, const char *point)
{
	struct dda_ctx *ctx = NULL;
	struct dda_state *s = NULL;

	setenv("DDACTL_FAULT", point, 1);
	if (fx_ctx_new(f, &ctx) < 0 || dda_state_open(ctx, &s, 0) < 0)
		_exit(CHILD_STATE);
	(void)!dda_sriov_set(s, EP, 2, DDA_SRIOV_POOL, NULL);
	_exit(CHILD_NOT_KILLED);
}

static void read_pf_attr(struct fx *f, const char *attr, char *buf, size_t size)
{
	char path[PATH_MAX];
	FILE *fp;

	dev_path(f, path, sizeof(path), EP, attr);
	fp = fopen(path, "r");
	if (!fp || !fgets(buf, (int)size, fp))
		fail_msg("cannot read %s", path);
	fclose(fp);
}

/* Two VFs of EP in the pool, on vfio-pci, and nothing left half done. */
static void expect_vfs_pooled(struct fx *f, struct dda_state *s)
{
	const char *vfs[] = { VF0, VF1 };
	struct dda_sriov_config c;
	char buf[16];

	read_pf_attr(f, "sriov_numvfs", buf, sizeof(buf));
	assert_string_equal(buf, "2\n");
	assert_false(tree_has(f, "sys/bus/pci/devices/" EP "/virtfn2"));
	read_pf_attr(f, "sriov_drivers_autoprobe", buf, sizeof(buf));
	assert_string_equal(buf, "1\n");
	for (size_t i = 0; i < ARRAY_SIZE(vfs); i++) {
		struct dda_pool_entry e;

		assert_string_equal(driver_of(f, vfs[i]), "vfio-pci");
		assert_string_equal(override_of(f, vfs[i]), "vfio-pci\n");
		assert_int_equal(dda_pool_get(s, vfs[i], &e), 0);
		assert_int_equal(e.state, DDA_POOL_POOLED);
		assert_string_equal(e.original_driver, "");
	}
	assert_false(tree_has(f, "sys/bus/pci/drivers/iavf/" VF0));
	/* a pooled VF never meets a host driver, not even for a moment */
	assert_false(model_saw(f, "bind " VF1 " iavf"));
	assert_true(tree_has(f, "dev/vfio/10"));
	assert_true(tree_has(f, "dev/vfio/11"));
	rescan(f);
	assert_int_equal(dda_sriov_config_get(s, dev(f, EP)->location_path, &c), 0);
	assert_int_equal(c.count, 2);
	assert_true(c.pool);
	assert_false(c.changing);
	assert_int_equal(c.autoprobe_saved, -1);
	assert_false(dda_pool_needs_recovery(s));
}

/* Without a crash: the reference the repairs must reach. */
static void test_vf_set_pool(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_repair rep = { 0 };

	sriov_host(f);
	s = fx_state(f);
	assert_int_equal(dda_sriov_set(s, EP, 2, DDA_SRIOV_POOL, &rep), 0);
	expect_vfs_pooled(f, s);
	/* VFs of a PF with autoprobe on that never reached a host driver */
	assert_string_equal(driver_of(f, "0000:01:10.2"), "");
}

static void vf_crash_at(struct fx *f, const char *point, const char *numvfs, const char *autoprobe)
{
	struct dda_state *s;
	struct dda_sriov_config c;
	struct dda_repair rep = { 0 };
	char buf[16];
	bool changed = false;
	int status;
	pid_t pid;

	sriov_host(f);
	s = fx_state(f);
	/* a count in place before, so the change goes through 0 */
	assert_int_equal(dda_sriov_set(s, EP, 1, 0, NULL), 0);
	assert_string_equal(driver_of(f, VF0), "iavf");
	dda_state_close(s);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_vf_set(f, point);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fail_msg("%s: the child was not killed there (exit status %d)", point,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	/* what the crash left: the intent, and the kernel half way */
	s = fx_state(f);
	read_pf_attr(f, "sriov_numvfs", buf, sizeof(buf));
	assert_string_equal(buf, numvfs);
	read_pf_attr(f, "sriov_drivers_autoprobe", buf, sizeof(buf));
	assert_string_equal(buf, autoprobe);
	rescan(f);
	assert_int_equal(dda_sriov_config_get(s, dev(f, EP)->location_path, &c), 0);
	assert_true(c.changing);
	assert_int_equal(c.count, 2);

	/* the repair of any command, then the boot restore */
	assert_int_equal(dda_pool_recover(s, &rep), 0);
	assert_int_equal(dda_sriov_restore(s, f->h, NULL, &rep, &changed), 0);
	expect_vfs_pooled(f, s);
	dda_state_close(s);
}

#define VF_POINT(fn, point, numvfs, autoprobe)                 \
	static void fn(void **state)                           \
	{                                                      \
		vf_crash_at(*state, point, numvfs, autoprobe); \
	}
VF_POINT(test_vf_set_recorded, "vf-set:recorded", "1\n", "1\n")
VF_POINT(test_vf_set_zero, "vf-set:zero", "0\n", "1\n")
VF_POINT(test_vf_set_autoprobe_off, "vf-set:autoprobe-off", "0\n", "0\n")
VF_POINT(test_vf_set_created, "vf-set:created", "2\n", "0\n")
VF_POINT(test_vf_set_bound, "vf-set:bound", "2\n", "0\n")

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dismount_recorded),	T(test_dismount_override), T(test_dismount_unbound),
		T(test_dismount_bound),		T(test_mount_recorded),	   T(test_mount_reset),
		T(test_mount_override_cleared), T(test_mount_bound),	   T(test_vf_set_pool),
		T(test_vf_set_recorded),	T(test_vf_set_zero),	   T(test_vf_set_autoprobe_off),
		T(test_vf_set_created),		T(test_vf_set_bound),
	};

	_Static_assert(sizeof(points) / sizeof(points[0]) == 8, "a test per fault point");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
