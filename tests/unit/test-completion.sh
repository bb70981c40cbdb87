#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-completion.sh DDACTL MKFIXTURE COMPLETION: the bash completion as a
# user meets it, on the fake host mkfixture writes: bash with
# bash-completion loaded, COMP_WORDS split as readline splits them, and the
# function's COMPREPLY checked.  (test-options.py checks its option tables
# against the parser.)  One "ok"/"not ok" line per check.
set -u

. "$(dirname "$0")/cli-lib.sh"
completion=${3:?usage: $0 DDACTL MKFIXTURE COMPLETION}
export DDACTL_ROOT=$root

# the completion runs ddactl by the name on the line
mkdir -p "$tmp/bin"
ln -s "$ddactl" "$tmp/bin/ddactl"
export PATH=$tmp/bin:$PATH

# comp LINE: the words the completion offers with the cursor at LINE's end,
# each as it ends up on the line (bash replaces only what follows the last
# ':' of the word, which __ltrim_colon_completions cut off), sorted, one a
# line, in $out.  As nobody with comp_user.
comp_script='
. /usr/share/bash-completion/bash_completion || exit 1
. "$1" || exit 1
line=$2
read -ra parts <<<"$line"
[[ $line == *" " ]] && parts+=("")
COMP_WORDS=()
for w in "${parts[@]}"; do
	if [[ $w != *:* ]]; then
		COMP_WORDS+=("$w")
		continue
	fi
	# COMP_WORDBREAKS: a colon is a word of its own
	while [[ $w == *:* ]]; do
		[ -n "${w%%:*}" ] && COMP_WORDS+=("${w%%:*}")
		COMP_WORDS+=(":")
		w=${w#*:}
	done
	[ -n "$w" ] && COMP_WORDS+=("$w")
done
COMP_LINE=$line COMP_POINT=${#line} COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
_ddactl ddactl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
last=${parts[-1]}
[[ $line == *" " ]] && last=
prefix=
[[ $last == *:* ]] && prefix=${last%:*}:
for r in "${COMPREPLY[@]}"; do
	printf "%s\n" "$prefix$r"
done | sort
'
comp() {
	out=$(bash -c "$comp_script" bash "$completion" "$1" 2>"$tmp/err")
}
comp_user() {
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		bash -c "$comp_script" bash "$completion" "$1" 2>"$tmp/err")
}
lines() { printf '%s\n' "$@"; }

# ------------------------------------------------------------------ words

comp "ddactl dis"
check "a command from its prefix" is "$out" dismount
comp "ddactl "
check "every command, and help" is "$out" "$(lines dismount export help libvirt libvirt-hook log metrics mount pool survey vf vm)"
comp "ddactl --st"
check "a global option" is "$out" --state-dir
comp "ddactl vm st"
check "vm subcommands from a prefix" is "$out" "$(lines start stop)"
comp "ddactl dismount --f"
check "an option of dismount" is "$out" --force
comp "ddactl dismount --"
check "every option of dismount" is "$out" "$(lines --dry-run --force --help --json)"
comp "ddactl vm stop --"
check "vm stop: its own options, not show's" is "$out" "$(lines --all --help --json --timeout)"
comp "ddactl vm create web --firmware "
check "vm create --firmware: its values" is "$out" "$(lines bios uefi)"
comp "ddactl survey --format "
check "survey --format: its values" is "$out" "$(lines dot json text)"
comp "ddactl export "
check "export: the engines" is "$out" "$(lines kubevirt nova sriov-dp)"
comp "ddactl export kubevirt --format "
check "export --format: its values" is "$out" "$(lines json yaml)"
comp "ddactl help v"
check "help: command names" is "$out" "$(lines vf vm)"

# ------------------------------------------------------------------ devices

comp "ddactl survey 0000:01:1"
check "addresses on the fixture, after colons" is "$out" "$(lines 0000:01:10.0 0000:01:10.1)"
comp "ddactl dismount 05"
check "an address without its domain" is "$out" 05:00.0
comp "ddactl survey 0000:"
check "every function of the fixture" is "$(echo "$out" | wc -l)" \
	"$(find "$root/sys/bus/pci/devices" -mindepth 1 -maxdepth 1 | wc -l)"
comp "ddactl vf set "
check "vf set: the fixture's one PF" is "$out" 0000:01:00.0
comp "ddactl vf config 0000:01:00.0 "
check "vf config PF: its VFs by index and address" is "$out" "$(lines 0 0000:01:10.0 0000:01:10.1 1)"
comp "ddactl mount "
check "mount: nothing before a dismount" is "$out" ""

# ------------------------------------------------------------------ pool, VMs

spare=0000:05:00.0
# dismount on the kernel model, as test-cli.sh does: it needs root
if [ -n "${KMODEL:-}" ] && [ "$(id -u)" -eq 0 ]; then
	LD_PRELOAD=$KMODEL run dismount $spare
	check "dismount on the model exits 0" is "$rc" 0
	comp "ddactl mount "
	check "mount: the pooled device" is "$out" $spare
	comp "ddactl mount 0000:05"
	check "mount: the pooled device after a colon" is "$out" $spare
	LD_PRELOAD=$KMODEL run vm create web
	check "vm create exits 0" is "$rc" 0
	comp "ddactl vm start "
	check "vm start: the VM's name" is "$out" web
	comp "ddactl vm add-device w"
	check "vm add-device: a VM name first" is "$out" web
	comp "ddactl vm add-device web "
	check "vm add-device NAME: the free pooled device" is "$out" $spare
	comp "ddactl vm add-device web --any "
	check "vm add-device --any: the free device's ids" is "$out" 8086:1533
	run pool create nics
	check "pool create exits 0" is "$rc" 0
	comp "ddactl pool add "
	check "pool add: a named pool first, even one no VM uses yet" is "$out" nics
	comp "ddactl pool add nics "
	check "pool add NAME: the free pooled device" is "$out" $spare
	comp "ddactl vm add-device web --pool "
	check "vm add-device --pool: the named pools" is "$out" nics
	comp "ddactl --state-dir /state vm show "
	check "--state-dir: the VMs there" is "$out" web
	comp "ddactl --state-dir /elsewhere vm show "
	check "--state-dir: no VMs in an empty one" is "$out" ""
	# As nobody, the build itself must be reachable: a checkout under a 0700
	# home (the clean room's /root) is not, and then the checks say so.
	chmod 0755 "$tmp"
	if setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$completion" -a -x "$ddactl"; then
		comp_user "ddactl vm show "
		check "as a user: VM names from the snapshot" is "$out" web
		comp_user "ddactl mount "
		check "as a user: the pool from the snapshot" is "$out" $spare
	else
		echo "ok $((n += 1)) - as a user # SKIP nobody cannot read the build ($ddactl)"
	fi
	LD_PRELOAD=$KMODEL run vm add-device web $spare
	check "vm add-device exits 0" is "$rc" 0
	comp "ddactl mount "
	check "mount: not a VM's device" is "$out" ""
	comp "ddactl vm add-device web "
	check "vm add-device: nothing free left" is "$out" ""
	comp "ddactl vm remove-device web "
	check "vm remove-device NAME: the VM's device" is "$out" $spare
else
	echo "ok $((n += 1)) - pool and VM completion on the kernel model # SKIP needs root and KMODEL"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
