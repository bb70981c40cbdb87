/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IOMMU group predictor (predict.c, predict-acs.c) on fake trees.
 * Each tree declares the groups Linux 6.12 gives it (worked out from
 * pci_device_group() and the quirks, as the comments say); the prediction
 * must form the same partition, for the reason named.  The trees are also
 * predicted with their groups taken away and written back (materialise).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "predict.h"

#define ACS_NONE 0x0000

static struct dda_prediction *predict(struct fx *f, const struct dda_predict_opts *o)
{
	struct dda_prediction *p = NULL;

	if (dda_predict_groups(f->ctx, o, &p) < 0)
		fail_msg("dda_predict_groups: %s", dda_last_error()->message);
	return p;
}

static const struct dda_predicted *pred(const struct dda_prediction *p, const char *name)
{
	struct dda_pciaddr a;
	const struct dda_predicted *d;

	assert_int_equal(dda_pciaddr_parse(name, &a), 0);
	d = dda_prediction_find(p, &a);
	if (!d)
		fail_msg("no prediction for %s", name);
	return d;
}

/* The declared groups and the predicted ones are the same partition. */
static void expect_declared(struct fx *f, const struct dda_predict_opts *o)
{
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = predict(f, o);
	struct dda_host *h;

	dda_host_free(f->h);
	MUST(dda_host_scan(f->ctx, &f->h, 0));
	h = f->h;
	assert_int_equal(p->ndevs, h->ndevs);
	for (size_t i = 0; i < h->ndevs; i++)
		for (size_t j = 0; j < h->ndevs; j++) {
			const struct dda_predicted *a = pred(p, h->devs[i].name), *b = pred(p, h->devs[j].name);
			bool real = h->devs[i].group_id == h->devs[j].group_id;

			if (real != (a->group == b->group))
				fail_msg("%s and %s: declared %s group, predicted %s (%s | %s)", a->name, b->name,
					 real ? "one" : "different", real ? "different" : "one", a->reason, b->reason);
		}
}

static bool same(const struct dda_prediction *p, const char *a, const char *b)
{
	return pred(p, a)->group == pred(p, b)->group;
}

/* ---------------------------------------------------------------- switches */

#define US  "0000:01:00.0"
#define DS1 "0000:02:01.0"
#define DS2 "0000:02:02.0"
#define E1  "0000:03:00.0"
#define E2  "0000:04:00.0"

/* Root port with ACS, a switch, an endpoint under each downstream port. */
static void add_switch(struct fx *f, uint16_t ds_acs, int g_ds1, int g_ds2, int g_e1, int g_e2)
{
	base(f);
	ADD(f, .addr = US, .parent = RP, .type = FH_UPSTREAM, .vendor = 0x1b36, .device = 0x000e, .group = FH_GROUP(2));
	ADD(f, .addr = DS1, .parent = US, .type = FH_DOWNSTREAM, .vendor = 0x104c, .device = 0x8233,
	    .caps = ds_acs ? FH_ACS : 0, .acs_ctrl = ds_acs, .group = FH_GROUP(g_ds1));
	ADD(f, .addr = DS2, .parent = US, .type = FH_DOWNSTREAM, .vendor = 0x104c, .device = 0x8233,
	    .caps = ds_acs ? FH_ACS : 0, .acs_ctrl = ds_acs, .group = FH_GROUP(g_ds2));
	ADD(f, .addr = E1, .parent = DS1, .vendor = 0x8086, .device = 0x10d3, .caps = FH_MSI, .group = FH_GROUP(g_e1));
	ADD(f, .addr = E2, .parent = DS2, .vendor = 0x8086, .device = 0x10d3, .caps = FH_MSI, .group = FH_GROUP(g_e2));
}

