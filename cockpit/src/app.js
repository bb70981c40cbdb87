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
import { renderSriov } from "./sriov.js";
import { Log } from "./log.js";

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

const log = new Log(document.getElementById("log-body"));

async function refresh() {
    document.getElementById("alerts").replaceChildren();
    let survey, pool, vms, vfs;
    try {
        // the VM list first: as root it records removals the guests have
        // finished since, which the pool then shows as free
        vms = await ddactl(["vm", "list"]);
        [survey, pool, vfs] = await Promise.all([ddactl(["survey"]), ddactl(["pool"]), ddactl(["vf", "list"])]);
    } catch (err) {
        ctx.alert(errorAlert(err, "Cannot read the host"));
        document.body.dataset.loaded = "error";
        return;
    }
    // the page's own clock, which the browser test reads: data in hand,
    // then the picture drawn (in the browser's timeline, from navigation)
    performance.mark("ddactl-data");
    ctx.survey = survey;
    ctx.pool = indexPool(pool);
    renderHost(document.getElementById("host-body"), survey.host);
    topo.update(survey, ctx.pool);
    performance.mark("ddactl-drawn");
    // on screen: the frame after the one that lays the picture out
    requestAnimationFrame(() => requestAnimationFrame(() => performance.mark("ddactl-painted")));
    if (topo.selected)
        topo.select(topo.selected);
    renderPool(document.getElementById("pool-body"), ctx.pool, ctx);
    renderVms(document.getElementById("vms-body"), vms, ctx);
    renderSriov(document.getElementById("sriov-body"), vfs, ctx);
    await log.load();
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
}

const bar = document.getElementById("legend").parentElement;
bar.insertBefore(h("div", { class: "ddactl-toolbar" },
                   h("button", { class: "pf-c-button pf-m-link", type: "button", onclick: () => topo.expandAll(true) }, "Expand all"),
                   h("button", { class: "pf-c-button pf-m-link", type: "button", onclick: () => topo.expandAll(false) }, "Collapse runs"),
                   h("button", { class: "pf-c-button pf-m-link", type: "button", onclick: refresh }, "Refresh")), bar.firstChild);

refresh();
window.ddactlPage = { ctx, topo, actions, clear, log };
