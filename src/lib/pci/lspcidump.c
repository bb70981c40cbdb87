/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "error.h"
#include "hostpath.h"
#include "lspcidump.h"
#include "lspcihex.h"
#include "pcicfg.h"

/* Paths in the private tree being built (ftree.h), written under its own
 * context's root, never opened on the host. */
#define TREE "sys/" /* lint-ok: a path in the tree written, not read from the host */

/* include/linux/ioport.h, as sysfs' resource file spells them */
#define IORES_IO     0x00000100ull
#define IORES_MEM    0x00000200ull
#define IORES_PREF   0x00002000ull
#define IORES_MEM_64 0x00100000ull

struct region {
	bool present;
	uint64_t start, size, flags;
};

struct func {
	struct dda_lspci_func pub;
	uint8_t cfg[4096];
	uint16_t vendor, device, subvendor, subdevice;
	bool ids_from_text, sub_from_text;
	int text_class; /* "[0302]:" of the first line (from sysfs' class), -1 without */
	struct region reg[7];
	char driver[64];
	int irq;
	int placing; /* 0 not yet, 1 being placed (a bus loop), 2 placed */
};

struct parse {
	struct func *f;
	size_t n, cap;
	const char *file;
	unsigned line;
};

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	switch (*end) {
	case 'K': return v << 10;
	case 'M': return v << 20;
	case 'G': return v << 30;
	case 'T': return v << 40;
	default: return v;
	}
}

/* The last "[hhhh:hhhh]" of a line: lspci -nn puts the ids after the
 * names, and names never hold that shape. */
static bool last_ids(const char *line, uint16_t *v, uint16_t *d)
{
	bool found = false;

	for (const char *p = strchr(line, '['); p; p = strchr(p + 1, '[')) {
		char id[10];

		if (strlen(p) < 11 || p[10] != ']')
			continue;
		memcpy(id, p + 1, 9);
		id[9] = '\0';
		if (dda_pciid_parse(id, v, d) == 0)
			found = true;
	}
	return found;
}

static int new_func(struct parse *ps, const char *line)
{
	char addr[32];
	size_t n = strcspn(line, " ");
	struct func *f;

	if (n >= sizeof(addr))
		return 0;
	memcpy(addr, line, n);
	addr[n] = '\0';
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 32;
		struct func *nf = realloc(ps->f, cap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		ps->f = nf;
		ps->cap = cap;
	}
	f = &ps->f[ps->n];
	memset(f, 0, sizeof(*f));
	/* lspci without -D leaves out domain 0000, which dda_pciaddr_parse() fills in */
	if (dda_pciaddr_parse(addr, &f->pub.addr) < 0)
		return dda_error(-EINVAL, NULL, "%s:%u: '%s' is no PCI address: not an lspci dump", ps->file, ps->line,
				 addr);
	dda_pciaddr_format(&f->pub.addr, f->pub.name);
	f->pub.dump_group = -1;
	f->irq = -1;
	f->ids_from_text = last_ids(line, &f->vendor, &f->device);
	f->text_class = -1;
	/* lspci -nn prints the class the kernel keeps ("[0302]:"), which a
	 * powered-down function's config space no longer shows */
	for (const char *p = strchr(line, '['); p; p = strchr(p + 1, '['))
		if (strlen(p) >= 7 && p[5] == ']' && p[6] == ':' && isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2]) && isxdigit((unsigned char)p[3]) && isxdigit((unsigned char)p[4])) {
			f->text_class = (int)strtol(p + 1, NULL, 16);
			break;
		}
	ps->n++;
	return 1;
}