/* Downstream ports with ACS: each endpoint alone. */
static void test_switch_acs(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	add_switch(f, ACS_FULL, 3, 4, 5, 6);
	expect_declared(f, NULL);
	p = predict(f, NULL);
	assert_int_equal(pred(p, E1)->why, DDA_PREDICT_OWN);
	assert_int_equal(p->ngroups, 7);
	/* numbered in probe order: bus 0, 1, 2, then 3 and 4 */
	assert_int_equal(pred(p, DS1)->group, 3);
	assert_int_equal(pred(p, E2)->group, 6);
}

/* Without ACS on the downstream ports each endpoint joins its port. */
static void test_switch_no_acs(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	add_switch(f, ACS_NONE, 3, 4, 3, 4);
	expect_declared(f, NULL);
	p = predict(f, NULL);
	assert_int_equal(pred(p, E1)->why, DDA_PREDICT_UPSTREAM_ACS);
	assert_string_equal(pred(p, E1)->via, DS1);
	assert_non_null(strstr(pred(p, E1)->reason, "no ACS capability"));
	assert_false(same(p, E1, E2));
}

/* An ACS capability whose controls firmware left off: the kernel turns
 * them on at probe (pci_enable_acs), so the ports still isolate. */
static void test_switch_acs_off_enabled_at_probe(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	base(f);
	ADD(f, .addr = US, .parent = RP, .type = FH_UPSTREAM, .vendor = 0x1b36, .device = 0x000e);
	ADD(f, .addr = DS1, .parent = US, .type = FH_DOWNSTREAM, .caps = FH_ACS, .acs_ctrl = 0);
	ADD(f, .addr = E1, .parent = DS1, .vendor = 0x8086, .device = 0x10d3);
	p = predict(f, NULL);
	assert_false(same(p, E1, DS1));
}

/* A root port without ACS puts the whole switch below it in its group. */
static void test_nested_switch(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	iommu_on(f);
	ADD(f, .addr = HB, .type = FH_HOST_BRIDGE, .vendor = 0x8086, .device = 0x3e30, .group = FH_GROUP(0));
	ADD(f, .addr = RP, .type = FH_ROOT_PORT, .vendor = 0x1b36, .device = 0x000c, .group = FH_GROUP(1));
	ADD(f, .addr = US, .parent = RP, .type = FH_UPSTREAM, .group = FH_GROUP(1));
	ADD(f, .addr = DS1, .parent = US, .type = FH_DOWNSTREAM, .caps = FH_ACS, .acs_ctrl = ACS_FULL,
	    .group = FH_GROUP(1));
	/* a second switch below the first */
	ADD(f, .addr = "0000:03:00.0", .parent = DS1, .type = FH_UPSTREAM, .group = FH_GROUP(1));
	ADD(f, .addr = "0000:04:00.0", .parent = "0000:03:00.0", .type = FH_DOWNSTREAM, .caps = FH_ACS,
	    .acs_ctrl = ACS_FULL, .group = FH_GROUP(1));
	ADD(f, .addr = "0000:05:00.0", .parent = "0000:04:00.0", .group = FH_GROUP(1));
	expect_declared(f, NULL);
	p = predict(f, NULL);
	assert_int_equal(pred(p, "0000:05:00.0")->why, DDA_PREDICT_UPSTREAM_ACS);
	assert_string_equal(pred(p, "0000:05:00.0")->via, RP);
	/* the override patch's "downstream" trusts the port without ACS */
	{
		struct dda_predict_opts o = { 0 };
		_cleanup_(dda_prediction_freep) struct dda_prediction *q = NULL;

		MUST(dda_predict_parse_override("downstream", &o));
		q = predict(f, &o);
		assert_false(same(q, RP, "0000:05:00.0"));
		assert_false(same(q, US, "0000:05:00.0"));
		assert_string_equal(pred(q, US)->quirk ? pred(q, US)->quirk : "", "pcie_acs_override");
	}
}

/* ---------------------------------------------------------------- multifunction */

