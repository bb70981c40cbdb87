/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A crash at every fault point of a move (docs/CRASH-SAFETY.md), on the
 * kernel model: a forked child sets DDACTL_FAULT and runs the move, which
 * SIGKILLs it right there, as a power cut would.  The tree and the
 * database it leaves must show the half-done move; dda_pool_recover() in
 * the parent must then put every member of the group back on its host
 * driver with no override, no record and no /dev/vfio node left over.
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

/* The child may not use cmocka (a failed assert would go on running the
 * rest of the tests in the child): it says what went wrong in its exit
 * status, and being killed is success. */
enum { CHILD_NOT_KILLED = 1, CHILD_STATE, CHILD_SCAN, CHILD_FIND, CHILD_PLAN };

static _Noreturn void child_move(const char *point, bool mount_it)
{
	struct dda_state *s = NULL;
	struct dda_host *h = NULL;
	struct dda_device *d;
	struct dda_pciaddr a;
	struct dda_plan p = { 0 };
	int r;

	setenv("DDACTL_FAULT", point, 1);
	if (dda_state_open(&s, 0) < 0)
		_exit(CHILD_STATE);
	if (dda_host_scan(&h, DDA_SCAN_NAMES | DDA_SCAN_HOST_USE) < 0 || dda_checks_run(h) < 0)
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
	const char *state;	/* MF0's row when the child died */
	const char *step;
	const char *driver;	/* MF0's driver then */
	const char *override;
};

static const struct point points[] = {
	{ "dismount:recorded", false, "dismounting", "recorded", "i40e", "(null)\n" },
	{ "dismount:override", false, "dismounting", "override", "i40e", "vfio-pci\n" },
	{ "dismount:unbound", false, "dismounting", "unbound", "", "vfio-pci\n" },
	{ "dismount:bound", false, "dismounting", "bound", "vfio-pci", "vfio-pci\n" },
	{ "dismount:reset", false, "dismounting", "reset", "vfio-pci", "vfio-pci\n" },
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
	s = kstate_open(f);
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
		child_move(pt->name, pt->mount);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fail_msg("%s: the child was not killed there (exit status %d)", pt->name,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	/* what the crash left: the tree and the intent agree */
	s = kstate_open(f);
	assert_string_equal(driver_of(f, MF0), pt->driver);
	assert_string_equal(override_of(f, MF0), pt->override);
	assert_int_equal(dda_pool_get(s, MF0, &e), 0);
	assert_string_equal(e.state, pt->state);
	assert_string_equal(e.step, pt->step);
	assert_int_equal(dda_pool_get(s, MF1, &e), 0);
	assert_string_equal(e.state, pt->state);
	assert_true(dda_pool_needs_recovery(s));

	assert_int_equal(dda_pool_recover(s, &rep), 0);
	assert_int_equal(rep.n, 2);
	expect_contains(rep.lines[0], pt->mount ? "interrupted mount of '" MF0 "'" : "interrupted dismount of '" MF0 "'");
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

#define POINT(fn, i)                                                           \
	static void fn(void **state)                                           \
	{                                                                      \
		crash_at(*state, &points[i]);                                  \
	}
POINT(test_dismount_recorded, 0)
POINT(test_dismount_override, 1)
POINT(test_dismount_unbound, 2)
POINT(test_dismount_bound, 3)
POINT(test_dismount_reset, 4)
POINT(test_mount_recorded, 5)
POINT(test_mount_reset, 6)
POINT(test_mount_override_cleared, 7)
POINT(test_mount_bound, 8)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dismount_recorded),
		T(test_dismount_override),
		T(test_dismount_unbound),
		T(test_dismount_bound),
		T(test_dismount_reset),
		T(test_mount_recorded),
		T(test_mount_reset),
		T(test_mount_override_cleared),
		T(test_mount_bound),
	};

	_Static_assert(sizeof(points) / sizeof(points[0]) == 9, "a test per fault point");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
