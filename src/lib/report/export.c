/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pool in the schedulers' own formats: KubeVirt's permittedHostDevices,
 * Nova's [pci] device_spec and alias, and the SR-IOV network device
 * plugin's resourceList.  ddactl prepares and guards the node; the engine
 * schedules (docs/CLUSTER.md).  Each engine sees less than ddactl does, so
 * every export comes with warnings about what it cannot tell.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

static const char *const engine_names[] = {
	[DDA_EXPORT_KUBEVIRT] = "kubevirt",
	[DDA_EXPORT_NOVA] = "nova",
	[DDA_EXPORT_SRIOV_DP] = "sriov-dp",
};

int dda_export_engine_from_string(const char *s)
{
	int i = dda_text_index(engine_names, ARRAY_SIZE(engine_names), s);

	return i < 0 ? -EINVAL : i;
}

const char *dda_export_engine_name(enum dda_export_engine e)
{
	return (size_t)e < ARRAY_SIZE(engine_names) ? engine_names[e] : NULL;
}

struct exporter {
	const struct dda_pool_view *pv;
	enum dda_export_engine engine;
	const char *pool;   /* only this named pool, or NULL */
	const char *prefix; /* resource domain */
	struct json_object *warnings;
	/* The rows that go to the engine: pooled, present, on vfio-pci, free. */
	const struct dda_pool_row **out;
	size_t nout;
};

static int warn(struct exporter *x, const char *code, const char *device, const char *fmt, ...) _printf_(4, 5);
static int warn(struct exporter *x, const char *code, const char *device, const char *fmt, ...)
{
	struct json_object *w = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!w)
		return -ENOMEM;
	json_object_object_add(w, "code", json_object_new_string(code));
	json_object_object_add(w, "device", device ? json_object_new_string(device) : NULL);
	json_object_object_add(w, "message", json_object_new_string(msg));
	json_object_array_add(x->warnings, w);
	return 0;
}

static bool in_named(const struct dda_pool_named *p, const char *address)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->members[i], address))
			return true;
	return false;
}

/* The first named pool (in name order) that holds address, or NULL. */
static const char *named_of(const struct dda_pool_view *pv, const char *address)
{
	for (size_t i = 0; i < pv->nnamed; i++)
		if (in_named(&pv->named[i], address))
			return pv->named[i].name;
	return NULL;
}

static const struct dda_pool_named *find_named(const struct dda_pool_view *pv, const char *name)
{
	for (size_t i = 0; i < pv->nnamed; i++)
		if (!strcmp(pv->named[i].name, name))
			return &pv->named[i];
	return NULL;
}

/* Why a pool row does not go to the engine, or NULL when it does. */
static const char *left_out(const struct dda_pool_row *r, char *buf, size_t size)
{
	if (!r->dev)
		return "is recorded in the pool but not on the host now";
	if (dda_pool_entry_quarantined(r->e))
		return "is quarantined (it did not answer after a reset): 'ddactl pool release' it first";
	if (r->e->state != DDA_POOL_POOLED) {
		dda_textf(buf, size, "is %s, not pooled: 'ddactl pool' says why", dda_pool_state_to_string(r->e->state));
		return buf;
	}
	if (strcmp(r->dev->driver, "vfio-pci")) {
		dda_textf(buf, size, "is on %s, not vfio-pci: 'ddactl pool restore' claims it back",
			  r->dev->driver[0] ? r->dev->driver : "no driver");
		return buf;
	}
	if (r->vm[0]) {
		dda_textf(buf, size, "is held by ddactl VM '%s'", r->vm);
		return buf;
	}
	if (r->owner[0]) {
		dda_textf(buf, size, "is held by %s", r->owner);
		return buf;
	}
	return NULL;
}

static int select_rows(struct exporter *x)
{
	const struct dda_pool_view *pv = x->pv;
	const struct dda_pool_named *only = NULL;
	char buf[160];
	int r;

	if (x->pool) {
		only = find_named(pv, x->pool);
		if (!only)
			return dda_error_input(-ENOENT, "not-found", x->pool,
					       "there is no named pool '%s' (see 'ddactl pool'; create one with 'ddactl pool create %s')",
					       x->pool, x->pool);
	}
	x->out = pv->n ? calloc(pv->n, sizeof(*x->out)) : NULL;
	if (pv->n && !x->out)
		return -ENOMEM;
	for (size_t i = 0; i < pv->n; i++) {
		const struct dda_pool_row *row = &pv->rows[i];
		const char *why;

		if (only && !in_named(only, row->e->address))
			continue;
		why = left_out(row, buf, sizeof(buf));
		if (why) {
			r = warn(x, "left-out", row->e->address, "'%s' %s, so it is not exported", row->e->address, why);
			if (r < 0)
				return r;
			continue;
		}
		x->out[x->nout++] = row;
	}
	if (!x->nout)
		return warn(x, "empty", x->pool,
			    "nothing to export: %s has no free device on vfio-pci (add some with 'ddactl dismount DEVICE'%s)",
			    x->pool ? x->pool : "the pool", x->pool ? " and 'ddactl pool add'" : "");
	return 0;
}

