/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by dismount and mount: naming devices on the command line and
 * telling the user what moved where, as text or JSON.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "pool.h"
#include "report.h"

int cli_check_device_names(int argc, char **argv)
{
	struct dda_pciaddr a;
	struct dda_locpath l;

	for (int i = 0; i < argc; i++)
		if (dda_is_locpath(argv[i]) ? dda_locpath_parse(argv[i], &l) < 0 : dda_pciaddr_parse(argv[i], &a) < 0)
			/* the same words as dda_host_resolve, which meets
			 * them again with the host at hand */
			return dda_error_input(-EINVAL, "bad-device", argv[i],
					       "'%s' is neither a PCI address (0000:04:00.0 or 04:00.0) nor a location path (PCIROOT(0)#PCI(0300)#PCI(0000))",
					       argv[i]);
	return 0;
}

int cli_scan_named(struct dda_ctx *ctx, struct dda_host **h, unsigned flags, int argc, char **argv)
{
	_cleanup_free_ struct dda_pciaddr *a = calloc((size_t)argc + 1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	/* A location path is found by comparing every function's: only
	 * addresses can be looked up without reading the whole host. */
	for (int i = 0; i < argc; i++)
		if (dda_is_locpath(argv[i]) || dda_pciaddr_parse(argv[i], &a[i]) < 0)
			return dda_host_scan(ctx, h, flags);
	return dda_host_scan_for(ctx, h, flags, a, (size_t)argc);
}

int cli_resolve_devices(struct dda_host *h, int argc, char **argv, struct dda_device ***ret, size_t *ret_n)
{
	_cleanup_free_ struct dda_device **v = NULL;
	size_t n = 0;
	int r;

	if (argc <= 0)
		return dda_error_input(-EINVAL, "usage", NULL,
				       "no device named (give a PCI address or a location path)");
	v = calloc((size_t)argc, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (int i = 0; i < argc; i++) {
		r = dda_host_resolve(h, argv[i], &v[n]);
		if (r < 0)
			return r;
		n++;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

void cli_print_plan(const struct dda_plan *p, const char *verb, bool dry_run)
{
	if (arg_json) {
		_cleanup_json_ struct json_object *o = dda_report_plan(p, verb, dry_run);

		cli_print_json(o);
		return;
	}
	printf("%s%s\n", dry_run ? "would " : "", verb);
	for (size_t i = 0; i < p->n; i++) {
		const struct dda_move *m = &p->moves[i];

		printf("  %s  %s -> %s%s", m->dev->name, m->from[0] ? m->from : "(no driver)",
		       m->to[0] ? m->to : "(no driver)", m->reset ? ", reset" : "");
		if (m->skip)
			printf(", already done");
		if (m->brought_by)
			printf("  companion of %s (IOMMU group %d)", m->brought_by->name, m->dev->group_id);
		if (m->unrecorded)
			printf(!strcmp(verb, "mount") ?
				       "\n      unrecorded: its original driver was not recorded; %s is the driver the kernel picks for it" :
				       "\n      unrecorded: it was on %s with driver_override set and no record; now recorded, original driver unknown",
			       !strcmp(verb, "mount") ? (m->to[0] ? m->to : "(none)") : m->from);
		printf("\n      %s  %s\n", m->dev->location_path, m->dev->name_str ? m->dev->name_str : "");
	}
	if (p->forced)
		printf("forced past: %s\n", p->force_reasons);
}
