/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: dda_config_parse() on arbitrary bytes, as if a device
 * (or a captured dump) had them in config space.  ASan/UBSan catch reads
 * out of bounds; the checks below catch a walker that returns offsets it
 * should not have trusted, or reads that do not stay inside the buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/header.h>

#include "pcicfg.h"
#include "fuzz.h"

/* A standard capability: dword aligned, in 0x40..0xfc, its header read. */
static void check_std(const uint8_t *cfg, size_t len, unsigned off, unsigned id)
{
	if (!off)
		return;
	CHECK(off >= 0x40 && off <= 0xfc && off % 4 == 0);
	CHECK(off + 2 <= len);
	CHECK(dda_cfg8(cfg, len, off) == id);
	CHECK(cfg[off] == id);
}

static void check_ext(const uint8_t *cfg, size_t len, unsigned off, unsigned id)
{
	if (!off)
		return;
	CHECK(off >= 0x100 && off <= 0xffc && off % 4 == 0);
	CHECK(off + 4 <= len);
	CHECK((dda_cfg32(cfg, len, off) & 0xffff) == id);
}

/* What device.c reads from the fixed header and the capabilities found,
 * all through the bounded readers: none may touch bytes past len. */
static unsigned decode(const uint8_t *cfg, size_t len, const struct dda_caps *c)
{
	unsigned acc = dda_cfg16(cfg, len, PCI_VENDOR_ID) ^ dda_cfg16(cfg, len, PCI_DEVICE_ID);

	acc ^= dda_cfg32(cfg, len, PCI_CLASS_REVISION) ^ dda_cfg8(cfg, len, PCI_HEADER_TYPE);
	acc ^= dda_cfg16(cfg, len, PCI_SUBSYSTEM_VENDOR_ID) ^ dda_cfg8(cfg, len, PCI_SECONDARY_BUS);
	acc ^= dda_cfg8(cfg, len, PCI_INTERRUPT_PIN);
	if (c->pcie) {
		acc ^= dda_cfg16(cfg, len, c->pcie + PCI_EXP_FLAGS);
		acc ^= dda_cfg32(cfg, len, c->pcie + PCI_EXP_DEVCAP);
	}
	if (c->af)
		acc ^= dda_cfg8(cfg, len, c->af + PCI_AF_CAP);
	if (c->pm)
		acc ^= dda_cfg16(cfg, len, c->pm + PCI_PM_CTRL);
	if (c->acs)
		acc ^= dda_cfg16(cfg, len, c->acs + PCI_ACS_CAP) ^ dda_cfg16(cfg, len, c->acs + PCI_ACS_CTRL);
	if (c->sriov)
		acc ^= dda_cfg16(cfg, len, c->sriov + PCI_IOV_OFFSET) ^ dda_cfg16(cfg, len, c->sriov + PCI_IOV_DID);
	return acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dda_caps c, again;
	uint8_t *cfg;

	/* a private copy of exactly size bytes: ASan flags any read past it */
	cfg = malloc(size ? size : 1);
	if (!cfg)
		return 0;
	memcpy(cfg, data, size);

	memset(&c, 0x5a, sizeof(c));
	dda_config_parse(cfg, size, &c);
	memset(&again, 0xa5, sizeof(again));
	dda_config_parse(cfg, size, &again);
	/* field by field: the padding after af/ari is unspecified */
	CHECK(c.pm == again.pm && c.msi == again.msi && c.msix == again.msix && c.pcie == again.pcie &&
	      c.pcix == again.pcix && c.af == again.af && c.acs == again.acs && c.sriov == again.sriov &&
	      c.ari == again.ari && c.nstd == again.nstd && c.next == again.next && c.flags == again.flags);

	CHECK(!(c.flags & ~0x3fu));
	/* every dword of 0x40..0xff at most once; every one of 0x100..0xfff */
	CHECK(c.nstd <= (0x100 - 0x40) / 4);
	CHECK(c.next <= (0x1000 - 0x100) / 4);
	check_std(cfg, size, c.pm, PCI_CAP_ID_PM);
	check_std(cfg, size, c.msi, PCI_CAP_ID_MSI);
	check_std(cfg, size, c.msix, PCI_CAP_ID_MSIX);
	check_std(cfg, size, c.pcie, PCI_CAP_ID_EXP);
	check_std(cfg, size, c.pcix, PCI_CAP_ID_PCIX);
	check_std(cfg, size, c.af, PCI_CAP_ID_AF);
	check_ext(cfg, size, c.acs, PCI_EXT_CAP_ID_ACS);
	check_ext(cfg, size, c.sriov, PCI_EXT_CAP_ID_SRIOV);
	check_ext(cfg, size, c.ari, PCI_EXT_CAP_ID_ARI);
	/* the extended list is only read behind a PCIe capability */
	if (!c.pcie)
		CHECK(!c.acs && !c.sriov && !c.ari && !c.next && !(c.flags & (DDA_CFG_EXT_LOOPED | DDA_CFG_EXT_BROKEN)));
	/* a dead device has no capabilities and no broken ones */
	if (c.flags & DDA_CFG_ALL_ONES)
		CHECK(!c.nstd && !c.next && !(c.flags & (DDA_CFG_LOOPED | DDA_CFG_BROKEN)));
	if (size < 64)
		CHECK(c.flags & DDA_CFG_SHORT);

	(void)decode(cfg, size, &c);
	/* past the end reads as all ones, like a master abort */
	CHECK(dda_cfg8(cfg, size, size) == 0xff);
	CHECK(dda_cfg16(cfg, size, size) == 0xffff);
	CHECK(dda_cfg32(cfg, size, size + 4096) == 0xffffffff);
	if (size >= 2)
		CHECK(dda_cfg16(cfg, size, size - 1) == (0xff00 | cfg[size - 1]));
	free(cfg);
	return 0;
}