/* A group goes to one VM; the engines hand out functions one by one. */
static int warn_shared_groups(struct exporter *x)
{
	for (size_t i = 0; i < x->nout; i++) {
		const struct dda_device *d = x->out[i]->dev;
		size_t others = 0;
		int r;

		for (size_t j = 0; j < x->nout; j++)
			others += j != i && x->out[j]->dev->group_id == d->group_id;
		if (!others || d->group_id < 0)
			continue;
		r = warn(x, "group-shared", d->name,
			 "'%s' shares IOMMU group %d with %zu other exported function%s: %s may give them to different VMs, and "
			 "then the second VM fails to open the group; give the group to one VM (request all its functions together)",
			 d->name, d->group_id, others, others == 1 ? "" : "s", dda_export_engine_name(x->engine));
		if (r < 0)
			return r;
	}
	return 0;
}

/* The name an engine's resource or alias gets: the named pool of the
 * device, or its ids. */
static void resource_name(const struct exporter *x, const struct dda_device *d, char *buf, size_t size)
{
	const char *p = x->pool ? x->pool : named_of(x->pv, d->name);

	if (p)
		dda_textf(buf, size, "%s", p);
	else
		dda_textf(buf, size, "%04x_%04x", d->vendor, d->device);
}

/* Does another exported device share d's ids under another resource name?
 * Its name goes into other. */
static bool ids_elsewhere(const struct exporter *x, const struct dda_device *d, const char *name, char *other,
			  size_t size)
{
	for (size_t j = 0; j < x->nout; j++) {
		const struct dda_device *e = x->out[j]->dev;

		if (e->vendor != d->vendor || e->device != d->device)
			continue;
		resource_name(x, e, other, size);
		if (strcmp(other, name))
			return true;
	}
	return false;
}

static struct json_object *str_array1(const char *s)
{
	struct json_object *a = json_object_new_array();

	if (a)
		json_object_array_add(a, json_object_new_string(s));
	return a;
}

static bool array_has(struct json_object *a, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s))
			return true;
	return false;
}

static void array_add_unique(struct json_object *a, const char *s)
{
	if (!array_has(a, s))
		json_object_array_add(a, json_object_new_string(s));
}

/* Other vfio-pci functions a vendor:device selector reaches on this host,
 * and why each is not exported. */
static int warn_also_served(struct exporter *x, const struct dda_device *d, const char *res)
{
	char buf[160];

	for (size_t k = 0; x->pv->h && k < x->pv->h->ndevs; k++) {
		const struct dda_device *o = &x->pv->h->devs[k];
		const struct dda_pool_row *row = NULL;
		const char *why;
		bool exported = false;
		int r;

		if (o->vendor != d->vendor || o->device != d->device || strcmp(o->driver, "vfio-pci"))
			continue;
		for (size_t j = 0; j < x->nout; j++)
			exported |= x->out[j]->dev == o;
		if (exported)
			continue;
		for (size_t j = 0; j < x->pv->n && !row; j++)
			if (x->pv->rows[j].dev == o)
				row = &x->pv->rows[j];
		if (!row)
			why = "is not in ddactl's pool";
		else if (!(why = left_out(row, buf, sizeof(buf))))
			why = "is not in this named pool";
		r = warn(x, "also-served", o->name,
			 "'%s' is on vfio-pci with the same ids (%04x:%04x) but %s: KubeVirt will hand it out as %s too",
			 o->name, o->vendor, o->device, why, res);
		if (r < 0)
			return r;
	}
	return 0;
}

/* KubeVirt's device plugin serves every vfio-pci function whose vendor:device
 * matches a selector, whatever else holds it: one entry per id pair. */
