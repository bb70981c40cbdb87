/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The survey as JSON (report.h): field names and types are stable API that
 * scripts read, so every documented field is checked for presence, type
 * and value on a host whose answers are known.
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
#include "helpers.h"
#include "report.h"

#define NOGROUP "0000:00:1f.0"

static struct json_object *get(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	if (!json_object_is_type(v, type))
		fail_msg("\"%s\" is %s, expected %s", key, json_type_to_name(json_object_get_type(v)),
			 json_type_to_name(type));
	return v;
}

static const char *get_str(struct json_object *o, const char *key)
{
	return json_object_get_string(get(o, key, json_type_string));
}

static int64_t get_int(struct json_object *o, const char *key)
{
	return json_object_get_int64(get(o, key, json_type_int));
}

static bool get_bool(struct json_object *o, const char *key)
{
	return json_object_get_boolean(get(o, key, json_type_boolean));
}

static void expect_null_field(struct json_object *o, const char *key)
{
	get(o, key, json_type_null);
}

/* "name" comes from pci.ids, which a build host may not have */
static void expect_str_or_null(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\"", key);
	assert_true(v == NULL || json_object_is_type(v, json_type_string));
}

static struct json_object *device_by_address(struct json_object *survey, const char *addr)
{
	struct json_object *devs = get(survey, "devices", json_type_array);

	for (size_t i = 0; i < json_object_array_length(devs); i++) {
		struct json_object *d = json_object_array_get_idx(devs, i);

		if (!strcmp(get_str(d, "address"), addr))
			return d;
	}
	fail_msg("no device %s in the survey", addr);
	return NULL;
}

/* A NIC with everything to report: BARs of every kind, a ROM, VFs, reasons. */
static void nic_host(struct fx *f)
{
	struct fh_dev e = good_ep();
	char vf0[FH_ADDR_LEN];

	base(f);
	e.caps |= FH_SRIOV | FH_ARI;
	e.sriov_total = 8;
	e.sriov_num = 1;
	e.vf_device = 0x154c;
	e.vf_bars[0] = (struct fh_bar){ 64 << 10, FH_BAR_64 | FH_BAR_PREF };
	e.bars[0] = (struct fh_bar){ 16 << 20 };
	e.bars[1] = (struct fh_bar){ 256 << 20, FH_BAR_64 | FH_BAR_PREF };
	e.bars[3] = (struct fh_bar){ 1 << 20, FH_BAR_64 };
	e.bars[5] = (struct fh_bar){ 32, FH_BAR_IO };
	e.rom_size = 64 << 10;
	add_dev(f, &e);
	MUST(fh_vf_addr(f->fh, EP, 0, vf0));
	ADD(f, .addr = vf0, .physfn = EP, .caps = FH_MSIX | FH_FLR, .group = FH_GROUP(3), .reset_method = "flr");
	/* a function without a group: its group fields are empty, not missing */
	ADD(f, .addr = NOGROUP, .type = FH_PCI, .class = 0x060100, .driver = "lpc_ich");
}

static void test_survey_shape(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *host, *devs;

	nic_host(f);
	scan(f);
	o = dda_report_survey(f->h, NULL, 0);
	assert_non_null(o);
	assert_int_equal(json_object_object_length(o), 2);
	host = get(o, "host", json_type_object);
	devs = get(o, "devices", json_type_array);
	/* every function, in address order */
	assert_int_equal(json_object_array_length(devs), f->h->ndevs);
	for (size_t i = 0; i < f->h->ndevs; i++)
		assert_string_equal(get_str(json_object_array_get_idx(devs, i), "address"), f->h->devs[i].name);

	assert_string_equal(get_str(host, "kernel"), "6.8.0-fakehost");
	get(host, "iommu", json_type_object);
	assert_true(get_bool(get(host, "iommu", json_type_object), "enabled"));
	assert_int_equal(get_int(get(host, "iommu", json_type_object), "groups"), 4);
	assert_int_equal(json_object_array_length(get(get(host, "iommu", json_type_object), "units", json_type_array)),
			 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(get(get(host, "iommu", json_type_object),
										 "units", json_type_array),
									     0)),
			    "dmar0");
	get(get(host, "iommu", json_type_object), "kernel_parameters", json_type_string);
	get(get(host, "iommu", json_type_object), "passthrough", json_type_boolean);
	get(host, "interrupt_remapping", json_type_object);
	get_str(host, "vfio_pci");
	get_bool(host, "full_config_access");
	assert_int_equal(get_int(host, "pci_functions"), f->h->ndevs);
	get_bool(host, "ready");
	get(host, "reasons", json_type_array);
}

