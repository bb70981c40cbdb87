#!/bin/bash
# The lab's own self-test: the guest comes up as the harness promises, and
# lab_reboot keeps /var/lib/ddactl but nothing else.
# lab-topologies: basic
. "$LAB_DIR/lib.sh"

if [ "$LAB_BOOT" = 1 ]; then
	step environment
	info "kernel $(uname -r), topology $LAB_TOPOLOGY, uptime $(cut -d' ' -f1 /proc/uptime)"
	check "PID 1 is stage2, not a chroot" grep -q stage2 /proc/1/cmdline
	check "root is writable (overlay)" touch /etc/lab-smoke
	check "/tmp is a tmpfs" sh -c 'findmnt -n -o FSTYPE /tmp | grep -qx tmpfs'
	check "/var/lib/ddactl is the 9p state share" sh -c 'findmnt -n -o FSTYPE /var/lib/ddactl | grep -qx 9p'
	check "/var/lib/ddactl is writable" sh -c 'echo boot1 > /var/lib/ddactl/smoke'
	check "IOMMU groups exist" sh -c 'ls /sys/kernel/iommu_groups | grep -q .'
	expect_out "udev bound nvme" '^nvme$' pci_driver 0000:01:00.0
	check "udev named a NIC" test -n "$(nic_by_mac 52:54:00:1a:b0:03)"
	check "modprobe vfio-pci" modprobe vfio-pci
	check "/dev/vfio/vfio exists" test -c /dev/vfio/vfio
	expect_fail "expect_fail sees a failure" false
	expect_out "expect_out matches output" 'Non-Volatile memory controller' lspci
	expect_fail_out "expect_fail_out matches an error" 'No such file' cat /nonexistent
	lab_reboot
fi

step "after reboot"
check "second boot" test "$LAB_BOOT" = 2
expect_out "state share kept its file" '^boot1$' cat /var/lib/ddactl/smoke
expect_fail "the overlay was not kept" test -e /etc/lab-smoke
lab_done
