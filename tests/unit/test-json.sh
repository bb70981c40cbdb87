#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-json.sh DDACTL MKFIXTURE SCHEMA_DIR: runs every command and
# subcommand with --json on the fake host mkfixture writes (DDACTL_ROOT)
# and a fresh state directory, and validates each document, errors
# included, against docs/schema with python3-jsonschema (check-json.py).
# Add a command's document here when you add the command.
set -u

ddactl=${1:?usage: test-json.sh DDACTL MKFIXTURE SCHEMA_DIR}
mkfixture=${2:?usage: test-json.sh DDACTL MKFIXTURE SCHEMA_DIR}
schemas=${3:?usage: test-json.sh DDACTL MKFIXTURE SCHEMA_DIR}
here=$(dirname "$0")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddactl-json.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
"$mkfixture" "$tmp/root" || { echo "not ok - mkfixture failed"; exit 1; }
export DDACTL_ROOT=$tmp/root NO_COLOR=1
unset DDACTL_STATE_DIR
mkdir -m 0700 "$DDACTL_ROOT/state" "$tmp/docs"
root=$([ "$(id -u)" -eq 0 ] && echo 1)
n=0

# doc SCHEMA RC ARGS...: runs ddactl --state-dir S ARGS... --json and
# records that it must exit RC and match SCHEMA (error.schema.json
# when RC is not 0).
doc() {
	local schema=$1 want=$2 rc
	shift 2
	n=$((n + 1))
	"$ddactl" --state-dir /state "$@" --json >"$tmp/docs/$n.json" 2>"$tmp/docs/$n.err"
	rc=$?
	printf '%s\t%s\t%s\t%s\t%s\n' "$tmp/docs/$n.json" "$schema" "$want" "$rc" "ddactl $*" >>"$tmp/manifest"
}

# rootdoc SCHEMA RC ARGS...: a command that needs root; not as root, it
# must refuse with the error document.
rootdoc() {
	if [ -n "$root" ]; then
		doc "$@"
	else
		local schema=$1
		shift 2
		doc "$schema" 1 "$@"
	fi
}

# sql STATEMENT: writes a row the way ddactl itself would have, where the
# fake tree cannot make ddactl write it (no kernel to bind drivers)
sql() {
	python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute(sys.argv[2]); db.commit()' \
		"$DDACTL_ROOT/state/ddactl.db" "$1"
}

doc version 0 --version
doc error 2 frobnicate
doc error 2 help frobnicate

# ------------------------------------------------------------------ survey

doc survey 0 survey
doc survey 0 survey 0000:01:10.0 'PCIROOT(0)#PCI(0101)#PCI(0000)'
doc survey-predict 0 survey --predict
doc survey-predict 0 survey --acs-override downstream,multifunction,id:8086:a30e --without 0000:00:1c.0 --kernel 6.1
doc error 2 survey --acs-override upstream
# the I210 behind the PCIe-to-PCI bridge, emptied first: it takes the bridge's group
doc survey-predict 0 survey --without 0000:04:00.0 --without 0000:04:01.0 --move 0000:05:00.0=0000:03:00.0
doc error 2 survey --move 0000:05:00.0=0000:00:01.0
doc error 2 survey --move 0000:05:00.0
doc error 2 survey bogus
doc error 2 survey --frobnicate
doc snapshot 0 survey --save -
"$ddactl" --state-dir /state survey --save "$tmp/snapshot.json"
doc survey 0 survey --from "$tmp/snapshot.json"
if command -v lspci >/dev/null; then
	lspci -A linux-sysfs -O sysfs.path="$DDACTL_ROOT/sys/bus/pci" -D -vvvnn -xxxx >"$tmp/lspci.txt" 2>/dev/null
	doc survey 0 survey --from "$tmp/lspci.txt"
fi
doc error 1 survey --from "$tmp/no-such-file"

# ------------------------------------------------------------------ dismount, mount

doc dismount 0 dismount --dry-run 01:10.1
doc dismount 0 dismount --dry-run --force 'PCIROOT(0)#PCI(0100)#PCI(0000)#VF(1)' 0000:01:10.0
doc error 2 dismount --dry-run bogus
doc error 2 dismount
doc error 2 dismount --frobnicate 01:10.1
rootdoc error 2 dismount 0000:7f:00.0
doc error 2 mount
rootdoc error 1 mount 01:10.1
doc error 1 mount --dry-run 01:10.1

# ------------------------------------------------------------------ pool

doc pool 0 pool
rootdoc pool-create 0 pool create p2
rootdoc error 1 pool create p2
doc error 2 pool create 'bad/name'
doc error 2 pool create
# a pooled VF as dismount records it: the fixture has 0000:01:10.0 on vfio-pci
[ -n "$root" ] && sql "INSERT INTO pool_device (address, location_path, vendor, device, subvendor, subdevice,
  class, iommu_group, original_driver, requested, brought_by, added_at, state)
  VALUES ('0000:01:10.0', 'PCIROOT(0)#PCI(0100)#PCI(0000)#VF(0)', 32902, 5452, 0, 0, 131072, 6, 'iavf', 1, NULL,
  '2026-12-02T04:00:00Z', 'pooled')"
