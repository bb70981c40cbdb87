/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl mount: pool -> host, Mount-VMHostAssignableDevice for Linux.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "pool.h"

static void help(void)
{
	printf("Usage: ddactl mount [--dry-run] [--json] DEVICE...\n"
	       "\n"
	       "Give pooled devices back to the host: reset, unbind vfio-pci, clear\n"
	       "driver_override, reprobe, and check that the driver recorded at\n"
	       "dismount is bound again, for each device's whole IOMMU group.\n"
	       "Refused while a VM (or any process) holds the device, and for a\n"
	       "quarantined device (see 'ddactl pool release').  A device that does\n"
	       "not answer after its reset stays on vfio-pci, quarantined.\n"
	       "A device on vfio-pci with driver_override set that the pool has no\n"
	       "record of (unrecorded) goes to the driver the kernel picks for it\n"
	       "(libkmod lookup of its modalias), since its original one is not known.\n"
	       "\n"
	       "  -n, --dry-run   print the plan and change nothing\n"
	       "  -j, --json      JSON output\n"
	       "  -h, --help      this help\n");
}

int cmd_mount(struct dda_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	_cleanup_free_ struct dda_device **devs = NULL;
	struct cli_session ses = { 0 };
	_cleanup_(dda_state_closep) struct dda_state *ro = NULL;
	struct dda_plan plan = { 0 };
	bool dry_run = false;
	char what[512];
	size_t n;
	int c, r;

	cli_command_line(argc, argv, what, sizeof(what));
	while ((c = getopt_long(argc, argv, "njh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': dry_run = true; break;
		case 'j': arg_json = true; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("mount", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("mount", "no device named");
	r = cli_check_device_names(argc - optind, argv + optind);
	if (r < 0)
		return cli_fail(r);
	/* Like dismount's: a dry run reads, so needs neither root nor the
	 * lock; without a database nothing is pooled. */
	if (dry_run) {
		r = dda_state_open(ctx, &ro, DDA_STATE_READONLY);
		if (r == -ENOENT)
			r = 0;
	} else {
		r = cli_session_open(ctx, &ses, "mount", what);
	}
	if (r == 0)
		r = dda_host_scan(ctx, &h, DDA_SCAN_NAMES);
	if (r == 0)
		r = cli_resolve_devices(h, argc - optind, argv + optind, &devs, &n);
	if (r == 0)
		r = dda_pool_plan_mount(h, ses.state ? ses.state : ro, devs, n, &plan);
	if (r == 0 && !dry_run)
		r = dda_pool_mount(ses.state, &plan);
	if (r == 0)
		cli_print_plan(&plan, "mount", dry_run);
	dda_plan_release(&plan);
	cli_session_close(&ses);
	return r < 0 ? cli_fail(r) : EXIT_OK;
}
