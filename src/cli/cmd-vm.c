/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl vm: virtual machines that get pooled devices (Hyper-V's
 * Add-/Remove-/Get-VMAssignableDevice, with QEMU underneath).
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "domxml.h"
#include "error.h"
#include "hostpath.h" /* dda_parse_*: numbers as typed, no reads */
#include "hostinfo.h"
#include "pool.h"
#include "qemu.h"
#include "report.h"
#include "vmrun.h"

void cmd_vm_help(void)
{
	printf("Usage: ddactl vm COMMAND [OPTIONS] NAME ...\n"
	       "\n"
	       "  create NAME [options]     define a VM (see options below)\n"
	       "  set NAME [options]        change a stopped VM's definition\n"
	       "  list                      every VM, running or not, with its devices\n"
	       "  show NAME [--qemu-args | --libvirt]\n"
	       "                            the definition; or the exact QEMU command line;\n"
	       "                            or libvirt <hostdev> elements for its devices\n"
	       "  delete NAME               forget a stopped VM (its devices stay pooled)\n"
	       "  start NAME                start QEMU in the background, after checking\n"
	       "                            every assigned device\n"
	       "  stop NAME [--timeout S] | --all\n"
	       "                            ACPI power-down, then off after S seconds (60)\n"
	       "  add-device NAME (DEVICE | --any VENDOR:DEVICE | --pool POOL)\n"
	       "                            give the VM a pooled device (hot-add if running)\n"
	       "  remove-device NAME DEVICE [--timeout S]\n"
	       "                            take it back into the pool (hot-remove if running)\n"
	       "  devices NAME              the VM's devices (Get-VMAssignableDevice)\n"
	       "  console NAME              the VM's serial console output\n"
	       "\n"
	       "create/set options:\n"
	       "  --memory SIZE (MiB, or with K/M/G suffix)  --cpus N  --disk FILE\n"
	       "  --kernel FILE --initrd FILE --append STR  --firmware bios|uefi\n"
	       "  --accel auto|kvm|tcg  --qemu-arg ARG (repeatable)  --hotplug-ports N\n"
	       "  --mmio-below-4g SIZE --mmio-above-4g SIZE (default: computed from BARs)\n"
	       "\n"
	       "  -j, --json                 JSON output\n"
	       "  -h, --help                 this help\n"
	       "  -t, --timeout S            stop, remove-device: seconds to wait\n"
	       "  -a, --all                  stop: every running VM\n"
	       "  -q, --qemu-args, -l, --libvirt  show: the QEMU command line; <hostdev>\n"
	       "  -A, --any VENDOR:DEVICE, -P, --pool POOL\n"
	       "                             add-device: any free pooled device with\n"
	       "                             these ids; a free member of a named pool\n"
	       "\n"
	       "A VM with assigned devices cannot be paused, saved, snapshotted or\n"
	       "migrated: its devices' state lives in the hardware, not in QEMU.\n");
}

/* A change's outcome: one line, or with --json {"vm", "action", "result",
 * "device"}. */
static void said(const char *vm, const char *action, const char *result, const char *device, const char *fmt, ...)
	_printf_(5, 6);
