#!/bin/bash
# Part 4 on a real kernel with QEMU's SR-IOV emulation.
#
# igb (82576, 7 VFs): every VF network policy option set through ddactl
# and read back with `ip link show` on the PF; the one igb refuses (link
# state) named in the error and nothing else of that call left applied;
# VFs re-created (through 0) with their policy back.
#
# nvme (3 VFs): 2 VFs straight into the pool (never bound to nvme), seen
# by the survey as VFs of the PF in groups of their own, the PF refused for
# dismount; one VF given to a VM and seen in the nested guest; the count
# change refused while the VM runs, done through 0 once it is stopped;
# then a reboot of the lab host, after which `ddactl pool restore` (the
# boot unit's command) brings back the VF counts, the pool and the policy.
# lab-topologies: sriov
# lab-nested: yes
# lab-slow: yes
# lab-timeout: 1500
. "$LAB_DIR/lib.sh"

DDACTL=${LAB_BUILD:-$LAB_REPO/build}/ddactl
INITRD=$LAB_NESTED_INITRD
NV=$(pci_find 1b36:0010 1)		# nvme PF, sriov_totalvfs 3
IGB=$(pci_find 8086:10c9 1)		# igb PF, sriov_totalvfs 7
IF=$(ls "/sys/bus/pci/devices/$IGB/net" 2>/dev/null | head -1)
MAC0=52:54:00:aa:00:01
info "nvme PF=$NV igb PF=$IGB ($IF) boot=$LAB_BOOT"

numvfs() { cat "/sys/bus/pci/devices/$1/sriov_numvfs"; }
autoprobe() { cat "/sys/bus/pci/devices/$1/sriov_drivers_autoprobe"; }
vf_addr() { basename "$(readlink "/sys/bus/pci/devices/$1/virtfn$2")"; }
drv_is() { [ "$(pci_driver "$1")" = "$2" ]; }
is() { [ "$1" = "$2" ]; }
# vfline N: the PF's `ip link show` line of VF N
vfline() { ip link show "$IF" | grep -E "^ +vf $1 "; }
# No nvme probe of a VF address, ever, in this boot's kernel log.
never_nvme() {
	local a
	for a in "$@"; do
		if dmesg | grep -E "nvme.*$a"; then return 1; fi
	done
	return 0
}
in_pool() { "$DDACTL" pool --json | python3 -c "import json,sys; p={d['address']:d['state'] for d in json.load(sys.stdin)['pool']}; sys.exit(0 if p.get('$1') == 'pooled' else 1)"; }
pool_has_vf_of_nv() { "$DDACTL" pool | grep -q "^0000:01:00\.[1-3]"; }

