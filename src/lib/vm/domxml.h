/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt's domain XML, as much as ddactl needs of it: the domain's name
 * and its PCI <hostdev mode='subsystem' type='pci'> elements, with the
 * <interface type='hostdev'> ones that give a VF as a NIC (libxml2,
 * without the network and without entities), and the one <hostdev> ddactl
 * writes for a pooled device.
 */
#ifndef DDA_DOMXML_H
#define DDA_DOMXML_H

#include <stdbool.h>
#include <stddef.h>

#include "libvirt.h"
#include "pciaddr.h"

struct dda_domxml_hostdev {
	struct dda_pciaddr addr;
	char name[DDA_PCIADDR_LEN]; /* "0000:05:00.0" */
	bool managed;		    /* managed='yes': libvirt binds it itself */
	char alias[64];		    /* <alias name=.../> of a running domain, or "" */
};

struct dda_domxml {
	char name[DDA_LIBVIRT_NAME_MAX + 1]; /* <name>, "" when absent */
	struct dda_domxml_hostdev *hostdevs;
	size_t n;
};

/* Parses the document (len bytes).  -EINVAL (code "bad-domain-xml",
 * recorded, naming what) for one that is not XML, is no <domain>, or has a
 * PCI hostdev without a whole source address. */
int dda_domxml_parse(const char *xml, size_t len, const char *what, struct dda_domxml *ret) _must_check_;
void dda_domxml_release(struct dda_domxml *d);

/* The hostdev with this address, or NULL. */
const struct dda_domxml_hostdev *dda_domxml_find(const struct dda_domxml *d, const char *address);

/* <hostdev mode='subsystem' type='pci' managed='no'> with the vfio driver
 * and the source address, indented by indent spaces; managed='no' since
 * ddactl, not libvirt, owns the binding.  Into buf; -ENOSPC when short. */
int dda_domxml_hostdev_format(const struct dda_pciaddr *a, unsigned indent, char *buf, size_t size) _must_check_;

#endif
