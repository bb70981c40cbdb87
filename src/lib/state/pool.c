/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "checks.h"
#include "driver.h"
#include "error.h"
#include "fault.h"
#include "hostpath.h"
#include "pool.h"
#include "text.h"
#include "vfio.h"
#include "vm.h"

#define VFIO		"vfio-pci"
#define BIND_TIMEOUT_MS 5000

#define ENTRY_COLS                                                                                            \
	"address, location_path, vendor, device, subvendor, subdevice, class, iommu_group, original_driver, " \
	"requested, brought_by, forced, forced_by, forced_reasons, added_at, state, step"
/* What a read sees besides what a dismount writes. */
#define SELECT_COLS ENTRY_COLS ", quarantined_at, quarantine_reason"

void dda_pool_say(struct dda_repair *rep, const char *fmt, ...)
{
	va_list ap;

	if (!rep || rep->n >= ARRAY_SIZE(rep->lines))
		return;
	va_start(ap, fmt);
	vsnprintf(rep->lines[rep->n++], sizeof(rep->lines[0]), fmt, ap);
	va_end(ap);
}

static const char *const pool_states[_DDA_POOL_STATE_MAX] = {
	[DDA_POOL_DISMOUNTING] = "dismounting",
	[DDA_POOL_POOLED] = "pooled",
	[DDA_POOL_MOUNTING] = "mounting",
};

DDA_DEFINE_STRING_TABLE(dda_pool_state, enum dda_pool_state, pool_states);

static void read_entry(sqlite3_stmt *st, struct dda_pool_entry *e)
{
	memset(e, 0, sizeof(*e));
	dda_state_text(e->address, sizeof(e->address), st, 0);
	dda_state_text(e->location_path, sizeof(e->location_path), st, 1);
	e->vendor = (uint16_t)sqlite3_column_int(st, 2);
	e->device = (uint16_t)sqlite3_column_int(st, 3);
	e->subvendor = (uint16_t)sqlite3_column_int(st, 4);
	e->subdevice = (uint16_t)sqlite3_column_int(st, 5);
	e->class = (uint32_t)sqlite3_column_int(st, 6);
	e->group = sqlite3_column_int(st, 7);
	dda_state_text(e->original_driver, sizeof(e->original_driver), st, 8);
	e->requested = sqlite3_column_int(st, 9);
	dda_state_text(e->brought_by, sizeof(e->brought_by), st, 10);
	e->forced = sqlite3_column_int(st, 11);
	dda_state_text(e->forced_by, sizeof(e->forced_by), st, 12);
	dda_state_text(e->forced_reasons, sizeof(e->forced_reasons), st, 13);
	dda_state_text(e->added_at, sizeof(e->added_at), st, 14);
	e->state = dda_pool_state_from_string((const char *)sqlite3_column_text(st, 15));
	dda_state_text(e->step, sizeof(e->step), st, 16);
	dda_state_text(e->quarantined_at, sizeof(e->quarantined_at), st, 17);
	dda_state_text(e->quarantine_reason, sizeof(e->quarantine_reason), st, 18);
}

