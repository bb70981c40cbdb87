#!/bin/bash
# quietly.sh COMMAND...: runs COMMAND with its output held back, and shows
# all of it, with the command, when it fails.  A build that works says
# nothing; one that fails says why (meson's missing dependency, apt's or
# dpkg's error, the compiler's message) instead of only "Error 1".
set -u

log=$(mktemp "${TMPDIR:-/tmp}/ddactl-quietly.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT
"$@" >"$log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
	cat "$log" >&2
	echo "${0##*/}: '$*' failed (exit $rc)" >&2
fi
exit "$rc"
