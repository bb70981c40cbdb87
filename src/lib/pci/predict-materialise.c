/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A prediction written into a tree the way the kernel shows groups, so
 * that the survey, unchanged, reads predicted groups: for each group
 * sys/kernel/iommu_groups/N/devices/ADDR -> the function, and in each
 * function's directory iommu_group -> the group, as iommu_group_add_device()
 * makes them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ctx.h"
#include "error.h"
#include "hostpath.h"
#include "predict.h"

/* Leaves no old member link behind in a group the prediction reshapes. */
static int clear_members(struct dda_ctx *ctx)
{
	_cleanup_closedir_ DIR *groups = dda_opendir(ctx, "sys/kernel/iommu_groups");
	struct dirent *g;

	while (groups && (g = readdir(groups))) {
		_cleanup_closedir_ DIR *dir = NULL;
		struct dirent *e;

		if (g->d_name[0] == '.' || !(dir = dda_opendir(ctx, "sys/kernel/iommu_groups/%s/devices", g->d_name)))
			continue;
		while ((e = readdir(dir)))
			if (e->d_type == DT_LNK && unlinkat(dirfd(dir), e->d_name, 0) < 0 && errno != ENOENT)
				return dda_error(-errno, NULL,
						 "cannot remove '/sys/kernel/iommu_groups/%s/devices/%s': %m",
						 g->d_name, e->d_name);
	}
	return 0;
}

int dda_predict_materialise(struct dda_ctx *ctx, const struct dda_prediction *p)
{
	int r;

	if (!strcmp(dda_ctx_root(ctx), "/"))
		return dda_error_code(-EPERM, "real-root", NULL,
				      "refusing to write predicted IOMMU groups into the real /sys (set DDACTL_ROOT to a copy of the tree)");
	r = clear_members(ctx);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->ndevs; i++) {
		const struct dda_predicted *d = &p->devs[i];
		char syspath[PATH_MAX], up[PATH_MAX] = "", target[PATH_MAX];
		size_t depth = 0, off = 0;

		r = dda_read_link(ctx, syspath, sizeof(syspath), "sys/bus/pci/devices/%s", d->name);
		if (r < 0)
			return dda_error(r, d->name, "cannot find the sysfs directory of '%s': %s", d->name,
					 strerror(-r));
		/* "../../../devices/pci0000:00/0000:00:01.0" -> "devices/..." */
		const char *rel = strstr(syspath, "devices/");

		if (!rel)
			return dda_error(-EINVAL, d->name, "unexpected sysfs link of '%s': '%s'", d->name, syspath);
		for (const char *c = rel; *c; c++)
			depth += *c == '/';
		for (size_t k = 0; k <= depth && off + 3 < sizeof(up); k++, off += 3)
			memcpy(up + off, "../", 4);
		r = dda_mkdirs(ctx, 0755, "sys/kernel/iommu_groups/%d/devices", d->group);
		if (r < 0)
			return r;
		r = dda_pathf(target, sizeof(target), "../../../../%s", rel);
		if (r < 0)
			return r;
		r = dda_symlink(ctx, target, "sys/kernel/iommu_groups/%d/devices/%s", d->group, d->name);
		if (r < 0)
			return r;
		r = dda_pathf(target, sizeof(target), "%skernel/iommu_groups/%d", up, d->group);
		if (r < 0)
			return r;
		r = dda_symlink(ctx, target, "sys/%s/iommu_group", rel);
		if (r < 0)
			return r;
	}
	return 0;
}
