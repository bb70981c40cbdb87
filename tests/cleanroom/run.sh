#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/cleanroom/run.sh [CHECKOUT]: the README's Quick start on a machine
# that has never seen ddactl.  A Debian 12 (bookworm) minbase root with git
# and make, as debootstrap makes it, gets a fresh clone of CHECKOUT's HEAD
# commit (default: this directory); there, as root in a chroot with /proc,
# /sys and /dev bound in, `make survey` and `make check-fast` must install
# everything they need, pass, and (survey) print the Host section.
#
# The minbase root is made once and kept in $DDACTL_CLEANROOM_CACHE
# (default /var/cache/ddactl/cleanroom); every run starts from a fresh copy
# of it, so every run proves the dependency install again.  Only the .deb
# downloads are shared between runs.  The archive is the one this machine's
# apt uses, read at run time ($DDACTL_CLEANROOM_MIRROR overrides it), so no
# archive host is written in the repository.
#
# Needs root.  Prints one line per step with its time; a failing step's whole
# output; the logs of the last run stay in the cache's logs/.
set -euo pipefail

suite=bookworm
include=git,make
cache=${DDACTL_CLEANROOM_CACHE:-/var/cache/ddactl/cleanroom}
here=$(cd "$(dirname "$0")/../.." && pwd)

say() { echo "cleanroom: $*"; }
die() { echo "cleanroom: $*" >&2; exit 1; }

[ "$#" -le 1 ] || { echo "usage: run.sh [CHECKOUT]" >&2; exit 2; }
src=${1:-.}
[ -d "$src" ] || { echo "cleanroom: no checkout '$src'" >&2; exit 2; }
src=$(cd "$src" && pwd)
commit=$(git -C "$src" rev-parse --verify -q 'HEAD^{commit}') ||
	{ echo "cleanroom: '$src' is not a git checkout with a commit" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] ||
	die "needs root for debootstrap, chroot and bind mounts (sudo make check-cleanroom)"

# The first enabled "deb" entry for $suite in this machine's apt sources,
# deb822 (.sources) or one-line (sources.list, .list), as apt finds them.
archive_uri() {
	local list parts f
	eval "$(apt-config shell list Dir::Etc::sourcelist/f parts Dir::Etc::sourceparts/d)"
	for f in "$parts"*.sources; do
		[ -f "$f" ] || continue
		# deb822: field names are case-insensitive, values may continue
		# on indented lines, comment lines may sit inside a stanza.
		awk -v suite="$suite" '
		function flush() {
			if (types ~ " deb( |$)" && suites ~ " " suite "( |$)" &&
			    tolower(enabled) !~ /no/ && split(uris, u, " ") > 0) {
				print u[1]; found = 1; exit
			}
			types = suites = uris = enabled = key = ""
		}
		/^#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { val = $0 }
		/^[^ \t]/ {
			key = tolower($0); sub(/:.*/, "", key)
			val = $0; sub(/^[^:]*:/, "", val)
		}
		{
			gsub(/[ \t]+/, " ", val)
			if (key == "types") types = types " " val
			else if (key == "suites") suites = suites " " val
			else if (key == "uris") uris = uris " " val
			else if (key == "enabled") enabled = enabled val
		}
		END { if (!found) flush() }' "$f" | grep . && return 0
	done
	for f in "$list" "$parts"*.list; do
		[ -f "$f" ] || continue
		awk -v suite="$suite" '
		$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
			if ($(i + 1) == suite) { print $i; exit }
		}' "$f" | grep . && return 0
	done
	return 1
}

now() { echo "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f s", b - a }'; }

