/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Devices as the hardware and the kernel present them, on the kernel model
 * (tests/fixture/kmodel.c, preloaded): a VF whose config space reads 0xffff
 * for its ids goes through dismount and mount; a device that does not
 * answer after a reset is quarantined, refused, and released; devices on
 * vfio-pci that the database does not know are named and can go home.
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
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "driver.h"
#include "error.h"
#include "pool.h"
#include "state.h"
#include "vm.h"
#include "vmrun.h"

#define VF_DEVICE 0x154c

static struct dda_state *open_state(struct fx *f)
{
	struct dda_state *s = NULL;

	/* loaded, as a dismount would have it */
	MUST(fh_driver(f->fh, "vfio-pci"));
	assert_int_equal(dda_state_open(f->ctx, &s, 0), 0);
	return s;
}

/* The host as a new command run sees it, with the pool's marks. */
static void rescan(struct fx *f, struct dda_state *s)
{
	dda_host_free(f->h);
	f->h = NULL;
	scan_only(f);
	assert_int_equal(dda_pool_mark(f->h, s), 0);
	assert_int_equal(dda_checks_run(f->h), 0);
}

static const char *attr_of(struct fx *f, const char *addr, const char *attr)
{
	static char buf[128];
	char path[PATH_MAX];
	FILE *fp;

	dev_path(f, path, sizeof(path), addr, attr);
	fp = fopen(path, "r");
	if (!fp || !fgets(buf, sizeof(buf), fp))
		fail_msg("cannot read %s", path);
	fclose(fp);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static const char *driver_of(struct fx *f, const char *addr)
{
	static char buf[64];
	char path[PATH_MAX], t[PATH_MAX];
	ssize_t n;

	dev_path(f, path, sizeof(path), addr, "driver");
	n = readlink(path, t, sizeof(t) - 1);
	if (n < 0)
		return "";
	t[n] = '\0';
	snprintf(buf, sizeof(buf), "%s", strrchr(t, '/') + 1);
	return buf;
}

static void expect_error(const char *code, const char *text)
{
	const struct dda_error_info *e = dda_last_error();

	if (strcmp(e->code, code))
		fail_msg("error code '%s', expected '%s' (%s)", e->code, code, e->message);
	if (text && !strstr(e->message, text))
		fail_msg("error \"%s\" does not say \"%s\"", e->message, text);
}

static int dismount(struct fx *f, struct dda_state *s, const char *addr, struct dda_plan *plan)
{
	struct dda_device *d;
	int r;

	rescan(f, s);
	d = dev(f, addr);
	r = dda_pool_plan_dismount(f->h, s, &d, 1, 0, plan);
	if (r < 0)
		return r;
	return dda_pool_dismount(s, plan);
}

static int mount(struct fx *f, struct dda_state *s, const char *addr, struct dda_plan *plan)
{
	struct dda_device *d;
	int r;

	rescan(f, s);
	d = dev(f, addr);
	r = dda_pool_plan_mount(f->h, s, &d, 1, plan);
	if (r < 0)
		return r;
	return dda_pool_mount(s, plan);
}

/* A NIC alone in its group, on i40e, with FLR. */
static void add_nic(struct fx *f)
{
	base(f);
	ADD(f, .addr = EP, .parent = RP, .vendor = 0x8086, .device = 0x1572, .class = 0x020000,
	    .caps = FH_PM | FH_MSIX | FH_FLR, .driver = "i40e", .group = FH_GROUP(2), .reset_method = "flr",
	    .reset = true, .bars = { [0] = { 8 << 20, FH_BAR_64 | FH_BAR_PREF } });
}

/* EP stays on vfio-pci with its override, pooled and quarantined. */
static void expect_quarantined(struct fx *f, struct dda_state *s, struct dda_pool_entry *e)
{
	assert_string_equal(driver_of(f, EP), "vfio-pci");
	assert_string_equal(attr_of(f, EP, "driver_override"), "vfio-pci");
	assert_int_equal(dda_pool_get(s, EP, e), 0);
	assert_int_equal(e->state, DDA_POOL_POOLED);
	assert_true(dda_pool_entry_quarantined(e));
	expect_contains(e->quarantine_reason, "did not answer");
}

/* A PF with one VF as real hardware shows it: 0xffff ids, zero BARs and
 * interrupt pin 0 in the VF's config space, the kernel's ids in sysfs. */
static void add_pf_vf(struct fx *f, char vf[FH_ADDR_LEN])
{
	struct fh_dev e = good_ep();

	base(f);
	e.caps |= FH_SRIOV | FH_ARI;
	e.sriov_total = 4;
	e.sriov_num = 1;
	e.vf_device = VF_DEVICE;
	e.vf_bars[0] = (struct fh_bar){ 64 << 10, FH_BAR_64 | FH_BAR_PREF };
	add_dev(f, &e);
	MUST(fh_vf_addr(f->fh, EP, 0, vf));
	/* intx_pin asked for: the hardware (and the fixture) say 0 anyway */
	ADD(f, .addr = vf, .physfn = EP, .caps = FH_MSIX | FH_FLR, .intx_pin = 1, .driver = "iavf",
	    .group = FH_GROUP(3), .reset_method = "flr", .reset = true);
}

static void test_vf_as_hardware_shows_it(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	char vf[FH_ADDR_LEN], path[PATH_MAX];
	uint8_t cfg[64];
	struct dda_device *d;
	FILE *fp;

	add_pf_vf(f, vf);
	/* the fixture keeps modelling the hardware */
	dev_path(f, path, sizeof(path), vf, "config");
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(cfg, 1, sizeof(cfg), fp), sizeof(cfg));
	fclose(fp);
	assert_int_equal(cfg[0] & cfg[1] & cfg[2] & cfg[3], 0xff);
	for (unsigned off = 0x10; off < 0x28; off++)
		assert_int_equal(cfg[off], 0); /* VF BARs read 0 */
	assert_int_equal(cfg[0x3d], 0);	       /* no INTx */

	/* a VF has no INTx whatever its pin byte says */
	patch8(f, vf, 0x3d, 1);
	s = open_state(f);
	rescan(f, s);
	d = dev(f, vf);
	assert_int_equal(d->vendor, 0x8086);
	assert_int_equal(d->device, VF_DEVICE);
	assert_int_equal(d->intx_pin, 0);
	assert_false(d->d3cold);
	/* the BAR comes from sysfs resource, which the PF's SR-IOV cap sized */
	assert_int_equal(d->nbars, 1);
	assert_int_equal(d->bars[0].size, 64 << 10);
	expect_no_reason(d, "intx-only");
	assert_int_equal(dda_driver_check_alive(f->ctx, vf, "now"), 0);
}

