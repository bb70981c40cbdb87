/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report.h"

static struct json_object *text_or_null(const char *s)
{
	return s[0] ? json_object_new_string(s) : NULL;
}

struct json_object *dda_report_log(const struct dda_audit_row *v, size_t n)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "id", json_object_new_int64(v[i].id));
		json_object_object_add(x, "started_at", json_object_new_string(v[i].at));
		json_object_object_add(x, "ended_at", text_or_null(v[i].ended_at));
		json_object_object_add(x, "user", json_object_new_string(v[i].who));
		json_object_object_add(x, "operation", json_object_new_string(v[i].op));
		json_object_object_add(x, "device", text_or_null(v[i].device));
		json_object_object_add(x, "outcome", json_object_new_string(v[i].outcome));
		json_object_object_add(x, "reason", text_or_null(v[i].reason));
		json_object_object_add(x, "detail", text_or_null(v[i].detail));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "log", a);
	return o;
}
