/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "error.h"
#include "hostpath.h"

/* Formats a root-relative path; a leading '/' is dropped so that
 * "sys/x" and "/sys/x" mean the same thing under any root. */
static int vrel(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	if (buf[0] == '/')
		memmove(buf, buf + 1, (size_t)n);
	return 0;
}

#define REL(buf, fmt)                                  \
	char buf[PATH_MAX];                            \
	do {                                           \
		va_list _ap;                           \
		int _r;                                \
		va_start(_ap, fmt);                    \
		_r = vrel(buf, sizeof(buf), fmt, _ap); \
		va_end(_ap);                           \
		if (_r < 0)                            \
			return _r;                     \
	} while (0)

char *dda_path(struct dda_ctx *ctx, const char *fmt, ...)
{
	char rel[PATH_MAX];
	char *out = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vrel(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (r < 0)
		return NULL;
	/* dda_ctx_new() opened the root, so it is a non-empty directory name. */
	if (asprintf(&out, "%s%s%s", ctx->root, ctx->root[strlen(ctx->root) - 1] == '/' ? "" : "/", rel) < 0)
		return NULL;
	return out;
}

static int read_fd(int fd, void *buf, size_t size, size_t *ret_len)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, (char *)buf + got, size - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*ret_len = got;
	return 0;
}

int dda_read_at(int dirfd, const char *name, void *buf, size_t size, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return read_fd(fd, buf, size, ret_len);
}

int dda_read(struct dda_ctx *ctx, void *buf, size_t size, size_t *ret_len, const char *fmt, ...)
{
	REL(rel, fmt);
	return dda_read_at(ctx->root_fd, rel, buf, size, ret_len);
}

int dda_read_alloc(struct dda_ctx *ctx, char **ret, size_t *ret_len, const char *fmt, ...)
{
	REL(rel, fmt);
	return dda_read_alloc_at(ctx->root_fd, rel, ret, ret_len);
}

