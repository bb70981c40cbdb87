#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/lab.sh: how fast ddactl changes a real kernel's host, next to the
# bare sysfs writes and to driverctl (make bench-lab).
#
# One lab boot (tests/lab/run basic bench; the scenario is
# tests/lab/scenarios/bench.sh) times host -> pool -> host cycles of the
# basic topology's free e1000e, then prints its "LAB INFO bench" lines as
# tables.  Exits non-zero when the boot or any check in it failed (then the
# figures are not to be trusted).
#
# Environment:
#   BUILD       meson build dir the guest runs ddactl from (default: build)
#   BENCH_RUNS  timed cycles per tool, median taken (default: 5)
#   LOG         print the tables of this console log instead of booting
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$repo/build}
build=$(cd "$build" && pwd)
runs=${BENCH_RUNS:-5}
log=${LOG:-}
rc=0

if [[ -z $log ]]; then
	[[ -x $build/ddactl ]] || { echo "bench-lab: no $build/ddactl: build first (make)" >&2; exit 1; }
	# the guest's kernel command line carries the run count
	LAB_BUILD=$build LAB_APPEND="${LAB_APPEND:-} lab.bench_runs=$runs" \
		"$repo/tests/lab/run" basic bench >&2 || rc=$?
	log=$repo/tests/lab/out/bench.basic.log
fi
[[ -r $log ]] || { echo "bench-lab: no console log $log" >&2; exit 1; }

# Kernel messages can be glued in front of a LAB line: cut at the tag.
lines=$(tr -d '\r' <"$log" | sed -n 's/.*LAB INFO bench //p')
[[ -n $lines ]] || { echo "bench-lab: no results in $log" >&2; exit 1; }

awk '
$1 == "meta" { for (i = 2; i <= NF; i++) meta = meta (meta ? ", " : "") $i; next }
$1 == "cycle" { tool[++nt] = $2; cyc[$2] = $3; to[$2] = $4; back[$2] = $5; n[$2] = $6; next }
$1 == "cmd" { cmd[++nc] = $2; cms[$2] = $3; next }
$1 == "phase" {
	if (!($3 in seen)) { seen[$3] = 1; ph[++np] = $3 }
	pms[$2, $3] = $4; ppct[$2, $3] = $5; pcalls[$2, $3] = $6; next
}
$1 == "write" {
	w[++nw] = sprintf("| %s | %s | %s | %s |", $2, $3, $4, $5)
	if ($3 == "reset") kreset[$2] += $5; else kwrite[$2] += $5
	next
}
function ratio(a, b) { return (b > 0 && a != "n/a") ? sprintf("%.2f×", a / b) : "n/a" }
END {
	print "Lab: " meta
	print ""
	print "| host -> pool -> host | cycle ms (median) | to vfio-pci ms | back ms | cycles | × bare |"
	print "|---|---:|---:|---:|---:|---:|"
	for (i = 1; i <= nt; i++) {
		t = tool[i]
		name = t == "bare" ? "bare sysfs writes" : t == "ddactl" ? "ddactl dismount + mount (state on the 9p share)" : \
			t == "ddactl_local" ? "ddactl dismount + mount (state on a local ext4)" : \
			t == "driverctl" ? "driverctl set-override + unset-override" : t
		printf "| %s | %s | %s | %s | %s | %s |\n", name, cyc[t], to[t], back[t], n[t], ratio(cyc[t], cyc["bare"])
	}
	if ("ddactl" in cyc && "driverctl" in cyc)
		printf "\nddactl / driverctl: %s (target: below 1); ddactl / bare: %s (target: <= 1.5)\n", \
			ratio(cyc["ddactl"], cyc["driverctl"]), ratio(cyc["ddactl"], cyc["bare"])
	if ("ddactl_local" in cyc && "driverctl" in cyc)
		printf "state on ext4: ddactl / driverctl: %s; ddactl / bare: %s\n", \
			ratio(cyc["ddactl_local"], cyc["driverctl"]), ratio(cyc["ddactl_local"], cyc["bare"])
	print ""
	print "| command | ms (median) |"
	print "|---|---:|"
	for (i = 1; i <= nc; i++) {
		c = cmd[i]
		name = c == "pool" ? "ddactl pool (empty)" : c == "survey-device" ? "ddactl survey DEVICE" : \
			c == "survey" ? "ddactl survey (whole host)" : c == "dismount-dry-run" ? "ddactl dismount --dry-run DEVICE" : \
			c == "mount-dry-run" ? "ddactl mount --dry-run DEVICE (pooled)" : \
		c == "true" ? "/bin/true (starting any program)" : c == "version" ? "ddactl --version" : c
		printf "| %s | %s |\n", name, cms[c]
	}
	if (("dismount-dry-run" in cms) && ("mount-dry-run" in cms) && ("version" in cms) && ("true" in cms) && \
	    ("ddactl" in cyc) && nw) {
		print ""
		print "One ddactl half cycle, taken apart without strace: medians of the commands above, and the"
		print "kernel'"'"'s own time in the host-changing writes (strace -T, the table at the end):"
		print ""
		print "| part | dismount ms | mount ms | how |"
		print "|---|---:|---:|---|"
		split("dismount mount", hv, " ")
		dry["dismount"] = cms["dismount-dry-run"]; dry["mount"] = cms["mount-dry-run"]
		run["dismount"] = to["ddactl"]; run["mount"] = back["ddactl"]
		printf "| starting a program | %.1f | %.1f | /bin/true |\n", cms["true"], cms["true"]
		printf "| loading ddactl and its libraries | %.1f | %.1f | ddactl --version − /bin/true |\n", \
			cms["version"] - cms["true"], cms["version"] - cms["true"]
		printf "| reading the host, checks, plan | %.1f | %.1f | --dry-run − --version |\n", \
			dry["dismount"] - cms["version"], dry["mount"] - cms["version"]
		printf "| kernel: unbind, driver_override, probe | %.1f | %.1f | strace -T of the writes |\n", \
			kwrite["dismount"], kwrite["mount"]
		printf "| kernel: reset | %.1f | %.1f | strace -T of the write to reset |\n", kreset["dismount"], kreset["mount"]
		printf "| the rest: lock, database, verification, audit | %.1f | %.1f | run − --dry-run − kernel |\n", \
			run["dismount"] - dry["dismount"] - kwrite["dismount"] - kreset["dismount"], \
			run["mount"] - dry["mount"] - kwrite["mount"] - kreset["mount"]
		printf "| **the half cycle** | %.1f | %.1f | median of the timed cycles |\n", run["dismount"], run["mount"]
	}
	if (np) {
		print ""
		print "Where one ddactl dismount and one mount spend their time (under strace, which slows each call):"
		print ""
		print "| phase | dismount ms | share | calls | mount ms | share | calls |"
		print "|---|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= np; i++) {
			p = ph[i]
			name = p; gsub(/_/, " ", name)
			printf "| %s | %s | %s%% | %s | %s | %s%% | %s |\n", name, pms["dismount", p], ppct["dismount", p], \
				pcalls["dismount", p], pms["mount", p], ppct["mount", p], pcalls["mount", p]
		}
	}
	if (nw) {
		print ""
		print "The host-changing writes (their time is the kernel unbinding, probing, resetting):"
		print ""
		print "| half | file | value | ms |"
		print "|---|---|---|---:|"
		for (i = 1; i <= nw; i++) print w[i]
	}
}' <<<"$lines"

if ((rc)); then
	echo
	echo "- the lab run failed (exit $rc): see tests/lab/out/bench.basic.log"
fi
exit "$rc"