static void text_line(struct func *f, const char *s)
{
	const char *p;
	unsigned idx;
	int n = 0;

	f->pub.has_text = true;
	if (!strncmp(s, "Subsystem: ", 11)) {
		f->sub_from_text = last_ids(s, &f->subvendor, &f->subdevice);
	} else if (!strncmp(s, "Kernel driver in use: ", 22)) {
		snprintf(f->driver, sizeof(f->driver), "%.63s", s + 22);
		f->driver[strcspn(f->driver, " \n")] = '\0';
	} else if (!strncmp(s, "IOMMU group: ", 13)) {
		f->pub.dump_group = atoi(s + 13);
	} else if (sscanf(s, "Interrupt: pin %*c routed to IRQ %d", &f->irq) == 1) {
		/* the number is kept as it is */
	} else if ((sscanf(s, "Region %u: %n", &idx, &n) == 1 && n > 0 && idx < 6) ||
		   (!strncmp(s, "Expansion ROM at ", 17) && (idx = 6, n = 0, true))) {
		struct region *r = &f->reg[idx];
		const char *at = strstr(s, " at ");

		p = strstr(s, "[size=");
		if (!p)
			return;
		r->present = true;
		r->size = parse_size(p + 6);
		if (at && isxdigit((unsigned char)at[4]))
			r->start = strtoull(at + 4, NULL, 16);
		/* the kernel marks a ROM prefetchable (pci_read_bases) */
		if (idx == 6)
			r->flags = IORES_MEM | IORES_PREF;
		else if (strstr(s, ": Memory at "))
			r->flags = IORES_MEM;
		else if (strstr(s, ": I/O ports at "))
			r->flags = IORES_IO;
		if (strstr(s, "64-bit"))
			r->flags |= IORES_MEM_64;
		if (strstr(s, ", prefetchable") || strstr(s, "(prefetchable"))
			r->flags |= IORES_PREF;
	}
}

static int parse_text(struct parse *ps, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[1024];
		int r;

		ps->line++;
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (!line[0])
			continue;
		if (line[0] == '\t') {
			/* one tab: the function's own lines; two: inside a capability */
			if (ps->n && line[1] != '\t')
				text_line(&ps->f[ps->n - 1], line + 1);
			continue;
		}
		if (ps->n) {
			struct func *f = &ps->f[ps->n - 1];

			r = dda_lspci_hex_line(line, f->cfg, sizeof(f->cfg));
			if (r < 0)
				return dda_error(r, f->pub.name, "%s:%u: a malformed hex dump line of '%s'", ps->file,
						 ps->line, f->pub.name);
			if (r > 0) {
				if ((size_t)r > f->pub.config_len)
					f->pub.config_len = (size_t)r;
				continue;
			}
		}
		r = new_func(ps, line);
		if (r < 0)
			return r;
	}
	return 0;
}

static struct func *find(struct parse *ps, uint32_t domain, unsigned bus, unsigned devfn)
{
	for (size_t i = 0; i < ps->n; i++) {
		const struct dda_pciaddr *a = &ps->f[i].pub.addr;

		if (a->domain == domain && a->bus == bus && (unsigned)(a->dev << 3 | a->fn) == devfn)
			return &ps->f[i];
	}
	return NULL;
}

static bool is_bridge(const struct func *f)
{
	return f->pub.config_len >= 0x1b && (f->cfg[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_BRIDGE;
}

/* The bridge whose secondary bus f sits on, as the kernel's probe nests
 * devices (pci_scan_bridge); NULL on a root bus. */
static struct func *upstream(struct parse *ps, const struct func *f)
{
	for (size_t i = 0; i < ps->n; i++) {
		struct func *b = &ps->f[i];

		if (b != f && is_bridge(b) && b->pub.addr.domain == f->pub.addr.domain &&
		    b->cfg[PCI_SECONDARY_BUS] == f->pub.addr.bus && b->cfg[PCI_SECONDARY_BUS] != b->pub.addr.bus)
			return b;
	}
	return NULL;
}

static int place(struct parse *ps, struct func *f)
{
	struct func *up;

	if (f->placing == 2)
		return 0;
	if (f->placing == 1)
		return dda_error(-ELOOP, f->pub.name, "%s: the bridges' bus numbers above '%s' form a loop", ps->file,
				 f->pub.name);
	f->placing = 1;
	up = upstream(ps, f);
	if (up) {
		int r = place(ps, up);

		if (r < 0)
			return r;
		if (dda_pathf(f->pub.syspath, sizeof(f->pub.syspath), "%s/%s", up->pub.syspath, f->pub.name) < 0)
			return -ENAMETOOLONG;
	} else if (dda_pathf(f->pub.syspath, sizeof(f->pub.syspath), "devices/pci%04x:%02x/%s", f->pub.addr.domain,
			     f->pub.addr.bus, f->pub.name) < 0) {
		return -ENAMETOOLONG;
	}
	f->placing = 2;
	return 0;
}

/* "../" from the directory sys/PATH up to sys/. */
static void ups(const char *path, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (const char *p = path; p && off + 3 < size; p = strchr(p + 1, '/'))
		off += (size_t)snprintf(buf + off, size - off, "../");
}

static int put_num(struct dda_ftree *t, const char *dir, const char *name, const char *fmt, unsigned v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), fmt, v);
	return dda_ftree_add_str(t, DDA_FT_FILE, buf, TREE "%s/%s", dir, name);
}

