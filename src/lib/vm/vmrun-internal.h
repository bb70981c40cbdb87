/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What vmrun.c (a VM's start and stop) takes from vmrun-devices.c (its
 * devices), and nothing outside vm/vmrun*.c includes.  vmrun.c calls
 * vmrun-devices.c, never the other way.
 */
#ifndef DDA_VMRUN_INTERNAL_H
#define DDA_VMRUN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "qmp.h"
#include "vmrun.h"

#define QMP_TIMEOUT_MS 10000

/* What a start reserved for hot adds, kept in the run dir for them. */
struct dda_vmrun_runtime {
	uint64_t pref64_reserve, mem_reserve;
	unsigned hotplug_ports;
};

int dda_vmrun_qmp_open(struct dda_ctx *ctx, const char *name, struct dda_qmp **ret);
/* The scanned device at address, or NULL. */
struct dda_device *dda_vmrun_host_device(struct dda_host *h, const char *address);
/* 0 when no other VM holds a member of d's group. */
int dda_vmrun_group_free_for(struct dda_state *s, struct dda_device *d, const char *vm);
int dda_vmrun_record_assignment(struct dda_state *s, const char *vm, struct dda_device *d, const char *via);
/* QEMU's id for the device at address. */
void dda_vmrun_device_id(const char *address, char *buf, size_t size);
int dda_vmrun_runtime_write(struct dda_ctx *ctx, const char *name, const struct dda_vmrun_runtime *rt);
int dda_vmrun_runtime_read(struct dda_ctx *ctx, const char *name, struct dda_vmrun_runtime *rt);

#endif