static void test_survey_device_fields(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *d, *a, *x, *r;

	nic_host(f);
	scan(f);
	o = dda_report_survey(f->h, NULL, 0);
	d = device_by_address(o, EP);

	assert_string_equal(get_str(d, "location_path"), "PCIROOT(0)#PCI(0100)#PCI(0000)");
	/* ids print as lspci -n does: lower-case hex, fixed width */
	assert_string_equal(get_str(d, "vendor_id"), "8086");
	assert_string_equal(get_str(d, "device_id"), "1572");
	assert_string_equal(get_str(d, "subsystem_vendor_id"), "8086");
	assert_string_equal(get_str(d, "subsystem_device_id"), "0001");
	assert_string_equal(get_str(d, "class"), "020000");
	expect_str_or_null(d, "name");
	assert_string_equal(get_str(d, "driver"), "i40e");
	assert_int_equal(get_int(d, "iommu_group"), 2);
	a = get(d, "group_members", json_type_array);
	assert_int_equal(json_object_array_length(a), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 0)), EP);
	assert_string_equal(get_str(d, "type"), "endpoint");
	assert_string_equal(get_str(d, "parent"), RP);

	x = get(d, "interrupts", json_type_object);
	assert_true(get_bool(x, "intx"));
	assert_false(get_bool(x, "msi"));
	assert_true(get_bool(x, "msix"));

	a = get(d, "reset_methods", json_type_array);
	assert_int_equal(json_object_array_length(a), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 0)), "flr");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 1)), "bus");

	a = get(d, "bars", json_type_array);
	assert_int_equal(json_object_array_length(a), 5);
	x = json_object_array_get_idx(a, 0);
	assert_int_equal(get_int(x, "index"), 0);
	assert_int_equal(get_int(x, "size_bytes"), 16 << 20);
	assert_false(get_bool(x, "64bit"));
	assert_false(get_bool(x, "prefetchable"));
	assert_string_equal(get_str(x, "type"), "memory");
	x = json_object_array_get_idx(a, 1);
	assert_int_equal(get_int(x, "index"), 1);
	assert_int_equal(get_int(x, "size_bytes"), 256 << 20);
	assert_true(get_bool(x, "64bit"));
	assert_true(get_bool(x, "prefetchable"));
	x = json_object_array_get_idx(a, 3);
	assert_int_equal(get_int(x, "index"), 5);
	assert_string_equal(get_str(x, "type"), "io");
	x = json_object_array_get_idx(a, 4);
	assert_int_equal(get_int(x, "index"), 6);
	assert_string_equal(get_str(x, "type"), "rom");
	assert_int_equal(get_int(x, "size_bytes"), 64 << 10);

	x = get(d, "mmio", json_type_object);
	assert_int_equal(get_int(x, "below_4g_bytes"), (16 << 20) + (1 << 20) + (64 << 10));
	assert_int_equal(get_int(x, "above_4g_bytes"), 256 << 20);

	x = get(d, "sriov", json_type_object);
	assert_int_equal(get_int(x, "total_vfs"), 8);
	assert_int_equal(get_int(x, "enabled_vfs"), 1);

	/* one reason per check that failed, with what the library said */
	a = get(d, "reasons", json_type_array);
	assert_int_equal(json_object_array_length(a), dev(f, EP)->nreasons);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		const struct dda_reason *want = &dev(f, EP)->reasons[i];

		r = json_object_array_get_idx(a, i);
		assert_string_equal(get_str(r, "code"), want->code);
		assert_string_equal(get_str(r, "severity"), dda_severity_name(want->severity));
		assert_string_equal(get_str(r, "message"), want->message);
		assert_string_equal(get_str(r, "hint"), want->hint);
	}
	/* the active PF blocks, the I/O BAR informs */
	r = NULL;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!strcmp(get_str(json_object_array_get_idx(a, i), "code"), "sriov-pf-active"))
			r = json_object_array_get_idx(a, i);
	assert_non_null(r);
	assert_string_equal(get_str(r, "severity"), "block");
	assert_string_equal(get_str(d, "verdict"), "not-assignable");
}

