/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ctx.h"
#include "ddactl-config.h"
#include "error.h"
#include "report.h"
#include "state.h"

static const struct cli_command commands[] = {
	{ "survey", cmd_survey, "say for every PCI device whether it can be assigned to a VM, and why not" },
	{ "dismount", cmd_dismount, "take devices (whole IOMMU groups) from the host into the pool" },
	{ "mount", cmd_mount, "give pooled devices back to their host drivers" },
	{ "pool", cmd_pool, "list the pool of assignable devices; named pools" },
	{ "vm", cmd_vm, "define, start and stop VMs; add and remove their devices" },
	{ "vf", cmd_vf, "SR-IOV virtual functions: count, pool, network policy" },
	{ "export", cmd_export, "the pool as KubeVirt, Nova or the SR-IOV device plugin configure it" },
	{ "libvirt", cmd_libvirt, "libvirt domains: the hook's policy; attach and detach pooled devices" },
	{ "libvirt-hook", cmd_libvirt_hook, "what libvirt runs at each step of a domain (qemu.d/ddactl)" },
	{ "log", cmd_log, "the audit trail: every change, who made it, and how it ended" },
	{ "metrics", cmd_metrics, "the pool, VMs, VFs and host readiness for Prometheus" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: ddactl [-V|--version] [-h|--help] [--state-dir DIR] COMMAND [OPTIONS] [ARGS]\n"
		   "\n"
		   "Discrete Device Assignment for Linux/KVM: survey PCI devices, take them\n"
		   "from the host into a pool, and give them to QEMU virtual machines.\n"
		   "\n"
		   "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n"
		   "Devices are named by PCI address (0000:04:00.0 or 04:00.0) or by location\n"
		   "path (PCIROOT(0)#PCI(0300)#PCI(0000)).  'ddactl COMMAND --help' tells more.\n"
		   "\n"
		   "--state-dir DIR keeps the pool and VM database in DIR instead of\n"
		   "/var/lib/ddactl (also DDACTL_STATE_DIR); an absolute path, taken under\n"
		   "the root directory.\n"
		   "\n"
		   "Environment: DDACTL_ROOT reads the host under another root directory.\n");
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int version(void)
{
	if (arg_json) {
		_cleanup_json_ struct json_object *o = json_object_new_object();

		json_object_object_add(o, "version", json_object_new_string(DDACTL_VERSION));
		cli_print_json(o);
	} else {
		printf("ddactl %s\n", DDACTL_VERSION);
	}
	return EXIT_OK;
}

/* --help anywhere among a command's arguments, as getopt would find it
 * (not after "--"). */
static bool asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

/* `ddactl help CMD [SUB]` is `ddactl CMD [SUB] --help`: the same text,
 * and like it without root, locks or changes. */
static int help_command(int argc, char **argv)
{
	const struct cli_command *cmd = find_command(argv[0]);
	char *args[] = { argv[0], argc > 1 ? argv[1] : (char *)"--help", (char *)"--help", NULL };

	if (!cmd)
		return cli_usage_error(NULL, "no command '%s' to help with", argv[0]);
	if (argc > 2)
		return cli_usage_error(NULL, "unexpected argument '%s'", argv[2]);
	optind = 1;
	return cmd->run(NULL, argc > 1 ? 3 : 2, args);
}

int main(int argc, char **argv)
{
	_cleanup_(dda_ctx_freep) struct dda_ctx *ctx = NULL;
	struct dda_ctx_options opts = { 0 };
	const struct cli_command *cmd;
	const char *name;

	cli_json_early(argc, argv);
	/* Commands say "bad option" themselves, as text or JSON; getopt's
	 * own line on stderr would be a second, unescaped one. */
	opterr = 0;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* Global options come before the command. */
	while (argc > 1 && !strncmp(argv[1], "--state-dir", 11)) {
		const char *dir;

		if (argv[1][11] == '=') {
			dir = argv[1] + 12;
			argc--, argv++;
		} else if (argv[1][11] == '\0' && argc > 2) {
			dir = argv[2];
			argc -= 2, argv += 2;
		} else {
			return cli_usage_error(NULL, "--state-dir needs a directory");
		}
		/* '' would mean "the default" to dda_ctx_new(). */
		if (!*dir)
			return cli_usage_error(NULL,
					       "--state-dir is empty: name a directory, or leave it out for the default");
		opts.state_dir = dir;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* --json before the command is the command's --json (set above). */
	while (argc > 2 && (!strcmp(argv[1], "--json") || !strcmp(argv[1], "-j")))
		argc--, argv++;
	name = argv[1];
	if (!strcmp(name, "help") && argc > 2)
		return help_command(argc - 2, argv + 2);
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V"))
		return version();
	cmd = find_command(name);
	if (cmd) {
		/* Before anything reads or writes: a root or state directory that
		 * is not there must never fall back to the real host's.  Help
		 * reads nothing, so it is given whatever the environment says:
		 * a context, or NULL when that names no usable root. */
		if (dda_ctx_new_from_env(&ctx, &opts) < 0) {
			if (!asks_help(argc - 1, argv + 1))
				return cli_usage_error(NULL, "%s", dda_last_error()->message);
			dda_error_clear();
		}
		/* Each command parses its own options, getopt_long style. */
		optind = 1;
		return cmd->run(ctx, argc - 1, argv + 1);
	}
	if (name[0] == '-')
		return cli_usage_error(NULL, "unknown option '%s'", name);
	return cli_usage_error(NULL, "unknown command '%s'", name);
}
