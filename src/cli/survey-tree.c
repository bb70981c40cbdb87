/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl survey --tree and --format dot: the host as the tree of bridges
 * it is, the way `lspci -tv` draws it, with each function's IOMMU group,
 * driver and verdict on its line.  A group is what moves to a VM and a
 * bridge is what decides the group, so seeing both in one picture is the
 * point.  Long runs of like siblings (a PF's VFs, a row of identical
 * functions) become one counted line, or the 4,096-function host would
 * be thousands of lines saying the same thing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "host.h"
#include "survey-tree.h"

#define BOLD   "\033[1m"
#define DIM    "\033[2m"
#define RED    "\033[31m"
#define GREEN  "\033[32m"
#define YELLOW "\033[33m"
#define RESET  "\033[0m"

/* Shorter runs stay listed: a dual-port card or a GPU with its audio
 * function reads better one line per function. */
#define RUN_MIN 4

/* First child and next sibling, as indices into h->devs.  Each root bus
 * is a chain of its own, headed in roots[]. */
struct tree {
	const struct dda_host *h;
	size_t *child, *next, *last, *roots, *roots_last;
	size_t nroots;
};

#define NONE ((size_t)-1)

static void tree_free(struct tree *t)
{
	free(t->child);
	free(t->next);
	free(t->last);
	free(t->roots);
	free(t->roots_last);
}

static bool same_root_bus(const struct dda_device *a, const struct dda_device *b)
{
	return a->loc.domain == b->loc.domain && a->loc.bus == b->loc.bus;
}

/* The chain of d's root bus, or NONE.  Hosts have a handful of root
 * buses, so a search is cheap. */
static size_t root_chain(const struct tree *t, const struct dda_device *d)
{
	for (size_t k = 0; k < t->nroots; k++)
		if (same_root_bus(&t->h->devs[t->roots[k]], d))
			return k;
	return NONE;
}

