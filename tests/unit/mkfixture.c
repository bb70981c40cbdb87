/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mkfixture [--vf-spares] DIR: writes a representative fake host to DIR (which must not
 * exist or be empty), for the CLI test and for trying ddactl by hand:
 *
 *	DDACTL_ROOT=DIR ddactl survey
 *
 * The host has one of most things a survey meets: a NIC with VFs (one in
 * the pool), an NVMe disk holding the root file system, the boot GPU with
 * the console, two old PCI cards behind a PCIe-to-PCI bridge, the PCH's
 * LPC/SMBus group, a powered-down GPU and an IOMMU with remapping on.
 * test-cli.sh relies on the verdicts listed in main() below.
 * --vf-spares adds the X710's VFs 2..63 for the kernel model to create.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net/if.h>

#include "cleanup.h"
#include "fakehost.h"

/* The host trees here are tables of designated initialisers, a device to
 * a line or two; clang-format would give every field a line of its own. */
/* clang-format off */

#define NIC "0000:01:00.0"
#define NVME "0000:02:00.0"

static const struct fh_dev devs[] = {
	{ .addr = "0000:00:00.0", .type = FH_HOST_BRIDGE, .vendor = 0x8086, .device = 0x3e30, .group = FH_GROUP(0) },
	{ .addr = "0000:00:01.0", .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1901,
	  .caps = FH_PM | FH_MSI | FH_ACS, .acs_ctrl = 0x001d, .driver = "pcieport", .group = FH_GROUP(1) },
	{ .addr = "0000:00:01.1", .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1905,
	  .caps = FH_PM | FH_MSI | FH_ACS, .acs_ctrl = 0x001d, .driver = "pcieport", .group = FH_GROUP(2) },
	/* Cannon Lake PCH root ports have ACS (no kernel quirk covers them):
	 * without it the kernel would put the bridge below in this group. */
	{ .addr = "0000:00:1c.0", .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0xa338,
	  .caps = FH_PM | FH_MSI | FH_ACS, .acs_ctrl = 0x001d, .driver = "pcieport", .group = FH_GROUP(3) },
	/* boot GPU with the console on it: in use */
	{ .addr = "0000:00:02.0", .type = FH_RCIEP, .vendor = 0x8086, .device = 0x3e92, .class = 0x030000,
	  .caps = FH_PM | FH_MSI | FH_AF_FLR, .boot_vga = FH_YES, .driver = "i915", .group = FH_GROUP(4),
	  .intx_pin = 1, .irq = 130, .reset_method = "af_flr", .reset = true,
	  .bars = { [0] = { 16 << 20, FH_BAR_64 }, [2] = { 256 << 20, FH_BAR_64 | FH_BAR_PREF },
		    [4] = { 64, FH_BAR_IO } } },
	/* NIC: an active PF (not assignable), whose VFs are */
	{ .addr = NIC, .parent = "0000:00:01.0", .vendor = 0x8086, .device = 0x1572, .class = 0x020000,
	  .subvendor = 0x8086, .subdevice = 0x0001, .revision = 2,
	  .caps = FH_PM | FH_MSIX | FH_FLR | FH_AER | FH_ARI | FH_SRIOV,
	  .sriov_total = 64, .sriov_num = 2, .vf_device = 0x154c,
	  .vf_bars = { [0] = { 64 << 10, FH_BAR_64 | FH_BAR_PREF }, [3] = { 16 << 10, FH_BAR_64 | FH_BAR_PREF } },
	  .bars = { [0] = { 8 << 20, FH_BAR_64 | FH_BAR_PREF }, [3] = { 32 << 10, FH_BAR_64 | FH_BAR_PREF } },
	  .rom_size = 512 << 10, .intx_pin = 1, .irq = 16,
	  .driver = "i40e", .group = FH_GROUP(5), .reset_method = "flr bus", .reset = true },
	{ .addr = "0000:01:10.0", .physfn = NIC, .caps = FH_MSIX | FH_FLR, .msix_vectors = 5,
	  .driver = "vfio-pci", .group = FH_GROUP(6), .reset_method = "flr", .reset = true },
	{ .addr = "0000:01:10.1", .physfn = NIC, .caps = FH_MSIX | FH_FLR, .driver = "iavf",
	  .group = FH_GROUP(7), .reset_method = "flr", .reset = true },
	/* NVMe holding / */
	{ .addr = NVME, .parent = "0000:00:01.1", .vendor = 0x144d, .device = 0xa808, .class = 0x010802,
	  .caps = FH_PM | FH_MSIX | FH_FLR, .driver = "nvme", .group = FH_GROUP(8),
	  .reset_method = "flr bus", .reset = true, .bars = { [0] = { 16 << 10, FH_BAR_64 } } },
	/* an old card behind a PCIe-to-PCI bridge, sharing the bridge's group */
	{ .addr = "0000:03:00.0", .parent = "0000:00:1c.0", .type = FH_PCIE_TO_PCI, .vendor = 0x12d8,
	  .device = 0xe113, .group = FH_GROUP(9) },
	{ .addr = "0000:04:00.0", .parent = "0000:03:00.0", .type = FH_PCI, .vendor = 0x10ec, .device = 0x8139,
	  .class = 0x020000, .caps = FH_PM, .intx_pin = 1, .irq = 19, .group = FH_GROUP(9),
	  .reset_method = "bus", .reset = true, .bars = { [0] = { 256, FH_BAR_IO }, [1] = { 256 } } },
	{ .addr = "0000:04:01.0", .parent = "0000:03:00.0", .type = FH_PCI, .vendor = 0x1102, .device = 0x0002,
	  .class = 0x040100, .intx_pin = 1, .irq = 19, .group = FH_GROUP(9), .reset_method = "bus", .reset = true,
	  .bars = { [0] = { 32, FH_BAR_IO } } },
	/* a powered-down discrete GPU */
	{ .addr = "0000:00:03.0", .type = FH_RCIEP, .vendor = 0x10de, .device = 0x1eb8, .class = 0x030200,
	  .d3cold = true, .group = FH_GROUP(10), .caps = FH_PM },
	/* a spare NIC in a slot of its own: nothing in the way of dismounting it */
	{ .addr = "0000:00:01.2", .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1909,
	  .caps = FH_PM | FH_MSI | FH_ACS, .acs_ctrl = 0x001d, .driver = "pcieport", .group = FH_GROUP(12) },
	{ .addr = "0000:05:00.0", .parent = "0000:00:01.2", .vendor = 0x8086, .device = 0x1533, .class = 0x020000,
	  .subvendor = 0x8086, .subdevice = 0x0001, .caps = FH_PM | FH_MSIX | FH_FLR, .intx_pin = 1, .irq = 17,
	  .driver = "igb", .group = FH_GROUP(13), .reset_method = "flr", .reset = true,
	  .bars = { [0] = { 1 << 20 }, [3] = { 16 << 10 } } },
	/* the PCH: LPC bridge and SMBus in one group */
	{ .addr = "0000:00:1f.0", .type = FH_PCI, .vendor = 0x8086, .device = 0xa30e, .class = 0x060100,
	  .multifunction = true, .driver = "lpc_ich", .group = FH_GROUP(11) },
	{ .addr = "0000:00:1f.4", .type = FH_PCI, .vendor = 0x8086, .device = 0xa323, .class = 0x0c0500,
	  .intx_pin = 1, .irq = 16, .driver = "i801_smbus", .group = FH_GROUP(11), .reset_method = "",
	  .bars = { [0] = { 256, FH_BAR_64 }, [4] = { 32, FH_BAR_IO } } },
};

