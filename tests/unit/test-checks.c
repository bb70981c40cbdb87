/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every reason ddactl gives (checks.c, and the host section of report.c),
 * each shown present on a fake host built to cause it and absent on one
 * built not to.  A reason that cannot be made to appear, or cannot be made
 * to go away, tells the user nothing.
 *
 * Also: the verdict, MMIO sizing, device type, inferred resets, and
 * resolving device names on a scanned host.
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
#include <pci/header.h>

#include "error.h"
#include "helpers.h"
#include "pcicfg.h"
#include "report.h"

/* ---------------------------------------------------------------- baseline */

/* The good endpoint has no reason at all: every other test breaks one
 * thing of it, so each reason below is caused by that one thing. */
static void test_clean_endpoint(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	struct dda_device *d;

	base(f);
	add_dev(f, &e);
	scan(f);
	d = dev(f, EP);
	if (d->nreasons) {
		dump_reasons(d);
		fail_msg("the good endpoint has reasons");
	}
	assert_int_equal(dda_device_worst(d), -1);
	assert_string_equal(dda_device_verdict(d), "assignable");
	assert_int_equal(d->type, DDA_TYPE_ENDPOINT);
	assert_int_equal(d->group_id, 2);
	assert_ptr_equal(d->parent, dev(f, RP));
	assert_string_equal(d->location_path, "PCIROOT(0)#PCI(0100)#PCI(0000)");
	assert_string_equal(d->driver, "i40e");
	assert_int_equal(d->resets, DDA_RESET_FLR | DDA_RESET_BUS);
}

/* ---------------------------------------------------------------- iommu */

static void test_iommu_off(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	struct dda_device *d;

	/* no fh_iommu(), no group anywhere: what a host without VT-d has */
	ADD(f, .addr = RP, .type = FH_ROOT_PORT, .caps = FH_ACS, .acs_ctrl = ACS_FULL, .driver = "pcieport");
	e.group = 0;
	add_dev(f, &e);
	scan(f);
	assert_false(f->h->info.iommu_on);
	d = dev(f, EP);
	expect_reason(d, "iommu-off", DDA_SEV_BLOCK);
	/* one cause, one reason: not also "no group" */
	expect_no_reason(d, "no-iommu-group");
	assert_string_equal(dda_device_verdict(d), "not-assignable");
}

static void test_iommu_on_no_iommu_off(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	add_dev(f, &e);
	scan(f);
	assert_true(f->h->info.iommu_on);
	expect_no_reason(dev(f, EP), "iommu-off");
	expect_no_reason(dev(f, RP), "iommu-off");
}

static void test_no_iommu_group(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	struct dda_device *d;

	base(f);
	e.group = 0;
	add_dev(f, &e);
	scan(f);
	d = dev(f, EP);
	expect_reason(d, "no-iommu-group", DDA_SEV_BLOCK);
	expect_no_reason(d, "iommu-off");
	assert_int_equal(d->group_id, -1);
	assert_null(d->group);
	/* the one with a group is fine */
	expect_no_reason(dev(f, RP), "no-iommu-group");
}

/* ---------------------------------------------------------------- bridges */

static void test_bridge(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	add_dev(f, &e);
	scan(f);
	r = expect_reason(dev(f, RP), "bridge", DDA_SEV_BLOCK);
	expect_contains(r->message, "root-port");
	r = expect_reason(dev(f, HB), "bridge", DDA_SEV_BLOCK);
	expect_contains(r->message, "is a bridge");
	expect_no_reason(dev(f, EP), "bridge");
	/* a bridge is only a bridge: nothing else is checked on it */
	assert_int_equal(dev(f, RP)->nreasons, 1);
}

/* ---------------------------------------------------------------- host use */

static void add_nvme(struct fx *f)
{
	struct fh_dev e = good_ep();

	e.class = 0x010802;
	e.vendor = 0x144d;
	e.device = 0xa808;
	e.driver = "nvme";
	add_dev(f, &e);
	MUST(fh_block(f->fh, "nvme0n1", EP, NULL, "259:0", "nvme/nvme0"));
	MUST(fh_block(f->fh, "nvme0n1p1", EP, "nvme0n1", "259:1", NULL));
	MUST(fh_block(f->fh, "nvme0n1p2", EP, "nvme0n1", "259:2", NULL));
}

static void test_host_in_use_mount(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	base(f);
	add_nvme(f);
	MUST(fh_mount(f->fh, "259:1", "/srv/data", "xfs", "/dev/nvme0n1p1"));
	scan(f);
	r = expect_reason(dev(f, EP), "host-in-use", DDA_SEV_BLOCK);
	expect_contains(r->message, "nvme0n1p1 is mounted on /srv/data");
	expect_contains(r->hint, "unmount");
	/* not the host's own system: --force could take it once unmounted */
	expect_lacks(r->hint, "not even with --force");
	assert_string_equal(dda_device_verdict(dev(f, EP)), "not-assignable");
}

static void test_host_in_use_critical_mount(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	base(f);
	add_nvme(f);
	MUST(fh_mount(f->fh, "259:2", "/", "ext4", "/dev/nvme0n1p2"));
	MUST(fh_mount(f->fh, "259:1", "/boot/efi", "vfat", "/dev/nvme0n1p1"));
	scan(f);
	r = expect_reason(dev(f, EP), "host-in-use", DDA_SEV_BLOCK);
	expect_contains(r->message, "nvme0n1p2 is mounted on /");
	expect_contains(r->message, "nvme0n1p1 is mounted on /boot/efi");
	expect_contains(r->hint, "not even with --force");
}

static void test_host_in_use_absent(void **state)
{
	struct fx *f = *state;

	/* disks that exist but nothing of the host is on them */
	base(f);
	add_nvme(f);
	MUST(fh_mount(f->fh, "8:1", "/", "ext4", "/dev/sda1"));
	scan(f);
	expect_no_reason(dev(f, EP), "host-in-use");
	assert_int_equal(dev(f, EP)->nuses, 0);
}

static void test_host_in_use_swap(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	base(f);
	add_nvme(f);
	MUST(fh_swap(f->fh, "/dev/nvme0n1p2"));
	scan(f);
	r = expect_reason(dev(f, EP), "host-in-use", DDA_SEV_BLOCK);
	expect_contains(r->message, "nvme0n1p2 is used as swap");
	expect_lacks(r->hint, "not even with --force");
}

static void test_host_in_use_holder(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	base(f);
	add_nvme(f);
	/* an open LVM volume or an assembled RAID: in use though not mounted */
	MUST(fh_holder(f->fh, "nvme0n1p2", "dm-0"));
	scan(f);
	r = expect_reason(dev(f, EP), "host-in-use", DDA_SEV_BLOCK);
	expect_contains(r->message, "nvme0n1p2 is held by dm-0");
}

static void test_host_in_use_holder_mounted_root(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	base(f);
	add_nvme(f);
	/* LVM root: the mount is on dm-0, the disk is below it */
	MUST(fh_holder(f->fh, "nvme0n1p2", "dm-0"));
	MUST(fh_mount(f->fh, "253:0", "/", "ext4", "/dev/mapper/vg-root"));
	scan(f);
	r = expect_reason(dev(f, EP), "host-in-use", DDA_SEV_BLOCK);
	expect_contains(r->message, "nvme0n1p2 is held by dm-0, mounted on /");
	expect_contains(r->hint, "not even with --force");
}

static void add_nic(struct fx *f, unsigned ifflags)
{
	struct fh_dev e = good_ep();

	add_dev(f, &e);
	MUST(fh_net(f->fh, "eth0", EP, ifflags, ifflags & IFF_UP ? "up" : "down"));
}

static void test_host_in_use_net_route(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	base(f);
	add_nic(f, IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST);
	MUST(fh_route4(f->fh, "eth0", "0001A8C0", NULL, "00FFFFFF"));
	scan(f);
	r = expect_reason(dev(f, EP), "host-in-use", DDA_SEV_BLOCK);
	expect_contains(r->message, "eth0 is up with a route");
	expect_contains(r->hint, "ip link set");
}

static void test_host_in_use_net_ipv6(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	base(f);
	add_nic(f, IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST);
	MUST(fh_addr6(f->fh, "eth0", "20010db8000000000000000000000001", 64, 0));
	scan(f);
	r = expect_reason(dev(f, EP), "host-in-use", DDA_SEV_BLOCK);
	expect_contains(r->message, "eth0 is up with an address");
}

static void test_host_in_use_net_absent(void **state)
{
	struct fx *f = *state;

	/* up, but only the link-local address and routes every interface has */
	base(f);
	add_nic(f, IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST);
	MUST(fh_addr6(f->fh, "eth0", "fe80000000000000505400fffe010002", 64, 0x20));
	MUST(fh_route6(f->fh, "eth0", "fe800000000000000000000000000000", 64, NULL));
	MUST(fh_route6(f->fh, "eth0", "ff000000000000000000000000000000", 8, NULL));
	scan(f);
	expect_no_reason(dev(f, EP), "host-in-use");
}

static void test_host_in_use_net_down(void **state)
{
	struct fx *f = *state;

	/* a route left behind on an interface that is down is no use */
	base(f);
	add_nic(f, IFF_BROADCAST | IFF_MULTICAST);
	MUST(fh_route4(f->fh, "eth0", "0001A8C0", NULL, "00FFFFFF"));
	scan(f);
	expect_no_reason(dev(f, EP), "host-in-use");
}

static void make_bond(struct fx *f, unsigned bond_flags)
{
	MUST(fh_net_master(f->fh, "eth0", "bond0", bond_flags));
}

static void test_host_in_use_bond_port(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	base(f);
	/* the port itself has no address: the bond has */
	add_nic(f, IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_SLAVE);
	make_bond(f, IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MASTER);
	MUST(fh_route4(f->fh, "bond0", "0001A8C0", NULL, "00FFFFFF"));
	scan(f);
	r = expect_reason(dev(f, EP), "host-in-use", DDA_SEV_BLOCK);
	expect_contains(r->message, "eth0 carries bond0");
}

static void test_host_in_use_bond_down(void **state)
{
	struct fx *f = *state;

	base(f);
	add_nic(f, IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_SLAVE);
	make_bond(f, IFF_BROADCAST | IFF_MASTER);
	MUST(fh_route4(f->fh, "bond0", "0001A8C0", NULL, "00FFFFFF"));
	scan(f);
	expect_no_reason(dev(f, EP), "host-in-use");
}

#define GPU "0000:00:02.0"

static void add_gpu(struct fx *f, enum fh_tristate boot_vga)
{
	ADD(f, .addr = GPU, .type = FH_RCIEP, .vendor = 0x8086, .device = 0x3e92, .class = 0x030000,
	    .caps = FH_PM | FH_MSI | FH_AF_FLR, .boot_vga = boot_vga, .driver = "i915", .group = FH_GROUP(5),
	    .reset_method = "af_flr", .reset = true,
	    .bars = { [0] = { 16 << 20, FH_BAR_64 }, [2] = { 256 << 20, FH_BAR_64 | FH_BAR_PREF } });
}

static void test_host_in_use_framebuffer(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	base(f);
	add_gpu(f, FH_YES);
	MUST(fh_fb(f->fh, "fb0", GPU, "i915drmfb"));
	MUST(fh_vtcon(f->fh, "vtcon1", "(M) frame buffer device", 1));
	scan(f);
	r = expect_reason(dev(f, GPU), "host-in-use", DDA_SEV_BLOCK);
	expect_contains(r->message, "framebuffer fb0 with the text console is on it");
}

static void test_host_in_use_boot_vga(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	/* the console is on the firmware's framebuffer, which is the boot VGA's memory */
	base(f);
	add_gpu(f, FH_YES);
	MUST(fh_fb(f->fh, "fb0", NULL, "EFI VGA"));
	MUST(fh_vtcon(f->fh, "vtcon1", "(M) frame buffer device", 1));
	scan(f);
	r = expect_reason(dev(f, GPU), "host-in-use", DDA_SEV_BLOCK);
	expect_contains(r->message, "boot VGA device with the console on the firmware framebuffer");
}

static void test_host_in_use_console_absent(void **state)
{
	struct fx *f = *state;

	/* a second GPU is not the boot VGA: the firmware framebuffer is not on it */
	base(f);
	add_gpu(f, FH_NO);
	MUST(fh_fb(f->fh, "fb0", NULL, "EFI VGA"));
	MUST(fh_vtcon(f->fh, "vtcon1", "(M) frame buffer device", 1));
	scan(f);
	expect_no_reason(dev(f, GPU), "host-in-use");
}

static void test_host_in_use_boot_vga_no_fbcon(void **state)
{
	struct fx *f = *state;

	/* boot VGA, but the text console is not on a framebuffer (headless, serial) */
	base(f);
	add_gpu(f, FH_YES);
	MUST(fh_fb(f->fh, "fb0", NULL, "EFI VGA"));
	scan(f);
	expect_no_reason(dev(f, GPU), "host-in-use");
}

/* ---------------------------------------------------------------- group */