static void said(const char *vm, const char *action, const char *result, const char *device, const char *fmt, ...)
{
	va_list ap;

	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_vm_action(vm, action, result, device);

		cli_print_json(o);
		return;
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void print_devices(struct dda_state *s, const char *name, const char *indent)
{
	_cleanup_free_ struct dda_vm_device *devs = NULL;
	size_t n = 0;

	if (dda_vm_devices(s, name, &devs, &n) < 0 || n == 0) {
		printf("%s(no devices)\n", indent);
		return;
	}
	for (size_t i = 0; i < n; i++)
		printf("%s%s  %04x:%04x  %s%s%s%s%s\n", indent, devs[i].address, devs[i].vendor, devs[i].device,
		       devs[i].location_path, devs[i].requested ? "" : "  (group companion, kept out of the guest)",
		       devs[i].via_pool[0] ? "  from pool " : "", devs[i].via_pool,
		       devs[i].state == DDA_VM_DEVICE_REMOVING ? "  REMOVAL PENDING" : "");
}

static int reconcile_all(struct dda_state *s, const char *only)
{
	_cleanup_free_ struct dda_vm *vms = NULL;
	char note[512];
	size_t n;
	int r;

	r = dda_vm_list(s, &vms, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (only && strcmp(vms[i].name, only))
			continue;
		r = dda_vmrun_reconcile(s, vms[i].name, note, sizeof(note));
		if (r == 0 && note[0])
			fprintf(stderr, "ddactl: %s\n", note);
	}
	return r;
}

static int resolve_one(struct dda_ctx *ctx, struct dda_host **h, const char *name, struct dda_device **ret)
{
	int r = *h ? 0 : dda_host_scan(ctx, h, DDA_SCAN_NAMES);

	if (r < 0)
		return r;
	return dda_host_resolve(*h, name, ret);
}

/* What a vm subcommand was given, and what it works with. */
struct vm_call {
	const char *sub, *name, *device, *any, *pool;
	bool all, qemu_args, libvirt;
	int timeout;			 /* seconds; -1 for the default, 0: no wait */
	uint16_t any_vendor, any_device; /* --any, parsed */
	struct dda_state *s;		 /* read-only for looks, locked for changes */
	struct dda_host *h;		 /* scanned when a subcommand needs it */
	struct json_object *stopped;	 /* stop --all --json: the document of the VMs stopped */
};

/* What the user gave ddactl (--append, paths, QEMU arguments) echoed to
 * a terminal: escaped like every other echo. */
static void print_escaped(const char *prefix, const char *s)
{
	size_t size = strlen(s) * 4 + 1;
	_cleanup_free_ char *safe = malloc(size);

	if (safe)
		dda_text_escape(safe, size, s);
	printf("%s%s\n", prefix, safe ? safe : "");
}

static int vm_list(struct dda_ctx *ctx, struct vm_call *c)
{
	_cleanup_free_ struct dda_vm *vms = NULL;
	size_t n = 0;
	int r;

	r = dda_vm_list(c->s, &vms, &n);
	if (r < 0)
		return r;
	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_vm_list(c->s, vms, n);

		cli_print_json(o);
		return 0;
	}
	if (!n)
		printf("no VMs (create one with 'ddactl vm create NAME')\n");
	for (size_t i = 0; i < n; i++) {
		pid_t pid = dda_vm_pid(ctx, vms[i].name);

		printf("%-20s %-8s %6llu MiB %3u CPUs\n", vms[i].name, pid > 0 ? "running" : "stopped",
		       (unsigned long long)vms[i].memory_mb, vms[i].cpus);
		print_devices(c->s, vms[i].name, "    ");
	}
	return 0;
}

static int show_qemu_args(struct dda_ctx *ctx, struct vm_call *c)
{
	_cleanup_free_ char *line = NULL;
	char **qv = NULL;
	int r;

	r = dda_host_scan(ctx, &c->h, 0);
	if (r == 0)
		r = dda_vmrun_command_line(c->s, c->h, c->name, false, &qv);
	if (r < 0)
		return r;
	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_vm_qemu_argv(c->name, qv);

		dda_strv_free(qv);
		cli_print_json(o);
		return 0;
	}
	line = dda_strv_join(qv);
	dda_strv_free(qv);
	if (!line)
		return -ENOMEM;
	print_escaped("", line);
	return 0;
}

/* The <hostdev> elements a libvirt domain needs for the same devices;
 * managed='no' because ddactl, not libvirt, owns their binding. */
static int show_libvirt(struct vm_call *c)
{
	_cleanup_free_ struct dda_vm_device *devs = NULL;
	size_t n;
	int r;

	_cleanup_free_ char *xml = NULL;
	size_t len = 0;
	FILE *f;

	r = dda_vm_devices(c->s, c->name, &devs, &n);
	if (r < 0)
		return r;
	/* text, or the same text as one JSON string */
	f = arg_json ? open_memstream(&xml, &len) : stdout;
	if (!f)
		return -ENOMEM;
	fprintf(f, "<!-- devices ddactl pooled for VM '%s': paste into <devices> of a libvirt domain -->\n", c->name);
	for (size_t i = 0; i < n; i++) {
		struct dda_pciaddr a;
		char el[512];

		if (!devs[i].requested || dda_pciaddr_parse(devs[i].address, &a) < 0 ||
		    dda_domxml_hostdev_format(&a, 0, el, sizeof(el)) < 0)
			continue;
		fputs(el, f);
	}
	if (arg_json) {
		fclose(f);
		_cleanup_json_ struct json_object *o = dda_report_vm_libvirt(c->name, xml);

		cli_print_json(o);
	}
	return 0;
}

