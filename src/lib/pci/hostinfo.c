/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libkmod.h>

#include "hostinfo.h"
#include "hostpath.h"

uint64_t dda_host_ram_mb(struct dda_ctx *ctx)
{
	_cleanup_free_ char *info = NULL;
	unsigned long long kb;
	const char *p;

	if (dda_read_alloc(ctx, &info, NULL, "proc/meminfo") < 0 || !(p = strstr(info, "MemTotal:")) ||
	    sscanf(p + 9, "%llu kB", &kb) != 1)
		return 0;
	return kb / 1024;
}

const char *dda_vfio_state_name(enum dda_vfio_state s)
{
	switch (s) {
	case DDA_VFIO_MODULE: return "module";
	case DDA_VFIO_LOADED: return "loaded";
	case DDA_VFIO_BUILTIN: return "builtin";
	case DDA_VFIO_UNKNOWN: return "unknown";
	default: return "missing";
	}
}

static unsigned count_dir(struct dda_ctx *ctx, const char *rel, char *names, size_t size)
{
	_cleanup_closedir_ DIR *d = dda_opendir(ctx, "%s", rel);
	struct dirent *e;
	unsigned n = 0;
	size_t off = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (names && off + strlen(e->d_name) + 2 < size)
			off += (size_t)snprintf(names + off, size - off, "%s%s", off ? " " : "", e->d_name);
	}
	return n;
}

/* kstrtobool(): y/Y/1/on is true, n/N/0/off false, anything else
 * leaves the value alone, as the kernel ignores it. */
static void kernel_bool(const char *v, bool *ret)
{
	if (v[0] && strchr("yY1", v[0]))
		*ret = true;
	else if (v[0] && strchr("nN0", v[0]))
		*ret = false;
	else if (!strncasecmp(v, "on", 2))
		*ret = true;
	else if (!strncasecmp(v, "of", 2))
		*ret = false;
}

/* intremap= takes a comma list (Intel's setup_irqremap()): "off" turns
 * remapping off; "nosid" keeps it on but stops checking which device
 * raised an interrupt, which undoes the isolation remapping is for while
 * VFIO still sees remapping and goes on; "on" cancels an earlier "off". */
static void read_intremap_param(struct dda_hostinfo *h, const char *tok)
{
	const char *p = tok + 9;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 3 && !strncmp(p, "off", 3)) {
			h->intremap = 0;
			snprintf(h->intremap_note, sizeof(h->intremap_note),
				 "turned off on the kernel command line (%s)", tok);
		} else if (n == 2 && !strncmp(p, "on", 2) && h->intremap == 0) {
			h->intremap = -1;
			h->intremap_note[0] = '\0';
		} else if (n == 5 && !strncmp(p, "nosid", 5)) {
			h->intremap_nosid = true;
		}
		p += n;
		p += strspn(p, ",");
	}
}

static void read_cmdline(struct dda_ctx *ctx, struct dda_hostinfo *h)
{
	_cleanup_free_ char *cmd = NULL;
	static const char *const keys[] = {
		"intel_iommu=",	   "amd_iommu=", "iommu=",    "iommu.passthrough=", "iommu.strict=",	 "intremap=",
		"amd_iommu_intr=", "vfio-pci.",	 "vfio_pci.", "pcie_acs_override=", "vfio_iommu_type1.", "pci=",
	};
	char *tok, *save = NULL;
	size_t off = 0;

	if (dda_read_alloc(ctx, &cmd, NULL, "proc/cmdline") < 0)
		return;
	for (tok = strtok_r(cmd, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			if (strncmp(tok, keys[i], strlen(keys[i])))
				continue;
			if (off + strlen(tok) + 2 < sizeof(h->cmdline))
				off += (size_t)snprintf(h->cmdline + off, sizeof(h->cmdline) - off, "%s%s",
							off ? " " : "", tok);
			/* The kernel applies them in order: the last one wins. */
			if (!strcmp(tok, "iommu=pt"))
				h->passthrough = true;
			else if (!strcmp(tok, "iommu=nopt"))
				h->passthrough = false;
			else if (!strncmp(tok, "iommu.passthrough=", 18))
				kernel_bool(tok + 18, &h->passthrough);
			if (!strncmp(tok, "intremap=", 9))
				read_intremap_param(h, tok);
			if (!strcmp(tok, "amd_iommu_intr=legacy")) {
				h->intremap = 0;
				snprintf(h->intremap_note, sizeof(h->intremap_note),
					 "legacy mode on the kernel command line (%s)", tok);
			}
		}
	}
}

