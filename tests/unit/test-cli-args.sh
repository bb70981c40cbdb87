#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-cli-args.sh DDACTL MKFIXTURE: every command's and subcommand's
# --help (no root, lock or state touched) and usage errors (exit 2, the
# message, the same as a JSON document), arguments checked before any
# change, refusals naming the command as typed, and control characters
# escaped in what is echoed back.
set -u
. "$(dirname "$0")/cli-lib.sh"

# ------------------------------------------------------------------ --help everywhere

# Each command and subcommand answers --help (and 'help CMD SUB') on
# stdout, exit 0, and touches nothing: no database, no lock, no run dir.
export DDACTL_ROOT=$root
hstate=$root/help-state
mkdir -m 0700 "$hstate"
run_help() {	# run_help USAGE ARGS...
	local want=$1
	shift
	"$ddactl" --state-dir /help-state "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
	is "$rc" 0 && has "$out" "Usage: ddactl $want" && is "$err" "" &&
		[ -z "$(ls -A "$hstate")" ] && [ ! -e "$root/run/ddactl/lock" ]
}
for sub in list show devices console delete start stop add-device remove-device create set pause; do
	check "vm $sub --help" run_help vm vm "$sub" --help
	check "vm $sub NAME --help" run_help vm vm "$sub" web --help
	check "help vm $sub" run_help vm help vm "$sub"
done
for sub in restore create add; do
	check "pool $sub --help" run_help pool pool "$sub" --help
	check "pool $sub p2 --help" run_help pool pool "$sub" p2 --help
	check "help pool $sub" run_help pool help pool "$sub"
done
for sub in list set config; do
	check "vf $sub --help" run_help vf vf "$sub" --help
	check "help vf $sub" run_help vf help vf "$sub"
done
for cmd in survey dismount mount pool vm vf; do
	check "$cmd --help" run_help "$cmd" "$cmd" --help
	check "help $cmd" run_help "$cmd" help "$cmd"
	check "$cmd --help --json is still text" run_help "$cmd" "$cmd" --help --json
done
check "--help touched no state" is "$(ls -A "$hstate")" ""

# ------------------------------------------------------------------ usage errors

# usage MESSAGE ARGS...: exit 2, 'ddactl: MESSAGE' on stderr, a pointer to
# --help, nothing on stdout; and with --json the same as a document.
usage() {
	local msg=$1
	shift
	run "$@"
	is "$rc" 2 && has "$err" "ddactl: $msg" && has "$err" "--help' for more information" && is "$out" "" || return 1
	run "$@" --json
	is "$rc" 2 && is "$err" "" &&
		MSG=$msg jsonq "d['error']['code'] == 'usage' and __import__('os').environ['MSG'] in d['error']['message']"
}
# bad MESSAGE ARGS...: bad input found after parsing (exit 2, no pointer)
bad() {
	local msg=$1
	shift
	run "$@"
	is "$rc" 2 && has "$err" "ddactl: $msg" && is "$out" ""
}

