/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VM definitions and device ownership (vm.h, and the stopped-VM half of
 * vmrun.h) on a fake host with a real state database: define and delete,
 * add-device by address, by location path, by "any like this" and from a
 * named pool, remove-device, and every refusal that keeps one owner per
 * device.  Nothing here runs QEMU: test-vmrun does, against a fake one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "vm-helpers.h"
#include "error.h"
#include "pool.h"
#include "qemu.h"
#include "state.h"
#include "vm.h"
#include "vmrun.h"

static struct dda_state *pooled(struct fx *f, ...)
{
	struct dda_state *s;
	const char *a;
	va_list ap;

	vm_host(f);
	s = fx_state(f);
	scan_only(f);
	va_start(ap, f);
	while ((a = va_arg(ap, const char *)))
		vm_pool(f, s, a);
	va_end(ap);
	return s;
}

static void new_vm(struct dda_state *s, const char *name)
{
	struct dda_vm vm;

	dda_vm_init(&vm, name);
	assert_int_equal(dda_vm_create(s, &vm), 0);
}

static int assign(struct fx *f, struct dda_state *s, const char *vm, const char *name)
{
	enum dda_assign_result res = DDA_ASSIGN_UNCHANGED;
	struct dda_device *d;
	int r = dda_host_resolve(f->h, name, &d);

	if (r < 0)
		fail_msg("cannot resolve %s: %s", name, dda_last_error()->message);
	r = dda_vmrun_assign(s, f->h, vm, d, &res);
	if (r == 0 && res != DDA_ASSIGN_DONE)
		return 1;
	return r;
}

static int unassign(struct fx *f, struct dda_state *s, const char *vm, const char *addr)
{
	bool pending = true;
	int r = dda_vmrun_unassign(s, f->h, vm, dev(f, addr), 1000, &pending);

	/* a stopped VM lets go at once */
	if (r == 0)
		assert_false(pending);
	return r;
}

/* ------------------------------------------------------------ definitions */

static void test_name_valid(void **state)
{
	char longest[DDA_VM_NAME_MAX + 2];

	(void)state;
	assert_true(dda_vm_name_valid("lab1"));
	assert_true(dda_vm_name_valid("Win-11_gpu.2"));
	memset(longest, 'a', sizeof(longest));
	longest[DDA_VM_NAME_MAX] = '\0';
	assert_true(dda_vm_name_valid(longest));
	longest[DDA_VM_NAME_MAX] = 'a';
	longest[DDA_VM_NAME_MAX + 1] = '\0';
	assert_false(dda_vm_name_valid(longest));
	assert_false(dda_vm_name_valid(""));
	/* directory names and QEMU ids: no paths, no hidden files, no options */
	assert_false(dda_vm_name_valid("."));
	assert_false(dda_vm_name_valid(".."));
	assert_false(dda_vm_name_valid(".hidden"));
	assert_false(dda_vm_name_valid("-rf"));
	assert_false(dda_vm_name_valid("a/b"));
	assert_false(dda_vm_name_valid("a b"));
	assert_false(dda_vm_name_valid("a,b"));
	assert_false(dda_vm_name_valid("vm\n"));
	assert_false(dda_vm_name_valid("\xc3\xa9t\xc3\xa9"));
}

static void test_define_and_delete(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NULL);
	_cleanup_free_ struct dda_vm *list = NULL;
	struct dda_vm vm, got;
	size_t n;

	dda_vm_init(&vm, "lab1");
	assert_int_equal(vm.memory_mb, 1024);
	assert_int_equal(vm.cpus, 1);
	assert_string_equal(vm.firmware, "bios");
	assert_int_equal(vm.mmio_below_mb, -1);
	vm.memory_mb = 4096;
	vm.cpus = 4;
	snprintf(vm.kernel, sizeof(vm.kernel), "/boot/vmlinuz");
	assert_int_equal(dda_vm_create(s, &vm), 0);
	expect_error(dda_vm_create(s, &vm), -EEXIST, "exists", "a VM named 'lab1' already exists");
	new_vm(s, "alpha");

	assert_int_equal(dda_vm_get(s, "lab1", &got), 0);
	assert_int_equal(got.memory_mb, 4096);
	assert_int_equal(got.cpus, 4);
	assert_string_equal(got.kernel, "/boot/vmlinuz");
	assert_int_equal(got.hotplug_ports, 2);
	assert_true(got.created_at[0] == '2');
	got.memory_mb = 512;
	assert_int_equal(dda_vm_update(s, &got), 0);
	assert_int_equal(dda_vm_get(s, "lab1", &got), 0);
	assert_int_equal(got.memory_mb, 512);

	assert_int_equal(dda_vm_list(s, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "alpha");
	assert_string_equal(list[1].name, "lab1");
	expect_error(dda_vm_get(s, "nope", &got), -ENOENT, "no-vm", "no VM 'nope'");
	/* no database yet: no VM, said the same way */
	expect_error(dda_vm_get(NULL, "nope", &got), -ENOENT, "no-vm", "no VM 'nope'");

	/* Deleting a VM frees its devices (they stay in the pool). */
	assert_int_equal(assign(f, s, "lab1", EP), 0);
	assert_int_equal(dda_vm_delete(s, "lab1"), 0);
	expect_error(dda_vm_get(s, "lab1", &got), -ENOENT, "no-vm", "lab1");
	assert_string_equal(owner(s, EP), "");
	assert_string_equal(owner(s, EP_F1), "");
	assert_int_equal(count(s, "SELECT count(*) FROM pool_device WHERE state = 'pooled'"), 2);
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'vm delete' AND device = 'lab1'"), 1);
}

