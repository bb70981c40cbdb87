/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The two moves: dismount (host -> pool) and mount (pool -> host), each
 * planned, recorded, done step by step, and settled or undone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "checks.h"
#include "driver.h"
#include "error.h"
#include "libvirt.h"
#include "fault.h"
#include "hostpath.h"
#include "pool-internal.h"
#include "text.h"
#include "vfio.h"
#include "vm.h"

/* The error a move ends with when a device did not answer: what the
 * library said, what was done about it, and the way out. */
static int quarantined_error(const char *address, const char *why)
{
	return dda_error_code(-ENXIO, "quarantined", address,
			      "%s: it stays on vfio-pci, quarantined, and no VM gets it; power-cycle or reseat it, then 'ddactl pool release %s'",
			      why, address);
}

void dda_plan_release(struct dda_plan *p)
{
	free(p->moves);
	memset(p, 0, sizeof(*p));
}

static int plan_add(struct dda_plan *p, struct dda_device *d, bool requested, struct dda_device *by)
{
	struct dda_move *m;

	for (size_t i = 0; i < p->n; i++)
		if (p->moves[i].dev == d) {
			/* Named by the user after being pulled in as a companion. */
			if (requested) {
				p->moves[i].requested = true;
				p->moves[i].brought_by = NULL;
			}
			return 0;
		}
	m = realloc(p->moves, (p->n + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	p->moves = m;
	p->moves[p->n++] = (struct dda_move){ .dev = d, .requested = requested, .brought_by = requested ? NULL : by };
	snprintf(p->moves[p->n - 1].from, sizeof(m->from), "%s", d->driver);
	return 0;
}

static const struct dda_reason *worst_reason(const struct dda_device *d, enum dda_severity sev)
{
	for (size_t i = 0; i < d->nreasons; i++)
		if (d->reasons[i].severity == sev)
			return &d->reasons[i];
	return NULL;
}

int dda_pool_plan_dismount(struct dda_host *h, struct dda_state *s, struct dda_device *const *devs, size_t n,
			   unsigned flags, struct dda_plan *ret)
{
	struct dda_plan p = { 0 };
	int r;

	(void)h; /* the devices carry their host; kept for symmetry with mount */
	for (size_t i = 0; i < n; i++) {
		struct dda_device *d = devs[i];
		struct dda_pool_entry e;

		r = dda_pool_get(s, d->name, &e);
		if (r == 0) {
			dda_plan_release(&p);
			return dda_error_code(-EALREADY, "already-in-pool", d->name,
					      "'%s' is already in the pool (since %s%s%s)", d->name, e.added_at,
					      e.requested ? "" : ", as a companion of ", e.brought_by);
		}
		if (r != -ENOENT)
			goto fail;
		if (dda_device_is_bridge(d)) {
			dda_plan_release(&p);
			return dda_error_code(-ECANCELED, "refused", d->name,
					      "refusing to dismount '%s': it is a %s, and bridges and ports stay with the host (assign the devices behind it instead)",
					      d->name, dda_devtype_name(d->type));
		}
		r = plan_add(&p, d, true, NULL);
		if (r < 0)
			goto fail;
		/* The whole group moves: vfio refuses a group whose other
		 * members are still bound to host drivers. */
		if (d->group)
			for (size_t k = 0; k < d->group->nmembers; k++) {
				struct dda_device *m = d->group->members[k];

				if (m == d || dda_device_is_bridge(m))
					continue;
				r = plan_add(&p, m, false, d);
				if (r < 0)
					goto fail;
			}
	}
	for (size_t i = 0; i < p.n; i++) {
		struct dda_move *m = &p.moves[i];
		const struct dda_reason *b = worst_reason(m->dev, DDA_SEV_BLOCK);
		struct dda_pool_entry e;

		if (b) {
			if (m->requested)
				r = dda_error_code(-ECANCELED, "refused", m->dev->name,
						   "refusing to dismount '%s': %s (%s)", m->dev->name, b->message,
						   b->hint ? b->hint : "");
			else
				r = dda_error_code(-ECANCELED, "refused", m->brought_by->name,
						   "refusing to dismount '%s': its IOMMU group companion '%s' cannot go: %s (%s)",
						   m->brought_by->name, m->dev->name, b->message,
						   b->hint ? b->hint : "");
			goto fail;
		}
		b = worst_reason(m->dev, DDA_SEV_FORCE);
		if (b && !(flags & DDA_MOVE_FORCE)) {
			const char *who = m->requested ? m->dev->name : m->brought_by->name;

			r = dda_error_code(-ECANCELED, "needs-force", who,
					   "refusing to dismount '%s' without --force: %s (%s)", who, b->message,
					   b->hint ? b->hint : "");
			goto fail;
		}
		if (b) {
			size_t off = strlen(p.force_reasons);

			p.forced = true;
			snprintf(p.force_reasons + off, sizeof(p.force_reasons) - off, "%s%s: %s", off ? "; " : "",
				 m->dev->name, b->code);
		}
		/* A member already on vfio-pci may be some other VM's (libvirt):
		 * resetting or re-binding it under that VM is not ours to do. */
		if (dda_device_in_pool_driver(m->dev)) {
			int pids[2];

			if (dda_vfio_group_users(h->ctx, m->dev->group_id, pids, ARRAY_SIZE(pids))) {
				r = dda_error_code(-EBUSY, "in-use", m->dev->name,
						   "refusing to dismount '%s': it is on %s and process %d holds its IOMMU group",
						   m->dev->name, m->dev->driver, pids[0]);
				goto fail;
			}
		}
		/* A companion already pooled by an earlier (partial) move stays. */
		if (dda_pool_get(s, m->dev->name, &e) == 0)
			m->skip = true;
		m->unrecorded = dda_pool_unrecorded(h->ctx, s, m->dev);
		snprintf(m->to, sizeof(m->to), "%s", VFIO);
	}
	*ret = p;
	return 0;
fail:
	dda_plan_release(&p);
	return r;
}

/* Gives one device back to its original driver from whatever state a
 * dismount left it in.  Idempotent. */
int dda_pool_return_to_host(struct dda_ctx *ctx, const char *bdf, const char *original)
{
	char cur[64];
	int r;

	r = dda_driver_override_set(ctx, bdf, NULL);
	if (r < 0)
		return r;
	r = dda_driver_current(ctx, bdf, cur, sizeof(cur));
	if (r < 0)
		return r;
	if (original[0] && !strcmp(cur, original))
		return 0;
	if (cur[0]) {
		r = dda_driver_unbind(ctx, bdf);
		if (r < 0)
			return r;
	}
	r = dda_driver_probe(ctx, bdf);
	if (r < 0)
		return r;
	if (!original[0])
		return 0;
	if (dda_driver_wait(ctx, bdf, original, BIND_TIMEOUT_MS) == 0)
		return 0;
	/* The kernel chose differently (another driver claims the id):
	 * bind the recorded one by name. */
	r = dda_driver_current(ctx, bdf, cur, sizeof(cur));
	if (r == 0 && cur[0] && strcmp(cur, original))
		r = dda_driver_unbind(ctx, bdf);
	if (r == 0 && dda_exists(ctx, "sys/bus/pci/drivers/%s", original))
		r = dda_driver_bind(ctx, bdf, original);
	if (r < 0)
		return r;
	return dda_driver_wait(ctx, bdf, original, BIND_TIMEOUT_MS);
}

static int take_from_host(struct dda_state *s, struct dda_move *m)
{
	const char *bdf = m->dev->name;
	int r;

	r = dda_driver_override_set(dda_state_ctx(s), bdf, VFIO);
	if (r < 0)
		return r;
	r = dda_pool_step(s, "dismount", bdf, DDA_POOL_DISMOUNTING, "override");
	if (r < 0)
		return r;
	if (strcmp(m->from, VFIO)) {
		r = dda_driver_unbind(dda_state_ctx(s), bdf);
		if (r < 0)
			return r;
	}
	r = dda_pool_step(s, "dismount", bdf, DDA_POOL_DISMOUNTING, "unbound");
	if (r < 0)
		return r;
	r = dda_driver_probe(dda_state_ctx(s), bdf);
	if (r < 0)
		return r;
	r = dda_driver_wait(dda_state_ctx(s), bdf, VFIO, BIND_TIMEOUT_MS);
	if (r < 0)
		return r;
	r = dda_pool_step(s, "dismount", bdf, DDA_POOL_DISMOUNTING, "bound");
	if (r < 0)
		return r;
	/* Entering the pool: no reset of ddactl's own.  vfio-pci resets the
	 * function when a VM opens it and again at its release, which is what
	 * wipes the host driver's state before a guest sees it (libvirt skips
	 * its own reset of a vfio-pci device for the same reason).  One here
	 * cost a third of the bare sysfs cycle in the lab (docs/PERFORMANCE.md).
	 * What stays is the check that the function answers on vfio-pci: one
	 * that is gone is quarantined before a VM depends on it. */
	return dda_driver_check_alive(dda_state_ctx(s), bdf, "once bound to vfio-pci");
}

static void audit_end(struct dda_state *s, struct dda_plan *p, enum dda_outcome o, const char *reason)
{
	for (size_t i = 0; i < p->n; i++) {
		dda_audit_end(s, p->moves[i].audit, o, reason);
		p->moves[i].audit = 0;
	}
}

/* Opens the audit row of every move, before anything changes. */
static int audit_start(struct dda_state *s, struct dda_plan *p, const char *op, bool with_force)
{
	for (size_t i = 0; i < p->n; i++) {
		struct dda_move *m = &p->moves[i];
		char detail[700];
		int64_t id;

		if (m->skip)
			continue;
		snprintf(detail, sizeof(detail), "%s %s%s%s%s%s", !strcmp(op, "mount") ? "to" : "from",
			 !strcmp(op, "mount") ? (m->to[0] ? m->to : "no driver") : (m->from[0] ? m->from : "no driver"),
			 m->brought_by ? ", companion of " : "", m->brought_by ? m->brought_by->name : "",
			 with_force && p->forced ? ", forced past: " : "",
			 with_force && p->forced ? p->force_reasons : "");
		/* The intent's commit, synced before the host is touched,
		 * takes this row to the disk with it. */
		dda_state_durable(s, false);
		id = dda_audit_start(s, with_force && p->forced ? "dismount --force" : op, m->dev->name, detail);
		dda_state_durable(s, true);
		if (id < 0) {
			audit_end(s, p, DDA_OUTCOME_FAILED, dda_last_error()->message);
			return (int)id;
		}
		m->audit = id;
	}
	return 0;
}

/* The result of a dismount, durable in one commit: every member pooled
 * (or quarantined) and its audit row ended with it, so a crash shows both
 * or neither.  The ids are dropped only once it is committed: after a
 * failed commit the caller's undo still ends them. */
static int settle_pooled(struct dda_state *s, struct dda_plan *p, const char *why)
{
	_cleanup_tx_ struct dda_tx tx = { 0 };
	int r;

	r = dda_tx_begin(&tx, s);
	for (size_t i = 0; i < p->n && r == 0; i++) {
		const struct dda_move *m = &p->moves[i];

		if (m->quarantined)
			r = dda_pool_quarantine(s, m->dev->name, "did not answer on vfio-pci at dismount");
		else if (!m->skip)
			r = dda_pool_set_state(s, m->dev->name, DDA_POOL_POOLED, "");
	}
	/* A quarantined member is in the pool but cannot serve: its
	 * dismount did not do what was asked. */
	for (size_t i = 0; i < p->n && r == 0; i++)
		dda_audit_end(s, p->moves[i].audit, p->moves[i].quarantined ? DDA_OUTCOME_FAILED : DDA_OUTCOME_DONE,
			      p->moves[i].quarantined ? why : NULL);
	if (r == 0)
		r = dda_tx_commit(&tx);
	for (size_t i = 0; i < p->n && r == 0; i++)
		p->moves[i].audit = 0;
	return r;
}

int dda_pool_dismount(struct dda_state *s, struct dda_plan *p)
{
	char why[sizeof(dda_last_error()->message)] = "";
	int r;

	r = audit_start(s, p, "dismount", true);
	if (r < 0)
		return r;
	r = dda_driver_load_vfio(dda_state_ctx(s));
	if (r == 0)
		r = dda_pool_insert(s, p, DDA_POOL_DISMOUNTING);
	if (r < 0) {
		/* Nothing of the host was touched yet. */
		audit_end(s, p, DDA_OUTCOME_FAILED, dda_last_error()->message);
		return r;
	}
	for (size_t i = 0; i < p->n; i++) {
		if (p->moves[i].skip)
			continue;
		dda_fault_point(dda_state_ctx(s), "dismount:recorded");
		r = take_from_host(s, &p->moves[i]);
		/* It is on vfio-pci, where it harms nothing: kept there
		 * rather than handed to a host driver that cannot use it. */
		if (dda_pool_dead_after_reset(r)) {
			p->moves[i].quarantined = true;
			snprintf(why, sizeof(why), "%s", dda_last_error()->message);
			continue;
		}
		if (r < 0)
			goto undo;
	}
	r = settle_pooled(s, p, why);
	if (r < 0)
		goto undo;
	for (size_t i = 0; i < p->n; i++)
		if (p->moves[i].quarantined)
			return quarantined_error(p->moves[i].dev->name, why);
	return 0;
undo:
	/* Keep the first error for the user; put every member back. */
	{
		struct dda_error_info first = *dda_last_error();

		for (size_t i = 0; i < p->n; i++) {
			struct dda_move *m = &p->moves[i];
			char failed[1200];

			if (m->skip)
				continue;
			if (dda_pool_return_to_host(dda_state_ctx(s), m->dev->name, m->from) == 0 &&
			    dda_pool_delete(s, m->dev->name) == 0) {
				dda_audit_end(s, m->audit, DDA_OUTCOME_ROLLED_BACK, first.message);
				continue;
			}
			/* Its row stays 'dismounting': the next run's repair
			 * finishes giving it back. */
			dda_textf(failed, sizeof(failed), "%s; giving it back failed too: %s", first.message,
				  dda_last_error()->message);
			dda_audit_end(s, m->audit, DDA_OUTCOME_FAILED, failed);
		}
		dda_error_code(first.err ? first.err : r, first.code, first.device,
			       "%s (the group was given back to the host)", first.message);
	}
	return r;
}

int dda_pool_plan_mount(struct dda_host *h, struct dda_state *s, struct dda_device *const *devs, size_t n,
			struct dda_plan *ret)
{
	struct dda_plan p = { 0 };
	int r;

	for (size_t i = 0; i < n; i++) {
		struct dda_device *d = devs[i];
		struct dda_pool_entry e;
		int pids[4];
		size_t users;

		bool unrecorded = false;

		r = dda_pool_get(s, d->name, &e);
		if (r == -ENOENT && dda_pool_unrecorded(h->ctx, s, d))
			unrecorded = true;
		else if (r == -ENOENT) {
			dda_plan_release(&p);
			return dda_error_code(-ENOENT, "not-in-pool", d->name,
					      "'%s' is not in the pool (see 'ddactl pool'); nothing to mount", d->name);
		}
		if (r < 0 && !unrecorded)
			goto fail;
		if (!unrecorded && dda_pool_refuse_quarantined(&e, "refusing to mount") < 0) {
			dda_plan_release(&p);
			return -ECANCELED;
		}
		users = dda_vfio_group_users(h->ctx, d->group_id, pids, ARRAY_SIZE(pids));
		if (users) {
			char comm[64] = "";

			if (dda_read_line(h->ctx, comm, sizeof(comm), "proc/%d/comm", pids[0]) < 0)
				comm[0] = '\0';
			dda_plan_release(&p);
			return dda_error_code(-EBUSY, "in-use", d->name,
					      "refusing to mount '%s': process %d (%s) holds its IOMMU group /dev/vfio/%d; stop it first",
					      d->name, pids[0], comm, d->group_id);
		}
		r = plan_add(&p, d, true, NULL);
		if (r < 0)
			goto fail;
		p.moves[p.n - 1].unrecorded = unrecorded;
		/* The group leaves together: a member alone on vfio-pci would
		 * keep the rest from being usable by a VM anyway.  A
		 * quarantined companion stays where it harms nothing. */
		if (d->group)
			for (size_t k = 0; k < d->group->nmembers; k++) {
				struct dda_device *m = d->group->members[k];

				if (m == d || dda_device_is_bridge(m) || dda_pool_get(s, m->name, &e) < 0 ||
				    dda_pool_entry_quarantined(&e))
					continue;
				r = plan_add(&p, m, false, d);
				if (r < 0)
					goto fail;
			}
	}
	for (size_t i = 0; i < p.n; i++) {
		char owner[DDA_VM_NAME_MAX + 1];
		struct dda_libvirt_device lv;
		struct dda_pool_entry e;

		if (dda_vm_owner(s, p.moves[i].dev->name, owner) == 0) {
			r = dda_error_code(-EBUSY, "held", p.moves[i].dev->name,
					   "refusing to mount '%s': it is held by VM '%s' (first: ddactl vm remove-device %s %s)",
					   p.moves[i].dev->name, owner, owner, p.moves[i].dev->name);
			goto fail;
		}
		if (dda_libvirt_device_get(s, p.moves[i].dev->name, &lv) == 0) {
			r = dda_error_code(-EBUSY, "held", p.moves[i].dev->name,
					   "refusing to mount '%s': it is held by libvirt domain '%s' (first: ddactl libvirt detach %s %s, or stop the domain)",
					   p.moves[i].dev->name, lv.domain, lv.domain, p.moves[i].dev->name);
			goto fail;
		}
		if (dda_pool_get(s, p.moves[i].dev->name, &e) == 0)
			snprintf(p.moves[i].to, sizeof(p.moves[i].to), "%s", e.original_driver);
		/* Nobody wrote down where it came from: the kernel's own choice
		 * is the best guess, and the one a reboot would make. */
		else if (p.moves[i].unrecorded &&
			 dda_driver_native(h->ctx, p.moves[i].dev->name, p.moves[i].to, sizeof(p.moves[i].to)) < 0) {
			struct dda_error_info why = *dda_last_error();

			r = dda_error_code(why.err, why.code, p.moves[i].dev->name,
					   "refusing to mount '%s': its original driver was not recorded, and %s",
					   p.moves[i].dev->name, why.message);
			goto fail;
		}
	}
	*ret = p;
	return 0;
fail:
	dda_plan_release(&p);
	return r;
}

/* Back on the host: the record gone and the audit row ended in one
 * commit, so a crash shows both or neither. */
static int settle_mounted(struct dda_state *s, struct dda_move *m)
{
	_cleanup_tx_ struct dda_tx tx = { 0 };
	int r;

	r = dda_tx_begin(&tx, s);
	if (r == 0)
		r = dda_pool_delete(s, m->dev->name);
	if (r == 0) {
		dda_audit_end(s, m->audit, DDA_OUTCOME_DONE, NULL);
		r = dda_tx_commit(&tx);
	}
	if (r == 0)
		m->audit = 0;
	return r;
}

static int give_back(struct dda_state *s, struct dda_move *m)
{
	const char *bdf = m->dev->name;
	int r;

	/* Leaving the pool: the host driver must not see a VM's leftovers.
	 * vfio-pci resets at the VM's release only when it can (it skips the
	 * reset if it cannot take the device lock, and a bus reset waits for
	 * every device of the set): this one does not depend on that. */
	if (!strcmp(m->dev->driver, VFIO)) {
		r = dda_driver_reset(dda_state_ctx(s), bdf, &m->reset);
		if (dda_pool_dead_after_reset(r)) {
			char why[sizeof(dda_last_error()->message)];

			snprintf(why, sizeof(why), "%s", dda_last_error()->message);
			/* Recorded now, so that the quarantine has a row to live in. */
			r = m->unrecorded ? dda_pool_record(s, m->dev, "") : 0;
			if (r == 0)
				r = dda_pool_quarantine(s, bdf, "did not answer after the reset at mount");
			m->quarantined = r == 0;
			return r < 0 ? r : quarantined_error(bdf, why);
		}
		if (r < 0)
			return r;
	}
	r = dda_pool_step(s, "mount", bdf, DDA_POOL_MOUNTING, "reset");
	if (r < 0)
		return r;
	r = dda_driver_override_set(dda_state_ctx(s), bdf, NULL);
	if (r < 0)
		return r;
	r = dda_pool_step(s, "mount", bdf, DDA_POOL_MOUNTING, "override-cleared");
	if (r < 0)
		return r;
	r = dda_pool_return_to_host(dda_state_ctx(s), bdf, m->to);
	if (r < 0)
		return r;
	dda_fault_point(dda_state_ctx(s), "mount:bound");
	return settle_mounted(s, m);
}

int dda_pool_mount(struct dda_state *s, struct dda_plan *p)
{
	int r, first = 0;

	r = audit_start(s, p, "mount", false);
	if (r < 0)
		return r;
	/* The whole group is marked first, in one transaction: if the run
	 * dies after the first member, the next one finishes them all. */
	{
		_cleanup_tx_ struct dda_tx tx = { 0 };

		r = dda_tx_begin(&tx, s);
		for (size_t i = 0; i < p->n && r == 0; i++)
			r = dda_pool_set_state(s, p->moves[i].dev->name, DDA_POOL_MOUNTING, "recorded");
		if (r == 0)
			r = dda_tx_commit(&tx);
	}
	if (r < 0) {
		audit_end(s, p, DDA_OUTCOME_FAILED, dda_last_error()->message);
		return r;
	}
	dda_fault_point(dda_state_ctx(s), "mount:recorded");
	/* Every member is tried even after a failure: half a group on the
	 * host is better than none, and each failure stays recorded as
	 * 'mounting' for the next run to finish. */
	for (size_t i = 0; i < p->n; i++) {
		r = give_back(s, &p->moves[i]);
		dda_audit_end_r(s, p->moves[i].audit, r, DDA_OUTCOME_FAILED);
		if (r < 0 && !first)
			first = r;
	}
	return first;
}
