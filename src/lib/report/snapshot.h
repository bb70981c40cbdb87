/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * survey --save FILE and survey --from FILE (snapshot.c): this host as
 * one JSON document, and a document or an lspci dump as a private tree
 * the ordinary scan reads (docs/JSON.md "Snapshots", docs/PREDICT.md).
 */
#ifndef DDA_SNAPSHOT_H
#define DDA_SNAPSHOT_H

#include <stddef.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "ctx.h"
#include "host.h"
#include "lspcidump.h"
#include "predict.h"

enum {
	DDA_SNAPSHOT_REDACT = 1 << 0, /* PCIe serial numbers and MACs zeroed */
};

/* Reads this host (ctx) as the survey does and returns the snapshot. */
int dda_snapshot_save(struct dda_ctx *ctx, unsigned flags, struct json_object **ret) _must_check_;

struct dda_snapshot {
	struct dda_ctx *ctx;		   /* the private tree: scan it */
	struct json_object *doc;	   /* a snapshot's document, NULL for a dump */
	struct json_object *uses;	   /* borrowed from doc */
	struct dda_lspci_dump *dump;	   /* what the dump told, NULL for a snapshot */
	struct dda_prediction *prediction; /* a dump's predicted groups, NULL for a snapshot */
};

/* text (len bytes, from the file named file) is a snapshot (JSON) or an
 * lspci dump: materialised into a private tree under ctx's tmp_dir.  A
 * dump's groups are predicted with popts (NULL: Linux 6.12, no override). */
int dda_snapshot_open(struct dda_ctx *ctx, const char *file, const char *text, size_t len,
		      const struct dda_predict_opts *popts, struct dda_snapshot **ret) _must_check_;
/* After a scan of s->ctx: what the snapshot knows beyond its files (host
 * use on its devices, vfio-pci's state) or what the dump lacks. */
int dda_snapshot_mark(const struct dda_snapshot *s, struct dda_host *h) _must_check_;
void dda_snapshot_free(struct dda_snapshot *s);
DDA_DEFINE_CLEANUP(struct dda_snapshot, dda_snapshot_free)

#endif