if [ "$LAB_BOOT" = 1 ]; then
	step "vf list"
	expect_out "vf list shows the nvme PF with 0 of 3 VFs" "^$NV .*VFs 0 of 3" "$DDACTL" vf list
	expect_out "vf list shows the igb PF with its netdev and 0 of 7 VFs" "^$IGB .*driver igb +netdev $IF +VFs 0 of 7" "$DDACTL" vf list
	check "vf list --json names both PFs" sh -c "'$DDACTL' vf list --json | python3 -c 'import json,sys; a={p[\"address\"]:p for p in json.load(sys.stdin)[\"pfs\"]}; assert a[\"$NV\"][\"total_vfs\"]==3 and a[\"$IGB\"][\"total_vfs\"]==7 and a[\"$IGB\"][\"netdev\"]==\"$IF\", a'"
	expect_fail_out "a VF count above sriov_totalvfs is refused" "at most 3 VFs" "$DDACTL" vf set "$NV" --count 4
	expect_fail_out "vf set of a device without SR-IOV is refused" "not SR-IOV capable" "$DDACTL" vf set 00:02.0 --count 1

	step "igb: VF network policy"
	# igb refuses a rate limit while its link is down (link speed 0).
	ip link set "$IF" up
	wait_for 15 grep -qx 1 "/sys/class/net/$IF/carrier" || info "$IF has no carrier"
	check "create 2 igb VFs" "$DDACTL" vf set "$IGB" --count 2
	check "igb has 2 VFs" is "$(numvfs "$IGB")" 2
	VF0=$(vf_addr "$IGB" 0)
	VF1=$(vf_addr "$IGB" 1)
	info "igb VFs: $VF0 $VF1; vf 0 before: $(vfline 0)"
	check "--mac $MAC0" "$DDACTL" vf config "$IGB" 0 --mac "$MAC0"
	expect_out "ip link: vf 0 has MAC $MAC0" "vf 0 .*link/ether $MAC0" vfline 0
	check "--vlan 100" "$DDACTL" vf config "$IGB" 0 --vlan 100
	expect_out "ip link: vf 0 has vlan 100" "vf 0 .*vlan 100" vfline 0
	check "--spoof-check off" "$DDACTL" vf config "$IGB" 0 --spoof-check off
	expect_out "ip link: vf 0 spoof checking off" "vf 0 .*spoof checking off" vfline 0
	check "--trust on" "$DDACTL" vf config "$IGB" 0 --trust on
	expect_out "ip link: vf 0 trust on" "vf 0 .*trust on" vfline 0
	check "--rate 100" "$DDACTL" vf config "$IGB" 0 --rate 100
	expect_out "ip link: vf 0 max_tx_rate 100Mbps" "vf 0 .*max_tx_rate 100Mbps" vfline 0
	check "--spoof-check on" "$DDACTL" vf config "$IGB" 0 --spoof-check on
	expect_out "ip link: vf 0 spoof checking on" "vf 0 .*spoof checking on" vfline 0
	expect_fail_out "igb refuses --link enable: the error names the option and the kernel's answer" \
		"refused --link enable for VF 0: Operation not supported; nothing else was changed" \
		"$DDACTL" vf config "$IGB" 0 --link enable
	info "$("$DDACTL" vf config "$IGB" 0 --link enable 2>&1)"
	expect_fail_out "--trust off --link disable: refused at --link, --trust rolled back" \
		"refused --link disable for VF 0: .*--trust, applied before it, was rolled back" \
		"$DDACTL" vf config "$IGB" 0 --trust off --link disable
	info "$("$DDACTL" vf config "$IGB" 0 --trust off --link disable 2>&1)"
	expect_out "ip link: vf 0 still trust on after the refused call" "vf 0 .*trust on" vfline 0
	# A trusted VF may change its own MAC (igbvf pushes a random one when
	# the PF resets): the MAC checks below need an untrusted VF.
	check "--trust off" "$DDACTL" vf config "$IGB" 0 --trust off
	expect_out "ip link: vf 0 trust off" "vf 0 .*trust off" vfline 0
	check "VF named by its address ($VF1): --vlan 200 --spoof-check off --trust on" \
		"$DDACTL" vf config "$IGB" "$VF1" --vlan 200 --spoof-check off --trust on
	expect_out "ip link: vf 1 vlan 200, spoof checking off, trust on" "vf 1 .*vlan 200.*spoof checking off.*trust on" vfline 1
	expect_out "vf list shows the stored policy of vf 0" \
		"mac $MAC0 vlan 100 spoof-check on trust off rate 100" "$DDACTL" vf list "$IGB"
	expect_out "vf list shows what the kernel reports for vf 0" \
		"kernel: mac $MAC0 vlan 100 spoof-check on trust off link auto rate 100" "$DDACTL" vf list "$IGB"
	info "$("$DDACTL" vf list "$IGB")"
	info "ip link show $IF: $(ip link show "$IF" | grep -E '^ +vf ' | tr '\n' '|')"

	step "igb: re-created VFs get their policy back"
	check "vf set --count 0 removes them" "$DDACTL" vf set "$IGB" --count 0
	check "igb has 0 VFs" is "$(numvfs "$IGB")" 0
	check "vf set --count 2 creates them again" "$DDACTL" vf set "$IGB" --count 2
	expect_out "ip link: vf 0 has its MAC, vlan, spoof checking, trust and rate back" \
		"vf 0 .*link/ether $MAC0.*vlan 100.*max_tx_rate 100Mbps.*spoof checking on.*trust off" vfline 0
	expect_out "ip link: vf 1 has vlan 200, spoof checking off and trust on back" "vf 1 .*vlan 200.*spoof checking off.*trust on" vfline 1
	expect_out "2 -> 3 goes through 0 (the kernel refuses N -> M)" "2 VFs removed" "$DDACTL" vf set "$IGB" --count 3
	check "igb has 3 VFs" is "$(numvfs "$IGB")" 3
	expect_out "ip link: vf 0 policy back after 2 -> 3" "vf 0 .*link/ether $MAC0.*vlan 100" vfline 0
	expect_out "the same count again changes nothing" "already has 3 VFs" "$DDACTL" vf set "$IGB" --count 3
	expect_out "ip link: vf 0 keeps the MAC the host set" "vf 0 .*link/ether $MAC0.*vlan 100" vfline 0
	info "ip link show $IF after re-creation: $(ip link show "$IF" | grep -E '^ +vf ' | tr '\n' '|')"

	step "nvme: VFs straight into the pool"
	check "vf set $NV --count 2 --pool" "$DDACTL" vf set "$NV" --count 2 --pool
	check "nvme has 2 VFs" is "$(numvfs "$NV")" 2
	N0=$(vf_addr "$NV" 0)
	N1=$(vf_addr "$NV" 1)
	info "nvme VFs: $N0 $N1"
	check "$N0 is on vfio-pci" drv_is "$N0" vfio-pci
	check "$N1 is on vfio-pci" drv_is "$N1" vfio-pci
	check "no VF was ever probed by nvme (kernel log)" never_nvme "$N0" "$N1"
	check "sriov_drivers_autoprobe is back to 1" is "$(autoprobe "$NV")" 1
	check "$N0 is pooled" in_pool "$N0"
	check "$N1 is pooled" in_pool "$N1"
	expect_out "vf list: both VFs pooled, on vfio-pci" "^ +1 +$N1 +vfio-pci +pooled" "$DDACTL" vf list "$NV"
	check "survey: $N0 is VF 0 of $NV (sriov-vf) in a group of its own" sh -c "'$DDACTL' survey --json '$N0' | python3 -c '
