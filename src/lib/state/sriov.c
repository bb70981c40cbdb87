/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SR-IOV store: each PF's kept configuration and its VFs' policies.
 * Changing the VF count on top of it is in sriov-count.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libkmod.h>

#include "audit.h"
#include "driver.h"
#include "error.h"
#include "fault.h"
#include "hostpath.h"
#include "sriov-internal.h"
#include "text.h"
#include "vfio.h"
#include "vm.h"
#include "wait.h"

/* --- the kept configuration ------------------------------------------ */

#define CONFIG_COLS                                                                            \
	"location_path, address, vendor, device, subvendor, subdevice, num_vfs, pool, state, " \
	"autoprobe_saved, updated_at"

static const char *const pf_states[_DDA_SRIOV_STATE_MAX] = {
	[DDA_SRIOV_DONE] = "done",
	[DDA_SRIOV_CHANGING] = "changing",
};

DDA_DEFINE_STRING_TABLE(dda_sriov_state, enum dda_sriov_state, pf_states);

static void read_config(sqlite3_stmt *st, struct dda_sriov_config *c)
{
	memset(c, 0, sizeof(*c));
	dda_state_text(c->location_path, sizeof(c->location_path), st, 0);
	dda_state_text(c->address, sizeof(c->address), st, 1);
	c->vendor = (uint16_t)sqlite3_column_int(st, 2);
	c->device = (uint16_t)sqlite3_column_int(st, 3);
	c->subvendor = (uint16_t)sqlite3_column_int(st, 4);
	c->subdevice = (uint16_t)sqlite3_column_int(st, 5);
	c->count = sqlite3_column_int(st, 6);
	c->pool = sqlite3_column_int(st, 7);
	c->changing = dda_sriov_state_from_string((const char *)sqlite3_column_text(st, 8)) == DDA_SRIOV_CHANGING;
	c->autoprobe_saved = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 9);
	dda_state_text(c->updated_at, sizeof(c->updated_at), st, 10);
}

int dda_sriov_config_get(struct dda_state *s, const char *location_path, struct dda_sriov_config *ret)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int rc;

	if (!s)
		return -ENOENT;
	if (sqlite3_prepare_v2(dda_state_db(s), "SELECT " CONFIG_COLS " FROM sriov_pf WHERE location_path = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return dda_state_error(s, "reading the SR-IOV configuration");
	sqlite3_bind_text(st, 1, location_path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return dda_state_error(s, "reading the SR-IOV configuration");
	read_config(st, ret);
	return 0;
}

int dda_sriov_config_list(struct dda_state *s, struct dda_sriov_config **ret, size_t *ret_n)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ struct dda_sriov_config *v = NULL;
	size_t n = 0;
	int rc;

	if (sqlite3_prepare_v2(dda_state_db(s), "SELECT " CONFIG_COLS " FROM sriov_pf ORDER BY address", -1, &st,
			       NULL) != SQLITE_OK)
		return dda_state_error(s, "listing the SR-IOV configuration");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct dda_sriov_config *nv = realloc(v, (n + 1) * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v = nv;
		read_config(st, &v[n++]);
	}
	if (rc != SQLITE_DONE)
		return dda_state_error(s, "listing the SR-IOV configuration");
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

bool dda_sriov_config_matches(const struct dda_sriov_config *c, const struct dda_device *pf)
{
	return !strcmp(c->location_path, pf->location_path) &&
	       dda_device_same_ids(pf, c->vendor, c->device, c->subvendor, c->subdevice);
}

/* The intent: count and pool flag, marked 'changing' until done.  An
 * autoprobe value saved by an interrupted change is kept. */
int dda_sriov_config_begin(struct dda_state *s, const struct dda_device *pf, int count, bool pool)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(dda_state_db(s),
			       "INSERT INTO sriov_pf (" CONFIG_COLS
			       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'changing', NULL, " DDA_SQL_NOW ") "
			       "ON CONFLICT (location_path) DO UPDATE SET address = excluded.address, "
			       "vendor = excluded.vendor, device = excluded.device, subvendor = excluded.subvendor, "
			       "subdevice = excluded.subdevice, num_vfs = excluded.num_vfs, pool = excluded.pool, "
			       "state = 'changing', updated_at = excluded.updated_at",
			       -1, &st, NULL) != SQLITE_OK)
		return dda_state_error(s, "recording the VF count");
	sqlite3_bind_text(st, 1, pf->location_path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pf->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, pf->vendor);
	sqlite3_bind_int(st, 4, pf->device);
	sqlite3_bind_int(st, 5, pf->subvendor);
	sqlite3_bind_int(st, 6, pf->subdevice);
	sqlite3_bind_int(st, 7, count);
	sqlite3_bind_int(st, 8, pool);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "recording the VF count");
	return 0;
}

/* Runs an UPDATE of sriov_pf whose last parameter is the location path;
 * value (when >= -1) is bound first, -1 as NULL. */