static void test_vf_dismount_mount(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_plan plan = { 0 };
	struct dda_pool_entry e;
	char vf[FH_ADDR_LEN];
	int r;

	add_pf_vf(f, vf);
	s = open_state(f);
	r = dismount(f, s, vf, &plan);
	if (r < 0)
		fail_msg("dismount of a VF: %s", dda_last_error()->message);
	/* vfio-pci resets it when a VM opens it; the dismount only checks it answers */
	assert_false(plan.moves[0].reset);
	dda_plan_release(&plan);
	assert_string_equal(driver_of(f, vf), "vfio-pci");
	assert_int_equal(dda_pool_get(s, vf, &e), 0);
	assert_int_equal(e.state, DDA_POOL_POOLED);
	assert_false(dda_pool_entry_quarantined(&e));
	/* recorded with the kernel's ids, which restore matches against */
	assert_int_equal(e.vendor, 0x8086);
	assert_int_equal(e.device, VF_DEVICE);

	r = mount(f, s, vf, &plan);
	if (r < 0)
		fail_msg("mount of a VF: %s", dda_last_error()->message);
	assert_true(plan.moves[0].reset);
	dda_plan_release(&plan);
	assert_string_equal(driver_of(f, vf), "iavf");
	assert_string_equal(attr_of(f, vf, "driver_override"), "(null)");
	assert_int_equal(dda_pool_get(s, vf, &e), -ENOENT);
}

