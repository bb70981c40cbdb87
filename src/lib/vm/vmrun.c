/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A VM's life: the preflight, its command line, the start and the stop.
 * Its devices, hot added and removed, are in vmrun-devices.c. */
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
#include "pool.h"
#include "qemu.h"
#include "qmp.h"
#include "sriov.h"
#include "vmrun-internal.h"
#include "wait.h"

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Devices from named pools are chosen when the VM starts (Hyper-V's VM
 * resource pools): the first free member of each requested pool. */
static int resolve_pools(struct dda_state *s, struct dda_host *h, const char *name)
{
	_cleanup_free_ char(*reqs)[64] = NULL;
	size_t nreq;
	int r;

	r = dda_vm_pool_requests(s, name, &reqs, &nreq);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nreq; i++) {
		_cleanup_free_ char(*members)[DDA_PCIADDR_LEN] = NULL;
		size_t nm;
		bool got = false;

		r = dda_npool_members(s, reqs[i], &members, &nm);
		if (r < 0)
			return r;
		for (size_t k = 0; k < nm && !got; k++) {
			char owner[DDA_VM_NAME_MAX + 1];
			struct dda_device *d = dda_vmrun_host_device(h, members[k]);
			struct dda_pool_entry e;

			if (!d || dda_vm_owner(s, d->name, owner) == 0 || dda_vmrun_group_free_for(s, d, name) < 0 ||
			    (dda_pool_get(s, d->name, &e) == 0 && dda_pool_entry_quarantined(&e)))
				continue;
			r = dda_vmrun_record_assignment(s, name, d, reqs[i]);
			if (r < 0)
				return r;
			got = true;
		}
		if (!got)
			return dda_error_code(-ENOENT, "none-free", name,
					      "VM '%s' wants a device from pool '%s', but none of its %zu devices is free",
					      name, reqs[i], nm);
	}
	return 0;
}

int dda_vmrun_preflight(struct dda_state *s, struct dda_host *h, const char *name)
{
	_cleanup_free_ struct dda_vm_device *devs = NULL;
	size_t n;
	int r;

	r = dda_vm_devices(s, name, &devs, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const struct dda_vm_device *v = &devs[i];
		struct dda_device *d = dda_vmrun_host_device(h, v->address);
		struct dda_pool_entry e;

		if (!d)
			return dda_error_code(-ENODEV, "missing", v->address,
					      "cannot start VM '%s': its device '%s' (%s) is not on the host; remove it with 'ddactl vm remove-device %s %s'",
					      name, v->address, v->location_path, name, v->address);
		if (strcmp(d->location_path, v->location_path) ||
		    !dda_device_same_ids(d, v->vendor, v->device, v->subvendor, v->subdevice))
			return dda_error_code(-ESTALE, "hardware-changed", v->address,
					      "cannot start VM '%s': hardware changed at '%s': assigned %04x:%04x (%04x:%04x) at %s, found %04x:%04x (%04x:%04x) at %s; remove it from the VM and add the device again",
					      name, v->address, v->vendor, v->device, v->subvendor, v->subdevice,
					      v->location_path, d->vendor, d->device, d->subvendor, d->subdevice,
					      d->location_path);
		r = dda_pool_get(s, v->address, &e);
		if (r == -ENOENT || (r == 0 && e.state != DDA_POOL_POOLED))
			return dda_error_code(-ENOENT, "not-in-pool", v->address,
					      "cannot start VM '%s': '%s' is no longer in the pool; 'ddactl dismount %s' again",
					      name, v->address, v->address);
		if (r < 0)
			return r;
		{
			char prefix[DDA_VM_NAME_MAX + 32];

			snprintf(prefix, sizeof(prefix), "cannot start VM '%s'", name);
			r = dda_pool_refuse_quarantined(&e, prefix);
			if (r < 0)
				return r;
		}
		if (strcmp(d->driver, "vfio-pci") && !d->vfio_variant)
			return dda_error_code(-EBUSY, "not-vfio", v->address,
					      "cannot start VM '%s': '%s' is bound to %s, not vfio-pci; run 'ddactl pool restore'",
					      name, v->address, d->driver[0] ? d->driver : "no driver");
		/* vfio refuses a group unless every member is on a vfio
		 * driver: say which one is not before QEMU says "not viable". */
		if (d->group)
			for (size_t k = 0; k < d->group->nmembers; k++) {
				struct dda_device *m = d->group->members[k];
				char owner[DDA_VM_NAME_MAX + 1];

				if (dda_device_is_bridge(m))
					continue;
				if (dda_pool_get(s, m->name, &e) < 0)
					return dda_error_code(-EBUSY, "group-not-in-pool", m->name,
							      "cannot start VM '%s': '%s', in the IOMMU group of '%s', is not in the pool; 'ddactl dismount %s'",
							      name, m->name, d->name, m->name);
				if (dda_vm_owner(s, m->name, owner) == 0 && strcmp(owner, name))
					return dda_error_code(-EBUSY, "held", m->name,
							      "cannot start VM '%s': '%s', in the IOMMU group of '%s', is held by VM '%s'",
							      name, m->name, d->name, owner);
			}
	}
	return 0;
}

