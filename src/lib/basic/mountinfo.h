/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mount table, /proc/self/mountinfo, read once and parsed in one place:
 * host use asks which block devices hold mounted file systems, and the
 * state store asks what kind of file system holds its directory.
 */
#ifndef DDA_MOUNTINFO_H
#define DDA_MOUNTINFO_H

#include <stddef.h>

#include "cleanup.h"

struct dda_ctx;

/* One line of /proc/self/mountinfo, unescaped ("\040" is a blank). */
struct dda_mount {
	char majmin[24];
	char fstype[32];
	char *source; /* an overlay's options instead: its layers matter */
	char *point;
	const char *backs; /* mount point of an overlay this is a layer of */
};

/* Parses mountinfo text (cut up in place) and links overlay layers.
 * Lines it cannot read are skipped; only OOM fails. */
int dda_mountinfo_parse(char *text, struct dda_mount **ret, size_t *ret_n) _must_check_;
void dda_mounts_free(struct dda_mount *mounts, size_t n);

/* The mount table under the root; an unreadable one is empty (a host
 * without /proc shows no mounts, it is not an error).  Only OOM fails. */
int dda_mountinfo_read(struct dda_ctx *ctx, struct dda_mount **ret, size_t *ret_n) _must_check_;

/* The mount that holds path (its first len bytes): the longest mount
 * point it lies under, or NULL. */
struct dda_mount *dda_mount_of(struct dda_mount *mounts, size_t n, const char *path, size_t len);

#endif