static void read_cpu_vendor(struct dda_ctx *ctx, struct dda_hostinfo *h)
{
	_cleanup_free_ char *info = NULL;
	char *p, *nl;

	if (dda_read_alloc(ctx, &info, NULL, "proc/cpuinfo") < 0)
		return;
	p = strstr(info, "vendor_id");
	if (!p)
		return;
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	if (strstr(p, "GenuineIntel"))
		h->cpu = DDA_CPU_INTEL;
	else if (strstr(p, "AuthenticAMD"))
		h->cpu = DDA_CPU_AMD;
}

/* The kernel names an interrupt chip "IR-..." (IR-IO-APIC, IR-PCI-MSIX)
 * when it remaps interrupts, Intel or AMD alike: the one sign that it is
 * on, not just supported.  Without any such line, Intel's ecap bit 3 tells
 * whether the hardware could. */
static void read_intremap(struct dda_ctx *ctx, struct dda_hostinfo *h)
{
	_cleanup_free_ char *irqs = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int intel = 0, ir = 0;

	if (h->intremap == 0 || !h->iommu_on)
		return;
	if (dda_read_alloc(ctx, &irqs, NULL, "proc/interrupts") == 0 && strstr(irqs, " IR-")) {
		h->intremap = 1;
		snprintf(h->intremap_note, sizeof(h->intremap_note), "interrupts are delivered through IR- chips");
		return;
	}
	d = dda_opendir(ctx, "sys/class/iommu");
	if (!d)
		return;
	while ((e = readdir(d))) {
		char line[64];
		uint64_t ecap;

		if (e->d_name[0] == '.')
			continue;
		/* The file is bare hex ("f00f4a"). */
		if (dda_read_line(ctx, line, sizeof(line), "sys/class/iommu/%s/intel-iommu/ecap", e->d_name) == 0 &&
		    dda_parse_u64(line, 16, &ecap) == 0) {
			intel++;
			if (ecap & (1u << 3))
				ir++;
		}
	}
	if (intel && ir < intel) {
		h->intremap = 0;
		snprintf(h->intremap_note, sizeof(h->intremap_note), "%d of %d DMAR units cannot remap interrupts",
			 intel - ir, intel);
	} else if (intel) {
		snprintf(h->intremap_note, sizeof(h->intremap_note),
			 "supported by every DMAR unit, but no interrupt is remapped now");
	}
}

