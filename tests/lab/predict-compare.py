#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compares the IOMMU groups of a survey document with the kernel's.

  predict-compare.py GROUPS SURVEY.json
  predict-compare.py --same LIVE.json FROM.json

SURVEY.json is a survey document or survey --predict's.
GROUPS holds the kernel's truth, a line per group: "N ADDR ADDR ...", as
the predict scenario writes it from /sys/kernel/iommu_groups/*/devices.
Groups are compared as sets of members (a partition of the functions), not
by number: prints one line per function whose group differs, and
"groups: N functions, M differ"; exits 1 when any differ or a function is
in one side only.
"""
import json
import sys


def kernel_groups(path):
    by_addr = {}
    with open(path) as f:
        for line in f:
            words = line.split()
            if len(words) < 2:
                continue
            members = frozenset(words[1:])
            for a in members:
                by_addr[a] = members
    return by_addr


def survey_groups(path):
    """From a survey document, or from survey --predict's {"prediction"}."""
    with open(path) as f:
        doc = json.load(f)
    if "prediction" in doc:
        by_addr = {}
        for g in doc["prediction"]["groups"]:
            members = frozenset(m["address"] for m in g["members"])
            for a in members:
                by_addr[a] = members
        return by_addr
    return {d["address"]: frozenset(d["group_members"]) if d["iommu_group"] is not None else None
            for d in doc["devices"]}


def same(live, other):
    """The survey of a snapshot is the live one but for host.source."""
    docs = []
    for path in (live, other):
        with open(path) as f:
            d = json.load(f)
        d["host"].pop("source", None)
        docs.append(d)
    a, b = docs
    if a == b:
        print("same survey")
        return 0
    if a["host"] != b["host"]:
        print(f"host: live {json.dumps(a['host'], sort_keys=True)} from {json.dumps(b['host'], sort_keys=True)}")
    for x, y in zip(a["devices"], b["devices"]):
        if x != y:
            keys = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
            print(f"{x['address']}: {', '.join(f'{k}: live {x.get(k)!r} from {y.get(k)!r}' for k in keys)}")
    if len(a["devices"]) != len(b["devices"]):
        print(f"devices: live {len(a['devices'])} from {len(b['devices'])}")
    return 1


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--same":
        return same(sys.argv[2], sys.argv[3])
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    k = kernel_groups(sys.argv[1])
    p = survey_groups(sys.argv[2])
    bad = 0
    for a in sorted(set(k) | set(p)):
        kg, pg = k.get(a), p.get(a)
        if kg != pg:
            bad += 1
            fmt = lambda g: "none" if g is None else ",".join(sorted(g))
            print(f"{a}: kernel {fmt(kg)} predicted {fmt(pg)}")
    print(f"groups: {len(set(k) | set(p))} functions, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
