/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "hostpath.h"
#include "hostuse.h"
#include "names.h"
#include "host.h"

static int cmp_group(const void *a, const void *b)
{
	int x = ((const struct dda_group *)a)->id, y = ((const struct dda_group *)b)->id;

	return x < y ? -1 : x > y;
}

struct dda_device *dda_host_find(const struct dda_host *h, const struct dda_pciaddr *a)
{
	return dda_device_find(h->devs, h->ndevs, a);
}

static struct dda_group *find_group(const struct dda_host *h, int id)
{
	struct dda_group key = { .id = id };

	return bsearch(&key, h->groups, h->ngroups, sizeof(*h->groups), cmp_group);
}

/* Lists the function names under sys/bus/pci/devices. */
static int cmp_addr(const void *a, const void *b)
{
	return dda_pciaddr_cmp(a, b);
}

static int list_functions(struct dda_ctx *ctx, struct dda_device **ret, size_t *ret_n)
{
	_cleanup_closedir_ DIR *dir = dda_opendir(ctx, "sys/bus/pci/devices");
	_cleanup_free_ struct dda_pciaddr *addrs = NULL;
	_cleanup_free_ struct dda_device *devs = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;

	if (!dir)
		return dda_error(-errno, NULL, "cannot list PCI devices in '%s/sys/bus/pci/devices': %m",
				 strcmp(dda_ctx_root(ctx), "/") ? dda_ctx_root(ctx) : "");
	while ((e = readdir(dir))) {
		struct dda_pciaddr a;

		if (e->d_name[0] == '.' || dda_pciaddr_parse(e->d_name, &a) < 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct dda_pciaddr *na = realloc(addrs, ncap * sizeof(*na));

			if (!na)
				return -ENOMEM;
			addrs = na;
			cap = ncap;
		}
		addrs[n++] = a;
	}
	/* Sorted as addresses, which are small, before the devices (each
	 * some kilobytes) exist: sorting those moved megabytes. */
	qsort(addrs, n, sizeof(*addrs), cmp_addr);
	devs = calloc(n + 1, sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		devs[i].addr = addrs[i];
		dda_pciaddr_format(&addrs[i], devs[i].name);
	}
	*ret = TAKE_PTR(devs);
	*ret_n = n;
	return 0;
}

/* Which of all functions (in address order) a scoped scan reads.  A
 * primary is one whose findings must come out as a whole scan's would: a
 * named device and its IOMMU group (a dismount moves the group).  Around
 * each primary it reads what decides those findings: the bridges above it,
 * its neighbours in address order (the bus and slot checks look at them),
 * everything below its parent bridge (a bus reset takes all of that), and
 * its SR-IOV PF and VFs. */
struct scope {
	const struct dda_device *all;
	size_t n;
	bool *want, *primary;
	size_t *queue, nqueue;
};

static void scope_add(struct scope *sc, const char *name, bool primary)
{
	struct dda_pciaddr a;
	struct dda_device key, *d;
	size_t i;

	if (dda_pciaddr_parse(name, &a) < 0)
		return;
	key.addr = a;
	d = bsearch(&key, sc->all, sc->n, sizeof(*sc->all), dda_device_cmp);
	if (!d)
		return;
	i = (size_t)(d - sc->all);
	sc->want[i] = true;
	if (primary && !sc->primary[i]) {
		sc->primary[i] = true;
		sc->queue[sc->nqueue++] = i;
	}
}

/* Every function in the sysfs directory dir and below it. */
static void scope_below(struct dda_ctx *ctx, struct scope *sc, const char *dir, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	struct dda_pciaddr a;

	if (depth > 8 || !(d = dda_opendir(ctx, "sys/%s", dir)))
		return;
	while ((e = readdir(d))) {
		char sub[PATH_MAX];

		if (e->d_name[0] == '.' || dda_pciaddr_parse(e->d_name, &a) < 0)
			continue;
		scope_add(sc, e->d_name, false);
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) < sizeof(sub))
			scope_below(ctx, sc, sub, depth + 1);
	}
}

