/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capability walker (pcicfg.h) on hostile bytes.  Config space comes
 * from devices that can be broken, powered down or malicious, so the walk
 * must end, stay in bounds and say what it could not trust, while keeping
 * what it found before the fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pci/header.h>

#include "pcicfg.h"

#define CFG_LEN 4096

static uint8_t cfg[CFG_LEN];

static void put16(unsigned off, unsigned v)
{
	cfg[off] = (uint8_t)v;
	cfg[off + 1] = (uint8_t)(v >> 8);
}

static void put32(unsigned off, uint32_t v)
{
	put16(off, v & 0xffff);
	put16(off + 2, v >> 16);
}

/* A PCIe endpoint header with an empty capability list. */
static void header(void)
{
	memset(cfg, 0, sizeof(cfg));
	put16(PCI_VENDOR_ID, 0x8086);
	put16(PCI_DEVICE_ID, 0x1572);
	put32(PCI_CLASS_REVISION, 0x02000001);
}

/* Standard capability id at off, linking to next; the first call also
 * sets the list pointer in the header. */
static void std_cap(unsigned off, unsigned id, unsigned next)
{
	if (!(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST)) {
		put16(PCI_STATUS, PCI_STATUS_CAP_LIST);
		cfg[PCI_CAPABILITY_LIST] = (uint8_t)off;
	}
	cfg[off + PCI_CAP_LIST_ID] = (uint8_t)id;
	cfg[off + PCI_CAP_LIST_NEXT] = (uint8_t)next;
}

static void ext_cap(unsigned off, unsigned id, unsigned next)
{
	put32(off, id | 1u << 16 | next << 20);
}

static struct dda_caps parse(size_t len)
{
	struct dda_caps c;

	/* stale values in the output must not survive the parse */
	memset(&c, 0xa5, sizeof(c));
	dda_config_parse(cfg, len, &c);
	return c;
}

/* The layout of a typical NIC: every capability ddactl decides on. */
static void normal_device(void)
{
	header();
	std_cap(0x40, PCI_CAP_ID_PM, 0x50);
	std_cap(0x50, PCI_CAP_ID_MSI, 0x70);
	std_cap(0x70, PCI_CAP_ID_MSIX, 0x80);
	std_cap(0x80, PCI_CAP_ID_AF, 0x88);
	std_cap(0x88, PCI_CAP_ID_VPD, 0xa0);
	std_cap(0xa0, PCI_CAP_ID_EXP, 0xe0);
	std_cap(0xe0, PCI_CAP_ID_PCIX, 0);
	ext_cap(0x100, PCI_EXT_CAP_ID_AER, 0x148);
	ext_cap(0x148, PCI_EXT_CAP_ID_ARI, 0x150);
	ext_cap(0x150, PCI_EXT_CAP_ID_ACS, 0x160);
	ext_cap(0x160, PCI_EXT_CAP_ID_SRIOV, 0x1a0);
	ext_cap(0x1a0, PCI_EXT_CAP_ID_DSN, 0);
}

static void test_normal_list(void **state)
{
	struct dda_caps c;

	(void)state;
	normal_device();
	c = parse(CFG_LEN);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.pm, 0x40);
	assert_int_equal(c.msi, 0x50);
	assert_int_equal(c.msix, 0x70);
	assert_int_equal(c.af, 0x80);
	assert_int_equal(c.pcie, 0xa0);
	assert_int_equal(c.pcix, 0xe0);
	assert_int_equal(c.nstd, 7);
	assert_int_equal(c.ari, 0x148);
	assert_int_equal(c.acs, 0x150);
	assert_int_equal(c.sriov, 0x160);
	assert_int_equal(c.next, 5);
}

static void test_no_cap_list(void **state)
{
	struct dda_caps c;

	(void)state;
	normal_device();
	/* Status says there is no list: the pointer is not followed. */
	put16(PCI_STATUS, 0);
	c = parse(CFG_LEN);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.nstd, 0);
	assert_int_equal(c.pm, 0);
	assert_int_equal(c.pcie, 0);
	/* and without the PCIe capability the extended list is not read */
	assert_int_equal(c.next, 0);
	assert_int_equal(c.acs, 0);
}

static void test_empty_list(void **state)
{
	struct dda_caps c;

	(void)state;
	header();
	put16(PCI_STATUS, PCI_STATUS_CAP_LIST);
	cfg[PCI_CAPABILITY_LIST] = 0;
	c = parse(256);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.nstd, 0);
}

