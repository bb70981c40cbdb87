/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl survey: SurveyDDA for Linux.  Reads the host once, runs every
 * check, and prints either the JSON document or a report grouped by IOMMU
 * group, since a group is what moves to a VM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "cli.h"
#include "error.h"
#include "pool.h"
#include "report.h"
#include "host.h"
#include "snapshot.h"
#include "survey-predict.h"
#include "survey-tree.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)
#define BOLD	   "\033[1m"
#define DIM	   "\033[2m"
#define RED	   "\033[31m"
#define GREEN	   "\033[32m"
#define YELLOW	   "\033[33m"
#define CYAN	   "\033[36m"
#define RESET	   "\033[0m"

static void help(void)
{
	printf("Usage: ddactl survey [--json | --tree | --format text|json|dot] [--from FILE] [DEVICE...]\n"
	       "       ddactl survey --save FILE [--redact]\n"
	       "       ddactl survey --predict [--acs-override SPEC] [--without DEVICE]...\n"
	       "                     [--move DEVICE=SLOT]...\n"
	       "                     [--kernel VERSION] [--from FILE] [--json]\n"
	       "\n"
	       "Say, for the host and every PCI function (or the ones named), whether it\n"
	       "can be assigned to a virtual machine, and if not, why and what to do.\n"
	       "\n"
	       "  -j, --json     one JSON document {\"host\": {...}, \"devices\": [...]}\n"
	       "  -t, --tree     the PCI tree, like lspci -tv, with groups and verdicts\n"
	       "      --format F text (the report), json (as --json), dot (the tree for\n"
	       "                 Graphviz, a box per IOMMU group: | dot -Tsvg > host.svg)\n"
	       "      --save F   write a snapshot of this host to F (- for stdout): one JSON\n"
	       "                 document with what the survey reads, for another machine\n"
	       "      --redact   with --save: zero PCIe serial numbers and MAC addresses\n"
	       "      --from F   survey F instead of this host: a snapshot (--save) or the\n"
	       "                 output of 'lspci -D -vvvnn -xxxx' run as root; from a dump,\n"
	       "                 what it cannot tell is marked unknown\n"
	       "      --predict  the IOMMU groups Linux would make of this tree, by its\n"
	       "                 own rules, each function with why; where the tree has\n"
	       "                 groups, every difference from them is marked\n"
	       "      --acs-override SPEC  predict as with pcie_acs_override=SPEC:\n"
	       "                 downstream, multifunction, id:VVVV:DDDD (comma separated)\n"
	       "      --without DEVICE  predict as if DEVICE (and all below it) were gone\n"
	       "      --move DEVICE=SLOT  predict as if the card of endpoint DEVICE were in\n"
	       "                 the empty slot below root or downstream port SLOT\n"
	       "      --kernel V the kernel whose rules apply: 6.12 (default) or 6.1\n"
	       "  -h, --help     this help\n"
	       "\n"
	       "DEVICE is a PCI address (0000:04:00.0 or 04:00.0) or a location path\n"
	       "(PCIROOT(0)#PCI(0300)#PCI(0000)).  Verdicts: assignable,\n"
	       "assignable-with-force (dismount needs --force), not-assignable.\n"
	       "Exit status is 0 when the survey ran, whatever the verdicts.\n");
}

static const char *sev_colour(enum dda_severity s)
{
	switch (s) {
	case DDA_SEV_BLOCK: return RED;
	case DDA_SEV_FORCE: return YELLOW;
	case DDA_SEV_WARN: return YELLOW;
	default: return CYAN;
	}
}

static const char *verdict_colour(const struct dda_device *d)
{
	switch (dda_device_worst(d)) {
	case DDA_SEV_BLOCK: return RED;
	case DDA_SEV_FORCE: return YELLOW;
	default: return GREEN;
	}
}

static void human_size(uint64_t b, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;
	double v = (double)b;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(unit)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, v == (double)(uint64_t)v ? "%.0f %s" : "%.1f %s", v, unit[u]);
}

