#!/bin/bash
# Nested passthrough end to end: put the basic topology's free e1000e on
# vfio-pci, boot a nested guest with it (QEMU, TCG inside TCG), and check
# that the nested kernel's e1000e driver binds it.  About 2.5 minutes.
# lab-topologies: basic
# lab-nested: yes
# lab-slow: yes
# lab-timeout: 900
. "$LAB_DIR/lib.sh"

nic=$(pci_find 8086:10d3 1)
info "passing $nic (group $(pci_group "$nic")) to a nested guest"

step bind
check "$nic on vfio-pci" vfio_bind "$nic"

step "nested boot"
t0=$(date +%s)
out=$(nested_qemu "$nic" 700 2>&1)
rc=$?
info "nested QEMU exited $rc after $(( $(date +%s) - t0 ))s"
printf '%s\n' "$out" | tr -d '\r' | grep -E 'NESTED|vfio|error|Error' | sed 's/^/LAB INFO nested: /'
check "nested guest finished" grep -q 'NESTED DONE' <<<"$out"
check "nested kernel bound e1000e to the passed device" grep -Eq 'NESTED PCI [0-9a-f:.]+ 8086:10d3 .*driver=e1000e' <<<"$out"
check "nested guest has a network interface for it" grep -q 'NESTED NET ' <<<"$out"

step unbind
check "$nic back to e1000e" vfio_unbind "$nic"
lab_done
