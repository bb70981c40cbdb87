/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ddactl vm create and vm set: a VM's definition from its options. */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "hostpath.h" /* dda_parse_*: numbers as typed, no reads */
#include "hostinfo.h"
#include "pool.h"
#include "qemu.h"
#include "report.h"
#include "vmrun.h"

/* "512", "512M", "2G", "1024K" -> MiB. */
static int parse_mib(const char *s, int64_t *ret)
{
	char num[32];
	uint64_t v;
	size_t n = strlen(s);
	char unit = n ? s[n - 1] : 0;

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	snprintf(num, sizeof(num), "%s", s);
	if (unit == 'K' || unit == 'k' || unit == 'M' || unit == 'm' || unit == 'G' || unit == 'g' || unit == 'T' ||
	    unit == 't')
		num[n - 1] = '\0';
	else
		unit = 'M';
	if (dda_parse_u64(num, 10, &v) < 0)
		return -EINVAL;
	switch (unit) {
	case 'K':
	case 'k': v /= 1024; break;
	case 'G':
	case 'g':
		if (v > INT64_MAX / 2 / 1024)
			return -ERANGE;
		v *= 1024;
		break;
	case 'T':
	case 't':
		if (v > INT64_MAX / 2 / (1024 * 1024))
			return -ERANGE;
		v *= 1024 * 1024;
		break;
	default: break;
	}
	if (v > INT64_MAX / 2)
		return -ERANGE;
	*ret = (int64_t)v;
	return 0;
}

/* x86-64's architectural limit on physical addresses (52 bits, 4 PiB),
 * in MiB: no guest RAM or MMIO window can be larger. */
#define ARCH_LIMIT_MB (1ULL << (52 - 20))

enum {
	OPT_MEMORY = 256,
	OPT_CPUS,
	OPT_DISK,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_APPEND,
	OPT_FIRMWARE,
	OPT_ACCEL,
	OPT_QEMU_ARG,
	OPT_MMIO_BELOW,
	OPT_MMIO_ABOVE,
	OPT_HOTPLUG,
};

static const struct option def_opts[] = {
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "firmware", required_argument, NULL, OPT_FIRMWARE },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "qemu-arg", required_argument, NULL, OPT_QEMU_ARG },
	{ "mmio-below-4g", required_argument, NULL, OPT_MMIO_BELOW },
	{ "mmio-above-4g", required_argument, NULL, OPT_MMIO_ABOVE },
	{ "hotplug-ports", required_argument, NULL, OPT_HOTPLUG },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int absolute(char *dst, size_t size, const char *path, const char *what)
{
	char real[PATH_MAX];

	if (!realpath(path, real))
		return cli_usage_error("vm", "cannot use %s '%s': %s", what, path, strerror(errno));
	snprintf(dst, size, "%s", real);
	return 0;
}

