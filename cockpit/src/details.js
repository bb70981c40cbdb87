// SPDX-License-Identifier: GPL-2.0-or-later
// The details of one function: why the survey says what it says (reasons
// with their hints, and why its group is shared), where it is, and what
// it has (ids, BARs, resets, interrupts); with the action that fits.

import { h, clear, button, bytes, shortAddr } from "./dom.js";
import { STATES, stateOf } from "./model.js";

function dl(pairs) {
    return h("dl", { class: "pf-c-description-list pf-m-horizontal pf-m-compact" },
             pairs.filter(p => p[1] !== null && p[1] !== undefined && p[1] !== "").map(([k, v]) =>
                 h("div", { class: "pf-c-description-list__group" },
                   h("dt", { class: "pf-c-description-list__term" }, k),
                   h("dd", { class: "pf-c-description-list__description" }, v))));
}

function reasonItem(r) {
    return h("li", { class: `ddactl-reason ddactl-sev-${r.severity}`, "data-code": r.code },
             h("span", { class: "pf-c-label pf-m-compact" }, h("span", { class: "pf-c-label__content" }, r.severity)),
             " ", h("span", { class: "ddactl-reason-message" }, r.message),
             r.hint ? h("div", { class: "ddactl-reason-hint" }, "Hint: ", r.hint) : null,
             r.explain ? h("div", { class: "ddactl-reason-explain" }, "Why: ", r.explain) : null);
}

export function renderDetails(el, dev, pool, actions) {
    const st = stateOf(dev, pool);
    const stName = STATES.find(([k]) => k === st)[1];
    const groupWhy = (dev.reasons || []).filter(r => r.code.startsWith("group-") && r.explain).map(r => r.explain);
    const others = (dev.group_members || []).filter(a => a !== dev.address);
    const ids = `${dev.vendor_id}:${dev.device_id}` +
        (dev.subsystem_vendor_id ? ` (subsystem ${dev.subsystem_vendor_id}:${dev.subsystem_device_id})` : "") +
        ` class ${dev.class}`;
    const irq = dev.interrupts
        ? ["intx", "msi", "msix"].filter(k => dev.interrupts[k]).map(k => k.toUpperCase()).join(", ") || "none"
        : null;
    const bars = (dev.bars || []).map(b => `BAR${b.index}: ${bytes(b.size_bytes)} ${b.type}` +
        (b["64bit"] ? ", 64-bit" : "") + (b.prefetchable ? ", prefetchable" : ""));
    const pooled = pool.byAddr.get(dev.address);
    const acts = [];
    if (pooled && pooled.quarantined)
        acts.push(button("Release", () => actions.release(dev.address), "secondary", { "data-action": "release" }));
    else if (pooled || pool.unrecorded.has(dev.address))
        acts.push(button("Mount (give back to the host)", () => actions.mount(dev.address), "secondary", { "data-action": "mount" }));
    else if (st !== "not-assignable" || dev.type === "endpoint" || dev.type === "rc-integrated-endpoint" || dev.type === "pci")
        acts.push(button("Dismount…", () => actions.dismount(dev.address), "primary", { "data-action": "dismount" }));

    clear(el,
          h("div", { class: "pf-c-card__title" },
            h("h3", { class: "pf-c-title pf-m-md" }, `${shortAddr(dev.address)} ${dev.name || ""}`)),
          h("div", { class: "pf-c-card__body" },
            h("p", { class: `ddactl-details-state state-${st}` }, h("span", { class: "ddactl-swatch" }), stName,
              dev.verdict ? ` (survey: ${dev.verdict})` : ""),
            acts.length ? h("div", { class: "ddactl-actions" }, acts) : null,
            h("h4", { class: "pf-c-title pf-m-sm" }, "Reasons"),
            (dev.reasons || []).length
                ? h("ul", { class: "ddactl-reasons" }, dev.reasons.map(reasonItem))
                : h("p", {}, "Nothing stands in the way."),
            h("h4", { class: "pf-c-title pf-m-sm" }, `IOMMU group ${dev.iommu_group}`),
            h("p", { class: "ddactl-group-explain" },
              others.length
                  ? [`Moves together with ${others.map(shortAddr).join(", ")}.`, ...groupWhy.map(w => " " + w)]
                  : "Alone in its group."),
            dl([
                ["Address", dev.address],
                ["Location path", h("code", {}, dev.location_path || "")],
                ["Driver", dev.driver || "none"],
                ["Type", dev.type],
                ["IDs", ids],
                ["Parent", dev.parent],
                ["Physical function", dev.physfn ? `${dev.physfn} (VF ${dev.vf_index})` : null],
                ["SR-IOV", dev.sriov ? `${dev.sriov.enabled_vfs} of ${dev.sriov.total_vfs} VFs` : null],
                ["BARs", bars.length ? h("ul", { class: "ddactl-plain" }, bars.map(b => h("li", {}, b))) : "none"],
                ["Resets", (dev.reset_methods || []).join(", ") || "none"],
                ["Interrupts", irq],
                ["Pool", pooled ? `${pooled.state}, from ${pooled.original_driver || "no driver"}` +
                    (pooled.owner || pooled.vm ? `, held by ${pooled.owner || pooled.vm}` : "") : null],
            ])));
    el.hidden = false;
}
