/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "hostpath.h"
#include "hostuse.h"
#include "mountinfo.h"
#include "procfd.h"
#include "text.h"
#include "pciaddr.h"

struct facts {
	struct dda_mount *mounts;
	size_t nmounts;
	char *swaps;	 /* "\nname\nname\n": basenames of swap devices */
	char *route_ifs; /* "\nif\n" for every interface with a route */
	char *addr_ifs;	 /* "\nif\n" for every interface with a non-link-local address */
};

/* The functions uses are attached to: the host scan's, in address order. */
struct devices {
	struct dda_device *v;
	size_t n;
};

static void facts_release(struct facts *f)
{
	dda_mounts_free(f->mounts, f->nmounts);
	free(f->swaps);
	free(f->route_ifs);
	free(f->addr_ifs);
}

static bool in_set(const char *set, const char *name)
{
	char key[IFNAMSIZ + NAME_MAX + 3];

	if (!set)
		return false;
	snprintf(key, sizeof(key), "\n%s\n", name);
	return strstr(set, key) != NULL;
}

static int set_add(char **set, const char *name)
{
	size_t old = *set ? strlen(*set) : 0;
	char *n;

	if (in_set(*set, name))
		return 0;
	n = realloc(*set, old + strlen(name) + 3);
	if (!n)
		return -ENOMEM;
	if (!old)
		strcpy(n, "\n");
	else
		n[old] = '\0';
	strcat(n, name);
	strcat(n, "\n");
	*set = n;
	return 0;
}

static int read_mounts(struct dda_ctx *ctx, struct facts *f)
{
	return dda_mountinfo_read(ctx, &f->mounts, &f->nmounts);
}

static int read_swaps(struct dda_ctx *ctx, struct facts *f)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;
	int r;

	if (dda_read_alloc(ctx, &buf, NULL, "proc/swaps") < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char path[PATH_MAX];
		const char *base;

		if (sscanf(line, "%4095s", path) != 1 || path[0] != '/')
			continue;
		base = strrchr(path, '/') + 1;
		r = set_add(&f->swaps, base);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_net(struct dda_ctx *ctx, struct facts *f)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;
	int r;

	if (dda_read_alloc(ctx, &buf, NULL, "proc/net/route") == 0) {
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char ifn[IFNAMSIZ + 1];

			if (sscanf(line, "%16s", ifn) != 1 || !strcmp(ifn, "Iface"))
				continue;
			r = set_add(&f->route_ifs, ifn);
			if (r < 0)
				return r;
		}
		free(TAKE_PTR(buf));
	}
	/* ipv6_route: dest plen src plen next metric ref use flags iface.  The
	 * link-local and multicast routes every up interface has are no sign
	 * of use. */
	if (dda_read_alloc(ctx, &buf, NULL, "proc/net/ipv6_route") == 0) {
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char dest[40], ifn[IFNAMSIZ + 1];

			if (sscanf(line, "%39s %*s %*s %*s %*s %*s %*s %*s %*s %16s", dest, ifn) != 2)
				continue;
			if (!strncmp(dest, "fe80", 4) || !strncmp(dest, "ff", 2) || !strcmp(ifn, "lo"))
				continue;
			r = set_add(&f->route_ifs, ifn);
			if (r < 0)
				return r;
		}
		free(TAKE_PTR(buf));
	}
	/* if_inet6: addr index plen scope flags iface; scope 0x20 is link. */
	if (dda_read_alloc(ctx, &buf, NULL, "proc/net/if_inet6") == 0) {
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char ifn[IFNAMSIZ + 1];
			unsigned scope;

			if (sscanf(line, "%*s %*s %*s %x %*s %16s", &scope, ifn) != 2)
				continue;
			if (scope == 0x20 || scope == 0x10)
				continue;
			r = set_add(&f->addr_ifs, ifn);
			if (r < 0)
				return r;
		}
	}
	/* IPv4 addresses are only in netlink, which a moved root cannot
	 * redirect: ask it only about the real host. */
	if (!strcmp(dda_ctx_root(ctx), "/")) {
		struct ifaddrs *ifa, *i;

		if (getifaddrs(&ifa) == 0) {
			for (i = ifa; i; i = i->ifa_next) {
				if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
					continue;
				r = set_add(&f->addr_ifs, i->ifa_name);
				if (r < 0) {
					freeifaddrs(ifa);
					return r;
				}
			}
			freeifaddrs(ifa);
		}
	}
	return 0;
}

/* The deepest "DDDD:BB:DD.F" component of a sysfs path: the PCI function
 * that a block device, interface or framebuffer sits on. */
