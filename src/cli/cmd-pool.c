/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl pool: the pool of assignable devices (Get-VMHostAssignableDevice),
 * and `pool restore`, run at boot by the udev rule and the systemd unit to
 * claim pooled devices for vfio-pci again.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "pool.h"
#include "report.h"
#include "sriov.h"
#include "vm.h"

static void help(void)
{
	printf("Usage: ddactl pool [--json]\n"
	       "       ddactl pool restore [--device ADDRESS]\n"
	       "       ddactl pool create NAME\n"
	       "       ddactl pool add NAME DEVICE...\n"
	       "       ddactl pool release DEVICE\n"
	       "\n"
	       "Without a subcommand, list the pool: every device taken from the host,\n"
	       "its location path, group, companions, the driver it came from, when,\n"
	       "and whether it was forced.\n"
	       "\n"
	       "restore  claim every pooled device for vfio-pci again (at boot: the\n"
	       "         udev rule runs it per device, the systemd unit for all);\n"
	       "         a device is matched by location path and ids, so a card\n"
	       "         moved to another slot is not taken by mistake\n"
	       "create   a named pool (Hyper-V's VM resource pool): a VM given\n"
	       "         '--pool NAME' gets a free member of it when it starts\n"
	       "add      put pooled devices into a named pool\n"
	       "release  reset a quarantined device again and, if it answers, lift\n"
	       "         its quarantine (a device that does not answer after a reset\n"
	       "         stays on vfio-pci, quarantined: mount and VMs refuse it)\n"
	       "\n"
	       "The list also names devices on vfio-pci or pci-stub with driver_override\n"
	       "set that the pool has no record of (unrecorded: the state database was\n"
	       "lost or replaced); 'ddactl mount DEVICE' gives such a device to the\n"
	       "driver the kernel picks for it.\n"
	       "\n"
	       "  -d, --device ADDRESS  (restore) only this device\n"
	       "  -j, --json      JSON output\n"
	       "  -h, --help      this help\n");
}

/* Pool names, devices and options are all checked before the first
 * change: `pool add p2 03:00.0 bogus` adds nothing. */
static int named(struct dda_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	_cleanup_free_ struct dda_device **devs = NULL;
	struct cli_session ses = { 0 };
	const char *sub = argv[0], *pool;
	bool add = !strcmp(sub, "add");
	char line[512], cmd[32];
	size_t n = 0;
	int c, r;

	cli_command_line(argc, argv, line, sizeof(line));
	snprintf(cmd, sizeof(cmd), "pool %s", sub);
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': arg_json = true; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("pool", "bad option '%s'", argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || (add && argc < 2))
		return cli_usage_error("pool", "'pool %s' needs %s", sub,
				       add ? "a pool name and devices" : "a pool name");
	if (!add && argc > 1)
		return cli_usage_error("pool", "unexpected argument '%s'", argv[1]);
	pool = argv[0];
	if (!dda_vm_name_valid(pool))
		return cli_usage_error("pool",
				       "'%s' is not a valid pool name (letters, digits, '-', '_', '.'; at most %d)",
				       pool, DDA_VM_NAME_MAX);
	r = cli_check_device_names(argc - 1, argv + 1);
	if (r < 0)
		return cli_fail(r);
	r = cli_session_open(ctx, &ses, cmd, line);
	if (r == 0 && !add)
		r = dda_npool_create(ses.state, pool);
	if (r == 0 && add) {
		struct dda_tx tx = { 0 };

		if (!dda_npool_exists(ses.state, pool))
			r = dda_error_input(-ENOENT, "no-pool", pool, "no pool named '%s' ('ddactl pool create %s')",
					    pool, pool);
		if (r == 0)
			r = dda_host_scan(ctx, &h, 0);
		if (r == 0)
			r = cli_resolve_devices(h, argc - 1, argv + 1, &devs, &n);
		for (size_t i = 0; r == 0 && i < n; i++) {
			struct dda_pool_entry e;

			if (dda_pool_get(ses.state, devs[i]->name, &e) < 0)
				r = dda_error_code(-ENOENT, "not-in-pool", devs[i]->name,
						   "'%s' is not in the pool: 'ddactl dismount %s' first", devs[i]->name,
						   devs[i]->name);
		}
		/* all or none, should the database fail half way */
		if (r == 0)
			r = dda_tx_begin(&tx, ses.state);
		for (size_t i = 0; r == 0 && i < n; i++)
			r = dda_npool_add(ses.state, pool, devs[i]->name);
		if (r == 0)
			r = dda_tx_commit(&tx);
		/* before the session closes the database */
		dda_tx_rollback(&tx);
	}
	cli_session_close(&ses);
	if (r < 0)
		return cli_fail(r);
	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_npool(add, pool, devs, n);

		cli_print_json(o);
	} else if (!add) {
		printf("pool '%s' created\n", pool);
	} else {
		for (size_t i = 0; i < n; i++)
			printf("'%s' added to pool '%s'\n", devs[i]->name, pool);
	}
	return EXIT_OK;
}

