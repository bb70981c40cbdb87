/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A prediction against a baseline (the kernel's groups, or another
 * prediction), as partitions: group numbers are the kernel's allocation
 * order and may shift, the members are what must agree.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* How many of the sorted v[n] equal x. */
static size_t count_of(const int *v, size_t n, int x)
{
	const int *hit = bsearch(&x, v, n, sizeof(*v), cmp_int);
	size_t lo, hi;

	if (!hit)
		return 0;
	lo = hi = (size_t)(hit - v);
	while (lo > 0 && v[lo - 1] == x)
		lo--;
	while (hi + 1 < n && v[hi + 1] == x)
		hi++;
	return hi - lo + 1;
}

int dda_prediction_compare(struct dda_prediction *p, const int *base, size_t *ret_ndiffer)
{
	/* A function agrees when its predicted group is, member for member,
	 * one group of the baseline: all its members there share one group,
	 * and that group has no member elsewhere. */
	_cleanup_free_ int *sorted = malloc((p->ndevs + 1) * sizeof(int));
	_cleanup_free_ int *first = malloc(((size_t)p->ngroups + 1) * sizeof(int));
	_cleanup_free_ size_t *size = calloc((size_t)p->ngroups + 1, sizeof(size_t));
	_cleanup_free_ bool *pure = malloc(((size_t)p->ngroups + 1) * sizeof(bool));
	size_t ndiffer = 0;

	if (!sorted || !first || !size || !pure)
		return -ENOMEM;
	memcpy(sorted, base, p->ndevs * sizeof(int));
	qsort(sorted, p->ndevs, sizeof(int), cmp_int);
	for (int g = 0; g < p->ngroups; g++) {
		first[g] = -2;
		pure[g] = true;
	}
	for (size_t i = 0; i < p->ndevs; i++) {
		int g = p->devs[i].group;

		if (g < 0 || g >= p->ngroups)
			continue;
		size[g]++;
		if (first[g] == -2)
			first[g] = base[i];
		else if (first[g] != base[i])
			pure[g] = false;
	}
	for (size_t i = 0; i < p->ndevs; i++) {
		struct dda_predicted *d = &p->devs[i];
		int g = d->group;

		d->base_group = base[i];
		d->differs = base[i] < 0 || g < 0 || g >= p->ngroups || !pure[g] ||
			     count_of(sorted, p->ndevs, base[i]) != size[g];
		ndiffer += d->differs;
	}
	*ret_ndiffer = ndiffer;
	return 0;
}