static bool deepest_pci(const char *path, struct dda_pciaddr *ret)
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
	if (in_set(f->swaps, blk)) {
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
		if (!deepest_pci(ctrl, &a) || !(d = dda_device_find(h->v, h->n, &a)))
			continue;
		r = block_uses(ctx, d, f, blk, NULL, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static int scan_block(struct dda_ctx *ctx, const struct devices *h, const struct facts *f)
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
		if (!deepest_pci(target, &a) || !(d = dda_device_find(h->v, h->n, &a))) {
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

	if (dda_read_link(ctx, target, sizeof(target), fmt_link, name) < 0 || !deepest_pci(target, &a))
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
static int scan_virtio_fs(struct dda_ctx *ctx, const struct devices *h, const struct facts *f)
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

static bool if_up(struct dda_ctx *ctx, const char *ifn)
{
	uint64_t flags;

	return dda_read_u64(ctx, &flags, "sys/class/net/%s/flags", ifn) == 0 && (flags & IFF_UP);
}

static bool if_configured(const struct facts *f, const char *ifn)
{
	return in_set(f->route_ifs, ifn) || in_set(f->addr_ifs, ifn);
}

/* An interface stacked on ifn (its bond or bridge master, a VLAN,
 * macvlan or ipvlan: the `master` and `upper_*` links), transitively,
 * that is up with an address or a route: eno1 -> bond0 -> vmbr0. */
static bool upper_in_use(struct dda_ctx *ctx, const struct facts *f, const char *ifn, int depth, char *via, size_t size)
{
	_cleanup_closedir_ DIR *dir = NULL;
	char up[IFNAMSIZ + 16];
	struct dirent *e;

	if (depth > 4)
		return false;
	if (dda_read_link_base(ctx, up, sizeof(up), "sys/class/net/%s/master", ifn) == 0) {
		if ((if_up(ctx, up) && if_configured(f, up)) || upper_in_use(ctx, f, up, depth + 1, via, size)) {
			if (!via[0])
				snprintf(via, size, "%s", up);
			return true;
		}
	}
	dir = dda_opendir(ctx, "sys/class/net/%s", ifn);
	if (!dir)
		return false;
	while ((e = readdir(dir))) {
		if (strncmp(e->d_name, "upper_", 6))
			continue;
		snprintf(up, sizeof(up), "%s", e->d_name + 6);
		if ((if_up(ctx, up) && if_configured(f, up)) || upper_in_use(ctx, f, up, depth + 1, via, size)) {
			if (!via[0])
				snprintf(via, size, "%s", up);
			return true;
		}
	}
	return false;
}

static int scan_net(struct dda_ctx *ctx, const struct devices *h, const struct facts *f)
{
	_cleanup_closedir_ DIR *dir = dda_opendir(ctx, "sys/class/net");
	struct dirent *e;
	int r;

	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		char target[PATH_MAX], via[IFNAMSIZ + 16] = "", what[192];
		struct dda_pciaddr a;
		struct dda_device *d;
		bool route, addr;

		if (e->d_name[0] == '.')
			continue;
		if (dda_read_link(ctx, target, sizeof(target), "sys/class/net/%s", e->d_name) < 0)
			continue;
		if (!deepest_pci(target, &a) || !(d = dda_device_find(h->v, h->n, &a)))
			continue;
		route = in_set(f->route_ifs, e->d_name);
		addr = in_set(f->addr_ifs, e->d_name);
		if (if_up(ctx, e->d_name) && (route || addr)) {
			dda_textf(what, sizeof(what), "%s is up with %s", e->d_name,
				  route && addr ? "an address and a route" :
				  route		? "a route" :
						  "an address");
		} else if (upper_in_use(ctx, f, e->d_name, 0, via, sizeof(via))) {
			dda_textf(what, sizeof(what), "%s carries %s, which is up with an address or a route",
				  e->d_name, via);
		} else {
			continue;
		}
		r = dda_device_add_use(d, DDA_USE_NET, false, what);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Processes with a DRM node of a display device open: a compositor, an X
 * server, a compute job.  /proc is read once, and only when some PCI
 * function has DRM nodes. */
struct drm_node {
	char node[32];
	struct dda_device *d;
};

struct drm_nodes {
	struct drm_node v[64];
	size_t n;
};

static int drm_holder(struct dda_ctx *ctx, uint32_t pid, const char *target, void *data)
{
	const struct drm_nodes *nodes = data;
	char comm[64] = "", what[192];
	int r;

	for (size_t i = 0; i < nodes->n; i++) {
		if (strcmp(target, nodes->v[i].node))
			continue;
		if (dda_read_line(ctx, comm, sizeof(comm), "proc/%u/comm", pid) < 0)
			comm[0] = '\0';
		dda_textf(what, sizeof(what), "process %u (%s) has %s open", pid, comm, target);
		r = dda_device_add_use(nodes->v[i].d, DDA_USE_CONSOLE, false, what);
		if (r < 0)
			return r;
	}
	return 0;
}

static int scan_drm(struct dda_ctx *ctx, const struct devices *h)
{
	_cleanup_closedir_ DIR *cls = dda_opendir(ctx, "sys/class/drm");
	struct drm_nodes nodes = { .n = 0 };
	struct dirent *e;
	int r;

	if (!cls)
		return 0;
	while ((e = readdir(cls)) && nodes.n < ARRAY_SIZE(nodes.v)) {
		char target[PATH_MAX];
		struct dda_pciaddr a;

		if (strncmp(e->d_name, "card", 4) && strncmp(e->d_name, "renderD", 7))
			continue;
		if (strchr(e->d_name, '-')) /* connectors: card0-HDMI-A-1 */
			continue;
		if (dda_read_link(ctx, target, sizeof(target), "sys/class/drm/%s", e->d_name) < 0 ||
		    !deepest_pci(target, &a) || !(nodes.v[nodes.n].d = dda_device_find(h->v, h->n, &a)))
			continue;
		/* Fail rather than miss a holder of a node we could not name.
		 * lint-ok: a /proc/PID/fd link's text, compared, never opened */
		r = dda_pathf(nodes.v[nodes.n].node, sizeof(nodes.v[nodes.n].node), "/dev/dri/%s", e->d_name);
		if (r < 0)
			return r;
		nodes.n++;
	}
	return nodes.n ? dda_procfd_walk(ctx, "/dev/dri/", drm_holder, &nodes) : 0; /* lint-ok: a link prefix */
}

static bool fbcon_bound(struct dda_ctx *ctx)
{
	_cleanup_closedir_ DIR *dir = dda_opendir(ctx, "sys/class/vtconsole");
	struct dirent *e;

	if (!dir)
		return false;
	while ((e = readdir(dir))) {
		char name[128], bind[8];

		if (e->d_name[0] == '.')
			continue;
		if (dda_read_line(ctx, name, sizeof(name), "sys/class/vtconsole/%s/name", e->d_name) == 0 &&
		    strstr(name, "frame buffer") &&
		    dda_read_line(ctx, bind, sizeof(bind), "sys/class/vtconsole/%s/bind", e->d_name) == 0 &&
		    bind[0] == '1')
			return true;
	}
	return false;
}

/* The console sits on a framebuffer that belongs either to a PCI display
 * (its driver's fb) or to the firmware's (efifb, simpledrm) on the boot
 * VGA device. */
static int scan_console(struct dda_ctx *ctx, const struct devices *h)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *e;
	bool any_fb = false, con = fbcon_bound(ctx);
	int r;

	dir = dda_opendir(ctx, "sys/class/graphics");
	if (dir) {
		while ((e = readdir(dir))) {
			char target[PATH_MAX], what[192];
			struct dda_pciaddr a;
			struct dda_device *d;

			if (strncmp(e->d_name, "fb", 2))
				continue;
			any_fb = true;
			if (dda_read_link(ctx, target, sizeof(target), "sys/class/graphics/%s/device", e->d_name) < 0)
				continue;
			if (!deepest_pci(target, &a) || !(d = dda_device_find(h->v, h->n, &a)))
				continue;
			dda_textf(what, sizeof(what), "framebuffer %s%s is on it", e->d_name,
				  con ? " with the text console" : "");
			r = dda_device_add_use(d, DDA_USE_CONSOLE, false, what);
			if (r < 0)
				return r;
		}
	}
	if (!any_fb || !con)
		return 0;
	for (size_t i = 0; i < h->n; i++) {
		struct dda_device *d = &h->v[i];

		if (d->boot_vga == 1 && d->nuses == 0) {
			r = dda_device_add_use(d, DDA_USE_CONSOLE, false,
					       "boot VGA device with the console on the firmware framebuffer");
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int dda_hostuse_attach(struct dda_ctx *ctx, struct dda_device *devs, size_t ndevs)
{
	const struct devices all = { devs, ndevs }, *h = &all;
	struct facts f = { 0 };
	int r;

	r = read_mounts(ctx, &f);
	if (r == 0)
		r = read_swaps(ctx, &f);
	if (r == 0)
		r = read_net(ctx, &f);
	if (r == 0)
		r = scan_block(ctx, h, &f);
	if (r == 0)
		r = scan_virtio_fs(ctx, h, &f);
	if (r == 0)
		r = scan_net(ctx, h, &f);
	if (r == 0)
		r = scan_console(ctx, h);
	if (r == 0)
		r = scan_drm(ctx, h);
	facts_release(&f);
	return r;
}
