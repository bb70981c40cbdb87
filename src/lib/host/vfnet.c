/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/link.h>
#include <netlink/route/link/sriov.h>

#include "error.h"
#include "hostpath.h"
#include "text.h"
#include "vfnet.h"
#include "wait.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif


int dda_vfnet_netdev_find(struct dda_ctx *ctx, const char *pf, char *buf, size_t size)
{
	_cleanup_closedir_ DIR *d = dda_opendir(ctx, "sys/bus/pci/devices/%s/net", pf);
	struct dirent *e;

	if (d)
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				snprintf(buf, size, "%s", e->d_name);
				return 0;
			}
	return -ENOTSUP;
}

int dda_vfnet_netdev(struct dda_ctx *ctx, const char *pf, char *buf, size_t size)
{
	if (dda_vfnet_netdev_find(ctx, pf, buf, size) == 0)
		return 0;
	return dda_error_code(-ENOTSUP, "no-netdev", pf,
			      "'%s' has no network interface: VF network policy is set through the PF's interface (is its driver bound?)",
			      pf);
}

/* --- netlink plumbing ------------------------------------------------- */

static int nle_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM: return -ENOMEM;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_PERM: return -EPERM;
	case NLE_NODEV: return -ENODEV;
	case NLE_INVAL: return -EINVAL;
	case NLE_RANGE: return -ERANGE;
	case NLE_BUSY: return -EBUSY;
	default: return -EIO;
	}
}

struct nl_answer {
	int err; /* the kernel's negative errno, 0 = acked */
	bool done;
	char extack[256];	   /* NLMSGERR_ATTR_MSG, "" when none */
	struct dda_vf_kstate *vfs; /* GETLINK: where to put the VFs */
	size_t max, n;
};

static void sock_freep(struct nl_sock **sk)
{
	if (*sk)
		nl_socket_free(*sk);
}

static void msg_freep(struct nl_msg **m)
{
	if (*m)
		nlmsg_free(*m);
}

static void cb_putp(struct nl_cb **cb)
{
	if (*cb)
		nl_cb_put(*cb);
}

static void link_putp(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_put(*l);
}

static int sock_open(struct dda_ctx *ctx, const char *pf, struct nl_sock **ret)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1, r;

	/* rtnetlink speaks for the running kernel, not for a tree under
	 * DDACTL_ROOT: never mix the two. */
	if (strcmp(dda_ctx_root(ctx), "/")) {
		if (sk)
			nl_socket_free(sk);
		return dda_error_code(-ENOTSUP, "no-netlink", pf,
				      "VF network policy of '%s' is not read or set under root '%s' (rtnetlink is the running kernel's)",
				      pf, dda_ctx_root(ctx));
	}
	if (!sk)
		return dda_error(-ENOMEM, pf, "cannot allocate a netlink socket");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return dda_error(nle_errno(r), pf, "cannot open rtnetlink: %s", nl_geterror(r));
	}
	/* The kernel's own words on a refusal (extended ack), where the
	 * driver gives any; an older kernel just ignores the option. */
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	nl_socket_enable_msg_peek(sk);
	*ret = sk;
	return 0;
}

/* NLMSG_ERROR with a non-zero error: keep the errno and the extended ack
 * message.  The TLVs follow the echoed request (only its header when the
 * kernel capped it). */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nl_answer *a = arg;
	const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);

	(void)who;
	a->err = e->error < 0 ? e->error : -e->error;
	a->done = true;
	if (h->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t echoed = (h->nlmsg_flags & NLM_F_CAPPED) ? sizeof(struct nlmsghdr) : e->msg.nlmsg_len;
		size_t off = NLMSG_ALIGN(sizeof(e->error) + echoed);
		size_t total = h->nlmsg_len - NLMSG_HDRLEN;

		if (off < total) {
			struct nlattr *attr;
			int rem;

			nla_for_each_attr(attr, (struct nlattr *)((char *)e + off), (int)(total - off),
					  rem) if (nla_type(attr) == NLMSGERR_ATTR_MSG && nla_len(attr) > 0)
				snprintf(a->extack, sizeof(a->extack), "%.*s", nla_len(attr),
					 (const char *)nla_data(attr));
		}
	}
	return NL_STOP;
}

static int on_ack(struct nl_msg *m, void *arg)
{
	struct nl_answer *a = arg;

	(void)m;
	a->done = true;
	return NL_STOP;
}

