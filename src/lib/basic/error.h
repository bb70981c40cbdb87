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

struct dda_error_info {
	int err;		/* negative errno */
	char code[48];		/* stable machine code: "no-device", "refused"... */
	char device[128];	/* what it concerns ("0000:01:00.0", a VM name), may be "" */
	char message[1024];	/* one line, names the device, no trailing full stop */
};

/* Records the error and returns err (which must be negative). */
int dda_error(int err, const char *device, const char *fmt, ...) _printf_(3, 4);

/* Same, with an explicit stable code instead of the one derived from err. */
int dda_error_code(int err, const char *code, const char *device,
		   const char *fmt, ...) _printf_(4, 5);

/* The last recorded error of this thread; err == 0 when there is none. */
const struct dda_error_info *dda_last_error(void);

void dda_error_clear(void);

/* A stable lowercase name for a negative errno: -ENOENT -> "not-found". */
const char *dda_errno_code(int err);

#endif
