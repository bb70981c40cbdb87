/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VF count: creating and removing a PF's VFs (straight into the pool
 * or to the host), and setting them up again at boot. */
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

#define VFIO  "vfio-pci"
#define PFDEV "sys/bus/pci/devices/%s/"

/* --- the VF count ------------------------------------------------------ */

static int read_numvfs(struct dda_ctx *ctx, const char *pf, int *ret)
{
	uint64_t v;
	int r = dda_read_u64(ctx, &v, PFDEV "sriov_numvfs", pf);

	if (r < 0)
		return dda_error(r, pf, "cannot read sriov_numvfs of '%s': %s", pf, strerror(-r));
	*ret = (int)v;
	return 0;
}

/* The count is right when sriov_numvfs says so and the virtfnN links of
 * exactly that many VFs are there. */
static bool count_is(struct dda_ctx *ctx, const char *pf, int n)
{
	int cur;

	if (read_numvfs(ctx, pf, &cur) < 0 || cur != n)
		return false;
	for (int i = 0; i < n; i++)
		if (!dda_exists(ctx, PFDEV "virtfn%d", pf, i))
			return false;
	return !dda_exists(ctx, PFDEV "virtfn%d", pf, n);
}

struct count_want {
	struct dda_ctx *ctx;
	const char *pf;
	int n;
};

static int count_check(void *data)
{
	const struct count_want *w = data;

	return count_is(w->ctx, w->pf, w->n);
}

static int write_count(struct dda_ctx *ctx, const char *pf, int n)
{
	char num[16];
	int r, cur = -1;

	snprintf(num, sizeof(num), "%d", n);
	r = dda_write(ctx, num, PFDEV "sriov_numvfs", pf);
	if (r < 0)
		return dda_error_code(r, "sriov-refused", pf,
				      "'%s' refused to set its VF count to %d: %s (the kernel log may say more)", pf, n,
				      strerror(-r));
	if (dda_poll(count_check, &(struct count_want){ ctx, pf, n }, DDA_SRIOV_WAIT_MS) > 0)
		return 0;
	(void)read_numvfs(ctx, pf, &cur);
	return dda_error_code(-ETIMEDOUT, "sriov-timeout", pf,
			      "'%s' was asked for %d VFs but has %d after %d s (sriov_numvfs and virtfn links)", pf, n,
			      cur, DDA_SRIOV_WAIT_MS / 1000);
}

static int read_autoprobe(struct dda_ctx *ctx, const char *pf, int *ret)
{
	uint64_t v;
	int r = dda_read_u64(ctx, &v, PFDEV "sriov_drivers_autoprobe", pf);

	if (r < 0)
		return dda_error(r, pf, "cannot read sriov_drivers_autoprobe of '%s': %s", pf, strerror(-r));
	*ret = v ? 1 : 0;
	return 0;
}

static int write_autoprobe(struct dda_ctx *ctx, const char *pf, int v)
{
	int r = dda_write(ctx, v ? "1" : "0", PFDEV "sriov_drivers_autoprobe", pf);

	if (r < 0)
		return dda_error(r, pf, "cannot set sriov_drivers_autoprobe of '%s' to %d: %s", pf, v, strerror(-r));
	return 0;
}

/* VF index of a pool entry that is a VF of pf, or -1. */
static int entry_vf_of(const struct dda_pool_entry *e, const struct dda_device *pf)
{
	struct dda_locpath l;
	int vf;

	if (dda_locpath_parse(e->location_path, &l) < 0 || l.vf < 0)
		return -1;
	vf = l.vf;
	l.vf = -1;
	return dda_locpath_equal(&l, &pf->loc) ? vf : -1;
}

/* Appends ", text" (or text) to a list being built for a message. */
static void append(char *buf, size_t size, const char *fmt, ...) _printf_(3, 4);
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t off = strlen(buf);
	va_list ap;

	if (off >= size - 1)
		return;
	if (off)
		off += (size_t)snprintf(buf + off, size - off, "; ");
	if (off >= size - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + off, size - off, fmt, ap);
	va_end(ap);
}

