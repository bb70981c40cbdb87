/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pci_device_group() (drivers/iommu/iommu.c, Linux 6.12) run over a tree
 * read with the host scan.  The kernel gives a function its group when the
 * IOMMU driver probes it, looking only at groups that exist by then, so
 * the model probes in the kernel's order too: each root bus as the scan
 * adds it (its functions in devfn order, then each bridge's bus below,
 * depth first), and VFs afterwards, when sriov_numvfs creates them.
 * Group numbers are handed out in that order from 0, as iommu_group_alloc()
 * takes the lowest free id.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "error.h"
#include "host.h"
#include "hostpath.h"
#include "pcicfg.h"
#include "predict-internal.h"
#include "predict.h"

/* REQ_ACS_FLAGS in drivers/iommu/iommu.c */
#define REQ_ACS	     (PCI_ACS_CAP_VALID | PCI_ACS_CAP_REQ_RED | PCI_ACS_CAP_CMPLT_RED | PCI_ACS_CAP_FORWARD)
#define LPC_RCBA_REG 0xf0

struct sim {
	struct dda_ctx *ctx;
	const struct dda_host *h;
	struct dda_pnode *n; /* parallel to h->devs */
	size_t *order;	     /* indices into n, in probe order */
	size_t norder, nboot;
	size_t *pos; /* position of each node in order */
	size_t cur;  /* position being probed */
	struct dda_acs_env env;
	int next_group;
};

/* What pci_acs_enabled() answered, and on what grounds. */
struct acs_answer {
	bool ok;
	const char *quirk;
	uint16_t missing; /* REQ bits not enabled */
	const char *why;  /* "no ACS capability", "a conventional PCI function"... */
};

static struct acs_answer acs_enabled(const struct sim *s, const struct dda_pnode *n, uint16_t flags)
{
	struct acs_answer a = { 0 };
	int q = dda_predict_acs_quirk(n, flags, &s->env, &a.quirk);

	if (q >= 0) {
		a.ok = q > 0;
		a.why = a.ok ? "isolated by a kernel quirk" : "a kernel quirk says it does not isolate";
		a.missing = a.ok ? 0 : flags;
		return a;
	}
	a.quirk = NULL;
	if (!n->pcie) {
		a.why = "a conventional PCI function, which never has ACS";
		a.missing = flags;
		return a;
	}
	switch (n->type) {
	case PCI_EXP_TYPE_PCIE_BRIDGE:
	case PCI_EXP_TYPE_PCI_BRIDGE:
	case PCI_EXP_TYPE_ROOT_EC:
		a.why = "a bridge to conventional PCI, for which the kernel never trusts ACS";
		a.missing = flags;
		return a;
	case PCI_EXP_TYPE_DOWNSTREAM:
	case PCI_EXP_TYPE_ROOT_PORT: break;
	case PCI_EXP_TYPE_ENDPOINT:
	case PCI_EXP_TYPE_UPSTREAM:
	case PCI_EXP_TYPE_LEG_END:
	case PCI_EXP_TYPE_ROOT_INT_EP:
		if (n->multifunction)
			break;
		/* Single functions have no peer to reach (PCIe 6.12.1.3). */
		a.ok = true;
		a.why = "a single function, which needs no ACS";
		return a;
	default:
		a.ok = true;
		a.why = "a single function, which needs no ACS";
		return a;
	}
	/* pci_acs_flags_enabled(): what the capability lacks is hard-wired. */
	if (!n->has_acs) {
		a.why = "no ACS capability";
		a.missing = flags;
		return a;
	}
	flags &= (uint16_t)(n->acs_cap | PCI_ACS_CAP_EGRESS);
	a.missing = (uint16_t)(flags & ~n->acs_ctrl);
	a.ok = !a.missing;
	a.why = a.ok ? "ACS enabled" : "ACS controls not enabled";
	return a;
}

