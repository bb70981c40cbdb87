#!/bin/bash
# The group predictor (docs/PREDICT.md) against the real kernel: inside the
# lab host, survey --predict reads the live tree and must form every IOMMU
# group the kernel formed, member for member, with VFs too where there are
# PFs.  Also records whether the group numbers match, which the model
# promises only as far as the kernel's probe order is deterministic.
# lab-topologies: basic sriov acs-rules
. "$LAB_DIR/lib.sh"

ddactl=${DDACTL:-$LAB_BUILD/ddactl}
sysdev=/sys/bus/pci/devices

# predict NAME: the prediction as JSON in /tmp/NAME.json, its text in the log
predict() {
	"$ddactl" survey --predict | sed "s/^/LAB INFO $1 /"
	"$ddactl" survey --predict --json >"/tmp/$1.json"
}

# numbers NAME: how many functions got the kernel's group number too
numbers() {
	python3 - "/tmp/$1.json" <<'PY'
import json, sys
groups = json.load(open(sys.argv[1]))["prediction"]["groups"]
pairs = [(g["group"], m["baseline_group"]) for g in groups for m in g["members"]]
print("%d of %d functions have the kernel's group number" % (sum(a == b for a, b in pairs), len(pairs)))
PY
}

step "boot tree"
info "kernel $(uname -r) topology=$LAB_TOPOLOGY"
predict boot
expect_out "the prediction is compared with the kernel's groups" '"compared_with": "kernel"' cat /tmp/boot.json
expect_out "every predicted group is the kernel's" '"differences": 0' cat /tmp/boot.json
info "boot $(numbers boot)"

pfs=
for d in $(pci_functions); do
	[ -r "$sysdev/$d/sriov_totalvfs" ] && pfs+=" $d"
done
if [ -n "$pfs" ]; then
	step "with VFs"
	for pf in $pfs; do
		check "enable the VFs of $pf" sh -c "cat $sysdev/$pf/sriov_totalvfs > $sysdev/$pf/sriov_numvfs"
	done
	predict vfs
	expect_out "with VFs: compared with the kernel" '"compared_with": "kernel"' cat /tmp/vfs.json
	expect_out "with VFs: every predicted group is the kernel's" '"differences": 0' cat /tmp/vfs.json
	info "vfs $(numbers vfs)"
	for pf in $pfs; do
		echo 0 >"$sysdev/$pf/sriov_numvfs"
	done
fi
lab_done
