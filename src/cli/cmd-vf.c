/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl vf: SR-IOV virtual functions -- how many a PF has (persisted and
 * restored at boot), whether they go straight into the pool, and the
 * network policy the host sets for each through the PF.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "hostpath.h" /* dda_parse_*: numbers as typed, no reads */
#include "pool.h"
#include "report.h"
#include "sriov.h"
#include "vfnet.h"
#include "vm.h"

static void help(void)
{
	printf("Usage: ddactl vf list [PF] [--json]\n"
	       "       ddactl vf set PF --count N [--pool] [--json]\n"
	       "       ddactl vf config PF VF [--mac MAC] [--vlan ID] [--spoof-check on|off]\n"
	       "                              [--trust on|off] [--link auto|enable|disable]\n"
	       "                              [--rate MBPS] [--forget] [--json]\n"
	       "\n"
	       "SR-IOV virtual functions (VFs): a PF (physical function) stays with the host\n"
	       "and creates VFs that can each be given to a VM.\n"
	       "\n"
	       "list    every SR-IOV PF with its total and enabled VFs, its driver and network\n"
	       "        interface, and each VF with its address, location path, driver, pool\n"
	       "        state, VM and network policy (stored, and what the kernel reports)\n"
	       "set     set the number of VFs: refused while a VM or another process holds a\n"
	       "        VF; done through 0 as the kernel requires; with --pool the new VFs go\n"
	       "        straight into the pool (no host driver ever binds them).  The count\n"
	       "        and --pool are kept and restored at boot ('ddactl pool restore').\n"
	       "config  set a VF's network policy through the PF (the guest cannot change\n"
	       "        it): applied now, one option at a time in the order above, rolled\n"
	       "        back if the PF's driver refuses one; stored and applied again when\n"
	       "        the VFs are re-created, at boot and before a VM starts.  VF is the\n"
	       "        VF index or its PCI address.  --vlan 0 removes the VLAN, --rate 0\n"
	       "        the rate limit; --forget drops the stored policy.\n"
	       "\n"
	       "  -n, --count N   number of VFs (0 removes them all)\n"
	       "  -p, --pool      the VFs go into the pool (vfio-pci)\n"
	       "  -j, --json      JSON output\n"
	       "  -h, --help      this help\n"
	       "\n"
	       "config also takes the names ip-link uses: --spoofchk, --link-state,\n"
	       "--max-tx-rate.\n");
}

/* --- vf list ------------------------------------------------------------ */

static void kstate_format(const struct dda_vf_kstate *k, char *buf, size_t size)
{
	struct dda_vf_policy p = { 0 };

	if (k->has_mac) {
		p.set |= DDA_VF_MAC;
		memcpy(p.mac, k->mac, 6);
	}
	if (k->vlan >= 0) {
		p.set |= DDA_VF_VLAN;
		p.vlan = (uint16_t)k->vlan;
	}
	if (k->spoofchk >= 0) {
		p.set |= DDA_VF_SPOOFCHK;
		p.spoofchk = k->spoofchk;
	}
	if (k->trust >= 0) {
		p.set |= DDA_VF_TRUST;
		p.trust = k->trust;
	}
	if (k->link >= 0) {
		p.set |= DDA_VF_LINK;
		p.link = (enum dda_vf_link)k->link;
	}
	if (k->max_tx_rate >= 0) {
		p.set |= DDA_VF_RATE;
		p.rate = (uint32_t)k->max_tx_rate;
	}
	dda_vf_policy_format(&p, buf, size);
}

