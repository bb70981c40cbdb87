/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running VMs (vmrun.h) against fake-qemu, a stand-in for QEMU that takes
 * ddactl's command line, daemonizes, answers QMP and writes down what it
 * was asked (see fake-qemu.c): start and what QEMU was given, a start QEMU
 * refuses, stop by power button, by 'quit' after the timeout and by
 * SIGKILL, hot add and hot remove (device_del, then DEVICE_DELETED), a
 * guest that holds on to a device, and a QEMU that died.  The lab runs the
 * real QEMU; these run in seconds.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "helpers.h"
#include "vm-helpers.h"
#include "error.h"
#include "pool.h"
#include "sriov.h"
#include "state.h"
#include "vm.h"
#include "vmrun.h"

#define VM "lab1"

static char run_dir[] = "/tmp/ddactl-test-vmrun-XXXXXX";

/* The host, EP and NIC2 pooled (GPU not), VM with 256 MiB and EP. */
static struct dda_state *setup_vm(struct fx *f, unsigned hotplug_ports)
{
	enum dda_assign_result res;
	struct dda_state *s;
	struct dda_vm vm;

	vm_host(f);
	s = fx_state(f);
	scan_only(f);
	/* fake-qemu publishes itself in the fake root's proc */
	setenv("DDACTL_ROOT", fh_root(f->fh), 1);
	vm_pool(f, s, EP);
	vm_pool(f, s, NIC2);
	dda_vm_init(&vm, VM);
	vm.memory_mb = 256;
	vm.cpus = 2;
	vm.hotplug_ports = hotplug_ports;
	assert_int_equal(dda_vm_create(s, &vm), 0);
	assert_int_equal(dda_vmrun_assign(s, f->h, VM, dev(f, EP), &res), 0);
	return s;
}

static void fail_with_error(const char *what, int r)
{
	fail_msg("%s: %d: %s", what, r, dda_last_error()->message);
}

