/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device names (names.c): udev's hwdb first, pci.ids through libpci when
 * there is no hwdb or it does not know the id.  These read the build
 * machine's own databases (names come from the host's, whatever the root),
 * so they use ids every snapshot of both has known for years, and skip the
 * hwdb half where the machine has no hwdb.bin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "names.h"

#define E1000E "Intel Corporation 82574L Gigabit Network Connection"

/* where libudev looks for it (systemd's sd-hwdb search path) */
static int have_hwdb(void)
{
	static const char *const paths[] = { "/etc/systemd/hwdb/hwdb.bin", "/etc/udev/hwdb.bin",
					     "/usr/lib/udev/hwdb.bin", "/lib/udev/hwdb.bin" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++)
		if (access(paths[i], R_OK) == 0)
			return 1;
	return 0;
}

static void check_source(unsigned sources)
{
	_cleanup_(dda_names_freep) struct dda_names *n = dda_names_new_from(sources);
	const char *name;

	assert_non_null(n);
	name = dda_names_device(n, 0x8086, 0x10d3);
	assert_non_null(name);
	assert_string_equal(name, E1000E);
	/* borrowed and stable: the cache hands out the same copy */
	assert_ptr_equal(dda_names_device(n, 0x8086, 0x10d3), name);
	/* a device nobody lists still has its vendor's name */
	assert_string_equal(dda_names_device(n, 0x8086, 0xfff0), "Intel Corporation");
	/* no vendor 0002 in either database */
	assert_null(dda_names_device(n, 0x0002, 0x0001));
	assert_null(dda_names_device(n, 0x0002, 0x0001));
	/* still the first name after other lookups moved the cache */
	assert_ptr_equal(dda_names_device(n, 0x8086, 0x10d3), name);
}

static void test_pci_ids(void **state)
{
	(void)state;
	check_source(DDA_NAMES_PCI_IDS);
}

static void test_hwdb(void **state)
{
	(void)state;
	if (!have_hwdb())
		skip();
	check_source(DDA_NAMES_HWDB);
}

static void test_default(void **state)
{
	(void)state;
	check_source(DDA_NAMES_ANY);
	assert_null(dda_names_device(NULL, 0x8086, 0x10d3));
}

/* The default takes hwdb's answer when hwdb knows the vendor (the vendor
 * alone for a device it does not know), else pci.ids's: check that order on
 * ids where the two snapshots may disagree (whichever way they do on this
 * machine). */
static void test_order(void **state)
{
	static const uint16_t ids[][2] = {
		{ 0x8086, 0x10d3 }, /* both */
		{ 0x8086, 0xa338 }, /* pci.ids 2023 "... Root Port #1", hwdb 252 "... Root Port" */
		{ 0x1e0f, 0x0013 }, /* pci.ids 2023 knows it, hwdb 252 only its vendor */
		{ 0x10b5, 0x9797 }, /* both know only the vendor (bench/gen-tree's switch) */
		{ 0x8086, 0xfff0 }, /* vendor only */
		{ 0x0002, 0x0001 }, /* nobody */
	};
	_cleanup_(dda_names_freep) struct dda_names *any = dda_names_new_from(DDA_NAMES_ANY);
	_cleanup_(dda_names_freep) struct dda_names *hw = dda_names_new_from(DDA_NAMES_HWDB);
	_cleanup_(dda_names_freep) struct dda_names *ids_only = dda_names_new_from(DDA_NAMES_PCI_IDS);

	(void)state;
	assert_non_null(any);
	assert_non_null(hw);
	assert_non_null(ids_only);
	for (size_t i = 0; i < sizeof(ids) / sizeof(*ids); i++) {
		const char *a = dda_names_device(any, ids[i][0], ids[i][1]);
		const char *h = dda_names_device(hw, ids[i][0], ids[i][1]);
		const char *p = dda_names_device(ids_only, ids[i][0], ids[i][1]);
		const char *want = h ? h : p;

		if (want)
			assert_string_equal(a, want);
		else
			assert_null(a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pci_ids),
		cmocka_unit_test(test_hwdb),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
