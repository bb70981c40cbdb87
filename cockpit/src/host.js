// SPDX-License-Identifier: GPL-2.0-or-later
// The readiness card: survey --json's host section, one line per piece a
// VM with an assigned device needs, and for each missing one the fix the
// survey gives (its reasons' hints).

import { h, clear } from "./dom.js";

function row(label, ok, text, fix) {
    return h("li", { class: `ddactl-ready-row ${ok ? "ddactl-ok" : "ddactl-missing"}`, "data-piece": label },
             h("span", { class: "ddactl-ready-mark", "aria-hidden": "true" }, ok ? "✔" : "✘"),
             h("span", { class: "ddactl-ready-label" }, label + ": "),
             h("span", { class: "ddactl-ready-text" }, text),
             fix ? h("div", { class: "ddactl-ready-fix" }, "Fix: ", h("code", {}, fix)) : null);
}

// The survey names each missing piece by a reason; its code says which
// piece it is about.
function fixFor(reasons, pattern) {
    const r = reasons.find(x => pattern.test(x.code));
    return r ? r.hint || r.message : null;
}

export function renderHost(el, host) {
    const reasons = host.reasons || [];
    const iommu = host.iommu || {};
    const ir = host.interrupt_remapping || {};
    // "module": installed, and ddactl loads it at the first dismount
    const vfioLoaded = host.vfio_pci !== "missing";
    const vfioText = { loaded: "loaded", builtin: "built into the kernel",
                       module: "installed (loaded at the first dismount)", missing: "missing" }[host.vfio_pci];
    const items = [
        row("IOMMU", !!iommu.enabled,
            iommu.enabled
                ? `on (${(iommu.units || []).join(", ") || "units"}), ${iommu.groups} groups` +
                  (iommu.kernel_parameters ? `, kernel parameters: ${iommu.kernel_parameters}` : "")
                : "off",
            iommu.enabled ? null : fixFor(reasons, /iommu/)),
        row("Interrupt remapping", !!ir.enabled, ir.enabled ? (ir.note || "on") : (ir.note || "off"),
            ir.enabled ? null : fixFor(reasons, /remap|interrupt/)),
        row("vfio-pci", vfioLoaded, vfioText || String(host.vfio_pci),
            vfioLoaded ? null : fixFor(reasons, /vfio/)),
    ];
    const others = reasons.filter(r => !/iommu|remap|interrupt|vfio/.test(r.code));
    clear(el,
          h("p", { class: "ddactl-ready-summary", "data-ready": String(!!host.ready) },
            host.ready ? "This host is ready for device assignment." : "This host is not ready for device assignment.",
            ` Kernel ${host.kernel}, ${host.pci_functions} PCI functions.`),
          h("ul", { class: "ddactl-ready-list" }, items),
          others.length
              ? h("ul", { class: "ddactl-ready-others" },
                  others.map(r => h("li", {}, h("strong", {}, r.severity + ": "), r.message,
                                    r.hint ? h("div", { class: "ddactl-ready-fix" }, "Fix: ", h("code", {}, r.hint)) : null)))
              : null);
    el.closest(".pf-c-card").removeAttribute("aria-busy");
}