/* ----------------------------------------------------------- add-device */

/* EP by address: it is the VM's, requested; EP_F1 comes along as a
 * companion kept out of QEMU; a second add changes nothing. */
static void test_assign_by_address(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NIC2, NULL);
	_cleanup_free_ struct dda_vm_device *devs = NULL;
	struct dda_vm_device d;
	size_t n;

	new_vm(s, "lab1");
	assert_int_equal(assign(f, s, "lab1", "01:00.0"), 0);
	d = row(s, EP);
	assert_string_equal(d.vm, "lab1");
	assert_true(d.requested);
	assert_int_equal(d.state, DDA_VM_DEVICE_ASSIGNED);
	assert_string_equal(d.location_path, EP_LOCPATH);
	assert_int_equal(d.vendor, 0x8086);
	assert_int_equal(d.device, 0x1572);
	assert_int_equal(d.subdevice, 0x0001);
	assert_string_equal(d.via_pool, "");
	d = row(s, EP_F1);
	assert_string_equal(d.vm, "lab1");
	assert_false(d.requested);
	assert_int_equal(d.device, 0x1573);
	assert_string_equal(owner(s, NIC2), "");
	assert_int_equal(dda_vm_devices(s, "lab1", &devs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'vm add-device' AND device = '0000:01:00.0' "
				  "AND detail = 'to VM lab1' AND outcome = 'done'"),
			 1);

	assert_int_equal(assign(f, s, "lab1", EP), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'vm add-device'"), 1);
}

/* The location path names the same slot as the address. */
static void test_assign_by_location_path(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NIC2, NULL);

	new_vm(s, "lab1");
	assert_int_equal(assign(f, s, "lab1", "PCIROOT(0)#PCI(0200)#PCI(0000)"), 0);
	assert_string_equal(owner(s, NIC2), "lab1");
	assert_string_equal(owner(s, EP), "");
	assert_int_equal(assign(f, s, "lab1", EP_LOCPATH), 0);
	assert_string_equal(owner(s, EP), "lab1");
}

/* A companion first brought along, then named: it becomes a device of its
 * own (given to QEMU), and stays when the device that brought it goes. */
static void test_companion_named_later(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NULL);

	new_vm(s, "lab1");
	assert_int_equal(assign(f, s, "lab1", EP), 0);
	assert_false(row(s, EP_F1).requested);
	assert_int_equal(assign(f, s, "lab1", EP_F1), 0);
	assert_true(row(s, EP_F1).requested);
	assert_true(row(s, EP).requested);
	assert_int_equal(unassign(f, s, "lab1", EP), 0);
	assert_string_equal(owner(s, EP), "");
	assert_string_equal(owner(s, EP_F1), "lab1");
	assert_int_equal(unassign(f, s, "lab1", EP_F1), 0);
	assert_string_equal(owner(s, EP_F1), "");
}

/* Only pooled devices: one the pool never had, and one whose move into or
 * out of the pool is unfinished.  Nothing is recorded. */