static void read_vf(struct nlattr *info, struct dda_vf_kstate *k)
{
	struct nlattr *t[IFLA_VF_MAX + 1];

	memset(k, 0, sizeof(*k));
	k->vf = -1;
	k->vlan = k->qos = k->spoofchk = k->trust = k->link = -1;
	k->min_tx_rate = k->max_tx_rate = -1;
	if (nla_parse_nested(t, IFLA_VF_MAX, info, NULL) < 0)
		return;
	if (t[IFLA_VF_MAC] && nla_len(t[IFLA_VF_MAC]) >= (int)sizeof(struct ifla_vf_mac)) {
		const struct ifla_vf_mac *m = nla_data(t[IFLA_VF_MAC]);

		k->vf = (int)m->vf;
		k->has_mac = true;
		memcpy(k->mac, m->mac, 6);
	}
	if (t[IFLA_VF_VLAN] && nla_len(t[IFLA_VF_VLAN]) >= (int)sizeof(struct ifla_vf_vlan)) {
		const struct ifla_vf_vlan *v = nla_data(t[IFLA_VF_VLAN]);

		k->vf = (int)v->vf;
		k->vlan = (int)v->vlan;
		k->qos = (int)v->qos;
	}
	if (t[IFLA_VF_SPOOFCHK] && nla_len(t[IFLA_VF_SPOOFCHK]) >= (int)sizeof(struct ifla_vf_spoofchk)) {
		const struct ifla_vf_spoofchk *s = nla_data(t[IFLA_VF_SPOOFCHK]);

		k->spoofchk = s->setting == (uint32_t)-1 ? -1 : !!s->setting;
	}
	if (t[IFLA_VF_TRUST] && nla_len(t[IFLA_VF_TRUST]) >= (int)sizeof(struct ifla_vf_trust)) {
		const struct ifla_vf_trust *s = nla_data(t[IFLA_VF_TRUST]);

		k->trust = s->setting == (uint32_t)-1 ? -1 : !!s->setting;
	}
	if (t[IFLA_VF_LINK_STATE] && nla_len(t[IFLA_VF_LINK_STATE]) >= (int)sizeof(struct ifla_vf_link_state)) {
		const struct ifla_vf_link_state *s = nla_data(t[IFLA_VF_LINK_STATE]);

		k->link = (int)s->link_state;
	}
	if (t[IFLA_VF_RATE] && nla_len(t[IFLA_VF_RATE]) >= (int)sizeof(struct ifla_vf_rate)) {
		const struct ifla_vf_rate *s = nla_data(t[IFLA_VF_RATE]);

		k->min_tx_rate = s->min_tx_rate;
		k->max_tx_rate = s->max_tx_rate;
	}
}

static int on_link(struct nl_msg *m, void *arg)
{
	struct nl_answer *a = arg;
	struct nlmsghdr *h = nlmsg_hdr(m);
	struct nlattr *tb[IFLA_MAX + 1], *vfi;
	int rem;

	if (h->nlmsg_type != RTM_NEWLINK || !a->vfs)
		return NL_OK;
	if (nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_VFINFO_LIST])
		return NL_OK;
	nla_for_each_nested(vfi, tb[IFLA_VFINFO_LIST], rem)
	{
		if (nla_type(vfi) != IFLA_VF_INFO || a->n >= a->max)
			continue;
		read_vf(vfi, &a->vfs[a->n]);
		if (a->vfs[a->n].vf >= 0)
			a->n++;
	}
	return NL_OK;
}

/* Sends m and reads until the kernel's ack or error. */
static int transact(struct nl_sock *sk, struct nl_msg *m, struct nl_answer *a, const char *pf)
{
	_cleanup_(cb_putp) struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int r;

	if (!cb)
		return dda_error(-ENOMEM, pf, "cannot allocate netlink callbacks");
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, a);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, a);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_link, a);
	r = nl_send_auto(sk, m);
	if (r < 0)
		return dda_error(nle_errno(r), pf, "cannot send a netlink request for '%s': %s", pf, nl_geterror(r));
	while (!a->done) {
		r = nl_recvmsgs(sk, cb);
		if (a->done)
			break;
		if (r < 0)
			return dda_error(nle_errno(r), pf, "no netlink answer for '%s': %s", pf, nl_geterror(r));
	}
	return 0;
}

/* The interface's index from sysfs, so that DDACTL_ROOT trees name it too. */
static int ifindex_of(struct dda_ctx *ctx, const char *pf, const char *ifname, int *ret)
{
	uint64_t v;
	int r = dda_read_u64(ctx, &v, "sys/bus/pci/devices/%s/net/%s/ifindex", pf, ifname);

	if (r < 0 || v == 0 || v > INT32_MAX)
		return dda_error(r < 0 ? r : -EINVAL, pf, "cannot read the interface index of '%s' ('%s')", ifname, pf);
	*ret = (int)v;
	return 0;
}