/* Two functions below a root port with ACS: together without ACS of
 * their own, apart with it, and apart under the "multifunction" override. */
static void test_multifunction(void **state)
{
	struct fx *f = *state;
	struct dda_predict_opts o = { 0 };
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL, *q = NULL;

	base(f);
	ADD(f, .addr = EP, .parent = RP, .multifunction = true, .vendor = 0x8086, .device = 0x10d3,
	    .group = FH_GROUP(2));
	ADD(f, .addr = EP_F1, .parent = RP, .vendor = 0x1af4, .device = 0x1044, .group = FH_GROUP(2));
	expect_declared(f, NULL);
	p = predict(f, NULL);
	assert_int_equal(pred(p, EP_F1)->why, DDA_PREDICT_MULTIFUNCTION);
	assert_string_equal(pred(p, EP_F1)->via, EP);
	MUST(dda_predict_parse_override("multifunction", &o));
	q = predict(f, &o);
	assert_false(same(q, EP, EP_F1));
}

static void test_multifunction_acs(void **state)
{
	struct fx *f = *state;

	base(f);
	ADD(f, .addr = EP, .parent = RP, .multifunction = true, .caps = FH_ACS, .acs_cap = 0x000c, .acs_ctrl = 0x000c,
	    .group = FH_GROUP(2));
	ADD(f, .addr = EP_F1, .parent = RP, .caps = FH_ACS, .acs_cap = 0x000c, .acs_ctrl = 0x000c, .group = FH_GROUP(3));
	expect_declared(f, NULL);
}

/* A GPU and its HDMI audio function: one group, as on every such card. */
static void test_gpu_audio(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	base(f);
	ADD(f, .addr = EP, .parent = RP, .multifunction = true, .vendor = 0x10de, .device = 0x2684, .class = 0x030000,
	    .caps = FH_PM | FH_MSI, .group = FH_GROUP(2));
	ADD(f, .addr = EP_F1, .parent = RP, .vendor = 0x10de, .device = 0x22ba, .class = 0x040300,
	    .caps = FH_PM | FH_MSI, .group = FH_GROUP(2));
	expect_declared(f, NULL);
	p = predict(f, NULL);
	assert_non_null(strstr(pred(p, EP_F1)->reason, "multifunction"));
}

/* An Intel multifunction NIC the kernel knows isolates its functions. */
static void test_mf_endpoint_quirk(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	base(f);
	/* I350 (8086:1521), no ACS capability: pci_quirk_mf_endpoint_acs */
	ADD(f, .addr = EP, .parent = RP, .multifunction = true, .vendor = 0x8086, .device = 0x1521,
	    .group = FH_GROUP(2));
	ADD(f, .addr = EP_F1, .parent = RP, .vendor = 0x8086, .device = 0x1521, .group = FH_GROUP(3));
	expect_declared(f, NULL);
	p = predict(f, NULL);
	assert_int_equal(pred(p, EP_F1)->why, DDA_PREDICT_OWN);
	assert_string_equal(pred(p, EP_F1)->quirk, "pci_quirk_mf_endpoint_acs");
}

/* A Ricoh function that DMAs with function 0's requester ID: the two
 * share although both isolate with ACS (quirk_dma_func0_alias). */
static void test_dma_alias_quirk(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	base(f);
	ADD(f, .addr = EP, .parent = RP, .multifunction = true, .vendor = 0x1180, .device = 0xe822, .caps = FH_ACS,
	    .acs_cap = 0x000c, .acs_ctrl = 0x000c, .group = FH_GROUP(2));
	ADD(f, .addr = EP_F1, .parent = RP, .vendor = 0x1180, .device = 0xe832, .caps = FH_ACS, .acs_cap = 0x000c,
	    .acs_ctrl = 0x000c, .group = FH_GROUP(2));
	expect_declared(f, NULL);
	p = predict(f, NULL);
	assert_int_equal(pred(p, EP_F1)->why, DDA_PREDICT_DMA_ALIAS);
	assert_string_equal(pred(p, EP_F1)->quirk, "quirk_dma_func0_alias");
}

