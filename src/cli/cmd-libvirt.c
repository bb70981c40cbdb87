/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl libvirt: a domain's policy for the hook, and pooled devices
 * attached to and detached from libvirt domains with ddactl's checks,
 * through libvirt's C API (not virsh).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "hostpath.h" /* dda_parse_u64 */
#include "libvirt-attach.h"
#include "libvirt-hook.h"
#include "report.h"
#include "vmrun.h"

static void help(void)
{
	printf("Usage: ddactl libvirt COMMAND DOMAIN ...\n"
	       "\n"
	       "  policy DOMAIN [--return-to-host | --keep] [--require-pool | --no-require-pool]\n"
	       "         [--dismount-managed | --no-dismount-managed]\n"
	       "                            what the libvirt hook does for the domain; with no\n"
	       "                            option, shows it\n"
	       "  attach DOMAIN (DEVICE | --any VENDOR:DEVICE | --pool POOL) [--live] [--config]\n"
	       "                            give the domain a pooled device (managed='no'),\n"
	       "                            after checking its whole IOMMU group\n"
	       "  detach DOMAIN DEVICE [--live] [--config] [--timeout S]\n"
	       "                            take it back; waits for libvirt's device-removed\n"
	       "                            event, and says 'pending' if the guest holds on\n"
	       "\n"
	       "  -r, --return-to-host       policy: when the domain stops, mount its devices\n"
	       "                             back to their host drivers\n"
	       "  -k, --keep                 policy: keep them in the pool (the default)\n"
	       "  -p, --require-pool, -P, --no-require-pool\n"
	       "                             policy: refuse to start with a hostdev not in the pool\n"
	       "  -m, --dismount-managed, -M, --no-dismount-managed\n"
	       "                             policy: the hook dismounts managed='yes' hostdevs'\n"
	       "                             whole groups into the pool at start\n"
	       "  -l, --live                 attach, detach: the running domain\n"
	       "  -c, --config               attach, detach: its persistent definition\n"
	       "  -C, --connect URI          attach, detach: libvirt's URI (default: libvirt's own)\n"
	       "  -A, --any VENDOR:DEVICE    attach: any free pooled device with these ids\n"
	       "  -o, --pool POOL            attach: a free member of a named pool\n"
	       "  -t, --timeout S            detach: seconds to wait for the guest (30)\n"
	       "  -j, --json                 JSON output\n"
	       "  -h, --help                 this help\n"
	       "\n"
	       "libvirt runs 'ddactl libvirt-hook' itself, from /etc/libvirt/hooks/qemu.d/ddactl.\n");
}

