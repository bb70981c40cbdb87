/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lspci dump reader (lspcidump.h): what `lspci -D -vvvnn -xxxx` tells
 * lands where sysfs would have it.  The dumps are written here from config
 * bytes, with the text lines lspci prints, as real hardware shows them:
 * functions nested by the bridges' bus numbers, BARs from the Region
 * lines, VFs whose own id registers read 0xffff (SR-IOV 3.4.1.1) named by
 * their PF's SR-IOV capability, the class a powered-down GPU no longer
 * shows in config space; and damaged dumps refused, naming the problem.
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

#include "error.h"
#include "ftree.h"
#include "lspcidump.h"

struct dump {
	char text[1 << 17];
	size_t len;
};

static void put16(uint8_t *c, size_t off, unsigned v)
{
	c[off] = (uint8_t)v;
	c[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *c, size_t off, uint32_t v)
{
	put16(c, off, v & 0xffff);
	put16(c, off + 2, v >> 16);
}

_printf_(2, 3) static void line(struct dump *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	d->len += (size_t)vsnprintf(d->text + d->len, sizeof(d->text) - d->len, fmt, ap);
	va_end(ap);
	d->len += (size_t)snprintf(d->text + d->len, sizeof(d->text) - d->len, "\n");
}

/* The hex lines of -xxx (256 bytes) or -xxxx (4096) */
static void hex(struct dump *d, const uint8_t *c, size_t len)
{
	for (size_t off = 0; off < len; off += 16) {
		char buf[80];
		size_t n = (size_t)snprintf(buf, sizeof(buf), off > 0xff ? "%03zx:" : "%02zx:", off);

		for (size_t i = 0; i < 16; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %02x", c[off + i]);
		line(d, "%s", buf);
	}
	line(d, "%s", "");
}

/* A type 1 header with a PCIe capability of the given port type. */
static void bridge_cfg(uint8_t *c, unsigned vendor, unsigned device, unsigned bus, unsigned sec, unsigned sub,
		       unsigned port_type)
{
	memset(c, 0, 4096);
	put16(c, 0x00, vendor);
	put16(c, 0x02, device);
	put32(c, 0x08, 0x06040000);
	c[0x0e] = 0x01;
	c[0x18] = (uint8_t)bus;
	c[0x19] = (uint8_t)sec;
	c[0x1a] = (uint8_t)sub;
	put16(c, 0x06, 0x0010); /* capability list */
	c[0x34] = 0x40;
	c[0x40] = 0x10; /* PCIe */
	put16(c, 0x42, 0x0002 | port_type << 4);
}

static void endpoint_cfg(uint8_t *c, unsigned vendor, unsigned device, uint32_t class_rev)
{
	memset(c, 0, 4096);
	put16(c, 0x00, vendor);
	put16(c, 0x02, device);
	put32(c, 0x08, class_rev);
	put16(c, 0x06, 0x0010);
	c[0x34] = 0x40;
	c[0x40] = 0x10;
	put16(c, 0x42, 0x0002);
}

static const struct dda_ftree_entry *entry(const struct dda_ftree *t, const char *path)
{
	const struct dda_ftree_entry *e = dda_ftree_find(t, path);

	if (!e)
		fail_msg("no '%s' in the tree", path);
	return e;
}

static void assert_file(const struct dda_ftree *t, const char *path, const char *want)
{
	const struct dda_ftree_entry *e = entry(t, path);

	assert_int_equal(e->kind, DDA_FT_FILE);
	assert_string_equal(e->data, want);
}

static void assert_link(const struct dda_ftree *t, const char *path, const char *want)
{
	const struct dda_ftree_entry *e = entry(t, path);

	assert_int_equal(e->kind, DDA_FT_LINK);
	assert_string_equal(e->data, want);
}

#define RP  "devices/pci0000:00/0000:00:1c.0"
#define NIC RP "/0000:03:00.0"

/* A PCH root port and an SR-IOV NIC behind it with two VFs. */
static void nic_dump(struct dump *d, bool with_text)
{
	uint8_t c[4096];

	bridge_cfg(c, 0x8086, 0xa338, 0, 3, 3, 4);
	line(d, "0000:00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:a338] (rev f0)");
	if (with_text)
		line(d, "\tKernel driver in use: pcieport");
	hex(d, c, 4096);

	endpoint_cfg(c, 0x8086, 0x10c9, 0x02000001);
	put16(c, 0x2c, 0x8086);
	put16(c, 0x2e, 0xa03c);
	c[0x3d] = 1;
	put32(c, 0x100, 0x00010010); /* SR-IOV, version 1, last */
	put16(c, 0x10e, 7);	     /* TotalVFs */
	put16(c, 0x110, 2);	     /* NumVFs */
	put16(c, 0x114, 0x80);	     /* First VF Offset */
	put16(c, 0x116, 2);	     /* VF Stride */
	put16(c, 0x11a, 0x10ca);     /* VF Device ID */
	line(d, "0000:03:00.0 Ethernet controller [0200]: Intel Corporation 82576 [8086:10c9] (rev 01)");
	if (with_text) {
		line(d, "\tSubsystem: Intel Corporation Device [8086:a03c]");
		line(d, "\tInterrupt: pin A routed to IRQ 17");
		line(d, "\tRegion 0: Memory at f7c00000 (32-bit, non-prefetchable) [size=128K]");
		line(d, "\tRegion 2: I/O ports at e000 [size=32]");
		line(d, "\tRegion 3: Memory at f7c40000 (64-bit, prefetchable) [size=16K]");
		line(d, "\tExpansion ROM at f7b00000 [disabled] [size=512K]");
		line(d, "\tCapabilities: [100 v1] Single Root I/O Virtualization (SR-IOV)");
		line(d, "\t\tRegion 0: Memory at 0000000090000000 (64-bit, prefetchable)");
		line(d, "\tKernel driver in use: igb");
		line(d, "\tKernel modules: igb");
		line(d, "\tIOMMU group: 14");
	}
	hex(d, c, 4096);

	/* routing ids 0x0380 and 0x0382: 03:10.0 and 03:10.2 */
	for (unsigned fn = 0; fn <= 2; fn += 2) {
		memset(c, 0xff, 4);
		memset(c + 4, 0, 4092);
		put32(c, 0x08, 0x02000001);
		line(d,
		     "0000:03:10.%u Ethernet controller [0200]: Intel Corporation 82576 Virtual Function [8086:10ca] (rev 01)",
		     fn);
		if (with_text)
			line(d, "\tRegion 0: Memory at 90000000 (64-bit, prefetchable) [virtual] [size=16K]");
		hex(d, c, 4096);
	}
}

static void test_tree_ids_bars(void **state)
{
	struct dda_ftree t = { 0 };
	struct dda_lspci_dump *d = NULL;
	struct dump *dump = calloc(1, sizeof(*dump));
	const struct dda_ftree_entry *e;

	(void)state;
	nic_dump(dump, true);
	assert_int_equal(dda_lspci_dump_tree(dump->text, dump->len, "t", &t, &d), 0);
	assert_int_equal(d->n, 4);
	assert_true(d->drivers_known);
	/* nested by the root port's secondary bus; the bus link as sysfs has it */
	assert_link(&t, "sys/bus/pci/devices/0000:03:00.0", "../../../" NIC);
	assert_file(&t, "sys/" NIC "/vendor", "0x8086\n");
	assert_file(&t, "sys/" NIC "/subsystem_device", "0xa03c\n");
	assert_file(&t, "sys/" NIC "/class", "0x020000\n");
	assert_file(&t, "sys/" NIC "/revision", "0x01\n");
	assert_file(&t, "sys/" NIC "/irq", "17\n");
	e = entry(&t, "sys/" NIC "/config");
	assert_int_equal(e->len, 4096);
	/* Region lines: not those inside a capability (the VF BAR, two tabs) */
	e = entry(&t, "sys/" NIC "/resource");
	assert_non_null(strstr(e->data, "0x00000000f7c00000 0x00000000f7c1ffff 0x0000000000000200\n"
					"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
					"0x000000000000e000 0x000000000000e01f 0x0000000000000100\n"
					"0x00000000f7c40000 0x00000000f7c43fff 0x0000000000102200\n"));
	/* the ROM, prefetchable as the kernel marks it */
	assert_non_null(strstr(e->data, "0x00000000f7b00000 0x00000000f7b7ffff 0x0000000000002200\n"));
	assert_link(&t, "sys/" NIC "/driver", "../../../../bus/pci/drivers/igb");
	assert_link(&t, "sys/bus/pci/drivers/igb/0000:03:00.0", "../../../../" NIC);
	assert_int_equal(d->f[1].dump_group, 14);
	/* no reset_method: the kernel's choice is not in a dump */
	assert_null(dda_ftree_find(&t, "sys/" NIC "/reset_method"));
	assert_non_null(dda_ftree_find(&t, "sys/" NIC "/reset"));
	dda_ftree_release(&t);
	dda_lspci_dump_free(d);
	free(dump);
}

static void test_vfs(void **state)
{
	struct dda_ftree t = { 0 };
	struct dda_lspci_dump *d = NULL;
	struct dump *dump = calloc(1, sizeof(*dump));

	(void)state;
	nic_dump(dump, false);
	assert_int_equal(dda_lspci_dump_tree(dump->text, dump->len, "t", &t, &d), 0);
	assert_false(d->drivers_known);
	assert_file(&t, "sys/" NIC "/sriov_totalvfs", "7\n");
	assert_file(&t, "sys/" NIC "/sriov_numvfs", "2\n");
	/* VF n at the PF's routing id + offset + n * stride */
	assert_link(&t, "sys/" NIC "/virtfn0", "../../../../" RP "/0000:03:10.0");
	assert_link(&t, "sys/" NIC "/virtfn1", "../../../../" RP "/0000:03:10.2");
	assert_link(&t, "sys/" RP "/0000:03:10.2/physfn", "../../../../" NIC);
	/* the ids the kernel gives a VF: the PF's vendor, the VF Device ID */
	assert_file(&t, "sys/" RP "/0000:03:10.2/vendor", "0x8086\n");
	assert_file(&t, "sys/" RP "/0000:03:10.2/device", "0x10ca\n");
	assert_null(dda_ftree_find(&t, "sys/" NIC "/driver"));
	dda_ftree_release(&t);
	dda_lspci_dump_free(d);
	free(dump);
}

/* lspci without -D; a powered-down GPU whose config space reads all ones
 * but whose class lspci printed from sysfs. */
static void test_no_domain_d3cold(void **state)
{
	struct dda_ftree t = { 0 };
	struct dda_lspci_dump *d = NULL;
	struct dump *dump = calloc(1, sizeof(*dump));
	uint8_t c[256];

	(void)state;
	memset(c, 0xff, sizeof(c));
	line(dump, "01:00.0 3D controller [0302]: NVIDIA Corporation TU117M [10de:1f9d] (rev ff)");
	hex(dump, c, 256);
	assert_int_equal(dda_lspci_dump_tree(dump->text, dump->len, "t", &t, &d), 0);
	assert_string_equal(d->f[0].name, "0000:01:00.0");
	assert_file(&t, "sys/devices/pci0000:01/0000:01:00.0/class", "0x030200\n");
	assert_file(&t, "sys/devices/pci0000:01/0000:01:00.0/device", "0x1f9d\n");
	assert_int_equal(entry(&t, "sys/devices/pci0000:01/0000:01:00.0/config")->len, 256);
	dda_ftree_release(&t);
	dda_lspci_dump_free(d);
	free(dump);
}

static void expect_refused(const char *text, int err, const char *msg)
{
	struct dda_ftree t = { 0 };
	struct dda_lspci_dump *d = NULL;

	dda_error_clear();
	assert_int_equal(dda_lspci_dump_tree(text, strlen(text), "posted.txt", &t, &d), err);
	assert_null(d);
	assert_non_null(strstr(dda_last_error()->message, msg));
	dda_ftree_release(&t);
}

static void test_refused(void **state)
{
	struct dump *dump = calloc(1, sizeof(*dump));
	uint8_t c[4096];

	(void)state;
	expect_refused("", -EINVAL, "holds no PCI function");
	expect_refused("hello world\n", -EINVAL, "no PCI address");
	/* lspci -vvv without -xxx: no bytes to survey */
	expect_refused("0000:00:00.0 Host bridge [0600]: Intel [8086:3e30]\n\tControl: I/O-\n", -EINVAL,
		       "run lspci with -xxxx");
	expect_refused("0000:00:00.0 Host bridge [0600]: Intel [8086:3e30]\n00: 86 80 30 3e zz\n", -EINVAL,
		       "malformed hex dump line");
	/* two bridges, each on the other's secondary bus */
	bridge_cfg(c, 0x8086, 0x1, 1, 2, 2, 4);
	line(dump, "0000:01:00.0 PCI bridge [0604]: x [8086:0001]");
	hex(dump, c, 256);
	bridge_cfg(c, 0x8086, 0x2, 2, 1, 1, 4);
	line(dump, "0000:02:00.0 PCI bridge [0604]: x [8086:0002]");
	hex(dump, c, 256);
	expect_refused(dump->text, -ELOOP, "form a loop");
	free(dump);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_ids_bars),
		cmocka_unit_test(test_vfs),
		cmocka_unit_test(test_no_domain_d3cold),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