static int put_resource(struct dda_ftree *t, const struct func *f)
{
	char buf[13 * 60];
	size_t off = 0;

	/* 13 lines, as a kernel with SR-IOV writes them; device.c reads 7 */
	for (int i = 0; i < 13; i++) {
		const struct region *r = i < 7 ? &f->reg[i] : NULL;
		uint64_t s = r && r->present ? r->start : 0;
		uint64_t e = r && r->present && r->size ? s + r->size - 1 : 0;

		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
					"0x%016" PRIx64 " 0x%016" PRIx64 " 0x%016" PRIx64 "\n", s, e,
					r && r->present ? r->flags : 0);
	}
	return dda_ftree_add_str(t, DDA_FT_FILE, buf, TREE "%s/resource", f->pub.syspath);
}

static int put_func(struct parse *ps, struct dda_ftree *t, struct func *f)
{
	size_t len = f->pub.config_len;
	const uint8_t *c = f->cfg;
	char up[256], target[PATH_MAX];
	int r;

	ups(f->pub.syspath, up, sizeof(up));
	r = dda_ftree_add(t, DDA_FT_FILE, c, len, TREE "%s/config", f->pub.syspath);
	if (r < 0)
		return r;
	if (!f->ids_from_text) {
		f->vendor = dda_cfg16(c, len, PCI_VENDOR_ID);
		f->device = dda_cfg16(c, len, PCI_DEVICE_ID);
	}
	if (!f->sub_from_text && (c[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_NORMAL) {
		f->subvendor = dda_cfg16(c, len, PCI_SUBSYSTEM_VENDOR_ID);
		f->subdevice = dda_cfg16(c, len, PCI_SUBSYSTEM_ID);
	}
	if ((r = put_num(t, f->pub.syspath, "vendor", "0x%04x\n", f->vendor)) < 0 ||
	    (r = put_num(t, f->pub.syspath, "device", "0x%04x\n", f->device)) < 0 ||
	    (r = put_num(t, f->pub.syspath, "subsystem_vendor", "0x%04x\n", f->subvendor)) < 0 ||
	    (r = put_num(t, f->pub.syspath, "subsystem_device", "0x%04x\n", f->subdevice)) < 0 ||
	    (r = put_num(t, f->pub.syspath, "class", "0x%06x\n",
			 f->text_class >= 0 && (unsigned)f->text_class != dda_cfg32(c, len, PCI_REVISION_ID) >> 16 ?
				 (unsigned)f->text_class << 8 :
				 dda_cfg32(c, len, PCI_REVISION_ID) >> 8)) < 0 ||
	    (r = put_num(t, f->pub.syspath, "revision", "0x%02x\n", c[PCI_REVISION_ID])) < 0 ||
	    (r = put_resource(t, f)) < 0)
		return r;
	if (f->irq >= 0 && (r = put_num(t, f->pub.syspath, "irq", "%u\n", (unsigned)f->irq)) < 0)
		return r;
	/* No reset_method: a dump does not tell what the kernel chose.  An
	 * old kernel's plain `reset` makes the scan infer the methods from
	 * config space, as it does there. */
	r = dda_ftree_add(t, DDA_FT_FILE, "", 0, TREE "%s/reset", f->pub.syspath);
	if (r == 0)
		r = snprintf(target, sizeof(target), "../../../%s", f->pub.syspath) < (int)sizeof(target) ?
			    dda_ftree_add_str(t, DDA_FT_LINK, target, TREE "bus/pci/devices/%s", f->pub.name) :
			    -ENAMETOOLONG;
	if (r == 0 && f->driver[0]) {
		snprintf(target, sizeof(target), "%sbus/pci/drivers/%s", up, f->driver);
		r = dda_ftree_add_str(t, DDA_FT_LINK, target, TREE "%s/driver", f->pub.syspath);
		if (r == 0) {
			snprintf(target, sizeof(target), "../../../../%s", f->pub.syspath);
			r = dda_ftree_add_str(t, DDA_FT_LINK, target, TREE "bus/pci/drivers/%s/%s", f->driver,
					      f->pub.name);
		}
	}
	(void)ps;
	return r;
}

/* SR-IOV (PCIe 9.3.3): VF n's routing id is the PF's plus First VF
 * Offset plus n times VF Stride; the kernel links each both ways. */
static int put_vfs(struct parse *ps, struct dda_ftree *t, struct func *pf)
{
	struct dda_caps caps;
	size_t len = pf->pub.config_len;
	unsigned num, offset, stride, rid;
	char up[256], target[PATH_MAX];
	int r;

	dda_config_parse(pf->cfg, len, &caps);
	if (!caps.sriov)
		return 0;
	num = dda_cfg16(pf->cfg, len, caps.sriov + PCI_IOV_NUMVF);
	offset = dda_cfg16(pf->cfg, len, caps.sriov + PCI_IOV_OFFSET);
	stride = dda_cfg16(pf->cfg, len, caps.sriov + PCI_IOV_STRIDE);
	if ((r = put_num(t, pf->pub.syspath, "sriov_totalvfs", "%u\n",
			 dda_cfg16(pf->cfg, len, caps.sriov + PCI_IOV_TOTALVF))) < 0 ||
	    (r = put_num(t, pf->pub.syspath, "sriov_numvfs", "%u\n", num)) < 0)
		return r;
	rid = (unsigned)pf->pub.addr.bus << 8 | (unsigned)pf->pub.addr.dev << 3 | pf->pub.addr.fn;
	for (unsigned i = 0; i < num && i < 4096; i++) {
		unsigned v = rid + offset + i * stride;
		struct func *vf = find(ps, pf->pub.addr.domain, (v >> 8) & 0xff, v & 0xff);

		if (!vf || v > 0xffff)
			continue;
		ups(pf->pub.syspath, up, sizeof(up));
		snprintf(target, sizeof(target), "%s%s", up, vf->pub.syspath);
		r = dda_ftree_add_str(t, DDA_FT_LINK, target, TREE "%s/virtfn%u", pf->pub.syspath, i);
		if (r < 0)
			return r;
		ups(vf->pub.syspath, up, sizeof(up));
		snprintf(target, sizeof(target), "%s%s", up, pf->pub.syspath);
		r = dda_ftree_add_str(t, DDA_FT_LINK, target, TREE "%s/physfn", vf->pub.syspath);
		if (r < 0)
			return r;
		/* the kernel takes a VF's ids from its PF (SR-IOV 3.4.1.1/2) */
		if (vf->vendor == 0xffff || !vf->ids_from_text) {
			if ((r = put_num(t, vf->pub.syspath, "vendor", "0x%04x\n", pf->vendor)) < 0 ||
			    (r = put_num(t, vf->pub.syspath, "device", "0x%04x\n",
					 dda_cfg16(pf->cfg, len, caps.sriov + PCI_IOV_DID))) < 0)
				return r;
		}
	}
	return 0;
}

int dda_lspci_dump_tree(const char *text, size_t len, const char *file, struct dda_ftree *t, struct dda_lspci_dump **ret)
{
	struct parse ps = { .file = file };
	_cleanup_(dda_lspci_dump_freep) struct dda_lspci_dump *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	r = parse_text(&ps, text, len);
	if (r == 0 && ps.n == 0)
		r = dda_error(-EINVAL, NULL, "'%s' holds no PCI function: give the output of lspci -D -vvvnn -xxxx",
			      file);
	for (size_t i = 0; r == 0 && i < ps.n; i++)
		if (ps.f[i].pub.config_len < 64)
			r = dda_error(-EINVAL, ps.f[i].pub.name,
				      "'%s' has no config space bytes for '%s': run lspci with -xxxx (as root)", file,
				      ps.f[i].pub.name);
	for (size_t i = 0; r == 0 && i < ps.n; i++)
		r = place(&ps, &ps.f[i]);
	r = r ? r : dda_ftree_add(t, DDA_FT_DIR, NULL, 0, TREE "bus/pci/drivers");
	for (size_t i = 0; r == 0 && i < ps.n; i++)
		r = put_func(&ps, t, &ps.f[i]);
	for (size_t i = 0; r == 0 && i < ps.n; i++)
		r = put_vfs(&ps, t, &ps.f[i]);
	if (r == 0) {
		d->f = calloc(ps.n, sizeof(*d->f));
		if (!d->f)
			r = -ENOMEM;
	}
	d->drivers_known = r == 0;
	for (size_t i = 0; r == 0 && i < ps.n; i++) {
		d->f[i] = ps.f[i].pub;
		d->drivers_known &= d->f[i].has_text;
	}
	d->n = r == 0 ? ps.n : 0;
	free(ps.f);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(d);
	return 0;
}

void dda_lspci_dump_free(struct dda_lspci_dump *d)
{
	if (!d)
		return;
	free(d->f);
	free(d);
}
