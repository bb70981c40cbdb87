/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen-tree DIR [--functions N]
 *
 * Writes a large, realistic two-socket virtualisation host under DIR for
 * the benchmark: SR-IOV NICs (E810-like, two PFs a card, 256 VFs each,
 * ACS root ports above them), NVMe behind PCIe switches, GPUs with their
 * audio functions, a ConnectX stack, the PCH with a BMC's PCIe-to-PCI
 * bridge and conventional VGA, and the uncore functions that fill the
 * top buses of a Xeon.  The uncore count absorbs the difference, so the
 * tree has exactly N functions (default 2300; 4096 is the large variant).
 *
 * The host uses some of it: root on SATA, LVM on NVMe, swap, a NIC with
 * routes, the BMC VGA as console, so host-use checks have something to
 * find.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fakehost.h"

/* The host trees here are tables of designated initialisers, a device to
 * a line or two; clang-format would give every field a line of its own. */
/* clang-format off */

#define VFS_PER_PF 256
#define NIC_PF_BAR (32ULL << 20)

struct gen {
	struct fh_host *h;
	unsigned functions;
	int next_group;
	int vfio_groups[4];	/* groups of GPUs given to vfio-pci, for QEMU's fds */
	unsigned n_vfio_groups;
};

static void die(const char *what, const char *addr, int r)
{
	fprintf(stderr, "gen-tree: %s %s: %s\n", what, addr ? addr : "", strerror(-r));
	exit(EXIT_FAILURE);
}

static void add(struct gen *g, const struct fh_dev *d)
{
	int r = fh_add_dev(g->h, d);

	if (r < 0)
		die("adding", d->addr, r);
	g->functions++;
}

static int new_group(struct gen *g)
{
	return FH_GROUP(g->next_group++);
}

static void fmt_addr(char out[FH_ADDR_LEN], unsigned bus, unsigned dev, unsigned fn)
{
	snprintf(out, FH_ADDR_LEN, "0000:%02x:%02x.%x", bus & 0xff, dev & 0x1f, fn & 7);
}

/* Root port with ACS, the way Xeon stacks present them (8086:2030). */
static void root_port(struct gen *g, const char *addr)
{
	add(g, &(struct fh_dev){
		.addr = addr, .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x2030,
		.revision = 4, .caps = FH_PM | FH_MSI | FH_AER | FH_ACS | FH_ARI,
		.acs_ctrl = 0x001d, .intx_pin = 1, .irq = 26,
		.driver = "pcieport", .group = new_group(g),
	});
}

/* VT-d, RAS and IOxAPIC functions every Xeon PCIe stack carries. */
static void stack_rciep(struct gen *g, unsigned bus)
{
	static const struct {
		unsigned fn;
		uint16_t device;
		uint32_t class;
	} f[] = {
		{ 0, 0x2034, 0x088000 },
		{ 2, 0x2035, 0x088000 },
		{ 4, 0x2036, 0x080020 },
	};
	int grp = new_group(g);

	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		char a[FH_ADDR_LEN];

		fmt_addr(a, bus, 5, f[i].fn);
		add(g, &(struct fh_dev){
			.addr = a, .type = FH_RCIEP, .vendor = 0x8086, .device = f[i].device,
			.class = f[i].class, .revision = 4, .multifunction = true,
			.caps = FH_PM, .group = grp,
			.bars = { [0] = { 4096 } },
		});
	}
}

/*
 * An E810-like dual-port card below its own root port: PF0 at B:00.0 puts
 * its VFs at B:10.0 onwards (First VF Offset 0x80), PF1 at B:00.1 on the
 * next bus at the same spot (offset 0x17f), so 512 VFs span B..B+2.
 */
