#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/cleanroom/run.sh [CHECKOUT]: the README's Quick start on a machine
# that has never seen ddactl.  A Debian 12 (bookworm) minbase root with git
# and make, as debootstrap makes it, gets a fresh clone of CHECKOUT's HEAD
# commit (default: this directory); there, as root in a chroot with /proc,
# /sys and /dev bound in, `make survey` and `make check-fast` must install
# everything they need, pass, and (survey) print the Host section.  Then
# `make deb` builds the package there, lintian (on this machine) finds no
# error or warning in it, and a second fresh copy of the base, which has
# never seen a build dependency, installs it with apt and checks what an
# administrator meets: cockpit-ddactl's page listed by cockpit-bridge, survey, man page, completion, the units and the rule
# where systemd and udev look, and a purge that removes every file of the
# package and keeps /var/lib/ddactl (debian/postrm says why).
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
# the machine the package is installed on, never the one it was built on
inst=$cache/root-install
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
	local d
	for d in "$root" "$inst"; do
		umount_under "$d" || echo "cleanroom: could not unmount everything under '$d'" >&2
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# fresh_root DIR: a new copy of the base in DIR, made ready to run apt and
# ddactl in a chroot.
# (A step's output is its log, so a refusal here is said and returned, for
# step to show, not died on; and as step runs it in an || list, where set -e
# does not act, every command that can fail says so itself.)
fresh_root() {
	local dir=$1 p d
	cp -a "$base" "$dir" || return 1

	# What the copy must be: the base, with nothing of the build in it yet.
	for p in gcc meson libcmocka-dev python3; do
		if chroot "$dir" dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null |
				grep -qx installed; then
			echo "the base '$base' already has $p; remove it to make a new one"
			return 1
		fi
	done

	# Name resolution for apt as the host has it now, not as it was when
	# the base was made.
	cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
	# An archive snapshot's Release files are past their Valid-Until date;
	# if this machine's apt accepts them, the clean machine has to as well.
	eval "$(apt-config shell valid Acquire::Check-Valid-Until)"
	if [ "${valid:-}" = false ]; then
		echo 'Acquire::Check-Valid-Until "false";' >"$dir/etc/apt/apt.conf.d/50cleanroom"
	fi
	# The certificate authorities this network adds (a TLS-inspecting
	# proxy's, say), as this machine trusts them: `make deb` fetches the
	# Cockpit page's PatternFly from npm's registry through them.  The
	# archive's ca-certificates picks them up when apt installs it.
	if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
		mkdir -p "$dir/usr/local/share/ca-certificates"
		cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
	fi
	# A package's maintainer script must not start its daemon on the host.
	printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
	chmod 0755 "$dir/usr/sbin/policy-rc.d"

	for d in proc sys dev; do
		mount --rbind "/$d" "$dir/$d" || return 1
		# so that unmounting the chroot's view never unmounts the host's
		mount --make-rslave "$dir/$d" || return 1
	done
	mount --bind "$cache/archives" "$dir/var/cache/apt/archives"
}

remove_tree "$root"
step copy fresh_root "$root"

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

# The package, built where the build already ran.  nocheck: the unit tests
# its dh_auto_test would run are the ones check-fast has just passed in this
# same root, from the same tree.
step deb in_root 'DEB_BUILD_OPTIONS=nocheck make deb'
debs=("$root"/root/ddactl/build-deb/ddactl_*.deb)
[ "${#debs[@]}" -eq 1 ] && [ -f "${debs[0]}" ] ||
	die "make deb did not leave one build-deb/ddactl_*.deb (${debs[*]})"
cdebs=("$root"/root/ddactl/build-deb/cockpit-ddactl_*_all.deb)
[ "${#cdebs[@]}" -eq 1 ] && [ -f "${cdebs[0]}" ] ||
	die "make deb did not leave one build-deb/cockpit-ddactl_*_all.deb (${cdebs[*]})"