static void pf_text(struct dda_state *s, struct dda_host *h, const struct dda_pf_view *v)
{
	struct dda_device *pf = v->pf;
	int rows = dda_pf_view_rows(s, pf);

	printf("%s  %04x:%04x  %s  driver %s  netdev %s  VFs %d of %d", pf->name, pf->vendor, pf->device,
	       pf->name_str ? pf->name_str : "", pf->driver[0] ? pf->driver : "none", v->netdev[0] ? v->netdev : "-",
	       pf->sriov_num, pf->sriov_total);
	if (v->autoprobe == 0)
		printf("  autoprobe off");
	printf("\n  %s\n", pf->location_path);
	if (v->has_cfg)
		printf("  kept: %d VF%s%s, restored at boot%s\n", v->cfg.count, v->cfg.count == 1 ? "" : "s",
		       v->cfg.pool ? " into the pool" : "",
		       v->cfg.changing ?
			       "  (A CHANGE WAS INTERRUPTED: run 'ddactl vf set' again or 'ddactl pool restore')" :
			       "");
	else if (v->cfg_other_card)
		printf("  kept: a VF count for another card that was in this slot (not applied)\n");
	else
		printf("  kept: nothing ('ddactl vf set %s --count N' persists a count)\n", pf->name);
	if (!rows)
		return;
	printf("  %-3s %-13s %-9s %-7s %-12s %s\n", "VF", "ADDRESS", "DRIVER", "POOL", "VM", "POLICY (stored)");
	for (int i = 0; i < rows; i++) {
		struct dda_device *d = dda_pf_view_vf(h, pf, i);
		const struct dda_vf_kstate *k = dda_pf_view_kstate(v, i);
		char owner[DDA_VM_NAME_MAX + 1] = "-", pol[256] = "-", kern[256];
		struct dda_pool_entry e;
		struct dda_vf_policy p;

		if (dda_sriov_vf_policy_get(s, pf, (unsigned)i, &p) == 0)
			dda_vf_policy_format(&p, pol, sizeof(pol));
		if (!pol[0])
			snprintf(pol, sizeof(pol), "-");
		if (!d) {
			printf("  %-3d %-13s %-9s %-7s %-12s %s\n", i, "(absent)", "-", "-", "-", pol);
			continue;
		}
		if (!s || dda_vm_owner(s, d->name, owner) < 0)
			snprintf(owner, sizeof(owner), "-");
		printf("  %-3d %-13s %-9s %-7s %-12s %s\n", i, d->name, d->driver[0] ? d->driver : "none",
		       dda_pool_get(s, d->name, &e) == 0 ? dda_pool_state_to_string(e.state) : "-", owner, pol);
		printf("      %s  group %d\n", d->location_path, d->group_id);
		if (k) {
			kstate_format(k, kern, sizeof(kern));
			printf("      kernel: %s\n", kern);
		}
	}
	dda_error_clear();
}

static int list(struct dda_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	_cleanup_free_ struct dda_pf_view *v = NULL;
	struct dda_device *only = NULL;
	_cleanup_json_ struct json_object *o = NULL;
	size_t shown = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': arg_json = true; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("vf", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("vf", "unexpected argument '%s'", argv[optind + 1]);
	cli_recover_if_needed(ctx, "vf");
	r = dda_state_open(ctx, &s, DDA_STATE_READONLY);
	if (r < 0 && r != -ENOENT)
		return cli_fail(r);
	r = dda_host_scan(ctx, &h, DDA_SCAN_NAMES);
	if (r == 0 && optind < argc) {
		r = dda_host_resolve(h, argv[optind], &only);
		if (r == 0 && (!only->has_sriov || only->physfn))
			r = dda_error_input(-EINVAL, "not-sriov", only->name,
					    "'%s' is not an SR-IOV physical function%s%s", only->name,
					    only->physfn ? ": it is a VF of " : "",
					    only->physfn ? only->physfn->name : "");
	}
	if (r < 0)
		return cli_fail(r);
	v = malloc(sizeof(*v));
	if (!v)
		return cli_fail(-ENOMEM);
	if (arg_json)
		o = dda_report_vf_list();
	for (size_t i = 0; i < h->ndevs; i++) {
		struct dda_device *pf = &h->devs[i];

		if (!pf->has_sriov || pf->physfn || (only && pf != only))
			continue;
		dda_pf_view_read(ctx, s, pf, v);
		if (arg_json) {
			dda_report_vf_list_add(o, dda_report_pf(s, h, v));
		} else {
			if (shown)
				printf("\n");
			pf_text(s, h, v);
		}
		shown++;
	}
	if (arg_json)
		cli_print_json(o);
	else if (!shown)
		printf("no SR-IOV capable device on this host\n");
	return EXIT_OK;
}

/* --- vf set ------------------------------------------------------------- */