static void test_group_host_in_use_companion(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep(), e1 = good_ep();
	const struct dda_reason *r;

	base(f);
	e.multifunction = true;
	add_dev(f, &e);
	e1.addr = EP_F1;
	add_dev(f, &e1);
	MUST(fh_net(f->fh, "eth1", EP_F1, IFF_UP | IFF_RUNNING, "up"));
	MUST(fh_route4(f->fh, "eth1", "00000000", "0101A8C0", "00000000"));
	scan(f);
	r = expect_reason(dev(f, EP), "group-host-in-use", DDA_SEV_BLOCK);
	expect_contains(r->message, "'" EP_F1 "'");
	expect_contains(r->message, "eth1 is up with a route");
	expect_contains(r->hint, "free '" EP_F1 "' first");
	/* the companion itself is in use, not group-host-in-use */
	expect_reason(dev(f, EP_F1), "host-in-use", DDA_SEV_BLOCK);
	expect_no_reason(dev(f, EP_F1), "group-host-in-use");
}

static void test_group_host_in_use_absent(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep(), e1 = good_ep();

	base(f);
	e.multifunction = true;
	add_dev(f, &e);
	e1.addr = EP_F1;
	add_dev(f, &e1);
	MUST(fh_net(f->fh, "eth1", EP_F1, IFF_BROADCAST, "down"));
	scan(f);
	expect_no_reason(dev(f, EP), "group-host-in-use");
	expect_no_reason(dev(f, EP_F1), "group-host-in-use");
}

#define LPC   "0000:00:1f.0"
#define SMBUS "0000:00:1f.4"

static void add_pch(struct fx *f, const char *lpc_driver)
{
	iommu_on(f);
	/* Intel PCH: the LPC bridge and the SMBus controller share a group */
	ADD(f, .addr = LPC, .type = FH_PCI, .vendor = 0x8086, .device = 0xa30e, .class = 0x060100,
	    .multifunction = true, .driver = lpc_driver, .group = FH_GROUP(10));
	ADD(f, .addr = SMBUS, .type = FH_PCI, .vendor = 0x8086, .device = 0xa323, .class = 0x0c0500, .intx_pin = 1,
	    .irq = 16, .driver = "i801_smbus", .group = FH_GROUP(10), .reset_method = "",
	    .bars = { [0] = { 256 }, [4] = { 32, FH_BAR_IO } });
}

static void test_group_host_in_use_platform_bridge(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	add_pch(f, "lpc_ich");
	scan(f);
	assert_int_equal(dev(f, LPC)->type, DDA_TYPE_BRIDGE);
	r = expect_reason(dev(f, SMBUS), "group-host-in-use", DDA_SEV_BLOCK);
	expect_contains(r->message, "platform bridge '" LPC "' (driver lpc_ich)");
	/* a bridge is not a group mate to move along: not "shared" with it */
	expect_no_reason(dev(f, SMBUS), "group-shared");
}

static void test_group_host_in_use_platform_bridge_unbound(void **state)
{
	struct fx *f = *state;

	add_pch(f, NULL);
	scan(f);
	expect_no_reason(dev(f, SMBUS), "group-host-in-use");
}

/* A platform bridge already taken into the pool is the host's no more. */
static void test_group_host_in_use_platform_bridge_pooled(void **state)
{
	struct fx *f = *state;

	add_pch(f, "vfio-pci");
	scan(f);
	assert_true(dda_device_in_pool_driver(dev(f, LPC)));
	expect_no_reason(dev(f, SMBUS), "group-host-in-use");
}

/* A root port bound to pcieport in the endpoint's group is the usual
 * case without ACS on the port's own slot, not the host using the group.
 * Nor is a use that shows on the port (a console on a platform device
 * behind it): it stays with the host as the port does. */
static void test_group_port_not_host_use(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	iommu_on(f);
	ADD(f, .addr = RP, .type = FH_ROOT_PORT, .driver = "pcieport", .group = FH_GROUP(1));
	e.group = FH_GROUP(1);
	add_dev(f, &e);
	MUST(fh_fb(f->fh, "fb0", RP, "astdrmfb"));
	scan(f);
	assert_int_equal(dev(f, RP)->nuses, 1);
	expect_no_reason(dev(f, EP), "group-host-in-use");
	expect_no_reason(dev(f, EP), "group-shared");
}

/* Offset of capability id in the standard list of a fake function. */
static unsigned find_cap(struct fx *f, const char *addr, uint8_t id)
{
	char path[PATH_MAX];
	uint8_t cfg[256];
	unsigned pos;
	int fd;

	dev_path(f, path, sizeof(path), addr, "config");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, cfg, sizeof(cfg), 0), (ssize_t)sizeof(cfg));
	close(fd);
	for (pos = cfg[PCI_CAPABILITY_LIST] & ~3u; pos >= 0x40; pos = cfg[pos + 1] & ~3u)
		if (cfg[pos] == id)
			return pos;
	fail_msg("%s has no capability 0x%02x", addr, id);
	return 0;
}

#define RCEC  "0000:00:1e.0"
#define RCIEP "0000:00:1d.0"

/*
 * A root complex event collector (PCIe type 0xa, class 0807) takes the
 * AER/PME messages of the RCiEPs it serves, and pcieport drives it.  It
 * is a port of the root complex, not the host using the group: the RCiEP
 * beside it is as assignable as an endpoint below a root port.
 */
static void test_group_rcec_not_host_use(void **state)
{
	struct fx *f = *state;
	/* PCIe capability version 2, Device/Port Type 0xa */
	const uint8_t flags[2] = { 2 | PCI_EXP_TYPE_ROOT_EC << 4, 0 };
	unsigned pcie;

	iommu_on(f);
	ADD(f, .addr = RCIEP, .type = FH_RCIEP, .vendor = 0x8086, .device = 0x0b25, .class = 0x088000,
	    .caps = FH_PM | FH_MSIX | FH_FLR, .driver = "idxd", .group = FH_GROUP(7), .reset_method = "flr",
	    .bars = { [0] = { 64 << 10, FH_BAR_64 | FH_BAR_PREF } });
	ADD(f, .addr = RCEC, .type = FH_RCIEP, .vendor = 0x8086, .device = 0x0b23, .class = 0x080700,
	    .caps = FH_PM | FH_MSI, .driver = "pcieport", .group = FH_GROUP(7));
	pcie = find_cap(f, RCEC, PCI_CAP_ID_EXP);
	patch_config(f, RCEC, pcie + PCI_EXP_FLAGS, &flags, sizeof(flags));
	scan(f);
	assert_int_equal(dev(f, RCEC)->type, DDA_TYPE_BRIDGE);
	expect_reason(dev(f, RCEC), "bridge", DDA_SEV_BLOCK);
	expect_no_reason(dev(f, RCIEP), "group-host-in-use");
	/* and a collector is no group mate that moves along */
	expect_no_reason(dev(f, RCIEP), "group-shared");
	assert_string_equal(dda_device_verdict(dev(f, RCIEP)), "assignable");
}

/* Two single-function RCiEPs next to each other on bus 0 are not the
 * functions of one device: their group is no multifunction story. */
static void test_group_shared_neighbours_not_multifunction(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	iommu_on(f);
	ADD(f, .addr = RCIEP, .type = FH_RCIEP, .vendor = 0x8086, .device = 0x0b25, .class = 0x088000,
	    .caps = FH_PM | FH_MSIX | FH_FLR, .driver = "idxd", .group = FH_GROUP(7), .reset_method = "flr",
	    .bars = { [0] = { 64 << 10, FH_BAR_64 | FH_BAR_PREF } });
	ADD(f, .addr = RCEC, .type = FH_RCIEP, .vendor = 0x8086, .device = 0x0b26, .class = 0x088000,
	    .caps = FH_PM | FH_MSIX | FH_FLR, .driver = "idxd", .group = FH_GROUP(7), .reset_method = "flr",
	    .bars = { [0] = { 64 << 10, FH_BAR_64 | FH_BAR_PREF } });
	scan(f);
	r = expect_reason(dev(f, RCIEP), "group-shared", DDA_SEV_WARN);
	expect_lacks(r->explain, "multifunction");
	expect_contains(r->explain, "DMA alias or a device quirk");
}

static void test_reserved_memory(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	add_dev(f, &e);
	MUST(fh_group_reserved(f->fh, 2, "0x000000003e2e0000 0x000000003e2fffff direct\n"));
	scan(f);
	r = expect_reason(dev(f, EP), "reserved-memory", DDA_SEV_BLOCK);
	expect_contains(r->message, "0x3e2e0000-0x3e2fffff");
	expect_contains(r->message, "group 2");
	expect_no_reason(dev(f, EP), "reserved-memory-relaxable");
	assert_string_equal(dda_device_verdict(dev(f, EP)), "not-assignable");
}

static void test_reserved_memory_relaxable(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	add_dev(f, &e);
	MUST(fh_group_reserved(f->fh, 2, "0x000000007b800000 0x000000007fffffff direct-relaxable\n"));
	scan(f);
	r = expect_reason(dev(f, EP), "reserved-memory-relaxable", DDA_SEV_WARN);
	expect_contains(r->message, "0x7b800000-0x7fffffff");
	expect_no_reason(dev(f, EP), "reserved-memory");
	assert_string_equal(dda_device_verdict(dev(f, EP)), "assignable");
}

/* Real hardware: an Intel xHCI controller (8086:a36d, class 0c0330) whose
 * firmware keeps an RMRR for legacy USB keyboards.  Linux's intel-iommu
 * reports a USB or graphics device's RMRR as direct-relaxable
 * (device_rmrr_is_relaxable(): IS_USB_DEVICE, IS_GFX_DEVICE) and vfio
 * ignores relaxable regions, so the controller can be assigned; the same
 * RMRR on a NIC is "direct", and vfio refuses the group. */
static void test_reserved_memory_usb_rmrr(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	e.vendor = 0x8086;
	e.device = 0xa36d;
	e.class = 0x0c0330;
	add_dev(f, &e);
	MUST(fh_group_reserved(f->fh, 2, "0x000000003e2e0000 0x000000003e2fffff direct-relaxable\n"));
	scan(f);
	expect_reason(dev(f, EP), "reserved-memory-relaxable", DDA_SEV_WARN);
	expect_no_reason(dev(f, EP), "reserved-memory");
	assert_string_equal(dda_device_verdict(dev(f, EP)), "assignable");
}

static void test_reserved_memory_absent(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	/* every x86 group reserves the MSI window; that is not firmware memory */
	base(f);
	add_dev(f, &e);
	MUST(fh_group_reserved(f->fh, 2, "0x0000000000000000 0x00000000000fffff reserved\n"));
	scan(f);
	assert_true(dev(f, EP)->group->nresv >= 2);
	expect_no_reason(dev(f, EP), "reserved-memory");
	expect_no_reason(dev(f, EP), "reserved-memory-relaxable");
}

/* A switch whose downstream ports lack ACS: everything below it shares a group. */
#define UP  "0000:01:00.0"
#define DS1 "0000:02:00.0"
#define DS2 "0000:02:01.0"
#define EP3 "0000:03:00.0"
#define EP4 "0000:04:00.0"

static void add_switch(struct fx *f, unsigned ds1_caps, uint16_t ds1_ctrl, unsigned ds2_caps, uint16_t ds2_ctrl,
		       bool one_group)
{
	struct fh_dev e = good_ep();

	base(f);
	ADD(f, .addr = UP, .parent = RP, .type = FH_UPSTREAM, .vendor = 0x10b5, .device = 0x8747, .driver = "pcieport",
	    .group = FH_GROUP(2));
	ADD(f, .addr = DS1, .parent = UP, .type = FH_DOWNSTREAM, .vendor = 0x10b5, .device = 0x8747, .caps = ds1_caps,
	    .acs_ctrl = ds1_ctrl, .driver = "pcieport", .group = FH_GROUP(one_group ? 2 : 3));
	ADD(f, .addr = DS2, .parent = UP, .type = FH_DOWNSTREAM, .vendor = 0x10b5, .device = 0x8747, .caps = ds2_caps,
	    .acs_ctrl = ds2_ctrl, .driver = "pcieport", .group = FH_GROUP(one_group ? 2 : 4));
	e.addr = EP3;
	e.parent = DS1;
	e.group = FH_GROUP(one_group ? 2 : 5);
	add_dev(f, &e);
	e.addr = EP4;
	e.parent = DS2;
	e.group = FH_GROUP(one_group ? 2 : 6);
	add_dev(f, &e);
}

static void test_group_shared_switch_without_acs(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	/* DS1 has the capability switched off; DS2 has none */
	add_switch(f, FH_ACS, 0, 0, 0, true);
	scan(f);
	r = expect_reason(dev(f, EP3), "group-shared", DDA_SEV_WARN);
	expect_contains(r->message, "shares IOMMU group 2 with 1 other device: " EP4);
	/* ports are not companions to move: not listed */
	expect_lacks(r->message, DS1);
	expect_contains(r->explain, "downstream port '" DS1 "' lacks ACS (missing SV RR CR UF)");
	/* the root port above has full ACS: not blamed */
	expect_lacks(r->explain, RP);

	r = expect_reason(dev(f, EP4), "group-shared", DDA_SEV_WARN);
	expect_contains(r->explain, "downstream port '" DS2 "' lacks ACS (no ACS capability, needs SV RR CR UF)");
	/* shared, not in use: no block */
	assert_string_equal(dda_device_verdict(dev(f, EP3)), "assignable");
}