check "help with an unknown command" usage "no command 'frob' to help with" help frob
check "help CMD SUB extra" usage "unexpected argument 'x'" help vm create x
check "survey --frob" usage "bad option '--frob'" survey --frob
check "dismount without a device" usage "no device named" dismount
check "dismount --frob" usage "bad option '--frob'" dismount --frob 01:10.1
check "dismount bogus" bad "'bogus' is neither a PCI address" dismount 01:10.1 bogus
check "dismount bad location path" bad "'PCIROOT(0)#PCI(99)' is neither" dismount 'PCIROOT(0)#PCI(99)'
check "mount without a device" usage "no device named" mount
check "mount --frob" usage "bad option '--frob'" mount --frob 01:10.0
check "mount bogus" bad "'bogus' is neither a PCI address" mount bogus
check "pool --frob" usage "bad option '--frob'" pool --frob
check "pool frob" usage "unknown pool command 'frob'" pool frob
check "pool create without a name" usage "'pool create' needs a pool name" pool create
check "pool create x y" usage "unexpected argument 'y'" pool create x y
check "pool create bad/name" usage "'bad/name' is not a valid pool name" pool create bad/name
check "pool create --frob" usage "bad option '--frob'" pool create --frob x
check "pool add without devices" usage "'pool add' needs a pool name and devices" pool add p2
check "pool add bogus" bad "'bogus' is neither a PCI address" pool add p2 01:10.0 bogus
check "pool restore --frob" usage "bad option '--frob'" pool restore --frob
check "pool restore --device bogus" usage "'bogus' is not a PCI address" pool restore --device bogus
check "pool restore extra" usage "unexpected argument 'x'" pool restore x
check "vm without a command" has "$("$ddactl" vm 2>&1; echo "rc=$?")" "rc=2"
check "vm frob" usage "unknown vm command 'frob'" vm frob
check "vm create without a name" usage "'vm create' needs a VM name" vm create
check "vm set without a name" usage "'vm set' needs a VM name" vm set
check "vm create bad/name" usage "'bad/name' is not a valid VM name" vm create bad/name
check "vm create --memory 4611686018427387903" usage "bad --memory '4611686018427387903'" vm create w --memory 4611686018427387903
check "vm create --memory 8X" usage "bad --memory '8X'" vm create w --memory 8X
check "vm create --memory 15" usage "bad --memory '15'" vm create w --memory 15
check "vm create --memory -1" usage "bad --memory '-1'" vm create w --memory -1
check "vm create --cpus 0" usage "bad --cpus '0'" vm create w --cpus 0
check "vm create --cpus 2G" usage "bad --cpus '2G'" vm create w --cpus 2G
check "vm create --firmware efi" usage "bad --firmware 'efi'" vm create w --firmware efi
check "vm create --accel hvf" usage "bad --accel 'hvf'" vm create w --accel hvf
check "vm create --mmio-below-4g 4G" usage "bad --mmio-below-4g '4G'" vm create w --mmio-below-4g 4G
check "vm create --mmio-above-4g 5T beyond 4P" usage "bad --mmio-above-4g '8192T'" vm create w --mmio-above-4g 8192T
check "vm create --hotplug-ports 17" usage "bad --hotplug-ports '17'" vm create w --hotplug-ports 17
check "vm create --disk missing" usage "cannot use disk '$tmp/nope'" vm create w --disk "$tmp/nope"
check "vm create extra argument" usage "unexpected argument 'x'" vm create w x
check "vm create --frob" usage "bad option '--frob'" vm create w --frob
check "vm show without a name" usage "'vm show' needs a VM name" vm show
check "vm show extra argument" usage "unexpected argument '01:10.0'" vm show w 01:10.0
check "vm show bad/name" usage "'bad/name' is not a valid VM name" vm show bad/name
check "vm show --qemu-args --libvirt" usage "--qemu-args and --libvirt cannot be combined" vm show w --qemu-args --libvirt
check "vm list --qemu-args" usage "--qemu-args is for 'vm show' only" vm list --qemu-args
check "vm start --all" usage "--all is for 'vm stop' only" vm start --all
check "vm stop --all NAME" usage "'vm stop --all' takes no VM name" vm stop w --all
check "vm stop --timeout -1" usage "bad --timeout '-1'" vm stop w --timeout -1
check "vm stop --timeout 1d" usage "bad --timeout '1d'" vm stop w --timeout 1d
check "vm start --timeout" usage "--timeout is for 'vm stop' and 'vm remove-device' only" vm start w --timeout 5
check "vm add-device with nothing" usage "'vm add-device' takes one of DEVICE" vm add-device w
check "vm add-device with two" usage "'vm add-device' takes one of DEVICE" vm add-device w 01:10.0 --pool p2
check "vm add-device --any -1:-1" usage "bad --any '-1:-1'" vm add-device w --any -1:-1
check "vm add-device --any 10000:1" usage "bad --any '10000:1'" vm add-device w --any 10000:1
check "vm add-device --any 8086" usage "bad --any '8086'" vm add-device w --any 8086
check "vm add-device --pool bad/name" usage "'bad/name' is not a valid pool name" vm add-device w --pool bad/name
check "vm add-device bogus" bad "'bogus' is neither a PCI address" vm add-device w bogus
check "vm start --any" usage "--any is for 'vm add-device' only" vm start w --any 8086:10d3
check "vm remove-device without a device" usage "'vm remove-device' needs a DEVICE" vm remove-device w
check "vm start extra argument" usage "unexpected argument '01:10.0'" vm start w 01:10.0
check "vm --frob" usage "bad option '--frob'" vm list --frob
check "vf without a command" has "$("$ddactl" vf 2>&1; echo "rc=$?")" "rc=2"
check "vf frob" usage "unknown vf command 'frob'" vf frob
check "vf list extra" usage "unexpected argument 'x'" vf list 01:00.0 x
check "vf list --frob" usage "bad option '--frob'" vf list --frob
check "vf list of a VF" bad "'0000:01:10.0' is not an SR-IOV physical function: it is a VF of 0000:01:00.0" vf list 01:10.0
check "vf set without a PF" usage "'vf set' needs a PF" vf set --count 1
check "vf set without --count" usage "'vf set' needs --count N" vf set 01:00.0
check "vf set --count x" usage "bad --count 'x'" vf set 01:00.0 --count x
check "vf set --count 65536" usage "bad --count '65536'" vf set 01:00.0 --count 65536
check "vf set extra" usage "unexpected argument 'x'" vf set 01:00.0 x --count 1
check "vf set bogus" bad "'bogus' is neither a PCI address" vf set bogus --count 1
check "vf config without a VF" usage "'vf config' needs a PF and a VF" vf config 01:00.0 --vlan 1
check "vf config without a setting" usage "'vf config' needs at least one of" vf config 01:00.0 0
check "vf config --forget and a setting" usage "--forget cannot be combined with a setting" vf config 01:00.0 0 --forget --vlan 1
check "vf config extra" usage "unexpected argument 'x'" vf config 01:00.0 0 x --vlan 1
check "vf config --mac bad" usage "bad --mac 'zz'" vf config 01:00.0 0 --mac zz
check "vf config --mac multicast" usage "bad --mac '01:00:5e:00:00:01'" vf config 01:00.0 0 --mac 01:00:5e:00:00:01
check "vf config --vlan 4095" usage "bad --vlan '4095'" vf config 01:00.0 0 --vlan 4095
check "vf config --spoof-check maybe" usage "bad --spoof-check 'maybe'" vf config 01:00.0 0 --spoof-check maybe
check "vf config --trust x" usage "bad --trust 'x'" vf config 01:00.0 0 --trust x
check "vf config --link up" usage "bad --link 'up'" vf config 01:00.0 0 --link up
check "vf config --rate -5" usage "bad --rate '-5'" vf config 01:00.0 0 --rate -5
check "vf config bogus VF" bad "'bogus' is neither a PCI address" vf config 01:00.0 bogus --vlan 1