static int config_update(struct dda_state *s, const struct dda_device *pf, const char *sql, int value)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int idx = 1;

	if (sqlite3_prepare_v2(dda_state_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return dda_state_error(s, "updating the SR-IOV configuration");
	if (value == -1)
		sqlite3_bind_null(st, idx++);
	else if (value >= 0)
		sqlite3_bind_int(st, idx++, value);
	sqlite3_bind_text(st, idx, pf->location_path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "updating the SR-IOV configuration");
	return 0;
}

int dda_sriov_config_autoprobe_saved(struct dda_state *s, const struct dda_device *pf, int v)
{
	return config_update(s, pf, "UPDATE sriov_pf SET autoprobe_saved = ? WHERE location_path = ?", v < 0 ? -1 : v);
}

int dda_sriov_config_done(struct dda_state *s, const struct dda_device *pf)
{
	return config_update(s, pf, "UPDATE sriov_pf SET state = 'done' WHERE location_path = ?", -2);
}

/* --- stored VF policies ----------------------------------------------- */

static bool policy_row_matches(sqlite3_stmt *st, const struct dda_device *pf)
{
	return sqlite3_column_int(st, 0) == pf->vendor && sqlite3_column_int(st, 1) == pf->device &&
	       sqlite3_column_int(st, 2) == pf->subvendor && sqlite3_column_int(st, 3) == pf->subdevice;
}

int dda_sriov_vf_policy_get(struct dda_state *s, const struct dda_device *pf, unsigned vf, struct dda_vf_policy *ret)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	struct dda_vf_policy p = { 0 };
	int rc;

	if (!s)
		return -ENOENT;
	if (sqlite3_prepare_v2(dda_state_db(s),
			       "SELECT vendor, device, subvendor, subdevice, mac, vlan, spoof_check, trust, link_state, "
			       "max_tx_rate FROM sriov_vf_policy WHERE pf_location_path = ? AND vf = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return dda_state_error(s, "reading the VF policy");
	sqlite3_bind_text(st, 1, pf->location_path, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)vf);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return dda_state_error(s, "reading the VF policy");
	if (!policy_row_matches(st, pf))
		return -ENOENT;
	if (sqlite3_column_type(st, 4) != SQLITE_NULL &&
	    dda_vf_mac_parse((const char *)sqlite3_column_text(st, 4), p.mac) == 0)
		p.set |= DDA_VF_MAC;
	if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
		p.set |= DDA_VF_VLAN;
		p.vlan = (uint16_t)sqlite3_column_int(st, 5);
	}
	if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
		p.set |= DDA_VF_SPOOFCHK;
		p.spoofchk = sqlite3_column_int(st, 6);
	}
	if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
		p.set |= DDA_VF_TRUST;
		p.trust = sqlite3_column_int(st, 7);
	}
	if (sqlite3_column_type(st, 8) != SQLITE_NULL &&
	    dda_vf_link_parse((const char *)sqlite3_column_text(st, 8), &p.link) == 0)
		p.set |= DDA_VF_LINK;
	if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
		p.set |= DDA_VF_RATE;
		p.rate = (uint32_t)sqlite3_column_int64(st, 9);
	}
	*ret = p;
	return 0;
}

static int policy_put(struct dda_state *s, const struct dda_device *pf, unsigned vf, const struct dda_vf_policy *p)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	char mac[18];

	if (sqlite3_prepare_v2(dda_state_db(s),
			       "INSERT OR REPLACE INTO sriov_vf_policy (pf_location_path, vf, vendor, device, subvendor, "
			       "subdevice, mac, vlan, spoof_check, trust, link_state, max_tx_rate, updated_at) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " DDA_SQL_NOW ")",
			       -1, &st, NULL) != SQLITE_OK)
		return dda_state_error(s, "storing the VF policy");
	sqlite3_bind_text(st, 1, pf->location_path, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)vf);
	sqlite3_bind_int(st, 3, pf->vendor);
	sqlite3_bind_int(st, 4, pf->device);
	sqlite3_bind_int(st, 5, pf->subvendor);
	sqlite3_bind_int(st, 6, pf->subdevice);
	dda_vf_mac_format(p->mac, mac);
	if (p->set & DDA_VF_MAC)
		sqlite3_bind_text(st, 7, mac, -1, SQLITE_STATIC);
	if (p->set & DDA_VF_VLAN)
		sqlite3_bind_int(st, 8, p->vlan);
	if (p->set & DDA_VF_SPOOFCHK)
		sqlite3_bind_int(st, 9, p->spoofchk);
	if (p->set & DDA_VF_TRUST)
		sqlite3_bind_int(st, 10, p->trust);
	if (p->set & DDA_VF_LINK)
		sqlite3_bind_text(st, 11, dda_vf_link_name(p->link), -1, SQLITE_STATIC);
	if (p->set & DDA_VF_RATE)
		sqlite3_bind_int64(st, 12, p->rate);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "storing the VF policy");
	return 0;
}

