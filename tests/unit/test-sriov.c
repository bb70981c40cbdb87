/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SR-IOV (sriov.h, vfnet.h) on a fake host: the parsing and formatting of
 * VF policies, and every refusal of `vf set` that must leave the host and
 * the state untouched (too many VFs, a PF in the pool, a VF a stopped VM
 * would lose, a VF the host uses), the intent recorded before the first
 * sysfs write, and a count already in place kept without touching sysfs.
 * Creating VFs for real needs a kernel: that is the lab's sriov scenario.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <net/if.h>

#include "helpers.h"
#include "kmodel-helpers.h"
#include "audit.h"
#include "error.h"
#include "pool.h"
#include "sriov.h"
#include "state.h"
#include "vfnet.h"
#include "vm.h"

/* ------------------------------------------------------------ pure parts */

static void test_mac_parse(void **state)
{
	uint8_t mac[6];
	char buf[18];

	(void)state;
	assert_int_equal(dda_vf_mac_parse("52:54:00:AA:0b:01", mac), 0);
	dda_vf_mac_format(mac, buf);
	assert_string_equal(buf, "52:54:00:aa:0b:01");
	assert_int_equal(dda_vf_mac_parse("52:54:00:aa:0b", mac), -EINVAL);
	assert_int_equal(dda_vf_mac_parse("52:54:00:aa:0b:0g", mac), -EINVAL);
	assert_int_equal(dda_vf_mac_parse("52-54-00-aa-0b-01", mac), -EINVAL);
	assert_int_equal(dda_vf_mac_parse("0x:54:00:aa:0b:01", mac), -EINVAL);
	assert_int_equal(dda_vf_mac_parse("", mac), -EINVAL);
}

static void test_link_and_format(void **state)
{
	struct dda_vf_policy p = { 0 };
	enum dda_vf_link l;
	char buf[256];

	(void)state;
	assert_int_equal(dda_vf_link_parse("disable", &l), 0);
	assert_int_equal(l, DDA_VF_LINK_DISABLE);
	assert_int_equal(dda_vf_link_parse("down", &l), -EINVAL);
	assert_string_equal(dda_vf_opt_name(DDA_VF_LINK), "--link");
	assert_string_equal(dda_vf_opt_name(DDA_VF_SPOOFCHK), "--spoof-check");

	dda_vf_policy_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "");
	p.set = DDA_VF_VLAN | DDA_VF_TRUST | DDA_VF_RATE | DDA_VF_MAC;
	p.vlan = 100;
	p.trust = true;
	p.rate = 250;
	assert_int_equal(dda_vf_mac_parse("52:54:00:aa:00:01", p.mac), 0);
	dda_vf_policy_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "mac 52:54:00:aa:00:01 vlan 100 trust on rate 250");
}

/* ------------------------------------------------------- on a fake host */

/* A PF with num of 8 VFs present, bound to `driver`; VFs in groups 3.. */
static void add_pf(struct fx *f, uint16_t num, const char *driver)
{
	struct fh_dev e = good_ep();

	base(f);
	e.caps |= FH_SRIOV | FH_ARI;
	e.sriov_total = 8;
	e.sriov_num = num;
	e.vf_device = 0x154c;
	e.vf_bars[0] = (struct fh_bar){ 64 << 10, FH_BAR_64 | FH_BAR_PREF };
	e.driver = driver;
	add_dev(f, &e);
	for (unsigned i = 0; i < num; i++) {
		char vf[FH_ADDR_LEN];

		MUST(fh_vf_addr(f->fh, EP, i, vf));
		ADD(f, .addr = vf, .physfn = EP, .caps = FH_MSIX | FH_FLR, .group = FH_GROUP(3 + (int)i),
		    .reset_method = "flr", .reset = true);
	}
}

static void read_attr(struct fx *f, const char *addr, const char *attr, char *buf, size_t size)
{
	char path[PATH_MAX];
	FILE *fp;

	dev_path(f, path, sizeof(path), addr, attr);
	fp = fopen(path, "r");
	if (!fp || !fgets(buf, (int)size, fp))
		fail_msg("cannot read %s", path);
	fclose(fp);
	buf[strcspn(buf, "\n")] = '\0';
}

