/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "hostpath.h"
#include "text.h"
#include "vm.h"

#define VM_COLS                                                                                            \
	"name, memory_mb, cpus, disk, kernel, initrd, append, firmware, accel, qemu_args, mmio_below_mb, " \
	"mmio_above_mb, hotplug_ports, created_at"
#define DEV_COLS \
	"address, vm, location_path, vendor, device, subvendor, subdevice, requested, via_pool, qemu_id, port, state"

void dda_vm_init(struct dda_vm *vm, const char *name)
{
	memset(vm, 0, sizeof(*vm));
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vm->memory_mb = 1024;
	vm->cpus = 1;
	snprintf(vm->firmware, sizeof(vm->firmware), "bios");
	snprintf(vm->accel, sizeof(vm->accel), "auto");
	snprintf(vm->qemu_args, sizeof(vm->qemu_args), "[]");
	vm->mmio_below_mb = vm->mmio_above_mb = -1;
	vm->hotplug_ports = 2;
}

bool dda_vm_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > DDA_VM_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '_' || name[i] == '-' || name[i] == '.'))
			return false;
	return true;
}

static void read_vm(sqlite3_stmt *st, struct dda_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	dda_state_text(vm->name, sizeof(vm->name), st, 0);
	vm->memory_mb = (uint64_t)sqlite3_column_int64(st, 1);
	vm->cpus = (unsigned)sqlite3_column_int(st, 2);
	dda_state_text(vm->disk, sizeof(vm->disk), st, 3);
	dda_state_text(vm->kernel, sizeof(vm->kernel), st, 4);
	dda_state_text(vm->initrd, sizeof(vm->initrd), st, 5);
	dda_state_text(vm->append, sizeof(vm->append), st, 6);
	dda_state_text(vm->firmware, sizeof(vm->firmware), st, 7);
	dda_state_text(vm->accel, sizeof(vm->accel), st, 8);
	dda_state_text(vm->qemu_args, sizeof(vm->qemu_args), st, 9);
	vm->mmio_below_mb = sqlite3_column_int64(st, 10);
	vm->mmio_above_mb = sqlite3_column_int64(st, 11);
	vm->hotplug_ports = (unsigned)sqlite3_column_int(st, 12);
	dda_state_text(vm->created_at, sizeof(vm->created_at), st, 13);
}

static void bind_vm(sqlite3_stmt *st, const struct dda_vm *vm)
{
	sqlite3_bind_text(st, 1, vm->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)vm->memory_mb);
	sqlite3_bind_int(st, 3, (int)vm->cpus);
	sqlite3_bind_text(st, 4, vm->disk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, vm->kernel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, vm->initrd, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, vm->append, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, vm->firmware, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, vm->accel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, vm->qemu_args, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, vm->mmio_below_mb);
	sqlite3_bind_int64(st, 12, vm->mmio_above_mb);
	sqlite3_bind_int(st, 13, (int)vm->hotplug_ports);
}

static int prepare(struct dda_state *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(dda_state_db(s), sql, -1, st, NULL) != SQLITE_OK)
		return dda_state_error(s, "preparing a query");
	return 0;
}

int dda_vm_create(struct dda_state *s, const struct dda_vm *vm)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	r = prepare(s, "INSERT INTO vm (" VM_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " DDA_SQL_NOW ")",
		    &st);
	if (r < 0)
		return r;
	bind_vm(st, vm);
	r = sqlite3_step(st);
	if (r == SQLITE_CONSTRAINT)
		return dda_error_code(-EEXIST, "exists", vm->name, "a VM named '%s' already exists", vm->name);
	if (r != SQLITE_DONE)
		return dda_state_error(s, "creating the VM");
	return dda_state_log(s, "vm create", vm->name, NULL);
}

