/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Putting the pool right after the fact: finishing moves a crash cut
 * short, claiming the pool again at boot, and lifting a quarantine. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "driver.h"
#include "error.h"
#include "hostpath.h"
#include "pool-internal.h"
#include "vfio.h"

bool dda_pool_needs_recovery(struct dda_state *s)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(dda_state_db(s), "SELECT 1 FROM pool_device WHERE state != 'pooled' LIMIT 1", -1, &st,
			       NULL) != SQLITE_OK)
		return false;
	return sqlite3_step(st) == SQLITE_ROW;
}

int dda_pool_recover(struct dda_state *s, struct dda_repair *rep)
{
	_cleanup_free_ struct dda_pool_entry *v = NULL;
	size_t n;
	int r, first = 0;

	r = dda_pool_list(s, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct dda_pool_entry *e = &v[i];

		if (e->state == DDA_POOL_POOLED)
			continue;
		if (!dda_exists(dda_state_ctx(s), "sys/bus/pci/devices/%s", e->address)) {
			dda_pool_say(rep, "'%s' was being %s but is gone from the host; its record is kept", e->address,
				     e->state == DDA_POOL_DISMOUNTING ? "dismounted" : "mounted");
			continue;
		}
		/* Unbinding vfio-pci under a process that holds it would block. */
		{
			int pids[2];
			char grp[32];
			uint32_t g;

			if (dda_read_link_base(dda_state_ctx(s), grp, sizeof(grp), "sys/bus/pci/devices/%s/iommu_group",
					       e->address) == 0 &&
			    dda_parse_u32(grp, 10, &g) == 0 &&
			    dda_vfio_group_users(dda_state_ctx(s), (int)g, pids, ARRAY_SIZE(pids))) {
				dda_pool_say(rep,
					     "'%s' was being %s, but process %d holds it: left as it is until it lets go",
					     e->address, e->state == DDA_POOL_DISMOUNTING ? "dismounted" : "mounted",
					     pids[0]);
				continue;
			}
		}
		/* A run killed between a failed reset and the quarantine left
		 * a dead device on vfio-pci: it stays there, as that run would
		 * have kept it. */
		{
			char cur[64];

			if (dda_driver_current(dda_state_ctx(s), e->address, cur, sizeof(cur)) == 0 &&
			    !strcmp(cur, VFIO) &&
			    dda_pool_dead_after_reset(dda_driver_check_alive(dda_state_ctx(s), e->address,
									     "after an interrupted move"))) {
				r = dda_pool_quarantine(s, e->address, "did not answer after an interrupted move");
				if (r < 0) {
					if (!first)
						first = r;
					continue;
				}
				dda_pool_say(rep,
					     "'%s' was being %s and does not answer: kept on vfio-pci, quarantined ('ddactl pool release %s' once it is fixed)",
					     e->address, e->state == DDA_POOL_DISMOUNTING ? "dismounted" : "mounted",
					     e->address);
				continue;
			}
			dda_error_clear();
		}
		/* Both directions end on the host side, the safe one. */
		r = dda_pool_return_to_host(dda_state_ctx(s), e->address, e->original_driver);
		if (r == 0)
			r = dda_pool_delete(s, e->address);
		{
			struct dda_error_info err = *dda_last_error();
			char what[128], how[300];

			snprintf(what, sizeof(what), "interrupted %s after step '%s'",
				 e->state == DDA_POOL_DISMOUNTING ? "dismount" : "mount", e->step);
			snprintf(how, sizeof(how), "%s, given back to %s", what,
				 e->original_driver[0] ? e->original_driver : "no driver, as before");
			/* The rows the interrupted run left open say how it ended. */
			dda_audit_settle(s, e->address, r < 0 ? DDA_OUTCOME_INTERRUPTED : DDA_OUTCOME_REPAIRED,
					 r < 0 ? err.message : how);
			if (r == 0) {
				r = dda_audit(s, "repair", e->address, DDA_OUTCOME_DONE, NULL, how);
			} else {
				(void)!dda_audit(s, "repair", e->address, DDA_OUTCOME_FAILED, err.message, what);
			}
		}
		if (r < 0) {
			if (!first)
				first = r;
			continue;
		}
		dda_pool_say(rep, "repaired an interrupted %s of '%s' (stopped after step '%s'): it is back on %s",
			     e->state == DDA_POOL_DISMOUNTING ? "dismount" : "mount", e->address, e->step,
			     e->original_driver[0] ? e->original_driver : "no driver, as before");
	}
	return first;
}

static bool same_hardware(const struct dda_pool_entry *e, const struct dda_device *d)
{
	return dda_device_same_ids(d, e->vendor, e->device, e->subvendor, e->subdevice);
}

