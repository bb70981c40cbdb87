/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt's domain XML (domxml.c): the PCI hostdevs of what libvirt hands
 * the hook, and the <hostdev> ddactl gives libvirt, read back by the same
 * parser: what ddactl attaches is what it would check at the next start.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domxml.h"
#include "error.h"

static void parse(const char *xml, struct dda_domxml *x)
{
	int r = dda_domxml_parse(xml, strlen(xml), "d1", x);

	if (r < 0)
		fail_msg("%s", dda_last_error()->message);
}

/* As `virsh dumpxml` of a running domain gives it: hostdevs among other
 * devices, usb and storage ones that are not PCI, decimal or hex numbers. */
static void test_running_domain(void **state)
{
	struct dda_domxml x = { 0 };

	(void)state;
	parse("<domain type='kvm' id='7'><name>win11</name><uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>"
	      "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
	      "<hostdev mode='subsystem' type='pci' managed='yes'><driver name='vfio'/>"
	      "<source><address domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></source>"
	      "<alias name='hostdev0'/><address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/>"
	      "</hostdev>"
	      "<hostdev mode='subsystem' type='usb' managed='yes'><source><vendor id='0x046d'/></source></hostdev>"
	      "<hostdev mode='subsystem' type='pci'><source><address domain='1' bus='16' slot='31' function='7'/>"
	      "</source></hostdev>"
	      "<interface type='hostdev' managed='yes'><mac address='52:54:00:6d:90:02'/>"
	      "<source><address type='pci' domain='0x0000' bus='0x01' slot='0x10' function='0x1'/></source>"
	      "<alias name='hostdev1'/></interface>"
	      "<interface type='network'><source network='default'/></interface>"
	      "</devices></domain>",
	      &x);
	assert_string_equal(x.name, "win11");
	assert_int_equal(x.n, 3);
	/* a VF as a NIC (<interface type='hostdev'>) */
	assert_string_equal(x.hostdevs[2].name, "0000:01:10.1");
	assert_true(x.hostdevs[2].managed);
	assert_string_equal(x.hostdevs[2].alias, "hostdev1");
	assert_string_equal(x.hostdevs[0].name, "0000:05:00.0");
	assert_true(x.hostdevs[0].managed);
	/* the guest-side <address> is not the source */
	assert_string_equal(x.hostdevs[0].alias, "hostdev0");
	assert_string_equal(x.hostdevs[1].name, "0001:10:1f.7");
	assert_false(x.hostdevs[1].managed); /* libvirt's default */
	assert_string_equal(x.hostdevs[1].alias, "");
	assert_non_null(dda_domxml_find(&x, "0001:10:1f.7"));
	assert_null(dda_domxml_find(&x, "0000:07:00.0"));
	dda_domxml_release(&x);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"not xml",
		"<network><name>default</name></network>",
		/* an address out of range, signed, empty, or missing */
		"<domain><devices><hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0x100' "
		"slot='0' function='0'/></source></hostdev></devices></domain>",
		"<domain><devices><hostdev mode='subsystem' type='pci'><source><address domain='0' bus='-1' "
		"slot='0' function='0'/></source></hostdev></devices></domain>",
		"<domain><devices><hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0' "
		"slot='32' function='0'/></source></hostdev></devices></domain>",
		"<domain><devices><hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0' "
		"slot='0' function=''/></source></hostdev></devices></domain>",
		"<domain><devices><hostdev mode='subsystem' type='pci'><source/></hostdev></devices></domain>",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct dda_domxml x = { 0 };

		assert_int_equal(dda_domxml_parse(bad[i], strlen(bad[i]), "d1", &x), -EINVAL);
		assert_string_equal(dda_last_error()->code, "bad-domain-xml");
		assert_non_null(strstr(dda_last_error()->message, "d1: "));
	}
}

/* An entity is never expanded, a file never read. */
static void test_no_entities(void **state)
{
	struct dda_domxml x = { 0 };

	(void)state;
	parse("<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY e SYSTEM 'file:///etc/hostname'>"
	      "<!ENTITY b '0x05'>]><domain><name>&e;</name><devices><hostdev mode='subsystem' type='pci'>"
	      "<source><address domain='0' bus='0' slot='0' function='0'/></source></hostdev></devices></domain>",
	      &x);
	assert_string_equal(x.name, "");
	assert_int_equal(x.n, 1);
	dda_domxml_release(&x);
}

/* What `libvirt attach` and `vm show --libvirt` give libvirt parses back
 * to the same function, managed='no'. */
static void test_hostdev_round_trip(void **state)
{
	struct dda_pciaddr a = { .domain = 0x10, .bus = 0xab, .dev = 0x1f, .fn = 7 };
	char el[512], doc[700], tiny[16];
	struct dda_domxml x = { 0 };

	(void)state;
	assert_int_equal(dda_domxml_hostdev_format(&a, 4, el, sizeof(el)), 0);
	assert_non_null(strstr(el, "    <hostdev mode='subsystem' type='pci' managed='no'>\n"));
	assert_non_null(strstr(el, "<driver name='vfio'/>"));
	snprintf(doc, sizeof(doc), "<domain><name>d1</name><devices>\n%s</devices></domain>", el);
	parse(doc, &x);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.hostdevs[0].name, "0010:ab:1f.7");
	assert_false(x.hostdevs[0].managed);
	dda_domxml_release(&x);
	assert_int_equal(dda_domxml_hostdev_format(&a, 0, tiny, sizeof(tiny)), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running_domain),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_no_entities),
		cmocka_unit_test(test_hostdev_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
