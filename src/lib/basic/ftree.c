/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
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
#include "ftree.h"
#include "hostpath.h"

static size_t hash(const char *s)
{
	size_t h = 14695981039346656037ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static size_t *lookup(const struct dda_ftree *t, const char *path)
{
	for (size_t i = hash(path) & (t->nslot - 1);; i = (i + 1) & (t->nslot - 1))
		if (!t->slot[i] || !strcmp(t->e[t->slot[i] - 1].path, path))
			return &t->slot[i];
}

/* Keeps the index at most half full. */
static int reindex(struct dda_ftree *t)
{
	size_t n = t->nslot ? t->nslot * 2 : 1024;
	size_t *old = t->slot;

	if (t->nslot && (t->n + 1) * 2 < t->nslot)
		return 0;
	t->slot = calloc(n, sizeof(*t->slot));
	if (!t->slot) {
		t->slot = old;
		return -ENOMEM;
	}
	t->nslot = n;
	free(old);
	for (size_t i = 0; i < t->n; i++)
		*lookup(t, t->e[i].path) = i + 1;
	return 0;
}

static int vadd(struct dda_ftree *t, enum dda_ftree_kind kind, const void *data, size_t len, const char *fmt, va_list ap)
{
	struct dda_ftree_entry *e;
	char path[PATH_MAX];
	int n = vsnprintf(path, sizeof(path), fmt, ap);
	char *p, *d = NULL;

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	p = path[0] == '/' ? path + 1 : path;
	if (kind != DDA_FT_DIR) {
		d = malloc(len + 1);
		if (!d)
			return -ENOMEM;
		if (len)
			memcpy(d, data, len);
		d[len] = '\0';
	}
	if (reindex(t) < 0) {
		free(d);
		return -ENOMEM;
	}
	e = dda_ftree_find(t, p);
	if (e) {
		free(e->data);
		e->kind = kind;
		e->data = d;
		e->len = len;
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct dda_ftree_entry *ne = realloc(t->e, cap * sizeof(*ne));

		if (!ne) {
			free(d);
			return -ENOMEM;
		}
		t->e = ne;
		t->cap = cap;
	}
	e = &t->e[t->n];
	*e = (struct dda_ftree_entry){ .kind = kind, .path = strdup(p), .data = d, .len = len };
	if (!e->path) {
		free(d);
		return -ENOMEM;
	}
	*lookup(t, e->path) = t->n + 1;
	t->n++;
	return 0;
}

int dda_ftree_add(struct dda_ftree *t, enum dda_ftree_kind kind, const void *data, size_t len, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vadd(t, kind, data, len, fmt, ap);
	va_end(ap);
	return r;
}

int dda_ftree_add_str(struct dda_ftree *t, enum dda_ftree_kind kind, const char *s, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vadd(t, kind, s, strlen(s), fmt, ap);
	va_end(ap);
	return r;
}

struct dda_ftree_entry *dda_ftree_find(const struct dda_ftree *t, const char *path)
{
	size_t *s = t->nslot ? lookup(t, path) : NULL;

	return s && *s ? &t->e[*s - 1] : NULL;
}

void dda_ftree_release(struct dda_ftree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].path);
		free(t->e[i].data);
	}
	free(t->e);
	free(t->slot);
	*t = (struct dda_ftree){ 0 };
}

/* The real root-relative path of the directory fd: "" for the root. */
static int real_rel(struct dda_ctx *ctx, int fd, char *buf, size_t size)
{
	char proc[64], real[PATH_MAX];
	size_t rl = strlen(ctx->root);
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd); /* lint-ok: our own fd, not a host path */
	n = readlink(proc, real, sizeof(real) - 1);
	if (n < 0)
		return -errno;
	real[n] = '\0';
	while (rl > 1 && ctx->root[rl - 1] == '/')
		rl--;
	if (rl == 1 && ctx->root[0] == '/')
		rl = 0;
	if (strncmp(real, ctx->root, rl) || (real[rl] && real[rl] != '/'))
		return -EXDEV; /* a link out of the root: not part of this host's tree */
	return dda_pathf(buf, size, "%s", real[rl] == '/' ? real + rl + 1 : real + rl);
}

