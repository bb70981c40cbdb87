/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostpath.h"
#include "vfio.h"

/* The names a process may hold a group by: /dev/vfio/<group> (the
 * container API) and /dev/vfio/devices/vfioN of each member (iommufd,
 * QEMU 8.2+ with kernel 6.6+).  Sized for any directory entry, so that no
 * name is cut into another. */
#define NODE_LEN (sizeof("/dev/vfio/devices/") + NAME_MAX)

static size_t group_nodes(int group, char nodes[][NODE_LEN], size_t max)
{
	_cleanup_closedir_ DIR *dir = dda_opendir("sys/kernel/iommu_groups/%d/devices", group);
	struct dirent *e;
	size_t n = 0;

	snprintf(nodes[n++], NODE_LEN, "/dev/vfio/%d", group);
	while (dir && (e = readdir(dir)) && n < max) {
		_cleanup_closedir_ DIR *vd = NULL;
		struct dirent *v;

		if (e->d_name[0] == '.' || !(vd = dda_opendir("sys/bus/pci/devices/%s/vfio-dev", e->d_name)))
			continue;
		while ((v = readdir(vd)) && n < max)
			if (!strncmp(v->d_name, "vfio", 4))
				snprintf(nodes[n++], NODE_LEN, "/dev/vfio/devices/%s", v->d_name);
	}
	return n;
}

size_t dda_vfio_group_users(int group, int *pids, size_t max)
{
	_cleanup_closedir_ DIR *proc = dda_opendir("proc");
	char nodes[16][NODE_LEN];
	size_t nnodes, n = 0;
	struct dirent *p;

	if (!proc || group < 0)
		return 0;
	nnodes = group_nodes(group, nodes, ARRAY_SIZE(nodes));
	while ((p = readdir(proc))) {
		_cleanup_closedir_ DIR *fds = NULL;
		struct dirent *f;
		uint32_t pid;
		bool holds = false;

		if (dda_parse_u32(p->d_name, 10, &pid) < 0 || pid == (uint32_t)getpid())
			continue;
		fds = dda_opendir("proc/%u/fd", pid);
		if (!fds)
			continue;
		while (!holds && (f = readdir(fds))) {
			char target[PATH_MAX];

			if (f->d_name[0] == '.' ||
			    dda_read_link(target, sizeof(target), "proc/%u/fd/%s", pid, f->d_name) < 0 ||
			    strncmp(target, "/dev/vfio/", 10))
				continue;
			for (size_t k = 0; k < nnodes && !holds; k++)
				holds = !strcmp(target, nodes[k]);
		}
		if (holds) {
			if (n < max)
				pids[n] = (int)pid;
			n++;
		}
	}
	return n;
}