int dda_pool_restore(struct dda_host *h, struct dda_state *s, const char *only, struct dda_repair *rep)
{
	_cleanup_free_ struct dda_pool_entry *v = NULL;
	size_t n;
	int r, first = 0;

	r = dda_pool_list(s, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct dda_pool_entry *e = &v[i];
		struct dda_device *d = NULL;
		char cur[64];

		if (e->state != DDA_POOL_POOLED)
			continue;
		/* The location path is the identity; the address may have moved. */
		d = dda_host_find_locpath(h, e->location_path);
		if (only && (!d || strcmp(d->name, only)))
			continue;
		if (!d) {
			dda_pool_say(rep, "'%s' (%s) is not on this host now: left in the pool, not claimed",
				     e->address, e->location_path);
			continue;
		}
		if (!same_hardware(e, d)) {
			dda_pool_say(rep,
				     "hardware changed at %s: the pool had %04x:%04x (%04x:%04x), found %04x:%04x (%04x:%04x) at '%s'; not claimed",
				     e->location_path, e->vendor, e->device, e->subvendor, e->subdevice, d->vendor,
				     d->device, d->subvendor, d->subdevice, d->name);
			continue;
		}
		/* Something of the host came up on it first (a volume group on a
		 * disk a guest used): taking it now would pull it from under the
		 * host. */
		if (d->nuses) {
			dda_pool_say(rep,
				     "'%s' is in use by the host (%s): left on its driver; dismount it again once it is free",
				     d->name, d->uses[0].what);
			continue;
		}
		r = dda_driver_claim_vfio(h->ctx, d->name, BIND_TIMEOUT_MS, cur, sizeof(cur));
		if (r > 0) {
			dda_pool_say(rep, "'%s' is already on vfio-pci", d->name);
			continue;
		}
		if (r < 0) {
			struct dda_error_info err = *dda_last_error();

			dda_pool_say(rep, "'%s' could not be claimed: %s", d->name, err.message);
			(void)!dda_audit(s, "restore", d->name, DDA_OUTCOME_FAILED, err.message, NULL);
			if (!first)
				first = r;
			continue;
		}
		dda_pool_say(rep, "'%s' claimed for the pool%s%s%s", d->name, cur[0] ? " (taken from " : "", cur,
			     cur[0] ? ")" : "");
		{
			char detail[128];

			snprintf(detail, sizeof(detail), "from %s", cur[0] ? cur : "no driver");
			(void)!dda_audit(s, "restore", d->name, DDA_OUTCOME_DONE, NULL, detail);
		}
		if (strcmp(e->address, d->name)) {
			_cleanup_stmt_ sqlite3_stmt *st = NULL;

			if (sqlite3_prepare_v2(dda_state_db(s), "UPDATE pool_device SET address = ? WHERE address = ?",
					       -1, &st, NULL) == SQLITE_OK) {
				sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 2, e->address, -1, SQLITE_STATIC);
				if (sqlite3_step(st) != SQLITE_DONE)
					dda_pool_say(rep, "cannot record the new address of '%s'", d->name);
			}
		}
	}
	return first;
}

int dda_pool_release(struct dda_state *s, struct dda_device *d, bool *ret_reset)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	struct dda_pool_entry e;
	int pids[2], r;

	*ret_reset = false;
	r = dda_pool_get(s, d->name, &e);
	if (r == -ENOENT)
		return dda_error_code(-ENOENT, "not-in-pool", d->name, "'%s' is not in the pool; nothing to release",
				      d->name);
	if (r < 0)
		return r;
	if (!dda_pool_entry_quarantined(&e))
		return dda_error_code(-EALREADY, "not-quarantined", d->name,
				      "'%s' is not quarantined; nothing to release", d->name);
	/* vfio-pci waits for the holder before a reset: it would block. */
	if (dda_vfio_group_users(dda_state_ctx(s), d->group_id, pids, ARRAY_SIZE(pids)))
		return dda_error_code(-EBUSY, "in-use", d->name,
				      "refusing to release '%s': process %d holds its IOMMU group /dev/vfio/%d; stop it first",
				      d->name, pids[0], d->group_id);
	r = dda_driver_reset(dda_state_ctx(s), d->name, ret_reset);
	/* Without a reset method, reading it is all that can be checked. */
	if (r == 0 && !*ret_reset)
		r = dda_driver_check_alive(dda_state_ctx(s), d->name, "on vfio-pci");
	if (dda_pool_dead_after_reset(r)) {
		(void)!dda_audit(s, "release", d->name, DDA_OUTCOME_FAILED, "still does not answer", NULL);
		return dda_error_code(-ENXIO, "no-answer", d->name,
				      "'%s' still does not answer%s: it stays quarantined on vfio-pci; power-cycle the slot or reseat the card and try again",
				      d->name, *ret_reset ? " after its reset" : "");
	}
	if (r < 0)
		return r;
	if (sqlite3_prepare_v2(dda_state_db(s),
			       "UPDATE pool_device SET quarantined_at = NULL, quarantine_reason = NULL WHERE address = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return dda_state_error(s, "releasing a device");
	sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "releasing a device");
	return dda_state_log(s, "release", d->name, *ret_reset ? "answers after its reset" : "answers");
}
