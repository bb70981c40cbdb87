/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One PCI function as the host sees it: identity, type, capabilities that
 * matter for assignment, BARs, driver, IOMMU group, reset methods, SR-IOV.
 *
 * Filled by dda_device_read() from the function's sysfs directory; the
 * links to parent, PF and group are set by the topology scan, which owns
 * every device.  Pointers inside are borrowed from the host object.
 */
#ifndef DDA_DEVICE_H
#define DDA_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "cleanup.h"
#include "pciaddr.h"

struct dda_ctx;

enum dda_devtype {
	DDA_TYPE_ENDPOINT,  /* PCIe endpoint */
	DDA_TYPE_RCIEP,	    /* root-complex integrated endpoint */
	DDA_TYPE_LEGACY_EP, /* PCIe legacy endpoint */
	DDA_TYPE_PCI,	    /* conventional PCI / PCI-X function */
	DDA_TYPE_BRIDGE,    /* host, ISA or PCI-PCI bridge without a PCIe role */
	DDA_TYPE_ROOT_PORT,
	DDA_TYPE_UPSTREAM,
	DDA_TYPE_DOWNSTREAM,
	DDA_TYPE_PCIE_TO_PCI,
};

enum dda_bar_flags {
	DDA_BAR_IO = 1 << 0,
	DDA_BAR_64 = 1 << 1,
	DDA_BAR_PREF = 1 << 2,
	DDA_BAR_ROM = 1 << 3,
};

struct dda_bar {
	uint8_t index; /* 0-5, 6 for the ROM */
	uint64_t start;
	uint64_t size;
	unsigned flags; /* enum dda_bar_flags */
};

/* The kernel's reset_method names, as bits. */
enum dda_reset {
	DDA_RESET_DEVICE_SPECIFIC = 1 << 0,
	DDA_RESET_ACPI = 1 << 1,
	DDA_RESET_FLR = 1 << 2,
	DDA_RESET_AF_FLR = 1 << 3,
	DDA_RESET_PM = 1 << 4,
	DDA_RESET_BUS = 1 << 5,
	DDA_RESET_CXL_BUS = 1 << 6,
};

enum dda_use_kind {
	DDA_USE_MOUNT,
	DDA_USE_SWAP,
	DDA_USE_HOLDER,
	DDA_USE_NET,
	DDA_USE_CONSOLE,
};

/* Something of the host that lives on a device right now. */
struct dda_use {
	enum dda_use_kind kind;
	bool critical;	/* root, /boot, /usr...: never taken, even with --force */
	char what[192]; /* "nvme0n1p2 mounted on /", "eth0 is up with a route" */
};

enum dda_severity {
	DDA_SEV_INFO,
	DDA_SEV_WARN,
	DDA_SEV_FORCE,
	DDA_SEV_BLOCK,
};

struct dda_reason {
	const char *code; /* stable: "host-in-use", "no-reset"... static string */
	enum dda_severity severity;
	char *message; /* one line naming the device */
	char *hint;    /* what the user can do */
	char *explain; /* why (group-shared), or NULL */
};

struct dda_group;

struct dda_device {
	struct dda_pciaddr addr;
	char name[DDA_PCIADDR_LEN]; /* "0000:01:00.0" */
	char *syspath;		    /* "devices/pci0000:00/0000:00:02.0/0000:01:00.0", under sys/ */
	struct dda_locpath loc;
	char location_path[DDA_LOCPATH_LEN];

	struct dda_device *parent;  /* upstream bridge; NULL on a root bus */
	struct dda_device *physfn;  /* PF of a VF */
	struct dda_pciaddr pf_addr; /* its address, valid when vf_index >= 0 */
	int vf_index;		    /* -1 unless a VF */
	struct dda_group *group;    /* NULL without an IOMMU group */
	int group_id;		    /* -1 without */

	uint16_t vendor, device, subvendor, subdevice;
	uint32_t class;	     /* 0xBBSSPP */
	uint8_t header_type; /* without the multifunction bit */
	bool multifunction;
	enum dda_devtype type;

	/* Decoded from config space; the bytes themselves are not kept. */
	bool unprivileged; /* set before dda_device_read(): read as non-root */
	size_t config_len;
	unsigned config_flags; /* enum dda_config_flags */
	bool has_pcie, has_pcix, has_msi, has_msix, has_pm, has_af;
	uint8_t pcie_type; /* Device/Port Type (PCI_EXP_TYPE_*) when has_pcie */
	bool flr, af_flr, pm_no_soft_reset;
	bool has_acs;
	uint16_t acs_cap, acs_ctrl;
	bool has_sriov;
	uint16_t sriov_offset, sriov_stride, sriov_vf_device;
	uint8_t intx_pin;			/* 0 = none, 1..4 = INTA..INTD */
	uint8_t secondary_bus, subordinate_bus; /* bridges */