static void print_host(const struct dda_host *h)
{
	const struct dda_hostinfo *i = &h->info;
	FILE *o = stdout;

	printf("%sHost%s  Linux %s, %zu PCI functions\n", cli_sgr(o, BOLD), cli_sgr(o, RESET),
	       i->osrelease[0] ? i->osrelease : "(unknown kernel)", h->nfunctions);
	if (i->source == DDA_SOURCE_DUMP)
		printf("  IOMMU                unknown (an lspci dump does not tell): %u groups %s\n", i->ngroups,
		       !strcmp(i->groups_from, "predicted") ? "predicted by the kernel's rules" :
							      "as lspci printed them");
	else if (i->iommu_on)
		printf("  IOMMU                on: %u groups, units %s%s%s\n", i->ngroups,
		       i->units[0] ? i->units : "(none listed)", i->cmdline[0] ? ", kernel parameters " : "",
		       i->cmdline);
	else
		printf("  IOMMU                %sOFF%s\n", cli_sgr(o, RED), cli_sgr(o, RESET));
	printf("  interrupt remapping  %s%s%s%s\n",
	       i->intremap < 0 ? "unknown" :
	       i->intremap     ? "on" :
				 "off",
	       i->intremap_note[0] ? " (" : "", i->intremap_note, i->intremap_note[0] ? ")" : "");
	printf("  vfio-pci             %s\n", dda_vfio_state_name(i->vfio));
}

static void print_host_reasons(struct json_object *host)
{
	struct json_object *reasons, *ready;
	FILE *o = stdout;

	if (json_object_object_get_ex(host, "reasons", &reasons))
		for (size_t k = 0; k < json_object_array_length(reasons); k++) {
			struct json_object *r = json_object_array_get_idx(reasons, k), *v;
			const char *sev = "", *code = "", *msg = "", *hint = "";

			if (json_object_object_get_ex(r, "severity", &v))
				sev = json_object_get_string(v);
			if (json_object_object_get_ex(r, "code", &v))
				code = json_object_get_string(v);
			if (json_object_object_get_ex(r, "message", &v))
				msg = json_object_get_string(v);
			if (json_object_object_get_ex(r, "hint", &v))
				hint = json_object_get_string(v);
			printf("  %s%-5s %s%s: %s\n        %s-> %s%s\n",
			       cli_sgr(o, !strcmp(sev, "block") ? RED :
					  !strcmp(sev, "info")	? CYAN :
								  YELLOW),
			       sev, code, cli_sgr(o, RESET), msg, cli_sgr(o, DIM), hint, cli_sgr(o, RESET));
		}
	if (json_object_object_get_ex(host, "ready", &ready))
		printf("  %s%s%s\n\n", cli_sgr(o, json_object_get_boolean(ready) ? GREEN : RED),
		       json_object_get_boolean(ready) ? "ready for device assignment" :
							"NOT ready for device assignment",
		       cli_sgr(o, RESET));
}

static void print_device(const struct dda_device *d)
{
	bool bridge = dda_device_is_bridge(d);
	char low[32], high[32];
	uint64_t below, above;
	FILE *o = stdout;

	printf("  %s%s%s  %s%s%s  %s [%04x:%04x]%s%s\n", cli_sgr(o, bridge ? DIM : BOLD), d->name, cli_sgr(o, RESET),
	       cli_sgr(o, bridge ? DIM : ""), dda_devtype_name(d->type), cli_sgr(o, RESET),
	       d->name_str ? d->name_str : "(unknown device)", d->vendor, d->device, d->driver[0] ? "  driver " : "",
	       d->driver);
	if (bridge) {
		printf("      %sstays with the host%s\n", cli_sgr(o, DIM), cli_sgr(o, RESET));
		return;
	}
	dda_device_mmio(d, &below, &above);
	human_size(below, low, sizeof(low));
	human_size(above, high, sizeof(high));
	printf("      %s  MMIO %s low, %s high  %s%s%s\n", d->location_path, low, high, cli_sgr(o, verdict_colour(d)),
	       dda_device_verdict(d), cli_sgr(o, RESET));
	for (size_t i = 0; i < d->nreasons; i++) {
		const struct dda_reason *r = &d->reasons[i];

		printf("      %s%-5s %s%s: %s\n", cli_sgr(o, sev_colour(r->severity)), dda_severity_name(r->severity),
		       r->code, cli_sgr(o, RESET), r->message);
		if (r->explain)
			printf("            %swhy: %s%s\n", cli_sgr(o, DIM), r->explain, cli_sgr(o, RESET));
		if (r->hint)
			printf("            %s-> %s%s\n", cli_sgr(o, DIM), r->hint, cli_sgr(o, RESET));
	}
}

