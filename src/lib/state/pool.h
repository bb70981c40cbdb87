/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pool of assignable devices: dismount (host -> pool), mount (pool ->
 * host), the list, and the repair of an interrupted move.
 *
 * A move is planned first (whole IOMMU groups, every check of the survey,
 * nothing touched), then recorded (the original driver of every member is
 * committed to the state database before any sysfs write), then done one
 * idempotent step at a time, then verified.  A pool_device row is the
 * intent: 'dismounting' and 'mounting' rows found by a later run mean a
 * move was cut short, and dda_pool_recover() finishes it towards the host:
 * an interrupted dismount is undone, an interrupted mount is completed, so
 * a device never stays without a driver and without a record of its own.
 */
#ifndef DDA_POOL_H
#define DDA_POOL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"
#include "pciaddr.h"
#include "state.h"
#include "host.h"

/* A pool_device row's state column (state.c keeps its CHECK): the row is
 * the intent, dismounting -> pooled -> mounting. */
enum dda_pool_state {
	DDA_POOL_DISMOUNTING,
	DDA_POOL_POOLED,
	DDA_POOL_MOUNTING,
	_DDA_POOL_STATE_MAX,
	_DDA_POOL_STATE_INVALID = -EINVAL, /* not a state the schema allows */
};

/* The column's text; NULL for a value outside the enum. */
const char *dda_pool_state_to_string(enum dda_pool_state st);
enum dda_pool_state dda_pool_state_from_string(const char *s);

struct dda_pool_entry {
	char address[DDA_PCIADDR_LEN];
	char location_path[DDA_LOCPATH_LEN];
	uint16_t vendor, device, subvendor, subdevice;
	uint32_t class;
	int group;
	char original_driver[64]; /* "" = it had none */
	bool requested;		  /* false: moved as a group companion */
	char brought_by[DDA_PCIADDR_LEN];
	bool forced;
	char forced_by[64];
	char forced_reasons[512];
	char added_at[32];
	enum dda_pool_state state;
	char step[32];		 /* last step begun, for the repair message */
	char quarantined_at[32]; /* "" unless quarantined */
	char quarantine_reason[256];
};

int dda_pool_list(struct dda_state *s, struct dda_pool_entry **ret, size_t *ret_n) _must_check_;
/* -ENOENT (not recorded) when the address is not in the pool; a NULL
 * state is an empty pool (dry runs before the first dismount). */
int dda_pool_get(struct dda_state *s, const char *address, struct dda_pool_entry *ret) _must_check_;

enum dda_move_flags {
	DDA_MOVE_FORCE = 1 << 0,   /* go past 'force' reasons (never past 'block') */
	DDA_MOVE_DRY_RUN = 1 << 1, /* plan only */
};

/* One function of a planned move. */
struct dda_move {
	struct dda_device *dev;
	bool requested;		       /* named by the user */
	struct dda_device *brought_by; /* companion of */
	char from[64];		       /* driver before */
	char to[64];		       /* driver after ("" = none) */
	bool reset;		       /* a reset was done */
	bool skip;		       /* already where it should be */
	/* On vfio-pci or pci-stub with driver_override set, and no record:
	 * the state database was lost or replaced.  A mount gives it to the
	 * driver its modalias names (dda_driver_native). */
	bool unrecorded;
	/* Did not answer after its reset: kept on vfio-pci, quarantined. */
	bool quarantined;
	int64_t audit; /* its audit row while it moves */
};

struct dda_plan {
	struct dda_move *moves;
	size_t n;
	bool forced;
	char force_reasons[512]; /* the 'force' reasons --force went past */
};

void dda_plan_release(struct dda_plan *p);

/* Plans moving the named devices and their group companions into the pool.
 * Refuses (-ECANCELED, code "refused", message naming the device, the
 * reason and the fix) on any 'block' reason of any member, and on 'force'
 * reasons without DDA_MOVE_FORCE; -EALREADY when already pooled. */
