/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IOMMU group predictor: the groups Linux would make from a PCI tree
 * that has none (a tree rebuilt from a dump, or the live one, to compare),
 * by the kernel's own algorithm (docs/PREDICT.md): pci_device_group() in
 * drivers/iommu/iommu.c run over the functions in the order the kernel
 * probes them, with pci_acs_enabled() and the device-specific ACS and DMA
 * alias quirks of drivers/pci/quirks.c as Linux 6.12 has them.
 *
 * It reads config space and the tree (the sysfs shape of the unit
 * fixture) and nothing else; what decides a group elsewhere (firmware
 * settings, the IOMMU's ACPI tables) is named in each function's notes.
 */
#ifndef DDA_PCI_PREDICT_H
#define DDA_PCI_PREDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"
#include "pciaddr.h"

struct dda_ctx;

/* The kernels whose rules the model knows; their grouping code and quirk
 * tables are compared in docs/PREDICT.md. */
enum dda_predict_kernel {
	DDA_PREDICT_KERNEL_6_12 = 0, /* the default */
	DDA_PREDICT_KERNEL_6_1,	     /* Debian 12's */
};

/* pcie_acs_override= of the out-of-tree patch (Proxmox, Zen, Liquorix):
 * "downstream", "multifunction", "id:VVVV:DDDD", comma separated. */
enum dda_acs_override {
	DDA_ACS_OVERRIDE_DOWNSTREAM = 1 << 0,	 /* every root and downstream port */
	DDA_ACS_OVERRIDE_MULTIFUNCTION = 1 << 1, /* every multifunction endpoint */
};

#define DDA_ACS_OVERRIDE_MAX_IDS 16

/* A card moved to an empty slot: every function of the slot of 'device'
 * (an endpoint) goes to SECONDARY:00.F of the port 'slot', keeping its
 * config space. */
struct dda_predict_move {
	struct dda_pciaddr device, slot;
};

struct dda_predict_opts {
	unsigned acs_override; /* enum dda_acs_override */
	struct {
		uint16_t vendor, device;
	} override_ids[DDA_ACS_OVERRIDE_MAX_IDS];
	size_t noverride_ids;
	const struct dda_pciaddr *without; /* as if removed, with all below them */
	size_t nwithout;
	const struct dda_predict_move *moves; /* cards put in other slots */
	size_t nmoves;
	enum dda_predict_kernel kernel;
};

/* How a function came into its group: the step of pci_device_group()
 * that found the group. */
enum dda_predict_why {
	DDA_PREDICT_OWN,	   /* a new group: isolated from everything probed before it */
	DDA_PREDICT_ALIAS_BRIDGE,  /* DMA alias: requests carry the ID of bridge 'via' */
	DDA_PREDICT_UPSTREAM_ACS,  /* the ACS path above fails at 'via': joins the port's group */
	DDA_PREDICT_MULTIFUNCTION, /* function 'via' of the same slot, neither with ACS */
	DDA_PREDICT_DMA_ALIAS,	   /* a DMA alias quirk ties it to function 'via' */
};

struct dda_predicted {
	struct dda_pciaddr addr;
	char name[DDA_PCIADDR_LEN];
	uint16_t vendor, device; /* as the kernel names it: a VF by its PF's SR-IOV capability */
	int group;		 /* the predicted group number */
	enum dda_predict_why why;
	char via[DDA_PCIADDR_LEN]; /* the other function of 'why', "" for OWN */
	char reason[384];	   /* one line: why it is in this group */
	const char *quirk;	   /* the kernel quirk that decided, or NULL; static */
	bool uncertain;		   /* the answer depends on something the tree cannot show */
	char note[192];		   /* what that is, when uncertain */
	struct dda_pciaddr from;   /* its address in the tree: addr unless moved */
	bool moved;		   /* put in another slot by opts->moves */
	/* Set by dda_prediction_compare(): */
	int base_group; /* the baseline's group, -1 for none */
	bool differs;	/* its fellow members are not the baseline's */
};

struct dda_prediction {
	struct dda_predicted *devs; /* in address order; removed ones are absent */
	size_t ndevs;
	int ngroups;
	enum dda_predict_kernel kernel;
};

/* Predicts the groups of the PCI tree under ctx's root (opts may be NULL).
 * 0, or -errno recorded: the tree cannot be read (-ENOENT...), an address
 * in opts->without names no function (-ENODEV), a move that cannot be
 * modelled (-EINVAL, code "bad-move"), -ENOMEM. */
int dda_predict_groups(struct dda_ctx *ctx, const struct dda_predict_opts *opts,
		       struct dda_prediction **ret) _must_check_;
/* The same from a host already scanned with dda_host_scan() (every
 * function: a scoped scan is refused, -EINVAL recorded), which must
 * outlive the call only. */
struct dda_host;
int dda_predict_host(const struct dda_host *h, const struct dda_predict_opts *opts,
		     struct dda_prediction **ret) _must_check_;
void dda_prediction_free(struct dda_prediction *p);
DDA_DEFINE_CLEANUP(struct dda_prediction, dda_prediction_free)

/* The prediction for a, or NULL (not in the tree, or removed). */
const struct dda_predicted *dda_prediction_find(const struct dda_prediction *p, const struct dda_pciaddr *a);

/* Compares p with a baseline partition, base[i] being the group the
 * baseline gives p->devs[i] (-1: none): sets base_group and differs of
 * each function, and returns how many differ in *ret_ndiffer.  Groups
 * are compared as sets of members, not by number.  0 or -ENOMEM. */
int dda_prediction_compare(struct dda_prediction *p, const int *base, size_t *ret_ndiffer) _must_check_;

/* Adds pcie_acs_override= text ("downstream,multifunction,id:8086:1234")
 * to opts.  -EINVAL recorded (code "bad-acs-override") on anything else. */
int dda_predict_parse_override(const char *s, struct dda_predict_opts *opts) _must_check_;
/* "DEVICE=SLOT" (0000:05:00.0=0000:00:1c.0) into *ret.  -EINVAL recorded
 * (code "bad-move") otherwise. */
int dda_predict_parse_move(const char *s, struct dda_predict_move *ret) _must_check_;
/* "6.12" or "6.1" (a longer release such as "6.1.0-28-amd64" selects by
 * its major.minor).  -EINVAL recorded (code "bad-kernel") otherwise. */
int dda_predict_parse_kernel(const char *s, enum dda_predict_kernel *ret) _must_check_;
const char *dda_predict_kernel_name(enum dda_predict_kernel k);
const char *dda_predict_why_name(enum dda_predict_why w);

/* Writes the prediction into the tree under ctx's root as the kernel would
 * show it: sys/kernel/iommu_groups/N/devices/ADDR and each function's
 * iommu_group link, replacing the ones there.  Meant for a private copy
 * of a tree, so that an unchanged survey reads predicted groups: refused
 * (-EPERM, recorded) on the real root "/". */
int dda_predict_materialise(struct dda_ctx *ctx, const struct dda_prediction *p) _must_check_;

#endif
