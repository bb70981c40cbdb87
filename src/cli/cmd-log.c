/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl log: the audit trail, oldest first: when, who, what, on which
 * device, and how it ended.  The same records go to syslog as they are
 * written (journalctl -t ddactl).
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "error.h"
#include "pciaddr.h"
#include "report.h"
#include "vm.h"

static void help(void)
{
	printf("Usage: ddactl log [--json] [--device DEVICE] [--since TIME]\n"
	       "\n"
	       "Show the audit trail: every change ddactl made to the host (dismount,\n"
	       "mount, repair, restore, VF count and policy, VM devices, VM start and\n"
	       "stop), oldest first, with the user who ran it (SUDO_USER when run\n"
	       "with sudo), the device, and the outcome:\n"
	       "\n"
	       "  done         it happened\n"
	       "  rolled-back  it failed part way, and what was done is undone\n"
	       "  failed       it failed; the reason says what is left\n"
	       "  started      no outcome yet: running, waiting for a guest, or the run\n"
	       "               was killed (a later repair then closes it)\n"
	       "  interrupted  the run was killed and the repair could not finish yet\n"
	       "  repaired     the run was killed and a later run put the device back\n"
	       "  unknown      logged by a ddactl too old to record outcomes\n"
	       "\n"
	       "  -d, --device DEVICE  only this device (PCI address) or VM\n"
	       "  -s, --since TIME     only changes from TIME on: 2026-12-02T04:00:00Z (UTC),\n"
	       "                       a date (2026-12-02), or an age (90m, 12h, 2d, 1w)\n"
	       "  -j, --json           JSON output\n"
	       "  -h, --help           this help\n"
	       "\n"
	       "The trail is in the state database, which only root may read; the\n"
	       "same lines are in the system log: 'journalctl -t ddactl'.\n");
}

/* Where the trail is read from: the one place to point at another source. */
static int open_trail(struct dda_ctx *ctx, struct dda_state **ret)
{
	int r;

	if (geteuid() != 0)
		return dda_error_code(-EPERM, "not-root", NULL,
				      "'ddactl log' needs root: the audit trail is in the state database, which only root may read (try: sudo ddactl log, or journalctl -t ddactl)");
	/* Nothing recorded yet, and nothing to create for reading it. */
	r = dda_state_open(ctx, ret, DDA_STATE_READONLY);
	if (r < 0)
		return r;
	/* A database from an older ddactl gets the outcome columns the way
	 * any root command would give them to it. */
	dda_state_close(*ret);
	*ret = NULL;
	return dda_state_open(ctx, ret, 0);
}

/* The device filter in the form the trail uses: a canonical PCI address,
 * or a VM name as it is. */
static int device_filter(const char *arg, char *buf, size_t size)
{
	struct dda_pciaddr a;

	if (dda_pciaddr_parse(arg, &a) == 0) {
		char addr[DDA_PCIADDR_LEN];

		dda_pciaddr_format(&a, addr);
		snprintf(buf, size, "%s", addr);
		return 0;
	}
	if (!dda_vm_name_valid(arg))
		return -EINVAL;
	snprintf(buf, size, "%s", arg);
	return 0;
}

static void print_text(const struct dda_audit_row *v, size_t n)
{
	if (!n) {
		printf("no changes recorded\n");
		return;
	}
	printf("%-20s %-16s %-20s %-13s %-11s %s\n", "TIME (UTC)", "USER", "OPERATION", "DEVICE", "OUTCOME",
	       "REASON (DETAIL)");
	for (size_t i = 0; i < n; i++) {
		char who[96], dev[128], reason[1100], detail[520];

		dda_text_escape(who, sizeof(who), v[i].who);
		dda_text_escape(dev, sizeof(dev), v[i].device);
		dda_text_escape(reason, sizeof(reason), v[i].reason);
		dda_text_escape(detail, sizeof(detail), v[i].detail);
		bool more = reason[0] || detail[0];

		printf("%-20s %-16s %-20s %-13s %-*s%s%s%s%s%s\n", v[i].at, who, v[i].op, dev[0] ? dev : "-",
		       more ? 11 : 0, v[i].outcome, more ? " " : "", reason, reason[0] && detail[0] ? " (" : "", detail,
		       reason[0] && detail[0] ? ")" : "");
	}
}

int cmd_log(struct dda_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ struct dda_audit_row *v = NULL;
	struct dda_audit_filter f = { 0 };
	const char *device = NULL, *since = NULL;
	char dev[DDA_VM_NAME_MAX + DDA_PCIADDR_LEN], from[24];
	size_t n = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "d:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': device = optarg; break;
		case 's': since = optarg; break;
		case 'j': arg_json = true; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("log", "bad option '%s'", argv[optind - 1]);
		}
	}
	/* Every argument is checked before the database is opened. */
	if (optind < argc) {
		char shown[200];

		dda_text_escape(shown, sizeof(shown), argv[optind]);
		return cli_usage_error("log", "unexpected argument '%s'", shown);
	}
	if (device) {
		if (device_filter(device, dev, sizeof(dev)) < 0) {
			char shown[200];

			dda_text_escape(shown, sizeof(shown), device);
			return cli_usage_error("log",
					       "--device '%s' is neither a PCI address (0000:01:00.0) nor a VM name",
					       shown);
		}
		f.device = dev;
	}
	if (since) {
		r = dda_audit_parse_since(since, time(NULL), from);
		if (r < 0)
			return cli_usage_error("log", "--since %s", dda_last_error()->message);
		f.since = from;
	}
	r = open_trail(ctx, &s);
	if (r == -ENOENT) {
		/* No database: nothing has been done on this host yet. */
		r = 0;
	} else if (r == 0) {
		r = dda_audit_list(s, &f, &v, &n);
	}
	if (r < 0)
		return cli_fail(r);
	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_log(v, n);

		cli_print_json(o);
	} else {
		print_text(v, n);
	}
	return EXIT_OK;
}
