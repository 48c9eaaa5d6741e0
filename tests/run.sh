#!/bin/bash
# Run every test suite, each in turn, and close with one summary line over
# all of them. A suite is a command printing its own `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
total_pass=0
total_fail=0
failed_suites=()
for suite in "$@"; do
	echo "=== suite: $suite"
	log=$(mktemp)
	start=$(date +%s)
	bash -c "$suite" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	rm -f "$log"
	p=$(echo "$line" | awk '{ print $1 }')
	f=$(echo "$line" | awk '{ print $3 }')
	if [ -z "$line" ]; then p=0; f=1; echo "suite printed no summary: counted as 1 failure"; fi
	if [ "$rc" != 0 ] && [ "${f:-0}" = 0 ]; then f=1; echo "suite exited $rc: counted as 1 failure"; fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" = 0 ] || failed_suites+=("$suite")
	echo "=== suite done in $(($(date +%s) - start)) s: $suite ($p passed, $f failed)"
done
[ ${#failed_suites[@]} = 0 ] || printf 'failed suite: %s\n' "${failed_suites[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
