/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "bits.h"
#include "checks.h"
#include "pcicfg.h"
#include "hostpath.h"

#define PAGE 4096u

/* The isolation the kernel requires on the path to the IOMMU
 * (REQ_ACS_FLAGS in drivers/iommu/iommu.c). */
#define REQ_ACS (PCI_ACS_CTRL_VALID | PCI_ACS_CTRL_REQ_RED | PCI_ACS_CTRL_CMPLT_RED | PCI_ACS_CTRL_FORWARD)

_printf_(1, 2) static char *fmt(const char *f, ...)
{
	char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, f);
	r = vasprintf(&s, f, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

#define ADD(d, code, sev, msg, hint, explain)                                     \
	do {                                                                      \
		int _r = dda_device_add_reason(d, code, sev, msg, hint, explain); \
		if (_r < 0)                                                       \
			return _r;                                                \
	} while (0)

void dda_device_mmio(const struct dda_device *d, uint64_t *ret_below, uint64_t *ret_above)
{
	uint64_t below = 0, above = 0;

	for (unsigned i = 0; i < d->nbars; i++) {
		const struct dda_bar *b = &d->bars[i];

		if (b->flags & DDA_BAR_IO)
			continue;
		if ((b->flags & DDA_BAR_64) && (b->flags & DDA_BAR_PREF))
			above += dda_pow2_up(b->size);
		else
			below += dda_pow2_up(b->size);
	}
	*ret_below = below;
	*ret_above = above;
}

const char *dda_checks_acs_missing(const struct dda_device *d, char *buf, size_t size)
{
	/* Functions of a multifunction endpoint only need to redirect peer
	 * requests and completions: SV and UF are port features. */
	uint16_t need = dda_device_is_bridge(d) ? REQ_ACS : (PCI_ACS_CTRL_REQ_RED | PCI_ACS_CTRL_CMPLT_RED);

	return dda_acs_names(d->has_acs ? (uint16_t)(need & ~d->acs_ctrl) : need, buf, size);
}

/* How the bridge that starts a conventional bus is called in messages. */
static const char *conventional_bridge_kind(const struct dda_device *br)
{
	return br->type == DDA_TYPE_PCIE_TO_PCI ? "PCIe-to-PCI bridge" : "PCI bridge";
}

static bool behind_conventional(const struct dda_device *d, const struct dda_device **ret_bridge)
{
	for (const struct dda_device *p = d->parent; p; p = p->parent)
		if (p->type == DDA_TYPE_PCIE_TO_PCI || (p->type == DDA_TYPE_BRIDGE && !p->has_pcie)) {
			if (ret_bridge)
				*ret_bridge = p;
			return true;
		}
	return false;
}

static bool is_multifunction(const struct dda_host *h, const struct dda_device *d)
{
	size_t i = (size_t)(d - h->devs);

	if (d->multifunction)
		return true;
	/* Function 0 carries the bit; its siblings are neighbours in address order. */
	for (size_t j = i ? i - 1 : 0; j < h->ndevs && j <= i + 1; j++)
		if (j != i && h->devs[j].addr.domain == d->addr.domain && h->devs[j].addr.bus == d->addr.bus &&
		    h->devs[j].addr.dev == d->addr.dev)
			return true;
	return false;
}

/* Why the kernel put d's group together: the path to the root complex is
 * walked the way pci_device_group() does, naming each hop that does not
 * isolate. */
static char *explain_group(const struct dda_host *h, const struct dda_device *d)
{
	char out[768] = "", miss[32];
	const struct dda_device *br = NULL;
	size_t off = 0;

#define SAY(...) off += (size_t)snprintf(out + off, off < sizeof(out) ? sizeof(out) - off : 0, __VA_ARGS__)
	if (behind_conventional(d, &br)) {
		SAY("'%s' is on a conventional PCI bus behind %s '%s': every request there carries the bridge's ID, so the IOMMU cannot tell the devices apart",
		    d->name, conventional_bridge_kind(br), br->name);
		return strdup(out);
	}
	if (!d->physfn && is_multifunction(h, d) && dda_checks_acs_missing(d, miss, sizeof(miss))[0])
		SAY("%s'%s' is a function of a multifunction device without ACS (%s %s): its functions can reach each other directly",
		    off ? "; " : "", d->name, d->has_acs ? "missing" : "no ACS capability, needs", miss);
	for (const struct dda_device *p = d->parent; p; p = p->parent) {
		if (p->type != DDA_TYPE_ROOT_PORT && p->type != DDA_TYPE_DOWNSTREAM)
			continue;
		if (!dda_checks_acs_missing(p, miss, sizeof(miss))[0])
			continue;
		SAY("%s%s '%s' lacks ACS (%s %s): devices below it can reach each other without the IOMMU",
		    off ? "; " : "", p->type == DDA_TYPE_ROOT_PORT ? "root port" : "downstream port", p->name,
		    p->has_acs ? "missing" : "no ACS capability, needs", miss);
	}
	if (!off)
		SAY("no missing ACS is visible in config space: the kernel joined the group by a DMA alias or a device quirk");
#undef SAY
	return strdup(out);
}

static char *join_members(struct dda_device **m, size_t n)
{
	char out[1024] = "";
	size_t off = 0;

	for (size_t i = 0; i < n && off < sizeof(out); i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s%s%s%s", i ? ", " : "", m[i]->name,
					m[i]->driver[0] ? " (" : "", m[i]->driver, m[i]->driver[0] ? ")" : "");
	return strdup(out);
}

static int check_group(const struct dda_host *h, struct dda_device *d)
{
	struct dda_device *others[64];
	size_t n = dda_group_endpoints(d, others, ARRAY_SIZE(others));
	size_t shown = n < ARRAY_SIZE(others) ? n : ARRAY_SIZE(others);
	_cleanup_free_ char *list = NULL;

	if (!d->group)
		return 0;
	/* Firmware-owned memory the device must keep reaching (RMRR/IVMD). */
	for (size_t i = 0; i < d->group->nresv; i++) {
		const struct dda_resv *r = &d->group->resv[i];

		if (!strcmp(r->type, "direct"))
			ADD(d, "reserved-memory", DDA_SEV_BLOCK,
			    fmt("'%s' must keep DMA access to firmware-owned memory 0x%llx-0x%llx (RMRR, IOMMU group %d)",
				d->name, (unsigned long long)r->start, (unsigned long long)r->end, d->group->id),
			    fmt("not assignable while the firmware reserves memory for it; a firmware update or a setting (e.g. disabling the device's firmware agent or legacy USB/IPMI redirection) may remove the RMRR"),
			    NULL);
		else if (!strcmp(r->type, "direct-relaxable"))
			ADD(d, "reserved-memory-relaxable", DDA_SEV_WARN,
			    fmt("'%s' has a relaxable firmware memory region 0x%llx-0x%llx (IOMMU group %d)", d->name,
				(unsigned long long)r->start, (unsigned long long)r->end, d->group->id),
			    fmt("the kernel drops this mapping on assignment (USB/graphics RMRR); the firmware loses access to the device while a VM has it"),
			    NULL);
	}
	for (size_t i = 0; i < d->group->nmembers; i++) {
		struct dda_device *m = d->group->members[i];

		if (m == d)
			continue;
		if (m->nuses && !dda_device_is_bridge(m))
			ADD(d, "group-host-in-use", DDA_SEV_BLOCK,
			    fmt("'%s' shares IOMMU group %d with '%s', which the host is using: %s", d->name,
				d->group->id, m->name, m->uses[0].what),
			    fmt("the whole group moves together: free '%s' first, or move the device to a slot with its own group",
				m->name),
			    NULL);
		/* A platform bridge (LPC/ISA, host bridge) with its driver
		 * bound makes the group unviable for vfio and cannot be taken. */
		if (m->type == DDA_TYPE_BRIDGE && m->header_type == PCI_HEADER_TYPE_NORMAL && m->driver[0] &&
		    !dda_device_in_pool_driver(m) && strcmp(m->driver, "pcieport"))
			ADD(d, "group-host-in-use", DDA_SEV_BLOCK,
			    fmt("'%s' shares IOMMU group %d with platform bridge '%s' (driver %s), which must stay with the host",
				d->name, d->group->id, m->name, m->driver),
			    fmt("not assignable on this platform: the chipset does not isolate this function from '%s'",
				m->name),
			    NULL);
	}
	if (!n)
		return 0;
	list = join_members(others, shown);
	ADD(d, "group-shared", DDA_SEV_WARN,
	    fmt("'%s' shares IOMMU group %d with %zu other device%s: %s%s", d->name, d->group->id, n, n == 1 ? "" : "s",
		list ? list : "", n > shown ? ", ..." : ""),
	    fmt("they move to the pool together and can only be given to the same VM; for a group of its own use a slot whose root or downstream port has ACS"),
	    explain_group(h, d));
	return 0;
}

/* Another function on d's bus (or in its slot) now. */
static const struct dda_device *bus_neighbour(const struct dda_host *h, const struct dda_device *d)
{
	size_t i = (size_t)(d - h->devs);

	for (size_t j = i ? i - 1 : 0; j < h->ndevs && j <= i + 1; j++) {
		const struct dda_device *o = &h->devs[j];

		if (o != d && o->addr.domain == d->addr.domain && o->addr.bus == d->addr.bus &&
		    (!d->in_slot || o->addr.dev == d->addr.dev))
			return o;
	}
	return NULL;
}

static int check_reset(const struct dda_host *h, struct dda_device *d)
{
	const struct dda_device *nb;

	/* reset_method is fixed when the device appears: "bus" was listed
	 * while it was alone, and the kernel refuses the reset (ENOTTY) once
	 * another function shares the bus. */
	if (d->resets == DDA_RESET_BUS && (nb = bus_neighbour(h, d))) {
		ADD(d, "no-reset", DDA_SEV_FORCE,
		    fmt("'%s' has no usable reset: the kernel lists only a bus reset, which it refuses while '%s' shares the bus",
			d->name, nb->name),
		    fmt("assign it only with --force and only to VMs that trust each other, or move it to a slot of its own"),
		    NULL);
		return 0;
	}
	if (d->resets == 0) {
		ADD(d, "no-reset", DDA_SEV_FORCE,
		    fmt("'%s' has no reset method (no FLR, no PM reset%s, no usable bus reset): its state can leak from one VM to the next",
			d->name, d->pm_no_soft_reset ? ": NoSoftReset is set" : ""),
		    fmt("assign it only with --force and only to VMs that trust each other, or reboot the host between owners"),
		    NULL);
		return 0;
	}
	if (d->resets == DDA_RESET_BUS) {
		char others[512] = "";
		size_t off = 0, n = 0;

		/* A slot reset takes the slot's functions; a secondary bus reset
		 * everything on the bus and below it. */
		for (size_t j = 0; j < h->ndevs; j++) {
			const struct dda_device *o = &h->devs[j];
			const struct dda_device *p;

			if (o == d)
				continue;
			if (d->in_slot) {
				if (o->addr.domain != d->addr.domain || o->addr.bus != d->addr.bus ||
				    o->addr.dev != d->addr.dev)
					continue;
			} else {
				for (p = o; p && !(p->addr.bus == d->addr.bus && p->addr.domain == d->addr.domain);
				     p = p->parent)
					;
				if (!p)
					continue;
			}
			n++;
			if (off < sizeof(others))
				off += (size_t)snprintf(others + off, sizeof(others) - off, "%s%s", n > 1 ? ", " : "",
							o->name);
		}
		ADD(d, "bus-reset-only", DDA_SEV_WARN,
		    n ? fmt("'%s' can only be reset by a %s reset%s%s, which also resets %s", d->name,
			    d->in_slot ? "hotplug slot" : "secondary bus", d->parent ? " behind " : "",
			    d->parent ? d->parent->name : "", others) :
			fmt("'%s' can only be reset by a %s reset%s%s (nothing else is reset with it)", d->name,
			    d->in_slot ? "hotplug slot" : "secondary bus", d->parent ? " behind " : "",
			    d->parent ? d->parent->name : ""),
		    fmt("a bus or slot reset is slow and works only while everything it resets belongs to the same VM"),
		    NULL);
	}
	return 0;
}

/* Devices on the same legacy interrupt line, for the INTx hint. */
static void irq_sharers(const struct dda_host *h, const struct dda_device *d, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	if (d->irq <= 0)
		return;
	for (size_t i = 0; i < h->ndevs && off < size; i++) {
		const struct dda_device *o = &h->devs[i];

		/* Functions with MSI or MSI-X leave the line alone once their
		 * driver enables them: only INTx-only ones really share it. */
		if (o != d && o->irq == d->irq && !o->has_msi && !o->has_msix)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? ", " : "", o->name);
	}
}

