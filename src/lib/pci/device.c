/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/pci.h>

#include "pcicfg.h"
#include "device.h"
#include "error.h"
#include "hostpath.h"

#define SYSDEV "sys/bus/pci/devices/%s/"

/* Kernel IORESOURCE_* bits as shown in the sysfs `resource` file. */
#define IORESOURCE_IO	    0x00000100
#define IORESOURCE_MEM	    0x00000200
#define IORESOURCE_PREFETCH 0x00002000
#define IORESOURCE_MEM_64   0x00100000

bool dda_device_ids_at(struct dda_ctx *ctx, const char *addr, uint16_t vendor, uint16_t device)
{
	uint64_t v, d;

	return dda_read_u64(ctx, &v, SYSDEV "vendor", addr) == 0 && dda_read_u64(ctx, &d, SYSDEV "device", addr) == 0 &&
	       v == vendor && d == device;
}

int dda_device_autoprobe(struct dda_ctx *ctx, const char *addr)
{
	uint64_t ap;

	return dda_read_u64(ctx, &ap, SYSDEV "sriov_drivers_autoprobe", addr) == 0 ? (int)ap : -1;
}

int dda_device_override(struct dda_ctx *ctx, const char *addr, char *buf, size_t size)
{
	int r = dda_read_line(ctx, buf, size, SYSDEV "driver_override", addr);

	if (r < 0)
		return r;
	/* The kernel prints an unset override, a NULL string, as "(null)". */
	if (!strcmp(buf, "(null)"))
		buf[0] = '\0';
	return 0;
}

const char *dda_devtype_name(enum dda_devtype t)
{
	static const char *const names[] = {
		[DDA_TYPE_ENDPOINT] = "endpoint",
		[DDA_TYPE_RCIEP] = "rc-integrated-endpoint",
		[DDA_TYPE_LEGACY_EP] = "legacy-endpoint",
		[DDA_TYPE_PCI] = "pci",
		[DDA_TYPE_BRIDGE] = "bridge",
		[DDA_TYPE_ROOT_PORT] = "root-port",
		[DDA_TYPE_UPSTREAM] = "upstream-port",
		[DDA_TYPE_DOWNSTREAM] = "downstream-port",
		[DDA_TYPE_PCIE_TO_PCI] = "pcie-to-pci-bridge",
	};

	return (unsigned)t < ARRAY_SIZE(names) ? names[t] : "unknown";
}