# ------------------------------------------------------------------ checked before any change

if [ "$(id -u)" -eq 0 ]; then
	cstate=$root/change-state
	mkdir -m 0700 "$cstate"
	cddactl() { run --state-dir /change-state "$@"; }
	sql() { python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); r = db.execute(sys.argv[2]).fetchall(); db.commit(); print(r)' "$cstate/ddactl.db" "$1"; }
	cddactl dismount 01:10.1 bogus
	check "dismount DEV bogus: exit 2" is "$rc" 2
	check "dismount DEV bogus: not even a database" is "$(ls -A "$cstate")" ""
	check "dismount DEV bogus: 01:10.1 untouched" is "$(cat "$root/sys/bus/pci/devices/0000:01:10.1/driver_override" 2>/dev/null)" "$(cat "$root/sys/bus/pci/devices/0000:01:10.0/driver_override" 2>/dev/null | grep -v vfio)"
	cddactl pool create p2
	check "pool create p2" is "$rc" 0
	sql "INSERT INTO pool_device (address, location_path, vendor, device, subvendor, subdevice, class, iommu_group, original_driver, requested, added_at, state) VALUES ('0000:01:10.0', 'PCIROOT(0)#PCI(0100)#PCI(0000)#VF(0)', 32902, 5452, 0, 0, 131072, 6, 'iavf', 1, '2026-12-02T04:00:00Z', 'pooled')" >/dev/null
	cddactl pool add p2 01:10.0 bogus
	check "pool add p2 DEV bogus: exit 2" is "$rc" 2
	check "pool add p2 DEV bogus: names bogus" has "$err" "'bogus'"
	check "pool add p2 DEV bogus: nothing added" is "$(sql 'SELECT address FROM named_pool_member')" "[]"
	cddactl pool add p2 01:10.0 01:10.1
	check "pool add p2 POOLED UNPOOLED: refused" is "$rc" 1
	check "pool add p2 POOLED UNPOOLED: names the unpooled one" has "$err" "'0000:01:10.1' is not in the pool"
	check "pool add p2 POOLED UNPOOLED: nothing added" is "$(sql 'SELECT address FROM named_pool_member')" "[]"
	cddactl pool add p2 01:10.0
	check "pool add p2 POOLED: added" is "$(sql 'SELECT pool, address FROM named_pool_member')" "[('p2', '0000:01:10.0')]"
	cddactl vf set 01:00.0 --count 65
	check "vf set above sriov_totalvfs: exit 2" is "$rc" 2
	check "vf set above sriov_totalvfs: says the limit" has "$err" "at most 64 VFs (sriov_totalvfs); 65 asked"
	check "vf set above sriov_totalvfs: VFs untouched" is "$(cat "$root/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs")" 2
	cddactl vf config 01:00.0 2 --vlan 7
	check "vf config VF that does not exist: exit 2" is "$rc" 2
	check "vf config VF that does not exist: says so" has "$err" "'0000:01:00.0' has 2 VFs: there is no VF 2"
	cddactl vf config 01:00.0 01:10.1 --vlan 7 --json
	check "vf config by VF address: gets to the policy (fake root has no rtnetlink)" jsonq "d['error']['code'] == 'no-netlink'"
	cddactl vf config 01:00.0 04:00.0 --vlan 7
	check "vf config with another device as VF: exit 2" is "$rc" 2
	check "vf config with another device as VF: says so" has "$err" "'0000:04:00.0' is not a VF of '0000:01:00.0'"
	cddactl vf set 01:10.0 --count 1
	check "vf set on a VF: exit 2" is "$rc" 2
	cddactl vm start nosuch
	check "vm start of a VM that does not exist: exit 2" is "$rc" 2
	printf 'MemTotal:       16318480 kB\n' >"$root/proc/meminfo"
	cddactl vm create big --memory 17G
	check "vm create --memory above the host's RAM: exit 2" is "$rc" 2
	check "vm create --memory above the host's RAM: says why" has "$err" "more than this host's 15936 MiB of RAM: VFIO pins all of a VM's memory"
	cddactl vm create big --memory 15G
	check "vm create --memory within the host's RAM" is "$rc" 0
	cddactl vm show big --json
	check "vm create --memory 15G stored as MiB" jsonq "d['memory_mb'] == 15360"
	rm -f "$root/proc/meminfo"
	cddactl vm add-device big --any 8086:154c
	check "vm add-device --any picks the free pooled VF" has "$out" "'0000:01:10.0' assigned to VM 'big'"
	cddactl vm add-device big --any ffff:ffff
	check "vm add-device --any with no such device: refused, names the ids" has "$err" "ffff:ffff"
	cddactl vm stop big --timeout 0
	check "vm stop --timeout 0 of a stopped VM: says not running" has "$err" "VM 'big' is not running"

	# Refusals name the command as typed, not its last word.
	if command -v setpriv >/dev/null; then
		asuser() { setpriv --reuid 65534 --regid 65534 --clear-groups "$ddactl" --state-dir /change-state "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; err=$(cat "$tmp/err"); }
		for c in "vm create x" "vm start x" "vm delete x" "pool create x" "pool add x 01:10.0" "vf set 01:00.0 --count 1" "vf config 01:00.0 0 --vlan 1" "pool restore" "dismount 01:10.1" "mount 01:10.1"; do
			# shellcheck disable=SC2086
			asuser $c
			words=$(set -- $c; [ "$1" = dismount ] || [ "$1" = mount ] && echo "$1" || echo "$1 $2")
			check "not root: '$c' refused as 'ddactl $words'" has "$err" "'ddactl $words' changes the host and must run as root"
		done
	fi
fi

# ------------------------------------------------------------------ control characters

esc=$'\033[2J\033]0;owned\007'
run survey "$esc"
check "escapes: exit 2" is "$rc" 2
check "escapes: no raw ESC on stderr" lacks "$err" $'\033'
check "escapes: no raw BEL on stderr" lacks "$err" $'\007'
check "escapes: written as \\x1b" has "$err" '\x1b[2J\x1b]0;owned\x07'
run survey "$esc" --json
check "escapes (JSON): message escaped the same way" jsonq "d['error']['message'].startswith(\"'\\\\x1b[2J\\\\x1b]0;owned\\\\x07'\")"
check "escapes (JSON): device escaped" jsonq "d['error']['device'] == '\\\\x1b[2J\\\\x1b]0;owned\\\\x07'"
run frob$'\302\233'31m
check "escapes: a C1 CSI (U+009B) is escaped too" has "$err" "frob\\xc2\\x9b31m"
run frob$'\377'
check "escapes: a byte that is not UTF-8 is escaped" has "$err" "frob\\xff"
run frob$'\303\251'
check "escapes: UTF-8 text stays as it is" has "$err" "frob"$'\303\251'
run vm create $'a\033b'
check "escapes: a VM name with ESC is refused, escaped" has "$err" "'a\\x1bb' is not a valid VM name"

echo "1..$n"
[ "$failed" -eq 0 ]
