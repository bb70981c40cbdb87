#!/bin/bash
# survey --predict --move checked against a real kernel: groups predicted
# from the acs-rules capture, with the NIC below the port without ACS
# (00:03.1) moved into 00:03.0's slot (its own NIC taken out), must be the
# kernel's groups of acs-rules-moved, which boots that tree.  Without the
# move they must not be, so the check sees whether the move was modelled.
#
#   tests/lab/run acs-rules predict && tests/lab/run acs-rules-moved predict
#   tests/lab/predict-move.sh [OUT]        OUT: tests/lab/out by default
set -uo pipefail
lab=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$lab/out}
ddactl=${LAB_BUILD:-$lab/../../build}/ddactl
a=$out/run/predict.acs-rules/state/predict
b=$out/run/predict.acs-rules-moved/state/predict
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
rc=0
"$ddactl" survey --from "$a/lspci.txt" --predict --json --without 0000:04:00.0 \
	--move 0000:05:00.0=0000:00:03.0 >"$tmp/move.json" || exit 1
if python3 "$lab/predict-compare.py" "$b/groups" "$tmp/move.json"; then
	echo "ok 1 - --move from acs-rules predicts the kernel's groups of acs-rules-moved"
else
	echo "not ok 1 - --move from acs-rules predicts the kernel's groups of acs-rules-moved"
	rc=1
fi
"$ddactl" survey --from "$a/lspci.txt" --predict --json >"$tmp/plain.json" || exit 1
if python3 "$lab/predict-compare.py" "$b/groups" "$tmp/plain.json" >/dev/null; then
	echo "not ok 2 - without the move the prediction differs from acs-rules-moved"
	rc=1
else
	echo "ok 2 - without the move the prediction differs from acs-rules-moved"
fi
exit $rc