static void print_report(const struct dda_host *h, struct dda_device **only, size_t n)
{
	_cleanup_json_ struct json_object *host = dda_report_host(h);
	size_t counts[3] = { 0 };

	print_host(h);
	print_host_reasons(host);
	if (n) {
		for (size_t i = 0; i < n; i++) {
			printf("%sIOMMU group %d%s\n", cli_sgr(stdout, BOLD), only[i]->group_id, cli_sgr(stdout, RESET));
			print_device(only[i]);
		}
		return;
	}
	/* Group by group, then the functions without one. */
	for (size_t g = 0; g < h->ngroups; g++) {
		printf("%sIOMMU group %d%s\n", cli_sgr(stdout, BOLD), h->groups[g].id, cli_sgr(stdout, RESET));
		for (size_t i = 0; i < h->groups[g].nmembers; i++)
			print_device(h->groups[g].members[i]);
	}
	for (size_t i = 0, first = 1; i < h->ndevs; i++) {
		if (h->devs[i].group)
			continue;
		if (first)
			printf("%sNo IOMMU group%s\n", cli_sgr(stdout, BOLD), cli_sgr(stdout, RESET));
		first = 0;
		print_device(&h->devs[i]);
	}
	for (size_t i = 0; i < h->ndevs; i++) {
		if (dda_device_is_bridge(&h->devs[i]))
			continue;
		switch (dda_device_worst(&h->devs[i])) {
		case DDA_SEV_BLOCK: counts[2]++; break;
		case DDA_SEV_FORCE: counts[1]++; break;
		default: counts[0]++; break;
		}
	}
	printf("\n%zu assignable, %zu assignable with --force, %zu not assignable (bridges not counted)\n", counts[0],
	       counts[1], counts[2]);
}

/* What the pool knows turns "on vfio-pci" into pooled, quarantined or
 * unrecorded.  No database is an empty pool; one that cannot be read (not
 * root) leaves the plain "in-pool" fact, which is still true. */
static int mark_pool(struct dda_host *h)
{
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	int r = dda_state_open(h->ctx, &s, DDA_STATE_READONLY);

	if (r < 0 && r != -ENOENT) {
		dda_error_clear();
		return 0;
	}
	return dda_pool_mark(h, s);
}

static int read_whole(FILE *f, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		if (len + 65536 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 1 << 20;
			/* the biggest host's snapshot is tens of MiB; more is no snapshot */
			if (cap > (512u << 20) || !(nb = realloc(buf, cap)))
				return -EFBIG;
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		return -EIO;
	buf[len] = '\0';
	*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

static int open_from(struct dda_ctx *ctx, const char *file, const struct dda_predict_opts *popts,
		     struct dda_snapshot **ret)
{
	_cleanup_fclose_ FILE *f = strcmp(file, "-") ? fopen(file, "re") : NULL;
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	if (strcmp(file, "-") && !f)
		return dda_error(-errno, NULL, "cannot open '%s': %m", file);
	r = read_whole(f ? f : stdin, &text, &len);
	if (r < 0)
		return dda_error(r, NULL, "cannot read '%s': %s", file, strerror(-r));
	return dda_snapshot_open(ctx, file, text, len, popts, ret);
}

static int save(struct dda_ctx *ctx, const char *file, bool redact)
{
	_cleanup_json_ struct json_object *doc = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	const char *s;
	int r;

	r = dda_snapshot_save(ctx, redact ? DDA_SNAPSHOT_REDACT : 0, &doc);
	if (r < 0)
		return r;
	s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!strcmp(file, "-"))
		return printf("%s\n", s) < 0 ? -EIO : 0;
	f = fopen(file, "we");
	if (!f)
		return dda_error(-errno, NULL, "cannot create '%s': %m", file);
	if (fprintf(f, "%s\n", s) < 0 || fflush(f) != 0)
		return dda_error(-EIO, NULL, "cannot write '%s': %m", file);
	return 0;
}

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_TREE, FORMAT_DOT };

