/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "survey-predict.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)
#define BOLD	   "\033[1m"
#define DIM	   "\033[2m"
#define YELLOW	   "\033[33m"
#define RESET	   "\033[0m"

/* "Linux 6.12 model, pcie_acs_override=downstream,id:8086:1234, without 0000:03:00.0,
 * moving 0000:05:00.0 into 0000:00:1c.0" */
static void print_title(const struct dda_predict_view *v)
{
	const struct dda_predict_opts *o = v->opts;
	const char *sep = "=";
	FILE *out = stdout;

	printf("%sPredicted IOMMU groups%s (Linux %s model", cli_sgr(out, BOLD), cli_sgr(out, RESET),
	       dda_predict_kernel_name(v->p->kernel));
	if (o->acs_override || o->noverride_ids) {
		printf(", pcie_acs_override");
		if (o->acs_override & DDA_ACS_OVERRIDE_DOWNSTREAM) {
			printf("%sdownstream", sep);
			sep = ",";
		}
		if (o->acs_override & DDA_ACS_OVERRIDE_MULTIFUNCTION) {
			printf("%smultifunction", sep);
			sep = ",";
		}
		for (size_t i = 0; i < o->noverride_ids; i++, sep = ",")
			printf("%sid:%04x:%04x", sep, o->override_ids[i].vendor, o->override_ids[i].device);
	}
	for (size_t i = 0; i < o->nwithout; i++) {
		char name[DDA_PCIADDR_LEN];

		dda_pciaddr_format(&o->without[i], name);
		printf("%s%s", i ? " " : ", without ", name);
	}
	for (size_t i = 0; i < o->nmoves; i++) {
		char dev[DDA_PCIADDR_LEN], slot[DDA_PCIADDR_LEN];

		dda_pciaddr_format(&o->moves[i].device, dev);
		dda_pciaddr_format(&o->moves[i].slot, slot);
		printf("%s%s into %s", i ? ", " : ", moving ", dev, slot);
	}
	printf(")\n");
	if (v->note[0])
		printf("  %snote%s: %s\n", cli_sgr(out, YELLOW), cli_sgr(out, RESET), v->note);
}

static void print_member(const struct dda_predict_view *v, const struct dda_predicted *d)
{
	struct dda_device *dev = dda_host_find(v->h, &d->from);
	FILE *out = stdout;

	printf("  %s%s%s  %s  %s [%04x:%04x]\n", cli_sgr(out, BOLD), d->name, cli_sgr(out, RESET),
	       dev ? dda_devtype_name(dev->type) : "?", dev && dev->name_str ? dev->name_str : "(unknown device)",
	       dev ? dev->vendor : 0, dev ? dev->device : 0);
	if (d->moved) {
		char from[DDA_PCIADDR_LEN];

		dda_pciaddr_format(&d->from, from);
		printf("      %sMOVED%s from %s\n", cli_sgr(out, YELLOW), cli_sgr(out, RESET), from);
	}
	printf("      %s%s: %s%s\n", cli_sgr(out, DIM), dda_predict_why_name(d->why), d->reason, cli_sgr(out, RESET));
	if (d->uncertain)
		printf("      %sunknown: %s%s\n", cli_sgr(out, YELLOW), d->note, cli_sgr(out, RESET));
	if (!d->differs)
		return;
	printf("      %sDIFFERS%s: ", cli_sgr(out, YELLOW), cli_sgr(out, RESET));
	if (strcmp(v->baseline, "kernel"))
		printf("without the what-if it is in group %d\n", d->base_group);
	else if (!dev || !dev->group)
		printf("the kernel gave it no IOMMU group\n");
	else {
		printf("the kernel has it in group %d", dev->group->id);
		for (size_t i = 0, n = 0; i < dev->group->nmembers; i++)
			if (dev->group->members[i] != dev)
				printf("%s%s", n++ ? ", " : " with ", dev->group->members[i]->name);
		printf("\n");
	}
}

static void print_text(const struct dda_predict_view *v, const struct dda_predicted **m)
{
	FILE *out = stdout;

	print_title(v);
	for (size_t i = 0; i < v->p->ndevs; i++) {
		const struct dda_predicted *d = m[i];

		if (i == 0 || m[i - 1]->group != d->group)
			printf("%sGroup %d%s\n", cli_sgr(out, BOLD), d->group, cli_sgr(out, RESET));
		print_member(v, d);
	}
	printf("\n%zu functions in %d predicted groups; ", v->p->ndevs, v->p->ngroups);
	if (!v->baseline)
		printf("the tree has no IOMMU groups to compare with\n");
	else if (!v->ndiffer)
		printf("the same groups as %s\n",
		       !strcmp(v->baseline, "kernel") ? "the kernel's in this tree" : "without the what-if");
	else
		printf("%zu differ from %s\n", v->ndiffer,
		       !strcmp(v->baseline, "kernel") ? "the kernel's groups in this tree" :
							"the groups without the what-if");
}

int cli_survey_predict(struct dda_ctx *ctx, const struct dda_predict_opts *opts)
{
	struct dda_predict_view v;
	_cleanup_free_ const struct dda_predicted **m = NULL;
	int r = dda_predict_view_build(ctx, opts, &v);

	if (r < 0)
		return cli_fail(r);
	if (arg_json) {
		_cleanup_json_ struct json_object *doc = dda_report_prediction(&v);

		printf("%s\n", json_object_to_json_string_ext(doc, JSON_FLAGS));
	} else if ((m = dda_predict_view_by_group(&v))) {
		print_text(&v, m);
	}
	dda_predict_view_release(&v);
	return m || arg_json ? EXIT_OK : cli_fail(-ENOMEM);
}
