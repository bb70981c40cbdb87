/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * survey --predict --move: a card put into another, empty slot of the same
 * tree.  The model rewires the predictor's view only (each function's
 * address, bus and upstream bridge); the card keeps its config space, so
 * the kernel's rules then decide its group from where it now sits.  Only
 * what a card is can move: the functions of one endpoint slot, without a
 * bridge on it (a switch would bring buses of its own) or VFs (their
 * routing IDs follow the PF's and are not modelled).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pci/pci.h>

#include "error.h"
#include "host.h"
#include "predict-internal.h"

static bool same_slot(const struct dda_pciaddr *a, const struct dda_pciaddr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}

static bool has_child(const struct dda_host *h, const struct dda_device *d)
{
	for (size_t i = 0; i < h->ndevs; i++)
		if (h->devs[i].parent == d)
			return true;
	return false;
}

/* Taken out by --without: the function, or function 0 of its slot. */
static bool removed(const struct dda_predict_opts *o, const struct dda_device *d)
{
	for (size_t i = 0; i < o->nwithout; i++)
		if (!dda_pciaddr_cmp(&o->without[i], &d->addr) ||
		    (!d->physfn && same_slot(&o->without[i], &d->addr) && o->without[i].fn == 0))
			return true;
	return false;
}

/* A slot emptied with --without can take the card: "remove that one,
 * put this one there" is one what-if. */
static bool occupied(const struct dda_host *h, const struct dda_predict_opts *o, const struct dda_device *s)
{
	for (size_t i = 0; i < h->ndevs; i++)
		if (h->devs[i].parent == s && !removed(o, &h->devs[i]))
			return true;
	return false;
}

/* A bridge a card can be plugged below: a root or downstream port, or a
 * bridge to conventional PCI; an upstream port's bus is its switch's. */
static bool is_slot(const struct dda_device *d)
{
	return d->header_type == PCI_HEADER_TYPE_BRIDGE && !d->physfn &&
	       !(d->has_pcie && d->pcie_type == PCI_EXP_TYPE_UPSTREAM);
}

static bool taken(const struct dda_host *h, const struct dda_predict_opts *o, size_t upto, const struct dda_device *s)
{
	if (occupied(h, o, s))
		return true;
	for (size_t k = 0; k < upto; k++)
		if (!dda_pciaddr_cmp(&o->moves[k].slot, &s->addr))
			return true;
	return false;
}

/* "pick an empty slot: 0000:00:1c.0 0000:05:02.0" */
static void empty_slots(const struct dda_host *h, const struct dda_predict_opts *o, size_t upto, char *buf, size_t size)
{
	size_t off = (size_t)snprintf(buf, size, "pick an empty slot:");

	for (size_t i = 0; i < h->ndevs && off < size; i++)
		if (is_slot(&h->devs[i]) && !taken(h, o, upto, &h->devs[i]))
			off += (size_t)snprintf(buf + off, size - off, " %s", h->devs[i].name);
	if (!strcmp(buf, "pick an empty slot:"))
		snprintf(buf, size, "this tree has no empty slot");
}

/* Every reason a move cannot be modelled, checked before any node moves. */
static int check_move(const struct dda_host *h, const struct dda_predict_opts *o, size_t k,
		      const struct dda_device **ret_card, const struct dda_device **ret_slot)
{
	const struct dda_predict_move *m = &o->moves[k];
	const struct dda_device *card = dda_host_find(h, &m->device), *slot = dda_host_find(h, &m->slot);
	char dev[DDA_PCIADDR_LEN], port[DDA_PCIADDR_LEN], fix[400];

	dda_pciaddr_format(&m->device, dev);
	dda_pciaddr_format(&m->slot, port);
	if (!card)
		return dda_error_input(-ENODEV, "no-device", dev, "no PCI function '%s' to move", dev);
	if (card->physfn)
		return dda_error_input(-EINVAL, "bad-move", dev,
				       "cannot move '%s': it is a VF, which its PF '%s' creates, not a card in a slot; move the PF instead",
				       dev, card->physfn->name);
	if (card->class >> 8 == PCI_CLASS_BRIDGE_HOST)
		return dda_error_input(-EINVAL, "bad-move", dev,
				       "cannot move '%s': it is a host bridge, part of the root complex, not a card; move an endpoint",
				       dev);
	for (size_t i = 0; i < h->ndevs; i++) {
		const struct dda_device *f = &h->devs[i];

		if (f->physfn && same_slot(&f->physfn->addr, &card->addr))
			return dda_error_input(-EINVAL, "bad-move", dev,
					       "cannot move '%s': its slot has VF '%s' enabled, whose address after the move is not modelled; predict with sriov_numvfs 0 (a tree without VFs)",
					       dev, f->name);
		if (f->physfn || !same_slot(&f->addr, &card->addr))
			continue;
		if (f->header_type == PCI_HEADER_TYPE_BRIDGE || has_child(h, f))
			return dda_error_input(-EINVAL, "bad-move", dev,
					       "cannot move '%s': '%s' of its slot is a bridge, and a card with a switch or bridge on it is not modelled; move an endpoint",
					       dev, f->name);
	}
	for (size_t j = 0; j < k; j++)
		if (same_slot(&o->moves[j].device, &card->addr))
			return dda_error_input(-EINVAL, "bad-move", dev, "'%s' is moved twice: give one --move for it",
					       dev);
	empty_slots(h, o, k, fix, sizeof(fix));
	if (!slot)
		return dda_error_input(-ENODEV, "no-device", port, "no PCI function '%s' to move '%s' to: %s", port,
				       dev, fix);
	if (!is_slot(slot))
		return dda_error_input(-EINVAL, "bad-move", port,
				       "cannot move '%s' to '%s': it is not a root or downstream port or a PCI bridge; %s",
				       dev, port, fix);
	if (slot->secondary_bus <= slot->addr.bus)
		return dda_error_input(-EINVAL, "bad-move", port,
				       "cannot move '%s' to '%s': its secondary bus number is not set (firmware assigned none), so the card's address is unknown; %s",
				       dev, port, fix);
	if (taken(h, o, k, slot))
		return dda_error_input(-EINVAL, "bad-move", port,
				       "cannot move '%s' to '%s': the slot below it is occupied; %s", dev, port, fix);
	*ret_card = card;
	*ret_slot = slot;
	return 0;
}

int dda_predict_apply_moves(const struct dda_host *h, const struct dda_predict_opts *o, struct dda_pnode *n)
{
	const struct dda_device *card, *slot;
	int r;

	/* A refusal part way leaves some nodes moved: the caller then drops
	 * the whole prediction. */
	for (size_t k = 0; o && k < o->nmoves; k++) {
		r = check_move(h, o, k, &card, &slot);
		if (r < 0)
			return r;
		/* A port's link leads to device 0 of its secondary bus
		 * (PCIe 7.3.1): the card's functions keep their numbers. */
		for (size_t i = 0; i < h->ndevs; i++) {
			struct dda_pnode *p = &n[i];

			if (p->d->physfn || !same_slot(&p->d->addr, &card->addr))
				continue;
			p->addr = (struct dda_pciaddr){
				.domain = slot->addr.domain, .bus = slot->secondary_bus, .dev = 0, .fn = p->d->addr.fn
			};
			dda_pciaddr_format(&p->addr, p->name);
			p->up = &n[slot - h->devs];
			p->root_bus = false;
			p->bus = (unsigned)p->addr.domain << 8 | p->addr.bus;
			p->devfn = p->addr.fn;
			p->moved = true;
		}
	}
	return 0;
}