static void test_group_shared_partial_acs(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	/* Source Validation and Upstream Forwarding on, redirection off */
	add_switch(f, FH_ACS, 0x0011, FH_ACS, 0x0011, true);
	scan(f);
	r = expect_reason(dev(f, EP3), "group-shared", DDA_SEV_WARN);
	expect_contains(r->explain, "downstream port '" DS1 "' lacks ACS (missing RR CR)");
}

static void test_group_shared_absent_with_acs(void **state)
{
	struct fx *f = *state;

	/* the same switch with ACS on every port: a group per device */
	add_switch(f, FH_ACS, ACS_FULL, FH_ACS, ACS_FULL, false);
	scan(f);
	expect_no_reason(dev(f, EP3), "group-shared");
	expect_no_reason(dev(f, EP4), "group-shared");
}

static void test_group_shared_root_ports_with_acs(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	ADD(f, .addr = RP2, .type = FH_ROOT_PORT, .caps = FH_ACS, .acs_ctrl = ACS_FULL, .driver = "pcieport",
	    .group = FH_GROUP(3));
	add_dev(f, &e);
	e.addr = "0000:02:00.0";
	e.parent = RP2;
	e.group = FH_GROUP(4);
	add_dev(f, &e);
	scan(f);
	expect_no_reason(dev(f, EP), "group-shared");
	expect_no_reason(dev(f, "0000:02:00.0"), "group-shared");
}

static void test_group_shared_root_port_without_acs(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	/* two root ports without ACS on the same bus, one group for all */
	iommu_on(f);
	ADD(f, .addr = RP, .type = FH_ROOT_PORT, .driver = "pcieport", .group = FH_GROUP(1));
	ADD(f, .addr = RP2, .type = FH_ROOT_PORT, .driver = "pcieport", .group = FH_GROUP(1));
	e.group = FH_GROUP(1);
	add_dev(f, &e);
	e.addr = "0000:02:00.0";
	e.parent = RP2;
	add_dev(f, &e);
	scan(f);
	r = expect_reason(dev(f, EP), "group-shared", DDA_SEV_WARN);
	expect_contains(r->explain, "root port '" RP "' lacks ACS (no ACS capability, needs SV RR CR UF)");
	expect_contains(r->message, "0000:02:00.0 (i40e)");
}

static void test_group_shared_multifunction(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep(), e1 = good_ep();
	const struct dda_reason *r;

	base(f);
	e.multifunction = true;
	add_dev(f, &e);
	e1.addr = EP_F1;
	add_dev(f, &e1);
	scan(f);
	r = expect_reason(dev(f, EP), "group-shared", DDA_SEV_WARN);
	expect_contains(r->message, "1 other device: " EP_F1 " (i40e)");
	expect_contains(r->explain,
			"'" EP "' is a function of a multifunction device without ACS (no ACS capability, needs RR CR)");
	/* function 1 does not carry the multifunction bit; it is still one */
	r = expect_reason(dev(f, EP_F1), "group-shared", DDA_SEV_WARN);
	expect_contains(r->explain, "'" EP_F1 "' is a function of a multifunction device without ACS");
}

static void test_group_shared_multifunction_with_acs(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep(), e1 = good_ep();
	const struct dda_reason *r;

	/* functions redirect peer traffic: ACS is not why they share */
	base(f);
	e.multifunction = true;
	e.caps |= FH_ACS;
	e.acs_ctrl = 0x000c;
	add_dev(f, &e);
	e1.addr = EP_F1;
	e1.caps |= FH_ACS;
	e1.acs_ctrl = 0x000c;
	add_dev(f, &e1);
	scan(f);
	r = expect_reason(dev(f, EP), "group-shared", DDA_SEV_WARN);
	expect_lacks(r->explain, "multifunction");
	expect_contains(r->explain, "DMA alias or a device quirk");
}

#define P2P  "0000:01:00.0"
#define OLD1 "0000:02:00.0"
#define OLD2 "0000:02:01.0"

static void add_pci_bus(struct fx *f, int irq2)
{
	base(f);
	ADD(f, .addr = P2P, .parent = RP, .type = FH_PCIE_TO_PCI, .vendor = 0x12d8, .device = 0xe113,
	    .group = FH_GROUP(2));
	ADD(f, .addr = OLD1, .parent = P2P, .type = FH_PCI, .vendor = 0x10ec, .device = 0x8139, .class = 0x020000,
	    .caps = FH_PM, .intx_pin = 1, .irq = 19, .group = FH_GROUP(2), .driver = "8139too",
	    .reset_method = "pm bus", .reset = true, .bars = { [0] = { 256, FH_BAR_IO }, [1] = { 4096 } });
	ADD(f, .addr = OLD2, .parent = P2P, .type = FH_PCI, .vendor = 0x1102, .device = 0x0002, .class = 0x040100,
	    .intx_pin = 1, .irq = (unsigned)irq2, .group = FH_GROUP(2), .reset_method = "bus", .reset = true,
	    .bars = { [0] = { 32, FH_BAR_IO } });
}

static void test_group_shared_conventional(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	add_pci_bus(f, 19);
	scan(f);
	r = expect_reason(dev(f, OLD1), "group-shared", DDA_SEV_WARN);
	expect_contains(r->message, OLD2);
	expect_contains(r->explain, "conventional PCI bus behind PCIe-to-PCI bridge '" P2P "'");
	r = expect_reason(dev(f, OLD2), "group-shared", DDA_SEV_WARN);
	expect_contains(r->explain, "behind PCIe-to-PCI bridge '" P2P "'");
}

/* A PCI-PCI bridge without a PCIe capability (an old bridge chip behind
 * a PCIe-to-PCI one, or one the firmware shows bare) forwards requests
 * the same way: what is behind it is on a conventional bus, tagged with
 * the bridge's ID. */
static void add_plain_pci_bridge(struct fx *f)
{
	base(f);
	ADD(f, .addr = P2P, .parent = RP, .type = FH_PCI_BRIDGE, .vendor = 0x3388, .device = 0x0021,
	    .group = FH_GROUP(2));
	ADD(f, .addr = OLD1, .parent = P2P, .class = 0x020000, .caps = FH_MSI | FH_FLR, .reset_method = "flr",
	    .group = FH_GROUP(2), .bars = { [0] = { 4096 } });
	ADD(f, .addr = OLD2, .parent = P2P, .type = FH_PCI, .vendor = 0x1102, .device = 0x0002, .class = 0x040100,
	    .caps = FH_MSI, .group = FH_GROUP(2), .reset_method = "bus", .reset = true, .bars = { [0] = { 4096 } });
}

static void test_group_shared_plain_pci_bridge(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	add_plain_pci_bridge(f);
	scan(f);
	assert_false(dev(f, P2P)->has_pcie);
	assert_int_equal(dev(f, P2P)->type, DDA_TYPE_BRIDGE);
	/* the port above has full ACS: only the conventional bus explains the group */
	r = expect_reason(dev(f, OLD2), "group-shared", DDA_SEV_WARN);
	expect_contains(r->explain, "conventional PCI bus behind PCI bridge '" P2P "'");
	expect_lacks(r->explain, "DMA alias or a device quirk");
}

static void test_legacy_pci_behind_plain_pci_bridge(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	add_plain_pci_bridge(f);
	scan(f);
	/* a PCIe function of its own, yet on the bridge's conventional bus */
	assert_int_equal(dev(f, OLD1)->type, DDA_TYPE_ENDPOINT);
	r = expect_reason(dev(f, OLD1), "legacy-pci", DDA_SEV_WARN);
	expect_contains(r->message, "is behind PCI bridge '" P2P "'");
}

/* The survey's MMIO sum shares dda_pow2_up with the VM sizing: a BAR of
 * size 0 takes no space (it once counted as 1 byte), odd sizes round up. */
static void test_device_mmio_edges(void **state)
{
	struct dda_device d = { 0 };
	uint64_t below, above;

	(void)state;
	d.nbars = 3;
	d.bars[0].size = 0;
	d.bars[1].size = 3 << 20;
	d.bars[2].size = 5ULL << 30;
	d.bars[2].flags = DDA_BAR_64 | DDA_BAR_PREF;
	dda_device_mmio(&d, &below, &above);
	assert_int_equal(below, 4 << 20);
	assert_int_equal(above, 8ULL << 30);
}

static void test_acs_missing(void **state)
{
	struct fx *f = *state;
	char buf[32];

	add_switch(f, FH_ACS, 0x0011, 0, 0, true);
	scan(f);
	assert_string_equal(dda_checks_acs_missing(dev(f, RP), buf, sizeof(buf)), "");
	assert_string_equal(dda_checks_acs_missing(dev(f, DS1), buf, sizeof(buf)), "RR CR");
	assert_string_equal(dda_checks_acs_missing(dev(f, DS2), buf, sizeof(buf)), "SV RR CR UF");
	/* an endpoint function only needs to redirect */
	assert_string_equal(dda_checks_acs_missing(dev(f, EP3), buf, sizeof(buf)), "RR CR");
	/* a small buffer is cut, not overrun */
	assert_string_equal(dda_checks_acs_missing(dev(f, DS2), buf, 6), "SV RR");
}

/* ---------------------------------------------------------------- interrupts */

static void test_intx_only_pcie(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	e.caps = FH_PM | FH_FLR;
	e.intx_pin = 2;
	e.irq = 17;
	add_dev(f, &e);
	scan(f);
	r = expect_reason(dev(f, EP), "intx-only", DDA_SEV_WARN);
	expect_contains(r->message, "only line interrupt INTB on IRQ 17");
	expect_contains(r->hint, "Hyper-V refuses");
}

static void test_intx_only_shared_line(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	add_pci_bus(f, 19);
	scan(f);
	r = expect_reason(dev(f, OLD1), "intx-only", DDA_SEV_WARN);
	expect_contains(r->message, "INTA on IRQ 19");
	expect_contains(r->hint, "exclusive IRQ line: now shared with " OLD2);
	r = expect_reason(dev(f, OLD2), "intx-only", DDA_SEV_WARN);
	expect_contains(r->hint, "now shared with " OLD1);
}

/* Functions with MSI or MSI-X report the line in `irq` too, but their
 * drivers leave it once MSI is on: they are no sharers to warn about. */
static void test_intx_only_msi_not_sharers(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	add_pci_bus(f, 20);
	ADD(f, .addr = "0000:02:02.0", .parent = P2P, .type = FH_PCI, .class = 0x010400, .caps = FH_PM | FH_MSI,
	    .intx_pin = 1, .irq = 19, .group = FH_GROUP(2), .reset_method = "bus", .reset = true,
	    .bars = { [0] = { 4096 } });
	ADD(f, .addr = "0000:02:03.0", .parent = P2P, .type = FH_PCI, .class = 0x020000, .caps = FH_PM | FH_MSIX,
	    .intx_pin = 1, .irq = 19, .group = FH_GROUP(2), .reset_method = "bus", .reset = true,
	    .bars = { [0] = { 16 << 10 } });
	scan(f);
	assert_int_equal(dev(f, "0000:02:02.0")->irq, 19);
	r = expect_reason(dev(f, OLD1), "intx-only", DDA_SEV_WARN);
	expect_contains(r->message, "on IRQ 19");
	expect_lacks(r->hint, "shared with");
	expect_no_reason(dev(f, "0000:02:02.0"), "intx-only");
}

/* The irq attribute is read only when some endpoint depends on INTx: a
 * port without MSI is no reason to read every function's. */
static void test_irq_read_only_when_needed(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	iommu_on(f);
	ADD(f, .addr = RP, .type = FH_ROOT_PORT, .caps = FH_ACS, .acs_ctrl = ACS_FULL, .intx_pin = 1, .irq = 24,
	    .driver = "pcieport", .group = FH_GROUP(1));
	add_dev(f, &e);
	scan(f);
	assert_int_equal(dev(f, RP)->irq, -1);
	assert_int_equal(dev(f, EP)->irq, -1);
}

static void test_intx_only_own_line(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	add_pci_bus(f, 20);
	scan(f);
	r = expect_reason(dev(f, OLD1), "intx-only", DDA_SEV_WARN);
	expect_lacks(r->hint, "shared with");
}

static void test_intx_only_absent(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	/* MSI alone is enough */
	e.caps = FH_PM | FH_MSI | FH_FLR;
	add_dev(f, &e);
	/* and no interrupt at all is not "INTx only" */
	e.addr = "0000:02:00.0";
	e.parent = RP2;
	e.caps = FH_PM | FH_FLR;
	e.intx_pin = 0;
	e.group = FH_GROUP(4);
	ADD(f, .addr = RP2, .type = FH_ROOT_PORT, .caps = FH_ACS, .acs_ctrl = ACS_FULL, .driver = "pcieport",
	    .group = FH_GROUP(3));
	add_dev(f, &e);
	scan(f);
	expect_no_reason(dev(f, EP), "intx-only");
	expect_no_reason(dev(f, "0000:02:00.0"), "intx-only");
}

/* ---------------------------------------------------------------- reset */