static int read_entry(struct dda_ctx *ctx, int dfd, const char *rel, const char *name, bool list,
		      bool (*keep)(const char *name), struct dda_ftree *t)
{
	struct stat st;
	char target[PATH_MAX];
	ssize_t n;
	int r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return 0;
		target[n] = '\0';
		return dda_ftree_add_str(t, DDA_FT_LINK, target, "%s%s%s", rel, *rel ? "/" : "", name);
	}
	if (S_ISREG(st.st_mode)) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;

		/* A file only listed keeps its name; one that cannot be read
		 * (write-only sysfs knobs) too. */
		if (list && !keep(name))
			return dda_ftree_add(t, DDA_FT_FILE, "", 0, "%s%s%s", rel, *rel ? "/" : "", name);
		if (dda_read_alloc_at(dfd, name, &buf, &len) < 0)
			return 0;
		return dda_ftree_add(t, DDA_FT_FILE, buf, len, "%s%s%s", rel, *rel ? "/" : "", name);
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	r = dda_ftree_add(t, DDA_FT_DIR, NULL, 0, "%s%s%s", rel, *rel ? "/" : "", name);
	if (r < 0 || list)
		return r;
	{
		_cleanup_closedir_ DIR *d = NULL;
		char sub[PATH_MAX];
		struct dirent *e;
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return 0;
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			return 0;
		}
		r = dda_pathf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", name);
		while (r == 0 && (e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				r = read_entry(ctx, dirfd(d), sub, e->d_name, true, keep, t);
	}
	return r;
}

int dda_ftree_read(struct dda_ctx *ctx, const char *const *paths, size_t n, bool (*keep)(const char *name),
		   struct dda_ftree *t)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *parent = strdup(paths[i]);
		_cleanup_close_ int fd = -1;
		char rel[PATH_MAX], *slash, *name;
		int r;

		if (!parent)
			return -ENOMEM;
		slash = strrchr(parent, '/');
		if (slash) {
			*slash = '\0';
			name = slash + 1;
		} else {
			name = parent;
		}
		if (!*name)
			continue;
		fd = openat(ctx->root_fd, slash ? parent : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || real_rel(ctx, fd, rel, sizeof(rel)) < 0)
			continue;
		r = read_entry(ctx, fd, rel, name, false, keep, t);
		if (r < 0)
			return r;
	}
	return 0;
}

static int mkdirs(int rootfd, const char *path)
{
	char p[PATH_MAX];

	if (dda_pathf(p, sizeof(p), "%s", path) < 0)
		return -ENAMETOOLONG;
	for (char *s = p;; s++) {
		if (*s != '/' && *s)
			continue;
		{
			char c = *s;

			*s = '\0';
			if (*p && mkdirat(rootfd, p, 0755) < 0 && errno != EEXIST)
				return -errno;
			*s = c;
		}
		if (!*s)
			return 0;
	}
}