/* Dead is both dwords all ones; either alone is a live function. */
static void test_liveness_dwords(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	add_dev(f, &e);
	patch32(f, EP, 0x00, 0xffffffff);
	assert_int_equal(dda_driver_check_alive(f->ctx, EP, "now"), 0);
	patch32(f, EP, 0x00, 0x15728086);
	patch32(f, EP, 0x08, 0xffffffff);
	assert_int_equal(dda_driver_check_alive(f->ctx, EP, "now"), 0);
	patch32(f, EP, 0x00, 0xffffffff);
	assert_int_equal(dda_driver_check_alive(f->ctx, EP, "now"), -ENXIO);
	expect_error("no-answer", EP);
}

static void test_dead_after_dismount_is_quarantined(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_plan plan = { 0 };
	struct dda_pool_entry e;
	enum dda_assign_result res;
	struct dda_device *d, *found = NULL;
	struct dda_vm vm;
	bool reset;
	int r;

	add_nic(f);
	s = open_state(f);
	MUST(fh_model_bind_dead(f->fh, EP, "vfio-pci"));
	MUST(fh_model_reset(f->fh, EP, 0, true));
	r = dismount(f, s, EP, &plan);
	dda_plan_release(&plan);
	assert_int_equal(r, -ENXIO);
	expect_error("quarantined", "ddactl pool release " EP);
	/* kept away from the host driver */
	expect_quarantined(f, s, &e);
	assert_string_equal(e.original_driver, "i40e");

	/* the survey shows it, with the reason, and blocks */
	rescan(f, s);
	d = dev(f, EP);
	assert_int_equal(d->pool_mark, DDA_POOL_QUARANTINED);
	expect_contains(expect_reason(d, "quarantined", DDA_SEV_BLOCK)->message, "did not answer");
	expect_no_reason(d, "in-pool");

	/* never handed to a VM */
	dda_vm_init(&vm, "guest");
	assert_int_equal(dda_vm_create(s, &vm), 0);
	assert_int_equal(dda_vmrun_assign(s, f->h, "guest", d, &res), -ECANCELED);
	expect_error("quarantined", "ddactl pool release " EP);
	assert_int_equal(dda_vmrun_find_free(s, f->h, 0x8086, 0x1572, &found), -ENOENT);
	assert_null(found);
	/* one that was assigned before it went dead does not start either */
	{
		struct dda_vm_device row = { .requested = true };

		snprintf(row.address, sizeof(row.address), "%s", EP);
		snprintf(row.vm, sizeof(row.vm), "guest");
		snprintf(row.location_path, sizeof(row.location_path), "%s", d->location_path);
		row.vendor = d->vendor;
		row.device = d->device;
		row.state = DDA_VM_DEVICE_ASSIGNED;
		assert_int_equal(dda_vm_device_put(s, &row), 0);
		assert_int_equal(dda_vmrun_preflight(s, f->h, "guest"), -ECANCELED);
		expect_error("quarantined", "cannot start VM 'guest'");
		assert_int_equal(dda_vm_delete(s, "guest"), 0);
	}

	/* mount refuses it with the same way out */
	r = mount(f, s, EP, &plan);
	dda_plan_release(&plan);
	assert_int_equal(r, -ECANCELED);
	expect_error("quarantined", "ddactl pool release " EP);
	assert_string_equal(driver_of(f, EP), "vfio-pci");

	/* still dead: stays quarantined */
	rescan(f, s);
	assert_int_equal(dda_pool_release(s, dev(f, EP), &reset), -ENXIO);
	expect_error("no-answer", "stays quarantined");
	assert_true(reset);
	assert_int_equal(dda_pool_get(s, EP, &e), 0);
	assert_true(dda_pool_entry_quarantined(&e));

	/* fixed (reseated): a reset brings it back, and it is free again */
	MUST(fh_model_reset(f->fh, EP, 0, false));
	patch32(f, EP, 0x00, 0x15728086);
	patch32(f, EP, 0x08, 0x02000000);
	assert_int_equal(dda_pool_release(s, dev(f, EP), &reset), 0);
	assert_int_equal(dda_pool_get(s, EP, &e), 0);
	assert_false(dda_pool_entry_quarantined(&e));
	assert_int_equal(dda_pool_release(s, dev(f, EP), &reset), -EALREADY);
	rescan(f, s);
	assert_int_equal(dda_vmrun_find_free(s, f->h, 0x8086, 0x1572, &found), 0);
	assert_ptr_equal(found, dev(f, EP));
	r = mount(f, s, EP, &plan);
	dda_plan_release(&plan);
	if (r < 0)
		fail_msg("mount after release: %s", dda_last_error()->message);
	assert_string_equal(driver_of(f, EP), "i40e");
}