static void test_assign_not_in_pool(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NULL);

	new_vm(s, "lab1");
	expect_error(assign(f, s, "lab1", GPU), -ENOENT, "not-in-pool", "'0000:03:00.0' is not in the pool");
	expect_contains(dda_last_error()->message, "ddactl dismount 0000:03:00.0");
	assert_string_equal(owner(s, GPU), "");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sqlite3_exec(dda_state_db(s),
					      i ? "UPDATE pool_device SET state = 'dismounting'" :
						  "UPDATE pool_device SET state = 'mounting'",
					      NULL, NULL, NULL),
				 SQLITE_OK);
		expect_error(assign(f, s, "lab1", EP), -ENOENT, "not-in-pool", "'0000:01:00.0' is not in the pool");
		assert_string_equal(owner(s, EP), "");
		assert_string_equal(owner(s, EP_F1), "");
	}
	assert_int_equal(count(s, "SELECT count(*) FROM vm_device"), 0);
}

/* One owner per device: another VM's device, or a device whose group
 * companion another VM holds, is refused naming the holder; the holder
 * keeps it. */
static void test_assign_held_by_other(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NULL);

	new_vm(s, "lab1");
	new_vm(s, "lab2");
	assert_int_equal(assign(f, s, "lab1", EP), 0);
	expect_error(assign(f, s, "lab2", EP), -EBUSY, "held", "'0000:01:00.0' is held by VM 'lab1'");
	assert_string_equal(owner(s, EP), "lab1");
	assert_true(row(s, EP).requested);
	/* its companion, by name */
	expect_error(assign(f, s, "lab2", EP_F1), -EBUSY, "held", "'0000:01:00.1' is held by VM 'lab1'");
	assert_string_equal(owner(s, EP_F1), "lab1");
	assert_false(row(s, EP_F1).requested);

	/* named later, the companion is lab1's own, and EP its companion */
	assert_int_equal(unassign(f, s, "lab1", EP), 0);
	assert_int_equal(assign(f, s, "lab1", EP_F1), 0);
	expect_error(assign(f, s, "lab2", EP), -EBUSY, "held", "'0000:01:00.0' is held by VM 'lab1'");
	assert_false(row(s, EP).requested);

	/* lab1 holds only the other function (the group grew since): EP
	 * still cannot go elsewhere, since vfio gives a group to one VM */
	assert_int_equal(dda_vm_device_drop(s, EP), 0);
	expect_error(assign(f, s, "lab2", EP), -EBUSY, "held",
		     "'0000:01:00.1', in the IOMMU group of 0000:01:00.0 is held by VM 'lab1'");
	assert_string_equal(owner(s, EP), "");
	assert_int_equal(count(s, "SELECT count(*) FROM vm_device WHERE vm = 'lab2'"), 0);
}

static void test_assign_no_vm(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NULL);

	expect_error(assign(f, s, "ghost", EP), -ENOENT, "no-vm", "no VM 'ghost'");
	assert_string_equal(owner(s, EP), "");
}

