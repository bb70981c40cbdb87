/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attaching pooled devices to libvirt domains and detaching them: ddactl's
 * checks and records around libvirt's API (libvirt-api.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "checks.h"
#include "domxml.h"
#include "error.h"
#include "libvirt-api.h"
#include "libvirt-attach.h"
#include "libvirt-hook.h"

/* The live alias of the hostdev at address, "" when the domain does not
 * run or does not have it. */
static int live_alias(struct dda_lvapi *api, const char *domain, const char *address, char *alias, size_t size,
		      bool *ret_present)
{
	_cleanup_free_ char *xml = NULL;
	struct dda_domxml x = { 0 };
	const struct dda_domxml_hostdev *hd;
	int r;

	alias[0] = '\0';
	*ret_present = false;
	r = dda_lvapi_xml(api, false, &xml);
	if (r == 0)
		r = dda_domxml_parse(xml, strlen(xml), domain, &x);
	if (r < 0)
		return r;
	hd = dda_domxml_find(&x, address);
	if (hd) {
		*ret_present = true;
		snprintf(alias, size, "%s", hd->alias);
	}
	dda_domxml_release(&x);
	return 0;
}

/* Every check first (the device, its group, its owners), then the API. */
/* The hostdev's XML, the connection, and whether the call changes the
 * running domain (libvirt's "current", without flags, is the running
 * domain when it runs); the audit row's detail says where. */
struct call {
	struct dda_lvapi *api;
	char xml[512];
	bool running, live;
	char detail[160];
};

static int connect_for(const struct dda_device *d, const char *uri, const char *domain, unsigned flags, const char *dir,
		       struct call *c)
{
	int r = dda_domxml_hostdev_format(&d->addr, 0, c->xml, sizeof(c->xml));

	if (r == 0)
		r = dda_lvapi_open(uri, domain, &c->api);
	if (r == 0)
		r = dda_lvapi_active(c->api);
	if (r < 0)
		return r;
	c->running = r == 1;
	c->live = c->running && (flags & DDA_LVAPI_LIVE || !flags);
	snprintf(c->detail, sizeof(c->detail), "%s libvirt domain %s%s%s", dir, domain, c->live ? ", live" : "",
		 flags & DDA_LVAPI_CONFIG ? ", config" : "");
	return 0;
}

static void call_release(struct call *c)
{
	dda_lvapi_close(c->api);
}

int dda_lvattach(struct dda_state *s, struct dda_host *h, struct dda_device *d, const char *uri, const char *domain,
		 unsigned flags, struct dda_lvchange *ret)
{
	_cleanup_(call_release) struct call c = { 0 };
	char alias[64] = "";
	bool present = false;
	int64_t audit;
	int r;

	r = dda_checks_run(h);
	if (r == 0)
		r = dda_lvhook_check_attach(s, h, domain, d);
	if (r == 0)
		r = connect_for(d, uri, domain, flags, "to", &c);
	if (r < 0)
		return r;
	audit = dda_audit_start(s, "libvirt attach", d->name, c.detail);
	if (audit < 0)
		return (int)audit;
	/* Only what the running domain holds is the domain's now; a
	 * definition's device is checked and recorded by the hook at start.
	 * The hold is written first: once libvirt has given the device to the
	 * guest, nothing must find it free, even if what follows fails. */
	if (c.live) {
		struct dda_libvirt_device row = { .state = DDA_VM_DEVICE_ASSIGNED };

		snprintf(row.address, sizeof(row.address), "%s", d->name);
		snprintf(row.domain, sizeof(row.domain), "%s", domain);
		r = dda_libvirt_device_put(s, &row);
	}
	if (r == 0) {
		r = dda_lvapi_attach(c.api, c.xml, flags);
		if (r < 0 && c.live) {
			struct dda_error_info keep = dda_error_save();

			if (dda_libvirt_device_drop(s, d->name) < 0)
				dda_error_clear(); /* the attach's error is the one to tell */
			dda_error_restore(&keep, r);
		}
	}
	/* the alias is for a later detach's event; without it the hold stays */
	if (r == 0 && c.live && live_alias(c.api, domain, d->name, alias, sizeof(alias), &present) < 0)
		alias[0] = '\0';
	if (r == 0 && c.live)
		r = dda_lvhook_hold(s, "libvirt attach", domain, d->name, alias);
	dda_audit_end_r(s, audit, r, DDA_OUTCOME_FAILED);
	if (r < 0)
		return r;
	snprintf(ret->alias, sizeof(ret->alias), "%s", alias);
	ret->live = c.live;
	return 0;
}

