#!/bin/bash
# The checks a compiler does not make (make check-lint):
#   host-path, state-name   scripts/lint.py (its header says what they mean)
#   format                  clang-format --dry-run --Werror, .clang-format
# Every rule runs, so one run lists every offender as file:line; the exit
# status is 1 when any rule found something.
#
#   scripts/lint.sh [--count] [FILE...]
#     --count  only the number of offenders per rule
set -uo pipefail
cd "$(dirname "$0")/.."

count=
if [ "${1:-}" = --count ]; then
	count=1
	shift
fi

if [ $# -gt 0 ]; then
	src=("$@")
	csrc=("$@")
else
	mapfile -t src < <(git ls-files 'src/*.c' 'src/*.h')
	mapfile -t csrc < <(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c' 'bench/*.h')
fi

out=$(python3 scripts/lint.py "${src[@]}")
# clang-format's own "file:line:col: error: code should be clang-formatted"
# lines, one per changed spot; the source line echo after each is dropped.
fmt=$(clang-format --dry-run --Werror "${csrc[@]}" 2>&1 | grep -E '^[^ ].*:[0-9]+:[0-9]+: (error|warning):' |
	sed -E 's/^([^:]+:[0-9]+):[0-9]+: (error|warning): .*/\1: format: differs from clang-format (.clang-format)/')

all=$(printf '%s\n%s\n' "$out" "$fmt" | sed '/^$/d')
if [ -n "$count" ]; then
	for rule in host-path state-name format; do
		printf '%-11s %s\n' "$rule" "$(grep -c ": $rule: " <<<"$all")"
	done
else
	[ -n "$all" ] && printf '%s\n' "$all"
fi
[ -z "$all" ]