static void show_text(struct dda_ctx *ctx, struct vm_call *c, const struct dda_vm *vm)
{
	printf("VM %s: %s\n", vm->name, dda_vm_pid(ctx, vm->name) > 0 ? "running" : "stopped");
	printf("  memory %llu MiB, %u CPUs, firmware %s, accel %s, %u hot-add ports\n",
	       (unsigned long long)vm->memory_mb, vm->cpus, vm->firmware, vm->accel, vm->hotplug_ports);
	if (vm->kernel[0])
		print_escaped("  kernel ", vm->kernel);
	if (vm->initrd[0])
		print_escaped("  initrd ", vm->initrd);
	if (vm->append[0])
		print_escaped("  append ", vm->append);
	if (vm->disk[0])
		print_escaped("  disk ", vm->disk);
	printf("  MMIO below 4G: %s, above 4G: %s\n", vm->mmio_below_mb < 0 ? "computed" : "set",
	       vm->mmio_above_mb < 0 ? "computed" : "set");
	if (strcmp(vm->qemu_args, "[]"))
		print_escaped("  extra QEMU arguments ", vm->qemu_args);
	printf("  devices:\n");
	print_devices(c->s, vm->name, "    ");
}

/* show and devices (Get-VMAssignableDevice). */
static int vm_show(struct dda_ctx *ctx, struct vm_call *c)
{
	struct dda_vm vm;
	int r;

	r = dda_vm_get(c->s, c->name, &vm);
	if (r < 0)
		return r;
	if (c->qemu_args)
		return show_qemu_args(ctx, c);
	if (c->libvirt)
		return show_libvirt(c);
	if (arg_json) {
		_cleanup_json_ struct json_object *o = !strcmp(c->sub, "devices") ?
							       dda_report_vm_devices(c->s, vm.name) :
							       dda_report_vm(c->s, &vm);

		cli_print_json(o);
	} else if (!strcmp(c->sub, "devices")) {
		print_devices(c->s, c->name, "");
	} else {
		show_text(ctx, c, &vm);
	}
	return 0;
}

static int vm_console(struct dda_ctx *ctx, struct vm_call *c)
{
	_cleanup_fclose_ FILE *f = NULL;
	char path[PATH_MAX], buf[4096];
	struct dda_vm vm;
	size_t k;
	int r;

	r = dda_vm_get(c->s, c->name, &vm);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/console.log", dda_vm_rundir(ctx, c->name));
	f = fopen(path, "re");
	if (!f)
		return dda_error(-errno, c->name, "VM '%s' has no console log yet (%s)", c->name, path);
	if (arg_json) {
		_cleanup_json_ struct json_object *o = NULL;

		r = dda_report_vm_console(c->name, f, &o);
		if (r < 0)
			return r;
		cli_print_json(o);
		return 0;
	}
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, k, stdout);
	return 0;
}

static int vm_delete(struct dda_ctx *ctx, struct vm_call *c)
{
	struct dda_vm vm;
	int r;

	r = dda_vm_get(c->s, c->name, &vm);
	if (r == 0 && dda_vm_pid(ctx, c->name) > 0)
		r = dda_error_code(-EBUSY, "running", c->name,
				   "VM '%s' is running: stop it first ('ddactl vm stop %s')", c->name, c->name);
	if (r == 0)
		r = dda_vm_delete(c->s, c->name);
	if (r == 0)
		said(c->name, "delete", "deleted", NULL, "VM '%s' deleted; its devices are back in the pool", c->name);
	return r;
}