/* The command line and the sizes behind it (start needs both). */
static int command_line(struct dda_state *s, struct dda_host *h, const char *name, bool resolve, char ***ret,
			struct dda_qemu_sizing *ret_sz)
{
	_cleanup_free_ struct dda_vm_device *devs = NULL;
	_cleanup_free_ struct dda_qemu_dev *qd = NULL;
	_cleanup_free_ struct dda_pool_entry *pool = NULL;
	_cleanup_free_ char *ids = NULL;
	struct dda_qemu_sizing sz;
	uint64_t largest_above = 0, largest_below = 0;
	size_t n, np, k = 0;
	struct dda_vm vm;
	char **argv;
	int r;

	r = dda_vm_get(s, name, &vm);
	if (r < 0)
		return r;
	if (resolve) {
		r = resolve_pools(s, h, name);
		if (r < 0)
			return r;
	}
	r = dda_vm_devices(s, name, &devs, &n);
	if (r < 0)
		return r;
	qd = calloc(n ? n : 1, sizeof(*qd));
	ids = calloc(n ? n : 1, 2 * 48);
	if (!qd || !ids)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct dda_device *d = dda_vmrun_host_device(h, devs[i].address);
		char *id = ids + i * 96, *port = id + 48;

		/* Companions stay out of QEMU: on vfio-pci they keep the group
		 * viable, and the guest never sees them (oVirt's placeholders). */
		if (!devs[i].requested || !d)
			continue;
		dda_vmrun_device_id(devs[i].address, id, 48);
		snprintf(port, 48, "rp%zu", k);
		qd[k].address = devs[i].address;
		qd[k].id = id;
		qd[k].port = port;
		dda_device_mmio(d, &qd[k].below, &qd[k].above);
		k++;
	}
	r = dda_pool_list(s, &pool, &np);
	if (r < 0)
		return r;
	for (size_t i = 0; i < np; i++) {
		struct dda_device *d = dda_vmrun_host_device(h, pool[i].address);
		uint64_t below, above;

		if (!d)
			continue;
		dda_device_mmio(d, &below, &above);
		largest_above = max_u64(largest_above, above);
		largest_below = max_u64(largest_below, below);
	}
	r = dda_qemu_size(&vm, qd, k, largest_above, largest_below, dda_host_phys_bits(h->ctx),
			  dda_access(h->ctx, R_OK | W_OK, "dev/kvm") == 0, &sz);
	if (r < 0)
		return r;
	argv = dda_qemu_argv(h->ctx, dda_ctx_qemu(h->ctx), &vm, &sz, qd, k, dda_vm_rundir(h->ctx, name));
	if (!argv)
		return -ENOMEM;
	*ret = argv;
	if (ret_sz)
		*ret_sz = sz;
	return 0;
}

int dda_vmrun_command_line(struct dda_state *s, struct dda_host *h, const char *name, bool resolve, char ***ret)
{
	return command_line(s, h, name, resolve, ret, NULL);
}