#define OK(call)                                    \
	do {                                        \
		int _r = (call);                    \
		if (_r < 0)                         \
			fail_with_error(#call, _r); \
	} while (0)

/* fake-qemu.NAME in the VM's run directory. */
static void qemu_file(struct fx *f, char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/fake-qemu.%s", dda_vm_rundir(f->ctx, VM), name);
}

/* Scripts fake-qemu (see fake-qemu.c); text NULL removes the script. */
static void script(struct fx *f, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *fp;
	int dfd = dda_open_private_dir(f->ctx, dda_vm_rundir(f->ctx, VM), 0750, true);

	assert_true(dfd >= 0);
	close(dfd);
	qemu_file(f, path, sizeof(path), name);
	if (!text) {
		unlink(path);
		return;
	}
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* What fake-qemu wrote down; caller frees. */
static char *qemu_said(struct fx *f, const char *name)
{
	char path[PATH_MAX], *buf = NULL;
	size_t n = 0;
	FILE *fp;

	qemu_file(f, path, sizeof(path), name);
	fp = fopen(path, "r");
	if (!fp)
		return strdup("");
	if (getdelim(&buf, &n, '\0', fp) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(fp);
	return buf;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The daemon is this program's child (subreaper): reap it once it ends. */
static void wait_gone(pid_t pid)
{
	for (int i = 0; i < 200; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid || kill(pid, 0) < 0)
			return;
		usleep(10 * 1000);
	}
	fail_msg("QEMU pid %d did not end", (int)pid);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Kills whatever a test left running and empties the run directory. */
static int teardown(void **state)
{
	struct fx *f = *state;
	char vmdir[PATH_MAX];
	pid_t pid = dda_vm_pid(f->ctx, VM);

	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	snprintf(vmdir, sizeof(vmdir), "%s/vm", run_dir);
	nftw(vmdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return fx_teardown(state);
}

#define TR(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, teardown)

/* ---------------------------------------------------------------- start */

static void test_start(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 2);
	_cleanup_free_ char *argv = NULL;
	struct dda_vm_device d;
	pid_t pid;

	OK(dda_vmrun_start(s, f->h, VM));
	pid = dda_vm_pid(f->ctx, VM);
	assert_true(pid > 0);

	argv = qemu_said(f, "argv");
	expect_contains(argv, "\n-m\n256M\n");
	expect_contains(argv, "\n-smp\n2\n");
	expect_contains(argv, "\n-overcommit\nmem-lock=on\n");
	expect_contains(argv, "\n-daemonize\n");
	expect_contains(argv, "\n-device\nvfio-pci,host=0000:01:00.0,id=dda-0000-01-00.0,bus=rp0\n");
	expect_contains(argv, "\n-device\npcie-root-port,id=rp0,bus=pcie.0");
	expect_contains(argv, "\n-device\npcie-root-port,id=hp1,");
	/* the companion keeps the group viable on the host, never in QEMU */
	expect_lacks(argv, "host=0000:01:00.1");
	expect_lacks(argv, "host=0000:02:00.0");

	d = row(s, EP);
	assert_string_equal(d.qemu_id, "dda-0000-01-00.0");
	assert_string_equal(d.port, "rp0");
	d = row(s, EP_F1);
	assert_string_equal(d.qemu_id, "");
	assert_string_equal(d.port, "");
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'vm start' AND device = 'lab1'"), 1);

	expect_error(dda_vmrun_start(s, f->h, VM), -EALREADY, "running", "VM 'lab1' is already running");
	assert_int_equal(dda_vm_pid(f->ctx, VM), pid);
}

/* Can this process raise RLIMIT_MEMLOCK to n bytes (CAP_SYS_RESOURCE, or
 * a hard limit already that high)?  Tried in a child, which then ends. */
static bool can_raise_memlock(rlim_t n)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = n, .rlim_max = n };

		_exit(setrlimit(RLIMIT_MEMLOCK, &rl) == 0 ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* VFIO pins all guest RAM against QEMU's RLIMIT_MEMLOCK: QEMU gets guest
 * RAM plus 1 GiB, soft and hard. */
static void test_start_memlock(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ char *limits = NULL;
	unsigned long long cur, max;

	if (!can_raise_memlock((256 + 1024) << 20)) {
		fprintf(stderr, "test-vmrun: RLIMIT_MEMLOCK cannot be raised here (no CAP_SYS_RESOURCE)\n");
		skip();
	}
	s = setup_vm(f, 2);
	OK(dda_vmrun_start(s, f->h, VM));
	limits = qemu_said(f, "limits");
	assert_int_equal(sscanf(limits, "memlock %llu %llu", &cur, &max), 2);
	assert_int_equal(cur, (256ULL + 1024) << 20);
	assert_int_equal(max, cur);
}

/* QEMU refuses (here as vfio does for a group that is not viable): its
 * words are in the error, nothing runs, nothing is recorded as running,
 * and the device picked from a named pool for this start goes back. */
static void test_start_refused(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 2);

	OK(dda_npool_create(s, "nics"));
	OK(dda_npool_add(s, "nics", NIC2));
	OK(dda_vm_pool_request_add(s, VM, "nics"));
	script(f, "fail", "-device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: group 2 is not viable\n");
	expect_error(dda_vmrun_start(s, f->h, VM), -EIO, "qemu-failed",
		     "QEMU could not start VM 'lab1': qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio "
		     "0000:01:00.0: group 2 is not viable");
	assert_int_equal(dda_vm_pid(f->ctx, VM), 0);
	assert_string_equal(row(s, EP).qemu_id, "");
	assert_string_equal(owner(s, NIC2), "");
	/* QEMU ran and refused: the start is audited as failed, with its words */
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'vm start' AND outcome = 'failed' "
				  "AND reason LIKE '%group 2 is not viable%'"),
			 1);

	/* it was asked with the pool's pick */
	{
		_cleanup_free_ char *argv = qemu_said(f, "argv");

		expect_contains(argv, "vfio-pci,host=0000:02:00.0,id=dda-0000-02-00.0,bus=rp1");
	}
	/* once QEMU can, the same start works */
	script(f, "fail", NULL);
	OK(dda_vmrun_start(s, f->h, VM));
	assert_string_equal(owner(s, NIC2), VM);
	assert_string_equal(row(s, NIC2).port, "rp1");
}

/* A device that is no longer what was assigned stops the start before
 * QEMU is run at all. */
static void test_start_preflight(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 2);
	struct dda_vm_device d = row(s, EP);
	_cleanup_free_ char *argv = NULL;

	d.subdevice = 0x0002;
	OK(dda_vm_device_put(s, &d));
	expect_error(dda_vmrun_start(s, f->h, VM), -ESTALE, "hardware-changed", "'0000:01:00.0'");
	assert_int_equal(dda_vm_pid(f->ctx, VM), 0);
	argv = qemu_said(f, "argv");
	assert_string_equal(argv, "");
}

