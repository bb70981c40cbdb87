/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's device-specific ACS and DMA alias quirks, as tables of ids
 * and what each quirk answers, after drivers/pci/quirks.c of Linux 6.12
 * (6.12.118; Debian 12's 6.1.192 has the same tables): the ACS table
 * pci_dev_acs_enabled[] searched by pci_dev_specific_acs_enabled(), the
 * enable side pci_dev_acs_ops[], and the DMA alias header fixups.  The
 * ACS override patch (pcie_acs_override=) adds its entry last.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pci/pci.h>

#include "predict-internal.h"

#define SV PCI_ACS_CAP_VALID
#define TB PCI_ACS_CAP_BLOCK
#define RR PCI_ACS_CAP_REQ_RED
#define CR PCI_ACS_CAP_CMPLT_RED
#define UF PCI_ACS_CAP_FORWARD
#define EC PCI_ACS_CAP_EGRESS
#define DT PCI_ACS_CAP_TRANS

#define ANY 0xffff

enum quirk {
	Q_AMD_SB,
	Q_MF_ENDPOINT,
	Q_RCIEP,
	Q_QCOM_RP,
	Q_INTEL_PCH,
	Q_INTEL_SPT,
	Q_CAVIUM,
	Q_XGENE,
	Q_BRCM,
	Q_LOONGSON,
	Q_AL,
	Q_NXP_RP,
	Q_ZHAOXIN_PORTS,
	Q_WANGXUN,
};

static const char *const quirk_names[] = {
	[Q_AMD_SB] = "pci_quirk_amd_sb_acs",
	[Q_MF_ENDPOINT] = "pci_quirk_mf_endpoint_acs",
	[Q_RCIEP] = "pci_quirk_rciep_acs",
	[Q_QCOM_RP] = "pci_quirk_qcom_rp_acs",
	[Q_INTEL_PCH] = "pci_quirk_intel_pch_acs",
	[Q_INTEL_SPT] = "pci_quirk_intel_spt_pch_acs",
	[Q_CAVIUM] = "pci_quirk_cavium_acs",
	[Q_XGENE] = "pci_quirk_xgene_acs",
	[Q_BRCM] = "pci_quirk_brcm_acs",
	[Q_LOONGSON] = "pci_quirk_loongson_acs",
	[Q_AL] = "pci_quirk_al_acs",
	[Q_NXP_RP] = "pci_quirk_nxp_rp_acs",
	[Q_ZHAOXIN_PORTS] = "pci_quirk_zhaoxin_pcie_ports_acs",
	[Q_WANGXUN] = "pci_quirk_wangxun_nic_acs",
};

/* A run of device ids of one vendor answered by one quirk, in the order
 * of pci_dev_acs_enabled[]: the first quirk that answers wins. */
static const struct acs_entry {
	uint16_t vendor, lo, hi;
	enum quirk q;
} acs_table[] = {
	{ 0x1002, 0x4385, 0x4385, Q_AMD_SB },
	{ 0x1002, 0x439c, 0x439c, Q_AMD_SB },
	{ 0x1002, 0x4383, 0x4383, Q_AMD_SB },
	{ 0x1002, 0x439d, 0x439d, Q_AMD_SB },
	{ 0x1002, 0x4384, 0x4384, Q_AMD_SB },
	{ 0x1002, 0x4399, 0x4399, Q_AMD_SB },
	{ 0x1022, 0x780f, 0x780f, Q_AMD_SB },
	{ 0x1022, 0x7809, 0x7809, Q_AMD_SB },
	{ 0x1924, 0x0903, 0x0903, Q_MF_ENDPOINT },
	{ 0x1924, 0x0923, 0x0923, Q_MF_ENDPOINT },
	{ 0x1924, 0x0a03, 0x0a03, Q_MF_ENDPOINT },
	{ 0x8086, 0x10c6, 0x10c6, Q_MF_ENDPOINT },
	{ 0x8086, 0x10db, 0x10db, Q_MF_ENDPOINT },
	{ 0x8086, 0x10dd, 0x10dd, Q_MF_ENDPOINT },
	{ 0x8086, 0x10e1, 0x10e1, Q_MF_ENDPOINT },
	{ 0x8086, 0x10f1, 0x10f1, Q_MF_ENDPOINT },
	{ 0x8086, 0x10f7, 0x10fc, Q_MF_ENDPOINT },
	{ 0x8086, 0x1507, 0x1507, Q_MF_ENDPOINT },
	{ 0x8086, 0x1514, 0x1514, Q_MF_ENDPOINT },
	{ 0x8086, 0x151c, 0x151c, Q_MF_ENDPOINT },
	{ 0x8086, 0x1529, 0x152a, Q_MF_ENDPOINT },
	{ 0x8086, 0x154d, 0x154d, Q_MF_ENDPOINT },
	{ 0x8086, 0x154f, 0x154f, Q_MF_ENDPOINT },
	{ 0x8086, 0x1551, 0x1551, Q_MF_ENDPOINT },
	{ 0x8086, 0x1558, 0x1558, Q_MF_ENDPOINT },
	/* 82580 */
	{ 0x8086, 0x1509, 0x1509, Q_MF_ENDPOINT },
	{ 0x8086, 0x150e, 0x1511, Q_MF_ENDPOINT },
	{ 0x8086, 0x1516, 0x1516, Q_MF_ENDPOINT },
	{ 0x8086, 0x1527, 0x1527, Q_MF_ENDPOINT },
	/* 82576 */
	{ 0x8086, 0x10c9, 0x10c9, Q_MF_ENDPOINT },
	{ 0x8086, 0x10e6, 0x10e8, Q_MF_ENDPOINT },
	{ 0x8086, 0x150a, 0x150a, Q_MF_ENDPOINT },
	{ 0x8086, 0x150d, 0x150d, Q_MF_ENDPOINT },
	{ 0x8086, 0x1518, 0x1518, Q_MF_ENDPOINT },
	{ 0x8086, 0x1526, 0x1526, Q_MF_ENDPOINT },
	/* 82575 */
	{ 0x8086, 0x10a7, 0x10a7, Q_MF_ENDPOINT },
	{ 0x8086, 0x10a9, 0x10a9, Q_MF_ENDPOINT },
	{ 0x8086, 0x10d6, 0x10d6, Q_MF_ENDPOINT },
	/* I350 */
	{ 0x8086, 0x1521, 0x1524, Q_MF_ENDPOINT },
	/* 82571 */
	{ 0x8086, 0x105e, 0x1060, Q_MF_ENDPOINT },
	{ 0x8086, 0x10d9, 0x10d9, Q_MF_ENDPOINT },
	/* I219 */
	{ 0x8086, 0x15b7, 0x15b8, Q_MF_ENDPOINT },
	{ 0x8086, 0x0000, ANY, Q_RCIEP },
	{ 0x17cb, 0x0400, 0x0401, Q_QCOM_RP },
	{ 0x17cb, 0x0115, 0x0115, Q_QCOM_RP },
	{ 0x17cb, 0x0111, 0x0111, Q_QCOM_RP },
	{ 0x17cb, 0x0120, 0x0120, Q_QCOM_RP },
	{ 0x1dbf, 0x0401, 0x0401, Q_QCOM_RP }, /* HXT SD4800 */
	{ 0x8086, 0x0000, ANY, Q_INTEL_PCH },
	{ 0x8086, 0x0000, ANY, Q_INTEL_SPT },
	{ 0x19a2, 0x0710, 0x0710, Q_MF_ENDPOINT }, /* Emulex BE3-R */
	{ 0x10df, 0x0720, 0x0720, Q_MF_ENDPOINT }, /* Emulex Skyhawk-R */
	{ 0x177d, 0x0000, ANY, Q_CAVIUM },
	{ 0x177d, 0xa026, 0xa026, Q_MF_ENDPOINT },
	{ 0x177d, 0xa059, 0xa059, Q_MF_ENDPOINT },
	{ 0x177d, 0xa060, 0xa060, Q_MF_ENDPOINT },
	{ 0x10e8, 0xe004, 0xe004, Q_XGENE },
	{ 0x1def, 0xe005, 0xe00c, Q_XGENE },
	{ 0x14e4, 0x16d7, 0x16d7, Q_MF_ENDPOINT },
	{ 0x14e4, 0x1750, 0x1752, Q_MF_ENDPOINT },
	{ 0x14e4, 0x1760, 0x1763, Q_MF_ENDPOINT },
	{ 0x14e4, 0xd714, 0xd714, Q_BRCM },
	{ 0x0014, 0x3c09, 0x3c09, Q_LOONGSON },
	{ 0x0014, 0x3c19, 0x3c19, Q_LOONGSON },
	{ 0x0014, 0x3c29, 0x3c29, Q_LOONGSON },
	{ 0x0014, 0x7a09, 0x7a09, Q_LOONGSON },
	{ 0x0014, 0x7a19, 0x7a19, Q_LOONGSON },
	{ 0x0014, 0x7a29, 0x7a29, Q_LOONGSON },
	{ 0x0014, 0x7a39, 0x7a39, Q_LOONGSON },
	{ 0x0014, 0x7a49, 0x7a49, Q_LOONGSON },
	{ 0x0014, 0x7a59, 0x7a59, Q_LOONGSON },
	{ 0x0014, 0x7a69, 0x7a69, Q_LOONGSON },
	{ 0x1c36, 0x0031, 0x0031, Q_AL },
	{ 0x1d17, 0x3038, 0x3038, Q_MF_ENDPOINT },
	{ 0x1d17, 0x3104, 0x3104, Q_MF_ENDPOINT },
	{ 0x1d17, 0x9083, 0x9083, Q_MF_ENDPOINT },
	/* NXP LX2xx0/LX2xx2 root ports */
	{ 0x1957, 0x8d80, 0x8d83, Q_NXP_RP },
	{ 0x1957, 0x8d88, 0x8d8b, Q_NXP_RP },
	{ 0x1957, 0x8d90, 0x8d93, Q_NXP_RP },
	{ 0x1957, 0x8d98, 0x8d9b, Q_NXP_RP },
	{ 0x1957, 0x8da0, 0x8da1, Q_NXP_RP },
	{ 0x1957, 0x8da8, 0x8da9, Q_NXP_RP },
	{ 0x1957, 0x8db0, 0x8db1, Q_NXP_RP },
	{ 0x1957, 0x8db8, 0x8db9, Q_NXP_RP },
	{ 0x1d17, 0x0000, ANY, Q_ZHAOXIN_PORTS },
	{ 0x8088, 0x0000, ANY, Q_WANGXUN },
};

/* The root ports of pci_quirk_intel_pch_acs_ids[]: ranges of it. */
static const struct {
	uint16_t lo, hi;
} intel_pch_ids[] = {
	{ 0x3b42, 0x3b51 },								/* Ibexpeak */
	{ 0x1c10, 0x1c1f },								/* Cougarpoint */
	{ 0x1e10, 0x1e1f },								/* Pantherpoint */
	{ 0x8c10, 0x8c1f },								/* Lynxpoint-H */
	{ 0x9c10, 0x9c1b },								/* Lynxpoint-LP */
	{ 0x9c90, 0x9c9b },								/* Wildcat */
	{ 0x1d10, 0x1d10 }, { 0x1d12, 0x1d12 }, { 0x1d14, 0x1d14 }, { 0x1d16, 0x1d16 }, /* Patsburg */
	{ 0x1d18, 0x1d18 }, { 0x1d1a, 0x1d1a }, { 0x1d1c, 0x1d1c }, { 0x1d1e, 0x1d1e },
	{ 0x8d10, 0x8d1e },								/* Wellsburg */
	{ 0x8c90, 0x8c90 }, { 0x8c92, 0x8c92 }, { 0x8c94, 0x8c94 }, { 0x8c96, 0x8c96 }, /* 9 series */
	{ 0x8c98, 0x8c98 }, { 0x8c9a, 0x8c9a }, { 0x8c9c, 0x8c9c }, { 0x8c9e, 0x8c9e },
};

static bool is_root_port(const struct dda_pnode *n)
{
	return n->pcie && n->type == PCI_EXP_TYPE_ROOT_PORT;
}

bool dda_predict_intel_pch(const struct dda_pnode *n)
{
	if (n->vendor != 0x8086 || !is_root_port(n))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(intel_pch_ids); i++)
		if (n->device >= intel_pch_ids[i].lo && n->device <= intel_pch_ids[i].hi)
			return true;
	return false;
}

