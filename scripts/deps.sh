#!/bin/bash
# Install what ddactl needs from Debian's archive, and nothing when it is all
# there.  Idempotent and quiet: it asks dpkg first and only talks to apt when
# something is missing; then it names what it installs, and shows apt's own
# output only when apt fails.
#
#   scripts/deps.sh build      compiler, meson, libraries (make, make survey)
#   scripts/deps.sh unit       build + unit test tools (make check-fast)
#   scripts/deps.sh check      unit + fuzzing, the lab and the clean room
#                              (make check)
#   scripts/deps.sh lint       clang-format and python3 (make check-lint)
#   scripts/deps.sh cleanroom  what tests/cleanroom/run.sh needs on the host
#   scripts/deps.sh bench      build + benchmark tools (make bench, bench-count;
#                              bench-lab needs check as well)
#   scripts/deps.sh cockpit   unit + cockpit-ws, chromium and npm (make
#                              check-cockpit)
#   scripts/deps.sh deb        debian/control's Build-Depends (make deb), and
#                              npm to vendor the Cockpit page's PatternFly
#
# The lab wants QEMU 10 and Linux 6.12 from bookworm-backports (the versions
# Debian 13 ships; QEMU 10 is the first here with an SR-IOV NIC).  The suite is
# added by copying this machine's own Debian archive entry, so no archive host
# name is written anywhere in this repository.  Only "check" does that: the
# unit tests never pull the lab's kernel and QEMU.
set -euo pipefail

want=${1:-build}
quietly=$(dirname "$0")/quietly.sh

# meson configures the unit tests by default (-Dtests=true), so a plain
# `meson setup` needs cmocka as much as it needs the libraries.
build_pkgs=(gcc meson ninja-build pkg-config make
	libpci-dev pci.ids libudev-dev libjson-c-dev libsqlite3-dev libkmod-dev
	libnl-3-dev libnl-route-3-dev libcmocka-dev
	libvirt-dev libxml2-dev
	scdoc)
# scdoc: the man page (man/); its generator and the completion's run on
# meson's own python3.
# libxml2-dev: the libvirt hook reads domain XML; libvirt-dev: `ddactl
# libvirt attach|detach` speak libvirt's C API (the client library only,
# no daemon).
# What the unit tests (meson test --suite unit, make check-fast) run besides
# the build.  One package a line, so additions merge cleanly.
test_pkgs=(
	bash-completion
	graphviz
	libvirt-clients
	libxml2-utils
	python3
	python3-jsonschema
	python3-yaml
	sqlite3
)
# libvirt-clients: virt-xml-validate, libvirt's schema for `vm show --libvirt`
# (tests/unit/test-engines.sh), which runs libxml2-utils' xmllint and does not
# depend on it.  Nova's parser runs there too: python3-nova
# itself is only unpacked (unpack_nova below: installing it pulls open-iscsi,
# whose trigger rebuilds the initramfs for minutes); these are the modules
# nova.conf, nova.pci.whitelist and nova.pci.request import, found by
# importing them until nothing was missing.
nova_pkgs=(
	python3-cursive
	python3-openstacksdk
	python3-os-resource-classes
	python3-oslo.cache
	python3-oslo.config
	python3-oslo.db
	python3-oslo.i18n
	python3-oslo.log
	python3-oslo.policy
	python3-oslo.serialization
	python3-oslo.utils
	python3-oslo.versionedobjects
	python3-webob
)
# where test-engines.sh looks for it (DDACTL_NOVA_PATH overrides)
nova_dir=/var/cache/ddactl/python3-nova
# scripts/lint.sh: clang-format 14 is what .clang-format is tuned for.
lint_pkgs=(
	clang-format
	git
	python3
)
# Fuzzing (clang's libFuzzer), the real-/sys survey and the lab's initramfs
# and disk images; the lab's QEMU and kernel are lab_backports below.
lab_pkgs=(clang libclang-rt-14-dev pciutils iproute2
	busybox-static cpio kmod xz-utils zstd udev e2fsprogs
	prometheus)
