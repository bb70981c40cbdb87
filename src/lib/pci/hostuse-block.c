/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host use by storage: mounted file systems, swap, device-mapper, md and
 * LVM holders, NVMe subsystems, and virtio-fs shares, each attached to the
 * PCI function the block device or share sits on.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "hostpath.h"
#include "hostuse-internal.h"
#include "mountinfo.h"
#include "procfd.h"
#include "text.h"
#include "pciaddr.h"

bool dda_hostuse_in_set(const char *set, const char *name)
{
	char key[IFNAMSIZ + NAME_MAX + 3];

	if (!set)
		return false;
	snprintf(key, sizeof(key), "\n%s\n", name);
	return strstr(set, key) != NULL;
}

/* The deepest "DDDD:BB:DD.F" component of a sysfs path: the PCI function
 * that a block device, interface or framebuffer sits on. */
bool dda_hostuse_deepest_pci(const char *path, struct dda_pciaddr *ret)
{
	char comp[NAME_MAX + 1];
	bool found = false;
	const char *p = path;

	while (*p) {
		size_t n = strcspn(p, "/");
		struct dda_pciaddr a;

		if (n > 0 && n < sizeof(comp)) {
			memcpy(comp, p, n);
			comp[n] = '\0';
			if (strchr(comp, '.') && dda_pciaddr_parse(comp, &a) == 0 && strlen(comp) >= 12) {
				*ret = a;
				found = true;
			}
		}
		p += n;
		p += strspn(p, "/");
	}
	return found;
}

static bool critical_mount(const char *point)
{
	static const char *const crit[] = { "/", "/boot", "/boot/efi", "/usr", "/var", "/etc" };

	for (size_t i = 0; i < ARRAY_SIZE(crit); i++)
		if (!strcmp(point, crit[i]))
			return true;
	return false;
}

static bool mount_critical(const struct dda_mount *m)
{
	return critical_mount(m->point) || (m->backs && critical_mount(m->backs));
}

/* btrfs (and other multi-device file systems) show an anonymous 0:N
 * device in mountinfo: then the mount source names the block device. */
static bool anon_source_is(const struct dda_mount *m, const char *blk, const char *dm)
{
	const char *src = m->source;

	if (strncmp(m->majmin, "0:", 2) || strncmp(src, "/dev/", 5))
		return false;
	if (!strcmp(src + 5, blk))
		return true;
	return dm[0] && !strncmp(src + 5, "mapper/", 7) && !strcmp(src + 12, dm);
}

/* Adds the mounts of one block device (or its dm/md holders, a few levels
 * down) as uses of d. */
