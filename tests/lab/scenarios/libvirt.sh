#!/bin/bash
# Issue 12 on a real kernel with a real libvirtd (Debian's 9.0, started in
# the lab guest without systemd): ddactl's hook refuses the host's mounted
# disk, its in-use NIC and a member of a shared conventional-PCI group, with
# its reason, before libvirt touches them; a pooled e1000e starts in a
# domain whose nested guest sees it, is owned by libvirt:DOMAIN, goes back to
# e1000e after `virsh destroy` under --return-to-host; `ddactl libvirt
# attach --live` and detach; and last, the baseline: what `virsh
# nodedev-detach` alone does with the same three devices.  Every verdict is
# read from the kernel (driver links, /proc/mounts, ip addr), not from
# ddactl or virsh.
# lab-topologies: basic
# lab-nested: yes
# lab-slow: yes
# lab-timeout: 1500
. "$LAB_DIR/lib.sh"

DDACTL=${LAB_BUILD:-$LAB_REPO/build}/ddactl
INITRD=${LAB_NESTED_INITRD:-}
E1=$(pci_find 8086:10d3 1)		# e1000e on its own root port: the pooled one
SW_E=$(pci_find 8086:10d3 2)		# e1000e behind a switch port: attach --live
NVME=$(pci_find 1b36:0010 1)		# the disk the host mounts
VNET=$(pci_find 1af4:1041 1)		# the NIC the host configures
PB1=$(pci_find 8086:100e 1)		# e1000 behind the PCIe-to-PCI bridge
PB2=$(pci_find 8086:100e 2)		# ... and its group-mate, which the host uses
info "e1000e=$E1 switch-e1000e=$SW_E nvme=$NVME vnet=$VNET e1000=$PB1,$PB2"
virsh() { command virsh -q -c qemu:///system "$@"; }
drv_is() { [ "$(pci_driver "$1")" = "$2" ]; }
not_running() { [[ $(virsh domstate "$1" 2>&1) != *running* ]]; }
mounted() { grep -q " /mnt/disk0 " /proc/mounts; }
has_addr() { [[ $(ip -o addr show dev "$1") == *"inet $2/"* ]]; }
# owner ADDR: who ddactl's pool says holds ADDR ("" for nobody, - if not pooled)
owner() {
	"$DDACTL" pool --json | python3 -c '
import json, sys
d = [e for e in json.load(sys.stdin)["pool"] if e["address"] == sys.argv[1]]
print((d[0]["owner"] or "") if d else "-")' "$1"
}
owner_is() { [ "$(owner "$1")" = "$2" ]; }
# hostdev ADDR MANAGED: a libvirt <hostdev> for the PCI function ADDR
hostdev() {
	local a=$1
	printf "<hostdev mode='subsystem' type='pci' managed='%s'><driver name='vfio'/><source><address domain='0x%s' bus='0x%s' slot='0x%s' function='0x%s'/></source><rom bar='off'/></hostdev>\n" \
		"$2" "${a:0:4}" "${a:5:2}" "${a:8:2}" "${a:11:1}"
}
# domain NAME DEVICES-XML: a TCG q35 domain booting the nested initramfs,
# its serial console in /var/log/libvirt/NAME.console, free hot-plug ports
# (no USB controller: libvirt would put one on a root port)
domain() {
	cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$LAB_KERNEL_IMAGE</kernel>
    <initrd>$INITRD</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet no_timer_check nested.monitor=1 nested.sleep=5</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>$(command -v qemu-system-x86_64)</emulator>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='usb' model='none'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <serial type='file'><source path='/var/log/libvirt/$1.console'/><target port='0'/></serial>
    <memballoon model='none'/>
    $2
  </devices>
</domain>
EOF
}
console() { tr -d '\r' </var/log/libvirt/"$1".console 2>/dev/null; }
CONSOLE_OF=console	# for wait_console (lib.sh)
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

step "the host uses its disk and NICs"
mkdir -p /mnt/disk0
DISK=$(blk_by_serial lab-nvme-disk0)
check "mount the nvme disk ($DISK)" sh -c "mount /dev/$DISK /mnt/disk0 && echo lab >/mnt/disk0/probe && sync"
IF=$(nic_by_mac 52:54:00:1a:b0:03)
check "configure $IF with an address" sh -c "ip addr add 192.0.2.10/24 dev $IF && ip link set $IF up"
IF2=$(nic_by_mac 52:54:00:1a:b0:52)
check "configure $IF2 ($PB2, $PB1's group-mate) with an address" sh -c "ip addr add 192.0.2.20/24 dev $IF2 && ip link set $IF2 up"

step "libvirtd, as Debian installs it, with ddactl's hook"
# A copy of /etc/libvirt on /etc/libvirt: the hook, QEMU as root (the lab
# guest has no libvirt-qemu user session to speak of), no virtlogd (stdio to
# files), no cgroups, namespaces or security driver (no systemd, no
# AppArmor profiles here), no default network.
cp -a /etc/libvirt /run/libvirt-etc
mount --bind /run/libvirt-etc /etc/libvirt
rm -f /etc/libvirt/qemu/networks/autostart/*
mkdir -p /etc/libvirt/hooks/qemu.d
# The hook as meson installs it, calling the build under test; it also
# writes each call's wall time (fork and exec included) for the figures.
cat >/etc/libvirt/hooks/qemu.d/ddactl <<EOF
#!/bin/sh
t0=\$(date +%s%N)
$DDACTL libvirt-hook "\$@"
rc=\$?
echo "\$1 \$2 \$3 rc=\$rc us=\$(( (\$(date +%s%N) - t0) / 1000 ))" >>/run/ddactl-hook.times
exit \$rc
EOF
chmod 0755 /etc/libvirt/hooks/qemu.d/ddactl
cat >>/etc/libvirt/qemu.conf <<EOF
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
stdio_handler = "file"
cgroup_controllers = [ ]
namespaces = [ ]
security_driver = "none"
EOF
for d in /var/log /var/cache /var/lib/libvirt; do mount -t tmpfs tmpfs "$d"; done
mkdir -p /var/log/libvirt/qemu /var/cache/libvirt/qemu /var/lib/libvirt/qemu /var/lib/libvirt/images /run/libvirt
t0=$(date +%s%N)
libvirtd -d -l 2>/dev/null || libvirtd -d
check "libvirtd answers" wait_for 120 virsh version
info "libvirtd up in $(ms_since "$t0") ms: $(virsh version 2>&1 | tr '\n' ' ')"
check "the hook exits 0 for an operation it does not handle" "$DDACTL" libvirt-hook probe unknown-op - - </dev/null
# the floor under the hook's times: one ddactl process doing nothing
t0=$(date +%s%N)
for i in 1 2 3 4 5; do "$DDACTL" libvirt-hook probe unknown-op - - </dev/null; done
info "FACT a no-op hook call (fork, exec, exit) takes $(($(ms_since "$t0") / 5)) ms here"
t0=$(date +%s%N)
for i in 1 2 3 4 5; do /bin/true; done
info "FACT ... and /bin/true $(($(ms_since "$t0") / 5)) ms"

# ------------------------------------------------------------ the hook refuses
step "virsh start is refused for the host's devices (the hook)"
refused=0
for pair in "disk|$NVME|nvme" "nic|$VNET|virtio-pci" "conv|$PB1|e1000"; do
	IFS="|" read -r name addr drv <<<"$pair"
	domain "$name" "$(hostdev "$addr" yes)" >/run/$name.xml
	check "define $name (hostdev $addr, managed)" virsh define /run/$name.xml
	: >/run/ddactl-hook.times
	t0=$(date +%s%N)
	if expect_fail_out "virsh start $name is refused with ddactl's reason naming $addr" \
		"ddactl: refusing to start $name: .*'$addr'" virsh start "$name"; then
		refused=$((refused + 1))
	fi
	info "virsh start $name: $(ms_since "$t0") ms; hook calls: $(tr '\n' ';' </run/ddactl-hook.times)"
	info "what virsh shows: $(virsh start "$name" 2>&1 | sed -n 's/.*unexpected exit status 1: //p')"
	check "$addr is still on $drv (kernel's driver link)" drv_is "$addr" "$drv"
	check "$name is not running" not_running "$name"
	virsh destroy "$name" >/dev/null 2>&1
done
check "the filesystem on $DISK is still mounted and readable" sh -c "grep -q ' /mnt/disk0 ' /proc/mounts && grep -qx lab /mnt/disk0/probe"
check "$IF still has its address" has_addr "$IF" 192.0.2.10
check "$IF2 still has its address" has_addr "$IF2" 192.0.2.20
info "FACT libvirt with ddactl's hook refused $refused/3 (mounted disk, in-use NIC, shared conventional group)"

# ------------------------------------------------------------ a pooled e1000e
step "a domain with a pooled e1000e"
if check "the nested initramfs is there (lab-nested)" test -f "$INITRD"; then
	check "dismount $E1 and $SW_E into the pool" "$DDACTL" dismount "$E1" "$SW_E"
	check "$E1 is on vfio-pci" drv_is "$E1" vfio-pci
	check "policy: lab's devices go back to the host after it stops" "$DDACTL" libvirt policy lab --return-to-host
	domain lab "$(hostdev "$E1" no)" >/run/lab.xml
	check "define lab" virsh define /run/lab.xml
	: >/run/ddactl-hook.times
	t0=$(date +%s%N)
	check "virsh start lab" virsh start lab
	info "virsh start lab: $(ms_since "$t0") ms; hook calls: $(tr '\n' ';' </run/ddactl-hook.times)"
	hook_us=$(awk '{ sub("us=", "", $5); s += $5 } END { print s }' /run/ddactl-hook.times)
	info "FACT hook time for one start (all its calls): $((hook_us / 1000)) ms"
	check "ddactl pool shows libvirt:lab as $E1's owner" owner_is "$E1" libvirt:lab
	expect_fail_out "vm add-device of $E1 is refused, naming the domain" "lab" \
		sh -c "'$DDACTL' vm create other >/dev/null 2>&1; '$DDACTL' vm add-device other '$E1'"
	t0=$(date +%s%N)
	if check "the nested guest booted and listed its devices" wait_console lab "NESTED MONITOR" 900; then
		info "nested guest up in $(ms_since "$t0") ms after virsh start"
		check "the guest sees the e1000e (8086:10d3) with its driver" wait_console lab "NESTED PCI [0-9a-f:.]+ 8086:10d3 .*driver=e1000e" 2
	fi

	step "ddactl libvirt attach --live and detach"
	if check "attach $SW_E --live into lab" "$DDACTL" libvirt attach lab "$SW_E" --live --connect qemu:///system; then
		check "the guest sees a second e1000e arrive, with its driver" wait_console lab "NESTED NEW [0-9a-f:.]+ 8086:10d3 driver=e1000e" 300
		check "ddactl pool shows libvirt:lab as $SW_E's owner" owner_is "$SW_E" libvirt:lab
		out=$("$DDACTL" libvirt detach lab "$SW_E" --live --timeout 120 --connect qemu:///system 2>&1)
		rc=$?
		info "libvirt detach: rc=$rc: $out"
		if grep -q pending <<<"$out"; then
			check "detach says pending, and $SW_E is still libvirt:lab's" owner_is "$SW_E" libvirt:lab
		else
			check "detach: removed (rc 0)" test "$rc" = 0
			check "the guest saw it go" wait_console lab "NESTED GONE [0-9a-f:.]+ 8086:10d3 driver=e1000e" 60
			check "$SW_E is free in the pool again" owner_is "$SW_E" ""
			check "$SW_E stays on vfio-pci (kernel's driver link)" drv_is "$SW_E" vfio-pci
		fi
	fi

	step "virsh destroy: released, back on e1000e"
	check "virsh destroy lab" virsh destroy lab
	check "$E1 is back on e1000e (kernel's driver link)" wait_for 60 drv_is "$E1" e1000e
	check "$E1 is no longer in ddactl's pool" owner_is "$E1" -
	check "its interface (MAC 52:54:00:1a:b0:02) is back" wait_for 60 sh -c "ip -o link | grep -q 52:54:00:1a:b0:02"
	info "hook calls at destroy: $(tr '\n' ';' </run/ddactl-hook.times)"
fi

# ------------------------------------------------------------ libvirt alone
# Last: it breaks the host's disk and NICs, which the checks above need.
step "libvirt alone: virsh nodedev-detach of the same three devices"
virsh list --all --name | while read -r d; do [ -n "$d" ] && virsh undefine "$d" >/dev/null 2>&1; done
took=0
for pair in "$NVME|nvme" "$VNET|virtio-pci" "$PB1|e1000"; do
	IFS="|" read -r addr drv <<<"$pair"
	nd=pci_${addr//[:.]/_}
	out=$(virsh nodedev-detach "$nd" 2>&1)
	rc=$?
	now=$(pci_driver "$addr")
	info "virsh nodedev-detach $nd: rc=$rc driver $drv -> ${now:-none}: $out"
	[ "$now" = vfio-pci ] && took=$((took + 1))
done
info "FACT libvirt alone refused $((3 - took))/3 (it took $took: mounted disk, in-use NIC, shared conventional group)"
mounted && ! drv_is "$NVME" nvme && info "FACT /mnt/disk0 stayed mounted on a disk whose controller libvirt took"
for pair in "$NVME|nvme" "$VNET|virtio-pci" "$PB1|e1000"; do
	IFS="|" read -r addr drv <<<"$pair"
	virsh nodedev-reattach "pci_${addr//[:.]/_}" >/dev/null 2>&1
	check "nodedev-reattach: $addr is back on $drv" wait_for 60 drv_is "$addr" "$drv"
done
umount -l /mnt/disk0 2>/dev/null
DISK=$(wait_for 60 sh -c "ls /sys/block | grep -q nvme" && blk_by_serial lab-nvme-disk0)
check "the disk is usable again: mounts, the file is there" sh -c "mount /dev/$DISK /mnt/disk0 && grep -qx lab /mnt/disk0/probe"

lab_done
