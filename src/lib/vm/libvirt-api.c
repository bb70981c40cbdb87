/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "error.h"
#include "libvirt-api.h"

/*
 * libvirt on first use: libvirt.so brings GLib, GnuTLS, curl and some
 * fifty libraries, whose loading would cost every run of ddactl several
 * milliseconds (five times a bare run), for the two commands that speak
 * to libvirtd.  As dlkmod.c does for libkmod, the library is opened when
 * a connection is first made; its own headers give the prototypes.
 */
#define LIBVIRT "libvirt.so.0"

static struct {
	typeof(&virSetErrorFunc) virSetErrorFunc;
	typeof(&virEventRegisterDefaultImpl) virEventRegisterDefaultImpl;
	typeof(&virConnectOpen) virConnectOpen;
	typeof(&virDomainLookupByName) virDomainLookupByName;
	typeof(&virDomainFree) virDomainFree;
	typeof(&virConnectClose) virConnectClose;
	typeof(&virGetLastErrorMessage) virGetLastErrorMessage;
	typeof(&virDomainIsActive) virDomainIsActive;
	typeof(&virDomainGetXMLDesc) virDomainGetXMLDesc;
	typeof(&virDomainAttachDeviceFlags) virDomainAttachDeviceFlags;
	typeof(&virDomainDetachDeviceFlags) virDomainDetachDeviceFlags;
	typeof(&virConnectDomainEventRegisterAny) virConnectDomainEventRegisterAny;
	typeof(&virConnectDomainEventDeregisterAny) virConnectDomainEventDeregisterAny;
	typeof(&virEventAddTimeout) virEventAddTimeout;
	typeof(&virEventRemoveTimeout) virEventRemoveTimeout;
	typeof(&virEventRunDefaultImpl) virEventRunDefaultImpl;
} sym;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool loaded;
static char why[256];

