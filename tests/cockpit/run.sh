#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Cockpit page in a real cockpit-ws and a real browser, against the unit
# tests' fake host: what the page shows is checked against the fake sysfs,
# and what it does is checked in the kernel model's driver links.
#
#   tests/cockpit/run.sh BUILD   (BUILD holds ddactl, tests/unit/mkfixture and
#                                 tests/fixture/libkmodel.so; run as root)
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
ws=/usr/lib/cockpit/cockpit-ws

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddactl-cockpit.XXXXXX")
cleanup() {
	[ -n "${wspid:-}" ] && kill "$wspid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

bash "$src/cockpit/build.sh" "$tmp/data/cockpit/ddactl" >/dev/null
"$build/tests/unit/mkfixture" "$tmp/root" >/dev/null
# cockpit-bridge runs `ddactl` from PATH: this one is the build's, on the
# fake host, moving drivers in the kernel model
mkdir "$tmp/bin"
cat >"$tmp/bin/ddactl" <<WRAP
#!/bin/sh
export DDACTL_ROOT=$tmp/root DDACTL_STATE_DIR=/state LD_PRELOAD=$build/tests/fixture/libkmodel.so
exec $build/ddactl "\$@"
WRAP
chmod +x "$tmp/bin/ddactl"

# a free port, and a fresh cockpit-ws: one serves one browser session
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PATH=$tmp/bin:$PATH XDG_DATA_HOME=$tmp/data \
	"$ws" --port "$port" --address 127.0.0.1 --local-session=cockpit-bridge >"$tmp/ws.log" 2>&1 &
wspid=$!
for _ in $(seq 50); do
	curl -sf -o /dev/null "http://127.0.0.1:$port/cockpit/@localhost/ddactl/index.html" && break
	sleep 0.2
done

out=${COCKPIT_SHOTS:-$build/cockpit-shots}
mkdir -p "$out"
NODE_PATH=$src/cockpit/node_modules node "$here/page.mjs" \
	"http://127.0.0.1:$port/cockpit/@localhost/ddactl/index.html" "$tmp/root" "$out"
