/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "checks.h"
#include "error.h"
#include "libvirt-hook.h"

void dda_lvhook_result_release(struct dda_lvhook_result *r)
{
	free(r->refusals);
	r->refusals = NULL;
	r->nrefused = 0;
}

static int refuse(struct dda_lvhook_result *ret, const char *address, const char *code, const char *fmt, ...)
	_printf_(4, 5);
static int refuse(struct dda_lvhook_result *ret, const char *address, const char *code, const char *fmt, ...)
{
	struct dda_lvhook_refusal *nv = realloc(ret->refusals, (ret->nrefused + 1) * sizeof(*nv)), *f;
	va_list ap;

	if (!nv)
		return -ENOMEM;
	ret->refusals = nv;
	f = &nv[ret->nrefused++];
	snprintf(f->address, sizeof(f->address), "%s", address);
	snprintf(f->code, sizeof(f->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return 0;
}

/* The refusal the last recorded error makes (a check reused as it is). */
static int refuse_recorded(struct dda_lvhook_result *ret, const char *address)
{
	const struct dda_error_info *e = dda_last_error();

	return refuse(ret, address, e->code, "%s", e->message);
}

/* A 'block' reason of the survey: what the hook refuses for the device
 * itself (bridge, host use by it or its group, no group, ...).  The
 * quarantine is refused with the pool's own words instead. */
static const struct dda_reason *blocking_reason(const struct dda_device *d)
{
	for (size_t i = 0; i < d->nreasons; i++)
		/* lint-ok: a reason code; the pool's refusal tells the quarantine */
		if (d->reasons[i].severity == DDA_SEV_BLOCK && strcmp(d->reasons[i].code, "quarantined"))
			return &d->reasons[i];
	return NULL;
}

/* Someone other than domain holds a member of d's group (d included). */
static int held_elsewhere(struct dda_state *s, const char *domain, const struct dda_device *d, const char *what,
			  struct dda_lvhook_result *ret, bool *ret_refused)
{
	for (size_t i = 0; d->group && i < d->group->nmembers; i++) {
		const struct dda_device *m = d->group->members[i];
		struct dda_owner o;
		char where[128] = "";
		int r;

		if (dda_device_is_bridge(m))
			continue;
		r = dda_owner_find(s, m->name, &o);
		if (r < 0)
			return r;
		if (o.kind == DDA_OWNER_NONE || (o.kind == DDA_OWNER_LIBVIRT && !strcmp(o.name, domain)))
			continue;
		if (m != d)
			snprintf(where, sizeof(where), ", in the IOMMU group of '%s',", d->name);
		*ret_refused = true;
		if (o.kind == DDA_OWNER_VM)
			return refuse(ret, d->name, "held",
				      "%s: '%s'%s is held by ddactl VM '%s' (free it with 'ddactl vm remove-device %s %s')",
				      what, m->name, where, o.name, o.name, m->name);
		return refuse(ret, d->name, "held",
			      "%s: '%s'%s is held by libvirt domain '%s' (stop that domain, or 'virsh detach-device %s' it first)",
			      what, m->name, where, o.name, o.name);
	}
	return 0;
}

/* vfio needs every endpoint of the group on a vfio driver or none.  A
 * member the domain also names as a managed='yes' <hostdev> is libvirt's to
 * bind, as a GPU and its HDMI audio function are given together. */
static int group_unviable(const char *domain, const struct dda_domxml *x, const struct dda_device *d, bool managed,
			  const char *what, struct dda_lvhook_result *ret, bool *ret_refused)
{
	for (size_t i = 0; d->group && i < d->group->nmembers; i++) {
		const struct dda_device *m = d->group->members[i];
		const struct dda_domxml_hostdev *also = m == d ? NULL : dda_domxml_find(x, m->name);

		if (dda_device_is_bridge(m) || dda_device_in_pool_driver(m) || (m != d && !m->driver[0]))
			continue;
		if ((m == d && managed) || (also && also->managed))
			continue; /* libvirt binds it to vfio-pci itself */
		*ret_refused = true;
		if (m == d)
			return refuse(ret, d->name, "not-on-vfio",
				      "%s: '%s' is on %s%s and its <hostdev> is managed='no', so nothing binds it to vfio-pci ('ddactl dismount %s')",
				      what, d->name, d->driver[0] ? "driver " : "",
				      d->driver[0] ? d->driver : "no driver", d->name);
		return refuse(ret, d->name, "unviable-group",
			      "%s: '%s' shares IOMMU group %d with '%s' on driver %s, so vfio cannot use the group ('ddactl dismount %s' moves the whole group into the pool, or 'ddactl libvirt policy %s --dismount-managed')",
			      what, d->name, d->group->id, m->name, m->driver, d->name, domain);
	}
	return 0;
}

struct prepared {
	struct dda_device *dev;
	bool pooled, dismount;
};

static int check_one(struct dda_state *s, const char *domain, const struct dda_libvirt_policy *pol, struct dda_host *h,
		     const struct dda_domxml *x, const struct dda_domxml_hostdev *hd, struct prepared *p,
		     struct dda_lvhook_result *ret)
{
	const struct dda_reason *why;
	struct dda_pool_entry e;
	char what[DDA_LIBVIRT_NAME_MAX + 32];
	bool refused = false;
	int r;

	snprintf(what, sizeof(what), "refusing to start %s", domain);
	p->dev = dda_host_find(h, &hd->addr);
	if (!p->dev)
		return refuse(ret, hd->name, "no-device",
			      "%s: '%s' is no PCI function of this host (correct the <hostdev> address)", what,
			      hd->name);
	why = blocking_reason(p->dev);
	/* every line starts "refusing to start D: 'ADDR'", for libvirt's
	 * user and for a grep; the survey's words follow */
	if (why && !strncmp(why->message + (why->message[0] == '\''), hd->name, strlen(hd->name)))
		return refuse(ret, hd->name, why->code, "%s: %s (%s)", what, why->message, why->hint ? why->hint : "");
	if (why)
		return refuse(ret, hd->name, why->code, "%s: '%s': %s (%s)", what, hd->name, why->message,
			      why->hint ? why->hint : "");
	r = dda_pool_get(s, hd->name, &e);
	if (r < 0 && r != -ENOENT)
		return r;
	p->pooled = r == 0 && e.state == DDA_POOL_POOLED;
	if (r == 0 && dda_pool_refuse_quarantined(&e, what) < 0)
		return refuse_recorded(ret, hd->name);
	r = held_elsewhere(s, domain, p->dev, what, ret, &refused);
	if (r < 0 || refused)
		return r;
	p->dismount = !p->pooled && hd->managed && pol->dismount_managed;
	if (pol->require_pool && !p->pooled && !p->dismount)
		return refuse(ret, hd->name, "not-in-pool",
			      "%s: '%s' is not in ddactl's pool, and the domain's policy requires it ('ddactl dismount %s', or 'ddactl libvirt policy %s --no-require-pool')",
			      what, hd->name, hd->name, domain);
	if (p->dismount)
		return 0;
	return group_unviable(domain, x, p->dev, hd->managed, what, ret, &refused);
}

static int scan_hostdevs(struct dda_ctx *ctx, const struct dda_pciaddr *a, size_t n, struct dda_host **ret)
{
	return dda_host_scan_for(ctx, ret, DDA_SCAN_HOST_USE, a, n);
}

static int audit_refusals(struct dda_state *s, const char *domain, const struct dda_lvhook_result *ret)
{
	char detail[DDA_LIBVIRT_NAME_MAX + 32];

	snprintf(detail, sizeof(detail), "domain %s", domain);
	for (size_t i = 0; i < ret->nrefused; i++) {
		int r = dda_audit(s, "libvirt start", ret->refusals[i].address, DDA_OUTCOME_FAILED,
				  ret->refusals[i].message, detail);

		if (r < 0)
			return r;
	}
	return 0;
}

/* managed='yes' hostdevs under --dismount-managed: their whole groups
 * into the pool, with the crash-safe dismount and its companions. */
static int dismount_managed(struct dda_state *s, struct dda_host *h, const char *domain, struct prepared *p, size_t n,
			    struct dda_lvhook_result *ret)
{
	_cleanup_free_ struct dda_device **devs = calloc(n ? n : 1, sizeof(*devs));
	struct dda_plan plan = { 0 };
	size_t k = 0;
	int r;

	if (!devs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (p[i].dismount)
			devs[k++] = p[i].dev;
	if (!k)
		return 0;
	r = dda_pool_plan_dismount(h, s, devs, k, 0, &plan);
	if (r == -ECANCELED) {
		const struct dda_error_info *e = dda_last_error();

		/* the dismount's own words, after the line every refusal starts with */
		r = refuse(ret, e->device, e->code, "refusing to start %s: '%s': %s", domain, e->device, e->message);
		if (r == 0)
			r = audit_refusals(s, domain, ret);
		dda_plan_release(&plan);
		return r;
	}
	if (r == 0)
		r = dda_pool_dismount(s, &plan);
	for (size_t i = 0; r == 0 && i < plan.n; i++)
		dda_pool_say(&ret->done, "dismounted '%s' into the pool for domain %s (%s -> %s)",
			     plan.moves[i].dev->name, domain, plan.moves[i].from[0] ? plan.moves[i].from : "no driver",
			     plan.moves[i].to);
	dda_plan_release(&plan);
	return r;
}

int dda_lvhook_prepare(struct dda_state *s, const char *domain, const struct dda_domxml *x,
		       struct dda_lvhook_result *ret)
{
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	_cleanup_free_ struct dda_pciaddr *a = NULL;
	_cleanup_free_ struct prepared *p = NULL;
	struct dda_libvirt_policy pol;
	int r;

	if (!x->n)
		return 0;
	r = dda_libvirt_policy_get(s, domain, &pol);
	if (r < 0)
		return r;
	a = calloc(x->n, sizeof(*a));
	p = calloc(x->n, sizeof(*p));
	if (!a || !p)
		return -ENOMEM;
	for (size_t i = 0; i < x->n; i++)
		a[i] = x->hostdevs[i].addr;
	r = scan_hostdevs(dda_state_ctx(s), a, x->n, &h);
	if (r == 0)
		r = dda_pool_mark(h, s);
	if (r == 0)
		r = dda_checks_run(h);
	for (size_t i = 0; r == 0 && i < x->n; i++)
		r = check_one(s, domain, &pol, h, x, &x->hostdevs[i], &p[i], ret);
	if (r < 0)
		return r;
	if (ret->nrefused)
		return audit_refusals(s, domain, ret);
	return dismount_managed(s, h, domain, p, x->n, ret);
}

int dda_lvhook_hold(struct dda_state *s, const char *op, const char *domain, const char *address, const char *alias)
{
	struct dda_libvirt_device d = { .state = DDA_VM_DEVICE_ASSIGNED };
	char detail[DDA_LIBVIRT_NAME_MAX + 32];
	int r;

	snprintf(d.address, sizeof(d.address), "%s", address);
	snprintf(d.domain, sizeof(d.domain), "%s", domain);
	snprintf(d.alias, sizeof(d.alias), "%s", alias ? alias : "");
	r = dda_libvirt_device_put(s, &d);
	if (r < 0)
		return r;
	snprintf(detail, sizeof(detail), "held by libvirt:%s", domain);
	return dda_audit(s, op, address, DDA_OUTCOME_DONE, NULL, detail);
}

int dda_lvhook_unhold(struct dda_state *s, const char *op, const char *domain, const char *address)
{
	char detail[DDA_LIBVIRT_NAME_MAX + 32];
	int r = dda_libvirt_device_drop(s, address);

	if (r < 0)
		return r;
	snprintf(detail, sizeof(detail), "released by libvirt:%s", domain);
	return dda_audit(s, op, address, DDA_OUTCOME_DONE, NULL, detail);
}

int dda_lvhook_started(struct dda_state *s, const char *domain, const struct dda_domxml *x,
		       struct dda_lvhook_result *ret)
{
	for (size_t i = 0; i < x->n; i++) {
		struct dda_libvirt_device cur;
		int r;

		/* reconnect after a libvirtd restart: already recorded */
		if (dda_libvirt_device_get(s, x->hostdevs[i].name, &cur) == 0 && !strcmp(cur.domain, domain) &&
		    !strcmp(cur.alias, x->hostdevs[i].alias))
			continue;
		r = dda_lvhook_hold(s, "libvirt start", domain, x->hostdevs[i].name, x->hostdevs[i].alias);
		if (r < 0)
			return r;
		dda_pool_say(&ret->done, "'%s' is held by libvirt:%s", x->hostdevs[i].name, domain);
	}
	return 0;
}

/* return-to-host: the devices the domain held that are pooled, free and
 * answering go back to their host drivers, whole groups at a time. */
static int return_to_host(struct dda_state *s, const char *domain, const struct dda_libvirt_device *held, size_t n,
			  struct dda_lvhook_result *ret)
{
	_cleanup_(dda_host_freep) struct dda_host *h = NULL;
	_cleanup_free_ struct dda_pciaddr *a = calloc(n ? n : 1, sizeof(*a));
	_cleanup_free_ struct dda_device **devs = calloc(n ? n : 1, sizeof(*devs));
	struct dda_plan plan = { 0 };
	size_t k = 0, found = 0;
	int r;

	if (!a || !devs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct dda_pool_entry e;
		struct dda_owner o;

		if (dda_pool_get(s, held[i].address, &e) < 0 || e.state != DDA_POOL_POOLED ||
		    dda_pool_entry_quarantined(&e))
			continue;
		r = dda_owner_find(s, held[i].address, &o);
		if (r < 0)
			return r;
		if (o.kind != DDA_OWNER_NONE || dda_pciaddr_parse(held[i].address, &a[k]) < 0)
			continue;
		k++;
	}
	if (!k)
		return 0;
	r = scan_hostdevs(dda_state_ctx(s), a, k, &h);
	if (r < 0)
		return r;
	/* one that is gone from the host stays pooled, as after a reboot */
	for (size_t i = 0; i < k; i++)
		if ((devs[found] = dda_host_find(h, &a[i])))
			found++;
	if (found)
		r = dda_pool_plan_mount(h, s, devs, found, &plan);
	if (r == 0 && found)
		r = dda_pool_mount(s, &plan);
	for (size_t i = 0; r == 0 && i < plan.n; i++)
		dda_pool_say(&ret->done, "returned '%s' to the host for domain %s (%s -> %s)", plan.moves[i].dev->name,
			     domain, plan.moves[i].from, plan.moves[i].to[0] ? plan.moves[i].to : "no driver");
	dda_plan_release(&plan);
	return r;
}

int dda_lvhook_release(struct dda_state *s, const char *domain, struct dda_lvhook_result *ret)
{
	_cleanup_free_ struct dda_libvirt_device *held = NULL;
	struct dda_libvirt_policy pol;
	size_t n;
	int r;

	r = dda_libvirt_policy_get(s, domain, &pol);
	if (r == 0)
		r = dda_libvirt_devices(s, domain, &held, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = dda_lvhook_unhold(s, "libvirt release", domain, held[i].address);
		if (r == 0)
			dda_pool_say(&ret->done, "'%s' released by libvirt:%s", held[i].address, domain);
	}
	if (r < 0 || !pol.return_to_host)
		return r;
	return return_to_host(s, domain, held, n, ret);
}

int dda_lvhook_check_attach(struct dda_state *s, struct dda_host *h, const char *domain, const struct dda_device *d)
{
	struct dda_lvhook_result res = { 0 };
	struct dda_pool_entry e;
	char what[DDA_LIBVIRT_NAME_MAX + 48];
	bool refused = false;
	int r;

	(void)h;
	snprintf(what, sizeof(what), "refusing to attach it to domain %s", domain);
	r = dda_pool_get(s, d->name, &e);
	if (r == -ENOENT || (r == 0 && e.state != DDA_POOL_POOLED))
		return dda_error_code(-ENOENT, "not-in-pool", d->name,
				      "%s: '%s' is not in the pool ('ddactl dismount %s' first)", what, d->name,
				      d->name);
	if (r < 0)
		return r;
	r = dda_pool_refuse_quarantined(&e, what);
	if (r < 0)
		return r;
	if (strcmp(d->driver, "vfio-pci"))
		return dda_error_code(-EBUSY, "not-on-vfio", d->name,
				      "%s: '%s' is pooled but on %s, not vfio-pci ('ddactl pool restore %s')", what,
				      d->name, d->driver[0] ? d->driver : "no driver", d->name);
	for (size_t i = 0; d->group && i < d->group->nmembers; i++) {
		const struct dda_device *m = d->group->members[i];
		struct dda_pool_entry me;

		if (dda_device_is_bridge(m) || m == d)
			continue;
		if (dda_pool_get(s, m->name, &me) < 0 || me.state != DDA_POOL_POOLED)
			return dda_error_code(-EBUSY, "group-not-pooled", d->name,
					      "%s: '%s' shares IOMMU group %d with '%s', which is not in the pool ('ddactl dismount %s' takes the whole group)",
					      what, d->name, d->group->id, m->name, d->name);
	}
	r = held_elsewhere(s, domain, d, what, &res, &refused);
	if (r == 0 && refused)
		r = dda_error_code(-EBUSY, "held", d->name, "%s", res.refusals[0].message);
	dda_lvhook_result_release(&res);
	if (r < 0)
		return r;
	{
		struct dda_libvirt_device cur;

		if (dda_libvirt_device_get(s, d->name, &cur) == 0)
			return dda_error_code(-EALREADY, "held", d->name, "'%s' is already held by libvirt domain '%s'",
					      d->name, cur.domain);
	}
	return 0;
}

int dda_lvhook_pick_pool(struct dda_state *s, struct dda_host *h, const char *domain, const char *pool,
			 struct dda_device **ret)
{
	_cleanup_free_ char(*members)[DDA_PCIADDR_LEN] = NULL;
	size_t n;
	int r;

	if (!dda_npool_exists(s, pool))
		return dda_error_input(-ENOENT, "no-pool", pool, "no pool named '%s' ('ddactl pool create %s')", pool,
				       pool);
	r = dda_npool_members(s, pool, &members, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct dda_pciaddr a;
		struct dda_device *d;

		if (dda_pciaddr_parse(members[i], &a) < 0 || !(d = dda_host_find(h, &a)))
			continue;
		if (dda_lvhook_check_attach(s, h, domain, d) == 0) {
			*ret = d;
			return 0;
		}
	}
	return dda_error_code(-ENOENT, "none-free", pool,
			      "none of the %zu devices of pool '%s' is free for libvirt domain '%s'", n, pool, domain);
}