static int vm_start(struct dda_ctx *ctx, struct vm_call *c)
{
	int r = dda_host_scan(ctx, &c->h, DDA_SCAN_NAMES);

	if (r == 0)
		r = dda_vmrun_start(c->s, c->h, c->name);
	if (r == 0)
		said(c->name, "start", "running", NULL, "VM '%s' started (pid %d); console: ddactl vm console %s",
		     c->name, (int)dda_vm_pid(ctx, c->name), c->name);
	return r;
}

static int stop_one(struct vm_call *c, const char *name)
{
	bool forced;
	int r = dda_vmrun_stop(c->s, name, c->timeout >= 0 ? c->timeout : 60, &forced);

	if (r == 0 && c->stopped) {
		dda_report_vm_stopped_add(c->stopped, name, forced ? "turned-off" : "powered-down");
	} else if (r == 0) {
		said(name, "stop", forced ? "turned-off" : "powered-down", NULL, "VM '%s' %s", name,
		     forced ? "turned off (it did not power down in time)" : "powered down");
	}
	return r;
}

/* One VM, or --all (host shutdown): every running VM, each tried even
 * when another failed. */
static int vm_stop(struct dda_ctx *ctx, struct vm_call *c)
{
	_cleanup_free_ struct dda_vm *vms = NULL;
	struct dda_error_info first = { 0 };
	struct dda_vm vm;
	size_t n = 0;
	int r;

	if (!c->all) {
		r = dda_vm_get(c->s, c->name, &vm);
		return r < 0 ? r : stop_one(c, c->name);
	}
	/* --json: one document for all of them */
	_cleanup_json_ struct json_object *stopped = arg_json ? dda_report_vm_stopped() : NULL;

	c->stopped = stopped;
	r = dda_vm_list(c->s, &vms, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct dda_error_info e;

		if (dda_vm_pid(ctx, vms[i].name) <= 0)
			continue;
		if (stop_one(c, vms[i].name) < 0) {
			e = dda_error_save();
			fprintf(stderr, "ddactl: %s\n", e.message);
			if (!first.err)
				first = e;
		}
	}
	c->stopped = NULL;
	if (r < 0)
		return r;
	if (first.err)
		/* the first failure is the command's error */
		return dda_error_restore(&first, -EIO);
	if (stopped)
		cli_print_json(stopped);
	return 0;
}

/* --pool: a named pool, resolved to a free member when the VM starts
 * (Hyper-V's VM resource pools). */
static int add_from_pool(struct vm_call *c)
{
	int r;

	if (!dda_npool_exists(c->s, c->pool))
		return dda_error_input(-ENOENT, "no-pool", c->pool, "no pool named '%s' ('ddactl pool create %s')",
				       c->pool, c->pool);
	r = dda_vm_pool_request_add(c->s, c->name, c->pool);
	if (r == 0)
		said(c->name, "add-device", "pool-requested", NULL,
		     "VM '%s' will get a free device from pool '%s' when it starts", c->name, c->pool);
	return r;
}

static int vm_add_device(struct dda_ctx *ctx, struct vm_call *c)
{
	enum dda_assign_result res = DDA_ASSIGN_DONE;
	struct dda_device *d = NULL;
	struct dda_vm vm;
	bool hot;
	int r;

	r = dda_vm_get(c->s, c->name, &vm);
	if (r < 0)
		return r;
	if (c->pool)
		return add_from_pool(c);
	if (c->any) {
		r = dda_host_scan(ctx, &c->h, DDA_SCAN_NAMES);
		if (r == 0)
			r = dda_vmrun_find_free(c->s, c->h, c->any_vendor, c->any_device, &d);
	} else {
		r = resolve_one(ctx, &c->h, c->device, &d);
	}
	if (r == 0)
		r = dda_vmrun_assign(c->s, c->h, c->name, d, &res);
	if (r < 0)
		return r;
	hot = dda_vm_pid(ctx, c->name) > 0;
	if (res == DDA_ASSIGN_UNCHANGED)
		said(c->name, "add-device", "unchanged", d->name,
		     "'%s' is already assigned to VM '%s': nothing changed", d->name, c->name);
	else
		said(c->name, "add-device", hot ? "hot-added" : "assigned", d->name, "'%s' assigned to VM '%s'%s",
		     d->name, c->name, hot ? " (hot-added)" : "");
	return 0;
}