static void test_no_reset_empty_method(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	struct dda_device *d;

	base(f);
	/* the kernel found no method: reset_method exists and is empty */
	e.reset_method = "";
	e.reset = false;
	add_dev(f, &e);
	scan(f);
	d = dev(f, EP);
	assert_true(d->reset_method_known);
	assert_int_equal(d->resets, 0);
	expect_reason(d, "no-reset", DDA_SEV_FORCE);
	assert_string_equal(dda_device_verdict(d), "assignable-with-force");
}

static void test_no_reset_no_attributes(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	struct dda_device *d;

	/* neither reset_method nor reset: no method, whatever config space claims */
	base(f);
	e.reset_method = NULL;
	e.reset = false;
	add_dev(f, &e);
	scan(f);
	d = dev(f, EP);
	assert_true(d->reset_method_known);
	expect_reason(d, "no-reset", DDA_SEV_FORCE);
}

static void test_no_reset_nosoftreset(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	e.caps = FH_PM_NOSOFTRST | FH_MSIX;
	e.reset_method = "";
	add_dev(f, &e);
	scan(f);
	r = expect_reason(dev(f, EP), "no-reset", DDA_SEV_FORCE);
	expect_contains(r->message, "NoSoftReset is set");
}

static void test_no_reset_absent(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	e.reset_method = "flr";
	add_dev(f, &e);
	scan(f);
	expect_no_reason(dev(f, EP), "no-reset");
	expect_no_reason(dev(f, EP), "bus-reset-only");
}

static void test_bus_reset_only(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	e.reset_method = "bus";
	add_dev(f, &e);
	scan(f);
	r = expect_reason(dev(f, EP), "bus-reset-only", DDA_SEV_WARN);
	expect_contains(r->message, "secondary bus reset behind " RP " (nothing else is reset with it)");
	expect_no_reason(dev(f, EP), "no-reset");
}

/*
 * reset_method is fixed when the function appears.  A "bus" listed while
 * it was alone is refused by the kernel (ENOTTY) once another function
 * shares the bus: that is no reset at all.
 */
static void test_bus_reset_shared_bus(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep(), e1 = good_ep();
	const struct dda_reason *r;

	base(f);
	e.reset_method = "bus";
	e.multifunction = true;
	add_dev(f, &e);
	e1.addr = EP_F1;
	add_dev(f, &e1);
	scan(f);
	r = expect_reason(dev(f, EP), "no-reset", DDA_SEV_FORCE);
	expect_contains(r->message, "which it refuses while '" EP_F1 "' shares the bus");
	expect_no_reason(dev(f, EP), "bus-reset-only");
	assert_string_equal(dda_device_verdict(dev(f, EP)), "assignable-with-force");
	/* the sibling has FLR: its reset does not depend on the bus */
	expect_no_reason(dev(f, EP_F1), "no-reset");
}

/* fakehost has no hotplug slots: sys/bus/pci/slots/N/address by hand */
static void test_bus_reset_shared_slot(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep(), e1 = good_ep();
	const struct dda_reason *r;

	base(f);
	e.reset_method = "bus";
	e.multifunction = true;
	add_dev(f, &e);
	e1.addr = EP_F1;
	add_dev(f, &e1);
	tree_mkdir(f, "sys/bus/pci/slots/4");
	put_file(f, "sys/bus/pci/slots/4/address", "0000:01:00\n");
	scan(f);
	assert_true(dev(f, EP)->in_slot);
	assert_true(dev(f, EP_F1)->in_slot);
	assert_false(dev(f, RP)->in_slot);
	r = expect_reason(dev(f, EP), "no-reset", DDA_SEV_FORCE);
	expect_contains(r->message, "'" EP_F1 "' shares the bus");
}

/* Only PCIe hotplug (a slot below a root or downstream port) resets a
 * slot; an SHPC slot on a conventional bus cannot. */
static void test_slot_behind_pcie_to_pci(void **state)
{
	struct fx *f = *state;

	add_pci_bus(f, 19);
	tree_mkdir(f, "sys/bus/pci/slots/1");
	put_file(f, "sys/bus/pci/slots/1/address", "0000:02:00\n");
	tree_mkdir(f, "sys/bus/pci/slots/2");
	put_file(f, "sys/bus/pci/slots/2/address", "0000:01:00\n");
	scan(f);
	assert_false(dev(f, OLD1)->in_slot);
	/* the PCIe-to-PCI bridge itself sits in a pciehp slot of the root port */
	assert_true(dev(f, P2P)->in_slot);
}

static void test_bus_reset_only_other_slot(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	/* a slot reset touches its slot only: a device in another slot of the
	 * same bus is not named */
	base(f);
	e.reset_method = "bus";
	add_dev(f, &e);
	e.addr = "0000:01:01.0";
	e.reset_method = "flr";
	add_dev(f, &e);
	tree_mkdir(f, "sys/bus/pci/slots/4");
	put_file(f, "sys/bus/pci/slots/4/address", "0000:01:00\n");
	tree_mkdir(f, "sys/bus/pci/slots/5");
	put_file(f, "sys/bus/pci/slots/5/address", "0000:01:01\n");
	scan(f);
	r = expect_reason(dev(f, EP), "bus-reset-only", DDA_SEV_WARN);
	expect_contains(r->message, "hotplug slot reset behind " RP " (nothing else is reset with it)");
}

/* Old kernels have `reset` but no `reset_method`: ddactl infers the methods
 * the kernel would try from config space and the topology. */
static void test_inferred_resets(void **state)
{
	struct fx *f = *state;

	base(f);
	ADD(f, .addr = "0000:00:0a.0", .type = FH_RCIEP, .caps = FH_FLR | FH_PM, .reset = true, .group = FH_GROUP(10),
	    .class = 0x088000, .bars = { [0] = { 4096 } });
	ADD(f, .addr = "0000:00:0b.0", .type = FH_RCIEP, .caps = FH_AF_FLR, .reset = true, .group = FH_GROUP(11),
	    .class = 0x088000);
	ADD(f, .addr = "0000:00:0c.0", .type = FH_RCIEP, .caps = FH_PM, .reset = true, .group = FH_GROUP(12),
	    .class = 0x088000);
	ADD(f, .addr = "0000:00:0d.0", .type = FH_RCIEP, .caps = FH_PM_NOSOFTRST, .reset = true, .group = FH_GROUP(13),
	    .class = 0x088000);
	/* alone below its port: the port's secondary bus reset only hits it */
	ADD(f, .addr = EP, .parent = RP, .caps = FH_MSI, .reset = true, .group = FH_GROUP(2), .class = 0x020000);
	/* two functions below a port: a bus reset would hit both */
	ADD(f, .addr = RP2, .type = FH_ROOT_PORT, .caps = FH_ACS, .acs_ctrl = ACS_FULL, .driver = "pcieport",
	    .group = FH_GROUP(3));
	ADD(f, .addr = "0000:02:00.0", .parent = RP2, .caps = FH_MSI, .multifunction = true, .reset = true,
	    .group = FH_GROUP(4), .class = 0x020000);
	ADD(f, .addr = "0000:02:00.1", .parent = RP2, .caps = FH_MSI, .reset = true, .group = FH_GROUP(4),
	    .class = 0x020000);
	scan(f);

	assert_false(dev(f, "0000:00:0a.0")->reset_method_known);
	/* FLR first; PM too; no bus reset on the root bus */
	assert_int_equal(dev(f, "0000:00:0a.0")->resets, DDA_RESET_FLR | DDA_RESET_PM);
	assert_int_equal(dev(f, "0000:00:0b.0")->resets, DDA_RESET_AF_FLR);
	assert_int_equal(dev(f, "0000:00:0c.0")->resets, DDA_RESET_PM);
	/* NoSoftReset: a D3hot round trip keeps state, so PM is no reset */
	assert_int_equal(dev(f, "0000:00:0d.0")->resets, 0);
	expect_reason(dev(f, "0000:00:0d.0"), "no-reset", DDA_SEV_FORCE);
	assert_int_equal(dev(f, EP)->resets, DDA_RESET_BUS);
	expect_reason(dev(f, EP), "bus-reset-only", DDA_SEV_WARN);
	assert_int_equal(dev(f, "0000:02:00.0")->resets, 0);
	assert_int_equal(dev(f, "0000:02:00.1")->resets, 0);
	expect_reason(dev(f, "0000:02:00.1"), "no-reset", DDA_SEV_FORCE);
}

/* With reset_method the kernel's list is taken as is, even when config
 * space would suggest more. */
static void test_reset_method_wins(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	e.reset_method = "pm";
	add_dev(f, &e);
	scan(f);
	assert_true(dev(f, EP)->flr);
	assert_int_equal(dev(f, EP)->resets, DDA_RESET_PM);
}

static void test_reset_method_names(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	e.reset_method = "device_specific acpi flr af_flr pm bus cxl_bus bogus";
	add_dev(f, &e);
	scan(f);
	assert_int_equal(dev(f, EP)->resets, DDA_RESET_DEVICE_SPECIFIC | DDA_RESET_ACPI | DDA_RESET_FLR |
						     DDA_RESET_AF_FLR | DDA_RESET_PM | DDA_RESET_BUS |
						     DDA_RESET_CXL_BUS);
}

/* ---------------------------------------------------------------- legacy */

static void test_legacy_pci(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	iommu_on(f);
	ADD(f, .addr = "0000:00:0a.0", .type = FH_PCI, .class = 0x020000, .caps = FH_MSI, .reset_method = "pm",
	    .group = FH_GROUP(1));
	ADD(f, .addr = "0000:00:0b.0", .type = FH_PCI, .class = 0x010400, .caps = FH_MSI | FH_PCIX,
	    .reset_method = "pm", .group = FH_GROUP(2));
	scan(f);
	r = expect_reason(dev(f, "0000:00:0a.0"), "legacy-pci", DDA_SEV_WARN);
	expect_contains(r->message, "is a conventional PCI device");
	r = expect_reason(dev(f, "0000:00:0b.0"), "legacy-pci", DDA_SEV_WARN);
	expect_contains(r->message, "is a conventional PCI-X device");
}

static void test_legacy_pci_behind_bridge(void **state)
{
	struct fx *f = *state;
	const struct dda_reason *r;

	/* a PCIe endpoint on a PCIe-to-PCI bridge's conventional bus */
	base(f);
	ADD(f, .addr = P2P, .parent = RP, .type = FH_PCIE_TO_PCI, .group = FH_GROUP(2));
	ADD(f, .addr = OLD1, .parent = P2P, .class = 0x020000, .caps = FH_MSI | FH_FLR, .reset_method = "flr",
	    .group = FH_GROUP(2));
	scan(f);
	assert_int_equal(dev(f, OLD1)->type, DDA_TYPE_ENDPOINT);
	r = expect_reason(dev(f, OLD1), "legacy-pci", DDA_SEV_WARN);
	expect_contains(r->message, "is behind PCIe-to-PCI bridge '" P2P "'");
}

static void test_legacy_pci_absent(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	add_dev(f, &e);
	ADD(f, .addr = "0000:00:02.0", .type = FH_RCIEP, .class = 0x088000, .caps = FH_MSI | FH_FLR,
	    .reset_method = "flr", .group = FH_GROUP(3));
	scan(f);
	expect_no_reason(dev(f, EP), "legacy-pci");
	expect_no_reason(dev(f, "0000:00:02.0"), "legacy-pci");
}

/* ---------------------------------------------------------------- BARs */

static void test_bar_not_page_aligned_small(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	e.bars[0] = (struct fh_bar){ 256 };
	e.bars[1] = (struct fh_bar){ 64 << 10 };
	e.bars[3] = (struct fh_bar){ 0 };
	add_dev(f, &e);
	scan(f);
	r = expect_reason(dev(f, EP), "bar-not-page-aligned", DDA_SEV_WARN);
	expect_contains(r->message, "BAR0 (256 bytes at 0x");
	/* the page-sized one is not named */
	expect_lacks(r->message, "BAR1");
}

static void test_bar_not_page_aligned_start(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	e.bars[0] = (struct fh_bar){ 8192, 0, 0xd0001000 };
	e.bars[3] = (struct fh_bar){ 0 };
	add_dev(f, &e);
	scan(f);
	/* 8 KiB at a 4 KiB boundary: page aligned, fine */
	expect_no_reason(dev(f, EP), "bar-not-page-aligned");

	dda_host_free(TAKE_PTR(f->h));
	fh_destroy(f->fh);
	f->fh = fh_new(NULL);
	assert_non_null(f->fh);
	fx_ctx_renew(f);
	base(f);
	e.bars[0] = (struct fh_bar){ 8192, 0, 0xd0000800 };
	add_dev(f, &e);
	scan(f);
	r = expect_reason(dev(f, EP), "bar-not-page-aligned", DDA_SEV_WARN);
	expect_contains(r->message, "BAR0 (8192 bytes at 0xd0000800)");
}

