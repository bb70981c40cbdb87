#!/bin/bash
# What the real kernel says about each topology: for every PCI function its
# address, lspci line, IOMMU group, reset methods, driver and capabilities;
# every group's members, type and reserved regions; SR-IOV VFs when there
# are PFs.  The C survey must agree with this.  Also checks the plain
# vfio-pci bind/unbind dance on an Intel NIC, and (on basic) that the
# host-in-use disk and NIC can be put in use.
# lab-topologies: basic sriov
. "$LAB_DIR/lib.sh"

sysdev=/sys/bus/pci/devices

# One line of facts per function, then its capability list.
describe() {
	local d=$1 prefix=${2:-pci} rm grp drv
	rm=none
	[ -r "$sysdev/$d/reset_method" ] && rm=$(tr ' ' ',' <"$sysdev/$d/reset_method")
	grp=$(pci_group "$d")
	drv=$(pci_driver "$d")
	info "$prefix $d group=$grp driver=$drv reset=$rm class=$(cat "$sysdev/$d/class") lspci=\"$(lspci -nn -s "$d")\""
	local caps
	# Standard ("[40]") and extended ("[100 v1]") capabilities, names only.
	caps=$(lspci -vvv -s "$d" 2>/dev/null |
		sed -n 's/^\s*Capabilities: \[[0-9a-f]*\( v[0-9]*\)\?\] \?//p' |
		sed 's/:.*//; s/ \(version\|v\)[0-9 ]*$//; s/, MSI 00$//' | paste -sd'|')
	info "$prefix $d caps: $caps"
	local flr
	flr=$(lspci -vvv -s "$d" 2>/dev/null | grep -o 'FLReset[+-]' | head -n1)
	local extra=
	[ -z "$flr" ] || extra+=" devcap=$flr"
	[ ! -r "$sysdev/$d/boot_vga" ] || extra+=" boot_vga=$(cat "$sysdev/$d/boot_vga")"
	[ ! -r "$sysdev/$d/sriov_totalvfs" ] || extra+=" sriov_totalvfs=$(cat "$sysdev/$d/sriov_totalvfs")"
	[ ! -r "$sysdev/$d/irq" ] || extra+=" irq=$(cat "$sysdev/$d/irq")"
	[ ! -L "$sysdev/$d/physfn" ] || extra+=" physfn=$(basename "$(readlink "$sysdev/$d/physfn")")"
	[ -z "$extra" ] || info "$prefix $d$extra"
}

step environment
info "kernel $(uname -r) topology=$LAB_TOPOLOGY uptime=$(cut -d' ' -f1 /proc/uptime)"
info "cmdline $(cat /proc/cmdline)"
dmesg | grep -iE 'DMAR|IOMMU|iommu' | head -n 20 | sed 's/^/LAB INFO dmesg /'

step tree
lspci -tv | sed 's/^/LAB INFO tree /'

step functions
for d in $(pci_functions); do describe "$d"; done

step groups
for g in $(ls /sys/kernel/iommu_groups | sort -n); do
	gd=/sys/kernel/iommu_groups/$g
	info "group $g type=$(cat "$gd/type" 2>/dev/null || echo ?) devices=$(ls "$gd/devices" | paste -sd,)"
	while read -r start end kind; do
		info "group $g reserved $start $end $kind"
	done <"$gd/reserved_regions"
done

step vfio
check "modprobe vfio-pci" modprobe vfio-pci
check "/dev/vfio/vfio is a char device" test -c /dev/vfio/vfio
nic=$(pci_find_driver e1000e || pci_find_driver igb || true)
if [ -n "$nic" ]; then
	orig=$(pci_driver "$nic")
	grp=$(pci_group "$nic")
	info "bind test on $nic (driver $orig, group $grp, members $(ls /sys/kernel/iommu_groups/"$grp"/devices | paste -sd,))"
	check "$nic: driver_override + unbind + drivers_probe -> vfio-pci" vfio_bind "$nic"
	check "$nic: /dev/vfio/$grp appeared" test -c "/dev/vfio/$grp"
	if [ -w "$sysdev/$nic/reset" ]; then
		check "$nic: sysfs reset while on vfio-pci" sh -c "echo 1 > $sysdev/$nic/reset"
	fi
	check "$nic: back to $orig" vfio_unbind "$nic"
	expect_out "$nic: driver is $orig again" "^$orig\$" pci_driver "$nic"
	check "$nic: its network interface came back" wait_for 10 sh -c "ls $sysdev/$nic/net | grep -q ."