static void nic_card(struct gen *g, unsigned root_bus, unsigned card, unsigned last_num)
{
	char rp[FH_ADDR_LEN];
	unsigned b = root_bus + 1;

	fmt_addr(rp, root_bus, 0, 0);
	root_port(g, rp);
	stack_rciep(g, root_bus);

	for (unsigned pf = 0; pf < 2; pf++) {
		char pfa[FH_ADDR_LEN];
		unsigned num = card == 0 && pf == 0 ? last_num : VFS_PER_PF;

		fmt_addr(pfa, b, 0, pf);
		add(g, &(struct fh_dev){
			.addr = pfa, .parent = rp, .vendor = 0x8086, .device = 0x159b,
			.subvendor = 0x8086, .subdevice = 0x0003, .class = 0x020000, .revision = 2,
			.multifunction = true, .intx_pin = 1, .irq = 40 + card,
			.caps = FH_PM | FH_MSI | FH_MSIX | FH_FLR | FH_AER | FH_ARI | FH_ACS | FH_SRIOV,
			.acs_ctrl = 0x001d, .msix_vectors = 1024,
			.sriov_total = VFS_PER_PF, .sriov_num = num, .vf_device = 0x1889,
			.vf_offset = pf ? 0x17f : 0x80, .vf_stride = 1,
			.vf_bars = { [0] = { 128 << 10, FH_BAR_64 | FH_BAR_PREF },
				     [3] = { 64 << 10, FH_BAR_64 | FH_BAR_PREF } },
			.bars = { [0] = { NIC_PF_BAR, FH_BAR_64 | FH_BAR_PREF },
				  [3] = { 64 << 10, FH_BAR_64 | FH_BAR_PREF } },
			.rom_size = 1 << 20,
			.driver = "ice", .group = new_group(g),
			.reset_method = "flr bus", .reset = true,
		});

		for (unsigned n = 0; n < num; n++) {
			char vf[FH_ADDR_LEN];
			/* a realistic mix: some handed to vfio, some to iavf, most idle */
			static const char *const drv[] = { "vfio-pci", "iavf", NULL, NULL };
			int r = fh_vf_addr(g->h, pfa, n, vf);

			if (r < 0)
				die("VF address of", pfa, r);
			add(g, &(struct fh_dev){
				.addr = vf, .physfn = pfa, .caps = FH_MSIX | FH_FLR | FH_ARI,
				.msix_vectors = 17, .driver = drv[n % ARRAY_SIZE(drv)],
				.group = new_group(g), .reset_method = "flr", .reset = true,
			});
		}
	}
}

/* Switch: upstream port on bus up, n downstream ports, one endpoint each. */
static void switch_with(struct gen *g, const char *rp, unsigned up_bus, unsigned n,
			void (*endpoint)(struct gen *g, const char *port, unsigned bus, unsigned i))
{
	char up[FH_ADDR_LEN];

	fmt_addr(up, up_bus, 0, 0);
	add(g, &(struct fh_dev){
		.addr = up, .parent = rp, .type = FH_UPSTREAM, .vendor = 0x10b5, .device = 0x9797,
		.revision = 0xca, .caps = FH_PM | FH_MSI | FH_AER, .driver = "pcieport",
		.group = new_group(g), .bars = { [0] = { 256 << 10 } },
	});
	for (unsigned i = 0; i < n; i++) {
		char dp[FH_ADDR_LEN];

		fmt_addr(dp, up_bus + 1, i, 0);
		add(g, &(struct fh_dev){
			.addr = dp, .parent = up, .type = FH_DOWNSTREAM, .vendor = 0x10b5,
			.device = 0x9797, .revision = 0xca,
			.caps = FH_PM | FH_MSI | FH_AER | FH_ACS | FH_ARI, .acs_ctrl = 0x001d,
			.driver = "pcieport", .group = new_group(g),
		});
		endpoint(g, dp, up_bus + 2 + i, i);
	}
}

static void nvme(struct gen *g, const char *port, unsigned bus, unsigned i)
{
	char a[FH_ADDR_LEN];

	fmt_addr(a, bus, 0, 0);
	add(g, &(struct fh_dev){
		.addr = a, .parent = port, .vendor = 0x144d, .device = 0xa80a,
		.subvendor = 0x144d, .subdevice = 0xa801, .class = 0x010802,
		.caps = FH_PM | FH_MSI | FH_MSIX | FH_FLR | FH_AER, .msix_vectors = 130,
		.intx_pin = 1, .irq = 60 + i,
		/* a couple are already given to guests */
		.driver = i % 8 == 7 ? "vfio-pci" : "nvme", .group = new_group(g),
		.reset_method = "flr bus", .reset = true,
		.bars = { [0] = { 16 << 10, FH_BAR_64 } },
	});
}

