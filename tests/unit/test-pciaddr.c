/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Names of PCI functions (pciaddr.h): the kernel's address and Hyper-V's
 * location path.  Every name a user types goes through these parsers, so
 * anything they accept must name exactly one function and print back to
 * something that parses to the same function.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "hostpath.h"
#include "pciaddr.h"
#include "text.h"

/* ---------------------------------------------------------------- addresses */

static void assert_addr(const char *s, uint32_t dom, unsigned bus, unsigned dev, unsigned fn)
{
	struct dda_pciaddr a;

	assert_int_equal(dda_pciaddr_parse(s, &a), 0);
	assert_int_equal(a.domain, dom);
	assert_int_equal(a.bus, bus);
	assert_int_equal(a.dev, dev);
	assert_int_equal(a.fn, fn);
}

static void assert_addr_bad(const char *s)
{
	/* A rejected name leaves the output alone: callers may have defaults in it. */
	struct dda_pciaddr a = { .domain = 0x1234, .bus = 0x56, .dev = 7, .fn = 1 };

	assert_int_equal(dda_pciaddr_parse(s, &a), -EINVAL);
	assert_int_equal(a.domain, 0x1234);
	assert_int_equal(a.bus, 0x56);
	assert_int_equal(a.dev, 7);
	assert_int_equal(a.fn, 1);
}

static void test_addr_parse_good(void **state)
{
	(void)state;
	assert_addr("0000:04:00.0", 0, 4, 0, 0);
	/* the short form is what lspci prints: domain 0 */
	assert_addr("04:00.0", 0, 4, 0, 0);
	assert_addr("0000:ff:1f.7", 0, 0xff, 0x1f, 7);
	/* hex digits in either case */
	assert_addr("0000:AB:1F.3", 0, 0xab, 0x1f, 3);
	assert_addr("000A:ab:1f.3", 0xa, 0xab, 0x1f, 3);
	assert_addr("AB:0c.1", 0, 0xab, 0x0c, 1);
	/* VMD and some hosts number domains above 0xffff */
	assert_addr("10000:e0:00.0", 0x10000, 0xe0, 0, 0);
}

static void test_addr_parse_bad(void **state)
{
	(void)state;
	assert_addr_bad(NULL);
	assert_addr_bad("");
	/* a one-digit bus is not a bus */
	assert_addr_bad("4:00.0");
	assert_addr_bad("0000:4:00.0");
	/* device 0x20 does not exist: five bits */
	assert_addr_bad("0000:04:20.0");
	assert_addr_bad("04:ff.0");
	/* function 8 does not exist: three bits */
	assert_addr_bad("04:00.8");
	assert_addr_bad("0000:04:00.9");
	/* trailing junk of any kind */
	assert_addr_bad("0000:04:00.0x");
	assert_addr_bad("0000:04:00.0 ");
	assert_addr_bad("0000:04:00.0\n");
	assert_addr_bad("0000:04:00.00");
	assert_addr_bad("0000:04:00.");
	assert_addr_bad("0000:04:00");
	assert_addr_bad(" 0000:04:00.0");
	assert_addr_bad("0000-04-00.0");
	assert_addr_bad("0000:04.00.0");
	assert_addr_bad("g000:04:00.0");
	assert_addr_bad("0000:0g:00.0");
	assert_addr_bad("0000:04:00.a");
	assert_addr_bad("0000:04:00.-1");
	assert_addr_bad(":04:00.0");
	assert_addr_bad("0000::04:00.0");
	/* a location path is not an address */
	assert_addr_bad("PCIROOT(0)#PCI(0300)");
}

/*
 * "DDDD:" has at least four digits (pciaddr.c says so).  "0:04:00.0" and
 * "00:04:00.0" are rejected, so a three-digit domain must be too; otherwise
 * one typo away from "00:04:00.0" names a device on another bus.
 */
static void test_addr_parse_short_domain(void **state)
{
	(void)state;
	assert_addr_bad("0:04:00.0");
	assert_addr_bad("00:04:00.0");
	assert_addr_bad("000:04:00.0");
}

static void assert_fmt(uint32_t dom, unsigned bus, unsigned dev, unsigned fn, const char *want)
{
	struct dda_pciaddr a = { .domain = dom, .bus = (uint8_t)bus, .dev = (uint8_t)dev, .fn = (uint8_t)fn };
	char buf[DDA_PCIADDR_LEN];

	dda_pciaddr_format(&a, buf);
	assert_string_equal(buf, want);
}