static int kubevirt(struct exporter *x, struct json_object *doc)
{
	struct json_object *list = json_object_new_array(), *spec = json_object_new_object(),
			   *conf = json_object_new_object(), *permitted = json_object_new_object();
	char sel[10], name[DDA_NPOOL_NAME_LEN], other[DDA_NPOOL_NAME_LEN], res[256];
	int r;

	if (!list || !spec || !conf || !permitted) {
		json_object_put(list);
		json_object_put(spec);
		json_object_put(conf);
		json_object_put(permitted);
		return -ENOMEM;
	}
	json_object_object_add(permitted, "pciHostDevices", list);
	json_object_object_add(conf, "permittedHostDevices", permitted);
	json_object_object_add(spec, "configuration", conf);
	json_object_object_add(doc, "spec", spec);

	for (size_t i = 0; i < x->nout; i++) {
		const struct dda_device *d = x->out[i]->dev;
		bool first = true;

		dda_textf(sel, sizeof(sel), "%04x:%04x", d->vendor, d->device);
		for (size_t j = 0; j < i; j++)
			first &= x->out[j]->dev->vendor != d->vendor || x->out[j]->dev->device != d->device;
		if (!first)
			continue;
		resource_name(x, d, name, sizeof(name));
		if (ids_elsewhere(x, d, name, other, sizeof(other))) {
			char name_was[DDA_NPOOL_NAME_LEN];

			dda_textf(name_was, sizeof(name_was), "%s", name);
			/* Two selectors for one id pair would make both
			 * resources count the same functions. */
			dda_textf(name, sizeof(name), "%04x_%04x", d->vendor, d->device);
			r = warn(x, "shared-ids", d->name,
				 "%s is exported under two names, '%s' and '%s': KubeVirt matches vendor:device only and "
				 "treats them as one resource, %s/%s",
				 sel, other, name_was, x->prefix, name);
			if (r < 0)
				return r;
		}
		dda_textf(res, sizeof(res), "%s/%s", x->prefix, name);
		struct json_object *e = json_object_new_object();
		if (!e)
			return -ENOMEM;
		json_object_object_add(e, "pciVendorSelector", json_object_new_string(sel));
		json_object_object_add(e, "resourceName", json_object_new_string(res));
		json_object_object_add(e, "externalResourceProvider", json_object_new_boolean(false));
		json_object_array_add(list, e);

		r = warn_also_served(x, d, res);
		if (r < 0)
			return r;
	}
	return 0;
}

static const char *nova_type(const struct dda_device *d)
{
	if (d->vf_index >= 0)
		return "type-VF";
	return d->has_sriov ? "type-PF" : "type-PCI";
}

/* Nova: a device_spec pinned to each address, an alias per name. */
static int nova(struct exporter *x, struct json_object *doc)
{
	struct json_object *specs = json_object_new_array(), *aliases = json_object_new_array();
	char v[5], p[5], name[DDA_NPOOL_NAME_LEN], other[DDA_NPOOL_NAME_LEN];
	int r;

	if (!specs || !aliases) {
		json_object_put(specs);
		json_object_put(aliases);
		return -ENOMEM;
	}
	json_object_object_add(doc, "device_spec", specs);
	json_object_object_add(doc, "alias", aliases);
	for (size_t i = 0; i < x->nout; i++) {
		const struct dda_device *d = x->out[i]->dev;
		struct json_object *s = json_object_new_object();
		bool seen = false;

		if (!s)
			return -ENOMEM;
		dda_textf(v, sizeof(v), "%04x", d->vendor);
		dda_textf(p, sizeof(p), "%04x", d->device);
		json_object_object_add(s, "vendor_id", json_object_new_string(v));
		json_object_object_add(s, "product_id", json_object_new_string(p));
		json_object_object_add(s, "address", json_object_new_string(d->name));
		json_object_array_add(specs, s);

		resource_name(x, d, name, sizeof(name));
		for (size_t j = 0; j < json_object_array_length(aliases); j++) {
			struct json_object *a = json_object_array_get_idx(aliases, j);

			seen |= !strcmp(json_object_get_string(json_object_object_get(a, "name")), name) &&
				!strcmp(json_object_get_string(json_object_object_get(a, "product_id")), p) &&
				!strcmp(json_object_get_string(json_object_object_get(a, "vendor_id")), v);
		}
		if (seen)
			continue;
		if (ids_elsewhere(x, d, name, other, sizeof(other))) {
			r = warn(x, "shared-ids", d->name,
				 "%s:%s is exported under two names, '%s' and '%s': a Nova alias matches vendor and product "
				 "only, so either alias can take the other's devices",
				 v, p, name, other);
			if (r < 0)
				return r;
		}
		struct json_object *a = json_object_new_object();
		if (!a)
			return -ENOMEM;
		json_object_object_add(a, "name", json_object_new_string(name));
		json_object_object_add(a, "vendor_id", json_object_new_string(v));
		json_object_object_add(a, "product_id", json_object_new_string(p));
		json_object_object_add(a, "device_type", json_object_new_string(nova_type(d)));
		json_object_array_add(aliases, a);
	}
	return 0;
}

/* The SR-IOV device plugin's resource names allow letters, digits and _. */
static void dp_name(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			*s = '_';
}

/* The SR-IOV network device plugin: VFs only, each resource pinned to its
 * addresses and to vfio-pci, named by its named pool or its PF. */