static void gpu(struct gen *g, const char *port, unsigned bus, unsigned i)
{
	char vga[FH_ADDR_LEN], hda[FH_ADDR_LEN];
	int grp = new_group(g);
	bool vfio = i % 2;

	if (vfio && g->n_vfio_groups < ARRAY_SIZE(g->vfio_groups))
		g->vfio_groups[g->n_vfio_groups++] = grp & ~FH_GROUP_SET;

	fmt_addr(vga, bus, 0, 0);
	fmt_addr(hda, bus, 0, 1);
	add(g, &(struct fh_dev){
		.addr = vga, .parent = port, .vendor = 0x10de, .device = 0x2204,
		.subvendor = 0x10de, .subdevice = 0x1454, .class = 0x030000, .revision = 0xa1,
		.multifunction = true, .caps = FH_PM | FH_MSI, .intx_pin = 1, .irq = 90 + i,
		.driver = vfio ? "vfio-pci" : "nvidia", .group = grp, .boot_vga = FH_NO,
		.reset_method = "bus", .reset = true,
		.bars = { [0] = { 16 << 20 }, [1] = { 32ULL << 30, FH_BAR_64 | FH_BAR_PREF },
			  [3] = { 32 << 20, FH_BAR_64 | FH_BAR_PREF }, [5] = { 128, FH_BAR_IO } },
		.rom_size = 512 << 10,
	});
	add(g, &(struct fh_dev){
		.addr = hda, .parent = port, .vendor = 0x10de, .device = 0x1aef,
		.subvendor = 0x10de, .subdevice = 0x1454, .class = 0x040300, .revision = 0xa1,
		.caps = FH_PM | FH_MSI, .intx_pin = 2, .irq = 91 + i,
		.driver = vfio ? "vfio-pci" : "snd_hda_intel", .group = grp,
		.reset_method = "bus", .reset = true,
		.bars = { [0] = { 16 << 10 } },
	});
}