static void expect_message(const char *want)
{
	const char *msg = dda_last_error()->message;

	if (!strstr(msg, want))
		fail_msg("error \"%s\" does not say \"%s\"", msg, want);
}

static void test_set_too_many(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_sriov_config c;
	struct dda_repair rep = { 0 };
	char num[16];

	add_pf(f, 2, "i40e");
	s = fx_state(f);
	assert_int_equal(dda_sriov_set(s, EP, 9, 0, &rep), -ERANGE);
	expect_message("at most 8 VFs");
	read_attr(f, EP, "sriov_numvfs", num, sizeof(num));
	assert_string_equal(num, "2");
	assert_int_equal(dda_sriov_config_get(s, "PCIROOT(0)#PCI(0100)#PCI(0000)", &c), -ENOENT);
	/* a refusal changes nothing: nothing to audit */
	{
		_cleanup_free_ struct dda_audit_row *v = NULL;
		size_t n;

		assert_int_equal(dda_audit_list(s, NULL, &v, &n), 0);
		assert_int_equal(n, 0);
	}
}

static void test_set_pf_in_pool(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_repair rep = { 0 };

	add_pf(f, 0, "vfio-pci");
	s = fx_state(f);
	assert_int_equal(dda_sriov_set(s, EP, 2, DDA_SRIOV_POOL, &rep), -EBUSY);
	expect_message("is in the pool");
}

static void test_set_not_a_pf(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_repair rep = { 0 };
	char vf0[FH_ADDR_LEN];

	add_pf(f, 1, "i40e");
	MUST(fh_vf_addr(f->fh, EP, 0, vf0));
	s = fx_state(f);
	assert_int_equal(dda_sriov_set(s, RP, 1, 0, &rep), -ENOTSUP);
	expect_message("not SR-IOV capable");
	assert_int_equal(dda_sriov_set(s, vf0, 1, 0, &rep), -ENOTSUP);
}

/* VF 1 is pooled and assigned to a stopped VM: a count of 1 would destroy
 * it for good, so it is refused naming the VM; nothing is written. */
static void test_set_vf_assigned(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_repair rep = { 0 };
	struct dda_vm_device vd = { 0 };
	struct dda_sriov_config c;
	struct dda_pool_entry e;
	struct dda_vm vm;
	char vf1[FH_ADDR_LEN], num[16];
	struct dda_device *d;

	add_pf(f, 2, "i40e");
	MUST(fh_vf_addr(f->fh, EP, 1, vf1));
	s = fx_state(f);
	scan_only(f);
	d = dev(f, vf1);
	assert_int_equal(dda_pool_record(s, d, ""), 0);
	dda_vm_init(&vm, "lab1");
	assert_int_equal(dda_vm_create(s, &vm), 0);
	snprintf(vd.address, sizeof(vd.address), "%s", d->name);
	snprintf(vd.vm, sizeof(vd.vm), "lab1");
	snprintf(vd.location_path, sizeof(vd.location_path), "%s", d->location_path);
	vd.vendor = d->vendor;
	vd.device = d->device;
	vd.requested = true;
	vd.state = DDA_VM_DEVICE_ASSIGNED;
	assert_int_equal(dda_vm_device_put(s, &vd), 0);

	assert_int_equal(dda_sriov_set(s, EP, 1, 0, &rep), -EBUSY);
	expect_message("assigned to VM 'lab1' and would not come back");
	expect_message(vf1);
	read_attr(f, EP, "sriov_numvfs", num, sizeof(num));
	assert_string_equal(num, "2");
	assert_int_equal(dda_pool_get(s, vf1, &e), 0);
	assert_int_equal(dda_sriov_config_get(s, "PCIROOT(0)#PCI(0100)#PCI(0000)", &c), -ENOENT);
}

/* A VF with an interface that is up with a route is the host's: refused. */
static void test_set_vf_host_use(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_repair rep = { 0 };
	char vf0[FH_ADDR_LEN];

	add_pf(f, 1, "i40e");
	MUST(fh_vf_addr(f->fh, EP, 0, vf0));
	MUST(fh_net(f->fh, "enp1s0f0v0", vf0, IFF_UP | IFF_RUNNING, "up"));
	MUST(fh_route4(f->fh, "enp1s0f0v0", "00000000", "0101A8C0", "00000000"));
	s = fx_state(f);
	assert_int_equal(dda_sriov_set(s, EP, 0, 0, &rep), -EBUSY);
	expect_message("is used by the host");
	expect_message("enp1s0f0v0");
}