static void print_unrecorded(const struct dda_host *h)
{
	bool first = true;

	for (size_t i = 0; h && i < h->ndevs; i++) {
		const struct dda_device *d = &h->devs[i];

		if (d->pool_mark != DDA_POOL_UNRECORDED)
			continue;
		if (first)
			printf("\nunrecorded: on vfio-pci or pci-stub with driver_override set, but not in the pool\n"
			       "(its original driver is not known; 'ddactl mount DEVICE' gives it to the kernel's choice)\n");
		first = false;
		printf("%-13s %-5d %-14s %s\n              %s\n", d->name, d->group_id, d->driver,
		       d->name_str ? d->name_str : "", d->location_path);
	}
}

static int scan_listed(struct dda_ctx *ctx, struct dda_host **h, const struct dda_pool_entry *v, size_t n)
{
	_cleanup_free_ struct dda_pciaddr *a = calloc(n + 1, sizeof(*a));
	size_t k = 0;

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (dda_pciaddr_parse(v[i].address, &a[k]) == 0)
			k++;
	return dda_host_scan_for(ctx, h, DDA_SCAN_TARGETS_ONLY | DDA_SCAN_POOL_DRIVERS, a, k);
}

static int list(struct dda_ctx *ctx)
{
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	_cleanup_free_ struct dda_pool_entry *v = NULL;
	_cleanup_(dda_pool_view_release) struct dda_pool_view pv = { 0 };
	size_t n = 0;
	int r;

	r = cli_pool_read(ctx, &s, &v, &n);
	if (r < 0)
		return cli_fail(r);
	/* The live host adds names and the current driver, and shows what
	 * sits on vfio-pci without a record: the pool's devices and those on
	 * its drivers are all it reads. */
	if (scan_listed(ctx, &h, v, n) < 0 || dda_pool_mark(h, s) < 0) {
		dda_host_free(TAKE_PTR(h));
		dda_error_clear();
	}
	r = dda_pool_view_build(&pv, s, h, v, n);
	if (r < 0)
		return cli_fail(r);
	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_pool(&pv);

		cli_print_json(o);
		return EXIT_OK;
	}
	if (!n) {
		printf("the pool is empty (add devices with 'ddactl dismount DEVICE')\n");
		print_unrecorded(h);
		return EXIT_OK;
	}
	printf("%-13s %-5s %-14s %-9s %-20s %s\n", "DEVICE", "GROUP", "FROM DRIVER", "STATE", "SINCE", "NAME");
	for (size_t i = 0; i < n; i++) {
		const struct dda_pool_entry *e = pv.rows[i].e;
		const struct dda_device *d = pv.rows[i].dev;

		printf("%-13s %-5d %-14s %-9s %-20s %s\n", e->address, e->group,
		       e->original_driver[0] ? e->original_driver : "-", dda_pool_state_to_string(e->state),
		       e->added_at, d ? (d->name_str ? d->name_str : "") : "(not present)");
		printf("              %s", e->location_path);
		if (!e->requested)
			printf("  companion of %s", e->brought_by);
		if (d && strcmp(d->driver, "vfio-pci"))
			printf("  NOW ON %s", d->driver[0] ? d->driver : "no driver");
		if (e->forced)
			printf("  forced by %s (%s)", e->forced_by, e->forced_reasons);
		if (dda_pool_entry_quarantined(e))
			printf("\n              QUARANTINED since %s: %s ('ddactl pool release %s' once fixed)",
			       e->quarantined_at, e->quarantine_reason, e->address);
		if (pv.rows[i].vm[0])
			printf("  held by VM %s", pv.rows[i].vm);
		else if (pv.rows[i].owner[0])
			printf("  held by %s", pv.rows[i].owner);
		printf("\n");
	}
	print_unrecorded(h);
	return EXIT_OK;
}

/* udev runs `pool restore --device X` for every PCI function at coldplug,
 * one after another under the lock; most have nothing to do with the
 * pool, and a full scan for each makes the last ones wait past the lock's
 * timeout.  X needs nothing when no record names its address and every
 * record still sits where it was recorded (so none can have moved to X).
 * Whenever that cannot be told, the full restore runs. */
