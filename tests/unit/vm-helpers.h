/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by test-vm and test-vmrun: the fake host their VMs take devices
 * from, and looks at the state database.  Include after helpers.h.
 */
#ifndef DDA_TEST_VM_HELPERS_H
#define DDA_TEST_VM_HELPERS_H

#include "error.h"
#include "pool.h"
#include "state.h"
#include "vm.h"

#define NIC2	   "0000:02:00.0"
#define RP3	   "0000:00:03.0"
#define GPU	   "0000:03:00.0"
#define EP_LOCPATH "PCIROOT(0)#PCI(0100)#PCI(0000)"

/*
 * A two-function card (EP, EP_F1) sharing group 2 below RP, a second card
 * with EP's ids (NIC2, group 4) below RP2 for --any, and a GPU with a
 * 256 MiB BAR (GPU, group 6) below RP3.  Every endpoint is on vfio-pci.
 */
static inline void vm_host(struct fx *f)
{
	struct fh_dev e = good_ep();

	base(f);
	e.driver = "vfio-pci";
	e.multifunction = true;
	add_dev(f, &e);
	e.addr = EP_F1;
	e.device = 0x1573;
	add_dev(f, &e);
	ADD(f, .addr = RP2, .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1902, .caps = FH_PM | FH_MSI | FH_ACS,
	    .acs_ctrl = ACS_FULL, .driver = "pcieport", .group = FH_GROUP(3));
	e = good_ep();
	e.addr = NIC2;
	e.parent = RP2;
	e.driver = "vfio-pci";
	e.group = FH_GROUP(4);
	add_dev(f, &e);
	ADD(f, .addr = RP3, .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1903, .caps = FH_PM | FH_MSI | FH_ACS,
	    .acs_ctrl = ACS_FULL, .driver = "pcieport", .group = FH_GROUP(5));
	e = good_ep();
	e.addr = GPU;
	e.parent = RP3;
	e.vendor = 0x10de;
	e.device = 0x1db6;
	e.class = 0x030200;
	e.driver = "vfio-pci";
	e.group = FH_GROUP(6);
	e.bars[0] = (struct fh_bar){ 256ULL << 20, FH_BAR_64 | FH_BAR_PREF };
	add_dev(f, &e);
}

/* Records addr's whole group as pooled, as a dismount leaves it. */
static inline void vm_pool(struct fx *f, struct dda_state *s, const char *addr)
{
	struct dda_device *d = dev(f, addr);

	for (size_t i = 0; i < d->group->nmembers; i++)
		assert_int_equal(dda_pool_record(s, d->group->members[i], "i40e"), 0);
}

static inline void expect_error(int r, int want, const char *code, const char *text)
{
	const struct dda_error_info *e = dda_last_error();

	if (r != want)
		fail_msg("got %d (%s), expected %d", r, e->message, want);
	assert_string_equal(e->code, code);
	expect_contains(e->message, text);
}

/* Owner of address, "" when nobody holds it. */
static inline const char *owner(struct dda_state *s, const char *address)
{
	static char vm[DDA_VM_NAME_MAX + 1];

	if (dda_vm_owner(s, address, vm) < 0)
		vm[0] = '\0';
	return vm;
}

static inline struct dda_vm_device row(struct dda_state *s, const char *address)
{
	struct dda_vm_device d;

	if (dda_vm_device_get(s, address, &d) < 0)
		fail_msg("%s is assigned to no VM", address);
	return d;
}

/* The one number a query gives. */
static inline int count(struct dda_state *s, const char *sql)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(dda_state_db(s), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	return sqlite3_column_int(st, 0);
}

/* Group setup and teardown for VMs that never run: their run directory
 * (DDACTL_RUN_DIR) only has to be nobody's. */
static char vm_run_dir[] = "/tmp/ddactl-test-run-XXXXXX";

static inline int vm_run_dir_setup(void **state)
{
	(void)state;
	if (!mkdtemp(vm_run_dir))
		return -1;
	return setenv("DDACTL_RUN_DIR", vm_run_dir, 1);
}

static inline int vm_run_dir_teardown(void **state)
{
	(void)state;
	rmdir(vm_run_dir);
	return 0;
}

#endif
