#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run.sh BUILDDIR [SECONDS]: runs each libFuzzer target of BUILDDIR (a
# build configured with CC=clang -Dfuzz=true) for SECONDS (default 20),
# starting from the seed corpus in tests/fuzz/corpus/<target>/.
#
# New inputs go to BUILDDIR/fuzz/<target>/corpus, never into the committed
# seeds; a crash leaves its input in BUILDDIR/fuzz/<target>/ as crash-*,
# which `BUILDDIR/tests/fuzz/<target> FILE` replays.  One "ok"/"not ok"
# line per target; exits 1 if any target failed.  See README.md for longer
# campaigns.
set -u

build=${1:?usage: run.sh BUILDDIR [SECONDS]}
secs=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
targets=(fuzz-pcicfg fuzz-devname fuzz-qmp fuzz-mountinfo fuzz-sysfs fuzz-domxml)
failed=0

for t in "${targets[@]}"; do
	bin=$build/tests/fuzz/$t
	out=$build/fuzz/$t
	if [ ! -x "$bin" ]; then
		echo "not ok - $t: $bin is missing (configure with CC=clang meson setup ... -Dfuzz=true)"
		failed=1
		continue
	fi
	mkdir -p "$out/corpus"
	args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=4096
		-print_final_stats=1 -artifact_prefix="$out/")
	[ -f "$here/$t.dict" ] && args+=(-dict="$here/$t.dict")
	# The first directory receives new inputs; the seeds are read only.
	if "$bin" "${args[@]}" "$out/corpus" "$here/corpus/$t" >"$out/log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log")
		echo "ok - $t: ${runs:-?} runs in ${secs}s, corpus $(find "$out/corpus" -type f | wc -l) inputs"
	else
		echo "not ok - $t: failed, see $out/log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' "$out/log" | head -n 10 | sed 's/^/#   /'
		failed=1
	fi
done
exit "$failed"