/* ----------------------------------------------------------------- stop */

static void test_stop_powerdown(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 2);
	_cleanup_free_ char *log = NULL;
	bool forced = true;
	pid_t pid;

	expect_error(dda_vmrun_stop(s, VM, 5, &forced), -EALREADY, "not-running", "VM 'lab1' is not running");
	OK(dda_vmrun_start(s, f->h, VM));
	pid = dda_vm_pid(f->ctx, VM);
	/* A guest that obeys ends the wait at once; the long timeout only
	 * keeps a loaded machine (sanitizers, parallel tests) from turning
	 * the VM off before fake-qemu got to run. */
	OK(dda_vmrun_stop(s, VM, 60, &forced));
	assert_false(forced);
	wait_gone(pid);
	assert_int_equal(dda_vm_pid(f->ctx, VM), 0);
	log = qemu_said(f, "log");
	assert_string_equal(log, "system_powerdown\n");
	/* stopped: no runtime ids; the devices stay the VM's */
	assert_string_equal(row(s, EP).qemu_id, "");
	assert_string_equal(row(s, EP).port, "");
	assert_string_equal(owner(s, EP_F1), VM);
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'vm stop' AND device = 'lab1'"), 1);
}

/* QMP closes before the reply and QEMU ends a moment later: the guest
 * powered off; it was not turned off. */
static void test_stop_lost_reply(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 2);
	bool forced = true;
	pid_t pid;

	OK(dda_vmrun_start(s, f->h, VM));
	pid = dda_vm_pid(f->ctx, VM);
	script(f, "powerdown-lost-reply", "");
	OK(dda_vmrun_stop(s, VM, 60, &forced));
	assert_false(forced);
	wait_gone(pid);
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'vm stop' AND device = 'lab1'"), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'vm stop (turned off)'"), 0);
}

/* The guest ignores the power button: after the timeout, 'quit'. */
static void test_stop_timeout(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 2);
	_cleanup_free_ char *log = NULL;
	bool forced = false;
	double t;
	pid_t pid;

	OK(dda_vmrun_start(s, f->h, VM));
	pid = dda_vm_pid(f->ctx, VM);
	script(f, "ignore-powerdown", "");
	t = now_s();
	OK(dda_vmrun_stop(s, VM, 1, &forced));
	t = now_s() - t;
	assert_true(forced);
	if (t < 1 || t > 4)
		fail_msg("stop with a 1 s timeout took %.2f s", t);
	wait_gone(pid);
	log = qemu_said(f, "log");
	assert_string_equal(log, "system_powerdown\nquit\n");
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'vm stop (turned off)'"), 1);
}

/* A QEMU that does not even quit is killed. */
static void test_stop_kill(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 2);
	bool forced = false;
	pid_t pid;

	OK(dda_vmrun_start(s, f->h, VM));
	pid = dda_vm_pid(f->ctx, VM);
	script(f, "ignore-powerdown", "");
	script(f, "ignore-quit", "");
	OK(dda_vmrun_stop(s, VM, 1, &forced));
	assert_true(forced);
	assert_int_equal(dda_vm_pid(f->ctx, VM), 0);
	wait_gone(pid);
	assert_string_equal(row(s, EP).qemu_id, "");
}

/* -------------------------------------------------------------- hot add */