static bool has_cap(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

static uint64_t mib(rlim_t v)
{
	return v == RLIM_INFINITY ? UINT64_MAX / DDA_MiB : (uint64_t)v / DDA_MiB;
}

int dda_vmrun_memlock_plan(const char *name, uint64_t need, const struct rlimit *have, bool cap_ipc_lock,
			   bool cap_sys_resource, struct rlimit *ret)
{
	*ret = *have;
	if (have->rlim_cur == RLIM_INFINITY || have->rlim_cur >= need)
		return 0;
	/* The soft limit may go up to the hard one without privilege. */
	if (have->rlim_max == RLIM_INFINITY || have->rlim_max >= need) {
		ret->rlim_cur = need;
		return 0;
	}
	if (cap_sys_resource) {
		ret->rlim_cur = ret->rlim_max = need;
		return 0;
	}
	/* Both mlock() (QEMU's mem-lock=on) and VFIO's pinning skip the limit
	 * for a process with CAP_IPC_LOCK, which QEMU inherits from us. */
	if (cap_ipc_lock)
		return 0;
	return dda_error_code(-EPERM, "memlock", name,
			      "VM '%s' needs %llu MiB of locked memory (its RAM, pinned for device DMA), but RLIMIT_MEMLOCK is %llu MiB (hard limit %llu MiB) and ddactl has neither CAP_SYS_RESOURCE to raise it nor CAP_IPC_LOCK to go past it: run ddactl as root with these capabilities, or raise the limit (ulimit -l, systemd LimitMEMLOCK=)",
			      name, (unsigned long long)(need / DDA_MiB), (unsigned long long)mib(have->rlim_cur),
			      (unsigned long long)mib(have->rlim_max));
}

/* Sets our own limit, which QEMU inherits: a raise that fails must stop
 * the start here, not as a DMA-mapping error inside QEMU later. */
static int memlock_prepare(const char *name, uint64_t need)
{
	struct rlimit have, want;
	int r;

	if (getrlimit(RLIMIT_MEMLOCK, &have) < 0)
		return dda_error(-errno, name, "cannot read RLIMIT_MEMLOCK: %m");
	r = dda_vmrun_memlock_plan(name, need, &have, has_cap(CAP_IPC_LOCK), has_cap(CAP_SYS_RESOURCE), &want);
	if (r < 0)
		return r;
	if ((want.rlim_cur != have.rlim_cur || want.rlim_max != have.rlim_max) && setrlimit(RLIMIT_MEMLOCK, &want) < 0)
		return dda_error_code(-errno, "memlock", name,
				      "cannot raise RLIMIT_MEMLOCK to the %llu MiB VM '%s' needs: %m (ddactl needs CAP_SYS_RESOURCE or CAP_IPC_LOCK)",
				      (unsigned long long)(need / DDA_MiB), name);
	return 0;
}

/* Runs QEMU, which daemonizes once the machine (devices included) is set
 * up: its exit status and stderr say whether that worked. */
static int spawn(char **argv, const char *name)
{
	char err[4096];
	size_t len = 0;
	int pipefd[2], status;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return dda_error(-errno, name, "cannot start QEMU for VM '%s': %m", name);
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return dda_error(-errno, name, "cannot start QEMU for VM '%s': %m", name);
	}
	if (pid == 0) {
		/* lint-ok: QEMU's own stdin, not a host file ddactl reads */
		int devnull = open("/dev/null", O_RDWR);

		/* QEMU's QMP socket (full control of the VM), console log and
		 * pid file are root's alone; the pid file is opened up after. */
		umask(077);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(pipefd[1], 2);
		setsid();
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	/* Read to the end (a closed pipe would kill QEMU with SIGPIPE),
	 * keeping the first 4 KiB. */
	for (;;) {
		char sink[512];
		ssize_t n = len < sizeof(err) - 1 ? read(pipefd[0], err + len, sizeof(err) - 1 - len) :
						    read(pipefd[0], sink, sizeof(sink));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len < sizeof(err) - 1)
			len += (size_t)n;
	}
	err[len] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	dda_strip(err);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return dda_error_code(-EIO, "qemu-failed", name, "QEMU could not start VM '%s': %s", name,
				      err[0] ? err : "(no message)");
	return 0;
}

int dda_vmrun_start(struct dda_state *s, struct dda_host *h, const char *name)
{
	_cleanup_free_ struct dda_vm_device *devs = NULL;
	char **argv = NULL;
	struct dda_qemu_sizing sz;
	struct dda_vm vm;
	struct dda_vmrun_runtime rt;
	char path[PATH_MAX];
	size_t n, k = 0;
	bool spawned = false;
	pid_t pid;
	int r;

	r = dda_vm_get(s, name, &vm);
	if (r < 0)
		return r;
	if (dda_vm_pid(h->ctx, name) > 0)
		return dda_error_code(-EALREADY, "running", name, "VM '%s' is already running", name);
	r = dda_vmrun_reconcile(s, name, NULL, 0);
	if (r < 0)
		return r;
	r = command_line(s, h, name, true, &argv, &sz);
	if (r == 0)
		r = dda_vmrun_preflight(s, h, name);
	if (r < 0)
		goto out;
	/* The host sets a VF's MAC, VLAN and trust through its PF before the
	 * guest sees the VF (the PF may have reset since). */
	r = dda_vm_devices(s, name, &devs, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct dda_device *d = dda_vmrun_host_device(h, devs[i].address);

		if (d && devs[i].requested)
			r = dda_sriov_vf_prepare(s, d);
	}
	free(TAKE_PTR(devs));
	if (r < 0)
		goto out;
	r = memlock_prepare(name, sz.memlock);
	if (r < 0)
		goto out;
	/* 0711: others may reach the pid file (to see the VM runs) but not
	 * list the directory; everything else in it is 0600 (spawn). */
	r = dda_open_private_dir(h->ctx, dda_vm_rundir(h->ctx, name), 0711, true);
	if (r < 0)
		goto out;
	close(r);
	snprintf(path, sizeof(path), "%s/qmp.sock", dda_vm_rundir(h->ctx, name));
	unlink(path);
	snprintf(path, sizeof(path), "%s/qemu.pid", dda_vm_rundir(h->ctx, name));
	unlink(path);
	r = dda_vm_devices(s, name, &devs, &n);
	if (r < 0)
		goto out;
	rt.pref64_reserve = sz.pref64_reserve;
	rt.mem_reserve = sz.mem_reserve;
	rt.hotplug_ports = vm.hotplug_ports;
	r = dda_vmrun_runtime_write(h->ctx, name, &rt);
	if (r < 0)
		goto out;
	r = spawn(argv, name);
	spawned = true;
	if (r < 0)
		goto out;
	/* Readable by all, so that a non-root `vm list` tells the truth. */
	snprintf(path, sizeof(path), "%s/qemu.pid", dda_vm_rundir(h->ctx, name));
	(void)chmod(path, 0644);
	pid = dda_vm_pid(h->ctx, name);
	if (pid > 0) {
		struct rlimit rl = { .rlim_cur = sz.memlock, .rlim_max = sz.memlock };

		/* The daemon inherited it; set it again in case QEMU's own
		 * re-exec or a wrapper reset it. */
		(void)prlimit(pid, RLIMIT_MEMLOCK, &rl, NULL);
	}
	/* The running devices get their ids and ports, for hot remove. */
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!devs[i].requested || !dda_vmrun_host_device(h, devs[i].address))
			continue;
		dda_vmrun_device_id(devs[i].address, devs[i].qemu_id, sizeof(devs[i].qemu_id));
		snprintf(devs[i].port, sizeof(devs[i].port), "rp%zu", k++);
		r = dda_vm_device_put(s, &devs[i]);
		if (r < 0)
			goto out;
	}