/* The irq attribute is read only when some device depends on INTx, and
 * then once per device that has an interrupt pin. */
static void load_irqs(struct dda_host *h)
{
	bool needed = false;

	for (size_t i = 0; i < h->ndevs && !needed; i++)
		needed = h->devs[i].intx_pin && !h->devs[i].has_msi && !h->devs[i].has_msix &&
			 !dda_device_is_bridge(&h->devs[i]);
	if (!needed)
		return;
	for (size_t i = 0; i < h->ndevs; i++) {
		uint64_t irq;

		if (h->devs[i].intx_pin &&
		    dda_read_u64(h->ctx, &irq, "sys/bus/pci/devices/%s/irq", h->devs[i].name) == 0 && irq > 0 &&
		    irq < INT32_MAX)
			h->devs[i].irq = (int)irq;
	}
}

static int check_interrupts(const struct dda_host *h, struct dda_device *d)
{
	char sharers[256];

	if (d->has_msi || d->has_msix || !d->intx_pin)
		return 0;
	irq_sharers(h, d, sharers, sizeof(sharers));
	ADD(d, "intx-only", DDA_SEV_WARN,
	    fmt("'%s' has no MSI or MSI-X, only line interrupt INT%c%s%.0d", d->name, 'A' + d->intx_pin - 1,
		d->irq > 0 ? " on IRQ " : "", d->irq > 0 ? d->irq : 0),
	    d->has_pcie ?
		    fmt("VFIO can assign it but every interrupt exits to the host (slower); Hyper-V refuses such devices") :
		    fmt("VFIO can assign it but every interrupt exits to the host (slower); a conventional PCI device that cannot mask INTx (PCI 2.3 interrupt disable) needs an exclusive IRQ line%s%s (vfio-pci fails with 'Failed to set up INTx' otherwise)",
			sharers[0] ? ": now shared with " : "", sharers),
	    NULL);
	return 0;
}

