/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "report.h"

struct json_object *dda_json_hex(unsigned v, int width)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%0*x", width, v);
	return json_object_new_string(buf);
}

static struct json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static void add_reason(struct json_object *arr, const char *code, const char *sev, const char *msg, const char *hint)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "severity", json_object_new_string(sev));
	json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "hint", json_object_new_string(hint));
	json_object_array_add(arr, o);
}

struct json_object *dda_report_host(const struct dda_host *h)
{
	const struct dda_hostinfo *i = &h->info;
	struct json_object *o = json_object_new_object(), *iommu, *ir, *units, *reasons;
	char msg[512];

	json_object_object_add(o, "source",
			       json_object_new_string(i->source == DDA_SOURCE_DUMP     ? "lspci-dump" :
						      i->source == DDA_SOURCE_SNAPSHOT ? "snapshot" :
											 "host"));
	json_object_object_add(o, "kernel", str_or_null(i->osrelease));
	iommu = json_object_new_object();
	json_object_object_add(iommu, "enabled",
			       i->source == DDA_SOURCE_DUMP ? NULL : json_object_new_boolean(i->iommu_on));
	json_object_object_add(iommu, "groups_from", json_object_new_string(i->groups_from));
	json_object_object_add(iommu, "groups", json_object_new_int((int)i->ngroups));
	units = json_object_new_array();
	{
		char tmp[sizeof(i->units)], *save = NULL;

		memcpy(tmp, i->units, sizeof(tmp));
		for (char *t = strtok_r(tmp, " ", &save); t; t = strtok_r(NULL, " ", &save))
			json_object_array_add(units, json_object_new_string(t));
	}
	json_object_object_add(iommu, "units", units);
	json_object_object_add(iommu, "kernel_parameters", json_object_new_string(i->cmdline));
	json_object_object_add(iommu, "passthrough", json_object_new_boolean(i->passthrough));
	json_object_object_add(o, "iommu", iommu);
	ir = json_object_new_object();
	json_object_object_add(ir, "enabled", i->intremap < 0 ? NULL : json_object_new_boolean(i->intremap));
	json_object_object_add(ir, "note", str_or_null(i->intremap_note));
	json_object_object_add(o, "interrupt_remapping", ir);
	json_object_object_add(o, "vfio_pci", json_object_new_string(dda_vfio_state_name(i->vfio)));
	json_object_object_add(o, "full_config_access", json_object_new_boolean(i->full_config));
	json_object_object_add(o, "pci_functions", json_object_new_int((int)h->nfunctions));

