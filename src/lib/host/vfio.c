/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostpath.h"
#include "procfd.h"
#include "vfio.h"

/* The names a process may hold a group by: /dev/vfio/<group> (the
 * container API) and /dev/vfio/devices/vfioN of each member (iommufd,
 * QEMU 8.2+ with kernel 6.6+).  Sized for any directory entry, so that no
 * name is cut into another. */
#define NODE_LEN (sizeof("/dev/vfio/devices/") + NAME_MAX)

static size_t group_nodes(struct dda_ctx *ctx, int group, char nodes[][NODE_LEN], size_t max)
{
	_cleanup_closedir_ DIR *dir = dda_opendir(ctx, "sys/kernel/iommu_groups/%d/devices", group);
	struct dirent *e;
	size_t n = 0;

	/* lint-ok: a /proc/PID/fd link's text, compared, never opened */
	snprintf(nodes[n++], NODE_LEN, "/dev/vfio/%d", group);
	while (dir && (e = readdir(dir)) && n < max) {
		_cleanup_closedir_ DIR *vd = NULL;
		struct dirent *v;

		if (e->d_name[0] == '.' || !(vd = dda_opendir(ctx, "sys/bus/pci/devices/%s/vfio-dev", e->d_name)))
			continue;
		while ((v = readdir(vd)) && n < max)
			if (!strncmp(v->d_name, "vfio", 4))
				/* lint-ok: a link's text, as above */
				snprintf(nodes[n++], NODE_LEN, "/dev/vfio/devices/%s", v->d_name);
	}
	return n;
}

struct group_users {
	char nodes[16][NODE_LEN];
	size_t nnodes;
	int *pids;
	size_t max, n;
};

static int group_user(struct dda_ctx *ctx, uint32_t pid, const char *target, void *data)
{
	struct group_users *u = data;

	(void)ctx; /* the link text is compared, nothing more is read */
	for (size_t k = 0; k < u->nnodes; k++) {
		if (strcmp(target, u->nodes[k]))
			continue;
		if (u->n < u->max)
			u->pids[u->n] = (int)pid;
		u->n++;
		return 1; /* counted once, however many nodes it holds */
	}
	return 0;
}

size_t dda_vfio_group_users(struct dda_ctx *ctx, int group, int *pids, size_t max)
{
	struct group_users u = { .pids = pids, .max = max };

	if (group < 0)
		return 0;
	u.nnodes = group_nodes(ctx, group, u.nodes, ARRAY_SIZE(u.nodes));
	(void)dda_procfd_walk(ctx, "/dev/vfio/", group_user, &u); /* lint-ok: a link prefix */
	return u.n;
}
