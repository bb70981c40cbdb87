/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "report.h"

void dda_pf_view_read(struct dda_ctx *ctx, struct dda_state *s, struct dda_device *pf, struct dda_pf_view *v)
{
	memset(v, 0, sizeof(*v));
	v->pf = pf;
	v->autoprobe = dda_device_autoprobe(ctx, pf->name);
	if (dda_vfnet_netdev_find(ctx, pf->name, v->netdev, sizeof(v->netdev)) < 0)
		v->netdev[0] = '\0';
	else
		v->ks_ok = dda_vfnet_query(ctx, pf->name, v->ks, ARRAY_SIZE(v->ks), &v->nks) == 0;
	if (dda_sriov_config_get(s, pf->location_path, &v->cfg) == 0) {
		v->has_cfg = dda_sriov_config_matches(&v->cfg, pf);
		v->cfg_other_card = !v->has_cfg;
	}
	/* each part is shown as missing instead */
	dda_error_clear();
}

int dda_pf_view_rows(struct dda_state *s, const struct dda_device *pf)
{
	int n = pf->sriov_num > 0 ? pf->sriov_num : 0;
	struct dda_vf_policy p;

	for (int i = n; i < pf->sriov_total; i++)
		if (dda_sriov_vf_policy_get(s, pf, (unsigned)i, &p) == 0)
			n = i + 1;
	dda_error_clear();
	return n;
}

struct dda_device *dda_pf_view_vf(const struct dda_host *h, const struct dda_device *pf, int i)
{
	for (size_t k = 0; k < h->ndevs; k++)
		if (h->devs[k].physfn == pf && h->devs[k].vf_index == i)
			return &h->devs[k];
	return NULL;
}

const struct dda_vf_kstate *dda_pf_view_kstate(const struct dda_pf_view *v, int vf)
{
	for (size_t i = 0; i < v->nks; i++)
		if (v->ks[i].vf == vf)
			return &v->ks[i];
	return NULL;
}

struct json_object *dda_report_vf_policy(const struct dda_vf_policy *p)
{
	struct json_object *o = json_object_new_object();
	char mac[18];

	dda_vf_mac_format(p->mac, mac);
	json_object_object_add(o, "mac", p->set & DDA_VF_MAC ? json_object_new_string(mac) : NULL);
	json_object_object_add(o, "vlan", p->set & DDA_VF_VLAN ? json_object_new_int(p->vlan) : NULL);
	json_object_object_add(o, "spoof_check", p->set & DDA_VF_SPOOFCHK ? json_object_new_boolean(p->spoofchk) : NULL);
	json_object_object_add(o, "trust", p->set & DDA_VF_TRUST ? json_object_new_boolean(p->trust) : NULL);
	json_object_object_add(o, "link",
			       p->set & DDA_VF_LINK ? json_object_new_string(dda_vf_link_name(p->link)) : NULL);
	json_object_object_add(o, "max_tx_rate_mbps", p->set & DDA_VF_RATE ? json_object_new_int64(p->rate) : NULL);
	return o;
}

static struct json_object *kstate_json(const struct dda_vf_kstate *k)
{
	struct json_object *o = json_object_new_object();
	char mac[18];

	dda_vf_mac_format(k->mac, mac);
	json_object_object_add(o, "mac", k->has_mac ? json_object_new_string(mac) : NULL);
	json_object_object_add(o, "vlan", k->vlan >= 0 ? json_object_new_int(k->vlan) : NULL);
	json_object_object_add(o, "qos", k->qos >= 0 ? json_object_new_int(k->qos) : NULL);
	json_object_object_add(o, "spoof_check", k->spoofchk >= 0 ? json_object_new_boolean(k->spoofchk) : NULL);
	json_object_object_add(o, "trust", k->trust >= 0 ? json_object_new_boolean(k->trust) : NULL);
	json_object_object_add(o, "link", k->link >= 0 ? json_object_new_string(dda_vf_link_name(k->link)) : NULL);
	json_object_object_add(o, "max_tx_rate_mbps",
			       k->max_tx_rate >= 0 ? json_object_new_int64(k->max_tx_rate) : NULL);
	json_object_object_add(o, "min_tx_rate_mbps",
			       k->min_tx_rate >= 0 ? json_object_new_int64(k->min_tx_rate) : NULL);
	return o;
}

static struct json_object *vf_json(struct dda_state *s, const struct dda_host *h, const struct dda_pf_view *v, int i)
{
	struct dda_device *pf = v->pf, *d = dda_pf_view_vf(h, pf, i);
	struct json_object *x = json_object_new_object();
	const struct dda_vf_kstate *k = dda_pf_view_kstate(v, i);
	struct dda_pool_entry e;
	struct dda_vf_policy p;
	char owner[DDA_VM_NAME_MAX + 1];

