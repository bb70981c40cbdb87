/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running VMs: start (with every check a passthrough VM needs first), stop
 * (ACPI power-down, then off), hot add and remove over QMP, and the
 * reconciliation every command does between the state database and the
 * QEMU processes, which are the truth about what runs.  No daemon.
 */
#ifndef DDA_VMRUN_H
#define DDA_VMRUN_H

#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "cleanup.h"
#include "state.h"
#include "host.h"
#include "vm.h"

/* What RLIMIT_MEMLOCK QEMU must get to lock need bytes, given ours and our
 * capabilities: *ret (unchanged when enough), or -EPERM recorded
 * ("memlock") naming the capability that is missing. */
int dda_vmrun_memlock_plan(const char *name, uint64_t need, const struct rlimit *have, bool cap_ipc_lock,
			   bool cap_sys_resource, struct rlimit *ret) _must_check_;

/* Brings the state in line with the processes: a VM that is not running
 * holds no runtime ids, devices it got from named pools go back, and
 * removals it had pending are complete.  For a running VM, pending
 * removals the guest has finished are completed.  Lines say what changed. */
int dda_vmrun_reconcile(struct dda_state *s, const char *name, char *note, size_t size) _must_check_;

/* The QEMU command line the VM would start with (for start and for
 * `vm show --qemu-args`).  Resolves named-pool requests only if resolve
 * is set (start does, show does not).  *ret is freed with dda_strv_free. */
int dda_vmrun_command_line(struct dda_state *s, struct dda_host *h, const char *name, bool resolve,
			   char ***ret) _must_check_;

/* Checks every device of the VM is still what was assigned and usable;
 * the first failure is recorded naming the device and the fix. */
int dda_vmrun_preflight(struct dda_state *s, struct dda_host *h, const char *name) _must_check_;

/* Starts QEMU in the background.  QEMU's own error output is recorded in
 * the error on failure. */
int dda_vmrun_start(struct dda_state *s, struct dda_host *h, const char *name) _must_check_;

/* ACPI power-down, then after timeout_s a hard stop (Hyper-V's
 * AutomaticStopAction TurnOff).  *ret_forced says which ended it. */
int dda_vmrun_stop(struct dda_state *s, const char *name, int timeout_s, bool *ret_forced) _must_check_;

enum dda_assign_result {
	DDA_ASSIGN_DONE,
	DDA_ASSIGN_UNCHANGED, /* already this VM's: nothing changed */
};

/* Gives a pooled device (and its group companions) to a VM; hot-adds it
 * when the VM runs.  Refuses a device another VM holds, naming it. */
int dda_vmrun_assign(struct dda_state *s, struct dda_host *h, const char *vm, struct dda_device *d,
		     enum dda_assign_result *ret) _must_check_;

/* Finds a free pooled device with these ids (for --any). */
int dda_vmrun_find_free(struct dda_state *s, struct dda_host *h, uint16_t vendor, uint16_t device,
			struct dda_device **ret) _must_check_;

/* Takes a device (and its companions) from a VM back to the pool.  On a
 * running VM: device_del and wait for DEVICE_DELETED up to timeout_ms;
 * *ret_pending is set, and the device stays the VM's, when the guest has
 * not let go in time. */
int dda_vmrun_unassign(struct dda_state *s, struct dda_host *h, const char *vm, struct dda_device *d, int timeout_ms,
		       bool *ret_pending) _must_check_;

#endif