	reasons = json_object_new_array();
	if (i->source == DDA_SOURCE_DUMP)
		add_reason(reasons, "from-dump", "warn",
			   !strcmp(i->groups_from, "lspci") ?
				   "surveyed from an lspci dump: whether the IOMMU is on, interrupt remapping, the kernel command line and vfio-pci are unknown; the groups are those lspci printed" :
				   "surveyed from an lspci dump: whether the IOMMU is on, interrupt remapping, the kernel command line and vfio-pci are unknown; the groups are predicted from config space as if the IOMMU were on",
			   "on that host, run 'ddactl survey --save FILE' and survey the snapshot instead for the whole answer");
	if (!i->iommu_on && i->source != DDA_SOURCE_DUMP)
		add_reason(reasons, "iommu-off", "block", "no IOMMU is enabled: no device can be isolated for a VM",
			   i->fix ? i->fix : "enable the IOMMU");
	if (i->iommu_on && i->intremap == 0) {
		snprintf(msg, sizeof(msg), "interrupt remapping is off (%s): a VM could forge interrupts",
			 i->intremap_note);
		add_reason(reasons, "no-interrupt-remapping", i->unsafe_interrupts ? "warn" : "block", msg,
			   i->unsafe_interrupts ?
				   "vfio_iommu_type1 allow_unsafe_interrupts=1 lets VFIO go on without it; remove intremap=off to be safe" :
				   "remove intremap=off / amd_iommu_intr=legacy from the kernel command line; VFIO refuses to assign devices without it unless vfio_iommu_type1.allow_unsafe_interrupts=1");
	}
	if (i->iommu_on && i->intremap != 0 && i->intremap_nosid)
		add_reason(reasons, "interrupt-source-unchecked", "warn",
			   "interrupt remapping does not check which device raised an interrupt (intremap=nosid): a VM's device can raise interrupts the host gave to others",
			   "remove intremap=nosid from the kernel command line; it works around firmware with wrong device scopes, which a firmware update may fix");
	if (i->vfio == DDA_VFIO_MISSING) {
		add_reason(reasons, "vfio-missing", "block",
			   "the vfio-pci driver is neither loaded, built in, nor installed",
			   "install the kernel's modules package (vfio-pci ships with every distribution kernel) or build the kernel with CONFIG_VFIO_PCI");
	}
	if (i->iommu_on && !i->passthrough && i->source != DDA_SOURCE_DUMP)
		add_reason(reasons, "iommu-translated", "info",
			   "the IOMMU translates the host's own DMA too (no iommu=pt)",
			   "add iommu=pt to the kernel command line if host I/O got slower with the IOMMU on");
	if (!i->full_config)
		add_reason(reasons, "not-root", "warn",
			   "not running as root: only the first 64 bytes of config space are readable, so capabilities, interrupts and resets are unknown",
			   "run the survey as root (sudo ddactl survey)");
	json_object_object_add(o, "ready",
			       i->source == DDA_SOURCE_DUMP ? NULL : json_object_new_boolean(dda_hostinfo_ready(i)));
	json_object_object_add(o, "reasons", reasons);
	return o;
}

static struct json_object *reset_list(const struct dda_device *d)
{
	static const struct {
		unsigned bit;
		const char *name;
	} map[] = {
		{ DDA_RESET_DEVICE_SPECIFIC, "device_specific" },
		{ DDA_RESET_ACPI, "acpi" },
		{ DDA_RESET_FLR, "flr" },
		{ DDA_RESET_AF_FLR, "af_flr" },
		{ DDA_RESET_PM, "pm" },
		{ DDA_RESET_BUS, "bus" },
		{ DDA_RESET_CXL_BUS, "cxl_bus" },
	};
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (d->resets & map[i].bit)
			json_object_array_add(a, json_object_new_string(map[i].name));
	return a;
}

struct json_object *dda_report_device(const struct dda_device *d)
{
	struct json_object *o = json_object_new_object(), *a, *x;
	uint64_t below, above;