/* ---------------------------------------------------------------- conventional PCI */

/* A PCIe-to-PCI bridge below a switch: the bus behind it is one group
 * with the bridge, the switch's other port stays apart. */
static void test_pcie_to_pci_behind_switch(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	add_switch(f, ACS_FULL, 3, 4, 5, 6);
	ADD(f, .addr = "0000:02:03.0", .parent = US, .type = FH_DOWNSTREAM, .caps = FH_ACS, .acs_ctrl = ACS_FULL,
	    .group = FH_GROUP(7));
	ADD(f, .addr = "0000:05:00.0", .parent = "0000:02:03.0", .type = FH_PCIE_TO_PCI, .vendor = 0x1b36,
	    .device = 0x000e, .group = FH_GROUP(8));
	ADD(f, .addr = "0000:06:01.0", .parent = "0000:05:00.0", .type = FH_PCI, .vendor = 0x8086, .device = 0x100e,
	    .group = FH_GROUP(8));
	ADD(f, .addr = "0000:06:02.0", .parent = "0000:05:00.0", .type = FH_PCI, .vendor = 0x8086, .device = 0x100e,
	    .group = FH_GROUP(8));
	expect_declared(f, NULL);
	p = predict(f, NULL);
	assert_int_equal(pred(p, "0000:06:02.0")->why, DDA_PREDICT_ALIAS_BRIDGE);
	assert_string_equal(pred(p, "0000:06:02.0")->via, "0000:05:00.0");
}

/* Root-complex integrated endpoints on the root bus: each alone, and the
 * functions of a multifunction one from Intel too (pci_quirk_rciep_acs). */
static void test_rciep(void **state)
{
	struct fx *f = *state;

	iommu_on(f);
	ADD(f, .addr = HB, .type = FH_HOST_BRIDGE, .vendor = 0x8086, .device = 0x3e30, .group = FH_GROUP(0));
	ADD(f, .addr = "0000:00:02.0", .type = FH_RCIEP, .vendor = 0x8086, .device = 0x3e92, .group = FH_GROUP(1));
	ADD(f, .addr = "0000:00:14.0", .type = FH_RCIEP, .vendor = 0x8086, .device = 0xa36d, .multifunction = true,
	    .group = FH_GROUP(2));
	ADD(f, .addr = "0000:00:14.2", .type = FH_RCIEP, .vendor = 0x8086, .device = 0xa36f, .group = FH_GROUP(3));
	/* another vendor's multifunction RCiEP without ACS: together */
	ADD(f, .addr = "0000:00:18.0", .type = FH_RCIEP, .vendor = 0x1022, .device = 0x1450, .multifunction = true,
	    .group = FH_GROUP(4));
	ADD(f, .addr = "0000:00:18.1", .type = FH_RCIEP, .vendor = 0x1022, .device = 0x1451, .group = FH_GROUP(4));
	/* the PCH's LPC and SMBus: conventional functions of one slot */
	ADD(f, .addr = "0000:00:1f.0", .type = FH_PCI, .vendor = 0x8086, .device = 0xa30e, .class = 0x060100,
	    .multifunction = true, .group = FH_GROUP(5));
	ADD(f, .addr = "0000:00:1f.4", .type = FH_PCI, .vendor = 0x8086, .device = 0xa323, .class = 0x0c0500,
	    .group = FH_GROUP(5));
	expect_declared(f, NULL);
}

/* ---------------------------------------------------------------- real hardware */

/* VFs read 0xffff for their ids; each is a group of its own below a port
 * with ACS, named by the PF's VF device id. */