	json_object_object_add(x, "vf_index", json_object_new_int(i));
	json_object_object_add(x, "address", d ? json_object_new_string(d->name) : NULL);
	json_object_object_add(x, "location_path", d ? json_object_new_string(d->location_path) : NULL);
	json_object_object_add(x, "present", json_object_new_boolean(d != NULL));
	if (d) {
		json_object_object_add(x, "vendor_id", dda_json_hex(d->vendor, 4));
		json_object_object_add(x, "device_id", dda_json_hex(d->device, 4));
		json_object_object_add(x, "iommu_group", d->group_id >= 0 ? json_object_new_int(d->group_id) : NULL);
		json_object_object_add(x, "driver", d->driver[0] ? json_object_new_string(d->driver) : NULL);
		json_object_object_add(x, "pool_state",
				       dda_pool_get(s, d->name, &e) == 0 ?
					       json_object_new_string(dda_pool_state_to_string(e.state)) :
					       NULL);
		json_object_object_add(x, "vm",
				       s && dda_vm_owner(s, d->name, owner) == 0 ? json_object_new_string(owner) : NULL);
	} else {
		/* an absent VF has the same keys, null */
		static const char *const keys[] = { "vendor_id", "device_id",  "iommu_group",
						    "driver",	 "pool_state", "vm" };

		for (size_t j = 0; j < ARRAY_SIZE(keys); j++)
			json_object_object_add(x, keys[j], NULL);
	}
	json_object_object_add(x, "policy",
			       dda_sriov_vf_policy_get(s, pf, (unsigned)i, &p) == 0 ? dda_report_vf_policy(&p) : NULL);
	json_object_object_add(x, "kernel", k ? kstate_json(k) : NULL);
	return x;
}

struct json_object *dda_report_pf(struct dda_state *s, const struct dda_host *h, const struct dda_pf_view *v)
{
	struct dda_device *pf = v->pf;
	struct json_object *o = json_object_new_object(), *vfs = json_object_new_array();
	int rows = dda_pf_view_rows(s, pf);

	json_object_object_add(o, "address", json_object_new_string(pf->name));
	json_object_object_add(o, "location_path", json_object_new_string(pf->location_path));
	json_object_object_add(o, "name", pf->name_str ? json_object_new_string(pf->name_str) : NULL);
	json_object_object_add(o, "vendor_id", dda_json_hex(pf->vendor, 4));
	json_object_object_add(o, "device_id", dda_json_hex(pf->device, 4));
	json_object_object_add(o, "vf_device_id", dda_json_hex(pf->sriov_vf_device, 4));
	json_object_object_add(o, "driver", pf->driver[0] ? json_object_new_string(pf->driver) : NULL);
	json_object_object_add(o, "netdev", v->netdev[0] ? json_object_new_string(v->netdev) : NULL);
	json_object_object_add(o, "total_vfs", json_object_new_int(pf->sriov_total));
	json_object_object_add(o, "enabled_vfs", json_object_new_int(pf->sriov_num));
	json_object_object_add(o, "drivers_autoprobe", v->autoprobe >= 0 ? json_object_new_boolean(v->autoprobe) : NULL);
	if (v->has_cfg) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "count", json_object_new_int(v->cfg.count));
		json_object_object_add(c, "pool", json_object_new_boolean(v->cfg.pool));
		json_object_object_add(c, "state",
				       json_object_new_string(dda_sriov_state_to_string(
					       v->cfg.changing ? DDA_SRIOV_CHANGING : DDA_SRIOV_DONE)));
		json_object_object_add(c, "updated_at", json_object_new_string(v->cfg.updated_at));
		json_object_object_add(o, "persisted", c);
	} else {
		json_object_object_add(o, "persisted", NULL);
	}
	for (int i = 0; i < rows; i++)
		json_object_array_add(vfs, vf_json(s, h, v, i));
	json_object_object_add(o, "vfs", vfs);
	/* lookups allowed to fail: a missing part is shown as null */
	dda_error_clear();
	return o;
}

struct json_object *dda_report_vf_list(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "pfs", json_object_new_array());
	return o;
}

void dda_report_vf_list_add(struct json_object *list, struct json_object *pf)
{
	json_object_array_add(json_object_object_get(list, "pfs"), pf);
}

struct json_object *dda_report_vf_set(const char *physfn, int count, bool pool, const struct dda_repair *rep)
{
	struct json_object *o = json_object_new_object(), *lines = json_object_new_array();

	for (size_t i = 0; i < rep->n; i++)
		json_object_array_add(lines, json_object_new_string(rep->lines[i]));
	json_object_object_add(o, "action", json_object_new_string("set"));
	json_object_object_add(o, "physfn", json_object_new_string(physfn));
	json_object_object_add(o, "count", json_object_new_int(count));
	json_object_object_add(o, "pool", json_object_new_boolean(pool));
	json_object_object_add(o, "done", lines);
	return o;
}

struct json_object *dda_report_vf_config(const char *physfn, unsigned vf, const struct dda_vf_policy *stored)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "action", json_object_new_string(stored ? "config" : "forget"));
	json_object_object_add(o, "physfn", json_object_new_string(physfn));
	json_object_object_add(o, "vf_index", json_object_new_int((int)vf));
	json_object_object_add(o, "policy", stored ? dda_report_vf_policy(stored) : NULL);
	return o;
}
