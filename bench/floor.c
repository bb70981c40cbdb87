/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * floor [ROOT]
 *
 * The least work any survey must do: for each function in
 * ROOT/sys/bus/pci/devices, read its config space and its standard
 * attributes (ids, class, resource) once and resolve its driver and
 * iommu_group links, and nothing else.  Timing this next to `ddactl
 * survey` shows how much of the survey's cost is its own.  ROOT defaults
 * to $DDACTL_ROOT, then "/".
 *
 * One read() per file with a buffer larger than any of them: sysfs hands
 * a whole attribute to the first read, so this is the minimum of calls.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const attrs[] = {
	"config", "vendor", "device", "subsystem_vendor", "subsystem_device", "class", "resource",
};

static const char *const links[] = {
	"driver",
	"iommu_group",
};

/* Folded into the output so no read can be optimised away or skipped. */
static uint64_t sum;

static int read_once(int dirfd, const char *path, uint8_t *buf, size_t len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len);
	close(fd);
	if (n < 0)
		return -errno;
	for (ssize_t i = 0; i < n; i += 64)
		sum += buf[i];
	return 0;
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : getenv("DDACTL_ROOT");
	char path[PATH_MAX];
	uint8_t buf[8192];
	unsigned functions = 0, missing = 0;
	struct dirent *e;
	DIR *d;
	int dfd;

	if (!root || !*root)
		root = "";
	if ((size_t)snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", root) >= sizeof(path)) {
		fprintf(stderr, "floor: root path too long\n");
		return EXIT_FAILURE;
	}
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		return EXIT_FAILURE;
	}
	dfd = dirfd(d);

	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		functions++;
		for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", e->d_name, attrs[i]) >= sizeof(path) ||
			    read_once(dfd, path, buf, sizeof(buf)) < 0)
				missing++;
		}
		for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
			ssize_t n;

			if ((size_t)snprintf(path, sizeof(path), "%s/%s", e->d_name, links[i]) >= sizeof(path))
				continue;
			/* an unbound function has no driver link: that is an answer too */
			n = readlinkat(dfd, path, (char *)buf, sizeof(buf));
			if (n > 0)
				sum += buf[n - 1];
		}
	}
	closedir(d);

	printf("%u functions (%u unreadable attributes, sum %llx)\n", functions, missing, (unsigned long long)sum);
	return functions ? EXIT_SUCCESS : EXIT_FAILURE;
}