/* Applies create/set options to vm; returns 0 or an exit status. */
static int parse_definition(struct dda_ctx *ctx, int argc, char **argv, struct dda_vm *vm)
{
	struct json_object *extra = json_tokener_parse(vm->qemu_args);
	bool extra_reset = false;
	int64_t v;
	int c, rc = 0;

	if (!extra || !json_object_is_type(extra, json_type_array)) {
		if (extra)
			json_object_put(extra);
		extra = json_object_new_array();
	}
	while (rc == 0 && (c = getopt_long(argc, argv, "jh", def_opts, NULL)) != -1) {
		switch (c) {
		case OPT_MEMORY: {
			/* No context: --help under an unusable root, which has
			 * no RAM to read (as dda_host_ram_mb's 0). */
			uint64_t ram = ctx ? dda_host_ram_mb(ctx) : 0;

			if (parse_mib(optarg, &v) < 0 || v < 16 || (uint64_t)v > ARCH_LIMIT_MB)
				rc = cli_usage_error("vm", "bad --memory '%s' (MiB, or with K/M/G/T; 16M to 4P)",
						     optarg);
			else if (ram && (uint64_t)v > ram)
				rc = cli_usage_error("vm",
						     "--memory '%s' is more than this host's %llu MiB of RAM: VFIO pins all of a VM's memory, so it must fit",
						     optarg, (unsigned long long)ram);
			else
				vm->memory_mb = (uint64_t)v;
			break;
		}
		case OPT_CPUS:
			if (parse_mib(optarg, &v) < 0 || v < 1 || v > 1024 || strpbrk(optarg, "KkMmGgTt"))
				rc = cli_usage_error("vm", "bad --cpus '%s'", optarg);
			else
				vm->cpus = (unsigned)v;
			break;
		case OPT_DISK: rc = absolute(vm->disk, sizeof(vm->disk), optarg, "disk"); break;
		case OPT_KERNEL: rc = absolute(vm->kernel, sizeof(vm->kernel), optarg, "kernel"); break;
		case OPT_INITRD: rc = absolute(vm->initrd, sizeof(vm->initrd), optarg, "initrd"); break;
		case OPT_APPEND: snprintf(vm->append, sizeof(vm->append), "%s", optarg); break;
		case OPT_FIRMWARE:
			if (strcmp(optarg, "bios") && strcmp(optarg, "uefi"))
				rc = cli_usage_error("vm", "bad --firmware '%s' (bios or uefi)", optarg);
			else
				snprintf(vm->firmware, sizeof(vm->firmware), "%s", optarg);
			break;
		case OPT_ACCEL:
			if (strcmp(optarg, "auto") && strcmp(optarg, "kvm") && strcmp(optarg, "tcg"))
				rc = cli_usage_error("vm", "bad --accel '%s' (auto, kvm or tcg)", optarg);
			else
				snprintf(vm->accel, sizeof(vm->accel), "%s", optarg);
			break;
		case OPT_QEMU_ARG:
			/* set replaces the list; several --qemu-arg build it. */
			if (!extra_reset) {
				json_object_put(extra);
				extra = json_object_new_array();
				extra_reset = true;
			}
			json_object_array_add(extra, json_object_new_string(optarg));
			break;
		case OPT_MMIO_BELOW:
			if (parse_mib(optarg, &v) < 0 || v > 3072)
				rc = cli_usage_error("vm", "bad --mmio-below-4g '%s' (at most 3G)", optarg);
			else
				vm->mmio_below_mb = v;
			break;
		case OPT_MMIO_ABOVE:
			if (parse_mib(optarg, &v) < 0 || (uint64_t)v > ARCH_LIMIT_MB)
				rc = cli_usage_error("vm", "bad --mmio-above-4g '%s' (MiB, or with K/M/G/T; at most 4P)",
						     optarg);
			else
				vm->mmio_above_mb = v;
			break;
		case OPT_HOTPLUG:
			if (parse_mib(optarg, &v) < 0 || v > 16 || strpbrk(optarg, "KkMmGgTt"))
				rc = cli_usage_error("vm", "bad --hotplug-ports '%s' (0 to 16)", optarg);
			else
				vm->hotplug_ports = (unsigned)v;
			break;
		case 'j': arg_json = true; break;
		case 'h':
			cmd_vm_help();
			rc = -1;
			break;
		default: rc = cli_usage_error("vm", "bad option '%s'", argv[optind - 1]); break;
		}
	}
	if (rc == 0) {
		const char *j = json_object_to_json_string_ext(extra, JSON_C_TO_STRING_PLAIN);

		if (strlen(j) >= sizeof(vm->qemu_args))
			rc = cli_usage_error("vm", "--qemu-arg list too long");
		else
			snprintf(vm->qemu_args, sizeof(vm->qemu_args), "%s", j);
	}
	json_object_put(extra);
	return rc;
}

/* create and set: the definition options. */
int cmd_vm_define(struct dda_ctx *ctx, int argc, char **argv, const char *sub)
{
	struct cli_session ses = { 0 };
	const char *name;
	struct dda_vm vm;
	char line[512], cmd[32];
	int r, rc;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cmd_vm_help();
		return EXIT_OK;
	}
	if (argc < 2 || argv[1][0] == '-')
		return cli_usage_error("vm", "'vm %s' needs a VM name", sub);
	name = argv[1];
	if (!dda_vm_name_valid(name))
		return cli_usage_error("vm", "'%s' is not a valid VM name (letters, digits, '-', '_', '.'; at most %d)",
				       name, DDA_VM_NAME_MAX);
	/* Every option is checked (and --help answered) before root, the
	 * lock or the state come into it; set then applies them again to
	 * the stored definition. */
	dda_vm_init(&vm, name);
	optind = 2;
	rc = parse_definition(ctx, argc, argv, &vm);
	if (rc == 0 && optind < argc)
		rc = cli_usage_error("vm", "unexpected argument '%s'", argv[optind]);
	if (rc)
		return rc < 0 ? EXIT_OK : rc; /* -1: --help was printed */
	cli_command_line(argc, argv, line, sizeof(line));
	snprintf(cmd, sizeof(cmd), "vm %s", sub);
	r = cli_session_open(ctx, &ses, cmd, line);
	if (r == 0 && !strcmp(sub, "set")) {
		r = dda_vm_get(ses.state, name, &vm);
		if (r == 0 && dda_vm_pid(ctx, name) > 0)
			r = dda_error_code(-EBUSY, "running", name, "VM '%s' is running: stop it before changing it",
					   name);
		optind = 2;
		if (r == 0 && parse_definition(ctx, argc, argv, &vm))
			r = dda_error_input(-EIO, "usage", name, "the options for VM '%s' could not be applied again",
					    name);
	}
	if (r < 0) {
		cli_session_close(&ses);
		return cli_fail(r);
	}
	r = !strcmp(sub, "create") ? dda_vm_create(ses.state, &vm) : dda_vm_update(ses.state, &vm);
	/* as stored (create stamps created_at) */
	if (r == 0)
		r = dda_vm_get(ses.state, name, &vm);
	if (r == 0 && arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_vm(ses.state, &vm);

		cli_print_json(o);
	} else if (r == 0) {
		printf("VM '%s' %s\n", name, !strcmp(sub, "create") ? "created" : "updated");
	}
	cli_session_close(&ses);
	return r < 0 ? cli_fail(r) : EXIT_OK;
}