static void test_vfs(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	base(f);
	ADD(f, .addr = EP, .parent = RP, .vendor = 0x8086, .device = 0x1572, .class = 0x020000,
	    .caps = FH_PM | FH_MSIX | FH_FLR | FH_ARI | FH_SRIOV, .sriov_total = 8, .sriov_num = 2, .vf_device = 0x154c,
	    .group = FH_GROUP(2));
	ADD(f, .addr = "0000:01:10.0", .physfn = EP, .caps = FH_MSIX | FH_FLR, .group = FH_GROUP(3));
	ADD(f, .addr = "0000:01:10.1", .physfn = EP, .caps = FH_MSIX | FH_FLR, .group = FH_GROUP(4));
	expect_declared(f, NULL);
	p = predict(f, NULL);
	/* VFs come after every boot function */
	assert_int_equal(pred(p, "0000:01:10.1")->group, 4);
	/* its own ID registers read 0xffff; the kernel names it by the PF */
	{
		char path[PATH_MAX];
		uint8_t id[4];
		FILE *fp;

		test_pathf(path, sizeof(path), "%s/%s/config", fh_root(f->fh), fh_dev_dir(f->fh, "0000:01:10.0"));
		fp = fopen(path, "rb");
		assert_non_null(fp);
		assert_int_equal(fread(id, 1, 4, fp), 4);
		fclose(fp);
		assert_int_equal(id[0] & id[1] & id[2] & id[3], 0xff);
	}
	assert_int_equal(pred(p, "0000:01:10.0")->vendor, 0x8086);
	assert_int_equal(pred(p, "0000:01:10.0")->device, 0x154c);
	assert_int_equal(pred(p, "0000:01:10.0")->why, DDA_PREDICT_OWN);
}

/* Two Intel Cougar Point root ports without an ACS capability, functions
 * of one slot, a NIC below each, and the LPC bridge at 1f.0 with the given
 * RCBA register; groups as declared: (ports, NICs) = g[0..3]. */
static void add_pch(struct fx *f, uint32_t rcba, const int g[4])
{
	iommu_on(f);
	ADD(f, .addr = HB, .type = FH_HOST_BRIDGE, .vendor = 0x8086, .device = 0x0100, .group = FH_GROUP(10));
	ADD(f, .addr = "0000:00:1c.0", .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1c10, .multifunction = true,
	    .group = FH_GROUP(g[0]));
	ADD(f, .addr = "0000:00:1c.1", .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1c12,
	    .group = FH_GROUP(g[1]));
	ADD(f, .addr = "0000:00:1f.0", .type = FH_PCI, .vendor = 0x8086, .device = 0x1c44, .class = 0x060100,
	    .group = FH_GROUP(11));
	patch32(f, "0000:00:1f.0", 0xf0, rcba);
	ADD(f, .addr = "0000:02:00.0", .parent = "0000:00:1c.0", .vendor = 0x10ec, .device = 0x8168,
	    .group = FH_GROUP(g[2]));
	ADD(f, .addr = "0000:03:00.0", .parent = "0000:00:1c.1", .vendor = 0x10ec, .device = 0x8168,
	    .group = FH_GROUP(g[3]));
}

/* The PCH quirk isolates the ports when the LPC bridge's RCBA is enabled
 * (bit 0; here at 0xfed1c000). */
static void test_intel_pch_quirk(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	add_pch(f, 0xfed1c001, (const int[]){ 1, 2, 4, 5 });
	expect_declared(f, NULL);
	p = predict(f, NULL);
	assert_string_equal(pred(p, "0000:02:00.0")->quirk, "pci_quirk_intel_pch_acs");
}

/* With RCBA off the quirk cannot enable its ACS equivalent and says the
 * ports do not isolate: both ports and all below them are one group.
 * Without the LPC function, the model cannot tell. */
static void test_intel_pch_rcba_off(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	add_pch(f, 0xfed1c000, (const int[]){ 1, 1, 1, 1 });
	expect_declared(f, NULL);
	p = predict(f, NULL);
	assert_string_equal(pred(p, "0000:02:00.0")->quirk, "pci_quirk_intel_pch_acs");
	assert_false(pred(p, "0000:02:00.0")->uncertain);
}

