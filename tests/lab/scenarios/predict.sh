#!/bin/bash
# survey --save and --from against the real kernel (issue 13): inside the
# lab host, capture `lspci -D -vvvnn -xxxx`, `ddactl survey --save` and the
# kernel's own groups (/sys/kernel/iommu_groups/*/devices); then
#  - the snapshot must survey as the live host does (all of the JSON but
#    host.source);
#  - the groups ddactl predicts from the dump, from the snapshot, and from
#    the live tree (survey --predict, as predict-live.sh checks it) must be
#    the kernel's, as sets of members, every function (each mismatch is
#    printed).
# The captures go to the state share (predict/ under the run's state), so
# tests/lab/check.sh surveys them again outside the lab.
# On a topology with SR-IOV PFs, 2 VFs are enabled first (no driver probes
# them): VFs group by their PF's rules.
# lab-topologies: basic sriov predict acs-rules
. "$LAB_DIR/lib.sh"

ddactl=${LAB_BUILD:-$LAB_REPO/build}/ddactl
cmp=$LAB_DIR/predict-compare.py
out=/var/lib/ddactl/predict
sysdev=/sys/bus/pci/devices
mkdir -p "$out"
export TMPDIR=/tmp

step vfs
for pf in $(pci_functions); do
	[ -r "$sysdev/$pf/sriov_totalvfs" ] || continue
	echo 0 >"$sysdev/$pf/sriov_drivers_autoprobe"
	check "$pf: enable 2 VFs" sh -c "echo 2 > $sysdev/$pf/sriov_numvfs"
done

step capture
info "kernel $(uname -r) topology=$LAB_TOPOLOGY"
uname -r >"$out/kernel"
for g in $(ls /sys/kernel/iommu_groups | sort -n); do
	echo "$g $(ls "/sys/kernel/iommu_groups/$g/devices" | paste -sd' ')"
done >"$out/groups"
sed 's/^/LAB INFO kernel group /' "$out/groups"
check "lspci -D -vvvnn -xxxx" sh -c "lspci -D -vvvnn -xxxx > $out/lspci.txt"
check "survey --save" "$ddactl" survey --save "$out/snapshot.json"
check "survey --json (live)" sh -c "'$ddactl' survey --json > $out/live.json"
check "survey --predict (live)" sh -c "'$ddactl' survey --predict --json > $out/predict-live.json"
check "groups predicted from the live tree are the kernel's" python3 "$cmp" "$out/groups" "$out/predict-live.json"

step snapshot
check "survey --from the snapshot" sh -c "'$ddactl' survey --from $out/snapshot.json --json > $out/from-snapshot.json"
check "the snapshot surveys as the live host" python3 "$cmp" --same "$out/live.json" "$out/from-snapshot.json"

step dump
check "survey --from the lspci dump" sh -c "'$ddactl' survey --from $out/lspci.txt --json > $out/from-dump.json"
from=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["host"]["iommu"]["groups_from"])' "$out/from-dump.json")
if [ "$from" = predicted ]; then
	check "groups predicted from the dump are the kernel's" python3 "$cmp" "$out/groups" "$out/from-dump.json"
else
	skip "groups predicted from the dump" "no predictor in this build (groups_from=$from)"
fi
if "$ddactl" survey --help | grep -q -- --predict; then
	check "survey --from the snapshot --predict" sh -c "'$ddactl' survey --from $out/snapshot.json --predict --json > $out/predict-snapshot.json"
	check "groups predicted from the snapshot are the kernel's" python3 "$cmp" "$out/groups" "$out/predict-snapshot.json"
else
	skip "groups predicted from the snapshot" "no survey --predict in this build"
fi
info "uptime at end $(cut -d' ' -f1 /proc/uptime)"
lab_done
