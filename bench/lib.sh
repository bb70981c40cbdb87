# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Sourced by the benchmark scripts (bench/run.sh, bench/callgrind.sh):
# the one way they time a command.  The caller sets $tmp (a scratch
# directory) and $runs (timed runs, median taken).

have() { command -v "$1" >/dev/null 2>&1; }

# median of RUNS wall times in ms, one warm-up run first (page cache)
# shellcheck disable=SC2154 # tmp and runs are the caller's
wall_ms() {
	if have hyperfine; then
		# -N: no intermediate shell, whose start-up would be counted
		hyperfine -N --warmup 1 --runs "$runs" --export-json "$tmp/hf.json" \
			"$*" >/dev/null 2>&1 || return 1
		sed -n 's/^ *"median": *\([0-9.e+-]*\),*$/\1/p' "$tmp/hf.json" | head -n1 |
			awk '{ printf "%.1f", $1 * 1000 }'
		return
	fi
	"$@" >/dev/null 2>&1 || true
	local i t0 t1
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'
}