static void test_intel_pch_no_lpc(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	iommu_on(f);
	ADD(f, .addr = "0000:00:1c.0", .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0x1c10);
	ADD(f, .addr = "0000:02:00.0", .parent = "0000:00:1c.0");
	p = predict(f, NULL);
	assert_true(pred(p, "0000:02:00.0")->uncertain);
	assert_non_null(strstr(pred(p, "0000:02:00.0")->note, "RCBA"));
}

/* The same root ports where the quirk does not apply (a later PCH id
 * without ACS): the two functions and all below them are one group. */
static void test_intel_root_port_unquirked(void **state)
{
	struct fx *f = *state;

	iommu_on(f);
	ADD(f, .addr = HB, .type = FH_HOST_BRIDGE, .vendor = 0x8086, .device = 0x3e30, .group = FH_GROUP(0));
	ADD(f, .addr = "0000:00:1c.0", .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0xa338, .multifunction = true,
	    .group = FH_GROUP(1));
	ADD(f, .addr = "0000:00:1c.1", .type = FH_ROOT_PORT, .vendor = 0x8086, .device = 0xa339, .group = FH_GROUP(1));
	ADD(f, .addr = "0000:02:00.0", .parent = "0000:00:1c.0", .group = FH_GROUP(1));
	ADD(f, .addr = "0000:03:00.0", .parent = "0000:00:1c.1", .group = FH_GROUP(1));
	expect_declared(f, NULL);
}

/* AMD southbridge functions on the root bus isolate only where an IVRS
 * table describes an AMD IOMMU (pci_quirk_amd_sb_acs). */
static void test_amd_sb_quirk(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL, *q = NULL;

	ADD(f, .addr = "0000:00:14.0", .type = FH_PCI, .vendor = 0x1002, .device = 0x4385, .multifunction = true);
	ADD(f, .addr = "0000:00:14.3", .type = FH_PCI, .vendor = 0x1002, .device = 0x439d);
	p = predict(f, NULL);
	assert_true(same(p, "0000:00:14.0", "0000:00:14.3"));
	tree_mkdir(f, "sys/firmware/acpi/tables");
	put_file(f, "sys/firmware/acpi/tables/IVRS", "IVRS");
	q = predict(f, NULL);
	assert_false(same(q, "0000:00:14.0", "0000:00:14.3"));
	assert_string_equal(pred(q, "0000:00:14.3")->quirk, "pci_quirk_amd_sb_acs");
	assert_non_null(strstr(pred(q, "0000:00:14.3")->reason, "pci_quirk_amd_sb_acs"));
}

/* Zhaoxin's port quirk answers "no" for the ports outside its id ranges,
 * even with an ACS capability, and "yes" for those in them. */
static void test_zhaoxin_ports(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	ADD(f, .addr = "0000:00:01.0", .type = FH_ROOT_PORT, .vendor = 0x1d17, .device = 0x0800, .caps = FH_ACS,
	    .acs_ctrl = ACS_FULL, .group = FH_GROUP(0));
	ADD(f, .addr = "0000:01:00.0", .parent = "0000:00:01.0", .group = FH_GROUP(0));
	ADD(f, .addr = "0000:00:02.0", .type = FH_ROOT_PORT, .vendor = 0x1d17, .device = 0x0715, .group = FH_GROUP(1));
	ADD(f, .addr = "0000:02:00.0", .parent = "0000:00:02.0", .group = FH_GROUP(2));
	expect_declared(f, NULL);
	p = predict(f, NULL);
	assert_string_equal(pred(p, "0000:01:00.0")->quirk, "pci_quirk_zhaoxin_pcie_ports_acs");
	assert_string_equal(pred(p, "0000:02:00.0")->quirk, "pci_quirk_zhaoxin_pcie_ports_acs");
}