static struct dda_device *vf_of(struct dda_host *h, const struct dda_device *pf, int i)
{
	for (size_t k = 0; k < h->ndevs; k++)
		if (h->devs[k].physfn == pf && h->devs[k].vf_index == i)
			return &h->devs[k];
	return NULL;
}

/* Checks that nothing holds a VF that a count change destroys; every
 * culprit goes into why. */
static int check_vfs_free(struct dda_state *s, struct dda_host *h, const struct dda_device *pf,
			  const struct dda_pool_entry *recs, size_t nrecs, int count, char *why, size_t size)
{
	why[0] = '\0';
	for (size_t k = 0; k < h->ndevs; k++) {
		const struct dda_device *d = &h->devs[k];
		char owner[DDA_VM_NAME_MAX + 1];
		int pids[4];
		size_t users;

		if (d->physfn != pf)
			continue;
		if (dda_vm_owner(s, d->name, owner) == 0 && dda_vm_pid(h->ctx, owner) > 0)
			append(why, size,
			       "VF %d '%s' is in use by running VM '%s' (stop it, or 'ddactl vm remove-device %s %s')",
			       d->vf_index, d->name, owner, owner, d->name);
		else if ((users = dda_vfio_group_users(h->ctx, d->group_id, pids, ARRAY_SIZE(pids))) > 0) {
			char comm[64] = "";

			if (dda_read_line(h->ctx, comm, sizeof(comm), "proc/%d/comm", pids[0]) < 0)
				comm[0] = '\0';
			append(why, size, "VF %d '%s' is open by process %d (%s) through /dev/vfio/%d", d->vf_index,
			       d->name, pids[0], comm, d->group_id);
		}
		for (size_t u = 0; u < d->nuses; u++)
			append(why, size, "VF %d '%s' is used by the host: %s", d->vf_index, d->name, d->uses[u].what);
	}
	/* A VF that does not come back cannot stay assigned. */
	for (size_t i = 0; i < nrecs; i++) {
		char owner[DDA_VM_NAME_MAX + 1];
		int vf = entry_vf_of(&recs[i], pf);

		if (vf >= count && dda_vm_owner(s, recs[i].address, owner) == 0 && dda_vm_pid(h->ctx, owner) <= 0)
			append(why, size,
			       "VF %d '%s' is assigned to VM '%s' and would not come back ('ddactl vm remove-device %s %s' first)",
			       vf, recs[i].address, owner, owner, recs[i].address);
	}
	return why[0] ? -EBUSY : 0;
}

/* Does the PF already look the way the config wants?  Then nothing is
 * destroyed. */
static bool in_place(struct dda_host *h, const struct dda_device *pf, int count, bool pool,
		     const struct dda_pool_entry *recs, size_t nrecs)
{
	if (pf->sriov_num != count)
		return false;
	for (int i = 0; i < count; i++) {
		struct dda_device *d = vf_of(h, pf, i);
		bool recorded = false;

		if (!d)
			return false;
		for (size_t k = 0; k < nrecs; k++)
			if (entry_vf_of(&recs[k], pf) == i && !strcmp(recs[k].address, d->name))
				recorded = true;
		if ((pool && !recorded) || (recorded && strcmp(d->driver, VFIO)))
			return false;
	}
	return true;
}

/*
 * The whole change for one PF (h scanned by the caller, with host use
 * for an interactive change).  See sriov.h for the sequence.
 */
/* The count is already what was asked: kept as the configuration, in
 * one transaction so that it is never seen 'changing'. */
static int record_in_place(struct dda_state *s, const struct dda_device *pf, int count, bool pool)
{
	_cleanup_tx_ struct dda_tx tx = { 0 };
	int r;

	r = dda_tx_begin(&tx, s);
	if (r == 0)
		r = dda_sriov_config_begin(s, pf, count, pool);
	if (r == 0)
		r = dda_sriov_config_done(s, pf);
	if (r == 0)
		r = dda_tx_commit(&tx);
	return r;
}

