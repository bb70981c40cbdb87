/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `vf set` (dda_sriov_set) on the kernel model, which refuses N -> M
 * without 0 (EBUSY), as Linux does: counts changed up and down through 0,
 * VFs for the host probed by their driver, VFs for the pool (--pool) made
 * with autoprobe off, recorded and put on vfio-pci without ever meeting a
 * host driver, pool records of VFs that go away forgotten and of VFs that
 * stay kept, and refusals that leave the PF as it was.  test-crash kills
 * it at every fault point; test-vmrun refuses it under a running VM.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "kmodel-helpers.h"
#include "vm-helpers.h"
#include "sriov.h"
#include "vmrun.h"

#define VF2 "0000:01:10.2"
#define VF3 "0000:01:10.3"

static const char *const vfs[] = { VF0, VF1, VF2, VF3 };

/* A PF attribute, newline and all. */
static const char *pf_attr(struct fx *f, const char *attr)
{
	static char buf[32];
	char path[PATH_MAX];
	FILE *fp;

	dev_path(f, path, sizeof(path), EP, attr);
	fp = fopen(path, "r");
	if (!fp || !fgets(buf, sizeof(buf), fp))
		fail_msg("cannot read %s", path);
	fclose(fp);
	return buf;
}

static bool vf_present(struct fx *f, unsigned i)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/" EP "/virtfn%u", i);
	return tree_has(f, rel);
}

static int set(struct dda_state *s, int n, unsigned flags, struct dda_repair *rep)
{
	int r;

	memset(rep, 0, sizeof(*rep));
	r = dda_sriov_set(s, EP, n, flags, rep);
	if (r < 0 && r != -EBUSY && r != -ERANGE)
		fail_msg("vf set %d: %s", n, dda_last_error()->message);
	return r;
}

static void expect_said(const struct dda_repair *rep, const char *text)
{
	for (size_t i = 0; i < rep->n; i++)
		if (strstr(rep->lines[i], text))
			return;
	for (size_t i = 0; i < rep->n; i++)
		fprintf(stderr, "  said: %s\n", rep->lines[i]);
	fail_msg("vf set did not say \"%s\"", text);
}

static struct dda_sriov_config config(struct fx *f, struct dda_state *s)
{
	struct dda_sriov_config c;

	rescan(f);
	assert_int_equal(dda_sriov_config_get(s, dev(f, EP)->location_path, &c), 0);
	return c;
}

/* For the host: 1 -> 3 -> 0, every VF on iavf, counts verified, and the
 * configuration kept for the boot restore. */
static void test_host_counts(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_repair rep;
	struct dda_sriov_config c;

	sriov_host(f);
	s = fx_state(f);
	assert_int_equal(set(s, 1, 0, &rep), 0);
	assert_string_equal(pf_attr(f, "sriov_numvfs"), "1\n");
	assert_string_equal(driver_of(f, VF0), "iavf");
	assert_false(vf_present(f, 1));

	/* the model answers 1 -> 3 with EBUSY: this only works through 0 */
	assert_int_equal(set(s, 3, 0, &rep), 0);
	expect_said(&rep, "1 VF removed");
	expect_said(&rep, "3 VFs created");
	assert_string_equal(pf_attr(f, "sriov_numvfs"), "3\n");
	for (unsigned i = 0; i < 3; i++) {
		struct dda_pool_entry e;

		assert_true(vf_present(f, i));
		assert_string_equal(driver_of(f, vfs[i]), "iavf");
		assert_string_equal(override_of(f, vfs[i]), "(null)\n");
		assert_int_equal(dda_pool_get(s, vfs[i], &e), -ENOENT);
	}
	assert_false(vf_present(f, 3));
	assert_string_equal(pf_attr(f, "sriov_drivers_autoprobe"), "1\n");
	c = config(f, s);
	assert_int_equal(c.count, 3);
	assert_false(c.pool);
	assert_false(c.changing);
	assert_int_equal(c.autoprobe_saved, -1);

	assert_int_equal(set(s, 0, 0, &rep), 0);
	assert_string_equal(pf_attr(f, "sriov_numvfs"), "0\n");
	for (unsigned i = 0; i < 4; i++)
		assert_false(vf_present(f, i));
	assert_false(tree_has(f, "sys/bus/pci/drivers/iavf/" VF0));
	c = config(f, s);
	assert_int_equal(c.count, 0);
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'vf set'"), 3);
}

/* Above sriov_totalvfs: refused before anything is written. */
static void test_too_many(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_repair rep;
	struct dda_sriov_config c;

	sriov_host(f);
	s = fx_state(f);
	assert_int_equal(set(s, 2, 0, &rep), 0);
	expect_error(set(s, 5, 0, &rep), -ERANGE, "too-many-vfs", "'0000:01:00.0' supports at most 4 VFs");
	assert_string_equal(pf_attr(f, "sriov_numvfs"), "2\n");
	assert_string_equal(driver_of(f, VF1), "iavf");
	c = config(f, s);
	assert_int_equal(c.count, 2);
	assert_false(model_saw(f, "unbind " VF0));
}

/* --pool, 2 -> 3 -> 1: the VFs that stay keep their records and vfio-pci,
 * a new one is recorded, the ones that go are forgotten; none ever meets
 * iavf, and autoprobe is back on after each change. */