/* The result is honest: removed, or pending while the guest holds on
 * (the device stays the VM's; a later command completes it). */
static int vm_remove_device(struct dda_ctx *ctx, struct vm_call *c)
{
	struct dda_device *d = NULL;
	bool pending = false, hot;
	struct dda_vm vm;
	int r;

	r = dda_vm_get(c->s, c->name, &vm);
	if (r == 0)
		r = resolve_one(ctx, &c->h, c->device, &d);
	if (r == 0)
		r = dda_vmrun_unassign(c->s, c->h, c->name, d, c->timeout >= 0 ? c->timeout * 1000 : 30000, &pending);
	if (r < 0)
		return r;
	if (pending)
		return dda_error_code(-EINPROGRESS, "pending", d->name,
				      "removal of '%s' from VM '%s' is pending: the guest has not released it yet; it stays the VM's until it does ('ddactl vm devices %s' tells)",
				      d->name, c->name, c->name);
	hot = dda_vm_pid(ctx, c->name) > 0;
	said(c->name, "remove-device", hot ? "hot-removed" : "removed", d->name,
	     "'%s' removed from VM '%s'%s; it is back in the pool", d->name, c->name, hot ? " (hot-removed)" : "");
	return 0;
}

static const struct {
	const char *name;
	int (*run)(struct dda_ctx *ctx, struct vm_call *c);
	bool change; /* root, lock, state repair first */
} subcommands[] = {
	{ "list", vm_list, false },
	{ "show", vm_show, false },
	{ "devices", vm_show, false },
	{ "console", vm_console, false },
	{ "delete", vm_delete, true },
	{ "start", vm_start, true },
	{ "stop", vm_stop, true },
	{ "add-device", vm_add_device, true },
	{ "remove-device", vm_remove_device, true },
};

/* [--json] [--timeout S] [--all] [--qemu-args] [--libvirt] [--any V:D]
 * [--pool P] NAME [DEVICE]; returns 0 or an exit status. */