/* "no ACS capability (needs SV RR CR UF)", "missing RR CR", "quirk X". */
static void acs_text(const struct acs_answer *a, char *buf, size_t size)
{
	char bits[24];

	dda_acs_names(a->missing, bits, sizeof(bits));
	if (a->quirk)
		snprintf(buf, size, "%s (%s)", a->why, a->quirk);
	else if (!strcmp(a->why, "no ACS capability"))
		snprintf(buf, size, "no ACS capability (the kernel needs %s)", bits);
	else if (!strcmp(a->why, "ACS controls not enabled"))
		snprintf(buf, size, "ACS without %s", bits);
	else
		snprintf(buf, size, "%s", a->why);
}

static const char *port_kind(const struct dda_pnode *n)
{
	if (!n->pcie)
		return n->bridge_hdr ? "PCI bridge" : "function";
	switch (n->type) {
	case PCI_EXP_TYPE_ROOT_PORT: return "root port";
	case PCI_EXP_TYPE_DOWNSTREAM: return "downstream port";
	case PCI_EXP_TYPE_UPSTREAM: return "upstream port";
	case PCI_EXP_TYPE_PCI_BRIDGE: return "PCIe-to-PCI bridge";
	case PCI_EXP_TYPE_PCIE_BRIDGE: return "PCI-to-PCIe bridge";
	default: return "function";
	}
}

/* pci_acs_path_enabled(start, NULL, REQ_ACS_FLAGS): NULL when every
 * function from start up to the root bus isolates, else the first one
 * that does not (its answer in *ret). */
static const struct dda_pnode *path_fails(const struct sim *s, const struct dda_pnode *start, struct acs_answer *ret)
{
	for (const struct dda_pnode *p = start; p; p = p->up) {
		struct acs_answer a = acs_enabled(s, p, REQ_ACS);

		if (!a.ok) {
			*ret = a;
			return p;
		}
	}
	return NULL;
}

/* Exists when the kernel probes s->cur: every boot function, and the VFs
 * created up to then. */
static bool exists(const struct sim *s, const struct dda_pnode *n)
{
	size_t i = (size_t)(n - s->n);

	return !n->gone && (s->pos[i] < s->nboot || s->pos[i] <= s->cur);
}

static bool test_and_set(uint8_t *bits, unsigned b)
{
	bool was = bits[b / 8] & (1u << (b % 8));

	bits[b / 8] |= (uint8_t)(1u << (b % 8));
	return was;
}

static bool has_alias(const struct dda_pnode *n, unsigned devfn)
{
	return n->aliased && (n->alias[devfn / 8] & (1u << (devfn % 8)));
}

/* pci_devs_are_dma_aliases() */
static bool dma_aliases(const struct dda_pnode *a, const struct dda_pnode *b)
{
	return has_alias(a, b->devfn) || has_alias(b, a->devfn);
}

static const struct dda_pnode *function_alias_group(const struct sim *s, const struct dda_pnode *p, uint8_t *devfns);

/* get_pci_alias_group(): the grouped function found, or NULL. */
static const struct dda_pnode *alias_group(const struct sim *s, const struct dda_pnode *p, uint8_t *devfns)
{
	const struct dda_pnode *g;

	if (test_and_set(devfns, p->devfn))
		return NULL;
	if (p->group >= 0)
		return p;
	for (size_t i = 0; i < s->h->ndevs; i++) {
		const struct dda_pnode *t = &s->n[i];

		if (t == p || t->bus != p->bus || !exists(s, t) || !dma_aliases(p, t))
			continue;
		if ((g = alias_group(s, t, devfns)) || (g = function_alias_group(s, t, devfns)))
			return g;
	}
	return NULL;
}