/* pci_quirk_intel_spt_pch_acs_match(): Sunrise Point, Union Point and
 * 7th/8th gen mobile root ports, whose ACS control sits at +8. */
static bool intel_spt(const struct dda_pnode *n)
{
	uint16_t d = n->device;

	return n->vendor == 0x8086 && is_root_port(n) &&
	       ((d >= 0xa110 && d <= 0xa11f) || (d >= 0xa167 && d <= 0xa16a) || (d >= 0xa290 && d <= 0xa29f) ||
		(d >= 0xa2e7 && d <= 0xa2ee) || (d >= 0x9d10 && d <= 0x9d1b));
}

bool dda_predict_std_enable(const struct dda_pnode *n)
{
	/* pci_dev_specific_enable_acs() returns 0 for both, and then
	 * pci_enable_acs() leaves the standard controls alone. */
	return !dda_predict_intel_pch(n) && !(intel_spt(n) && n->has_acs);
}

/* pci_acs_ctrl_enabled(): every flag asked for is among those given. */
static int ctrl_enabled(uint16_t flags, uint16_t ctrl)
{
	return (flags & ctrl) == flags;
}

/* One quirk's answer: -1 for -ENOTTY/-ENODEV (the search goes on). */
static int run_quirk(enum quirk q, const struct dda_pnode *n, uint16_t flags, const struct dda_acs_env *env)
{
	uint16_t d = n->device;

	switch (q) {
	case Q_AMD_SB:
		/* Only where an IVRS table describes an AMD IOMMU. */
		if (!n->multifunction || !n->root_bus || !env->ivrs)
			return -1;
		return ctrl_enabled(flags & (RR | CR | EC | DT), RR | CR);
	case Q_MF_ENDPOINT: return ctrl_enabled(flags, SV | TB | RR | CR | UF | DT);
	case Q_RCIEP:
		/* pci_pcie_type() of a conventional function reads 0. */
		if ((n->pcie ? n->type : 0) != PCI_EXP_TYPE_ROOT_INT_EP)
			return -1;
		return ctrl_enabled(flags, SV | RR | CR | UF);
	case Q_QCOM_RP:
	case Q_XGENE:
	case Q_BRCM:
	case Q_LOONGSON:
	case Q_NXP_RP: return ctrl_enabled(flags, SV | RR | CR | UF);
	case Q_INTEL_PCH:
		if (!dda_predict_intel_pch(n))
			return -1;
		/* PCI_DEV_FLAGS_ACS_ENABLED_QUIRK is set when the LPC's RCBA
		 * is enabled; unknown counts as enabled, flagged by the caller. */
		return ctrl_enabled(flags, n->rcba != 0 ? (SV | RR | CR | UF) : 0);
	case Q_INTEL_SPT:
		if (!intel_spt(n) || !n->has_acs)
			return -1;
		/* Its quirk enabled every capability bit at +8 at probe. */
		return 1;
	case Q_CAVIUM:
		if (!is_root_port(n) || !((d >= 0xa000 && d <= 0xa7ff) || d == 0xaf84 || d == 0xb884))
			return -1;
		return ctrl_enabled(flags, SV | RR | CR | UF);
	case Q_AL:
		if ((n->pcie ? n->type : 0) != PCI_EXP_TYPE_ROOT_PORT)
			return -1;
		return (flags & ~(SV | RR | CR | UF)) ? 0 : 1;
	case Q_ZHAOXIN_PORTS:
		if (!n->pcie || (n->type != PCI_EXP_TYPE_ROOT_PORT && n->type != PCI_EXP_TYPE_DOWNSTREAM))
			return -1;
		if ((d >= 0x0710 && d <= 0x071e) || d == 0x0721 || (d >= 0x0723 && d <= 0x0752))
			return ctrl_enabled(flags, SV | RR | CR | UF);
		/* Other Zhaoxin ports are taken to implement ACS per the
		 * spec; the quirk still answers "no" for them. */
		return 0;
	case Q_WANGXUN:
		if ((d >= 0x0100 && d <= 0x010f) || d == 0x1001 || d == 0x2001 || d == 0x5010 || d == 0x5025 ||
		    d == 0x5040 || d == 0x5110 || d == 0x5125 || d == 0x5140)
			return ctrl_enabled(flags, SV | RR | CR | UF);
		return 0;
	}
	return -1;
}

