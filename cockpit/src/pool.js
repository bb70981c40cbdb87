// SPDX-License-Identifier: GPL-2.0-or-later
// The pool table, and the dialogs that move devices: each shows the plan
// ddactl prints with --dry-run, asks for an explicit tick where the plan
// needs --force, runs the command and shows what it did or why not.

import { h, clear, button, errorAlert, shortAddr } from "./dom.js";
import { ddactl } from "./ddactl.js";
import { openDialog } from "./dialog.js";

function planTable(plan) {
    return h("table", { class: "pf-c-table pf-m-compact pf-m-grid-md ddactl-plan", role: "grid" },
             h("thead", {}, h("tr", {}, ["Device", "Group", "From", "To", "Companion of", ""].map(c => h("th", {}, c)))),
             h("tbody", {}, plan.devices.map(d => h("tr", { "data-address": d.address },
                                                    h("td", {}, `${shortAddr(d.address)} ${d.name || ""}`),
                                                    h("td", {}, String(d.iommu_group)),
                                                    h("td", {}, d.from_driver || "no driver"),
                                                    h("td", {}, d.to_driver || "no driver"),
                                                    h("td", {}, d.companion_of ? shortAddr(d.companion_of) : "—"),
                                                    h("td", {}, [d.already_done ? "already there" : null,
                                                        d.quarantined ? "quarantined" : null,
                                                        d.unrecorded ? "unrecorded" : null].filter(Boolean).join(", "))))));
}

function reasonsOf(survey, addrs) {
    const out = [];
    for (const d of survey.devices)
        if (addrs.includes(d.address))
            for (const r of d.reasons || [])
                if (r.severity !== "info")
                    out.push(h("li", { class: `ddactl-reason ddactl-sev-${r.severity}` },
                               h("strong", {}, `${shortAddr(d.address)} ${r.severity}: `), r.message,
                               r.hint ? h("div", { class: "ddactl-reason-hint" }, "Hint: ", r.hint) : null));
    return out;
}

// verb: "dismount" | "mount"; the plan first, then the change
export async function moveDialog(verb, address, ctx) {
    const dlg = openDialog({ title: `${verb === "dismount" ? "Dismount" : "Mount"} ${address}`, body: h("p", {}, "Reading the plan…") });
    dlg.box.dataset.dialog = verb;
    let force = false;
    let plan;
    try {
        plan = await ddactl([verb, "--dry-run", address]);
    } catch (err) {
        if (verb === "dismount" && err.code === "needs-force") {
            try {
                plan = await ddactl([verb, "--dry-run", "--force", address]);
                force = true;
            } catch (err2) {
                clear(dlg.body, errorAlert(err2, "ddactl refuses"));
                return;
            }
        } else {
            clear(dlg.body, errorAlert(err, "ddactl refuses"));
            dlg.setActions([]);
            return;
        }
    }
    const addrs = plan.devices.map(d => d.address);
    const companions = plan.devices.filter(d => d.companion_of).map(d => shortAddr(d.address));
    const tick = force
        ? h("input", { type: "checkbox", id: "ddactl-force", class: "pf-c-check__input", "data-force": "1" })
        : null;
    const run = async () => {
        if (force && !tick.checked)
            return;
        dlg.setActions([]);
        dlg.body.append(h("p", { class: "ddactl-running" }, "Running…"));
        try {
            const done = await ddactl([verb, ...(force ? ["--force"] : []), address], { change: true });
            clear(dlg.body, h("div", { class: "pf-c-alert pf-m-success pf-m-inline ddactl-outcome", role: "status" },
                              h("p", { class: "pf-c-alert__title" }, `${verb} done`)),
                  planTable(done));
        } catch (err) {
            clear(dlg.body, errorAlert(err, `${verb} failed`));
        }
        ctx.refresh();
    };
    clear(dlg.body,
          h("p", {}, verb === "dismount"
              ? "These functions leave their host drivers for vfio-pci, the whole IOMMU group together:"
              : "These functions go back to the host drivers recorded when they were dismounted:"),
          planTable(plan),
          companions.length ? h("p", { class: "ddactl-companions" }, `Companions that come along: ${companions.join(", ")}`) : null,
          h("ul", { class: "ddactl-reasons" }, reasonsOf(ctx.survey, addrs)),
          force
              ? h("div", { class: "pf-c-check ddactl-force" }, tick,
                  h("label", { class: "pf-c-check__label", for: "ddactl-force" },
                    `Force past: ${plan.forced_reasons}. Assign only to VMs that trust each other.`))
              : null);
    const confirm = { label: verb === "dismount" ? "Dismount" : "Mount", variant: force ? "danger" : "primary", run, id: "confirm", disabled: force };
    dlg.setActions([confirm]);
    if (tick)
        tick.addEventListener("change", () => dlg.setActions([{ ...confirm, disabled: !tick.checked }]));
}