/* get_pci_function_alias_group() */
static const struct dda_pnode *function_alias_group(const struct sim *s, const struct dda_pnode *p, uint8_t *devfns)
{
	const struct dda_pnode *g;

	if (!p->multifunction || acs_enabled(s, p, REQ_ACS).ok)
		return NULL;
	for (size_t i = 0; i < s->h->ndevs; i++) {
		const struct dda_pnode *t = &s->n[i];

		if (t == p || t->bus != p->bus || (t->devfn >> 3) != (p->devfn >> 3) || !exists(s, t) ||
		    acs_enabled(s, t, REQ_ACS).ok)
			continue;
		if ((g = alias_group(s, t, devfns)))
			return g;
	}
	return NULL;
}

#define SAY(out, ...) snprintf((out)->reason, sizeof((out)->reason), __VA_ARGS__)

static void set_via(struct dda_predicted *out, enum dda_predict_why why, const struct dda_pnode *via)
{
	out->why = why;
	snprintf(out->via, sizeof(out->via), "%s", via->name);
}

/* pci_device_group() for one function: its group, and why. */
static void device_group(struct sim *s, struct dda_pnode *dev, struct dda_predicted *out)
{
	const struct dda_pnode *pdev = dev, *g, *fail;
	uint8_t devfns[32] = { 0 };
	struct acs_answer a;
	char acs[160];

	/* pci_for_each_dma_alias(): a bridge that takes over the requester
	 * ID of what is below it; each one probed before dev has a group. */
	for (const struct dda_pnode *t = dev->up; t; t = t->up) {
		if (t->xlate_root)
			break;
		if (t->pcie && t->type != PCI_EXP_TYPE_PCI_BRIDGE && t->type != PCI_EXP_TYPE_PCIE_BRIDGE)
			continue;
		pdev = t;
		if (t->group >= 0) {
			dev->group = t->group;
			set_via(out, DDA_PREDICT_ALIAS_BRIDGE, t);
			SAY(out,
			    "'%s' is behind %s '%s': its requests reach the IOMMU with the bridge's requester ID (a DMA alias), so it is in the bridge's group",
			    dev->name, port_kind(t), t->name);
			return;
		}
	}
	/* Up from there to where ACS stops peer-to-peer traffic. */
	for (const struct dda_pnode *self = pdev->up; self; self = self->up) {
		if (!(fail = path_fails(s, self, &a)))
			break;
		pdev = self;
		if (self->group >= 0) {
			dev->group = self->group;
			acs_text(&a, acs, sizeof(acs));
			set_via(out, DDA_PREDICT_UPSTREAM_ACS, fail);
			out->quirk = a.quirk;
			SAY(out, "%s '%s' above it does not isolate: %s; '%s' is in the group of %s '%s'",
			    port_kind(fail), fail->name, acs, dev->name, port_kind(self), self->name);
			return;
		}
	}
	if ((g = alias_group(s, pdev, devfns)) && g != pdev) {
		dev->group = g->group;
		set_via(out, DDA_PREDICT_DMA_ALIAS, g);
		out->quirk = dev->aliased ? dev->alias_quirk : g->alias_quirk;
		SAY(out, "'%s' and '%s' are DMA aliases of each other (%s): the IOMMU sees one requester", dev->name,
		    g->name, out->quirk ? out->quirk : "dma alias");
		return;
	}
	if ((g = function_alias_group(s, pdev, devfns))) {
		a = acs_enabled(s, dev, REQ_ACS);
		acs_text(&a, acs, sizeof(acs));
		dev->group = g->group;
		set_via(out, DDA_PREDICT_MULTIFUNCTION, g);
		out->quirk = a.quirk;
		SAY(out,
		    "'%s' and '%s' are functions of one multifunction device that does not isolate them, so they can reach each other without the IOMMU: %s",
		    dev->name, g->name, acs);
		return;
	}
	dev->group = s->next_group++;
	out->why = DDA_PREDICT_OWN;
	out->via[0] = '\0';
	/* Name the quirk that isolated it from its slot, or the path above. */
	if (dev->multifunction)
		out->quirk = acs_enabled(s, dev, REQ_ACS).quirk;
	for (const struct dda_pnode *p = dev->up; p && !out->quirk; p = p->up)
		out->quirk = acs_enabled(s, p, REQ_ACS).quirk;
	if (!dev->up)
		SAY(out,
		    "'%s' is on a root bus with no DMA alias and no slot peer without ACS%s%s%s: a group of its own",
		    dev->name, out->quirk ? " (" : "", out->quirk ? out->quirk : "", out->quirk ? ")" : "");
	else
		SAY(out, "every port between '%s' and the root complex isolates it with ACS%s%s%s: a group of its own",
		    dev->name, out->quirk ? " (" : "", out->quirk ? out->quirk : "", out->quirk ? ")" : "");
}