/* A BAR of exactly one page is the smallest VFIO maps straight through. */
static void test_bar_one_page(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	e.bars[2] = (struct fh_bar){ 4096, 0, 0xd0100000 };
	add_dev(f, &e);
	ADD(f, .addr = EP_F1, .parent = RP, .class = 0x020000, .caps = FH_PM | FH_MSIX | FH_FLR, .group = FH_GROUP(2),
	    .reset_method = "flr", .bars = { [2] = { 2048, 0, 0xd0200000 } });
	scan(f);
	assert_int_equal(dev(f, EP)->bars[1].size, 4096);
	expect_no_reason(dev(f, EP), "bar-not-page-aligned");
	r = expect_reason(dev(f, EP_F1), "bar-not-page-aligned", DDA_SEV_WARN);
	expect_contains(r->message, "BAR2 (2048 bytes at 0xd0200000)");
}

static void test_bar_not_page_aligned_absent(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	/* a small ROM and a small I/O BAR are not mapped into the VM that way */
	e.rom_size = 2048;
	e.bars[5] = (struct fh_bar){ 32, FH_BAR_IO };
	add_dev(f, &e);
	scan(f);
	expect_no_reason(dev(f, EP), "bar-not-page-aligned");
}

static void test_io_bar(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	e.bars[5] = (struct fh_bar){ 32, FH_BAR_IO };
	add_dev(f, &e);
	scan(f);
	expect_reason(dev(f, EP), "io-bar", DDA_SEV_INFO);
	/* information only */
	assert_string_equal(dda_device_verdict(dev(f, EP)), "assignable");
}

static void test_io_bar_absent(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	add_dev(f, &e);
	scan(f);
	expect_no_reason(dev(f, EP), "io-bar");
}

/* ---------------------------------------------------------------- SR-IOV */

static void add_pf(struct fx *f, uint16_t num)
{
	struct fh_dev e = good_ep();

	base(f);
	e.caps |= FH_SRIOV | FH_ARI;
	e.sriov_total = 8;
	e.sriov_num = num;
	e.vf_device = 0x154c;
	e.vf_bars[0] = (struct fh_bar){ 64 << 10, FH_BAR_64 | FH_BAR_PREF };
	add_dev(f, &e);
}

static void test_sriov_vf(void **state)
{
	struct fx *f = *state;
	char vf0[FH_ADDR_LEN], vf1[FH_ADDR_LEN];
	const struct dda_reason *r;
	struct dda_device *d;

	add_pf(f, 2);
	MUST(fh_vf_addr(f->fh, EP, 0, vf0));
	MUST(fh_vf_addr(f->fh, EP, 1, vf1));
	ADD(f, .addr = vf0, .physfn = EP, .caps = FH_MSIX | FH_FLR, .driver = "iavf", .group = FH_GROUP(3),
	    .reset_method = "flr", .reset = true);
	ADD(f, .addr = vf1, .physfn = EP, .caps = FH_MSIX | FH_FLR, .driver = "vfio-pci", .group = FH_GROUP(4),
	    .reset_method = "flr", .reset = true);
	scan(f);

	d = dev(f, vf1);
	assert_ptr_equal(d->physfn, dev(f, EP));
	assert_int_equal(d->vf_index, 1);
	assert_string_equal(d->location_path, "PCIROOT(0)#PCI(0100)#PCI(0000)#VF(1)");
	/* a VF's config reads 0xffff for its ids; sysfs has the real ones */
	assert_int_equal(d->vendor, 0x8086);
	assert_int_equal(d->device, 0x154c);
	r = expect_reason(d, "sriov-vf", DDA_SEV_INFO);
	expect_contains(r->message, "virtual function 1 of PF '" EP "'");
	assert_string_equal(dda_device_verdict(d), "assignable");

	d = dev(f, vf0);
	assert_int_equal(d->vf_index, 0);
	assert_string_equal(d->location_path, "PCIROOT(0)#PCI(0100)#PCI(0000)#VF(0)");
	expect_reason(d, "sriov-vf", DDA_SEV_INFO);

	expect_no_reason(dev(f, EP), "sriov-vf");
}

/* VFs share a device number but are no multifunction device: the
 * kernel never groups them for missing ACS between functions.  Two VFs
 * that share a group (here, by a quirk) say nothing about functions. */
static void test_sriov_vfs_not_multifunction(void **state)
{
	struct fx *f = *state;
	char vf0[FH_ADDR_LEN], vf1[FH_ADDR_LEN];
	const struct dda_reason *r;

	add_pf(f, 2);
	MUST(fh_vf_addr(f->fh, EP, 0, vf0));
	MUST(fh_vf_addr(f->fh, EP, 1, vf1));
	ADD(f, .addr = vf0, .physfn = EP, .caps = FH_MSIX | FH_FLR, .driver = "iavf", .group = FH_GROUP(3),
	    .reset_method = "flr", .reset = true);
	ADD(f, .addr = vf1, .physfn = EP, .caps = FH_MSIX | FH_FLR, .driver = "iavf", .group = FH_GROUP(3),
	    .reset_method = "flr", .reset = true);
	scan(f);
	r = expect_reason(dev(f, vf0), "group-shared", DDA_SEV_WARN);
	expect_lacks(r->explain, "multifunction");
}

static void test_sriov_pf_active(void **state)
{
	struct fx *f = *state;
	char vf0[FH_ADDR_LEN];
	const struct dda_reason *r;

	add_pf(f, 1);
	MUST(fh_vf_addr(f->fh, EP, 0, vf0));
	ADD(f, .addr = vf0, .physfn = EP, .caps = FH_MSIX | FH_FLR, .group = FH_GROUP(3), .reset_method = "flr");
	scan(f);
	assert_int_equal(dev(f, EP)->sriov_total, 8);
	assert_int_equal(dev(f, EP)->sriov_num, 1);
	r = expect_reason(dev(f, EP), "sriov-pf-active", DDA_SEV_BLOCK);
	expect_contains(r->message, "with 1 VFs enabled");
	assert_string_equal(dda_device_verdict(dev(f, EP)), "not-assignable");
}

static void test_sriov_pf_idle(void **state)
{
	struct fx *f = *state;

	add_pf(f, 0);
	scan(f);
	assert_true(dev(f, EP)->has_sriov);
	assert_int_equal(dev(f, EP)->sriov_num, 0);
	expect_no_reason(dev(f, EP), "sriov-pf-active");
	assert_string_equal(dda_device_verdict(dev(f, EP)), "assignable");
}

/* ---------------------------------------------------------------- pool */

static void test_in_pool(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	e.driver = "vfio-pci";
	add_dev(f, &e);
	e.addr = "0000:02:00.0";
	e.parent = RP2;
	e.driver = "pci-stub";
	e.group = FH_GROUP(4);
	ADD(f, .addr = RP2, .type = FH_ROOT_PORT, .caps = FH_ACS, .acs_ctrl = ACS_FULL, .driver = "pcieport",
	    .group = FH_GROUP(3));
	add_dev(f, &e);
	scan(f);
	r = expect_reason(dev(f, EP), "in-pool", DDA_SEV_INFO);
	expect_contains(r->message, "bound to vfio-pci");
	r = expect_reason(dev(f, "0000:02:00.0"), "in-pool", DDA_SEV_INFO);
	expect_contains(r->message, "bound to pci-stub");
	assert_string_equal(dda_device_verdict(dev(f, EP)), "assignable");
}

static void test_in_pool_variant_driver(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	char path[PATH_MAX];

	/* a vfio variant driver is known by the vfio-dev/ it creates */
	base(f);
	e.driver = "mlx5_vfio_pci";
	add_dev(f, &e);
	dev_path(f, path, sizeof(path), EP, "vfio-dev");
	assert_int_equal(mkdir(path, 0755), 0);
	scan(f);
	assert_true(dev(f, EP)->vfio_variant);
	expect_reason(dev(f, EP), "in-pool", DDA_SEV_INFO);
}

static void test_in_pool_absent(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	/* "vfio" in a name is not enough without vfio-dev/ */
	e.driver = "mlx5_vfio_pci";
	add_dev(f, &e);
	e.addr = "0000:02:00.0";
	e.parent = RP2;
	e.driver = "i40e";
	e.group = FH_GROUP(4);
	ADD(f, .addr = RP2, .type = FH_ROOT_PORT, .caps = FH_ACS, .acs_ctrl = ACS_FULL, .driver = "pcieport",
	    .group = FH_GROUP(3));
	add_dev(f, &e);
	scan(f);
	expect_no_reason(dev(f, EP), "in-pool");
	expect_no_reason(dev(f, "0000:02:00.0"), "in-pool");
}

/* ---------------------------------------------------------------- config space */

static void test_d3cold(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	struct dda_device *d;

	base(f);
	e.d3cold = true;
	/* none of these can be trusted while it reads all ones */
	e.reset_method = NULL;
	e.reset = false;
	add_dev(f, &e);
	scan(f);
	d = dev(f, EP);
	assert_true(d->d3cold);
	assert_true(d->config_flags & DDA_CFG_ALL_ONES);
	/* dismount refuses it, so the survey must not call it assignable */
	expect_reason(d, "d3cold", DDA_SEV_BLOCK);
	assert_string_equal(dda_device_verdict(d), "not-assignable");
	/* the ids the kernel read at enumeration, not 0xffff from config */
	assert_int_equal(d->vendor, 0x8086);
	assert_int_equal(d->device, 0x1572);
	assert_int_equal(d->subvendor, 0x8086);
	assert_int_equal(d->subdevice, 0x0001);
	assert_int_equal(d->class, 0x020000);
	/* nothing else was checked, so nothing else is claimed */
	if (d->nreasons != 1) {
		dump_reasons(d);
		fail_msg("a D3cold device should have only the d3cold reason");
	}
}

static void test_d3cold_absent(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	/* D3hot still answers config reads */
	e.power_state = "D3hot";
	add_dev(f, &e);
	scan(f);
	assert_false(dev(f, EP)->d3cold);
	expect_no_reason(dev(f, EP), "d3cold");
}

static void test_partial_config(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;
	struct dda_device *d;

	base(f);
	/* what a non-root reader gets */
	e.config_len_visible = 64;
	add_dev(f, &e);
	scan(f);
	d = dev(f, EP);
	assert_int_equal(d->config_len, 64);
	r = expect_reason(d, "partial-config", DDA_SEV_WARN);
	expect_contains(r->message, "only 64 bytes");
	/* capabilities are unknown, not absent: no INTx-only claim from missing MSI */
	expect_no_reason(d, "intx-only");
	/* the kernel's reset_method is still readable and believed */
	expect_no_reason(d, "no-reset");
}

/*
 * With 64 bytes a PCIe device shows no PCIe capability: that is unknown,
 * not "conventional PCI".  Calling every device of a non-root survey
 * legacy PCI would be false.
 */
static void test_partial_config_not_legacy(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	struct dda_device *d;

	base(f);
	e.config_len_visible = 64;
	add_dev(f, &e);
	scan(f);
	d = dev(f, EP);
	expect_reason(d, "partial-config", DDA_SEV_WARN);
	expect_no_reason(d, "legacy-pci");
}

static void test_partial_config_absent(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	add_dev(f, &e);
	scan(f);
	assert_int_equal(dev(f, EP)->config_len, 4096);
	expect_no_reason(dev(f, EP), "partial-config");
}

/* fakehost's endpoint layout: PM at 0x40, MSI-X at 0x70, PCIe at 0x90 */
static void test_bad_capabilities_loop(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	add_dev(f, &e);
	patch8(f, EP, 0x90 + 1, 0x40); /* PCIe -> PM: back to the start */
	scan(f);
	assert_true(dev(f, EP)->config_flags & DDA_CFG_LOOPED);
	r = expect_reason(dev(f, EP), "bad-capabilities", DDA_SEV_WARN);
	expect_contains(r->message, "looping");
	/* what came before the loop is still used */
	assert_true(dev(f, EP)->has_msix);
	assert_true(dev(f, EP)->flr);
}

static void test_bad_capabilities_broken(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	add_dev(f, &e);
	patch8(f, EP, 0x40 + 1, 0x24); /* PM -> into the BARs */
	scan(f);
	assert_true(dev(f, EP)->config_flags & DDA_CFG_BROKEN);
	r = expect_reason(dev(f, EP), "bad-capabilities", DDA_SEV_WARN);
	expect_contains(r->message, "broken");
	assert_true(dev(f, EP)->has_pm);
	assert_false(dev(f, EP)->has_msix);
}

static void test_bad_capabilities_ext_loop(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	e.caps |= FH_AER | FH_ACS;
	e.acs_ctrl = 0;
	add_dev(f, &e);
	/* AER at 0x100 pointing at itself */
	patch32(f, EP, 0x100, 0x0001 | 2u << 16 | 0x100u << 20);
	scan(f);
	assert_true(dev(f, EP)->config_flags & DDA_CFG_EXT_LOOPED);
	r = expect_reason(dev(f, EP), "bad-capabilities", DDA_SEV_WARN);
	expect_contains(r->message, "looping");
	assert_false(dev(f, EP)->has_acs);
}

static void test_bad_capabilities_ext_broken(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	e.caps |= FH_AER | FH_ACS;
	add_dev(f, &e);
	/* AER at 0x100 pointing back into the standard space */
	patch32(f, EP, 0x100, 0x0001 | 2u << 16 | 0x0c0u << 20);
	scan(f);
	assert_true(dev(f, EP)->config_flags & DDA_CFG_EXT_BROKEN);
	r = expect_reason(dev(f, EP), "bad-capabilities", DDA_SEV_WARN);
	expect_contains(r->message, "broken");
	/* what the broken link hid is unknown: ACS is not claimed */
	assert_false(dev(f, EP)->has_acs);
}