/* What dda_device_in_pool_driver() will say, from the drivers' side: a
 * variant driver is one with "vfio" in its name (device.c confirms by its
 * vfio-dev/). */
static void scope_pool_drivers(struct dda_ctx *ctx, struct scope *sc)
{
	_cleanup_closedir_ DIR *drv = dda_opendir(ctx, "sys/bus/pci/drivers");
	struct dirent *e, *f;

	while (drv && (e = readdir(drv))) {
		_cleanup_closedir_ DIR *dir = NULL;

		if (e->d_name[0] == '.' || (strcmp(e->d_name, "pci-stub") && !strstr(e->d_name, "vfio")) ||
		    !(dir = dda_opendir(ctx, "sys/bus/pci/drivers/%s", e->d_name)))
			continue;
		/* Only one with an override can be an unrecorded pool device
		 * (dda_pool_unrecorded); the others were bound by id, by
		 * someone else.  One read each instead of a whole device:
		 * hosts give hundreds of VFs to vfio-pci by id. */
		while ((f = readdir(dir))) {
			char override[64];

			if (f->d_name[0] != '.' &&
			    dda_device_override(ctx, f->d_name, override, sizeof(override)) == 0 && override[0])
				scope_add(sc, f->d_name, true);
		}
	}
}

static void scope_pf(struct dda_ctx *ctx, struct scope *sc, size_t i)
{
	char base[64];

	if (dda_read_link_base(ctx, base, sizeof(base), "sys/bus/pci/devices/%s/physfn", sc->all[i].name) == 0)
		scope_add(sc, base, false);
}

static void scope_expand(struct dda_ctx *ctx, struct scope *sc, size_t i)
{
	const char *name = sc->all[i].name;
	char target[PATH_MAX], base[64];
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *e;
	char *p, *slash;

	for (size_t j = i;
	     j > 0 && sc->all[j - 1].addr.domain == sc->all[i].addr.domain &&
	     sc->all[j - 1].addr.bus == sc->all[i].addr.bus && sc->all[j - 1].addr.dev == sc->all[i].addr.dev;
	     j--)
		sc->want[j - 1] = true;
	for (size_t j = i + 1; j < sc->n && sc->all[j].addr.domain == sc->all[i].addr.domain &&
			       sc->all[j].addr.bus == sc->all[i].addr.bus && sc->all[j].addr.dev == sc->all[i].addr.dev;
	     j++)
		sc->want[j] = true;
	if (i > 0)
		sc->want[i - 1] = true;
	if (i + 1 < sc->n)
		sc->want[i + 1] = true;
	if (dda_read_link(ctx, target, sizeof(target), "sys/bus/pci/devices/%s", name) == 0) {
		p = target;
		while (!strncmp(p, "../", 3))
			p += 3;
		/* The bridges above, then all below the nearest one. */
		for (char *c = strchr(p, '/'); c; c = strchr(c + 1, '/')) {
			*c = '\0';
			slash = strrchr(p, '/');
			scope_add(sc, slash ? slash + 1 : p, false);
			*c = '/';
		}
		slash = strrchr(p, '/');
		if (slash) {
			*slash = '\0';
			if (strrchr(p, '/') && dda_pciaddr_parse(strrchr(p, '/') + 1, &(struct dda_pciaddr){ 0 }) == 0)
				scope_below(ctx, sc, p, 0);
		}
	}
	if (dda_read_link_base(ctx, base, sizeof(base), "sys/bus/pci/devices/%s/iommu_group", name) == 0) {
		_cleanup_closedir_ DIR *g = dda_opendir(ctx, "sys/kernel/iommu_groups/%s/devices", base);

		while (g && (e = readdir(g)))
			if (e->d_name[0] != '.')
				scope_add(sc, e->d_name, true);
	}
	scope_pf(ctx, sc, i);
	dir = dda_opendir(ctx, "sys/bus/pci/devices/%s", name);
	while (dir && (e = readdir(dir)))
		if (!strncmp(e->d_name, "virtfn", 6) &&
		    dda_read_link_base(ctx, base, sizeof(base), "sys/bus/pci/devices/%s/%s", name, e->d_name) == 0)
			scope_add(sc, base, false);
}

