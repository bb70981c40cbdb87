/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libkmod.h>
#include <pci/pci.h>

#include "device.h"
#include "dlkmod.h"
#include "driver.h"
#include "error.h"
#include "hostpath.h"
#include "wait.h"

#define DEV "sys/bus/pci/devices/%s/"

int dda_driver_current(struct dda_ctx *ctx, const char *bdf, char *buf, size_t size)
{
	int r = dda_read_link_base(ctx, buf, size, DEV "driver", bdf);

	if (r == -ENOENT) {
		buf[0] = '\0';
		return 0;
	}
	if (r < 0)
		return dda_error(r, bdf, "cannot read the driver of '%s': %s", bdf, strerror(-r));
	return 0;
}

int dda_driver_override_get(struct dda_ctx *ctx, const char *bdf, char *buf, size_t size)
{
	int r = dda_device_override(ctx, bdf, buf, size);

	if (r < 0)
		return dda_error(r, bdf, "cannot read driver_override of '%s': %s", bdf, strerror(-r));
	return 0;
}

int dda_driver_override_set(struct dda_ctx *ctx, const char *bdf, const char *driver)
{
	char cur[64];
	int r;

	r = dda_driver_override_get(ctx, bdf, cur, sizeof(cur));
	if (r < 0)
		return r;
	if (!strcmp(cur, driver ? driver : ""))
		return 0;
	/* A lone newline clears the override (libvirt does the same). */
	r = dda_write(ctx, driver && *driver ? driver : "\n", DEV "driver_override", bdf);
	if (r < 0)
		return dda_error(r, bdf, "cannot set driver_override of '%s' to '%s': %s", bdf,
				 driver && *driver ? driver : "(none)", strerror(-r));
	return 0;
}

int dda_driver_unbind(struct dda_ctx *ctx, const char *bdf)
{
	char cur[64];
	int r;

	r = dda_driver_current(ctx, bdf, cur, sizeof(cur));
	if (r < 0 || !cur[0])
		return r;
	r = dda_write(ctx, bdf, DEV "driver/unbind", bdf);
	if (r < 0)
		return dda_error(r, bdf, "cannot unbind '%s' from '%s': %s", bdf, cur, strerror(-r));
	return 0;
}

int dda_driver_probe(struct dda_ctx *ctx, const char *bdf)
{
	int r = dda_write(ctx, bdf, "sys/bus/pci/drivers_probe");

	/* drivers_probe says ENODEV or EPROBE_DEFER-like errors when no
	 * driver takes it; whether that is a failure is for the caller's
	 * verification to say. */
	if (r < 0 && r != -ENODEV && r != -EINVAL && r != -EBUSY)
		return dda_error(r, bdf, "cannot probe drivers for '%s': %s", bdf, strerror(-r));
	return 0;
}

int dda_driver_bind(struct dda_ctx *ctx, const char *bdf, const char *driver)
{
	int r = dda_write(ctx, bdf, "sys/bus/pci/drivers/%s/bind", driver);

	if (r < 0)
		return dda_error(r, bdf, "cannot bind '%s' to '%s': %s", bdf, driver, strerror(-r));
	return 0;
}

struct bound {
	struct dda_ctx *ctx;
	const char *bdf, *driver;
	char cur[64];
};

/* > 0 when the wait is over: bound to the driver, or to another one
 * (that one will not let go by itself, so waiting only delays the
 * caller's next step). */
static int bound_check(void *data)
{
	struct bound *b = data;
	int r = dda_driver_current(b->ctx, b->bdf, b->cur, sizeof(b->cur));

	if (r < 0)
		return r;
	return !strcmp(b->cur, b->driver) || (b->driver[0] && b->cur[0]);
}

int dda_driver_wait(struct dda_ctx *ctx, const char *bdf, const char *driver, int timeout_ms)
{
	struct bound b = { .ctx = ctx, .bdf = bdf, .driver = driver };
	int r;

	/* sysfs has no event for "bound"; binding is normally synchronous and
	 * the first check ends the wait.  Async probing drivers need the
	 * grace. */
	r = dda_poll(bound_check, &b, timeout_ms > 0 ? (unsigned)timeout_ms : 0);
	if (r < 0)
		return r;
	if (!strcmp(b.cur, driver))
		return 0;
	if (!driver[0])
		return dda_error(-ETIMEDOUT, bdf, "'%s' is still bound to '%s'", bdf, b.cur);
	return dda_error(-ETIMEDOUT, bdf, "'%s' did not bind to '%s' (driver now: %s)", bdf, driver,
			 b.cur[0] ? b.cur : "none");
}

