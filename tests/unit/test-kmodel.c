/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel model (tests/fixture/kmodel.c, preloaded): every answer it
 * gives is one the kernel gives, so that the pool and crash tests built on
 * it prove something.  The writes here are raw write(2)s, as ddactl's
 * dda_write() does them; each errno is the one drivers/base/bus.c,
 * drivers/pci/pci-driver.c and pci-sysfs.c return.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kmodel-helpers.h"

/* A host with EP on i40e (group 2) and vfio-pci registered. */
static void host(struct fx *f)
{
	struct fh_dev e = good_ep();

	base(f);
	ADD(f, .addr = e.addr, .parent = e.parent, .vendor = e.vendor, .device = e.device, .class = e.class,
	    .caps = e.caps, .driver = "i40e", .group = FH_GROUP(2), .reset_method = "flr", .reset = true,
	    .bars = { [0] = { 1 << 20, FH_BAR_64 } });
	MUST(fh_driver(f->fh, "vfio-pci"));
	MUST(fh_driver(f->fh, "pci-stub"));
}

static void test_override(void **state)
{
	struct fx *f = *state;

	host(f);
	assert_string_equal(override_of(f, EP), "(null)\n");
	assert_int_equal(dev_write(f, EP, "driver_override", "vfio-pci\n"), 0);
	assert_string_equal(override_of(f, EP), "vfio-pci\n");
	/* setting it moves nothing */
	assert_string_equal(driver_of(f, EP), "i40e");
	assert_int_equal(dev_write(f, EP, "driver_override", "pci-stub"), 0);
	assert_string_equal(override_of(f, EP), "pci-stub\n");
	assert_int_equal(dev_write(f, EP, "driver_override", "\n"), 0);
	assert_string_equal(override_of(f, EP), "(null)\n");
	assert_int_equal(dev_write(f, EP, "driver_override", "vfio-pci"), 0);
	assert_int_equal(dev_write(f, EP, "driver_override", ""), 0);
	assert_string_equal(override_of(f, EP), "(null)\n");
}

static void test_unbind_bind(void **state)
{
	struct fx *f = *state;

	host(f);
	/* unbind through the device's driver link, as ddactl does */
	assert_int_equal(dev_write(f, EP, "driver/unbind", EP), 0);
	assert_string_equal(driver_of(f, EP), "");
	assert_false(tree_has(f, "sys/bus/pci/drivers/i40e/" EP));
	/* unbind of an unbound device */
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers/i40e/unbind", EP), -ENODEV);
	/* an id table that does not match */
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers/vfio-pci/bind", EP), -ENODEV);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers/i40e/bind", "0000:09:00.0"), -ENODEV);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers/i40e/bind", EP "\n"), 0);
	assert_string_equal(driver_of(f, EP), "i40e");
	/* bound already; unbind from a driver that does not hold it */
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers/i40e/bind", EP), -EBUSY);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers/vfio-pci/unbind", EP), -ENODEV);
	assert_string_equal(driver_of(f, EP), "i40e");
	/* an override naming another driver: its own driver no longer matches */
	assert_int_equal(dev_write(f, EP, "driver/unbind", EP), 0);
	assert_int_equal(dev_write(f, EP, "driver_override", "pci-stub"), 0);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers/i40e/bind", EP), -ENODEV);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers/pci-stub/bind", EP), 0);
	assert_string_equal(driver_of(f, EP), "pci-stub");
}