/* pcie_acs_overrides() of the override patch: never for conventional
 * functions or ones with an ACS capability, whatever its controls. */
static int acs_override(const struct dda_pnode *n, const struct dda_predict_opts *o)
{
	if (!o || !n->pcie || n->has_acs)
		return -1;
	for (size_t i = 0; i < o->noverride_ids; i++)
		if (o->override_ids[i].vendor == n->vendor && o->override_ids[i].device == n->device)
			return 1;
	switch (n->type) {
	case PCI_EXP_TYPE_DOWNSTREAM:
	case PCI_EXP_TYPE_ROOT_PORT:
		if (o->acs_override & DDA_ACS_OVERRIDE_DOWNSTREAM)
			return 1;
		break;
	case PCI_EXP_TYPE_ENDPOINT:
	case PCI_EXP_TYPE_UPSTREAM:
	case PCI_EXP_TYPE_LEG_END:
	case PCI_EXP_TYPE_ROOT_INT_EP:
		if ((o->acs_override & DDA_ACS_OVERRIDE_MULTIFUNCTION) && n->multifunction)
			return 1;
		break;
	default: break;
	}
	return -1;
}

int dda_predict_acs_quirk(const struct dda_pnode *n, uint16_t flags, const struct dda_acs_env *env,
			  const char **ret_quirk)
{
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(acs_table); i++) {
		const struct acs_entry *e = &acs_table[i];

		if (e->vendor != n->vendor || n->device < e->lo || n->device > e->hi)
			continue;
		r = run_quirk(e->q, n, flags, env);
		if (r >= 0) {
			*ret_quirk = quirk_names[e->q];
			return r;
		}
	}
	r = acs_override(n, env->opts);
	if (r >= 0)
		*ret_quirk = "pcie_acs_override";
	return r;
}

