/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the host uses on each device (hostuse.h): the one check whose
 * mistake loses the host its root disk or its network.  Each source
 * (mounts, swap, holders, interfaces, console, 9p) is shown attached to the
 * right function, with the right criticality, and not attached when the
 * host is not using it.
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

#include "helpers.h"
#include "hostuse.h"

#define NVME1  "0000:02:00.0"
#define AHCI   "0000:00:17.0"
#define XHCI   "0000:00:14.0"
#define VIRTIO "0000:00:05.0"

static void add_nvme_at(struct fx *f, const char *addr, const char *parent, int group)
{
	struct fh_dev e = good_ep();

	e.addr = addr;
	e.parent = parent;
	e.group = FH_GROUP(group);
	e.class = 0x010802;
	e.vendor = 0x144d;
	e.device = 0xa808;
	e.driver = "nvme";
	add_dev(f, &e);
}

/* nvme0n1 with partitions p1..p3 on the standard endpoint */
static void add_nvme(struct fx *f)
{
	base(f);
	add_nvme_at(f, EP, RP, 2);
	MUST(fh_block(f->fh, "nvme0n1", EP, NULL, "259:0", "nvme/nvme0"));
	MUST(fh_block(f->fh, "nvme0n1p1", EP, "nvme0n1", "259:1", NULL));
	MUST(fh_block(f->fh, "nvme0n1p2", EP, "nvme0n1", "259:2", NULL));
	MUST(fh_block(f->fh, "nvme0n1p3", EP, "nvme0n1", "259:3", NULL));
}

static const struct dda_use *find_use(const struct dda_device *d, const char *what)
{
	for (size_t i = 0; i < d->nuses; i++)
		if (strstr(d->uses[i].what, what))
			return &d->uses[i];
	return NULL;
}

static void dump_uses(const struct dda_device *d)
{
	fprintf(stderr, "uses of %s (%zu):\n", d->name, d->nuses);
	for (size_t i = 0; i < d->nuses; i++)
		fprintf(stderr, "  kind %d%s: %s\n", d->uses[i].kind, d->uses[i].critical ? " critical" : "",
			d->uses[i].what);
}

static const struct dda_use *expect_use(const struct dda_device *d, enum dda_use_kind kind, bool critical,
					const char *what)
{
	const struct dda_use *u = find_use(d, what);

	if (!u) {
		dump_uses(d);
		fail_msg("%s has no use \"%s\"", d->name, what);
	}
	if (u->kind != kind || u->critical != critical) {
		dump_uses(d);
		fail_msg("%s: use \"%s\" is kind %d%s, expected kind %d%s", d->name, u->what, u->kind,
			 u->critical ? " critical" : "", kind, critical ? " critical" : "");
	}
	return u;
}

static void expect_unused(const struct dda_device *d)
{
	if (d->nuses) {
		dump_uses(d);
		fail_msg("%s should not be in use", d->name);
	}
}

/* ---------------------------------------------------------------- block */

