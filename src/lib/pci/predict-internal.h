/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the predictor (predict.c) and its quirk tables (predict-acs.c):
 * a function as the kernel's grouping code sees it, a struct pci_dev cut
 * down to what pci_device_group() and pci_acs_enabled() read.
 */
#ifndef DDA_PCI_PREDICT_INTERNAL_H
#define DDA_PCI_PREDICT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pciaddr.h"
#include "predict.h"

struct dda_device;

struct dda_pnode {
	const struct dda_device *d;
	struct dda_pciaddr addr;    /* where the model puts it: d->addr unless moved */
	char name[DDA_PCIADDR_LEN]; /* of addr */
	bool moved;
	uint16_t vendor, device; /* a VF's from its PF (pci_iov_add_virtfn) */
	uint16_t subvendor, subdevice;
	bool pcie;	    /* pci_is_pcie() */
	uint8_t type;	    /* pci_pcie_type(), when pcie */
	bool bridge_hdr;    /* header type 1 */
	bool multifunction; /* pdev->multifunction as the scan sets it */
	bool root_bus;	    /* pci_is_root_bus(pdev->bus) */
	bool has_acs;	    /* pdev->acs_cap != 0 */
	uint16_t acs_cap;
	uint16_t acs_ctrl; /* after pci_enable_acs() at probe */
	int rcba;	   /* Intel PCH quirk: LPC RCBA enabled 1, not 0, unknown -1 */
	bool xlate_root;   /* PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT */
	uint8_t alias[32]; /* dma_alias_mask, a bit per devfn of its bus */
	bool aliased;
	const char *alias_quirk;
	struct dda_pnode *up; /* bus->self, NULL on a root bus */
	unsigned bus;	      /* domain << 8 | bus number */
	uint8_t devfn;
	bool gone; /* removed by opts->without */
	int group; /* -1 until probed */
};

struct dda_acs_env {
	bool ivrs; /* an ACPI IVRS table: an AMD IOMMU */
	const struct dda_predict_opts *opts;
};

/* pci_dev_specific_acs_enabled(), with the ACS override patch's entry at
 * the end of the table: -1 when no quirk applies (-ENOTTY), else 0/1,
 * naming the quirk in *ret_quirk. */
int dda_predict_acs_quirk(const struct dda_pnode *n, uint16_t flags, const struct dda_acs_env *env,
			  const char **ret_quirk);
/* Whether pci_enable_acs() sets the standard ACS controls: not for the
 * root ports an Intel PCH quirk enables its own way. */
bool dda_predict_std_enable(const struct dda_pnode *n);
/* Whether the Intel PCH quirk (pci_quirk_intel_pch_acs_match) covers n,
 * whose answer then needs the LPC bridge's RCBA (n->rcba). */
bool dda_predict_intel_pch(const struct dda_pnode *n);
/* The DMA alias header fixups: sets n->alias, n->xlate_root. */
void dda_predict_dma_quirks(struct dda_pnode *n);

struct dda_host;
/* Puts the cards of opts->moves into their slots in n (parallel to
 * h->devs): 0, or -errno recorded when one cannot be modelled. */
int dda_predict_apply_moves(const struct dda_host *h, const struct dda_predict_opts *opts,
			    struct dda_pnode *n) _must_check_;

#endif