/* Overlays the fields set in b on a. */
static void policy_merge(struct dda_vf_policy *a, const struct dda_vf_policy *b)
{
	if (b->set & DDA_VF_MAC)
		memcpy(a->mac, b->mac, 6);
	if (b->set & DDA_VF_VLAN)
		a->vlan = b->vlan;
	if (b->set & DDA_VF_SPOOFCHK)
		a->spoofchk = b->spoofchk;
	if (b->set & DDA_VF_TRUST)
		a->trust = b->trust;
	if (b->set & DDA_VF_LINK)
		a->link = b->link;
	if (b->set & DDA_VF_RATE)
		a->rate = b->rate;
	a->set |= b->set;
}

int dda_sriov_vf_config(struct dda_state *s, const struct dda_device *pf, unsigned vf,
			const struct dda_vf_policy *changes, struct dda_vf_policy *ret_stored)
{
	struct dda_vf_policy stored = { 0 }, kept;
	struct dda_vfnet_result res;
	char text[256];
	int r, ra;

	r = dda_sriov_vf_policy_get(s, pf, vf, &stored);
	if (r < 0 && r != -ENOENT)
		return r;
	ra = dda_vfnet_apply(dda_state_ctx(s), pf->name, vf, changes, 0, &res);
	if (ra < 0 && !res.applied) {
		const struct dda_error_info *e = dda_last_error();
		char detail[32];

		snprintf(detail, sizeof(detail), "VF %u: nothing kept", vf);
		(void)!dda_audit(s, "vf config", pf->name, DDA_OUTCOME_FAILED, e->message, detail);
		return ra;
	}
	/* What the kernel has now is what is kept: everything on success, the
	 * options that could not be rolled back after a refusal. */
	kept = *changes;
	kept.set &= ra < 0 ? res.applied : DDA_VF_ALL;
	policy_merge(&stored, &kept);
	if (ra < 0) {
		struct dda_error_info e = dda_error_save();
		char detail[300];

		/* Only what the kernel kept is a change to account for. */
		dda_vf_policy_format(&kept, text, sizeof(text));
		snprintf(detail, sizeof(detail), "VF %u: kept %s", vf, text);
		(void)!dda_audit(s, "vf config", pf->name, DDA_OUTCOME_FAILED, e.message, detail);
		if (policy_put(s, pf, vf, &stored) == 0)
			dda_error_restore(&e, ra);
		return ra;
	}
	r = policy_put(s, pf, vf, &stored);
	if (r < 0)
		return r;
	dda_vf_policy_format(changes, text, sizeof(text));
	{
		char detail[300];

		snprintf(detail, sizeof(detail), "VF %u: %s", vf, text);
		r = dda_audit(s, "vf config", pf->name, DDA_OUTCOME_DONE, NULL, detail);
	}
	if (r == 0 && ret_stored)
		*ret_stored = stored;
	return r;
}

int dda_sriov_vf_forget(struct dda_state *s, const struct dda_device *pf, unsigned vf)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	char detail[32];

	if (sqlite3_prepare_v2(dda_state_db(s), "DELETE FROM sriov_vf_policy WHERE pf_location_path = ? AND vf = ?", -1,
			       &st, NULL) != SQLITE_OK)
		return dda_state_error(s, "forgetting the VF policy");
	sqlite3_bind_text(st, 1, pf->location_path, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)vf);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "forgetting the VF policy");
	if (sqlite3_changes(dda_state_db(s)) == 0)
		return dda_error_code(-ENOENT, "no-policy", pf->name, "no policy is stored for VF %u of '%s'", vf,
				      pf->name);
	snprintf(detail, sizeof(detail), "VF %u", vf);
	return dda_state_log(s, "vf forget", pf->name, detail);
}

/* Re-applies the stored policy of VF i of pf, if there is one and the PF
 * has a network interface, as far as the driver takes it (best effort).
 * 1 when something was applied, with *ret_deferred set when the rate
 * waits for the PF's link. */
int dda_sriov_policy_reapply(struct dda_state *s, const struct dda_device *pf, unsigned i, bool *ret_deferred)
{
	struct dda_vfnet_result res;
	struct dda_vf_policy p;
	char ifname[64];
	int r;

	*ret_deferred = false;
	r = dda_sriov_vf_policy_get(s, pf, i, &p);
	if (r == -ENOENT || (r == 0 && !p.set))
		return 0;
	if (r < 0)
		return r;
	if (dda_vfnet_netdev_find(dda_state_ctx(s), pf->name, ifname, sizeof(ifname)) < 0)
		return 0;
	r = dda_vfnet_apply(dda_state_ctx(s), pf->name, i, &p, DDA_VFNET_BEST_EFFORT, &res);
	*ret_deferred = res.deferred != 0;
	return r < 0 ? r : 1;
}

int dda_sriov_vf_prepare(struct dda_state *s, const struct dda_device *d)
{
	int r;

	if (!d->physfn || d->vf_index < 0)
		return 0;
	bool deferred;

	r = dda_sriov_policy_reapply(s, d->physfn, (unsigned)d->vf_index, &deferred);
	return r < 0 ? r : 0;
}
