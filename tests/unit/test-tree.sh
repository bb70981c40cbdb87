#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# survey --tree and --format dot against the fake host's sysfs, the kernel's
# view: every function once, under the bridge its sysfs path puts it below,
# in the IOMMU group its iommu_group link names; and on a host with
# thousands of VFs, the runs folded so that the tree stays readable while
# still covering every function.
#
#   test-tree.sh DDACTL MKFIXTURE GEN-TREE
gentree=${3:?usage: $0 DDACTL MKFIXTURE GEN-TREE}
# shellcheck source=cli-lib.sh
. "$(dirname "$0")/cli-lib.sh"

# sysfs ROOT: "ADDRESS PARENT GROUP" per function, from the tree's links
sysfs() {
	local d t p g
	for d in "$1"/sys/bus/pci/devices/*; do
		t=$(readlink "$d")
		p=$(basename "$(dirname "$t")")
		[[ $p == pci* ]] && p=-
		g=$(basename "$(readlink "$d/iommu_group" 2>/dev/null)" 2>/dev/null)
		echo "$(basename "$d") $p ${g:--}"
	done | sort
}

# the tree's own "ADDRESS PARENT GROUP" lines, and the coverage of runs
parse_tree() {
	python3 - "$1" <<'EOF'
import re, sys
stack, out = [], []
domain = None
for line in open(sys.argv[1]):
    line = line.rstrip('\n')
    m = re.match(r'\[([0-9a-f]{4}):[0-9a-f]{2}\] PCI root bus$', line)
    if m:
        domain, stack = m.group(1), []
        continue
    m = re.match(r'((?:│  |   )*)[├└]─ (\S+)(?: (×\d+))? ', line)
    if not m:
        print('unparsed: ' + line, file=sys.stderr)
        sys.exit(1)
    depth = len(m.group(1)) // 3
    addr = m.group(2)
    first = addr.split('..')[0]
    if first.count(':') == 1:
        first = domain + ':' + first
    g = re.search(r'  (?:group (\d+)|groups (\d+)\.\.(\d+)|no group)', line)
    del stack[depth:]
    parent = stack[-1] if stack else '-'
    out.append((first, parent, g.group(1) or '-' if g else '?', m.group(3) or ''))
    stack.append(first)
for first, parent, group, run in out:
    print(first, parent, group, run)
EOF
}

# ------------------------------------------------------------ the fixture
DDACTL_ROOT=$root "$ddactl" survey --tree >"$tmp/tree" 2>"$tmp/err"
check "survey --tree exits 0" test $? -eq 0
parse_tree "$tmp/tree" >"$tmp/parsed" 2>>"$tmp/err"
check "every line of the tree parses" test $? -eq 0
sysfs "$root" >"$tmp/sysfs"
check "one line per function, under its sysfs parent, in its iommu_group" \
	diff <(awk '{print $1, $2, $3}' "$tmp/parsed" | sort) "$tmp/sysfs"

DDACTL_ROOT=$root "$ddactl" survey --format dot >"$tmp/dot" 2>>"$tmp/err"
check "survey --format dot exits 0" test $? -eq 0
# graphviz is a unit-level dependency (scripts/deps.sh), so this always runs
check "graphviz reads it" dot -Tsvg -o "$tmp/fx.svg" "$tmp/dot"
groups_with_members() {
	local g c=0
	for g in "$1"/sys/kernel/iommu_groups/*; do
		[ -n "$(ls "$g/devices" 2>/dev/null)" ] && c=$((c + 1))
	done
	echo $c
}
check "one box per IOMMU group" test "$(grep -c '^    subgraph cluster_group_' "$tmp/dot")" -eq "$(groups_with_members "$root")"
check "an edge for every function below a bridge" diff \
	<(sed -n 's/^    "\([^"]*\)" -> "\([^"]*\)";$/\2 \1/p' "$tmp/dot" | sort) \
	<(awk '$2 != "-" {print $1, $2}' "$tmp/sysfs")

DDACTL_ROOT=$root "$ddactl" survey --format xml >/dev/null 2>"$tmp/err"
check "--format xml is bad usage (2)" test $? -eq 2
DDACTL_ROOT=$root "$ddactl" survey --tree --json >/dev/null 2>"$tmp/err"
check "--tree with --json is bad usage (2)" test $? -eq 2
DDACTL_ROOT=$root "$ddactl" survey --tree 04:00.0 >/dev/null 2>"$tmp/err"
check "--tree with a DEVICE is bad usage (2)" test $? -eq 2

# ----------------------------------------------- a host with 1,024 VFs
"$gentree" "$tmp/big" --functions 2000 >/dev/null || { echo "not ok - gen-tree failed"; exit 1; }
DDACTL_ROOT=$tmp/big "$ddactl" survey --tree >"$tmp/tree" 2>"$tmp/err"
check "survey --tree of 2,000 functions exits 0" test $? -eq 0
parse_tree "$tmp/tree" >"$tmp/parsed" 2>>"$tmp/err"
check "every line of the big tree parses" test $? -eq 0
lines=$(wc -l <"$tmp/parsed")
check "runs are folded: $lines lines for 2,000 functions" test "$lines" -lt 700
covered=$(awk '{c += ($4 == "" ? 1 : substr($4, 3))} END {print c}' "$tmp/parsed")
check "the lines cover every function once ($covered)" test "$covered" -eq 2000
check "a VF run names its PF" grep -q '×256 .*VFs of ' "$tmp/tree"

echo "1..$n"
[ "$failed" -eq 0 ]
