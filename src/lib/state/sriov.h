/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SR-IOV virtual functions as first-class pool members: how many VFs a PF
 * has, whether they go straight into the pool, and the network policy of
 * each VF, all kept in the state database and put back at boot.
 *
 * The kernel's rules (../shared/reference/linux.md, "SR-IOV rules"):
 * sriov_numvfs goes from N to M only through 0 (N -> M is EBUSY), writing
 * 0 destroys every VF including ones a VM holds, and a VF created while
 * sriov_drivers_autoprobe is 1 is grabbed by a host driver at once.  So a
 * count change here is, in shell:
 *
 *	echo 0 > /sys/bus/pci/devices/PF/sriov_numvfs
 *	echo 0 > /sys/bus/pci/devices/PF/sriov_drivers_autoprobe   # pooled VFs only
 *	echo N > /sys/bus/pci/devices/PF/sriov_numvfs
 *	echo vfio-pci > /sys/bus/pci/devices/VF/driver_override    # each pooled VF
 *	echo VF > /sys/bus/pci/drivers_probe
 *	echo 1 > /sys/bus/pci/devices/PF/sriov_drivers_autoprobe   # as it was
 *
 * preceded by the intent in the state (count, pool flag, "changing", and
 * the autoprobe value to put back), so that running it again, or the boot
 * restore, converges after a crash at any point.
 *
 * A PF is known by its location path plus vendor/device/subsystem ids:
 * another card in the same slot is never touched.  A VF's pool record
 * (pool.h) is kept across a re-creation when the VF comes back (its index
 * is below the new count): the same VF, at the same place, goes back to
 * vfio-pci and stays in the VM definitions and named pools that hold it.
 */
#ifndef DDA_SRIOV_H
#define DDA_SRIOV_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"
#include "pciaddr.h"
#include "pool.h"
#include "state.h"
#include "host.h"
#include "vfnet.h"

/* How long a driver may take to create or destroy its VFs (some do it
 * asynchronously), and to bind one. */
#define DDA_SRIOV_WAIT_MS 5000

/* A sriov_pf row's state column (state.c keeps its CHECK): changing from
 * before the first sysfs write until the count is verified. */
enum dda_sriov_state {
	DDA_SRIOV_DONE,
	DDA_SRIOV_CHANGING,
	_DDA_SRIOV_STATE_MAX,
	_DDA_SRIOV_STATE_INVALID = -EINVAL, /* not a state the schema allows */
};

/* The column's text; NULL for a value outside the enum. */
const char *dda_sriov_state_to_string(enum dda_sriov_state st);
enum dda_sriov_state dda_sriov_state_from_string(const char *s);

/* What is kept for one PF. */
struct dda_sriov_config {
	char location_path[DDA_LOCPATH_LEN]; /* the identity, with the ids */
	char address[DDA_PCIADDR_LEN];	     /* where it was last seen */
	uint16_t vendor, device, subvendor, subdevice;
	int count;	     /* VFs wanted */
	bool pool;	     /* new VFs go straight into the pool */
	bool changing;	     /* a change was begun and not finished */
	int autoprobe_saved; /* -1, or sriov_drivers_autoprobe to put back */
	char updated_at[32];
};

/* -ENOENT when nothing is kept for that location path. */
int dda_sriov_config_get(struct dda_state *s, const char *location_path, struct dda_sriov_config *ret) _must_check_;
int dda_sriov_config_list(struct dda_state *s, struct dda_sriov_config **ret, size_t *ret_n) _must_check_;
/* The config was made for this very card (location path and ids). */
bool dda_sriov_config_matches(const struct dda_sriov_config *c, const struct dda_device *pf);

/* The stored network policy of VF vf of pf; -ENOENT when there is none
 * (or it was stored for another card in the slot). */
int dda_sriov_vf_policy_get(struct dda_state *s, const struct dda_device *pf, unsigned vf,
			    struct dda_vf_policy *ret) _must_check_;

enum dda_sriov_flags {
	DDA_SRIOV_POOL = 1 << 0, /* the VFs go into the pool, never to a host driver */
};

/*
 * `ddactl vf set PF --count N [--pool]`: pf is an address or location
 * path.  Scans the host itself (with host use).  Refused (-EBUSY, code
 * "refused", nothing changed, every culprit named) while a running VM or
 * another process holds a VF, or the host uses one, or a VF that will not
 * come back is assigned to a (stopped) VM; -ERANGE above sriov_totalvfs.
 * Persists count and pool flag, changes the count through 0, pools the
 * new VFs, verifies the count, re-applies the stored VF policies.  Lines
 * in rep say what was done.
 */
int dda_sriov_set(struct dda_state *s, const char *pf, int count, unsigned flags, struct dda_repair *rep) _must_check_;

/*
 * `ddactl vf config`: applies the options set in changes to VF vf of pf
 * now (vfnet.h: one at a time, rolled back on a refusal), then stores
 * them merged with what was stored before.  *ret_stored (may be NULL)
 * gets the policy now stored.
 */
int dda_sriov_vf_config(struct dda_state *s, const struct dda_device *pf, unsigned vf,
			const struct dda_vf_policy *changes, struct dda_vf_policy *ret_stored) _must_check_;

/* Forgets the stored policy of one VF (the kernel keeps what it has). */
int dda_sriov_vf_forget(struct dda_state *s, const struct dda_device *pf, unsigned vf) _must_check_;

/*
 * Boot (`ddactl pool restore`, before dda_pool_restore): for every PF
 * with a kept config that is on this host with the same ids, brings the
 * VF count, the pool and the VF policies back to what was stored, and
 * finishes a change a crash cut short.  With only set, just that PF (the
 * udev rule calls it per device, usually before the PF's driver is bound:
 * then the systemd unit does it).  h is the caller's scan; *ret_changed
 * says whether VFs were created or removed (the caller must rescan
 * before claiming pooled devices).  Returns the first failure; the others
 * are lines in rep.
 */
int dda_sriov_restore(struct dda_state *s, struct dda_host *h, const char *only, struct dda_repair *rep,
		      bool *ret_changed) _must_check_;

/*
 * For `vm start` (and hot add): re-applies the stored network policy of
 * a VF the VM is about to get, so that what the guest sees is what the
 * host decided even if the PF's driver was reloaded meanwhile.  0 when d
 * is not a VF, has no stored policy, or its PF has no network interface;
 * otherwise the error of dda_vfnet_apply(), naming the PF, the VF and
 * the option.
 */
int dda_sriov_vf_prepare(struct dda_state *s, const struct dda_device *d) _must_check_;

#endif
