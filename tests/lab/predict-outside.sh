#!/bin/bash
# The predict scenario's captures surveyed again outside the lab, on this
# machine: the snapshot must survey as the lab host did live, and the
# groups predicted from the lspci dump (and from the snapshot, with
# --predict) must be the lab kernel's.
#
#   tests/lab/predict-outside.sh DIR    DIR: a run's state/predict/
#
# Prints "ok N - ..." / "not ok N - ..." lines, exits 1 when any failed.
set -uo pipefail
lab=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:?usage: predict-outside.sh DIR}
ddactl=${LAB_BUILD:-$lab/../../build}/ddactl
cmp=$lab/predict-compare.py
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() {	# ok DESC CMD...
	local desc=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		printf '%s\n' "$out" | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
}
ok "outside: survey --from the snapshot" sh -c "'$ddactl' survey --from '$dir/snapshot.json' --json > '$tmp/snap.json'"
ok "outside: the snapshot surveys as the lab host did" python3 "$cmp" --same "$dir/live.json" "$tmp/snap.json"
ok "outside: survey --from the lspci dump" sh -c "'$ddactl' survey --from '$dir/lspci.txt' --json > '$tmp/dump.json'"
if [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["host"]["iommu"]["groups_from"])' "$tmp/dump.json")" = predicted ]; then
	ok "outside: groups predicted from the dump are the lab kernel's" python3 "$cmp" "$dir/groups" "$tmp/dump.json"
else
	echo "# skip outside: no predictor in this build"
fi
if "$ddactl" survey --help | grep -q -- --predict; then
	ok "outside: survey --from the snapshot --predict" sh -c "'$ddactl' survey --from '$dir/snapshot.json' --predict --json > '$tmp/pred.json'"
	ok "outside: groups predicted from the snapshot are the lab kernel's" python3 "$cmp" "$dir/groups" "$tmp/pred.json"
fi
[ "$failed" -eq 0 ]