static int query(struct nl_sock *sk, const char *pf, int ifindex, struct dda_vf_kstate *ret, size_t max, size_t *ret_n)
{
	_cleanup_(msg_freep) struct nl_msg *m = nlmsg_alloc_simple(RTM_GETLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_answer a = { .vfs = ret, .max = max };
	int r;

	if (!m || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS) < 0)
		return dda_error(-ENOMEM, pf, "cannot build a netlink request for '%s'", pf);
	r = transact(sk, m, &a, pf);
	if (r < 0)
		return r;
	if (a.err)
		return dda_error(a.err, pf, "cannot read the VFs of '%s' over netlink: %s%s%s%s", pf, strerror(-a.err),
				 a.extack[0] ? " (kernel: " : "", a.extack, a.extack[0] ? ")" : "");
	*ret_n = a.n;
	return 0;
}

int dda_vfnet_query(struct dda_ctx *ctx, const char *pf, struct dda_vf_kstate *ret, size_t max, size_t *ret_n)
{
	_cleanup_(sock_freep) struct nl_sock *sk = NULL;
	char ifname[64];
	int ifindex, r;

	r = dda_vfnet_netdev(ctx, pf, ifname, sizeof(ifname));
	if (r == 0)
		r = ifindex_of(ctx, pf, ifname, &ifindex);
	if (r == 0)
		r = sock_open(ctx, pf, &sk);
	if (r == 0)
		r = query(sk, pf, ifindex, ret, max, ret_n);
	return r;
}

/* One RTM_NEWLINK carrying one VF attribute, built by libnl's sriov API.
 * *ret_err gets the kernel's answer (0 or -errno), extack its message. */
static int set_one(struct nl_sock *sk, const char *pf, int ifindex, unsigned vf, unsigned opt,
		   const struct dda_vf_policy *p, int64_t min_tx_rate, int *ret_err, char *extack, size_t size)
{
	_cleanup_(link_putp) struct rtnl_link *orig = rtnl_link_alloc(), *chg = rtnl_link_alloc();
	_cleanup_(msg_freep) struct nl_msg *m = NULL;
	struct rtnl_link_vf *v = rtnl_link_vf_alloc();
	struct nl_answer a = { 0 };
	int r;

	if (!orig || !chg || !v) {
		rtnl_link_vf_put(v);
		return dda_error(-ENOMEM, pf, "out of memory building a netlink request");
	}
	rtnl_link_set_ifindex(orig, ifindex);
	rtnl_link_vf_set_index(v, vf);
	switch (opt) {
	case DDA_VF_MAC: {
		struct nl_addr *addr = nl_addr_build(AF_LLC, p->mac, 6);

		if (!addr) {
			rtnl_link_vf_put(v);
			return dda_error(-ENOMEM, pf, "out of memory building a netlink request");
		}
		rtnl_link_vf_set_addr(v, addr);
		nl_addr_put(addr);
		break;
	}
	case DDA_VF_VLAN: {
		nl_vf_vlans_t *vl = NULL;

		if (rtnl_link_vf_vlan_alloc(&vl, 1) < 0) {
			rtnl_link_vf_put(v);
			return dda_error(-ENOMEM, pf, "out of memory building a netlink request");
		}
		vl->vlans[0].vf_vlan = p->vlan;
		vl->vlans[0].vf_vlan_qos = 0;
		vl->vlans[0].vf_vlan_proto = 0x8100; /* ETH_P_8021Q: sent as IFLA_VF_VLAN */
		rtnl_link_vf_set_vlans(v, vl);
		rtnl_link_vf_vlan_put(vl);
		break;
	}
	case DDA_VF_SPOOFCHK: rtnl_link_vf_set_spoofchk(v, p->spoofchk); break;
	case DDA_VF_TRUST: rtnl_link_vf_set_trust(v, p->trust); break;
	case DDA_VF_LINK: rtnl_link_vf_set_linkstate(v, (uint32_t)p->link); break;
	case DDA_VF_RATE: {
		/* The new API sets both bounds: keep the minimum as it is. */
		struct nl_vf_rate rate = { .api = RTNL_LINK_VF_RATE_API_NEW,
					   .max_tx_rate = p->rate,
					   .min_tx_rate = min_tx_rate > 0 ? (uint32_t)min_tx_rate : 0 };

		rtnl_link_vf_set_rate(v, &rate);
		break;
	}
	default: rtnl_link_vf_put(v); return dda_error(-EINVAL, pf, "unknown VF option %#x", opt);
	}
	r = rtnl_link_vf_add(chg, v);
	rtnl_link_vf_put(v); /* the link holds its own reference now */
	if (r < 0)
		return dda_error(nle_errno(r), pf, "cannot build a netlink request: %s", nl_geterror(r));
	r = rtnl_link_build_change_request(orig, chg, 0, &m);
	if (r < 0)
		return dda_error(nle_errno(r), pf, "cannot build a netlink request: %s", nl_geterror(r));
	r = transact(sk, m, &a, pf);
	if (r < 0)
		return r;
	*ret_err = a.err;
	snprintf(extack, size, "%s", a.extack);
	return 0;
}