static void test_dead_after_mount_reset_stays(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_plan plan = { 0 };
	struct dda_pool_entry e;
	int r;

	add_nic(f);
	s = open_state(f);
	assert_int_equal(dismount(f, s, EP, &plan), 0);
	dda_plan_release(&plan);
	MUST(fh_model_reset(f->fh, EP, 0, true));
	r = mount(f, s, EP, &plan);
	dda_plan_release(&plan);
	assert_int_equal(r, -ENXIO);
	expect_error("quarantined", "ddactl pool release " EP);
	/* not given to i40e, which would fail on a dead function */
	expect_quarantined(f, s, &e);
	assert_false(dda_pool_needs_recovery(s));
}

/* A run killed between the failed reset and the quarantine: the repair
 * must not give the dead function to its host driver either. */
static void test_repair_keeps_a_dead_device(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_repair rep = { 0 };
	struct dda_pool_entry e;
	int status;
	pid_t pid;

	add_nic(f);
	s = open_state(f);
	rescan(f, s);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct dda_plan plan = { 0 };
		struct dda_device *d;

		/* the fault point is read with the context, as a new process
		 * makes it: one of its own, on the state and host again */
		setenv("DDACTL_FAULT", "dismount:bound", 1);
		fx_ctx_renew(f);
		s = open_state(f);
		rescan(f, s);
		d = dev(f, EP);
		if (dda_pool_plan_dismount(f->h, s, &d, 1, 0, &plan) == 0)
			(void)!dda_pool_dismount(s, &plan);
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_string_equal(driver_of(f, EP), "vfio-pci");
	/* it fell off the bus meanwhile */
	{
		uint8_t ones[64];

		memset(ones, 0xff, sizeof(ones));
		patch_config(f, EP, 0, ones, sizeof(ones));
	}
	assert_true(dda_pool_needs_recovery(s));
	assert_int_equal(dda_pool_recover(s, &rep), 0);
	assert_int_equal(rep.n, 1);
	expect_contains(rep.lines[0], "quarantined");
	expect_quarantined(f, s, &e);
	assert_false(dda_pool_needs_recovery(s));
}

/* ------------------------------------------------------------ unrecorded */

/* EP on vfio-pci with an override, as ddactl leaves it; EP_F1 on vfio-pci
 * by id (new_id), no override: someone else's choice. */
static void add_vfio_pair(struct fx *f)
{
	struct fh_dev e = good_ep();

	base(f);
	e.driver = "vfio-pci";
	e.driver_override = "vfio-pci";
	add_dev(f, &e);
	ADD(f, .addr = EP_F1, .parent = RP, .vendor = 0x8086, .device = 0x1572, .class = 0x020000,
	    .caps = FH_PM | FH_MSIX | FH_FLR, .driver = "vfio-pci", .group = FH_GROUP(3), .reset_method = "flr",
	    .reset = true);
}

