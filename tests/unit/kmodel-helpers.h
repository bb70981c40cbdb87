/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For the tests that run on the kernel model (tests/fixture/kmodel.c,
 * preloaded by meson): write sysfs as ddactl does, and read back where
 * the model put the drivers.  Include after helpers.h.
 */
#ifndef DDA_TEST_KMODEL_HELPERS_H
#define DDA_TEST_KMODEL_HELPERS_H

#include "helpers.h"
#include "pool.h"
#include "state.h"

/* Writes s to a root-relative sysfs file with one write(); 0 or -errno. */
static inline int sysfs_write(struct fx *f, const char *rel, const char *s)
{
	char path[PATH_MAX];
	int fd, r = 0;

	tree_path(f, path, sizeof(path), rel);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static inline int dev_write(struct fx *f, const char *addr, const char *attr, const char *s)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/%s", addr, attr);
	return sysfs_write(f, rel, s);
}

/* The driver of addr, "" when unbound; fails the test when the driver's
 * side of the link does not lead back to the device. */
static inline const char *driver_of(struct fx *f, const char *addr)
{
	static char buf[64];
	char path[PATH_MAX], t[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver", fh_root(f->fh), addr);
	n = readlink(path, t, sizeof(t) - 1);
	if (n < 0)
		return "";
	t[n] = '\0';
	snprintf(buf, sizeof(buf), "%s", strrchr(t, '/') + 1);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/%s/%s/config", fh_root(f->fh), buf, addr);
	if (access(path, F_OK) < 0)
		fail_msg("%s is on %s but drivers/%s/%s does not lead to it", addr, buf, buf, addr);
	return buf;
}

static inline bool tree_has(struct fx *f, const char *rel)
{
	char path[PATH_MAX];

	tree_path(f, path, sizeof(path), rel);
	return access(path, F_OK) == 0;
}

/* driver_override as the kernel prints it: "(null)\n" when none. */
static inline const char *override_of(struct fx *f, const char *addr)
{
	static char buf[128];
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver_override", fh_root(f->fh), addr);
	fp = fopen(path, "r");
	if (!fp || !fgets(buf, sizeof(buf), fp))
		fail_msg("cannot read %s", path);
	fclose(fp);
	return buf;
}

/* Whether the model ever logged this bind or unbind ("bind X D"). */
static inline bool model_saw(struct fx *f, const char *event)
{
	char path[PATH_MAX], line[256];
	bool seen = false;
	FILE *fp;

	tree_path(f, path, sizeof(path), ".kmodel/events");
	fp = fopen(path, "r");
	while (fp && !seen && fgets(line, sizeof(line), fp))
		seen = !strncmp(line, event, strlen(event)) && line[strlen(event)] == '\n';
	if (fp)
		fclose(fp);
	return seen;
}

/* A fresh survey of the tree, as each ddactl command makes one. */
static inline void rescan(struct fx *f)
{
	dda_host_free(f->h);
	f->h = NULL;
	scan(f);
}

/* The pool tests' host: EP (i40e, group 2) alone behind RP, and a
 * two-function card behind RP2 in one IOMMU group (4): MF0 on i40e, MF1
 * on ixgbe.  vfio-pci is registered. */
#define MF0 "0000:02:00.0"
#define MF1 "0000:02:00.1"

static inline void pool_host(struct fx *f)
{
	struct fh_dev e = good_ep();

	base(f);
	add_dev(f, &e);
	ADD(f, .addr = RP2, .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1901, .caps = FH_PM | FH_MSI | FH_ACS,
	    .acs_ctrl = ACS_FULL, .driver = "pcieport", .group = FH_GROUP(3));
	e.parent = RP2;
	e.group = FH_GROUP(4);
	e.addr = MF0;
	e.multifunction = true;
	add_dev(f, &e);
	e.addr = MF1;
	e.driver = "ixgbe";
	add_dev(f, &e);
	MUST(fh_driver(f->fh, "vfio-pci"));
}

static inline int dismount(struct fx *f, struct dda_state *s, const char *addr, unsigned flags)
{
	struct dda_device *d;
	struct dda_plan p = { 0 };
	int r;

	rescan(f);
	d = dev(f, addr);
	r = dda_pool_plan_dismount(f->h, s, &d, 1, flags, &p);
	if (r == 0)
		r = dda_pool_dismount(s, &p);
	dda_plan_release(&p);
	return r;
}

static inline int mount(struct fx *f, struct dda_state *s, const char *addr)
{
	struct dda_device *d;
	struct dda_plan p = { 0 };
	int r;

	rescan(f);
	d = dev(f, addr);
	r = dda_pool_plan_mount(f->h, s, &d, 1, &p);
	if (r == 0)
		r = dda_pool_mount(s, &p);
	dda_plan_release(&p);
	return r;
}

static inline void expect_pooled(struct fx *f, struct dda_state *s, const char *addr, const char *original,
				 const char *brought_by)
{
	struct dda_pool_entry e;

	assert_string_equal(driver_of(f, addr), "vfio-pci");
	assert_string_equal(override_of(f, addr), "vfio-pci\n");
	assert_int_equal(dda_pool_get(s, addr, &e), 0);
	assert_int_equal(e.state, DDA_POOL_POOLED);
	assert_string_equal(e.original_driver, original);
	assert_int_equal(e.requested, brought_by == NULL);
	assert_string_equal(e.brought_by, brought_by ? brought_by : "");
}

static inline void expect_host(struct fx *f, struct dda_state *s, const char *addr, const char *driver)
{
	struct dda_pool_entry e;

	assert_string_equal(driver_of(f, addr), driver);
	assert_string_equal(override_of(f, addr), "(null)\n");
	assert_int_equal(dda_pool_get(s, addr, &e), -ENOENT);
}

/* EP as an SR-IOV PF on i40e with 4 VFs possible, none enabled; the VFs
 * match iavf. */
static inline void sriov_host(struct fx *f)
{
	struct fh_dev e = good_ep();
	struct fh_dev vf = { .caps = FH_MSIX | FH_FLR, .reset_method = "flr", .reset = true };

	base(f);
	e.caps |= FH_SRIOV | FH_ARI;
	e.sriov_total = 4;
	e.vf_device = 0x154c;
	e.vf_bars[0] = (struct fh_bar){ 64 << 10, FH_BAR_64 | FH_BAR_PREF };
	add_dev(f, &e);
	MUST(fh_sriov_spares(f->fh, EP, &vf, FH_GROUP(10)));
	MUST(fh_driver(f->fh, "iavf"));
	MUST(fh_driver(f->fh, "vfio-pci"));
	for (unsigned i = 0; i < 4; i++) {
		char a[FH_ADDR_LEN];

		MUST(fh_vf_addr(f->fh, EP, i, a));
		MUST(fh_model_native(f->fh, a, "iavf"));
	}
}

#define VF0 "0000:01:10.0"
#define VF1 "0000:01:10.1"

#endif