/* Keeps the functions of *devs that the targets need, primaries marked. */
static int scope_cut(struct dda_ctx *ctx, struct dda_device **devs, size_t *n, unsigned flags,
		     const struct dda_pciaddr *targets, size_t ntargets, bool **ret_primary)
{
	_cleanup_free_ bool *want = calloc(*n + 1, sizeof(bool));
	_cleanup_free_ bool *primary = calloc(*n + 1, sizeof(bool));
	_cleanup_free_ size_t *queue = calloc(*n + 1, sizeof(size_t));
	struct scope sc = { .all = *devs, .n = *n, .want = want, .primary = primary, .queue = queue };
	size_t k = 0;

	if (!want || !primary || !queue)
		return -ENOMEM;
	for (size_t t = 0; t < ntargets; t++) {
		char name[DDA_PCIADDR_LEN];

		dda_pciaddr_format(&targets[t], name);
		scope_add(&sc, name, true);
	}
	if (flags & DDA_SCAN_POOL_DRIVERS)
		scope_pool_drivers(ctx, &sc);
	for (size_t q = 0; q < sc.nqueue; q++) {
		if (flags & DDA_SCAN_TARGETS_ONLY)
			scope_pf(ctx, &sc, sc.queue[q]);
		else
			scope_expand(ctx, &sc, sc.queue[q]);
	}
	for (size_t i = 0; i < *n; i++)
		if (want[i]) {
			primary[k] = primary[i];
			(*devs)[k++] = (*devs)[i];
		}
	*n = k;
	*ret_primary = TAKE_PTR(primary);
	return 0;
}

/* What a scoped scan cannot answer from the functions it read: an INTx
 * line shared with any function of the host, a bus reset of a root bus
 * that takes the whole root complex. */
static bool scope_short(const struct dda_host *h, const bool *primary)
{
	for (size_t i = 0; i < h->ndevs; i++) {
		const struct dda_device *d = &h->devs[i];

		if (!primary[i])
			continue;
		if (d->intx_pin && !d->has_msi && !d->has_msix && !dda_device_is_bridge(d))
			return true;
		if (!d->parent && (d->resets & DDA_RESET_BUS))
			return true;
	}
	return false;
}

/* "../../../devices/pci0000:00/0000:00:02.0/0000:01:00.0" -> "devices/..."
 * and, from its components, the parent bridge and the location path. */
static int place(struct dda_host *h, struct dda_device *d)
{
	char target[PATH_MAX];
	const char *p, *root;
	struct dda_device *last = NULL;
	unsigned dom, bus;
	int r;

	r = dda_read_link(h->ctx, target, sizeof(target), "sys/bus/pci/devices/%s", d->name);
	if (r < 0)
		return dda_device_note(d, "cannot read its sysfs link: %s", strerror(-r));
	p = target;
	while (!strncmp(p, "../", 3))
		p += 3;
	d->syspath = strdup(p);
	if (!d->syspath)
		return -ENOMEM;
	root = strstr(p, "/pci");
	if (!root || sscanf(root, "/pci%x:%x/", &dom, &bus) != 2)
		return dda_device_note(d, "unexpected sysfs path '%s'", p);
	d->loc = (struct dda_locpath){ .domain = dom, .bus = (uint8_t)bus, .vf = -1 };
	p = strchr(root + 1, '/');
	while (p && *p) {
		char comp[32];
		size_t n;
		struct dda_pciaddr a;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0 || n >= sizeof(comp))
			break;
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		if (dda_pciaddr_parse(comp, &a) < 0)
			continue;
		if (d->loc.nhops < DDA_LOCPATH_MAX_HOPS) {
			d->loc.hop[d->loc.nhops].dev = a.dev;
			d->loc.hop[d->loc.nhops].fn = a.fn;
			d->loc.nhops++;
		}
		if (dda_pciaddr_cmp(&a, &d->addr) != 0)
			last = dda_host_find(h, &a);
	}
	d->parent = last;
	return 0;
}

