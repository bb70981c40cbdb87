/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* A label value in the text format: backslash, double quote and newline
 * are the three characters it escapes. */
static void label(FILE *f, const char *name, const char *value, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void host_ready(FILE *f, const struct dda_hostinfo *i)
{
	family(f, "ddactl_host_ready",
	       "1 when the host can give a VM a device: the IOMMU is on, interrupts are remapped and vfio-pci is there.");
	fprintf(f, "ddactl_host_ready %d\n", dda_hostinfo_ready(i));
	family(f, "ddactl_host_check", "Each readiness check of the host, 1 when it passes.");
	fprintf(f, "ddactl_host_check{check=\"iommu\"} %d\n", i->iommu_on);
	/* -1: the kernel does not say; a gauge has no "unknown", so no sample */
	if (i->intremap >= 0)
		fprintf(f, "ddactl_host_check{check=\"interrupt_remapping\"} %d\n", i->intremap);
	fprintf(f, "ddactl_host_check{check=\"vfio_pci\"} %d\n", i->vfio != DDA_VFIO_MISSING);
}

/* A pool record's state as `ddactl pool` shows it; vm holds it, or "". */
static const char *row_state(const struct dda_pool_entry *e, const char *vm)
{
	if (dda_pool_entry_quarantined(e))
		return "quarantined";
	if (e->state != DDA_POOL_POOLED)
		return "interrupted";
	return vm[0] ? "assigned" : "pooled";
}

static void pool_device(FILE *f, const char *address, const char *location_path, const char *state, const char *vm)
{
	fputs("ddactl_pool_device{", f);
	label(f, "address", address, true);
	label(f, "location_path", location_path, false);
	label(f, "state", state, false);
	label(f, "vm", vm, false);
	fputs("} 1\n", f);
}

static int pool(FILE *f, struct dda_state *s, const struct dda_host *h)
{
	static const char *const states[] = { "pooled", "assigned", "quarantined", "interrupted", "unrecorded" };
	_cleanup_free_ struct dda_pool_entry *v = NULL;
	/* who holds each: a VM's name, or libvirt:DOMAIN (one owner, two worlds) */
	_cleanup_free_ char(*vm)[DDA_LIBVIRT_NAME_MAX + 16] = NULL;
	size_t count[ARRAY_SIZE(states)] = { 0 }, n = 0;
	int r;

	if (s) {
		r = dda_pool_list(s, &v, &n);
		if (r < 0)
			return r;
	}
	vm = calloc(n + 1, sizeof(*vm));
	if (!vm)
		return dda_error(-ENOMEM, NULL, "cannot build the metrics: out of memory");
	for (size_t i = 0; i < n; i++) {
		struct dda_owner o;

		if (dda_owner_find(s, v[i].address, &o) == 0)
			(void)dda_owner_label(&o, vm[i], sizeof(vm[i]));
		else
			dda_error_clear();
		for (size_t k = 0; k < ARRAY_SIZE(states); k++)
			count[k] += !strcmp(row_state(&v[i], vm[i]), states[k]);
	}
	for (size_t i = 0; i < h->ndevs; i++)
		count[ARRAY_SIZE(states) - 1] += h->devs[i].pool_mark == DDA_POOL_UNRECORDED;
	family(f, "ddactl_pool_devices",
	       "Devices in the pool by state; unrecorded: on vfio-pci or pci-stub with no record of the pool.");
	for (size_t k = 0; k < ARRAY_SIZE(states); k++) {
		fputs("ddactl_pool_devices{", f);
		label(f, "state", states[k], true);
		fprintf(f, "} %zu\n", count[k]);
	}
	family(f, "ddactl_pool_device", "Each device of the pool (value 1), where it sits and who holds it.");
	for (size_t i = 0; i < n; i++)
		pool_device(f, v[i].address, v[i].location_path, row_state(&v[i], vm[i]), vm[i]);
	for (size_t i = 0; i < h->ndevs; i++)
		if (h->devs[i].pool_mark == DDA_POOL_UNRECORDED)
			pool_device(f, h->devs[i].name, h->devs[i].location_path, "unrecorded", "");
	return 0;
}

static int named_pools(FILE *f, struct dda_state *s)
{
	_cleanup_free_ char(*names)[DDA_NPOOL_NAME_LEN] = NULL;
	size_t n = 0;
	int r;

	r = dda_npool_list(s, &names, &n);
	if (r < 0)
		return r;
	family(f, "ddactl_named_pool_devices", "Devices in each named pool.");
	family(f, "ddactl_named_pool_member", "Each device of a named pool (value 1).");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char(*members)[DDA_PCIADDR_LEN] = NULL;
		size_t k = 0;

		r = dda_npool_members(s, names[i], &members, &k);
		if (r < 0)
			return r;
		fputs("ddactl_named_pool_devices{", f);
		label(f, "pool", names[i], true);
		fprintf(f, "} %zu\n", k);
		for (size_t j = 0; j < k; j++) {
			fputs("ddactl_named_pool_member{", f);
			label(f, "pool", names[i], true);
			label(f, "address", members[j], false);
			fputs("} 1\n", f);
		}
	}
	return 0;
}

