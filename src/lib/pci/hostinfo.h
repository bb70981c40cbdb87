/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whether this host can assign devices at all: IOMMU, interrupt remapping,
 * vfio-pci.  Hyper-V's IovSupport/IovSupportReasons for Linux.
 */
#ifndef DDA_HOSTINFO_H
#define DDA_HOSTINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "cleanup.h"
#include "ctx.h"

struct dda_ctx;

enum dda_vfio_state {
	DDA_VFIO_MISSING, /* neither loaded, built in, nor installed */
	DDA_VFIO_MODULE,  /* installed as a module, not loaded */
	DDA_VFIO_LOADED,  /* the vfio-pci driver is registered */
	DDA_VFIO_BUILTIN,
	DDA_VFIO_UNKNOWN, /* surveyed from an lspci dump */
};

enum dda_cpu_vendor {
	DDA_CPU_UNKNOWN,
	DDA_CPU_INTEL,
	DDA_CPU_AMD,
};

struct dda_hostinfo {
	char osrelease[128];
	enum dda_cpu_vendor cpu;
	bool iommu_on; /* the kernel made IOMMU groups */
	unsigned ngroups;
	char units[256]; /* /sys/class/iommu entries, space separated */
	unsigned nunits;
	char cmdline[1024]; /* IOMMU-related kernel parameters found */
	bool passthrough;   /* iommu=pt / iommu.passthrough=1: host DMA identity-mapped */
	int intremap;	    /* 1 on, 0 off, -1 cannot tell */
	char intremap_note[160];
	bool intremap_nosid;	/* intremap=nosid: the source of an interrupt is not checked */
	bool unsafe_interrupts; /* vfio_iommu_type1 allow_unsafe_interrupts=1 */
	enum dda_vfio_state vfio;
	bool full_config; /* config reads return the whole space (set by dda_host_scan) */
	char *fix;	  /* what to do when the IOMMU is off, or NULL */
	/* Where the facts come from (ctx.h): from a dump, the kernel's
	 * settings (IOMMU on, interrupt remapping, command line, vfio-pci)
	 * are unknown, and so are the drivers when the dump lacks the -v
	 * text; the groups are those lspci printed or the predicted ones. */
	enum dda_source source;
	bool drivers_unknown;
	const char *groups_from; /* "kernel", "lspci" (its IOMMU group lines), "predicted"; static */
};

int dda_hostinfo_read(struct dda_ctx *ctx, struct dda_hostinfo *ret) _must_check_;

/* The host's RAM in MiB (MemTotal), 0 when unknown.  Records nothing. */
uint64_t dda_host_ram_mb(struct dda_ctx *ctx);
void dda_hostinfo_release(struct dda_hostinfo *h);
const char *dda_vfio_state_name(enum dda_vfio_state s);

/* Whether the host can give a VM a device at all: the IOMMU is on,
 * interrupts are remapped (or VFIO was told to go on without), and
 * vfio-pci is there.  The survey's host "ready"; each is a block reason. */
bool dda_hostinfo_ready(const struct dda_hostinfo *i);

#endif
