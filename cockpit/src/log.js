// SPDX-License-Identifier: GPL-2.0-or-later
// The audit trail (`ddactl log`), newest first, filtered by device or VM
// as `ddactl log --device` filters it: the filter is ddactl's, not ours.

import { h, clear, errorAlert, shortAddr } from "./dom.js";
import { ddactl } from "./ddactl.js";

export class Log {
    constructor(el) {
        this.el = el;
        this.filter = h("input", { class: "pf-c-form-control", type: "search", id: "ddactl-log-device", placeholder: "0000:05:00.0 or a VM", "aria-label": "Only this device or VM" });
        this.body = h("div", { class: "ddactl-log-body" });
        let timer = null;
        this.filter.addEventListener("input", () => {
            clearTimeout(timer);
            timer = setTimeout(() => this.load(), 300);
        });
        clear(el, h("div", { class: "pf-c-toolbar" },
                    h("label", { class: "pf-c-form__label", for: "ddactl-log-device" }, "Device or VM: "), this.filter),
              this.body);
    }

    async load() {
        const dev = this.filter.value.trim();
        let doc;
        try {
            doc = await ddactl(["log", ...(dev ? ["--device", dev] : [])]);
        } catch (err) {
            clear(this.body, errorAlert(err, "Cannot read the log"));
            return;
        }
        const rows = (doc.log || []).slice().reverse();
        this.el.dataset.rows = String(rows.length);
        if (!rows.length) {
            clear(this.body, h("p", { class: "ddactl-empty" }, dev ? `Nothing logged for ${dev}.` : "Nothing logged yet."));
            return;
        }
        clear(this.body, h("table", { class: "pf-c-table pf-m-compact pf-m-grid-md ddactl-log", role: "grid", "aria-label": "Audit log" },
                           h("thead", {}, h("tr", {}, ["When", "User", "Operation", "Device", "Outcome", "Detail"].map(c => h("th", { scope: "col" }, c)))),
                           h("tbody", {}, rows.map(r => h("tr", { "data-device": r.device || "", "data-outcome": r.outcome },
                                                          h("td", {}, r.started_at),
                                                          h("td", {}, r.user || ""),
                                                          h("td", {}, r.operation),
                                                          h("td", {}, r.device ? shortAddr(r.device) : "—"),
                                                          h("td", {}, r.outcome),
                                                          h("td", {}, [r.detail, r.reason].filter(Boolean).join(": ")))))));
    }
}
