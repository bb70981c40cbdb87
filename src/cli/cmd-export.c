/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl export ENGINE: the pool as KubeVirt, Nova or the SR-IOV network
 * device plugin configure it.  ddactl keeps preparing and guarding the node;
 * the engine schedules.  It only reads, like `pool`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "host.h"
#include "pool.h"
#include "report.h"

#define DEFAULT_PREFIX "ddactl"
#define JSON_DOC_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

static void help(void)
{
	printf("Usage: ddactl export kubevirt|nova|sriov-dp [--pool NAME] [--prefix DOMAIN]\n"
	       "                    [--format yaml|json] [--json]\n"
	       "\n"
	       "Print the pool (or one named pool) in a scheduler's own configuration\n"
	       "format.  Only pooled devices that are present, on vfio-pci and held by no\n"
	       "VM are exported; warnings on stderr say what was left out and what the\n"
	       "engine cannot see (ids under two names, a group split between VMs, other\n"
	       "vfio-pci functions that a vendor:device selector also reaches).\n"
	       "\n"
	       "  kubevirt   spec.configuration.permittedHostDevices for the KubeVirt CR\n"
	       "             (YAML; --format json for kubectl patch --type merge)\n"
	       "  nova       [pci] device_spec lines pinned to addresses, and alias lines\n"
	       "  sriov-dp   /etc/pcidp/config.json for the SR-IOV network device plugin\n"
	       "             (VFs only)\n"
	       "\n"
	       "  -P, --pool NAME      only this named pool; resources are named after it\n"
	       "      --prefix DOMAIN  the resource domain (default " DEFAULT_PREFIX ")\n"
	       "      --format F       kubevirt's document as yaml (default) or json\n"
	       "  -j, --json           {\"engine\", \"document\", \"warnings\"}\n"
	       "  -h, --help           this help\n");
}

static void yaml_scalar(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_object: fputs("{}", stdout); break;
	case json_type_array: fputs("[]", stdout); break;
	/* a JSON string is a YAML double-quoted scalar */
	default: fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE), stdout); break;
	}
}

static bool yaml_is_scalar(struct json_object *o)
{
	enum json_type t = json_object_get_type(o);

	return (t != json_type_object || !json_object_object_length(o)) &&
	       (t != json_type_array || !json_object_array_length(o));
}

static void yaml_block(struct json_object *o, int indent, bool inline_first);

static void yaml_value(struct json_object *v, int indent)
{
	if (yaml_is_scalar(v)) {
		putchar(' ');
		yaml_scalar(v);
		putchar('\n');
	} else {
		putchar('\n');
		yaml_block(v, indent, false);
	}
}

/* Block style, as kubectl writes it.  inline_first: the caller printed
 * "- " and the first key goes on that line. */
static void yaml_block(struct json_object *o, int indent, bool inline_first)
{
	if (json_object_get_type(o) == json_type_array) {
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			struct json_object *v = json_object_array_get_idx(o, i);

			printf("%*s-", indent, "");
			if (yaml_is_scalar(v)) {
				yaml_value(v, indent + 2);
			} else if (json_object_get_type(v) == json_type_object) {
				putchar(' ');
				yaml_block(v, indent + 2, true);
			} else {
				putchar('\n');
				yaml_block(v, indent + 2, false);
			}
		}
		return;
	}
	json_object_object_foreach(o, key, v)
	{
		if (!inline_first)
			printf("%*s", indent, "");
		inline_first = false;
		printf("%s:", key);
		yaml_value(v, indent + 2);
	}
}

static void print_warnings(struct json_object *w)
{
	for (size_t i = 0; i < json_object_array_length(w); i++)
		fprintf(stderr, "ddactl: warning: %s\n",
			json_object_get_string(json_object_object_get(json_object_array_get_idx(w, i), "message")));
}

/* oslo.config gathers a repeated key of a section into one list. */
static void print_nova(struct json_object *doc)
{
	static const char *const keys[] = { "device_spec", "alias" };

	printf("[pci]\n");
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		struct json_object *a = json_object_object_get(doc, keys[k]);

		for (size_t i = 0; i < json_object_array_length(a); i++)
			printf("%s = %s\n", keys[k],
			       json_object_to_json_string_ext(json_object_array_get_idx(a, i),
							      JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
}

/* --format: 1 for yaml, 0 for json */
static int parse_yaml(const char *s)
{
	if (!strcmp(s, "yaml"))
		return 1;
	return strcmp(s, "json") ? -EINVAL : 0;
}

int cmd_export(struct dda_ctx *ctx, int argc, char **argv)
{
	enum { OPT_PREFIX = 0x100, OPT_FORMAT };
	static const struct option opts[] = {
		{ "pool", required_argument, NULL, 'P' },
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	_cleanup_free_ struct dda_pool_entry *v = NULL;
	_cleanup_(dda_pool_view_release) struct dda_pool_view pv = { 0 };
	_cleanup_(dda_export_release) struct dda_export x = { 0 };
	const char *pool = NULL, *prefix = DEFAULT_PREFIX;
	bool yaml = true, format_given = false;
	enum dda_export_engine engine;
	size_t n = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "P:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'P': pool = optarg; break;
		case OPT_PREFIX: prefix = optarg; break;
		case OPT_FORMAT:
			r = parse_yaml(optarg);
			if (r < 0)
				return cli_usage_error("export", "--format takes yaml or json, not '%s'", optarg);
			yaml = r;
			format_given = true;
			break;
		case 'j': arg_json = true; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("export", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("export", "name an engine: kubevirt, nova or sriov-dp");
	if (optind + 1 < argc)
		return cli_usage_error("export", "unexpected argument '%s'", argv[optind + 1]);
	r = dda_export_engine_from_string(argv[optind]);
	if (r < 0)
		return cli_usage_error("export", "'%s' is not an engine: kubevirt, nova or sriov-dp", argv[optind]);
	engine = (enum dda_export_engine)r;
	if (format_given && engine != DDA_EXPORT_KUBEVIRT)
		return cli_usage_error("export", "--format is for kubevirt; %s has one format",
				       dda_export_engine_name(engine));

	r = cli_pool_read(ctx, &s, &v, &n);
	if (r < 0)
		return cli_fail(r);
	/* The whole host: a KubeVirt selector reaches every vfio-pci function
	 * with its ids, pooled or not. */
	r = dda_host_scan(ctx, &h, 0);
	if (r == 0)
		r = dda_pool_mark(h, s);
	if (r == 0)
		r = dda_pool_view_build(&pv, s, h, v, n);
	if (r == 0)
		r = dda_export_build(&pv, engine, pool, prefix, &x);
	if (r < 0)
		return cli_fail(r);

	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_export(&x, engine);

		cli_print_json(o);
		return EXIT_OK;
	}
	print_warnings(x.warnings);
	if (engine == DDA_EXPORT_NOVA)
		print_nova(x.doc);
	else if (engine == DDA_EXPORT_KUBEVIRT && yaml)
		yaml_block(x.doc, 0, false);
	else
		printf("%s\n", json_object_to_json_string_ext(x.doc, JSON_DOC_FLAGS));
	return EXIT_OK;
}
