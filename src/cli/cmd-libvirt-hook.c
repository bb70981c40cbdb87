/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl libvirt-hook DOMAIN OPERATION SUBOP EXTRA, the domain XML on
 * stdin: what libvirtd runs from /etc/libvirt/hooks/qemu.d/ddactl at each
 * step of a domain's life.  A non-zero exit of prepare refuses the start,
 * and libvirt shows the user what the hook wrote on stderr.  Every other
 * operation exits 0 having done nothing; the hook never calls libvirt.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "domxml.h"
#include "error.h"
#include "libvirt-hook.h"

/* A domain XML is a few KiB; a hostile or broken one is not read forever. */
#define XML_MAX (16u << 20)

static void help(void)
{
	printf("Usage: ddactl libvirt-hook DOMAIN OPERATION SUBOP EXTRA < domain.xml\n"
	       "\n"
	       "libvirt's QEMU hook (installed as /etc/libvirt/hooks/qemu.d/ddactl):\n"
	       "  prepare begin              refuse the start for any PCI hostdev that is a\n"
	       "                             bridge, used by the host (or its group is), in an\n"
	       "                             unviable group, held by a ddactl VM or another\n"
	       "                             domain, or quarantined; then apply the domain's\n"
	       "                             policy ('ddactl libvirt policy')\n"
	       "  started begin, reconnect begin\n"
	       "                             record the domain as its hostdevs' owner\n"
	       "  release end, stopped end   record the release; return-to-host mounts them back\n"
	       "  anything else              nothing (exit 0)\n"
	       "\n"
	       "  -h, --help                 this help\n");
}

static int read_all(FILE *f, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		size_t got;

		if (len + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 16384;
			nb = realloc(buf, cap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (len > XML_MAX)
			return dda_error_input(-EFBIG, "bad-domain-xml", NULL, "the domain XML on stdin is over %u MiB",
					       XML_MAX >> 20);
		if (got == 0)
			break;
	}
	if (ferror(f))
		return dda_error(-EIO, NULL, "cannot read the domain XML on stdin: %m");
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

enum hook_step {
	STEP_NONE,
	STEP_PREPARE,
	STEP_STARTED,
	STEP_RELEASE,
};

static enum hook_step step_of(const char *op, const char *sub)
{
	if (!strcmp(op, "prepare") && !strcmp(sub, "begin"))
		return STEP_PREPARE;
	if ((!strcmp(op, "started") || !strcmp(op, "reconnect")) && !strcmp(sub, "begin"))
		return STEP_STARTED;
	if ((!strcmp(op, "release") || !strcmp(op, "stopped")) && !strcmp(sub, "end"))
		return STEP_RELEASE;
	return STEP_NONE;
}

/* libvirtd restarted and found the domain running */
static bool is_reconnect(const char *op)
{
	return !strcmp(op, "reconnect");
}

static int run_step(struct dda_ctx *ctx, enum hook_step step, const char *domain, const struct dda_domxml *x,
		    const char *line)
{
	_cleanup_(dda_lvhook_result_release) struct dda_lvhook_result res = { 0 };
	struct cli_session ses = { 0 };
	int r;

	r = cli_session_open(ctx, &ses, "libvirt-hook", line);
	if (r == 0) {
		if (step == STEP_PREPARE)
			r = dda_lvhook_prepare(ses.state, domain, x, &res);
		else if (step == STEP_STARTED)
			r = dda_lvhook_started(ses.state, domain, x, &res);
		else
			r = dda_lvhook_release(ses.state, domain, &res);
	}
	cli_session_close(&ses);
	for (size_t i = 0; i < res.done.n; i++)
		printf("ddactl: %s\n", res.done.lines[i]);
	if (r < 0)
		return r;
	for (size_t i = 0; i < res.nrefused; i++)
		fprintf(stderr, "ddactl: %s\n", res.refusals[i].message);
	return res.nrefused ? 1 : 0;
}

int cmd_libvirt_hook(struct dda_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_free_ char *xml = NULL;
	struct dda_domxml x = { 0 };
	enum hook_step step;
	bool reconnect;
	const char *domain;
	char line[512];
	size_t len = 0;
	int o, r;

	optind = 1;
	/* '+': libvirt's arguments are never options, whatever they start with */
	while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (o) {
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("libvirt-hook", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 4)
		return cli_usage_error("libvirt-hook", "takes DOMAIN OPERATION SUBOP EXTRA, as libvirt gives them");
	domain = argv[optind];
	step = step_of(argv[optind + 1], argv[optind + 2]);
	reconnect = is_reconnect(argv[optind + 1]);
	if (step == STEP_NONE)
		return EXIT_OK;
	r = read_all(stdin, &xml, &len);
	/* a release goes by ddactl's records, whatever the XML says */
	if (r == 0 && step != STEP_RELEASE)
		r = dda_domxml_parse(xml, len, domain, &x);
	if (r < 0 && reconnect) {
		struct dda_error_info tmp;

		fprintf(stderr, "ddactl: %s (the running domain is left alone)\n", dda_error_for(r, &tmp)->message);
		return EXIT_OK;
	}
	if (r < 0)
		return cli_fail(r);
	/* nothing of ddactl's to check or record */
	if (!x.n && step != STEP_RELEASE) {
		dda_domxml_release(&x);
		return EXIT_OK;
	}
	if (!dda_libvirt_name_valid(domain)) {
		dda_domxml_release(&x);
		dda_error_input(-EINVAL, "bad-domain", NULL,
				"refusing to start a domain whose name ddactl cannot record (1 to %d printable bytes, no '/'): rename it ('virsh domrename')",
				DDA_LIBVIRT_NAME_MAX);
		return step == STEP_PREPARE ? cli_fail(-EINVAL) : EXIT_OK;
	}
	cli_command_line(argc, argv, line, sizeof(line));
	r = run_step(ctx, step, domain, &x, line);
	dda_domxml_release(&x);
	if (r < 0 && reconnect) {
		/* libvirtd kills a domain whose reconnect hook fails: a guest
		 * already running must not die for a record ddactl could not
		 * write (a lock held, a state directory gone). */
		fprintf(stderr,
			"ddactl: could not record domain '%s' as its devices' owner: %s (the running domain is left alone)\n",
			domain, dda_last_error()->message);
		return EXIT_OK;
	}
	return r < 0 ? cli_fail(r) : r;
}