# Everything mounted at or below $1, deepest first, then nothing: a tree is
# only ever deleted (rm --one-file-system) once this has emptied it, so the
# host's /dev and /sys can never be reached through a leftover bind.
umount_under() {
	local dir=$1 m
	for m in $(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' \
			/proc/self/mountinfo | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	! awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { f = 1 } END { exit !f }' \
		/proc/self/mountinfo
}

remove_tree() {
	umount_under "$1" || die "'$1' still has mounts; not deleting it"
	rm -rf --one-file-system "$1"
}

bash "$here/scripts/deps.sh" cleanroom

install -d -m 0755 "$cache" "$cache/logs" "$cache/debootstrap" "$cache/archives"
exec 9>"$cache/lock"
flock -n 9 || { say "waiting for another clean-room run to finish"; flock 9; }

mirror=${DDACTL_CLEANROOM_MIRROR:-$(archive_uri)} ||
	die "no Debian $suite entry in this machine's apt sources to debootstrap from; set DDACTL_CLEANROOM_MIRROR=URI"
base=$cache/base-$suite
root=$cache/root
logs=$cache/logs
rm -f "$logs"/*.log
total=$(now)
say "testing $commit from '$src' on Debian $suite from $mirror"
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
	say "note: '$src' has uncommitted changes; only its HEAD commit is tested"
fi

# step NAME COMMAND...: runs COMMAND with its output in logs/NAME.log, says
# how long it took, and on failure shows that output and stops.
step() {
	local name=$1 t rc=0
	shift
	t=$(now)
	"$@" >"$logs/$name.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		cat "$logs/$name.log" >&2
		die "$name failed (exit $rc) after $(since "$t"); output above and in $logs/$name.log"
	fi
	say "$(printf '%-11s' "$name") $(since "$t")"
}

# The base is remade when the archive or the package set changes; it is
# built beside its final place and renamed, so a debootstrap that was
# interrupted (and may have left its own /proc mounted) is never used.
stamp="$suite minbase $include $mirror"
if [ ! -d "$base" ] || [ "$(cat "$base.stamp" 2>/dev/null)" != "$stamp" ]; then
	remove_tree "$base.new"
	remove_tree "$base"
	step debootstrap debootstrap --variant=minbase --include="$include" \
		--cache-dir="$cache/debootstrap" "$suite" "$base.new" "$mirror"
	mv "$base.new" "$base"
	echo "$stamp" >"$base.stamp"
else
	say "base        cached ($base, made $(date -u -r "$base.stamp" +%FT%TZ))"
fi

cleanup() {
	umount_under "$root" || echo "cleanroom: could not unmount everything under '$root'" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

remove_tree "$root"
step copy cp -a "$base" "$root"

# What the copy must be: the base, with nothing of the build in it yet.
for p in gcc meson libcmocka-dev python3; do
	if chroot "$root" dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null |
			grep -qx installed; then
		die "the base '$base' already has $p; remove it to make a new one"
	fi
done

# Name resolution for apt as the host has it now, not as it was when the
# base was made.
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
# An archive snapshot's Release files are past their Valid-Until date; if
# this machine's apt accepts them, the clean machine has to as well.
eval "$(apt-config shell valid Acquire::Check-Valid-Until)"
if [ "${valid:-}" = false ]; then
	echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/50cleanroom"
fi
# A package's maintainer script must not start its daemon on the host.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"

for d in proc sys dev; do
	mount --rbind "/$d" "$root/$d"
	# so that unmounting the chroot's view never unmounts the host's
	mount --make-rslave "$root/$d"
done
mount --bind "$cache/archives" "$root/var/cache/apt/archives"

step clone git clone -q --no-local "$src" "$root/root/ddactl"
git -C "$root/root/ddactl" -c advice.detachedHead=false checkout -q "$commit"

# in_root COMMAND: COMMAND in the clone, as a root login shell on the clean
# machine would run it; ninja is held to the machine's cores because the
# clean room shares the machine with whatever else runs.
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		NINJAFLAGS="-j$(nproc)" \
		/bin/bash -c "cd /root/ddactl && $1"
}

step survey in_root 'make survey'
# The survey's Host section, and before it nothing but deps.sh naming what
# it installs: a build that works is quiet.
if ! grep -q '^Host ' "$logs/survey.log"; then
	cat "$logs/survey.log" >&2
	die "make survey printed no Host section"
fi
noise=$(sed '/^Host /,$d' "$logs/survey.log" | grep -v '^deps\.sh: apt-get install ' || true)
if [ -n "$noise" ]; then
	printf '%s\n' "$noise" >&2
	die "make survey printed more than the survey on success (above)"
fi

step check-fast in_root 'make check-fast'
# Two meson test runs (plain and ASan+UBSan), each with tests that passed
# and none that failed: a check-fast that ran nothing is not a pass.
ok=$(awk '/^Ok:/ && $NF + 0 > 0 { n++ } END { print n + 0 }' "$logs/check-fast.log")
bad=$(awk '/^(Fail|Unexpected Pass|Timeout):/ && $NF + 0 > 0 { n++ } END { print n + 0 }' \
	"$logs/check-fast.log")
if [ "$ok" -ne 2 ] || [ "$bad" -ne 0 ]; then
	cat "$logs/check-fast.log" >&2
	die "make check-fast did not show two passing test runs ($ok passing, $bad failing)"
fi
say "unit tests  $(awk '/^Ok:/ { printf "%s%s", s, $NF; s = " + " }' "$logs/check-fast.log") passed (plain + ASan/UBSan)"

cleanup
trap - EXIT
remove_tree "$root"
say "passed in $(since "$total")"