static void read_vfio(struct dda_ctx *ctx, struct dda_hostinfo *h)
{
	_cleanup_free_ char *moddir = NULL, *c1 = NULL, *c2 = NULL, *c3 = NULL;
	struct kmod_list *list = NULL, *it;
	struct kmod_ctx *kmod;

	if (dda_exists(ctx, "sys/bus/pci/drivers/vfio-pci")) {
		h->vfio = dda_exists(ctx, "sys/module/vfio_pci/initstate") || !dda_exists(ctx, "sys/module/vfio_pci") ?
				  DDA_VFIO_LOADED :
				  DDA_VFIO_BUILTIN;
		return;
	}
	if (!h->osrelease[0])
		return;
	moddir = dda_path(ctx, "lib/modules/%s", h->osrelease);
	c1 = dda_path(ctx, "etc/modprobe.d");
	c2 = dda_path(ctx, "lib/modprobe.d");
	c3 = dda_path(ctx, "run/modprobe.d");
	if (!moddir || !c1 || !c2 || !c3 || access(moddir, F_OK) < 0)
		return;
	{
		const char *cfg[] = { c1, c2, c3, NULL };

		kmod = kmod_new(moddir, cfg);
	}
	if (!kmod)
		return;
	kmod_set_log_priority(kmod, 0);
	if (kmod_module_new_from_lookup(kmod, "vfio-pci", &list) == 0) {
		kmod_list_foreach(it, list)
		{
			struct kmod_module *m = kmod_module_get_module(it);

			h->vfio = kmod_module_get_path(m) ? DDA_VFIO_MODULE : DDA_VFIO_BUILTIN;
			kmod_module_unref(m);
			break;
		}
		kmod_module_unref_list(list);
	}
	kmod_unref(kmod);
}

static char *make_fix(const struct dda_hostinfo *h)
{
	const char *fw, *param;
	char *out = NULL;

	switch (h->cpu) {
	case DDA_CPU_AMD:
		fw = "turn on AMD-Vi (IOMMU) and SVM in the firmware setup";
		param = "amd_iommu=on iommu=pt";
		break;
	case DDA_CPU_INTEL:
		fw = "turn on VT-d in the firmware setup";
		param = "intel_iommu=on iommu=pt";
		break;
	default:
		fw = "turn on VT-d (Intel) or AMD-Vi (AMD) in the firmware setup";
		param = "intel_iommu=on (Intel) or amd_iommu=on (AMD), and iommu=pt";
		break;
	}
	if (asprintf(&out,
		     "%s; add %s to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, "
		     "then update-grub) and reboot; iommu=pt keeps host devices fast by identity-mapping them",
		     fw, param) < 0)
		return NULL;
	return out;
}

int dda_hostinfo_read(struct dda_ctx *ctx, struct dda_hostinfo *ret)
{
	struct dda_hostinfo h = { .intremap = -1 };

	if (dda_read_line(ctx, h.osrelease, sizeof(h.osrelease), "proc/sys/kernel/osrelease") < 0)
		h.osrelease[0] = '\0';
	read_cpu_vendor(ctx, &h);
	read_cmdline(ctx, &h);
	h.ngroups = count_dir(ctx, "sys/kernel/iommu_groups", NULL, 0);
	h.nunits = count_dir(ctx, "sys/class/iommu", h.units, sizeof(h.units));
	h.iommu_on = h.ngroups > 0;
	read_intremap(ctx, &h);
	{
		char v[8];

		if (dda_read_line(ctx, v, sizeof(v),
				  "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts") == 0)
			h.unsafe_interrupts = v[0] == 'Y' || v[0] == '1';
	}
	read_vfio(ctx, &h);
	h.source = ctx->source;
	h.groups_from = "kernel";
	if (h.source == DDA_SOURCE_DUMP) {
		/* A dump has config space and lspci's text, nothing of the
		 * kernel's settings: unknown, not what the tree lacks. */
		h.intremap = -1;
		snprintf(h.intremap_note, sizeof(h.intremap_note), "an lspci dump does not tell");
		h.vfio = DDA_VFIO_UNKNOWN;
		h.groups_from = "predicted";
	}
	if (!h.iommu_on && h.source != DDA_SOURCE_DUMP) {
		h.fix = make_fix(&h);
		if (!h.fix)
			return -ENOMEM;
	}
	*ret = h;
	return 0;
}

void dda_hostinfo_release(struct dda_hostinfo *h)
{
	free(h->fix);
	h->fix = NULL;
}

bool dda_hostinfo_ready(const struct dda_hostinfo *i)
{
	return i->source != DDA_SOURCE_DUMP && i->iommu_on && !(i->intremap == 0 && !i->unsafe_interrupts) &&
	       i->vfio != DDA_VFIO_MISSING;
}
