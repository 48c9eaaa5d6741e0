#!/bin/bash
# Usage: tests/fuzz/run.sh OUTDIR LIBFUZZER-OPTION...
# Runs every OUTDIR/fuzz_NAME on its corpus OUTDIR/corpus/NAME with the given
# bounds (-runs=N or -max_total_time=S); a crash or leak fails the target.
# A target with a dictionary tests/fuzz/NAME.dict (libFuzzer's -dict format)
# gets it. The corpus is seeded by the module's corpus/NAME/.seeded rule,
# from the committed seeds in tests/fuzz/corpus/NAME/ and the fixtures.
set -uo pipefail
out=$1
shift
here=$(dirname "$0")
. "$here/../lib.sh"
# The targets run side by side, one per core (FUZZ_JOBS), each reported in
# turn once all have ended.
jobs_max=${FUZZ_JOBS:-$(nproc)}
names=()
for bin in "$out"/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	corpus=$out/corpus/$name
	dict=()
	[ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
	mkdir -p "$corpus" "$out/crashes/$name"
	while [ "$(jobs -pr | wc -l)" -ge "$jobs_max" ]; do wait -n; done
	echo "fuzz: $name ($* ${dict[*]}) on $corpus"
	rm -f "$out/fuzz_$name.rc"
	{
		"$bin" "$@" "${dict[@]}" -artifact_prefix="$out/crashes/$name/" "$corpus" >"$out/fuzz_$name.log" 2>&1
		echo $? >"$out/fuzz_$name.rc"
	} &
	names+=("$name")
done
wait
for name in "${names[@]}"; do
	if [ "$(cat "$out/fuzz_$name.rc" 2>/dev/null)" = 0 ]; then
		ok "fuzz $name: $(grep -E '^Done [0-9]+ runs' "$out/fuzz_$name.log" | tail -1)"
	else
		fail "fuzz $name: crash, details in $out/fuzz_$name.log"
		grep -E 'ERROR|SUMMARY|Test unit written' "$out/fuzz_$name.log" | head -5
	fi
done
done_tests