static void test_first_instance_wins(void **state)
{
	struct dda_caps c;

	(void)state;
	header();
	std_cap(0x40, PCI_CAP_ID_MSI, 0x50);
	std_cap(0x50, PCI_CAP_ID_MSI, 0);
	c = parse(256);
	assert_int_equal(c.msi, 0x40);
	assert_int_equal(c.nstd, 2);
	assert_int_equal(c.flags, 0);
}

/* The low two bits of a pointer are reserved; devices set them. */
static void test_pointer_low_bits_masked(void **state)
{
	struct dda_caps c;

	(void)state;
	header();
	std_cap(0x40, PCI_CAP_ID_PM, 0x53);
	std_cap(0x50, PCI_CAP_ID_MSI, 0);
	cfg[PCI_CAPABILITY_LIST] = 0x43;
	c = parse(256);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.pm, 0x40);
	assert_int_equal(c.msi, 0x50);
}

static void test_loop(void **state)
{
	struct dda_caps c;

	(void)state;
	header();
	std_cap(0x40, PCI_CAP_ID_PM, 0x50);
	std_cap(0x50, PCI_CAP_ID_MSI, 0x40);
	c = parse(256);
	assert_true(c.flags & DDA_CFG_LOOPED);
	assert_false(c.flags & DDA_CFG_BROKEN);
	/* each capability counted once, and kept */
	assert_int_equal(c.nstd, 2);
	assert_int_equal(c.pm, 0x40);
	assert_int_equal(c.msi, 0x50);
}

static void test_self_loop(void **state)
{
	struct dda_caps c;

	(void)state;
	header();
	std_cap(0x40, PCI_CAP_ID_MSIX, 0x40);
	c = parse(256);
	assert_true(c.flags & DDA_CFG_LOOPED);
	assert_int_equal(c.nstd, 1);
	assert_int_equal(c.msix, 0x40);
}

/* A loop that enters at a different offset of the same dword. */
static void test_loop_same_dword(void **state)
{
	struct dda_caps c;

	(void)state;
	header();
	std_cap(0x40, PCI_CAP_ID_PM, 0x50);
	std_cap(0x50, PCI_CAP_ID_MSI, 0x42); /* masked to 0x40 */
	c = parse(256);
	assert_true(c.flags & DDA_CFG_LOOPED);
	assert_int_equal(c.nstd, 2);
}

/* The longest chain possible visits every dword once and is no loop. */
static void test_longest_chain(void **state)
{
	struct dda_caps c;

	(void)state;
	header();
	for (unsigned off = 0x40; off < 0x100; off += 4)
		std_cap(off, PCI_CAP_ID_VNDR, off + 4 < 0x100 ? off + 4 : 0);
	c = parse(256);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.nstd, (0x100 - 0x40) / 4);
}

static void test_pointer_into_header(void **state)
{
	struct dda_caps c;

	(void)state;
	header();
	std_cap(0x40, PCI_CAP_ID_PM, 0);
	cfg[PCI_CAPABILITY_LIST] = 0x3c;
	c = parse(256);
	assert_true(c.flags & DDA_CFG_BROKEN);
	assert_int_equal(c.nstd, 0);
	assert_int_equal(c.pm, 0);

	/* in the middle of the list: what came before stays valid */
	header();
	std_cap(0x40, PCI_CAP_ID_PM, 0x50);
	std_cap(0x50, PCI_CAP_ID_MSI, 0x10);
	c = parse(256);
	assert_true(c.flags & DDA_CFG_BROKEN);
	assert_int_equal(c.pm, 0x40);
	assert_int_equal(c.msi, 0x50);
	assert_int_equal(c.nstd, 2);
}

/* 0xfc is the last dword a capability header fits in; 0xff masks to it. */
static void test_pointer_at_end(void **state)
{
	struct dda_caps c;

	(void)state;
	header();
	std_cap(0x40, PCI_CAP_ID_PM, 0xff);
	std_cap(0xfc, PCI_CAP_ID_MSI, 0);
	c = parse(256);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.msi, 0xfc);
	assert_int_equal(c.nstd, 2);
}

static void test_cap_id_ff(void **state)
{
	struct dda_caps c;

	(void)state;
	header();
	std_cap(0x40, PCI_CAP_ID_PM, 0x50);
	std_cap(0x50, 0xff, 0x60);
	std_cap(0x60, PCI_CAP_ID_MSI, 0);
	c = parse(256);
	assert_true(c.flags & DDA_CFG_BROKEN);
	assert_int_equal(c.pm, 0x40);
	/* nothing after the 0xff entry is believed */
	assert_int_equal(c.msi, 0);
	assert_int_equal(c.nstd, 1);
}

