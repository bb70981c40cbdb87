#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# survey-real.sh BINARY: runs `BINARY survey` on this machine's real /sys,
# which it only reads.  Checks that the survey runs, that --json is valid
# JSON with one entry per function in /sys/bus/pci/devices, and that the
# text report runs too.  One "ok"/"not ok" line per check; exit 1 if any
# failed.  Meaningful as root (full config space) and as a user alike.
set -u

bin=${1:?usage: survey-real.sh BINARY}
unset DDACTL_ROOT
export NO_COLOR=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddactl-sys.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
result() {	# result OK DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

if [ ! -d /sys/bus/pci/devices ]; then
	echo "ok 1 - # SKIP no /sys/bus/pci/devices on this machine"
	exit 0
fi
want=$(find /sys/bus/pci/devices -mindepth 1 -maxdepth 1 | wc -l)

"$bin" survey --json >"$tmp/json" 2>"$tmp/json.err"
rc=$?
result "$rc" "survey --json exits 0 (got $rc)"
[ "$rc" = 0 ] || sed 's/^/#   /' "$tmp/json.err"

python3 - "$tmp/json" "$want" >"$tmp/py.out" 2>&1 <<'PY'
import json, os, sys

path, want = sys.argv[1], int(sys.argv[2])
try:
    doc = json.load(open(path))
except ValueError as e:
    print("valid 1 %s" % e)
    sys.exit(0)
print("valid 0")
devs = doc.get("devices") if isinstance(doc, dict) else None
if not isinstance(devs, list):
    print("devices 1 no \"devices\" array")
    sys.exit(0)
print("devices 0")
print("count %d %d devices in the survey, %d in /sys/bus/pci/devices" % (len(devs) != want, len(devs), want))
names = sorted(d.get("address", "") for d in devs)
real = sorted(os.listdir("/sys/bus/pci/devices"))
print("names %d" % (names != real))
verdicts = {"assignable", "assignable-with-force", "not-assignable"}
bad = [d.get("address") for d in devs if d.get("verdict") not in verdicts]
print("verdicts %d %s" % (bool(bad), " ".join(map(str, bad[:5]))))
host = doc.get("host")
print("host %d" % (not isinstance(host, dict) or not isinstance(host.get("ready"), bool)))
PY
field() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/py.out"; }
note() { awk -v k="$1" '$1 == k { $1 = ""; $2 = ""; sub(/^ +/, ""); print }' "$tmp/py.out"; }
sfx() { local t; t=$(note "$1"); [ -n "$t" ] && printf ': %s' "$t"; }
result "$(field valid || echo 1)" "survey --json is valid JSON$(sfx valid)"
result "$(field devices || echo 1)" "survey --json has a \"devices\" array"
result "$(field count || echo 1)" "one entry per PCI function$(sfx count)"
result "$(field names || echo 1)" "the entries are the functions of /sys/bus/pci/devices"
result "$(field verdicts || echo 1)" "every device has a verdict$(sfx verdicts)"
result "$(field host || echo 1)" "the host section says whether it is ready"

"$bin" survey >"$tmp/text" 2>"$tmp/text.err"
rc=$?
result "$rc" "survey (text) exits 0 (got $rc)"
[ "$rc" = 0 ] || sed 's/^/#   /' "$tmp/text.err"
grep -q '^Host' "$tmp/text"
result $? "survey (text) prints the host line"

echo "1..$n"
exit "$failed"