int dda_read_alloc_at(int dirfd, const char *name, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t cap = 4096, len = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		size_t got;
		char *nb = realloc(buf, cap + 1);
		int r;

		if (!nb)
			return -ENOMEM;
		buf = nb;
		r = read_fd(fd, buf + len, cap - len, &got);
		if (r < 0)
			return r;
		len += got;
		if (len < cap)
			break;
		/* Files under /proc can be large (mountinfo); sysfs ones never. */
		if (cap >= 64u << 20)
			return -EFBIG;
		cap *= 2;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

char *dda_strip(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

int dda_read_line(struct dda_ctx *ctx, char *buf, size_t size, const char *fmt, ...)
{
	REL(rel, fmt);
	return dda_read_line_at(ctx->root_fd, rel, buf, size);
}

int dda_read_line_at(int dirfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	size_t len;
	char *nl;
	int r;

	if (size == 0)
		return -EINVAL;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read_fd(fd, buf, size - 1, &len);
	if (r < 0)
		return r;
	buf[len] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	dda_strip(buf);
	return 0;
}

int dda_parse_u64(const char *s, int base, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s)
		return -EINVAL;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno)
		return -errno;
	if (end == s)
		return -EINVAL;
	while (*end == ' ' || *end == '\n' || *end == '\t')
		end++;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int dda_parse_u32(const char *s, int base, uint32_t *ret)
{
	uint64_t v;
	int r = dda_parse_u64(s, base, &v);

	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int dda_read_u64(struct dda_ctx *ctx, uint64_t *ret, const char *fmt, ...)
{
	REL(rel, fmt);
	return dda_read_u64_at(ctx->root_fd, rel, ret);
}

int dda_read_u64_at(int dirfd, const char *name, uint64_t *ret)
{
	_cleanup_close_ int fd = -1;
	char buf[64];
	size_t len;
	int r;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read_fd(fd, buf, sizeof(buf) - 1, &len);
	if (r < 0)
		return r;
	buf[len] = '\0';
	return dda_parse_u64(buf, 0, ret);
}

int dda_read_link(struct dda_ctx *ctx, char *buf, size_t size, const char *fmt, ...)
{
	ssize_t n;

	REL(rel, fmt);
	n = readlinkat(ctx->root_fd, rel, buf, size);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

int dda_read_link_base(struct dda_ctx *ctx, char *buf, size_t size, const char *fmt, ...)
{
	REL(rel, fmt);
	return dda_read_link_base_at(ctx->root_fd, rel, buf, size);
}

int dda_read_link_base_at(int dirfd, const char *name, char *buf, size_t size)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int dda_write(struct dda_ctx *ctx, const char *s, const char *fmt, ...)
{
	_cleanup_close_ int fd = -1;
	/* An empty value goes as a newline, which sysfs attributes read as
	 * empty: "\n" is how driver_override is cleared. */
	const char *value = *s ? s : "\n";
	size_t len = strlen(value);
	ssize_t n;

	REL(rel, fmt);
	fd = openat(ctx->root_fd, rel, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return dda_error(-errno, NULL, "cannot open '/%s' for writing: %m", rel);
	/* sysfs takes a value in one write(); a short write is a failure. */
	n = write(fd, value, len);
	if (n < 0)
		return dda_error(-errno, NULL, "cannot write '%s' to '/%s': %m", s, rel);
	if ((size_t)n != len)
		return dda_error(-EIO, NULL, "short write of '%s' to '/%s': %zd of %zu bytes taken", s, rel, n, len);
	return 0;
}

int dda_write_replace(struct dda_ctx *ctx, const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	char rel[PATH_MAX], tmp[NAME_MAX + 1];
	size_t done = 0;
	int r;

	r = dda_pathf(rel, sizeof(rel), "%s", dir[0] == '/' ? dir + 1 : dir);
	if (r < 0)
		return r;
	dfd = openat(ctx->root_fd, rel[0] ? rel : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return dda_error(-errno, NULL, "cannot open directory '/%s': %m", rel);
	/* O_EXCL | O_NOFOLLOW: whoever owns the directory may have put a
	 * file or a link under any name; a fresh name is tried instead. */
	for (unsigned i = 0; fd < 0 && i < 64; i++) {
		r = dda_pathf(tmp, sizeof(tmp), ".%s.%d.%u", name, (int)getpid(), i);
		if (r < 0)
			return r;
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && errno != EEXIST)
			return dda_error(-errno, NULL, "cannot create '/%s/%s': %m", rel, tmp);
	}
	if (fd < 0)
		return dda_error(-EEXIST, NULL, "cannot create a temporary file in '/%s': every name is taken", rel);
	/* the umask must not take away what readers need */
	r = fchmod(fd, mode) < 0 ? -errno : 0;
	while (r == 0 && done < len) {
		ssize_t n = write(fd, (const char *)data + done, len - done);

		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			done += (size_t)n;
	}
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dfd, tmp, 0);
		return dda_error(r, NULL, "cannot write '/%s/%s': %s", rel, name, strerror(-r));
	}
	return 0;
}

int dda_mkdirs(struct dda_ctx *ctx, unsigned mode, const char *fmt, ...)
{
	REL(rel, fmt);
	for (char *p = rel;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (rel[0] && mkdirat(ctx->root_fd, rel, (mode_t)mode) < 0 && errno != EEXIST) {
			int r = -errno;

			return dda_error(r, NULL, "cannot make directory '/%s': %s", rel, strerror(-r));
		}
		*p = c;
		if (!c)
			return 0;
	}
}

int dda_symlink(struct dda_ctx *ctx, const char *target, const char *fmt, ...)
{
	REL(rel, fmt);
	if (unlinkat(ctx->root_fd, rel, 0) < 0 && errno != ENOENT)
		return dda_error(-errno, NULL, "cannot replace '/%s': %m", rel);
	if (symlinkat(target, ctx->root_fd, rel) < 0)
		return dda_error(-errno, NULL, "cannot link '/%s' to '%s': %m", rel, target);
	return 0;
}

int dda_exists(struct dda_ctx *ctx, const char *fmt, ...)
{
	REL(rel, fmt);
	return dda_exists_at(ctx->root_fd, rel);
}

int dda_exists_at(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, 0) == 0;
}

int dda_access(struct dda_ctx *ctx, int mode, const char *fmt, ...)
{
	REL(rel, fmt);
	return faccessat(ctx->root_fd, rel, mode, 0) < 0 ? -errno : 0;
}

int dda_pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < size)
		return 0;
	/* the cut text goes in the message only, never back to the caller */
	n = dda_error(-ENAMETOOLONG, NULL, "path too long (over %zu bytes): '%s...'", size ? size - 1 : 0,
		      size ? buf : "");
	if (size)
		buf[0] = '\0';
	return n;
}

