/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * survey --save and --from: a host as one JSON document, and back.
 *
 * A snapshot is the set of host files the survey itself read (a capture,
 * basic/capture.h, of a scan and its checks), each under its real path,
 * plus what the host uses its devices for, as findings: host use comes
 * from mounts, holders and open files of processes, which are neither
 * shareable nor needed once known.  Read back, the files become a private
 * tree that the unchanged scan reads as it reads sysfs, so the survey of
 * a snapshot is the survey of the host (docs/JSON.md, "Snapshots").
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "checks.h"
#include "ftree.h"
#include "lspcidump.h"
#include "predict.h"
#include "report.h"
#include "snapshot.h"

/* Paths in the private tree being built (ftree.h), written under its own
 * context's root, never opened on the host. */
#define TREE "sys/" /* lint-ok: a path in the tree written, not read from the host */

#define FORMAT	"ddactl-snapshot"
#define VERSION 1

static const char *const use_kinds[] = {
	[DDA_USE_MOUNT] = "mount", [DDA_USE_SWAP] = "swap",	  [DDA_USE_HOLDER] = "holder",
	[DDA_USE_NET] = "net",	   [DDA_USE_CONSOLE] = "console",
};

/* The attributes of a device directory the scan reads relative to it
 * (device.c), which a capture of paths cannot see one by one.  Others
 * keep their names only: reading every sysfs file is neither safe (vpd,
 * rom) nor needed. */
