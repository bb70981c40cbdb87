#!/bin/bash
# Part 3 on a real kernel with a real nested QEMU: pool an e1000e and an
# nvme, give both to a VM, boot it, and check from inside the guest that
# both are there with their ids and that its e1000e driver reads the MAC;
# hot-remove one and hot-add it back while the guest runs; one owner per
# device; then stop the VM and give both back to the host.
# lab-topologies: basic
# lab-nested: yes
# lab-slow: yes
# lab-timeout: 1200
. "$LAB_DIR/lib.sh"

DDACTL=${LAB_BUILD:-$LAB_REPO/build}/ddactl
VMQ_ARGS=()
# LAB_APPEND=lab.vm_qemu=/path/to/qemu-system-x86_64 runs the VMs with another
# QEMU (e.g. Debian 12's 7.2, unpacked beside the lab's QEMU 10).
if [ -n "${LAB_VM_QEMU:-}" ]; then
	export DDACTL_QEMU=$LAB_VM_QEMU
	# A modular QEMU loads its accelerators from its own tree, not from the
	# installed QEMU's.
	moddir=$(dirname "$(dirname "$LAB_VM_QEMU")")/lib/x86_64-linux-gnu/qemu
	[ -d "$moddir" ] && export QEMU_MODULE_DIR=$moddir
	# ...and its firmware from the search path QEMU 7.2 expects.
	VMQ_ARGS=(--qemu-arg -L --qemu-arg /usr/share/seabios --qemu-arg -L --qemu-arg /usr/share/qemu)
	info "VMs run with $("$LAB_VM_QEMU" --version | head -n1)"
fi
E1=$(pci_find 8086:10d3 1)		# e1000e, MAC 52:54:00:1a:b0:02
NV=$(pci_find 1b36:0010 1)		# nvme
INITRD=$LAB_NESTED_INITRD
info "e1000e=$E1 nvme=$NV"

drv_is() { [ "$(pci_driver "$1")" = "$2" ]; }

step "pool and define"
check "dismount the e1000e and the nvme" "$DDACTL" dismount "$E1" "$NV"
check "create VM lab1" "$DDACTL" vm create lab1 --memory 256 --accel tcg --hotplug-ports 2 "${VMQ_ARGS[@]}" \
	--kernel "$LAB_KERNEL_IMAGE" --initrd "$INITRD" --append "console=ttyS0 panic=-1 quiet no_timer_check nested.monitor=1 nested.sleep=5"
check "add the e1000e by address" "$DDACTL" vm add-device lab1 "$E1"
LP=$("$DDACTL" survey --json "$NV" | python3 -c 'import json,sys; print(json.load(sys.stdin)["devices"][0]["location_path"])')
check "add the nvme by location path $LP" "$DDACTL" vm add-device lab1 "$LP"
expect_out "adding the e1000e again changes nothing" "nothing changed" "$DDACTL" vm add-device lab1 "$E1"
expect_out "vm devices lists both" "$E1.*$NV|$NV.*$E1" sh -c "'$DDACTL' vm devices lab1 | tr '\n' ' '"
expect_out "the QEMU command line passes the e1000e" "vfio-pci,host=$E1,id=" "$DDACTL" vm show lab1 --qemu-args
expect_out "the QEMU command line passes the nvme" "vfio-pci,host=$NV,id=" "$DDACTL" vm show lab1 --qemu-args
expect_out "the QEMU command line has hot-add ports with reserves" "pcie-root-port,id=hp0,.*pref64-reserve=" "$DDACTL" vm show lab1 --qemu-args
info "$("$DDACTL" vm show lab1 --qemu-args)"
expect_out "libvirt export" "<hostdev mode='subsystem' type='pci' managed='no'>" "$DDACTL" vm show lab1 --libvirt
check "create VM lab2" "$DDACTL" vm create lab2 --memory 128 --accel tcg --kernel "$LAB_KERNEL_IMAGE"
expect_fail_out "lab2 cannot have lab1's e1000e" "held by VM 'lab1'" "$DDACTL" vm add-device lab2 "$E1"
expect_fail_out "mount of a held device is refused, naming the VM" "held by VM 'lab1'" "$DDACTL" mount "$E1"
expect_fail_out "pause is not offered" "cannot be paused" "$DDACTL" vm pause lab1
expect_out "pool shows who holds it" "held by VM lab1" "$DDACTL" pool

step "start"
check "start lab1" "$DDACTL" vm start lab1
check "lab1 runs" sh -c "'$DDACTL' vm list | grep -q 'lab1 .*running'"
check "a named pool of lab1's e1000e" sh -c "'$DDACTL' pool create nics && '$DDACTL' pool add nics '$E1' && '$DDACTL' vm add-device lab2 --pool nics"
expect_fail_out "lab2 cannot start: the pool's only device is lab1's" "none of its 1 devices is free" "$DDACTL" vm start lab2
check "the guest booted and listed its devices" wait_console lab1 "NESTED MONITOR" 600
check "the guest sees the e1000e (8086:10d3) and its driver bound" sh -c "'$DDACTL' vm console lab1 | grep -Eq 'NESTED PCI [0-9a-f:.]+ 8086:10d3 .*driver=e1000e'"
check "the guest sees the nvme (1b36:0010) and its driver bound" sh -c "'$DDACTL' vm console lab1 | grep -Eq 'NESTED PCI [0-9a-f:.]+ 1b36:0010 .*driver=nvme'"
check "the guest's e1000e read its MAC address" sh -c "'$DDACTL' vm console lab1 | grep -q 'NESTED NET .* 52:54:00:1a:b0:02'"

step "hot remove and hot add"
expect_out "hot-remove the e1000e" "hot-removed" "$DDACTL" vm remove-device lab1 "$E1" --timeout 90
check "the guest saw it go" wait_console lab1 "NESTED GONE .*8086:10d3" 90
check "it is back in the pool, on vfio-pci, held by no VM" sh -c "drv=\$(basename \$(readlink /sys/bus/pci/devices/$E1/driver)); [ \$drv = vfio-pci ] && ! '$DDACTL' pool | grep -A1 '^$E1' | grep -q 'held by'"
expect_out "hot-add it again" "hot-added" "$DDACTL" vm add-device lab1 "$E1"
check "the guest saw it come, with its driver" wait_console lab1 "NESTED NEW [0-9a-f:.]+ 8086:10d3 driver=e1000e" 120

step "stop and give back"
check "stop lab1 (power-down, then off)" "$DDACTL" vm stop lab1 --timeout 15
check "lab1 is stopped" sh -c "'$DDACTL' vm list | grep -q 'lab1 .*stopped'"
check "remove the e1000e from stopped lab1" "$DDACTL" vm remove-device lab1 "$E1"
check "delete lab1 and lab2 (the nvme is free)" sh -c "'$DDACTL' vm delete lab1 && '$DDACTL' vm delete lab2"
check "mount both back" "$DDACTL" mount "$E1" "$NV"
check "$E1 back on e1000e" drv_is "$E1" e1000e
check "$NV back on nvme" drv_is "$NV" nvme
lab_done