static void test_survey_vf_fields(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ struct json_object *o = NULL;
	char vf0[FH_ADDR_LEN];
	struct json_object *d, *x;

	nic_host(f);
	MUST(fh_vf_addr(f->fh, EP, 0, vf0));
	scan(f);
	o = dda_report_survey(f->h, NULL, 0);
	d = device_by_address(o, vf0);
	assert_string_equal(get_str(d, "physfn"), EP);
	assert_int_equal(get_int(d, "vf_index"), 0);
	assert_string_equal(get_str(d, "location_path"), "PCIROOT(0)#PCI(0100)#PCI(0000)#VF(0)");
	assert_string_equal(get_str(d, "device_id"), "154c");
	/* not a PF: the key is there, null */
	assert_true(json_object_object_get_ex(d, "sriov", &x) && x == NULL);
	/* a PF has no physfn nor VF index */
	assert_true(json_object_object_get_ex(device_by_address(o, EP), "physfn", &x) && x == NULL);
	assert_true(json_object_object_get_ex(device_by_address(o, EP), "vf_index", &x) && x == NULL);
}

static void test_survey_nulls(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *d, *r;

	nic_host(f);
	scan(f);
	o = dda_report_survey(f->h, NULL, 0);
	d = device_by_address(o, NOGROUP);
	/* unknown is null, an empty list is [] */
	expect_null_field(d, "iommu_group");
	assert_int_equal(json_object_array_length(get(d, "group_members", json_type_array)), 0);
	expect_null_field(d, "parent");
	assert_int_equal(json_object_array_length(get(d, "reset_methods", json_type_array)), 0);
	assert_int_equal(json_object_array_length(get(d, "bars", json_type_array)), 0);
	assert_int_equal(get_int(get(d, "mmio", json_type_object), "below_4g_bytes"), 0);
	/* an unbound function has a null driver */
	d = device_by_address(o, RP);
	assert_string_equal(get_str(d, "driver"), "pcieport");
	d = device_by_address(o, HB);
	expect_null_field(d, "driver");
	/* group-shared carries an explanation; reasons without one say null */
	d = device_by_address(o, EP);
	for (size_t i = 0; i < json_object_array_length(get(d, "reasons", json_type_array)); i++) {
		r = json_object_array_get_idx(get(d, "reasons", json_type_array), i);
		expect_null_field(r, "explain");
	}
}

/* Two functions of a multifunction device without ACS: one group. */
static void group_host(struct fx *f)
{
	struct fh_dev e = good_ep(), e1 = good_ep();

	base(f);
	e.multifunction = true;
	add_dev(f, &e);
	e1.addr = EP_F1;
	add_dev(f, &e1);
}

static void test_survey_explain(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *a, *r = NULL;

	group_host(f);
	scan(f);
	o = dda_report_survey(f->h, NULL, 0);
	a = get(device_by_address(o, EP), "reasons", json_type_array);
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!strcmp(get_str(json_object_array_get_idx(a, i), "code"), "group-shared"))
			r = json_object_array_get_idx(a, i);
	assert_non_null(r);
	expect_contains(get_str(r, "explain"), "multifunction");
	a = get(device_by_address(o, EP), "group_members", json_type_array);
	assert_int_equal(json_object_array_length(a), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 1)), EP_F1);
}