int dda_pool_plan_dismount(struct dda_host *h, struct dda_state *s, struct dda_device *const *devs, size_t n,
			   unsigned flags, struct dda_plan *ret) _must_check_;
int dda_pool_dismount(struct dda_state *s, struct dda_plan *p) _must_check_;

/* Plans giving the devices' whole groups back to the host.  Refuses a
 * device not in the pool (-ENOENT) and one a process still holds. */
int dda_pool_plan_mount(struct dda_host *h, struct dda_state *s, struct dda_device *const *devs, size_t n,
			struct dda_plan *ret) _must_check_;
int dda_pool_mount(struct dda_state *s, struct dda_plan *p) _must_check_;

/* What a repair did, one line per device, for the CLI to tell. */
struct dda_repair {
	char lines[16][256];
	size_t n;
};

/* Adds a line to rep (NULL: nothing); past the last line, drops it. */
void dda_pool_say(struct dda_repair *rep, const char *fmt, ...) _printf_(2, 3);

/* Finishes every interrupted move (see above).  Needs root and the lock. */
int dda_pool_recover(struct dda_state *s, struct dda_repair *ret) _must_check_;

/* True when the state holds unfinished moves (for read-only commands). */
bool dda_pool_needs_recovery(struct dda_state *s);

/* Boot: claims every pooled device for vfio-pci before (or after) host
 * drivers bind, matching it by location path and ids so that a card moved
 * to another slot, or another card in its slot, is not taken.  With only
 * set, just that address (udev).  Lines say what was done or skipped. */
int dda_pool_restore(struct dda_host *h, struct dda_state *s, const char *only, struct dda_repair *ret) _must_check_;

/*
 * Quarantine.  A device that does not answer after a reset (dismount,
 * mount, release) stays on vfio-pci, its pool row marked with the reason
 * and the time; it is never handed to a VM and mount refuses it, until
 * dda_pool_release() resets it again and finds it answering.
 */
static inline bool dda_pool_entry_quarantined(const struct dda_pool_entry *e)
{
	return e->quarantined_at[0] != '\0';
}

/* 0 unless e is quarantined; then -ECANCELED (code "quarantined",
 * recorded): "<prefix>: '<address>' is quarantined since ...; ... 'ddactl
 * pool release <address>'". */
int dda_pool_refuse_quarantined(const struct dda_pool_entry *e, const char *prefix) _must_check_;

/* Resets a quarantined device again (or, without a reset method, reads
 * it) and lifts the quarantine when it answers.  -ENXIO (code
 * "no-answer") when it still does not: it stays quarantined.  -ENOENT
 * when not in the pool, -EALREADY when not quarantined, -EBUSY when a
 * process holds its group.  *ret_reset says whether a reset was done. */
int dda_pool_release(struct dda_state *s, struct dda_device *d, bool *ret_reset) _must_check_;

/* True for a device on vfio-pci or pci-stub with driver_override set
 * that the pool has no record of (s NULL: no database at all). */
bool dda_pool_unrecorded(struct dda_ctx *ctx, struct dda_state *s, const struct dda_device *d);

/* Sets pool_mark (and the quarantine text) of every device on a pool
 * driver, for the survey's reasons: one database lookup per such device,
 * nothing for the rest.  s NULL: no database, so every device with an
 * override is unrecorded.  Only OOM fails. */
int dda_pool_mark(struct dda_host *h, struct dda_state *s) _must_check_;

/* SR-IOV: records a VF that was created straight into the pool (never
 * bound to a host driver) as pooled; original_driver "" gives it to the
 * kernel's choice when mounted. */
int dda_pool_record(struct dda_state *s, const struct dda_device *d, const char *original_driver) _must_check_;

/* Forgets a pool record whose device is about to disappear (its PF's VF
 * count goes down).  Refused (-EBUSY, naming the VM) when a VM holds it. */
int dda_pool_forget(struct dda_state *s, const char *address) _must_check_;

#endif