const char *dda_severity_name(enum dda_severity s)
{
	static const char *const names[] = {
		[DDA_SEV_INFO] = "info",
		[DDA_SEV_WARN] = "warn",
		[DDA_SEV_FORCE] = "force",
		[DDA_SEV_BLOCK] = "block",
	};

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

bool dda_device_is_bridge(const struct dda_device *d)
{
	return d->type == DDA_TYPE_BRIDGE || d->type == DDA_TYPE_ROOT_PORT || d->type == DDA_TYPE_UPSTREAM ||
	       d->type == DDA_TYPE_DOWNSTREAM || d->type == DDA_TYPE_PCIE_TO_PCI;
}

int dda_device_cmp(const void *a, const void *b)
{
	return dda_pciaddr_cmp(&((const struct dda_device *)a)->addr, &((const struct dda_device *)b)->addr);
}

struct dda_device *dda_device_find(struct dda_device *devs, size_t n, const struct dda_pciaddr *a)
{
	struct dda_device key = { .addr = *a };

	return bsearch(&key, devs, n, sizeof(*devs), dda_device_cmp);
}

bool dda_device_in_pool_driver(const struct dda_device *d)
{
	return strcmp(d->driver, "vfio-pci") == 0 || strcmp(d->driver, "pci-stub") == 0 || d->vfio_variant;
}

int dda_device_note(struct dda_device *d, const char *fmt, ...)
{
	char **n;
	char *msg;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	n = realloc(d->errors, (d->nerrors + 1) * sizeof(*n));
	if (!n) {
		free(msg);
		return -ENOMEM;
	}
	d->errors = n;
	d->errors[d->nerrors++] = msg;
	return 0;
}

int dda_device_add_use(struct dda_device *d, enum dda_use_kind kind, bool critical, const char *what)
{
	struct dda_use *u = realloc(d->uses, (d->nuses + 1) * sizeof(*u));

	if (!u)
		return -ENOMEM;
	d->uses = u;
	u = &d->uses[d->nuses++];
	u->kind = kind;
	u->critical = critical;
	snprintf(u->what, sizeof(u->what), "%s", what);
	return 0;
}

int dda_device_add_reason(struct dda_device *d, const char *code, enum dda_severity sev, char *message, char *hint,
			  char *explain)
{
	struct dda_reason *r;

	if (!message) {
		free(hint);
		free(explain);
		return -ENOMEM;
	}
	r = realloc(d->reasons, (d->nreasons + 1) * sizeof(*r));
	if (!r) {
		free(message);
		free(hint);
		free(explain);
		return -ENOMEM;
	}
	d->reasons = r;
	d->reasons[d->nreasons++] = (struct dda_reason){
		.code = code,
		.severity = sev,
		.message = message,
		.hint = hint,
		.explain = explain,
	};
	return 0;
}

int dda_device_worst(const struct dda_device *d)
{
	int worst = -1;

	for (size_t i = 0; i < d->nreasons; i++)
		if ((int)d->reasons[i].severity > worst)
			worst = (int)d->reasons[i].severity;
	return worst;
}

const char *dda_device_verdict(const struct dda_device *d)
{
	switch (dda_device_worst(d)) {
	case DDA_SEV_BLOCK: return "not-assignable";
	case DDA_SEV_FORCE: return "assignable-with-force";
	default: return "assignable";
	}
}

void dda_device_release(struct dda_device *d)
{
	free(d->syspath);
	free(d->quarantine);
	free(d->uses);
	for (size_t i = 0; i < d->nreasons; i++) {
		free(d->reasons[i].message);
		free(d->reasons[i].hint);
		free(d->reasons[i].explain);
	}
	free(d->reasons);
	for (size_t i = 0; i < d->nerrors; i++)
		free(d->errors[i]);
	free(d->errors);
}

static enum dda_devtype classify(const struct dda_device *d, const uint8_t *cfg, size_t len, const struct dda_caps *c)
{
	unsigned base = d->class >> 16, sub = (d->class >> 8) & 0xff;

	if (c->pcie) {
		switch ((dda_cfg16(cfg, len, c->pcie + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE) >> 4) {
		case PCI_EXP_TYPE_ENDPOINT: break;
		case PCI_EXP_TYPE_LEG_END: return DDA_TYPE_LEGACY_EP;
		case PCI_EXP_TYPE_ROOT_PORT: return DDA_TYPE_ROOT_PORT;
		case PCI_EXP_TYPE_UPSTREAM: return DDA_TYPE_UPSTREAM;
		case PCI_EXP_TYPE_DOWNSTREAM: return DDA_TYPE_DOWNSTREAM;
		case PCI_EXP_TYPE_PCI_BRIDGE: return DDA_TYPE_PCIE_TO_PCI;
		case PCI_EXP_TYPE_PCIE_BRIDGE: return DDA_TYPE_BRIDGE;
		case PCI_EXP_TYPE_ROOT_INT_EP: return d->header_type ? DDA_TYPE_BRIDGE : DDA_TYPE_RCIEP;
		/* Event collectors belong to the root complex like bridges. */
		case PCI_EXP_TYPE_ROOT_EC: return DDA_TYPE_BRIDGE;
		default: break;
		}
	}
	/* Header types 1 and 2 are PCI-PCI and CardBus bridges; class 06
	 * covers host, ISA and other platform bridges with a normal header. */
	if (d->header_type == PCI_HEADER_TYPE_BRIDGE || d->header_type == PCI_HEADER_TYPE_CARDBUS)
		return DDA_TYPE_BRIDGE;
	if (base == 0x06 && sub != 0x80)
		return DDA_TYPE_BRIDGE;
	return c->pcie ? DDA_TYPE_ENDPOINT : DDA_TYPE_PCI;
}

static void decode_config(struct dda_device *d, const uint8_t *cfg, size_t len)
{
	struct dda_caps c;

	dda_config_parse(cfg, len, &c);
	d->config_len = len;
	d->config_flags = c.flags;
	if (c.flags & DDA_CFG_ALL_ONES) {
		d->d3cold = true;
		return;
	}
	d->vendor = dda_cfg16(cfg, len, PCI_VENDOR_ID);
	d->device = dda_cfg16(cfg, len, PCI_DEVICE_ID);
	d->class = dda_cfg32(cfg, len, PCI_CLASS_REVISION) >> 8;
	d->header_type = dda_cfg8(cfg, len, PCI_HEADER_TYPE) & 0x7f;
	d->multifunction = dda_cfg8(cfg, len, PCI_HEADER_TYPE) & 0x80;
	if (d->header_type == PCI_HEADER_TYPE_NORMAL) {
		d->subvendor = dda_cfg16(cfg, len, PCI_SUBSYSTEM_VENDOR_ID);
		d->subdevice = dda_cfg16(cfg, len, PCI_SUBSYSTEM_ID);
	} else if (d->header_type == PCI_HEADER_TYPE_BRIDGE) {
		d->secondary_bus = dda_cfg8(cfg, len, PCI_SECONDARY_BUS);
		d->subordinate_bus = dda_cfg8(cfg, len, PCI_SUBORDINATE_BUS);
	}
	d->intx_pin = dda_cfg8(cfg, len, PCI_INTERRUPT_PIN);
	if (d->intx_pin > 4)
		d->intx_pin = 0;
	d->has_pcie = c.pcie;
	d->has_pcix = c.pcix;
	d->has_msi = c.msi;
	d->has_msix = c.msix;
	d->has_pm = c.pm;
	d->has_af = c.af;
	if (c.pcie) {
		d->pcie_type = (uint8_t)((dda_cfg16(cfg, len, c.pcie + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE) >> 4);
		d->flr = dda_cfg32(cfg, len, c.pcie + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLRESET;
	}
	/* AF FLR needs both the FLR and the Transactions Pending bits. */
	if (c.af)
		d->af_flr = (dda_cfg8(cfg, len, c.af + PCI_AF_CAP) & (PCI_AF_CAP_FLR | PCI_AF_CAP_TP)) ==
			    (PCI_AF_CAP_FLR | PCI_AF_CAP_TP);
	if (c.pm)
		d->pm_no_soft_reset = dda_cfg16(cfg, len, c.pm + PCI_PM_CTRL) & PCI_PM_CTRL_NO_SOFT_RST;
	if (c.acs) {
		d->has_acs = true;
		d->acs_cap = dda_cfg16(cfg, len, c.acs + PCI_ACS_CAP);
		d->acs_ctrl = dda_cfg16(cfg, len, c.acs + PCI_ACS_CTRL);
	}
	if (c.sriov) {
		d->has_sriov = true;
		d->sriov_offset = dda_cfg16(cfg, len, c.sriov + PCI_IOV_OFFSET);
		d->sriov_stride = dda_cfg16(cfg, len, c.sriov + PCI_IOV_STRIDE);
		d->sriov_vf_device = dda_cfg16(cfg, len, c.sriov + PCI_IOV_DID);
	}
	d->type = classify(d, cfg, len, &c);
}

/* Three hex numbers per line; sscanf costs more than the read itself on a
 * host with thousands of VFs. */
static bool parse_resource_line(char **p, unsigned long long v[3])
{
	for (int i = 0; i < 3; i++) {
		char *end;

		errno = 0;
		v[i] = strtoull(*p, &end, 16);
		if (errno || end == *p)
			return false;
		*p = end;
	}
	*p += strcspn(*p, "\n");
	if (**p == '\n')
		(*p)++;
	return true;
}

static int read_resources(struct dda_device *d, int dir)
{
	char buf[2048];
	char *p = buf;
	size_t len;
	int r;

	r = dda_read_at(dir, "resource", buf, sizeof(buf) - 1, &len);
	if (r < 0)
		return r;
	buf[len] = '\0';
	for (unsigned idx = 0; idx < 7 && *p; idx++) {
		unsigned long long v[3];
		struct dda_bar *b;

		if (!parse_resource_line(&p, v))
			return -EINVAL;
		/* A range of all 2^64 bytes has no size that fits: no BAR is that. */
		if (!(v[2] & (IORESOURCE_IO | IORESOURCE_MEM)) || v[1] == 0 || v[1] < v[0] || v[1] - v[0] == UINT64_MAX)
			continue;
		b = &d->bars[d->nbars++];
		b->index = (uint8_t)idx;
		b->start = v[0];
		b->size = v[1] - v[0] + 1;
		b->flags = (v[2] & IORESOURCE_IO) ? DDA_BAR_IO : 0;
		if (v[2] & IORESOURCE_MEM_64)
			b->flags |= DDA_BAR_64;
		if (v[2] & IORESOURCE_PREFETCH)
			b->flags |= DDA_BAR_PREF;
		if (idx == 6)
			b->flags |= DDA_BAR_ROM;
	}
	return 0;
}

static unsigned parse_reset_methods(const char *s)
{
	static const struct {
		const char *name;
		unsigned bit;
	} map[] = {
		{ "device_specific", DDA_RESET_DEVICE_SPECIFIC },
		{ "acpi", DDA_RESET_ACPI },
		{ "flr", DDA_RESET_FLR },
		{ "af_flr", DDA_RESET_AF_FLR },
		{ "pm", DDA_RESET_PM },
		{ "bus", DDA_RESET_BUS },
		{ "cxl_bus", DDA_RESET_CXL_BUS },
	};
	unsigned bits = 0;

	while (*s) {
		size_t n = strcspn(s, " \n");

		for (size_t i = 0; i < ARRAY_SIZE(map); i++)
			if (strlen(map[i].name) == n && strncmp(s, map[i].name, n) == 0)
				bits |= map[i].bit;
		s += n;
		s += strspn(s, " \n");
	}
	return bits;
}

static void read_sysfs_ids(struct dda_device *d, int dir)
{
	uint64_t v;

	if (dda_read_u64_at(dir, "vendor", &v) == 0 && v <= 0xffff)
		d->vendor = (uint16_t)v;
	if (dda_read_u64_at(dir, "device", &v) == 0 && v <= 0xffff)
		d->device = (uint16_t)v;
	if (!d->d3cold)
		return;
	/* The rest of a VF's header is its own; a D3cold one has nothing. */
	if (dda_read_u64_at(dir, "subsystem_vendor", &v) == 0 && v <= 0xffff)
		d->subvendor = (uint16_t)v;
	if (dda_read_u64_at(dir, "subsystem_device", &v) == 0 && v <= 0xffff)
		d->subdevice = (uint16_t)v;
	if (dda_read_u64_at(dir, "class", &v) == 0 && v <= 0xffffff)
		d->class = (uint32_t)v;
}

static int read_int(int dir, const char *attr, int *ret)
{
	uint64_t v;
	int r = dda_read_u64_at(dir, attr, &v);

	if (r < 0)
		return r;
	/* A value no kernel writes is no answer, not a wrapped count. */
	if (v > INT_MAX)
		return -ERANGE;
	*ret = (int)v;
	return 0;
}

int dda_device_read(struct dda_ctx *ctx, struct dda_device *d)
{
	_cleanup_close_ int dir = -1;
	uint8_t cfg[4096];
	char buf[256];
	size_t len;
	int r, cfg_err;

	d->group_id = -1;
	d->vf_index = -1;
	d->irq = -1;
	d->sriov_total = d->sriov_num = -1;
	d->boot_vga = -1;

	/* One path walk for the function, short lookups for its attributes. */
	dir = d->syspath ? dda_open_dir(ctx, "sys/%s", d->syspath) : dda_open_dir(ctx, SYSDEV, d->name);
	if (dir < 0)
		return dda_error(dir, d->name, "cannot open the sysfs directory of '%s': %s", d->name, strerror(-dir));
	/* Without config space the rest (driver, group, resets) is still
	 * worth reading: the failure is noted and returned at the end. */
	cfg_err = dda_read_at(dir, "config", cfg, sizeof(cfg), &len);
	/* The kernel gives a reader without CAP_SYS_ADMIN only the header,
	 * because some chips hang on reads of undefined registers. */
	if (cfg_err == 0 && d->unprivileged) {
		size_t cut = len > PCI_HEADER_TYPE && (cfg[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_CARDBUS ? 128 :
														 64;

		if (len > cut)
			len = cut;
	}
	if (cfg_err == 0)
		decode_config(d, cfg, len);

	r = dda_read_link_base_at(dir, "driver", d->driver, sizeof(d->driver));
	if (r < 0 && r != -ENOENT && dda_device_note(d, "cannot read driver link: %s", strerror(-r)) < 0)
		return -ENOMEM;
	/* Variant drivers (mlx5_vfio_pci...) are known by the vfio-dev/ they create. */
	if (d->driver[0] && strcmp(d->driver, "vfio-pci") && strstr(d->driver, "vfio"))
		d->vfio_variant = dda_exists_at(dir, "vfio-dev");

	r = dda_read_link_base_at(dir, "iommu_group", buf, sizeof(buf));
	if (r == 0) {
		uint32_t g;

		if (dda_parse_u32(buf, 10, &g) == 0 && g < INT32_MAX)
			d->group_id = (int)g;
	} else if (r != -ENOENT && dda_device_note(d, "cannot read iommu_group link: %s", strerror(-r)) < 0) {
		return -ENOMEM;
	}

	r = read_resources(d, dir);
	if (r < 0 && r != -ENOENT && dda_device_note(d, "cannot read resource: %s", strerror(-r)) < 0)
		return -ENOMEM;

	/* reset_method (5.15+) lists what the kernel will use; neither it nor
	 * `reset` exists when there is none.  Only an old kernel has `reset`
	 * without `reset_method`: then the methods are inferred from config
	 * space by the topology scan, which knows who shares the bus. */
	r = dda_read_line_at(dir, "reset_method", buf, sizeof(buf));
	if (r == 0) {
		d->reset_method_known = true;
		d->resets = parse_reset_methods(buf);
	} else if (r == -ENOENT) {
		d->reset_method_known = !dda_exists_at(dir, "reset");
	} else if (dda_device_note(d, "cannot read reset_method: %s", strerror(-r)) < 0) {
		return -ENOMEM;
	}

	r = dda_read_link_base_at(dir, "physfn", buf, sizeof(buf));
	if (r == 0 && dda_pciaddr_parse(buf, &d->pf_addr) == 0)
		d->vf_index = 0; /* the exact index is set by the topology scan */
	/* A VF's own config space reads 0xffff for its ids (SR-IOV 3.4.1.1),
	 * and one in D3cold reads all ones: the kernel read them when it
	 * enumerated the function (from the PF for a VF) and keeps them. */
	if (r == 0 || d->d3cold)
		read_sysfs_ids(d, dir);
	/* VFs have no INTx (SR-IOV 3.4.1.14: Interrupt Pin reads 0). */
	if (d->vf_index >= 0)
		d->intx_pin = 0;
	if (d->has_sriov) {
		if (read_int(dir, "sriov_totalvfs", &d->sriov_total) < 0)
			d->sriov_total = -1;
		if (read_int(dir, "sriov_numvfs", &d->sriov_num) < 0)
			d->sriov_num = -1;
	}
	if ((d->class >> 16) == 0x03 && read_int(dir, "boot_vga", &d->boot_vga) < 0)
		d->boot_vga = -1;
	/* Reading `config` resumes a runtime-suspended function, so all ones
	 * (decode_config) is the one sign of a function that cannot answer. */
	if (cfg_err < 0)
		return dda_error(cfg_err, d->name, "cannot read config space of '%s': %s", d->name, strerror(-cfg_err));
	return 0;
}