int dda_driver_load_vfio(struct dda_ctx *ctx)
{
	struct kmod_list *list = NULL, *it;
	struct kmod_ctx *kmod;
	int r = -ENOENT;

	if (dda_exists(ctx, "sys/bus/pci/drivers/vfio-pci"))
		return 0;
	if (strcmp(dda_ctx_root(ctx), "/"))
		return dda_error(-ENOENT, "vfio-pci", "the vfio-pci driver is not loaded under root '%s'",
				 dda_ctx_root(ctx));
	r = dda_kmod_load("vfio-pci");
	if (r < 0)
		return r;
	r = -ENOENT;
	kmod = kmod_new(NULL, NULL);
	if (!kmod)
		return dda_error(-ENOMEM, "vfio-pci", "cannot start libkmod to load vfio-pci");
	kmod_set_log_priority(kmod, 0);
	if (kmod_module_new_from_lookup(kmod, "vfio-pci", &list) == 0 && list) {
		kmod_list_foreach(it, list)
		{
			struct kmod_module *m = kmod_module_get_module(it);

			r = kmod_module_probe_insert_module(m, KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY, NULL, NULL, NULL,
							    NULL);
			kmod_module_unref(m);
			break;
		}
		kmod_module_unref_list(list);
	}
	kmod_unref(kmod);
	if (r < 0)
		return dda_error(r, "vfio-pci", "cannot load the vfio-pci module: %s", strerror(-r));
	if (!dda_exists(ctx, "sys/bus/pci/drivers/vfio-pci"))
		return dda_error(-ENOENT, "vfio-pci", "vfio-pci was loaded but registered no driver");
	return 0;
}

int dda_driver_claim_vfio(struct dda_ctx *ctx, const char *bdf, int timeout_ms, char *was, size_t size)
{
	int r;

	r = dda_driver_override_set(ctx, bdf, "vfio-pci");
	if (r == 0)
		r = dda_driver_current(ctx, bdf, was, size);
	if (r < 0)
		return r;
	if (!strcmp(was, "vfio-pci"))
		return 1;
	/* Loading vfio-pci binds every unbound device whose override names
	 * it; a device a host driver took first is unbound. */
	r = dda_driver_load_vfio(ctx);
	if (r == 0 && was[0])
		r = dda_driver_unbind(ctx, bdf);
	if (r == 0 && dda_driver_wait(ctx, bdf, "vfio-pci", 0) < 0) {
		dda_error_clear();
		r = dda_driver_probe(ctx, bdf);
	}
	if (r == 0)
		r = dda_driver_wait(ctx, bdf, "vfio-pci", timeout_ms);
	return r;
}

/* A libkmod context for the host under the root: the running kernel's
 * modules and modprobe.d aliases, or the same places inside a fake root. */
static struct kmod_ctx *kmod_for_root(struct dda_ctx *ctx)
{
	_cleanup_free_ char *dir = NULL, *etc = NULL, *lib = NULL;
	char release[128];
	struct kmod_ctx *kmod;

	if (!strcmp(dda_ctx_root(ctx), "/"))
		return kmod_new(NULL, NULL);
	if (dda_read_line(ctx, release, sizeof(release), "proc/sys/kernel/osrelease") < 0)
		snprintf(release, sizeof(release), "unknown");
	dir = dda_path(ctx, "lib/modules/%s", release);
	etc = dda_path(ctx, "etc/modprobe.d");
	lib = dda_path(ctx, "lib/modprobe.d");
	if (!dir || !etc || !lib)
		return NULL;
	kmod = kmod_new(dir, (const char *const[]){ etc, lib, NULL });
	return kmod;
}

/* The PCI driver a loaded module registers: sys/module/M/drivers/pci:NAME
 * (xhci_pci registers xhci_hcd), else a driver named like the module. */
static int module_driver(struct dda_ctx *ctx, const char *module, char *buf, size_t size)
{
	_cleanup_closedir_ DIR *dir = dda_opendir(ctx, "sys/module/%s/drivers", module);
	struct dirent *e;

	while (dir && (e = readdir(dir)))
		if (!strncmp(e->d_name, "pci:", 4) && dda_exists(ctx, "sys/bus/pci/drivers/%s", e->d_name + 4)) {
			snprintf(buf, size, "%s", e->d_name + 4);
			return 0;
		}
	if (dda_exists(ctx, "sys/bus/pci/drivers/%s", module)) {
		snprintf(buf, size, "%s", module);
		return 0;
	}
	return -ENOENT;
}

