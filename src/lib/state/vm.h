/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtual machine definitions and the devices they own, in the state
 * database.  A VM's live state is its QEMU process (pidfile, QMP socket,
 * console log under <run dir>/vm/NAME/); see vmrun.h.
 *
 * One owner per device: vm_device is keyed by the device address, so two
 * VMs can never hold the same device, whatever the order of commands.
 */
#ifndef DDA_VM_H
#define DDA_VM_H

#include <limits.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cleanup.h"
#include "pciaddr.h"
#include "state.h"

struct dda_ctx;

#define DDA_VM_NAME_MAX 48
/* A named pool's name, with its NUL. */
#define DDA_NPOOL_NAME_LEN 64

struct dda_vm {
	char name[DDA_VM_NAME_MAX + 1];
	uint64_t memory_mb;
	unsigned cpus;
	char disk[PATH_MAX];
	char kernel[PATH_MAX];
	char initrd[PATH_MAX];
	char append[1024];
	char firmware[8];      /* bios, uefi */
	char accel[8];	       /* auto, kvm, tcg */
	char qemu_args[4096];  /* JSON array of extra arguments */
	int64_t mmio_below_mb; /* -1: computed */
	int64_t mmio_above_mb; /* -1: computed */
	unsigned hotplug_ports;
	char created_at[32];
};

/* A vm_device row's state column (state.c keeps its CHECK): removing is
 * a hot removal asked of the guest and not yet seen done. */
enum dda_vm_device_state {
	DDA_VM_DEVICE_ASSIGNED, /* 0, so that a zeroed row is assigned */
	DDA_VM_DEVICE_REMOVING,
	_DDA_VM_DEVICE_STATE_MAX,
	_DDA_VM_DEVICE_STATE_INVALID = -EINVAL, /* not a state the schema allows */
};

/* The column's text; NULL for a value outside the enum. */
const char *dda_vm_device_state_to_string(enum dda_vm_device_state st);
enum dda_vm_device_state dda_vm_device_state_from_string(const char *s);

struct dda_vm_device {
	char address[DDA_PCIADDR_LEN];
	char vm[DDA_VM_NAME_MAX + 1];
	char location_path[DDA_LOCPATH_LEN];
	uint16_t vendor, device, subvendor, subdevice;
	bool requested;			   /* false: a group companion, not given to QEMU */
	char via_pool[DDA_NPOOL_NAME_LEN]; /* named pool it was picked from at start, or "" */
	char qemu_id[32];		   /* while running */
	char port[32];
	enum dda_vm_device_state state;
};

/* Sets defaults (1024 MiB, 1 CPU, bios, auto, computed MMIO, 2 hot-add ports). */
void dda_vm_init(struct dda_vm *vm, const char *name);
/* A name usable as a directory and a QEMU id: [A-Za-z0-9_.-], 1..48. */
bool dda_vm_name_valid(const char *name);

int dda_vm_create(struct dda_state *s, const struct dda_vm *vm) _must_check_;
int dda_vm_update(struct dda_state *s, const struct dda_vm *vm) _must_check_;
/* -ENOENT recorded as "no VM 'x'". */
int dda_vm_get(struct dda_state *s, const char *name, struct dda_vm *ret) _must_check_;
int dda_vm_list(struct dda_state *s, struct dda_vm **ret, size_t *ret_n) _must_check_;
int dda_vm_delete(struct dda_state *s, const char *name) _must_check_;

int dda_vm_devices(struct dda_state *s, const char *vm, struct dda_vm_device **ret, size_t *ret_n) _must_check_;
/* The VM that holds address into vm (size >= DDA_VM_NAME_MAX + 1);
 * -ENOENT when none does. */
int dda_vm_owner(struct dda_state *s, const char *address, char *vm) _must_check_;
int dda_vm_device_get(struct dda_state *s, const char *address, struct dda_vm_device *ret) _must_check_;
int dda_vm_device_put(struct dda_state *s, const struct dda_vm_device *d) _must_check_;
int dda_vm_device_drop(struct dda_state *s, const char *address) _must_check_;

/* Named pools (Hyper-V's VM resource pools). */
int dda_npool_create(struct dda_state *s, const char *name) _must_check_;
int dda_npool_add(struct dda_state *s, const char *name, const char *address) _must_check_;
int dda_npool_exists(struct dda_state *s, const char *name);
/* Every named pool, in name order.  Caller frees *ret. */
int dda_npool_list(struct dda_state *s, char (**ret)[DDA_NPOOL_NAME_LEN], size_t *ret_n) _must_check_;
/* Members as "\n"-free array of addresses; caller frees array. */
int dda_npool_members(struct dda_state *s, const char *name, char (**ret)[DDA_PCIADDR_LEN], size_t *ret_n) _must_check_;
int dda_vm_pool_request_add(struct dda_state *s, const char *vm, const char *pool) _must_check_;
int dda_vm_pool_requests(struct dda_state *s, const char *vm, char (**ret)[DDA_NPOOL_NAME_LEN],
			 size_t *ret_n) _must_check_;

/*
 * The runtime side of a VM as the store sees it: where its files are and
 * whether its QEMU runs.  It lives here, below the runtime (vm/), so that
 * the pool and SR-IOV can ask without calling up into it.
 *
 * The QEMU pid of a running VM, 0 when it is not running, or -EACCES
 * (recorded, "not-root") when this user cannot tell: never a "stopped"
 * guessed from a process or file only root may see.  Root publishes the
 * pid file 0644 in a 0711 directory for non-root readers. */
pid_t dda_vm_pid(struct dda_ctx *ctx, const char *name);

/* -EACCES (recorded) if the running state of any VM cannot be told, so
 * that a listing refuses rather than shows a guess. */
int dda_vm_pids_known(struct dda_state *s) _must_check_;

/* Alive and not a zombie waiting for an init that does not reap.  1, 0,
 * or -EACCES when this user cannot tell: kill() says EPERM for a live
 * process of root's (never "gone"), and hidepid can hide its /proc entry. */
int dda_vm_alive(struct dda_ctx *ctx, pid_t pid);

/* <run dir>/vm/NAME.  Borrowed until the next call on ctx. */
const char *dda_vm_rundir(struct dda_ctx *ctx, const char *name);

#endif
