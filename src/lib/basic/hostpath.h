/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one door to the host's files.
 *
 * Every path of the host (sysfs, procfs, /run, /var/lib, /lib/modules) is
 * written relative to a root, "sys/bus/pci/devices/%s/config", and opened
 * through these helpers, under the root of the context passed first
 * (ctx.h): "/" unless DDACTL_ROOT or the caller names another directory,
 * so tests and benchmarks run the real code on fake trees.  No other file
 * spells an absolute host path.
 *
 * All functions take a printf-style root-relative path, return 0 or a
 * negative errno, and record an error (dda_error) naming the path only where
 * the comment says so: most callers treat ENOENT as an answer, not a fault.
 */
#ifndef DDA_HOSTPATH_H
#define DDA_HOSTPATH_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cleanup.h"
#include "ctx.h"

/* An absolute path under the root, for programs that need a real path
 * (QEMU, libkmod).  Caller frees; NULL only on OOM. */
char *dda_path(struct dda_ctx *ctx, const char *fmt, ...) _printf_(2, 3);

/* A path (or a node name to compare with one) formatted into buf.  A path
 * cut short names another file, so one that does not fit is -ENAMETOOLONG,
 * recorded with what did fit; buf is then "". */
int dda_pathf(char *buf, size_t size, const char *fmt, ...) _printf_(3, 4) _must_check_;

/* Whether the caller may read and write path (faccessat on the root fd,
 * with the real ids, like access(2)): 0, or -errno unrecorded. */
int dda_access(struct dda_ctx *ctx, int mode, const char *fmt, ...) _printf_(3, 4) _must_check_;

/* Reads at most size bytes of a file into buf; *ret_len gets the count. */
int dda_read(struct dda_ctx *ctx, void *buf, size_t size, size_t *ret_len, const char *fmt, ...)
	_printf_(5, 6) _must_check_;

/* Reads a whole (small) file; *ret is NUL-terminated, caller frees. */
int dda_read_alloc(struct dda_ctx *ctx, char **ret, size_t *ret_len, const char *fmt, ...) _printf_(4, 5) _must_check_;

/* First line, without the newline. */
int dda_read_line(struct dda_ctx *ctx, char *buf, size_t size, const char *fmt, ...) _printf_(4, 5) _must_check_;

/* A number in C notation (0x.. hex or decimal), strictly parsed. */
int dda_read_u64(struct dda_ctx *ctx, uint64_t *ret, const char *fmt, ...) _printf_(3, 4) _must_check_;

/* Last component of a symlink's target ("vfio-pci" for driver links). */
int dda_read_link_base(struct dda_ctx *ctx, char *buf, size_t size, const char *fmt, ...) _printf_(4, 5) _must_check_;

/* The raw target of a symlink. */
int dda_read_link(struct dda_ctx *ctx, char *buf, size_t size, const char *fmt, ...) _printf_(4, 5) _must_check_;

/* Writes s (no newline added) with one write(); records an error naming
 * the path on failure, since every write is a change to the host. */
int dda_write(struct dda_ctx *ctx, const char *s, const char *fmt, ...) _printf_(3, 4) _must_check_;

/* Replaces dir/name (dir root-relative) with data, mode bits as given:
 * written under a fresh temporary name in dir, then renamed over it, so a
 * reader sees the old file or the new one, never part of one.  Records
 * an error naming the path. */
int dda_write_replace(struct dda_ctx *ctx, const char *dir, const char *name, const void *data, size_t len,
		      mode_t mode) _must_check_;

/* Makes a directory and the missing ones above it (mode for each), as
 * mkdir -p; 0 when it is there.  Records an error naming the path. */
int dda_mkdirs(struct dda_ctx *ctx, unsigned mode, const char *fmt, ...) _printf_(3, 4) _must_check_;

/* Points the symlink at the path to target, replacing what was there (a
 * link or an empty name), as sysfs links are.  Records an error. */
int dda_symlink(struct dda_ctx *ctx, const char *target, const char *fmt, ...) _printf_(3, 4) _must_check_;

/* 1 when the path exists, 0 when not. */
int dda_exists(struct dda_ctx *ctx, const char *fmt, ...) _printf_(2, 3);

/* Opens a directory for readdir; NULL with errno set on failure. */
DIR *dda_opendir(struct dda_ctx *ctx, const char *fmt, ...) _printf_(2, 3);

/* A directory under the root opened once, for many short reads relative
 * to it (the survey reads a dozen attributes per function): -errno or an
 * O_PATH fd the caller closes. */
int dda_open_dir(struct dda_ctx *ctx, const char *fmt, ...) _printf_(2, 3);

/* The same reads, relative to such a directory. */
int dda_read_at(int dirfd, const char *name, void *buf, size_t size, size_t *ret_len) _must_check_;
int dda_read_alloc_at(int dirfd, const char *name, char **ret, size_t *ret_len) _must_check_;
int dda_read_line_at(int dirfd, const char *name, char *buf, size_t size) _must_check_;
int dda_read_u64_at(int dirfd, const char *name, uint64_t *ret) _must_check_;
int dda_read_link_base_at(int dirfd, const char *name, char *buf, size_t size) _must_check_;
int dda_exists_at(int dirfd, const char *name);

/*
 * ddactl's own state (state and run directories, lock, database) as ssh's
 * StrictModes wants it: an absolute path under the root, every component
 * from the root down a real directory (never a symlink), owned by root
 * and not writable by group or others.  Missing ones are made when create
 * is set (the last with mode); one wider than mode is narrowed.  Returns
 * an O_PATH fd of the directory, or -errno with an error ("unsafe-path")
 * naming the path and the fix; -ENOENT unrecorded when it is missing and
 * create is not set.
 */
int dda_open_private_dir(struct dda_ctx *ctx, const char *path, unsigned mode, bool create) _must_check_;

/* openat() of a file in such a directory, never following a symlink; it
 * must be a regular root-owned file not writable by others, and gets
 * mode (older 0644 files are fixed).  dir names it in messages.  Errors
 * are recorded, but for -ENOENT. */
int dda_open_private_file(int dirfd, const char *dir, const char *name, int flags, unsigned mode) _must_check_;

/* The same checks and mode fix for a file someone else opens (SQLite's
 * -wal and -shm); 0 when it does not exist. */
int dda_check_private_file(int dirfd, const char *dir, const char *name, unsigned mode) _must_check_;

/* Strict number parsing shared by every module (no atoi/strtol). */
int dda_parse_u64(const char *s, int base, uint64_t *ret) _must_check_;
int dda_parse_u32(const char *s, int base, uint32_t *ret) _must_check_;

/* Strips trailing whitespace in place. */
char *dda_strip(char *s);

#endif
