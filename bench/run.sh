#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/run.sh: how fast is `ddactl survey` on a big host, next to the
# least any survey must read (bench/floor) and to `lspci -vvv`.
#
# Builds the fake hosts once into bench/out/ (again only when gen-tree
# is rebuilt), then for each tree and tool measures the median wall time,
# the peak RSS and the system calls per PCI function.  The table goes to
# stdout, progress to stderr.
#
# Environment:
#   BUILD      meson build dir (default: build)
#   DDACTL     survey binary (default: BUILD/ddactl or BUILD/src/cli/ddactl)
#   BENCH_OUT  where the trees live (default: bench/out)
#   SIZES      tree sizes in functions (default: "2300 4096")
#   RUNS       timed runs per tool, median taken (default: 5)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$repo/build}
out=${BENCH_OUT:-$repo/bench/out}
sizes=${SIZES:-2300 4096}
runs=${RUNS:-5}

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

gen=$build/bench/gen-tree
floor=$build/bench/floor
if [[ ! -x $gen || ! -x $floor ]]; then
	[[ -f $build/build.ninja ]] || die "no build in $build: run 'meson setup $build' first (or set BUILD)"
	ninja -C "$build" bench/gen-tree bench/floor >&2
fi

ddactl=${DDACTL:-}
if [[ -z $ddactl ]]; then
	for c in "$build/ddactl" "$build/src/cli/ddactl"; do
		if [[ -x $c ]]; then
			ddactl=$c
			break
		fi
	done
fi

# shellcheck source=lib.sh
. "$repo/bench/lib.sh"
timebin=/usr/bin/time
[[ -x $timebin ]] || timebin=
have strace || say "bench: strace not found: no syscall counts"
have lspci || say "bench: lspci not found: skipping it"

# ---- trees: made once; remade when gen-tree is newer than the stamp
mkdir -p "$out"
for n in $sizes; do
	tree=$out/tree-$n
	stamp=$out/tree-$n.stamp
	if [[ -f $stamp && -d $tree && ! $gen -nt $stamp ]]; then
		continue
	fi
	say "bench: generating $n-function tree in $tree"
	rm -rf "$tree" "$stamp"
	"$gen" "$tree" --functions "$n" >&2
	touch "$stamp"
done

# ---- measuring
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

peak_kib() {
	[[ -n $timebin ]] || { echo n/a; return; }
	"$timebin" -f %M -o "$tmp/rss" "$@" >/dev/null 2>&1 || true
	tail -n1 "$tmp/rss"
}

# total system calls of the process and its children, per function
# CPU time (user + system) of the median run: steadier than wall time when
# other work shares the machine.
cpu_ms() {
	[[ -n $timebin ]] || { echo n/a; return; }
	local i
	for ((i = 0; i < runs; i++)); do
		"$timebin" -f '%U %S' -o "$tmp/cpu" "$@" >/dev/null 2>&1 || true
		awk '{ printf "%d\n", ($1 + $2) * 1000 }' "$tmp/cpu" | tail -n1
	done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

syscalls_per_fn() {
	local fns=$1
	shift
	have strace || { echo n/a; return; }
	strace -f -c -o "$tmp/strace" "$@" >/dev/null 2>&1 || true
	awk -v n="$fns" '$NF == "total" { printf "%.1f", $4 / n }' "$tmp/strace"
}

rows=()
notes=()
for n in $sizes; do
	tree=$out/tree-$n
	fns=$(find "$tree/sys/bus/pci/devices" -mindepth 1 -maxdepth 1 | wc -l)
	export DDACTL_ROOT=$tree

	tools=()
	if [[ -n $ddactl ]]; then
		tools+=("ddactl survey --json|$ddactl survey --json")
	fi
	tools+=("floor|$floor $tree")
	if have lspci; then
		tools+=("lspci -vvv|lspci -vvv -A linux-sysfs -O sysfs.path=$tree/sys/bus/pci")
	fi

	for t in "${tools[@]}"; do
		name=${t%%|*}
		read -r -a cmd <<<"${t#*|}"

		# a tool must work on the tree before its numbers mean anything
		set +e
		"${cmd[@]}" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		set -e
		if [[ ! -s $tmp/out ]]; then
			say "bench: $name on $n functions printed nothing (exit $rc), skipped:"
			head -n5 "$tmp/err" >&2
			notes+=("$name on the $n-function tree printed nothing (exit $rc); not measured.")
			continue
		fi
		((rc == 0)) || notes+=("$name exited $rc on the $n-function tree.")
		if [[ $name == lspci* ]]; then
			seen=$(grep -c '^[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]\.[0-7] ' "$tmp/out" || true)
			((seen == fns)) || notes+=("lspci listed $seen of $fns functions on the $n-function tree.")
		fi

		say "bench: $name, $n functions"
		ms=$(wall_ms "${cmd[@]}") || ms=n/a
		cpu=$(cpu_ms "${cmd[@]}")
		kib=$(peak_kib "${cmd[@]}")
		sc=$(syscalls_per_fn "$fns" "${cmd[@]}")
		rows+=("| $fns | $name | $ms | $cpu | $kib | $sc |")
	done
done
[[ -n $ddactl ]] || notes+=("ddactl not built (looked in $build and $build/src/cli): survey not measured.")

echo "| functions | tool | wall ms (median of $runs) | CPU ms (median) | peak RSS KiB | syscalls/function |"
echo "|---:|---|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
if ((${#notes[@]})); then
	echo
	printf -- '- %s\n' "${notes[@]}"
fi