import json,sys
d=json.load(sys.stdin)[\"devices\"][0]
codes=[r[\"code\"] for r in d[\"reasons\"]]
assert d[\"physfn\"]==\"$NV\" and d[\"vf_index\"]==0 and \"sriov-vf\" in codes, d
assert d[\"group_members\"]==[\"$N0\"], d[\"group_members\"]'"
	G0=$(pci_group "$N0"); G1=$(pci_group "$N1"); GP=$(pci_group "$NV")
	check "VF groups differ from each other and from the PF ($G0, $G1, PF $GP)" sh -c "[ '$G0' != '$G1' ] && [ '$G0' != '$GP' ] && [ '$G1' != '$GP' ] && [ '$G0' != none ]"
	expect_out "survey: the PF is sriov-pf-active" "sriov-pf-active" "$DDACTL" survey --json "$NV"
	expect_fail_out "dismount of the PF is refused while it has VFs" "2 VFs enabled" "$DDACTL" dismount "$NV"
	expect_out "ddactl pool lists the VFs" "$N0" "$DDACTL" pool

	step "a VF in a VM"
	check "create VM lab1" "$DDACTL" vm create lab1 --memory 256 --accel tcg --hotplug-ports 1 \
		--kernel "$LAB_KERNEL_IMAGE" --initrd "$INITRD" --append "console=ttyS0 panic=-1 quiet nested.monitor=1"
	check "add VF $N0 to lab1" "$DDACTL" vm add-device lab1 "$N0"
	check "start lab1" "$DDACTL" vm start lab1
	check "the nested guest booted" wait_console lab1 "NESTED MONITOR" 900
	check "the nested guest sees the VF (1b36:0010)" sh -c "'$DDACTL' vm console lab1 | grep -E 'NESTED PCI [0-9a-f:.]+ 1b36:0010'"
	info "$(vm_console lab1 | grep -E 'NESTED (PCI|BLK)' | tr '\n' '|')"
	expect_fail_out "vf set --count 3 is refused while lab1 runs, naming it" "running VM 'lab1'" \
		"$DDACTL" vf set "$NV" --count 3 --pool
	check "still 2 VFs, $N0 still on vfio-pci" sh -c "[ \$(cat /sys/bus/pci/devices/$NV/sriov_numvfs) = 2 ] && [ \$(basename \$(readlink /sys/bus/pci/devices/$N0/driver)) = vfio-pci ]"
	check "stop lab1" "$DDACTL" vm stop lab1 --timeout 15
	expect_out "vf set --count 3 --pool: through 0, $N0 stays lab1's" "still in the pool" "$DDACTL" vf set "$NV" --count 3 --pool
	check "nvme has 3 VFs" is "$(numvfs "$NV")" 3
	N2=$(vf_addr "$NV" 2)
	check "all 3 VFs on vfio-pci" sh -c "for a in $N0 $N1 $N2; do [ \$(basename \$(readlink /sys/bus/pci/devices/\$a/driver)) = vfio-pci ] || exit 1; done"
	check "none ever probed by nvme" never_nvme "$N0" "$N1" "$N2"
	expect_out "$N0 is still assigned to lab1" "$N0" "$DDACTL" vm devices lab1
	expect_fail_out "vf set --count 0 is refused: $N0 (assigned to lab1) would not come back" \
		"assigned to VM 'lab1' and would not come back" "$DDACTL" vf set "$NV" --count 0
	check "remove $N0 from lab1, delete lab1" sh -c "'$DDACTL' vm remove-device lab1 '$N0' && '$DDACTL' vm delete lab1"
	check "vf set --count 0" "$DDACTL" vf set "$NV" --count 0
	check "nvme has 0 VFs" is "$(numvfs "$NV")" 0
	expect_fail "no nvme VF is left in the pool" pool_has_vf_of_nv

	step "for the reboot"
	check "vf set $NV --count 2 --pool" "$DDACTL" vf set "$NV" --count 2 --pool
	info "$("$DDACTL" vf list)"
	info "$("$DDACTL" pool)"
	lab_reboot
fi

step "after the reboot"
N0=0000:01:00.1
N1=0000:01:00.2
info "at the scenario's start: nvme $(numvfs "$NV") VFs, igb $(numvfs "$IGB") VFs (the udev rule may have run)"
expect_out "ddactl pool restore (the boot unit's command)" "." "$DDACTL" pool restore
info "$("$DDACTL" pool restore 2>&1 | tr '\n' '|')"
check "nvme has 2 VFs again" is "$(numvfs "$NV")" 2
check "$N0 is on vfio-pci" drv_is "$N0" vfio-pci
check "$N1 is on vfio-pci" drv_is "$N1" vfio-pci
check "no VF was probed by nvme in this boot" never_nvme "$N0" "$N1"
check "$N0 is pooled" in_pool "$N0"
check "$N1 is pooled" in_pool "$N1"
check "nvme autoprobe is back to 1" is "$(autoprobe "$NV")" 1
check "igb has 3 VFs again" is "$(numvfs "$IGB")" 3
check "igb autoprobe is 1" is "$(autoprobe "$IGB")" 1
# At boot nothing has brought the igb PF up: igb takes a VF rate only with
# link, so the rate waits (for `vm start`, or the next restore).
expect_out "ip link: vf 0 has its MAC, vlan, spoof checking and trust back" \
	"vf 0 .*link/ether $MAC0.*vlan 100.*spoof checking on.*trust off" vfline 0
expect_out "ip link: vf 1 has vlan 200, spoof checking off and trust on back" "vf 1 .*vlan 200.*spoof checking off.*trust on" vfline 1
info "ip link show $IF after the reboot: $(ip link show "$IF" | grep -E '^ +vf ' | tr '\n' '|')"
expect_fail "vf list shows no interrupted change" sh -c "'$DDACTL' vf list | grep INTERRUPTED"
ip link set "$IF" up
wait_for 15 grep -qx 1 "/sys/class/net/$IF/carrier" || info "$IF has no carrier"
expect_out "a second restore changes no VF count" "has its 2 VFs, in the pool" "$DDACTL" pool restore
info "$("$DDACTL" pool restore 2>&1 | tr '\n' '|')"
expect_out "with the PF's link up, vf 0 has its rate back too" \
	"vf 0 .*link/ether $MAC0.*vlan 100.*max_tx_rate 100Mbps.*spoof checking on.*trust off" vfline 0
info "ip link show $IF with link: $(ip link show "$IF" | grep -E '^ +vf ' | tr '\n' '|')"
info "$("$DDACTL" vf list)"
lab_done