# prometheus: its promtool checks `ddactl metrics` (tests/unit/test-metrics.sh)
lab_backports=(qemu-system-x86 linux-image-amd64)
# The lab's libvirt scenario runs a real libvirtd in the lab guest, which
# sees this machine's / : so libvirt is installed here, but never started
# here (install_libvirt).
lab_libvirt=(libvirt-daemon-system libvirt-clients)
# tests/cleanroom/run.sh: a Debian 12 root to build in, the clone, and
# lintian for the .deb built there
cleanroom_pkgs=(debootstrap debian-archive-keyring git lintian)
# make deb: dpkg-dev reads debian/control, whose Build-Depends (with
# build-essential, which dpkg-buildpackage always wants) are then the list:
# apt resolves them from the file itself, so they are written only there.
deb_pkgs=(dpkg-dev)
# Benchmarks: syscall counts, peak memory, lspci; callgrind's instruction
# counts; wall times; and driverctl, which the lab benchmark compares with
# (the lab guest runs this machine's programs, so it is installed here; its
# udev rules act only on overrides driverctl itself saved).
# The Cockpit page's browser test (tests/cockpit/run.sh, make check-cockpit):
# a real cockpit-ws and bridge, Debian's chromium driven by playwright-core,
# and npm, which installs PatternFly and playwright-core from the page's
# package-lock.json (Debian's npm package, unless the installed nodejs
# already carries npm, as NodeSource's does, which conflicts with it).
cockpit_pkgs=(cockpit-ws cockpit-bridge chromium nodejs curl)
bench_pkgs=(strace time pciutils python3 valgrind hyperfine driverctl)

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null |
			grep -qx installed || echo "$p"
	done
}

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages: $*" >&2
		echo "deps.sh: run as root (or: sudo apt-get install $*)" >&2
		exit 1
	fi
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	"$quietly" apt-get update
	apt_updated=1
}

# apt_install [APT-OPTION...] PACKAGE...
apt_install() {
	echo "deps.sh: apt-get install $*" >&2
	apt_update
	DEBIAN_FRONTEND=noninteractive "$quietly" apt-get install -y \
		--no-install-recommends "$@"
}

# Copy the first deb822 stanza whose Suites names "bookworm" and give it the
# backports suite instead.  Done once; later runs see the file and skip.
add_backports() {
	local out=/etc/apt/sources.list.d/ddactl-backports.sources
	[ -e "$out" ] && return 0
	grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ && return 0
	need_root backports
	local src
	for src in /etc/apt/sources.list.d/*.sources; do
		[ -e "$src" ] || continue
		awk -v RS= -v ORS='\n\n' '/Suites:[^\n]*bookworm([ \n]|$)/ && !done {
			sub(/Suites:[^\n]*/, "Suites: bookworm-backports"); print; done=1 }' \
			"$src" >"$out.tmp"
		if [ -s "$out.tmp" ]; then
			mv "$out.tmp" "$out"
			apt_updated=
			return 0
		fi
	done
	rm -f "$out.tmp"
	# One-line format fallback.
	if grep -qsE '^deb .* bookworm( |$)' /etc/apt/sources.list; then
		grep -E '^deb .* bookworm( |$)' /etc/apt/sources.list | head -n1 |
			sed -E 's/ bookworm( |$)/ bookworm-backports\1/' >/etc/apt/sources.list.d/ddactl-backports.list
		apt_updated=
		return 0
	fi
	echo "deps.sh: no Debian bookworm archive entry to copy for bookworm-backports" >&2
	return 1
}

# Debian's python3-nova, unpacked (dpkg -x) into $nova_dir: its Python tree
# only, for its pure-Python dependencies (nova_pkgs) to import.  Done again
# only when the archive has another version.
unpack_nova() {
	local ver have tmp
	ver=$(apt-cache policy python3-nova 2>/dev/null | sed -n 's/^ *Candidate: //p')
	have=$(cat "$nova_dir/.version" 2>/dev/null || true)
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		[ -n "$have" ] && return 0
		apt_update
		ver=$(apt-cache policy python3-nova | sed -n 's/^ *Candidate: //p')
	fi
	[ "$ver" = "$have" ] && return 0
	need_root "python3-nova (unpacked into $nova_dir)"
	echo "deps.sh: apt-get download python3-nova=$ver, unpacked into $nova_dir" >&2
	tmp=$(mktemp -d)
	# apt's _apt user downloads into a directory it can write
	chown _apt "$tmp" 2>/dev/null || true
	rm -rf "$nova_dir.new"
	mkdir -p "$nova_dir.new"
	if ! (q=$(realpath "$quietly") && cd "$tmp" && "$q" apt-get download "python3-nova=$ver") ||
		! dpkg -x "$tmp"/python3-nova_*.deb "$nova_dir.new"; then
		rm -rf "$tmp" "$nova_dir.new"
		return 1
	fi
	echo "$ver" >"$nova_dir.new/.version"
	rm -rf "$tmp" "$nova_dir"
	mv "$nova_dir.new" "$nova_dir"
}