/* ---------------------------------------------------------------- what if, write back */

static void test_without(void **state)
{
	struct fx *f = *state;
	struct dda_pciaddr gone;
	struct dda_predict_opts o = { .without = &gone, .nwithout = 1 };
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	add_switch(f, ACS_NONE, 3, 4, 3, 4);
	assert_int_equal(dda_pciaddr_parse(DS1, &gone), 0);
	p = predict(f, &o);
	/* the port and the endpoint below it are gone */
	assert_int_equal(p->ndevs, 5);
	assert_null(dda_prediction_find(p, &gone));
	assert_int_equal(dda_pciaddr_parse("0000:00:1f.7", &gone), 0);
	assert_int_equal(dda_predict_groups(f->ctx, &o, &(struct dda_prediction *){ NULL }), -ENODEV);
}

/* Taking out one function of a slot without ACS leaves the others
 * together; an id override isolates the named function only. */
static void test_what_if_multifunction(void **state)
{
	struct fx *f = *state;
	struct dda_pciaddr gone;
	struct dda_predict_opts o = { .without = &gone, .nwithout = 1 };
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL, *q = NULL;

	base(f);
	ADD(f, .addr = EP, .parent = RP, .multifunction = true, .vendor = 0x10de, .device = 0x2684);
	ADD(f, .addr = EP_F1, .parent = RP, .vendor = 0x10de, .device = 0x22ba);
	ADD(f, .addr = "0000:01:00.2", .parent = RP, .vendor = 0x10de, .device = 0x1ad8);
	assert_int_equal(dda_pciaddr_parse(EP_F1, &gone), 0);
	p = predict(f, &o);
	assert_int_equal(p->ndevs, 4);
	assert_true(same(p, EP, "0000:01:00.2"));
	dda_prediction_free(TAKE_PTR(p));
	/* without function 0 the kernel finds none of the slot */
	assert_int_equal(dda_pciaddr_parse(EP, &gone), 0);
	p = predict(f, &o);
	assert_int_equal(p->ndevs, 2);
	o.nwithout = 0;
	/* the patch's id: both functions of a pair must be trusted to part */
	MUST(dda_predict_parse_override("id:10de:22ba", &o));
	q = predict(f, &o);
	assert_false(same(q, EP, EP_F1));
	assert_true(same(q, EP, "0000:01:00.2"));
}

/* The override splits each port from its endpoint: both sides of each
 * split differ from the kernel's groups, the rest agree. */
static void test_compare(void **state)
{
	struct fx *f = *state;
	struct dda_predict_opts o = { 0 };
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;
	_cleanup_free_ int *base = NULL;
	size_t n = 0;

	add_switch(f, ACS_NONE, 3, 4, 3, 4);
	scan(f);
	MUST(dda_predict_parse_override("downstream", &o));
	p = predict(f, &o);
	base = calloc(p->ndevs, sizeof(int));
	assert_non_null(base);
	for (size_t i = 0; i < p->ndevs; i++)
		base[i] = dev(f, p->devs[i].name)->group_id;
	MUST(dda_prediction_compare(p, base, &n));
	assert_int_equal(n, 4);
	assert_true(pred(p, E1)->differs);
	assert_true(pred(p, DS2)->differs);
	assert_false(pred(p, US)->differs);
	assert_int_equal(pred(p, E1)->base_group, 3);
	/* against itself nothing differs */
	for (size_t i = 0; i < p->ndevs; i++)
		base[i] = p->devs[i].group;
	MUST(dda_prediction_compare(p, base, &n));
	assert_int_equal(n, 0);
}

