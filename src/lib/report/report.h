/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Survey results as JSON (json-c): {"host": {...}, "devices": [...]}.
 * The same document backs `--json` and the text report, so the two never
 * disagree.  Field names are stable API.
 */
#ifndef DDA_REPORT_H
#define DDA_REPORT_H

#include <json-c/json.h>

#include "cleanup.h"
#include "error.h"
#include "host.h"

static inline void dda_json_putp(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(dda_json_putp)

/* The host section: IOMMU, interrupt remapping, vfio-pci, and its own
 * reasons (code/severity/message/hint) with a "ready" flag.  NULL on OOM. */
struct json_object *dda_report_host(const struct dda_host *h);

/* One device with its reasons and verdict.  NULL on OOM. */
struct json_object *dda_report_device(const struct dda_device *d);

/* The whole survey; with n > 0 only the listed devices.  NULL on OOM. */
struct json_object *dda_report_survey(const struct dda_host *h, struct dda_device *const *only, size_t n);

/* {"error": {"code", "message", "device"}} */
struct json_object *dda_report_error(const struct dda_error_info *e);

/* "8086", "020000": ids print as lspci -n does. */
struct json_object *dda_json_hex(unsigned v, int width);

#endif