static void test_bad_capabilities_absent(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	e.caps |= FH_AER | FH_ACS | FH_ARI;
	add_dev(f, &e);
	scan(f);
	assert_int_equal(dev(f, EP)->config_flags, 0);
	assert_true(dev(f, EP)->has_acs);
	expect_no_reason(dev(f, EP), "bad-capabilities");
}

/* ---------------------------------------------------------------- unreadable */

static void replace_with_file(struct fx *f, const char *addr, const char *attr, const char *content)
{
	char path[PATH_MAX];

	dev_path(f, path, sizeof(path), addr, attr);
	assert_int_equal(unlink(path), 0);
	put_file(f, path + strlen(fh_root(f->fh)) + 1, content);
}

static void replace_with_dir(struct fx *f, const char *addr, const char *attr)
{
	char path[PATH_MAX];

	dev_path(f, path, sizeof(path), addr, attr);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void test_unreadable_resource_garbage(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	add_dev(f, &e);
	replace_with_file(f, EP, "resource", "this is not a resource table\n");
	scan(f);
	r = expect_reason(dev(f, EP), "unreadable", DDA_SEV_WARN);
	expect_contains(r->message, "cannot read resource");
	assert_int_equal(dev(f, EP)->nbars, 0);
	/* the rest of the device was still read */
	assert_string_equal(dev(f, EP)->driver, "i40e");
	assert_int_equal(dev(f, EP)->group_id, 2);
}

/* A range of all 2^64 bytes (end - start + 1 wraps to 0) is no BAR: it
 * must not come out as one of size 0.  Found by fuzz-sysfs. */
static void test_resource_whole_space(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	struct dda_device *d;

	base(f);
	add_dev(f, &e);
	replace_with_file(f, EP, "resource",
			  "0x0000000000000000 0xffffffffffffffff 0x0000000000040200\n"
			  "0x00000000d0000000 0x00000000d0000fff 0x0000000000040200\n");
	scan(f);
	d = dev(f, EP);
	assert_int_equal(d->nbars, 1);
	assert_int_equal(d->bars[0].index, 1);
	assert_int_equal(d->bars[0].size, 4096);
}

static void test_unreadable_resource_dir(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	add_dev(f, &e);
	replace_with_dir(f, EP, "resource");
	scan(f);
	r = expect_reason(dev(f, EP), "unreadable", DDA_SEV_WARN);
	expect_contains(r->message, "cannot read resource");
}

static void test_unreadable_iommu_group(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	add_dev(f, &e);
	replace_with_file(f, EP, "iommu_group", "2\n");
	scan(f);
	r = expect_reason(dev(f, EP), "unreadable", DDA_SEV_WARN);
	expect_contains(r->message, "iommu_group");
}

static void test_unreadable_reset_method(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	const struct dda_reason *r;

	base(f);
	add_dev(f, &e);
	replace_with_dir(f, EP, "reset_method");
	scan(f);
	r = expect_reason(dev(f, EP), "unreadable", DDA_SEV_WARN);
	expect_contains(r->message, "reset_method");
}

static void test_unreadable_config(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	char path[PATH_MAX];
	const struct dda_reason *r;

	base(f);
	add_dev(f, &e);
	dev_path(f, path, sizeof(path), EP, "config");
	assert_int_equal(unlink(path), 0);
	scan(f);
	/* the scan goes on; the device says why it knows nothing */
	r = expect_reason(dev(f, EP), "unreadable", DDA_SEV_WARN);
	expect_contains(r->message, "config space");
	expect_reason(dev(f, RP), "bridge", DDA_SEV_BLOCK);
}

/*
 * Without config space the rest of sysfs is still there: the group, the
 * driver and the kernel's reset_method.  What was not read must not turn
 * into claims ("in no IOMMU group", a guessed bus reset) about a device
 * that has a group and FLR.
 */
static void test_unreadable_config_no_false_claims(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	char path[PATH_MAX];
	struct dda_device *d;

	base(f);
	add_dev(f, &e);
	dev_path(f, path, sizeof(path), EP, "config");
	assert_int_equal(unlink(path), 0);
	scan(f);
	d = dev(f, EP);
	expect_reason(d, "unreadable", DDA_SEV_WARN);
	expect_no_reason(d, "no-iommu-group");
	assert_int_equal(d->group_id, 2);
	assert_string_equal(d->driver, "i40e");
	assert_true(d->reset_method_known);
	assert_int_equal(d->resets, DDA_RESET_FLR | DDA_RESET_BUS);
}

static void test_unreadable_absent(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();

	base(f);
	add_dev(f, &e);
	scan(f);
	assert_int_equal(dev(f, EP)->nerrors, 0);
	expect_no_reason(dev(f, EP), "unreadable");
}

/* ---------------------------------------------------------------- verdict */

static void add_reason(struct dda_device *d, const char *code, enum dda_severity sev)
{
	assert_int_equal(dda_device_add_reason(d, code, sev, strdup("m"), strdup("h"), NULL), 0);
}

static void test_verdict(void **state)
{
	struct dda_device d = { 0 };

	(void)state;
	assert_int_equal(dda_device_worst(&d), -1);
	assert_string_equal(dda_device_verdict(&d), "assignable");
	add_reason(&d, "io-bar", DDA_SEV_INFO);
	assert_int_equal(dda_device_worst(&d), DDA_SEV_INFO);
	assert_string_equal(dda_device_verdict(&d), "assignable");
	add_reason(&d, "group-shared", DDA_SEV_WARN);
	assert_string_equal(dda_device_verdict(&d), "assignable");
	add_reason(&d, "no-reset", DDA_SEV_FORCE);
	assert_string_equal(dda_device_verdict(&d), "assignable-with-force");
	/* order does not matter: the worst decides */
	add_reason(&d, "intx-only", DDA_SEV_WARN);
	assert_int_equal(dda_device_worst(&d), DDA_SEV_FORCE);
	add_reason(&d, "bridge", DDA_SEV_BLOCK);
	assert_string_equal(dda_device_verdict(&d), "not-assignable");
	add_reason(&d, "in-pool", DDA_SEV_INFO);
	assert_string_equal(dda_device_verdict(&d), "not-assignable");
	assert_int_equal(d.nreasons, 6);
	dda_device_release(&d);
}

static void test_add_reason_oom(void **state)
{
	struct dda_device d = { 0 };

	(void)state;
	/* a failed message allocation is OOM, and the other strings are freed
	 * (ASan's leak check makes this test fail otherwise) */
	assert_int_equal(dda_device_add_reason(&d, "x", DDA_SEV_INFO, NULL, strdup("hint"), strdup("why")), -ENOMEM);
	assert_int_equal(d.nreasons, 0);
	dda_device_release(&d);
}

static void test_severity_names(void **state)
{
	(void)state;
	assert_string_equal(dda_severity_name(DDA_SEV_INFO), "info");
	assert_string_equal(dda_severity_name(DDA_SEV_WARN), "warn");
	assert_string_equal(dda_severity_name(DDA_SEV_FORCE), "force");
	assert_string_equal(dda_severity_name(DDA_SEV_BLOCK), "block");
}

/* ---------------------------------------------------------------- MMIO */

static void test_mmio_sizes(void **state)
{
	struct dda_device d = { 0 };
	uint64_t below = 1, above = 1;

	(void)state;
	dda_device_mmio(&d, &below, &above);
	assert_int_equal(below, 0);
	assert_int_equal(above, 0);

	d.bars[d.nbars++] = (struct dda_bar){ .index = 0, .size = 16 << 20 };
	d.bars[d.nbars++] = (struct dda_bar){ .index = 1, .size = 256 << 20, .flags = DDA_BAR_64 | DDA_BAR_PREF };
	d.bars[d.nbars++] = (struct dda_bar){ .index = 3, .size = 1 << 20, .flags = DDA_BAR_64 };
	d.bars[d.nbars++] = (struct dda_bar){ .index = 5, .size = 256, .flags = DDA_BAR_IO };
	d.bars[d.nbars++] = (struct dda_bar){ .index = 6, .size = 64 << 10, .flags = DDA_BAR_ROM | DDA_BAR_PREF };
	dda_device_mmio(&d, &below, &above);
	/* behind a root port only 64-bit prefetchable BARs can go high */
	assert_int_equal(below, (16 << 20) + (1 << 20) + (64 << 10));
	assert_int_equal(above, 256 << 20);

	/* 32-bit prefetchable stays low; sizes round to their alignment */
	d.nbars = 0;
	d.bars[d.nbars++] = (struct dda_bar){ .index = 0, .size = 3 << 20, .flags = DDA_BAR_PREF };
	d.bars[d.nbars++] = (struct dda_bar){ .index = 2, .size = (8ULL << 30) + 1, .flags = DDA_BAR_64 | DDA_BAR_PREF };
	dda_device_mmio(&d, &below, &above);
	assert_int_equal(below, 4 << 20);
	assert_int_equal(above, 16ULL << 30);
}

static void test_mmio_from_sysfs(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	struct dda_device *d;
	uint64_t below, above;

	base(f);
	e.bars[0] = (struct fh_bar){ 16 << 20 };
	e.bars[1] = (struct fh_bar){ 256 << 20, FH_BAR_64 | FH_BAR_PREF };
	e.bars[3] = (struct fh_bar){ 1 << 20, FH_BAR_64 };
	e.bars[5] = (struct fh_bar){ 256, FH_BAR_IO };
	e.rom_size = 64 << 10;
	add_dev(f, &e);
	scan(f);
	d = dev(f, EP);
	assert_int_equal(d->nbars, 5);
	assert_int_equal(d->bars[0].index, 0);
	assert_int_equal(d->bars[0].size, 16 << 20);
	assert_int_equal(d->bars[0].flags, 0);
	assert_int_equal(d->bars[1].index, 1);
	assert_int_equal(d->bars[1].flags, DDA_BAR_64 | DDA_BAR_PREF);
	assert_int_equal(d->bars[2].index, 3);
	assert_int_equal(d->bars[2].flags, DDA_BAR_64);
	assert_int_equal(d->bars[3].index, 5);
	assert_int_equal(d->bars[3].flags, DDA_BAR_IO);
	assert_int_equal(d->bars[4].index, 6);
	assert_true(d->bars[4].flags & DDA_BAR_ROM);
	dda_device_mmio(d, &below, &above);
	assert_int_equal(below, (16 << 20) + (1 << 20) + (64 << 10));
	assert_int_equal(above, 256 << 20);
}

/* ---------------------------------------------------------------- types */

static void test_types(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *addr;
		enum dda_devtype type;
		const char *name;
	} want[] = {
		{ HB, DDA_TYPE_BRIDGE, "bridge" },
		{ RP, DDA_TYPE_ROOT_PORT, "root-port" },
		{ "0000:00:02.0", DDA_TYPE_RCIEP, "rc-integrated-endpoint" },
		{ "0000:00:03.0", DDA_TYPE_ROOT_PORT, "root-port" },
		{ "0000:00:1e.0", DDA_TYPE_BRIDGE, "bridge" },
		{ "0000:01:00.0", DDA_TYPE_UPSTREAM, "upstream-port" },
		{ "0000:02:00.0", DDA_TYPE_DOWNSTREAM, "downstream-port" },
		{ "0000:03:00.0", DDA_TYPE_ENDPOINT, "endpoint" },
		{ "0000:03:00.1", DDA_TYPE_LEGACY_EP, "legacy-endpoint" },
		{ "0000:04:00.0", DDA_TYPE_PCIE_TO_PCI, "pcie-to-pci-bridge" },
		{ "0000:05:00.0", DDA_TYPE_PCI, "pci" },
		{ "0000:06:00.0", DDA_TYPE_PCI, "pci" },
	};

	iommu_on(f);
	ADD(f, .addr = HB, .type = FH_HOST_BRIDGE, .group = FH_GROUP(0));
	ADD(f, .addr = RP, .type = FH_ROOT_PORT, .group = FH_GROUP(1));
	ADD(f, .addr = "0000:00:02.0", .type = FH_RCIEP, .class = 0x088000, .group = FH_GROUP(2));
	ADD(f, .addr = "0000:00:03.0", .type = FH_ROOT_PORT, .group = FH_GROUP(3));
	ADD(f, .addr = "0000:00:1e.0", .type = FH_PCI_BRIDGE, .class = 0x060401, .group = FH_GROUP(4));
	ADD(f, .addr = "0000:01:00.0", .parent = RP, .type = FH_UPSTREAM, .group = FH_GROUP(1));
	ADD(f, .addr = "0000:02:00.0", .parent = "0000:01:00.0", .type = FH_DOWNSTREAM, .group = FH_GROUP(1));
	ADD(f, .addr = "0000:03:00.0", .parent = "0000:02:00.0", .type = FH_ENDPOINT, .class = 0x020000,
	    .multifunction = true, .group = FH_GROUP(1));
	ADD(f, .addr = "0000:03:00.1", .parent = "0000:02:00.0", .type = FH_LEGACY_EP, .class = 0x020000,
	    .group = FH_GROUP(1));
	ADD(f, .addr = "0000:04:00.0", .parent = "0000:00:03.0", .type = FH_PCIE_TO_PCI, .group = FH_GROUP(3));
	ADD(f, .addr = "0000:05:00.0", .parent = "0000:04:00.0", .type = FH_PCI, .class = 0x020000,
	    .group = FH_GROUP(3));
	ADD(f, .addr = "0000:06:00.0", .parent = "0000:00:1e.0", .type = FH_PCI, .class = 0x078000,
	    .group = FH_GROUP(4));
	scan(f);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct dda_device *d = dev(f, want[i].addr);

		if (d->type != want[i].type)
			fail_msg("%s is %s, expected %s", want[i].addr, dda_devtype_name(d->type), want[i].name);
		assert_string_equal(dda_devtype_name(d->type), want[i].name);
		assert_int_equal(dda_device_is_bridge(d), !strcmp(want[i].name, "bridge") ||
								  strstr(want[i].name, "port") ||
								  strstr(want[i].name, "-bridge"));
	}
	/* the tree: each function's upstream bridge, and its path from the root */
	assert_null(dev(f, RP)->parent);
	assert_ptr_equal(dev(f, "0000:03:00.1")->parent, dev(f, "0000:02:00.0"));
	assert_ptr_equal(dev(f, "0000:06:00.0")->parent, dev(f, "0000:00:1e.0"));
	assert_string_equal(dev(f, "0000:03:00.1")->location_path, "PCIROOT(0)#PCI(0100)#PCI(0000)#PCI(0000)#PCI(0001)");
	assert_string_equal(dev(f, "0000:00:02.0")->location_path, "PCIROOT(0)#PCI(0200)");
	assert_string_equal(dda_devtype_name((enum dda_devtype)99), "unknown");
}

