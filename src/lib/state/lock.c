/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "hostpath.h"
#include "lock.h"
#include "state.h"

struct dda_lock {
	int fd;
};

int dda_lock_take(struct dda_lock **ret, const char *what)
{
	_cleanup_close_ int fd = -1, dirfd = -1;
	char path[PATH_MAX], holder[256] = "";
	struct dda_lock *l;
	uint64_t timeout = 30;
	const char *env = getenv("DDACTL_LOCK_TIMEOUT");
	struct timespec start, now;

	if (env && dda_parse_u64(env, 10, &timeout) < 0)
		timeout = 30;
	/* Root's alone: flock() works on a read-only descriptor, so a lock
	 * file others can open is one they can hold (lock.h). */
	dirfd = dda_open_private_dir(dda_run_dir(), 0755, true);
	if (dirfd < 0)
		return dirfd;
	snprintf(path, sizeof(path), "%s/lock", dda_run_dir());
	fd = dda_open_private_file(dirfd, dda_run_dir(), "lock", O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return fd == -ENOENT ? dda_error(fd, NULL, "cannot create lock file '%s'", path) : fd;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK)
			return dda_error(-errno, NULL, "cannot lock '%s': %m", path);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((uint64_t)(now.tv_sec - start.tv_sec) >= timeout) {
			ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);

			holder[n > 0 ? n : 0] = '\0';
			dda_strip(holder);
			return dda_error_code(-EBUSY, "locked", NULL,
					      "another ddactl is changing the host (%s); waited %llus for lock '%s'",
					      holder[0] ? holder : "holder unknown", (unsigned long long)timeout, path);
		}
		usleep(100 * 1000);
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
