/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What ddactl decides when libvirt starts and stops a domain (its QEMU
 * hook, /etc/libvirt/hooks/qemu.d/ddactl), and the checks of `ddactl
 * libvirt attach`.  Nothing here calls libvirt: a hook that did would
 * deadlock libvirtd, which waits for it.
 *
 * - prepare: every PCI hostdev of the domain is checked with the
 *   survey's own reasons, the pool's quarantine and both worlds' owners;
 *   each device refused gets one line.  Only when none is refused does
 *   the domain's policy act (dismount managed='yes' groups into the pool).
 * - started: the domain holds its hostdevs (owner libvirt:DOMAIN).
 * - release: it holds them no more; with return-to-host they are mounted
 *   back to their host drivers.
 */
#ifndef DDA_LIBVIRT_HOOK_H
#define DDA_LIBVIRT_HOOK_H

#include <stddef.h>

#include "domxml.h"
#include "host.h"
#include "libvirt.h"
#include "pool.h"
#include "state.h"

struct dda_lvhook_refusal {
	char address[DDA_PCIADDR_LEN];
	char code[48];
	char message[1024]; /* "refusing to start D: 'ADDR' ... (fix)" */
};

struct dda_lvhook_result {
	struct dda_lvhook_refusal *refusals;
	size_t nrefused;
	struct dda_repair done; /* what the policy did, a line each */
};

void dda_lvhook_result_release(struct dda_lvhook_result *r);

/* prepare/begin.  0 with nrefused > 0 when the start must be refused;
 * -errno (recorded) when ddactl itself failed, which refuses it too.
 * Scans only what the hostdevs need. */
int dda_lvhook_prepare(struct dda_state *s, const char *domain, const struct dda_domxml *x,
		       struct dda_lvhook_result *ret) _must_check_;

/* started/begin, reconnect/begin: records each hostdev as the domain's. */
int dda_lvhook_started(struct dda_state *s, const char *domain, const struct dda_domxml *x,
		       struct dda_lvhook_result *ret) _must_check_;

/* release/end, stopped/end: drops the domain's records (idempotent) and,
 * under return-to-host, mounts what it held back to the host. */
int dda_lvhook_release(struct dda_state *s, const char *domain, struct dda_lvhook_result *ret) _must_check_;

/* ddactl libvirt attach: d (scanned in h with host use and checks) is
 * pooled, on vfio-pci, not quarantined, its whole group pooled and held
 * by nobody.  -errno recorded, naming the device, the reason, the fix. */
int dda_lvhook_check_attach(struct dda_state *s, struct dda_host *h, const char *domain,
			    const struct dda_device *d) _must_check_;

/* Records d as held by domain (alias may be ""), audited as op. */
int dda_lvhook_hold(struct dda_state *s, const char *op, const char *domain, const char *address,
		    const char *alias) _must_check_;
/* Drops the record of address, audited as op. */
int dda_lvhook_unhold(struct dda_state *s, const char *op, const char *domain, const char *address) _must_check_;

/* --pool: the first member of the named pool that passes
 * dda_lvhook_check_attach. */
int dda_lvhook_pick_pool(struct dda_state *s, struct dda_host *h, const char *domain, const char *pool,
			 struct dda_device **ret) _must_check_;

#endif