doc pool 0 pool
doc mount 0 mount --dry-run 01:10.0
rootdoc pool-add 0 pool add p2 01:10.0
doc error 2 pool add p2 01:10.0 bogus
rootdoc error 2 pool add nosuch 01:10.0
rootdoc error 1 pool add p2 01:10.1
doc error 2 pool add p2
doc error 2 pool frobnicate
doc export 0 export kubevirt
doc export 0 export nova
doc export 0 export sriov-dp
doc export 0 export kubevirt --prefix example.com
rootdoc error 2 export kubevirt --pool nosuch
doc error 2 export kubevirt --prefix Bad
doc error 2 export openshift
doc libvirt-policy 0 libvirt policy win11
rootdoc libvirt-policy 0 libvirt policy win11 --return-to-host --require-pool
doc error 2 libvirt policy 'a/b'
doc error 2 libvirt attach win11
# refused before libvirt is called: not in the pool
rootdoc error 1 libvirt attach win11 05:00.0 --connect test:///default
rootdoc error 2 libvirt detach win11 05:00.0 --connect test:///default
# libvirt's test driver runs domain 'test' without the device: a record the
# hook left is released (the guest let go earlier)
[ -n "$root" ] && sql "INSERT INTO libvirt_device (address, domain, alias, state, since)
  VALUES ('0000:05:00.0', 'test', 'hostdev0', 'assigned', '2026-12-02T04:10:00Z')"
rootdoc libvirt-action 0 libvirt detach test 05:00.0 --connect test:///default
rootdoc error 1 libvirt detach test 05:00.0 --connect test:///default
rootdoc pool-restore 0 pool restore
rootdoc pool-restore 0 pool restore --device 0000:04:01.0
# quarantined, as a dismount whose reset left it silent records it
[ -n "$root" ] && sql "UPDATE pool_device SET quarantined_at = '2026-12-02T04:10:00Z',
  quarantine_reason = 'did not answer after the reset at dismount' WHERE address = '0000:01:10.0'"
# and held by a libvirt domain: the owner is libvirt:DOMAIN
[ -n "$root" ] && sql "INSERT INTO libvirt_device (address, domain, alias, state, since)
  VALUES ('0000:01:10.0', 'win 11', 'hostdev0', 'assigned', '2026-12-02T04:10:00Z')"
doc pool 0 pool
[ -n "$root" ] && sql "DELETE FROM libvirt_device"
rootdoc pool-release 0 pool release 01:10.0
rootdoc error 1 pool release 01:10.0
rootdoc error 1 pool release 01:10.1
doc error 2 pool release
doc error 2 pool release 01:10.0 extra
doc error 2 pool release bogus
rootdoc log 0 log
rootdoc log 0 log --device 01:10.0 --since 2026-01-01
doc error 2 log --since bogus
doc error 2 log extra
doc error 2 pool restore --device bogus
doc error 2 pool restore extra

# ------------------------------------------------------------------ vm

doc vm-list 0 vm list
rootdoc vm 0 vm create web --memory 512 --append 'console=ttyS0'
rootdoc error 1 vm create web
doc error 2 vm create 'bad/name'
doc error 2 vm create web2 --memory 4611686018427387903
doc error 2 vm create web2 --cpus 0
doc vm 0 vm show web
rootdoc vm 0 vm set web --cpus 2
rootdoc vm-action 0 vm add-device web 01:10.0
rootdoc vm-action 0 vm add-device web 01:10.0
doc error 2 vm add-device web --any -1:-1
doc error 2 vm add-device web
doc vm-devices 0 vm devices web
doc vm-list 0 vm list
doc vm-qemu-args 0 vm show web --qemu-args
doc vm-libvirt 0 vm show web --libvirt
doc error 1 vm console web
mkdir -p "$DDACTL_ROOT/run/ddactl/vm/web"
printf 'Booting \033[31mLinux\033[0m\r\nlogin: \377\n' >"$DDACTL_ROOT/run/ddactl/vm/web/console.log"
doc vm-console 0 vm console web
rootdoc vm-stop-all 0 vm stop --all
rootdoc error 1 vm stop web --timeout 0
doc error 2 vm stop web --timeout -1
rootdoc error 2 vm start nosuch
rootdoc vm-action 0 vm remove-device web 01:10.0
rootdoc vm-action 0 vm add-device web --pool p2
rootdoc vm-action 0 vm add-device web --any 8086:154c
rootdoc vm-action 0 vm delete web
doc error 1 vm pause web
doc error 2 vm frobnicate
doc error 2 vm

# ------------------------------------------------------------------ vf

doc vf-list 0 vf list
doc vf-list 0 vf list 01:00.0
doc error 2 vf list 01:10.0
rootdoc error 2 vf set 01:00.0 --count 100
doc error 2 vf set 01:00.0
rootdoc vf-set 0 vf set 01:00.0 --count 2
rootdoc error 2 vf config 01:00.0 9 --vlan 3
doc error 2 vf config 01:00.0 0 --vlan 4095
doc error 2 vf config 01:00.0 0
# a stored policy, as 'vf config' leaves it on a real PF (8086:1572)
[ -n "$root" ] && sql "INSERT INTO sriov_vf_policy (pf_location_path, vf, vendor, device, subvendor, subdevice,
  vlan, spoof_check, updated_at) VALUES ('PCIROOT(0)#PCI(0100)#PCI(0000)', 1, 32902, 5490, 32902, 1, 5, 1,
  '2026-12-02T04:00:00Z')"
doc vf-list 0 vf list 01:00.0
rootdoc vf-config 0 vf config 01:00.0 1 --forget
rootdoc error 1 vf config 01:00.0 1 --forget
doc error 2 vf frobnicate

python3 "$here/check-json.py" "$schemas" "$tmp/manifest"
