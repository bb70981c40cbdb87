/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The network policy of SR-IOV virtual functions, set by the host through
 * its PF's network interface over rtnetlink (libnl-route-3), never by the
 * guest -- what `ip link set PF vf N mac .. vlan .. spoofchk .. trust ..
 * state .. max_tx_rate ..` does:
 *
 *	ip link set enp2s0 vf 0 mac 52:54:00:aa:00:01
 *	ip link set enp2s0 vf 0 vlan 100
 *	ip link set enp2s0 vf 0 spoofchk on
 *	ip link set enp2s0 vf 0 trust off
 *	ip link set enp2s0 vf 0 state auto
 *	ip link set enp2s0 vf 0 max_tx_rate 100
 *
 * Options are applied one request at a time, always in that order, so the
 * driver's answer names exactly one option.  When the driver refuses one,
 * the ones this call applied before it are put back to what the kernel
 * reported before the call, and the error says so.
 *
 * The PF's interface is found under sys/bus/pci/devices/PF/net/; a PF
 * without one (an NVMe controller) has no network policy (-ENOTSUP).
 */
#ifndef DDA_VFNET_H
#define DDA_VFNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"

struct dda_ctx;

/* Which fields of a policy are set, in the order they are applied. */
enum dda_vf_opt {
	DDA_VF_MAC = 1 << 0,
	DDA_VF_VLAN = 1 << 1,
	DDA_VF_SPOOFCHK = 1 << 2,
	DDA_VF_TRUST = 1 << 3,
	DDA_VF_LINK = 1 << 4,
	DDA_VF_RATE = 1 << 5,
};
#define DDA_VF_ALL 0x3f

/* The kernel's IFLA_VF_LINK_STATE_* values. */
enum dda_vf_link {
	DDA_VF_LINK_AUTO = 0,
	DDA_VF_LINK_ENABLE = 1,
	DDA_VF_LINK_DISABLE = 2,
};

/* What the host wants for one VF.  Only fields named in `set` mean anything. */
struct dda_vf_policy {
	unsigned set; /* enum dda_vf_opt */
	uint8_t mac[6];
	uint16_t vlan; /* 0 = no VLAN (untagged) */
	bool spoofchk;
	bool trust;
	enum dda_vf_link link;
	uint32_t rate; /* maximum transmit rate in Mbit/s; 0 = no limit */
};

/* What the kernel reports for one VF (RTM_GETLINK with RTEXT_FILTER_VF);
 * -1 where the driver does not say. */
struct dda_vf_kstate {
	int vf;
	bool has_mac;
	uint8_t mac[6];
	int vlan, qos;
	int spoofchk, trust;
	int link;
	int64_t min_tx_rate, max_tx_rate;
};

/* The option's command-line name ("--spoof-check") for one bit. */
const char *dda_vf_opt_name(unsigned opt);
/* "auto", "enable", "disable" and back; -EINVAL for anything else. */
const char *dda_vf_link_name(enum dda_vf_link l);
int dda_vf_link_parse(const char *s, enum dda_vf_link *ret) _must_check_;
/* "52:54:00:aa:00:01" (any case); -EINVAL unless 6 hex octets. */
int dda_vf_mac_parse(const char *s, uint8_t ret[6]) _must_check_;
void dda_vf_mac_format(const uint8_t mac[6], char buf[static 18]);
/* "mac 52:54:.. vlan 100 spoof-check on trust off link auto rate 100"
 * (only what is set; "" for an empty policy). */
void dda_vf_policy_format(const struct dda_vf_policy *p, char *buf, size_t size);
/* One option as "--vlan 100", for the messages of a change. */
void dda_vf_opt_format(const struct dda_vf_policy *p, unsigned opt, char *buf, size_t size);

/* The PF's network interface name into buf; -ENOTSUP (recorded, naming
 * the PF) when it has none. */
int dda_vfnet_netdev(struct dda_ctx *ctx, const char *pf, char *buf, size_t size) _must_check_;
/* Same for a caller to whom no interface is an answer: records nothing. */
int dda_vfnet_netdev_find(struct dda_ctx *ctx, const char *pf, char *buf, size_t size) _must_check_;

/* The kernel's view of every VF of the PF's interface: up to max entries
 * into ret, *ret_n gets the count.  Errors recorded naming the PF. */
int dda_vfnet_query(struct dda_ctx *ctx, const char *pf, struct dda_vf_kstate *ret, size_t max,
		    size_t *ret_n) _must_check_;

enum dda_vfnet_flags {
	/* Apply every option even when one is refused, and roll nothing
	 * back: for putting a stored policy back (VFs re-created, boot, VM
	 * start), where what can be applied must be.  A rate the driver
	 * refuses only because the PF has no link is deferred, not refused. */
	DDA_VFNET_BEST_EFFORT = 1 << 0,
};

struct dda_vfnet_result {
	unsigned applied;  /* options that are applied now */
	unsigned refused;  /* best effort: options the driver refused */
	unsigned deferred; /* best effort: rate left for later (no link) */
};

/* Applies the fields set in p to VF vf of the PF, one at a time in the
 * order of enum dda_vf_opt.  A rate refused for want of link (igb) is
 * tried once more after waiting up to 8 s for the link of a PF that is
 * administratively up (its VFs were just re-created: the PF was reset).
 *
 * Without flags, on a refusal: the options applied before it are rolled
 * back when the kernel reported their earlier values, and the error (code
 * "vf-option-refused", the kernel's errno) names the PF, its interface
 * and driver, the VF, the refused option with its value, the kernel's
 * answer (errno text and extended ack message when there is one) and
 * what became of the earlier options.  With DDA_VFNET_BEST_EFFORT the
 * error lists every refused option and what was applied.  *ret (may be
 * NULL) says what is applied. */
int dda_vfnet_apply(struct dda_ctx *ctx, const char *pf, unsigned vf, const struct dda_vf_policy *p, unsigned flags,
		    struct dda_vfnet_result *ret) _must_check_;

#endif
