#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/callgrind.sh: how many instructions ddactl runs for one command, and
# where they go (make bench-count; part of make bench).  Instruction counts
# repeat from run to run where wall times do not, so a speed-up shows in
# them even on a loaded machine.
#
# Two fake hosts: the unit tests' fixture (tests/unit/mkfixture, 17
# functions, like a desktop) and the 4,096-function tree of bench/run.sh
# (bench/gen-tree).  On each, four commands:
#   ddactl pool                        the pool empty, its database there
#   ddactl survey DEVICE               one device
#   ddactl dismount --dry-run DEVICE   one device's plan
#   ddactl survey                      the whole host, for comparison
# each under valgrind --tool=callgrind twice (the two totals must agree),
# and timed natively (median of RUNS; hyperfine -N when installed) to give
# each one-device command's time as a share of the whole survey's (issue 9:
# at most 10% on the 4,096-function tree).  The state and run directories
# are fresh ones under the fake root; `ddactl pool restore` with nothing to
# restore creates the empty database first, as any earlier run would have.
#
# Tables to stdout (Markdown), progress to stderr.  The callgrind files stay
# in CG_OUT (default bench/out/callgrind) for callgrind_annotate.
#
# Environment:
#   BUILD      meson build dir (default: build)
#   DDACTL     the binary (default: BUILD/ddactl)
#   BENCH_OUT  where the 4,096-function tree lives (default: bench/out)
#   RUNS       timed runs per command, median taken (default: 5)
#   TOP        inclusive functions listed per command (default: 15)
#   TREES      which hosts (default: "fixture 4096")
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$repo/build}
out=${BENCH_OUT:-$repo/bench/out}
cgout=${CG_OUT:-$out/callgrind}
runs=${RUNS:-5}
top=${TOP:-15}
trees=${TREES:-fixture 4096}
ddactl=${DDACTL:-$build/ddactl}

say() { printf '%s\n' "$*" >&2; }
die() { say "bench-count: $*"; exit 1; }
# shellcheck source=lib.sh
. "$repo/bench/lib.sh"

have valgrind || die "valgrind not found (scripts/deps.sh bench installs it)"
have callgrind_annotate || die "callgrind_annotate not found (package valgrind)"
[[ -x $ddactl ]] || die "no $ddactl: build first (make), or set DDACTL"
gen=$build/bench/gen-tree
mkfixture=$build/tests/unit/mkfixture
need=()
[[ -x $gen ]] || need+=(bench/gen-tree)
[[ -x $mkfixture ]] || need+=(tests/unit/mkfixture)
if ((${#need[@]})); then
	[[ -f $build/build.ninja ]] || die "no build in $build (set BUILD)"
	ninja -C "$build" "${need[@]}" >&2 || die "cannot build ${need[*]} (mkfixture needs -Dtests=true)"
fi

tmp=$(mktemp -d)
roots_made=()
cleanup() {
	local r
	rm -rf "$tmp"
	for r in "${roots_made[@]}"; do rm -rf "$r"; done
}
trap cleanup EXIT
mkdir -p "$cgout"

# tree NAME: sets ROOT and DEV (a device every command accepts there)
tree() {
	case $1 in
	fixture)
		ROOT=$tmp/fixture
		"$mkfixture" "$ROOT" >&2 || die "mkfixture failed"
		DEV=0000:01:10.1	# an assignable VF on iavf
		;;
	4096)
		ROOT=$out/tree-4096
		if [[ ! -f $ROOT.stamp || ! -d $ROOT || $gen -nt $ROOT.stamp ]]; then
			say "bench-count: generating the 4096-function tree in $ROOT"
			rm -rf "$ROOT" "$ROOT.stamp"
			mkdir -p "$out"
			"$gen" "$ROOT" --functions 4096 >&2 || die "gen-tree failed"
			touch "$ROOT.stamp"
		fi
		DEV=0000:45:00.0	# an NVMe SSD behind a switch, nothing mounted on it
		;;
	*) die "no tree '$1' (fixture or 4096)" ;;
	esac
}

commands=(pool survey-device dry-run survey)
label() {
	case $1 in
	pool) echo "pool" ;;
	survey-device) echo "survey DEVICE" ;;
	dry-run) echo "dismount --dry-run DEVICE" ;;
	survey) echo "survey (whole host)" ;;
	esac
}
# argv NAME: the command's arguments, in ARGS
argv() {
	case $1 in
	pool) ARGS=(pool) ;;
	survey-device) ARGS=(survey "$DEV") ;;
	dry-run) ARGS=(dismount --dry-run "$DEV") ;;
	survey) ARGS=(survey) ;;
	esac
}