static int set_count(struct dda_state *s, struct dda_host *h, struct dda_device *pf, int count, bool pool,
		     struct dda_repair *rep, bool *ret_changed, int64_t *ret_audit)
{
	_cleanup_free_ struct dda_pool_entry *all = NULL;
	_cleanup_free_ struct dda_pool_entry *recs = NULL;
	_cleanup_(dda_host_freep) struct dda_host *h2 = NULL;
	struct dda_sriov_config cfg;
	struct dda_pool_entry e;
	struct dda_error_info first = { 0 };
	char why[1024], detail[64];
	size_t nall = 0, nrecs = 0;
	int r, saved = -1, cur_ap = 1, fail = 0, before;
	bool quiet, keep_any = false;

	if (!pf->has_sriov)
		return dda_error_input(-ENOTSUP, "not-sriov", pf->name,
				       "'%s' is not SR-IOV capable (no SR-IOV capability)", pf->name);
	if (pf->physfn)
		return dda_error_input(-ENOTSUP, "not-sriov", pf->name, "'%s' is itself a VF of '%s'", pf->name,
				       pf->physfn->name);
	if (pf->sriov_total < 0 || pf->sriov_num < 0)
		return dda_error(-EIO, pf->name, "cannot read sriov_totalvfs / sriov_numvfs of '%s'", pf->name);
	if (count > pf->sriov_total)
		return dda_error_input(-ERANGE, "too-many-vfs", pf->name,
				       "'%s' supports at most %d VFs (sriov_totalvfs); %d asked", pf->name,
				       pf->sriov_total, count);
	if (dda_pool_get(s, pf->name, &e) == 0 || dda_device_in_pool_driver(pf))
		return dda_error_code(-EBUSY, "refused", pf->name,
				      "'%s' is in the pool (on %s): its VFs are made by its host driver; 'ddactl mount %s' first",
				      pf->name, pf->driver[0] ? pf->driver : "no driver", pf->name);
	if (!pf->driver[0])
		return dda_error_code(-ENODEV, "no-driver", pf->name,
				      "'%s' has no driver: its host driver creates the VFs (load it, or 'ddactl mount %s')",
				      pf->name, pf->name);