/* Devices are in address order, so children come out in address order. */
static int tree_build(struct tree *t, const struct dda_host *h)
{
	size_t n = h->ndevs;

	*t = (struct tree){ .h = h };
	t->child = malloc((n + 1) * sizeof(size_t));
	t->next = malloc((n + 1) * sizeof(size_t));
	t->last = malloc((n + 1) * sizeof(size_t));
	t->roots = malloc((n + 1) * sizeof(size_t));
	t->roots_last = malloc((n + 1) * sizeof(size_t));
	if (!t->child || !t->next || !t->last || !t->roots || !t->roots_last) {
		tree_free(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		t->child[i] = t->next[i] = t->last[i] = NONE;
	for (size_t i = 0; i < n; i++) {
		const struct dda_device *p = h->devs[i].parent;
		size_t k;

		if (p) {
			k = (size_t)(p - h->devs);
			if (t->child[k] == NONE)
				t->child[k] = i;
			else
				t->next[t->last[k]] = i;
			t->last[k] = i;
		} else if ((k = root_chain(t, &h->devs[i])) != NONE) {
			t->next[t->roots_last[k]] = i;
			t->roots_last[k] = i;
		} else {
			t->roots[t->nroots] = t->roots_last[t->nroots] = i;
			t->nroots++;
		}
	}
	return 0;
}

enum mark {
	MARK_NONE,
	MARK_POOLED,
	MARK_QUARANTINED,
	MARK_UNRECORDED,
};

static enum mark mark_of(const struct dda_device *d)
{
	switch (d->pool_mark) {
	case DDA_POOL_RECORDED: return MARK_POOLED;
	case DDA_POOL_QUARANTINED: return MARK_QUARANTINED;
	case DDA_POOL_UNRECORDED: return MARK_UNRECORDED;
	default: return MARK_NONE;
	}
}

static const char *mark_name(enum mark m)
{
	static const char *const names[] = { "", "in the pool", "QUARANTINED", "unrecorded on the pool driver" };

	return names[m];
}

/* Two siblings one line can stand for: same ids and nothing below them;
 * VFs of one PF whatever their drivers and verdicts (the line counts
 * them), other functions only when those are the same too. */
static bool alike(const struct tree *t, size_t a, size_t b)
{
	const struct dda_device *x = &t->h->devs[a], *y = &t->h->devs[b];

	if (t->child[a] != NONE || t->child[b] != NONE || x->vendor != y->vendor || x->device != y->device ||
	    x->physfn != y->physfn)
		return false;
	return x->physfn ||
	       (!strcmp(x->driver, y->driver) && dda_device_worst(x) == dda_device_worst(y) && mark_of(x) == mark_of(y));
}

/* Distinct values of a run and how often each comes: a run's line says
 * "vfio-pci ×16, iavf ×16, no driver ×32". */
struct tally {
	const char *what[8];
	size_t count[8], n, other;
};

static void tally_add(struct tally *y, const char *what)
{
	for (size_t k = 0; k < y->n; k++)
		if (!strcmp(y->what[k], what)) {
			y->count[k]++;
			return;
		}
	if (y->n < ARRAY_SIZE(y->what)) {
		y->what[y->n] = what;
		y->count[y->n++] = 1;
	} else {
		y->other++;
	}
}

static void tally_print(char **p, char *end, const struct tally *y, size_t total)
{
	for (size_t k = 0; k < y->n && *p < end; k++) {
		if (!y->what[k][0])
			continue;
		if (y->count[k] == total)
			*p += snprintf(*p, (size_t)(end - *p), "  %s", y->what[k]);
		else
			*p += snprintf(*p, (size_t)(end - *p), "%s%s ×%zu", k ? ", " : "  ", y->what[k], y->count[k]);
	}
	if (y->other && *p < end)
		*p += snprintf(*p, (size_t)(end - *p), ", others ×%zu", y->other);
}

/* How many siblings from i on read alike (1 when i stands alone). */
static size_t run_length(const struct tree *t, size_t i)
{
	size_t n = 1;

	for (size_t j = t->next[i]; j != NONE && alike(t, i, j); j = t->next[j])
		n++;
	return n >= RUN_MIN ? n : 1;
}

static size_t skip(const struct tree *t, size_t i, size_t n)
{
	while (n-- > 1)
		i = t->next[i];
	return i;
}

static const char *short_name(const struct dda_device *d, char *buf, size_t size)
{
	/* Domain 0 is every desktop and most servers: lspci drops it too. */
	if (d->addr.domain)
		snprintf(buf, size, "%s", d->name);
	else
		snprintf(buf, size, "%02x:%02x.%x", d->addr.bus, d->addr.dev, d->addr.fn);
	return buf;
}

static const char *verdict_colour(const struct dda_device *d)
{
	switch (dda_device_worst(d)) {
	case DDA_SEV_BLOCK: return RED;
	case DDA_SEV_FORCE: return YELLOW;
	default: return GREEN;
	}
}

/* A run's one group, or -1 when its members (VFs, most often) each have
 * their own: such a node cannot sit in one group's box. */
static int run_group(const struct tree *t, size_t i, size_t n)
{
	int g = t->h->devs[i].group_id;

	for (; n > 1; n--) {
		i = t->next[i];
		if (t->h->devs[i].group_id != g)
			return -1;
	}
	return g;
}

/* "DRIVER  VERDICT  POOL" of one function, or the tallies of a run. */
static const char *describe(const struct tree *t, size_t i, size_t n, char *buf, size_t size)
{
	struct tally drivers = { 0 }, verdicts = { 0 }, marks = { 0 };
	char *p = buf, *end = buf + size;

	buf[0] = '\0';
	for (size_t k = 0; k < n; k++, i = t->next[i]) {
		const struct dda_device *d = &t->h->devs[i];

		tally_add(&drivers, d->driver[0] ? d->driver : n > 1 ? "no driver" : "");
		tally_add(&verdicts, dda_device_is_bridge(d) ? "" : dda_device_verdict(d));
		tally_add(&marks, mark_name(mark_of(d)));
	}
	tally_print(&p, end, &drivers, n);
	tally_print(&p, end, &verdicts, n);
	tally_print(&p, end, &marks, n);
	return buf;
}

/* ---------------------------------------------------------------- text */

static void text_line(const struct tree *t, size_t i, size_t n)
{
	const struct dda_device *d = &t->h->devs[i], *e = &t->h->devs[skip(t, i, n)];
	bool bridge = dda_device_is_bridge(d);
	char a[DDA_PCIADDR_LEN], b[DDA_PCIADDR_LEN], what[256];
	FILE *o = stdout;

	printf("%s%s%s", cli_sgr(o, bridge ? DIM : BOLD), short_name(d, a, sizeof(a)), cli_sgr(o, RESET));
	if (n > 1)
		printf("..%s %s×%zu%s", short_name(e, b, sizeof(b)), cli_sgr(o, BOLD), n, cli_sgr(o, RESET));
	printf(" %s [%04x:%04x]", d->name_str ? d->name_str : "(unknown device)", d->vendor, d->device);
	if (d->physfn && n > 1)
		printf(", VFs of %s", d->physfn->name);
	if (n > 1 && d->group_id >= 0 && run_group(t, i, n) < 0)
		printf("  groups %d..%d", d->group_id, e->group_id);
	else if (d->group_id >= 0)
		printf("  group %d", d->group_id);
	else
		printf("  no group");
	printf("%s%s%s\n", cli_sgr(o, bridge ? "" : verdict_colour(d)), describe(t, i, n, what, sizeof(what)),
	       cli_sgr(o, bridge ? "" : RESET));
}

static void text_children(const struct tree *t, size_t first, char *prefix, size_t plen)
{
	for (size_t i = first; i != NONE;) {
		size_t n = run_length(t, i), end = skip(t, i, n);
		bool last = t->next[end] == NONE;

		printf("%s%s", prefix, last ? "└─ " : "├─ ");
		text_line(t, i, n);
		if (t->child[i] != NONE && plen + 8 < 512) {
			/* "│  " is five bytes in UTF-8, "   " three. */
			strcpy(prefix + plen, last ? "   " : "│  ");
			text_children(t, t->child[i], prefix, plen + strlen(prefix + plen));
			prefix[plen] = '\0';
		}
		i = t->next[end];
	}
}

int cli_survey_tree(const struct dda_host *h)
{
	struct tree t;
	char prefix[512] = "";
	int r = tree_build(&t, h);

	if (r < 0)
		return r;
	/* One heading per root bus, as lspci's "-[0000:00]-". */
	for (size_t k = 0; k < t.nroots; k++) {
		const struct dda_device *d = &h->devs[t.roots[k]];

		printf("%s[%04x:%02x]%s PCI root bus\n", cli_sgr(stdout, BOLD), d->loc.domain, d->loc.bus,
		       cli_sgr(stdout, RESET));
		text_children(&t, t.roots[k], prefix, 0);
	}
	tree_free(&t);
	return 0;
}

/* ----------------------------------------------------------------- dot */

static void dot_string(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '\n') {
			fputs("\\n", stdout);
			continue;
		}
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static const char *dot_fill(const struct dda_device *d)
{
	if (dda_device_is_bridge(d))
		return "#eeeeee";
	switch (mark_of(d)) {
	case MARK_POOLED: return "#b3d4ff";
	case MARK_QUARANTINED: return "#d9b3ff";
	case MARK_UNRECORDED: return "#ffd9b3";
	default: break;
	}
	switch (dda_device_worst(d)) {
	case DDA_SEV_BLOCK: return "#ffb3b3";
	case DDA_SEV_FORCE: return "#fff0b3";
	default: return "#c6efc6";
	}
}

static void dot_node(const struct tree *t, size_t i, size_t n)
{
	const struct dda_device *d = &t->h->devs[i], *e = &t->h->devs[skip(t, i, n)];
	char label[640], what[256], range[64] = "";

	if (n > 1)
		snprintf(range, sizeof(range), " .. %s (×%zu)", e->name, n);
	/* describe() starts each part with two spaces: on a node, a line each. */
	describe(t, i, n, what, sizeof(what));
	for (char *p = what; (p = strstr(p, "  ")); p++)
		memcpy(p, " \n", 2);
	snprintf(label, sizeof(label), "%s%s\n%s%s", d->name, range, d->name_str ? d->name_str : "(unknown device)",
		 what);
	printf("    ");
	dot_string(d->name);
	printf(" [label=");
	dot_string(label);
	printf(", fillcolor=\"%s\"%s];\n", dot_fill(d), dda_device_is_bridge(d) ? ", shape=box" : "");
}

/* Lists each node (a run's first function stands for the run) under the
 * group it is drawn in, and prints the edges. */
static void dot_walk(const struct tree *t, size_t first, size_t *heads, size_t *counts, int *groups, size_t *nheads)
{
	for (size_t i = first; i != NONE;) {
		const struct dda_device *d = &t->h->devs[i];
		size_t n = run_length(t, i), end = skip(t, i, n);

		heads[*nheads] = i;
		counts[*nheads] = n;
		groups[(*nheads)++] = run_group(t, i, n);
		if (d->parent) {
			printf("    ");
			dot_string(d->parent->name);
			printf(" -> ");
			dot_string(d->name);
			printf(";\n");
		}
		if (t->child[i] != NONE)
			dot_walk(t, t->child[i], heads, counts, groups, nheads);
		i = t->next[end];
	}
}

/* Stable enough: equal groups keep no particular order, and graphviz
 * places nodes by the edges anyway. */
static int cmp_by_group(const void *a, const void *b, void *arg)
{
	const int *groups = arg;
	int x = groups[*(const int *)a], y = groups[*(const int *)b];

	return x < y ? -1 : x > y;
}

int cli_survey_dot(const struct dda_host *h)
{
	_cleanup_free_ size_t *heads = malloc((h->ndevs + 1) * sizeof(size_t));
	_cleanup_free_ size_t *counts = malloc((h->ndevs + 1) * sizeof(size_t));
	_cleanup_free_ int *groups = malloc((h->ndevs + 1) * sizeof(int));
	_cleanup_free_ int *order = malloc((h->ndevs + 1) * sizeof(int));
	size_t nheads = 0;
	struct tree t;
	int r;

	if (!heads || !counts || !groups || !order)
		return -ENOMEM;
	r = tree_build(&t, h);
	if (r < 0)
		return r;
	printf("digraph pci {\n"
	       "    rankdir=LR;\n"
	       "    node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", fontsize=10];\n");
	for (size_t k = 0; k < t.nroots; k++)
		dot_walk(&t, t.roots[k], heads, counts, groups, &nheads);
	/* One box per group: nodes sorted by group, a cluster per run of
	 * equal groups; -1 (no group, or several) sorts first, outside. */
	for (size_t i = 0; i < nheads; i++)
		order[i] = (int)i;
	qsort_r(order, nheads, sizeof(*order), cmp_by_group, groups);
	for (size_t i = 0, j; i < nheads; i = j) {
		int g = groups[order[i]];

		if (g >= 0)
			printf("    subgraph cluster_group_%d {\n    label=\"IOMMU group %d\";\n", g, g);
		for (j = i; j < nheads && groups[order[j]] == g; j++)
			dot_node(&t, heads[order[j]], counts[order[j]]);
		if (g >= 0)
			printf("    }\n");
	}
	printf("}\n");
	tree_free(&t);
	return 0;
}