static void add_alias(struct dda_pnode *n, unsigned devfn, const char *quirk)
{
	n->alias[devfn / 8] |= (uint8_t)(1u << (devfn % 8));
	n->aliased = true;
	n->alias_quirk = quirk;
}

#define DEVFN(slot, fn) (((slot) << 3) | (fn))

void dda_predict_dma_quirks(struct dda_pnode *n)
{
	/* quirk_dma_func1_alias ids */
	static const struct {
		uint16_t vendor, device;
	} func1[] = {
		{ 0x1b4b, 0x9120 }, { 0x1b4b, 0x9123 }, { 0x1b4b, 0x9125 }, { 0x1b4b, 0x9128 }, { 0x1b4b, 0x9130 },
		{ 0x1b4b, 0x9170 }, { 0x1b4b, 0x9172 }, { 0x1b4b, 0x917a }, { 0x1b4b, 0x9182 }, { 0x1b4b, 0x9183 },
		{ 0x1b4b, 0x91a0 }, { 0x1b4b, 0x9215 }, { 0x1b4b, 0x9220 }, { 0x1b4b, 0x9230 }, { 0x1b4b, 0x9235 },
		{ 0x1103, 0x0642 }, { 0x1103, 0x0645 }, { 0x197b, 0x2392 }, { 0x1c28, 0x0122 },
	};
	unsigned slot = n->devfn >> 3, fn = n->devfn & 7;

	/* quirk_dma_func0_alias: Ricoh, Glenfly */
	if (((n->vendor == 0x1180 && (n->device == 0xe832 || n->device == 0xe476)) ||
	     (n->vendor == 0x6766 && (n->device == 0x3d40 || n->device == 0x3d41))) &&
	    fn != 0)
		add_alias(n, DEVFN(slot, 0), "quirk_dma_func0_alias");
	for (size_t i = 0; i < ARRAY_SIZE(func1); i++)
		if (n->vendor == func1[i].vendor && n->device == func1[i].device && fn != 1)
			add_alias(n, DEVFN(slot, 1), "quirk_dma_func1_alias");
	/* quirk_fixed_dma_alias: Adaptec 3405 and 3805 */
	if (n->vendor == 0x9005 && n->device == 0x0285 && n->subvendor == 0x9005 &&
	    (n->subdevice == 0x02bb || n->subdevice == 0x02bc))
		add_alias(n, DEVFN(1, 0), "quirk_fixed_dma_alias");
	/* quirk_mic_x200_dma_alias */
	if (n->vendor == 0x8086 && (n->device == 0x2260 || n->device == 0x2264)) {
		add_alias(n, DEVFN(0x10, 0), "quirk_mic_x200_dma_alias");
		add_alias(n, DEVFN(0x11, 0), "quirk_mic_x200_dma_alias");
		add_alias(n, DEVFN(0x12, 3), "quirk_mic_x200_dma_alias");
	}
	/* quirk_pex_vca_alias: functions 0-4 of every slot */
	if (n->vendor == 0x8086 &&
	    ((n->device >= 0x2954 && n->device <= 0x2956) || (n->device >= 0x2958 && n->device <= 0x295a)))
		for (unsigned s = 0; s < 0x20; s++)
			for (unsigned f = 0; f < 5; f++)
				add_alias(n, DEVFN(s, f), "quirk_pex_vca_alias");
	/* quirk_bridge_cavm_thrx2_pcie_root */
	if (n->vendor == 0x14e4 && (n->device == 0x9000 || n->device == 0x9084))
		n->xlate_root = true;
}