int dda_driver_native(struct dda_ctx *ctx, const char *bdf, char *buf, size_t size)
{
	struct kmod_list *list = NULL, *it;
	struct kmod_ctx *kmod;
	char alias[256], module[64] = "";
	int r;

	buf[0] = '\0';
	r = dda_read_line(ctx, alias, sizeof(alias), DEV "modalias", bdf);
	if (r < 0)
		return dda_error(r, bdf, "cannot read the modalias of '%s': %s", bdf, strerror(-r));
	r = dda_kmod_load(bdf);
	if (r < 0)
		return r;
	kmod = kmod_for_root(ctx);
	if (!kmod)
		return dda_error(-ENOMEM, bdf, "cannot start libkmod to find a driver for '%s'", bdf);
	kmod_set_log_priority(kmod, 0);
	/* udev loads the first module the alias resolves to, in the order
	 * modprobe.d aliases, then modules.alias: do the same. */
	r = kmod_module_new_from_lookup(kmod, alias, &list);
	kmod_list_foreach(it, r == 0 ? list : NULL)
	{
		struct kmod_module *m = kmod_module_get_module(it);
		const char *name = kmod_module_get_name(m);

		/* vfio-pci and pci-stub match no ids of their own; a variant
		 * driver (mlx5_vfio_pci) would keep it from the host. */
		if (strcmp(name, "vfio_pci") && strcmp(name, "pci_stub") && !strstr(name, "vfio")) {
			snprintf(module, sizeof(module), "%s", name);
			if (!strcmp(dda_ctx_root(ctx), "/") && module_driver(ctx, module, buf, size) < 0)
				r = kmod_module_probe_insert_module(m, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL,
								    NULL);
			kmod_module_unref(m);
			break;
		}
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
	kmod_unref(kmod);
	if (!module[0])
		return dda_error_code(-ENOENT, "no-driver", bdf,
				      "no module of this kernel claims '%s' (modalias %s); it stays without a driver",
				      bdf, alias);
	if (buf[0])
		return 0;
	if (r < 0)
		return dda_error(r, bdf, "cannot load module %s for '%s': %s", module, bdf, strerror(-r));
	if (module_driver(ctx, module, buf, size) < 0)
		return dda_error_code(-ENOENT, "no-driver", bdf,
				      "module %s, which claims '%s', registers no PCI driver%s", module, bdf,
				      strcmp(dda_ctx_root(ctx), "/") ? " under this root" : "");
	return 0;
}

/* Every function implements the dword at 0x08 (revision and class), and
 * one that is gone answers every read with all ones.  The ids at 0x00 are
 * not enough: a VF's read 0xffff by the SR-IOV spec. */
static bool cfg_dead(const uint8_t *cfg)
{
	static const uint8_t ones[4] = { 0xff, 0xff, 0xff, 0xff };

	return !memcmp(cfg + PCI_VENDOR_ID, ones, 4) && !memcmp(cfg + PCI_CLASS_REVISION, ones, 4);
}

int dda_driver_check_alive(struct dda_ctx *ctx, const char *bdf, const char *when)
{
	uint8_t cfg[PCI_CLASS_REVISION + 4];
	size_t len;
	int r;

	r = dda_read(ctx, cfg, sizeof(cfg), &len, DEV "config", bdf);
	if (r < 0 || len < sizeof(cfg))
		return dda_error(r < 0 ? r : -EIO, bdf, "cannot read the config space of '%s' %s", bdf, when);
	if (cfg_dead(cfg))
		return dda_error_code(-ENXIO, "no-answer", bdf,
				      "'%s' does not answer %s (its config space reads all ones)", bdf, when);
	return 0;
}

int dda_driver_reset(struct dda_ctx *ctx, const char *bdf, bool *ret_done)
{
	int r;

	*ret_done = false;
	if (!dda_exists(ctx, DEV "reset", bdf))
		return 0;
	r = dda_write(ctx, "1", DEV "reset", bdf);
	/* ENOTTY: the methods the kernel listed cannot be used now (a bus
	 * reset with another function on the bus).  The survey said so
	 * (no-reset); the move goes on without one. */
	if (r == -ENOTTY)
		return 0;
	if (r < 0)
		return dda_error(r, bdf, "reset of '%s' failed: %s", bdf, strerror(-r));
	*ret_done = true;
	return dda_driver_check_alive(ctx, bdf, "after its reset");
}
