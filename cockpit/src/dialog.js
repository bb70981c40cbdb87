// SPDX-License-Identifier: GPL-2.0-or-later
// A PatternFly modal that is a real dialog: role=dialog, aria-modal, a
// labelled title, focus moved in and given back, Escape closes.

import { h, button } from "./dom.js";

let counter = 0;

// open({title, body, actions: [{label, variant, run}], onclose}) -> {close, body, setActions}
export function openDialog({ title, body, actions = [], onclose = null }) {
    const root = document.getElementById("dialog-root");
    const before = document.activeElement;
    const id = `ddactl-dialog-${++counter}`;
    const footer = h("footer", { class: "pf-c-modal-box__footer" });
    const bodyEl = h("div", { class: "pf-c-modal-box__body", id: `${id}-body` }, body);
    const box = h("div", {
        class: "pf-c-modal-box pf-m-md",
        role: "dialog",
        "aria-modal": "true",
        "aria-labelledby": `${id}-title`,
        "aria-describedby": `${id}-body`,
    },
    h("button", { class: "pf-c-button pf-m-plain", type: "button", "aria-label": "Close", onclick: () => close() }, "×"),
    h("header", { class: "pf-c-modal-box__header" },
      h("h1", { class: "pf-c-modal-box__title", id: `${id}-title` }, title)),
    bodyEl, footer);
    const backdrop = h("div", { class: "pf-c-backdrop" }, h("div", { class: "pf-l-bullseye" }, box));

    function setActions(list) {
        footer.replaceChildren(...list.map(a => button(a.label, a.run, a.variant || "secondary",
                                                       { disabled: a.disabled || null, "data-action": a.id || null })));
        footer.append(button("Close", () => close(), "link"));
    }

    function close() {
        backdrop.remove();
        document.removeEventListener("keydown", onKey, true);
        if (before && before.focus)
            before.focus();
        if (onclose)
            onclose();
    }

    function onKey(ev) {
        if (ev.key === "Escape") {
            ev.stopPropagation();
            close();
        }
    }

    setActions(actions);
    root.append(backdrop);
    document.addEventListener("keydown", onKey, true);
    const first = footer.querySelector("button:not([disabled])") || box.querySelector("button");
    first.focus();
    return { close, body: bodyEl, footer, setActions, box };
}