/* The policy that puts one option back to what the kernel said before;
 * false when the kernel did not say (nothing to roll back to). */
static bool previous(const struct dda_vf_kstate *k, unsigned opt, struct dda_vf_policy *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->set = opt;
	switch (opt) {
	case DDA_VF_MAC: memcpy(ret->mac, k->mac, 6); return k->has_mac;
	case DDA_VF_VLAN: ret->vlan = (uint16_t)(k->vlan > 0 ? k->vlan : 0); return k->vlan >= 0 && k->qos <= 0;
	case DDA_VF_SPOOFCHK: ret->spoofchk = k->spoofchk > 0; return k->spoofchk >= 0;
	case DDA_VF_TRUST: ret->trust = k->trust > 0; return k->trust >= 0;
	case DDA_VF_LINK: ret->link = (enum dda_vf_link)k->link; return k->link >= 0;
	case DDA_VF_RATE: ret->rate = (uint32_t)(k->max_tx_rate > 0 ? k->max_tx_rate : 0); return k->max_tx_rate >= 0;
	}
	return false;
}

static void list_opts(unsigned bits, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned b = 1; b & DDA_VF_ALL; b <<= 1)
		if ((bits & b) && off < size)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? ", " : "", dda_vf_opt_name(b));
}

/* The PF's link: up (carrier), and whether it is administratively up. */
static bool link_up(struct dda_ctx *ctx, const char *pf, const char *ifname, bool *ret_admin_up)
{
	char state[32];
	uint64_t flags;

	if (ret_admin_up)
		*ret_admin_up = dda_read_u64(ctx, &flags, "sys/bus/pci/devices/%s/net/%s/flags", pf, ifname) == 0 &&
				(flags & 1);
	return dda_read_line(ctx, state, sizeof(state), "sys/bus/pci/devices/%s/net/%s/operstate", pf, ifname) == 0 &&
	       !strcmp(state, "up");
}

struct pf_link {
	struct dda_ctx *ctx;
	const char *pf, *ifname;
};

static int link_check(void *data)
{
	const struct pf_link *l = data;

	return link_up(l->ctx, l->pf, l->ifname, NULL);
}

/* Drivers such as igb refuse a rate while the PF has no link (EINVAL):
 * true when that is the likely reason. */
static bool rate_needs_link(struct dda_ctx *ctx, const char *pf, const char *ifname, unsigned opt, int kerr)
{
	return opt == DDA_VF_RATE && kerr == -EINVAL && !link_up(ctx, pf, ifname, NULL);
}

int dda_vfnet_apply(struct dda_ctx *ctx, const char *pf, unsigned vf, const struct dda_vf_policy *p, unsigned flags,
		    struct dda_vfnet_result *ret)
{
	_cleanup_(sock_freep) struct nl_sock *sk = NULL;
	struct dda_vf_kstate ks[256], before = { .vf = -1 };
	struct dda_vfnet_result res = { 0 };
	char ifname[64], drv[64] = "", refusals[768] = "";
	bool known = false;
	int first_err = 0;
	size_t n = 0;
	int ifindex, r;

	if (ret)
		*ret = res;
	if (!(p->set & DDA_VF_ALL))
		return 0;
	r = dda_vfnet_netdev(ctx, pf, ifname, sizeof(ifname));
	if (r == 0)
		r = ifindex_of(ctx, pf, ifname, &ifindex);
	if (r == 0)
		r = sock_open(ctx, pf, &sk);
	if (r < 0)
		return r;
	if (dda_read_link_base(ctx, drv, sizeof(drv), "sys/bus/pci/devices/%s/driver", pf) < 0)
		snprintf(drv, sizeof(drv), "?");
	/* What to roll back to.  A failed read only costs the rollback. */
	if (query(sk, pf, ifindex, ks, ARRAY_SIZE(ks), &n) == 0)
		for (size_t i = 0; i < n && !known; i++)
			if (ks[i].vf == (int)vf) {
				before = ks[i];
				known = true;
			}
	dda_error_clear();
	if (n > 0 && !known)
		return dda_error_input(-ENODEV, "no-vf", pf, "'%s' (%s) has no VF %u (it has %zu)", pf, ifname, vf, n);