/* A VF is named by its PF and its index: routing ID = PF's + offset +
 * index * stride (SR-IOV 3.3.10, 3.3.11). */
static void place_vf(struct dda_host *h, struct dda_device *d)
{
	struct dda_device *p;
	int rid, prid;

	if (d->vf_index < 0 || !(p = dda_host_find(h, &d->pf_addr)))
		return;
	d->physfn = p;
	rid = d->addr.bus << 8 | d->addr.dev << 3 | d->addr.fn;
	prid = p->addr.bus << 8 | p->addr.dev << 3 | p->addr.fn;
	if (p->sriov_stride && rid - prid - p->sriov_offset >= 0)
		d->vf_index = (rid - prid - p->sriov_offset) / p->sriov_stride;
	d->loc = p->loc;
	d->loc.vf = d->vf_index;
}

static int read_reserved(struct dda_ctx *ctx, struct dda_group *g)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;

	if (dda_read_alloc(ctx, &buf, NULL, "sys/kernel/iommu_groups/%d/reserved_regions", g->id) < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long s, e;
		char type[24];
		struct dda_resv *n;

		if (sscanf(line, "%llx %llx %23s", &s, &e, type) != 3)
			continue;
		n = realloc(g->resv, (g->nresv + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		g->resv = n;
		n[g->nresv].start = s;
		n[g->nresv].end = e;
		snprintf(n[g->nresv].type, sizeof(n->type), "%s", type);
		g->nresv++;
	}
	return 0;
}

static int build_groups(struct dda_host *h)
{
	size_t ng = 0;
	int r;

	for (size_t i = 0; i < h->ndevs; i++)
		if (h->devs[i].group_id >= 0)
			ng++;
	if (!ng)
		return 0;
	h->groups = calloc(ng, sizeof(*h->groups));
	if (!h->groups)
		return -ENOMEM;
	/* Distinct ids, sorted. */
	for (size_t i = 0; i < h->ndevs; i++) {
		int id = h->devs[i].group_id;

		if (id >= 0)
			h->groups[h->ngroups++].id = id;
	}
	qsort(h->groups, h->ngroups, sizeof(*h->groups), cmp_group);
	ng = 0;
	for (size_t i = 0; i < h->ngroups; i++)
		if (i == 0 || h->groups[i].id != h->groups[ng - 1].id)
			h->groups[ng++].id = h->groups[i].id;
	h->ngroups = ng;
	/* Members: count, allocate, fill (devices are in address order). */
	for (size_t i = 0; i < h->ndevs; i++) {
		struct dda_device *d = &h->devs[i];

		if (d->group_id < 0)
			continue;
		d->group = find_group(h, d->group_id);
		d->group->nmembers++;
	}
	for (size_t i = 0; i < h->ngroups; i++) {
		h->groups[i].members = calloc(h->groups[i].nmembers, sizeof(struct dda_device *));
		if (!h->groups[i].members)
			return -ENOMEM;
		h->groups[i].nmembers = 0;
		r = read_reserved(h->ctx, &h->groups[i]);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < h->ndevs; i++)
		if (h->devs[i].group)
			h->devs[i].group->members[h->devs[i].group->nmembers++] = &h->devs[i];
	return 0;
}

static bool alone_on_bus(const struct dda_host *h, const struct dda_device *d)
{
	/* Neighbours in address order are the only ones that can share the bus. */
	size_t i = (size_t)(d - h->devs);

	if (i > 0 && h->devs[i - 1].addr.domain == d->addr.domain && h->devs[i - 1].addr.bus == d->addr.bus)
		return false;
	if (i + 1 < h->ndevs && h->devs[i + 1].addr.domain == d->addr.domain && h->devs[i + 1].addr.bus == d->addr.bus)
		return false;
	return true;
}

/* For kernels without reset_method: the methods the kernel would try,
 * from config space, in pci_reset_fn_methods order. */
static void infer_resets(const struct dda_host *h, struct dda_device *d)
{
	if (d->reset_method_known)
		return;
	d->resets = 0;
	if (d->flr || d->physfn)
		d->resets |= DDA_RESET_FLR;
	if (d->af_flr)
		d->resets |= DDA_RESET_AF_FLR;
	if (d->has_pm && !d->pm_no_soft_reset)
		d->resets |= DDA_RESET_PM;
	if (d->parent && !dda_device_is_bridge(d) && alone_on_bus(h, d))
		d->resets |= DDA_RESET_BUS;
}

/* Functions in a PCIe hotplug slot are reset by a slot reset, which
 * touches only that slot, rather than by a secondary bus reset. */
static void mark_slots(struct dda_host *h)
{
	_cleanup_closedir_ DIR *dir = dda_opendir(h->ctx, "sys/bus/pci/slots");
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		char addr[32], full[40];
		struct dda_pciaddr a;

		if (e->d_name[0] == '.' ||
		    dda_read_line(h->ctx, addr, sizeof(addr), "sys/bus/pci/slots/%s/address", e->d_name) < 0)
			continue;
		snprintf(full, sizeof(full), "%s.0", addr);
		if (dda_pciaddr_parse(full, &a) < 0)
			continue;
		for (a.fn = 0; a.fn < 8; a.fn++) {
			struct dda_device *d = dda_host_find(h, &a);

			/* Only PCIe hotplug (pciehp, below a root or downstream
			 * port) can reset a slot; an SHPC slot behind a
			 * PCIe-to-PCI bridge cannot. */
			if (d && d->parent &&
			    (d->parent->type == DDA_TYPE_ROOT_PORT || d->parent->type == DDA_TYPE_DOWNSTREAM))
				d->in_slot = true;
		}
	}
}

