// SPDX-License-Identifier: GPL-2.0-or-later
// The topology as data, with no DOM: the PCI tree from survey --json's
// parent links, each function's state from the pool, and the rows the
// picture draws, with long runs of alike siblings folded into one counted
// row.  Kept apart from the drawing so the rules can be read in one place.

export const STATES = [
    ["assignable", "Assignable"],
    ["force", "Assignable with force"],
    ["not-assignable", "Not assignable"],
    ["pooled", "In the pool"],
    ["vm", "Held by a VM or libvirt domain"],
    ["quarantined", "Quarantined"],
    ["unrecorded", "Unrecorded"],
];

// What the pool says wins over the survey's verdict: a pooled device is
// "not assignable" to the survey only because the pool has it already.
export function stateOf(dev, pool) {
    const p = pool.byAddr.get(dev.address);
    if (p) {
        if (p.quarantined)
            return "quarantined";
        return p.owner || p.vm ? "vm" : "pooled";
    }
    if (pool.unrecorded.has(dev.address))
        return "unrecorded";
    if (dev.verdict === "assignable")
        return "assignable";
    if (dev.verdict === "assignable-with-force")
        return "force";
    return "not-assignable";
}

export function indexPool(doc) {
    const byAddr = new Map();
    for (const e of (doc && doc.pool) || [])
        byAddr.set(e.address, e);
    const unrecorded = new Map();
    for (const e of (doc && doc.unrecorded) || [])
        unrecorded.set(e.address, e);
    return { byAddr, unrecorded, named: (doc && doc.named_pools) || [], doc };
}

// Roots are the root buses (domain:bus of the functions with no parent
// bridge); every other function hangs under its parent.  A parent the
// survey does not list (filtered, gone) makes its children roots' too,
// so no function is lost from the picture.
export function buildTree(devices) {
    const byAddr = new Map(devices.map(d => [d.address, { dev: d, children: [] }]));
    const roots = new Map();
    for (const d of [...devices].sort((a, b) => a.address.localeCompare(b.address))) {
        const node = byAddr.get(d.address);
        const parent = d.parent ? byAddr.get(d.parent) : null;
        if (parent) {
            parent.children.push(node);
        } else {
            const bus = d.address.slice(0, 7);
            if (!roots.has(bus))
                roots.set(bus, { root: bus, children: [] });
            roots.get(bus).children.push(node);
        }
    }
    return [...roots.values()];
}

// Siblings fold when they are leaves of one kind: the VFs of one PF, or
// functions with the same ids, driver and state.  A run folds only when
// it holds whole IOMMU groups, so a group box is never cut in two.
export const FOLD_MIN = 4;

function foldKey(node, pool) {
    if (node.children.length)
        return null;
    const d = node.dev;
    if (d.physfn)
        return `vf:${d.physfn}`;
    return `same:${d.parent || d.address.slice(0, 7)}:${d.vendor_id}:${d.device_id}:${d.driver}:${stateOf(d, pool)}`;
}

function wholeGroups(run) {
    const inRun = new Set(run.map(n => n.dev.address));
    return run.every(n => (n.dev.group_members || [n.dev.address]).every(a => inRun.has(a)));
}

function fold(children, pool, expanded) {
    const out = [];
    let i = 0;
    while (i < children.length) {
        const key = foldKey(children[i], pool);
        let j = i + 1;
        while (key && j < children.length && foldKey(children[j], pool) === key)
            j++;
        const run = children.slice(i, j);
        if (key && run.length >= FOLD_MIN && !expanded.has(key) && wholeGroups(run))
            out.push({ fold: key, members: run });
        else
            out.push(...run);
        i = j;
    }
    return out;
}

// Depth-first rows: {kind: "root"|"dev"|"fold", depth, ...}.
export function layoutRows(roots, pool, expanded) {
    const rows = [];
    function walk(node, depth) {
        rows.push({ kind: "dev", depth, dev: node.dev, state: stateOf(node.dev, pool) });
        for (const c of fold(node.children, pool, expanded)) {
            if (c.fold)
                rows.push({ kind: "fold", depth: depth + 1, key: c.fold, members: c.members.map(m => m.dev) });
            else
                walk(c, depth + 1);
        }
    }
    for (const r of roots) {
        rows.push({ kind: "root", depth: 0, root: r.root });
        for (const c of fold(r.children, pool, expanded)) {
            if (c.fold)
                rows.push({ kind: "fold", depth: 1, key: c.fold, members: c.members.map(m => m.dev) });
            else
                walk(c, 1);
        }
    }
    return rows;
}

// The boxes: for each group drawn row by row, its runs of consecutive
// rows (a group is nearly always one run; its box is then one rect).
export function groupRuns(rows) {
    const groups = new Map();
    rows.forEach((r, i) => {
        if (r.kind !== "dev" || r.dev.iommu_group === null || r.dev.iommu_group === undefined)
            return;
        const g = r.dev.iommu_group;
        if (!groups.has(g))
            groups.set(g, []);
        const runs = groups.get(g);
        const last = runs[runs.length - 1];
        if (last && last.end === i - 1) {
            last.end = i;
            last.minDepth = Math.min(last.minDepth, r.depth);
        } else {
            runs.push({ start: i, end: i, minDepth: r.depth });
        }
    });
    return groups;
}