int dda_vm_update(struct dda_state *s, const struct dda_vm *vm)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(s,
			"UPDATE vm SET memory_mb = ?2, cpus = ?3, disk = ?4, kernel = ?5, initrd = ?6, append = ?7, "
			"firmware = ?8, accel = ?9, qemu_args = ?10, mmio_below_mb = ?11, mmio_above_mb = ?12, "
			"hotplug_ports = ?13 WHERE name = ?1",
			&st);

	if (r < 0)
		return r;
	bind_vm(st, vm);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "updating the VM");
	return 0;
}

int dda_vm_get(struct dda_state *s, const char *name, struct dda_vm *ret)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	if (!s)
		return dda_error_input(-ENOENT, "no-vm", name, "no VM '%s' (see 'ddactl vm list')", name);
	r = prepare(s, "SELECT " VM_COLS " FROM vm WHERE name = ?", &st);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return dda_error_input(-ENOENT, "no-vm", name, "no VM '%s' (see 'ddactl vm list')", name);
	if (r != SQLITE_ROW)
		return dda_state_error(s, "reading the VM");
	read_vm(st, ret);
	return 0;
}

int dda_vm_list(struct dda_state *s, struct dda_vm **ret, size_t *ret_n)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ struct dda_vm *v = NULL;
	size_t n = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!s)
		return 0;
	r = prepare(s, "SELECT " VM_COLS " FROM vm ORDER BY name", &st);
	if (r < 0)
		return r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct dda_vm *nv = realloc(v, (n + 1) * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v = nv;
		read_vm(st, &v[n++]);
	}
	if (r != SQLITE_DONE)
		return dda_state_error(s, "listing VMs");
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int dda_vm_delete(struct dda_state *s, const char *name)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(s, "DELETE FROM vm WHERE name = ?", &st);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "deleting the VM");
	return dda_state_log(s, "vm delete", name, NULL);
}

static const char *const device_states[_DDA_VM_DEVICE_STATE_MAX] = {
	[DDA_VM_DEVICE_ASSIGNED] = "assigned",
	[DDA_VM_DEVICE_REMOVING] = "removing",
};

DDA_DEFINE_STRING_TABLE(dda_vm_device_state, enum dda_vm_device_state, device_states);

static void read_dev(sqlite3_stmt *st, struct dda_vm_device *d)
{
	memset(d, 0, sizeof(*d));
	dda_state_text(d->address, sizeof(d->address), st, 0);
	dda_state_text(d->vm, sizeof(d->vm), st, 1);
	dda_state_text(d->location_path, sizeof(d->location_path), st, 2);
	d->vendor = (uint16_t)sqlite3_column_int(st, 3);
	d->device = (uint16_t)sqlite3_column_int(st, 4);
	d->subvendor = (uint16_t)sqlite3_column_int(st, 5);
	d->subdevice = (uint16_t)sqlite3_column_int(st, 6);
	d->requested = sqlite3_column_int(st, 7);
	dda_state_text(d->via_pool, sizeof(d->via_pool), st, 8);
	dda_state_text(d->qemu_id, sizeof(d->qemu_id), st, 9);
	dda_state_text(d->port, sizeof(d->port), st, 10);
	d->state = dda_vm_device_state_from_string((const char *)sqlite3_column_text(st, 11));
}

int dda_vm_devices(struct dda_state *s, const char *vm, struct dda_vm_device **ret, size_t *ret_n)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ struct dda_vm_device *v = NULL;
	size_t n = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!s)
		return 0;
	r = prepare(s, "SELECT " DEV_COLS " FROM vm_device WHERE vm = ? ORDER BY address", &st);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, vm, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct dda_vm_device *nv = realloc(v, (n + 1) * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v = nv;
		read_dev(st, &v[n++]);
	}
	if (r != SQLITE_DONE)
		return dda_state_error(s, "listing VM devices");
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int dda_vm_device_get(struct dda_state *s, const char *address, struct dda_vm_device *ret)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	if (!s)
		return -ENOENT;
	r = prepare(s, "SELECT " DEV_COLS " FROM vm_device WHERE address = ?", &st);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return -ENOENT;
	if (r != SQLITE_ROW)
		return dda_state_error(s, "reading VM devices");
	read_dev(st, ret);
	return 0;
}