/* ---------------------------------------------------------------- resolve */

static void test_resolve(void **state)
{
	struct fx *f = *state;
	char vf1[FH_ADDR_LEN];
	struct dda_device *d = NULL;

	add_pf(f, 2);
	MUST(fh_vf_addr(f->fh, EP, 1, vf1));
	ADD(f, .addr = vf1, .physfn = EP, .caps = FH_MSIX | FH_FLR, .group = FH_GROUP(4), .reset_method = "flr");
	scan(f);

	assert_int_equal(dda_host_resolve(f->h, "0000:01:00.0", &d), 0);
	assert_ptr_equal(d, dev(f, EP));
	d = NULL;
	assert_int_equal(dda_host_resolve(f->h, "01:00.0", &d), 0);
	assert_ptr_equal(d, dev(f, EP));
	d = NULL;
	assert_int_equal(dda_host_resolve(f->h, "PCIROOT(0)#PCI(0100)#PCI(0000)", &d), 0);
	assert_ptr_equal(d, dev(f, EP));
	d = NULL;
	assert_int_equal(dda_host_resolve(f->h, "pciroot(0)#pci(0100)", &d), 0);
	assert_ptr_equal(d, dev(f, RP));
	/* a VF by its PF's path and index */
	d = NULL;
	assert_int_equal(dda_host_resolve(f->h, "PCIROOT(0)#PCI(0100)#PCI(0000)#VF(1)", &d), 0);
	assert_ptr_equal(d, dev(f, vf1));
}

static void test_resolve_errors(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	struct dda_device *d = NULL;
	const struct dda_error_info *err;

	base(f);
	add_dev(f, &e);
	scan(f);

	dda_error_clear();
	assert_int_equal(dda_host_resolve(f->h, "bogus", &d), -EINVAL);
	err = dda_last_error();
	assert_int_equal(err->err, -EINVAL);
	assert_string_equal(err->code, "bad-device");
	assert_string_equal(err->device, "bogus");
	expect_contains(err->message, "'bogus'");

	assert_int_equal(dda_host_resolve(f->h, "PCIROOT(0)#PCI(2000)", &d), -EINVAL);
	assert_string_equal(dda_last_error()->code, "bad-device");

	assert_int_equal(dda_host_resolve(f->h, "0000:7f:00.0", &d), -ENODEV);
	err = dda_last_error();
	assert_string_equal(err->code, "no-device");
	assert_string_equal(err->device, "0000:7f:00.0");
	expect_contains(err->message, "0000:7f:00.0");

	assert_int_equal(dda_host_resolve(f->h, "PCIROOT(0)#PCI(1F00)", &d), -ENODEV);
	assert_string_equal(dda_last_error()->code, "no-device");
	/* a VF index of a device that is no PF */
	assert_int_equal(dda_host_resolve(f->h, "PCIROOT(0)#PCI(0100)#PCI(0000)#VF(0)", &d), -ENODEV);
	assert_null(d);
}

static void test_group_endpoints(void **state)
{
	struct fx *f = *state;
	struct dda_device *out[4];

	add_switch(f, 0, 0, 0, 0, true);
	scan(f);
	/* the switch ports are in the group, but only endpoints move with it */
	assert_int_equal(dev(f, EP3)->group->nmembers, 5);
	assert_int_equal(dda_group_endpoints(dev(f, EP3), out, ARRAY_SIZE(out)), 1);
	assert_ptr_equal(out[0], dev(f, EP4));
	/* the count is the whole count even when out is too small */
	assert_int_equal(dda_group_endpoints(dev(f, UP), out, 0), 2);
}

/* ---------------------------------------------------------------- host section */

static struct json_object *host_reason(struct json_object *host, const char *code)
{
	struct json_object *reasons, *r, *c;

	if (!json_object_object_get_ex(host, "reasons", &reasons))
		fail_msg("host section has no reasons");
	for (size_t i = 0; i < json_object_array_length(reasons); i++) {
		r = json_object_array_get_idx(reasons, i);
		if (json_object_object_get_ex(r, "code", &c) && !strcmp(json_object_get_string(c), code))
			return r;
	}
	return NULL;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return json_object_get_string(v);
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
		fail_msg("no boolean \"%s\" in %s", key, json_object_to_json_string(o));
	return json_object_get_boolean(v);
}

static void expect_host_reason(struct json_object *host, const char *code, const char *sev)
{
	struct json_object *r = host_reason(host, code);

	if (!r)
		fail_msg("host has no reason '%s': %s", code, json_object_to_json_string(host));
	assert_string_equal(jstr(r, "severity"), sev);
	assert_true(strlen(jstr(r, "message")) > 0);
	assert_true(strlen(jstr(r, "hint")) > 0);
}

static void expect_no_host_reason(struct json_object *host, const char *code)
{
	if (host_reason(host, code))
		fail_msg("host has reason '%s': %s", code, json_object_to_json_string(host));
}

/* /proc/interrupts as the kernel prints it; with remapping on, its irq
 * chips are named IR-... (fakehost does not write this file). */
static void proc_interrupts(struct fx *f, bool remapped)
{
	put_file(f, "proc/interrupts",
		 remapped ? "           CPU0       CPU1       \n"
			    "  0:         44          0   IO-APIC   2-edge      timer\n"
			    "  8:          0          0   IR-IO-APIC    8-edge      rtc0\n"
			    " 24:          0          0   IR-PCI-MSIX-0000:01:00.0    0-edge      eth0-TxRx-0\n"
			    "NMI:          0          0   Non-maskable interrupts\n" :
			    "           CPU0       CPU1       \n"
			    "  0:         44          0   IO-APIC   2-edge      timer\n"
			    "  8:          0          0   IO-APIC    8-edge      rtc0\n"
			    " 24:          0          0   PCI-MSIX-0000:01:00.0    0-edge      eth0-TxRx-0\n"
			    "NMI:          0          0   Non-maskable interrupts\n");
}

/* A host that is ready: IOMMU with remapping, vfio-pci loaded, iommu=pt. */
static void ready_host(struct fx *f)
{
	struct fh_dev e = good_ep();

	proc_interrupts(f, true);

	MUST(fh_cmdline(f->fh, "BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on iommu=pt"));
	MUST(fh_driver(f->fh, "vfio-pci"));
	base(f);
	add_dev(f, &e);
}

static void test_host_ready(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ struct json_object *host = NULL;

	ready_host(f);
	scan(f);
	host = dda_report_host(f->h);
	assert_non_null(host);
	expect_no_host_reason(host, "iommu-off");
	expect_no_host_reason(host, "no-interrupt-remapping");
	expect_no_host_reason(host, "vfio-missing");
	expect_no_host_reason(host, "iommu-translated");
	assert_int_equal(f->h->info.vfio, DDA_VFIO_LOADED);
	assert_true(f->h->info.passthrough);
	assert_int_equal(f->h->info.intremap, 1);
	assert_string_equal(f->h->info.cmdline, "intel_iommu=on iommu=pt");
	/* a moved root shows what its files hold, whoever runs the test */
	assert_true(f->h->info.full_config);
	expect_no_host_reason(host, "not-root");
	assert_true(jbool(host, "ready"));
}

static void scan_flags(struct fx *f, unsigned flags)
{
	int r;

	r = dda_host_scan(f->ctx, &f->h, flags);
	if (r < 0)
		fail_msg("dda_host_scan: %s", strerror(-r));
	assert_int_equal(dda_checks_run(f->h), 0);
}

/*
 * The same host read as a user without CAP_SYS_ADMIN: the kernel cuts
 * config space to the 64-byte header, so capabilities are unknown.  The
 * survey must say so and claim nothing it cannot see, but keep what sysfs
 * still tells it (reset_method).
 */
static void test_host_not_root(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	_cleanup_json_ struct json_object *host = NULL;
	struct dda_device *d;

	ready_host(f);
	/* a second function whose kernel lists no reset at all */
	e.addr = EP_F1;
	e.reset_method = "";
	e.reset = false;
	add_dev(f, &e);
	scan_flags(f, DDA_SCAN_NAMES | DDA_SCAN_HOST_USE | DDA_SCAN_UNPRIVILEGED);
	assert_false(f->h->info.full_config);
	host = dda_report_host(f->h);
	expect_host_reason(host, "not-root", "warn");
	assert_false(jbool(host, "full_config_access"));
	/* unknown capabilities do not make the host unready */
	assert_true(jbool(host, "ready"));

	d = dev(f, EP);
	assert_int_equal(d->config_len, 64);
	assert_false(d->has_pcie);
	assert_false(d->has_msix);
	expect_reason(d, "partial-config", DDA_SEV_WARN);
	expect_no_reason(d, "intx-only");
	expect_no_reason(d, "legacy-pci");
	expect_no_reason(d, "no-reset");
	assert_int_equal(d->resets, DDA_RESET_FLR | DDA_RESET_BUS);
	/* the kernel said there is no reset: that needs no config space */
	expect_reason(dev(f, EP_F1), "no-reset", DDA_SEV_FORCE);
	/* the ids are in the header */
	assert_int_equal(d->vendor, 0x8086);
	assert_int_equal(d->device, 0x1572);
}

/* The root view of the same tree, for contrast: nothing is cut. */
static void test_host_root_view(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	_cleanup_json_ struct json_object *host = NULL;

	ready_host(f);
	e.addr = EP_F1;
	e.reset_method = "";
	e.reset = false;
	add_dev(f, &e);
	scan_flags(f, DDA_SCAN_NAMES | DDA_SCAN_HOST_USE);
	host = dda_report_host(f->h);
	expect_no_host_reason(host, "not-root");
	assert_true(jbool(host, "full_config_access"));
	assert_int_equal(dev(f, EP)->config_len, 4096);
	assert_true(dev(f, EP)->has_msix);
	expect_no_reason(dev(f, EP), "partial-config");
	expect_reason(dev(f, EP_F1), "no-reset", DDA_SEV_FORCE);
}

/* A CardBus bridge's header is 128 bytes, and so is what a user reads. */
static void test_host_not_root_cardbus(void **state)
{
	struct fx *f = *state;

	base(f);
	ADD(f, .addr = EP, .parent = RP, .type = FH_PCI_BRIDGE, .class = 0x060700, .group = FH_GROUP(2));
	patch8(f, EP, PCI_HEADER_TYPE, PCI_HEADER_TYPE_CARDBUS);
	scan_flags(f, DDA_SCAN_UNPRIVILEGED);
	assert_int_equal(dev(f, EP)->config_len, 128);
	assert_int_equal(dev(f, RP)->config_len, 64);
}

/* iommu=pt and iommu.passthrough= both set the default domain; the
 * kernel takes them in order, and iommu.passthrough= is a kstrtobool. */
static void test_host_passthrough_params(void **state)
{
	static const struct {
		const char *cmdline;
		bool pt;
	} cases[] = {
		{ "intel_iommu=on iommu.passthrough=1", true },
		{ "intel_iommu=on iommu.passthrough=y", true },
		{ "intel_iommu=on iommu.passthrough=on", true },
		{ "intel_iommu=on iommu.passthrough=0", false },
		{ "intel_iommu=on iommu=pt iommu.passthrough=0", false },
		{ "intel_iommu=on iommu.passthrough=0 iommu=pt", true },
		{ "intel_iommu=on iommu=pt iommu=nopt", false },
		{ "intel_iommu=on iommu.passthrough=maybe", false },
		{ "intel_iommu=on", false },
	};
	struct fx *f = *state;

	base(f);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_json_ struct json_object *host = NULL;

		MUST(fh_cmdline(f->fh, cases[i].cmdline));
		dda_host_free(TAKE_PTR(f->h));
		scan(f);
		if (f->h->info.passthrough != cases[i].pt)
			fail_msg("'%s': passthrough %d, expected %d", cases[i].cmdline, f->h->info.passthrough,
				 cases[i].pt);
		host = dda_report_host(f->h);
		if (cases[i].pt)
			expect_no_host_reason(host, "iommu-translated");
		else
			expect_host_reason(host, "iommu-translated", "info");
	}
}

