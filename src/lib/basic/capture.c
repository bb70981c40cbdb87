/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "ctx.h"

struct dda_capture {
	char **paths;
	size_t n, cap;
	bool lost;
};

int dda_capture_start(struct dda_ctx *ctx)
{
	if (ctx->capture)
		return 0;
	ctx->capture = calloc(1, sizeof(*ctx->capture));
	return ctx->capture ? 0 : -ENOMEM;
}

void dda_capture_note(struct dda_ctx *ctx, const char *rel)
{
	struct dda_capture *c = ctx->capture;

	if (!c || c->lost)
		return;
	/* A scan reads a dozen attributes of a function in a row: the
	 * same path twice in a row is the common repeat, dropped here; the
	 * rest goes when the list is sorted. */
	if (c->n && !strcmp(c->paths[c->n - 1], rel))
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		char **np = realloc(c->paths, cap * sizeof(*np));

		if (!np) {
			c->lost = true;
			return;
		}
		c->paths = np;
		c->cap = cap;
	}
	if (!(c->paths[c->n] = strdup(rel))) {
		c->lost = true;
		return;
	}
	c->n++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dda_capture_paths(struct dda_ctx *ctx, const char *const **ret, size_t *ret_n)
{
	struct dda_capture *c = ctx->capture;
	size_t k = 0;

	if (!c)
		return -EINVAL;
	if (c->lost)
		return -ENOMEM;
	qsort(c->paths, c->n, sizeof(*c->paths), cmp_str);
	for (size_t i = 0; i < c->n; i++) {
		if (k && !strcmp(c->paths[k - 1], c->paths[i])) {
			free(c->paths[i]);
			continue;
		}
		c->paths[k++] = c->paths[i];
	}
	c->n = k;
	*ret = (const char *const *)c->paths;
	*ret_n = c->n;
	return 0;
}

void dda_capture_free(struct dda_capture *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->paths[i]);
	free(c->paths);
	free(c);
}

void dda_capture_stop(struct dda_ctx *ctx)
{
	dda_capture_free(ctx->capture);
	ctx->capture = NULL;
}