static void test_probe(void **state)
{
	struct fx *f = *state;

	host(f);
	/* a bound device: nothing happens, and it is not an error */
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers_probe", EP), 0);
	assert_string_equal(driver_of(f, EP), "i40e");
	assert_int_equal(dev_write(f, EP, "driver_override", "vfio-pci"), 0);
	assert_int_equal(dev_write(f, EP, "driver/unbind", EP), 0);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers_probe", EP), 0);
	assert_string_equal(driver_of(f, EP), "vfio-pci");
	assert_true(tree_has(f, "dev/vfio/2"));
	assert_true(tree_has(f, "sys/bus/pci/devices/" EP "/vfio-dev/vfio0"));
	assert_true(tree_has(f, "dev/vfio/devices/vfio0"));
	/* back: override cleared, unbound, probed to the id-table match */
	assert_int_equal(dev_write(f, EP, "driver_override", "\n"), 0);
	assert_string_equal(driver_of(f, EP), "vfio-pci");
	assert_int_equal(dev_write(f, EP, "driver/unbind", EP), 0);
	assert_false(tree_has(f, "dev/vfio/2"));
	assert_false(tree_has(f, "dev/vfio/devices/vfio0"));
	assert_false(tree_has(f, "sys/bus/pci/devices/" EP "/vfio-dev"));
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers_probe", EP), 0);
	assert_string_equal(driver_of(f, EP), "i40e");
	/* no such device */
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers_probe", "0000:09:00.0"), -ENODEV);
	/* the first registered match wins; an unregistered one is skipped */
	MUST(fh_model_native(f->fh, EP, "i40e-new i40e"));
	assert_int_equal(dev_write(f, EP, "driver/unbind", EP), 0);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers_probe", EP), 0);
	assert_string_equal(driver_of(f, EP), "i40e");
	MUST(fh_driver(f->fh, "i40e-new"));
	assert_int_equal(dev_write(f, EP, "driver/unbind", EP), 0);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers_probe", EP), 0);
	assert_string_equal(driver_of(f, EP), "i40e-new");
	/* vfio-pci's id table matches only by override, whatever a test lists */
	MUST(fh_model_native(f->fh, EP, "vfio-pci pci-stub i40e"));
	assert_int_equal(dev_write(f, EP, "driver/unbind", EP), 0);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers/vfio-pci/bind", EP), -ENODEV);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers_probe", EP), 0);
	assert_string_equal(driver_of(f, EP), "i40e");
}

static void test_vfio_refuses(void **state)
{
	struct fx *f = *state;

	host(f);
	/* a port: vfio-pci takes normal headers only */
	assert_int_equal(dev_write(f, RP, "driver_override", "vfio-pci"), 0);
	assert_int_equal(dev_write(f, RP, "driver/unbind", RP), 0);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers/vfio-pci/bind", RP), -EINVAL);
	/* a function without an IOMMU group */
	ADD(f, .addr = RP2, .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1901, .caps = FH_PM | FH_MSI,
	    .driver = "pcieport", .group = FH_GROUP(3));
	ADD(f, .addr = "0000:02:00.0", .parent = RP2, .vendor = 0x1af4, .device = 0x1000, .class = 0x020000);
	assert_int_equal(dev_write(f, "0000:02:00.0", "driver_override", "vfio-pci"), 0);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers/vfio-pci/bind", "0000:02:00.0"), -EINVAL);
	assert_string_equal(driver_of(f, "0000:02:00.0"), "");
}

static void test_reset(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	uint8_t cfg[8];
	FILE *fp;

	host(f);
	assert_int_equal(dev_write(f, EP, "reset", "2"), -EINVAL);
	assert_int_equal(dev_write(f, EP, "reset", "x"), -EINVAL);
	assert_int_equal(dev_write(f, EP, "reset", "1"), 0);
	assert_string_equal(driver_of(f, EP), "i40e");
	MUST(fh_model_reset(f->fh, EP, ENOTTY, false));
	assert_int_equal(dev_write(f, EP, "reset", "1"), -ENOTTY);
	MUST(fh_model_reset(f->fh, EP, 0, false));
	assert_int_equal(dev_write(f, EP, "reset", "1\n"), 0);
	MUST(fh_model_reset(f->fh, EP, 0, true));
	assert_int_equal(dev_write(f, EP, "reset", "1"), 0);
	dev_path(f, path, sizeof(path), EP, "config");
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(cfg, 1, sizeof(cfg), fp), sizeof(cfg));
	fclose(fp);
	for (size_t i = 0; i < sizeof(cfg); i++)
		assert_int_equal(cfg[i], 0xff);
}

