#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What the engines' own readers make of ddactl's output, on the kernel model:
# Nova's parser (Debian's python3-nova) reads `ddactl export nova` as
# nova-compute reads nova.conf; the KubeVirt fragment has KubeVirt's field
# names and types and goes through a real YAML parser; `ddactl vm show
# --libvirt`, wrapped in a domain, passes libvirt's own schema
# (virt-xml-validate).  Each reader is also shown a broken line, which it
# must refuse: a reader that takes anything proves nothing.
#
#   test-engines.sh DDACTL MKFIXTURE   (KMODEL in the environment, as root)
# shellcheck source=cli-lib.sh
. "$(dirname "$0")/cli-lib.sh"

if [ -z "${KMODEL:-}" ] || [ "$(id -u)" -ne 0 ]; then
	echo "ok 1 - the engines' readers on the kernel model # SKIP needs root and KMODEL"
	echo "1..1"
	exit 0
fi
export DDACTL_ROOT=$root
here=$(cd "$(dirname "$0")" && pwd)
sys=$root/sys/bus/pci/devices
# Nova is Python code for Debian's own python3, whatever python3 is first in PATH
py=/usr/bin/python3
# scripts/deps.sh unit unpacks python3-nova here (installing it would pull
# open-iscsi and an initramfs rebuild); an installed python3-nova is in
# dist-packages already.
nova_path=${DDACTL_NOVA_PATH:-/var/cache/ddactl/python3-nova/usr/lib/python3/dist-packages}
nova() { PYTHONPATH=$nova_path "$py" "$here/check-nova.py" "$@"; }
# save NAME: $out to $tmp/NAME
save() { printf '%s\n' "$out" >"$tmp/$1"; }
# refused FILE: the reader given as the rest of the arguments exits 1 on FILE
refused() { "$@" >"$tmp/refused" 2>&1; [ $? -eq 1 ] || { cat "$tmp/refused" >&2; return 1; }; }
fails() { ! "$@" >/dev/null 2>&1; }

nic=0000:05:00.0 vf0=0000:01:10.0 vf1=0000:01:10.1
LD_PRELOAD=$KMODEL run dismount $nic $vf1
check "dismount of the NIC and a VF" is "$rc" 0
run pool create lab
run pool add lab $nic

# ------------------------------------------------------------ Nova
if PYTHONPATH=$nova_path "$py" -c 'import nova.pci.whitelist, nova.pci.request' 2>"$tmp/nova.err"; then
	run export nova
	save nova.conf
	check "nova: its parser takes the export; the pool is assignable, $vf0 (not pooled) is not" \
		nova "$tmp/nova.conf" "$sys" +$nic +$vf1 -$vf0
	run export nova --pool lab
	save nova-lab.conf
	check "nova --pool lab: only $nic is assignable" nova "$tmp/nova-lab.conf" "$sys" +$nic -$vf1
	sed '0,/"vendor_id": "8086"/s//"vendor_id": "80x6"/' "$tmp/nova.conf" >"$tmp/bad"
	check "nova refuses a device_spec whose vendor_id is not hex" refused nova "$tmp/bad" "$sys"
	sed '0,/"address": "\([0-9a-f:]*\)\.[0-7]"/s//"address": "\1.9"/' "$tmp/nova.conf" >"$tmp/bad"
	check "nova refuses a device_spec with function 9" refused nova "$tmp/bad" "$sys"
	sed 's/"type-VF"/"type-vf"/' "$tmp/nova.conf" >"$tmp/bad"
	check "nova refuses an alias of an unknown device_type" refused nova "$tmp/bad" "$sys"
	sed '0,/^device_spec = \(.*\) }$/s//device_spec = \1/' "$tmp/nova.conf" >"$tmp/bad"
	check "nova refuses a device_spec that is not JSON" refused nova "$tmp/bad" "$sys"
	sed '/^device_spec = .*"'$nic'"/d' "$tmp/nova.conf" >"$tmp/bad"
	check "without $nic's line Nova would not assign it" refused nova "$tmp/bad" "$sys" +$nic
else
	echo "ok $((n += 1)) - Nova's parser # SKIP no python3-nova for $py under $nova_path ($(tail -1 "$tmp/nova.err")); scripts/deps.sh unit unpacks it"
fi

# ------------------------------------------------------------ KubeVirt
kubevirt() { "$py" "$here/check-kubevirt.py" "$@"; }
run export kubevirt
save kubevirt.yaml
check "kubevirt YAML: KubeVirt's fields and types; both pooled ids selected" \
	kubevirt "$tmp/kubevirt.yaml" "$sys" +$nic +$vf1
run export kubevirt --format json
save kubevirt.json
check "kubevirt JSON: the same" kubevirt "$tmp/kubevirt.json" "$sys" +$nic +$vf1
run export kubevirt --pool lab --prefix example.com
save kubevirt-lab.yaml
check "kubevirt --pool lab --prefix: the same, $nic selected" kubevirt "$tmp/kubevirt-lab.yaml" "$sys" +$nic
sed '0,/externalResourceProvider: false/s//externalResourceProvider: "false"/' "$tmp/kubevirt.yaml" >"$tmp/bad"
check "a quoted \"false\" is a string, not KubeVirt's bool" refused kubevirt "$tmp/bad"
sed '0,/pciVendorSelector/s//pciDeviceSelector/' "$tmp/kubevirt.yaml" >"$tmp/bad"
check "HCO's pciDeviceSelector is not KubeVirt's name" refused kubevirt "$tmp/bad"
sed '0,/resourceName: "[^"]*"/s//resourceName: "lab"/' "$tmp/kubevirt.yaml" >"$tmp/bad"
check "a resourceName without a domain is refused" refused kubevirt "$tmp/bad"
check "a device no selector names is refused" refused kubevirt "$tmp/kubevirt-lab.yaml" "$sys" +$vf1

# ------------------------------------------------------------ libvirt
# domain DOMXML-FILE < hostdevs: a minimal domain around the hostdevs
domain() {
	{
		echo "<domain type='kvm'><name>web</name><memory unit='MiB'>256</memory>"
		echo "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
		cat
		echo "</devices></domain>"
	} >"$1"
}
# virt-xml-validate runs xmllint: without it every document "fails", and
# the refusal below would pass for nothing
if command -v virt-xml-validate >/dev/null && command -v xmllint >/dev/null; then
	run vm create web
	run vm add-device web $nic
	run vm add-device web $vf1
	run vm show web --libvirt
	check "vm show --libvirt: a hostdev per device" is "$(grep -c '<hostdev ' <<<"$out")" 2
	domain "$tmp/web.xml" <<<"$out"
	check "wrapped in a domain, libvirt's schema takes it (virt-xml-validate)" \
		virt-xml-validate "$tmp/web.xml" domain
	sed "0,/managed='no'/s//managed='maybe'/" "$tmp/web.xml" >"$tmp/bad.xml"
	check "... and refuses a hostdev with managed='maybe'" fails virt-xml-validate "$tmp/bad.xml" domain
else
	echo "ok $((n += 1)) - virt-xml-validate # SKIP libvirt-clients or libxml2-utils is not installed; scripts/deps.sh unit installs them"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
