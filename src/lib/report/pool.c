/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "report.h"

static int named_build(struct dda_pool_view *pv, struct dda_state *s)
{
	_cleanup_free_ char(*names)[DDA_NPOOL_NAME_LEN] = NULL;
	size_t n = 0;
	int r;

	/* An unreadable list leaves the view without it, as for the VMs. */
	if (dda_npool_list(s, &names, &n) < 0) {
		dda_error_clear();
		return 0;
	}
	pv->named = n ? calloc(n, sizeof(*pv->named)) : NULL;
	if (n && !pv->named)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		snprintf(pv->named[i].name, sizeof(pv->named[i].name), "%s", names[i]);
		r = dda_npool_members(s, names[i], &pv->named[i].members, &pv->named[i].n);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			dda_error_clear();
		pv->nnamed++;
	}
	return 0;
}

int dda_pool_view_build(struct dda_pool_view *ret, struct dda_state *s, struct dda_host *h,
			const struct dda_pool_entry *v, size_t n)
{
	struct dda_pool_row *rows = n ? calloc(n, sizeof(*rows)) : NULL;

	if (n && !rows)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct dda_pciaddr addr;
		struct dda_device *d = NULL;
		struct dda_owner o;

		rows[i].e = &v[i];
		if (h && dda_pciaddr_parse(v[i].address, &addr) == 0)
			d = dda_host_find(h, &addr);
		/* Names for the devices shown only: an empty pool loads none,
		 * and pci.ids is the bulk of a short command's work. */
		if (d)
			(void)dda_host_name(h, d);
		rows[i].dev = d;
		if (!s || dda_vm_owner(s, v[i].address, rows[i].vm) < 0)
			rows[i].vm[0] = '\0';
		if (dda_owner_find(s, v[i].address, &o) == 0)
			(void)dda_owner_label(&o, rows[i].owner, sizeof(rows[i].owner));
		else
			dda_error_clear(); /* unreadable: shown as nobody's, as for the VMs */
	}
	for (size_t i = 0; h && i < h->ndevs; i++)
		if (h->devs[i].pool_mark == DDA_POOL_UNRECORDED)
			(void)dda_host_name(h, &h->devs[i]);
	ret->rows = rows;
	ret->n = n;
	ret->h = h;
	ret->named = NULL;
	ret->nnamed = 0;
	return s ? named_build(ret, s) : 0;
}

void dda_pool_view_release(struct dda_pool_view *pv)
{
	free(pv->rows);
	pv->rows = NULL;
	pv->n = 0;
	for (size_t i = 0; i < pv->nnamed; i++)
		free(pv->named[i].members);
	free(pv->named);
	pv->named = NULL;
	pv->nnamed = 0;
}

static struct json_object *row_json(const struct dda_pool_view *pv, const struct dda_pool_row *row)
{
	const struct dda_pool_entry *e = row->e;
	const struct dda_device *d = row->dev;
	bool quarantined = dda_pool_entry_quarantined(e);
	struct json_object *x = json_object_new_object(), *members = json_object_new_array();