/* PCH and everything on root bus 0, including the BMC's legacy VGA. */
static void legacy(struct gen *g)
{
	int pch = new_group(g);
	int cbdma = new_group(g);

	add(g, &(struct fh_dev){
		.addr = "0000:00:00.0", .type = FH_HOST_BRIDGE, .vendor = 0x8086, .device = 0x2020,
		.revision = 4, .group = new_group(g),
	});
	for (unsigned fn = 0; fn < 8; fn++) {
		char a[FH_ADDR_LEN];

		fmt_addr(a, 0, 4, fn);
		add(g, &(struct fh_dev){
			.addr = a, .type = FH_RCIEP, .vendor = 0x8086, .device = 0x2021,
			.class = 0x088000, .revision = 4, .multifunction = true,
			.caps = FH_PM | FH_MSIX, .msix_vectors = 1, .intx_pin = 1 + fn % 4,
			.driver = "ioatdma", .group = cbdma,
			.bars = { [0] = { 16 << 10, FH_BAR_64 } },
		});
	}
	stack_rciep(g, 0);

	int usb = new_group(g);

	add(g, &(struct fh_dev){
		.addr = "0000:00:14.0", .type = FH_RCIEP, .vendor = 0x8086, .device = 0xa1af,
		.class = 0x0c0330, .revision = 9, .multifunction = true,
		.caps = FH_PM | FH_MSI, .intx_pin = 1, .irq = 16, .driver = "xhci_hcd",
		.group = usb, .bars = { [0] = { 64 << 10, FH_BAR_64 } },
	});
	add(g, &(struct fh_dev){
		.addr = "0000:00:14.2", .type = FH_RCIEP, .vendor = 0x8086, .device = 0xa1b1,
		.class = 0x118000, .revision = 9, .caps = FH_PM | FH_MSI, .intx_pin = 3,
		.driver = "intel_pch_thermal", .group = usb, .bars = { [0] = { 4096, FH_BAR_64 } },
	});
	/* USB controllers carry an RMRR: firmware keeps DMAing to it */
	int r = fh_group_reserved(g->h, usb & ~FH_GROUP_SET,
				  "0x000000006f1c1000 0x000000006f1cffff direct-relaxable\n");

	if (r < 0)
		die("reserved regions", NULL, r);

	add(g, &(struct fh_dev){
		.addr = "0000:00:16.0", .type = FH_RCIEP, .vendor = 0x8086, .device = 0xa1ba,
		.class = 0x078000, .revision = 9, .caps = FH_PM | FH_MSI, .intx_pin = 1,
		.driver = "mei_me", .group = new_group(g), .bars = { [0] = { 4096, FH_BAR_64 } },
	});
	add(g, &(struct fh_dev){
		.addr = "0000:00:17.0", .type = FH_RCIEP, .vendor = 0x8086, .device = 0xa182,
		.class = 0x010601, .revision = 9, .caps = FH_PM | FH_MSI, .intx_pin = 1, .irq = 33,
		.driver = "ahci", .group = new_group(g),
		.bars = { [0] = { 8 << 10 }, [1] = { 256 }, [2] = { 8, FH_BAR_IO },
			  [3] = { 4, FH_BAR_IO }, [4] = { 32, FH_BAR_IO }, [5] = { 2048 } },
	});

	/* PCH root port -> ASPEED BMC bridge -> conventional VGA (and an old NIC) */
	int bmc = new_group(g);

	add(g, &(struct fh_dev){
		.addr = "0000:00:1c.0", .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0xa190,
		.revision = 0xf9, .multifunction = true, .caps = FH_PM | FH_MSI | FH_ACS,
		.acs_cap = 0x0003, .acs_ctrl = 0x0001, .driver = "pcieport", .group = new_group(g),
	});
	add(g, &(struct fh_dev){
		.addr = "0000:01:00.0", .parent = "0000:00:1c.0", .type = FH_PCIE_TO_PCI,
		.vendor = 0x1a03, .device = 0x1150, .revision = 4, .caps = FH_PM | FH_MSI,
		.group = bmc,
	});
	add(g, &(struct fh_dev){
		.addr = "0000:02:00.0", .parent = "0000:01:00.0", .type = FH_PCI,
		.vendor = 0x1a03, .device = 0x2000, .subvendor = 0x15d9, .subdevice = 0x1b95,
		.class = 0x030000, .revision = 0x41, .caps = FH_PM | FH_MSI, .intx_pin = 1, .irq = 16,
		.driver = "ast", .group = bmc, .boot_vga = FH_YES,
		.bars = { [0] = { 16 << 20 }, [1] = { 128 << 10 }, [2] = { 128, FH_BAR_IO } },
	});
	add(g, &(struct fh_dev){
		.addr = "0000:02:01.0", .parent = "0000:01:00.0", .type = FH_PCI,
		.vendor = 0x8086, .device = 0x100e, .class = 0x020000, .revision = 2,
		.intx_pin = 1, .irq = 17, .driver = "e1000", .group = bmc,
		.bars = { [0] = { 128 << 10 }, [1] = { 64, FH_BAR_IO } }, .rom_size = 128 << 10,
	});
	add(g, &(struct fh_dev){
		.addr = "0000:00:1c.4", .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0xa194,
		.revision = 0xf9, .caps = FH_PM | FH_MSI | FH_ACS, .acs_cap = 0x0003,
		.acs_ctrl = 0x0001, .driver = "pcieport", .group = new_group(g),
	});
	add(g, &(struct fh_dev){
		.addr = "0000:03:00.0", .parent = "0000:00:1c.4", .vendor = 0x8086, .device = 0x1533,
		.subvendor = 0x15d9, .subdevice = 0x1533, .class = 0x020000, .revision = 3,
		.caps = FH_PM | FH_MSI | FH_MSIX | FH_FLR | FH_AER, .msix_vectors = 5,
		.intx_pin = 1, .irq = 17, .driver = "igb", .group = new_group(g),
		.reset_method = "flr bus", .reset = true,
		.bars = { [0] = { 1 << 20 }, [2] = { 32, FH_BAR_IO }, [3] = { 16 << 10 } },
	});

	/* ICH-style 00:1f.x: one multifunction device, no ACS, one group */
	static const struct {
		unsigned fn;
		uint16_t device;
		uint32_t class;
		const char *driver;
	} lpc[] = {
		{ 0, 0xa1c2, 0x060100, "lpc_ich" },
		{ 2, 0xa1a1, 0x058000, NULL },
		{ 4, 0xa1a3, 0x0c0500, "i801_smbus" },
		{ 5, 0xa1a4, 0x0c8000, "intel-spi" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(lpc); i++) {
		char a[FH_ADDR_LEN];

		fmt_addr(a, 0, 0x1f, lpc[i].fn);
		add(g, &(struct fh_dev){
			.addr = a, .type = FH_RCIEP, .vendor = 0x8086, .device = lpc[i].device,
			.class = lpc[i].class, .revision = 9, .multifunction = true,
			.driver = lpc[i].driver, .group = pch,
			.bars = { [0] = { lpc[i].fn == 4 ? 256 : 4096, lpc[i].fn == 4 ? FH_BAR_64 : 0 } },
		});
	}
}

static void storage(struct gen *g, unsigned root_bus, unsigned ndisks)
{
	char rp[FH_ADDR_LEN];

	fmt_addr(rp, root_bus, 0, 0);
	root_port(g, rp);
	stack_rciep(g, root_bus);
	switch_with(g, rp, root_bus + 1, ndisks, nvme);
}

static void gpus(struct gen *g, unsigned root_bus)
{
	for (unsigned i = 0; i < 2; i++) {
		char rp[FH_ADDR_LEN];

		fmt_addr(rp, root_bus, 2 * i, 0);
		root_port(g, rp);
		switch_with(g, rp, root_bus + 1 + 7 * i, 4, gpu);
	}
	stack_rciep(g, root_bus);
}

static void connectx(struct gen *g, unsigned root_bus)
{
	for (unsigned i = 0; i < 2; i++) {
		char rp[FH_ADDR_LEN];
		int grp;

		fmt_addr(rp, root_bus, i, 0);
		root_port(g, rp);
		/* no ACS on the card: both ports share a group */
		grp = new_group(g);
		for (unsigned fn = 0; fn < 2; fn++) {
			char a[FH_ADDR_LEN];

			fmt_addr(a, root_bus + 1 + i, 0, fn);
			add(g, &(struct fh_dev){
				.addr = a, .parent = rp, .vendor = 0x15b3, .device = 0x1017,
				.subvendor = 0x15b3, .subdevice = 0x0007, .class = 0x020000,
				.multifunction = true, .caps = FH_PM | FH_MSIX | FH_FLR | FH_AER,
				.msix_vectors = 64, .driver = "mlx5_core", .group = grp,
				.reset_method = "flr bus", .reset = true,
				.bars = { [0] = { 32 << 20, FH_BAR_64 | FH_BAR_PREF } },
				.rom_size = 1 << 20,
			});
		}
	}
	stack_rciep(g, root_bus);
}

/* Uncore: CHA/IMC/UPI functions, eight to a slot, one group per slot. */
static void uncore(struct gen *g, unsigned count)
{
	unsigned bus = 0xff, dev = 8, fn = 0;
	int grp = 0;

	for (unsigned i = 0; i < count; i++) {
		char a[FH_ADDR_LEN];

		if (fn == 0)
			grp = new_group(g);
		fmt_addr(a, bus, dev, fn);
		add(g, &(struct fh_dev){
			.addr = a, .type = FH_PCI, .vendor = 0x8086, .device = 0x2040 + (dev & 0xf) * 8 + fn,
			.class = 0x088000, .revision = 4, .multifunction = true, .group = grp,
			.driver = dev == 0x0a ? "skx_uncore" : NULL,
		});
		if (++fn == 8) {
			fn = 0;
			if (++dev == 0x20) {
				dev = 8;
				bus--;
			}
		}
	}
}

/*
 * A virtualisation host's process table: services with a few open files
 * and two QEMUs holding VFIO groups, so a survey that looks for VFIO users
 * pays what it would pay on a real host.
 */
static void processes(struct gen *g)
{
	static const char *const comm[] = {
		"systemd-journal", "libvirtd", "sshd", "chronyd", "rsyslogd", "bash", "virtlogd",
	};
	static const char *const files[] = {
		"socket:[48213]", "/var/log/journal/system.journal", "anon_inode:[eventfd]",
		"pipe:[50311]", NULL,
	};
	char grp[2][32];
	const char *qemu[2][4];
	int r;

	for (unsigned i = 0; i < 300; i++) {
		r = fh_process(g->h, 900 + 7 * i, comm[i % ARRAY_SIZE(comm)], files + i % 4);
		if (r < 0)
			die("process", NULL, r);
	}
	for (unsigned i = 0; i < 2 && i < g->n_vfio_groups; i++) {
		snprintf(grp[i], sizeof(grp[i]), "/dev/vfio/%d", g->vfio_groups[i]);
		qemu[i][0] = "/dev/vfio/vfio";
		qemu[i][1] = grp[i];
		qemu[i][2] = "anon_inode:kvm-vm";
		qemu[i][3] = NULL;
		r = fh_process(g->h, 4711 + i, "qemu-system-x86", qemu[i]);
		if (r < 0)
			die("process", NULL, r);
	}
}

static void host_use(struct gen *g)
{
	struct fh_host *h = g->h;
	int r;

	if ((r = fh_cmdline(h, "BOOT_IMAGE=/vmlinuz-6.8.0-45-generic root=/dev/sda2 ro "
			       "intel_iommu=on iommu=pt quiet")) < 0 ||
	    (r = fh_osrelease(h, "6.8.0-45-generic")) < 0 ||
	    /* two 20-core Xeons with hyperthreading */
	    (r = fh_cpuinfo(h, "GenuineIntel", 80)) < 0 ||
	    (r = fh_module_param(h, "vfio_iommu_type1", "allow_unsafe_interrupts", "N")) < 0 ||
	    /* root and ESP on the SATA controller */
	    (r = fh_block(h, "sda", "0000:00:17.0", NULL, "8:0", "ata1/host0/target0:0:0/0:0:0:0/block")) < 0 ||
	    (r = fh_block(h, "sda1", NULL, "sda", "8:1", NULL)) < 0 ||
	    (r = fh_block(h, "sda2", NULL, "sda", "8:2", NULL)) < 0 ||
	    (r = fh_mount(h, "8:2", "/", "ext4", "/dev/sda2")) < 0 ||
	    (r = fh_mount(h, "8:1", "/boot/efi", "vfat", "/dev/sda1")) < 0 ||
	    /* LVM for guest images and swap on the first NVMe */
	    (r = fh_block(h, "nvme0n1", "0000:43:00.0", NULL, "259:0", "nvme/nvme0")) < 0 ||
	    (r = fh_block(h, "nvme0n1p1", NULL, "nvme0n1", "259:1", NULL)) < 0 ||
	    (r = fh_block(h, "nvme0n1p2", NULL, "nvme0n1", "259:2", NULL)) < 0 ||
	    (r = fh_holder(h, "nvme0n1p1", "dm-0")) < 0 ||
	    (r = fh_mount(h, "253:0", "/var/lib/libvirt/images", "xfs", "/dev/mapper/vg0-images")) < 0 ||
	    (r = fh_swap(h, "/dev/nvme0n1p2")) < 0 ||
	    (r = fh_block(h, "nvme1n1", "0000:44:00.0", NULL, "259:3", "nvme/nvme1")) < 0 ||
	    /* management NIC with the default route; one E810 port carries traffic too */
	    (r = fh_net(h, "eno1", "0000:03:00.0", IFF_UP | IFF_BROADCAST | IFF_MULTICAST | IFF_RUNNING, "up")) < 0 ||
	    (r = fh_route4(h, "eno1", "00000000", "0101A8C0", "00000000")) < 0 ||
	    (r = fh_route4(h, "eno1", "0001A8C0", NULL, "00FFFFFF")) < 0 ||
	    (r = fh_addr6(h, "eno1", "fe80000000000000021e67fffe000001", 64, 0x20)) < 0 ||
	    (r = fh_route6(h, "eno1", "fe800000000000000000000000000000", 64, NULL)) < 0 ||
	    (r = fh_net(h, "ens1f0", "0000:11:00.0", IFF_UP | IFF_BROADCAST | IFF_MULTICAST | IFF_RUNNING, "up")) < 0 ||
	    (r = fh_net(h, "ens1f1", "0000:11:00.1", IFF_BROADCAST | IFF_MULTICAST, "down")) < 0 ||
	    (r = fh_net(h, "eno2", "0000:02:01.0", IFF_BROADCAST | IFF_MULTICAST, "down")) < 0 ||
	    /* the BMC's VGA is the console */
	    (r = fh_fb(h, "fb0", "0000:02:00.0", "astdrmfb")) < 0 ||
	    (r = fh_vtcon(h, "vtcon0", "(S) dummy device", 0)) < 0 ||
	    (r = fh_vtcon(h, "vtcon1", "(M) frame buffer device", 1)) < 0)
		die("host facts", NULL, r);
}

static int parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 65536)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct gen g = { 0 };
	unsigned target = 2300, cards, others, fixed;
	const char *dir = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--functions") == 0 && i + 1 < argc) {
			if (parse_uint(argv[++i], &target) < 0) {
				fprintf(stderr, "gen-tree: bad --functions %s\n", argv[i]);
				return EXIT_FAILURE;
			}
		} else if (argv[i][0] != '-' && !dir) {
			dir = argv[i];
		} else {
			fprintf(stderr, "usage: gen-tree DIR [--functions N]\n");
			return EXIT_FAILURE;
		}
	}
	if (!dir) {
		fprintf(stderr, "usage: gen-tree DIR [--functions N]\n");
		return EXIT_FAILURE;
	}

	/*
	 * Functions besides NIC cards and uncore: legacy 26, storage
	 * 3+1+1+24+24 and 3+1+1+8+8, GPUs 2+2+8+16+3, ConnectX 2+4+3.
	 * Each card is a root port, three stack RCiEPs, two PFs, 512 VFs.
	 */
	others = 26 + 53 + 21 + 31 + 9;
	cards = target > 300 + 4 * 512 ? (target - 300) / 512 : 4;
	if (cards > 7)
		cards = 7;	/* the bus plan below has room for seven */
	fixed = others + cards * (6 + 2 * VFS_PER_PF);
	/* a tree smaller than the fixed part: enable fewer VFs on card 0 */
	unsigned last_num = VFS_PER_PF;

	if (target < fixed) {
		if (fixed - target > VFS_PER_PF) {
			fprintf(stderr, "gen-tree: --functions must be at least %u\n",
				fixed - VFS_PER_PF);
			return EXIT_FAILURE;
		}
		last_num = VFS_PER_PF - (fixed - target);
		fixed = target;
	}

	g.h = fh_new(dir);
	if (!g.h) {
		fprintf(stderr, "gen-tree: %s: %s\n", dir, strerror(errno));
		return EXIT_FAILURE;
	}
	int r = fh_iommu(g.h, "dmar0", 0xf050da);	/* bit 3: interrupt remapping */

	if (r < 0)
		die("iommu", NULL, r);

	legacy(&g);
	for (unsigned c = 0; c < cards; c++)
		nic_card(&g, 0x10 + 4 * c, c, last_num);
	storage(&g, 0x40, 24);
	storage(&g, 0x60, 8);
	gpus(&g, 0x70);
	connectx(&g, 0x80);
	uncore(&g, target - fixed);
	host_use(&g);
	processes(&g);

	if (g.functions != target) {
		fprintf(stderr, "gen-tree: made %u functions, wanted %u\n", g.functions, target);
		fh_free(g.h);
		return EXIT_FAILURE;
	}
	printf("%s: %u functions, %d iommu groups\n", dir, g.functions, g.next_group);
	fh_free(g.h);
	return EXIT_SUCCESS;
}