static void test_mount_partition(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	MUST(fh_mount(f->fh, "259:1", "/srv", "xfs", "/dev/nvme0n1p1"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_MOUNT, false, "nvme0n1p1 is mounted on /srv");
	assert_int_equal(dev(f, EP)->nuses, 1);
	/* the root port above it is not the one in use */
	expect_unused(dev(f, RP));
}

static void test_mount_whole_disk(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	MUST(fh_mount(f->fh, "259:0", "/scratch", "ext4", "/dev/nvme0n1"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_MOUNT, false, "nvme0n1 is mounted on /scratch");
}

/* The host's own system may never be taken, even with --force. */
static void test_critical_mounts(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *point;
		bool critical;
	} points[] = {
		{ "/", true },		 { "/boot", true },  { "/boot/efi", true },
		{ "/usr", true },	 { "/var", true },   { "/etc", true },
		{ "/srv", false },	 { "/home", false }, { "/var/lib/libvirt", false },
		{ "/bootstrap", false }, { "/usr2", false },
	};
	char name[32], majmin[16], what[64];

	base(f);
	add_nvme_at(f, EP, RP, 2);
	MUST(fh_block(f->fh, "nvme0n1", EP, NULL, "259:0", "nvme/nvme0"));
	for (size_t i = 0; i < ARRAY_SIZE(points); i++) {
		snprintf(name, sizeof(name), "nvme0n1p%zu", i + 1);
		snprintf(majmin, sizeof(majmin), "259:%zu", i + 1);
		MUST(fh_block(f->fh, name, EP, "nvme0n1", majmin, NULL));
		MUST(fh_mount(f->fh, majmin, points[i].point, "ext4", name));
	}
	scan_only(f);
	assert_int_equal(dev(f, EP)->nuses, ARRAY_SIZE(points));
	for (size_t i = 0; i < ARRAY_SIZE(points); i++) {
		const struct dda_use *u = NULL;

		/* "mounted on /usr" is a prefix of "mounted on /usr2": match exactly */
		snprintf(what, sizeof(what), "nvme0n1p%zu is mounted on %s", i + 1, points[i].point);
		for (size_t k = 0; k < dev(f, EP)->nuses; k++)
			if (!strcmp(dev(f, EP)->uses[k].what, what))
				u = &dev(f, EP)->uses[k];
		if (!u) {
			dump_uses(dev(f, EP));
			fail_msg("no use \"%s\"", what);
		}
		if (u->critical != points[i].critical)
			fail_msg("%s: critical is %d, expected %d", points[i].point, u->critical, points[i].critical);
	}
}

static void test_mount_escaped_point(void **state)
{
	struct fx *f = *state;

	/* mountinfo writes blanks as \040 */
	add_nvme(f);
	MUST(fh_mount(f->fh, "259:1", "/mnt/my disk", "ext4", "/dev/nvme0n1p1"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_MOUNT, false, "nvme0n1p1 is mounted on /mnt/my disk");
}

static void test_mount_other_disk(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	/* a disk ddactl does not see (or a device with the same minor elsewhere) */
	MUST(fh_mount(f->fh, "8:1", "/", "ext4", "/dev/sda1"));
	MUST(fh_mount(f->fh, "259:10", "/data", "ext4", "/dev/nvme9n1p1"));
	scan_only(f);
	expect_unused(dev(f, EP));
}

static void test_mount_sata(void **state)
{
	struct fx *f = *state;

	/* SCSI disks sit below a "block" glue directory, far below the HBA */
	iommu_on(f);
	ADD(f, .addr = AHCI, .type = FH_RCIEP, .vendor = 0x8086, .device = 0xa352, .class = 0x010601,
	    .caps = FH_MSI | FH_PM, .driver = "ahci", .group = FH_GROUP(3), .bars = { [5] = { 2048 } });
	MUST(fh_block(f->fh, "sda", AHCI, NULL, "8:0", "ata1/host0/target0:0:0/0:0:0:0/block"));
	MUST(fh_block(f->fh, "sda1", AHCI, "sda", "8:1", NULL));
	MUST(fh_mount(f->fh, "8:1", "/", "ext4", "/dev/sda1"));
	scan_only(f);
	expect_use(dev(f, AHCI), DDA_USE_MOUNT, true, "sda1 is mounted on /");
}

static void test_mount_usb_storage(void **state)
{
	struct fx *f = *state;

	/* a USB stick belongs to its xHCI controller, not to a USB interface
	 * component that only looks like an address ("2-1:1.0") */
	iommu_on(f);
	ADD(f, .addr = XHCI, .type = FH_RCIEP, .vendor = 0x8086, .device = 0xa36d, .class = 0x0c0330,
	    .caps = FH_MSI | FH_PM, .driver = "xhci_hcd", .group = FH_GROUP(4),
	    .bars = { [0] = { 64 << 10, FH_BAR_64 } });
	MUST(fh_block(f->fh, "sdb", XHCI, NULL, "8:16", "usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block"));
	MUST(fh_block(f->fh, "sdb1", XHCI, "sdb", "8:17", NULL));
	MUST(fh_mount(f->fh, "8:17", "/media/stick", "vfat", "/dev/sdb1"));
	scan_only(f);
	expect_use(dev(f, XHCI), DDA_USE_MOUNT, false, "sdb1 is mounted on /media/stick");
}

/*
 * btrfs (Fedora's default root) shows anonymous device numbers in
 * mountinfo, "0:34", not the partition's 259:2; the source field names the
 * partition.  A root on btrfs must still count as in use, and critical.
 */
static void test_mount_btrfs_anonymous_dev(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	MUST(fh_mount(f->fh, "0:34", "/", "btrfs", "/dev/nvme0n1p2"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_MOUNT, true, "nvme0n1p2 is mounted on /");
}

static void test_swap(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	MUST(fh_swap(f->fh, "/dev/nvme0n1p3"));
	/* a swap file is on a file system; it names no block device */
	MUST(fh_swap(f->fh, "/swapfile"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_SWAP, false, "nvme0n1p3 is used as swap");
	assert_int_equal(dev(f, EP)->nuses, 1);
}

static void test_holder_unmounted(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	MUST(fh_holder(f->fh, "nvme0n1p2", "dm-0"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_HOLDER, false, "nvme0n1p2 is held by dm-0 (device-mapper/md/LVM)");
}

static void test_holder_mounted(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	MUST(fh_holder(f->fh, "nvme0n1p2", "dm-0"));
	MUST(fh_mount(f->fh, "253:0", "/home", "ext4", "/dev/mapper/vg-home"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_MOUNT, false, "nvme0n1p2 is held by dm-0, mounted on /home");
	/* the mount says it all: no extra "held by" line */
	assert_int_equal(dev(f, EP)->nuses, 1);
}

static void test_holder_stacked(void **state)
{
	struct fx *f = *state;

	/* LUKS on LVM: nvme0n1p2 -> dm-0 -> dm-1, root on dm-1 */
	add_nvme(f);
	MUST(fh_holder(f->fh, "nvme0n1p2", "dm-0"));
	MUST(fh_holder(f->fh, "dm-0", "dm-1"));
	MUST(fh_mount(f->fh, "253:1", "/", "ext4", "/dev/mapper/root"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_MOUNT, true, "nvme0n1p2 is held by dm-1, mounted on /");
}

/* An assembled stack with nothing mounted is one use of the disk, named
 * by its first holder: not one more for each level of the stack. */
static void test_holder_stacked_unmounted(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	MUST(fh_holder(f->fh, "nvme0n1p2", "dm-0"));
	MUST(fh_holder(f->fh, "dm-0", "dm-1"));
	MUST(fh_mount(f->fh, "8:1", "/", "ext4", "/dev/sda1"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_HOLDER, false, "nvme0n1p2 is held by dm-0 (device-mapper/md/LVM)");
	assert_int_equal(dev(f, EP)->nuses, 1);
}

/* A mount's device number is the truth; its source only counts for the
 * anonymous 0:N of btrfs and the like.  A stale source ("/dev/nvme0n1p1"
 * on another disk's 8:1) is not a use of the NVMe disk. */
static void test_mount_source_not_device(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	MUST(fh_mount(f->fh, "8:1", "/srv", "ext4", "/dev/nvme0n1p1"));
	scan_only(f);
	expect_unused(dev(f, EP));
}

static void test_holder_swap(void **state)
{
	struct fx *f = *state;

	/* LVM swap: /proc/swaps names the dm node */
	add_nvme(f);
	MUST(fh_holder(f->fh, "nvme0n1p3", "dm-2"));
	MUST(fh_swap(f->fh, "/dev/dm-2"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_SWAP, false, "nvme0n1p3 is held by dm-2, used as swap");
}

static void test_md_raid_two_controllers(void **state)
{
	struct fx *f = *state;

	/* RAID1 over two NVMe controllers: both hold the root */
	add_nvme(f);
	ADD(f, .addr = RP2, .type = FH_ROOT_PORT, .caps = FH_ACS, .acs_ctrl = ACS_FULL, .driver = "pcieport",
	    .group = FH_GROUP(3));
	add_nvme_at(f, NVME1, RP2, 4);
	MUST(fh_block(f->fh, "nvme1n1", NVME1, NULL, "259:8", "nvme/nvme1"));
	MUST(fh_block(f->fh, "nvme1n1p1", NVME1, "nvme1n1", "259:9", NULL));
	MUST(fh_holder(f->fh, "nvme0n1p1", "md0"));
	MUST(fh_holder(f->fh, "nvme1n1p1", "md0"));
	MUST(fh_mount(f->fh, "9:0", "/", "ext4", "/dev/md0"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_MOUNT, true, "nvme0n1p1 is held by md0, mounted on /");
	expect_use(dev(f, NVME1), DDA_USE_MOUNT, true, "nvme1n1p1 is held by md0, mounted on /");
}

static void test_unused_disk(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	scan_only(f);
	expect_unused(dev(f, EP));
}

/*
 * Native NVMe multipath: the namespace hangs under a virtual subsystem,
 * and the subsystem links to each controller.  fakehost has no
 * subsystems; the layout is made by hand as drivers/nvme/host/core.c does.
 */
static void add_nvme_subsystem(struct fx *f)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *sub = "sys/devices/virtual/nvme-subsystem/nvme-subsys0";

	base(f);
	add_nvme_at(f, EP, RP, 2);
	ADD(f, .addr = RP2, .type = FH_ROOT_PORT, .caps = FH_ACS, .acs_ctrl = ACS_FULL, .driver = "pcieport",
	    .group = FH_GROUP(3));
	add_nvme_at(f, NVME1, RP2, 4);

	tree_mkdir(f, "sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/nvme0n1p1/holders");
	tree_mkdir(f, "sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/holders");
	tree_mkdir(f, "sys/class/nvme-subsystem");
	put_file(f, "sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/dev", "259:0\n");
	put_file(f, "sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/nvme0n1p1/dev", "259:1\n");
	tree_path(f, path, sizeof(path), "sys/class/nvme-subsystem/nvme-subsys0");
	assert_int_equal(symlink("../../devices/virtual/nvme-subsystem/nvme-subsys0", path), 0);
	tree_path(f, path, sizeof(path), "sys/class/block/nvme0n1");
	assert_int_equal(symlink("../../devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1", path), 0);
	tree_path(f, path, sizeof(path), "sys/class/block/nvme0n1p1");
	assert_int_equal(symlink("../../devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/nvme0n1p1", path), 0);
	/* the controllers: <pci>/nvme/nvmeN, linked from the subsystem */
	for (int i = 0; i < 2; i++) {
		const char *pci = fh_dev_dir(f->fh, i ? NVME1 : EP);
		char rel[PATH_MAX];

		snprintf(rel, sizeof(rel), "%s/nvme/nvme%d", pci, i);
		tree_mkdir(f, rel);
		snprintf(path, sizeof(path), "%s/%s/nvme%d", fh_root(f->fh), sub, i);
		snprintf(target, sizeof(target), "../../../%s/nvme/nvme%d", pci + strlen("sys/devices/"), i);
		assert_int_equal(symlink(target, path), 0);
	}
}

static void test_nvme_multipath(void **state)
{
	struct fx *f = *state;

	add_nvme_subsystem(f);
	MUST(fh_mount(f->fh, "259:1", "/data", "xfs", "/dev/nvme0n1p1"));
	scan_only(f);
	/* both paths to the namespace carry its mount */
	expect_use(dev(f, EP), DDA_USE_MOUNT, false, "nvme0n1p1 is mounted on /data");
	expect_use(dev(f, NVME1), DDA_USE_MOUNT, false, "nvme0n1p1 is mounted on /data");
}

static void test_nvme_multipath_unused(void **state)
{
	struct fx *f = *state;

	add_nvme_subsystem(f);
	scan_only(f);
	expect_unused(dev(f, EP));
	expect_unused(dev(f, NVME1));
}

/* Appends a raw mountinfo line, for options fakehost does not write. */
static void mountinfo_line(struct fx *f, const char *line)
{
	char path[PATH_MAX];
	FILE *fp;

	tree_path(f, path, sizeof(path), "proc/self/mountinfo");
	fp = fopen(path, "a");
	assert_non_null(fp);
	fputs(line, fp);
	fclose(fp);
}

/* A live system's root: an overlay whose lower layer is a disk's mount. */
static void test_overlay_layer_critical(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	MUST(fh_mount(f->fh, "259:1", "/run/lower", "ext4", "/dev/nvme0n1p1"));
	mountinfo_line(f, "90 1 0:50 / / rw,relatime shared:40 - overlay overlay "
			  "rw,lowerdir=/run/lower,upperdir=/run/upper/data,workdir=/run/upper/work\n");
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_MOUNT, true, "nvme0n1p1 is mounted on /run/lower, a layer of the overlay on /");
}

/*
 * Layers are usually directories inside a mount (casper's upperdir=/cow/upper
 * on the persistence partition mounted at /cow), not the mount point itself.
 * The disk holding them backs the overlay's root all the same.
 */
static void test_overlay_layer_subdirectory(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	MUST(fh_mount(f->fh, "259:1", "/cow", "ext4", "/dev/nvme0n1p1"));
	mountinfo_line(f, "90 1 0:50 / / rw,relatime shared:40 - overlay overlay "
			  "rw,lowerdir=/rofs,upperdir=/cow/upper,workdir=/cow/work\n");
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_MOUNT, true, "nvme0n1p1 is mounted on /cow");
}

static void test_overlay_not_a_layer(void **state)
{
	struct fx *f = *state;

	/* a mount whose path only starts like a layer's is no layer */
	add_nvme(f);
	MUST(fh_mount(f->fh, "259:1", "/run/low", "ext4", "/dev/nvme0n1p1"));
	mountinfo_line(f, "90 1 0:50 / / rw,relatime shared:40 - overlay overlay "
			  "rw,lowerdir=/run/lower,upperdir=/run/upper/data,workdir=/run/upper/work\n");
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_MOUNT, false, "nvme0n1p1 is mounted on /run/low");
}

/* Docker's overlays have their layers on the root file system: "/" is
 * the root, not a layer of some container's overlay. */
static void test_overlay_layers_on_root(void **state)
{
	struct fx *f = *state;
	const struct dda_use *u;

	add_nvme(f);
	MUST(fh_mount(f->fh, "259:2", "/", "ext4", "/dev/nvme0n1p2"));
	mountinfo_line(f, "91 1 0:51 / /var/lib/docker/overlay2/abc/merged rw,relatime - overlay overlay "
			  "rw,lowerdir=/var/lib/docker/overlay2/l/X:/var/lib/docker/overlay2/l/Y,"
			  "upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/var/lib/docker/overlay2/abc/work\n");
	scan_only(f);
	u = expect_use(dev(f, EP), DDA_USE_MOUNT, true, "nvme0n1p2 is mounted on /");
	expect_lacks(u->what, "overlay");
}

/* mountinfo escapes as \ooo with a first digit 0-3; anything else is
 * the bytes it is. */
static void test_mountinfo_escapes(void **state)
{
	char text[] = "36 1 259:1 / /srv/a\\040b\\011c\\134d\\400e\\12 rw - ext4 /dev/nvme0n1p1 rw\n"
		      "bad line\n"
		      "37 36 0:40 / /srv/x rw shared:1 master:2 - tmpfs tmpfs rw\n";
	struct dda_mount *m = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(dda_mountinfo_parse(text, &m, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].point, "/srv/a b\tc\\d\\400e\\12");
	assert_string_equal(m[0].majmin, "259:1");
	assert_string_equal(m[0].fstype, "ext4");
	assert_string_equal(m[0].source, "/dev/nvme0n1p1");
	/* optional fields before the separator are skipped */
	assert_string_equal(m[1].fstype, "tmpfs");
	assert_string_equal(m[1].point, "/srv/x");
	dda_mounts_free(m, n);
}

/* A path is held by the longest mount point it lies under, and of two
 * mounts on one point by the later, which is on top: the state store asks
 * this of its directory (a 9p share over-mounted by tmpfs is local). */
static void test_mount_of(void **state)
{
	char text[] = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		      "2 1 0:30 / /var/lib rw - 9p share rw\n"
		      "3 2 0:31 / /var/lib rw - tmpfs tmpfs rw\n"
		      "4 1 0:32 / /var/li rw - nfs srv:/x rw\n";
	struct dda_mount *m = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(dda_mountinfo_parse(text, &m, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(dda_mount_of(m, n, "/var/lib/ddactl", 15)->fstype, "tmpfs");
	assert_string_equal(dda_mount_of(m, n, "/var/lib", 8)->fstype, "tmpfs");
	/* "/var/li" is not a directory above "/var/lib/x" */
	assert_string_equal(dda_mount_of(m, n, "/var/library", 12)->fstype, "ext4");
	assert_string_equal(dda_mount_of(m, n, "/etc", 4)->fstype, "ext4");
	assert_null(dda_mount_of(m, n, "relative", 8));
	dda_mounts_free(m, n);
}

/* ---------------------------------------------------------------- 9p */

static void add_virtio_9p(struct fx *f)
{
	iommu_on(f);
	ADD(f, .addr = VIRTIO, .type = FH_ENDPOINT, .vendor = 0x1af4, .device = 0x1049, .class = 0x000200,
	    .caps = FH_MSIX, .driver = "virtio-pci", .group = FH_GROUP(5),
	    .bars = { [4] = { 16 << 10, FH_BAR_64 | FH_BAR_PREF } });
	MUST(fh_virtio(f->fh, "virtio0", VIRTIO, "rootfs"));
}

static void test_9p_root(void **state)
{
	struct fx *f = *state;

	add_virtio_9p(f);
	MUST(fh_mount(f->fh, "0:30", "/", "9p", "rootfs"));
	scan_only(f);
	expect_use(dev(f, VIRTIO), DDA_USE_MOUNT, true, "9p file system 'rootfs' is mounted on /");
}

static void test_9p_other_tag(void **state)
{
	struct fx *f = *state;

	add_virtio_9p(f);
	MUST(fh_mount(f->fh, "0:30", "/", "9p", "othertag"));
	scan_only(f);
	expect_unused(dev(f, VIRTIO));
}

/* ---------------------------------------------------------------- virtiofs */

#define VIRTIO2 "0000:00:06.0"

/* A symlink of the tree to a root-relative path, made relative the way
 * sysfs links are. */
static void tree_link(struct fx *f, const char *rel_target, const char *rel_link)
{
	char link[PATH_MAX], target[PATH_MAX] = "";
	size_t off = 0;

	for (const char *p = strchr(rel_link, '/'); p; p = strchr(p + 1, '/'))
		off += (size_t)snprintf(target + off, sizeof(target) - off, "../");
	snprintf(target + off, sizeof(target) - off, "%s", rel_target);
	tree_path(f, link, sizeof(link), rel_link);
	if (symlink(target, link) < 0)
		fail_msg("symlink %s -> %s: %s", link, target, strerror(errno));
}

/* A virtio-fs device (virtio id 26) on a virtio PCI function; tag NULL =
 * a kernel before 6.9, which has no /sys/fs/virtiofs. */
static void add_virtiofs(struct fx *f, const char *pci, const char *vname, unsigned n, const char *tag)
{
	char rel[PATH_MAX], dir[PATH_MAX], line[256];

	ADD(f, .addr = pci, .type = FH_ENDPOINT, .vendor = 0x1af4, .device = 0x105a, .class = 0x018000, .caps = FH_MSIX,
	    .driver = "virtio-pci", .group = FH_GROUP(5 + (int)n),
	    .bars = { [4] = { 16 << 10, FH_BAR_64 | FH_BAR_PREF } });
	MUST(fh_virtio(f->fh, vname, pci, NULL));
	snprintf(dir, sizeof(dir), "%s/%s", fh_dev_dir(f->fh, pci), vname);
	test_pathf(rel, sizeof(rel), "%s/device", dir);
	put_file(f, rel, "0x001a\n");
	if (!tag)
		return;
	snprintf(rel, sizeof(rel), "sys/fs/virtiofs/%u", n);
	tree_mkdir(f, rel);
	snprintf(rel, sizeof(rel), "sys/fs/virtiofs/%u/tag", n);
	snprintf(line, sizeof(line), "%s\n", tag);
	put_file(f, rel, line);
	snprintf(rel, sizeof(rel), "sys/fs/virtiofs/%u/device", n);
	tree_link(f, dir, rel);
}

static void test_virtiofs_root(void **state)
{
	struct fx *f = *state;

	iommu_on(f);
	add_virtiofs(f, VIRTIO, "virtio0", 0, "rootfs");
	add_virtiofs(f, VIRTIO2, "virtio1", 1, "shared");
	MUST(fh_mount(f->fh, "0:30", "/", "virtiofs", "rootfs"));
	MUST(fh_mount(f->fh, "0:31", "/srv/shared", "virtiofs", "shared"));
	scan_only(f);
	expect_use(dev(f, VIRTIO), DDA_USE_MOUNT, true, "virtiofs file system 'rootfs' is mounted on /");
	assert_int_equal(dev(f, VIRTIO)->nuses, 1);
	expect_use(dev(f, VIRTIO2), DDA_USE_MOUNT, false, "virtiofs file system 'shared' is mounted on /srv/shared");
	assert_int_equal(dev(f, VIRTIO2)->nuses, 1);
}

static void test_virtiofs_other_tag(void **state)
{
	struct fx *f = *state;

	iommu_on(f);
	add_virtiofs(f, VIRTIO, "virtio0", 0, "rootfs");
	/* a 9p mount with the same tag is another device's */
	MUST(fh_mount(f->fh, "0:30", "/", "virtiofs", "othertag"));
	MUST(fh_mount(f->fh, "0:31", "/mnt", "9p", "rootfs"));
	scan_only(f);
	expect_unused(dev(f, VIRTIO));
}

/* Without /sys/fs/virtiofs every virtio-fs function may hold the root:
 * both are kept from being taken, and the message says why. */
static void test_virtiofs_untagged_kernel(void **state)
{
	struct fx *f = *state;

	iommu_on(f);
	add_virtiofs(f, VIRTIO, "virtio0", 0, NULL);
	add_virtiofs(f, VIRTIO2, "virtio1", 1, NULL);
	ADD(f, .addr = "0000:00:07.0", .type = FH_ENDPOINT, .vendor = 0x1af4, .device = 0x1042, .class = 0x010000,
	    .caps = FH_MSIX, .driver = "virtio-pci", .group = FH_GROUP(9),
	    .bars = { [4] = { 16 << 10, FH_BAR_64 | FH_BAR_PREF } });
	MUST(fh_virtio(f->fh, "virtio2", "0000:00:07.0", NULL));
	MUST(fh_mount(f->fh, "0:30", "/", "virtiofs", "rootfs"));
	scan_only(f);
	expect_use(dev(f, VIRTIO), DDA_USE_MOUNT, true, "does not tell which virtio-fs device");
	expect_use(dev(f, VIRTIO2), DDA_USE_MOUNT, true, "virtiofs file system 'rootfs' is mounted on /");
	/* a virtio block device is no virtio-fs device */
	expect_unused(dev(f, "0000:00:07.0"));
}

static void test_virtiofs_unmounted(void **state)
{
	struct fx *f = *state;

	iommu_on(f);
	add_virtiofs(f, VIRTIO, "virtio0", 0, "rootfs");
	add_virtiofs(f, VIRTIO2, "virtio1", 1, NULL);
	MUST(fh_mount(f->fh, "8:1", "/", "ext4", "/dev/sda1"));
	scan_only(f);
	expect_unused(dev(f, VIRTIO));
	expect_unused(dev(f, VIRTIO2));
}

/* ---------------------------------------------------------------- network */

#define UPFLAGS (IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST)

static void add_nic(struct fx *f, unsigned flags)
{
	struct fh_dev e = good_ep();

	base(f);
	add_dev(f, &e);
	MUST(fh_net(f->fh, "eth0", EP, flags, flags & IFF_UP ? "up" : "down"));
}

static void test_net_route4(void **state)
{
	struct fx *f = *state;

	add_nic(f, UPFLAGS);
	MUST(fh_route4(f->fh, "eth0", "0001A8C0", NULL, "00FFFFFF"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_NET, false, "eth0 is up with a route");
	assert_int_equal(dev(f, EP)->nuses, 1);
}

static void test_net_route6(void **state)
{
	struct fx *f = *state;

	add_nic(f, UPFLAGS);
	MUST(fh_route6(f->fh, "eth0", "20010db8000000000000000000000000", 64, NULL));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_NET, false, "eth0 is up with a route");
}

static void test_net_address_and_route(void **state)
{
	struct fx *f = *state;

	add_nic(f, UPFLAGS);
	MUST(fh_addr6(f->fh, "eth0", "20010db8000000000000000000000010", 64, 0));
	MUST(fh_route6(f->fh, "eth0", "20010db8000000000000000000000000", 64, NULL));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_NET, false, "eth0 is up with an address and a route");
}

static void test_net_link_local_only(void **state)
{
	struct fx *f = *state;

	/* every up interface has these: they are no sign of use */
	add_nic(f, UPFLAGS);
	MUST(fh_addr6(f->fh, "eth0", "fe80000000000000505400fffe010002", 64, 0x20));
	MUST(fh_route6(f->fh, "eth0", "fe800000000000000000000000000000", 64, NULL));
	MUST(fh_route6(f->fh, "eth0", "ff000000000000000000000000000000", 8, NULL));
	scan_only(f);
	expect_unused(dev(f, EP));
}

static void test_net_down(void **state)
{
	struct fx *f = *state;

	add_nic(f, IFF_BROADCAST | IFF_MULTICAST);
	MUST(fh_addr6(f->fh, "eth0", "20010db8000000000000000000000010", 64, 0));
	MUST(fh_route4(f->fh, "eth0", "0001A8C0", NULL, "00FFFFFF"));
	scan_only(f);
	expect_unused(dev(f, EP));
}

static void test_net_other_interface(void **state)
{
	struct fx *f = *state;

	/* a route on another interface is not this one's */
	add_nic(f, UPFLAGS);
	MUST(fh_route4(f->fh, "eth00", "0001A8C0", NULL, "00FFFFFF"));
	MUST(fh_route4(f->fh, "eth", "0002A8C0", NULL, "00FFFFFF"));
	scan_only(f);
	expect_unused(dev(f, EP));
}

static void test_net_bond_port(void **state)
{
	struct fx *f = *state;

	add_nic(f, UPFLAGS | IFF_SLAVE);
	MUST(fh_net_master(f->fh, "eth0", "bond0", UPFLAGS | IFF_MASTER));
	MUST(fh_route4(f->fh, "bond0", "00000000", "0101A8C0", "00000000"));
	scan_only(f);
	expect_use(dev(f, EP), DDA_USE_NET, false, "eth0 carries bond0, which is up with an address or a route");
}

/* A host-scope address (scope 0x10) is no sign of use, like link-local. */
static void test_net_host_scope_only(void **state)
{
	struct fx *f = *state;

	add_nic(f, UPFLAGS);
	MUST(fh_addr6(f->fh, "eth0", "00000000000000000000000000000001", 128, 0x10));
	scan_only(f);
	expect_unused(dev(f, EP));
}

/* A bond that is down carries nothing, whatever is configured on it. */
static void test_net_bond_master_down(void **state)
{
	struct fx *f = *state;

	add_nic(f, UPFLAGS | IFF_SLAVE);
	MUST(fh_net_master(f->fh, "eth0", "bond0", IFF_BROADCAST | IFF_MULTICAST | IFF_MASTER));
	MUST(fh_route4(f->fh, "bond0", "00000000", "0101A8C0", "00000000"));
	scan_only(f);
	expect_unused(dev(f, EP));
}

static void test_net_bridge_port_idle(void **state)
{
	struct fx *f = *state;

	/* a port of a bridge that is up but has nothing configured */
	add_nic(f, UPFLAGS);
	MUST(fh_net_master(f->fh, "eth0", "br0", UPFLAGS));
	scan_only(f);
	expect_unused(dev(f, EP));
}

/* ---------------------------------------------------------------- console */

#define GPU "0000:00:02.0"

static void add_gpu(struct fx *f, enum fh_tristate boot_vga)
{
	iommu_on(f);
	ADD(f, .addr = GPU, .type = FH_RCIEP, .vendor = 0x8086, .device = 0x3e92, .class = 0x030000,
	    .caps = FH_PM | FH_MSI, .boot_vga = boot_vga, .driver = "i915", .group = FH_GROUP(5),
	    .bars = { [0] = { 16 << 20, FH_BAR_64 } });
}

static void test_console_driver_fb(void **state)
{
	struct fx *f = *state;

	add_gpu(f, FH_NO);
	MUST(fh_fb(f->fh, "fb0", GPU, "i915drmfb"));
	scan_only(f);
	/* without fbcon the framebuffer is still the GPU's, and in use */
	expect_use(dev(f, GPU), DDA_USE_CONSOLE, false, "framebuffer fb0 is on it");
	expect_lacks(dev(f, GPU)->uses[0].what, "text console");
}

static void test_console_boot_vga_once(void **state)
{
	struct fx *f = *state;

	/* the GPU's own fb and the boot VGA rule name the same thing once */
	add_gpu(f, FH_YES);
	MUST(fh_fb(f->fh, "fb0", GPU, "i915drmfb"));
	MUST(fh_vtcon(f->fh, "vtcon1", "(M) frame buffer device", 1));
	scan_only(f);
	expect_use(dev(f, GPU), DDA_USE_CONSOLE, false, "framebuffer fb0 with the text console is on it");
	assert_int_equal(dev(f, GPU)->nuses, 1);
}

static void test_console_firmware_fb(void **state)
{
	struct fx *f = *state;

	add_gpu(f, FH_YES);
	MUST(fh_fb(f->fh, "fb0", NULL, "simple"));
	MUST(fh_vtcon(f->fh, "vtcon1", "(M) frame buffer device", 1));
	scan_only(f);
	expect_use(dev(f, GPU), DDA_USE_CONSOLE, false, "boot VGA device with the console on the firmware framebuffer");
}

static void test_console_fbcon_unbound(void **state)
{
	struct fx *f = *state;

	add_gpu(f, FH_YES);
	MUST(fh_fb(f->fh, "fb0", NULL, "simple"));
	MUST(fh_vtcon(f->fh, "vtcon1", "(M) frame buffer device", 0));
	scan_only(f);
	expect_unused(dev(f, GPU));
}

static void test_console_no_fb(void **state)
{
	struct fx *f = *state;

	/* fbcon bound but no framebuffer at all: nothing is on the GPU */
	add_gpu(f, FH_YES);
	MUST(fh_vtcon(f->fh, "vtcon1", "(M) frame buffer device", 1));
	scan_only(f);
	expect_unused(dev(f, GPU));
}

/* ---------------------------------------------------------------- DRM */

#define GPU2 "0000:00:03.0"

/* sys/class/drm/NODE -> the node's directory under the GPU, as drm_sysfs
 * makes it; a connector (card0-HDMI-A-1) sits inside its card. */
static void add_drm(struct fx *f, const char *pci, const char *in_card, const char *node)
{
	char rel[PATH_MAX], link[PATH_MAX];

	if (in_card)
		snprintf(rel, sizeof(rel), "%s/drm/%s/%s", fh_dev_dir(f->fh, pci), in_card, node);
	else
		snprintf(rel, sizeof(rel), "%s/drm/%s", fh_dev_dir(f->fh, pci), node);
	tree_mkdir(f, rel);
	tree_mkdir(f, "sys/class/drm");
	snprintf(link, sizeof(link), "sys/class/drm/%s", node);
	tree_link(f, rel, link);
}

static void add_two_gpus(struct fx *f)
{
	add_gpu(f, FH_NO);
	ADD(f, .addr = GPU2, .type = FH_RCIEP, .vendor = 0x8086, .device = 0x56a0, .class = 0x038000,
	    .caps = FH_PM | FH_MSI, .driver = "xe", .group = FH_GROUP(6), .bars = { [0] = { 16 << 20, FH_BAR_64 } });
	add_drm(f, GPU, NULL, "card0");
	add_drm(f, GPU, "card0", "card0-HDMI-A-1");
	add_drm(f, GPU, NULL, "renderD128");
	add_drm(f, GPU2, NULL, "card1");
	add_drm(f, GPU2, NULL, "renderD129");
}

/* A compositor on the card node, a compute job on the render node: each
 * is a use of the GPU whose node it holds, and of no other. */
static void test_drm_open_nodes(void **state)
{
	static const char *const xorg[] = { "/dev/tty7", "/dev/dri/card0", NULL };
	static const char *const job[] = { "/dev/dri/renderD128", "/srv/model.bin", NULL };
	struct fx *f = *state;

	add_two_gpus(f);
	MUST(fh_process(f->fh, 1234, "Xorg", xorg));
	MUST(fh_process(f->fh, 4321, "llama-server", job));
	scan_only(f);
	expect_use(dev(f, GPU), DDA_USE_CONSOLE, false, "process 1234 (Xorg) has /dev/dri/card0 open");
	expect_use(dev(f, GPU), DDA_USE_CONSOLE, false, "process 4321 (llama-server) has /dev/dri/renderD128 open");
	assert_int_equal(dev(f, GPU)->nuses, 2);
	expect_unused(dev(f, GPU2));
}

static void test_drm_nodes_closed(void **state)
{
	/* a path that only starts like a node is not that node */
	static const char *const other[] = { "/dev/dri/card00", "/dev/dri/by-path/pci-0000:00:02.0-card",
					     "/tmp/dev/dri/card1", NULL };
	struct fx *f = *state;

	add_two_gpus(f);
	MUST(fh_process(f->fh, 77, "bash", other));
	scan_only(f);
	expect_unused(dev(f, GPU));
	expect_unused(dev(f, GPU2));
}

/* ---------------------------------------------------------------- scan flags */

static void test_no_host_use_flag(void **state)
{
	struct fx *f = *state;

	add_nvme(f);
	MUST(fh_mount(f->fh, "259:1", "/", "ext4", "/dev/nvme0n1p1"));
	/* without DDA_SCAN_HOST_USE nothing is looked at */
	assert_int_equal(dda_host_scan(f->ctx, &f->h, 0), 0);
	expect_unused(dev(f, EP));
	assert_null(dev(f, EP)->name_str);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_mount_partition),
		T(test_mount_whole_disk),
		T(test_critical_mounts),
		T(test_mount_escaped_point),
		T(test_mount_other_disk),
		T(test_mount_sata),
		T(test_mount_usb_storage),
		T(test_mount_btrfs_anonymous_dev),
		T(test_swap),
		T(test_holder_unmounted),
		T(test_holder_mounted),
		T(test_holder_stacked),
		T(test_holder_stacked_unmounted),
		T(test_mount_source_not_device),
		T(test_holder_swap),
		T(test_md_raid_two_controllers),
		T(test_unused_disk),
		T(test_nvme_multipath),
		T(test_nvme_multipath_unused),
		T(test_overlay_layer_critical),
		T(test_overlay_layer_subdirectory),
		T(test_overlay_not_a_layer),
		T(test_overlay_layers_on_root),
		cmocka_unit_test(test_mountinfo_escapes),
		cmocka_unit_test(test_mount_of),
		T(test_9p_root),
		T(test_9p_other_tag),
		T(test_virtiofs_root),
		T(test_virtiofs_other_tag),
		T(test_virtiofs_untagged_kernel),
		T(test_virtiofs_unmounted),
		T(test_net_route4),
		T(test_net_route6),
		T(test_net_address_and_route),
		T(test_net_link_local_only),
		T(test_net_down),
		T(test_net_other_interface),
		T(test_net_bond_port),
		T(test_net_host_scope_only),
		T(test_net_bond_master_down),
		T(test_net_bridge_port_idle),
		T(test_console_driver_fb),
		T(test_console_boot_vga_once),
		T(test_console_firmware_fb),
		T(test_console_fbcon_unbound),
		T(test_console_no_fb),
		T(test_drm_open_nodes),
		T(test_drm_nodes_closed),
		T(test_no_host_use_flag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