out:
	/* Whatever failed before QEMU ran changed nothing to account for. */
	if (spawned)
		(void)!dda_audit(s, "vm start", name, r < 0 ? DDA_OUTCOME_FAILED : DDA_OUTCOME_DONE,
				 r < 0 ? dda_last_error()->message : NULL, NULL);
	dda_strv_free(argv);
	if (r < 0 && dda_vm_pid(h->ctx, name) <= 0) {
		/* Devices picked from named pools for this start go back. */
		struct dda_error_info keep = dda_error_save();

		(void)!dda_vmrun_reconcile(s, name, NULL, 0);
		dda_error_restore(&keep, r);
	}
	return r;
}

/* How long a QEMU whose QMP socket closed under a command may take to end. */
#define LOST_REPLY_MS 3000

struct vm_pid {
	struct dda_ctx *ctx;
	pid_t pid;
};

static int vm_gone(void *data)
{
	const struct vm_pid *v = data;

	return dda_vm_alive(v->ctx, v->pid) <= 0;
}

int dda_vmrun_stop(struct dda_state *s, const char *name, int timeout_s, bool *ret_forced)
{
	_cleanup_(dda_qmp_closep) struct dda_qmp *q = NULL;
	pid_t pid = dda_vm_pid(dda_state_ctx(s), name);
	struct vm_pid gone = { .ctx = dda_state_ctx(s) };
	unsigned wait_ms;
	int r;

	*ret_forced = false;
	if (pid <= 0)
		return dda_error_code(-EALREADY, "not-running", name, "VM '%s' is not running", name);
	r = dda_vmrun_qmp_open(dda_state_ctx(s), name, &q);
	if (r == 0)
		r = dda_qmp_command(q, "system_powerdown", NULL, QMP_TIMEOUT_MS, NULL);
	/* A guest that powers off at once can close QMP before its reply is
	 * read (r < 0).  QEMU closes the socket a moment before its process
	 * ends, so give it a short while; without a QMP socket at all (no
	 * power button was pressed) that while is all it gets. */
	wait_ms = timeout_s > 0 ? (unsigned)timeout_s * 1000 : 0;
	if (r < 0 && wait_ms > LOST_REPLY_MS)
		wait_ms = LOST_REPLY_MS;
	gone.pid = pid;
	if (!dda_poll(vm_gone, &gone, wait_ms)) {
		/* TurnOff: the guest had its chance. */
		*ret_forced = true;
		if (q)
			(void)!dda_qmp_command(q, "quit", NULL, 2000, NULL);
		if (dda_poll(vm_gone, &gone, 5000) == 0)
			kill(pid, SIGKILL);
		if (dda_poll(vm_gone, &gone, 10000) == 0) {
			r = dda_error_code(-EBUSY, "still-running", name,
					   "VM '%s' (QEMU pid %d) did not end even after SIGKILL (it may be unpinning its memory); try again shortly",
					   name, (int)pid);
			(void)!dda_audit(s, "vm stop (turned off)", name, DDA_OUTCOME_FAILED, dda_last_error()->message,
					 NULL);
			return r;
		}
	}
	r = dda_vmrun_reconcile(s, name, NULL, 0);
	if (r < 0)
		return r;
	return dda_state_log(s, *ret_forced ? "vm stop (turned off)" : "vm stop", name, NULL);
}
