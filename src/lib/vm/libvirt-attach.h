/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `ddactl libvirt attach|detach`: a pooled device given to a libvirt
 * domain as <hostdev managed='no'> and taken back, every check made
 * before libvirt is called, the owner recorded after (libvirt:DOMAIN).
 * In libdda-vm-libvirt with libvirt-api.c, which only the CLI links.
 */
#ifndef DDA_LIBVIRT_ATTACH_H
#define DDA_LIBVIRT_ATTACH_H

#include <stdbool.h>

#include "host.h"
#include "libvirt-api.h"
#include "state.h"

struct dda_lvchange {
	char alias[64]; /* libvirt's name of the device in the running domain, or "" */
	bool live;	/* the running domain changed (else only its definition) */
};

/* d scanned in h with host use.  The checks of dda_lvhook_check_attach,
 * then libvirt's attach (flags: enum dda_lvapi_flags; neither: libvirt's
 * "current"); a live attach records d as the domain's.  uri NULL:
 * libvirt's default.  Audited. */
int dda_lvattach(struct dda_state *s, struct dda_host *h, struct dda_device *d, const char *uri, const char *domain,
		 unsigned flags, struct dda_lvchange *ret) _must_check_;

/* libvirt's detach; a live one waits up to timeout_ms for the
 * device-removed event and then releases the record.  Not in time:
 * -EINPROGRESS (code "pending", recorded) and the device stays the
 * domain's, marked removing; a later call waits again without asking the
 * guest twice.  Audited. */
int dda_lvdetach(struct dda_state *s, struct dda_device *d, const char *uri, const char *domain, unsigned flags,
		 int timeout_ms, struct dda_lvchange *ret) _must_check_;

#endif