int dda_lvdetach(struct dda_state *s, struct dda_device *d, const char *uri, const char *domain, unsigned flags,
		 int timeout_ms, struct dda_lvchange *ret)
{
	_cleanup_(call_release) struct call c = { 0 };
	struct dda_libvirt_device row;
	char alias[64] = "";
	bool present = false, pending = false, held;
	int64_t audit;
	int r;

	held = dda_libvirt_device_get(s, d->name, &row) == 0;
	if (held && strcmp(row.domain, domain))
		return dda_error_code(-EBUSY, "held", d->name, "'%s' is held by libvirt domain '%s', not '%s'", d->name,
				      row.domain, domain);
	r = connect_for(d, uri, domain, flags, "from", &c);
	if (r < 0)
		return r;
	if (c.live) {
		r = live_alias(c.api, domain, d->name, alias, sizeof(alias), &present);
		if (r < 0)
			return r;
	}
	if (c.live && !present && !held && !(flags & DDA_LVAPI_CONFIG))
		return dda_error_code(-ENOENT, "not-assigned", d->name,
				      "'%s' is not attached to libvirt domain '%s' ('virsh dumpxml %s' lists its hostdevs)",
				      d->name, domain, domain);
	audit = dda_audit_start(s, "libvirt detach", d->name, c.detail);
	if (audit < 0)
		return (int)audit;
	if (c.live && !present && !(flags & DDA_LVAPI_CONFIG)) {
		/* the guest let go earlier: what is left is the record */
		r = 0;
	} else {
		bool asked = held && row.state == DDA_VM_DEVICE_REMOVING && present;

		if (held && c.live) {
			row.state = DDA_VM_DEVICE_REMOVING;
			r = dda_libvirt_device_put(s, &row);
		}
		/* asked before and still pending: QEMU refuses a second unplug */
		if (r == 0)
			r = dda_lvapi_detach(c.api, asked ? NULL : c.xml, alias,
					     c.live && present ? flags | DDA_LVAPI_LIVE : flags, timeout_ms, &pending);
		/* the event may have come between two runs: the domain says */
		if (r == 0 && pending)
			r = live_alias(c.api, domain, d->name, alias, sizeof(alias), &pending);
		if (r < 0 && held && c.live && !asked) {
			/* libvirt refused: nothing was asked of the guest */
			struct dda_error_info keep = dda_error_save();

			row.state = DDA_VM_DEVICE_ASSIGNED;
			(void)!dda_libvirt_device_put(s, &row);
			dda_error_restore(&keep, r);
		}
	}
	if (r == 0 && pending) {
		dda_audit_end(s, audit, DDA_OUTCOME_STARTED, "asked libvirt to detach it; the guest has not let go yet");
		return dda_error_code(-EINPROGRESS, "pending", d->name,
				      "removal of '%s' from libvirt domain '%s' is pending: the guest has not released it yet; it stays the domain's until it does ('ddactl libvirt detach %s %s' again tells)",
				      d->name, domain, domain, d->name);
	}
	/* a --config detach leaves the running domain its device */
	if (r == 0 && held && (c.live || !c.running))
		r = dda_lvhook_unhold(s, "libvirt detach", domain, d->name);
	dda_audit_end_r(s, audit, r, DDA_OUTCOME_FAILED);
	if (r < 0)
		return r;
	dda_audit_settle(s, d->name, DDA_OUTCOME_DONE, "the guest let go: finished by a later detach");
	snprintf(ret->alias, sizeof(ret->alias), "%s", alias);
	ret->live = c.live;
	return 0;
}
