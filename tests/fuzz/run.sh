#!/bin/bash
# Usage: tests/fuzz/run.sh OUTDIR LIBFUZZER-OPTION...
# Runs every OUTDIR/fuzz_NAME on its corpus OUTDIR/corpus/NAME with the given
# bounds (-runs=N or -max_total_time=S); a crash or leak fails the target.
set -uo pipefail
out=$1
shift
. "$(dirname "$0")/../lib.sh"
for bin in "$out"/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	corpus=$out/corpus/$name
	mkdir -p "$corpus" "$out/crashes/$name"
	echo "fuzz: $name ($*) on $corpus"
	if "$bin" "$@" -artifact_prefix="$out/crashes/$name/" "$corpus" >"$out/fuzz_$name.log" 2>&1; then
		ok "fuzz $name: $(grep -E '^Done [0-9]+ runs' "$out/fuzz_$name.log" | tail -1)"
	else
		fail "fuzz $name: crash, details in $out/fuzz_$name.log"
		grep -E 'ERROR|SUMMARY|Test unit written' "$out/fuzz_$name.log" | head -5
	fi
done
done_tests