# Ir total of a callgrind file
ir_of() { sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$1" | head -n1; }

# inclusive top list without the long paths: "main.c:main [ddactl]"
top_inclusive() {
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
		awk -v n="$top" '/file:function/ { go = 1; getline; next } go && /\]$/ && !/\(below main\)|__libc_start/ && k++ < n' |
		sed -E 's#[^ \[]*/([^/ :]+):#\1:#; s#\[[^]]*/([^/]+)\]#[\1]#'
}

rows=()
breakdowns=()
tops=()
notes=()
for t in $trees; do
	tree "$t"
	fns=$(find "$ROOT/sys/bus/pci/devices" -mindepth 1 -maxdepth 1 | wc -l)
	# fresh state under the fake root: $ROOT/tmp/ddactl-bench.PID
	sd=/tmp/ddactl-bench.$$
	rm -rf "${ROOT:?}$sd"
	mkdir -p "$ROOT$sd"
	roots_made+=("$ROOT$sd")
	export DDACTL_ROOT=$ROOT DDACTL_STATE_DIR=$sd/state DDACTL_RUN_DIR=$sd/run NO_COLOR=1
	"$ddactl" pool restore >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; die "pool restore failed on the $t tree"; }
	[[ -f $ROOT$sd/state/ddactl.db ]] || die "pool restore made no database on the $t tree"

	declare -A wall=()
	for c in "${commands[@]}"; do
		argv "$c"
		set +e
		"$ddactl" "${ARGS[@]}" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		set -e
		if ((rc != 0)); then
			say "bench-count: ddactl ${ARGS[*]} exits $rc on the $t tree:"
			head -n5 "$tmp/err" >&2
			die "a command that fails measures nothing"
		fi
		say "bench-count: $t ($fns functions): ddactl ${ARGS[*]}"
		f1=$cgout/$t.$c.1 f2=$cgout/$t.$c.2
		for f in "$f1" "$f2"; do
			valgrind --tool=callgrind --callgrind-out-file="$f" "$ddactl" "${ARGS[@]}" >/dev/null 2>"$tmp/vg" ||
				{ cat "$tmp/vg" >&2; die "valgrind failed"; }
		done
		a=$(ir_of "$f1") b=$(ir_of "$f2")
		diff=$(awk -v a="$a" -v b="$b" 'BEGIN { d = a > b ? a - b : b - a; printf "%.3f%%", 100 * d / a }')
		awk -v a="$a" -v b="$b" 'BEGIN { d = a > b ? a - b : b - a; exit !(d / a > 0.001) }' &&
			notes+=("$t, $(label "$c"): the two counts differ by $diff (more than 0.1%).")
		wall[$c]=$(wall_ms "$ddactl" "${ARGS[@]}") || wall[$c]=n/a
		rows+=("$t|$fns|$c|$a|$b|$diff|${wall[$c]}")
		while IFS=$'\t' read -r part n pct; do
			breakdowns+=("$t|$c|$part|$n|$pct")
		done < <(python3 "$repo/bench/callgrind-breakdown.py" "$f1")
		tops+=("$t|$c|$(top_inclusive "$f1" | base64 -w0)")
	done
	for i in "${!rows[@]}"; do
		IFS='|' read -r rt rf rcmd ra rb rd rw <<<"${rows[$i]}"
		[[ $rt == "$t" ]] || continue
		frac=$(awk -v w="$rw" -v s="${wall[survey]}" 'BEGIN {
			if (w == "n/a" || s == "n/a" || s == 0) print "n/a"; else printf "%.0f%%", 100 * w / s }')
		rows[i]="$rt|$rf|$rcmd|$ra|$rb|$rd|$rw|$frac"
	done
	unset wall
done

mi() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1e6 }'; }

buildtype=$(meson introspect "$build" --buildoptions 2>/dev/null | python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))' 2>/dev/null || echo unknown)
echo "$("$ddactl" --version 2>&1 | head -n1) at $(git -C "$repo" describe --always --dirty 2>/dev/null || echo "?"), buildtype $buildtype, valgrind $(valgrind --version)"
echo
echo "| host | command | Ir (million) | Ir, 2nd run | differ | wall ms (median of $runs) | share of the whole survey's time |"
echo "|---|---|---:|---:|---:|---:|---:|"
for r in "${rows[@]}"; do
	IFS='|' read -r rt rf rcmd ra rb rd rw rfrac <<<"$r"
	echo "| $rt ($rf functions) | $(label "$rcmd") | $(mi "$ra") | $(mi "$rb") | $rd | $rw | $rfrac |"
done
echo
echo "Target (issue 9): 'pool' <= 8 million on the fixture (an empty pool); on the 4096-function tree each one-device command <= 10% of the whole survey's time."

for t in $trees; do
	echo
	echo "Where the instructions go, $t host: million Ir (share).  Each instruction counts for the nearest marked function up its call stack (bench/callgrind-breakdown.py)."
	echo
	hdr="| part |" sep="|---|"
	for c in "${commands[@]}"; do hdr+=" $(label "$c") |"; sep+="---:|"; done
	echo "$hdr"
	echo "$sep"
	parts=()
	declare -A seen=()
	for b in "${breakdowns[@]}"; do
		IFS='|' read -r bt bc bp bn bpct <<<"$b"
		[[ $bt == "$t" && $bp != total && -z ${seen[$bp]:-} ]] || continue
		seen[$bp]=1
		parts+=("$bp")
	done
	unset seen
	for p in "${parts[@]}" total; do
		line="| $p |"
		for c in "${commands[@]}"; do
			cell="0"
			for b in "${breakdowns[@]}"; do
				IFS='|' read -r bt bc bp bn bpct <<<"$b"
				[[ $bt == "$t" && $bc == "$c" && $bp == "$p" ]] || continue
				cell="$(mi "$bn") ($bpct%)"
			done
			line+=" $cell |"
		done
		echo "$line"
	done
done

echo
echo "Top $top functions by inclusive Ir (callgrind_annotate --inclusive=yes):"
for tp in "${tops[@]}"; do
	IFS='|' read -r tt tc tb <<<"$tp"
	echo
	echo "$tt host, ddactl $(label "$tc"):"
	echo
	echo '```'
	base64 -d <<<"$tb"
	echo '```'
done
if ((${#notes[@]})); then
	echo
	printf -- '- %s\n' "${notes[@]}"
fi
