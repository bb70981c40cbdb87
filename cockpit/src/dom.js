// SPDX-License-Identifier: GPL-2.0-or-later
// A few DOM builders, so the page needs no framework.  Text always goes in
// as text nodes: device names and messages come from the host.

export function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
}

const SVGNS = "http://www.w3.org/2000/svg";

export function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVGNS, tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
}

function setAttrs(el, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
        if (v === null || v === undefined || v === false)
            continue;
        if (k.startsWith("on") && typeof v === "function")
            el.addEventListener(k.slice(2), v);
        else if (k === "text")
            el.textContent = v;
        else
            el.setAttribute(k, v === true ? "" : String(v));
    }
}

function append(el, children) {
    for (const c of children.flat(Infinity)) {
        if (c === null || c === undefined || c === false)
            continue;
        el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
}

export function clear(el, ...children) {
    el.replaceChildren();
    append(el, children);
    return el;
}

export function button(label, onclick, variant = "secondary", extra = {}) {
    return h("button", { class: `pf-c-button pf-m-${variant}`, type: "button", onclick, ...extra }, label);
}

// The error document as a PatternFly alert: message, device and hint, and
// the code for a search.  The message ends with the fix for a terminal;
// here the fix has its own line, so it is not said twice.
export function errorAlert(err, title = "ddactl failed", variant = "danger") {
    let message = err.message;
    for (const tail of [` (${err.hint})`, `; ${err.hint}`])
        if (err.hint && message.endsWith(tail))
            message = message.slice(0, -tail.length);
    return h("div", { class: `pf-c-alert pf-m-${variant} pf-m-inline ddactl-error`, role: "alert", "data-code": err.code || null },
             h("p", { class: "pf-c-alert__title" }, title),
             h("div", { class: "pf-c-alert__description" },
               h("p", { class: "ddactl-error-message" }, message),
               err.device ? h("p", { class: "ddactl-error-device" }, "Device: ", h("code", {}, err.device)) : null,
               err.hint ? h("p", { class: "ddactl-error-hint" }, "Fix: ", err.hint) : null,
               err.code ? h("p", { class: "ddactl-error-code pf-u-font-size-sm" }, "Code: ", err.code) : null));
}

export function shortAddr(a) {
    return a && a.startsWith("0000:") ? a.slice(5) : a;
}

export function bytes(n) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1 && n % 1024 === 0) {
        n /= 1024;
        i++;
    }
    return `${n} ${units[i]}`;
}
