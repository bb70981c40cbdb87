#!/bin/bash
# The lab tests `make check` runs: one boot (or two, for reboot tests) per
# scenario, each a real Linux 6.12 under QEMU with an emulated IOMMU.
# Goes on after a failure so that one run reports everything; exits
# non-zero if any failed.  A slow nested-VM scenario takes ~8 minutes.
set -uo pipefail
lab=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

runs=(
	"basic pool"		# part 2: survey vs kernel, dismount/mount, crashes, reboot
	"basic vm"		# part 3: nested QEMU, hot add/remove
	"sriov sriov"		# part 4: VFs, policy, pool, reboot
	"basic libvirt"		# part 9: libvirtd with ddactl's hook, nested domain
	# part 10: --save/--from and the predicted IOMMU groups == the kernel's,
	# one boot per topology: predict.sh also checks survey --predict on the
	# live tree, as predict-live.sh does (which stays for a run by hand)
	"basic predict"
	"sriov predict"
	"predict predict"
	"acs-rules predict"
	"acs-rules-moved predict"	# acs-rules with a card really moved: the
	"acs-rules-bridged predict"	# kernel's answer to predict-move.sh below
	"predict predict 6.1"	# the same on Debian 12's own kernel, when installed
)
pass=0 fail=0 failed=()
for r in "${runs[@]}"; do
	set -- $r
	[ -f "$lab/scenarios/$2.sh" ] || { echo "lab: no scenario $2, skipped"; continue; }
	kernel=${LAB_KERNEL:-}
	if [ -n "${3:-}" ]; then
		kernel=$(ls /boot/vmlinuz-"$3".* 2>/dev/null | sort -V | tail -n1)
		[ -n "$kernel" ] || { echo "lab: no Linux $3 in /boot, $2 on $1 with it skipped"; continue; }
	fi
	# Show the run as it goes and keep its last line.  (Not `tee
	# /dev/stderr`: reopening stderr truncates a log file it points to.)
	last=$(mktemp)
	LAB_KERNEL=$kernel "$lab/run" "$1" "$2" 2>&1 | while IFS= read -r line; do
		printf '%s\n' "$line"
		printf '%s\n' "$line" >"$last"
	done
	# the predict captures, surveyed again here, outside the lab
	if [ "$2" = predict ] && [ -d "$lab/out/run/predict.$1/state/predict" ]; then
		"$lab/predict-outside.sh" "$lab/out/run/predict.$1/state/predict" >"$last.outside" 2>&1
		cat "$last.outside"
		p=$(grep -c '^ok ' "$last.outside")
		f=$(grep -c '^not ok ' "$last.outside")
		pass=$((pass + p))
		[ "$f" -eq 0 ] || { fail=$((fail + f)); failed+=("predict-outside on $1${3:+ ($3)}"); }
		rm -f "$last.outside"
	fi
	out=$(cat "$last")
	rm -f "$last"
	p=$(sed -n 's/^lab: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$out")
	f=$(sed -n 's/^lab: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$out")
	pass=$((pass + ${p:-0}))
	if [ -z "$f" ]; then
		fail=$((fail + 1)); failed+=("$2 on $1 (no result)")
	elif [ "$f" -gt 0 ]; then
		fail=$((fail + f)); failed+=("$2 on $1${3:+ (Linux $3)}")
	fi
done
# survey --predict --move from the acs-rules capture, against the kernel's
# groups of the two boots with the card moved
if [ -d "$lab/out/run/predict.acs-rules-bridged/state/predict" ]; then
	moved=$("$lab/predict-move.sh" 2>&1)
	printf '%s\n' "$moved"
	p=$(grep -c '^ok ' <<<"$moved")
	f=$(grep -c '^not ok ' <<<"$moved")
	pass=$((pass + p))
	[ "$f" -eq 0 ] && [ "$p" -gt 0 ] || { fail=$((fail + f + (p == 0))); failed+=("predict-move"); }
fi
for f in "${failed[@]}"; do echo "lab: FAILED: $f"; done
echo "lab checks: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