	/* The group as it moved: the pool holds every member. */
	for (size_t k = 0; k < pv->n; k++)
		if (pv->rows[k].e->group == e->group)
			json_object_array_add(members, json_object_new_string(pv->rows[k].e->address));
	json_object_object_add(x, "address", json_object_new_string(e->address));
	json_object_object_add(x, "location_path", json_object_new_string(e->location_path));
	json_object_object_add(x, "name", d && d->name_str ? json_object_new_string(d->name_str) : NULL);
	json_object_object_add(x, "vendor_id", dda_json_hex(e->vendor, 4));
	json_object_object_add(x, "device_id", dda_json_hex(e->device, 4));
	json_object_object_add(x, "iommu_group", json_object_new_int(e->group));
	json_object_object_add(x, "group_members", members);
	json_object_object_add(x, "companion_of", e->brought_by[0] ? json_object_new_string(e->brought_by) : NULL);
	json_object_object_add(x, "original_driver",
			       e->original_driver[0] ? json_object_new_string(e->original_driver) : NULL);
	json_object_object_add(x, "driver", d && d->driver[0] ? json_object_new_string(d->driver) : NULL);
	json_object_object_add(x, "added_at", json_object_new_string(e->added_at));
	json_object_object_add(x, "forced", json_object_new_boolean(e->forced));
	json_object_object_add(x, "forced_by", e->forced ? json_object_new_string(e->forced_by) : NULL);
	json_object_object_add(x, "forced_reasons", e->forced ? json_object_new_string(e->forced_reasons) : NULL);
	json_object_object_add(x, "state", json_object_new_string(dda_pool_state_to_string(e->state)));
	json_object_object_add(x, "quarantined", json_object_new_boolean(quarantined));
	json_object_object_add(x, "quarantined_at", quarantined ? json_object_new_string(e->quarantined_at) : NULL);
	json_object_object_add(x, "quarantine_reason",
			       quarantined ? json_object_new_string(e->quarantine_reason) : NULL);
	json_object_object_add(x, "vm", row->vm[0] ? json_object_new_string(row->vm) : NULL);
	json_object_object_add(x, "owner", row->owner[0] ? json_object_new_string(row->owner) : NULL);
	json_object_object_add(x, "present", json_object_new_boolean(d != NULL));
	return x;
}

static struct json_object *unrecorded_json(const struct dda_host *h)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; h && i < h->ndevs; i++) {
		const struct dda_device *d = &h->devs[i];
		struct json_object *x;

		if (d->pool_mark != DDA_POOL_UNRECORDED)
			continue;
		x = json_object_new_object();
		json_object_object_add(x, "address", json_object_new_string(d->name));
		json_object_object_add(x, "location_path", json_object_new_string(d->location_path));
		json_object_object_add(x, "name", d->name_str ? json_object_new_string(d->name_str) : NULL);
		json_object_object_add(x, "iommu_group", json_object_new_int(d->group_id));
		json_object_object_add(x, "driver", json_object_new_string(d->driver));
		json_object_array_add(a, x);
	}
	return a;
}

struct json_object *dda_report_pool(const struct dda_pool_view *pv)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < pv->n; i++)
		json_object_array_add(a, row_json(pv, &pv->rows[i]));
	json_object_object_add(o, "pool", a);
	json_object_object_add(o, "unrecorded", unrecorded_json(pv->h));
	a = json_object_new_array();
	for (size_t i = 0; i < pv->nnamed; i++) {
		struct json_object *x = json_object_new_object(), *m = json_object_new_array();

		for (size_t k = 0; k < pv->named[i].n; k++)
			json_object_array_add(m, json_object_new_string(pv->named[i].members[k]));
		json_object_object_add(x, "name", json_object_new_string(pv->named[i].name));
		json_object_object_add(x, "devices", m);
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "named_pools", a);
	return o;
}

struct json_object *dda_report_npool(bool add, const char *pool, struct dda_device *const *devs, size_t n)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(devs[i]->name));
	json_object_object_add(o, "action", json_object_new_string(add ? "add" : "create"));
	json_object_object_add(o, "pool", json_object_new_string(pool));
	json_object_object_add(o, "devices", a);
	return o;
}

struct json_object *dda_report_pool_release(const char *address, bool reset)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "action", json_object_new_string("release"));
	json_object_object_add(o, "address", json_object_new_string(address));
	json_object_object_add(o, "reset", json_object_new_boolean(reset));
	json_object_object_add(o, "quarantined", json_object_new_boolean(false));
	return o;
}

struct json_object *dda_report_pool_restore(const char *only, const struct dda_repair *rep)
{
	struct json_object *o = json_object_new_object(), *lines = json_object_new_array();

	for (size_t i = 0; i < rep->n; i++)
		json_object_array_add(lines, json_object_new_string(rep->lines[i]));
	json_object_object_add(o, "action", json_object_new_string("restore"));
	json_object_object_add(o, "device", only ? json_object_new_string(only) : NULL);
	json_object_object_add(o, "done", lines);
	return o;
}