/* The count is already there: kept as the configuration, sysfs untouched. */
static void test_set_in_place(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_repair rep = { 0 };
	struct dda_sriov_config c;

	add_pf(f, 2, "i40e");
	s = fx_state(f);
	assert_int_equal(dda_sriov_set(s, "PCIROOT(0)#PCI(0100)#PCI(0000)", 2, 0, &rep), 0);
	assert_int_equal(rep.n, 1);
	assert_non_null(strstr(rep.lines[0], "already has 2 VFs"));
	assert_int_equal(dda_sriov_config_get(s, "PCIROOT(0)#PCI(0100)#PCI(0000)", &c), 0);
	assert_int_equal(c.count, 2);
	assert_false(c.pool);
	assert_false(c.changing);
	assert_int_equal(c.autoprobe_saved, -1);
	assert_string_equal(c.address, EP);
}

/* The intent is committed before the first sysfs write: a PF that never
 * gets its VFs down to 0 (the fake sysfs does not remove the virtfn links)
 * leaves a 'changing' record with the wanted count and pool flag for the
 * next run or the boot restore to finish. */
static void test_set_intent_first(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_repair rep = { 0 };
	struct dda_sriov_config c;

	add_pf(f, 2, "i40e");
	s = fx_state(f);
	assert_int_equal(dda_sriov_set(s, EP, 3, DDA_SRIOV_POOL, &rep), -ETIMEDOUT);
	assert_string_equal(dda_last_error()->code, "sriov-timeout");
	assert_int_equal(dda_sriov_config_get(s, "PCIROOT(0)#PCI(0100)#PCI(0000)", &c), 0);
	assert_int_equal(c.count, 3);
	assert_true(c.pool);
	assert_true(c.changing);
	/* The intent stays for a re-run: failed, not rolled back. */
	{
		_cleanup_free_ struct dda_audit_row *v = NULL;
		size_t n;

		assert_int_equal(dda_audit_list(s, NULL, &v, &n), 0);
		assert_int_equal(n, 1);
		assert_string_equal(v[0].op, "vf set");
		assert_string_equal(v[0].device, EP);
		assert_string_equal(v[0].outcome, "failed");
		assert_string_equal(v[0].detail, "3 VFs, pooled, from 2");
		expect_contains(v[0].reason, "sriov");
	}
}

/* Under a fake root the running kernel's rtnetlink is never used, and a
 * refused policy is not stored. */
static void test_config_fake_root(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_vf_policy p = { .set = DDA_VF_VLAN, .vlan = 100 }, got;

	add_pf(f, 1, "i40e");
	MUST(fh_net(f->fh, "enp1s0f0", EP, IFF_UP, "up"));
	s = fx_state(f);
	scan_only(f);
	assert_int_equal(dda_sriov_vf_config(s, dev(f, EP), 0, &p, NULL), -ENOTSUP);
	assert_string_equal(dda_last_error()->code, "no-netlink");
	assert_int_equal(dda_sriov_vf_policy_get(s, dev(f, EP), 0, &got), -ENOENT);
	/* the attempt is on record, failed, with the error it returned */
	{
		_cleanup_free_ struct dda_audit_row *v = NULL;
		size_t n;

		assert_int_equal(dda_audit_list(s, NULL, &v, &n), 0);
		assert_int_equal(n, 1);
		assert_string_equal(v[0].op, "vf config");
		assert_string_equal(v[0].outcome, "failed");
		assert_string_equal(v[0].detail, "VF 0: nothing kept");
		assert_string_equal(v[0].reason, dda_last_error()->message);
		assert_string_equal(dda_last_error()->code, "no-netlink");
	}
	/* a VF with no stored policy needs nothing before a VM starts */
	assert_int_equal(dda_sriov_vf_prepare(s, dev(f, "0000:01:10.0")), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_parse),
		cmocka_unit_test(test_link_and_format),
		T(test_set_too_many),
		T(test_set_pf_in_pool),
		T(test_set_not_a_pf),
		T(test_set_vf_assigned),
		T(test_set_vf_host_use),
		T(test_set_in_place),
		T(test_set_intent_first),
		T(test_config_fake_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