static void test_all_ones(void **state)
{
	struct dda_caps c;

	(void)state;
	memset(cfg, 0xff, sizeof(cfg));
	c = parse(CFG_LEN);
	/* powered down or gone: no capability is believed, none flagged broken */
	assert_int_equal(c.flags, DDA_CFG_ALL_ONES);
	assert_int_equal(c.nstd, 0);
	assert_int_equal(c.pcie, 0);
	assert_int_equal(c.next, 0);

	c = parse(256);
	assert_int_equal(c.flags, DDA_CFG_ALL_ONES);
	/* a non-root reader of a D3cold device sees 64 bytes of ones */
	c = parse(64);
	assert_true(c.flags & DDA_CFG_ALL_ONES);
	c = parse(16);
	assert_true(c.flags & DDA_CFG_ALL_ONES);
	assert_true(c.flags & DDA_CFG_SHORT);

	/* a vendor id of 0xffff alone is not a dead device */
	normal_device();
	put16(PCI_VENDOR_ID, 0xffff);
	c = parse(CFG_LEN);
	assert_false(c.flags & DDA_CFG_ALL_ONES);
	assert_int_equal(c.pcie, 0xa0);
}

/* What a non-root reader gets: 64 bytes, the list pointing beyond them. */
static void test_short_config(void **state)
{
	struct dda_caps c;

	(void)state;
	normal_device();
	c = parse(64);
	assert_true(c.flags & DDA_CFG_SHORT);
	assert_false(c.flags & (DDA_CFG_BROKEN | DDA_CFG_LOOPED));
	assert_int_equal(c.nstd, 0);
	assert_int_equal(c.pcie, 0);

	/* shorter than the header */
	c = parse(32);
	assert_true(c.flags & DDA_CFG_SHORT);
	c = parse(0);
	assert_int_equal(c.flags, DDA_CFG_SHORT);

	/* a list that runs off the end of what was read */
	c = parse(0x60);
	assert_true(c.flags & DDA_CFG_SHORT);
	assert_int_equal(c.pm, 0x40);
	assert_int_equal(c.msi, 0x50);
	assert_int_equal(c.msix, 0);
}

static void test_null_empty(void **state)
{
	struct dda_caps c;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	dda_config_parse(NULL, 0, &c);
	assert_int_equal(c.flags, DDA_CFG_SHORT);
	assert_int_equal(c.nstd, 0);
}

/* A conventional 256-byte space has no extended list to read. */
static void test_ext_needs_4k(void **state)
{
	struct dda_caps c;

	(void)state;
	normal_device();
	c = parse(256);
	assert_int_equal(c.pcie, 0xa0);
	assert_int_equal(c.next, 0);
	assert_int_equal(c.acs, 0);
	assert_int_equal(c.flags, 0);
}

static void test_ext_needs_pcie(void **state)
{
	struct dda_caps c;

	(void)state;
	normal_device();
	/* PCI-X as the last capability, no PCIe: 0x100 onwards is not a list */
	cfg[0xa0] = PCI_CAP_ID_VNDR;
	c = parse(CFG_LEN);
	assert_int_equal(c.pcie, 0);
	assert_int_equal(c.next, 0);
	assert_int_equal(c.acs, 0);
	assert_int_equal(c.sriov, 0);
	assert_int_equal(c.flags, 0);
}

static void test_ext_loop(void **state)
{
	struct dda_caps c;

	(void)state;
	normal_device();
	ext_cap(0x160, PCI_EXT_CAP_ID_SRIOV, 0x100);
	c = parse(CFG_LEN);
	assert_true(c.flags & DDA_CFG_EXT_LOOPED);
	assert_false(c.flags & DDA_CFG_LOOPED);
	assert_int_equal(c.next, 4);
	assert_int_equal(c.sriov, 0x160);

	/* self-loop on the first entry */
	normal_device();
	ext_cap(0x100, PCI_EXT_CAP_ID_AER, 0x100);
	c = parse(CFG_LEN);
	assert_true(c.flags & DDA_CFG_EXT_LOOPED);
	assert_int_equal(c.next, 1);
}

static void test_ext_all_ones_header(void **state)
{
	struct dda_caps c;

	(void)state;
	normal_device();
	put32(0x100, 0xffffffff);
	c = parse(CFG_LEN);
	assert_true(c.flags & DDA_CFG_EXT_BROKEN);
	assert_int_equal(c.next, 0);
	assert_int_equal(c.acs, 0);
	/* the standard list was fine */
	assert_int_equal(c.pcie, 0xa0);
	assert_false(c.flags & DDA_CFG_BROKEN);

	/* further down the list */
	normal_device();
	put32(0x150, 0xffffffff);
	c = parse(CFG_LEN);
	assert_true(c.flags & DDA_CFG_EXT_BROKEN);
	assert_int_equal(c.ari, 0x148);
	assert_int_equal(c.acs, 0);
}