static int scan(struct dda_ctx *ctx, struct dda_host **ret, unsigned flags, const struct dda_pciaddr *targets,
		size_t ntargets, bool scoped)
{
	_cleanup_(dda_host_freep) struct dda_host *h = calloc(1, sizeof(*h));
	_cleanup_free_ bool *primary = NULL;
	int r;

	if (!h)
		return -ENOMEM;
	h->ctx = ctx;
	r = dda_hostinfo_read(ctx, &h->info);
	if (r < 0)
		return r;
	if (!strcmp(dda_ctx_root(ctx), "/") && geteuid() != 0)
		flags |= DDA_SCAN_UNPRIVILEGED;
	h->info.full_config = !(flags & DDA_SCAN_UNPRIVILEGED);
	r = list_functions(ctx, &h->devs, &h->ndevs);
	if (r < 0)
		return r;
	h->nfunctions = h->ndevs;
	if (scoped) {
		r = scope_cut(ctx, &h->devs, &h->ndevs, flags, targets, ntargets, &primary);
		if (r < 0)
			return r;
	}
	/* Read every function first: placing a VF needs its PF's SR-IOV fields. */
	for (size_t i = 0; i < h->ndevs; i++) {
		struct dda_device *d = &h->devs[i];

		r = place(h, d);
		if (r < 0)
			return r;
		d->unprivileged = flags & DDA_SCAN_UNPRIVILEGED;
		r = dda_device_read(ctx, d);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			const struct dda_error_info *e = dda_last_error();

			if (dda_device_note(d, "%s", e->message) < 0)
				return -ENOMEM;
			d->d3cold = false;
		}
	}
	for (size_t i = 0; i < h->ndevs; i++)
		place_vf(h, &h->devs[i]);
	for (size_t i = 0; i < h->ndevs; i++) {
		struct dda_device *d = &h->devs[i];

		infer_resets(h, d);
		r = dda_locpath_format(&d->loc, d->location_path, sizeof(d->location_path));
		if (r < 0)
			d->location_path[0] = '\0';
	}
	r = build_groups(h);
	if (r < 0)
		return r;
	mark_slots(h);
	if (scoped && !(flags & DDA_SCAN_TARGETS_ONLY) && scope_short(h, primary)) {
		dda_host_free(TAKE_PTR(h));
		return scan(ctx, ret, flags, NULL, 0, false);
	}
	if (flags & DDA_SCAN_NAMES) {
		h->names = dda_names_new();
		if (!h->names)
			return -ENOMEM;
		for (size_t i = 0; i < h->ndevs; i++)
			(void)dda_host_name(h, &h->devs[i]);
	}
	if (flags & DDA_SCAN_HOST_USE) {
		r = dda_hostuse_attach(ctx, h->devs, h->ndevs);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(h);
	return 0;
}

