/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One error, recorded where it is found.
 *
 * A library function that fails returns a negative errno and, at the place
 * the failure is detected, records one message naming the device (or VM, or
 * file) it concerns:
 *
 *	return dda_error(-ENODEV, bdf, "no PCI device '%s'", bdf);
 *
 * Callers propagate the number; only the CLI (or another front end) reads
 * the record back with dda_last_error() and shows it.  The record is
 * per-thread and is overwritten by the next dda_error().
 */
#ifndef DDA_ERROR_H
#define DDA_ERROR_H

#include "cleanup.h"

/* Which exit a front end gives the error: whether the command ran and
 * failed, or what was typed names nothing that could be done. */
enum dda_error_class {
	DDA_ERR_FAILED, /* ran, and refused or failed */
	DDA_ERR_INPUT,	/* a device, VM, pool or VF that is not there, a bad name or count */
};

struct dda_error_info {
	int err; /* negative errno */
	enum dda_error_class cls;
	char code[48];	    /* stable machine code: "no-device", "refused"... */
	char device[128];   /* what it concerns ("0000:01:00.0", a VM name), may be "" */
	char message[1024]; /* one line, names the device, no trailing full stop */
	char hint[512];	    /* the fix alone, for front ends that show it apart; may be "" */
};

/* Records the error and returns err (which must be negative). */
int dda_error(int err, const char *device, const char *fmt, ...) _printf_(3, 4);

/* Same, with an explicit stable code instead of the one derived from err. */
int dda_error_code(int err, const char *code, const char *device, const char *fmt, ...) _printf_(4, 5);

/* Same, for an error in what the user typed (class DDA_ERR_INPUT).  A
 * code derived from -ENODEV ("no-device") is one too. */
int dda_error_input(int err, const char *code, const char *device, const char *fmt, ...) _printf_(4, 5);

/* Adds the fix to the last record, which keeps it in its message too (the
 * message must read whole on a terminal); a front end such as the Cockpit
 * page shows it on its own line.  Returns the record's err. */
int dda_error_hint(const char *hint);

/* The last recorded error of this thread; err == 0 when there is none. */
const struct dda_error_info *dda_last_error(void);

void dda_error_clear(void);

/* For cleanup that may record errors of its own while the caller's is
 * the one to tell: save first, restore after.  dda_error_restore puts the
 * saved record back as it was (none, if none was saved) and returns its
 * err, or fallback when there was none. */
struct dda_error_info dda_error_save(void);
int dda_error_restore(const struct dda_error_info *saved, int fallback);

/* The record that describes failure r: the last one when its err is r,
 * else one made of strerror(-r) in *tmp, since a record of another,
 * earlier failure (left by a lookup allowed to fail, say) would tell the
 * wrong story. */
const struct dda_error_info *dda_error_for(int r, struct dda_error_info *tmp);

/* A stable lowercase name for a negative errno: -ENOENT -> "not-found". */
const char *dda_errno_code(int err);

#endif