	/* The VFs' pool records, by index: the ones below the new count stay. */
	r = dda_pool_list(s, &all, &nall);
	if (r < 0)
		return r;
	recs = calloc(nall ? nall : 1, sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	for (size_t i = 0; i < nall; i++)
		if (entry_vf_of(&all[i], pf) >= 0)
			recs[nrecs++] = all[i];
	for (size_t i = 0; i < nrecs; i++)
		keep_any |= entry_vf_of(&recs[i], pf) < count;

	if (dda_sriov_config_get(s, pf->location_path, &cfg) == 0 && dda_sriov_config_matches(&cfg, pf))
		saved = cfg.autoprobe_saved;
	else
		cfg.changing = false;

	if (!cfg.changing && saved < 0 && in_place(h, pf, count, pool, recs, nrecs)) {
		r = record_in_place(s, pf, count, pool);
		if (r < 0)
			return r;
		dda_pool_say(rep, "'%s' already has %d VF%s%s; kept as the configuration", pf->name, count,
			     count == 1 ? "" : "s", pool ? ", all in the pool" : "");
		goto policies;
	}

	r = check_vfs_free(s, h, pf, recs, nrecs, count, why, sizeof(why));
	if (r < 0)
		return dda_error_code(r, "refused", pf->name, "refusing to change the VF count of '%s': %s", pf->name,
				      why);

	/* 1. The intent, and the records of VFs that go for good.  The
	 * audit row is written first, on its own: a rollback of the intent
	 * must not take it away. */
	snprintf(detail, sizeof(detail), "%d VF%s%s, from %d", count, count == 1 ? "" : "s", pool ? ", pooled" : "",
		 pf->sriov_num);
	*ret_audit = dda_audit_start(s, "vf set", pf->name, detail);
	if (*ret_audit < 0)
		return (int)*ret_audit;
	{
		_cleanup_tx_ struct dda_tx tx = { 0 };

		r = dda_tx_begin(&tx, s);
		if (r == 0)
			r = dda_sriov_config_begin(s, pf, count, pool);
		for (size_t i = 0; r == 0 && i < nrecs; i++)
			if (entry_vf_of(&recs[i], pf) >= count) {
				r = dda_pool_forget(s, recs[i].address);
				if (r == 0)
					dda_pool_say(rep, "'%s' (VF %d) left the pool: it goes away", recs[i].address,
						     entry_vf_of(&recs[i], pf));
			}
		if (r == 0)
			r = dda_tx_commit(&tx);
		if (r < 0)
			return r;
	}
	*ret_changed = true;
	dda_fault_point(h->ctx, "vf-set:recorded");

	/* 2. Through 0: the kernel refuses N -> M. */
	r = read_numvfs(h->ctx, pf->name, &before);
	if (r < 0)
		return r;
	if (before != 0) {
		r = write_count(h->ctx, pf->name, 0);
		if (r < 0)
			return r;
		dda_pool_say(rep, "'%s': %d VF%s removed", pf->name, before, before == 1 ? "" : "s");
	}
	dda_fault_point(h->ctx, "vf-set:zero");

	/* 3. No host driver may see a VF that belongs to the pool. */
	quiet = count > 0 && (pool || keep_any);
	if (quiet || saved >= 0) {
		r = read_autoprobe(h->ctx, pf->name, &cur_ap);
		if (r < 0)
			return r;
		if (saved < 0) {
			saved = cur_ap;
			r = dda_sriov_config_autoprobe_saved(s, pf, saved);
			if (r < 0)
				return r;
		}
	}
	if (quiet && cur_ap != 0) {
		r = write_autoprobe(h->ctx, pf->name, 0);
		if (r < 0)
			return r;
		cur_ap = 0;
	}
	dda_fault_point(h->ctx, "vf-set:autoprobe-off");

	/* 4. The new count, verified. */
	if (count > 0) {
		r = write_count(h->ctx, pf->name, count);
		if (r < 0)
			goto restore_autoprobe;
		dda_pool_say(rep, "'%s': %d VF%s created", pf->name, count, count == 1 ? "" : "s");
	}
	dda_fault_point(h->ctx, "vf-set:created");

	/* 5. Pooled VFs onto vfio-pci, recorded; the others to the host as
	 * autoprobe would have done. */
	if (count > 0) {
		struct dda_device *npf;

		r = dda_host_scan(h->ctx, &h2, 0);
		if (r < 0)
			goto restore_autoprobe;
		npf = dda_host_find(h2, &pf->addr);
		for (int i = 0; npf && i < count; i++) {
			struct dda_device *d = vf_of(h2, npf, i);
			bool recorded = false;

			if (!d) {
				r = dda_error_code(-ENODEV, "vf-missing", pf->name,
						   "VF %d of '%s' is not on the PCI bus", i, pf->name);
				break;
			}
			for (size_t k = 0; k < nrecs; k++)
				if (entry_vf_of(&recs[k], pf) == i)
					recorded = true;
			if (!pool && !recorded) {
				if (quiet && saved)
					(void)!dda_driver_probe(h->ctx, d->name);
				continue;
			}
			{
				char was[64];

				/* A new VF has no driver (autoprobe was off). */
				r = dda_driver_claim_vfio(h->ctx, d->name, DDA_SRIOV_WAIT_MS, was, sizeof(was));
			}
			if (r > 0)
				r = 0;
			if (r == 0 && !recorded)
				r = dda_pool_record(s, d, "");
			if (r < 0)
				break;
			dda_fault_point(h->ctx, "vf-set:bound");
			dda_pool_say(rep, "'%s' (VF %d, %s) on vfio-pci, %s", d->name, i, d->location_path,
				     recorded ? "still in the pool" : "in the pool");
		}
	}

restore_autoprobe:
	if (saved >= 0) {
		struct dda_error_info err = dda_error_save();
		int r2 = cur_ap == saved ? 0 : write_autoprobe(h->ctx, pf->name, saved);

		if (r2 == 0)
			r2 = dda_sriov_config_autoprobe_saved(s, pf, -1);
		if (r2 < 0 && r == 0)
			r = r2;
		else if (r < 0) /* the first failure is the one to tell */
			dda_error_restore(&err, r);
	}
	if (r < 0)
		return r;
	r = dda_sriov_config_done(s, pf);
	if (r < 0)
		return r;

policies:
	for (int i = 0; i < count; i++) {
		bool deferred = false;
		int rp = dda_sriov_policy_reapply(s, pf, (unsigned)i, &deferred);

		if (rp > 0)
			dda_pool_say(rep, "'%s': the network policy of VF %d is applied again%s", pf->name, i,
				     deferred ?
					     " (its rate waits for the PF's link: it is applied again before a VM starts)" :
					     "");
		if (rp < 0) {
			dda_pool_say(rep, "%s", dda_last_error()->message);
			if (!fail) {
				fail = rp;
				first = *dda_last_error();
			}
		}
	}
	if (fail)
		return dda_error_code(-EIO, "vf-policy", pf->name,
				      "'%s' has its %d VF%s, but a stored VF network policy could not be applied in full: %s",
				      pf->name, count, count == 1 ? "" : "s", first.message);
	return 0;
}

/* set_count, with the outcome of its audit row once it has one (a refusal
 * changes nothing and has none). */
static int do_set(struct dda_state *s, struct dda_host *h, struct dda_device *pf, int count, bool pool,
		  struct dda_repair *rep, bool *ret_changed)
{
	int64_t audit = 0;
	bool changed = false;
	int r = set_count(s, h, pf, count, pool, rep, &changed, &audit);