static void load(void)
{
	void *dl = dlopen(LIBVIRT, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	const char *missing = NULL;

	if (!dl) {
		snprintf(why, sizeof(why), "%s", dlerror());
		return;
	}
#define LOAD(name)                                                             \
	do {                                                                   \
		if (!missing && !(sym.name = (typeof(&name))dlsym(dl, #name))) \
			missing = #name;                                       \
	} while (0)
	LOAD(virSetErrorFunc);
	LOAD(virEventRegisterDefaultImpl);
	LOAD(virConnectOpen);
	LOAD(virDomainLookupByName);
	LOAD(virDomainFree);
	LOAD(virConnectClose);
	LOAD(virGetLastErrorMessage);
	LOAD(virDomainIsActive);
	LOAD(virDomainGetXMLDesc);
	LOAD(virDomainAttachDeviceFlags);
	LOAD(virDomainDetachDeviceFlags);
	LOAD(virConnectDomainEventRegisterAny);
	LOAD(virConnectDomainEventDeregisterAny);
	LOAD(virEventAddTimeout);
	LOAD(virEventRemoveTimeout);
	LOAD(virEventRunDefaultImpl);
#undef LOAD
	if (missing) {
		snprintf(why, sizeof(why), "%s has no %s", LIBVIRT, missing);
		return;
	}
	loaded = true;
}

struct dda_lvapi {
	virConnectPtr conn;
	virDomainPtr dom;
	char name[128];
};

/* libvirt prints every error to stderr unless told otherwise; the
 * library never prints, so its errors are only read back. */
static void quiet(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;
}

static int lv_error(int err, const char *code, const char *domain, const char *what)
{
	const char *msg = sym.virGetLastErrorMessage();

	return dda_error_code(err, code, domain, "libvirt domain '%s': %s: %s", domain, what,
			      msg ? msg : "unknown error");
}

int dda_lvapi_open(const char *uri, const char *domain, struct dda_lvapi **ret)
{
	struct dda_lvapi *c;

	pthread_once(&once, load);
	if (!loaded)
		return dda_error(-ELIBACC, domain, "cannot load %s for libvirt domain '%s': %s (apt install libvirt0)",
				 LIBVIRT, domain, why);
	sym.virSetErrorFunc(NULL, quiet);
	/* before the connection: its events are dispatched by this loop */
	if (sym.virEventRegisterDefaultImpl() < 0)
		return lv_error(-EIO, "libvirt", domain, "cannot start an event loop");
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	snprintf(c->name, sizeof(c->name), "%s", domain);
	c->conn = sym.virConnectOpen(uri);
	if (!c->conn) {
		int r = dda_error_code(-ECONNREFUSED, "libvirt", domain,
				       "cannot connect to libvirt%s%s for domain '%s': %s", uri ? " at " : "",
				       uri ? uri : "", domain, sym.virGetLastErrorMessage());

		dda_lvapi_close(c);
		return r;
	}
	c->dom = sym.virDomainLookupByName(c->conn, domain);
	if (!c->dom) {
		int r = dda_error_input(-ENOENT, "no-domain", domain, "no libvirt domain '%s' ('virsh list --all')",
					domain);

		dda_lvapi_close(c);
		return r;
	}
	*ret = c;
	return 0;
}

void dda_lvapi_close(struct dda_lvapi *c)
{
	if (!c)
		return;
	if (c->dom)
		sym.virDomainFree(c->dom);
	if (c->conn)
		sym.virConnectClose(c->conn);
	free(c);
}

int dda_lvapi_active(struct dda_lvapi *c)
{
	int a = sym.virDomainIsActive(c->dom);

	return a < 0 ? lv_error(-EIO, "libvirt", c->name, "cannot tell whether it runs") : a;
}

int dda_lvapi_xml(struct dda_lvapi *c, bool inactive, char **ret)
{
	char *x = sym.virDomainGetXMLDesc(c->dom, inactive ? VIR_DOMAIN_XML_INACTIVE : 0);

	if (!x)
		return lv_error(-EIO, "libvirt", c->name, "cannot read its XML");
	*ret = x;
	return 0;
}

static unsigned affect(unsigned flags)
{
	return (flags & DDA_LVAPI_LIVE ? VIR_DOMAIN_AFFECT_LIVE : 0) |
	       (flags & DDA_LVAPI_CONFIG ? VIR_DOMAIN_AFFECT_CONFIG : 0);
}

int dda_lvapi_attach(struct dda_lvapi *c, const char *xml, unsigned flags)
{
	if (sym.virDomainAttachDeviceFlags(c->dom, xml, affect(flags)) < 0)
		return lv_error(-EIO, "libvirt", c->name, "attaching the device failed");
	return 0;
}

struct removal {
	const char *alias;
	bool removed;
};

static void on_removed(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque)
{
	struct removal *w = opaque;

	(void)conn;
	(void)dom;
	if (alias && !strcmp(alias, w->alias))
		w->removed = true;
}

/* wakes the loop up, so that the deadline is looked at */
static void tick(int timer, void *opaque)
{
	(void)timer;
	(void)opaque;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int dda_lvapi_detach(struct dda_lvapi *c, const char *xml, const char *alias, unsigned flags, int timeout_ms,
		     bool *ret_pending)
{
	struct removal w = { .alias = alias };
	long long deadline;
	int cb = -1, timer = -1, r = 0;

	*ret_pending = false;
	/* registered before the detach, so that the event cannot be missed */
	if ((flags & DDA_LVAPI_LIVE) && alias && alias[0]) {
		cb = sym.virConnectDomainEventRegisterAny(c->conn, c->dom, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
							  VIR_DOMAIN_EVENT_CALLBACK(on_removed), &w, NULL);
		if (cb < 0)
			return lv_error(-EIO, "libvirt", c->name, "cannot watch for the device's removal");
		timer = sym.virEventAddTimeout(100, tick, NULL, NULL);
	}
	if (xml && sym.virDomainDetachDeviceFlags(c->dom, xml, affect(flags)) < 0) {
		r = lv_error(-EIO, "libvirt", c->name, "detaching the device failed");
		goto out;
	}
	if (cb < 0)
		goto out;
	deadline = now_ms() + timeout_ms;
	while (!w.removed && now_ms() < deadline)
		if (sym.virEventRunDefaultImpl() < 0) {
			r = lv_error(-EIO, "libvirt", c->name, "the event loop failed");
			goto out;
		}
	*ret_pending = !w.removed;
out:
	if (timer >= 0)
		sym.virEventRemoveTimeout(timer);
	if (cb >= 0)
		sym.virConnectDomainEventDeregisterAny(c->conn, cb);
	return r;
}