int dda_vm_owner(struct dda_state *s, const char *address, char *vm)
{
	struct dda_vm_device d;
	int r = dda_vm_device_get(s, address, &d);

	if (r < 0)
		return r;
	strcpy(vm, d.vm);
	return 0;
}

int dda_vm_device_put(struct dda_state *s, const struct dda_vm_device *d)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(s, "INSERT OR REPLACE INTO vm_device (" DEV_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			&st);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, d->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->vm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->location_path, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, d->vendor);
	sqlite3_bind_int(st, 5, d->device);
	sqlite3_bind_int(st, 6, d->subvendor);
	sqlite3_bind_int(st, 7, d->subdevice);
	sqlite3_bind_int(st, 8, d->requested);
	if (d->via_pool[0])
		sqlite3_bind_text(st, 9, d->via_pool, -1, SQLITE_STATIC);
	if (d->qemu_id[0])
		sqlite3_bind_text(st, 10, d->qemu_id, -1, SQLITE_STATIC);
	if (d->port[0])
		sqlite3_bind_text(st, 11, d->port, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, dda_vm_device_state_to_string(d->state), -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "assigning the device");
	return 0;
}

int dda_vm_device_drop(struct dda_state *s, const char *address)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(s, "DELETE FROM vm_device WHERE address = ?", &st);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "removing the device");
	return 0;
}

int dda_npool_create(struct dda_state *s, const char *name)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(s, "INSERT INTO named_pool (name, created_at) VALUES (?, " DDA_SQL_NOW ")", &st);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_CONSTRAINT)
		return dda_error_code(-EEXIST, "exists", name, "a pool named '%s' already exists", name);
	if (r != SQLITE_DONE)
		return dda_state_error(s, "creating the pool");
	return 0;
}

int dda_npool_exists(struct dda_state *s, const char *name)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (!s || prepare(s, "SELECT 1 FROM named_pool WHERE name = ?", &st) < 0)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

int dda_npool_add(struct dda_state *s, const char *name, const char *address)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(s, "INSERT OR IGNORE INTO named_pool_member (pool, address) VALUES (?, ?)", &st);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "adding to the pool");
	return 0;
}

/* The first column of every row of sql (with ?1 bound to arg when not
 * NULL), each copied into a slot of width bytes: the lists below all have
 * this one shape. */
static int column_list(struct dda_state *s, const char *sql, const char *arg, size_t width, void **ret, size_t *ret_n,
		       const char *what)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *v = NULL;
	size_t n = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!s)
		return 0;
	r = prepare(s, sql, &st);
	if (r < 0)
		return r;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		char *nv = realloc(v, (n + 1) * width);

		if (!nv)
			return -ENOMEM;
		v = nv;
		dda_state_text(v + n++ * width, width, st, 0);
	}
	if (r != SQLITE_DONE)
		return dda_state_error(s, what);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int dda_npool_members(struct dda_state *s, const char *name, char (**ret)[DDA_PCIADDR_LEN], size_t *ret_n)
{
	return column_list(s, "SELECT address FROM named_pool_member WHERE pool = ?1 ORDER BY address", name,
			   DDA_PCIADDR_LEN, (void **)ret, ret_n, "listing the pool");
}

int dda_npool_list(struct dda_state *s, char (**ret)[DDA_NPOOL_NAME_LEN], size_t *ret_n)
{
	return column_list(s, "SELECT name FROM named_pool ORDER BY name", NULL, DDA_NPOOL_NAME_LEN, (void **)ret,
			   ret_n, "listing the named pools");
}