int dda_open_dir(struct dda_ctx *ctx, const char *fmt, ...)
{
	int fd;

	REL(rel, fmt);
	fd = openat(ctx->root_fd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

DIR *dda_opendir(struct dda_ctx *ctx, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	int fd, r;
	DIR *d;

	va_start(ap, fmt);
	r = vrel(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	fd = openat(ctx->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

/* ssh's StrictModes: only root (or whoever runs us, for tests run by a
 * user) may own it, and nobody else may write it. */
static int check_trusted(const struct stat *st, const char *path, const char *what)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return dda_error_code(-EPERM, "unsafe-path", NULL,
				      "refusing %s '%s': it is owned by uid %u, not root (fix: chown root:root '%s')",
				      what, path, (unsigned)st->st_uid, path);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return dda_error_code(-EPERM, "unsafe-path", NULL,
				      "refusing %s '%s': it is writable by group or others (mode %04o; fix: chmod go-w '%s')",
				      what, path, (unsigned)(st->st_mode & 07777), path);
	return 0;
}

static int refuse_link(const char *path, const char *what)
{
	return dda_error_code(-ELOOP, "unsafe-path", NULL,
			      "refusing %s '%s': it is a symbolic link or not a directory (fix: replace it with a root-owned directory)",
			      what, path);
}

int dda_open_private_dir(struct dda_ctx *ctx, const char *path, unsigned mode, bool create)
{
	_cleanup_close_ int fd = -1;
	char buf[PATH_MAX], *comp, *save = NULL;
	const char *root = ctx->root;
	size_t rootlen;
	struct stat st;
	int r;

	rootlen = strlen(root);
	while (rootlen > 1 && root[rootlen - 1] == '/')
		rootlen--;
	/* Only what lies under the root is checked: above it is the test
	 * harness's choice (a fake root in /tmp), and in production the root
	 * is "/" so every component is. */
	if (strncmp(path, root, rootlen) || (rootlen > 1 && path[rootlen] && path[rootlen] != '/'))
		return dda_error(-EINVAL, NULL, "'%s' is not under the root directory '%s'", path, root);
	if (snprintf(buf, sizeof(buf), "%s", path + (rootlen > 1 ? rootlen : 0)) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	fd = fcntl(ctx->root_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || fstat(fd, &st) < 0)
		return dda_error(-errno, NULL, "cannot open root directory '%s': %m", root);
	r = check_trusted(&st, root, "the root directory");
	if (r < 0)
		return r;
	for (comp = strtok_r(buf, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		bool last = !save || !*save || strspn(save, "/") == strlen(save);
		int next;

		if (!strcmp(comp, "..") || !strcmp(comp, "."))
			return dda_error(-EINVAL, NULL, "'%s' must not contain '.' or '..'", path);
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			/* Parents as a package manager would make them; the
			 * last one with the mode asked for, whatever the umask. */
			if (mkdirat(fd, comp, last ? (mode_t)mode : 0755) < 0 && errno != EEXIST)
				return dda_error(-errno, NULL, "cannot create '%s': %m", path);
			if (last && fchmodat(fd, comp, (mode_t)mode, 0) < 0)
				return dda_error(-errno, NULL, "cannot set the mode of '%s': %m", path);
			next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			if (errno == ELOOP || errno == ENOTDIR)
				return refuse_link(path, "directory");
			if (errno == ENOENT && !create)
				return -ENOENT;
			return dda_error(-errno, NULL, "cannot open directory '%s': %m", path);
		}
		close(fd);
		fd = next;
		if (fstat(fd, &st) < 0)
			return dda_error(-errno, NULL, "cannot open directory '%s': %m", path);
		r = check_trusted(&st, path, "directory");
		if (r < 0)
			return r;
		/* An older ddactl made it wider than it is now meant to be. */
		if (last && (st.st_mode & 07777 & ~(mode_t)mode)) {
			_cleanup_close_ int parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);

			if (parent < 0 || fchmodat(parent, comp, (mode_t)mode & st.st_mode & 07777, 0) < 0)
				return dda_error(-errno, NULL, "cannot set the mode of '%s': %m", path);
		}
	}
	return TAKE_FD(fd);
}

int dda_open_private_file(int dirfd, const char *dir, const char *name, int flags, unsigned mode)
{
	_cleanup_close_ int fd = -1;
	char path[PATH_MAX];
	struct stat st;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, (mode_t)mode);
	if (fd < 0) {
		if (errno == ELOOP)
			return dda_error_code(-ELOOP, "unsafe-path", NULL,
					      "refusing '%s': it is a symbolic link (fix: remove it; ddactl makes its own)",
					      path);
		if (errno == ENOENT)
			return -ENOENT;
		return dda_error(-errno, NULL, "cannot open '%s': %m", path);
	}
	if (fstat(fd, &st) < 0)
		return dda_error(-errno, NULL, "cannot open '%s': %m", path);
	if (!S_ISREG(st.st_mode))
		return dda_error_code(-EPERM, "unsafe-path", NULL,
				      "refusing '%s': it is not a regular file (fix: remove it)", path);
	r = check_trusted(&st, path, "file");
	if (r < 0)
		return r;
	/* Files an older ddactl made 0644 become private the first time. */
	if ((st.st_mode & 07777) != (mode_t)mode && fchmod(fd, (mode_t)mode) < 0)
		return dda_error(-errno, NULL, "cannot set the mode of '%s': %m", path);
	return TAKE_FD(fd);
}

int dda_check_private_file(int dirfd, const char *dir, const char *name, unsigned mode)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : dda_error(-errno, NULL, "cannot check '%s': %m", path);
	if (!S_ISREG(st.st_mode))
		return dda_error_code(-EPERM, "unsafe-path", NULL,
				      "refusing '%s': it is a symbolic link or not a regular file (fix: remove it)",
				      path);
	r = check_trusted(&st, path, "file");
	if (r < 0)
		return r;
	if ((st.st_mode & 07777) != (mode_t)mode && fchmodat(dirfd, name, (mode_t)mode, 0) < 0)
		return dda_error(-errno, NULL, "cannot set the mode of '%s': %m", path);
	return 0;
}
