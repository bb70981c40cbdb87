/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's PCI tree, read once: every function, its upstream bridge, its
 * IOMMU group and what the host uses on it.  Everything later (survey,
 * pool, VMs) looks devices up here instead of rescanning sysfs, so a scan
 * costs time linear in the number of functions.
 */
#ifndef DDA_PCI_HOST_H
#define DDA_PCI_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"
#include "device.h"
#include "hostinfo.h"

struct dda_ctx;

struct dda_resv {
	uint64_t start, end;
	char type[24]; /* direct, direct-relaxable, reserved, msi */
};

struct dda_group {
	int id;
	struct dda_device **members; /* in address order */
	size_t nmembers;
	struct dda_resv *resv;
	size_t nresv;
};

struct dda_host {
	struct dda_device *devs; /* in address order */
	size_t ndevs;
	size_t nfunctions;	  /* on the host: more than ndevs after dda_host_scan_for */
	struct dda_group *groups; /* in id order */
	size_t ngroups;
	struct dda_hostinfo info;
	struct dda_names *names;
	struct dda_ctx *ctx; /* scanned with; borrowed, outlives the host */
};

enum dda_scan_flags {
	DDA_SCAN_NAMES = 1 << 0,    /* look names up in pci.ids */
	DDA_SCAN_HOST_USE = 1 << 1, /* mounts, swap, holders, interfaces, console */
	/* Read the host as a user without CAP_SYS_ADMIN sees it, whoever
	 * runs the scan: config space cut to 64 bytes (128 for CardBus), as
	 * the kernel's sysfs cuts it, and the host says so ("not-root").  A
	 * scan of the real root (dda_root() "/") by a non-root process is
	 * always unprivileged; a moved root shows what its files hold. */
	DDA_SCAN_UNPRIVILEGED = 1 << 2,
	/* dda_host_scan_for: the targets and their PFs only, without what
	 * checks need: enough for names, drivers, groups, location paths
	 * and pool marks. */
	DDA_SCAN_TARGETS_ONLY = 1 << 3,
	/* dda_host_scan_for: functions bound to vfio-pci, pci-stub or a
	 * vfio variant driver with a driver_override set are targets too
	 * (from the drivers' own directories, not by reading every
	 * function): the candidates for an unrecorded pool device. */
	DDA_SCAN_POOL_DRIVERS = 1 << 4,
};

/* Scans the host under dda_root().  Fails only when the PCI bus itself
 * cannot be read; unreadable attributes are noted on their device. */
int dda_host_scan(struct dda_ctx *ctx, struct dda_host **ret, unsigned flags) _must_check_;

/* Reads only what decides the targets' findings: each target, its IOMMU
 * group (and, for each member, as for a target), the bridges above, its
 * slot and bus neighbours, all below its parent bridge, its SR-IOV PF and
 * VFs.  Their findings, names and host use come out as dda_host_scan()'s;
 * other functions are absent (ndevs < nfunctions).  When that cannot hold
 * (an INTx-only target, a bus reset of a root bus) it reads everything.
 * Targets that are no function of the host are left out. */
int dda_host_scan_for(struct dda_ctx *ctx, struct dda_host **ret, unsigned flags, const struct dda_pciaddr *targets,
		      size_t n) _must_check_;
void dda_host_free(struct dda_host *h);
DDA_DEFINE_CLEANUP(struct dda_host, dda_host_free)

struct dda_device *dda_host_find(const struct dda_host *h, const struct dda_pciaddr *a);

/* d's name, looked up now if the scan did not (no DDA_SCAN_NAMES), and kept
 * in d->name_str.  The first lookup parses all of pci.ids, most of what a
 * short command costs, so a command that prints a few devices names just
 * those, and one that prints none loads nothing.  NULL when pci.ids does
 * not know the vendor, or on OOM. */
const char *dda_host_name(struct dda_host *h, struct dda_device *d);

/* The function at a location path (canonical or not), or NULL: a pooled
 * device is found by where it sits, since its address may have moved. */
struct dda_device *dda_host_find_locpath(const struct dda_host *h, const char *location_path);

/* Finds a device by address ("0000:04:00.0", "04:00.0") or location path.
 * -EINVAL for a name that is neither (code "bad-device"), -ENODEV for one
 * that names no function of this host; both recorded naming the input. */
int dda_host_resolve(const struct dda_host *h, const char *name, struct dda_device **ret) _must_check_;

/* Other members of d's IOMMU group that are not bridges. */
size_t dda_group_endpoints(const struct dda_device *d, struct dda_device **out, size_t max);

#endif