static void test_hot_add(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 1);
	_cleanup_free_ char *log = NULL;
	enum dda_assign_result res;
	struct dda_vm_device d;

	OK(dda_vmrun_unassign(s, f->h, VM, dev(f, EP), 1000, &(bool){ false }));
	OK(dda_vmrun_start(s, f->h, VM));
	OK(dda_vmrun_assign(s, f->h, VM, dev(f, NIC2), &res));
	assert_int_equal(res, DDA_ASSIGN_DONE);
	log = qemu_said(f, "log");
	assert_string_equal(log, "device_add driver=vfio-pci host=0000:02:00.0 id=dda-0000-02-00.0 bus=hp0\n");
	d = row(s, NIC2);
	assert_string_equal(d.vm, VM);
	assert_string_equal(d.qemu_id, "dda-0000-02-00.0");
	assert_string_equal(d.port, "hp0");
	/* added twice: nothing asked of QEMU */
	OK(dda_vmrun_assign(s, f->h, VM, dev(f, NIC2), &res));
	assert_int_equal(res, DDA_ASSIGN_UNCHANGED);

	/* its one hot-add port is taken: refused before QEMU is asked */
	expect_error(dda_vmrun_assign(s, f->h, VM, dev(f, EP), &res), -ENOSPC, "no-port",
		     "cannot hot-add '0000:01:00.0' to VM 'lab1': all 1 hot-add ports are in use");
	assert_string_equal(owner(s, EP), "");
	assert_string_equal(owner(s, EP_F1), "");
	free(log);
	log = qemu_said(f, "log");
	assert_string_equal(log, "device_add driver=vfio-pci host=0000:02:00.0 id=dda-0000-02-00.0 bus=hp0\n");
}

/* The hot-add ports' windows were sized at start for the biggest pooled
 * device; one pooled later that needs more is refused, not added to fail
 * in the guest. */
static void test_hot_add_no_room(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 2);
	_cleanup_free_ char *log = NULL;
	enum dda_assign_result res;

	OK(dda_vmrun_start(s, f->h, VM));
	vm_pool(f, s, GPU);
	expect_error(dda_vmrun_assign(s, f->h, VM, dev(f, GPU), &res), -ENOSPC, "no-room",
		     "cannot hot-add '0000:03:00.0' to VM 'lab1': it needs 512 MiB (64-bit) and 0 MiB (32-bit) of MMIO, "
		     "but the free ports reserve 16 and 2 MiB");
	assert_string_equal(owner(s, GPU), "");
	log = qemu_said(f, "log");
	assert_string_equal(log, "");
	/* NIC2 fits the 8 MiB windows */
	OK(dda_vmrun_assign(s, f->h, VM, dev(f, NIC2), &res));
	assert_string_equal(row(s, NIC2).port, "hp0");
}

/* QEMU refuses the device_add: nothing reached the guest, so the
 * assignment is undone, companions included. */
static void test_hot_add_refused(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	enum dda_assign_result res;
	struct dda_vm vm;

	s = setup_vm(f, 2);
	/* EP's group is what gets hot-added: a second VM holds nothing */
	OK(dda_vmrun_unassign(s, f->h, VM, dev(f, EP), 1000, &(bool){ false }));
	OK(dda_vmrun_assign(s, f->h, VM, dev(f, NIC2), &res));
	OK(dda_vmrun_start(s, f->h, VM));
	script(f, "device-add-error",
	       "vfio 0000:01:00.0: failed to setup container for group 2: memory listener failed");
	expect_error(dda_vmrun_assign(s, f->h, VM, dev(f, EP), &res), -EPROTO, "protocol-error",
		     "refused 'device_add': vfio 0000:01:00.0: failed to setup container");
	assert_string_equal(owner(s, EP), "");
	assert_string_equal(owner(s, EP_F1), "");
	assert_string_equal(owner(s, NIC2), VM);
	assert_int_equal(dda_vm_get(s, VM, &vm), 0);
}

/* The function named is already the VM's companion (its group is in QEMU
 * through EP): a refused hot-add leaves it that, not freed. */
static void test_hot_add_refused_companion(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 2);
	enum dda_assign_result res;
	struct dda_vm_device d;

	OK(dda_vmrun_start(s, f->h, VM));
	script(f, "device-add-error", "vfio 0000:01:00.1: error getting device from group 2: Device or resource busy");
	expect_error(dda_vmrun_assign(s, f->h, VM, dev(f, EP_F1), &res), -EPROTO, "protocol-error",
		     "error getting device from group 2");
	d = row(s, EP_F1);
	assert_string_equal(d.vm, VM);
	assert_false(d.requested);
	d = row(s, EP);
	assert_true(d.requested);
	assert_string_equal(d.qemu_id, "dda-0000-01-00.0");
}

/* ----------------------------------------------------------- hot remove */

