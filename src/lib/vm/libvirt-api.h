/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt's C API, for `ddactl libvirt attach|detach`: one connection to
 * one domain.  Built as a library of its own (libdda-vm-libvirt) that only
 * the command line links, so the rest of the library and its tests never
 * need libvirt; this header names none of libvirt's types.
 *
 * Errors are libvirt's own message (libvirt prints nothing: its default
 * error output is turned off), recorded naming the domain.
 */
#ifndef DDA_LIBVIRT_API_H
#define DDA_LIBVIRT_API_H

#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"

struct dda_lvapi;

enum dda_lvapi_flags {
	DDA_LVAPI_LIVE = 1 << 0,   /* the running domain */
	DDA_LVAPI_CONFIG = 1 << 1, /* its persistent definition */
};

/* Connects to uri (NULL: libvirt's default) and looks the domain up by
 * name: -ENOENT (code "no-domain") when there is none. */
int dda_lvapi_open(const char *uri, const char *domain, struct dda_lvapi **ret) _must_check_;
void dda_lvapi_close(struct dda_lvapi *c);
DDA_DEFINE_CLEANUP(struct dda_lvapi, dda_lvapi_close)

/* Whether the domain runs now (1, 0, or -errno recorded). */
int dda_lvapi_active(struct dda_lvapi *c) _must_check_;

/* The domain XML (live when running), caller frees *ret. */
int dda_lvapi_xml(struct dda_lvapi *c, bool inactive, char **ret) _must_check_;

int dda_lvapi_attach(struct dda_lvapi *c, const char *xml, unsigned flags) _must_check_;

/* Asks libvirt to detach the device and, for a live detach, waits up to
 * timeout_ms for its device-removed event for alias (the guest's answer
 * to the unplug).  *ret_pending when it did not come in time: the detach
 * stays asked, and the guest may still let go later.  xml NULL: the
 * detach was asked before, only wait. */
int dda_lvapi_detach(struct dda_lvapi *c, const char *xml, const char *alias, unsigned flags, int timeout_ms,
		     bool *ret_pending) _must_check_;

#endif