static void test_addr_format(void **state)
{
	(void)state;
	/* lower case, as sysfs names the function: the name must match the directory */
	assert_fmt(0, 4, 0, 0, "0000:04:00.0");
	assert_fmt(0xabcd, 0xef, 0x1f, 7, "abcd:ef:1f.7");
	assert_fmt(0x10000, 0xe0, 0, 0, "10000:e0:00.0");
}

/* format(parse(s)) is s normalised, and parse(format(a)) is a. */
static void test_addr_round_trip(void **state)
{
	static const char *const names[] = {
		"0000:00:00.0", "04:00.0", "0000:AB:1F.7", "ffff:ff:1f.7", "10000:00:02.1", "fffff:01:00.0",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct dda_pciaddr a, b;
		char buf[DDA_PCIADDR_LEN];

		assert_int_equal(dda_pciaddr_parse(names[i], &a), 0);
		dda_pciaddr_format(&a, buf);
		assert_int_equal(dda_pciaddr_parse(buf, &b), 0);
		assert_int_equal(dda_pciaddr_cmp(&a, &b), 0);
	}
}

/*
 * Whatever the parser accepts must print back to the same function.  The
 * parser takes up to eight domain digits but the formatter keeps only
 * five: "123456:04:00.0" would print as "23456:04:00.0", another device.
 * Either the parse must refuse it or the format must keep it.
 */
static void test_addr_wide_domain_round_trip(void **state)
{
	static const char *const names[] = { "123456:04:00.0", "12345678:04:00.0" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct dda_pciaddr a, b;
		char buf[DDA_PCIADDR_LEN];

		if (dda_pciaddr_parse(names[i], &a) < 0)
			continue;
		dda_pciaddr_format(&a, buf);
		assert_int_equal(dda_pciaddr_parse(buf, &b), 0);
		if (dda_pciaddr_cmp(&a, &b) != 0)
			fail_msg("'%s' parses to domain 0x%x but prints as '%s'", names[i], a.domain, buf);
	}
}

static void test_addr_cmp(void **state)
{
	struct dda_pciaddr a = { 0, 1, 2, 3 }, b;

	(void)state;
	b = a;
	assert_int_equal(dda_pciaddr_cmp(&a, &b), 0);
	/* the order is domain, bus, device, function: the order of sysfs */
	b = a, b.fn = 4;
	assert_true(dda_pciaddr_cmp(&a, &b) < 0 && dda_pciaddr_cmp(&b, &a) > 0);
	b = a, b.dev = 3, b.fn = 0;
	assert_true(dda_pciaddr_cmp(&a, &b) < 0 && dda_pciaddr_cmp(&b, &a) > 0);
	b = a, b.bus = 2, b.dev = 0;
	assert_true(dda_pciaddr_cmp(&a, &b) < 0 && dda_pciaddr_cmp(&b, &a) > 0);
	b = a, b.domain = 1, b.bus = 0;
	assert_true(dda_pciaddr_cmp(&a, &b) < 0 && dda_pciaddr_cmp(&b, &a) > 0);
	/* unsigned: domain 0x80000000 is above 0, not below */
	b = a, b.domain = 0x80000000u;
	assert_true(dda_pciaddr_cmp(&a, &b) < 0);
}

/* ---------------------------------------------------------------- location paths */

static void test_pciid_parse(void **state)
{
	static const char *const bad[] = {
		"-1:-1",     "ffff:-1",	  "+1:0001",	"10000:0001", "8086:10d",
		"808:10d3",  "8086-10d3", "8086:10d3 ", " 8086:10d3", "8086:10d3:0",
		"0x86:10d3", "8086:",	  ":10d3",	"",	      "8086",
	};
	uint16_t v = 1, d = 1;

	(void)state;
	assert_int_equal(dda_pciid_parse("8086:10d3", &v, &d), 0);
	assert_int_equal(v, 0x8086);
	assert_int_equal(d, 0x10d3);
	assert_int_equal(dda_pciid_parse("FFFF:0000", &v, &d), 0);
	assert_int_equal(v, 0xffff);
	assert_int_equal(d, 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v = d = 7;
		assert_int_equal(dda_pciid_parse(bad[i], &v, &d), -EINVAL);
		/* nothing written on failure */
		assert_int_equal(v, 7);
		assert_int_equal(d, 7);
	}
	assert_int_equal(dda_pciid_parse(NULL, &v, &d), -EINVAL);
}

