/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Moving a function between drivers, the way libvirt and driverctl do it,
 * one idempotent step at a time so that an interrupted move can be resumed
 * from whatever state the kernel is in:
 *
 *	echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override
 *	echo 0000:01:00.0 > /sys/bus/pci/devices/0000:01:00.0/driver/unbind
 *	echo 0000:01:00.0 > /sys/bus/pci/drivers_probe
 *
 * driver_override (never new_id, which would claim every device with the
 * same ids) pins the choice to this one function.
 */
#ifndef DDA_DRIVER_H
#define DDA_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "cleanup.h"

struct dda_ctx;

/* Current driver of a function into buf ("" when unbound). */
int dda_driver_current(struct dda_ctx *ctx, const char *bdf, char *buf, size_t size) _must_check_;

/* Current driver_override ("" when none). */
int dda_driver_override_get(struct dda_ctx *ctx, const char *bdf, char *buf, size_t size) _must_check_;

/* Sets driver_override; NULL or "" clears it. */
int dda_driver_override_set(struct dda_ctx *ctx, const char *bdf, const char *driver) _must_check_;

/* Unbinds from whatever driver holds it; 0 if it had none. */
int dda_driver_unbind(struct dda_ctx *ctx, const char *bdf) _must_check_;

/* Asks the kernel to find a driver (honouring driver_override). */
int dda_driver_probe(struct dda_ctx *ctx, const char *bdf) _must_check_;

/* Binds explicitly to a named driver. */
int dda_driver_bind(struct dda_ctx *ctx, const char *bdf, const char *driver) _must_check_;

/* Waits up to timeout_ms for the function's driver to be `driver` ("" for
 * none); -ETIMEDOUT, recorded naming the device, otherwise. */
int dda_driver_wait(struct dda_ctx *ctx, const char *bdf, const char *driver, int timeout_ms) _must_check_;

/* Makes sure vfio-pci is registered, loading it with libkmod if needed. */
int dda_driver_load_vfio(struct dda_ctx *ctx) _must_check_;

/* Puts a function on vfio-pci: the override, then (unless it is there
 * already) vfio-pci loaded, the driver it has unbound and a probe unless
 * loading bound it, waiting up to timeout_ms.  was gets the driver it had
 * ("" none).  1 when it was on vfio-pci already, 0 when claimed now. */
int dda_driver_claim_vfio(struct dda_ctx *ctx, const char *bdf, int timeout_ms, char *was, size_t size) _must_check_;

/* Resets through the kernel (sysfs `reset`) when the function has a reset
 * method, then checks it still answers (dda_driver_check_alive).
 * *ret_done says whether a reset happened. */
int dda_driver_reset(struct dda_ctx *ctx, const char *bdf, bool *ret_done) _must_check_;

/* 0 when the function answers config reads; -ENXIO (code "no-answer",
 * recorded) when the dwords at 0x00 and 0x08 both read all ones, as a
 * function that fell off the bus or never came back from a reset does.
 * when ends the message: "after its reset". */
int dda_driver_check_alive(struct dda_ctx *ctx, const char *bdf, const char *when) _must_check_;

/* The driver the kernel would pick for the function without an override:
 * the first module its sysfs modalias resolves to through libkmod (loaded
 * if it is not, as udev would), and the PCI driver that module registers.
 * For a device whose original driver was never recorded.  -ENOENT (code
 * "no-driver", recorded) when no module claims it. */
int dda_driver_native(struct dda_ctx *ctx, const char *bdf, char *buf, size_t size) _must_check_;

#endif
