// SPDX-License-Identifier: GPL-2.0-or-later
// The page: read survey, pool and VMs, draw them, and read them again
// after every change.

import { ddactl } from "./ddactl.js";
import { h, clear, errorAlert } from "./dom.js";
import { indexPool } from "./model.js";
import { renderHost } from "./host.js";
import { Topology } from "./topology.js";
import { renderDetails } from "./details.js";
import { renderPool, moveDialog, releaseDialog } from "./pool.js";
import { renderVms } from "./vms.js";

const ctx = {
    survey: null,
    pool: null,
    alert(el) {
        document.getElementById("alerts").append(h("div", { class: "pf-c-alert-group__item" }, el));
    },
    refresh,
};

const actions = {
    dismount: a => moveDialog("dismount", a, ctx),
    mount: a => moveDialog("mount", a, ctx),
    release: a => releaseDialog(a, ctx),
};

const topo = new Topology(document.getElementById("topology"), document.getElementById("legend"),
                          dev => renderDetails(document.getElementById("details"), dev, ctx.pool, actions));

async function refresh() {
    document.getElementById("alerts").replaceChildren();
    let survey, pool, vms;
    try {
        [survey, pool, vms] = await Promise.all([ddactl(["survey"]), ddactl(["pool"]), ddactl(["vm", "list"])]);
    } catch (err) {
        ctx.alert(errorAlert(err, "Cannot read the host"));
        document.body.dataset.loaded = "error";
        return;
    }
    ctx.survey = survey;
    ctx.pool = indexPool(pool);
    renderHost(document.getElementById("host-body"), survey.host);
    topo.update(survey, ctx.pool);
    if (topo.selected)
        topo.select(topo.selected);
    renderPool(document.getElementById("pool-body"), ctx.pool, ctx);
    renderVms(document.getElementById("vms-body"), vms, ctx);
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
}

const bar = document.getElementById("legend").parentElement;
bar.insertBefore(h("div", { class: "ddactl-toolbar" },
                   h("button", { class: "pf-c-button pf-m-link", type: "button", onclick: () => topo.expandAll(true) }, "Expand all"),
                   h("button", { class: "pf-c-button pf-m-link", type: "button", onclick: () => topo.expandAll(false) }, "Collapse runs"),
                   h("button", { class: "pf-c-button pf-m-link", type: "button", onclick: refresh }, "Refresh")), bar.firstChild);

refresh();
window.ddactlPage = { ctx, topo, actions, clear };
