/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lspci hex dump reader (lspcihex.h): lines lspci really prints become
 * bytes at the right offsets, its text lines are skipped, and damaged or
 * out-of-range lines are refused instead of landing somewhere in the buffer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lspcihex.h"

static uint8_t cfg[4096];

static void test_header_line(void **state)
{
	(void)state;
	memset(cfg, 0, sizeof(cfg));
	assert_int_equal(dda_lspci_hex_line("00: 86 80 d3 10 07 04 10 00 00 00 00 02 10 00 00 00\n", cfg, sizeof(cfg)),
			 16);
	assert_int_equal(cfg[0], 0x86);
	assert_int_equal(cfg[1], 0x80);
	assert_int_equal(cfg[2], 0xd3);
	assert_int_equal(cfg[11], 0x02);
	assert_int_equal(cfg[15], 0x00);
}

static void test_extended_offset(void **state)
{
	(void)state;
	memset(cfg, 0, sizeof(cfg));
	/* past 0xff lspci writes three digits; the bytes go to 0x100, not 0x10 */
	assert_int_equal(dda_lspci_hex_line("100: 0d 00 01 00 00 00 00 00 1f 00 00 00 00 00 00 00", cfg, sizeof(cfg)),
			 0x110);
	assert_int_equal(cfg[0x100], 0x0d);
	assert_int_equal(cfg[0x108], 0x1f);
	assert_int_equal(cfg[0x10], 0);
	assert_int_equal(dda_lspci_hex_line("ff0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 AB", cfg, sizeof(cfg)),
			 4096);
	assert_int_equal(cfg[4095], 0xab);
}

static void test_text_lines_skipped(void **state)
{
	(void)state;
	const char *text[] = {
		"0000:00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:a110] (rev f1)",
		"\tControl: I/O+ Mem+ BusMaster+",
		"\tKernel driver in use: pcieport",
		"",
		"00:1f.3 Audio device [0403]: Intel",
	};
	memset(cfg, 0x5a, sizeof(cfg));
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		assert_int_equal(dda_lspci_hex_line(text[i], cfg, sizeof(cfg)), 0);
	assert_int_equal(cfg[0], 0x5a);
}

static void test_malformed_refused(void **state)
{
	(void)state;
	/* fifteen bytes, a bad digit, an unaligned offset, trailing junk */
	assert_int_equal(dda_lspci_hex_line("00: 86 80 d3 10 07 04 10 00 00 00 00 02 10 00 00", cfg, sizeof(cfg)),
			 -EINVAL);
	assert_int_equal(dda_lspci_hex_line("00: 86 80 d3 10 07 04 10 00 00 00 00 02 10 00 0g 00", cfg, sizeof(cfg)),
			 -EINVAL);
	assert_int_equal(dda_lspci_hex_line("08: 86 80 d3 10 07 04 10 00 00 00 00 02 10 00 00 00", cfg, sizeof(cfg)),
			 -EINVAL);
	assert_int_equal(dda_lspci_hex_line("00: 86 80 d3 10 07 04 10 00 00 00 00 02 10 00 00 00 11", cfg, sizeof(cfg)),
			 -EINVAL);
}

static void test_out_of_range_refused(void **state)
{
	(void)state;
	uint8_t small[64];

	memset(small, 0, sizeof(small));
	/* a 4096-byte dump read into a 64-byte buffer must not write past it */
	assert_int_equal(dda_lspci_hex_line("30: 00 00 00 00 34 00 00 00 00 00 00 00 0b 01 00 00", small, sizeof(small)),
			 64);
	assert_int_equal(dda_lspci_hex_line("40: 05 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", small, sizeof(small)),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_line),	     cmocka_unit_test(test_extended_offset),
		cmocka_unit_test(test_text_lines_skipped),   cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_out_of_range_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