static int check_bars(struct dda_device *d)
{
	char bad[256] = "";
	size_t off = 0;
	bool io = false;

	for (unsigned i = 0; i < d->nbars; i++) {
		const struct dda_bar *b = &d->bars[i];

		if (b->flags & DDA_BAR_IO) {
			io = true;
			continue;
		}
		if (b->flags & DDA_BAR_ROM)
			continue;
		if ((b->size < PAGE || b->start % PAGE) && off < sizeof(bad))
			off += (size_t)snprintf(bad + off, sizeof(bad) - off, "%sBAR%u (%llu bytes at 0x%llx)",
						off ? ", " : "", b->index, (unsigned long long)b->size,
						(unsigned long long)b->start);
	}
	if (off)
		ADD(d, "bar-not-page-aligned", DDA_SEV_WARN,
		    fmt("'%s' has memory BARs smaller than a page or not page aligned: %s", d->name, bad),
		    fmt("VFIO cannot map them into the VM directly, so every access traps (slow); booting the host with pci=resource_alignment=<page> can fix the alignment"),
		    NULL);
	if (io)
		ADD(d, "io-bar", DDA_SEV_INFO, fmt("'%s' has I/O port BARs", d->name),
		    fmt("port I/O is always trapped and emulated; fine for setup registers, slow on a data path"), NULL);
	return 0;
}

