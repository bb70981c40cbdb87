/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "hostpath.h"
#include "procfd.h"

int dda_procfd_walk(struct dda_ctx *ctx, const char *prefix, dda_procfd_fn fn, void *data)
{
	_cleanup_closedir_ DIR *proc = dda_opendir(ctx, "proc");
	size_t plen = strlen(prefix);
	struct dirent *p;

	while (proc && (p = readdir(proc))) {
		_cleanup_closedir_ DIR *fds = NULL;
		struct dirent *f;
		uint32_t pid;
		int r = 0;

		if (dda_parse_u32(p->d_name, 10, &pid) < 0 || pid == (uint32_t)getpid() ||
		    !(fds = dda_opendir(ctx, "proc/%u/fd", pid)))
			continue;
		while (r == 0 && (f = readdir(fds))) {
			char target[PATH_MAX];

			if (f->d_name[0] == '.' ||
			    dda_read_link(ctx, target, sizeof(target), "proc/%u/fd/%s", pid, f->d_name) < 0 ||
			    strncmp(target, prefix, plen))
				continue;
			r = fn(ctx, pid, target, data);
		}
		if (r < 0)
			return r;
	}
	return 0;
}