static void test_pool_counts(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_pool_entry e;
	struct dda_repair rep;
	struct dda_sriov_config c;

	sriov_host(f);
	s = fx_state(f);
	assert_int_equal(set(s, 2, DDA_SRIOV_POOL, &rep), 0);
	assert_int_equal(set(s, 3, DDA_SRIOV_POOL, &rep), 0);
	expect_said(&rep, "'" VF0 "' (VF 0, PCIROOT(0)#PCI(0100)#PCI(0000)#VF(0)) on vfio-pci, still in the pool");
	expect_said(&rep, "'" VF2 "' (VF 2, PCIROOT(0)#PCI(0100)#PCI(0000)#VF(2)) on vfio-pci, in the pool");
	assert_string_equal(pf_attr(f, "sriov_numvfs"), "3\n");
	assert_string_equal(pf_attr(f, "sriov_drivers_autoprobe"), "1\n");
	for (unsigned i = 0; i < 3; i++) {
		char ev[64];

		assert_string_equal(driver_of(f, vfs[i]), "vfio-pci");
		assert_string_equal(override_of(f, vfs[i]), "vfio-pci\n");
		assert_int_equal(dda_pool_get(s, vfs[i], &e), 0);
		assert_int_equal(e.state, DDA_POOL_POOLED);
		/* mounted, it goes to the kernel's choice */
		assert_string_equal(e.original_driver, "");
		snprintf(ev, sizeof(ev), "bind %s iavf", vfs[i]);
		assert_false(model_saw(f, ev));
	}
	c = config(f, s);
	assert_int_equal(c.count, 3);
	assert_true(c.pool);
	assert_int_equal(c.autoprobe_saved, -1);

	assert_int_equal(set(s, 1, DDA_SRIOV_POOL, &rep), 0);
	expect_said(&rep, "'" VF1 "' (VF 1) left the pool: it goes away");
	expect_said(&rep, "'" VF2 "' (VF 2) left the pool: it goes away");
	assert_int_equal(dda_pool_get(s, VF0, &e), 0);
	assert_int_equal(dda_pool_get(s, VF1, &e), -ENOENT);
	assert_int_equal(dda_pool_get(s, VF2, &e), -ENOENT);
	assert_string_equal(driver_of(f, VF0), "vfio-pci");
	assert_false(vf_present(f, 1));
	assert_false(model_saw(f, "bind " VF0 " iavf"));
	assert_string_equal(pf_attr(f, "sriov_drivers_autoprobe"), "1\n");
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'forget'"), 2);
}

/* From host VFs to pooled ones: the old VFs leave iavf by going away, the
 * new ones never reach it. */
static void test_host_to_pool(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_pool_entry e;
	struct dda_repair rep;

	sriov_host(f);
	s = fx_state(f);
	assert_int_equal(set(s, 1, 0, &rep), 0);
	assert_string_equal(driver_of(f, VF0), "iavf");
	assert_int_equal(set(s, 2, DDA_SRIOV_POOL, &rep), 0);
	assert_string_equal(driver_of(f, VF0), "vfio-pci");
	assert_string_equal(driver_of(f, VF1), "vfio-pci");
	assert_int_equal(dda_pool_get(s, VF1, &e), 0);
	assert_false(model_saw(f, "bind " VF1 " iavf"));
	assert_string_equal(pf_attr(f, "sriov_drivers_autoprobe"), "1\n");
}

/* A stopped VM holds VF 1: a count that destroys it is refused naming
 * the VM; one that keeps it works, and the VM keeps it. */
static void test_vm_holds_vf(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	enum dda_assign_result res;
	struct dda_repair rep;
	struct dda_vm vm;

	sriov_host(f);
	s = fx_state(f);
	assert_int_equal(set(s, 2, DDA_SRIOV_POOL, &rep), 0);
	rescan(f);
	dda_vm_init(&vm, "lab1");
	assert_int_equal(dda_vm_create(s, &vm), 0);
	assert_int_equal(dda_vmrun_assign(s, f->h, "lab1", dev(f, VF1), &res), 0);

	expect_error(set(s, 1, DDA_SRIOV_POOL, &rep), -EBUSY, "refused",
		     "VF 1 '" VF1 "' is assigned to VM 'lab1' and would not come back");
	expect_error(set(s, 0, 0, &rep), -EBUSY, "refused", "VM 'lab1'");
	assert_string_equal(pf_attr(f, "sriov_numvfs"), "2\n");
	assert_string_equal(driver_of(f, VF1), "vfio-pci");
	assert_false(model_saw(f, "unbind " VF1));
	assert_false(config(f, s).changing);

	/* 2 -> 3 keeps VF 1 (same address, same record) and the VM's claim */
	assert_int_equal(set(s, 3, DDA_SRIOV_POOL, &rep), 0);
	assert_string_equal(owner(s, VF1), "lab1");
	assert_string_equal(driver_of(f, VF1), "vfio-pci");
	rescan(f);
	assert_int_equal(dda_vmrun_preflight(s, f->h, "lab1"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_host_counts), T(test_too_many), T(test_pool_counts), T(test_host_to_pool), T(test_vm_holds_vf),
	};

	return cmocka_run_group_tests(tests, vm_run_dir_setup, vm_run_dir_teardown);
}
