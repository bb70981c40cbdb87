/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl dismount: host -> pool, Dismount-VMHostAssignableDevice for Linux.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "checks.h"
#include "cli.h"
#include "pool.h"

static void help(void)
{
	printf("Usage: ddactl dismount [--force] [--dry-run] [--json] DEVICE...\n"
	       "\n"
	       "Take devices from the host into the pool of assignable devices: unbind\n"
	       "the host driver and bind vfio-pci, for each device's whole IOMMU group\n"
	       "(the other members move too, as companions that can only go to the\n"
	       "same VM).  The original driver is recorded first; 'ddactl mount' gives\n"
	       "it back.  Refused when the survey finds a blocking reason for any\n"
	       "member (the host uses it, a bridge, firmware memory...).  There is no\n"
	       "reset here: vfio-pci resets a device when a VM opens it.  A device that\n"
	       "does not answer once on vfio-pci stays there, quarantined: no VM gets\n"
	       "it until 'ddactl pool release DEVICE' finds it answering.\n"
	       "\n"
	       "  -f, --force     go past 'force' reasons (no reset method); never past\n"
	       "                  'block' ones such as the host's root disk\n"
	       "  -n, --dry-run   print the plan and change nothing\n"
	       "  -j, --json      JSON output\n"
	       "  -h, --help      this help\n");
}

int cmd_dismount(struct dda_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	_cleanup_free_ struct dda_device **devs = NULL;
	_cleanup_(dda_state_closep) struct dda_state *ro = NULL;
	struct cli_session ses = { 0 };
	struct dda_plan plan = { 0 };
	unsigned flags = 0;
	char what[512];
	size_t n;
	int c, r;

	cli_command_line(argc, argv, what, sizeof(what));
	while ((c = getopt_long(argc, argv, "fnjh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': flags |= DDA_MOVE_FORCE; break;
		case 'n': flags |= DDA_MOVE_DRY_RUN; break;
		case 'j': arg_json = true; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("dismount", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("dismount", "no device named");
	r = cli_check_device_names(argc - optind, argv + optind);
	if (r < 0)
		return cli_fail(r);
	/* A dry run changes nothing, so it needs neither root nor the lock;
	 * without a state database the pool is simply empty. */
	if (flags & DDA_MOVE_DRY_RUN) {
		r = dda_state_open(ctx, &ro, DDA_STATE_READONLY);
		if (r == -ENOENT)
			r = 0;
	} else {
		r = cli_session_open(ctx, &ses, "dismount", what);
	}
	if (r < 0)
		goto out;
	r = cli_scan_named(ctx, &h, DDA_SCAN_NAMES | DDA_SCAN_HOST_USE, argc - optind, argv + optind);
	if (r == 0)
		r = cli_resolve_devices(h, argc - optind, argv + optind, &devs, &n);
	if (r == 0)
		r = dda_checks_run(h);
	if (r == 0)
		r = dda_pool_plan_dismount(h, ses.state ? ses.state : ro, devs, n, flags, &plan);
	if (r == 0 && !(flags & DDA_MOVE_DRY_RUN))
		r = dda_pool_dismount(ses.state, &plan);
	if (r == 0)
		cli_print_plan(&plan, "dismount", flags & DDA_MOVE_DRY_RUN);
out:
	dda_plan_release(&plan);
	cli_session_close(&ses);
	return r < 0 ? cli_fail(r) : EXIT_OK;
}