static void test_survey_only(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ struct json_object *o = NULL;
	struct dda_device *only[2];
	struct json_object *devs;

	nic_host(f);
	scan(f);
	only[0] = dev(f, RP);
	only[1] = dev(f, EP);
	o = dda_report_survey(f->h, only, 2);
	devs = get(o, "devices", json_type_array);
	/* the named devices, in the order named */
	assert_int_equal(json_object_array_length(devs), 2);
	assert_string_equal(get_str(json_object_array_get_idx(devs, 0), "address"), RP);
	assert_string_equal(get_str(json_object_array_get_idx(devs, 1), "address"), EP);
	/* the host section describes the whole host still */
	assert_int_equal(get_int(get(o, "host", json_type_object), "pci_functions"), f->h->ndevs);
}

/* `survey DEVICE` reads the host scoped to the device (dda_host_scan_for):
 * every function's entry, and the host section, must come out exactly as
 * the whole survey has them. */
static void expect_scoped_equal(struct fx *f)
{
	_cleanup_json_ struct json_object *full = NULL, *fullhost = NULL;

	scan(f);
	full = dda_report_survey(f->h, NULL, 0);
	fullhost = dda_report_host(f->h);
	assert_non_null(full);
	for (size_t i = 0; i < f->h->ndevs; i++) {
		_cleanup_(dda_host_freep) struct dda_host *hs = NULL;
		_cleanup_json_ struct json_object *one = NULL, *host = NULL;
		struct dda_device *d;

		assert_int_equal(dda_host_scan_for(f->ctx, &hs, DDA_SCAN_NAMES | DDA_SCAN_HOST_USE, &f->h->devs[i].addr,
						   1),
				 0);
		assert_int_equal(dda_checks_run(hs), 0);
		assert_true(hs->ndevs <= f->h->ndevs);
		d = dda_host_find(hs, &f->h->devs[i].addr);
		assert_non_null(d);
		one = dda_report_device(d);
		host = dda_report_host(hs);
		if (!json_object_equal(one, device_by_address(full, f->h->devs[i].name)))
			fail_msg("%s scoped: %s\nwhole: %s", f->h->devs[i].name, json_object_to_json_string(one),
				 json_object_to_json_string(device_by_address(full, f->h->devs[i].name)));
		assert_true(json_object_equal(host, fullhost));
	}
}

static void test_scoped_nic(void **state)
{
	nic_host(*state);
	expect_scoped_equal(*state);
}

/* A group of two functions: each one's scan reads the other. */
static void test_scoped_group(void **state)
{
	group_host(*state);
	expect_scoped_equal(*state);
}

/* A target that is no function of the host is simply not read. */
static void test_scoped_absent(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_host_freep) struct dda_host *hs = NULL;
	struct dda_pciaddr a;

	nic_host(f);
	assert_int_equal(dda_pciaddr_parse("0000:7f:1f.7", &a), 0);
	assert_int_equal(dda_host_scan_for(f->ctx, &hs, 0, &a, 1), 0);
	assert_null(dda_host_find(hs, &a));
	assert_true(hs->nfunctions > 0);
}

/* The text of the document parses back to the same document. */
static void test_survey_serialises(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ struct json_object *o = NULL, *back = NULL;
	const char *text;

	nic_host(f);
	scan(f);
	o = dda_report_survey(f->h, NULL, 0);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	assert_non_null(text);
	back = json_tokener_parse(text);
	assert_non_null(back);
	assert_true(json_object_equal(o, back));
}