static int sriov_dp(struct exporter *x, struct json_object *doc)
{
	struct json_object *list = json_object_new_array();
	char name[DDA_NPOOL_NAME_LEN + 8], hex[5];
	int r;

	if (!list)
		return -ENOMEM;
	json_object_object_add(doc, "resourceList", list);
	for (size_t i = 0; i < x->nout; i++) {
		const struct dda_device *d = x->out[i]->dev;
		const char *p = x->pool ? x->pool : named_of(x->pv, d->name);
		struct json_object *res = NULL, *sel;

		if (d->vf_index < 0) {
			r = warn(x, "not-a-vf", d->name,
				 "'%s' is not a VF: the SR-IOV network device plugin serves VFs; export it for kubevirt or nova",
				 d->name);
			if (r < 0)
				return r;
			continue;
		}
		if (p) {
			dda_textf(name, sizeof(name), "%s", p);
		} else {
			char pf[DDA_PCIADDR_LEN];

			dda_pciaddr_format(&d->pf_addr, pf);
			dda_textf(name, sizeof(name), "vfs_%s", pf);
		}
		dp_name(name);
		for (size_t j = 0; j < json_object_array_length(list) && !res; j++) {
			struct json_object *e = json_object_array_get_idx(list, j);

			if (!strcmp(json_object_get_string(json_object_object_get(e, "resourceName")), name))
				res = e;
		}
		if (!res) {
			res = json_object_new_object();
			sel = json_object_new_object();
			if (!res || !sel) {
				json_object_put(res);
				json_object_put(sel);
				return -ENOMEM;
			}
			json_object_object_add(res, "resourceName", json_object_new_string(name));
			json_object_object_add(res, "resourcePrefix", json_object_new_string(x->prefix));
			json_object_object_add(res, "deviceType", json_object_new_string("netDevice"));
			json_object_object_add(sel, "vendors", json_object_new_array());
			json_object_object_add(sel, "devices", json_object_new_array());
			json_object_object_add(sel, "drivers", str_array1("vfio-pci"));
			json_object_object_add(sel, "pciAddresses", json_object_new_array());
			json_object_object_add(res, "selectors", json_object_new_array());
			json_object_array_add(json_object_object_get(res, "selectors"), sel);
			json_object_array_add(list, res);
		}
		sel = json_object_array_get_idx(json_object_object_get(res, "selectors"), 0);
		dda_textf(hex, sizeof(hex), "%04x", d->vendor);
		array_add_unique(json_object_object_get(sel, "vendors"), hex);
		dda_textf(hex, sizeof(hex), "%04x", d->device);
		array_add_unique(json_object_object_get(sel, "devices"), hex);
		array_add_unique(json_object_object_get(sel, "pciAddresses"), d->name);
	}
	return 0;
}

/* A DNS subdomain, as Kubernetes wants an extended resource's prefix. */
static bool prefix_valid(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 253 || p[0] == '-' || p[0] == '.' || p[n - 1] == '-' || p[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '.'))
			return false;
	return true;
}

int dda_export_build(const struct dda_pool_view *pv, enum dda_export_engine engine, const char *pool,
		     const char *prefix, struct dda_export *ret)
{
	static int (*const build[])(struct exporter *, struct json_object *) = {
		[DDA_EXPORT_KUBEVIRT] = kubevirt,
		[DDA_EXPORT_NOVA] = nova,
		[DDA_EXPORT_SRIOV_DP] = sriov_dp,
	};
	struct exporter x = {
		.pv = pv,
		.engine = engine,
		.pool = pool,
		.prefix = prefix,
		.warnings = json_object_new_array(),
	};
	struct json_object *doc = NULL;
	int r;

	if (!prefix_valid(prefix)) {
		json_object_put(x.warnings);
		return dda_error_input(-EINVAL, "bad-prefix", NULL,
				       "'%s' is not a resource prefix: lower-case letters, digits, '-' and '.', like example.com",
				       prefix);
	}
	doc = json_object_new_object();
	if (!x.warnings || !doc) {
		r = -ENOMEM;
		goto fail;
	}
	r = select_rows(&x);
	if (r >= 0)
		r = build[engine](&x, doc);
	if (r >= 0)
		r = warn_shared_groups(&x);
	if (r < 0)
		goto fail;
	free(x.out);
	ret->doc = doc;
	ret->warnings = x.warnings;
	return 0;
fail:
	free(x.out);
	json_object_put(doc);
	json_object_put(x.warnings);
	return r;
}

void dda_export_release(struct dda_export *x)
{
	json_object_put(x->doc);
	json_object_put(x->warnings);
	*x = (struct dda_export){ 0 };
}

struct json_object *dda_report_export(const struct dda_export *x, enum dda_export_engine engine)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "engine", json_object_new_string(dda_export_engine_name(engine)));
	json_object_object_add(o, "document", json_object_get(x->doc));
	json_object_object_add(o, "warnings", json_object_get(x->warnings));
	return o;
}