int dda_vm_pool_request_add(struct dda_state *s, const char *vm, const char *pool)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(s, "INSERT INTO vm_pool_request (vm, pool) VALUES (?, ?)", &st);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, vm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pool, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dda_state_error(s, "recording the pool request");
	return 0;
}

int dda_vm_pool_requests(struct dda_state *s, const char *vm, char (**ret)[DDA_NPOOL_NAME_LEN], size_t *ret_n)
{
	return column_list(s, "SELECT pool FROM vm_pool_request WHERE vm = ?1 ORDER BY id", vm, DDA_NPOOL_NAME_LEN,
			   (void **)ret, ret_n, "listing pool requests");
}

const char *dda_vm_rundir(struct dda_ctx *ctx, const char *name)
{
	size_t size;
	char *dir = dda_ctx_scratch(ctx, &size);

	snprintf(dir, size, "%s/vm/%s", dda_ctx_run_dir(ctx), name);
	return dir;
}

int dda_vm_alive(struct dda_ctx *ctx, pid_t pid)
{
	char stat[256], *p;
	bool others = false;
	int r;

	if (kill(pid, 0) < 0) {
		if (errno != EPERM)
			return 0;
		others = true;
	}
	r = dda_read_line(ctx, stat, sizeof(stat), "proc/%d/stat", (int)pid);
	if (r < 0)
		return others ? -EACCES : 1;
	p = strrchr(stat, ')');
	return !(p && p[1] == ' ' && p[2] == 'Z');
}

/* Is pid (alive) a QEMU, not a process that got a recycled pid?  Its exe
 * link is root's to read; others see its name in /proc/PID/stat ("comm",
 * which the kernel truncates to 15 bytes: "qemu-system-x86"). */
static int is_qemu(struct dda_ctx *ctx, pid_t pid)
{
	char exe[PATH_MAX], stat[256], *open_paren;
	int r;

	r = dda_read_link(ctx, exe, sizeof(exe), "proc/%d/exe", (int)pid);
	if (r == 0)
		return strstr(exe, "qemu") != NULL;
	if (r != -EACCES && r != -EPERM)
		return 0;
	r = dda_read_line(ctx, stat, sizeof(stat), "proc/%d/stat", (int)pid);
	if (r < 0)
		return -EACCES;
	open_paren = strchr(stat, '(');
	return open_paren && !strncmp(open_paren + 1, "qemu", 4);
}

static int vm_pid_unknown(const char *name, const char *why)
{
	return dda_error_code(-EACCES, "not-root", name,
			      "cannot tell whether VM '%s' is running: %s; run this as root (sudo ddactl ...)", name,
			      why);
}

pid_t dda_vm_pid(struct dda_ctx *ctx, const char *name)
{
	char path[PATH_MAX], buf[32];
	uint32_t pid;
	ssize_t n;
	int fd, r;

	snprintf(path, sizeof(path), "%s/qemu.pid", dda_vm_rundir(ctx, name));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		/* No pid file is a stopped VM; one we may not read is not. */
		return errno == EACCES ? vm_pid_unknown(name, "its pid file is root's") : 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (dda_parse_u32(buf, 10, &pid) < 0 || pid == 0 || pid > INT_MAX)
		return 0;
	r = dda_vm_alive(ctx, (pid_t)pid);
	if (r > 0)
		r = is_qemu(ctx, (pid_t)pid);
	if (r < 0)
		return vm_pid_unknown(name, "its QEMU process is hidden from this user (/proc hidepid)");
	return r > 0 ? (pid_t)pid : 0;
}

int dda_vm_pids_known(struct dda_state *s)
{
	_cleanup_free_ struct dda_vm *vms = NULL;
	size_t n;
	int r;

	if (!s)
		return 0;
	r = dda_vm_list(s, &vms, &n);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (dda_vm_pid(dda_state_ctx(s), vms[i].name) < 0)
			r = dda_last_error()->err;
	return r;
}
