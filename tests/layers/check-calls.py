#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The library's calls, read from its object files, point down and never
round in a circle.

check-layers.py proves that a header of a higher layer does not compile
below it.  This is the other half: what the compiler emitted.  A module
(one .c file) calls another when it has an undefined symbol that the other
defines; that holds whatever the headers say, so an `extern` declared by
hand cannot hide an upward call.  The test fails on a call to a higher
layer and on any cycle of modules, within a layer too (docs/ARCHITECTURE.md
says why: a cycle means two modules that can only be understood, tested
and changed together).

usage: check-calls.py BUILD_DIR [--graph]
  --graph prints the module graph (one "module: callees" line each).
"""
import glob
import os
import subprocess
import sys

LAYERS = ["basic", "pci", "host", "state", "vm", "report"]


def modules(build):
    """{module: (layer, defined symbols, undefined symbols)}"""
    mods = {}
    for layer in LAYERS:
        archive = os.path.join(build, "src", "lib", f"libdda-{layer}.a")
        if not os.path.exists(archive):
            sys.exit(f"no {archive}: build the library first")
        out = subprocess.run(["nm", "-A", "--defined-only", "-g", archive],
                             capture_output=True, text=True, check=True).stdout
        und = subprocess.run(["nm", "-A", "-u", archive],
                             capture_output=True, text=True, check=True).stdout
        for text, kind in ((out, "def"), (und, "und")):
            for line in text.splitlines():
                # archive:member.o:[address ]type symbol
                parts = line.split(":")
                if len(parts) < 3:
                    continue
                member = parts[1]
                fields = parts[2].split()
                sym = fields[-1]
                # pci_host.c.o -> pci/host
                name = os.path.basename(member)
                name = name[:-len(".c.o")] if name.endswith(".c.o") else name
                mod = name.replace("_", "/", 1)
                entry = mods.setdefault(mod, (layer, set(), set()))
                (entry[1] if kind == "def" else entry[2]).add(sym)
    return mods


def graph(mods):
    owner = {}
    for mod, (_, defs, _) in mods.items():
        for s in defs:
            owner[s] = mod
    edges = {mod: set() for mod in mods}
    for mod, (_, _, und) in mods.items():
        for s in und:
            callee = owner.get(s)
            if callee and callee != mod:
                edges[mod].add(callee)
    return edges


def cycles(edges):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    build = sys.argv[1]
    mods = modules(build)
    edges = graph(mods)
    if "--graph" in sys.argv[2:]:
        for m in sorted(edges, key=lambda m: (LAYERS.index(mods[m][0]), m)):
            print(f"{m}: {' '.join(sorted(edges[m]))}")
        return 0
    failures = 0
    for mod, callees in sorted(edges.items()):
        for c in sorted(callees):
            if LAYERS.index(mods[c][0]) > LAYERS.index(mods[mod][0]):
                print(f"{mod} calls up into {c}")
                failures += 1
    for comp in cycles(edges):
        print("call cycle: " + " <-> ".join(comp))
        failures += 1
    nedges = sum(len(c) for c in edges.values())
    print(f"{len(mods)} modules, {nedges} module calls, {failures} wrong")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