/* intremap=nosid leaves remapping on (VFIO goes on) but stops checking
 * the requester: the isolation is gone, and the host must say so. */
static void test_host_intremap_nosid(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	_cleanup_json_ struct json_object *host = NULL;
	struct json_object *r;

	MUST(fh_driver(f->fh, "vfio-pci"));
	MUST(fh_cmdline(f->fh, "root=/dev/sda1 intel_iommu=on iommu=pt intremap=nosid"));
	base(f);
	add_dev(f, &e);
	proc_interrupts(f, true);
	scan(f);
	assert_int_equal(f->h->info.intremap, 1);
	assert_true(f->h->info.intremap_nosid);
	host = dda_report_host(f->h);
	expect_no_host_reason(host, "no-interrupt-remapping");
	expect_host_reason(host, "interrupt-source-unchecked", "warn");
	r = host_reason(host, "interrupt-source-unchecked");
	expect_contains(jstr(r, "hint"), "remove intremap=nosid");
	assert_true(jbool(host, "ready"));
}

static void test_host_intremap_params(void **state)
{
	static const struct {
		const char *cmdline;
		int intremap;
		bool nosid;
	} cases[] = {
		/* a comma list, as Intel's parser reads it */
		{ "intel_iommu=on intremap=nosid,off", 0, true },	 { "intel_iommu=on intremap=off", 0, false },
		{ "intel_iommu=on intremap=off intremap=on", 1, false }, { "intel_iommu=on intremap=nopost", 1, false },
		{ "intel_iommu=on intremap=nosidx", 1, false },
	};
	struct fx *f = *state;

	base(f);
	proc_interrupts(f, true);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_json_ struct json_object *host = NULL;

		MUST(fh_cmdline(f->fh, cases[i].cmdline));
		dda_host_free(TAKE_PTR(f->h));
		scan(f);
		if (f->h->info.intremap != cases[i].intremap || f->h->info.intremap_nosid != cases[i].nosid)
			fail_msg("'%s': intremap %d nosid %d, expected %d %d", cases[i].cmdline, f->h->info.intremap,
				 f->h->info.intremap_nosid, cases[i].intremap, cases[i].nosid);
		host = dda_report_host(f->h);
		/* off is the whole story: no second reason about the source check */
		if (!cases[i].intremap)
			expect_no_host_reason(host, "interrupt-source-unchecked");
	}
}

static void test_host_iommu_off(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ struct json_object *host = NULL;
	struct json_object *r;

	MUST(fh_driver(f->fh, "vfio-pci"));
	MUST(fh_cpuinfo(f->fh, "AuthenticAMD", 2));
	ADD(f, .addr = HB, .type = FH_HOST_BRIDGE);
	scan(f);
	host = dda_report_host(f->h);
	expect_host_reason(host, "iommu-off", "block");
	r = host_reason(host, "iommu-off");
	/* the fix is for this CPU's vendor */
	expect_contains(jstr(r, "hint"), "amd_iommu=on");
	expect_contains(jstr(r, "hint"), "AMD-Vi");
	/* without an IOMMU there is nothing to translate or remap */
	expect_no_host_reason(host, "iommu-translated");
	expect_no_host_reason(host, "no-interrupt-remapping");
	assert_false(jbool(host, "ready"));
}

static void test_host_iommu_off_intel(void **state)
{
	struct fx *f = *state;

	MUST(fh_cpuinfo(f->fh, "GenuineIntel", 2));
	ADD(f, .addr = HB, .type = FH_HOST_BRIDGE);
	scan(f);
	assert_int_equal(f->h->info.cpu, DDA_CPU_INTEL);
	expect_contains(f->h->info.fix, "intel_iommu=on");
	expect_contains(f->h->info.fix, "VT-d");
}

static void test_host_no_interrupt_remapping(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	_cleanup_json_ struct json_object *host = NULL;

	MUST(fh_driver(f->fh, "vfio-pci"));
	/* a DMAR unit whose ecap lacks IR (bit 3) */
	MUST(fh_iommu(f->fh, "dmar0", 0xf050d2));
	ADD(f, .addr = RP, .type = FH_ROOT_PORT, .group = FH_GROUP(1));
	add_dev(f, &e);
	scan(f);
	assert_int_equal(f->h->info.intremap, 0);
	expect_contains(f->h->info.intremap_note, "1 of 1 DMAR units cannot remap interrupts");
	host = dda_report_host(f->h);
	expect_host_reason(host, "no-interrupt-remapping", "block");
	assert_false(jbool(host, "ready"));
}

static void test_host_no_interrupt_remapping_unsafe(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	_cleanup_json_ struct json_object *host = NULL;

	MUST(fh_driver(f->fh, "vfio-pci"));
	MUST(fh_cmdline(f->fh, "root=/dev/sda1 intel_iommu=on intremap=off iommu=pt"));
	base(f);
	add_dev(f, &e);
	MUST(fh_module_param(f->fh, "vfio_iommu_type1", "allow_unsafe_interrupts", "Y"));
	scan(f);
	assert_int_equal(f->h->info.intremap, 0);
	assert_true(f->h->info.unsafe_interrupts);
	host = dda_report_host(f->h);
	/* VFIO goes on without remapping when told to: a warning, still ready */
	expect_host_reason(host, "no-interrupt-remapping", "warn");
	assert_true(jbool(host, "ready"));
}

static void test_host_interrupt_remapping_amd(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	_cleanup_json_ struct json_object *host = NULL;

	MUST(fh_cpuinfo(f->fh, "AuthenticAMD", 2));
	MUST(fh_iommu(f->fh, "ivhd0", 0x58f77ef22294a5a));
	ADD(f, .addr = RP, .type = FH_ROOT_PORT, .group = FH_GROUP(1));
	add_dev(f, &e);
	proc_interrupts(f, true);
	scan(f);
	assert_int_equal(f->h->info.intremap, 1);
	host = dda_report_host(f->h);
	expect_no_host_reason(host, "no-interrupt-remapping");
}

/* Capable hardware that remaps nothing right now cannot be called on or
 * off: no reason is given either way. */
static void test_host_interrupt_remapping_unknown(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	_cleanup_json_ struct json_object *host = NULL;
	struct json_object *ir, *v;

	base(f);
	add_dev(f, &e);
	proc_interrupts(f, false);
	scan(f);
	assert_int_equal(f->h->info.intremap, -1);
	expect_contains(f->h->info.intremap_note, "supported by every DMAR unit");
	host = dda_report_host(f->h);
	expect_no_host_reason(host, "no-interrupt-remapping");
	assert_true(json_object_object_get_ex(host, "interrupt_remapping", &ir));
	assert_true(json_object_object_get_ex(ir, "enabled", &v));
	assert_null(v);
}

static void test_host_vfio_missing(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	_cleanup_json_ struct json_object *host = NULL;

	/* no vfio-pci driver registered, no modules tree for this kernel */
	base(f);
	add_dev(f, &e);
	scan(f);
	assert_int_equal(f->h->info.vfio, DDA_VFIO_MISSING);
	host = dda_report_host(f->h);
	expect_host_reason(host, "vfio-missing", "block");
	assert_string_equal(jstr(host, "vfio_pci"), "missing");
	assert_false(jbool(host, "ready"));
}

static void test_host_iommu_translated(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	_cleanup_json_ struct json_object *host = NULL;

	MUST(fh_driver(f->fh, "vfio-pci"));
	MUST(fh_cmdline(f->fh, "root=/dev/sda1 intel_iommu=on"));
	base(f);
	add_dev(f, &e);
	scan(f);
	host = dda_report_host(f->h);
	expect_host_reason(host, "iommu-translated", "info");
	/* information only: the host is ready */
	assert_true(jbool(host, "ready"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_clean_endpoint),
		T(test_iommu_off),
		T(test_iommu_on_no_iommu_off),
		T(test_no_iommu_group),
		T(test_bridge),
		T(test_host_in_use_mount),
		T(test_host_in_use_critical_mount),
		T(test_host_in_use_absent),
		T(test_host_in_use_swap),
		T(test_host_in_use_holder),
		T(test_host_in_use_holder_mounted_root),
		T(test_host_in_use_net_route),
		T(test_host_in_use_net_ipv6),
		T(test_host_in_use_net_absent),
		T(test_host_in_use_net_down),
		T(test_host_in_use_bond_port),
		T(test_host_in_use_bond_down),
		T(test_host_in_use_framebuffer),
		T(test_host_in_use_boot_vga),
		T(test_host_in_use_console_absent),
		T(test_host_in_use_boot_vga_no_fbcon),
		T(test_group_host_in_use_companion),
		T(test_group_host_in_use_absent),
		T(test_group_host_in_use_platform_bridge),
		T(test_group_host_in_use_platform_bridge_unbound),
		T(test_group_host_in_use_platform_bridge_pooled),
		T(test_group_port_not_host_use),
		T(test_group_rcec_not_host_use),
		T(test_group_shared_neighbours_not_multifunction),
		T(test_reserved_memory),
		T(test_reserved_memory_relaxable),
		T(test_reserved_memory_usb_rmrr),
		T(test_reserved_memory_absent),
		T(test_group_shared_switch_without_acs),
		T(test_group_shared_partial_acs),
		T(test_group_shared_absent_with_acs),
		T(test_group_shared_root_ports_with_acs),
		T(test_group_shared_root_port_without_acs),
		T(test_group_shared_multifunction),
		T(test_group_shared_multifunction_with_acs),
		T(test_group_shared_conventional),
		T(test_group_shared_plain_pci_bridge),
		cmocka_unit_test(test_device_mmio_edges),
		T(test_acs_missing),
		T(test_intx_only_pcie),
		T(test_intx_only_shared_line),
		T(test_intx_only_msi_not_sharers),
		T(test_irq_read_only_when_needed),
		T(test_intx_only_own_line),
		T(test_intx_only_absent),
		T(test_no_reset_empty_method),
		T(test_no_reset_no_attributes),
		T(test_no_reset_nosoftreset),
		T(test_no_reset_absent),
		T(test_bus_reset_only),
		T(test_bus_reset_shared_bus),
		T(test_bus_reset_shared_slot),
		T(test_bus_reset_only_other_slot),
		T(test_slot_behind_pcie_to_pci),
		T(test_inferred_resets),
		T(test_reset_method_wins),
		T(test_reset_method_names),
		T(test_legacy_pci),
		T(test_legacy_pci_behind_bridge),
		T(test_legacy_pci_behind_plain_pci_bridge),
		T(test_legacy_pci_absent),
		T(test_bar_not_page_aligned_small),
		T(test_bar_not_page_aligned_start),
		T(test_bar_not_page_aligned_absent),
		T(test_bar_one_page),
		T(test_io_bar),
		T(test_io_bar_absent),
		T(test_sriov_vf),
		T(test_sriov_vfs_not_multifunction),
		T(test_sriov_pf_active),
		T(test_sriov_pf_idle),
		T(test_in_pool),
		T(test_in_pool_variant_driver),
		T(test_in_pool_absent),
		T(test_d3cold),
		T(test_d3cold_absent),
		T(test_partial_config),
		T(test_partial_config_not_legacy),
		T(test_partial_config_absent),
		T(test_bad_capabilities_loop),
		T(test_bad_capabilities_broken),
		T(test_bad_capabilities_ext_loop),
		T(test_bad_capabilities_ext_broken),
		T(test_bad_capabilities_absent),
		T(test_unreadable_resource_garbage),
		T(test_unreadable_resource_dir),
		T(test_resource_whole_space),
		T(test_unreadable_iommu_group),
		T(test_unreadable_reset_method),
		T(test_unreadable_config),
		T(test_unreadable_config_no_false_claims),
		T(test_unreadable_absent),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_add_reason_oom),
		cmocka_unit_test(test_severity_names),
		cmocka_unit_test(test_mmio_sizes),
		T(test_mmio_from_sysfs),
		T(test_types),
		T(test_resolve),
		T(test_resolve_errors),
		T(test_group_endpoints),
		T(test_host_ready),
		T(test_host_not_root),
		T(test_host_root_view),
		T(test_host_not_root_cardbus),
		T(test_host_passthrough_params),
		T(test_host_intremap_nosid),
		T(test_host_intremap_params),
		T(test_host_iommu_off),
		T(test_host_iommu_off_intel),
		T(test_host_no_interrupt_remapping),
		T(test_host_no_interrupt_remapping_unsafe),
		T(test_host_interrupt_remapping_amd),
		T(test_host_interrupt_remapping_unknown),
		T(test_host_vfio_missing),
		T(test_host_iommu_translated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
