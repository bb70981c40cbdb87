/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report.h"

static struct json_object *move_json(const struct dda_move *m)
{
	struct json_object *x = json_object_new_object();

	json_object_object_add(x, "address", json_object_new_string(m->dev->name));
	json_object_object_add(x, "location_path",
			       m->dev->location_path[0] ? json_object_new_string(m->dev->location_path) : NULL);
	json_object_object_add(x, "name", m->dev->name_str ? json_object_new_string(m->dev->name_str) : NULL);
	json_object_object_add(x, "iommu_group", m->dev->group_id >= 0 ? json_object_new_int(m->dev->group_id) : NULL);
	json_object_object_add(x, "from_driver", m->from[0] ? json_object_new_string(m->from) : NULL);
	json_object_object_add(x, "to_driver", m->to[0] ? json_object_new_string(m->to) : NULL);
	json_object_object_add(x, "companion_of", m->brought_by ? json_object_new_string(m->brought_by->name) : NULL);
	json_object_object_add(x, "reset", json_object_new_boolean(m->reset));
	json_object_object_add(x, "already_done", json_object_new_boolean(m->skip));
	json_object_object_add(x, "unrecorded", json_object_new_boolean(m->unrecorded));
	json_object_object_add(x, "quarantined", json_object_new_boolean(m->quarantined));
	return x;
}

struct json_object *dda_report_plan(const struct dda_plan *p, const char *verb, bool dry_run)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < p->n; i++)
		json_object_array_add(a, move_json(&p->moves[i]));
	json_object_object_add(o, "action", json_object_new_string(verb));
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	json_object_object_add(o, "forced", json_object_new_boolean(p->forced));
	json_object_object_add(o, "forced_reasons", p->forced ? json_object_new_string(p->force_reasons) : NULL);
	json_object_object_add(o, "devices", a);
	return o;
}