static void test_ext_pointer_below_0x100(void **state)
{
	struct dda_caps c;

	(void)state;
	normal_device();
	ext_cap(0x148, PCI_EXT_CAP_ID_ARI, 0x40);
	c = parse(CFG_LEN);
	assert_true(c.flags & DDA_CFG_EXT_BROKEN);
	assert_int_equal(c.ari, 0x148);
	assert_int_equal(c.acs, 0);
	assert_int_equal(c.next, 2);
}

static void test_ext_empty(void **state)
{
	struct dda_caps c;

	(void)state;
	normal_device();
	put32(0x100, 0);
	c = parse(CFG_LEN);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.next, 0);
}

/* The list may end in the last dword; one that runs beyond what was read
 * is short, not broken. */
static void test_ext_bounds(void **state)
{
	struct dda_caps c;

	(void)state;
	normal_device();
	ext_cap(0x1a0, PCI_EXT_CAP_ID_DSN, 0xffc);
	ext_cap(0xffc, PCI_EXT_CAP_ID_ACS, 0);
	c = parse(CFG_LEN);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.next, 6);
	/* the first ACS wins */
	assert_int_equal(c.acs, 0x150);

	normal_device();
	c = parse(0x158);
	assert_true(c.flags & DDA_CFG_SHORT);
	assert_int_equal(c.ari, 0x148);
	assert_int_equal(c.acs, 0x150);
	assert_int_equal(c.sriov, 0);
}

static void test_cfg_readers(void **state)
{
	static const uint8_t b[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

	(void)state;
	assert_int_equal(dda_cfg8(b, sizeof(b), 0), 0x11);
	assert_int_equal(dda_cfg8(b, sizeof(b), 7), 0x88);
	assert_int_equal(dda_cfg16(b, sizeof(b), 1), 0x3322);
	assert_int_equal(dda_cfg32(b, sizeof(b), 4), 0x88776655);
	/* out of range reads as all ones, like a master abort */
	assert_int_equal(dda_cfg8(b, sizeof(b), 8), 0xff);
	assert_int_equal(dda_cfg16(b, sizeof(b), 8), 0xffff);
	assert_int_equal(dda_cfg32(b, sizeof(b), 8), 0xffffffff);
	assert_int_equal(dda_cfg32(b, sizeof(b), 4096), 0xffffffff);
	/* straddling the end: the bytes that exist, ones for the rest */
	assert_int_equal(dda_cfg16(b, sizeof(b), 7), 0xff88);
	assert_int_equal(dda_cfg32(b, sizeof(b), 6), 0xffff8877);
	assert_int_equal(dda_cfg32(b, sizeof(b), 5), 0xff887766);
	/* nothing read at all */
	assert_int_equal(dda_cfg8(NULL, 0, 0), 0xff);
	assert_int_equal(dda_cfg32(NULL, 0, 0), 0xffffffff);
}

/* An offset near SIZE_MAX must not wrap around to the start of the buffer. */
static void test_cfg_readers_no_wrap(void **state)
{
	static const uint8_t b[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

	(void)state;
	assert_int_equal(dda_cfg16(b, sizeof(b), SIZE_MAX), 0xffff);
	assert_int_equal(dda_cfg32(b, sizeof(b), SIZE_MAX - 1), 0xffffffff);
	assert_int_equal(dda_cfg32(b, sizeof(b), SIZE_MAX - 3), 0xffffffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal_list),
		cmocka_unit_test(test_no_cap_list),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_first_instance_wins),
		cmocka_unit_test(test_pointer_low_bits_masked),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_self_loop),
		cmocka_unit_test(test_loop_same_dword),
		cmocka_unit_test(test_longest_chain),
		cmocka_unit_test(test_pointer_into_header),
		cmocka_unit_test(test_pointer_at_end),
		cmocka_unit_test(test_cap_id_ff),
		cmocka_unit_test(test_all_ones),
		cmocka_unit_test(test_short_config),
		cmocka_unit_test(test_null_empty),
		cmocka_unit_test(test_ext_needs_4k),
		cmocka_unit_test(test_ext_needs_pcie),
		cmocka_unit_test(test_ext_loop),
		cmocka_unit_test(test_ext_all_ones_header),
		cmocka_unit_test(test_ext_pointer_below_0x100),
		cmocka_unit_test(test_ext_empty),
		cmocka_unit_test(test_ext_bounds),
		cmocka_unit_test(test_cfg_readers),
		cmocka_unit_test(test_cfg_readers_no_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