int dda_host_scan(struct dda_ctx *ctx, struct dda_host **ret, unsigned flags)
{
	return scan(ctx, ret, flags, NULL, 0, false);
}

int dda_host_scan_for(struct dda_ctx *ctx, struct dda_host **ret, unsigned flags, const struct dda_pciaddr *targets,
		      size_t n)
{
	return scan(ctx, ret, flags, targets, n, true);
}

const char *dda_host_name(struct dda_host *h, struct dda_device *d)
{
	if (d->name_str)
		return d->name_str;
	if (!h->names)
		h->names = dda_names_new();
	d->name_str = dda_names_device(h->names, d->vendor, d->device);
	return d->name_str;
}

void dda_host_free(struct dda_host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->ndevs; i++)
		dda_device_release(&h->devs[i]);
	free(h->devs);
	for (size_t i = 0; i < h->ngroups; i++) {
		free(h->groups[i].members);
		free(h->groups[i].resv);
	}
	free(h->groups);
	dda_names_free(h->names);
	dda_hostinfo_release(&h->info);
	free(h);
}

struct dda_device *dda_host_find_locpath(const struct dda_host *h, const char *location_path)
{
	struct dda_locpath l;

	if (dda_locpath_parse(location_path, &l) < 0)
		return NULL;
	for (size_t i = 0; i < h->ndevs; i++)
		if (dda_locpath_equal(&h->devs[i].loc, &l))
			return &h->devs[i];
	return NULL;
}

int dda_host_resolve(const struct dda_host *h, const char *name, struct dda_device **ret)
{
	struct dda_pciaddr a;
	struct dda_locpath l;
	struct dda_device *d;

	if (dda_is_locpath(name)) {
		if (dda_locpath_parse(name, &l) < 0)
			return dda_error_input(-EINVAL, "bad-device", name,
					       "'%s' is not a valid location path (expected e.g. PCIROOT(0)#PCI(0300)#PCI(0000))",
					       name);
		d = dda_host_find_locpath(h, name);
		if (!d)
			return dda_error_input(-ENODEV, "no-device", name, "no PCI function at location path '%s'",
					       name);
		*ret = d;
		return 0;
	}
	if (dda_pciaddr_parse(name, &a) < 0)
		return dda_error_input(-EINVAL, "bad-device", name,
				       "'%s' is neither a PCI address (0000:04:00.0 or 04:00.0) nor a location path",
				       name);
	d = dda_host_find(h, &a);
	if (!d)
		return dda_error_input(-ENODEV, "no-device", name, "no PCI function '%s' on this host", name);
	*ret = d;
	return 0;
}

size_t dda_group_endpoints(const struct dda_device *d, struct dda_device **out, size_t max)
{
	size_t n = 0;

	if (!d->group)
		return 0;
	for (size_t i = 0; i < d->group->nmembers; i++) {
		struct dda_device *m = d->group->members[i];

		if (m == d || dda_device_is_bridge(m))
			continue;
		if (n < max)
			out[n] = m;
		n++;
	}
	return n;
}
