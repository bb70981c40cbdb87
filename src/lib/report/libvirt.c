/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The documents of `ddactl libvirt`: a domain's policy, and what an
 * attach or a detach did. */
#include "report.h"

struct json_object *dda_report_libvirt_policy(const struct dda_libvirt_policy *p)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "domain", json_object_new_string(p->domain));
	json_object_object_add(o, "return_to_host", json_object_new_boolean(p->return_to_host));
	json_object_object_add(o, "require_pool", json_object_new_boolean(p->require_pool));
	json_object_object_add(o, "dismount_managed", json_object_new_boolean(p->dismount_managed));
	json_object_object_add(o, "stored", json_object_new_boolean(p->stored));
	return o;
}

struct json_object *dda_report_libvirt_action(const char *domain, const char *action, const char *result,
					      const char *device, const char *alias)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "domain", json_object_new_string(domain));
	json_object_object_add(o, "action", json_object_new_string(action));
	json_object_object_add(o, "result", json_object_new_string(result));
	json_object_object_add(o, "device", json_object_new_string(device));
	json_object_object_add(o, "alias", alias && alias[0] ? json_object_new_string(alias) : NULL);
	return o;
}
