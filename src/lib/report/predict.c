/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * survey --predict: the predicted IOMMU groups of a tree, under a what-if
 * (an ACS override, functions taken out, cards moved), each function
 * marked where it differs from a baseline: the kernel's own groups when
 * the tree has them, else the plain prediction, so a what-if on a dump
 * still shows what it changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"
#include "report.h"

static bool what_if(const struct dda_predict_opts *o)
{
	return o && (o->acs_override || o->noverride_ids || o->nwithout || o->nmoves);
}

static int baseline(struct dda_ctx *ctx, struct dda_predict_view *v, int *base)
{
	const struct dda_predict_opts *o = v->opts;

	/* A dump's tree holds predicted groups (survey --from), not the
	 * kernel's: a what-if is compared with the plain prediction. */
	if (v->h->ngroups && ctx->source != DDA_SOURCE_DUMP) {
		for (size_t i = 0; i < v->p->ndevs; i++) {
			const struct dda_device *d = dda_host_find(v->h, &v->p->devs[i].from);

			base[i] = d ? d->group_id : -1;
		}
		v->baseline = "kernel";
		return 1;
	}
	if (what_if(o)) {
		struct dda_predict_opts plain = { .kernel = o->kernel };
		_cleanup_(dda_prediction_freep) struct dda_prediction *q = NULL;
		int r = dda_predict_groups(ctx, &plain, &q);

		if (r < 0)
			return r;
		for (size_t i = 0; i < v->p->ndevs; i++) {
			const struct dda_predicted *d = dda_prediction_find(q, &v->p->devs[i].from);

			base[i] = d ? d->group : -1;
		}
		v->baseline = "prediction";
		return 1;
	}
	return 0;
}

/* Kernel parameters of the tree's host that change its groups: the model
 * takes the override only when asked, and does not model the others. */
static void kernel_note(struct dda_predict_view *v)
{
	const char *c = v->h->info.cmdline, *o = strstr(c, "pcie_acs_override=");

	if (o && !what_if(v->opts)) {
		size_t n = strcspn(o, " ");

		snprintf(v->note, sizeof(v->note),
			 "the kernel runs with %.*s, which this prediction leaves out: give --acs-override %.*s to predict its groups",
			 (int)n, o, (int)(n - strlen("pcie_acs_override=")), o + strlen("pcie_acs_override="));
	} else if (strstr(c, "disable_acs_redir=") || strstr(c, "config_acs=")) {
		snprintf(v->note, sizeof(v->note),
			 "the kernel runs with pci=disable_acs_redir= or pci=config_acs=, which change ACS controls after probe and are not modelled");
	}
}

int dda_predict_view_build(struct dda_ctx *ctx, const struct dda_predict_opts *o, struct dda_predict_view *ret)
{
	struct dda_predict_view v = { .opts = o };
	_cleanup_free_ int *base = NULL;
	int r;

	r = dda_predict_groups(ctx, o, &v.p);
	if (r < 0)
		return r;
	r = dda_host_scan(ctx, &v.h, DDA_SCAN_NAMES);
	if (r >= 0 && !(base = malloc((v.p->ndevs + 1) * sizeof(int))))
		r = -ENOMEM;
	if (r >= 0)
		r = baseline(ctx, &v, base);
	if (r > 0)
		r = dda_prediction_compare(v.p, base, &v.ndiffer);
	if (r < 0) {
		dda_predict_view_release(&v);
		return r;
	}
	for (size_t i = 0; !v.baseline && i < v.p->ndevs; i++)
		v.p->devs[i].base_group = -1;
	kernel_note(&v);
	*ret = v;
	return 0;
}

void dda_predict_view_release(struct dda_predict_view *v)
{
	dda_prediction_free(v->p);
	dda_host_free(v->h);
	*v = (struct dda_predict_view){ 0 };
}

static int cmp_member(const void *a, const void *b)
{
	const struct dda_predicted *x = *(const struct dda_predicted *const *)a;
	const struct dda_predicted *y = *(const struct dda_predicted *const *)b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return dda_pciaddr_cmp(&x->addr, &y->addr);
}

const struct dda_predicted **dda_predict_view_by_group(const struct dda_predict_view *v)
{
	const struct dda_predicted **m = calloc(v->p->ndevs + 1, sizeof(*m));

	if (!m)
		return NULL;
	for (size_t i = 0; i < v->p->ndevs; i++)
		m[i] = &v->p->devs[i];
	qsort(m, v->p->ndevs, sizeof(*m), cmp_member);
	return m;
}

static struct json_object *member(const struct dda_predict_view *v, const struct dda_predicted *d)
{
	struct json_object *o = json_object_new_object();
	struct dda_device *dev = dda_host_find(v->h, &d->from);
	char from[DDA_PCIADDR_LEN];

