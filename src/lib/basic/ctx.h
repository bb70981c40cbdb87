/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One context: where the host is and how ddactl is told to behave, as
 * pciutils' struct pci_access is for libpci.  It holds the root (a path
 * and an O_PATH fd), the state and run directories (absolute, under the
 * root), the QEMU binary, the lock timeout, the fault point and who runs
 * us.  Every library entry point takes one, or an object made with one
 * (a host scan, an open state), so two contexts on two roots live side by
 * side in one process: the library keeps no process globals.
 *
 * The one exception is the error record (error.h): like errno, it is per
 * thread and read right after the failing call, so it belongs to the
 * thread that failed, not to a context two threads might share.
 *
 * A context is not locked: one thread at a time uses it (its scratch
 * buffers are its own).
 */
#ifndef DDA_CTX_H
#define DDA_CTX_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "cleanup.h"

/* Public so that hostpath.c and fault.c, below ctx.c in the call graph
 * (ctx.c builds its paths with hostpath.c), read it without calling up.
 * Everything else uses the accessors; nobody writes it but ctx.c (and
 * test-audit.c, which renames the root to see how the syslog line tells
 * it). */
/* What a context's root holds: the host itself (or a fake tree standing
 * for it), a snapshot a host saved of itself (survey --save, full
 * fidelity), or what an lspci dump tells, where host use, drivers,
 * reserved regions and the kernel's settings are unknown. */
enum dda_source {
	DDA_SOURCE_HOST,
	DDA_SOURCE_SNAPSHOT,
	DDA_SOURCE_DUMP,
};

struct dda_capture;

struct dda_ctx {
	char root[PATH_MAX];
	int root_fd; /* O_PATH | O_DIRECTORY */
	char state_dir[PATH_MAX];
	char run_dir[PATH_MAX];
	char *qemu;
	uint64_t lock_timeout;
	char *fault;	 /* "" for none */
	char *sudo_user; /* "" for none */
	char who[64];	 /* "" until dda_ctx_who() asks */
	char scratch[PATH_MAX];
	char tmp_dir[PATH_MAX];	     /* for private trees: TMPDIR or /tmp */
	enum dda_source source;	     /* what the root holds */
	bool private_root;	     /* made by dda_ctx_new_private: removed when freed */
	struct dda_capture *capture; /* NULL unless dda_capture_start() */
};

/* NULL or 0 leaves the default. */
struct dda_ctx_options {
	const char *root;      /* "/" */
	const char *state_dir; /* "/var/lib/ddactl", taken under the root */
	const char *run_dir;   /* "/run/ddactl", taken under the root */
	const char *qemu;      /* "qemu-system-x86_64" */
	/* Seconds to wait for the lock: 0 is the default (30), and
	 * DDA_CTX_NO_WAIT not to wait at all. */
	int lock_timeout_s;
	const char *fault;     /* the fault point to die at (fault.h) */
	const char *sudo_user; /* who asked sudo to run us (dda_ctx_who) */
	const char *tmp_dir;   /* where private trees go: "/tmp" */
};
#define DDA_CTX_NO_WAIT (-1)

/* Checks the options as main() must before anything is read: the root is
 * an existing directory, the state and run directories are absolute and
 * not empty.  Records the error. */
int dda_ctx_new(struct dda_ctx **ret, const struct dda_ctx_options *opts) _must_check_;

/* The same, from the environment (DDACTL_ROOT, DDACTL_STATE_DIR,
 * DDACTL_RUN_DIR, DDACTL_QEMU, DDACTL_LOCK_TIMEOUT, DDACTL_FAULT,
 * SUDO_USER): the one place the library reads it.  What overrides sets
 * (--state-dir) wins; it may be NULL. */
int dda_ctx_new_from_env(struct dda_ctx **ret, const struct dda_ctx_options *overrides) _must_check_;

/* A context on a fresh private directory (mkdtemp under like's tmp_dir),
 * for a tree materialised from a dump or a snapshot: the ordinary scan
 * then reads it as it reads sysfs.  Its state directory is "/state" in
 * that tree, so nothing of this host's pool shows.  The directory and all
 * in it are removed when the context is freed. */
int dda_ctx_new_private(const struct dda_ctx *like, enum dda_source source, struct dda_ctx **ret) _must_check_;

void dda_ctx_free(struct dda_ctx *ctx);
DDA_DEFINE_CLEANUP(struct dda_ctx, dda_ctx_free)

/* All borrowed, valid while the context is. */
const char *dda_ctx_root(const struct dda_ctx *ctx);
const char *dda_ctx_state_dir(const struct dda_ctx *ctx);
const char *dda_ctx_run_dir(const struct dda_ctx *ctx);
const char *dda_ctx_qemu(const struct dda_ctx *ctx);
uint64_t dda_ctx_lock_timeout(const struct dda_ctx *ctx);
/* "" when no fault point is set. */
const char *dda_ctx_fault(const struct dda_ctx *ctx);
/* SUDO_USER's "alice (via sudo)", else the user name of the real uid,
 * looked up once, on first use. */
const char *dda_ctx_who(struct dda_ctx *ctx);

/* A buffer of PATH_MAX bytes for an answer the library lends out "until
 * the next call" (dda_vm_rundir): the context's, so another context's
 * calls never overwrite it. */
char *dda_ctx_scratch(struct dda_ctx *ctx, size_t *ret_size);

#endif