static void test_hot_remove(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 2);
	_cleanup_free_ char *log = NULL;
	bool pending = true;

	OK(dda_vmrun_start(s, f->h, VM));
	OK(dda_vmrun_unassign(s, f->h, VM, dev(f, EP), 5000, &pending));
	assert_false(pending);
	log = qemu_said(f, "log");
	assert_string_equal(log, "device_del id=dda-0000-01-00.0\n");
	assert_string_equal(owner(s, EP), "");
	assert_string_equal(owner(s, EP_F1), "");
	assert_int_equal(count(s, "SELECT count(*) FROM audit WHERE op = 'vm remove-device'"), 1);
	/* the VM keeps running */
	assert_true(dda_vm_pid(f->ctx, VM) > 0);
}

/* The guest does not let go in time: the device stays the VM's, marked
 * removing, and is given back when QEMU says it is gone. */
static void test_hot_remove_pending(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 2);
	_cleanup_free_ char *log = NULL;
	bool pending = false;
	char note[512];
	double t;

	OK(dda_vmrun_start(s, f->h, VM));
	script(f, "guest-holds", "");
	t = now_s();
	OK(dda_vmrun_unassign(s, f->h, VM, dev(f, EP), 300, &pending));
	t = now_s() - t;
	assert_true(pending);
	if (t < 0.25 || t > 3)
		fail_msg("a 300 ms removal wait took %.2f s", t);
	assert_string_equal(owner(s, EP), VM);
	assert_int_equal(row(s, EP).state, DDA_VM_DEVICE_REMOVING);
	assert_string_equal(owner(s, EP_F1), VM);

	/* still held: a reconcile leaves it */
	OK(dda_vmrun_reconcile(s, VM, note, sizeof(note)));
	assert_string_equal(note, "");
	assert_string_equal(owner(s, EP), VM);

	/* a second remove-device does not ask the guest again */
	OK(dda_vmrun_unassign(s, f->h, VM, dev(f, EP), 100, &pending));
	assert_true(pending);
	log = qemu_said(f, "log");
	assert_string_equal(log, "device_del id=dda-0000-01-00.0\n");

	script(f, "guest-holds", NULL);
	OK(dda_vmrun_reconcile(s, VM, note, sizeof(note)));
	assert_string_equal(note, "the pending removal of '0000:01:00.0' from VM 'lab1' is complete");
	assert_string_equal(owner(s, EP), "");
	/* and the log's remove-device rows, left waiting, now say so */
	{
		_cleanup_free_ struct dda_audit_row *v = NULL;
		struct dda_audit_filter flt = { .device = EP };
		size_t n, removes = 0;

		OK(dda_audit_list(s, &flt, &v, &n));
		for (size_t i = 0; i < n; i++)
			if (!strcmp(v[i].op, "vm remove-device")) {
				removes++;
				assert_string_equal(v[i].outcome, "done");
			}
		assert_true(removes > 0);
	}
}

/* -------------------------------------------------------- a dead QEMU */

static void test_dead_qemu(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = setup_vm(f, 2);
	_cleanup_free_ char *log = NULL;
	enum dda_assign_result res;
	bool forced;
	pid_t pid;

	OK(dda_npool_create(s, "nics"));
	OK(dda_npool_add(s, "nics", NIC2));
	OK(dda_vm_pool_request_add(s, VM, "nics"));
	OK(dda_vmrun_start(s, f->h, VM));
	assert_string_equal(owner(s, NIC2), VM);
	pid = dda_vm_pid(f->ctx, VM);
	assert_true(pid > 0);
	/* killed (OOM killer, a crash): its pidfile and socket stay */
	kill(pid, SIGKILL);
	for (int i = 0; i < 200 && dda_vm_pid(f->ctx, VM) > 0; i++)
		usleep(10 * 1000);
	/* even unreaped, a zombie is not a running VM */
	assert_int_equal(dda_vm_pid(f->ctx, VM), 0);
	waitpid(pid, NULL, 0);

	OK(dda_vmrun_reconcile(s, VM, NULL, 0));
	assert_string_equal(row(s, EP).qemu_id, "");
	assert_string_equal(row(s, EP).port, "");
	assert_string_equal(owner(s, NIC2), "");
	expect_error(dda_vmrun_stop(s, VM, 1, &forced), -EALREADY, "not-running", "not running");

	/* a stopped VM takes devices without QEMU (no MMIO window limit) */
	vm_pool(f, s, GPU);
	OK(dda_vmrun_assign(s, f->h, VM, dev(f, GPU), &res));
	log = qemu_said(f, "log");
	expect_lacks(log, "device_add");
	/* and starts again over the stale pidfile and socket, with the pool
	 * pick made again */
	OK(dda_vmrun_start(s, f->h, VM));
	assert_true(dda_vm_pid(f->ctx, VM) > 0);
	assert_true(dda_vm_pid(f->ctx, VM) != pid);
	assert_string_equal(owner(s, NIC2), VM);
	assert_string_equal(row(s, GPU).qemu_id, "dda-0000-03-00.0");
}

