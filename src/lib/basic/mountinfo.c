/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostpath.h"
#include "mountinfo.h"

/* /proc/self/mountinfo escapes blanks as \040 and so on. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

struct dda_mount *dda_mount_of(struct dda_mount *mounts, size_t n, const char *path, size_t len)
{
	struct dda_mount *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = mounts[i].point;
		size_t pl = strlen(p);

		if (pl > len || strncmp(path, p, pl) || (pl > 1 && pl < len && path[pl] != '/'))
			continue;
		/* >=: a later mount on the same point is on top of the earlier. */
		if (!best || pl >= best_len) {
			best = &mounts[i];
			best_len = pl;
		}
	}
	return best;
}

/* Marks the mounts holding each directory of an overlay option
 * ("lowerdir=/a:/b", "upperdir=/c/upper") as backing the overlay. */
static void mark_layers(struct dda_mount *mounts, size_t n, const struct dda_mount *o, const char *key)
{
	const char *p = strstr(o->source, key);

	if (!p)
		return;
	p += strlen(key);
	while (*p && *p != ',') {
		size_t len = strcspn(p, ":,");
		struct dda_mount *m = dda_mount_of(mounts, n, p, len);

		if (m && m != o && strcmp(m->point, "/"))
			m->backs = o->point;
		p += len;
		if (*p == ':')
			p++;
	}
}

/* A mount that holds a layer of an overlay backs that overlay's mount
 * point: a live system's root over squashfs, the lab's root over 9p. */
static void link_overlays(struct dda_mount *mounts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct dda_mount *o = &mounts[i];

		if (strcmp(o->fstype, "overlay"))
			continue;
		mark_layers(mounts, n, o, "lowerdir=");
		mark_layers(mounts, n, o, "upperdir=");
	}
}

void dda_mounts_free(struct dda_mount *mounts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(mounts[i].point);
		free(mounts[i].source);
	}
	free(mounts);
}

int dda_mountinfo_parse(char *text, struct dda_mount **ret, size_t *ret_n)
{
	struct dda_mount *mounts = NULL;
	size_t n = 0;
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char majmin[24], point[PATH_MAX], fstype[32] = "", source[PATH_MAX] = "", opts[PATH_MAX] = "";
		const char *sep = strstr(line, " - ");
		struct dda_mount *m;

		if (sscanf(line, "%*s %*s %23s %*s %4095s", majmin, point) != 2)
			continue;
		/* After the optional fields: " - fstype source options". */
		if (sep && sscanf(sep + 3, "%31s %4095s %4095s", fstype, source, opts) < 1)
			fstype[0] = '\0';
		m = realloc(mounts, (n + 1) * sizeof(*m));
		if (!m) {
			dda_mounts_free(mounts, n);
			return -ENOMEM;
		}
		mounts = m;
		unescape(point);
		unescape(source);
		m = &mounts[n];
		m->backs = NULL;
		snprintf(m->majmin, sizeof(m->majmin), "%s", majmin);
		snprintf(m->fstype, sizeof(m->fstype), "%s", fstype);
		m->point = strdup(point);
		/* For an overlay the layers matter, not its nominal source. */
		m->source = strdup(strcmp(fstype, "overlay") ? source : opts);
		if (!m->point || !m->source) {
			free(m->point);
			free(m->source);
			dda_mounts_free(mounts, n);
			return -ENOMEM;
		}
		n++;
	}
	link_overlays(mounts, n);
	*ret = mounts;
	*ret_n = n;
	return 0;
}

int dda_mountinfo_read(struct dda_ctx *ctx, struct dda_mount **ret, size_t *ret_n)
{
	_cleanup_free_ char *buf = NULL;

	*ret = NULL;
	*ret_n = 0;
	if (dda_read_alloc(ctx, &buf, NULL, "proc/self/mountinfo") < 0)
		return 0;
	return dda_mountinfo_parse(buf, ret, ret_n);
}
