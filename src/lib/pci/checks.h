/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whether each function can be assigned to a VM, and why not: SurveyDDA's
 * checks (RMRR, ACS, device type, interrupts, MMIO) and the Linux ones it
 * lacks (IOMMU group, host use, reset, SR-IOV, power state).
 *
 * Reason codes are stable API (JSON "code"); see docs/REASONS.md.
 */
#ifndef DDA_CHECKS_H
#define DDA_CHECKS_H

#include <stdint.h>

#include "cleanup.h"
#include "host.h"

/* Fills the reasons of every device of h; only OOM fails. */
int dda_checks_run(struct dda_host *h) _must_check_;

/* The MMIO a VM's gaps must hold for d, as Hyper-V's Low/High
 * MemoryMappedIoSpace: behind a PCIe root port only 64-bit prefetchable
 * BARs can go above 4 GiB, so 32-bit and 64-bit non-prefetchable BARs and
 * the ROM count below.  Each BAR is rounded to its natural alignment. */
void dda_device_mmio(const struct dda_device *d, uint64_t *ret_below, uint64_t *ret_above);

/* Names the missing ACS bits ("SV RR CR UF") of a port or multifunction
 * function, into buf; returns buf, "" when nothing is missing. */
const char *dda_checks_acs_missing(const struct dda_device *d, char *buf, size_t size);

#endif