static void test_materialise(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	/* no groups at all in the tree */
	add_switch(f, ACS_NONE, 0, 0, 0, 0);
	p = predict(f, NULL);
	MUST(dda_predict_materialise(f->ctx, p));
	MUST(dda_host_scan(f->ctx, &f->h, 0));
	for (size_t i = 0; i < f->h->ndevs; i++)
		assert_int_equal(f->h->devs[i].group_id, pred(p, f->h->devs[i].name)->group);
	assert_ptr_equal(dev(f, E1)->group, dev(f, DS1)->group);
	assert_int_equal(dev(f, E1)->group->nmembers, 2);
	/* twice gives the same tree */
	MUST(dda_predict_materialise(f->ctx, p));
	expect_declared(f, NULL);
}

/* From a host already scanned: the same answer; a scoped scan, which
 * lacks functions that decide groups, is refused. */
static void test_predict_host(void **state)
{
	struct fx *f = *state;
	struct dda_pciaddr a;
	_cleanup_(dda_host_freep) struct dda_host *scoped = NULL;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;
	struct dda_prediction *q = NULL;

	add_switch(f, ACS_NONE, 3, 4, 3, 4);
	scan(f);
	MUST(dda_predict_host(f->h, NULL, &p));
	assert_true(same(p, E1, DS1));
	assert_int_equal(dda_pciaddr_parse(E1, &a), 0);
	MUST(dda_host_scan_for(f->ctx, &scoped, 0, &a, 1));
	assert_true(scoped->ndevs < scoped->nfunctions);
	assert_int_equal(dda_predict_host(scoped, NULL, &q), -EINVAL);
	assert_null(q);
}

/* Read as a user, config space stops at 64 bytes: the prediction says
 * it cannot know what the functions are. */
static void test_unprivileged(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = NULL;

	add_switch(f, ACS_FULL, 3, 4, 5, 6);
	MUST(dda_host_scan(f->ctx, &h, DDA_SCAN_UNPRIVILEGED));
	MUST(dda_predict_host(h, NULL, &p));
	assert_true(pred(p, E1)->uncertain);
	assert_non_null(strstr(pred(p, E1)->note, "PCIe type and ACS are unknown"));
}

static void test_parse(void **state)
{
	struct dda_predict_opts o = { 0 };
	enum dda_predict_kernel k;

	(void)state;
	MUST(dda_predict_parse_override("downstream,id:10de:1b80,multifunction", &o));
	assert_int_equal(o.acs_override, DDA_ACS_OVERRIDE_DOWNSTREAM | DDA_ACS_OVERRIDE_MULTIFUNCTION);
	assert_int_equal(o.noverride_ids, 1);
	assert_int_equal(o.override_ids[0].device, 0x1b80);
	assert_int_equal(dda_predict_parse_override("upstream", &o), -EINVAL);
	assert_int_equal(dda_predict_parse_override("id:10de", &o), -EINVAL);
	MUST(dda_predict_parse_kernel("6.1.0-28-amd64", &k));
	assert_int_equal(k, DDA_PREDICT_KERNEL_6_1);
	MUST(dda_predict_parse_kernel("6.12", &k));
	assert_int_equal(k, DDA_PREDICT_KERNEL_6_12);
	assert_int_equal(dda_predict_parse_kernel("6.10", &k), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_switch_acs),
		T(test_switch_no_acs),
		T(test_switch_acs_off_enabled_at_probe),
		T(test_nested_switch),
		T(test_multifunction),
		T(test_multifunction_acs),
		T(test_gpu_audio),
		T(test_mf_endpoint_quirk),
		T(test_pcie_to_pci_behind_switch),
		T(test_rciep),
		T(test_vfs),
		T(test_intel_pch_quirk),
		T(test_intel_pch_rcba_off),
		T(test_intel_pch_no_lpc),
		T(test_intel_root_port_unquirked),
		T(test_amd_sb_quirk),
		T(test_zhaoxin_ports),
		T(test_dma_alias_quirk),
		T(test_without),
		T(test_what_if_multifunction),
		T(test_compare),
		T(test_materialise),
		T(test_predict_host),
		T(test_unprivileged),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