	/* Before step 1 commits nothing is changed; after it, the intent
	 * stays 'changing' for a re-run or the boot restore to finish. */
	dda_audit_end_r(s, audit, r, changed ? DDA_OUTCOME_FAILED : DDA_OUTCOME_ROLLED_BACK);
	*ret_changed |= changed;
	return r;
}

static int scan_pf(struct dda_ctx *ctx, struct dda_host **h, const char *name, struct dda_device **ret)
{
	int r = dda_host_scan(ctx, h, DDA_SCAN_HOST_USE);

	if (r < 0)
		return r;
	return dda_host_resolve(*h, name, ret);
}

int dda_sriov_set(struct dda_state *s, const char *name, int count, unsigned flags, struct dda_repair *rep)
{
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	struct dda_device *pf;
	bool changed = false;
	int r;

	if (count < 0)
		return dda_error_input(-EINVAL, "usage", name, "a VF count cannot be negative");
	r = scan_pf(dda_state_ctx(s), &h, name, &pf);
	if (r < 0)
		return r;
	return do_set(s, h, pf, count, flags & DDA_SRIOV_POOL, rep, &changed);
}

struct pf_wait {
	struct dda_ctx *ctx;
	struct dda_device *pf;
};

/* Bound to any driver: pf->driver says which. */
static int pf_bound(void *data)
{
	const struct pf_wait *w = data;
	struct dda_device *pf = w->pf;
	char cur[64];

	if (dda_driver_current(w->ctx, pf->name, cur, sizeof(cur)) < 0 || !cur[0])
		return 0;
	snprintf(pf->driver, sizeof(pf->driver), "%s", cur);
	return 1;
}

/* At boot the PF's driver may not be bound yet (the unit can run before
 * udev's coldplug reaches it): wait a little, then load it by modalias
 * as udev would. */
static int wait_pf_driver(struct dda_ctx *ctx, struct dda_device *pf)
{
	char alias[256];
	struct kmod_ctx *kmod;
	struct kmod_list *list = NULL, *it;

	if (dda_poll(pf_bound, &(struct pf_wait){ ctx, pf }, DDA_SRIOV_WAIT_MS) > 0)
		return 0;
	if (strcmp(dda_ctx_root(ctx), "/") || dda_read_line(ctx, alias, sizeof(alias), PFDEV "modalias", pf->name) < 0)
		return -ENODEV;
	kmod = kmod_new(NULL, NULL);
	if (!kmod)
		return -ENOMEM;
	kmod_set_log_priority(kmod, 0);
	if (kmod_module_new_from_lookup(kmod, alias, &list) == 0 && list) {
		kmod_list_foreach(it, list)
		{
			struct kmod_module *m = kmod_module_get_module(it);

			(void)kmod_module_probe_insert_module(m, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL, NULL);
			kmod_module_unref(m);
		}
		kmod_module_unref_list(list);
	}
	kmod_unref(kmod);
	(void)!dda_driver_probe(ctx, pf->name);
	if (dda_poll(pf_bound, &(struct pf_wait){ ctx, pf }, DDA_SRIOV_WAIT_MS) > 0)
		return 0;
	dda_error_clear();
	return -ENODEV;
}

int dda_sriov_restore(struct dda_state *s, struct dda_host *h, const char *only, struct dda_repair *rep,
		      bool *ret_changed)
{
	_cleanup_free_ struct dda_sriov_config *cfgs = NULL;
	_cleanup_(dda_host_freep) struct dda_host *hu = NULL;
	size_t n = 0;
	int r, first = 0;

	*ret_changed = false;
	r = dda_sriov_config_list(s, &cfgs, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const struct dda_sriov_config *c = &cfgs[i];
		struct dda_device *pf = NULL;
		char cur[64];

		pf = dda_host_find_locpath(h, c->location_path);
		if (only && (!pf || strcmp(pf->name, only)))
			continue;
		if (!pf) {
			dda_pool_say(rep, "SR-IOV PF %s (%s) is not on this host now: its %d VFs are not created",
				     c->location_path, c->address, c->count);
			continue;
		}
		if (!dda_sriov_config_matches(c, pf)) {
			dda_pool_say(rep,
				     "hardware changed at %s: the VF configuration was for %04x:%04x (%04x:%04x), found %04x:%04x (%04x:%04x) at '%s'; its VFs are not created",
				     c->location_path, c->vendor, c->device, c->subvendor, c->subdevice, pf->vendor,
				     pf->device, pf->subvendor, pf->subdevice, pf->name);
			continue;
		}
		if (dda_driver_current(h->ctx, pf->name, cur, sizeof(cur)) == 0 && !cur[0]) {
			/* udev, before the PF's driver: the unit comes later. */
			if (only) {
				dda_pool_say(rep,
					     "'%s' has no driver yet: its %d VFs are created once it has one (ddactl-pool.service)",
					     pf->name, c->count);
				continue;
			}
			if (wait_pf_driver(h->ctx, pf) < 0) {
				dda_pool_say(rep, "'%s' has no driver: its %d VFs could not be created", pf->name,
					     c->count);
				if (!first)
					first = dda_error_code(-ENODEV, "no-driver", pf->name,
							       "'%s' has no driver: its %d VFs could not be created",
							       pf->name, c->count);
				continue;
			}
		}
		/* The change looks at host use, which the caller's scan lacks. */
		if (!hu) {
			r = dda_host_scan(h->ctx, &hu, DDA_SCAN_HOST_USE);
			if (r < 0)
				return r;
		}
		pf = dda_host_find(hu, &pf->addr);
		if (!pf)
			continue;
		{
			size_t before = rep ? rep->n : 0;

			r = do_set(s, hu, pf, c->count, c->pool, rep, ret_changed);
			if (r == 0 && rep && rep->n > before && strstr(rep->lines[before], "already has"))
				snprintf(rep->lines[before], sizeof(rep->lines[0]), "'%s' has its %d VF%s%s", pf->name,
					 c->count, c->count == 1 ? "" : "s", c->pool ? ", in the pool" : "");
		}
		if (r < 0) {
			dda_pool_say(rep, "'%s': its VFs could not be restored: %s", pf->name,
				     dda_last_error()->message);
			if (!first)
				first = r;
		}
	}
	return first;
}