static const struct option policy_opts[] = {
	{ "return-to-host", no_argument, NULL, 'r' },
	{ "keep", no_argument, NULL, 'k' },
	{ "require-pool", no_argument, NULL, 'p' },
	{ "no-require-pool", no_argument, NULL, 'P' },
	{ "dismount-managed", no_argument, NULL, 'm' },
	{ "no-dismount-managed", no_argument, NULL, 'M' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static const struct option attach_opts[] = {
	{ "live", no_argument, NULL, 'l' },	     { "config", no_argument, NULL, 'c' },
	{ "connect", required_argument, NULL, 'C' }, { "any", required_argument, NULL, 'A' },
	{ "pool", required_argument, NULL, 'o' },    { "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },	     { 0 },
};

static const struct option detach_opts[] = {
	{ "live", no_argument, NULL, 'l' },
	{ "config", no_argument, NULL, 'c' },
	{ "connect", required_argument, NULL, 'C' },
	{ "timeout", required_argument, NULL, 't' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

struct lv_call {
	const char *sub, *domain, *device, *uri, *any, *pool;
	int set_return, set_require, set_dismount; /* -1: unchanged, else the value */
	unsigned flags;				   /* enum dda_lvapi_flags */
	int timeout;				   /* seconds */
	uint16_t any_vendor, any_device;
};

static int parse(int argc, char **argv, struct lv_call *c)
{
	bool policy = !strcmp(c->sub, "policy"), detach = !strcmp(c->sub, "detach");
	uint64_t t;
	int o;

	optind = 1;
	for (;;) {
		if (policy)
			o = getopt_long(argc, argv, "rkpPmMjh", policy_opts, NULL);
		else if (detach)
			o = getopt_long(argc, argv, "lcC:t:jh", detach_opts, NULL);
		else
			o = getopt_long(argc, argv, "lcC:A:o:jh", attach_opts, NULL);
		if (o == -1)
			break;
		switch (o) {
		case 'r': c->set_return = 1; break;
		case 'k': c->set_return = 0; break;
		case 'p': c->set_require = 1; break;
		case 'P': c->set_require = 0; break;
		case 'm': c->set_dismount = 1; break;
		case 'M': c->set_dismount = 0; break;
		case 'l': c->flags |= DDA_LVAPI_LIVE; break;
		case 'c': c->flags |= DDA_LVAPI_CONFIG; break;
		case 'C': c->uri = optarg; break;
		case 'A': c->any = optarg; break;
		case 'o': c->pool = optarg; break;
		case 't':
			if (dda_parse_u64(optarg, 10, &t) < 0 || t > 86400)
				return cli_usage_error("libvirt", "bad --timeout '%s' (seconds)", optarg);
			c->timeout = (int)t;
			break;
		case 'j': arg_json = true; break;
		case 'h': help(); return -1;
		default: return cli_usage_error("libvirt", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		c->domain = argv[optind++];
	if (optind < argc && !policy)
		c->device = argv[optind++];
	if (optind < argc)
		return cli_usage_error("libvirt", "unexpected argument '%s'", argv[optind]);
	if (!c->domain)
		return cli_usage_error("libvirt", "'libvirt %s' needs a DOMAIN", c->sub);
	if (!dda_libvirt_name_valid(c->domain))
		return cli_usage_error("libvirt",
				       "'%s' is not a domain name ddactl takes (1 to %d printable bytes, no '/')",
				       c->domain, DDA_LIBVIRT_NAME_MAX);
	if (!policy && !detach && !!c->device + !!c->any + !!c->pool != 1)
		return cli_usage_error("libvirt",
				       "'libvirt attach' takes one of DEVICE, --any VENDOR:DEVICE or --pool POOL");
	if (detach && !c->device)
		return cli_usage_error("libvirt", "'libvirt detach' needs a DEVICE");
	if (c->device && cli_check_device_names(1, (char **)&c->device) < 0)
		return cli_fail(-EINVAL);
	if (c->any && dda_pciid_parse(c->any, &c->any_vendor, &c->any_device) < 0)
		return cli_usage_error("libvirt", "bad --any '%s' (VENDOR:DEVICE, each 4 hex digits, e.g. 8086:10d3)",
				       c->any);
	if (c->pool && !dda_vm_name_valid(c->pool))
		return cli_usage_error("libvirt", "'%s' is not a valid pool name", c->pool);
	return 0;
}

static void print_policy(const struct dda_libvirt_policy *p)
{
	char safe[4 * DDA_LIBVIRT_NAME_MAX + 1];

	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_libvirt_policy(p);

		cli_print_json(o);
		return;
	}
	dda_text_escape(safe, sizeof(safe), p->domain);
	printf("libvirt domain %s%s\n", safe, p->stored ? "" : " (no policy set: the defaults)");
	printf("  when it stops:       %s\n",
	       p->return_to_host ? "return-to-host (mount its devices back)" : "keep (devices stay in the pool)");
	printf("  hostdev not pooled:  %s\n", p->require_pool ? "refused (--require-pool)" : "allowed");
	printf("  managed='yes':       %s\n",
	       p->dismount_managed ? "dismounted into the pool by the hook" : "left to libvirt");
}

static int lv_policy(struct dda_ctx *ctx, struct lv_call *c, const char *line)
{
	_cleanup_(dda_state_closep) struct dda_state *ro = NULL;
	struct cli_session ses = { 0 };
	struct dda_libvirt_policy p;
	char detail[160];
	int r;

	if (c->set_return < 0 && c->set_require < 0 && c->set_dismount < 0) {
		r = dda_state_open(ctx, &ro, DDA_STATE_READONLY);
		if (r == -ENOENT)
			r = 0;
		if (r == 0)
			r = dda_libvirt_policy_get(ro, c->domain, &p);
		if (r == 0)
			print_policy(&p);
		return r;
	}
	r = cli_session_open(ctx, &ses, "libvirt policy", line);
	if (r == 0)
		r = dda_libvirt_policy_get(ses.state, c->domain, &p);
	if (r == 0) {
		if (c->set_return >= 0)
			p.return_to_host = c->set_return;
		if (c->set_require >= 0)
			p.require_pool = c->set_require;
		if (c->set_dismount >= 0)
			p.dismount_managed = c->set_dismount;
		r = dda_libvirt_policy_put(ses.state, &p);
	}
	if (r == 0) {
		char dev[DDA_LIBVIRT_NAME_MAX + 16];

		snprintf(dev, sizeof(dev), "libvirt:%s", c->domain);
		snprintf(detail, sizeof(detail), "%s, %s, %s", p.return_to_host ? "return-to-host" : "keep",
			 p.require_pool ? "require-pool" : "no-require-pool",
			 p.dismount_managed ? "dismount-managed" : "no-dismount-managed");
		r = dda_audit(ses.state, "libvirt policy", dev, DDA_OUTCOME_DONE, NULL, detail);
		p.stored = true;
	}
	if (r == 0)
		print_policy(&p);
	cli_session_close(&ses);
	return r;
}

static void said(const struct lv_call *c, const char *result, const char *device, const char *alias, const char *text)
{
	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_libvirt_action(c->domain, c->sub, result, device,
										 alias);

		cli_print_json(o);
		return;
	}
	printf("%s\n", text);
}

static int resolve(struct dda_ctx *ctx, struct dda_state *s, struct lv_call *c, struct dda_host **h,
		   struct dda_device **ret)
{
	int r;

	if (c->device) {
		r = cli_scan_named(ctx, h, DDA_SCAN_NAMES | DDA_SCAN_HOST_USE, 1, (char **)&c->device);
		return r < 0 ? r : dda_host_resolve(*h, c->device, ret);
	}
	r = dda_host_scan(ctx, h, DDA_SCAN_NAMES | DDA_SCAN_HOST_USE);
	if (r < 0)
		return r;
	if (c->pool)
		return dda_lvhook_pick_pool(s, *h, c->domain, c->pool, ret);
	return dda_vmrun_find_free(s, *h, c->any_vendor, c->any_device, ret);
}

static int lv_attach(struct dda_ctx *ctx, struct lv_call *c, struct dda_state *s)
{
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	struct dda_lvchange ch = { 0 };
	struct dda_device *d = NULL;
	char text[512];
	int r;

	r = resolve(ctx, s, c, &h, &d);
	if (r == 0)
		r = dda_lvattach(s, h, d, c->uri, c->domain, c->flags, &ch);
	if (r < 0)
		return r;
	if (ch.live)
		snprintf(text, sizeof(text), "'%s' attached to libvirt domain '%s' (live%s%s)", d->name, c->domain,
			 ch.alias[0] ? ", alias " : "", ch.alias);
	else
		snprintf(text, sizeof(text),
			 "'%s' attached to the definition of libvirt domain '%s'; the hook records it when the domain starts",
			 d->name, c->domain);
	said(c, ch.live ? "hot-added" : "defined", d->name, ch.alias, text);
	return 0;
}

static int lv_detach(struct dda_ctx *ctx, struct lv_call *c, struct dda_state *s)
{
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	struct dda_lvchange ch = { 0 };
	struct dda_device *d = NULL;
	char text[512];
	int r;

	r = resolve(ctx, s, c, &h, &d);
	if (r == 0)
		r = dda_lvdetach(s, d, c->uri, c->domain, c->flags, c->timeout * 1000, &ch);
	if (r < 0)
		return r;
	snprintf(text, sizeof(text), "'%s' detached from libvirt domain '%s'%s; it is back in the pool", d->name,
		 c->domain, ch.live ? " (hot-removed)" : "");
	said(c, ch.live ? "hot-removed" : "removed", d->name, ch.alias, text);
	return 0;
}

int cmd_libvirt(struct dda_ctx *ctx, int argc, char **argv)
{
	struct lv_call c = { .set_return = -1, .set_require = -1, .set_dismount = -1, .timeout = 30 };
	struct cli_session ses = { 0 };
	char line[512], cmd[32];
	int r, rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		help();
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	c.sub = argv[1];
	if (strcmp(c.sub, "policy") && strcmp(c.sub, "attach") && strcmp(c.sub, "detach"))
		return cli_usage_error("libvirt", "unknown libvirt command '%s'", c.sub);
	rc = parse(argc - 1, argv + 1, &c);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	cli_command_line(argc - 1, argv + 1, line, sizeof(line));
	if (!strcmp(c.sub, "policy"))
		r = lv_policy(ctx, &c, line);
	else {
		snprintf(cmd, sizeof(cmd), "libvirt %s", c.sub);
		r = cli_session_open(ctx, &ses, cmd, line);
		if (r == 0)
			r = !strcmp(c.sub, "attach") ? lv_attach(ctx, &c, ses.state) : lv_detach(ctx, &c, ses.state);
		cli_session_close(&ses);
	}
	return r < 0 ? cli_fail(r) : EXIT_OK;
}