/* ----------------------------------------------------- SR-IOV and VMs */

/* A VF a running VM holds cannot be destroyed by a VF count change, not
 * even one that would bring it back: refused naming the VM, nothing
 * written. */
static void test_vf_set_running_vm(void **state)
{
	struct fx *f = *state;
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	struct dda_repair rep = { 0 };
	enum dda_assign_result res;
	struct fh_dev e = good_ep();
	char vf[2][FH_ADDR_LEN];
	struct dda_vm vm;

	base(f);
	e.caps |= FH_SRIOV | FH_ARI;
	e.sriov_total = 4;
	e.sriov_num = 2;
	e.vf_device = 0x154c;
	e.vf_bars[0] = (struct fh_bar){ 64 << 10, FH_BAR_64 | FH_BAR_PREF };
	add_dev(f, &e);
	for (unsigned i = 0; i < 2; i++) {
		MUST(fh_vf_addr(f->fh, EP, i, vf[i]));
		ADD(f, .addr = vf[i], .physfn = EP, .caps = FH_MSIX | FH_FLR, .group = FH_GROUP(3 + (int)i),
		    .reset_method = "flr", .reset = true, .driver = "vfio-pci");
	}
	s = fx_state(f);
	scan_only(f);
	setenv("DDACTL_ROOT", fh_root(f->fh), 1);
	OK(dda_pool_record(s, dev(f, vf[1]), ""));
	dda_vm_init(&vm, VM);
	vm.memory_mb = 256;
	OK(dda_vm_create(s, &vm));
	OK(dda_vmrun_assign(s, f->h, VM, dev(f, vf[1]), &res));
	OK(dda_vmrun_start(s, f->h, VM));

	/* 2 is in place, nothing destroyed; 0 and 4 go through 0 */
	for (int n = 0; n <= 4; n += 4) {
		char want[160], path[PATH_MAX], got[16] = "";
		FILE *fp;

		snprintf(want, sizeof(want), "VF 1 '%s' is in use by running VM 'lab1'", vf[1]);
		expect_error(dda_sriov_set(s, EP, n, 0, &rep), -EBUSY, "refused", want);
		dev_path(f, path, sizeof(path), EP, "sriov_numvfs");
		fp = fopen(path, "r");
		assert_non_null(fp);
		assert_non_null(fgets(got, sizeof(got), fp));
		fclose(fp);
		assert_string_equal(got, "2\n");
	}
	assert_string_equal(owner(s, vf[1]), VM);
	assert_int_equal(count(s, "SELECT count(*) FROM sriov_pf"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TR(test_start),		  TR(test_start_memlock),
		TR(test_start_refused),	  TR(test_start_preflight),
		TR(test_stop_powerdown),  TR(test_stop_lost_reply),
		TR(test_stop_timeout),	  TR(test_stop_kill),
		TR(test_hot_add),	  TR(test_hot_add_no_room),
		TR(test_hot_add_refused), TR(test_hot_add_refused_companion),
		TR(test_hot_remove),	  TR(test_hot_remove_pending),
		TR(test_dead_qemu),	  TR(test_vf_set_running_vm),
	};
	char vmdir[PATH_MAX];
	int r;

	if (!getenv("DDACTL_QEMU") || !strstr(getenv("DDACTL_QEMU"), "fake-qemu")) {
		fprintf(stderr, "test-vmrun: DDACTL_QEMU must name fake-qemu\n");
		return 1;
	}
	/* A daemonized QEMU is orphaned: be the one it is reparented to, so
	 * its end can be waited for and nothing outlives the tests. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (!mkdtemp(run_dir))
		return 1;
	setenv("DDACTL_RUN_DIR", run_dir, 1);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(vmdir, sizeof(vmdir), "%s/vm", run_dir);
	rmdir(vmdir);
	rmdir(run_dir);
	return r;
}