static int block_uses(struct dda_ctx *ctx, struct dda_device *d, const struct facts *f, const char *blk,
		      const char *via, int depth)
{
	_cleanup_closedir_ DIR *dir = NULL;
	char majmin[24], what[192];
	struct dirent *e;
	int r;

	if (depth > 4)
		return 0;
	if (dda_read_line(ctx, majmin, sizeof(majmin), "sys/class/block/%s/dev", blk) == 0) {
		char dm[128] = "";

		/* dm devices are mounted by their /dev/mapper name. */
		if (dda_read_line(ctx, dm, sizeof(dm), "sys/class/block/%s/dm/name", blk) < 0)
			dm[0] = '\0';
		for (size_t i = 0; i < f->nmounts; i++) {
			const struct dda_mount *m = &f->mounts[i];

			if (strcmp(m->majmin, majmin) && !anon_source_is(m, blk, dm))
				continue;
			if (via)
				snprintf(what, sizeof(what), "%s is held by %s, mounted on %s%s%s", via, blk, m->point,
					 m->backs ? ", a layer of the overlay on " : "", m->backs ? m->backs : "");
			else
				snprintf(what, sizeof(what), "%s is mounted on %s%s%s", blk, m->point,
					 m->backs ? ", a layer of the overlay on " : "", m->backs ? m->backs : "");
			r = dda_device_add_use(d, DDA_USE_MOUNT, mount_critical(m), what);
			if (r < 0)
				return r;
		}
	}
	if (dda_hostuse_in_set(f->swaps, blk)) {
		if (via)
			snprintf(what, sizeof(what), "%s is held by %s, used as swap", via, blk);
		else
			snprintf(what, sizeof(what), "%s is used as swap", blk);
		r = dda_device_add_use(d, DDA_USE_SWAP, false, what);
		if (r < 0)
			return r;
	}
	dir = dda_opendir(ctx, "sys/class/block/%s/holders", blk);
	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		size_t before = d->nuses;

		if (e->d_name[0] == '.')
			continue;
		r = block_uses(ctx, d, f, e->d_name, via ? via : blk, depth + 1);
		if (r < 0)
			return r;
		/* A holder is use even when nothing on it is mounted (an
		 * assembled RAID, an open LVM volume). */
		if (d->nuses == before && depth == 0) {
			dda_textf(what, sizeof(what), "%s is held by %s (device-mapper/md/LVM)", blk, e->d_name);
			r = dda_device_add_use(d, DDA_USE_HOLDER, false, what);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Whatever else holds a disk shows as EBUSY to an exclusive open: the
 * kernel's own answer for ZFS pools, btrfs members beyond the one
 * mountinfo names, md and dm, and mounts of every kind.  Only asked about
 * the real host (a moved root has no device nodes), and only for disks
 * nothing else explained. */
static int exclusive_use(struct dda_ctx *ctx, struct dda_device *d, const char *blk)
{
	_cleanup_free_ char *node = NULL;
	char what[192];
	int fd;

	if (strcmp(dda_ctx_root(ctx), "/"))
		return 0;
	node = dda_path(ctx, "dev/%s", blk);
	if (!node)
		return -ENOMEM;
	fd = open(node, O_RDONLY | O_EXCL | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != EBUSY)
		return 0;
	dda_textf(what, sizeof(what),
		  "%s is held open exclusively (a file system, pool or volume manager: ZFS, btrfs, md, dm...)", blk);
	return dda_device_add_use(d, DDA_USE_HOLDER, false, what);
}

/* With native NVMe multipath a namespace (nvme0n1) hangs under a virtual
 * subsystem, not under its controllers: its uses belong to every
 * controller of that subsystem. */
static int nvme_subsystem_uses(struct dda_ctx *ctx, const struct devices *h, const struct facts *f, const char *blk,
			       const char *target)
{
	_cleanup_closedir_ DIR *dir = NULL;
	const char *p = strstr(target, "/nvme-subsystem/");
	char subsys[64];
	struct dirent *e;
	int r;

	if (!p || sscanf(p, "/nvme-subsystem/%63[^/]", subsys) != 1)
		return 0;
	dir = dda_opendir(ctx, "sys/class/nvme-subsystem/%s", subsys);
	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		char ctrl[PATH_MAX];
		struct dda_pciaddr a;
		struct dda_device *d;

		if (strncmp(e->d_name, "nvme", 4) || strchr(e->d_name + 4, 'n') ||
		    dda_read_link(ctx, ctrl, sizeof(ctrl), "sys/class/nvme-subsystem/%s/%s", subsys, e->d_name) < 0)
			continue;
		if (!dda_hostuse_deepest_pci(ctrl, &a) || !(d = dda_device_find(h->v, h->n, &a)))
			continue;
		r = block_uses(ctx, d, f, blk, NULL, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

int dda_hostuse_scan_block(struct dda_ctx *ctx, const struct devices *h, const struct facts *f)
{
	_cleanup_closedir_ DIR *dir = dda_opendir(ctx, "sys/class/block");
	struct dirent *e;
	int r;

	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		char target[PATH_MAX];
		struct dda_pciaddr a;
		struct dda_device *d;
		size_t before;

		if (e->d_name[0] == '.')
			continue;
		if (dda_read_link(ctx, target, sizeof(target), "sys/class/block/%s", e->d_name) < 0)
			continue;
		if (!dda_hostuse_deepest_pci(target, &a) || !(d = dda_device_find(h->v, h->n, &a))) {
			r = nvme_subsystem_uses(ctx, h, f, e->d_name, target);
			if (r < 0)
				return r;
			continue;
		}
		before = d->nuses;
		r = block_uses(ctx, d, f, e->d_name, NULL, 0);
		if (r == 0 && d->nuses == before)
			r = exclusive_use(ctx, d, e->d_name);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The mounts of a file system that comes over a virtio device and is
 * mounted by its tag (9p's mount_tag, virtiofs's tag) as uses of d. */
static int tag_uses(struct dda_device *d, const struct facts *f, const char *fstype, const char *tag, const char *note)
{
	char what[256];
	int r;

	for (size_t i = 0; i < f->nmounts; i++) {
		const struct dda_mount *m = &f->mounts[i];

		if (strcmp(m->fstype, fstype) || strcmp(m->source, tag))
			continue;
		snprintf(what, sizeof(what), "%s file system '%s' is mounted on %s%s%s%s", fstype, tag, m->point,
			 m->backs ? ", a layer of the overlay on " : "", m->backs ? m->backs : "", note);
		r = dda_device_add_use(d, DDA_USE_MOUNT, mount_critical(m), what);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool has_fstype(const struct facts *f, const char *fstype)
{
	for (size_t i = 0; i < f->nmounts; i++)
		if (!strcmp(f->mounts[i].fstype, fstype))
			return true;
	return false;
}

/* The PCI function of a virtio device, by its sysfs link. */
static struct dda_device *virtio_function(struct dda_ctx *ctx, const struct devices *h, const char *fmt_link,
					  const char *name)
{
	char target[PATH_MAX];
	struct dda_pciaddr a;

	if (dda_read_link(ctx, target, sizeof(target), fmt_link, name) < 0 || !dda_hostuse_deepest_pci(target, &a))
		return NULL;
	return dda_device_find(h->v, h->n, &a);
}

#define VIRTIO_ID_FS 26

/* Before Linux 6.9 nothing in sysfs names a virtiofs tag: every virtio-fs
 * function may then carry each virtiofs mount, and losing the root is
 * worse than keeping a device the host does not need. */
static int virtiofs_untagged(struct dda_ctx *ctx, const struct devices *h, const struct facts *f)
{
	_cleanup_closedir_ DIR *dir = dda_opendir(ctx, "sys/bus/virtio/devices");
	struct dirent *e;
	int r;

	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		struct dda_device *d;
		uint64_t id;

		if (e->d_name[0] == '.' || dda_read_u64(ctx, &id, "sys/bus/virtio/devices/%s/device", e->d_name) < 0 ||
		    id != VIRTIO_ID_FS || !(d = virtio_function(ctx, h, "sys/bus/virtio/devices/%s", e->d_name)))
			continue;
		for (size_t i = 0; i < f->nmounts; i++) {
			if (strcmp(f->mounts[i].fstype, "virtiofs"))
				continue;
			r = tag_uses(d, f, "virtiofs", f->mounts[i].source,
				     " (this kernel does not tell which virtio-fs device has that tag)");
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* File systems that come over a virtio device rather than a block device:
 * 9p (the source is the device's mount_tag) and virtiofs (the source is
 * the tag in /sys/fs/virtiofs/N/tag, whose `device` link is the virtio
 * device).  A guest whose root is 9p or virtiofs, like the lab's, must
 * not lose that device. */
int dda_hostuse_scan_virtio_fs(struct dda_ctx *ctx, const struct devices *h, const struct facts *f)
{
	_cleanup_closedir_ DIR *dir = dda_opendir(ctx, "sys/bus/virtio/devices");
	_cleanup_closedir_ DIR *fs = NULL;
	struct dirent *e;
	int r;

	while (dir && (e = readdir(dir))) {
		char tag[256];
		struct dda_device *d;

		if (e->d_name[0] == '.' ||
		    dda_read_line(ctx, tag, sizeof(tag), "sys/bus/virtio/devices/%s/mount_tag", e->d_name) < 0 ||
		    !(d = virtio_function(ctx, h, "sys/bus/virtio/devices/%s", e->d_name)))
			continue;
		r = tag_uses(d, f, "9p", tag, "");
		if (r < 0)
			return r;
	}
	if (!has_fstype(f, "virtiofs"))
		return 0;
	fs = dda_opendir(ctx, "sys/fs/virtiofs");
	if (!fs)
		return virtiofs_untagged(ctx, h, f);
	while ((e = readdir(fs))) {
		char tag[256];
		struct dda_device *d;

		if (e->d_name[0] == '.' ||
		    dda_read_line(ctx, tag, sizeof(tag), "sys/fs/virtiofs/%s/tag", e->d_name) < 0 ||
		    !(d = virtio_function(ctx, h, "sys/fs/virtiofs/%s/device", e->d_name)))
			continue;
		r = tag_uses(d, f, "virtiofs", tag, "");
		if (r < 0)
			return r;
	}
	return 0;
}