static void test_unrecorded_marks(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_device *d;

	add_vfio_pair(f);

	/* no database at all: the deleted-database case */
	scan_only(f);
	assert_int_equal(dda_pool_mark(f->h, NULL), 0);
	assert_int_equal(dda_checks_run(f->h), 0);
	d = dev(f, EP);
	assert_int_equal(d->pool_mark, DDA_POOL_UNRECORDED);
	expect_contains(expect_reason(d, "unrecorded", DDA_SEV_WARN)->hint, "ddactl mount " EP);
	expect_no_reason(d, "in-pool");
	assert_int_equal(dev(f, EP_F1)->pool_mark, DDA_POOL_UNKNOWN);
	expect_reason(dev(f, EP_F1), "in-pool", DDA_SEV_INFO);
	expect_no_reason(dev(f, EP_F1), "unrecorded");

	/* recorded (adopted by a dismount): no longer unrecorded */
	s = open_state(f);
	assert_true(dda_pool_unrecorded(f->ctx, s, dev(f, EP)));
	assert_int_equal(dda_pool_record(s, dev(f, EP), ""), 0);
	rescan(f, s);
	assert_int_equal(dev(f, EP)->pool_mark, DDA_POOL_RECORDED);
	expect_no_reason(dev(f, EP), "unrecorded");
	expect_reason(dev(f, EP), "in-pool", DDA_SEV_INFO);
}

/* `ddactl pool` reads, besides the records, only what could be an
 * unrecorded pool device: a function on a pool driver with an override. */
static void test_pool_drivers_scope(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	bool seen_ep = false, seen_f1 = false;

	add_vfio_pair(f);
	assert_int_equal(dda_host_scan_for(f->ctx, &h, DDA_SCAN_TARGETS_ONLY | DDA_SCAN_POOL_DRIVERS, NULL, 0), 0);
	for (size_t i = 0; i < h->ndevs; i++) {
		seen_ep |= !strcmp(h->devs[i].name, EP);
		seen_f1 |= !strcmp(h->devs[i].name, EP_F1);
	}
	assert_true(seen_ep);
	assert_false(seen_f1);
	assert_int_equal(dda_pool_mark(h, NULL), 0);
	for (size_t i = 0; i < h->ndevs; i++)
		if (!strcmp(h->devs[i].name, EP))
			assert_int_equal(h->devs[i].pool_mark, DDA_POOL_UNRECORDED);
}

/* An xHCI controller: module xhci_pci registers the driver xhci_hcd. */
static void add_unrecorded_xhci(struct fx *f)
{
	base(f);
	ADD(f, .addr = EP, .parent = RP, .vendor = 0x1b21, .device = 0x2142, .class = 0x0c0330,
	    .caps = FH_PM | FH_MSI | FH_MSIX, .driver = "vfio-pci", .driver_override = "vfio-pci", .group = FH_GROUP(2),
	    .reset_method = "flr", .reset = true, .bars = { [0] = { 32 << 10, FH_BAR_64 } });
	MUST(fh_driver(f->fh, "xhci_hcd"));
	MUST(fh_model_native(f->fh, EP, "xhci_hcd"));
}

static void test_unrecorded_mount_to_native_driver(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_plan plan = { 0 };
	int r;

	add_unrecorded_xhci(f);
	tree_mkdir(f, "etc/modprobe.d");
	/* what modules.alias says for xhci_pci: its class match */
	put_file(f, "etc/modprobe.d/xhci.conf", "alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci\n");
	tree_mkdir(f, "sys/module/xhci_pci/drivers/pci:xhci_hcd");
	s = open_state(f);

	rescan(f, s);
	assert_int_equal(dev(f, EP)->pool_mark, DDA_POOL_UNRECORDED);
	r = mount(f, s, EP, &plan);
	if (r < 0)
		fail_msg("mount of an unrecorded device: %s", dda_last_error()->message);
	assert_int_equal(plan.n, 1);
	assert_true(plan.moves[0].unrecorded);
	assert_string_equal(plan.moves[0].to, "xhci_hcd");
	dda_plan_release(&plan);
	assert_string_equal(driver_of(f, EP), "xhci_hcd");
	assert_string_equal(attr_of(f, EP, "driver_override"), "(null)");
	rescan(f, s);
	assert_int_equal(dev(f, EP)->pool_mark, DDA_POOL_UNKNOWN);
}

