// SPDX-License-Identifier: GPL-2.0-or-later
// The PCI tree as an SVG picture, laid out here: one row per function (or
// per folded run), indented under its bridge, joined by lines to it; a box
// around each IOMMU group's rows; colour by state.  Rows rather than a
// wide tree keep 4,096 functions readable on a screen.

import { s, h, clear, shortAddr } from "./dom.js";
import { STATES, buildTree, layoutRows, groupRuns, stateOf } from "./model.js";

const ROW = 32;
const INDENT = 26;
const NODE_W = 470;
const NODE_H = 24;
const TOP = 8;
const LEFT = 8;

function clip(text, n) {
    return text.length > n ? text.slice(0, n - 1) + "…" : text;
}

function devLabel(d) {
    return `${shortAddr(d.address)}  ${d.driver || "no driver"}  ${d.name || ""}`;
}

function foldLabel(row, pool) {
    const counts = new Map();
    for (const d of row.members) {
        const st = stateOf(d, pool);
        counts.set(st, (counts.get(st) || 0) + 1);
    }
    const what = row.key.startsWith("vf:")
        ? `VFs of ${shortAddr(row.key.slice(3))}`
        : (row.members[0].name || "functions");
    const parts = STATES.filter(([k]) => counts.has(k)).map(([k, l]) => `${counts.get(k)} ${l.toLowerCase()}`);
    return { text: `${row.members.length} × ${what}: ${parts.join(", ")}`, counts };
}

// The most common state colours a folded row; a mixed run shows it too.
function foldState(counts) {
    let best = null;
    for (const [k, v] of counts)
        if (best === null || v > counts.get(best))
            best = k;
    return best;
}

export class Topology {
    constructor(el, legend, onSelect) {
        this.el = el;
        this.legend = legend;
        this.onSelect = onSelect;
        this.expanded = new Set();
        this.selected = null;
    }

    update(survey, pool) {
        this.survey = survey;
        this.pool = pool;
        this.tree = buildTree(survey.devices);
        this.render();
    }

    expandAll(on) {
        if (!this.tree)
            return; // nothing read yet, or the host could not be read
        this.expanded.clear();
        if (on)
            for (const r of layoutRows(this.tree, this.pool, new Set()))
                if (r.kind === "fold")
                    this.expanded.add(r.key);
        this.render();
    }

    render() {
        const t0 = performance.now();
        const pool = this.pool;
        const rows = layoutRows(this.tree, pool, this.expanded);
        const runs = groupRuns(rows);
        const x = depth => LEFT + depth * INDENT;
        const y = i => TOP + i * ROW;
        let maxDepth = 0;
        for (const r of rows)
            maxDepth = Math.max(maxDepth, r.depth);
        const width = x(maxDepth) + NODE_W + 90;
        const height = y(rows.length) + TOP;

        const svg = s("svg", {
            class: "ddactl-svg",
            width, height,
            viewBox: `0 0 ${width} ${height}`,
            role: "group",
            "aria-label": `PCI topology: ${this.survey.devices.length} functions`,
        });
        const boxes = s("g", { class: "ddactl-groups" });
        const lines = s("g", { class: "ddactl-lines" });
        const nodes = s("g", { class: "ddactl-nodes" });
        svg.append(boxes, lines, nodes);

        for (const [group, list] of runs) {
            const g = s("g", { class: "ddactl-group", "data-group": group });
            for (const run of list) {
                const bx = x(run.minDepth) - 4;
                g.append(s("rect", {
                    x: bx, y: y(run.start) - 3,
                    width: x(maxDepth) + NODE_W + 80 - bx, height: (run.end - run.start) * ROW + NODE_H + 6,
                    rx: 6,
                }));
            }
            const first = list[0];
            g.append(s("text", { class: "ddactl-group-label", x: x(maxDepth) + NODE_W + 76, y: y(first.start) + 16, "text-anchor": "end" },
                       `group ${group}`));
            boxes.append(g);
        }

        // lines: from each row to the nearest row above it one level up
        const stack = [];
        rows.forEach((r, i) => {
            stack.length = r.depth;
            const parent = r.depth > 0 ? stack[r.depth - 1] : undefined;
            if (parent !== undefined) {
                const px = x(rows[parent].depth) + 10;
                lines.append(s("path", { d: `M${px} ${y(parent) + NODE_H} V${y(i) + NODE_H / 2} H${x(r.depth)}` }));
            }
            stack[r.depth] = i;
        });

        rows.forEach((r, i) => nodes.append(this.node(r, x(r.depth), y(i))));
        clear(this.el, svg);
        this.el.removeAttribute("aria-busy");
        this.renderLegend();
        this.lastRenderMs = performance.now() - t0;
        this.el.dataset.renderMs = this.lastRenderMs.toFixed(1);
    }