static int check_device(const struct dda_host *h, struct dda_device *d)
{
	const struct dda_device *br = NULL;
	int r;

	if (!h->info.iommu_on)
		ADD(d, "iommu-off", DDA_SEV_BLOCK,
		    fmt("the host has no IOMMU enabled, so '%s' cannot be isolated for a VM", d->name),
		    fmt("enable the IOMMU: see the host section for how"), NULL);
	else if (!d->group)
		ADD(d, "no-iommu-group", DDA_SEV_BLOCK,
		    fmt("'%s' is in no IOMMU group although the IOMMU is on", d->name),
		    fmt("the IOMMU does not translate for it (often a device the firmware hides); it cannot be assigned"),
		    NULL);

	for (size_t i = 0; i < d->nerrors; i++)
		ADD(d, "unreadable", DDA_SEV_WARN, fmt("'%s': %s", d->name, d->errors[i]),
		    fmt("the result for this device may be incomplete; run as root and check the kernel log"), NULL);

	/* Before the D3cold stop: a quarantined device is one that went dead. */
	if (d->pool_mark == DDA_POOL_QUARANTINED)
		ADD(d, "quarantined", DDA_SEV_BLOCK,
		    fmt("'%s' is quarantined in the pool %s", d->name, d->quarantine ? d->quarantine : ""),
		    fmt("it stays on vfio-pci and no VM gets it; power-cycle or reseat it, then 'ddactl pool release %s'",
			d->name),
		    NULL);
	/* Block, as dismount refuses it: the verdict and the refusal agree. */
	if (d->d3cold) {
		ADD(d, "d3cold", DDA_SEV_BLOCK,
		    fmt("'%s' reads as all ones: it is powered down (D3cold) or gone, so what it is cannot be checked",
			d->name),
		    fmt("wake it (echo on > /sys/bus/pci/devices/%s/power/control) or reseat it, then survey again; nothing else was checked",
			d->name),
		    NULL);
		return 0;
	}
	if (dda_device_is_bridge(d)) {
		ADD(d, "bridge", DDA_SEV_BLOCK,
		    fmt("'%s' is a %s: bridges and ports stay with the host", d->name,
			d->type == DDA_TYPE_BRIDGE ? "bridge" : dda_devtype_name(d->type)),
		    fmt("assign the devices behind it instead; it stays with the host even when its group is in the pool"),
		    NULL);
		return 0;
	}
	if (d->nuses) {
		char what[768] = "";
		size_t off = 0;
		bool crit = false;

		for (size_t i = 0; i < d->nuses && off < sizeof(what); i++) {
			off += (size_t)snprintf(what + off, sizeof(what) - off, "%s%s", i ? "; " : "", d->uses[i].what);
			crit |= d->uses[i].critical;
		}
		ADD(d, "host-in-use", DDA_SEV_BLOCK, fmt("the host is using '%s': %s", d->name, what),
		    crit ? fmt("it holds the host's own system (root, /boot, /usr or /var): it can never be taken, not even with --force") :
			   fmt("stop using it first: unmount its file systems, swapoff, stop dm/md/LVM on it, or take its interfaces down (ip link set DEV down)"),
		    NULL);
	}
	if (d->config_flags & DDA_CFG_SHORT)
		ADD(d, "partial-config", DDA_SEV_WARN,
		    fmt("only %zu bytes of '%s' config space were readable: capabilities unknown", d->config_len,
			d->name),
		    fmt("run the survey as root to read the whole config space"), NULL);
	if (d->config_flags & (DDA_CFG_LOOPED | DDA_CFG_BROKEN | DDA_CFG_EXT_LOOPED | DDA_CFG_EXT_BROKEN))
		ADD(d, "bad-capabilities", DDA_SEV_WARN,
		    fmt("'%s' has a %s capability list in config space", d->name,
			d->config_flags & (DDA_CFG_LOOPED | DDA_CFG_EXT_LOOPED) ? "looping" : "broken"),
		    fmt("the device or its firmware is faulty; what follows the fault was not read"), NULL);

	r = check_group(h, d);
	if (r < 0)
		return r;
	if (!(d->config_flags & DDA_CFG_SHORT)) {
		r = check_interrupts(h, d);
		if (r < 0)
			return r;
	}
	if (d->reset_method_known || !(d->config_flags & DDA_CFG_SHORT)) {
		r = check_reset(h, d);
		if (r < 0)
			return r;
	}
	/* Without the capability list (not root) a PCIe function looks
	 * conventional: say nothing rather than something false. */
	if (!(d->config_flags & DDA_CFG_SHORT) && (d->type == DDA_TYPE_PCI || d->has_pcix || behind_conventional(d, &br)))
		ADD(d, "legacy-pci", DDA_SEV_WARN,
		    d->type == DDA_TYPE_PCI || d->has_pcix ?
			    fmt("'%s' is a conventional PCI%s device", d->name, d->has_pcix ? "-X" : "") :
			    fmt("'%s' is behind %s '%s'", d->name, conventional_bridge_kind(br), br->name),
		    fmt("it shares isolation with everything behind its bridge and has no PCIe function reset; Hyper-V refuses such devices"),
		    NULL);
	r = check_bars(d);
	if (r < 0)
		return r;
	if (d->physfn)
		ADD(d, "sriov-vf", DDA_SEV_INFO,
		    fmt("'%s' is virtual function %d of PF '%s'", d->name, d->vf_index, d->physfn->name),
		    fmt("the PF's driver on the host sets its MAC, VLAN and trust; it disappears when the PF's VF count changes"),
		    NULL);
	if (d->has_sriov && d->sriov_num > 0)
		ADD(d, "sriov-pf-active", DDA_SEV_BLOCK,
		    fmt("'%s' is an SR-IOV physical function with %d VFs enabled", d->name, d->sriov_num),
		    fmt("taking it away would destroy its VFs: assign the VFs instead, or set the VF count to 0 first"),
		    NULL);
	if (d->pool_mark == DDA_POOL_UNRECORDED)
		ADD(d, "unrecorded", DDA_SEV_WARN,
		    fmt("'%s' is on %s with driver_override set, but the pool has no record of it", d->name, d->driver),
		    fmt("its original driver is not known (the state database was lost or replaced): 'ddactl mount %s' gives it to the driver the kernel picks for it, 'ddactl dismount %s' records it in the pool",
			d->name, d->name),
		    NULL);
	else if (dda_device_in_pool_driver(d) && d->pool_mark != DDA_POOL_QUARANTINED)
		ADD(d, "in-pool", DDA_SEV_INFO, fmt("'%s' is bound to %s", d->name, d->driver),
		    fmt("it is already detached from the host and ready for a VM"), NULL);
	return 0;
}

int dda_checks_run(struct dda_host *h)
{
	load_irqs(h);
	for (size_t i = 0; i < h->ndevs; i++) {
		int r = check_device(h, &h->devs[i]);

		if (r < 0)
			return r;
	}
	return 0;
}
