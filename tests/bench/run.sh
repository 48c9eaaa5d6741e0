#!/bin/bash
# Usage: tests/bench/run.sh RESULTS.md BENCH...
# Runs each benchmark command (each prints a Markdown section of numbers on
# stdout, progress on stderr) and collects them in RESULTS.md. Benchmarks
# report; they do not pass or fail on a number.
set -uo pipefail
cd "$(dirname "$0")/../.."
results=$1
shift
mkdir -p "$(dirname "$results")"
{
	echo "# Benchmarks"
	echo
	echo "Commit $(git describe --always --dirty 2>/dev/null || echo unknown), $(date -u +%FT%TZ), $(nproc) cores, $(uname -m)."
	echo
} >"$results.tmp"
for b in "$@"; do
	echo "bench: $b" >&2
	if ! bash -c "$b" >>"$results.tmp"; then
		printf '\n**%s failed to run**\n\n' "$b" >>"$results.tmp"
	fi
done
mv "$results.tmp" "$results"
echo "bench: wrote $results" >&2
cat "$results"
