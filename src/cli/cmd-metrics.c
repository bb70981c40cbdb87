/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ddactl metrics: the pool, the VMs, the VFs and the host's readiness for
 * Prometheus, printed or written for node-exporter's textfile collector.
 * It only reads: no lock, no repair, so a timer every minute never waits
 * for or interferes with a change in progress.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "hostpath.h"
#include "host.h"
#include "pool.h"
#include "report.h"

#define PROM_NAME "ddactl.prom"

static void help(void)
{
	printf("Usage: ddactl metrics [--textfile DIR]\n"
	       "\n"
	       "Print the pool's devices by state, each VM's devices and state, the VFs\n"
	       "of each SR-IOV PF, when the last change and the last failed change\n"
	       "ended, and whether the host is ready for passthrough, in Prometheus'\n"
	       "text format.  Labels are device addresses, location paths, VM names and\n"
	       "named pools.\n"
	       "\n"
	       "  -t, --textfile DIR  write DIR/" PROM_NAME " instead (replaced whole: a\n"
	       "                      temporary file renamed over it), for node-exporter's\n"
	       "                      textfile collector: /var/lib/prometheus/node-exporter\n"
	       "                      on Debian; the ddactl-metrics.timer unit does this\n"
	       "                      every minute\n"
	       "  -h, --help          this help\n");
}

int cmd_metrics(struct dda_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "textfile", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_(dda_state_closep) struct dda_state *s = NULL;
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	_cleanup_free_ char *text = NULL;
	const char *dir = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "+t:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!optarg[0])
				return cli_usage_error("metrics", "--textfile needs a directory");
			dir = optarg;
			break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("metrics", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("metrics", "unexpected argument '%s'", argv[optind]);
	r = dda_state_open(ctx, &s, DDA_STATE_READONLY);
	/* no database yet: an empty pool, no VMs */
	if (r < 0 && r != -ENOENT)
		return cli_fail(r);
	r = dda_host_scan(ctx, &h, 0);
	if (r == 0)
		r = dda_pool_mark(h, s);
	if (r == 0)
		r = dda_metrics_text(s, h, &text);
	if (r == 0 && dir)
		r = dda_write_replace(ctx, dir, PROM_NAME, text, strlen(text), 0644);
	if (r < 0)
		return cli_fail(r);
	if (!dir)
		fputs(text, stdout);
	return EXIT_OK;
}
