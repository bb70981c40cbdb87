/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pool's records: the pool_device rows, read, written and marked on a
 * scan.  The sequences that move devices are in pool-move.c and
 * pool-repair.c, on top of these. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "driver.h"
#include "error.h"
#include "fault.h"
#include "libvirt.h"
#include "pool-internal.h"
#include "vm.h"

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

int dda_pool_set_state(struct dda_state *s, const char *address, enum dda_pool_state state, const char *step)
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
int dda_pool_step(struct dda_state *s, const char *op, const char *address, enum dda_pool_state state, const char *name)
{
	char point[64];
	int r;

	/* How far the move got, for the repair's message: the repair gives
	 * the device back from any step, so an older one after a power cut
	 * is harmless and this need not wait for the disk. */
	dda_state_durable(s, false);
	r = dda_pool_set_state(s, address, state, name);
	dda_state_durable(s, true);

	if (r < 0)
		return r;
	snprintf(point, sizeof(point), "%s:%s", op, name);
	dda_fault_point(dda_state_ctx(s), point);
	return 0;
}

int dda_pool_delete(struct dda_state *s, const char *address)
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
int dda_pool_quarantine(struct dda_state *s, const char *address, const char *reason)
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

bool dda_pool_dead_after_reset(int r)
{
	return r == -ENXIO && !strcmp(dda_last_error()->code, "no-answer");
}

int dda_pool_refuse_quarantined(const struct dda_pool_entry *e, const char *prefix)
{
	char fix[128];

	if (!dda_pool_entry_quarantined(e))
		return 0;
	snprintf(fix, sizeof(fix), "power-cycle or reseat it, then 'ddactl pool release %s'", e->address);
	dda_error_code(-ECANCELED, "quarantined", e->address, "%s: '%s' is quarantined since %s (%s); %s", prefix,
		       e->address, e->quarantined_at, e->quarantine_reason, fix);
	return dda_error_hint(fix);
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

/* Writes a row per move, in one transaction, in the given state:
 * 'dismounting' for a dismount (the intent), 'pooled' for a VF created
 * straight into the pool (there is nothing to undo). */
int dda_pool_insert(struct dda_state *s, const struct dda_plan *p, enum dda_pool_state state)
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

int dda_pool_record(struct dda_state *s, const struct dda_device *d, const char *original_driver)
{
	struct dda_move m = { .dev = (struct dda_device *)d, .requested = true };
	struct dda_plan p = { .moves = &m, .n = 1 };
	int r;

	snprintf(m.from, sizeof(m.from), "%s", original_driver ? original_driver : "");
	/* Pooled in the same transaction that records it: a crash can never
	 * leave a 'dismounting' row that a repair would give to a host driver. */
	r = dda_pool_insert(s, &p, DDA_POOL_POOLED);
	if (r < 0)
		return r;
	return dda_audit(s, "pool", d->name, DDA_OUTCOME_DONE, NULL,
			 d->physfn ? "a new VF, straight into the pool" : NULL);
}

int dda_pool_forget(struct dda_state *s, const char *address)
{
	struct dda_owner o;
	int r;

	/* a ddactl VM's or a libvirt domain's: either way not ours to drop */
	r = dda_owner_find(s, address, &o);
	if (r < 0)
		return r;
	if (o.kind != DDA_OWNER_NONE)
		return dda_error_code(-EBUSY, "held", address, "'%s' is held by %s '%s'", address,
				      o.kind == DDA_OWNER_VM ? "VM" : "libvirt domain", o.name);
	r = dda_pool_delete(s, address);
	if (r == 0)
		r = dda_state_log(s, "forget", address, "its PF removed it");
	return r;
}