static bool restore_concerns(struct dda_ctx *ctx, const char *only)
{
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_free_ struct dda_pool_entry *v = NULL;
	_cleanup_free_ struct dda_sriov_config *c = NULL;
	size_t n = 0, nc = 0;
	int r = dda_state_open(ctx, &s, DDA_STATE_READONLY);

	if (r == -ENOENT)
		return false;
	if (r < 0 || dda_pool_needs_recovery(s) || dda_pool_list(s, &v, &n) < 0 || dda_sriov_config_list(s, &c, &nc) < 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].address, only) || !dda_device_ids_at(ctx, v[i].address, v[i].vendor, v[i].device))
			return true;
	for (size_t i = 0; i < nc; i++)
		if (!strcmp(c[i].address, only) || !dda_device_ids_at(ctx, c[i].address, c[i].vendor, c[i].device))
			return true;
	return false;
}

static int release(struct dda_ctx *ctx, int argc, char **argv)
{
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	struct cli_session ses = { 0 };
	struct dda_device *d = NULL;
	char line[512];
	bool reset = false;
	int r;

	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	cli_command_line(argc, argv, line, sizeof(line));
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': arg_json = true; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("pool", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("pool", optind >= argc ? "'pool release' needs a device" :
								"'pool release' takes one device");
	r = cli_check_device_names(1, argv + optind);
	if (r < 0)
		return cli_fail(r);
	r = cli_session_open(ctx, &ses, "pool release", line);
	if (r == 0)
		r = dda_host_scan(ctx, &h, 0);
	if (r == 0)
		r = dda_host_resolve(h, argv[optind], &d);
	if (r == 0)
		r = dda_pool_release(ses.state, d, &reset);
	if (r == 0 && arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_pool_release(d->name, reset);

		cli_print_json(o);
	} else if (r == 0) {
		printf("'%s' answers%s: released from quarantine, pooled and free for a VM\n", d->name,
		       reset ? " after its reset" : "");
	}
	cli_session_close(&ses);
	return r < 0 ? cli_fail(r) : EXIT_OK;
}

static void restore_said(const char *only, const struct dda_repair *rep)
{
	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_pool_restore(only, rep);

		cli_print_json(o);
		return;
	}
	for (size_t i = 0; i < rep->n; i++)
		printf("%s\n", rep->lines[i]);
}

static int restore(struct dda_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	struct cli_session ses = { 0 };
	struct dda_repair rep = { 0 };
	const char *only = NULL;
	struct dda_pciaddr a;
	char canon[DDA_PCIADDR_LEN];
	struct dda_error_info sriov_err = { 0 };
	int c, r, rs = 0;

	while ((c = getopt_long(argc, argv, "d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': only = optarg; break;
		case 'j': arg_json = true; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("pool", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (only) {
		if (dda_pciaddr_parse(only, &a) < 0)
			return cli_usage_error("pool", "'%s' is not a PCI address", only);
		dda_pciaddr_format(&a, canon);
		only = canon;
	}
	if (optind < argc)
		return cli_usage_error("pool", "unexpected argument '%s'", argv[optind]);
	if (only && !restore_concerns(ctx, only)) {
		restore_said(only, &rep);
		return EXIT_OK;
	}
	r = cli_session_open(ctx, &ses, "pool restore", "ddactl pool restore");
	/* With host use: a device the host took meanwhile is left alone. */
	if (r == 0)
		r = dda_host_scan(ctx, &h, DDA_SCAN_HOST_USE);
	/* SR-IOV first: the VFs must exist before pooled ones are claimed. */
	if (r == 0) {
		bool vfs_changed = false;

		rs = dda_sriov_restore(ses.state, h, only, &rep, &vfs_changed);
		if (rs < 0)
			sriov_err = dda_error_save();
		if (vfs_changed) {
			dda_host_free(TAKE_PTR(h));
			r = dda_host_scan(ctx, &h, DDA_SCAN_HOST_USE);
		}
	}
	if (r == 0)
		r = dda_pool_restore(h, ses.state, only, &rep);
	if (r == 0 && rs < 0) {
		r = dda_error_restore(&sriov_err, rs);
	}
	cli_session_close(&ses);
	if (r < 0) {
		/* what was done before the failure still needs saying */
		for (size_t i = 0; i < rep.n; i++)
			fprintf(stderr, "%s\n", rep.lines[i]);
		return cli_fail(r);
	}
	restore_said(only, &rep);
	return EXIT_OK;
}

int cmd_pool(struct dda_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, i = 1;

	/* `pool --json add ...`: --json was taken by cli_json_early */
	while (i < argc && (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")))
		i++;
	if (i < argc && !strcmp(argv[i], "restore"))
		return restore(ctx, argc - i, argv + i);
	if (i < argc && (!strcmp(argv[i], "create") || !strcmp(argv[i], "add")))
		return named(ctx, argc - i, argv + i);
	if (i < argc && !strcmp(argv[i], "release"))
		return release(ctx, argc - i, argv + i);
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': arg_json = true; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("pool", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("pool", "unknown pool command '%s'", argv[optind]);
	cli_recover_if_needed(ctx, "pool");
	return list(ctx);
}
