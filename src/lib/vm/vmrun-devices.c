/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A VM's devices: which are free for it, assigning and unassigning them
 * (hot added to and removed from a running VM over QMP), and reconciling
 * the record with what QEMU has. */
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "bits.h"
#include "checks.h"
#include "error.h"
#include "hostpath.h"
#include "libvirt.h"
#include "pool.h"
#include "qemu.h"
#include "qmp.h"
#include "sriov.h"
#include "vmrun-internal.h"
#include "wait.h"

int dda_vmrun_qmp_open(struct dda_ctx *ctx, const char *name, struct dda_qmp **ret)
{
	char path[PATH_MAX], who[96];

	snprintf(path, sizeof(path), "%s/qmp.sock", dda_vm_rundir(ctx, name));
	snprintf(who, sizeof(who), "VM '%s'", name);
	return dda_qmp_connect(path, who, QMP_TIMEOUT_MS, ret);
}

/* Does QEMU still have a device with this id? */
static int qemu_has_device(struct dda_qmp *q, const char *id, bool *ret)
{
	_cleanup_(dda_json_put_ref) struct json_object *list = NULL;
	struct json_object *args = json_object_new_object();
	int r;

	json_object_object_add(args, "path", json_object_new_string("/machine/peripheral"));
	r = dda_qmp_command(q, "qom-list", args, QMP_TIMEOUT_MS, &list);
	if (r < 0)
		return r;
	*ret = false;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *e = json_object_array_get_idx(list, i), *n;

		if (json_object_object_get_ex(e, "name", &n) && !strcmp(json_object_get_string(n), id))
			*ret = true;
	}
	return 0;
}