static int write_file(const char *root, const char *rel, const char *content)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(content, f);
	return fclose(f) == 0 ? 0 : -errno;
}

#define TRY(call)                                                              \
	do {                                                                   \
		int _r = (call);                                               \
		if (_r < 0) {                                                  \
			fprintf(stderr, "mkfixture: %s: %s\n", #call, strerror(-_r)); \
			fh_free(h);                                            \
			return 1;                                              \
		}                                                              \
	} while (0)

int main(int argc, char **argv)
{
	struct fh_host *h;
	bool spares = argc == 3 && !strcmp(argv[1], "--vf-spares");
	const char *dir = argv[argc - 1];

	if (argc != 2 && !spares) {
		fprintf(stderr, "Usage: mkfixture [--vf-spares] DIR\n");
		return 2;
	}
	h = fh_new(dir);
	if (!h) {
		fprintf(stderr, "mkfixture: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	TRY(fh_iommu(h, "dmar0", 0xf050da));
	TRY(fh_cmdline(h, "BOOT_IMAGE=/boot/vmlinuz-6.8.0-fakehost root=/dev/nvme0n1p2 ro intel_iommu=on iommu=pt"));
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
		TRY(fh_add_dev(h, &devs[i]));
	TRY(fh_driver(h, "vfio-pci"));
	/* the X710's VFs 2..63, which the kernel model brings in when
	 * sriov_numvfs asks for them (the Cockpit page's SR-IOV test);
	 * opt-in, as the other users never change the count */
	if (spares)
		TRY(fh_sriov_spares(h, NIC,
				    &(struct fh_dev){ .caps = FH_MSIX | FH_FLR, .reset_method = "flr", .reset = true },
				    FH_GROUP(32)));
	TRY(fh_block(h, "nvme0n1", NVME, NULL, "259:0", "nvme/nvme0"));
	TRY(fh_block(h, "nvme0n1p1", NVME, "nvme0n1", "259:1", NULL));
	TRY(fh_block(h, "nvme0n1p2", NVME, "nvme0n1", "259:2", NULL));
	TRY(fh_mount(h, "259:2", "/", "ext4", "/dev/nvme0n1p2"));
	TRY(fh_mount(h, "259:1", "/boot/efi", "vfat", "/dev/nvme0n1p1"));
	TRY(fh_net(h, "enp1s0f0", NIC, IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST, "up"));
	TRY(fh_route4(h, "enp1s0f0", "0001A8C0", NULL, "00FFFFFF"));
	TRY(fh_fb(h, "fb0", "0000:00:02.0", "i915drmfb"));
	TRY(fh_vtcon(h, "vtcon1", "(M) frame buffer device", 1));
	/* interrupt remapping is on: the kernel's irq chips say IR- */
	TRY(write_file(fh_root(h), "proc/interrupts",
		       "           CPU0       CPU1       \n"
		       "  8:          0          0   IR-IO-APIC    8-edge      rtc0\n"
		       " 24:          0          0   IR-PCI-MSIX-0000:01:00.0    0-edge      enp1s0f0-TxRx-0\n"));
	fh_free(h);
	return 0;
}