    node(r, nx, ny) {
        if (r.kind === "root") {
            const g = s("g", { class: "ddactl-node ddactl-root", "data-root": r.root });
            g.append(s("rect", { x: nx, y: ny, width: 200, height: NODE_H, rx: 12 }),
                     s("text", { x: nx + 12, y: ny + 16 }, `PCI root ${r.root}`));
            return g;
        }
        let label, state, attrs;
        if (r.kind === "fold") {
            const f = foldLabel(r, this.pool);
            label = f.text;
            state = foldState(f.counts);
            const groups = new Set(r.members.map(d => d.iommu_group));
            attrs = {
                class: `ddactl-node ddactl-fold state-${state}`,
                "data-fold": r.key,
                "data-count": r.members.length,
                "data-groups": groups.size,
                "aria-expanded": "false",
                "aria-label": `${label}. Press to expand.`,
            };
        } else {
            const d = r.dev;
            state = r.state;
            label = devLabel(d);
            const stName = STATES.find(([k]) => k === state)[1];
            attrs = {
                class: `ddactl-node ddactl-dev state-${state}` + (this.selected === d.address ? " ddactl-selected" : ""),
                "data-address": d.address,
                "data-state": state,
                "data-group": d.iommu_group,
                "aria-label": `${d.address}, ${d.name || "unknown device"}, driver ${d.driver || "none"}, ` +
                    `IOMMU group ${d.iommu_group}, ${stName}`,
                "aria-pressed": this.selected === d.address ? "true" : "false",
            };
        }
        const g = s("g", { ...attrs, tabindex: 0, role: "button" });
        g.append(s("title", {}, label),
                 s("rect", { x: nx, y: ny, width: NODE_W, height: NODE_H, rx: 4 }),
                 s("rect", { class: "ddactl-stripe", x: nx, y: ny, width: 6, height: NODE_H, rx: 2 }),
                 s("text", { x: nx + 12, y: ny + 16 }, clip(label, 62)));
        const activate = () => {
            if (r.kind === "fold") {
                this.expanded.add(r.key);
                this.render();
                const again = this.el.querySelector(`[data-address="${r.members[0].address}"]`);
                if (again)
                    again.focus();
            } else {
                this.select(r.dev.address);
            }
        };
        g.addEventListener("click", activate);
        g.addEventListener("keydown", ev => {
            if (ev.key === "Enter" || ev.key === " ") {
                ev.preventDefault();
                activate();
            }
        });
        return g;
    }

    select(address) {
        this.selected = address;
        for (const n of this.el.querySelectorAll(".ddactl-dev")) {
            const on = n.dataset.address === address;
            n.classList.toggle("ddactl-selected", on);
            n.setAttribute("aria-pressed", on ? "true" : "false");
        }
        const dev = this.survey.devices.find(d => d.address === address);
        if (dev)
            this.onSelect(dev);
    }

    renderLegend() {
        const counts = new Map();
        for (const d of this.survey.devices) {
            const st = stateOf(d, this.pool);
            counts.set(st, (counts.get(st) || 0) + 1);
        }
        clear(this.legend,
              h("ul", { class: "ddactl-legend-list", "aria-label": "Legend" },
                STATES.map(([k, l]) => h("li", { class: `state-${k}`, "data-state": k },
                                         h("span", { class: "ddactl-swatch", "aria-hidden": "true" }),
                                         `${l} (${counts.get(k) || 0})`)),
                h("li", { class: "ddactl-legend-group" }, h("span", { class: "ddactl-swatch", "aria-hidden": "true" }), "IOMMU group")));
    }
}
