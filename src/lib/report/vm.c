/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* The device of the VM that brought companion d along: the one given to
 * the guest from the same IOMMU group (groups are the pool's record; the
 * database ties every VM device to its pool row).  buf: the fallback,
 * what brought it into the pool. */
static const char *companion_of(struct dda_state *s, const struct dda_vm_device *devs, size_t n,
				const struct dda_vm_device *d, char buf[static DDA_PCIADDR_LEN])
{
	struct dda_pool_entry me, other;

	if (d->requested || dda_pool_get(s, d->address, &me) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (devs[i].requested && dda_pool_get(s, devs[i].address, &other) == 0 && other.group == me.group)
			return devs[i].address;
	snprintf(buf, DDA_PCIADDR_LEN, "%s", me.brought_by);
	return buf[0] ? buf : NULL;
}

static struct json_object *device_json(struct dda_state *s, const struct dda_vm_device *devs, size_t n,
				       const struct dda_vm_device *d)
{
	struct json_object *x = json_object_new_object();
	char buf[DDA_PCIADDR_LEN];
	const char *by = companion_of(s, devs, n, d, buf);

	json_object_object_add(x, "address", json_object_new_string(d->address));
	json_object_object_add(x, "location_path", json_object_new_string(d->location_path));
	json_object_object_add(x, "vendor_id", dda_json_hex(d->vendor, 4));
	json_object_object_add(x, "device_id", dda_json_hex(d->device, 4));
	json_object_object_add(x, "companion_of", by ? json_object_new_string(by) : NULL);
	json_object_object_add(x, "from_pool", d->via_pool[0] ? json_object_new_string(d->via_pool) : NULL);
	json_object_object_add(x, "qemu_id", d->qemu_id[0] ? json_object_new_string(d->qemu_id) : NULL);
	json_object_object_add(x, "state",
			       json_object_new_string(d->state == DDA_VM_DEVICE_REMOVING ? "removal-pending" :
											   "assigned"));
	return x;
}

static struct json_object *devices_json(struct dda_state *s, const char *vm)
{
	_cleanup_free_ struct dda_vm_device *devs = NULL;
	struct json_object *a = json_object_new_array();
	size_t n = 0;

	if (dda_vm_devices(s, vm, &devs, &n) == 0)
		for (size_t i = 0; i < n; i++)
			json_object_array_add(a, device_json(s, devs, n, &devs[i]));
	return a;
}

struct json_object *dda_report_vm(struct dda_state *s, const struct dda_vm *vm)
{
	struct json_object *o = json_object_new_object();
	pid_t pid = dda_vm_pid(dda_state_ctx(s), vm->name);

	json_object_object_add(o, "vm", json_object_new_string(vm->name));
	json_object_object_add(o, "state", json_object_new_string(pid > 0 ? "running" : "stopped"));
	json_object_object_add(o, "pid", pid > 0 ? json_object_new_int(pid) : NULL);
	json_object_object_add(o, "memory_mb", json_object_new_int64((int64_t)vm->memory_mb));
	json_object_object_add(o, "cpus", json_object_new_int((int)vm->cpus));
	json_object_object_add(o, "disk", vm->disk[0] ? json_object_new_string(vm->disk) : NULL);
	json_object_object_add(o, "kernel", vm->kernel[0] ? json_object_new_string(vm->kernel) : NULL);
	json_object_object_add(o, "initrd", vm->initrd[0] ? json_object_new_string(vm->initrd) : NULL);
	json_object_object_add(o, "append", vm->append[0] ? json_object_new_string(vm->append) : NULL);
	json_object_object_add(o, "firmware", json_object_new_string(vm->firmware));
	json_object_object_add(o, "accel", json_object_new_string(vm->accel));
	json_object_object_add(o, "qemu_args", json_tokener_parse(vm->qemu_args));
	json_object_object_add(o, "mmio_below_4g_mb",
			       vm->mmio_below_mb >= 0 ? json_object_new_int64(vm->mmio_below_mb) : NULL);
	json_object_object_add(o, "mmio_above_4g_mb",
			       vm->mmio_above_mb >= 0 ? json_object_new_int64(vm->mmio_above_mb) : NULL);
	json_object_object_add(o, "hotplug_ports", json_object_new_int((int)vm->hotplug_ports));
	json_object_object_add(o, "created_at", json_object_new_string(vm->created_at));
	json_object_object_add(o, "devices", devices_json(s, vm->name));
	return o;
}

struct json_object *dda_report_vm_list(struct dda_state *s, const struct dda_vm *vms, size_t n)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, dda_report_vm(s, &vms[i]));
	json_object_object_add(o, "vms", a);
	return o;
}

struct json_object *dda_report_vm_devices(struct dda_state *s, const char *vm)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "vm", json_object_new_string(vm));
	json_object_object_add(o, "devices", devices_json(s, vm));
	return o;
}

struct json_object *dda_report_vm_action(const char *vm, const char *action, const char *result, const char *device)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "vm", json_object_new_string(vm));
	json_object_object_add(o, "action", json_object_new_string(action));
	json_object_object_add(o, "result", json_object_new_string(result));
	json_object_object_add(o, "device", device ? json_object_new_string(device) : NULL);
	return o;
}

struct json_object *dda_report_vm_qemu_argv(const char *vm, char *const *argv)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; argv[i]; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	json_object_object_add(o, "vm", json_object_new_string(vm));
	json_object_object_add(o, "qemu_argv", a);
	return o;
}

struct json_object *dda_report_vm_libvirt(const char *vm, const char *xml)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "vm", json_object_new_string(vm));
	json_object_object_add(o, "libvirt_xml", json_object_new_string(xml ? xml : ""));
	return o;
}

struct json_object *dda_report_vm_stopped(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "action", json_object_new_string("stop"));
	json_object_object_add(o, "vms", json_object_new_array());
	return o;
}

void dda_report_vm_stopped_add(struct json_object *doc, const char *vm, const char *result)
{
	struct json_object *x = json_object_new_object();

	json_object_object_add(x, "vm", json_object_new_string(vm));
	json_object_object_add(x, "result", json_object_new_string(result));
	json_object_array_add(json_object_object_get(doc, "vms"), x);
}

int dda_report_vm_console(const char *vm, FILE *f, struct json_object **ret)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	struct json_object *lines = json_object_new_array();
	_cleanup_free_ char *l = NULL, *safe = NULL;
	size_t cap = 0;
	ssize_t len;

	/* the guest's bytes, line by line, escaped as every echo is */
	while ((len = getline(&l, &cap, f)) > 0) {
		if (l[len - 1] == '\n')
			l[--len] = '\0';
		free(safe);
		safe = malloc((size_t)len * 4 + 1);
		if (!safe) {
			json_object_put(lines);
			return -ENOMEM;
		}
		dda_text_escape(safe, (size_t)len * 4 + 1, l);
		json_object_array_add(lines, json_object_new_string(safe));
	}
	json_object_object_add(o, "vm", json_object_new_string(vm));
	json_object_object_add(o, "lines", lines);
	*ret = TAKE_PTR(o);
	return 0;
}