static void test_is_locpath(void **state)
{
	(void)state;
	assert_true(dda_is_locpath("PCIROOT(0)#PCI(0300)"));
	assert_true(dda_is_locpath("pciroot(0)#pci(0300)"));
	/* only the prefix decides: a broken path is still a path, to be refused as one */
	assert_true(dda_is_locpath("PCIROOT("));
	assert_false(dda_is_locpath("0000:04:00.0"));
	assert_false(dda_is_locpath("PCIROOT"));
	assert_false(dda_is_locpath(""));
	assert_false(dda_is_locpath(NULL));
}

static void test_locpath_parse(void **state)
{
	struct dda_locpath l;

	(void)state;
	assert_int_equal(dda_locpath_parse("PCIROOT(0)#PCI(0300)#PCI(0000)", &l), 0);
	assert_int_equal(l.domain, 0);
	assert_int_equal(l.bus, 0);
	assert_int_equal(l.nhops, 2);
	assert_int_equal(l.hop[0].dev, 3);
	assert_int_equal(l.hop[0].fn, 0);
	assert_int_equal(l.hop[1].dev, 0);
	assert_int_equal(l.hop[1].fn, 0);
	assert_int_equal(l.vf, -1);

	assert_int_equal(dda_locpath_parse("PCIROOT(1:80)#PCI(0102)", &l), 0);
	assert_int_equal(l.domain, 1);
	assert_int_equal(l.bus, 0x80);
	assert_int_equal(l.nhops, 1);
	assert_int_equal(l.hop[0].dev, 1);
	assert_int_equal(l.hop[0].fn, 2);
	assert_int_equal(l.vf, -1);

	/* root bus without a domain */
	assert_int_equal(dda_locpath_parse("PCIROOT(80)#PCI(1F07)", &l), 0);
	assert_int_equal(l.domain, 0);
	assert_int_equal(l.bus, 0x80);
	assert_int_equal(l.hop[0].dev, 0x1f);
	assert_int_equal(l.hop[0].fn, 7);

	/* the VF index is decimal, like virtfnN */
	assert_int_equal(dda_locpath_parse("PCIROOT(0)#PCI(0200)#PCI(0000)#VF(12)", &l), 0);
	assert_int_equal(l.nhops, 2);
	assert_int_equal(l.vf, 12);
	assert_int_equal(dda_locpath_parse("PCIROOT(0)#PCI(0200)#VF(0)", &l), 0);
	assert_int_equal(l.vf, 0);
	assert_int_equal(dda_locpath_parse("PCIROOT(0)#PCI(0200)#VF(65535)", &l), 0);
	assert_int_equal(l.vf, 65535);
}

