#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Cockpit page in a real cockpit-ws and a real browser, three times:
#   fixture  the unit tests' fake host, with the kernel model moving driver
#            links and fake-qemu standing in for QEMU: what the page shows
#            is checked against the fake sysfs, what it does against the
#            model's links and fake-qemu's log (page.mjs)
#   big      a 4,096-function fake host (bench/gen-tree): folded, and drawn
#            in time (big.mjs)
#   real     this machine's own /sys, read only (real.mjs)
#
#   tests/cockpit/run.sh BUILD   (BUILD holds ddactl, tests/unit/mkfixture,
#                                 tests/unit/fake-qemu, bench/gen-tree and
#                                 tests/fixture/libkmodel.so; run as root)
# Screenshots go to $COCKPIT_SHOTS (default BUILD/cockpit-shots).
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
ws=/usr/lib/cockpit/cockpit-ws

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddactl-cockpit.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || :; done
	rm -rf "$tmp" "${real_state:-}"
}
trap cleanup EXIT

bash "$src/cockpit/build.sh" "$tmp/data/cockpit/ddactl" >/dev/null
"$build/tests/unit/mkfixture" --vf-spares "$tmp/fixture" >/dev/null
"$build/bench/gen-tree" "$tmp/big" --functions 4096 >/dev/null

# wrapper NAME ENV...: a bin directory whose `ddactl` is the build's with
# ENV, since cockpit-bridge runs `ddactl` from PATH
wrapper() {
	local name=$1 v
	shift
	mkdir -p "$tmp/bin-$name"
	{
		echo '#!/bin/sh'
		for v in "$@"; do printf 'export %q\n' "$v"; done
		printf 'exec %q "$@"\n' "$build/ddactl"
	} >"$tmp/bin-$name/ddactl"
	chmod +x "$tmp/bin-$name/ddactl"
}
wrapper fixture DDACTL_ROOT="$tmp/fixture" DDACTL_STATE_DIR=/state \
	LD_PRELOAD="$build/tests/fixture/libkmodel.so" DDACTL_QEMU="$build/tests/unit/fake-qemu"
wrapper big DDACTL_ROOT="$tmp/big" DDACTL_STATE_DIR=/state
# the real host, with a state directory of its own: what this machine's
# /var/lib/ddactl holds is not the test's business.  In /run, as ddactl
# refuses a state directory below a world-writable directory (/tmp, and
# perhaps the checkout's own parents).
real_state=$(mktemp -d /run/ddactl-cockpit.XXXXXX)
wrapper real DDACTL_STATE_DIR="$real_state"

# a VM to drive, defined before the page opens (the page has no create)
"$tmp/bin-fixture/ddactl" vm create web --memory 512M >/dev/null

# serve NAME: a fresh cockpit-ws on a free port (one serves one browser
# session), the page's URL on stdout once it answers
serve() {
	local port url
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	PATH=$tmp/bin-$1:$PATH XDG_DATA_HOME=$tmp/data \
		"$ws" --port "$port" --address 127.0.0.1 --local-session=cockpit-bridge >"$tmp/ws-$1.log" 2>&1 &
	pids+=($!)
	url="http://127.0.0.1:$port/cockpit/@localhost/ddactl/index.html"
	for _ in $(seq 100); do
		curl -sf -o /dev/null "$url" && break
		sleep 0.2
	done
	echo "$url"
}

out=${COCKPIT_SHOTS:-$build/cockpit-shots}
mkdir -p "$out"
rc=0
for t in fixture big real; do
	case $t in
	fixture) script=page.mjs root=$tmp/fixture ;;
	big) script=big.mjs root=$tmp/big ;;
	real) script=real.mjs root=/ ;;
	esac
	url=$(serve "$t")
	echo "# $t: $script"
	NODE_PATH=$src/cockpit/node_modules COCKPIT_VM_RUN=$tmp/fixture/run/ddactl/vm \
		node "$here/$script" "$url" "$root" "$out" || rc=1
done
exit $rc
