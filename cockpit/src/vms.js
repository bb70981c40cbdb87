// SPDX-License-Identifier: GPL-2.0-or-later
// The VMs ddactl defines: state and devices, start and stop, and giving a
// device to a VM or taking it back.  A removal the guest has not finished
// is an error document (pending), shown as such, never as done.

import { h, clear, button, errorAlert, shortAddr } from "./dom.js";
import { ddactl } from "./ddactl.js";
import { openDialog } from "./dialog.js";

// A pending removal is ddactl's error document too, but not a failure:
// the device stays the VM's until the guest lets go, and the row says so.
async function act(ctx, args, title) {
    try {
        await ddactl(args, { change: true });
    } catch (err) {
        ctx.alert(err.code === "pending" ? errorAlert(err, "Removal pending", "warning") : errorAlert(err, title));
    }
    ctx.refresh();
}

function addDialog(vm, ctx) {
    const free = (ctx.pool.doc.pool || []).filter(e => !e.owner && !e.vm && !e.quarantined && !e.companion_of);
    const ids = [...new Set(free.map(e => `${e.vendor_id}:${e.device_id}`))];
    const named = ctx.pool.named.map(p => p.name);
    const mode = h("select", { class: "pf-c-form-control", id: "ddactl-add-mode", "aria-label": "How to choose" },
                   h("option", { value: "pool" }, "A device from the pool"),
                   h("option", { value: "path" }, "By address or location path"),
                   h("option", { value: "any" }, "Any like this (vendor:device)"),
                   h("option", { value: "named" }, "From a named pool"));
    const dev = h("select", { class: "pf-c-form-control", "aria-label": "Pooled device" },
                  free.map(e => h("option", { value: e.address }, `${shortAddr(e.address)} ${e.name || ""}`)));
    const path = h("input", { class: "pf-c-form-control", type: "text", "aria-label": "Address or location path", placeholder: "PCIROOT(0)#PCI(0100)#PCI(0000)" });
    const any = h("select", { class: "pf-c-form-control", "aria-label": "Vendor and device ids" }, ids.map(i => h("option", { value: i }, i)));
    const np = h("select", { class: "pf-c-form-control", "aria-label": "Named pool" }, named.map(n => h("option", { value: n }, n)));
    const fields = { pool: dev, path, any, named: np };
    const slot = h("div", { class: "pf-c-form__group" }, dev);
    mode.addEventListener("change", () => clear(slot, fields[mode.value]));
    const dlg = openDialog({ title: `Add a device to ${vm.vm}`, body: h("div", { class: "pf-c-form" }, mode, slot) });
    dlg.setActions([{
        label: "Add", variant: "primary", id: "confirm",
        run: () => {
            const args = { pool: [dev.value], path: [path.value], any: ["--any", any.value], named: ["--pool", np.value] }[mode.value];
            dlg.close();
            act(ctx, ["vm", "add-device", vm.vm, ...args], `adding a device to ${vm.vm} failed`);
        },
    }]);
}

export function renderVms(el, doc, ctx) {
    const vms = doc.vms || [];
    if (!vms.length) {
        clear(el, h("p", { class: "ddactl-empty" }, "No VMs are defined (ddactl vm create NAME)."));
        return;
    }
    clear(el, h("table", { class: "pf-c-table pf-m-compact pf-m-grid-md ddactl-vms", role: "grid", "aria-label": "Virtual machines" },
                h("thead", {}, h("tr", {}, ["VM", "State", "Devices", ""].map(c => h("th", { scope: "col" }, c)))),
                h("tbody", {}, vms.map(vm => h("tr", { "data-vm": vm.vm },
                                               h("td", {}, vm.vm),
                                               h("td", {}, vm.state),
                                               h("td", {}, h("ul", { class: "ddactl-plain" }, vm.devices.map(d => h("li", { "data-address": d.address },
                                                                                                                       `${shortAddr(d.address)} `,
                                                                                                                       d.state === "removal-pending" ? h("strong", {}, "removal pending") : (d.companion_of ? "(companion)" : ""),
                                                                                                                       d.from_pool ? ` from pool ${d.from_pool}` : "",
                                                                                                                       d.companion_of ? null : button("Remove", () => act(ctx, ["vm", "remove-device", "--timeout", "10", vm.vm, d.address], `removing ${d.address} failed`), "link", { "data-action": "vm-remove" }))))),
                                               h("td", {},
                                                 vm.state === "running"
                                                     ? button("Stop", () => act(ctx, ["vm", "stop", vm.vm], `stopping ${vm.vm} failed`), "secondary", { "data-action": "vm-stop" })
                                                     : button("Start", () => act(ctx, ["vm", "start", vm.vm], `starting ${vm.vm} failed`), "secondary", { "data-action": "vm-start" }),
                                                 " ", button("Add device…", () => addDialog(vm, ctx), "secondary", { "data-action": "vm-add" })))))));
}
