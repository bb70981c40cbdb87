/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "hostpath.h"
#include "lock.h"
#include "state.h"
#include "wait.h"

struct dda_lock {
	int fd;
};

/* > 0 once the lock is ours, 0 while another process holds it. */
static int lock_check(void *data)
{
	if (flock(*(int *)data, LOCK_EX | LOCK_NB) == 0)
		return 1;
	return errno == EWOULDBLOCK ? 0 : -errno;
}

int dda_lock_take(struct dda_ctx *ctx, struct dda_lock **ret, const char *what)
{
	_cleanup_close_ int fd = -1, dirfd = -1;
	char path[PATH_MAX], holder[256] = "";
	struct dda_lock *l;
	uint64_t timeout = dda_ctx_lock_timeout(ctx);
	int r;

	/* Root's alone: flock() works on a read-only descriptor, so a lock
	 * file others can open is one they can hold (lock.h). */
	dirfd = dda_open_private_dir(ctx, dda_ctx_run_dir(ctx), 0755, true);
	if (dirfd < 0)
		return dirfd;
	snprintf(path, sizeof(path), "%s/lock", dda_ctx_run_dir(ctx));
	fd = dda_open_private_file(dirfd, dda_ctx_run_dir(ctx), "lock", O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return fd == -ENOENT ? dda_error(fd, NULL, "cannot create lock file '%s'", path) : fd;
	r = dda_poll(lock_check, &fd, timeout > UINT_MAX / 1000 ? UINT_MAX : (unsigned)timeout * 1000);
	if (r < 0)
		return dda_error(r, NULL, "cannot lock '%s': %s", path, strerror(-r));
	if (r == 0) {
		ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);

		holder[n > 0 ? n : 0] = '\0';
		dda_strip(holder);
		return dda_error_code(-EBUSY, "locked", NULL,
				      "another ddactl is changing the host (%s); waited %llus for lock '%s'",
				      holder[0] ? holder : "holder unknown", (unsigned long long)timeout, path);
	}
	/* Say who holds it, for the next one that waits. */
	if (ftruncate(fd, 0) == 0) {
		snprintf(holder, sizeof(holder), "pid %d, '%s'\n", (int)getpid(), what);
		if (pwrite(fd, holder, strlen(holder), 0) < 0)
			holder[0] = '\0';
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fd = TAKE_FD(fd);
	*ret = l;
	return 0;
}

void dda_lock_release(struct dda_lock *l)
{
	if (!l)
		return;
	/* Emptied so nobody reads a stale holder; close drops the lock. */
	if (ftruncate(l->fd, 0) < 0) {
		/* nothing to do: the lock goes with the descriptor */
	}
	close(l->fd);
	free(l);
}