/* The PF's address as the documents spell it, however it was named. */
static const char *canonical(struct dda_ctx *ctx, const char *name, char buf[static DDA_PCIADDR_LEN])
{
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	struct dda_device *d;

	if (dda_host_scan(ctx, &h, 0) < 0 || dda_host_resolve(h, name, &d) < 0) {
		dda_error_clear();
		return name;
	}
	snprintf(buf, DDA_PCIADDR_LEN, "%s", d->name);
	return buf;
}

static int set(struct dda_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "pool", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_session ses = { 0 };
	struct dda_repair rep = { 0 };
	char what[512], pf[DDA_PCIADDR_LEN];
	const char *cmd = "vf set";
	uint32_t count = 0;
	bool have_count = false, pool = false;
	int c, r;

	cli_command_line(argc, argv, what, sizeof(what));
	while ((c = getopt_long(argc, argv, "n:pjh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (dda_parse_u32(optarg, 10, &count) < 0 || count > 0xffff)
				return cli_usage_error("vf", "bad --count '%s' (a number of VFs)", optarg);
			have_count = true;
			break;
		case 'p': pool = true; break;
		case 'j': arg_json = true; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("vf", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("vf", "'vf set' needs a PF");
	if (argc - optind > 1)
		return cli_usage_error("vf", "unexpected argument '%s'", argv[optind + 1]);
	if (!have_count)
		return cli_usage_error("vf", "'vf set' needs --count N");
	r = cli_check_device_names(1, argv + optind);
	if (r == 0)
		r = cli_session_open(ctx, &ses, cmd, what);
	if (r == 0)
		r = dda_sriov_set(ses.state, argv[optind], (int)count, pool ? DDA_SRIOV_POOL : 0, &rep);
	cli_session_close(&ses);
	if (arg_json && r == 0) {
		_cleanup_json_ struct json_object *o = dda_report_vf_set(canonical(ctx, argv[optind], pf), (int)count,
									 pool, &rep);

		cli_print_json(o);
	} else {
		for (size_t i = 0; i < rep.n; i++)
			fprintf(r < 0 || arg_json ? stderr : stdout, "%s\n", rep.lines[i]);
	}
	return r < 0 ? cli_fail(r) : EXIT_OK;
}

/* --- vf config ---------------------------------------------------------- */

static int parse_onoff(const char *s, bool *ret)
{
	if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "1"))
		*ret = true;
	else if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "0"))
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

/* VF argument: an index, or the VF's address / location path. */
static int resolve_vf(struct dda_host *h, const struct dda_device *pf, const char *arg, unsigned *ret)
{
	struct dda_device *d;
	uint32_t idx;
	int r;

	if (dda_parse_u32(arg, 10, &idx) == 0) {
		if ((int)idx >= pf->sriov_num)
			return dda_error_input(-ENODEV, "no-vf", pf->name, "'%s' has %d VF%s: there is no VF %u%s",
					       pf->name, pf->sriov_num, pf->sriov_num == 1 ? "" : "s", idx,
					       pf->sriov_num ? "" : " ('ddactl vf set PF --count N' creates them)");
		*ret = idx;
		return 0;
	}
	r = dda_host_resolve(h, arg, &d);
	if (r < 0)
		return r;
	if (d->physfn != pf || d->vf_index < 0)
		return dda_error_input(-EINVAL, "bad-device", d->name, "'%s' is not a VF of '%s'", d->name, pf->name);
	*ret = (unsigned)d->vf_index;
	return 0;
}

static int config(struct dda_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mac", required_argument, NULL, 'm' },
		{ "vlan", required_argument, NULL, 'v' },
		{ "spoof-check", required_argument, NULL, 's' },
		{ "spoofchk", required_argument, NULL, 's' },
		{ "trust", required_argument, NULL, 't' },
		{ "link", required_argument, NULL, 'l' },
		{ "link-state", required_argument, NULL, 'l' },
		{ "rate", required_argument, NULL, 'r' },
		{ "max-tx-rate", required_argument, NULL, 'r' },
		{ "forget", no_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	struct cli_session ses = { 0 };
	struct dda_vf_policy p = { 0 }, stored = { 0 };
	struct dda_device *pf = NULL;
	char what[512], text[256];
	const char *cmd = "vf config";
	bool forget = false;
	unsigned vf = 0;
	uint32_t v;
	int c, r;

	cli_command_line(argc, argv, what, sizeof(what));
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (dda_vf_mac_parse(optarg, p.mac) < 0 || (p.mac[0] & 1))
				return cli_usage_error("vf", "bad --mac '%s' (a unicast MAC address, 52:54:00:12:34:56)",
						       optarg);
			p.set |= DDA_VF_MAC;
			break;
		case 'v':
			if (dda_parse_u32(optarg, 10, &v) < 0 || v > 4094)
				return cli_usage_error("vf", "bad --vlan '%s' (0-4094; 0 removes the VLAN)", optarg);
			p.vlan = (uint16_t)v;
			p.set |= DDA_VF_VLAN;
			break;
		case 's':
			if (parse_onoff(optarg, &p.spoofchk) < 0)
				return cli_usage_error("vf", "bad --spoof-check '%s' (on or off)", optarg);
			p.set |= DDA_VF_SPOOFCHK;
			break;
		case 't':
			if (parse_onoff(optarg, &p.trust) < 0)
				return cli_usage_error("vf", "bad --trust '%s' (on or off)", optarg);
			p.set |= DDA_VF_TRUST;
			break;
		case 'l':
			if (dda_vf_link_parse(optarg, &p.link) < 0)
				return cli_usage_error("vf", "bad --link '%s' (auto, enable or disable)", optarg);
			p.set |= DDA_VF_LINK;
			break;
		case 'r':
			if (dda_parse_u32(optarg, 10, &v) < 0)
				return cli_usage_error("vf", "bad --rate '%s' (Mbit/s; 0 removes the limit)", optarg);
			p.rate = v;
			p.set |= DDA_VF_RATE;
			break;
		case 'F': forget = true; break;
		case 'j': arg_json = true; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("vf", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		return cli_usage_error("vf", "'vf config' needs a PF and a VF (index or address)");
	if (argc - optind > 2)
		return cli_usage_error("vf", "unexpected argument '%s'", argv[optind + 2]);
	if (!p.set && !forget)
		return cli_usage_error("vf",
				       "'vf config' needs at least one of --mac, --vlan, --spoof-check, --trust, --link, --rate, --forget");
	if (p.set && forget)
		return cli_usage_error("vf", "--forget cannot be combined with a setting");
	r = cli_check_device_names(1, argv + optind);
	if (r == 0 && dda_parse_u32(argv[optind + 1], 10, &v) < 0)
		r = cli_check_device_names(1, argv + optind + 1);
	if (r == 0)
		r = cli_session_open(ctx, &ses, cmd, what);
	if (r == 0)
		r = dda_host_scan(ctx, &h, 0);
	if (r == 0)
		r = dda_host_resolve(h, argv[optind], &pf);
	if (r == 0 && (!pf->has_sriov || pf->physfn))
		r = dda_error_input(-EINVAL, "not-sriov", pf->name, "'%s' is not an SR-IOV physical function", pf->name);
	if (r == 0)
		r = resolve_vf(h, pf, argv[optind + 1], &vf);
	if (r == 0 && forget)
		r = dda_sriov_vf_forget(ses.state, pf, vf);
	else if (r == 0)
		r = dda_sriov_vf_config(ses.state, pf, vf, &p, &stored);
	cli_session_close(&ses);
	if (r < 0)
		return cli_fail(r);
	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_vf_config(pf->name, vf, forget ? NULL : &stored);

		cli_print_json(o);
	} else if (forget) {
		printf("'%s' VF %u: stored policy forgotten (the kernel keeps its current settings)\n", pf->name, vf);
	} else {
		dda_vf_policy_format(&p, text, sizeof(text));
		printf("'%s' VF %u: %s applied and stored\n", pf->name, vf, text);
		dda_vf_policy_format(&stored, text, sizeof(text));
		printf("'%s' VF %u policy now: %s\n", pf->name, vf, text);
	}
	return EXIT_OK;
}

int cmd_vf(struct dda_ctx *ctx, int argc, char **argv)
{
	const char *sub;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		help();
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	optind = 1;
	if (!strcmp(sub, "list"))
		return list(ctx, argc - 1, argv + 1);
	if (!strcmp(sub, "set"))
		return set(ctx, argc - 1, argv + 1);
	if (!strcmp(sub, "config"))
		return config(ctx, argc - 1, argv + 1);
	return cli_usage_error("vf", "unknown vf command '%s'", sub);
}