static void test_host_section_iommu_off(void **state)
{
	struct fx *f = *state;
	_cleanup_json_ struct json_object *host = NULL;
	struct json_object *iommu, *ir;

	ADD(f, .addr = HB, .type = FH_HOST_BRIDGE);
	scan(f);
	host = dda_report_host(f->h);
	iommu = get(host, "iommu", json_type_object);
	assert_false(get_bool(iommu, "enabled"));
	assert_int_equal(get_int(iommu, "groups"), 0);
	assert_int_equal(json_object_array_length(get(iommu, "units", json_type_array)), 0);
	ir = get(host, "interrupt_remapping", json_type_object);
	/* unknown, not false */
	expect_null_field(ir, "enabled");
	assert_false(get_bool(host, "ready"));
}

static void test_error_shape(void **state)
{
	struct dda_error_info e = { .err = -EINVAL };
	_cleanup_json_ struct json_object *o = NULL, *o2 = NULL, *o3 = NULL;
	struct json_object *err;

	(void)state;
	snprintf(e.code, sizeof(e.code), "bad-device");
	snprintf(e.device, sizeof(e.device), "bogus");
	snprintf(e.message, sizeof(e.message), "'bogus' is neither a PCI address nor a location path");
	o = dda_report_error(&e);
	assert_int_equal(json_object_object_length(o), 1);
	err = get(o, "error", json_type_object);
	assert_int_equal(json_object_object_length(err), 4);
	assert_string_equal(get_str(err, "code"), "bad-device");
	assert_string_equal(get_str(err, "message"), e.message);
	assert_string_equal(get_str(err, "device"), "bogus");
	expect_null_field(err, "hint");

	/* no code: "error"; no device: null */
	memset(&e, 0, sizeof(e));
	e.err = -EIO;
	snprintf(e.message, sizeof(e.message), "something failed");
	o2 = dda_report_error(&e);
	err = get(o2, "error", json_type_object);
	assert_string_equal(get_str(err, "code"), "error");
	expect_null_field(err, "device");

	/* a fix given apart is its own key */
	dda_error(-EBUSY, "0000:01:00.0", "refusing: busy (unmount it)");
	assert_int_equal(dda_error_hint("unmount it"), -EBUSY);
	o3 = dda_report_error(dda_last_error());
	err = get(o3, "error", json_type_object);
	assert_string_equal(get_str(err, "hint"), "unmount it");
	/* the next error does not inherit it */
	dda_error(-EIO, NULL, "other");
	assert_string_equal(dda_last_error()->hint, "");
}

static void test_error_from_resolve(void **state)
{
	struct fx *f = *state;
	struct fh_dev e = good_ep();
	_cleanup_json_ struct json_object *o = NULL;
	struct dda_device *d;
	struct json_object *err;

	base(f);
	add_dev(f, &e);
	scan(f);
	assert_int_equal(dda_host_resolve(f->h, "0000:7f:00.0", &d), -ENODEV);
	o = dda_report_error(dda_last_error());
	err = get(o, "error", json_type_object);
	assert_string_equal(get_str(err, "code"), "no-device");
	assert_string_equal(get_str(err, "device"), "0000:7f:00.0");
}

static void test_json_hex(void **state)
{
	_cleanup_json_ struct json_object *a = dda_json_hex(0x8086, 4), *b = dda_json_hex(0x20000, 6),
					  *c = dda_json_hex(0xab, 4);

	(void)state;
	assert_string_equal(json_object_get_string(a), "8086");
	assert_string_equal(json_object_get_string(b), "020000");
	assert_string_equal(json_object_get_string(c), "00ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_survey_shape),		T(test_survey_device_fields),
		T(test_survey_vf_fields),	T(test_survey_nulls),
		T(test_survey_explain),		T(test_survey_only),
		T(test_survey_serialises),	T(test_scoped_nic),
		T(test_scoped_group),		T(test_scoped_absent),
		T(test_host_section_iommu_off), cmocka_unit_test(test_error_shape),
		T(test_error_from_resolve),	cmocka_unit_test(test_json_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
