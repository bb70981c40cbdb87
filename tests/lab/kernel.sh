# Sourced by the lab's host-side scripts: which kernel to boot.
# shellcheck shell=bash

# The newest /boot/vmlinuz-6.12*, else the newest /boot/vmlinuz-*, unless
# LAB_KERNEL names one.
lab_pick_kernel() {
	if [ -n "${LAB_KERNEL:-}" ]; then
		echo "$LAB_KERNEL"
		return 0
	fi
	local k
	k=$(ls /boot/vmlinuz-6.12* 2>/dev/null | sort -V | tail -n1 || true)
	[ -n "$k" ] || k=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1 || true)
	[ -n "$k" ] || { echo "lab: no kernel in /boot (set LAB_KERNEL)" >&2; return 1; }
	echo "$k"
}

# The module directory name of a kernel image: from the file name when it is
# /boot/vmlinuz-VERSION, else from the version string in the image header.
lab_kernel_version() {
	local k=$1 v
	v=$(basename "$k")
	v=${v#vmlinuz-}
	if [ "$v" != "$(basename "$k")" ] && [ -d "/lib/modules/$v" ]; then
		echo "$v"
		return 0
	fi
	v=$(file -bL "$k" | sed -n 's/.*version \([^ ,]*\).*/\1/p')
	[ -n "$v" ] || { echo "lab: cannot tell the version of $k" >&2; return 1; }
	echo "$v"
}