case "$want" in
build) pkgs=("${build_pkgs[@]}") ;;
unit) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${nova_pkgs[@]}") ;;
check)
	pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${nova_pkgs[@]}" "${lint_pkgs[@]}" "${lab_pkgs[@]}"
		"${cleanroom_pkgs[@]}" "${cockpit_pkgs[@]}")
	command -v npm >/dev/null || pkgs+=(npm)
	;;
lint) pkgs=("${lint_pkgs[@]}") ;;
cleanroom) pkgs=("${cleanroom_pkgs[@]}") ;;
bench) pkgs=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
cockpit)
	pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${cockpit_pkgs[@]}")
	command -v npm >/dev/null || pkgs+=(npm)
	;;
deb)
	pkgs=("${deb_pkgs[@]}")
	# cockpit-ddactl's PatternFly, vendored before the build (scripts/deb.sh)
	[ -f "$(dirname "$0")/../cockpit/vendor/patternfly/patternfly.css" ] || command -v npm >/dev/null ||
		pkgs+=(npm)
	;;
*) echo "usage: deps.sh [build|unit|check|lint|cleanroom|bench|cockpit|deb]" >&2; exit 2 ;;
esac

todo=$(missing "${pkgs[@]}")
if [ -n "$todo" ]; then
	# shellcheck disable=SC2086
	need_root $todo
	# shellcheck disable=SC2086
	apt_install $todo
fi

case "$want" in unit | check) unpack_nova ;; esac

# libvirt-daemon-system without its services: a policy-rc.d that says no
# (unless one is there already, as in a container) keeps the postinst from
# starting libvirtd, virtlogd and virtlockd, and the default network it
# defines is not left to autostart with a later libvirtd (virbr0 and
# dnsmasq on a machine that only wanted the lab).
install_libvirt() {
	local todo policy=/usr/sbin/policy-rc.d ours=
	todo=$(missing "${lab_libvirt[@]}")
	[ -n "$todo" ] || return 0
	# shellcheck disable=SC2086
	need_root $todo
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# scripts/deps.sh: installing libvirt, start nothing\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		ours=1
	fi
	# shellcheck disable=SC2086
	apt_install $todo || { [ -z "$ours" ] || rm -f "$policy"; return 1; }
	[ -z "$ours" ] || rm -f "$policy"
	rm -f /etc/libvirt/qemu/networks/autostart/default.xml
}

if [ "$want" = check ]; then
	# QEMU 10 from backports: the stock 7.2 has no igb (SR-IOV NIC).
	qver=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
	kver=$(ls /boot/vmlinuz-6.12* 2>/dev/null | head -n1 || true)
	case "$qver" in 1:10.*) qok=1 ;; *) qok= ;; esac
	if [ -z "$qok" ] || [ -z "$kver" ]; then
		add_backports
		need_root "${lab_backports[@]}"
		apt_install -t bookworm-backports "${lab_backports[@]}"
	fi
	# Debian 12's own Linux 6.1 too: the predict scenario proves the group
	# model on both kernels (tests/lab/check.sh).  Its package carries the
	# ABI in its name, so the newest bookworm has is asked for.
	if ! ls /boot/vmlinuz-6.1.* >/dev/null 2>&1; then
		k61=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' | cut -d' ' -f1 | sort -V | tail -n1)
		if [ -n "$k61" ]; then
			need_root "$k61"
			apt_install "$k61"
		fi
	fi
	install_libvirt
fi

if [ "$want" = deb ]; then
	top=$(cd "$(dirname "$0")/.." && pwd)
	if ! unmet=$(cd "$top" && dpkg-checkbuilddeps 2>&1); then
		need_root "(debian/control's Build-Depends)"
		echo "deps.sh: apt-get build-dep for ${unmet##*: }" >&2
		apt_update
		DEBIAN_FRONTEND=noninteractive "$quietly" apt-get build-dep -y \
			--no-install-recommends "$top"
	fi
fi
