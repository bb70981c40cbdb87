#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-metrics.sh DDACTL MKFIXTURE: `ddactl metrics` on the fixture host,
# its figures against the fake tree's files and the database's rows, the
# textfile written whole and never through a planted link, and the format
# through promtool (Debian's prometheus package) when it is installed.
set -u

. "$(dirname "$0")/cli-lib.sh"
export DDACTL_ROOT=$root

# sample NAME{LABELS}: the value of one sample in $out, "" when absent
sample() { awk -v k="$1" '$1 == k { print $2 }' <<<"$out"; }
# sql STATEMENT: a row as ddactl writes it where the fake tree cannot make
# ddactl write it (no kernel binds drivers here)
sql() {
	python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute(sys.argv[2]); db.commit()' \
		"$root/state/ddactl.db" "$1"
}

# The fixture's VF 01:10.0 sits on vfio-pci; with driver_override set as
# well, it is what a lost database leaves: a pool device nobody recorded.
echo vfio-pci >"$root/sys/bus/pci/devices/0000:01:10.0/driver_override"
# What the tree holds: functions on a pool driver with an override.
on_pool_driver=0
for d in "$root"/sys/bus/pci/devices/*; do
	[ "$(cat "$d/driver_override" 2>/dev/null || echo '(null)')" != "(null)" ] || continue
	case $(basename "$(readlink "$d/driver" 2>/dev/null)") in
	vfio-pci | pci-stub) on_pool_driver=$((on_pool_driver + 1)) ;;
	esac
done
check "the fixture has an unrecorded pool device to count" [ "$on_pool_driver" -gt 0 ]

run metrics
check "metrics without a database exits 0" is "$rc" 0
check "no database: nothing pooled" is "$(sample 'ddactl_pool_devices{state="pooled"}')" 0
check "no database: every function on a pool driver is unrecorded" \
	is "$(sample 'ddactl_pool_devices{state="unrecorded"}')" "$on_pool_driver"
check "no database: no VMs" is "$(sample 'ddactl_vms{state="stopped"}')" 0
check "no change yet: no timestamp sample" is "$(sample ddactl_last_change_timestamp_seconds)" ""
npf=0
for d in "$root"/sys/bus/pci/devices/*; do
	[ -r "$d/sriov_totalvfs" ] || continue
	pf=$(basename "$d")
	npf=$((npf + 1))
	got=$(awk -v p="ddactl_sriov_vfs{pf=\"$pf\"," 'index($1, p) == 1 { print $2 }' <<<"$out")
	check "VFs of PF $pf are the tree's sriov_numvfs" is "$got" "$(cat "$d/sriov_numvfs")"
	got=$(awk -v p="ddactl_sriov_vfs_max{pf=\"$pf\"," 'index($1, p) == 1 { print $2 }' <<<"$out")
	check "VF maximum of PF $pf is the tree's sriov_totalvfs" is "$got" "$(cat "$d/sriov_totalvfs")"
done
check "the fixture has an SR-IOV PF to count" [ "$npf" -gt 0 ]

if [ "$(id -u)" -ne 0 ]; then
	n=$((n + 1))
	echo "ok $n - metrics of a pool, VMs and changes # SKIP needs root (the state is root's)"
else
	t0=$(date +%s)
	run vm create web --memory 512
	check "vm create for the metrics" is "$rc" 0
	# a pooled VF as dismount records it: the fixture has 0000:01:10.0 on vfio-pci
	sql "INSERT INTO pool_device (address, location_path, vendor, device, subvendor, subdevice,
	  class, iommu_group, original_driver, requested, brought_by, added_at, state)
	  VALUES ('0000:01:10.0', 'PCIROOT(0)#PCI(0100)#PCI(0000)#VF(0)', 32902, 5452, 0, 0, 131072, 6, 'iavf', 1, NULL,
	  '2026-12-02T04:00:00Z', 'pooled')"
	run metrics
	check "a recorded device is pooled" is "$(sample 'ddactl_pool_devices{state="pooled"}')" 1
	check "and no longer unrecorded" is "$(sample 'ddactl_pool_devices{state="unrecorded"}')" $((on_pool_driver - 1))
	check "each device with its address and location path" \
		is "$(sample 'ddactl_pool_device{address="0000:01:10.0",location_path="PCIROOT(0)#PCI(0100)#PCI(0000)#VF(0)",state="pooled",vm=""}')" 1
	run vm add-device web 01:10.0
	check "vm add-device for the metrics" is "$rc" 0
	run pool create nics
	run pool add nics 01:10.0
	check "pool add for the metrics" is "$rc" 0
	run metrics
	check "a device of a VM is assigned" is "$(sample 'ddactl_pool_devices{state="assigned"}')" 1
	check "assigned: not also pooled" is "$(sample 'ddactl_pool_devices{state="pooled"}')" 0
	check "the device names its VM" has "$out" 'address="0000:01:10.0",location_path="PCIROOT(0)#PCI(0100)#PCI(0000)#VF(0)",state="assigned",vm="web"} 1'
	check "devices per VM" is "$(sample 'ddactl_vm_devices{vm="web"}')" 1
	check "the VM is not running" is "$(sample 'ddactl_vm_running{vm="web"}')" 0
	check "VMs by state" is "$(sample 'ddactl_vms{state="stopped"}') $(sample 'ddactl_vms{state="running"}')" "1 0"
	check "named pool size" is "$(sample 'ddactl_named_pool_devices{pool="nics"}')" 1
	check "named pool member" is "$(sample 'ddactl_named_pool_member{pool="nics",address="0000:01:10.0"}')" 1
	ts=$(sample ddactl_last_change_timestamp_seconds)
	t1=$(date +%s)
	check "the last change is one of this test's ($t0..$t1)" [ -n "$ts" ] && [ "$ts" -ge "$t0" ] && [ "$ts" -le "$t1" ]
	check "no failed change yet" is "$(sample ddactl_last_failed_change_timestamp_seconds)" ""
	sql "INSERT INTO audit (at, ended_at, who, op, device, outcome, reason)
	  VALUES ('2026-12-01T10:00:00Z', '2026-12-01T10:00:02Z', 'root', 'dismount', '0000:05:00.0', 'rolled-back', 'test')"
	sql "UPDATE pool_device SET quarantined_at = '2026-12-02T04:10:00Z', quarantine_reason = 'test'
	  WHERE address = '0000:01:10.0'"
	run metrics
	check "a rolled-back change is the last failed one, at its end" \
		is "$(sample ddactl_last_failed_change_timestamp_seconds)" "$(date -u -d 2026-12-01T10:00:02Z +%s)"
	check "a quarantined device counts as quarantined, not assigned" \
		is "$(sample 'ddactl_pool_devices{state="quarantined"}') $(sample 'ddactl_pool_devices{state="assigned"}')" "1 0"
fi
cp "$tmp/out" "$tmp/metrics.prom"

# The textfile: under the root, whole, 0644, and a link planted in the
# directory is replaced, not followed.
mkdir -p "$root/prom"
echo "keep me" >"$tmp/victim"
ln -s "$tmp/victim" "$root/prom/ddactl.prom"
run metrics --textfile /prom
check "--textfile exits 0 and prints nothing" is "$rc:$out" "0:"
check "--textfile: a regular file, not the planted link" [ -f "$root/prom/ddactl.prom" ] && [ ! -L "$root/prom/ddactl.prom" ]
check "--textfile: the link's target is untouched" is "$(cat "$tmp/victim")" "keep me"
check "--textfile: readable by node-exporter's user (0644)" is "$(stat -c %a "$root/prom/ddactl.prom")" 644
check "--textfile: nothing else left in the directory" is "$(ls -A "$root/prom")" ddactl.prom
run metrics
check "--textfile: the same metrics as printed" is "$(cat "$root/prom/ddactl.prom")" "$out"
run metrics --textfile /no-such-dir
check "--textfile into a missing directory fails" is "$rc" 1
check "and names it" has "$err" "/no-such-dir"
run metrics --textfile ''
check "--textfile '' is bad usage" is "$rc" 2
run metrics extra
check "an argument is bad usage" is "$rc" 2

if command -v promtool >/dev/null; then
	promtool check metrics <"$tmp/metrics.prom" >"$tmp/promtool" 2>&1
	rc=$?
	check "promtool check metrics accepts the output (no lint either)" is "$rc:$(cat "$tmp/promtool")" "0:"
else
	n=$((n + 1))
	echo "ok $n - promtool check metrics # SKIP promtool (Debian's prometheus) is not installed; scripts/deps.sh check installs it"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
