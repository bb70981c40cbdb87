/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pci/pci.h>

#include "pcicfg.h"

#define STD_CAP_START 0x40
#define STD_CAP_END   0x100
#define EXT_CAP_START 0x100
#define EXT_CAP_END   0x1000

uint8_t dda_cfg8(const uint8_t *cfg, size_t len, size_t off)
{
	return off < len ? cfg[off] : 0xff;
}

uint16_t dda_cfg16(const uint8_t *cfg, size_t len, size_t off)
{
	if (off > SIZE_MAX - 2) /* off + 1 would wrap to the start */
		return 0xffff;
	return (uint16_t)(dda_cfg8(cfg, len, off) | dda_cfg8(cfg, len, off + 1) << 8);
}

uint32_t dda_cfg32(const uint8_t *cfg, size_t len, size_t off)
{
	if (off > SIZE_MAX - 4)
		return 0xffffffff;
	return (uint32_t)dda_cfg16(cfg, len, off) | (uint32_t)dda_cfg16(cfg, len, off + 2) << 16;
}

static bool all_ones(const uint8_t *cfg, size_t len)
{
	size_t n = len < 64 ? len : 64;

	for (size_t i = 0; i < n; i++)
		if (cfg[i] != 0xff)
			return false;
	return true;
}

static void walk_std(const uint8_t *cfg, size_t len, struct dda_caps *c)
{
	/* One bit per dword of the 256-byte space: a revisit is a loop. */
	uint8_t seen[STD_CAP_END / 4 / 8] = { 0 };
	unsigned pos;

	if (!(dda_cfg16(cfg, len, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return;
	pos = dda_cfg8(cfg, len, PCI_CAPABILITY_LIST) & ~3u;
	while (pos) {
		uint8_t id;

		if (pos < STD_CAP_START || pos + 2 > STD_CAP_END) {
			c->flags |= DDA_CFG_BROKEN;
			return;
		}
		if (pos + 2 > len) {
			c->flags |= DDA_CFG_SHORT;
			return;
		}
		if (seen[pos / 32] & (1u << (pos / 4 % 8))) {
			c->flags |= DDA_CFG_LOOPED;
			return;
		}
		seen[pos / 32] |= (uint8_t)(1u << (pos / 4 % 8));
		id = cfg[pos + PCI_CAP_LIST_ID];
		if (id == 0xff) {
			c->flags |= DDA_CFG_BROKEN;
			return;
		}
		c->nstd++;
		/* The first instance wins, as in the kernel's pci_find_capability. */
		switch (id) {
		case PCI_CAP_ID_PM:
			if (!c->pm)
				c->pm = (uint16_t)pos;
			break;
		case PCI_CAP_ID_MSI:
			if (!c->msi)
				c->msi = (uint16_t)pos;
			break;
		case PCI_CAP_ID_MSIX:
			if (!c->msix)
				c->msix = (uint16_t)pos;
			break;
		case PCI_CAP_ID_EXP:
			if (!c->pcie)
				c->pcie = (uint16_t)pos;
			break;
		case PCI_CAP_ID_PCIX:
			if (!c->pcix)
				c->pcix = (uint16_t)pos;
			break;
		case PCI_CAP_ID_AF:
			if (!c->af)
				c->af = (uint16_t)pos;
			break;
		default: break;
		}
		pos = cfg[pos + PCI_CAP_LIST_NEXT] & ~3u;
	}
}

static void walk_ext(const uint8_t *cfg, size_t len, struct dda_caps *c)
{
	uint8_t seen[EXT_CAP_END / 4 / 8] = { 0 };
	unsigned pos = EXT_CAP_START;

	if (len < EXT_CAP_START + 4)
		return;
	while (pos) {
		uint32_t hdr;

		if (pos < EXT_CAP_START || pos + 4 > EXT_CAP_END) {
			c->flags |= DDA_CFG_EXT_BROKEN;
			return;
		}
		if (pos + 4 > len) {
			c->flags |= DDA_CFG_SHORT;
			return;
		}
		if (seen[pos / 32] & (1u << (pos / 4 % 8))) {
			c->flags |= DDA_CFG_EXT_LOOPED;
			return;
		}
		seen[pos / 32] |= (uint8_t)(1u << (pos / 4 % 8));
		hdr = dda_cfg32(cfg, len, pos);
		/* An empty list is a zero header; all ones is a dead device. */
		if (hdr == 0)
			return;
		if (hdr == 0xffffffff) {
			c->flags |= DDA_CFG_EXT_BROKEN;
			return;
		}
		c->next++;
		switch (hdr & 0xffff) {
		case PCI_EXT_CAP_ID_ACS:
			if (!c->acs)
				c->acs = (uint16_t)pos;
			break;
		case PCI_EXT_CAP_ID_SRIOV:
			if (!c->sriov)
				c->sriov = (uint16_t)pos;
			break;
		case PCI_EXT_CAP_ID_ARI:
			if (!c->ari)
				c->ari = (uint16_t)pos;
			break;
		default: break;
		}
		pos = (hdr >> 20) & ~3u;
	}
}

void dda_config_parse(const uint8_t *cfg, size_t len, struct dda_caps *ret)
{
	struct dda_caps c = { 0 };

	if (len < 64) {
		c.flags |= DDA_CFG_SHORT;
		if (len >= 2 && dda_cfg16(cfg, len, 0) == 0xffff && all_ones(cfg, len))
			c.flags |= DDA_CFG_ALL_ONES;
		*ret = c;
		return;
	}
	if (all_ones(cfg, len)) {
		c.flags |= DDA_CFG_ALL_ONES;
		*ret = c;
		return;
	}
	walk_std(cfg, len, &c);
	/* Extended space exists only behind a PCIe capability. */
	if (c.pcie)
		walk_ext(cfg, len, &c);
	*ret = c;
}

const char *dda_acs_names(uint16_t bits, char *buf, size_t size)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = {
		{ PCI_ACS_CTRL_VALID, "SV" },
		{ PCI_ACS_CTRL_REQ_RED, "RR" },
		{ PCI_ACS_CTRL_CMPLT_RED, "CR" },
		{ PCI_ACS_CTRL_FORWARD, "UF" },
	};
	size_t off = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((bits & names[i].bit) && off < size)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? " " : "", names[i].name);
	return buf;
}