	json_object_object_add(o, "address", json_object_new_string(d->name));
	json_object_object_add(o, "location_path", str_or_null(d->location_path));
	json_object_object_add(o, "vendor_id", dda_json_hex(d->vendor, 4));
	json_object_object_add(o, "device_id", dda_json_hex(d->device, 4));
	json_object_object_add(o, "subsystem_vendor_id", dda_json_hex(d->subvendor, 4));
	json_object_object_add(o, "subsystem_device_id", dda_json_hex(d->subdevice, 4));
	json_object_object_add(o, "class", dda_json_hex(d->class, 6));
	json_object_object_add(o, "name", str_or_null(d->name_str));
	json_object_object_add(o, "driver", str_or_null(d->driver));
	json_object_object_add(o, "iommu_group", d->group_id >= 0 ? json_object_new_int(d->group_id) : NULL);
	a = json_object_new_array();
	if (d->group)
		for (size_t i = 0; i < d->group->nmembers; i++)
			json_object_array_add(a, json_object_new_string(d->group->members[i]->name));
	json_object_object_add(o, "group_members", a);
	json_object_object_add(o, "type", json_object_new_string(dda_devtype_name(d->type)));
	json_object_object_add(o, "parent", d->parent ? json_object_new_string(d->parent->name) : NULL);
	x = json_object_new_object();
	json_object_object_add(x, "intx", json_object_new_boolean(d->intx_pin != 0));
	json_object_object_add(x, "msi", json_object_new_boolean(d->has_msi));
	json_object_object_add(x, "msix", json_object_new_boolean(d->has_msix));
	json_object_object_add(o, "interrupts", x);
	json_object_object_add(o, "reset_methods", reset_list(d));
	a = json_object_new_array();
	for (unsigned i = 0; i < d->nbars; i++) {
		const struct dda_bar *b = &d->bars[i];

		x = json_object_new_object();
		json_object_object_add(x, "index", json_object_new_int(b->index));
		json_object_object_add(x, "size_bytes", json_object_new_int64((int64_t)b->size));
		json_object_object_add(x, "type",
				       json_object_new_string(b->flags & DDA_BAR_IO  ? "io" :
							      b->flags & DDA_BAR_ROM ? "rom" :
										       "memory"));
		json_object_object_add(x, "64bit", json_object_new_boolean(!!(b->flags & DDA_BAR_64)));
		json_object_object_add(x, "prefetchable", json_object_new_boolean(!!(b->flags & DDA_BAR_PREF)));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "bars", a);
	dda_device_mmio(d, &below, &above);
	x = json_object_new_object();
	json_object_object_add(x, "below_4g_bytes", json_object_new_int64((int64_t)below));
	json_object_object_add(x, "above_4g_bytes", json_object_new_int64((int64_t)above));
	json_object_object_add(o, "mmio", x);
	/* Keys are always there (null when they do not apply), so a reader
	 * tells "not a VF" from a field it does not know. */
	json_object_object_add(o, "physfn", d->physfn ? json_object_new_string(d->physfn->name) : NULL);
	json_object_object_add(o, "vf_index", d->physfn ? json_object_new_int(d->vf_index) : NULL);
	x = NULL;
	if (d->has_sriov) {
		x = json_object_new_object();
		json_object_object_add(x, "total_vfs", json_object_new_int(d->sriov_total));
		json_object_object_add(x, "enabled_vfs", json_object_new_int(d->sriov_num));
	}
	json_object_object_add(o, "sriov", x);
	a = json_object_new_array();
	for (size_t i = 0; i < d->nreasons; i++) {
		const struct dda_reason *r = &d->reasons[i];

		x = json_object_new_object();
		json_object_object_add(x, "code", json_object_new_string(r->code));
		json_object_object_add(x, "severity", json_object_new_string(dda_severity_name(r->severity)));
		json_object_object_add(x, "message", json_object_new_string(r->message));
		json_object_object_add(x, "hint", str_or_null(r->hint));
		json_object_object_add(x, "explain", str_or_null(r->explain));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "reasons", a);
	json_object_object_add(o, "verdict", json_object_new_string(dda_device_verdict(d)));
	return o;
}

struct json_object *dda_report_survey(const struct dda_host *h, struct dda_device *const *only, size_t n)
{
	struct json_object *o = json_object_new_object(), *devs = json_object_new_array_ext((int)(n ? n : h->ndevs));

	json_object_object_add(o, "host", dda_report_host(h));
	if (n)
		for (size_t i = 0; i < n; i++)
			json_object_array_add(devs, dda_report_device(only[i]));
	else
		for (size_t i = 0; i < h->ndevs; i++)
			json_object_array_add(devs, dda_report_device(&h->devs[i]));
	json_object_object_add(o, "devices", devs);
	return o;
}

struct json_object *dda_report_error(const struct dda_error_info *e)
{
	struct json_object *o = json_object_new_object(), *err = json_object_new_object();

	json_object_object_add(err, "code", json_object_new_string(e->code[0] ? e->code : "error"));
	json_object_object_add(err, "message", json_object_new_string(e->message));
	json_object_object_add(err, "device", str_or_null(e->device));
	json_object_object_add(err, "hint", str_or_null(e->hint));
	json_object_object_add(o, "error", err);
	return o;
}
