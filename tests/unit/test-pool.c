/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dismount and mount (pool.h) through the library on the kernel model:
 * the driver links really move, driver_override is set and cleared, the
 * database says what the tree shows, whole groups move with their
 * companions, every refusal leaves the host as it was, and a failed step
 * gives every member back.
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
#include <unistd.h>

#include <cmocka.h>
#include <net/if.h>

#include "kmodel-helpers.h"
#include "error.h"
#include "sriov.h"
#include "vm.h"

static void expect_error(int r, int err, const char *code, const char *dev_name, const char *text)
{
	const struct dda_error_info *e = dda_last_error();

	assert_int_equal(r, err);
	assert_string_equal(e->code, code);
	assert_string_equal(e->device, dev_name);
	expect_contains(e->message, text);
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;

	pool_host(f);
	s = fx_state(f);
	assert_int_equal(dismount(f, s, EP, 0), 0);
	expect_pooled(f, s, EP, "i40e", NULL);
	assert_false(tree_has(f, "sys/bus/pci/drivers/i40e/" EP));
	assert_true(tree_has(f, "dev/vfio/2"));
	/* vfio-pci resets it when a VM opens it: no reset of ddactl's own */
	assert_false(model_saw(f, "reset " EP " done"));
	/* the other card was not touched */
	expect_host(f, s, MF0, "i40e");

	assert_int_equal(mount(f, s, EP), 0);
	expect_host(f, s, EP, "i40e");
	/* on the way back the host driver must not see a VM's leftovers */
	assert_true(model_saw(f, "reset " EP " done"));
	assert_false(tree_has(f, "sys/bus/pci/drivers/vfio-pci/" EP));
	assert_false(tree_has(f, "dev/vfio/2"));
}

static void test_group_moves_together(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;

	pool_host(f);
	s = fx_state(f);
	assert_int_equal(dismount(f, s, MF1, 0), 0);
	expect_pooled(f, s, MF1, "ixgbe", NULL);
	expect_pooled(f, s, MF0, "i40e", MF1);
	assert_true(tree_has(f, "dev/vfio/4"));
	expect_host(f, s, EP, "i40e");

	/* naming the companion gives back the whole group, each function
	 * to its own driver */
	assert_int_equal(mount(f, s, MF0), 0);
	expect_host(f, s, MF0, "i40e");
	expect_host(f, s, MF1, "ixgbe");
	assert_false(tree_has(f, "dev/vfio/4"));
}

static void test_block_reason_refuses(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	int r;

	pool_host(f);
	/* the companion is the host's network: the whole group stays */
	MUST(fh_net(f->fh, "eth0", MF0, IFF_UP | IFF_BROADCAST | IFF_RUNNING, "up"));
	MUST(fh_route4(f->fh, "eth0", "0001A8C0", NULL, "00FFFFFF"));
	s = fx_state(f);
	r = dismount(f, s, MF1, DDA_MOVE_FORCE);
	expect_error(r, -ECANCELED, "refused", MF1, "shares IOMMU group 4 with '" MF0 "', which the host is using");
	/* the blocking reason's fix goes apart too, and is the one the message ends with */
	assert_true(dda_last_error()->hint[0] != '\0');
	assert_non_null(strstr(dda_last_error()->message, dda_last_error()->hint));
	expect_host(f, s, MF0, "i40e");
	expect_host(f, s, MF1, "ixgbe");
	/* and named directly, not even with --force */
	r = dismount(f, s, MF0, DDA_MOVE_FORCE);
	expect_error(r, -ECANCELED, "refused", MF0, "the host is using '" MF0 "'");
	expect_host(f, s, MF0, "i40e");
	assert_false(tree_has(f, "dev/vfio/4"));
}

static void test_force_reason_needs_force(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct fh_dev e = good_ep();
	struct dda_pool_entry pe;
	int r;

	/* no reset method: the host driver's leftovers would reach the VM */
	base(f);
	e.reset_method = NULL;
	e.reset = false;
	e.caps &= ~FH_FLR;
	add_dev(f, &e);
	MUST(fh_driver(f->fh, "vfio-pci"));
	s = fx_state(f);
	r = dismount(f, s, EP, 0);
	expect_error(r, -ECANCELED, "needs-force", EP, "without --force");
	assert_true(dda_last_error()->hint[0] != '\0');
	expect_host(f, s, EP, "i40e");

	assert_int_equal(dismount(f, s, EP, DDA_MOVE_FORCE), 0);
	expect_pooled(f, s, EP, "i40e", NULL);
	assert_int_equal(dda_pool_get(s, EP, &pe), 0);
	assert_true(pe.forced);
	expect_contains(pe.forced_reasons, "no-reset");
}

static void test_already_pooled(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	int r;

	pool_host(f);
	s = fx_state(f);
	assert_int_equal(dismount(f, s, MF0, 0), 0);
	r = dismount(f, s, MF1, 0);
	expect_error(r, -EALREADY, "already-in-pool", MF1, "as a companion of " MF0);
	expect_pooled(f, s, MF1, "ixgbe", MF0);
}

static void test_mount_refuses_held_group(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	const char *const fds[] = { "/dev/vfio/vfio", "/dev/vfio/4", NULL };
	int r;

	pool_host(f);
	s = fx_state(f);
	assert_int_equal(dismount(f, s, MF0, 0), 0);
	MUST(fh_process(f->fh, 777, "qemu-system-x86", fds));
	r = mount(f, s, MF1);
	expect_error(r, -EBUSY, "in-use", MF1, "process 777 (qemu-system-x86) holds its IOMMU group /dev/vfio/4");
	expect_pooled(f, s, MF0, "i40e", NULL);
	expect_pooled(f, s, MF1, "ixgbe", MF0);
}