	dda_pciaddr_format(&d->from, from);
	json_object_object_add(o, "address", json_object_new_string(d->name));
	json_object_object_add(o, "moved_from", d->moved ? json_object_new_string(from) : NULL);
	json_object_object_add(o, "vendor_id", dda_json_hex(d->vendor, 4));
	json_object_object_add(o, "device_id", dda_json_hex(d->device, 4));
	json_object_object_add(o, "name", dev && dev->name_str ? json_object_new_string(dev->name_str) : NULL);
	json_object_object_add(o, "type", dev ? json_object_new_string(dda_devtype_name(dev->type)) : NULL);
	json_object_object_add(o, "why", json_object_new_string(dda_predict_why_name(d->why)));
	json_object_object_add(o, "via", d->via[0] ? json_object_new_string(d->via) : NULL);
	json_object_object_add(o, "reason", json_object_new_string(d->reason));
	json_object_object_add(o, "quirk", d->quirk ? json_object_new_string(d->quirk) : NULL);
	json_object_object_add(o, "uncertain", json_object_new_boolean(d->uncertain));
	json_object_object_add(o, "note", d->uncertain ? json_object_new_string(d->note) : NULL);
	json_object_object_add(o, "baseline_group", d->base_group >= 0 ? json_object_new_int(d->base_group) : NULL);
	json_object_object_add(o, "differs", json_object_new_boolean(d->differs));
	return o;
}

struct json_object *dda_report_prediction(const struct dda_predict_view *v)
{
	_cleanup_free_ const struct dda_predicted **m = dda_predict_view_by_group(v);
	const struct dda_predict_opts *o = v->opts;
	struct json_object *doc = json_object_new_object(), *p = json_object_new_object(), *ov, *a, *groups;

	if (!m)
		return doc;
	json_object_object_add(p, "kernel_model", json_object_new_string(dda_predict_kernel_name(v->p->kernel)));
	ov = json_object_new_object();
	json_object_object_add(ov, "downstream",
			       json_object_new_boolean(o && (o->acs_override & DDA_ACS_OVERRIDE_DOWNSTREAM)));
	json_object_object_add(ov, "multifunction",
			       json_object_new_boolean(o && (o->acs_override & DDA_ACS_OVERRIDE_MULTIFUNCTION)));
	a = json_object_new_array();
	for (size_t i = 0; o && i < o->noverride_ids; i++) {
		char id[16];

		snprintf(id, sizeof(id), "%04x:%04x", o->override_ids[i].vendor, o->override_ids[i].device);
		json_object_array_add(a, json_object_new_string(id));
	}
	json_object_object_add(ov, "ids", a);
	json_object_object_add(p, "acs_override", ov);
	a = json_object_new_array();
	for (size_t i = 0; o && i < o->nwithout; i++) {
		char name[DDA_PCIADDR_LEN];

		dda_pciaddr_format(&o->without[i], name);
		json_object_array_add(a, json_object_new_string(name));
	}
	json_object_object_add(p, "without", a);
	a = json_object_new_array();
	for (size_t i = 0; o && i < o->nmoves; i++) {
		struct json_object *mv = json_object_new_object();
		char name[DDA_PCIADDR_LEN];

		dda_pciaddr_format(&o->moves[i].device, name);
		json_object_object_add(mv, "device", json_object_new_string(name));
		dda_pciaddr_format(&o->moves[i].slot, name);
		json_object_object_add(mv, "slot", json_object_new_string(name));
		json_object_array_add(a, mv);
	}
	json_object_object_add(p, "moves", a);
	json_object_object_add(p, "compared_with", v->baseline ? json_object_new_string(v->baseline) : NULL);
	json_object_object_add(p, "differences", json_object_new_int((int)v->ndiffer));
	json_object_object_add(p, "note", v->note[0] ? json_object_new_string(v->note) : NULL);
	groups = json_object_new_array();
	for (size_t i = 0; i < v->p->ndevs;) {
		struct json_object *g = json_object_new_object(), *members = json_object_new_array();
		bool differs = false;
		size_t j = i;

		for (; j < v->p->ndevs && m[j]->group == m[i]->group; j++) {
			json_object_array_add(members, member(v, m[j]));
			differs |= m[j]->differs;
		}
		json_object_object_add(g, "group", json_object_new_int(m[i]->group));
		json_object_object_add(g, "differs", json_object_new_boolean(differs));
		json_object_object_add(g, "members", members);
		json_object_array_add(groups, g);
		i = j;
	}
	json_object_object_add(p, "groups", groups);
	json_object_object_add(doc, "prediction", p);
	return doc;
}