/* --any: the first pooled, free device with exactly these ids. */
static void test_find_free(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NIC2, GPU, NULL);
	struct dda_device *d = NULL;

	new_vm(s, "lab1");
	assert_int_equal(dda_vmrun_find_free(s, f->h, 0x8086, 0x1572, &d), 0);
	assert_string_equal(d->name, EP);
	assert_int_equal(dda_vmrun_find_free(s, f->h, 0x10de, 0x1db6, &d), 0);
	assert_string_equal(d->name, GPU);
	/* the subsystem ids or the vendor alone do not match */
	expect_error(dda_vmrun_find_free(s, f->h, 0x8086, 0x1db6, &d), -ENOENT, "none-free",
		     "no free device 8086:1db6 in the pool");
	expect_error(dda_vmrun_find_free(s, f->h, 0x8086, 0x0001, &d), -ENOENT, "none-free", "8086:0001");

	/* held: the next one */
	assert_int_equal(assign(f, s, "lab1", EP), 0);
	assert_int_equal(dda_vmrun_find_free(s, f->h, 0x8086, 0x1572, &d), 0);
	assert_string_equal(d->name, NIC2);
	/* a companion of a held device is not free either */
	assert_int_equal(unassign(f, s, "lab1", EP), 0);
	assert_int_equal(assign(f, s, "lab1", EP_F1), 0);
	assert_int_equal(dda_vmrun_find_free(s, f->h, 0x8086, 0x1572, &d), 0);
	assert_string_equal(d->name, NIC2);
	/* a move that is not finished is not free */
	assert_int_equal(sqlite3_exec(dda_state_db(s),
				      "UPDATE pool_device SET state = 'mounting' WHERE address = '" NIC2 "'", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	expect_error(dda_vmrun_find_free(s, f->h, 0x8086, 0x1572, &d), -ENOENT, "none-free", "8086:1572");
}

/* ---------------------------------------------------------- named pools */

static void test_named_pool(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NIC2, GPU, NULL);
	_cleanup_free_ char(*members)[DDA_PCIADDR_LEN] = NULL;
	_cleanup_free_ char(*reqs)[64] = NULL;
	char **argv = NULL;
	size_t n;

	assert_int_equal(dda_npool_create(s, "nics"), 0);
	expect_error(dda_npool_create(s, "nics"), -EEXIST, "exists", "a pool named 'nics' already exists");
	assert_true(dda_npool_exists(s, "nics"));
	assert_false(dda_npool_exists(s, "gpus"));
	assert_false(dda_npool_exists(NULL, "nics"));
	assert_int_equal(dda_npool_add(s, "nics", NIC2), 0);
	assert_int_equal(dda_npool_add(s, "nics", EP), 0);
	assert_int_equal(dda_npool_add(s, "nics", EP), 0);
	assert_int_equal(dda_npool_members(s, "nics", &members, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(members[0], EP);
	assert_string_equal(members[1], NIC2);

	new_vm(s, "lab1");
	new_vm(s, "lab2");
	new_vm(s, "lab3");
	assert_int_equal(dda_vm_pool_request_add(s, "lab1", "nics"), 0);
	assert_int_equal(dda_vm_pool_requests(s, "lab1", &reqs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(reqs[0], "nics");
	/* the request is resolved when the VM starts, never before */
	assert_int_equal(dda_vmrun_command_line(s, f->h, "lab1", false, &argv), 0);
	dda_strv_free(argv);
	assert_string_equal(owner(s, EP), "");

	/* lab2 holds EP by hand: lab1 gets the other member, recorded as
	 * picked from the pool */
	assert_int_equal(assign(f, s, "lab2", EP), 0);
	assert_int_equal(dda_vmrun_command_line(s, f->h, "lab1", true, &argv), 0);
	dda_strv_free(argv);
	assert_string_equal(owner(s, NIC2), "lab1");
	assert_string_equal(row(s, NIC2).via_pool, "nics");
	assert_true(row(s, NIC2).requested);
	/* a stopped VM gives pool picks back; hand-added devices stay */
	assert_int_equal(dda_vmrun_reconcile(s, "lab1", NULL, 0), 0);
	assert_string_equal(owner(s, NIC2), "");
	assert_int_equal(dda_vmrun_reconcile(s, "lab2", NULL, 0), 0);
	assert_string_equal(owner(s, EP), "lab2");

	/* nothing free: refused naming the pool, nothing taken */
	assert_int_equal(assign(f, s, "lab3", NIC2), 0);
	expect_error(dda_vmrun_command_line(s, f->h, "lab1", true, &argv), -ENOENT, "none-free",
		     "VM 'lab1' wants a device from pool 'nics', but none of its 2 devices is free");
	assert_string_equal(owner(s, EP), "lab2");
	assert_string_equal(owner(s, NIC2), "lab3");
}

/* -------------------------------------------------------- remove-device */

static void test_unassign(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NIC2, NULL);

	new_vm(s, "lab1");
	new_vm(s, "lab2");
	assert_int_equal(assign(f, s, "lab1", EP), 0);
	assert_int_equal(assign(f, s, "lab2", NIC2), 0);
	/* not this VM's: refused, the owner keeps it */
	expect_error(unassign(f, s, "lab1", NIC2), -ENOENT, "not-assigned",
		     "'0000:02:00.0' is not assigned to VM 'lab1'");
	assert_string_equal(owner(s, NIC2), "lab2");
	expect_error(unassign(f, s, "lab1", GPU), -ENOENT, "not-assigned",
		     "'0000:03:00.0' is not assigned to VM 'lab1'");

	/* the device and the companion it brought go back; the pool keeps
	 * them */
	assert_int_equal(unassign(f, s, "lab1", EP), 0);
	assert_string_equal(owner(s, EP), "");
	assert_string_equal(owner(s, EP_F1), "");
	assert_string_equal(owner(s, NIC2), "lab2");
	assert_int_equal(count(s, "SELECT count(*) FROM pool_device WHERE state = 'pooled'"), 3);
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'vm remove-device' AND device = '" EP
				  "' AND detail = 'from VM lab1' AND outcome = 'done'"),
			 1);
	/* and can go to another VM */
	assert_int_equal(assign(f, s, "lab2", EP), 0);
	assert_string_equal(owner(s, EP_F1), "lab2");
}

/* ------------------------------------------------------- start checks */

/* The command line has the requested devices, never the companions. */
static void test_command_line_devices(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NIC2, NULL);
	_cleanup_free_ char *line = NULL;
	char **argv = NULL;

	new_vm(s, "lab1");
	assert_int_equal(assign(f, s, "lab1", EP), 0);
	assert_int_equal(dda_vmrun_command_line(s, f->h, "lab1", false, &argv), 0);
	line = dda_strv_join(argv);
	dda_strv_free(argv);
	expect_contains(line, "vfio-pci,host=0000:01:00.0,id=dda-0000-01-00.0,bus=rp0");
	expect_lacks(line, "host=0000:01:00.1");
	expect_lacks(line, "host=0000:02:00.0");
}

