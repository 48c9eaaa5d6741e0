#!/bin/bash
# The project's own C follows .clang-format: one check per directory, and
# the files that differ are named (fix with `make format`). Third-party code
# is never in the tree, so every tracked .c and .h is ours.
# Usage: tests/style/format.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
command -v clang-format >/dev/null || { fail "clang-format is not installed"; done_tests; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.h')
declare -A bad total
for f in "${files[@]}"; do
	d=${f%%/*}
	total[$d]=$((${total[$d]:-0} + 1))
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad[$d]="${bad[$d]:-} $f"
done
for d in $(printf '%s\n' "${!total[@]}" | sort); do
	if [ -z "${bad[$d]:-}" ]; then
		ok "$d/: ${total[$d]} files formatted"
	else
		fail "$d/: not formatted:${bad[$d]}"
	fi
done
done_tests
