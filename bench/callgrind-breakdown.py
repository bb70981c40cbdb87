#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""callgrind-breakdown.py CALLGRIND.OUT: where a ddactl run's instructions go.

Reads callgrind's output file (valgrind --tool=callgrind) and puts every
instruction in one part: the part of the nearest function up the call
stack that marks one (a landmark: dda_host_scan is "scan", anything in
libpci is "names", ...).  Callgrind keeps caller -> callee costs, not whole
stacks, so a function that no rule marks takes its callers' parts in
proportion to what each call to it cost (the assumption gprof makes); the
parts add up to the run's total.

Prints "part<TAB>Ir<TAB>percent" lines, largest first, and a "total" line.
"""
import re
import sys
from collections import defaultdict

# (part, test on (object, function)), first match wins.  Names cover both
# the flat src/lib of today and the layered folders (the functions keep
# their prefixes when their files move).
RULES = [
    ("names (hwdb, pci.ids)", lambda ob, fn: "libpci" in ob or "libudev" in ob or fn.startswith("dda_names")),
    ("database (SQLite)", lambda ob, fn: "libsqlite3" in ob),
    ("JSON (json-c)", lambda ob, fn: "libjson-c" in ob),
    ("modules (libkmod)", lambda ob, fn: "libkmod" in ob),
    ("lock", lambda ob, fn: fn.startswith("dda_lock")),
    ("host use", lambda ob, fn: fn.startswith(("dda_hostuse", "dda_use_", "dda_mountinfo", "dda_proc_"))),
    ("checks", lambda ob, fn: fn.startswith(("dda_checks", "dda_check_"))),
    ("host facts (IOMMU, kernel)", lambda ob, fn: fn.startswith("dda_hostinfo")),
    ("scan (sysfs, config space)", lambda ob, fn: fn.startswith(("dda_host_scan", "dda_device_", "dda_config",
                                                                   "dda_pcicfg", "dda_scan"))),
    ("state (pool, vm store, audit)", lambda ob, fn: fn.startswith(("dda_state", "dda_pool", "dda_npool",
                                                                     "dda_audit", "dda_vm_store", "dda_sqlite"))),
    ("ddactl (CLI, render, other)", lambda ob, fn: fn == "main"),
]
START = "libc start and exit"
# lazy binding happens under main but is the loader's work
LAZY = ("_dl_runtime_resolve", "_dl_fixup")


def part_of(ob, fn):
    if fn.startswith(LAZY):
        return "symbol lookup (ld.so, lazy binding)"
    if fn.startswith(("(below main)", "__libc_start", "exit", "__run_exit_handlers", "_dl_fini")):
        return START
    if "ld-linux" in ob or "/ld-" in ob:
        return "loader (ld.so: mapping, relocation)"
    for part, test in RULES:
        if test(ob, fn):
            return part
    return None


NAMED = re.compile(r"^\((\d+)\)(?: (.*))?$")


class Names:
    def __init__(self):
        self.ids = {}

    def get(self, s):
        m = NAMED.match(s)
        if not m:
            return s
        if m.group(2) is not None:
            self.ids[m.group(1)] = m.group(2)
        return self.ids.get(m.group(1), s)


def parse(path):
    obs, fls, fns = Names(), Names(), Names()
    self_cost = defaultdict(int)
    edges = defaultdict(int)            # (caller, callee) -> inclusive Ir of the calls
    object_of = {}
    total = 0
    ob = fn = None
    cob = cfn = None
    in_call = False
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                cost = line.split()
                ir = int(cost[1]) if len(cost) > 1 else 0
                if in_call:
                    edges[(fn, cfn)] += ir
                    in_call = False
                else:
                    self_cost[fn] += ir
                continue
            key, _, val = line.partition("=")
            if key == "ob":
                ob = obs.get(val)
            elif key in ("fl", "fi", "fe", "cfi", "cfl"):
                fls.get(val)
            elif key == "fn":
                # a function is known by its name alone: a call names its
                # callee's object only when it differs, and not always then
                fn = fns.get(val)
                object_of.setdefault(fn, ob)
                cob = None
            elif key == "cob":
                cob = obs.get(val)
            elif key == "cfn":
                cfn = fns.get(val)
                if cob:
                    object_of.setdefault(cfn, cob)
            elif key == "calls":
                in_call = True
            elif line.startswith("totals:") or line.startswith("summary:"):
                total = max(total, int(line.split(":")[1]))
    return self_cost, edges, total, object_of


def breakdown(self_cost, edges, object_of):
    callers = defaultdict(list)
    funcs = set(self_cost)
    for (p, c), ir in edges.items():
        if p != c:
            callers[c].append((p, ir))
        funcs.update((p, c))
    fixed = {}
    for f in funcs:
        part = part_of(object_of.get(f) or "", f)
        if part:
            fixed[f] = {part: 1.0}
        elif not callers[f]:
            fixed[f] = {START: 1.0}
    share = {f: fixed.get(f, {START: 1.0}) for f in funcs}
    # Fixed point over the call graph; recursion makes it iterative.
    for _ in range(100):
        changed = False
        for f in funcs:
            if f in fixed:
                continue
            tot = sum(ir for _, ir in callers[f]) or 1
            new = defaultdict(float)
            for p, ir in callers[f]:
                for part, w in share[p].items():
                    new[part] += w * ir / tot
            if any(abs(new.get(k, 0.0) - share[f].get(k, 0.0)) > 1e-9 for k in set(new) | set(share[f])):
                share[f] = dict(new)
                changed = True
        if not changed:
            break
    parts = defaultdict(float)
    for f, ir in self_cost.items():
        for part, w in share[f].items():
            parts[part] += ir * w
    return parts


def main(argv):
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    self_cost, edges, total, object_of = parse(argv[0])
    parts = breakdown(self_cost, edges, object_of)
    total = total or sum(self_cost.values())
    for part, ir in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"{part}\t{ir:.0f}\t{100.0 * ir / total:.1f}")
    print(f"total\t{total}\t100.0")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