static int parent_dirs(int rootfd, const char *path)
{
	char p[PATH_MAX];
	char *slash;

	if (dda_pathf(p, sizeof(p), "%s", path) < 0)
		return -ENAMETOOLONG;
	slash = strrchr(p, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return mkdirs(rootfd, p);
}

static int write_file(int rootfd, const struct dda_ftree_entry *e)
{
	_cleanup_close_ int fd = openat(rootfd, e->path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	size_t done = 0;

	if (fd < 0)
		return -errno;
	while (done < e->len) {
		ssize_t n = write(fd, e->data + done, e->len - done);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			done += (size_t)n;
	}
	return 0;
}

/* A link's target must stay in the tree.  A snapshot is someone else's
 * file, and the scan follows links: one to /dev/tty, or up out of the
 * private directory, would have it read this host's files or hang.  So
 * the target is resolved as the kernel will resolve it, component by
 * component from the link's directory, following the tree's own links
 * (at most 40 in all, as the kernel's MAXSYMLINKS): an absolute target,
 * or a ".." above the root at any step, is out.  Counting ".." in the
 * text alone is not enough: a link among the target's components moves
 * where the ".." after it climbs from.  out gets the resolved path, ""
 * for the root. */
static bool resolve_inside(const struct dda_ftree *t, const char *dir, const char *target, char *out, size_t size,
			   int *hops)
{
	char cur[PATH_MAX];
	size_t len;

	if (target[0] == '/' || !*target || dda_pathf(cur, sizeof(cur), "%s", dir) < 0)
		return false;
	len = strlen(cur);
	for (const char *p = target; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && !strncmp(p, "..", 2)) {
			char *s;

			if (len == 0)
				return false;
			s = strrchr(cur, '/');
			len = s ? (size_t)(s - cur) : 0;
			cur[len] = '\0';
		} else if (n && !(n == 1 && *p == '.')) {
			const struct dda_ftree_entry *e;

			if (len + 1 + n + 1 > sizeof(cur))
				return false;
			if (len)
				cur[len++] = '/';
			memcpy(cur + len, p, n);
			len += n;
			cur[len] = '\0';
			e = dda_ftree_find(t, cur);
			if (e && e->kind == DDA_FT_LINK) {
				char parent[PATH_MAX];
				char *s = strrchr(cur, '/');

				if (++*hops > 40)
					return false;
				snprintf(parent, sizeof(parent), "%.*s", s ? (int)(s - cur) : 0, cur);
				if (!resolve_inside(t, parent, e->data, cur, sizeof(cur), hops))
					return false;
				len = strlen(cur);
			}
		}
		p += n;
		p += *p == '/';
	}
	return dda_pathf(out, size, "%s", cur) == 0;
}

static bool target_inside(const struct dda_ftree *t, const char *path, const char *target)
{
	char dir[PATH_MAX], out[PATH_MAX];
	const char *s = strrchr(path, '/');
	int hops = 0;

	snprintf(dir, sizeof(dir), "%.*s", s ? (int)(s - path) : 0, path);
	return resolve_inside(t, dir, target, out, sizeof(out), &hops);
}

/* An entry's own path is plain: no empty, "." or ".." component, so that
 * where it is written is where its checks think it is. */
static bool plain_path(const char *path)
{
	if (!*path || path[0] == '/')
		return false;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && *p == '.') || (n == 2 && !strncmp(p, "..", 2)))
			return false;
		p += n;
		if (*p == '/' && !p[1])
			return false;
		p += *p == '/';
	}
	return true;
}

/* Every entry's parents must be directories: a link's target is checked
 * from where its path says it is, which a link among its parents would
 * move (a link to "." makes "a/l/l/l/x" land at "a/x", and "../../.."
 * from there leaves the tree). */
static bool through_link(const struct dda_ftree *t, const char *path)
{
	char p[PATH_MAX];

	if (dda_pathf(p, sizeof(p), "%s", path) < 0)
		return true;
	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		const struct dda_ftree_entry *e;

		*s = '\0';
		e = dda_ftree_find(t, p);
		*s = '/';
		if (e && e->kind == DDA_FT_LINK)
			return true;
	}
	return false;
}

int dda_ftree_write(struct dda_ctx *ctx, const struct dda_ftree *t)
{
	for (int pass = DDA_FT_DIR; pass <= DDA_FT_LINK; pass++)
		for (size_t i = 0; i < t->n; i++) {
			const struct dda_ftree_entry *e = &t->e[i];
			int r;

			if ((int)e->kind != pass)
				continue;
			if (!plain_path(e->path) || strstr(e->path, ".."))
				return dda_error(-EINVAL, NULL, "the tree names '%s': not a path under its root",
						 e->path);
			if (through_link(t, e->path))
				return dda_error(-EINVAL, NULL, "the tree's '%s' lies below one of its links", e->path);
			if (e->kind == DDA_FT_LINK && !target_inside(t, e->path, e->data))
				return dda_error(-EINVAL, NULL, "the tree's link '%s' points out of it, to '%s'",
						 e->path, e->data);
			r = e->kind == DDA_FT_DIR ? mkdirs(ctx->root_fd, e->path) : parent_dirs(ctx->root_fd, e->path);
			if (r == 0 && e->kind == DDA_FT_FILE)
				r = write_file(ctx->root_fd, e);
			if (r == 0 && e->kind == DDA_FT_LINK && symlinkat(e->data, ctx->root_fd, e->path) < 0 &&
			    errno != EEXIST)
				r = -errno;
			if (r < 0)
				return dda_error(r, NULL, "cannot write '%s' under '%s': %s", e->path, ctx->root,
						 strerror(-r));
		}
	return 0;
}

int dda_ftree_remove_below(int dfd)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), first = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sub = openat(dirfd(d), e->d_name,
							 O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int r = sub < 0 ? -errno : dda_ftree_remove_below(sub);

			if (r < 0 && !first)
				first = r;
		}
		if (unlinkat(dirfd(d), e->d_name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 && !first)
			first = -errno;
	}
	return first;
}