static bool keep_attr(const char *name)
{
	static const char *const names[] = {
		"config",
		"vendor",
		"device",
		"subsystem_vendor",
		"subsystem_device",
		"class",
		"revision",
		"resource",
		"reset_method",
		"sriov_totalvfs",
		"sriov_numvfs",
		"sriov_offset",
		"sriov_stride",
		"sriov_drivers_autoprobe",
		"boot_vga",
		"driver_override",
		"irq",
		"d3cold_allowed",
		"power_state",
		"current_link_speed",
		"address",
		"reserved_regions",
		"type",
		"ecap",
		"cap",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static bool is_text(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isprint((unsigned char)s[i]) && s[i] != '\n' && s[i] != '\t')
			return false;
	return true;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The PCIe Device Serial Number capability (PCIe 7.9.3) is the card's
 * own serial: zeroed, the rest of its config space stays. */
static void redact_config(uint8_t *cfg, size_t len)
{
	size_t off = 0x100;

	for (int n = 0; n < 512 && off >= 0x100 && off + 12 <= len; n++) {
		uint32_t h = (uint32_t)cfg[off] | (uint32_t)cfg[off + 1] << 8 | (uint32_t)cfg[off + 2] << 16 |
			     (uint32_t)cfg[off + 3] << 24;

		if (h == 0 || h == 0xffffffff)
			return;
		if ((h & 0xffff) == 0x0003)
			memset(cfg + off + 4, 0, 8);
		off = (h >> 20) & 0xffc;
	}
}

static void redact(struct dda_ftree_entry *e)
{
	const char *b = base_name(e->path);

	if (e->kind != DDA_FT_FILE)
		return;
	if (!strcmp(b, "config"))
		redact_config((uint8_t *)e->data, e->len);
	/* an interface's MAC: the same form, nothing of the card's */
	else if ((!strcmp(b, "address") || !strcmp(b, "perm_address")) && strstr(e->path, "/net/"))
		for (size_t i = 0; i < e->len; i++)
			if (isxdigit((unsigned char)e->data[i]))
				e->data[i] = '0';
}

static struct json_object *hex_of(const char *data, size_t len)
{
	_cleanup_free_ char *s = malloc(len * 2 + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++)
		snprintf(s + 2 * i, 3, "%02x", (unsigned char)data[i]);
	s[len * 2] = '\0';
	return json_object_new_string(s);
}

static int add_uses(struct json_object *arr, const struct dda_host *h)
{
	for (size_t i = 0; i < h->ndevs; i++)
		for (size_t k = 0; k < h->devs[i].nuses; k++) {
			const struct dda_use *u = &h->devs[i].uses[k];
			struct json_object *o = json_object_new_object();

			if (!o)
				return -ENOMEM;
			json_object_object_add(o, "address", json_object_new_string(h->devs[i].name));
			json_object_object_add(o, "kind", json_object_new_string(use_kinds[u->kind]));
			json_object_object_add(o, "critical", json_object_new_boolean(u->critical));
			json_object_object_add(o, "what", json_object_new_string(u->what));
			json_object_array_add(arr, o);
		}
	return 0;
}

int dda_snapshot_save(struct dda_ctx *ctx, unsigned flags, struct json_object **ret)
{
	_cleanup_(dda_ftree_release) struct dda_ftree t = { 0 };
	_cleanup_json_ struct json_object *doc = json_object_new_object();
	struct json_object *entries = json_object_new_array(), *uses = json_object_new_array();
	const char *const *paths;
	char kernel[128] = "";
	size_t n;
	int r;

	if (!doc || !entries || !uses) {
		json_object_put(entries);
		json_object_put(uses);
		return -ENOMEM;
	}
	json_object_object_add(doc, "format", json_object_new_string(FORMAT));
	json_object_object_add(doc, "version", json_object_new_int(VERSION));
	json_object_object_add(doc, "redacted", json_object_new_boolean(flags & DDA_SNAPSHOT_REDACT));
	json_object_object_add(doc, "uses", uses);
	json_object_object_add(doc, "entries", entries);
	/* Host use first, without the capture: its sources (mounts, every
	 * process's open files) stay on the host; its findings travel. */
	{
		_cleanup_(dda_host_freep) struct dda_host *h = NULL;

		r = dda_host_scan(ctx, &h, DDA_SCAN_HOST_USE);
		if (r < 0)
			return r;
		r = add_uses(uses, h);
		if (r < 0)
			return r;
		snprintf(kernel, sizeof(kernel), "%s", h->info.osrelease);
		json_object_object_add(doc, "vfio_pci", json_object_new_string(dda_vfio_state_name(h->info.vfio)));
		/* a user's save holds 64 bytes of config space a function: the
		 * survey of it must say so, as the live one did */
		json_object_object_add(doc, "full_config_access", json_object_new_boolean(h->info.full_config));
	}
	r = dda_capture_start(ctx);
	if (r < 0)
		return r;
	{
		_cleanup_(dda_host_freep) struct dda_host *h = NULL;

		r = dda_host_scan(ctx, &h, 0);
		if (r == 0)
			r = dda_checks_run(h);
	}
	if (r == 0)
		r = dda_capture_paths(ctx, &paths, &n);
	if (r == 0)
		r = dda_ftree_read(ctx, paths, n, keep_attr, &t);
	dda_capture_stop(ctx);
	if (r < 0)
		return r;
	json_object_object_add(doc, "kernel", json_object_new_string(kernel));
	for (size_t i = 0; i < t.n; i++) {
		struct dda_ftree_entry *e = &t.e[i];
		struct json_object *o = json_object_new_object();

		if (!o)
			return -ENOMEM;
		if (flags & DDA_SNAPSHOT_REDACT)
			redact(e);
		json_object_object_add(o, "path", json_object_new_string(e->path));
		switch (e->kind) {
		case DDA_FT_DIR: json_object_object_add(o, "type", json_object_new_string("dir")); break;
		case DDA_FT_LINK:
			json_object_object_add(o, "type", json_object_new_string("link"));
			json_object_object_add(o, "target", json_object_new_string(e->data));
			break;
		case DDA_FT_FILE:
			json_object_object_add(o, "type", json_object_new_string("file"));
			if (is_text(e->data, e->len))
				json_object_object_add(o, "text", json_object_new_string_len(e->data, (int)e->len));
			else
				json_object_object_add(o, "hex", hex_of(e->data, e->len));
			break;
		}
		json_object_array_add(entries, o);
	}
	*ret = TAKE_PTR(doc);
	return 0;
}

static int unhex(const char *s, char **ret, size_t *ret_len)
{
	size_t n = strlen(s);
	_cleanup_free_ char *b = NULL;

	if (n % 2)
		return -EINVAL;
	b = malloc(n / 2 + 1);
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		b[i] = (char)v;
	}
	*ret_len = n / 2;
	*ret = TAKE_PTR(b);
	return 0;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		       json_object_get_string(v) :
		       NULL;
}

static int snapshot_tree(struct json_object *doc, const char *file, struct dda_ftree *t)
{
	struct json_object *entries, *v;

	if (!json_object_is_type(doc, json_type_object) || !get_str(doc, "format") ||
	    strcmp(get_str(doc, "format"), FORMAT))
		return dda_error(-EINVAL, NULL, "'%s' is JSON but no ddactl snapshot (no \"format\": \"" FORMAT "\")",
				 file);
	if (!json_object_object_get_ex(doc, "version", &v) || json_object_get_int(v) != VERSION)
		return dda_error(-EINVAL, NULL, "'%s' is a snapshot of another version than %d: save it again", file,
				 VERSION);
	if (!json_object_object_get_ex(doc, "entries", &entries) || !json_object_is_type(entries, json_type_array))
		return dda_error(-EINVAL, NULL, "'%s' has no \"entries\" array", file);
	for (size_t i = 0; i < json_object_array_length(entries); i++) {
		struct json_object *e = json_object_array_get_idx(entries, i);
		const char *path = get_str(e, "path"), *type = get_str(e, "type"), *s;
		int r;

		if (!path || !type)
			return dda_error(-EINVAL, NULL, "'%s': entry %zu has no path or type", file, i);
		if (!strcmp(type, "dir")) {
			r = dda_ftree_add(t, DDA_FT_DIR, NULL, 0, "%s", path);
		} else if (!strcmp(type, "link") && (s = get_str(e, "target"))) {
			r = dda_ftree_add_str(t, DDA_FT_LINK, s, "%s", path);
		} else if (!strcmp(type, "file") && (s = get_str(e, "text"))) {
			r = dda_ftree_add_str(t, DDA_FT_FILE, s, "%s", path);
		} else if (!strcmp(type, "file") && (s = get_str(e, "hex"))) {
			_cleanup_free_ char *b = NULL;
			size_t len;

			r = unhex(s, &b, &len);
			if (r == 0)
				r = dda_ftree_add(t, DDA_FT_FILE, b, len, "%s", path);
		} else {
			r = -EINVAL;
		}
		if (r < 0)
			return dda_error(r, NULL, "'%s': entry '%s' cannot be read: %s", file, path, strerror(-r));
	}
	return 0;
}

int dda_snapshot_open(struct dda_ctx *ctx, const char *file, const char *text, size_t len,
		      const struct dda_predict_opts *popts, struct dda_snapshot **ret)
{
	_cleanup_(dda_snapshot_freep) struct dda_snapshot *s = calloc(1, sizeof(*s));
	_cleanup_(dda_ftree_release) struct dda_ftree t = { 0 };
	const char *p = text;
	int r;

	if (!s)
		return -ENOMEM;
	while (p < text + len && isspace((unsigned char)*p))
		p++;
	if (p < text + len && *p == '{') {
		enum json_tokener_error jerr;
		struct json_object *uses;

		s->doc = json_tokener_parse_verbose(text, &jerr);
		if (!s->doc)
			return dda_error(-EINVAL, NULL, "'%s' is not valid JSON: %s", file,
					 json_tokener_error_desc(jerr));
		r = snapshot_tree(s->doc, file, &t);
		if (r < 0)
			return r;
		r = dda_ctx_new_private(ctx, DDA_SOURCE_SNAPSHOT, &s->ctx);
		if (r < 0)
			return r;
		if (json_object_object_get_ex(s->doc, "uses", &uses) && json_object_is_type(uses, json_type_array))
			s->uses = uses;
	} else {
		r = dda_lspci_dump_tree(text, len, file, &t, &s->dump);
		if (r < 0)
			return r;
		r = dda_ctx_new_private(ctx, DDA_SOURCE_DUMP, &s->ctx);
		if (r < 0)
			return r;
	}
	r = dda_ftree_write(s->ctx, &t);
	if (r < 0)
		return r;
	/* A dump's groups are predicted from its config space, by the
	 * kernel's rules (pci/predict.c); lspci's own "IOMMU group" lines
	 * are kept to compare with (docs/PREDICT.md). */
	if (s->dump) {
		r = dda_predict_groups(s->ctx, popts, &s->prediction);
		if (r == 0)
			r = dda_predict_materialise(s->ctx, s->prediction);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

static const char *const vfio_names[] = {
	[DDA_VFIO_MISSING] = "missing", [DDA_VFIO_MODULE] = "module",	[DDA_VFIO_LOADED] = "loaded",
	[DDA_VFIO_BUILTIN] = "builtin", [DDA_VFIO_UNKNOWN] = "unknown",
};

int dda_snapshot_mark(const struct dda_snapshot *s, struct dda_host *h)
{
	const char *vfio = s->doc ? get_str(s->doc, "vfio_pci") : NULL;
	struct json_object *full;

	if (s->dump) {
		h->info.drivers_unknown = !s->dump->drivers_known;
		h->info.groups_from = "predicted";
		/* a group that hangs on what the dump does not show says so */
		for (size_t i = 0; s->prediction && i < s->prediction->ndevs; i++) {
			const struct dda_predicted *p = &s->prediction->devs[i];
			struct dda_device *d = p->uncertain ? dda_host_find(h, &p->addr) : NULL;
			char *msg = NULL, *hint = NULL;
			int r;

			if (!d)
				continue;
			if (asprintf(&msg, "the predicted group of '%s' may be wrong: %s", d->name, p->note) < 0 ||
			    asprintf(&hint,
				     "survey that host, or its snapshot (survey --save), for the kernel's own groups") <
				    0) {
				free(msg);
				return -ENOMEM;
			}
			r = dda_device_add_reason(d, "group-uncertain", DDA_SEV_WARN, msg, hint, NULL);
			if (r < 0)
				return r;
		}
	}
	/* vfio-pci's module is found by libkmod in lib/modules, which the
	 * snapshot does not carry: the host's answer does. */
	for (size_t k = 0; vfio && k < ARRAY_SIZE(vfio_names); k++)
		if (!strcmp(vfio, vfio_names[k]))
			h->info.vfio = (enum dda_vfio_state)k;
	if (s->doc && json_object_object_get_ex(s->doc, "full_config_access", &full))
		h->info.full_config = json_object_get_boolean(full);
	if (!s->uses)
		return 0;
	for (size_t i = 0; i < json_object_array_length(s->uses); i++) {
		struct json_object *u = json_object_array_get_idx(s->uses, i), *v;
		const char *addr = get_str(u, "address"), *kind = get_str(u, "kind"), *what = get_str(u, "what");
		struct dda_pciaddr a;
		struct dda_device *d;
		bool critical = json_object_object_get_ex(u, "critical", &v) && json_object_get_boolean(v);

		if (!addr || !kind || !what || dda_pciaddr_parse(addr, &a) < 0 || !(d = dda_host_find(h, &a)))
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(use_kinds); k++)
			if (!strcmp(kind, use_kinds[k])) {
				int r = dda_device_add_use(d, (enum dda_use_kind)k, critical, what);

				if (r < 0)
					return r;
			}
	}
	return 0;
}

void dda_snapshot_free(struct dda_snapshot *s)
{
	if (!s)
		return;
	dda_ctx_free(s->ctx);
	json_object_put(s->doc);
	dda_lspci_dump_free(s->dump);
	dda_prediction_free(s->prediction);
	free(s);
}