pkgdir=$cache/deb
rm -rf "$pkgdir"
install -d -m 0755 "$pkgdir"
cp "${debs[0]}" "${cdebs[0]}" "$pkgdir/"
deb=$pkgdir/${debs[0]##*/}
cdeb=$pkgdir/${cdebs[0]##*/}
chmod 0644 "$deb" "$cdeb"

# lintian of this machine (Debian 12 too), as nobody: it refuses nothing as
# root but warns about it.  Errors and warnings both fail: every warning
# is fixed or overridden with its reason (debian/ddactl.lintian-overrides,
# shown in the log with the tags it overrides).
run_lintian() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env -i HOME=/nonexistent PATH=/usr/bin:/bin LANG=C.UTF-8 \
		lintian --fail-on error,warning --display-info --show-overrides "$deb" "$cdeb"
}
step lintian run_lintian

# Where systemd, udev and bash-completion look, as their pkg-config files in
# the build root (which now has them: they are Build-Depends) say.
unitdir=$(chroot "$root" pkg-config --variable=systemdsystemunitdir systemd)
udevdir=$(chroot "$root" pkg-config --variable=udevdir udev)
compdir=$(chroot "$root" pkg-config --variable=completionsdir bash-completion)
[ -n "$unitdir" ] && [ -n "$udevdir" ] && [ -n "$compdir" ] ||
	die "pkg-config in the build root did not name the unit, udev and completion dirs"
umount_under "$root" || die "could not unmount everything under '$root'"
remove_tree "$root"

remove_tree "$inst"
step copy-inst fresh_root "$inst"
cp "$deb" "$cdeb" "$inst/tmp/"
# in_inst COMMAND: COMMAND as root on the machine the package goes to.
in_inst() {
	chroot "$inst" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive /bin/bash -c "cd /tmp && $1"
}
step apt-update in_inst 'apt-get update'
# Depends from the archive.  Recommends (QEMU, for `ddactl vm`, about a
# hundred packages) are left out: they are not what this test proves.
step install in_inst "apt-get install -y --no-install-recommends ./${deb##*/}"
grep -q '^Setting up ddactl ' "$logs/install.log" ||
	{ cat "$logs/install.log" >&2; die "apt did not set up ddactl"; }

# 0: the survey ran, whatever its verdicts (ddactl(8), EXIT STATUS)
step survey-deb in_inst 'ddactl survey'
grep -q '^Host ' "$logs/survey-deb.log" ||
	{ cat "$logs/survey-deb.log" >&2; die "the packaged ddactl survey printed no Host section"; }

# The manual needs man-db and the completion bash-completion, which a
# minbase lacks: man-db is on every standard install (priority important),
# bash-completion is the package's Suggests.
step man-compl in_inst 'apt-get install -y --no-install-recommends man-db bash-completion'
step man in_inst 'man -P cat ddactl | grep -E "^(NAME|EXIT STATUS|REASON CODES)$|ddactl survey"'
[ "$(grep -cE '^(NAME|EXIT STATUS|REASON CODES)$' "$logs/man.log")" -eq 3 ] ||
	{ cat "$logs/man.log" >&2; die "man ddactl lacks its NAME, EXIT STATUS or REASON CODES section"; }

# bash-completion finds the file by itself (its loader looks in its
# completionsdir), as in a login shell with completion on; then su<TAB>.
# shellcheck disable=SC2016
step completion in_inst '
	. /usr/share/bash-completion/bash_completion &&
	! complete -p ddactl 2>/dev/null &&
	{ _completion_loader ddactl; complete -p ddactl; } &&
	fn=$(complete -p ddactl | sed -n "s/.* -F \([^ ]*\) .*/\1/p") &&
	COMP_WORDS=(ddactl su) COMP_CWORD=1 COMP_LINE="ddactl su" COMP_POINT=9 &&
	"$fn" ddactl su ddactl && printf "COMPREPLY %s\n" "${COMPREPLY[@]}"'
grep -qx 'COMPREPLY survey' "$logs/completion.log" ||
	{ cat "$logs/completion.log" >&2; die "ddactl su<TAB> did not offer survey"; }

# Every file where its reader looks, and the units enabled for the next boot
# (deb-systemd-helper, without a running systemd): links to the unit dir
# (absolute, so read, not followed, from out here).
for f in "$unitdir/ddactl-pool.service" "$unitdir/ddactl-vms.service" \
		"$unitdir/ddactl-metrics.service" "$unitdir/ddactl-metrics.timer" \
		"$udevdir/rules.d/60-ddactl.rules" "$compdir/ddactl"; do
	[ -f "$inst$f" ] || die "the installed package has no $f"
done
wants="sysinit.target.wants/ddactl-pool.service multi-user.target.wants/ddactl-vms.service
	timers.target.wants/ddactl-metrics.timer"
for w in $wants; do
	[ "$(readlink "$inst/etc/systemd/system/$w")" = "$unitdir/${w#*/}" ] ||
		die "the install did not enable ${w#*/} (no /etc/systemd/system/$w -> $unitdir/${w#*/})"
done
say "files       units in $unitdir, rule in $udevdir/rules.d, completion in $compdir"

# The Cockpit page: its package brings cockpit-bridge from the archive, and
# the bridge, which is what serves pages to cockpit-ws, lists it.
step cockpit-deb in_inst "apt-get install -y --no-install-recommends ./${cdeb##*/} && cockpit-bridge --packages"
grep -qE '^ddactl[[:space:]].*/usr/share/cockpit/ddactl' "$logs/cockpit-deb.log" ||
	{ cat "$logs/cockpit-deb.log" >&2; die "cockpit-bridge --packages does not list the ddactl page"; }
step cockpit-purge in_inst 'apt-get purge -y cockpit-ddactl'
[ ! -e "$inst/usr/share/cockpit/ddactl" ] || die "apt-get purge cockpit-ddactl left /usr/share/cockpit/ddactl"
say "cockpit     cockpit-bridge --packages lists the page; purged"

# Purge: state first (a real VM definition, so /var/lib/ddactl is what
# ddactl makes of it), then every path dpkg installed must go, except the
# directories other packages still own; /var/lib/ddactl stays.
step vm-create in_inst 'ddactl vm create cleanroom --memory 256'
chroot "$inst" dpkg-query -L ddactl >"$logs/files.list"
step purge in_inst 'apt-get purge -y ddactl'
left=
while IFS= read -r f; do
	[ -n "$f" ] && [ "$f" != /. ] || continue
	# a directory (or /lib, the merged /usr's link to one) that another
	# package still lists is theirs to keep
	if [ -d "$inst$f" ]; then
		chroot "$inst" dpkg-query -S "$f" >/dev/null 2>&1 || left="$left $f"
	elif [ -e "$inst$f" ] || [ -L "$inst$f" ]; then
		left="$left $f"
	fi
done <"$logs/files.list"
for w in $wants; do
	f=/etc/systemd/system/$w
	if [ -e "$inst$f" ] || [ -L "$inst$f" ]; then left="$left $f"; fi
done
[ -z "$left" ] || die "apt-get purge left:$left"
[ -f "$inst/var/lib/ddactl/ddactl.db" ] || die "apt-get purge removed /var/lib/ddactl/ddactl.db"
grep -q 'kept /var/lib/ddactl' "$logs/purge.log" ||
	{ cat "$logs/purge.log" >&2; die "the purge did not say that it kept /var/lib/ddactl"; }
say "purged      $(grep -vc '^/\.$' "$logs/files.list") paths gone, /var/lib/ddactl kept"

cleanup
trap - EXIT
remove_tree "$inst"
say "passed in $(since "$total")"
