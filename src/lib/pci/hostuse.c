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
#include "hostuse-internal.h"
#include "mountinfo.h"
#include "procfd.h"
#include "text.h"
#include "pciaddr.h"


static void facts_release(struct facts *f)
{
	dda_mounts_free(f->mounts, f->nmounts);
	free(f->swaps);
	free(f->route_ifs);
	free(f->addr_ifs);
}


static int set_add(char **set, const char *name)
{
	size_t old = *set ? strlen(*set) : 0;
	char *n;

	if (dda_hostuse_in_set(*set, name))
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


static bool if_up(struct dda_ctx *ctx, const char *ifn)
{
	uint64_t flags;

	return dda_read_u64(ctx, &flags, "sys/class/net/%s/flags", ifn) == 0 && (flags & IFF_UP);
}

static bool if_configured(const struct facts *f, const char *ifn)
{
	return dda_hostuse_in_set(f->route_ifs, ifn) || dda_hostuse_in_set(f->addr_ifs, ifn);
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
		if (!dda_hostuse_deepest_pci(target, &a) || !(d = dda_device_find(h->v, h->n, &a)))
			continue;
		route = dda_hostuse_in_set(f->route_ifs, e->d_name);
		addr = dda_hostuse_in_set(f->addr_ifs, e->d_name);
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
		    !dda_hostuse_deepest_pci(target, &a) || !(nodes.v[nodes.n].d = dda_device_find(h->v, h->n, &a)))
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
			if (!dda_hostuse_deepest_pci(target, &a) || !(d = dda_device_find(h->v, h->n, &a)))
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
		r = dda_hostuse_scan_block(ctx, h, &f);
	if (r == 0)
		r = dda_hostuse_scan_virtio_fs(ctx, h, &f);
	if (r == 0)
		r = scan_net(ctx, h, &f);
	if (r == 0)
		r = scan_console(ctx, h);
	if (r == 0)
		r = scan_drm(ctx, h);
	facts_release(&f);
	return r;
}
