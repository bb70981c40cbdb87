/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The documents as JSON (json-c), one module per concept: the survey
 * (survey.c), the pool (pool.c), a planned move (plan.c), the audit trail
 * (log.c).  A front end prints them for --json and renders its text from
 * the same structures, so the two never disagree.  Field names are stable
 * API (docs/schema).  Each returns a new reference, NULL on OOM.
 */
#ifndef DDA_REPORT_H
#define DDA_REPORT_H

#include <stdio.h>

#include <json-c/json.h>

#include "audit.h"
#include "cleanup.h"
#include "error.h"
#include "host.h"
#include "libvirt.h"
#include "pool.h"
#include "predict.h"
#include "sriov.h"
#include "text.h"
#include "vfnet.h"
#include "vm.h"

static inline void dda_json_putp(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(dda_json_putp)

/* The host section: IOMMU, interrupt remapping, vfio-pci, and its own
 * reasons (code/severity/message/hint) with a "ready" flag.  NULL on OOM. */
struct json_object *dda_report_host(const struct dda_host *h);

/* One device with its reasons and verdict.  NULL on OOM. */
struct json_object *dda_report_device(const struct dda_device *d);

/* The whole survey; with n > 0 only the listed devices.  NULL on OOM. */
struct json_object *dda_report_survey(const struct dda_host *h, struct dda_device *const *only, size_t n);

/* survey --predict: a prediction of the tree under ctx's root with opts
 * (borrowed, must outlive the view), compared with a baseline: the tree's
 * own groups ("kernel") when it has some, else the prediction without the
 * what-if ("prediction") when opts asks one, else nothing (NULL). */
struct dda_predict_view {
	struct dda_prediction *p;
	struct dda_host *h; /* the tree, with names */
	const struct dda_predict_opts *opts;
	const char *baseline; /* "kernel", "prediction" or NULL; static */
	size_t ndiffer;	      /* functions whose group differs from it */
	char note[256];	      /* a kernel parameter of the tree's host that changes groups, or "" */
};
int dda_predict_view_build(struct dda_ctx *ctx, const struct dda_predict_opts *opts,
			   struct dda_predict_view *ret) _must_check_;
void dda_predict_view_release(struct dda_predict_view *v);
/* The predicted functions ordered by group, then address; caller frees
 * the array (not what it points to).  NULL on OOM. */
const struct dda_predicted **dda_predict_view_by_group(const struct dda_predict_view *v);
/* {"prediction": {"kernel_model", "acs_override", "without", "moves", "compared_with",
 * "differences", "groups": [{"group", "differs", "members": [...]}]}} */
struct json_object *dda_report_prediction(const struct dda_predict_view *v);

/* {"error": {"code", "message", "device"}} */
struct json_object *dda_report_error(const struct dda_error_info *e);

/* {"log": [...]}: the audit rows as dda_audit_list gives them. */
struct json_object *dda_report_log(const struct dda_audit_row *v, size_t n);

/* {"action": verb, "dry_run", "forced", "forced_reasons", "devices": [...]}:
 * what dismount or mount moves (or would move). */
struct json_object *dda_report_plan(const struct dda_plan *p, const char *verb, bool dry_run);

/* One pool record with what the live host adds to it. */
struct dda_pool_row {
	const struct dda_pool_entry *e;
	const struct dda_device *dev; /* the function at its address now; NULL: not present */
	char vm[DDA_VM_NAME_MAX + 1]; /* the VM that holds it, "" for none */
	/* who holds it, in either world: the VM's name, "libvirt:DOMAIN", or "" */
	char owner[DDA_LIBVIRT_NAME_MAX + 16];
};

/* The pool as `ddactl pool` shows it, text or JSON.  Borrows the records
 * and the host, which must outlive it. */
struct dda_pool_named {
	char name[DDA_NPOOL_NAME_LEN];
	char (*members)[DDA_PCIADDR_LEN];
	size_t n;
};
struct dda_pool_view {
	struct dda_pool_row *rows;
	size_t n;
	const struct dda_host *h;     /* NULL when the host could not be scanned */
	struct dda_pool_named *named; /* the named pools, by name */
	size_t nnamed;
};

/* Matches each record to the host (h may be NULL) and finds its VM (s may
 * be NULL: no database).  Names only the devices shown, the records' and
 * the unrecorded ones: an empty pool loads no names.  -ENOMEM only. */
int dda_pool_view_build(struct dda_pool_view *ret, struct dda_state *s, struct dda_host *h,
			const struct dda_pool_entry *v, size_t n) _must_check_;
void dda_pool_view_release(struct dda_pool_view *pv);

/* {"pool": [...], "unrecorded": [...], "named_pools": [{"name", "devices"}]} */
struct json_object *dda_report_pool(const struct dda_pool_view *pv);

/* `pool create` / `pool add`: {"action", "pool", "devices": [addresses]} */
struct json_object *dda_report_npool(bool add, const char *pool, struct dda_device *const *devs, size_t n);

/* `pool release`: {"action": "release", "address", "reset", "quarantined": false} */
struct json_object *dda_report_pool_release(const char *address, bool reset);

/* `pool restore`: {"action": "restore", "device", "done": [lines]} */
struct json_object *dda_report_pool_restore(const char *only, const struct dda_repair *rep);

/* One VM's definition, state and devices: {"vm", "state", "pid", ...,
 * "devices": [...]}. */
struct json_object *dda_report_vm(struct dda_state *s, const struct dda_vm *vm);
/* {"vms": [dda_report_vm...]} */
struct json_object *dda_report_vm_list(struct dda_state *s, const struct dda_vm *vms, size_t n);
/* {"vm", "devices": [...]}, the devices as in dda_report_vm */
struct json_object *dda_report_vm_devices(struct dda_state *s, const char *vm);
/* A change's outcome: {"vm", "action", "result", "device"} */
struct json_object *dda_report_vm_action(const char *vm, const char *action, const char *result, const char *device);
/* {"vm", "qemu_argv": [...]}; argv is NULL-terminated */
struct json_object *dda_report_vm_qemu_argv(const char *vm, char *const *argv);
/* {"vm", "libvirt_xml"} */
struct json_object *dda_report_vm_libvirt(const char *vm, const char *xml);
/* `vm stop --all`: {"action": "stop", "vms": []}, and one VM added to it. */
struct json_object *dda_report_vm_stopped(void);
void dda_report_vm_stopped_add(struct json_object *doc, const char *vm, const char *result);
/* {"vm", "lines": [...]}: a console log read from f, each line escaped
 * for a terminal.  -ENOMEM (not recorded) only. */
int dda_report_vm_console(const char *vm, FILE *f, struct json_object **ret) _must_check_;

/* An SR-IOV PF as `ddactl vf list` shows it, text or JSON. */
struct dda_pf_view {
	struct dda_device *pf;
	char netdev[64];	      /* "" when it has none */
	int autoprobe;		      /* sriov_drivers_autoprobe, -1 unknown */
	bool has_cfg, cfg_other_card; /* a kept count for this card / for another card in the slot */
	struct dda_sriov_config cfg;
	struct dda_vf_kstate ks[256]; /* the kernel's view of each VF */
	size_t nks;
	bool ks_ok;
};

/* Reads what the host and the state (s, which may be NULL) know of pf;
 * what cannot be read is left empty, nothing recorded. */
void dda_pf_view_read(struct dda_ctx *ctx, struct dda_state *s, struct dda_device *pf, struct dda_pf_view *v);
/* How many VF rows to show: the present VFs, and stored policies of VFs
 * that are not there now. */
int dda_pf_view_rows(struct dda_state *s, const struct dda_device *pf);
/* VF i of pf on the host, NULL when absent. */
struct dda_device *dda_pf_view_vf(const struct dda_host *h, const struct dda_device *pf, int i);
/* The kernel's state of VF i, NULL when unknown. */
const struct dda_vf_kstate *dda_pf_view_kstate(const struct dda_pf_view *v, int vf);

/* One PF with its VFs. */
struct json_object *dda_report_pf(struct dda_state *s, const struct dda_host *h, const struct dda_pf_view *v);
/* {"pfs": []}, and a dda_report_pf added to it (the reference is taken). */
struct json_object *dda_report_vf_list(void);
void dda_report_vf_list_add(struct json_object *list, struct json_object *pf);
/* A stored network policy, unset options null. */
struct json_object *dda_report_vf_policy(const struct dda_vf_policy *p);
/* `vf set`: {"action": "set", "physfn", "count", "pool", "done": [lines]} */
struct json_object *dda_report_vf_set(const char *physfn, int count, bool pool, const struct dda_repair *rep);
/* `vf config`: {"action", "physfn", "vf_index", "policy"}; stored NULL: forget */
struct json_object *dda_report_vf_config(const char *physfn, unsigned vf, const struct dda_vf_policy *stored);

/* "8086", "020000": ids print as lspci -n does. */
struct json_object *dda_json_hex(unsigned v, int width);

/* The pool, the VMs, the VFs, the last changes and the host's readiness
 * in Prometheus' text format (version 0.0.4), for node-exporter's textfile
 * collector.  s may be NULL (no database yet); h must have pool marks
 * (dda_pool_mark).  *ret is the caller's to free. */
int dda_metrics_text(struct dda_state *s, const struct dda_host *h, char **ret) _must_check_;

/* The pool in a scheduler's own format (export.c): KubeVirt's
 * permittedHostDevices fragment {"spec": {"configuration": ...}}, Nova's
 * {"device_spec": [...], "alias": [...]} (each entry one [pci] line's
 * JSON), or the SR-IOV network device plugin's {"resourceList": [...]}.
 * Only pooled devices present on vfio-pci and held by no VM go out; the
 * rest, and what the engine cannot see (ids under two names, a group split
 * between VMs, other vfio-pci functions a selector reaches), become
 * warnings [{"code", "device", "message"}]. */
enum dda_export_engine {
	DDA_EXPORT_KUBEVIRT,
	DDA_EXPORT_NOVA,
	DDA_EXPORT_SRIOV_DP,
};
int dda_export_engine_from_string(const char *s);
const char *dda_export_engine_name(enum dda_export_engine e);
struct dda_export {
	struct json_object *doc;
	struct json_object *warnings;
};
/* pool: only that named pool (-ENOENT, recorded, when there is none);
 * prefix: the resource domain (KubeVirt's resourceName, the plugin's
 * resourcePrefix). */
int dda_export_build(const struct dda_pool_view *pv, enum dda_export_engine engine, const char *pool,
		     const char *prefix, struct dda_export *ret) _must_check_;
void dda_export_release(struct dda_export *x);
/* {"engine", "document", "warnings"} */
struct json_object *dda_report_export(const struct dda_export *x, enum dda_export_engine engine);

/* `libvirt policy`: {"domain", "return_to_host", "require_pool",
 * "dismount_managed", "stored"} */
struct json_object *dda_report_libvirt_policy(const struct dda_libvirt_policy *p);
/* `libvirt attach|detach`: {"domain", "action", "result", "device",
 * "alias"} (alias: libvirt's name for the device in the running domain,
 * or null) */
struct json_object *dda_report_libvirt_action(const char *domain, const char *action, const char *result,
					      const char *device, const char *alias);

#endif
