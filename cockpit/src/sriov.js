// SPDX-License-Identifier: GPL-2.0-or-later
// SR-IOV: each PF with its VF count, setting the count (with or without
// the pool), and each VF's network policy.  ddactl decides what is safe
// (a VF held by a VM blocks a new count); the page shows its answer.

import { h, clear, button, errorAlert, shortAddr } from "./dom.js";
import { ddactl } from "./ddactl.js";
import { openDialog } from "./dialog.js";

// The dialog's outcome line, or ddactl's refusal in its place.
async function runIn(dlg, args, done, ctx) {
    dlg.setActions([]);
    try {
        await ddactl(args, { change: true });
        clear(dlg.body, h("div", { class: "pf-c-alert pf-m-success pf-m-inline ddactl-outcome", role: "status" },
                          h("p", { class: "pf-c-alert__title" }, done)));
    } catch (err) {
        clear(dlg.body, errorAlert(err, "ddactl refuses"));
    }
    ctx.refresh();
}

function field(label, input) {
    return h("div", { class: "pf-c-form__group" },
             h("label", { class: "pf-c-form__label", for: input.id }, h("span", { class: "pf-c-form__label-text" }, label)),
             input);
}

function countDialog(pf, ctx) {
    const count = h("input", { class: "pf-c-form-control", type: "number", min: 0, max: pf.total_vfs, id: "ddactl-vf-count", value: pf.enabled_vfs });
    const pool = h("input", { class: "pf-c-check__input", type: "checkbox", id: "ddactl-vf-pool", checked: pf.persisted && pf.persisted.pool ? true : null });
    const dlg = openDialog({
        title: `VFs of ${pf.address}`,
        body: h("div", { class: "pf-c-form" },
                h("p", {}, `${pf.name || ""}: ${pf.enabled_vfs} of ${pf.total_vfs} VFs enabled. The kernel changes a count through 0, so every VF is made again; ddactl refuses while a VM or another process holds one.`),
                field(`Number of VFs (0 to ${pf.total_vfs})`, count),
                h("div", { class: "pf-c-check" }, pool,
                  h("label", { class: "pf-c-check__label", for: "ddactl-vf-pool" }, "Put the new VFs straight into the pool (no host driver binds them)"))),
    });
    dlg.box.dataset.dialog = "vf-set";
    dlg.setActions([{
        label: "Set", variant: "primary", id: "confirm",
        run: () => runIn(dlg, ["vf", "set", pf.address, "--count", String(count.value), ...(pool.checked ? ["--pool"] : [])],
                         `${pf.address}: ${count.value} VFs`, ctx),
    }]);
}

// The options of `ddactl vf config`, one input each; only the ones the
// user filled in are sent, so the rest of the stored policy stays.
const POLICY = [
    { opt: "--mac", label: "MAC address", key: "mac", placeholder: "52:54:00:12:34:56" },
    { opt: "--vlan", label: "VLAN (0 removes it)", key: "vlan", placeholder: "100" },
    { opt: "--spoof-check", label: "Spoof check", key: "spoof_check", choices: ["on", "off"] },
    { opt: "--trust", label: "Trust", key: "trust", choices: ["on", "off"] },
    { opt: "--link", label: "Link state", key: "link", choices: ["auto", "enable", "disable"] },
    { opt: "--rate", label: "Rate limit, Mbit/s (0 removes it)", key: "max_tx_rate_mbps", placeholder: "1000" },
];

// a stored boolean as the option's word
function shown(v) {
    return v === true ? "on" : v === false ? "off" : String(v);
}