static void test_mount_not_in_pool(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	int r;

	pool_host(f);
	s = fx_state(f);
	r = mount(f, s, EP);
	expect_error(r, -ENOENT, "not-in-pool", EP, "is not in the pool");
	expect_host(f, s, EP, "i40e");
}

/* The kernel would pick another driver now (a newer module claims the
 * id first): mount binds the recorded one by name. */
static void test_mount_binds_recorded_driver(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;

	pool_host(f);
	s = fx_state(f);
	assert_int_equal(dismount(f, s, EP, 0), 0);
	MUST(fh_driver(f->fh, "i40e-next"));
	MUST(fh_model_native(f->fh, EP, "i40e-next i40e"));
	assert_int_equal(mount(f, s, EP), 0);
	expect_host(f, s, EP, "i40e");
	assert_false(tree_has(f, "sys/bus/pci/drivers/i40e-next/" EP));
}

/* The kernel refuses the second member half way through a group: both
 * functions go back. */
static void test_dismount_rollback(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	int r;

	pool_host(f);
	MUST(fh_model_override(f->fh, MF1, EIO));
	s = fx_state(f);
	r = dismount(f, s, MF0, 0);
	assert_int_equal(r, -EIO);
	expect_contains(dda_last_error()->message, MF1);
	assert_true(model_saw(f, "bind " MF0 " vfio-pci"));
	expect_contains(dda_last_error()->message, "given back to the host");
	expect_host(f, s, MF0, "i40e");
	expect_host(f, s, MF1, "ixgbe");
	assert_false(tree_has(f, "dev/vfio/4"));
	assert_false(dda_pool_needs_recovery(s));
}

/* A reset that fails on the way out leaves the member recorded as
 * 'mounting' for the repair; the rest of the group is given back. */
static void test_mount_reset_fails(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_repair rep = { 0 };
	struct dda_pool_entry e;
	int r;

	pool_host(f);
	s = fx_state(f);
	assert_int_equal(dismount(f, s, MF0, 0), 0);
	MUST(fh_model_reset(f->fh, MF1, EIO, false));
	r = mount(f, s, MF0);
	assert_int_equal(r, -EIO);
	expect_host(f, s, MF0, "i40e");
	assert_string_equal(driver_of(f, MF1), "vfio-pci");
	assert_int_equal(dda_pool_get(s, MF1, &e), 0);
	assert_int_equal(e.state, DDA_POOL_MOUNTING);
	assert_true(dda_pool_needs_recovery(s));

	MUST(fh_model_reset(f->fh, MF1, 0, false));
	assert_int_equal(dda_pool_recover(s, &rep), 0);
	expect_host(f, s, MF1, "ixgbe");
	assert_int_equal(rep.n, 1);
	expect_contains(rep.lines[0], "interrupted mount of '" MF1 "'");
	assert_false(tree_has(f, "dev/vfio/4"));
}

/* The enums and the schema's CHECK lists must name the same states: a
 * state written from an enum the CHECK refuses would fail every move, one
 * read as another would send a device the wrong way. */
static void test_state_strings(void **state)
{
	(void)state;
	for (int i = 0; i < _DDA_POOL_STATE_MAX; i++)
		assert_int_equal(dda_pool_state_from_string(dda_pool_state_to_string(i)), i);
	assert_string_equal(dda_pool_state_to_string(DDA_POOL_DISMOUNTING), "dismounting");
	assert_string_equal(dda_pool_state_to_string(DDA_POOL_POOLED), "pooled");
	assert_string_equal(dda_pool_state_to_string(DDA_POOL_MOUNTING), "mounting");
	assert_null(dda_pool_state_to_string(_DDA_POOL_STATE_MAX));
	assert_null(dda_pool_state_to_string(_DDA_POOL_STATE_INVALID));
	assert_int_equal(dda_pool_state_from_string("assigned"), -EINVAL);
	assert_int_equal(dda_pool_state_from_string(NULL), -EINVAL);

	assert_string_equal(dda_vm_device_state_to_string(DDA_VM_DEVICE_ASSIGNED), "assigned");
	assert_string_equal(dda_vm_device_state_to_string(DDA_VM_DEVICE_REMOVING), "removing");
	assert_int_equal(dda_vm_device_state_from_string("removing"), DDA_VM_DEVICE_REMOVING);
	assert_int_equal(dda_vm_device_state_from_string("pooled"), -EINVAL);
	assert_null(dda_vm_device_state_to_string(_DDA_VM_DEVICE_STATE_MAX));

	assert_string_equal(dda_sriov_state_to_string(DDA_SRIOV_DONE), "done");
	assert_string_equal(dda_sriov_state_to_string(DDA_SRIOV_CHANGING), "changing");
	assert_int_equal(dda_sriov_state_from_string("changing"), DDA_SRIOV_CHANGING);
	assert_int_equal(dda_sriov_state_from_string("Changing"), -EINVAL);
	assert_null(dda_sriov_state_to_string(_DDA_SRIOV_STATE_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_strings),
		T(test_round_trip),
		T(test_group_moves_together),
		T(test_block_reason_refuses),
		T(test_force_reason_needs_force),
		T(test_already_pooled),
		T(test_mount_refuses_held_group),
		T(test_mount_not_in_pool),
		T(test_mount_binds_recorded_driver),
		T(test_dismount_rollback),
		T(test_mount_reset_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