int dda_vmrun_reconcile(struct dda_state *s, const char *name, char *note, size_t size)
{
	_cleanup_free_ struct dda_vm_device *devs = NULL;
	_cleanup_(dda_qmp_closep) struct dda_qmp *q = NULL;
	bool running = dda_vm_pid(dda_state_ctx(s), name) > 0;
	size_t n, off = 0;
	int r;

	if (note && size)
		note[0] = '\0';
	r = dda_vm_devices(s, name, &devs, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct dda_vm_device *d = &devs[i];
		bool gone = !running;

		if (d->state == DDA_VM_DEVICE_REMOVING && running) {
			if (!q && dda_vmrun_qmp_open(dda_state_ctx(s), name, &q) < 0)
				continue;
			if (qemu_has_device(q, d->qemu_id, &gone) < 0)
				continue;
			gone = !gone;
			if (!gone)
				continue;
		}
		if (d->state == DDA_VM_DEVICE_REMOVING && gone) {
			r = dda_vm_device_drop(s, d->address);
			if (r < 0)
				return r;
			if (note && off < size)
				off += (size_t)snprintf(note + off, size - off,
							"%sthe pending removal of '%s' from VM '%s' is complete",
							off ? "; " : "", d->address, name);
			continue;
		}
		if (running)
			continue;
		if (d->via_pool[0]) {
			r = dda_vm_device_drop(s, d->address);
			if (r < 0)
				return r;
			continue;
		}
		if (d->qemu_id[0] || d->port[0]) {
			d->qemu_id[0] = d->port[0] = '\0';
			r = dda_vm_device_put(s, d);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

struct dda_device *dda_vmrun_host_device(struct dda_host *h, const char *address)
{
	struct dda_pciaddr a;

	if (dda_pciaddr_parse(address, &a) < 0)
		return NULL;
	return dda_host_find(h, &a);
}

/* The group's pooled members not held by anyone else, or -EBUSY naming the
 * VM that holds one. */
int dda_vmrun_group_free_for(struct dda_state *s, struct dda_device *d, const char *vm)
{
	if (!d->group)
		return 0;
	for (size_t i = 0; i < d->group->nmembers; i++) {
		struct dda_device *m = d->group->members[i];
		char owner[DDA_VM_NAME_MAX + 1];
		struct dda_libvirt_device lv;

		if (dda_device_is_bridge(m))
			continue;
		if (dda_vm_owner(s, m->name, owner) == 0 && strcmp(owner, vm))
			return dda_error_code(-EBUSY, "held", m->name, "'%s'%s%s is held by VM '%s'", m->name,
					      m == d ? "" : ", in the IOMMU group of ", m == d ? "" : d->name, owner);
		/* one owner across both worlds: libvirt's domains too */
		if (dda_libvirt_device_get(s, m->name, &lv) == 0)
			return dda_error_code(-EBUSY, "held", m->name,
					      "'%s'%s%s is held by libvirt domain '%s' (detach it first: 'virsh detach-device %s' or 'ddactl libvirt detach %s %s')",
					      m->name, m == d ? "" : ", in the IOMMU group of ", m == d ? "" : d->name,
					      lv.domain, lv.domain, lv.domain, m->name);
	}
	return 0;
}

int dda_vmrun_find_free(struct dda_state *s, struct dda_host *h, uint16_t vendor, uint16_t device,
			struct dda_device **ret)
{
	_cleanup_free_ struct dda_pool_entry *pool = NULL;
	size_t n;
	int r;

	r = dda_pool_list(s, &pool, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		char owner[DDA_VM_NAME_MAX + 1];
		struct dda_device *d;

		if (pool[i].vendor != vendor || pool[i].device != device || pool[i].state != DDA_POOL_POOLED ||
		    dda_pool_entry_quarantined(&pool[i]))
			continue;
		if (dda_vm_owner(s, pool[i].address, owner) == 0)
			continue;
		d = dda_vmrun_host_device(h, pool[i].address);
		if (!d || dda_vmrun_group_free_for(s, d, "") < 0)
			continue;
		*ret = d;
		return 0;
	}
	return dda_error_code(-ENOENT, "none-free", NULL,
			      "no free device %04x:%04x in the pool (dismount one, or free one from its VM)", vendor,
			      device);
}

static int put_device(struct dda_state *s, const char *vm, struct dda_device *d, bool requested, const char *via)
{
	struct dda_vm_device row = { 0 };

	snprintf(row.address, sizeof(row.address), "%s", d->name);
	snprintf(row.vm, sizeof(row.vm), "%s", vm);
	snprintf(row.location_path, sizeof(row.location_path), "%s", d->location_path);
	row.vendor = d->vendor;
	row.device = d->device;
	row.subvendor = d->subvendor;
	row.subdevice = d->subdevice;
	row.requested = requested;
	snprintf(row.via_pool, sizeof(row.via_pool), "%s", via ? via : "");
	row.state = DDA_VM_DEVICE_ASSIGNED;
	return dda_vm_device_put(s, &row);
}

/* Records d and its companions as the VM's, in one transaction. */
int dda_vmrun_record_assignment(struct dda_state *s, const char *vm, struct dda_device *d, const char *via)
{
	_cleanup_tx_ struct dda_tx tx = { 0 };
	int r = dda_tx_begin(&tx, s);

	if (r < 0)
		return r;
	r = put_device(s, vm, d, true, via);
	if (r == 0 && d->group)
		for (size_t i = 0; i < d->group->nmembers && r == 0; i++) {
			struct dda_device *m = d->group->members[i];
			struct dda_vm_device cur;

			if (m == d || dda_device_is_bridge(m))
				continue;
			/* A companion named earlier stays a real device. */
			if (dda_vm_device_get(s, m->name, &cur) == 0)
				continue;
			r = put_device(s, vm, m, false, via);
		}
	if (r < 0)
		return r;
	return dda_tx_commit(&tx);
}

void dda_vmrun_device_id(const char *address, char *buf, size_t size)
{
	/* QEMU ids take letters, digits, '-', '.', '_' and start with a letter. */
	snprintf(buf, size, "dda-%s", address);
	for (char *p = buf; *p; p++)
		if (*p == ':')
			*p = '-';
}

int dda_vmrun_runtime_write(struct dda_ctx *ctx, const char *name, const struct dda_vmrun_runtime *rt)
{
	char path[PATH_MAX], buf[128];
	int fd, n;

	snprintf(path, sizeof(path), "%s/runtime", dda_vm_rundir(ctx, name));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return dda_error(-errno, name, "cannot write '%s': %m", path);
	n = snprintf(buf, sizeof(buf), "%llu %llu %u\n", (unsigned long long)rt->pref64_reserve,
		     (unsigned long long)rt->mem_reserve, rt->hotplug_ports);
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		return dda_error(-EIO, name, "cannot write '%s'", path);
	}
	close(fd);
	return 0;
}

int dda_vmrun_runtime_read(struct dda_ctx *ctx, const char *name, struct dda_vmrun_runtime *rt)
{
	char path[PATH_MAX], buf[128];
	unsigned long long a, b;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/runtime", dda_vm_rundir(ctx, name));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dda_error(-errno, name, "VM '%s' has no runtime record (%s)", name, path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return dda_error(-EIO, name, "cannot read '%s'", path);
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu %u", &a, &b, &rt->hotplug_ports) != 3)
		return dda_error(-EIO, name, "'%s' is damaged", path);
	rt->pref64_reserve = a;
	rt->mem_reserve = b;
	return 0;
}

static int hot_add(struct dda_state *s, const char *vm, struct dda_device *d)
{
	_cleanup_(dda_qmp_closep) struct dda_qmp *q = NULL;
	_cleanup_free_ struct dda_vm_device *devs = NULL;
	struct json_object *args;
	struct dda_vm_device row;
	struct dda_vmrun_runtime rt;
	uint64_t below, above;
	char id[sizeof(row.qemu_id)], port[16] = "";
	size_t n;
	int r;

	r = dda_vmrun_runtime_read(dda_state_ctx(s), vm, &rt);
	if (r < 0)
		return r;
	dda_device_mmio(d, &below, &above);
	if (dda_pow2_up(above) > rt.pref64_reserve || dda_pow2_up(below) > rt.mem_reserve)
		return dda_error_code(-ENOSPC, "no-room", d->name,
				      "cannot hot-add '%s' to VM '%s': it needs %llu MiB (64-bit) and %llu MiB (32-bit) of MMIO, but the free ports reserve %llu and %llu MiB; stop the VM and start it again (ports are sized for the pool at start), or add it while stopped",
				      d->name, vm, (unsigned long long)(dda_pow2_up(above) / DDA_MiB),
				      (unsigned long long)(dda_pow2_up(below) / DDA_MiB),
				      (unsigned long long)(rt.pref64_reserve / DDA_MiB),
				      (unsigned long long)(rt.mem_reserve / DDA_MiB));
	r = dda_vm_devices(s, vm, &devs, &n);
	if (r < 0)
		return r;
	for (unsigned p = 0; p < rt.hotplug_ports && !port[0]; p++) {
		bool used = false;

		snprintf(port, sizeof(port), "hp%u", p);
		for (size_t i = 0; i < n; i++)
			used |= !strcmp(devs[i].port, port);
		if (used)
			port[0] = '\0';
	}
	if (!port[0])
		return dda_error_code(-ENOSPC, "no-port", d->name,
				      "cannot hot-add '%s' to VM '%s': all %u hot-add ports are in use (set more with 'ddactl vm set %s --hotplug-ports N' and restart it)",
				      d->name, vm, rt.hotplug_ports, vm);
	r = dda_sriov_vf_prepare(s, d);
	if (r < 0)
		return r;
	dda_vmrun_device_id(d->name, id, sizeof(id));
	r = dda_vmrun_qmp_open(dda_state_ctx(s), vm, &q);
	if (r < 0)
		return r;
	args = json_object_new_object();
	json_object_object_add(args, "driver", json_object_new_string("vfio-pci"));
	json_object_object_add(args, "host", json_object_new_string(d->name));
	json_object_object_add(args, "id", json_object_new_string(id));
	json_object_object_add(args, "bus", json_object_new_string(port));
	/* The first VFIO device of a VM pins all its RAM inside device_add:
	 * give it time, and after a timeout ask QEMU whether it got there. */
	r = dda_qmp_command(q, "device_add", args, 120000, NULL);
	if (r == -ETIMEDOUT) {
		_cleanup_(dda_qmp_closep) struct dda_qmp *q2 = NULL;
		bool present = false;

		if (dda_vmrun_qmp_open(dda_state_ctx(s), vm, &q2) == 0 && qemu_has_device(q2, id, &present) == 0 &&
		    present)
			r = 0;
	}
	if (r < 0)
		return r;
	r = dda_vm_device_get(s, d->name, &row);
	if (r < 0)
		return r;
	snprintf(row.qemu_id, sizeof(row.qemu_id), "%s", id);
	snprintf(row.port, sizeof(row.port), "%s", port);
	return dda_vm_device_put(s, &row);
}

int dda_vmrun_assign(struct dda_state *s, struct dda_host *h, const char *vm, struct dda_device *d,
		     enum dda_assign_result *ret)
{
	_cleanup_free_ bool *had = NULL;
	struct dda_pool_entry e;
	struct dda_vm_device cur, prev;
	bool was_companion = false;
	struct dda_vm v;
	char detail[128];
	int64_t audit;
	bool running;
	int r;

	r = dda_vm_get(s, vm, &v);
	if (r < 0)
		return r;
	(void)h;
	r = dda_pool_get(s, d->name, &e);
	if (r == -ENOENT || (r == 0 && e.state != DDA_POOL_POOLED))
		return dda_error_code(-ENOENT, "not-in-pool", d->name,
				      "'%s' is not in the pool: 'ddactl dismount %s' first", d->name, d->name);
	if (r < 0)
		return r;
	{
		char prefix[DDA_VM_NAME_MAX + 64];

		snprintf(prefix, sizeof(prefix), "refusing to add it to VM '%s'", vm);
		r = dda_pool_refuse_quarantined(&e, prefix);
		if (r < 0)
			return r;
	}
	if (dda_vm_device_get(s, d->name, &cur) == 0) {
		if (strcmp(cur.vm, vm))
			return dda_error_code(-EBUSY, "held", d->name, "'%s' is held by VM '%s'", d->name, cur.vm);
		if (cur.requested) {
			*ret = DDA_ASSIGN_UNCHANGED;
			return 0;
		}
		prev = cur;
		was_companion = true;
	}
	r = dda_vmrun_group_free_for(s, d, vm);
	if (r < 0)
		return r;
	/* Which members the VM already had, for undoing a failed hot-add. */
	if (d->group) {
		had = calloc(d->group->nmembers, sizeof(*had));
		if (!had)
			return -ENOMEM;
		for (size_t i = 0; i < d->group->nmembers; i++)
			had[i] = dda_vm_device_get(s, d->group->members[i]->name, &cur) == 0;
	}
	running = dda_vm_pid(h->ctx, vm) > 0;
	snprintf(detail, sizeof(detail), "to VM %s%s", vm, running ? ", running: hot-added" : "");
	audit = dda_audit_start(s, "vm add-device", d->name, detail);
	if (audit < 0)
		return (int)audit;
	r = dda_vmrun_record_assignment(s, vm, d, NULL);
	if (r < 0) {
		dda_audit_end_r(s, audit, r, DDA_OUTCOME_FAILED);
		return r;
	}
	*ret = DDA_ASSIGN_DONE;
	if (running) {
		r = hot_add(s, vm, d);
		if (r < 0) {
			/* Nothing reached the guest: what this call recorded is
			 * undone.  A function that was already the VM's companion
			 * stays one: its group is in QEMU through another member. */
			struct dda_error_info keep = dda_error_save();

			dda_audit_end(s, audit, DDA_OUTCOME_ROLLED_BACK, keep.message);
			if (was_companion)
				(void)!dda_vm_device_put(s, &prev);
			else
				(void)!dda_vm_device_drop(s, d->name);
			for (size_t i = 0; d->group && i < d->group->nmembers; i++)
				if (!had[i] && d->group->members[i] != d)
					(void)!dda_vm_device_drop(s, d->group->members[i]->name);
			dda_error_restore(&keep, r);
			return r;
		}
	}
	dda_audit_end(s, audit, DDA_OUTCOME_DONE, NULL);
	return 0;
}

static int unassign(struct dda_state *s, const char *vm, struct dda_device *d, int timeout_ms, bool *ret_pending,
		    int64_t *ret_audit)
{
	_cleanup_(dda_qmp_closep) struct dda_qmp *q = NULL;
	struct dda_vm_device cur;
	bool running = dda_vm_pid(dda_state_ctx(s), vm) > 0;
	char detail[128];
	int r;

	*ret_pending = false;
	r = dda_vm_device_get(s, d->name, &cur);
	if (r == -ENOENT || (r == 0 && strcmp(cur.vm, vm)))
		return dda_error_code(-ENOENT, "not-assigned", d->name, "'%s' is not assigned to VM '%s'", d->name, vm);
	if (r < 0)
		return r;
	snprintf(detail, sizeof(detail), "from VM %s%s", vm, running && cur.qemu_id[0] ? ", running: hot-removed" : "");
	*ret_audit = dda_audit_start(s, "vm remove-device", d->name, detail);
	if (*ret_audit < 0)
		return (int)*ret_audit;
	if (running && cur.qemu_id[0]) {
		struct json_object *args;

		r = dda_vmrun_qmp_open(dda_state_ctx(s), vm, &q);
		if (r < 0)
			return r;
		if (cur.state != DDA_VM_DEVICE_REMOVING) {
			args = json_object_new_object();
			json_object_object_add(args, "id", json_object_new_string(cur.qemu_id));
			r = dda_qmp_command(q, "device_del", args, QMP_TIMEOUT_MS, NULL);
			if (r < 0)
				return r;
			cur.state = DDA_VM_DEVICE_REMOVING;
			r = dda_vm_device_put(s, &cur);
			if (r < 0)
				return r;
		}
		/* device_del only asks the guest; the device is gone when
		 * QEMU says DEVICE_DELETED for exactly this id. */
		r = dda_qmp_wait_event(q, "DEVICE_DELETED", cur.qemu_id, timeout_ms, NULL);
		if (r == -ETIMEDOUT) {
			bool present = true;

			if (qemu_has_device(q, cur.qemu_id, &present) == 0 && !present)
				r = 0;
		}
		if (r == -ETIMEDOUT) {
			*ret_pending = true;
			return 0;
		}
		if (r < 0)
			return r;
	}
	/* The device and its companions go back to the pool. */
	r = dda_vm_device_drop(s, d->name);
	if (r == 0 && d->group)
		for (size_t i = 0; i < d->group->nmembers && r == 0; i++) {
			struct dda_device *m = d->group->members[i];

			if (m != d && dda_vm_device_get(s, m->name, &cur) == 0 && !strcmp(cur.vm, vm) && !cur.requested)
				r = dda_vm_device_drop(s, m->name);
		}
	return r;
}

int dda_vmrun_unassign(struct dda_state *s, struct dda_host *h, const char *vm, struct dda_device *d, int timeout_ms,
		       bool *ret_pending)
{
	int64_t audit = 0;
	int r;

	(void)h;
	r = unassign(s, vm, d, timeout_ms, ret_pending, &audit);
	if (r == 0 && *ret_pending) {
		dda_audit_end(s, audit, DDA_OUTCOME_STARTED, "asked the guest to let go (device_del); it has not yet");
		return 0;
	}
	dda_audit_end_r(s, audit, r, DDA_OUTCOME_FAILED);
	/* An earlier remove-device left waiting for the guest ends with this. */
	if (r == 0)
		dda_audit_settle(s, d->name, DDA_OUTCOME_DONE, "the guest let go: finished by a later remove-device");
	return r;
}