function policyDialog(pf, vf, ctx) {
    const stored = vf.policy || {};
    const inputs = POLICY.map(p => {
        const id = `ddactl-vf-${p.key}`;
        const el = p.choices
            ? h("select", { class: "pf-c-form-control", id }, h("option", { value: "" }, "unchanged"),
                p.choices.map(c => h("option", { value: c, selected: shown(stored[p.key]) === c ? true : null }, c)))
            : h("input", { class: "pf-c-form-control", type: "text", id, placeholder: p.placeholder, "data-opt": p.opt });
        return { p, el };
    });
    const dlg = openDialog({
        title: `Network policy of VF ${vf.vf_index} (${shortAddr(vf.address)})`,
        body: h("div", { class: "pf-c-form" },
                h("p", {}, "Set through the PF, so the guest cannot change it; kept and applied again when the VFs are made again."),
                inputs.map(({ p, el }) => field(p.label, el))),
    });
    dlg.box.dataset.dialog = "vf-config";
    dlg.setActions([{
        label: "Apply", variant: "primary", id: "confirm",
        run: () => {
            const args = inputs.filter(({ el }) => el.value !== "").flatMap(({ p, el }) => [p.opt, el.value]);
            runIn(dlg, ["vf", "config", pf.address, String(vf.vf_index), ...args], `VF ${vf.vf_index}: policy applied`, ctx);
        },
    }]);
}

function policyText(p) {
    if (!p)
        return "—";
    return Object.entries(p).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k} ${shown(v)}`).join(", ") || "—";
}

// A PF's VFs as a table; beyond a few, behind a toggle, since a host
// with thousands of VFs would otherwise hold up the whole page.
const OPEN_UP_TO = 8;

function vfTable(pf, ctx) {
    return h("table", { class: "pf-c-table pf-m-compact pf-m-grid-md", role: "grid", "aria-label": `VFs of ${pf.address}` },
             h("thead", {}, h("tr", {}, ["VF", "Address", "Group", "Driver", "Pool", "VM", "Policy (stored)", ""].map(c => h("th", { scope: "col" }, c)))),
             h("tbody", {}, pf.vfs.map(vf => h("tr", { "data-address": vf.address },
                                               h("td", {}, String(vf.vf_index)),
                                               h("td", {}, shortAddr(vf.address)),
                                               h("td", {}, vf.iommu_group === null ? "none" : String(vf.iommu_group)),
                                               h("td", {}, vf.driver || "none"),
                                               h("td", {}, vf.pool_state || "—"),
                                               h("td", {}, vf.vm || "—"),
                                               h("td", {}, policyText(vf.policy)),
                                               h("td", {}, button("Policy…", () => policyDialog(pf, vf, ctx), "link", { "data-action": "vf-config" }))))));
}

function vfs(pf, ctx) {
    if (!pf.vfs.length)
        return h("p", { class: "ddactl-empty" }, "No VFs enabled.");
    ctx.sriovOpen = ctx.sriovOpen || new Set();
    if (pf.vfs.length <= OPEN_UP_TO || ctx.sriovOpen.has(pf.address))
        return vfTable(pf, ctx);
    const slot = h("div", {});
    const toggle = button(`Show the ${pf.vfs.length} VFs`, () => {
        ctx.sriovOpen.add(pf.address);
        clear(slot, vfTable(pf, ctx));
    }, "link", { "aria-expanded": "false", "data-action": "vf-show" });
    return clear(slot, toggle);
}

export function renderSriov(el, doc, ctx) {
    const pfs = doc.pfs || [];
    if (!pfs.length) {
        clear(el, h("p", { class: "ddactl-empty" }, "No SR-IOV physical functions on this host."));
        return;
    }
    clear(el, pfs.map(pf => h("section", { class: "ddactl-pf", "data-pf": pf.address },
                              h("h3", { class: "pf-c-title pf-m-md" },
                                `${shortAddr(pf.address)} ${pf.name || ""} — ${pf.driver || "no driver"}${pf.netdev ? ` (${pf.netdev})` : ""}: `,
                                h("span", { class: "ddactl-vf-count" }, `${pf.enabled_vfs} of ${pf.total_vfs} VFs`),
                                pf.persisted ? ` · kept: ${pf.persisted.count} VFs${pf.persisted.pool ? " into the pool" : ""}` : "",
                                " ", button("Set count…", () => countDialog(pf, ctx), "secondary", { "data-action": "vf-set" })),
                              vfs(pf, ctx))));
}