static int parse_call(int argc, char **argv, struct vm_call *c)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "qemu-args", no_argument, NULL, 'q' },
		{ "libvirt", no_argument, NULL, 'l' },
		{ "any", required_argument, NULL, 'A' },
		{ "pool", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t t;
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, "jt:ahqlA:P:", opts, NULL)) != -1) {
		switch (o) {
		case 'j': arg_json = true; break;
		case 't':
			if (dda_parse_u64(optarg, 10, &t) < 0 || t > 86400)
				return cli_usage_error("vm", "bad --timeout '%s' (seconds)", optarg);
			c->timeout = (int)t;
			break;
		case 'a': c->all = true; break;
		case 'q': c->qemu_args = true; break;
		case 'l': c->libvirt = true; break;
		case 'A': c->any = optarg; break;
		case 'P': c->pool = optarg; break;
		case 'h': cmd_vm_help(); return -1;
		default: return cli_usage_error("vm", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		c->name = argv[optind++];
	if (optind < argc)
		c->device = argv[optind++];
	if (optind < argc)
		return cli_usage_error("vm", "unexpected argument '%s'", argv[optind]);
	if (c->all && strcmp(c->sub, "stop"))
		return cli_usage_error("vm", "--all is for 'vm stop' only");
	if (c->all && c->name)
		return cli_usage_error("vm", "'vm stop --all' takes no VM name");
	if (!c->name && strcmp(c->sub, "list") && !(c->all && !strcmp(c->sub, "stop")))
		return cli_usage_error("vm", "'vm %s' needs a VM name", c->sub);
	if (!strcmp(c->sub, "add-device") && !!c->device + !!c->any + !!c->pool != 1)
		return cli_usage_error("vm", "'vm add-device' takes one of DEVICE, --any VENDOR:DEVICE or --pool POOL");
	if (!strcmp(c->sub, "remove-device") && !c->device)
		return cli_usage_error("vm", "'vm remove-device' needs a DEVICE");
	if (c->device && strcmp(c->sub, "add-device") && strcmp(c->sub, "remove-device"))
		return cli_usage_error("vm", "unexpected argument '%s'", c->device);
	if (c->name && !dda_vm_name_valid(c->name))
		return cli_usage_error("vm", "'%s' is not a valid VM name (letters, digits, '-', '_', '.'; at most %d)",
				       c->name, DDA_VM_NAME_MAX);
	if (c->device && cli_check_device_names(1, (char **)&c->device) < 0)
		return cli_fail(-EINVAL);
	if (c->any && dda_pciid_parse(c->any, &c->any_vendor, &c->any_device) < 0)
		return cli_usage_error("vm", "bad --any '%s' (VENDOR:DEVICE, each 4 hex digits, e.g. 8086:10d3)",
				       c->any);
	if (c->pool && !dda_vm_name_valid(c->pool))
		return cli_usage_error("vm", "'%s' is not a valid pool name", c->pool);
	if (c->timeout >= 0 && strcmp(c->sub, "stop") && strcmp(c->sub, "remove-device"))
		return cli_usage_error("vm", "--timeout is for 'vm stop' and 'vm remove-device' only");
	if ((c->qemu_args || c->libvirt) && strcmp(c->sub, "show"))
		return cli_usage_error("vm", "--%s is for 'vm show' only", c->qemu_args ? "qemu-args" : "libvirt");
	if (c->qemu_args && c->libvirt)
		return cli_usage_error("vm", "--qemu-args and --libvirt cannot be combined");
	if ((c->any || c->pool) && strcmp(c->sub, "add-device"))
		return cli_usage_error("vm", "--%s is for 'vm add-device' only", c->any ? "any" : "pool");
	return 0;
}

int cmd_vm(struct dda_ctx *ctx, int argc, char **argv)
{
	static const char *const refused[] = { "pause", "suspend", "save", "restore", "snapshot", "migrate" };
	_cleanup_(dda_state_closep) struct dda_state *ro = NULL;
	struct cli_session ses = { 0 };
	struct vm_call c = { .timeout = -1 };
	char line[512];
	size_t i;
	int r, rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cmd_vm_help();
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	c.sub = argv[1];
	/* --help anywhere answers before anything is looked at or refused */
	for (int k = 2; k < argc && strcmp(argv[k], "--"); k++)
		if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
			cmd_vm_help();
			return EXIT_OK;
		}
	for (i = 0; i < ARRAY_SIZE(refused); i++)
		if (!strcmp(c.sub, refused[i])) {
			dda_error_code(-ENOTSUP, "not-offered", argc > 2 ? argv[2] : NULL,
				       "'vm %s' is not offered: a VM with assigned devices cannot be paused, saved, snapshotted or migrated, because its devices' state lives in the hardware, not in QEMU (stop it and start it again instead)",
				       c.sub);
			return cli_fail(-ENOTSUP);
		}
	if (!strcmp(c.sub, "create") || !strcmp(c.sub, "set"))
		return cmd_vm_define(ctx, argc - 1, argv + 1, c.sub);
	for (i = 0; i < ARRAY_SIZE(subcommands) && strcmp(subcommands[i].name, c.sub); i++)
		;
	if (i == ARRAY_SIZE(subcommands))
		return cli_usage_error("vm", "unknown vm command '%s'", c.sub);
	rc = parse_call(argc - 1, argv + 1, &c);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;

	/* Changes take the lock and repair first; looks read what is there. */
	cli_command_line(argc - 1, argv + 1, line, sizeof(line));
	if (subcommands[i].change) {
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "vm %s", c.sub);
		r = cli_session_open(ctx, &ses, cmd, line);
		c.s = ses.state;
		if (r == 0)
			r = reconcile_all(c.s, c.all ? NULL : c.name);
	} else {
		r = dda_state_open(ctx, &ro, DDA_STATE_READONLY);
		if (r == -ENOENT)
			r = 0;
		c.s = ro;
		/* "needs root" rather than a running VM shown as stopped */
		if (r == 0)
			r = dda_vm_pids_known(ro);
	}
	if (r == 0)
		r = subcommands[i].run(ctx, &c);
	dda_host_free(c.h);
	cli_session_close(&ses);
	return r < 0 ? cli_fail(r) : EXIT_OK;
}