export async function releaseDialog(address, ctx) {
    const dlg = openDialog({
        title: `Release ${address}`,
        body: h("p", {}, "ddactl resets the quarantined device again and reads it; if it answers, VMs may have it again."),
    });
    dlg.box.dataset.dialog = "release";
    dlg.setActions([{
        label: "Release", variant: "primary", id: "confirm",
        run: async () => {
            dlg.setActions([]);
            try {
                const r = await ddactl(["pool", "release", address], { change: true });
                clear(dlg.body, h("p", { class: "ddactl-outcome" },
                                  r.quarantined ? `${address} still does not answer: it stays quarantined.` : `${address} answers: released.`));
            } catch (err) {
                clear(dlg.body, errorAlert(err, "release failed"));
            }
            ctx.refresh();
        },
    }]);
}

export function renderPool(el, pool, ctx) {
    const rows = pool.doc.pool || [];
    const unrec = pool.doc.unrecorded || [];
    if (!rows.length && !unrec.length) {
        clear(el, h("p", { class: "ddactl-empty" }, "The pool is empty. Dismount a device from the topology to add it."));
        return;
    }
    const cols = ["Device", "State", "Group", "Companions", "Original driver", "VM or domain", "When", "Forced", ""];
    clear(el, h("table", { class: "pf-c-table pf-m-compact pf-m-grid-md ddactl-pool", role: "grid", "aria-label": "Pool" },
                h("thead", {}, h("tr", {}, cols.map(c => h("th", { scope: "col" }, c)))),
                h("tbody", {},
                  rows.map(e => h("tr", { "data-address": e.address },
                                  h("td", { "data-label": "Device" }, `${shortAddr(e.address)} ${e.name || ""}`),
                                  h("td", { "data-label": "State" }, e.quarantined ? `quarantined: ${e.quarantine_reason || ""}` : e.state +
                                    (e.present ? "" : " (absent)")),
                                  h("td", { "data-label": "Group" }, String(e.iommu_group)),
                                  h("td", { "data-label": "Companions" },
                                    e.companion_of ? `companion of ${shortAddr(e.companion_of)}`
                                        : (e.group_members || []).filter(a => a !== e.address).map(shortAddr).join(", ") || "—"),
                                  h("td", { "data-label": "Original driver" }, e.original_driver || "none"),
                                  // owner: a ddactl VM, or libvirt:DOMAIN (the hook's record)
                                  h("td", { "data-label": "VM" }, e.owner || e.vm || "—"),
                                  h("td", { "data-label": "When" }, e.added_at || ""),
                                  h("td", { "data-label": "Forced" }, e.forced ? `by ${e.forced_by}: ${e.forced_reasons}` : "no"),
                                  h("td", {}, e.quarantined
                                      ? button("Release", () => releaseDialog(e.address, ctx), "secondary", { "data-action": "release" })
                                      : button("Mount", () => moveDialog("mount", e.address, ctx), "secondary",
                                               { "data-action": "mount", disabled: e.owner || e.vm ? true : null })))),
                  unrec.map(e => h("tr", { "data-address": e.address, class: "ddactl-unrecorded" },
                                   h("td", {}, `${shortAddr(e.address)} ${e.name || ""}`),
                                   h("td", {}, "unrecorded"), h("td", {}, String(e.iommu_group)),
                                   h("td", {}, "—"), h("td", {}, "unknown"), h("td", {}, "—"), h("td", {}, ""), h("td", {}, ""),
                                   h("td", {}, button("Mount", () => moveDialog("mount", e.address, ctx), "secondary", { "data-action": "mount" })))))));
}
