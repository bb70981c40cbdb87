#!/bin/bash
# The lab's own self-test: the guest came up as the harness promises.
# lab-topologies: basic
. "$LAB_DIR/lib.sh"

step environment
info "kernel $(uname -r), boot $LAB_BOOT, topology $LAB_TOPOLOGY, uptime $(cut -d' ' -f1 /proc/uptime)"
check "root is writable (overlay)" touch /etc/lab-smoke
check "/tmp is a tmpfs" sh -c 'findmnt -n -o FSTYPE /tmp | grep -qx tmpfs'
check "/var/lib/ddactl is writable" touch /var/lib/ddactl/smoke
check "IOMMU groups exist" sh -c 'ls /sys/kernel/iommu_groups | grep -q .'
check "modprobe vfio-pci" modprobe vfio-pci
check "/dev/vfio/vfio exists" test -c /dev/vfio/vfio
expect_fail "false fails" false
expect_out "lspci sees the nvme" 'Non-Volatile memory controller' lspci
lab_done
