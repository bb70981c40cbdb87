// SPDX-License-Identifier: GPL-2.0-or-later
// Cockpit 287 keeps the chosen style in localStorage "shell:style" (auto,
// light, dark) and tells open pages of a change by a "cockpit-style" event
// or, from other tabs, a storage event; PatternFly 4 draws dark under the
// pf-theme-dark class on <html>.  A classic script, so it runs before the
// first paint and the page never flashes light.
(function () {
    "use strict";
    const media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

    function apply(style) {
        let chosen = style;
        if (!chosen) {
            try {
                chosen = window.localStorage.getItem("shell:style");
            } catch (e) {
                chosen = null;
            }
        }
        chosen = chosen || "auto";
        const dark = chosen === "dark" || (chosen === "auto" && media !== null && media.matches);
        document.documentElement.classList.toggle("pf-theme-dark", dark);
    }

    window.addEventListener("storage", function (ev) {
        if (ev.key === "shell:style")
            apply();
    });
    window.addEventListener("cockpit-style", function (ev) {
        apply(ev.detail && ev.detail.style);
    });
    if (media)
        media.addEventListener("change", function () { apply(); });
    apply();
}());
