#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-json.sh DDACTL MKFIXTURE SCHEMA_DIR: runs every command and
# subcommand with --json on the fake host mkfixture writes (DDACTL_ROOT)
# and a fresh state directory, and validates each document, errors
# included, against docs/schema with python3-jsonschema (check-json.py).
# Add a command's document here when you add the command.
set -u

ddactl=${1:?usage: test-json.sh DDACTL MKFIXTURE SCHEMA_DIR}
mkfixture=${2:?usage: test-json.sh DDACTL MKFIXTURE SCHEMA_DIR}
schemas=${3:?usage: test-json.sh DDACTL MKFIXTURE SCHEMA_DIR}
here=$(dirname "$0")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddactl-json.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
"$mkfixture" "$tmp/root" || { echo "not ok - mkfixture failed"; exit 1; }
export DDACTL_ROOT=$tmp/root NO_COLOR=1
unset DDACTL_STATE_DIR
mkdir -m 0700 "$tmp/state" "$tmp/docs"
root=$([ "$(id -u)" -eq 0 ] && echo 1)
n=0

# doc SCHEMA RC ARGS...: runs ddactl --state-dir S ARGS... --json and
# records that it must exit RC and match SCHEMA (error.schema.json
# when RC is not 0).
doc() {
	local schema=$1 want=$2 rc
	shift 2
	n=$((n + 1))
	"$ddactl" --state-dir "$tmp/state" "$@" --json >"$tmp/docs/$n.json" 2>"$tmp/docs/$n.err"
	rc=$?
	printf '%s\t%s\t%s\t%s\t%s\n' "$tmp/docs/$n.json" "$schema" "$want" "$rc" "ddactl $*" >>"$tmp/manifest"
}

# rootdoc SCHEMA RC ARGS...: a command that needs root; not as root, it
# must refuse with the error document.
rootdoc() {
	if [ -n "$root" ]; then
		doc "$@"
	else
		local schema=$1
		shift 2
		doc "$schema" 1 "$@"
	fi
}

doc version 0 --version
doc error 2 frobnicate
doc error 2 help frobnicate

# ------------------------------------------------------------------ survey

doc survey 0 survey
doc survey 0 survey 0000:01:10.0 'PCIROOT(0)#PCI(0101)#PCI(0000)'
doc error 2 survey bogus
doc error 2 survey --frobnicate

python3 "$here/check-json.py" "$schemas" "$tmp/manifest"