/* The LPC bridge's RCBA (D31:F0, offset 0xf0) decides whether the Intel
 * PCH root port quirk could enable its ACS equivalent. */
static int intel_rcba(struct sim *s, const struct dda_pnode *n)
{
	char name[DDA_PCIADDR_LEN];
	struct dda_pciaddr a = n->d->addr;
	uint8_t cfg[256];
	size_t len;

	a.dev = 31;
	a.fn = 0;
	dda_pciaddr_format(&a, name);
	if (dda_read(s->ctx, cfg, sizeof(cfg), &len, "sys/bus/pci/devices/%s/config", name) < 0 ||
	    len < LPC_RCBA_REG + 4) {
		dda_error_clear();
		return -1;
	}
	return cfg[LPC_RCBA_REG] & 1;
}

static void make_node(struct sim *s, size_t i)
{
	const struct dda_device *d = &s->h->devs[i];
	struct dda_pnode *n = &s->n[i];

	n->d = d;
	n->addr = d->addr;
	snprintf(n->name, sizeof(n->name), "%s", d->name);
	n->vendor = d->vendor;
	n->device = d->device;
	/* A VF's ID registers read 0xffff: the kernel names it by its PF's
	 * vendor and the VF Device ID of the PF's SR-IOV capability. */
	if (d->physfn) {
		n->vendor = d->physfn->vendor;
		n->device = d->physfn->sriov_vf_device;
	}
	n->subvendor = d->subvendor;
	n->subdevice = d->subdevice;
	n->pcie = d->has_pcie;
	n->type = d->pcie_type;
	n->bridge_hdr = d->header_type == PCI_HEADER_TYPE_BRIDGE;
	/* pci_scan_slot() marks every function past 0 multifunction; a VF
	 * never is (pci_iov_add_virtfn). */
	n->multifunction = !d->physfn && (d->multifunction || d->addr.fn > 0);
	n->root_bus = !d->parent;
	n->up = d->parent ? &s->n[d->parent - s->h->devs] : NULL;
	n->bus = (unsigned)d->addr.domain << 8 | d->addr.bus;
	n->devfn = (uint8_t)(d->addr.dev << 3 | d->addr.fn);
	n->has_acs = d->has_acs;
	n->acs_cap = d->acs_cap;
	n->rcba = -1;
	n->group = -1;
	dda_predict_dma_quirks(n);
	/* pci_enable_acs() at probe ORs the capability's SV RR CR UF into
	 * what firmware left in the controls. */
	n->acs_ctrl = d->acs_ctrl;
	if (n->has_acs && dda_predict_std_enable(n))
		n->acs_ctrl |= (uint16_t)(n->acs_cap & REQ_ACS);
	if (dda_predict_intel_pch(n))
		n->rcba = intel_rcba(s, n);
}

static bool listed(const struct dda_predict_opts *o, const struct dda_device *d)
{
	struct dda_pciaddr fn0 = d->addr;

	/* The scan finds functions past 0 only through function 0
	 * (pci_scan_slot, next_fn): without it the slot is empty. */
	fn0.fn = 0;
	for (size_t i = 0; o && i < o->nwithout; i++)
		if (!dda_pciaddr_cmp(&o->without[i], &d->addr) || (!d->physfn && !dda_pciaddr_cmp(&o->without[i], &fn0)))
			return true;
	return false;
}