static int vms(FILE *f, struct dda_state *s)
{
	_cleanup_free_ struct dda_vm *v = NULL;
	size_t n = 0, running = 0;
	int r;

	if (s) {
		r = dda_vm_list(s, &v, &n);
		if (r < 0)
			return r;
	}
	family(f, "ddactl_vm_running", "Each VM ddactl defines, 1 while its QEMU runs.");
	for (size_t i = 0; i < n; i++) {
		bool on = dda_vm_pid(dda_state_ctx(s), v[i].name) > 0;

		running += on;
		fputs("ddactl_vm_running{", f);
		label(f, "vm", v[i].name, true);
		fprintf(f, "} %d\n", on);
	}
	family(f, "ddactl_vms", "VMs ddactl defines, by state.");
	fprintf(f, "ddactl_vms{state=\"running\"} %zu\nddactl_vms{state=\"stopped\"} %zu\n", running, n - running);
	family(f, "ddactl_vm_devices", "Devices assigned to each VM, group companions included.");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ struct dda_vm_device *devs = NULL;
		size_t k = 0;

		r = dda_vm_devices(s, v[i].name, &devs, &k);
		if (r < 0)
			return r;
		fputs("ddactl_vm_devices{", f);
		label(f, "vm", v[i].name, true);
		fprintf(f, "} %zu\n", k);
	}
	return 0;
}

static int vfs(FILE *f, struct dda_state *s, const struct dda_host *h)
{
	_cleanup_free_ struct dda_sriov_config *c = NULL;
	size_t nc = 0;
	int r;

	if (s) {
		r = dda_sriov_config_list(s, &c, &nc);
		if (r < 0)
			return r;
	}
	family(f, "ddactl_sriov_vfs", "VFs enabled on each SR-IOV PF now (sriov_numvfs).");
	family(f, "ddactl_sriov_vfs_max", "VFs each SR-IOV PF can have (sriov_totalvfs).");
	family(f, "ddactl_sriov_vfs_kept", "VFs ddactl keeps on each PF across reboots.");
	for (size_t i = 0; i < h->ndevs; i++) {
		const struct dda_device *d = &h->devs[i];
		const struct dda_sriov_config *kept = NULL;

		if (d->sriov_total < 0)
			continue;
		for (size_t k = 0; k < nc && !kept; k++)
			if (dda_sriov_config_matches(&c[k], d))
				kept = &c[k];
		fputs("ddactl_sriov_vfs{", f);
		label(f, "pf", d->name, true);
		label(f, "location_path", d->location_path, false);
		fprintf(f, "} %d\n", d->sriov_num);
		fputs("ddactl_sriov_vfs_max{", f);
		label(f, "pf", d->name, true);
		label(f, "location_path", d->location_path, false);
		fprintf(f, "} %d\n", d->sriov_total);
		if (!kept)
			continue;
		fputs("ddactl_sriov_vfs_kept{", f);
		label(f, "pf", d->name, true);
		label(f, "location_path", d->location_path, false);
		fprintf(f, "} %d\n", kept->count);
	}
	return 0;
}

static int changes(FILE *f, struct dda_state *s)
{
	int64_t ok, failed;
	int r = dda_audit_last_times(s, &ok, &failed);

	if (r < 0)
		return r;
	/* No sample until there is a time: 0 would read as 1970. */
	family(f, "ddactl_last_change_timestamp_seconds", "When the last change ddactl made to the host ended well.");
	if (ok)
		fprintf(f, "ddactl_last_change_timestamp_seconds %lld\n", (long long)ok);
	family(f, "ddactl_last_failed_change_timestamp_seconds",
	       "When the last change ddactl tried on the host failed, was rolled back or was interrupted.");
	if (failed)
		fprintf(f, "ddactl_last_failed_change_timestamp_seconds %lld\n", (long long)failed);
	return 0;
}

int dda_metrics_text(struct dda_state *s, const struct dda_host *h, char **ret)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	*ret = NULL;
	f = open_memstream(&text, &len);
	if (!f)
		return dda_error(-errno, NULL, "cannot build the metrics: %m");
	host_ready(f, &h->info);
	r = pool(f, s, h);
	if (r == 0)
		r = named_pools(f, s);
	if (r == 0)
		r = vms(f, s);
	if (r == 0)
		r = vfs(f, s, h);
	if (r == 0)
		r = changes(f, s);
	if (fclose(f) != 0 && r == 0)
		r = dda_error(-ENOMEM, NULL, "cannot build the metrics: out of memory");
	if (r < 0)
		return r;
	*ret = TAKE_PTR(text);
	return 0;
}