static void test_numvfs(void **state)
{
	struct fx *f = *state;

	sriov_host(f);
	assert_false(tree_has(f, "sys/bus/pci/devices/" VF0));
	assert_int_equal(dev_write(f, EP, "sriov_numvfs", "5"), -ERANGE);
	assert_int_equal(dev_write(f, EP, "sriov_numvfs", "two"), -EINVAL);
	assert_int_equal(dev_write(f, EP, "sriov_numvfs", "2\n"), 0);
	assert_true(tree_has(f, "sys/bus/pci/devices/" EP "/virtfn1/physfn/virtfn0"));
	assert_false(tree_has(f, "sys/bus/pci/devices/" EP "/virtfn2"));
	assert_true(tree_has(f, "sys/kernel/iommu_groups/11/devices/" VF1));
	/* autoprobe on: the VFs went to their driver */
	assert_string_equal(driver_of(f, VF0), "iavf");
	assert_string_equal(driver_of(f, VF1), "iavf");
	assert_true(model_saw(f, "bind " VF1 " iavf"));
	assert_false(model_saw(f, "unbind " VF1 " iavf"));
	/* N -> M without 0 first */
	assert_int_equal(dev_write(f, EP, "sriov_numvfs", "3"), -EBUSY);
	assert_int_equal(dev_write(f, EP, "sriov_numvfs", "2"), 0);

	assert_int_equal(dev_write(f, EP, "sriov_numvfs", "0"), 0);
	assert_false(tree_has(f, "sys/bus/pci/devices/" VF0));
	assert_false(tree_has(f, "sys/bus/pci/devices/" EP "/virtfn0"));
	assert_false(tree_has(f, "sys/bus/pci/drivers/iavf/" VF0));
	assert_false(tree_has(f, "sys/kernel/iommu_groups/10"));

	/* autoprobe off: new VFs stay unbound; an override still probes */
	assert_int_equal(dev_write(f, EP, "sriov_drivers_autoprobe", "x"), -EINVAL);
	assert_int_equal(dev_write(f, EP, "sriov_drivers_autoprobe", "0"), 0);
	assert_int_equal(dev_write(f, EP, "sriov_numvfs", "1"), 0);
	assert_string_equal(driver_of(f, VF0), "");
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers_probe", VF0), 0);
	assert_string_equal(driver_of(f, VF0), "");
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers/iavf/bind", VF0), -ENODEV);
	assert_int_equal(dev_write(f, VF0, "driver_override", "vfio-pci"), 0);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers_probe", VF0), 0);
	assert_string_equal(driver_of(f, VF0), "vfio-pci");
	assert_true(tree_has(f, "dev/vfio/10"));
	/* disabling takes the VF from vfio-pci too */
	assert_int_equal(dev_write(f, EP, "sriov_numvfs", "0"), 0);
	assert_false(tree_has(f, "dev/vfio/10"));

	/* the PF's driver configures SR-IOV: none, no change */
	assert_int_equal(dev_write(f, EP, "driver/unbind", EP), 0);
	assert_int_equal(dev_write(f, EP, "sriov_numvfs", "1"), -ENOENT);
	assert_int_equal(dev_write(f, EP, "sriov_numvfs", "0"), 0);
}

static void test_remove_rescan(void **state)
{
	struct fx *f = *state;

	host(f);
	assert_int_equal(dev_write(f, EP, "remove", "0"), 0);
	assert_true(tree_has(f, "sys/bus/pci/devices/" EP));
	assert_int_equal(dev_write(f, EP, "remove", "1"), 0);
	assert_false(tree_has(f, "sys/bus/pci/devices/" EP));
	assert_false(tree_has(f, "sys/bus/pci/drivers/i40e/" EP));
	assert_false(tree_has(f, "sys/kernel/iommu_groups/2"));
	assert_int_equal(sysfs_write(f, "sys/bus/pci/drivers_probe", EP), -ENODEV);
	assert_int_equal(sysfs_write(f, "sys/bus/pci/rescan", "1"), 0);
	assert_true(tree_has(f, "sys/kernel/iommu_groups/2/devices/" EP "/config"));
	/* back as a new device: probed to its driver */
	assert_string_equal(driver_of(f, EP), "i40e");
	assert_string_equal(override_of(f, EP), "(null)\n");
}

/* Writes the model does not own are plain file writes. */
static void test_passthrough(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	FILE *fp;
	char buf[16] = "";

	host(f);
	assert_int_equal(dev_write(f, EP, "numa_node", "1\n"), 0);
	dev_path(f, path, sizeof(path), EP, "numa_node");
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "1\n");
}

/* A value the file takes only in part is not written: RLIMIT_FSIZE makes
 * write(2) return a short count, which dda_write() must refuse. */
static void test_short_write(void **state)
{
	struct fx *f = *state;
	struct rlimit old, lim = { .rlim_cur = 2, .rlim_max = RLIM_INFINITY };
	char path[PATH_MAX];
	FILE *fp;
	int r;

	base(f);
	snprintf(path, sizeof(path), "%s/short", fh_root(f->fh));
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim.rlim_max = old.rlim_max;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = dda_write(f->ctx, "abcdef", "short");
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(r, -EIO);
	assert_int_equal(dda_write(f->ctx, "ab", "short"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_override), T(test_unbind_bind),	 T(test_probe),	      T(test_vfio_refuses), T(test_reset),
		T(test_numvfs),	  T(test_remove_rescan), T(test_passthrough), T(test_short_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