	for (unsigned opt = 1; opt & DDA_VF_ALL; opt <<= 1) {
		char what[64], extack[256], undone[128], kept[128], tail[320], hint[160] = "";
		unsigned rolled = 0;
		int kerr = 0;

		if (!(p->set & opt))
			continue;
		r = set_one(sk, pf, ifindex, vf, opt, p, known ? before.min_tx_rate : 0, &kerr, extack, sizeof(extack));
		if (r < 0)
			return r;
		/* A PF that was just reset (its VFs re-created) gets its link
		 * back within seconds: wait for it once, then try again. */
		if (rate_needs_link(ctx, pf, ifname, opt, kerr)) {
			bool admin_up = false;

			(void)link_up(ctx, pf, ifname, &admin_up);
			if (admin_up && dda_poll(link_check, &(struct pf_link){ ctx, pf, ifname }, 8000) > 0) {
				r = set_one(sk, pf, ifindex, vf, opt, p, known ? before.min_tx_rate : 0, &kerr, extack,
					    sizeof(extack));
				if (r < 0)
					return r;
			}
		}
		if (kerr == 0) {
			res.applied |= opt;
			continue;
		}
		dda_vf_opt_format(p, opt, what, sizeof(what));
		if (rate_needs_link(ctx, pf, ifname, opt, kerr)) {
			if (flags & DDA_VFNET_BEST_EFFORT) {
				/* Not a refusal: applied again before a VM starts. */
				res.deferred |= opt;
				continue;
			}
			dda_textf(hint, sizeof(hint), " (the link of %s is down: %s sets a VF rate only with link)",
				  ifname, drv);
		}
		if (flags & DDA_VFNET_BEST_EFFORT) {
			size_t off = strlen(refusals);

			res.refused |= opt;
			if (!first_err)
				first_err = kerr;
			snprintf(refusals + off, sizeof(refusals) - off, "%s%s: %s%s%s%s%s", off ? "; " : "", what,
				 strerror(-kerr), extack[0] ? " (kernel: " : "", extack, extack[0] ? ")" : "", hint);
			continue;
		}
		/* Refused: put back what this call changed, newest first. */
		for (unsigned b = opt >> 1; b; b >>= 1) {
			struct dda_vf_policy prev;
			char ignored[256];
			int e2 = 0;

			if (!(res.applied & b) || !known || !previous(&before, b, &prev))
				continue;
			if (set_one(sk, pf, ifindex, vf, b, &prev, before.min_tx_rate, &e2, ignored, sizeof(ignored)) ==
				    0 &&
			    e2 == 0) {
				res.applied &= ~b;
				rolled |= b;
			}
		}
		if (ret)
			*ret = res;
		list_opts(rolled, undone, sizeof(undone));
		list_opts(res.applied, kept, sizeof(kept));
		if (!rolled && !res.applied)
			snprintf(tail, sizeof(tail), "nothing else was changed");
		else if (!res.applied)
			snprintf(tail, sizeof(tail), "%s, applied before it, %s rolled back", undone,
				 rolled & (rolled - 1) ? "were" : "was");
		else
			snprintf(tail, sizeof(tail), "%s%s%s could not be rolled back and %s applied", undone,
				 rolled ? " rolled back; " : "", kept,
				 res.applied & (res.applied - 1) ? "stay" : "stays");
		return dda_error_code(kerr, "vf-option-refused", pf,
				      "'%s' (%s, driver %s) refused %s for VF %u: %s%s%s%s%s; %s", pf, ifname, drv,
				      what, vf, strerror(-kerr), extack[0] ? " (kernel: " : "", extack,
				      extack[0] ? ")" : "", hint, tail);
	}
	if (ret)
		*ret = res;
	if (res.refused) {
		char kept[128];

		list_opts(res.applied, kept, sizeof(kept));
		return dda_error_code(first_err, "vf-option-refused", pf,
				      "'%s' (%s, driver %s) refused for VF %u %s; %s%s", pf, ifname, drv, vf, refusals,
				      kept[0] ? kept : "nothing else", kept[0] ? " applied" : " was set");
	}
	return 0;
}