	char driver[64];   /* "" when unbound */
	bool vfio_variant; /* a driver that exposes vfio-dev/ */
	struct dda_bar bars[7];
	unsigned nbars;

	bool reset_method_known;    /* the kernel's reset_method attribute exists */
	bool in_slot;		    /* in a hotplug slot: "bus" reset is a slot reset */
	unsigned resets;	    /* enum dda_reset */
	int irq;		    /* -1 unknown */
	int sriov_total, sriov_num; /* -1 unless a PF */
	int boot_vga;		    /* -1 unknown */
	bool d3cold;

	/* What the pool knows of a device on vfio-pci or pci-stub; set by
	 * dda_pool_mark() before the checks run (UNKNOWN without it). */
	enum dda_pool_mark {
		DDA_POOL_UNKNOWN,
		DDA_POOL_RECORDED,
		DDA_POOL_QUARANTINED,
		DDA_POOL_UNRECORDED,
	} pool_mark;
	char *quarantine; /* "since T: reason" when QUARANTINED */

	const char *name_str; /* pci.ids name, borrowed from the names db, or NULL */

	struct dda_use *uses;
	size_t nuses;
	struct dda_reason *reasons;
	size_t nreasons;
	char **errors; /* unreadable sysfs entries, one message each */
	size_t nerrors;
};

/* Reads the function from sysfs; the address must be set, and the
 * syspath when known (it spares the walk through the symlink).
 * A sysfs entry that cannot be read is noted in d->errors and the read goes
 * on: only an unreadable config space is a failure (-errno, recorded). */
int dda_device_read(struct dda_ctx *ctx, struct dda_device *d) _must_check_;

void dda_device_release(struct dda_device *d);

const char *dda_devtype_name(enum dda_devtype t);
const char *dda_severity_name(enum dda_severity s);
bool dda_device_is_bridge(const struct dda_device *d);
/* Orders functions by address (qsort, bsearch). */
int dda_device_cmp(const void *a, const void *b);

/* The function at a in devs (n of them, in address order), or NULL.  Host
 * use looks its findings up here without knowing the host they came from,
 * so that the scan (host.c) can call it and not the other way round. */
struct dda_device *dda_device_find(struct dda_device *devs, size_t n, const struct dda_pciaddr *a);

/* Bound to vfio-pci, a vfio variant driver, or pci-stub. */
bool dda_device_in_pool_driver(const struct dda_device *d);

/* d carries the ids a record kept (vendor, device, subsystem): the same
 * card, not another one put in its slot since.  The one check behind
 * every "is it still the recorded device" (pool restore, SR-IOV restore,
 * VM start). */
static inline bool dda_device_same_ids(const struct dda_device *d, uint16_t vendor, uint16_t device, uint16_t subvendor,
				       uint16_t subdevice)
{
	return d->vendor == vendor && d->device == device && d->subvendor == subvendor && d->subdevice == subdevice;
}

/* Whether the function at addr has these ids now (false when it cannot
 * be read): a record still describes the card in that slot.  Reads two
 * files, no scan; records nothing. */
bool dda_device_ids_at(struct dda_ctx *ctx, const char *addr, uint16_t vendor, uint16_t device);

/* A PF's sriov_drivers_autoprobe: 1, 0, or -1 when it cannot be read
 * (no SR-IOV, no such function).  Records nothing. */
int dda_device_autoprobe(struct dda_ctx *ctx, const char *addr);

/* The function's driver_override, "" when none is set.  0, or -errno
 * (no such function) recording nothing. */
int dda_device_override(struct dda_ctx *ctx, const char *addr, char *buf, size_t size) _must_check_;

/* Adds a note / use / reason; they only fail on OOM (-ENOMEM). */
int dda_device_note(struct dda_device *d, const char *fmt, ...) _printf_(2, 3) _must_check_;
int dda_device_add_use(struct dda_device *d, enum dda_use_kind kind, bool critical, const char *what) _must_check_;
int dda_device_add_reason(struct dda_device *d, const char *code, enum dda_severity sev, char *message, char *hint,
			  char *explain) _must_check_;

/* Worst severity among the reasons, or -1 when there are none. */
int dda_device_worst(const struct dda_device *d);
/* "assignable", "assignable-with-force", "not-assignable". */
const char *dda_device_verdict(const struct dda_device *d);

#endif
