# Helpers for lab scenarios.  A scenario runs inside the lab guest (bash, the
# host's root read-only with a tmpfs overlay, as root) and starts with
#
#   . "$LAB_DIR/lib.sh"
#
# Everything it reports goes to the serial console as lines starting "LAB ":
#
#   LAB STEP <name>             step NAME
#   LAB PASS <desc>             a check that passed
#   LAB FAIL <desc> (...)       a check that failed, followed by its output,
#     | <output line>           each line prefixed "  | "
#   LAB SKIP <desc>: <why>      skip DESC WHY
#   LAB INFO <text>             info TEXT (facts to read, not checked)
#   LAB REBOOT                  lab_reboot: the runner boots again (LAB_BOOT+1)
#   LAB DONE pass=N fail=M      lab_done, the last line of a finished scenario
#
# The runner (tests/lab/run) passes when LAB DONE appeared and no LAB FAIL
# did.  A scenario that dies before lab_done fails.
#
# Variables from the runner (kernel command line lab.* -> LAB_*):
#   LAB_SCRIPT    this scenario          LAB_TOPOLOGY  topology name
#   LAB_DIR       tests/lab              LAB_REPO      the repository
#   LAB_RUN       per-run directory on the host (read-only here)
#   LAB_BOOT      1 on the first boot, 2 after one lab_reboot, ...
#   LAB_BUILD     the build directory, if the runner found one
# /var/lib/ddactl is the per-run state share: it survives lab_reboot.
# shellcheck shell=bash

set -uo pipefail

LAB_PASS=0
LAB_FAIL=0
: "${LAB_BOOT:=1}"
: "${LAB_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
: "${LAB_REPO:=$(cd "$LAB_DIR/../.." && pwd)}"
export LAB_DIR LAB_REPO LAB_BOOT

step() { echo "LAB STEP $*"; }
info() { echo "LAB INFO $*"; }
skip() { echo "LAB SKIP $1: ${2:-}"; }

# Indent a command's output under its FAIL line (at most 40 lines).
_lab_show() {
	local out=$1 n
	[ -n "$out" ] || return 0
	n=$(printf '%s\n' "$out" | wc -l)
	printf '%s\n' "$out" | head -n 40 | sed 's/^/  | /'
	[ "$n" -le 40 ] || echo "  | ... ($((n - 40)) more lines)"
}

_lab_pass() { LAB_PASS=$((LAB_PASS + 1)); echo "LAB PASS $1"; }
_lab_fail() {
	LAB_FAIL=$((LAB_FAIL + 1))
	echo "LAB FAIL $1 ($2)"
	_lab_show "$3"
}

# check DESC CMD...: CMD must exit 0.
check() {
	local desc=$1; shift
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then _lab_pass "$desc"; else _lab_fail "$desc" "exit $rc: $*" "$out"; fi
	return "$rc"
}

# expect_fail DESC CMD...: CMD must exit non-zero.
expect_fail() {
	local desc=$1; shift
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then _lab_pass "$desc"; return 0; fi
	_lab_fail "$desc" "exited 0, expected failure: $*" "$out"
	return 1
}

# expect_out DESC REGEX CMD...: CMD must exit 0 and its output (stdout and
# stderr) must match the extended regex REGEX.
expect_out() {
	local desc=$1 re=$2; shift 2
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then _lab_fail "$desc" "exit $rc: $*" "$out"; return 1; fi
	if printf '%s\n' "$out" | grep -Eq -- "$re"; then _lab_pass "$desc"; return 0; fi
	_lab_fail "$desc" "output does not match /$re/: $*" "$out"
	return 1
}

# expect_fail_out DESC REGEX CMD...: CMD must exit non-zero with output
# matching REGEX (for error messages).
expect_fail_out() {
	local desc=$1 re=$2; shift 2
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then _lab_fail "$desc" "exited 0, expected failure: $*" "$out"; return 1; fi
	if printf '%s\n' "$out" | grep -Eq -- "$re"; then _lab_pass "$desc"; return 0; fi
	_lab_fail "$desc" "exit $rc but output does not match /$re/: $*" "$out"
	return 1
}

# lab_done: the last thing a scenario does.
lab_done() {
	echo "LAB DONE pass=$LAB_PASS fail=$LAB_FAIL"
	exit 0
}

# lab_reboot: end this boot; the runner boots the same topology again with
# LAB_BOOT incremented and the same /var/lib/ddactl.  Everything else the
# guest wrote is gone, as after a real reboot (the overlay is tmpfs).
lab_reboot() {
	echo "LAB REBOOT pass=$LAB_PASS fail=$LAB_FAIL"
	exit 0
}

# --- sysfs helpers for scenarios ----------------------------------------

# pci_functions: every PCI address, sorted.
pci_functions() { ls /sys/bus/pci/devices | sort; }

# pci_driver ADDR: the bound driver's name, or "none".
pci_driver() {
	local l=/sys/bus/pci/devices/$1/driver
	if [ -L "$l" ]; then basename "$(readlink "$l")"; else echo none; fi
}

# pci_group ADDR: the IOMMU group number, or "none".
pci_group() {
	local l=/sys/bus/pci/devices/$1/iommu_group
	if [ -L "$l" ]; then basename "$(readlink "$l")"; else echo none; fi
}

# pci_find VENDOR:DEVICE [N]: the Nth (default 1st) function with that ID.
pci_find() {
	local want=$1 n=${2:-1} d v
	for d in $(pci_functions); do
		v=$(sed 's/^0x//' "/sys/bus/pci/devices/$d/vendor"):$(sed 's/^0x//' "/sys/bus/pci/devices/$d/device")
		if [ "$v" = "$want" ]; then
			n=$((n - 1))
			[ "$n" -gt 0 ] || { echo "$d"; return 0; }
		fi
	done
	return 1
}

