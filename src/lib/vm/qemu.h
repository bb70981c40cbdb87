/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QEMU command line of a VM with assigned devices, and the sizes that
 * make passthrough work the first time: locked memory, the 64-bit PCI
 * hole, and the windows reserved behind empty root ports for hot-add.
 * Pure functions of their inputs, so the tests can check every choice.
 */
#ifndef DDA_QEMU_H
#define DDA_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"
#include "strv.h"
#include "vm.h"

struct dda_ctx;

#define DDA_MiB (1024ULL * 1024)
#define DDA_GiB (1024ULL * DDA_MiB)

/* A device QEMU gets (companions never do). */
struct dda_qemu_dev {
	const char *address;   /* host address for vfio-pci */
	const char *id;	       /* QEMU device id ("hostdev0") */
	const char *port;      /* root port id it sits behind ("rp0") */
	uint64_t below, above; /* MMIO it needs (dda_device_mmio) */
};

struct dda_qemu_sizing {
	uint64_t memlock;	 /* RLIMIT_MEMLOCK for the QEMU process */
	uint64_t hole64;	 /* q35 pci-hole64-size */
	uint64_t pref64_reserve; /* per hot-add root port */
	uint64_t mem_reserve;	 /* per hot-add root port, 32-bit window */
	unsigned phys_bits;	 /* guest physical address bits assumed */
	uint64_t top;		 /* highest guest physical address used */
	bool kvm;
};

/* Computes the sizes.  largest_above/below: the biggest MMIO needs of any
 * device in the pool (what a hot-add may bring).  host_phys_bits: from
 * the host CPU (0 if unknown); kvm_ok: /dev/kvm usable.  Refuses with
 * -ERANGE and a message naming the VM when the hole cannot be reached
 * with the CPU's physical address bits. */
int dda_qemu_size(const struct dda_vm *vm, const struct dda_qemu_dev *devs, size_t n, uint64_t largest_above,
		  uint64_t largest_below, unsigned host_phys_bits, bool kvm_ok,
		  struct dda_qemu_sizing *ret) _must_check_;

/* Builds argv (NULL-terminated, caller frees with dda_strv_free) for
 * qemu-system-x86_64 in rundir (qmp.sock, qemu.pid, console.log).  The
 * first nports_fixed root ports carry devs[i] in order; hotplug ports
 * "hp0".. follow.  NULL on OOM. */
char **dda_qemu_argv(struct dda_ctx *ctx, const char *qemu, const struct dda_vm *vm, const struct dda_qemu_sizing *sz,
		     const struct dda_qemu_dev *devs, size_t n, const char *rundir);

/* Physical address bits of the host CPU (/proc/cpuinfo), 0 if unknown. */
unsigned dda_host_phys_bits(struct dda_ctx *ctx);

#endif