/* Children in address order, as linked lists over the nodes. */
struct tree {
	size_t *first, *next; /* SIZE_MAX ends a list */
};

static void visit_bus(struct sim *s, const struct tree *t, size_t head)
{
	/* The functions of one bus first, then each bridge's bus in turn. */
	for (size_t c = head; c != SIZE_MAX; c = t->next[c])
		if (!s->n[c].d->physfn && !s->n[c].gone)
			s->order[s->norder++] = c;
	for (size_t c = head; c != SIZE_MAX; c = t->next[c])
		if (!s->n[c].d->physfn && !s->n[c].gone && t->first[c] != SIZE_MAX)
			visit_bus(s, t, t->first[c]);
}

static int probe_order(struct sim *s)
{
	size_t n = s->h->ndevs, roots = SIZE_MAX;
	struct tree t = { malloc((n + 1) * sizeof(size_t)), malloc((n + 1) * sizeof(size_t)) };

	if (!t.first || !t.next) {
		free(t.first);
		free(t.next);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		t.first[i] = SIZE_MAX;
	/* Built back to front, so that each list comes out in address order. */
	for (size_t i = n; i-- > 0;) {
		const struct dda_pnode *up = s->n[i].up;
		size_t *head = up ? &t.first[up - s->n] : &roots;

		t.next[i] = *head;
		*head = i;
	}
	visit_bus(s, &t, roots);
	s->nboot = s->norder;
	for (size_t i = 0; i < n; i++)
		if (s->n[i].d->physfn && !s->n[i].gone)
			s->order[s->norder++] = i;
	free(t.first);
	free(t.next);
	return 0;
}

static int cmp_predicted(const void *a, const void *b)
{
	return dda_pciaddr_cmp(&((const struct dda_predicted *)a)->addr, &((const struct dda_predicted *)b)->addr);
}

static int run(struct sim *s, const struct dda_predict_opts *opts, struct dda_prediction *p)
{
	size_t n = s->h->ndevs;
	int r;

	s->n = calloc(n + 1, sizeof(*s->n));
	s->order = calloc(n + 1, sizeof(size_t));
	s->pos = calloc(n + 1, sizeof(size_t));
	p->devs = calloc(n + 1, sizeof(*p->devs));
	if (!s->n || !s->order || !s->pos || !p->devs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		make_node(s, i);
	r = dda_predict_apply_moves(s->h, opts, s->n);
	if (r < 0)
		return r;
	/* Removed functions take all below them where they now are, and a
	 * PF its VFs. */
	for (size_t i = 0; i < n; i++)
		for (const struct dda_pnode *a = &s->n[i]; a && !s->n[i].gone; a = a->up)
			s->n[i].gone = listed(opts, a->d) || (a->d->physfn && listed(opts, a->d->physfn));
	if (probe_order(s) < 0)
		return -ENOMEM;
	for (size_t k = 0; k < s->norder; k++)
		s->pos[s->order[k]] = k;
	for (size_t k = 0; k < s->norder; k++) {
		struct dda_pnode *node = &s->n[s->order[k]];
		struct dda_predicted *out = &p->devs[s->order[k]];

		s->cur = k;
		out->addr = node->addr;
		out->from = node->d->addr;
		out->moved = node->moved;
		snprintf(out->name, sizeof(out->name), "%s", node->name);
		out->vendor = node->vendor;
		out->device = node->device;
		device_group(s, node, out);
		out->group = node->group;
	}
	/* Keep the removed ones out, the rest in address order. */
	p->ndevs = 0;
	for (size_t i = 0; i < n; i++)
		if (!s->n[i].gone)
			p->devs[p->ndevs++] = p->devs[i];
	/* A moved card has its new address's place. */
	qsort(p->devs, p->ndevs, sizeof(*p->devs), cmp_predicted);
	p->ngroups = s->next_group;
	return 0;
}

/* What the tree cannot tell about a function's group. */
static void mark_unknowns(const struct sim *s, struct dda_prediction *p)
{
	for (size_t k = 0; k < p->ndevs; k++) {
		struct dda_predicted *out = &p->devs[k];
		const struct dda_device *d = dda_host_find(s->h, &out->from);
		const struct dda_pnode *n = d ? &s->n[d - s->h->devs] : NULL;

		if (!n)
			continue;
		for (const struct dda_pnode *q = n; q; q = q->up) {
			if (q->d->d3cold)
				snprintf(out->note, sizeof(out->note),
					 "'%s' reads all ones (powered down): its type and ACS are unknown", q->name);
			else if (q->d->config_len > 0 && q->d->config_len < 256)
				/* A user reads the header only: even the PCIe
				 * capability, which says what the function is,
				 * lies beyond it. */
				snprintf(out->note, sizeof(out->note),
					 "only %zu bytes of '%s' config space were read: its PCIe type and ACS are unknown (read as root)",
					 q->d->config_len, q->name);
			else if (q->pcie && q->d->config_len < 4096 && q->d->config_len > 0)
				snprintf(out->note, sizeof(out->note),
					 "only %zu bytes of '%s' config space were read: its ACS capability is unknown (read as root)",
					 q->d->config_len, q->name);
			else if (q->rcba < 0 && dda_predict_intel_pch(q))
				snprintf(out->note, sizeof(out->note),
					 "Intel PCH root port '%s': its ACS quirk needs the LPC bridge's RCBA, which cannot be read; taken as enabled",
					 q->name);
			else
				continue;
			out->uncertain = true;
			break;
		}
	}
}

int dda_predict_host(const struct dda_host *h, const struct dda_predict_opts *opts, struct dda_prediction **ret)
{
	_cleanup_(dda_prediction_freep) struct dda_prediction *p = calloc(1, sizeof(*p));
	struct sim s = { .ctx = h->ctx, .h = h, .env.opts = opts };
	int r;

	if (!p)
		return -ENOMEM;
	/* A scoped scan lacks the functions that decide groups elsewhere. */
	if (h->ndevs != h->nfunctions)
		return dda_error(-EINVAL, NULL, "a prediction needs every PCI function, the host scan has %zu of %zu",
				 h->ndevs, h->nfunctions);
	for (size_t i = 0; opts && i < opts->nwithout; i++)
		if (!dda_host_find(h, &opts->without[i])) {
			char name[DDA_PCIADDR_LEN];

			dda_pciaddr_format(&opts->without[i], name);
			return dda_error_input(-ENODEV, "no-device", name, "no PCI function '%s' to leave out", name);
		}
	s.env.ivrs = dda_exists(h->ctx, "sys/firmware/acpi/tables/IVRS") > 0 || strstr(h->info.units, "ivhd");
	p->kernel = opts ? opts->kernel : DDA_PREDICT_KERNEL_6_12;
	r = run(&s, opts, p);
	if (r == 0)
		mark_unknowns(&s, p);
	free(s.n);
	free(s.order);
	free(s.pos);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

int dda_predict_groups(struct dda_ctx *ctx, const struct dda_predict_opts *opts, struct dda_prediction **ret)
{
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	int r = dda_host_scan(ctx, &h, 0);

	return r < 0 ? r : dda_predict_host(h, opts, ret);
}

void dda_prediction_free(struct dda_prediction *p)
{
	if (!p)
		return;
	free(p->devs);
	free(p);
}

const struct dda_predicted *dda_prediction_find(const struct dda_prediction *p, const struct dda_pciaddr *a)
{
	for (size_t i = 0; p && i < p->ndevs; i++)
		if (!dda_pciaddr_cmp(&p->devs[i].addr, a))
			return &p->devs[i];
	return NULL;
}