int dda_pool_list(struct dda_state *s, struct dda_pool_entry **ret, size_t *ret_n)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ struct dda_pool_entry *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (sqlite3_prepare_v2(dda_state_db(s), "SELECT " SELECT_COLS " FROM pool_device ORDER BY address", -1, &st,
			       NULL) != SQLITE_OK)
		return dda_state_error(s, "listing the pool");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct dda_pool_entry *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			v = nv;
			cap = ncap;
		}
		read_entry(st, &v[n++]);
	}
	if (rc != SQLITE_DONE)
		return dda_state_error(s, "listing the pool");
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int dda_pool_get(struct dda_state *s, const char *address, struct dda_pool_entry *ret)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int rc;

	if (!s)
		return -ENOENT; /* no state yet: an empty pool */
	if (sqlite3_prepare_v2(dda_state_db(s), "SELECT " SELECT_COLS " FROM pool_device WHERE address = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return dda_state_error(s, "reading the pool");
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return dda_state_error(s, "reading the pool");
	read_entry(st, ret);
	return 0;
}

static int set_state(struct dda_state *s, const char *address, enum dda_pool_state state, const char *step)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(dda_state_db(s), "UPDATE pool_device SET state = ?, step = ? WHERE address = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return dda_state_error(s, "updating the pool");
	sqlite3_bind_text(st, 1, dda_pool_state_to_string(state), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, step, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, address, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "updating the pool");
	return 0;
}

/* A step: noted in the row (autocommit, durable) and offered to the fault
 * injector, so the crash tests can stop right there. */
static int step(struct dda_state *s, const char *op, const char *address, enum dda_pool_state state, const char *name)
{
	char point[64];
	int r;

	/* How far the move got, for the repair's message: the repair gives
	 * the device back from any step, so an older one after a power cut
	 * is harmless and this need not wait for the disk. */
	dda_state_durable(s, false);
	r = set_state(s, address, state, name);
	dda_state_durable(s, true);

	if (r < 0)
		return r;
	snprintf(point, sizeof(point), "%s:%s", op, name);
	dda_fault_point(dda_state_ctx(s), point);
	return 0;
}

static int delete_entry(struct dda_state *s, const char *address)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(dda_state_db(s), "DELETE FROM pool_device WHERE address = ?", -1, &st, NULL) != SQLITE_OK)
		return dda_state_error(s, "updating the pool");
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "updating the pool");
	return 0;
}

/* Pooled and quarantined in one statement: a device is never seen pooled
 * and free between the failed reset and its quarantine. */
static int quarantine(struct dda_state *s, const char *address, const char *reason)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(dda_state_db(s),
			       "UPDATE pool_device SET state = 'pooled', step = '', quarantined_at = " DDA_SQL_NOW ", "
			       "quarantine_reason = ? WHERE address = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return dda_state_error(s, "quarantining a device");
	sqlite3_bind_text(st, 1, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "quarantining a device");
	return dda_state_log(s, "quarantine", address, reason);
}

/* The error a move ends with when a device did not answer: what the
 * library said, what was done about it, and the way out. */
static int quarantined_error(const char *address, const char *why)
{
	return dda_error_code(-ENXIO, "quarantined", address,
			      "%s: it stays on vfio-pci, quarantined, and no VM gets it; power-cycle or reseat it, then 'ddactl pool release %s'",
			      why, address);
}

static bool dead_after_reset(int r)
{
	return r == -ENXIO && !strcmp(dda_last_error()->code, "no-answer");
}

int dda_pool_refuse_quarantined(const struct dda_pool_entry *e, const char *prefix)
{
	if (!dda_pool_entry_quarantined(e))
		return 0;
	return dda_error_code(-ECANCELED, "quarantined", e->address,
			      "%s: '%s' is quarantined since %s (%s); power-cycle or reseat it, then 'ddactl pool release %s'",
			      prefix, e->address, e->quarantined_at, e->quarantine_reason, e->address);
}

/* Without an override it is bound by id (new_id, a modprobe.d softdep,
 * libvirt's managed='no'): someone else's choice. */
static bool override_set(struct dda_ctx *ctx, const struct dda_device *d)
{
	char override[64];

	return dda_driver_override_get(ctx, d->name, override, sizeof(override)) == 0 && override[0];
}

bool dda_pool_unrecorded(struct dda_ctx *ctx, struct dda_state *s, const struct dda_device *d)
{
	struct dda_pool_entry e;

	if (!dda_device_in_pool_driver(d) || (s && dda_pool_get(s, d->name, &e) != -ENOENT))
		return false;
	return override_set(ctx, d);
}

static int cmp_entry(const void *key, const void *e)
{
	return strcmp(key, ((const struct dda_pool_entry *)e)->address);
}

