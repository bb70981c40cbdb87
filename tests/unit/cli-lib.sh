# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by the CLI tests (test-cli.sh, test-cli-args.sh) with DDACTL and
# MKFIXTURE as $1 $2: a fake host in $root, state in $root/state, and the
# helpers below.  One "ok"/"not ok" line per check.
ddactl=${1:?usage: $0 DDACTL MKFIXTURE}
mkfixture=${2:?usage: $0 DDACTL MKFIXTURE}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddactl-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# the checks run as nobody reach the fake root through it
chmod 0755 "$tmp"
root=$tmp/root
# A state directory is always taken under the root: this is $root/state,
# never the real /var/lib/ddactl.
export DDACTL_STATE_DIR=/state
export NO_COLOR=1
unset DDACTL_ROOT

"$mkfixture" "$root" || { echo "not ok - mkfixture failed"; exit 1; }

n=0
failed=0
check() {	# check DESCRIPTION COMMAND...: ok when COMMAND succeeds
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=$((failed + 1))
	fi
}

# run ARGS...: runs ddactl, leaving $out, $err and $rc
run() {
	"$ddactl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# jsonq EXPR: evaluates a Python expression over the JSON on stdout (as d)
jsonq() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)
' "$tmp/out" "$1" 2>"$tmp/py.err"
}

is() { [ "$1" = "$2" ] || { echo "# expected '$2', got '$1'" >&2; return 1; }; }
has() { case $1 in *"$2"*) ;; *) echo "# expected '$2' in: $1" >&2; return 1 ;; esac; }
lacks() { case $1 in *"$2"*) echo "# did not expect '$2' in: $1" >&2; return 1 ;; esac; }