static void assert_norm(const char *in, const char *want)
{
	struct dda_locpath l, again;
	char buf[DDA_LOCPATH_LEN];

	assert_int_equal(dda_locpath_parse(in, &l), 0);
	assert_int_equal(dda_locpath_format(&l, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
	assert_int_equal(dda_locpath_parse(buf, &again), 0);
	assert_true(dda_locpath_equal(&l, &again));
}

static void test_locpath_round_trip(void **state)
{
	(void)state;
	assert_norm("PCIROOT(0)#PCI(0300)#PCI(0000)", "PCIROOT(0)#PCI(0300)#PCI(0000)");
	assert_norm("PCIROOT(1:80)#PCI(0102)", "PCIROOT(1:80)#PCI(0102)");
	/* any case in, upper case out */
	assert_norm("pciroot(1:8a)#pci(1f07)#Pci(0a01)", "PCIROOT(1:8A)#PCI(1F07)#PCI(0A01)");
	assert_norm("PCIROOT(0)#PCI(0200)#PCI(0000)#vf(3)", "PCIROOT(0)#PCI(0200)#PCI(0000)#VF(3)");
	/* domain 0 is not printed; leading zeros go */
	assert_norm("PCIROOT(0:80)#PCI(0100)", "PCIROOT(80)#PCI(0100)");
	assert_norm("PCIROOT(00000000)#PCI(0100)", "PCIROOT(0)#PCI(0100)");
	assert_norm("PCIROOT(ffffffff:ff)#PCI(1f07)#VF(65535)", "PCIROOT(FFFFFFFF:FF)#PCI(1F07)#VF(65535)");
}

static void assert_locpath_bad(const char *s)
{
	struct dda_locpath l = { .nhops = 7, .vf = 9 };

	if (dda_locpath_parse(s, &l) != -EINVAL)
		fail_msg("'%s' was accepted as a location path", s);
	/* untouched on failure */
	assert_int_equal(l.nhops, 7);
	assert_int_equal(l.vf, 9);
}

static void test_locpath_parse_bad(void **state)
{
	(void)state;
	assert_locpath_bad(NULL);
	assert_locpath_bad("");
	assert_locpath_bad("0000:04:00.0");
	/* a root bus is not a function */
	assert_locpath_bad("PCIROOT(0)");
	assert_locpath_bad("PCIROOT(0)#VF(3)");
	/* VF only last */
	assert_locpath_bad("PCIROOT(0)#PCI(0300)#VF(1)#PCI(0000)");
	assert_locpath_bad("PCIROOT(0)#PCI(0300)#VF(1)#VF(2)");
	/* device 0x20 and function 8 do not exist */
	assert_locpath_bad("PCIROOT(0)#PCI(2000)");
	assert_locpath_bad("PCIROOT(0)#PCI(0008)");
	assert_locpath_bad("PCIROOT(0)#PCI(FF00)");
	/* missing ')' */
	assert_locpath_bad("PCIROOT(0#PCI(0300)");
	assert_locpath_bad("PCIROOT(0)#PCI(0300");
	assert_locpath_bad("PCIROOT(0)#PCI(0300)#VF(3");
	/* garbage after, or a dangling separator */
	assert_locpath_bad("PCIROOT(0)#PCI(0300)x");
	assert_locpath_bad("PCIROOT(0)#PCI(0300) ");
	assert_locpath_bad("PCIROOT(0)#PCI(0300)#");
	assert_locpath_bad("PCIROOT(0)#PCI(0300)##PCI(0000)");
	assert_locpath_bad("PCIROOT(0)#PCI(0300)#USB(1)");
	/* hops are exactly four hex digits */
	assert_locpath_bad("PCIROOT(0)#PCI(300)");
	assert_locpath_bad("PCIROOT(0)#PCI(03000)");
	assert_locpath_bad("PCIROOT(0)#PCI(03 0)");
	/* a bus above 0xff, alone or after the domain */
	assert_locpath_bad("PCIROOT(100)#PCI(0000)");
	assert_locpath_bad("PCIROOT(1:100)#PCI(0000)");
	assert_locpath_bad("PCIROOT()#PCI(0000)");
	assert_locpath_bad("PCIROOT(1:)#PCI(0000)");
	/* VF: decimal, present, below 65536 */
	assert_locpath_bad("PCIROOT(0)#PCI(0300)#VF()");
	assert_locpath_bad("PCIROOT(0)#PCI(0300)#VF(A)");
	assert_locpath_bad("PCIROOT(0)#PCI(0300)#VF(65536)");
	assert_locpath_bad("PCIROOT(0)#PCI(0300)#VF(123456)");
	assert_locpath_bad("PCIROOT(0)#PCI(0300)#VF(-1)");
}

static void test_locpath_hops_limit(void **state)
{
	char s[1024], buf[DDA_LOCPATH_LEN];
	struct dda_locpath l, again;
	size_t off;

	(void)state;
	/* DDA_LOCPATH_MAX_HOPS hops fit, and print within DDA_LOCPATH_LEN */
	off = (size_t)snprintf(s, sizeof(s), "PCIROOT(FFFFFFFF:FF)");
	for (unsigned i = 0; i < DDA_LOCPATH_MAX_HOPS; i++)
		off += (size_t)snprintf(s + off, sizeof(s) - off, "#PCI(1F07)");
	snprintf(s + off, sizeof(s) - off, "#VF(65535)");
	assert_int_equal(dda_locpath_parse(s, &l), 0);
	assert_int_equal(l.nhops, DDA_LOCPATH_MAX_HOPS);
	assert_int_equal(dda_locpath_format(&l, buf, sizeof(buf)), 0);
	assert_string_equal(buf, s);
	assert_int_equal(dda_locpath_parse(buf, &again), 0);
	assert_true(dda_locpath_equal(&l, &again));

	/* one more is refused, not truncated into another device's path */
	off = (size_t)snprintf(s, sizeof(s), "PCIROOT(0)");
	for (unsigned i = 0; i <= DDA_LOCPATH_MAX_HOPS; i++)
		off += (size_t)snprintf(s + off, sizeof(s) - off, "#PCI(0100)");
	assert_locpath_bad(s);
}

static void test_locpath_format_small_buffer(void **state)
{
	struct dda_locpath l;
	char buf[DDA_LOCPATH_LEN];
	const char *s = "PCIROOT(0)#PCI(0300)#PCI(0000)";

	(void)state;
	assert_int_equal(dda_locpath_parse(s, &l), 0);
	assert_int_equal(dda_locpath_format(&l, buf, 0), -ENAMETOOLONG);
	assert_int_equal(dda_locpath_format(&l, buf, 5), -ENAMETOOLONG);
	/* exactly the length without room for the NUL is too small */
	assert_int_equal(dda_locpath_format(&l, buf, strlen(s)), -ENAMETOOLONG);
	assert_int_equal(dda_locpath_format(&l, buf, strlen(s) + 1), 0);
	assert_string_equal(buf, s);
}

static void test_locpath_equal(void **state)
{
	struct dda_locpath a, b;

	(void)state;
	assert_int_equal(dda_locpath_parse("PCIROOT(1:80)#PCI(0300)#PCI(0001)#VF(2)", &a), 0);
	b = a;
	assert_true(dda_locpath_equal(&a, &b));
	/* each field alone makes them differ */
	b = a, b.domain = 2;
	assert_false(dda_locpath_equal(&a, &b));
	b = a, b.bus = 0x81;
	assert_false(dda_locpath_equal(&a, &b));
	b = a, b.nhops = 1;
	assert_false(dda_locpath_equal(&a, &b));
	b = a, b.hop[1].dev = 1;
	assert_false(dda_locpath_equal(&a, &b));
	b = a, b.hop[1].fn = 0;
	assert_false(dda_locpath_equal(&a, &b));
	b = a, b.vf = -1;
	assert_false(dda_locpath_equal(&a, &b));
	/* slots past nhops do not count */
	b = a, b.hop[5].dev = 9;
	assert_true(dda_locpath_equal(&a, &b));
	/* the same function written in two ways is equal */
	assert_int_equal(dda_locpath_parse("PCIROOT(0:80)#PCI(0100)", &a), 0);
	assert_int_equal(dda_locpath_parse("pciroot(80)#pci(0100)", &b), 0);
	assert_true(dda_locpath_equal(&a, &b));
}

/* A path cut short names another file: dda_pathf refuses it, and says so;
 * dda_textf cuts a message on purpose. */
static void test_pathf_refuses_to_cut(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(dda_pathf(buf, sizeof(buf), "sys/%s", "abc"), 0);
	assert_string_equal(buf, "sys/abc");
	assert_int_equal(dda_pathf(buf, sizeof(buf), "sys/bus/pci/devices/%s", "0000:00:00.0"), -ENAMETOOLONG);
	assert_string_equal(buf, "");
	assert_int_equal(dda_last_error()->err, -ENAMETOOLONG);
	assert_non_null(strstr(dda_last_error()->message, "sys/bus/pci/dev"));
	dda_textf(buf, 8, "%s", "0123456789");
	assert_string_equal(buf, "0123456");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_good),
		cmocka_unit_test(test_pathf_refuses_to_cut),
		cmocka_unit_test(test_addr_parse_bad),
		cmocka_unit_test(test_addr_parse_short_domain),
		cmocka_unit_test(test_addr_format),
		cmocka_unit_test(test_addr_round_trip),
		cmocka_unit_test(test_addr_wide_domain_round_trip),
		cmocka_unit_test(test_addr_cmp),
		cmocka_unit_test(test_pciid_parse),
		cmocka_unit_test(test_is_locpath),
		cmocka_unit_test(test_locpath_parse),
		cmocka_unit_test(test_locpath_round_trip),
		cmocka_unit_test(test_locpath_parse_bad),
		cmocka_unit_test(test_locpath_hops_limit),
		cmocka_unit_test(test_locpath_format_small_buffer),
		cmocka_unit_test(test_locpath_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
