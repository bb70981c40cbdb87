/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A host tree as data: directories, files and symlinks by root-relative
 * path.  It is what a survey snapshot holds (read from a host by the
 * paths a capture noted) and what an lspci dump turns into, and it is
 * written out into a private directory (dda_ctx_new_private) for the
 * ordinary scan to read as it reads sysfs.
 */
#ifndef DDA_FTREE_H
#define DDA_FTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"

struct dda_ctx;

enum dda_ftree_kind {
	DDA_FT_DIR,
	DDA_FT_FILE,
	DDA_FT_LINK,
};

struct dda_ftree_entry {
	enum dda_ftree_kind kind;
	char *path; /* root-relative, no leading '/', every parent a directory */
	char *data; /* a file's bytes or a link's target, NUL-terminated too */
	size_t len;
};

struct dda_ftree {
	struct dda_ftree_entry *e;
	size_t n, cap;
	/* an open-addressing index of e by path (index + 1, 0 free): a host
	 * of 4,096 functions has some 200,000 entries */
	size_t *slot;
	size_t nslot;
};

/* Adds an entry (data is copied; NULL for a directory).  A path already
 * there is replaced, so a file read later wins over one only listed. */
int dda_ftree_add(struct dda_ftree *t, enum dda_ftree_kind kind, const void *data, size_t len, const char *fmt, ...)
	_printf_(5, 6) _must_check_;
/* A file or a link from a string. */
int dda_ftree_add_str(struct dda_ftree *t, enum dda_ftree_kind kind, const char *s, const char *fmt, ...)
	_printf_(4, 5) _must_check_;
struct dda_ftree_entry *dda_ftree_find(const struct dda_ftree *t, const char *path);
void dda_ftree_release(struct dda_ftree *t);

/* Reads what paths name under ctx's root into t, each under its real
 * path (the parents' symlinks resolved, as sysfs' bus links are): a
 * symlink as its target, a file as its bytes, a directory as itself and
 * its entries (links and directories as such; files by content only
 * when keep() says so, otherwise as empty files: their existence is what
 * a reader can ask of them).  Paths that do not exist are left out. */
int dda_ftree_read(struct dda_ctx *ctx, const char *const *paths, size_t n, bool (*keep)(const char *name),
		   struct dda_ftree *t) _must_check_;

/* Writes t under ctx's root: directories first (with their parents),
 * then files (mode 0644, config 0644 too: the reader is ourselves), then
 * links.  Records the error naming the path. */
int dda_ftree_write(struct dda_ctx *ctx, const struct dda_ftree *t) _must_check_;

/* Removes everything below the directory dirfd (not itself), never
 * following a symlink.  0 or the first -errno. */
int dda_ftree_remove_below(int dirfd);

#endif