int dda_pool_mark(struct dda_host *h, struct dda_state *s)
{
	_cleanup_free_ struct dda_pool_entry *v = NULL;
	size_t n = 0;
	bool any = false;

	for (size_t i = 0; i < h->ndevs && !any; i++)
		any = dda_device_in_pool_driver(&h->devs[i]);
	/* One query for the whole pool, matched in memory: a statement per
	 * function was most of what a survey of thousands of VFs cost. */
	if (any && s && dda_pool_list(s, &v, &n) < 0) {
		/* Unreadable: neither recorded nor unrecorded can be told. */
		dda_error_clear();
		return 0;
	}
	for (size_t i = 0; i < h->ndevs; i++) {
		struct dda_device *d = &h->devs[i];
		const struct dda_pool_entry *e;

		if (!dda_device_in_pool_driver(d))
			continue;
		e = n ? bsearch(d->name, v, n, sizeof(*v), cmp_entry) : NULL;
		if (e) {
			d->pool_mark = DDA_POOL_RECORDED;
			if (dda_pool_entry_quarantined(e)) {
				d->pool_mark = DDA_POOL_QUARANTINED;
				free(d->quarantine);
				if (asprintf(&d->quarantine, "since %s: %s", e->quarantined_at, e->quarantine_reason) <
				    0) {
					d->quarantine = NULL;
					return -ENOMEM;
				}
			}
		} else if (override_set(h->ctx, d)) {
			d->pool_mark = DDA_POOL_UNRECORDED;
		}
	}
	dda_error_clear();
	return 0;
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

/* Writes a row per move, in one transaction, in the given state:
 * 'dismounting' for a dismount (the intent), 'pooled' for a VF created
 * straight into the pool (there is nothing to undo). */
static int record(struct dda_state *s, const struct dda_plan *p, enum dda_pool_state state)
{
	_cleanup_tx_ struct dda_tx tx = { 0 };
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = dda_tx_begin(&tx, s);
	if (r < 0)
		return r;
	if (sqlite3_prepare_v2(dda_state_db(s),
			       "INSERT INTO pool_device (" ENTRY_COLS ") VALUES "
			       "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " DDA_SQL_NOW ", ?, 'recorded')",
			       -1, &st, NULL) != SQLITE_OK)
		return dda_state_error(s, "recording the dismount");
	for (size_t i = 0; i < p->n; i++) {
		const struct dda_move *m = &p->moves[i];
		const struct dda_device *d = m->dev;

		if (m->skip)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->location_path, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, d->vendor);
		sqlite3_bind_int(st, 4, d->device);
		sqlite3_bind_int(st, 5, d->subvendor);
		sqlite3_bind_int(st, 6, d->subdevice);
		sqlite3_bind_int(st, 7, (int)d->class);
		sqlite3_bind_int(st, 8, d->group_id);
		/* vfio-pci already bound outside ddactl: adopt it, and give it
		 * back to whatever the kernel picks. */
		sqlite3_bind_text(st, 9, strcmp(m->from, VFIO) ? m->from : "", -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 10, m->requested);
		if (m->brought_by)
			sqlite3_bind_text(st, 11, m->brought_by->name, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 11);
		sqlite3_bind_int(st, 12, p->forced);
		sqlite3_bind_text(st, 13, p->forced ? dda_ctx_who(dda_state_ctx(s)) : NULL, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 14, p->forced ? p->force_reasons : NULL, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 15, dda_pool_state_to_string(state), -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return dda_state_error(s, "recording the dismount");
	}
	return dda_tx_commit(&tx);
}

/* Gives one device back to its original driver from whatever state a
 * dismount left it in.  Idempotent. */
static int return_to_host(struct dda_ctx *ctx, const char *bdf, const char *original)
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
	r = step(s, "dismount", bdf, DDA_POOL_DISMOUNTING, "override");
	if (r < 0)
		return r;
	if (strcmp(m->from, VFIO)) {
		r = dda_driver_unbind(dda_state_ctx(s), bdf);
		if (r < 0)
			return r;
	}
	r = step(s, "dismount", bdf, DDA_POOL_DISMOUNTING, "unbound");
	if (r < 0)
		return r;
	r = dda_driver_probe(dda_state_ctx(s), bdf);
	if (r < 0)
		return r;
	r = dda_driver_wait(dda_state_ctx(s), bdf, VFIO, BIND_TIMEOUT_MS);
	if (r < 0)
		return r;
	r = step(s, "dismount", bdf, DDA_POOL_DISMOUNTING, "bound");
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
			r = quarantine(s, m->dev->name, "did not answer on vfio-pci at dismount");
		else if (!m->skip)
			r = set_state(s, m->dev->name, DDA_POOL_POOLED, "");
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
		r = record(s, p, DDA_POOL_DISMOUNTING);
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
		if (dead_after_reset(r)) {
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
			if (return_to_host(dda_state_ctx(s), m->dev->name, m->from) == 0 &&
			    delete_entry(s, m->dev->name) == 0) {
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
		struct dda_pool_entry e;

		if (dda_vm_owner(s, p.moves[i].dev->name, owner) == 0) {
			r = dda_error_code(-EBUSY, "held", p.moves[i].dev->name,
					   "refusing to mount '%s': it is held by VM '%s' (first: ddactl vm remove-device %s %s)",
					   p.moves[i].dev->name, owner, owner, p.moves[i].dev->name);
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
		r = delete_entry(s, m->dev->name);
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
		if (dead_after_reset(r)) {
			char why[sizeof(dda_last_error()->message)];

			snprintf(why, sizeof(why), "%s", dda_last_error()->message);
			/* Recorded now, so that the quarantine has a row to live in. */
			r = m->unrecorded ? dda_pool_record(s, m->dev, "") : 0;
			if (r == 0)
				r = quarantine(s, bdf, "did not answer after the reset at mount");
			m->quarantined = r == 0;
			return r < 0 ? r : quarantined_error(bdf, why);
		}
		if (r < 0)
			return r;
	}
	r = step(s, "mount", bdf, DDA_POOL_MOUNTING, "reset");
	if (r < 0)
		return r;
	r = dda_driver_override_set(dda_state_ctx(s), bdf, NULL);
	if (r < 0)
		return r;
	r = step(s, "mount", bdf, DDA_POOL_MOUNTING, "override-cleared");
	if (r < 0)
		return r;
	r = return_to_host(dda_state_ctx(s), bdf, m->to);
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
			r = set_state(s, p->moves[i].dev->name, DDA_POOL_MOUNTING, "recorded");
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
			    dead_after_reset(dda_driver_check_alive(dda_state_ctx(s), e->address,
								    "after an interrupted move"))) {
				r = quarantine(s, e->address, "did not answer after an interrupted move");
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
		r = return_to_host(dda_state_ctx(s), e->address, e->original_driver);
		if (r == 0)
			r = delete_entry(s, e->address);
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

int dda_pool_record(struct dda_state *s, const struct dda_device *d, const char *original_driver)
{
	struct dda_move m = { .dev = (struct dda_device *)d, .requested = true };
	struct dda_plan p = { .moves = &m, .n = 1 };
	int r;

	snprintf(m.from, sizeof(m.from), "%s", original_driver ? original_driver : "");
	/* Pooled in the same transaction that records it: a crash can never
	 * leave a 'dismounting' row that a repair would give to a host driver. */
	r = record(s, &p, DDA_POOL_POOLED);
	if (r < 0)
		return r;
	return dda_audit(s, "pool", d->name, DDA_OUTCOME_DONE, NULL,
			 d->physfn ? "a new VF, straight into the pool" : NULL);
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
	if (dead_after_reset(r)) {
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

int dda_pool_forget(struct dda_state *s, const char *address)
{
	char owner[DDA_VM_NAME_MAX + 1];
	int r;

	if (dda_vm_owner(s, address, owner) == 0)
		return dda_error_code(-EBUSY, "held", address, "'%s' is held by VM '%s'", address, owner);
	r = delete_entry(s, address);
	if (r == 0)
		r = dda_state_log(s, "forget", address, "its PF removed it");
	return r;
}
