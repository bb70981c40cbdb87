#!/bin/bash
# Build the lab's tiny initramfs from busybox-static and the installed
# kernel's modules.  Nothing of it is committed: it is made at test time.
#
#   mkinitramfs.sh [--kernel VMLINUZ] OUT
#       The lab guest: /init mounts the host's root over 9p (read-only, with a
#       tmpfs overlay on top so the guest can write anywhere), mounts the
#       per-run state share on /var/lib/ddactl, chroots into it and runs the
#       scenario named by lab.script= on the kernel command line.
#
#   mkinitramfs.sh --nested [--kernel VMLINUZ] OUT [MODULE...]
#       A guest for QEMU started *inside* the lab guest (nested passthrough):
#       busybox plus MODULE... (default: e1000e nvme igbvf), an /init that
#       loads them, prints one "NESTED PCI ..." line per PCI function and
#       powers off.  See README.md.
#
# OUT is rebuilt only when the kernel, busybox, this script or the module
# list changed (a stamp file OUT.stamp records what it was built from).
# OUT must not be under /tmp: the lab guest mounts its own tmpfs there, so
# nothing the guest has to read may live in the host's /tmp.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
flavour=lab
kernel=${LAB_KERNEL:-}
while [ $# -gt 0 ]; do
	case "$1" in
	--nested) flavour=nested; shift ;;
	--kernel) kernel=$2; shift 2 ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	-*) echo "mkinitramfs.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: mkinitramfs.sh [--nested] [--kernel VMLINUZ] OUT [MODULE...]" >&2; exit 2; }
out=$1; shift

# shellcheck source=kernel.sh
. "$here/kernel.sh"
[ -n "$kernel" ] || kernel=$(lab_pick_kernel)
kver=$(lab_kernel_version "$kernel")
moddir=/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || { echo "mkinitramfs.sh: no $moddir/modules.dep for $kernel" >&2; exit 1; }

busybox=
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && file -L "$b" 2>/dev/null | grep -q 'statically linked'; then busybox=$b; break; fi
done
[ -n "$busybox" ] || { echo "mkinitramfs.sh: need a static busybox (apt-get install busybox-static)" >&2; exit 1; }

if [ "$flavour" = lab ]; then
	# 9p root plus overlay.  virtio_pci and friends are built into Debian's
	# 6.12 (modules.builtin); fscache is part of netfs there.  Whatever is
	# builtin is skipped, dependencies come from modules.dep.
	wanted=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
		netfs fscache 9pnet 9pnet_virtio 9p overlay)
else
	wanted=("$@")
	[ ${#wanted[@]} -gt 0 ] || wanted=(e1000e nvme igbvf)
fi

# --- cache check -------------------------------------------------------
stamp_now=$(
	echo "flavour=$flavour kernel=$kernel kver=$kver modules=${wanted[*]}"
	stat -Lc '%s %Y' "$kernel" "$moddir/modules.dep" "$busybox"
	sha256sum "$0" "$here/guest/init-$flavour" | cut -d' ' -f1
)
if [ -s "$out" ] && [ -f "$out.stamp" ] && [ "$(cat "$out.stamp")" = "$stamp_now" ]; then
	exit 0
fi

# --- module resolution ---------------------------------------------------
norm() { echo "${1//-/_}"; }
declare -A dep_of path_of builtin seen
while IFS= read -r line; do
	p=${line%%:*}
	n=$(basename "$p"); n=${n%%.ko*}; n=$(norm "$n")
	path_of[$n]=$p
	dep_of[$n]=${line#*:}
done <"$moddir/modules.dep"
while IFS= read -r p; do
	n=$(basename "$p"); n=${n%%.ko*}
	builtin[$(norm "$n")]=1
done <"$moddir/modules.builtin"

order=()
# Depth-first: dependencies before the module that needs them.
visit() {
	local n; n=$(norm "$1")
	[ -z "${seen[$n]:-}" ] || return 0
	seen[$n]=1
	if [ -n "${builtin[$n]:-}" ]; then return 0; fi
	if [ -z "${path_of[$n]:-}" ]; then
		# fscache was folded into netfs; other absent names are errors.
		[ "$n" = fscache ] && return 0
		echo "mkinitramfs.sh: module $1 not found for $kver" >&2
		exit 1
	fi
	local d
	for d in ${dep_of[$n]}; do
		d=$(basename "$d"); visit "${d%%.ko*}"
	done
	order+=("$n")
}
for m in "${wanted[@]}"; do visit "$m"; done

# --- assemble ------------------------------------------------------------
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,run,newroot,lower,rw,modules}
cp "$busybox" "$stage/bin/busybox"
# Device nodes the kernel needs before /init mounts devtmpfs (the console
# for init's stdio).  We are root on the build host; if mknod is refused
# /init falls back to reopening the console after mounting devtmpfs.
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
mknod -m 666 "$stage/dev/null" c 1 3 2>/dev/null || true

: >"$stage/modules/order"
for n in "${order[@]}"; do
	src=$moddir/${path_of[$n]}
	case "$src" in
	*.ko.xz) xz -dc "$src" >"$stage/modules/$n.ko" ;;   # busybox insmod cannot decompress
	*.ko.zst) zstd -qdc "$src" >"$stage/modules/$n.ko" ;;
	*.ko.gz) gzip -dc "$src" >"$stage/modules/$n.ko" ;;
	*) cp "$src" "$stage/modules/$n.ko" ;;
	esac
	echo "$n" >>"$stage/modules/order"
done

if [ "$flavour" = lab ]; then
	cp "$here/guest/init-lab" "$stage/init"
else
	cp "$here/guest/init-nested" "$stage/init"
fi
chmod 755 "$stage/init"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "$stamp_now" >"$out.stamp"
echo "mkinitramfs.sh: built $out ($flavour, $kver, modules: ${order[*]:-none})" >&2