/* Preflight: what QEMU would fail on, said first and naming the device. */
static void test_preflight(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NIC2, NULL);
	struct dda_vm_device d;

	new_vm(s, "lab1");
	assert_int_equal(assign(f, s, "lab1", NIC2), 0);
	assert_int_equal(dda_vmrun_preflight(s, f->h, "lab1"), 0);

	/* another card in the slot */
	d = row(s, NIC2);
	d.device = 0x10fb;
	assert_int_equal(dda_vm_device_put(s, &d), 0);
	expect_error(dda_vmrun_preflight(s, f->h, "lab1"), -ESTALE, "hardware-changed",
		     "hardware changed at '0000:02:00.0': assigned 8086:10fb");
	d.device = 0x1572;
	assert_int_equal(dda_vm_device_put(s, &d), 0);

	/* taken out of the pool behind the VM's back */
	assert_int_equal(sqlite3_exec(dda_state_db(s),
				      "UPDATE pool_device SET state = 'mounting' WHERE address = '" NIC2 "'", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	expect_error(dda_vmrun_preflight(s, f->h, "lab1"), -ENOENT, "not-in-pool",
		     "'0000:02:00.0' is no longer in the pool");
	assert_int_equal(sqlite3_exec(dda_state_db(s), "UPDATE pool_device SET state = 'pooled'", NULL, NULL, NULL),
			 SQLITE_OK);

	/* gone from the host (the records name a slot the scan did not see) */
	assert_int_equal(sqlite3_exec(dda_state_db(s),
				      "UPDATE pool_device SET address = '0000:09:00.0' WHERE address = '" NIC2 "'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_string_equal(owner(s, "0000:09:00.0"), "lab1");
	expect_error(dda_vmrun_preflight(s, f->h, "lab1"), -ENODEV, "missing", "'0000:09:00.0'");
}

/* A group member out of the pool makes the group not viable for vfio. */
static void test_preflight_group(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = pooled(f, EP, NULL);

	new_vm(s, "lab1");
	assert_int_equal(assign(f, s, "lab1", EP), 0);
	assert_int_equal(dda_vmrun_preflight(s, f->h, "lab1"), 0);
	assert_int_equal(dda_vm_device_drop(s, EP_F1), 0);
	assert_int_equal(sqlite3_exec(dda_state_db(s), "DELETE FROM pool_device WHERE address = '" EP_F1 "'", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	expect_error(dda_vmrun_preflight(s, f->h, "lab1"), -EBUSY, "group-not-in-pool",
		     "'0000:01:00.1', in the IOMMU group of '0000:01:00.0', is not in the pool");
}

/* A pooled device that is not on vfio-pci (the boot restore did not
 * reclaim it) stops the start before QEMU does. */
static void test_preflight_not_vfio(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct fh_dev e = good_ep();

	base(f);
	e.driver = "i40e";
	add_dev(f, &e);
	s = fx_state(f);
	scan_only(f);
	assert_int_equal(dda_pool_record(s, dev(f, EP), "i40e"), 0);
	new_vm(s, "lab1");
	assert_int_equal(assign(f, s, "lab1", EP), 0);
	expect_error(dda_vmrun_preflight(s, f->h, "lab1"), -EBUSY, "not-vfio",
		     "'0000:01:00.0' is bound to i40e, not vfio-pci");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		T(test_define_and_delete),
		T(test_assign_by_address),
		T(test_assign_by_location_path),
		T(test_companion_named_later),
		T(test_assign_not_in_pool),
		T(test_assign_held_by_other),
		T(test_assign_no_vm),
		T(test_find_free),
		T(test_named_pool),
		T(test_unassign),
		T(test_command_line_devices),
		T(test_preflight),
		T(test_preflight_group),
		T(test_preflight_not_vfio),
	};

	return cmocka_run_group_tests(tests, vm_run_dir_setup, vm_run_dir_teardown);
}