else
	skip "vfio bind test" "no e1000e or igb in this topology"
fi

# Which reset methods really work: reset_method is computed when the device
# is added, so it can list "bus" for a function that was alone on its bus at
# scan time and is not any more (the first of two functions behind a bridge,
# the first of two switch downstream ports); the reset itself then fails.
# Try each listed method alone on the Intel NICs (on vfio-pci meanwhile).
step resets
for d in $(pci_functions); do
	case "$(pci_driver "$d")" in e1000|e1000e|igb) ;; *) continue ;; esac
	[ -r "$sysdev/$d/reset_method" ] || { info "reset $d: no reset_method (no method at all)"; continue; }
	orig=$(pci_driver "$d")
	vfio_bind "$d" || { info "reset $d: could not bind vfio-pci"; continue; }
	methods=$(cat "$sysdev/$d/reset_method")
	res=
	for m in $methods; do
		if echo "$m" >"$sysdev/$d/reset_method" 2>/dev/null && echo 1 >"$sysdev/$d/reset" 2>/dev/null; then
			res+=" $m=ok"
		else
			res+=" $m=FAILS"
		fi
	done
	echo default >"$sysdev/$d/reset_method"
	info "reset $d ($orig):$res; all together: $(echo 1 >"$sysdev/$d/reset" 2>/dev/null && echo ok || echo FAILS)"
	vfio_unbind "$d" || info "reset $d: could not go back to $orig"
done

# SR-IOV: enable 2 VFs on each PF without letting drivers probe them (an NVMe
# VF has no resources until nvme virt-mgmt assigns them; probing it would
# just time out), describe them, disable again.
for pf in $(pci_functions); do
	[ -r "$sysdev/$pf/sriov_totalvfs" ] || continue
	step "sriov $pf"
	info "sriov $pf totalvfs=$(cat "$sysdev/$pf/sriov_totalvfs") offset=$(cat "$sysdev/$pf/sriov_offset") stride=$(cat "$sysdev/$pf/sriov_stride") vf_device=$(cat "$sysdev/$pf/sriov_vf_device") drivers_autoprobe=$(cat "$sysdev/$pf/sriov_drivers_autoprobe")"
	echo 0 >"$sysdev/$pf/sriov_drivers_autoprobe"
	if check "$pf: enable 2 VFs" sh -c "echo 2 > $sysdev/$pf/sriov_numvfs"; then
		for vf in "$sysdev/$pf"/virtfn*; do
			describe "$(basename "$(readlink "$vf")")" vf
		done
		check "$pf: disable VFs" sh -c "echo 0 > $sysdev/$pf/sriov_numvfs"
	fi
	echo 1 >"$sysdev/$pf/sriov_drivers_autoprobe"
done

# The host-in-use devices of the basic topology: mount the nvme disk, give
# the virtio-net NIC an address and a route.  Documentation addresses only;
# the NIC is on an isolated QEMU hub, nothing leaves the guest.
if [ "$LAB_TOPOLOGY" = basic ]; then
	step host-in-use
	disk=$(blk_by_serial lab-nvme-disk0)
	info "host-in-use disk /dev/${disk:-?} on $(pci_of_blk "$disk")"
	mkdir -p /mnt/disk0
	check "mount the nvme disk" mount "/dev/$disk" /mnt/disk0
	expect_out "findmnt shows it" "^/mnt/disk0 +/dev/$disk\$" findmnt -rn -o TARGET,SOURCE /mnt/disk0
	ifc=$(nic_by_mac 52:54:00:1a:b0:03)
	info "host-in-use NIC ${ifc:-?} on $(pci_of_nic "$ifc")"
	check "NIC up with an address" sh -c "ip link set $ifc up && ip addr add 192.0.2.10/24 dev $ifc"
	check "route via the NIC" ip route add 198.51.100.0/24 via 192.0.2.1 dev "$ifc"
	ip -br addr | sed 's/^/LAB INFO addr /'
	ip route | sed 's/^/LAB INFO route /'
	findmnt -rn -o TARGET,SOURCE,FSTYPE | grep -E '^/mnt|nvme|vd' | sed 's/^/LAB INFO mount /'
fi

info "uptime at end $(cut -d' ' -f1 /proc/uptime)"
lab_done