# pci_find_driver DRIVER [N]: the Nth function bound to DRIVER.
pci_find_driver() {
	local want=$1 n=${2:-1} d
	for d in $(pci_functions); do
		if [ "$(pci_driver "$d")" = "$want" ]; then
			n=$((n - 1))
			[ "$n" -gt 0 ] || { echo "$d"; return 0; }
		fi
	done
	return 1
}

# vfio_bind ADDR / vfio_unbind ADDR: the plain sysfs dance ddactl automates
# (driver_override + unbind + drivers_probe), for scenarios that need a
# device on vfio-pci without going through ddactl.
vfio_bind() {
	local d=/sys/bus/pci/devices/$1
	modprobe vfio-pci || return 1
	echo vfio-pci >"$d/driver_override" || return 1
	if [ -L "$d/driver" ]; then echo "$1" >"$d/driver/unbind" || return 1; fi
	echo "$1" >/sys/bus/pci/drivers_probe || return 1
	[ "$(pci_driver "$1")" = vfio-pci ]
}
vfio_unbind() {
	local d=/sys/bus/pci/devices/$1
	echo >"$d/driver_override" || return 1
	if [ -L "$d/driver" ]; then echo "$1" >"$d/driver/unbind" || return 1; fi
	echo "$1" >/sys/bus/pci/drivers_probe || return 1
	[ "$(pci_driver "$1")" != vfio-pci ]
}

# blk_by_serial SERIAL: the block device name (nvme0n1, vda) whose disk
# has that serial (QEMU's serial= property).
blk_by_serial() {
	local b s
	for b in /sys/block/*; do
		# nvme multipath's per-path nodes (nvme0c0n1) are hidden
		[ "$(cat "$b/hidden" 2>/dev/null)" != 1 ] || continue
		s=$(cat "$b/serial" 2>/dev/null || cat "$b/device/serial" 2>/dev/null || true)
		read -r s <<<"$s"   # nvme pads the serial with blanks
		if [ "$s" = "$1" ]; then basename "$b"; return 0; fi
	done
	return 1
}

# nic_by_mac MAC: the network interface with that MAC address.
nic_by_mac() {
	local n
	for n in /sys/class/net/*; do
		if [ "$(cat "$n/address")" = "$1" ]; then basename "$n"; return 0; fi
	done
	return 1
}

# pci_of_nic IFNAME / pci_of_blk NAME: the PCI function behind it.
pci_of_nic() { _pci_up "$(readlink -f "/sys/class/net/$1/device")"; }
pci_of_blk() {
	local dev c
	dev=$(readlink -f "/sys/block/$1/device")
	_pci_up "$dev" && return 0
	# An nvme multipath head (nvme0n1) hangs off the virtual subsystem:
	# take its first controller's PCI function.
	for c in "$dev"/nvme[0-9]*; do
		[ -e "$c" ] || continue
		_pci_up "$(readlink -f "$c")" && return 0
	done
	return 1
}
_pci_up() { # nearest ancestor directory named like a PCI address
	local p=$1
	while [ "$p" != / ] && [ -n "$p" ]; do
		case "$(basename "$p")" in
		[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) basename "$p"; return 0 ;;
		esac
		p=$(dirname "$p")
	done
	return 1
}

# wait_for SECONDS CMD...: retry CMD every 0.5 s until it succeeds.
wait_for() {
	local t=$1; shift
	local i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt $((t * 2)) ] || return 1
		sleep 0.5
	done
}

# --- nested QEMU (see README.md, "Nested passthrough") ---------------------

# nested_qemu ADDR [TIMEOUT [EXTRA QEMU ARGS...]]: boot the nested guest
# (tests/lab/guest/init-nested; its initramfs is built by the runner when
# the scenario says "# lab-nested: yes") with ADDR passed through, and
# print its console.  ADDR must already be on vfio-pci, with every other
# member of its group on vfio-pci or no driver.  rombar=0: the nested
# firmware would otherwise run the device's option ROM (iPXE), slowly.
nested_qemu() {
	local addr=$1 t=${2:-600}
	shift 2 || shift $#
	local initrd=$LAB_NESTED_INITRD
	[ -f "$initrd" ] || { echo "nested_qemu: no $initrd (add '# lab-nested: yes' to the scenario)" >&2; return 1; }
	timeout -k 5 "$t" qemu-system-x86_64 -accel tcg -machine q35 -smp 1 -m 256 \
		-display none -nodefaults -serial stdio -monitor none -no-reboot \
		-kernel "$LAB_KERNEL_IMAGE" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 quiet no_timer_check" \
		-device "vfio-pci,host=$addr,rombar=0" "$@" </dev/null
}

# --- ddactl VMs inside the lab ------------------------------------------

# vm_console VM: the VM's serial console so far (ddactl vm console).
vm_console() { "${DDACTL:-$LAB_BUILD/ddactl}" vm console "$1" 2>/dev/null | tr -d '\r'; }

# wait_console VM REGEX SECONDS: until the VM's console shows REGEX; on
# a timeout, prints its last lines and fails.  A scenario whose VMs are not
# ddactl's (libvirt's domains) sets CONSOLE_OF to its own reader of a VM's
# console.
wait_console() {
	local i of=${CONSOLE_OF:-vm_console}
	for ((i = 0; i < $3; i += 2)); do
		"$of" "$1" | grep -Eq "$2" && return 0
		sleep 2
	done
	"$of" "$1" | tail -20
	return 1
}
