/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What ddactl remembers of libvirt's domains: each domain's policy for
 * the hook (ddactl libvirt policy), and which devices a domain holds.
 *
 * One owner across both worlds: a device is held by at most one ddactl
 * VM (vm_device) or one libvirt domain (libvirt_device), and by neither
 * while another member of its IOMMU group is held by someone else.
 * dda_owner_find() is the one question both sides ask.
 */
#ifndef DDA_LIBVIRT_H
#define DDA_LIBVIRT_H

#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"
#include "pciaddr.h"
#include "state.h"
#include "vm.h"

/* libvirt allows long names with spaces; ddactl takes what fits its
 * error record and no '/', control characters or newlines. */
#define DDA_LIBVIRT_NAME_MAX 96

/* Printable, 1..DDA_LIBVIRT_NAME_MAX bytes, no '/'. */
bool dda_libvirt_name_valid(const char *name);

struct dda_libvirt_policy {
	char domain[DDA_LIBVIRT_NAME_MAX + 1];
	bool return_to_host;   /* release: mount the devices back to their host drivers */
	bool require_pool;     /* prepare: refuse a hostdev not in the pool */
	bool dismount_managed; /* prepare: dismount managed='yes' hostdevs' groups into the pool */
	bool stored;	       /* false: no row, the defaults */
};

/* The domain's policy; the defaults (all off, stored false) without a
 * row.  s may be NULL (no database yet). */
int dda_libvirt_policy_get(struct dda_state *s, const char *domain, struct dda_libvirt_policy *ret) _must_check_;
int dda_libvirt_policy_put(struct dda_state *s, const struct dda_libvirt_policy *p) _must_check_;

struct dda_libvirt_device {
	char address[DDA_PCIADDR_LEN];
	char domain[DDA_LIBVIRT_NAME_MAX + 1];
	char alias[64];			/* "" when unknown */
	enum dda_vm_device_state state; /* removing: detach asked, the guest has not let go */
	char since[32];
};

/* -ENOENT (not recorded) when no domain holds address; s may be NULL. */
int dda_libvirt_device_get(struct dda_state *s, const char *address, struct dda_libvirt_device *ret) _must_check_;
/* Inserts or replaces the row of d->address. */
int dda_libvirt_device_put(struct dda_state *s, const struct dda_libvirt_device *d) _must_check_;
int dda_libvirt_device_drop(struct dda_state *s, const char *address) _must_check_;
/* The domain's devices, in address order.  Caller frees *ret. */
int dda_libvirt_devices(struct dda_state *s, const char *domain, struct dda_libvirt_device **ret,
			size_t *ret_n) _must_check_;

enum dda_owner_kind {
	DDA_OWNER_NONE,
	DDA_OWNER_VM,	   /* a ddactl VM */
	DDA_OWNER_LIBVIRT, /* a libvirt domain */
};

struct dda_owner {
	enum dda_owner_kind kind;
	char name[DDA_LIBVIRT_NAME_MAX + 1];
};

/* Who holds address: kind NONE when nobody does.  s may be NULL. */
int dda_owner_find(struct dda_state *s, const char *address, struct dda_owner *ret) _must_check_;

/* "libvirt:DOMAIN" or the VM's name (as `ddactl pool` has always shown
 * it), "" for none; into buf, returned. */
const char *dda_owner_label(const struct dda_owner *o, char *buf, size_t size);

#endif