static void test_unrecorded_mount_without_module(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_plan plan = { 0 };
	int r;

	add_unrecorded_xhci(f);
	s = open_state(f);
	r = mount(f, s, EP, &plan);
	dda_plan_release(&plan);
	assert_int_equal(r, -ENOENT);
	expect_error("no-driver", "not recorded");
	/* nothing was touched */
	assert_string_equal(driver_of(f, EP), "vfio-pci");
	assert_string_equal(attr_of(f, EP, "driver_override"), "vfio-pci");
}

/* Neither recorded nor unrecorded: a host device stays not-in-pool. */
static void test_mount_of_a_host_device(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_plan plan = { 0 };
	struct fh_dev e = good_ep();

	base(f);
	add_dev(f, &e);
	s = open_state(f);
	assert_int_equal(mount(f, s, EP, &plan), -ENOENT);
	dda_plan_release(&plan);
	expect_error("not-in-pool", EP);
}

static void test_dismount_names_unrecorded(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_plan plan = { 0 };
	struct dda_pool_entry e;

	add_unrecorded_xhci(f);
	s = open_state(f);
	if (dismount(f, s, EP, &plan) < 0)
		fail_msg("dismount of an unrecorded device: %s", dda_last_error()->message);
	assert_true(plan.moves[0].unrecorded);
	dda_plan_release(&plan);
	/* adopted: recorded now, with no original driver to claim */
	assert_int_equal(dda_pool_get(s, EP, &e), 0);
	assert_string_equal(e.original_driver, "");
	assert_false(dda_pool_unrecorded(f->ctx, s, dev(f, EP)));
}

/* An unrecorded companion is named as such when its group moves. */
static void test_dismount_names_unrecorded_companion(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_plan plan = { 0 };
	struct fh_dev e = good_ep();

	base(f);
	e.multifunction = true;
	add_dev(f, &e);
	ADD(f, .addr = EP_F1, .parent = RP, .vendor = 0x8086, .device = 0x1572, .class = 0x020000,
	    .multifunction = true, .caps = FH_PM | FH_MSIX | FH_FLR, .driver = "vfio-pci",
	    .driver_override = "vfio-pci", .group = FH_GROUP(2), .reset_method = "flr", .reset = true);
	s = open_state(f);
	rescan(f, s);
	{
		struct dda_device *d = dev(f, EP);

		assert_int_equal(dda_pool_plan_dismount(f->h, s, &d, 1, DDA_MOVE_FORCE, &plan), 0);
	}
	assert_int_equal(plan.n, 2);
	assert_false(plan.moves[0].unrecorded);
	assert_ptr_equal(plan.moves[1].dev, dev(f, EP_F1));
	assert_true(plan.moves[1].unrecorded);
	dda_plan_release(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_vf_as_hardware_shows_it),
		T(test_vf_dismount_mount),
		T(test_liveness_dwords),
		T(test_dead_after_dismount_is_quarantined),
		T(test_dead_after_mount_reset_stays),
		T(test_repair_keeps_a_dead_device),
		T(test_unrecorded_marks),
		T(test_pool_drivers_scope),
		T(test_unrecorded_mount_to_native_driver),
		T(test_unrecorded_mount_without_module),
		T(test_mount_of_a_host_device),
		T(test_dismount_names_unrecorded),
		T(test_dismount_names_unrecorded_companion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
