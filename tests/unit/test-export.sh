#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ddactl export kubevirt|nova|sriov-dp on the kernel model: what goes to the
# engine is read back against the fake host's sysfs (ids, driver links, the
# VFs' physfn), never against ddactl's own listing; and each thing an
# engine cannot see is warned about, naming the device.
#
#   test-export.sh DDACTL MKFIXTURE   (KMODEL in the environment, as root)
# shellcheck source=cli-lib.sh
. "$(dirname "$0")/cli-lib.sh"

if [ -z "${KMODEL:-}" ] || [ "$(id -u)" -ne 0 ]; then
	echo "ok 1 - export on the kernel model # SKIP needs root and KMODEL"
	echo "1..1"
	exit 0
fi
export DDACTL_ROOT=$root
sys=$root/sys/bus/pci/devices
ids() { echo "$(sed 's/^0x//' "$sys/$1/vendor"):$(sed 's/^0x//' "$sys/$1/device")"; }
driver() { basename "$(readlink "$sys/$1/driver")"; }
# py EXPR: a Python expression over the JSON document in $out (as d)
py() {
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if eval(sys.argv[2]) else 1)
' "$out" "$1"
}
warned() {	# warned CODE DEVICE: a warning of that code names that device
	py "any(w['code'] == '$1' and w['device'] == '$2' for w in d['warnings'])"
}

nic=0000:05:00.0 vf0=0000:01:10.0 vf1=0000:01:10.1
run export kubevirt --json
check "an empty pool exports an empty list" py "d['document']['spec']['configuration']['permittedHostDevices']['pciHostDevices'] == []"
check "and says there is nothing to export" py "d['warnings'][0]['code'] == 'empty'"

LD_PRELOAD=$KMODEL run dismount $nic $vf1
check "dismount of the NIC and a VF" is "$rc" 0
run pool create lab
run pool add lab $nic

# ------------------------------------------------------------ KubeVirt
run export kubevirt --json
check "kubevirt exits 0" is "$rc" 0
check "one selector per vendor:device of the pooled functions, from sysfs" py \
	"sorted(e['pciVendorSelector'] for e in d['document']['spec']['configuration']['permittedHostDevices']['pciHostDevices']) == sorted(['$(ids $nic)', '$(ids $vf1)'])"
check "the named pool names its resource" py \
	"{'pciVendorSelector': '$(ids $nic)', 'resourceName': 'ddactl/lab', 'externalResourceProvider': False} in d['document']['spec']['configuration']['permittedHostDevices']['pciHostDevices']"
# the fixture's other VF sits on vfio-pci outside the pool
check "the fixture's $vf0 is on vfio-pci (kernel's link)" is "$(driver $vf0)" vfio-pci
check "a selector reaching $vf0 warns that KubeVirt serves it too" warned also-served $vf0
run export kubevirt
check "YAML, the same document as --format json" python3 -c '
import json, subprocess, sys, yaml
j = subprocess.run([sys.argv[1], "export", "kubevirt", "--format", "json"], capture_output=True, check=True).stdout
sys.exit(0 if yaml.safe_load(sys.argv[2]) == json.loads(j) else 1)' "$ddactl" "$out"
check "warnings go to stderr" has "$err" "warning: '$vf0' is on vfio-pci"
run export kubevirt --pool lab --prefix example.com --json
check "--pool: only its members" py \
	"d['document']['spec']['configuration']['permittedHostDevices']['pciHostDevices'] == [{'pciVendorSelector': '$(ids $nic)', 'resourceName': 'example.com/lab', 'externalResourceProvider': False}]"

# ------------------------------------------------------------ Nova
run export nova --json
check "nova: a device_spec pinned to each pooled address" py \
	"sorted((s['address'], s['vendor_id'] + ':' + s['product_id']) for s in d['document']['device_spec']) == sorted([('$nic', '$(ids $nic)'), ('$vf1', '$(ids $vf1)')])"
check "nova: a VF's alias is type-VF ($vf1 has physfn)" py \
	"[a['device_type'] for a in d['document']['alias'] if a['product_id'] == '$(ids $vf1 | cut -d: -f2)'] == ['type-VF']"
check "nova: the NIC's alias is its pool, type-PCI" py \
	"{'name': 'lab', 'vendor_id': '8086', 'product_id': '$(ids $nic | cut -d: -f2)', 'device_type': 'type-PCI'} in d['document']['alias']"
run export nova
check "nova: [pci] and one line per entry" is "$(grep -c '^device_spec = {' <<<"$out") $(head -1 <<<"$out")" "2 [pci]"
check "nova: each line's value is JSON" python3 -c '
import json, sys
for l in sys.argv[1].splitlines()[1:]:
    json.loads(l.split(" = ", 1)[1])' "$out"

# ------------------------------------------------------------ SR-IOV plugin
run export sriov-dp --json
pf=$(basename "$(readlink "$sys/$vf1/physfn")")
check "sriov-dp: the VF, pinned to its address and to vfio-pci, named by its PF" py \
	"d['document']['resourceList'] == [{'resourceName': 'vfs_${pf//[:.]/_}', 'resourcePrefix': 'ddactl', 'deviceType': 'netDevice', 'selectors': [{'vendors': ['8086'], 'devices': ['$(ids $vf1 | cut -d: -f2)'], 'drivers': ['vfio-pci'], 'pciAddresses': ['$vf1']}]}]"
check "sriov-dp: the NIC is not a VF, and it says so" warned not-a-vf $nic

# ------------------------------------------------------------ what an engine cannot see
LD_PRELOAD=$KMODEL run dismount $vf0
run pool create other
run pool add other $vf0
run pool add lab $vf1
run export kubevirt --json
check "ids in two named pools: one selector, named by the ids" py \
	"[e['resourceName'] for e in d['document']['spec']['configuration']['permittedHostDevices']['pciHostDevices'] if e['pciVendorSelector'] == '$(ids $vf1)'] == ['ddactl/8086_154c']"
check "... and a shared-ids warning" py "any(w['code'] == 'shared-ids' for w in d['warnings'])"
run export nova --json
check "nova: two aliases for the ids, and a shared-ids warning" py \
	"len([a for a in d['document']['alias'] if a['product_id'] == '154c']) == 2 and any(w['code'] == 'shared-ids' for w in d['warnings'])"

run vm create web
run vm add-device web $vf0
run export nova --json
check "a device a VM holds is not exported" py "'$vf0' not in [s['address'] for s in d['document']['device_spec']]"
check "... and the warning names it and the VM" py "any(w['code'] == 'left-out' and w['device'] == '$vf0' and 'web' in w['message'] for w in d['warnings'])"

# ------------------------------------------------------------ bad input
run export
check "no engine is bad usage (2)" is "$rc" 2
run export openshift
check "an unknown engine is bad usage (2)" is "$rc" 2
run export kubevirt --pool nope
check "an unknown pool is bad input (2), named" is "$rc $(has "$err" "'nope'" && echo named)" "2 named"
run export kubevirt --prefix Bad_Prefix
check "a bad prefix is bad input (2)" is "$rc" 2
run export nova --format yaml
check "--format is kubevirt's only (2)" is "$rc" 2

echo "1..$n"
[ "$failed" -eq 0 ]