static int parse_format(const char *s)
{
	static const char *const names[] = { [FORMAT_TEXT] = "text", [FORMAT_JSON] = "json", [FORMAT_DOT] = "dot" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i] && !strcmp(s, names[i]))
			return (int)i;
	return -EINVAL;
}

int cmd_survey(struct dda_ctx *ctx, int argc, char **argv)
{
	enum {
		OPT_FORMAT = 0x100,
		OPT_SAVE,
		OPT_FROM,
		OPT_REDACT,
		OPT_PREDICT,
		OPT_ACS_OVERRIDE,
		OPT_WITHOUT,
		OPT_MOVE,
		OPT_KERNEL
	};
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "predict", no_argument, NULL, OPT_PREDICT },
		{ "acs-override", required_argument, NULL, OPT_ACS_OVERRIDE },
		{ "without", required_argument, NULL, OPT_WITHOUT },
		{ "move", required_argument, NULL, OPT_MOVE },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "tree", no_argument, NULL, 't' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "save", required_argument, NULL, OPT_SAVE },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "redact", no_argument, NULL, OPT_REDACT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	_cleanup_free_ struct dda_device **only = NULL;
	_cleanup_(dda_snapshot_freep) struct dda_snapshot *snap = NULL;
	const char *save_file = NULL, *from = NULL;
	unsigned scan = DDA_SCAN_NAMES | DDA_SCAN_HOST_USE;
	struct dda_ctx *sctx = ctx;
	bool redact = false;
	enum format format = FORMAT_TEXT;
	struct dda_predict_opts popts = { 0 };
	_cleanup_free_ struct dda_pciaddr *without = NULL;
	_cleanup_free_ struct dda_predict_move *moves = NULL;
	bool predict = false;
	unsigned nformats = 0;
	size_t n = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "jth", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			format = FORMAT_JSON;
			nformats++;
			break;
		case 't':
			format = FORMAT_TREE;
			nformats++;
			break;
		case OPT_FORMAT:
			nformats++;
			r = parse_format(optarg);
			if (r < 0)
				return cli_usage_error("survey", "--format takes text, json or dot, not '%s'", optarg);
			format = (enum format)r;
			break;
		case OPT_SAVE: save_file = optarg; break;
		case OPT_FROM: from = optarg; break;
		case OPT_REDACT: redact = true; break;
		case OPT_PREDICT: predict = true; break;
		case OPT_ACS_OVERRIDE:
			predict = true;
			if (dda_predict_parse_override(optarg, &popts) < 0)
				return cli_usage_error("survey", "%s", dda_last_error()->message);
			break;
		case OPT_WITHOUT: {
			struct dda_pciaddr *more = realloc(without, (popts.nwithout + 1) * sizeof(*more));

			predict = true;
			if (!more)
				return cli_fail(-ENOMEM);
			without = more;
			if (dda_pciaddr_parse(optarg, &without[popts.nwithout]) < 0)
				return cli_usage_error("survey",
						       "--without takes a PCI address (0000:04:00.0), not '%s'", optarg);
			popts.without = without;
			popts.nwithout++;
			break;
		}
		case OPT_MOVE: {
			struct dda_predict_move *more = realloc(moves, (popts.nmoves + 1) * sizeof(*more));

			predict = true;
			if (!more)
				return cli_fail(-ENOMEM);
			moves = more;
			if (dda_predict_parse_move(optarg, &moves[popts.nmoves]) < 0)
				return cli_usage_error("survey", "%s", dda_last_error()->message);
			popts.moves = moves;
			popts.nmoves++;
			break;
		}
		case OPT_KERNEL:
			predict = true;
			if (dda_predict_parse_kernel(optarg, &popts.kernel) < 0)
				return cli_usage_error("survey", "%s", dda_last_error()->message);
			break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("survey", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (nformats > 1)
		return cli_usage_error("survey", "--json, --tree and --format choose one output: give one of them");
	if ((format == FORMAT_TREE || format == FORMAT_DOT) && optind < argc)
		return cli_usage_error("survey", "--tree and --format dot draw the whole host: name no DEVICE");
	/* --json is welcome: a snapshot is JSON anyway */
	if (save_file && (from || predict || format == FORMAT_TREE || format == FORMAT_DOT || optind < argc))
		return cli_usage_error("survey",
				       "--save writes the whole host as it is: give no --from, --predict, --tree, --format dot or DEVICE with it");
	if (redact && !save_file)
		return cli_usage_error("survey", "--redact goes with --save");
	if (save_file) {
		r = save(ctx, save_file, redact);
		return r < 0 ? cli_fail(r) : EXIT_OK;
	}
	if (predict && (format == FORMAT_TREE || format == FORMAT_DOT || optind < argc))
		return cli_usage_error("survey",
				       "--predict shows the whole tree as text or --json: no --tree, dot or DEVICE");
	arg_json = format == FORMAT_JSON;
	if (from) {
		/* A reader that stops early (| head) must not kill us before
		 * the private tree is removed: a write fails instead. */
		signal(SIGPIPE, SIG_IGN);
		/* A dump's own groups are the plain prediction for that kernel,
		 * so that a what-if below is compared with it. */
		struct dda_predict_opts plain = { .kernel = popts.kernel };

		r = open_from(ctx, from, &plain, &snap);
		if (r < 0)
			return cli_fail(r);
		sctx = snap->ctx;
		/* a snapshot carries its host use as findings; a dump has none */
		scan = DDA_SCAN_NAMES;
	} else if (!predict) {
		cli_recover_if_needed(ctx, "survey");
	}
	if (predict)
		return cli_survey_predict(sctx, &popts);
	if (optind < argc)
		r = cli_scan_named(sctx, &h, scan, argc - optind, argv + optind);
	else
		r = dda_host_scan(sctx, &h, scan);
	if (r == 0 && snap)
		r = dda_snapshot_mark(snap, h);
	if (r < 0)
		return cli_fail(r);
	if (optind < argc) {
		only = calloc((size_t)(argc - optind), sizeof(*only));
		if (!only)
			return cli_fail(-ENOMEM);
		for (int i = optind; i < argc; i++) {
			r = dda_host_resolve(h, argv[i], &only[n]);
			if (r < 0)
				return cli_fail(r);
			n++;
		}
	}
	r = mark_pool(h);
	if (r == 0)
		r = dda_checks_run(h);
	if (r < 0)
		return cli_fail(r);
	if (arg_json) {
		/* One device object at a time: a host with thousands of VFs
		 * never holds the whole document in memory. */
		_cleanup_json_ struct json_object *host = dda_report_host(h);
		size_t count = n ? n : h->ndevs;

		if (!host)
			return cli_fail(-ENOMEM);
		printf("{\n\"host\": %s,\n\"devices\": [\n", json_object_to_json_string_ext(host, JSON_FLAGS));
		for (size_t i = 0; i < count; i++) {
			_cleanup_json_ struct json_object *d = dda_report_device(n ? only[i] : &h->devs[i]);

			if (!d)
				return cli_fail(-ENOMEM);
			printf("%s%s", json_object_to_json_string_ext(d, JSON_FLAGS), i + 1 < count ? ",\n" : "\n");
		}
		printf("]\n}\n");
	} else if (format == FORMAT_TREE || format == FORMAT_DOT) {
		r = format == FORMAT_TREE ? cli_survey_tree(h) : cli_survey_dot(h);
		if (r < 0)
			return cli_fail(r);
	} else {
		print_report(h, only, n);
	}
	return EXIT_OK;
}
